"""Decode-attention kernels written as NKI users write them (nki.language /
nki.isa), for tests/python/test_nki.py. Layouts follow docs/kernels.md:
q [d, n_q], k and v [n_kv, d, s], out [n_q, d]."""
import math

import nki
import nki.isa as nisa
import nki.language as nl


@nki.jit
def decode_nl(q, k, v):
    """One KV head, all of s at once (s <= 512): nl.* only."""
    d, n_q = q.shape
    s = k.shape[2]
    out = nl.ndarray((n_q, d), dtype=nl.float32, buffer=nl.shared_hbm)
    qt = nl.load(q)
    kt = nl.load(k[0])
    vt = nl.load(v[0])
    logits = nl.multiply(nl.matmul(qt, kt, transpose_x=True), 1.0 / math.sqrt(d))   # [n_q, s]
    p = nl.softmax(logits, axis=1)
    o = nl.ndarray((n_q, d), dtype=nl.float32, buffer=nl.sbuf)
    for c in nl.static_range(s // 128):
        vc = nl.transpose(vt[:, c * 128:(c + 1) * 128])          # [128, d]
        pc = nl.transpose(p[:, c * 128:(c + 1) * 128])           # [128, n_q]
        if c == 0:
            o[...] = nl.matmul(pc, vc, transpose_x=True)
        else:
            o[...] = o + nl.matmul(pc, vc, transpose_x=True)
    nl.store(out, o)
    return out


@nki.jit
def decode_gqa_online(q, k, v):
    """Grouped-query attention, online softmax over 128-wide KV tiles, any s:
    the last tile is loaded with an nl.arange mask and its padding masked with
    nl.where. nl.* plus in-place updates of running max, sum and accumulator."""
    d, n_q = q.shape
    n_kv, _, s = k.shape
    group = n_q // n_kv
    scale = 1.0 / math.sqrt(d)
    out = nl.ndarray((n_q, d), dtype=q.dtype, buffer=nl.shared_hbm)
    i_p = nl.arange(d)[:, None]
    i_f = nl.arange(128)[None, :]
    for h in nl.affine_range(n_kv):
        qg = nl.load(q[:, h * group:(h + 1) * group])
        m = nl.full((group, 1), -math.inf, dtype=nl.float32)
        l = nl.zeros((group, 1), dtype=nl.float32)
        acc = nl.zeros((group, d), dtype=nl.float32)
        for t in nl.sequential_range((s + 127) // 128):
            kt = nl.load(k[h, i_p, t * 128 + i_f], mask=(t * 128 + i_f < s))
            vt = nl.load(v[h, i_p, t * 128 + i_f], mask=(t * 128 + i_f < s))
            qk = nl.matmul(qg, kt, transpose_x=True) * scale
            if (t + 1) * 128 > s:
                col = nisa.iota(nl.arange(group)[:, None] * 0 + nl.arange(128)[None, :], dtype=nl.float32)
                qk = nl.where(col < s - t * 128, qk, -math.inf)
            m_new = nl.maximum(m, nl.max(qk, axis=1, keepdims=True))
            alpha = nl.exp(m - m_new)
            p = nl.exp(qk - m_new)
            l[...] = l * alpha + nl.sum(p, axis=1, keepdims=True)
            acc[...] = acc * alpha + nl.matmul(nl.transpose(p), nl.transpose(vt), transpose_x=True)
            m[...] = m_new
        nl.store(out[h * group:(h + 1) * group, :], nl.divide(acc, l, dtype=q.dtype))
    return out


@nki.jit
def decode_gqa_isa(q, k, v):
    """The same math written with nki.isa instructions, the older style
    (each call returns its tile): nc_matmul into PSUM, activation with a bias
    and a fused sum, tensor_reduce, tensor_scalar, nc_transpose, tensor_copy.
    s is a multiple of 128."""
    d, n_q = q.shape
    n_kv, _, s = k.shape
    group = n_q // n_kv
    scale = 1.0 / math.sqrt(d)
    out = nl.ndarray((n_q, d), dtype=nl.float32, buffer=nl.shared_hbm)
    for h in nl.affine_range(n_kv):
        qg = nl.load(q[:, h * group:(h + 1) * group])
        m = nl.full((group, 1), -1e30, dtype=nl.float32)
        l = nl.zeros((group, 1), dtype=nl.float32)
        acc = nl.zeros((group, d), dtype=nl.float32)
        for t in nl.sequential_range(s // 128):
            kt = nl.load(k[h, :, t * 128:(t + 1) * 128])
            vt = nl.load(v[h, :, t * 128:(t + 1) * 128])
            qk_ps = nisa.nc_matmul(qg, kt)                                      # [group, 128] PSUM
            qk = nisa.tensor_scalar(qk_ps, op0=nl.multiply, operand0=scale)     # scaled, in SBUF
            tmax = nisa.tensor_reduce(nl.max, qk, axis=1, keepdims=True)
            m_new = nisa.tensor_tensor(m, tmax, op=nl.maximum)
            neg = nisa.tensor_scalar(m_new, op0=nl.multiply, operand0=-1.0)
            rowsum = nl.zeros((group, 1), dtype=nl.float32)
            # reset_reduce: a fresh row sum (NKI 2.26: the default idle would only read the registers out)
            p = nisa.activation(op=nl.exp, data=qk, bias=neg, reduce_op=nl.add, reduce_res=rowsum,
                                reduce_cmd=nisa.reduce_cmd.reset_reduce)
            alpha = nisa.activation(op=nl.exp, data=m, bias=neg)
            l[...] = nisa.tensor_scalar(l, op0=nl.multiply, operand0=alpha, op1=nl.add, operand1=rowsum)
            pt = nisa.tensor_copy(nisa.nc_transpose(p))                         # [128, group]
            vtt = nisa.tensor_copy(nisa.nc_transpose(vt))                       # [128, d]
            pv = nisa.nc_matmul(pt, vtt)                                        # [group, d] PSUM
            acc[...] = nisa.tensor_scalar(acc, op0=nl.multiply, operand0=alpha)
            acc[...] = nisa.tensor_tensor(acc, pv, op=nl.add)
            m[...] = m_new
        inv = nisa.reciprocal(l)
        nl.store(out[h * group:(h + 1) * group, :], nisa.tensor_scalar(acc, op0=nl.multiply, operand0=inv))
    return out


@nki.jit
def decode_gqa_dst(q, k, v):
    """NKI 0.6 style: every nki.isa call writes a destination given first;
    nc_matmul's accumulate=None overwrites first, then accumulates (P @ V
    summed over two half tiles into one PSUM buffer). s is a multiple of 128."""
    d, n_q = q.shape
    n_kv, _, s = k.shape
    group = n_q // n_kv
    out = nl.ndarray((n_q, d), dtype=nl.float32, buffer=nl.shared_hbm)
    for h in range(n_kv):
        qg = nl.ndarray((d, group), dtype=nl.float32, buffer=nl.sbuf)
        nisa.dma_copy(dst=qg, src=q[:, h * group:(h + 1) * group])
        m = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.memset(dst=m, value=-1e30)
        l = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.memset(dst=l, value=0.0)
        acc = nl.ndarray((group, d), dtype=nl.float32, buffer=nl.sbuf)
        nisa.memset(dst=acc, value=0.0)
        for t in range(s // 128):
            kt = nl.ndarray((d, 128), dtype=nl.float32, buffer=nl.sbuf)
            nisa.dma_copy(dst=kt, src=k[h, :, t * 128:(t + 1) * 128])
            vt = nl.ndarray((d, 128), dtype=nl.float32, buffer=nl.sbuf)
            nisa.dma_copy(dst=vt, src=v[h, :, t * 128:(t + 1) * 128])
            qk_ps = nl.ndarray((group, 128), dtype=nl.float32, buffer=nl.psum)
            nisa.nc_matmul(qk_ps, qg, kt)
            qk = nl.ndarray((group, 128), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_scalar(qk, qk_ps, nl.multiply, 1.0 / math.sqrt(d))
            tmax = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_reduce(tmax, nl.max, qk, axis=1, keepdims=True)
            m_new = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_tensor(m_new, m, tmax, nl.maximum)
            neg = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.tensor_scalar(neg, m_new, nl.multiply, -1.0)
            p = nl.ndarray((group, 128), dtype=nl.float32, buffer=nl.sbuf)
            rowsum = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.activation(p, nl.exp, qk, bias=neg, reduce_op=nl.add, reduce_res=rowsum,
                            reduce_cmd=nisa.reduce_cmd.reset_reduce)
            alpha = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
            nisa.activation(alpha, nl.exp, m, bias=neg)
            nisa.tensor_scalar(l, l, nl.multiply, alpha, op1=nl.add, operand1=rowsum)
            pv = nl.ndarray((group, d), dtype=nl.float32, buffer=nl.psum)
            for half in range(2):
                cols = slice(half * 64, (half + 1) * 64)
                pt_ps = nl.ndarray((64, group), dtype=nl.float32, buffer=nl.psum)
                nisa.nc_transpose(pt_ps, p[:, cols])
                pt = nl.ndarray((64, group), dtype=nl.float32, buffer=nl.sbuf)
                nisa.tensor_copy(pt, pt_ps)
                vt_ps = nl.ndarray((64, d), dtype=nl.float32, buffer=nl.psum)
                nisa.nc_transpose(vt_ps, vt[:, cols])
                vtt = nl.ndarray((64, d), dtype=nl.float32, buffer=nl.sbuf)
                nisa.tensor_copy(vtt, vt_ps)
                nisa.nc_matmul(pv, pt, vtt)            # accumulate=None: the second half accumulates
            nisa.tensor_scalar(acc, acc, nl.multiply, alpha)
            nisa.tensor_tensor(acc, acc, pv, nl.add)
            nisa.tensor_copy(m, m_new)
        inv = nl.ndarray((group, 1), dtype=nl.float32, buffer=nl.sbuf)
        nisa.reciprocal(inv, l)
        res = nl.ndarray((group, d), dtype=nl.float32, buffer=nl.sbuf)
        nisa.tensor_scalar(res, acc, nl.multiply, inv)
        nisa.dma_copy(dst=out[h * group:(h + 1) * group, :], src=res)
    return out
