"""numpy.test helper: `gen DIR` writes x.npy, y.npy; `check DIR` compares the
simulator's outputs with NumPy and prints one verdict line per output."""
import os
import sys

import numpy as np

mode, d = sys.argv[1], sys.argv[2]
if mode == "gen":
    rng = np.random.default_rng(7)
    # Mixed magnitudes so that summation order matters.
    x = (rng.standard_normal((4, 300)) * np.exp(rng.uniform(-8, 8, (4, 300)))).astype(np.float32)
    x[:, ::7] = rng.uniform(-4, 4, (4, 43)).astype(np.float32)
    y = rng.uniform(0.5, 2.0, (4, 300)).astype(np.float32)
    np.save(os.path.join(d, "x.npy"), x)
    np.save(os.path.join(d, "y.npy"), y)
    sys.exit(0)

x = np.load(os.path.join(d, "x.npy"))
y = np.load(os.path.join(d, "y.npy"))
got = {n: np.load(os.path.join(d, n + ".npy")) for n in ("sum", "mx", "e", "esum", "prod", "quot", "rb")}


def bf16_round_trip(a):
    """f32 -> bf16 (round to nearest even) -> f32, with integer ops."""
    u = a.view(np.uint32).astype(np.uint64)
    u = (u + 0x7FFF + ((u >> 16) & 1)) >> 16
    return (u.astype(np.uint32) << 16).view(np.float32)


def exact(name, want):
    g = got[name].reshape(want.shape)
    same = np.array_equal(g.view(np.uint32), want.astype(np.float32).view(np.uint32))
    print("%s: %s" % (name, "bit-exact" if same else "MISMATCH max diff %g" % np.max(np.abs(g - want))))


# A running sum must differ from NumPy's somewhere, or the test proves nothing.
running = np.zeros(4, np.float32)
for j in range(300):
    running = (running + x[:, j]).astype(np.float32)
assert not np.array_equal(running, np.sum(x, axis=1)), "inputs do not discriminate summation orders"

exact("sum", np.sum(x, axis=1, keepdims=True))
exact("mx", np.max(x, axis=1, keepdims=True))
exact("prod", x * y)
exact("quot", x * (np.float32(1) / y))  # NKI 2.26's ALU table has no divide: x * reciprocal(y)
exact("rb", bf16_round_trip(x))
# exp: the simulator uses the C library's expf, which (glibc >= 2.28) is
# correctly rounded; NumPy's SIMD np.exp is a few ulp off on some inputs.
with np.errstate(over="ignore"):
    a = x * np.float32(0.5)
    rounded = np.exp(a.astype(np.float64)).astype(np.float32)
    ulps = np.abs(got["e"].view(np.int32).astype(np.int64) - np.exp(a).view(np.int32).astype(np.int64))
same = np.array_equal(got["e"].view(np.uint32), rounded.view(np.uint32))
print("e: %s; %s" % ("correctly rounded" if same else "NOT correctly rounded",
                     "within 4 ulp of np.exp" if ulps.max() <= 4 else "%d ulp from np.exp" % ulps.max()))
exact("esum", np.sum(got["e"], axis=1, keepdims=True))
