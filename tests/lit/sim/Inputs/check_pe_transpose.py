#!/usr/bin/python3
"""NumPy checks of nc_matmul with is_transpose (NKI 2.26: "a transpose
operation with moving as an identity matrix") and of nc_transpose on the
Tensor engine (NKI 2.26: "performing a matrix multiplication between data as
the stationary tensor and an identity matrix as the moving tensor"). Bit for bit, over NaN, +-Inf, -0.0, subnormals and normals,
from f32, bf16 and fp8 (e5m2) operands:
  trn2 (NeuronCore-v3): the values moved unchanged (dst = stationary^T), as
  nc_transpose moves them (the same code);
  trn1 (NeuronCore-v2): NKI 2.26 says a matmul-style transpose "is not
  bit-accurate if the input data contains NaN/Inf": the matmul by the
  identity, summed from +0.0 in increasing k (docs/simulator.md), so a NaN or
  Inf spreads along its dst row and -0.0 becomes +0.0, for both
  instructions.
Usage: check_pe_transpose.py WORKDIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nksim_case import BitExact, run_kernel  # noqa: E402

F32 = np.float32
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(7)
check = BitExact()
K, M = 64, 32


def awkward(low_zero_bits):
    """[K, M] normals with NaN, +-Inf, -0.0 and subnormals planted, each value
    exact in a dtype whose f32 image has `low_zero_bits` zero low bits."""
    x = rng.standard_normal((K, M)).astype(F32)
    x.reshape(-1)[:8] = [np.nan, np.inf, -np.inf, -0.0, 0.0, 1.0, -2.5, 3.0e-39 if low_zero_bits < 16 else 0.0]
    rng.shuffle(x.reshape(-1)[:K * M // 2])  # the specials land in several columns
    u = x.view(np.uint32) & np.uint32((0xFFFFFFFF << low_zero_bits) & 0xFFFFFFFF)
    u[np.isnan(x)] = 0x7FC00000
    return u.view(F32)


def identity_matmul(s):
    """stationary^T @ I as the simulator's matmul sums: +0.0, then each
    exact product, in increasing k."""
    acc = np.zeros((s.shape[1], s.shape[0]), F32)
    eye = np.eye(s.shape[0], dtype=F32)
    with np.errstate(invalid="ignore"):
        for k in range(s.shape[0]):
            acc = (acc + np.outer(s[k], eye[k]).astype(F32)).astype(F32)
    return acc


eye = np.eye(K, dtype=F32)
for dt, bits in (("f32", 0), ("bf16", 16), ("f8e5m2", 21)):
    # f8e5m2: 2 mantissa bits; keep normals in its range
    s = awkward(bits)
    if dt == "f8e5m2":
        s = np.where(np.isfinite(s), np.clip(s, -57344.0, 57344.0), s).astype(F32)
        s = np.where(np.abs(s) < 2.0 ** -14, np.copysign(F32(0), s), s).astype(F32)
    cast = "" if dt == "f32" else f", dtype={dt}"
    mm = f"""kernel t(w: f32[{K}, {M}], e: f32[{K}, {K}]) -> f32[{M}, {K}]:
    store(out, copy(isa.nc_matmul(stationary=copy(load(w){cast}), moving=copy(load(e){cast}), is_transpose=true)))
"""
    tr = f"""kernel t(w: f32[{K}, {M}]) -> f32[{M}, {K}]:
    store(out, copy(isa.nc_transpose(src=copy(load(w){cast}), engine=tensor), dtype=f32))
"""
    for target in ("trn2", "trn1"):
        want = s.T.copy() if target == "trn2" else identity_matmul(s)
        got = run_kernel(work, f"mm_{dt}_{target}", mm, {"w": s, "e": eye}, ["--target", target])
        check(f"nc_matmul is_transpose {dt} {target}", got, want)
        got = run_kernel(work, f"tr_{dt}_{target}", tr, {"w": s}, ["--target", target])
        check(f"nc_transpose tensor {dt} {target}", got, want)
    # The same finite data, no specials: every target moves the values.
    f = np.where(np.isfinite(s) & ~((s == 0) & np.signbit(s)), s, F32(1)).astype(F32)
    got = run_kernel(work, f"mm_{dt}_finite", mm, {"w": f, "e": eye}, ["--target", "trn1"])
    check(f"nc_matmul is_transpose {dt} trn1 finite = the values", got, f.T.copy())
    got = run_kernel(work, f"tr_{dt}_finite", tr, {"w": f}, ["--target", "trn1"])
    check(f"nc_transpose tensor {dt} trn1 finite = the values", got, f.T.copy())

# The trn1 matmul really spreads a NaN along its row (the reference is not
# the plain transpose).
s = awkward(0)
print("trn1 differs from the plain transpose:", not np.array_equal(identity_matmul(s), s.T, equal_nan=True))
sys.exit(check.exit_status())
