"""Matmul with blocking, softmax, layernorm and masks, NKI style, for
tests/python/test_nki.py."""
from neuronxcc import nki
import neuronxcc.nki.isa as nisa
import neuronxcc.nki.language as nl


@nki.jit
def matmul_blocked(a_t, b):
    """C[M, N] = A @ B with A given transposed (a_t [K, M]), blocks of 128 x 128
    x 512, K accumulated in a PSUM tile (older neuronxcc names)."""
    K, M = a_t.shape
    _, N = b.shape
    c = nl.ndarray((M, N), dtype=nl.float32, buffer=nl.shared_hbm)
    for m in nl.affine_range(M // 128):
        for n in nl.affine_range(N // 512):
            res = nl.zeros((128, 512), nl.float32, buffer=nl.psum)
            for kk in nl.affine_range(K // 128):
                at = nl.load(a_t[kk * 128:(kk + 1) * 128, m * 128:(m + 1) * 128])
                bt = nl.load(b[kk * 128:(kk + 1) * 128, n * 512:(n + 1) * 512])
                res += nisa.nc_matmul(at, bt)
            nl.store(c[m * 128:(m + 1) * 128, n * 512:(n + 1) * 512], nl.copy(res))
    return c


@nki.jit
def softmax_rows(x):
    """Row softmax of x [R, C], 128 rows at a time; the last block masked
    with nl.arange when R is not a multiple of 128."""
    R, C = x.shape
    out = nl.ndarray((R, C), dtype=x.dtype, buffer=nl.shared_hbm)
    i_p, i_f = nl.mgrid[0:128, 0:C]
    for r in nl.affine_range((R + 127) // 128):
        t = nl.load(x[r * 128 + i_p, i_f], mask=(r * 128 + i_p < R))
        e = nl.exp(nl.subtract(t, nl.max(t, axis=[1], keepdims=True)))
        y = nl.multiply(e, nl.reciprocal(nl.sum(e, axis=1, keepdims=True)))
        nl.store(out[r * 128 + i_p, i_f], value=y, mask=(r * 128 + i_p < R))
    return out


@nki.jit
def layernorm(x, gamma, beta, eps=1e-5):
    """y = (x - mean) / sqrt(var + eps) * gamma + beta over the last axis;
    gamma and beta [1, C] broadcast to the 128 partitions with a ones matmul."""
    R, C = x.shape
    out = nl.ndarray((R, C), dtype=nl.float32, buffer=nl.shared_hbm)
    ones = nl.full((1, 128), 1.0, dtype=nl.float32)
    g = nl.matmul(ones, nl.load(gamma), transpose_x=True)     # [128, C]
    b = nl.matmul(ones, nl.load(beta), transpose_x=True)
    for r in nl.affine_range(R // 128):
        t = nl.load(x[r * 128:(r + 1) * 128, :])
        mu = nl.mean(t, axis=1, keepdims=True)
        var = nl.var(t, axis=1, keepdims=True)
        inv = nl.rsqrt(var + eps)
        y = (t - mu) * inv * g + b
        nl.store(out[r * 128:(r + 1) * 128, :], y)
    return out


@nki.jit
def causal_fill(x):
    """affine_select and iota: y[p, j] = x[p, j] where j <= p, else -1e4,
    plus p*1000 + j from iota (an index check of both)."""
    P, F = x.shape
    out = nl.ndarray((P, F), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(x)
    i_p = nl.arange(P)[:, None]
    i_f = nl.arange(F)[None, :]
    masked = nisa.affine_select(i_p - i_f >= 0, t, -1e4)
    idx = nisa.iota(i_p * 1000 + i_f, dtype=nl.float32)
    base = nisa.memset((P, F), 0.5, nl.float32)
    nl.store(out, masked + idx + base)
    return out
