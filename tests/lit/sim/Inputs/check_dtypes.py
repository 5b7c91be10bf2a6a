#!/usr/bin/python3
"""NumPy checks of the narrow dtypes: fp8 e4m3/e5m2 and i8/i16/u16/u32.

The fp8 model is written from the formats' definitions (NKI 2.26 declares
nki.language float8_e4m3 / float8_e5m2 as ml_dtypes' IEEE-like types; see
docs/isa.md "Dtypes"), not from our C++: every code decoded from sign,
exponent and mantissa, and encoding as "the nearest representable value,
ties to the even code, beyond the largest finite plus half an ulp to inf".
Each case runs a small kernel in nksim and compares bits (NaN == NaN).
Usage: check_dtypes.py WORKDIR
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nksim_case import run_kernel  # noqa: E402

F32 = np.float32
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(5)
failures = 0

FP8 = {"f8e4m3": (4, 3, 7), "f8e5m2": (5, 2, 15)}  # exponent bits, mantissa bits, bias


def fp8_decode(name):
    """float32 value of every code 0..255."""
    e_bits, m_bits, bias = FP8[name]
    out = np.empty(256, F32)
    for c in range(256):
        s, e, m = c >> 7, (c >> m_bits) & ((1 << e_bits) - 1), c & ((1 << m_bits) - 1)
        if e == (1 << e_bits) - 1:
            v = np.inf if m == 0 else np.nan
        elif e == 0:
            v = m * 2.0 ** (1 - bias - m_bits)
        else:
            v = (1 + m / 2 ** m_bits) * 2.0 ** (e - bias)
        out[c] = -v if s else v
    return out


def fp8_encode(name, x):
    """Codes of float32 values x: round to nearest, ties to even, IEEE overflow."""
    table = fp8_decode(name).astype(np.float64)
    e_bits, m_bits, _ = FP8[name]
    inf_code = ((1 << e_bits) - 1) << m_bits
    pos = np.arange(inf_code)  # finite non-negative codes, increasing in value
    vals = table[pos]
    max_finite = vals[-1]
    half_ulp_top = (vals[-1] - vals[-2]) / 2
    out = np.empty(x.shape, np.uint8)
    for i, v in np.ndenumerate(x.astype(np.float64)):
        sign = 0x80 if np.signbit(v) else 0
        a = abs(v)
        if np.isnan(v):
            out[i] = sign | inf_code | (1 << (m_bits - 1))
            continue
        if a >= max_finite + half_ulp_top:  # the tie at the top goes to the even code: inf
            out[i] = sign | inf_code
            continue
        j = np.searchsorted(vals, a)  # vals[j-1] < a <= vals[j]
        if j == len(vals):  # above the largest finite, below the overflow edge
            code = j - 1
        elif vals[j] == a:
            code = j
        else:
            lo, hi = j - 1, j
            dl, dh = a - vals[lo], vals[hi] - a
            code = lo if dl < dh else hi if dh < dl else (lo if lo % 2 == 0 else hi)
        out[i] = sign | code
    return out


def run(name, source, inputs):
    return run_kernel(work, name, source, inputs)


def check(name, got, want):
    global failures
    ok = got.shape == want.shape and got.dtype == want.dtype and np.array_equal(
        got, want, equal_nan=got.dtype.kind == "f")
    if not ok:
        failures += 1
        print(f"FAIL {name}: got {got.dtype}{got.shape} {got.ravel()[:8]} want {want.dtype}{want.shape} "
              f"{want.ravel()[:8]}")
    else:
        print(f"ok {name}")


def awkward_f32(name, shape):
    """Values that test an fp8 encoder: every midpoint between neighbouring
    codes (ties), a hair either side of each, the overflow edge, subnormals,
    NaN, +-inf, -0.0, then random normals."""
    table = fp8_decode(name).astype(np.float64)
    e_bits, m_bits, _ = FP8[name]
    vals = table[:((1 << e_bits) - 1) << m_bits]
    mids = (vals[:-1] + vals[1:]) / 2
    top = vals[-1] + (vals[-1] - vals[-2]) / 2
    special = np.concatenate([mids, np.nextafter(mids.astype(F32), F32(np.inf)),
                              np.nextafter(mids.astype(F32), F32(0)), [top, np.nextafter(F32(top), F32(0)), 1e30,
                                                                       np.nan, np.inf, -np.inf, -0.0, 1e-40]])
    special = np.concatenate([special, -special]).astype(F32)
    x = (rng.standard_normal(np.prod(shape)) * 4).astype(F32)
    n = min(len(special), x.size)
    x[:n] = special[:n]
    if len(special) > x.size:
        raise SystemExit("awkward_f32: shape too small for the special values")
    return x.reshape(shape)


# ---- f32 -> fp8 on a compute engine (copy) and on the DMA (store) ----------
for name in FP8:
    x = awkward_f32(name, (128, 8))
    want = fp8_encode(name, x)
    got = run(f"copy_{name}", f"""kernel c(x: f32[128, 8]) -> {name}[128, 8]:
    store(out, copy(load(x), dtype={name}))
""", {"x": x})
    check(f"f32 -> {name} copy", got.view(np.uint8), want)
    got = run(f"dma_{name}", f"""kernel d(x: f32[128, 8]) -> {name}[128, 8]:
    store(out, load(x))
""", {"x": x})
    check(f"f32 -> {name} dma", got.view(np.uint8), want)

# ---- fp8 -> f32: every code, read from a '|V1' .npy (ml_dtypes' descr) ------
for name in FP8:
    codes = np.arange(256, dtype=np.uint8).reshape(32, 8)
    got = run(f"decode_{name}", f"""kernel d(x: {name}[32, 8]) -> f32[32, 8]:
    store(out, load(x, dtype=f32))
""", {"x": codes.view("V1")})
    check(f"{name} -> f32 all codes", got, fp8_decode(name)[codes])

# ---- fp8 matmul: small integers, so every product and sum is exact ---------
a = rng.integers(-8, 9, size=(64, 32)).astype(F32)
b = rng.integers(-8, 9, size=(64, 16)).astype(F32)
got = run("mm_fp8", """kernel mm(a: f8e4m3[64, 32], b: f8e5m2[64, 16]) -> f32[32, 16]:
    store(out, matmul(load(a), load(b), transpose_x=true))
""", {"a": fp8_encode("f8e4m3", a).view("V1"), "b": fp8_encode("f8e5m2", b).view("V1")})
check("f8e4m3 x f8e5m2 matmul", got, (a.T @ b).astype(F32))

# ---- integers: f32 -> int truncates toward zero, saturates, NaN -> 0 -------
INTS = {"i8": np.int8, "i16": np.int16, "u16": np.uint16, "u32": np.uint32}
for name, t in INTS.items():
    info = np.iinfo(t)
    x = (rng.standard_normal(1024) * float(info.max) / 2).astype(F32)
    x[:12] = [np.nan, np.inf, -np.inf, 1e30, -1e30, float(info.max) + 0.5, float(info.min) - 0.5, -0.9, 0.9, -1.5,
              2.5, -0.0]
    x = x.reshape(128, 8)
    with np.errstate(invalid="ignore"):
        clipped = np.clip(np.trunc(np.nan_to_num(x, nan=0.0).astype(np.float64)), float(info.min), float(info.max))
    want = clipped.astype(t)
    got = run(f"toint_{name}", f"""kernel c(x: f32[128, 8]) -> {name}[128, 8]:
    store(out, copy(load(x), dtype={name}))
""", {"x": x})
    check(f"f32 -> {name}", got, want)
    # And back: every value of the dtype (or a random sample for u32) widens
    # to the nearest f32.
    v = (np.arange(info.min, info.max + 1, dtype=np.int64) if info.bits <= 16 else
         rng.integers(0, 2 ** 32, size=4096, dtype=np.int64)).astype(t)
    v = v[: (v.size // 128) * 128].reshape(128, -1)
    got = run(f"fromint_{name}", f"""kernel w(x: {name}[{v.shape[0]}, {v.shape[1]}]) -> f32[{v.shape[0]}, {v.shape[1]}]:
    store(out, load(x, dtype=f32))
""", {"x": v})
    check(f"{name} -> f32", got, v.astype(F32))

# ---- promotion and integer ALU ops -------------------------------------------
p = rng.integers(-128, 128, size=(16, 8)).astype(np.int8)
q = rng.integers(0, 256, size=(16, 8)).astype(np.uint8)
got = run("promote", """kernel p(a: i8[16, 8], b: u8[16, 8]) -> i16[16, 8]:
    store(out, load(a) + load(b))
""", {"a": p, "b": q})
check("i8 + u8 -> i16 (NKI promotion)", got, p.astype(np.int16) + q.astype(np.int16))
u = rng.integers(0, 2 ** 16, size=(16, 8)).astype(np.uint16)
w = rng.integers(0, 2 ** 16, size=(16, 8)).astype(np.uint16)
for op, fn in (("bitwise_xor", np.bitwise_xor), ("bitwise_and", np.bitwise_and), ("bitwise_or", np.bitwise_or)):
    got = run(f"bits_{op}", f"""kernel b(a: u16[16, 8], b: u16[16, 8]) -> u16[16, 8]:
    store(out, isa.tensor_tensor(src0=load(a), src1=load(b), op={op}))
""", {"a": u, "b": w})
    check(f"u16 {op}", got, fn(u, w))

print("failures:", failures)
sys.exit(1 if failures else 0)
