#!/usr/bin/python3
"""NumPy checks of the logical ALU ops logical_and / logical_or / logical_xor
(NKI 2.26 nki.api.shared.rst, the ALU-op table: arithmetic ops, so on fp32
values, "similar to" numpy.logical_and etc.; legal reductions) in
tensor_tensor, tensor_scalar, scalar_tensor_tensor and tensor_reduce, over
edge cases: NaN (true, as NumPy), +-Inf, denormals, +-0.0 (false), integer
inputs, rows all zero / all nonzero / one element, a negated reduction (-1 or
-0). Bit for bit, signs of zero included. Usage: check_logical_ops.py WORKDIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nksim_case import BitExact, run_kernel  # noqa: E402

F32 = np.float32
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(29)
check = BitExact(equal_nan=False)
NP = {"logical_and": np.logical_and, "logical_or": np.logical_or, "logical_xor": np.logical_xor}




def truthy_mix(shape):
    """Zeros of both signs, and nonzeros that are NaN, +-Inf, denormal or normal."""
    vals = np.array([0.0, -0.0, 0.0, -0.0, np.nan, np.inf, -np.inf, 1e-40, -1e-40, 1.0, -2.5, 3e38], dtype=F32)
    return rng.choice(vals, size=shape).astype(F32)


# ---- tensor_tensor: every pair of edge values ---------------------------------
edge = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-40, -1.0, 7.0], dtype=F32)
a = np.repeat(edge, 8).reshape(8, 8)   # a[p, j] = edge[p]
b = np.tile(edge, 8).reshape(8, 8)     # b[p, j] = edge[j]
for op, f in NP.items():
    for dt, npdt in (("f32", F32), ("u8", np.uint8)):
        src = f"""kernel tt_{op}_{dt}(a: f32[8, 8], b: f32[8, 8]) -> {dt}[8, 8]:
    store(out, isa.tensor_tensor(src0=load(a), src1=load(b), op={op}, dtype={dt}))
"""
        got = run_kernel(work, f"tt_{op}_{dt}", src, {"a": a, "b": b})
        check(f"tensor_tensor {op} edge pairs -> {dt}", got, f(a, b).astype(npdt))

# ---- tensor_tensor on integers (converted to fp32: nonzero is true) -----------
ia = rng.integers(-3, 3, size=(8, 32)).astype(np.int32)
ib = rng.integers(-1, 2, size=(8, 32)).astype(np.int32)
ia[0, 0], ib[0, 0] = np.int32(-2**31), np.int32(2**31 - 1)
for op, f in NP.items():
    src = f"""kernel tti_{op}(a: i32[8, 32], b: i32[8, 32]) -> i32[8, 32]:
    store(out, isa.tensor_tensor(src0=load(a), src1=load(b), op={op}))
"""
    check(f"tensor_tensor {op} i32", run_kernel(work, f"tti_{op}", src, {"a": ia, "b": ib}),
          f(ia, ib).astype(np.int32))

# ---- tensor_scalar: imm 0 and nonzero, both orders, two ops chained ----------
x = truthy_mix((8, 40))
for k, (op0, imm0, rev0, op1, imm1) in enumerate([("logical_and", 0.0, False, "logical_or", 0.0),
                                                   ("logical_or", 0.0, True, "logical_xor", 1.0),
                                                   ("logical_xor", -3.5, False, "logical_and", 1.0),
                                                   ("is_gt", 0.0, False, "logical_xor", 1.0)]):
    src = f"""kernel ts{k}(x: f32[8, 40]) -> f32[8, 40]:
    store(out, isa.tensor_scalar(src=load(x), op0={op0}, imm0={imm0}, reverse0={'true' if rev0 else 'false'}, op1={op1}, imm1={imm1}))
"""
    f0 = (lambda u, v: np.greater(u, v)) if op0 == "is_gt" else NP[op0]
    with np.errstate(invalid="ignore"):
        t = (f0(F32(imm0), x) if rev0 else f0(x, F32(imm0))).astype(F32)
    want = NP[op1](t, F32(imm1)).astype(F32)
    check(f"tensor_scalar ({op0} {imm0}{' reversed' if rev0 else ''}, {op1} {imm1})",
          run_kernel(work, f"ts{k}", src, {"x": x}), want)

# ---- scalar_tensor_tensor: (data op0 s) op1 operand1 ---------------------------
d, o1 = truthy_mix((8, 24)), truthy_mix((8, 24))
src = """kernel stt(d: f32[8, 24], o: f32[8, 24]) -> f32[8, 24]:
    store(out, isa.scalar_tensor_tensor(data=load(d), op0=logical_xor, imm0=1.0, operand1=load(o), op1=logical_or))
"""
want = np.logical_or(np.logical_xor(d, F32(1.0)).astype(F32), o1).astype(F32)
check("scalar_tensor_tensor (logical_xor 1, logical_or)", run_kernel(work, "stt", src, {"d": d, "o": o1}), want)

# ---- tensor_reduce: groups all zero, all nonzero, mixed; one-element rows -----
xr = truthy_mix((8, 4, 6))
xr[0, :, :] = 0.0                 # all false
xr[1, 0, :] = -0.0
xr[2, :, :] = np.nan              # all true (NaN)
xr[3, 1, :] = np.inf
xr[4, 2, :] = [1e-40, 1.0, -1.0, np.nan, 3e38, -np.inf]
for op, f in NP.items():
    for axes, keep in ((1, (4,)), (3, (1,))):
        for negate in (False, True):
            name = f"tr_{op}_{axes}_{int(negate)}"
            src = f"""kernel {name}(x: f32[8, 4, 6]) -> f32[8, {', '.join(map(str, keep))}]:
    store(out, isa.tensor_reduce(src=load(x), op={op}, axes={axes}, negate={'true' if negate else 'false'}))
"""
            group = xr.reshape(8, -1, 6 if axes == 1 else 24)
            want = f.reduce(group, axis=-1).astype(F32).reshape((8,) + keep)
            if negate:
                want = -want  # NKI's negate: -1 x the fp32 result, so false gives -0.0
            check(f"tensor_reduce {op} axes={axes} negate={negate}", run_kernel(work, name, src, {"x": xr}), want)
# One element per row: the result is its truth value (np.logical_and.reduce of
# [x] is bool(x)), not x itself.
x1 = edge.reshape(8, 1)
for op, f in NP.items():
    src = f"""kernel tr1_{op}(x: f32[8, 1]) -> f32[8, 1]:
    store(out, isa.tensor_reduce(src=load(x), op={op}))
"""
    check(f"tensor_reduce {op} one element per row", run_kernel(work, f"tr1_{op}", src, {"x": x1}),
          f.reduce(x1, axis=-1).astype(F32).reshape(8, 1))

sys.exit(check.exit_status())
