#!/usr/bin/python3
"""NumPy checks of tf32 (NKI 2.26 nki.language.tfloat32: 1 sign, 8 exponent,
10 mantissa bits; an nc_matmul input dtype): f32 -> tf32 on a compute
engine and on the DMA, over ties, odd/even neighbours, the overflow edge,
subnormals, NaN, +-Inf and -0.0; a tf32 tensor bound to an fp32 .npy
(NumPy has no tf32: rounded on the way in); a tf32 x tf32 matmul, whose
operands are the rounded values and whose sums are the fp32 ones of
docs/simulator.md. The model rounds by comparing the two tf32 neighbours in
float64 (ties to the even one), independently of the simulator's bit trick.
Bit for bit. Usage: check_tf32.py WORKDIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nksim_case import run_kernel  # noqa: E402

F32 = np.float32
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(41)
failures = 0


def check(name, got, want):
    global failures
    g, w = got.astype(F32).view(np.uint32), want.astype(F32).view(np.uint32)
    nan_g, nan_w = np.isnan(got), np.isnan(want)
    ok = got.shape == want.shape and np.array_equal(nan_g, nan_w) and np.array_equal(g[~nan_g], w[~nan_w])
    if ok:
        print(f"ok {name}")
    else:
        failures += 1
        bad = np.argwhere((g != w) & ~(nan_g & nan_w))[:4].tolist() if got.shape == want.shape else []
        print(f"FAIL {name}: first mismatches {bad}; got {got.ravel()[:6]} want {want.ravel()[:6]}")


def tf32_round(x):
    """Nearest tf32 value (ties to an even last mantissa bit), in float64."""
    with np.errstate(invalid="ignore"):  # NaN and Inf lanes are replaced below
        return _tf32_round(np.asarray(x, F32))


def _tf32_round(x):
    u = x.view(np.uint32)
    lo_bits = u & np.uint32(0xFFFFE000)
    lo = lo_bits.view(F32).astype(np.float64)
    hi_bits = (lo_bits.astype(np.uint64) + 0x2000).astype(np.uint32)
    hi = hi_bits.view(F32).astype(np.float64)
    # Past the largest tf32 the next step up is 2^128 (inf): IEEE overflow.
    hi = np.where(np.isinf(hi), np.copysign(2.0 ** 128, x.astype(np.float64)), hi)
    xd = x.astype(np.float64)
    d_lo, d_hi = np.abs(xd - lo), np.abs(hi - xd)
    lo_even = (lo_bits & np.uint32(0x2000)) == 0
    pick_hi = (d_hi < d_lo) | ((d_hi == d_lo) & ~lo_even)
    out = np.where(pick_hi, hi, lo)
    out = np.where(np.abs(out) >= 2.0 ** 128, np.copysign(np.inf, xd), out)
    out = np.where(np.isnan(x), np.nan, out)
    out = np.where(np.isinf(x), xd, out)
    return out.astype(F32)


def awkward(shape):
    """Normals, plus values on and around every kind of rounding edge."""
    x = rng.standard_normal(shape).astype(F32).reshape(-1)
    base = rng.integers(0x00800000, 0x7F000000, size=64, dtype=np.uint32) & np.uint32(0xFFFFE000)
    edges = np.concatenate([
        base | np.uint32(0x1000),                      # exact ties: even neighbour below or above
        (base | np.uint32(0x1000)) + np.uint32(0x2000),
        base | np.uint32(0x0FFF), base | np.uint32(0x1001),   # just below / above a tie
        np.array([0x7F7FFFFF, 0x7F7FF000, 0x7F7FEFFF, 0xFF7FF000,  # overflow edge (both signs)
                  0x00000001, 0x00001000, 0x00003000, 0x00001001, 0x807FFFFF,  # subnormals
                  0x7FC00000, 0x7F800001, 0xFFC00123,            # NaNs (one payload in dropped bits)
                  0x7F800000, 0xFF800000, 0x80000000, 0x00000000], dtype=np.uint32),
    ]).view(F32)
    x[:edges.size] = edges
    return x.reshape(shape)


x = awkward((128, 8))
want = tf32_round(x)
check("f32 -> tf32 copy (compute engine)", run_kernel(work, "copy_tf32", """kernel c(x: f32[128, 8]) -> tf32[128, 8]:
    store(out, copy(load(x), dtype=tf32))
""", {"x": x}), want)
check("f32 -> tf32 dma", run_kernel(work, "dma_tf32", """kernel d(x: f32[128, 8]) -> tf32[128, 8]:
    store(out, load(x))
""", {"x": x}), want)
check("fp32 .npy bound to a tf32 tensor, read back as f32", run_kernel(work, "in_tf32", """kernel i(x: tf32[128, 8]) -> f32[128, 8]:
    store(out, load(x, dtype=f32))
""", {"x": x}), want)

# ---- tf32 x tf32 matmul ----------------------------------------------------------
K, M, N = 96, 48, 40
a = rng.standard_normal((K, M)).astype(F32)
b = rng.standard_normal((K, N)).astype(F32)
ra, rb = tf32_round(a), tf32_round(b)
acc = np.zeros((M, N), F32)
for k in range(K):  # +0.0, then each product rounded to fp32, in increasing k
    acc = (acc + np.outer(ra[k], rb[k]).astype(F32)).astype(F32)
got = run_kernel(work, "mm_tf32", f"""kernel mm(a: f32[{K}, {M}], b: f32[{K}, {N}]) -> f32[{M}, {N}]:
    let ta = copy(load(a), dtype=tf32)
    let tb = copy(load(b), dtype=tf32)
    store(out, matmul(ta, tb, transpose_x=true))
""", {"a": a, "b": b})
check("tf32 x tf32 matmul (operands rounded, fp32 sums)", got, acc)
fp32 = np.zeros((M, N), F32)
for k in range(K):
    fp32 = (fp32 + np.outer(a[k], b[k]).astype(F32)).astype(F32)
print("tf32 matmul differs from the fp32 one:", not np.array_equal(got, fp32))
print("failures:", failures)
sys.exit(1 if failures else 0)
