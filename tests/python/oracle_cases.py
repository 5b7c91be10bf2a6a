#!/usr/bin/python3
"""Writes NumPy float32 results for the C++ oracle to match (test_oracle_numpy.cpp).

Usage: oracle_cases.py OUT_DIR

Every case is a set of .npy files in OUT_DIR:
  sum_<n>_{x,all,last,first}.npy   x (4, n) float32 and np.sum over all / axis -1 / axis 0
  softmax_{x,out}.npy              large-magnitude logits and their softmax
  <case>_{q,k,v}.npy               decode attention inputs in the kernel layout
  <case>_out.npy                   the NumPy formulation of docs/kernels.md in float32,
                                   each matmul accumulated in float64 and rounded to
                                   float32 once (the oracle's documented matmul)
  <case>_out_blas.npy              the same with plain float32 `@` (BLAS sgemv: its
                                   summation order is machine-specific)
"""
import sys
import numpy as np

out_dir = sys.argv[1]
rng = np.random.default_rng(20261127)


def save(name, a):
    np.save(f"{out_dir}/{name}.npy", a)


# Sums of every length class of NumPy's pairwise routine.
for n in [1, 7, 8, 9, 100, 128, 129, 1000, 4097]:
    x = (rng.standard_normal((4, n), dtype=np.float32) * 1000).astype(np.float32)
    save(f"sum_{n}_x", x)
    save(f"sum_{n}_all", np.asarray(np.sum(x), dtype=np.float32))
    save(f"sum_{n}_last", np.sum(x, axis=-1))
    save(f"sum_{n}_first", np.sum(x, axis=0))

# Softmax of large-magnitude logits.
x = (rng.standard_normal((8, 300), dtype=np.float32) * 60).astype(np.float32)
save("softmax_x", x)
e = np.exp(x - x.max(axis=-1, keepdims=True))
save("softmax_out", e / e.sum(axis=-1, keepdims=True))


def matmul_f64_acc(a, b):
    return (a.astype(np.float64) @ b.astype(np.float64)).astype(np.float32)


def matmul_blas(a, b):
    return a @ b


def attention(q, k, v, matmul):
    """q (d, n_q), k/v (n_kv, d, s) in the kernel layout -> (n_q, d)."""
    d, n_q = q.shape
    n_kv = k.shape[0]
    group = n_q // n_kv
    qn, kn, vn = q.T, k.transpose(0, 2, 1), v.transpose(0, 2, 1)
    scale = np.float32(1.0 / np.sqrt(d))
    out = np.empty((n_q, d), dtype=np.float32)
    for h in range(n_q):
        kv = h // group
        logits = matmul(kn[kv], qn[h]) * scale
        e = np.exp(logits - logits.max(axis=-1, keepdims=True))
        p = e / e.sum(axis=-1, keepdims=True)
        out[h] = matmul(p, vn[kv])
    return out


def to_bf16_bits(a):
    """Round float32 to bfloat16 (nearest even); returns the uint16 bit patterns."""
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_bits_to_f32(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


# (name, d, n_q, n_kv, s, q scale, k scale, dtype); n_q == 0 means the
# single-head kernel (q (d,1), k/v (d,s)).
cases = [
    ("single_small", 16, 0, 1, 32, 1, 1, "f32"),
    ("single_q8", 128, 0, 1, 128, 8, 1, "f32"),
    ("gqa", 64, 8, 2, 256, 1, 1, "f32"),
    ("gqa_q8", 128, 4, 1, 512, 8, 1, "f32"),
    ("gqa_large_logits", 128, 4, 2, 256, 8, 4, "f32"),
    ("gqa_bf16", 64, 4, 2, 128, 8, 1, "bf16"),
]
for name, d, n_q, n_kv, s, qs, ks, dtype in cases:
    heads = max(n_q, 1)
    q = (rng.standard_normal((d, heads), dtype=np.float32) * qs).astype(np.float32)
    k = (rng.standard_normal((n_kv, d, s), dtype=np.float32) * ks).astype(np.float32)
    v = rng.standard_normal((n_kv, d, s), dtype=np.float32)
    if dtype == "bf16":
        qb, kb, vb = to_bf16_bits(q), to_bf16_bits(k), to_bf16_bits(v)
        q, k, v = bf16_bits_to_f32(qb), bf16_bits_to_f32(kb), bf16_bits_to_f32(vb)
        # '<V2' is what np.save writes for an ml_dtypes.bfloat16 array.
        save(f"{name}_q", qb.view("V2"))
        save(f"{name}_k", kb.view("V2"))
        save(f"{name}_v", vb.view("V2"))
    out = attention(q, k, v, matmul_f64_acc)
    out_blas = attention(q, k, v, matmul_blas)
    if n_q == 0:
        k, v = k[0], v[0]
    if dtype == "f32":
        save(f"{name}_q", q)
        save(f"{name}_k", k)
        save(f"{name}_v", v)
    save(f"{name}_out", out)
    save(f"{name}_out_blas", out_blas)
