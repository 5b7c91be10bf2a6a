#!/usr/bin/python3
"""dma-transpose.test's NumPy check: each output holds its input transposed
bit for bit (NaN payloads compared as NaN), the bf16 rows rounded to nearest
even. Usage: check_dma_transpose.py DIR [sbuf] (x.npy o2.npy y.npy o3.npy z.npy
o4.npy); with sbuf, the 2-d view is dma_transpose_2d_sbuf.tile's."""
import sys

import numpy as np


def same(got, want):
    return got.shape == want.shape and bool(np.all(
        (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))))


def bf16(a):
    u = a.view(np.uint32).astype(np.uint64)
    r = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(a), np.float32(np.nan), r)


d = sys.argv[1]
x, o2 = np.load(f"{d}/x.npy"), np.load(f"{d}/o2.npy")
v = (x[2:6, 4:12] if sys.argv[2:] == ["sbuf"] else x[0:8:2, 4:12]).T
print("2d", same(o2[0:16], x.T))
print("2d bf16", same(o2[16:32], bf16(x.T)))
print("2d view", same(o2[32:40], np.concatenate([v, v], axis=1)))
y, o3 = np.load(f"{d}/y.npy"), np.load(f"{d}/o3.npy")
print("3d", same(o3, np.transpose(y, (2, 1, 0))))
z, o4 = np.load(f"{d}/z.npy"), np.load(f"{d}/o4.npy")
print("4d", same(o4, np.transpose(z, (3, 1, 2, 0))))
