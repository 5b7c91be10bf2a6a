#!/usr/bin/python3
"""dge.test's NumPy check: every output (one per dge_mode) holds x bit for bit
in rows 0-7 (an f32 -> f32 DMA) and x rounded to bf16 (nearest even; NaN
stays NaN) in rows 8-15. Usage: check_dge.py X.npy OUT.npy..."""
import sys

import numpy as np

x = np.load(sys.argv[1])
u = x.view(np.uint32).astype(np.uint64)
bf = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
want = np.concatenate([x, bf])
for path in sys.argv[2:]:
    got = np.load(path)
    same = got.shape == want.shape and bool(np.all(
        (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))))
    exact_f32 = got.shape == want.shape and np.array_equal(got[:8].view(np.uint32), x.view(np.uint32))
    print("ok" if same and exact_f32 else "FAIL", path.rsplit("/", 1)[-1])
