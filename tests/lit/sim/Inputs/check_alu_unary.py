#!/usr/bin/python3
"""NumPy checks of NKI 2.26's one-operand ALU ops in tensor_scalar (rsqrt on
GpSimd, reciprocal and abs on Vector; nki.api.shared.rst, the ALU-op table)
and of tensor_tensor's GpSimd forms (pow; integer add / subtract / multiply
in integers, dst keeping the low bits), over edge cases: NaN, +-Inf, +-0,
denormals, negatives, the fp32 extremes, int32 overflow. Bit for bit, signs
of zero included. Usage: check_alu_unary.py WORKDIR"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nksim_case import BitExact, run_kernel  # noqa: E402

F32 = np.float32
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(31)
check = BitExact()


edge = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e-45, -1e-45, 1e-40, 1.1754942e-38, 1.0, -1.0, 4.0, 0.25,
                 3.4028235e38, -3.4028235e38, 2.0 ** -126, 7.0, -0.5, 1e30, 1e-30], dtype=F32)
x = np.concatenate([edge, rng.uniform(-100, 100, 8 * 16 - edge.size).astype(F32)]).reshape(8, 16)
x[7, :8] = np.abs(rng.standard_normal(8)).astype(F32)  # plain positives


def kernel(name, expr, out="f32"):
    return f"kernel {name}(a: f32[8, 16]) -> {out}[8, 16]:\n    let x = load(a)\n    store(out, {expr})\n"


with np.errstate(all="ignore"):
    # rsqrt: 1/sqrt(x) in double, rounded once (NKI: more precise than the
    # Scalar engine's; we choose correctly rounded where double allows).
    want = (1.0 / np.sqrt(x.astype(np.float64))).astype(F32)
    got = run_kernel(work, "rsqrt", kernel("rsqrt", "isa.tensor_scalar(src=x, op0=rsqrt, imm0=0.0, engine=gpsimd)"),
                     {"a": x})
    check("tensor_scalar rsqrt (gpsimd) edge values", got, want)
    # reciprocal: an fp32 division (1/+-0 = +-inf, 1/denormal = inf or huge).
    got = run_kernel(work, "recip", kernel("recip", "isa.tensor_scalar(src=x, op0=reciprocal, engine=vector)"),
                     {"a": x})
    check("tensor_scalar reciprocal (vector) edge values", got, (F32(1.0) / x).astype(F32))
    # abs: the sign cleared (-0 -> +0, NaN stays NaN).
    got = run_kernel(work, "abs", kernel("abs", "isa.tensor_scalar(src=x, op0=abs)"), {"a": x})
    check("tensor_scalar abs edge values", got, np.abs(x))
    # Two-op chains: (x - 1.5) then abs; x * 2 then reciprocal; reciprocal
    # then (3 - t) with reverse1; the operand of the unary op is ignored.
    got = run_kernel(work, "subabs", kernel("subabs", "isa.tensor_scalar(src=x, op0=subtract, imm0=1.5, op1=abs, "
                                                       "imm1=99.0)"), {"a": x})
    check("tensor_scalar (subtract 1.5, abs)", got, np.abs(x - F32(1.5)))
    got = run_kernel(work, "mulrec", kernel("mulrec", "isa.tensor_scalar(src=x, op0=multiply, imm0=2.0, "
                                                       "op1=reciprocal)"), {"a": x})
    check("tensor_scalar (multiply 2, reciprocal)", got, F32(1.0) / (x * F32(2.0)))
    got = run_kernel(work, "recsub", kernel("recsub", "isa.tensor_scalar(src=x, op0=reciprocal, op1=subtract, "
                                                       "imm1=3.0, reverse1=true)"), {"a": x})
    check("tensor_scalar (reciprocal, 3 - t)", got, F32(3.0) - F32(1.0) / x)
    # ---- tensor_tensor pow on GpSimd: fp32 powf -----------------------------
    base = np.array([0.0, -0.0, 2.0, -2.0, 0.5, np.nan, np.inf, -np.inf, 1.0, -1.0, 1e-40, 10.0, -8.0, 3.0, 1e10,
                     0.0], dtype=F32)
    expo = np.array([0.0, -1.0, 0.5, 2.0, -3.0, 0.0, np.nan, 0.5, np.inf, np.inf, 2.0, 38.5, 1.0 / 3, -0.0, 4.0,
                     -0.5], dtype=F32)
    pa = np.stack([np.roll(base, k) for k in range(8)])
    pb = np.stack([np.roll(expo, -k) for k in range(8)])
    src = ("kernel ttpow(a: f32[8, 16], b: f32[8, 16]) -> f32[8, 16]:\n"
           "    store(out, isa.tensor_tensor(src0=load(a), src1=load(b), op=pow, engine=gpsimd))\n")
    got = run_kernel(work, "ttpow", src, {"a": pa, "b": pb})
    # (The reference in double, rounded once: NumPy's own float32 power may
    # use a SIMD approximation a unit in the last place off.)
    check("tensor_tensor pow (gpsimd) edge pairs", got, np.power(pa.astype(np.float64), pb.astype(np.float64)).astype(F32))

# ---- tensor_tensor integer add / subtract / multiply on GpSimd -------------
# In integers (NKI 2.26: 32-bit integer add and multiply only on GpSimd),
# wrapping at 2^32; an i32 beyond 2^24 stays exact (fp32 would round it).
big = np.array([2**31 - 1, -2**31, 2**24 + 1, -(2**24 + 3), 16777217, 65535, -1, 0, 46341, -46341, 123456789,
                7, 2**30, -2**30, 99, 1], dtype=np.int64)
ia = np.stack([np.roll(big, k) for k in range(4)]).astype(np.int32)
ib = np.stack([np.roll(big[::-1], k) for k in range(4)]).astype(np.int32)
for op, f in (("add", np.add), ("subtract", np.subtract), ("multiply", np.multiply)):
    src = (f"kernel tti_{op}(a: i32[4, 16], b: i32[4, 16]) -> i32[4, 16]:\n"
           f"    store(out, isa.tensor_tensor(src0=load(a), src1=load(b), op={op}, engine=gpsimd))\n")
    got = run_kernel(work, f"tti_{op}", src, {"a": ia, "b": ib})
    want = (f(ia.astype(np.int64), ib.astype(np.int64)) & 0xFFFFFFFF).astype(np.uint32).view(np.int32)
    check(f"tensor_tensor {op} (gpsimd) i32 wraps", got, want)
# Narrower dst keeps the low bits: u8 of an i32 sum.
src = ("kernel tti_u8(a: i32[4, 16], b: i32[4, 16]) -> u8[4, 16]:\n"
       "    store(out, isa.tensor_tensor(src0=load(a), src1=load(b), op=add, engine=gpsimd, dtype=u8))\n")
got = run_kernel(work, "tti_u8", src, {"a": ia, "b": ib})
check("tensor_tensor add (gpsimd) i32 -> u8 low bits", got,
      ((ia.astype(np.int64) + ib.astype(np.int64)) & 0xFF).astype(np.uint8))
# The Vector engine's integer add goes through fp32: 2^24 + 1 rounds.
src = ("kernel ttv(a: i32[4, 16], b: i32[4, 16]) -> i32[4, 16]:\n"
       "    store(out, isa.tensor_tensor(src0=load(a), src1=load(b), op=subtract, engine=vector))\n")
small = np.full((4, 16), 2**24 + 1, np.int32)
got = run_kernel(work, "ttv", src, {"a": small, "b": np.zeros((4, 16), np.int32)})
check("tensor_tensor subtract (vector) i32 through fp32", got, np.full((4, 16), 2**24, np.int32))

sys.exit(check.exit_status())
