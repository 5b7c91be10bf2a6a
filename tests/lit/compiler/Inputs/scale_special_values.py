"""For scale-as-activation.tile: writes the input (argv[1] = 'gen OUT.npy'), or
checks two outputs ('check X.npy TRN1.npy TRN2.npy').

The input is random normals whose first columns are special values: +-0.0,
subnormals whose product rounds to -0.0 or +-tiny, +-fp32 max (overflow), inf,
NaN, +-1, +-the smallest normal. The kernel multiplies x by 2.0, 0.5 and -3.0
into three column blocks of out."""
import sys

import numpy as np

SCALES = [2.0, 0.5, -3.0]

if sys.argv[1] == "gen":
    x = np.random.default_rng(7).standard_normal((128, 256)).astype(np.float32)
    special = np.array([0.0, -0.0, 1e-45, -1e-45, -2.8e-45, 1e-40, -1e-40, 3e38, -3e38, np.inf, -np.inf, np.nan,
                        1.0, -1.0, 1.17549435e-38, -1.17549435e-38], dtype=np.float32)
    x[:, :special.size] = special
    np.save(sys.argv[2], x)
    sys.exit(0)

x = np.load(sys.argv[2])
trn1 = np.load(sys.argv[3]).view(np.uint32)
trn2 = np.load(sys.argv[4]).view(np.uint32)
n = x.shape[1]
with np.errstate(over="ignore"):
    want = np.concatenate([x * np.float32(s) for s in SCALES], axis=1).view(np.uint32)
# trn2 runs every multiply as tensor_scalar: NumPy's fp32 product, bit for bit.
assert (trn2 == want).all(), np.argwhere(trn2 != want)[:5]
# trn1 runs some as activation(identity, scale): the same bits except that a
# -0.0 product is +0.0 there, the documented difference.
NEG_ZERO = 0x80000000
diff = trn1 != trn2
assert (trn2[diff] == NEG_ZERO).all() and (trn1[diff] == 0).all(), np.argwhere(diff & (trn2 != NEG_ZERO))[:5]
# The activation form was used (checked by FileCheck) and met a -0.0 product.
assert diff.any(), "no -0.0 product became +0.0: the activation form did not run on one"
blocks = sorted({int(j) // n for j in np.argwhere(diff)[:, 1]})
print("blocks with +0.0 for -0.0:", blocks)
