#!/usr/bin/python3
"""Tests of the NKI front end (nkc.nki_sim and the `nki` / `neuronxcc.nki`
stand-ins), run by ctest (python.nki) with PYTHONPATH at build/python. Each
kernel in tests/python/nki_kernels/ is run unedited through nki.simulate and
checked against NumPy; each unsupported or wrong use must raise an error
that names the Python file and line."""
import json
import math
import os
import subprocess
import sys
import tempfile

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from runner import run_tests  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "nki_kernels"))

import nki  # noqa: E402
import nki.isa as nisa  # noqa: E402
import nki.language as nl  # noqa: E402
import nkc  # noqa: E402
from nkc import nki_sim  # noqa: E402

import attention  # noqa: E402
import blocks  # noqa: E402
import lnc  # noqa: E402

SRC = os.environ.get("NK_SOURCE_DIR", os.path.dirname(os.path.dirname(HERE)))
BIN = os.environ.get("NK_BIN_DIR", os.path.join(SRC, "build", "bin"))
RNG = np.random.default_rng(7)


def attention_numpy(q, k, v):
    d, n_q = q.shape
    n_kv = k.shape[0]
    out = np.zeros((n_q, d))
    for h in range(n_q):
        kv = h // (n_q // n_kv)
        logits = (k[kv].T.astype(np.float64) @ q[:, h].astype(np.float64)) / np.sqrt(d)
        e = np.exp(logits - logits.max())
        out[h] = (e / e.sum()) @ v[kv].T.astype(np.float64)
    return out


def qkv(d, n_q, n_kv, s):
    q = (RNG.standard_normal((d, n_q)) * 3).astype(np.float32)
    k = RNG.standard_normal((n_kv, d, s)).astype(np.float32)
    v = RNG.standard_normal((n_kv, d, s)).astype(np.float32)
    return q, k, v


def check(got, want, atol=1e-4, rtol=1e-4):
    c = nkc.compare(got, want, atol=atol, rtol=rtol)
    assert c.passed, str(c)


def test_decode_nl():
    q, k, v = qkv(128, 4, 1, 256)
    out = nki.simulate(attention.decode_nl)(q, k, v)
    assert out.shape == (4, 128) and out.dtype == np.float32
    check(out, attention_numpy(q, k, v))


def test_decode_gqa_online_ragged_s():
    for s in (128, 300, 520):  # s % 128 != 0: the masked last tile
        q, k, v = qkv(64, 8, 2, s)
        out = nki.simulate(attention.decode_gqa_online)(q, k, v)
        check(out, attention_numpy(q, k, v))
        src = nki.last_result().tile_source
        assert ("where(" in src) == (s % 128 != 0)


def test_decode_gqa_isa_old_style():
    q, k, v = qkv(128, 8, 2, 384)
    out = nki.simulate(attention.decode_gqa_isa)(q, k, v)
    check(out, attention_numpy(q, k, v))
    src = nki.last_result().tile_source
    for op in ("isa.nc_matmul(", "isa.activation(", "isa.tensor_reduce(", "isa.tensor_scalar(",
               "isa.nc_transpose(", "isa.tensor_copy(", "isa.tensor_tensor(", "isa.reciprocal(", "reduce_dst="):
        assert op in src, op


def test_decode_gqa_dst_style_and_accumulate():
    q, k, v = qkv(128, 4, 2, 256)
    out = nki.simulate(attention.decode_gqa_dst)(q, k, v)
    check(out, attention_numpy(q, k, v))
    src = nki.last_result().tile_source
    # two matmuls into each P@V PSUM tile: the first overwrites, the second accumulates
    assert src.count("accumulate=true") == 2 * 2, src.count("accumulate=true")  # n_kv * s/128
    assert "isa.memset(dst=" in src and "isa.iota" not in src


def test_matmul_blocked():
    a = RNG.standard_normal((256, 384)).astype(np.float32)   # [M, K]
    b = RNG.standard_normal((384, 1024)).astype(np.float32)
    c = nki.simulate(blocks.matmul_blocked)(np.ascontiguousarray(a.T), b)
    check(c, a.astype(np.float64) @ b, atol=1e-3)
    r = nki.last_result()
    busy = r.engine_busy_ns()
    assert busy["tensor"] > 0 and r.total_ns > busy["tensor"]


def test_softmax_masked_rows():
    for rows in (128, 200):
        x = RNG.standard_normal((rows, 96)).astype(np.float32)
        y = nki.simulate(blocks.softmax_rows)(x)
        e = np.exp(x - x.max(1, keepdims=True))
        check(y, e / e.sum(1, keepdims=True), atol=1e-6)


def test_bf16_inputs_without_ml_dtypes():
    q, k, v = qkv(64, 4, 1, 256)
    bits = lambda a: (np.ascontiguousarray(a, np.float32).view(np.uint32) + 0x7FFF
                      + ((np.ascontiguousarray(a, np.float32).view(np.uint32) >> 16) & 1)) >> 16 << 16
    rb = lambda a: bits(a).astype(np.uint32).view(np.float32)   # round to bf16, nearest even
    res = nki_sim.run(attention.decode_gqa_online, nki_sim.bf16(q), nki_sim.bf16(k), nki_sim.bf16(v))
    assert "q: bf16[64, 4]" in res.tile_source and "-> bf16[4, 64]" in res.tile_source
    want = attention_numpy(rb(q), rb(k), rb(v))
    check(res.output, want, atol=2 ** -8 * np.abs(want).max(), rtol=2 ** -8)


def k_fp8_scale(a, s):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(a, dtype=nl.float32)
    nl.store(out, nl.multiply(t, nl.load(s, dtype=nl.float32)))
    return out


def test_fp8_and_narrow_integer_inputs():
    a = RNG.standard_normal((128, 16)).astype(np.float32) * 100
    s = RNG.integers(-300, 300, size=(128, 16)).astype(np.int16)
    res = nki_sim.run(k_fp8_scale, nki_sim.fp8_e4m3(a), s)
    assert "a: f8e4m3[128, 16]" in res.tile_source and "s: i16[128, 16]" in res.tile_source, res.tile_source
    # e4m3 has 3 mantissa bits: each value within half an ulp (2^-4 relative), inf beyond 248
    r = nki_sim.run(k_fp8_scale, nki_sim.fp8_e4m3(a), np.ones((128, 16), np.int16)).output
    big = np.abs(a) >= 248
    assert np.all(np.isinf(r[big])) and np.all(np.abs(r[~big] - a[~big]) <= np.abs(a[~big]) * 2 ** -4 + 2 ** -10)
    check(res.output, r * s.astype(np.float32), atol=0)
    res = nki_sim.run(k_fp8_scale, nki_sim.fp8_e5m2(a), s.astype(np.uint16) & 0xFF)
    assert "a: f8e5m2[128, 16]" in res.tile_source and "s: u16[128, 16]" in res.tile_source, res.tile_source


@nki.jit
def k_embedding(table, ids):
    out = nl.ndarray((ids.shape[0], table.shape[1]), dtype=table.dtype, buffer=nl.shared_hbm)
    idx = nl.load(ids)
    i_p = nl.arange(ids.shape[0])[:, None]
    i_f = nl.arange(table.shape[1])[None, :]
    nl.store(out, nl.load(table[idx[i_p, 0], i_f]))  # LINE-gather
    return out


@nki.jit
def k_paged(cache, bt):
    nb, d, bs = cache.shape
    m = bt.shape[1]
    out = nl.ndarray((d, m * bs), dtype=cache.dtype, buffer=nl.shared_hbm)
    t = nl.load(bt)
    for j in nl.affine_range(m):
        nl.store(out[:, j * bs:(j + 1) * bs], nl.load(cache[t[0, j], :, :]))
    return out


def test_indirect_loads():
    table = RNG.standard_normal((50, 16)).astype(np.float32)
    ids = np.array([[3], [49], [0], [7], [7], [12], [1], [30]], np.int32)
    res = nki_sim.run(k_embedding, table, ids)
    assert "load(table[" in res.tile_source, res.tile_source
    check(res.output, table[ids[:, 0]], atol=0)
    cache = RNG.standard_normal((6, 8, 16)).astype(np.float32)
    bt = np.array([[5, 0, 2]], np.int32)
    check(nki_sim.run(k_paged, cache, bt).output, np.concatenate([cache[b] for b in bt[0]], axis=1), atol=0)
    # A bad id is the DMA's run-time fault, at the Python line of the load.
    ids[2, 0] = 50
    try:
        nki_sim.run(k_embedding, table, ids)
        raise AssertionError("an out-of-range id was accepted")
    except nkc.Error as e:
        assert "src_index of partition 2 is 50, outside [0, 50)" in str(e), str(e)


@nki.jit
def k_scatter(x, ids, rows):
    # out[ids[p], :] = x[p, :] after zeroing out: NKI's indirect store
    out = nl.ndarray((rows, x.shape[1]), dtype=x.dtype, buffer=nl.shared_hbm)
    for r in range(0, rows, 128):
        nl.store(out[r:r + 128, :], nl.zeros((128, x.shape[1]), dtype=x.dtype))
    idx = nl.load(ids)
    i_p = nl.arange(ids.shape[0])[:, None]
    i_f = nl.arange(x.shape[1])[None, :]
    nl.store(out[idx[i_p, 0], i_f], nl.load(x))  # LINE-scatter
    return out


@nki.jit
def k_scatter_plain(x, ids):
    out = nl.ndarray((256, x.shape[1]), dtype=x.dtype, buffer=nl.shared_hbm)
    nl.store(out[0:128, :], nl.zeros((128, x.shape[1]), dtype=x.dtype))
    nl.store(out[128:256, :], nl.zeros((128, x.shape[1]), dtype=x.dtype))
    nl.store(out[nl.load(ids), :], nl.load(x))
    return out


@nki.jit
def k_scatter_masked(x, ids):
    out = nl.ndarray((256, x.shape[1]), dtype=x.dtype, buffer=nl.shared_hbm)
    idx = nl.load(ids)
    i_p = nl.arange(ids.shape[0])[:, None]
    i_f = nl.arange(x.shape[1])[None, :]
    nl.store(out[idx[i_p, 0], i_f], nl.load(x), mask=(i_p < 4))  # LINE-scatter-mask
    return out


def test_scatter_stores():
    x = RNG.standard_normal((128, 16)).astype(np.float32)
    ids = RNG.permutation(256)[:128].reshape(128, 1).astype(np.int32)
    want = np.zeros((256, 16), np.float32)
    want[ids[:, 0]] = x
    res = nki_sim.run(k_scatter, x, ids, 256)
    assert "store(out[t" in res.tile_source, res.tile_source
    check(res.output, want, atol=0)
    check(nki_sim.run(k_scatter_plain, x, ids).output, want, atol=0)
    # duplicate ids: the higher partition's row lands last (docs/isa.md, dma_copy)
    dup = ids.copy()
    dup[5, 0] = dup[9, 0]
    want_dup = np.zeros((256, 16), np.float32)
    for p in range(128):
        want_dup[dup[p, 0]] = x[p]
    check(nki_sim.run(k_scatter, x, dup, 256).output, want_dup, atol=0)
    # (before, a mask with a run-time index was dropped: all 128 rows moved)
    expect_error(k_scatter_masked, [x, ids], nki_sim.NkiUnsupportedError,
                 "a mask on a view indexed by a run-time index", "LINE-scatter-mask")
    bad = ids.copy()
    bad[3, 0] = 256
    try:
        nki_sim.run(k_scatter, x, bad, 256)
        raise AssertionError("an out-of-range scatter index was accepted")
    except nkc.Error as e:
        assert "partition 3 is 256, outside [0, 256)" in str(e), str(e)


@nki.jit
def k_logical(a, b):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.load(a)
    y = nl.load(b)
    t = nl.logical_xor(nl.logical_and(x, y), nl.logical_or(x, 0.0))
    u = nisa.tensor_tensor(t, y, op=nl.logical_or)
    nl.store(out, u)
    return out


def test_logical_ops():
    v = np.array([0.0, -0.0, 1.0, -2.5, np.nan, np.inf], np.float32)
    a = RNG.choice(v, (128, 32)).astype(np.float32)
    b = RNG.choice(v, (128, 32)).astype(np.float32)
    res = nki_sim.run(k_logical, a, b, strict=True)
    t = np.logical_xor(np.logical_and(a != 0, b != 0), a != 0)
    check(res.output, np.logical_or(t, b != 0).astype(np.float32), atol=0)
    assert "logical_and(" in res.tile_source and "op=logical_or" in res.tile_source, res.tile_source


@nki.jit
def k_tf32(a):
    out = nl.ndarray(a.shape, dtype=nl.tfloat32, buffer=nl.shared_hbm)
    nl.store(out, nl.load(a))  # the DMA rounds f32 to tf32
    return out


@nki.jit
def k_tf32_add(a, b):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    t = nisa.tensor_copy(nl.load(a), dtype=nl.tfloat32)  # an on-chip tf32 tile
    nl.store(out, nl.add(t, nl.load(b)))  # tf32 with f32 promotes to f32
    return out


def _tf32(x):
    """fp32 rounded to tf32 (10-bit mantissa), nearest even; NaN and inf kept,
    overflow to inf: written from the format (docs/isa.md, Dtypes)."""
    u = x.view(np.uint32).astype(np.uint64)
    r = ((u + 0xFFF + ((u >> 13) & 1)) & 0xFFFFE000).astype(np.uint32).view(np.float32)
    return np.where(np.isnan(x), x, r).astype(np.float32)


def test_tf32():
    """nl.tfloat32 is nkc's tf32 (NKI 2.26 nki.language.tfloat32): stores and
    copies round fp32 to nearest even at the 10th mantissa bit; NumPy sees
    float32. Edge cases: ties both ways, NaN, +-inf, denormals, the largest
    finite fp32 (rounds up to inf), -0."""
    ulp = np.float32(2.0 ** -10)
    edge = np.array([1 + ulp / 2, 1 + 3 * ulp / 2, 1 + ulp / 2 + 2.0 ** -23, -(1 + ulp / 2), np.nan, np.inf, -np.inf,
                     1e-40, -1e-45, 3.4028235e38, -0.0, 0.0, 65504.0, 1.0 / 3, np.pi, -1e-30], np.float32)
    a = RNG.standard_normal((128, 32)).astype(np.float32)
    a[0, :16] = edge
    b = np.full((128, 32), 0.5, np.float32)
    res = nki_sim.run(k_tf32, a, strict=True)
    out = res.output
    assert out.dtype == np.float32
    want = _tf32(a)
    assert np.array_equal(out, want, equal_nan=True) and np.array_equal(np.signbit(out), np.signbit(want)), \
        (out[0, :16], want[0, :16])
    assert out[0, 0] == 1.0 and out[0, 1] == 1 + 2 * ulp and out[0, 2] == 1 + ulp and np.isinf(out[0, 9])
    assert "tf32" in res.tile_source, res.tile_source
    # the add reads the tf32 tile exactly: tf32(a) + 0.5 in fp32
    res = nki_sim.run(k_tf32_add, a, b, strict=True)
    with np.errstate(all="ignore"):
        want2 = _tf32(a) + np.float32(0.5)
    assert np.array_equal(res.output, want2, equal_nan=True), (res.output[0, :16], want2[0, :16])
    assert "tf32" in res.tile_source, res.tile_source


@nki.jit
def k_alu_unary(a):
    out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
    x = nl.load(a)
    r = nisa.tensor_scalar(x, op0=nl.rsqrt, operand0=0.0, engine=nisa.gpsimd_engine)  # NKI's own form
    y = nisa.tensor_scalar(r, np.subtract, 1.0, op1=np.abs, operand1=0.0)
    nl.store(out, nisa.tensor_scalar(y, nl.reciprocal, 0.0))
    return out


def test_tensor_scalar_one_operand_ops():
    """NKI 2.26's rsqrt (GpSimd), abs and reciprocal ALU ops in
    nisa.tensor_scalar: 1 / |rsqrt(x) - 1|, NaN for negatives, inf at 1."""
    a = RNG.uniform(0.01, 9.0, (128, 16)).astype(np.float32)
    a[0, :6] = [1.0, 4.0, -1.0, 0.0, np.inf, np.nan]
    res = nki_sim.run(k_alu_unary, a, strict=True)
    with np.errstate(all="ignore"):
        r = (1.0 / np.sqrt(a.astype(np.float64))).astype(np.float32)
        want = np.float32(1.0) / np.abs(r - np.float32(1.0))
    assert np.array_equal(res.output, want, equal_nan=True), (res.output[0, :6], want[0, :6])
    assert "op0=rsqrt" in res.tile_source and "engine=gpsimd" in res.tile_source, res.tile_source


def test_layernorm():
    x = RNG.standard_normal((256, 200)).astype(np.float32) * 2 + 1
    g = RNG.standard_normal((1, 200)).astype(np.float32)
    b = RNG.standard_normal((1, 200)).astype(np.float32)
    y = nki.simulate(blocks.layernorm)(x, g, b)
    x64 = x.astype(np.float64)
    want = (x64 - x64.mean(1, keepdims=True)) / np.sqrt(x64.var(1, keepdims=True) + 1e-5) * g + b
    check(y, want, atol=1e-4)


def test_affine_select_iota_memset():
    x = RNG.standard_normal((64, 48)).astype(np.float32)
    y = nki.simulate(blocks.causal_fill)(x)
    p, j = np.mgrid[0:64, 0:48]
    want = np.where(j <= p, x, -1e4) + p * 1000 + j + 0.5
    check(y, want, atol=1e-3)


def test_nki_sim_run_stats_trace_and_races():
    q, k, v = qkv(64, 4, 1, 256)
    res = nki_sim.run(attention.decode_gqa_online, q, k, v, trace=True, strict=True)
    check(res.output, attention_numpy(q, k, v))
    assert res.stats["instructions"] == res.program.num_instructions > 0
    assert set(res.engine_busy_ns()) >= {"tensor", "vector", "scalar", "gpsimd"}
    with tempfile.TemporaryDirectory() as d:
        path = os.path.join(d, "t.json")
        res.write_trace(path)
        with open(path) as f:
            events = json.load(f)
        assert len(events["traceEvents"] if isinstance(events, dict) else events) > 10
    assert "isa.nc_matmul" not in res.tile_source and res.tile_source.startswith("kernel decode_gqa_online(")


def test_script_runs_unchanged_with_env_stats():
    with tempfile.TemporaryDirectory() as d:
        script = os.path.join(d, "user.py")
        with open(script, "w") as f:
            f.write("import numpy as np\nimport nki\nimport nki.language as nl\n\n"
                    "@nki.jit\ndef double(a):\n"
                    "    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)\n"
                    "    nl.store(out, nl.multiply(nl.load(a), 2.0))\n    return out\n\n"
                    "a = np.arange(128 * 4, dtype=np.float32).reshape(128, 4)\n"
                    "assert (nki.simulate(double)(a) == 2 * a).all()\nprint('script ok')\n")
        env = dict(os.environ, NKI_SIM_STATS="1", NKI_SIM_TRACE=os.path.join(d, "t.json"))
        r = subprocess.run([sys.executable, script], env=env, capture_output=True, text=True)
        assert r.returncode == 0, r.stderr
        assert "script ok" in r.stdout and "nki_sim: double:" in r.stderr and "us simulated" in r.stderr
        assert os.path.getsize(os.path.join(d, "t.json")) > 100


# ---- every supported call, one at a time, against NumPy ----------------------------

def elementwise_kernel(fn):
    @nki.jit
    def k(a, b):
        out = nl.ndarray(a.shape, dtype=nl.float32, buffer=nl.shared_hbm)
        nl.store(out, fn(nl.load(a), nl.load(b)))
        return out
    return k


erf = np.vectorize(math.erf)


def gelu_tanh(x):
    return 0.5 * x * (1 + np.tanh(np.sqrt(2 / np.pi) * (x + 0.044715 * x ** 3)))


ELEMENTWISE = {  # name: (traced, NumPy)
    "exp": (lambda x, y: nl.exp(x), lambda x, y: np.exp(x)),
    "log": (lambda x, y: nl.log(y), lambda x, y: np.log(y)),
    "tanh": (lambda x, y: nl.tanh(x), lambda x, y: np.tanh(x)),
    "sigmoid": (lambda x, y: nl.sigmoid(x), lambda x, y: 1 / (1 + np.exp(-x))),
    "relu": (lambda x, y: nl.relu(x), lambda x, y: np.maximum(x, 0)),
    "gelu": (lambda x, y: nl.gelu(x), lambda x, y: 0.5 * x * (1 + erf(x / np.sqrt(2)))),
    "gelu_apprx_tanh": (lambda x, y: nl.gelu_apprx_tanh(x), lambda x, y: gelu_tanh(x)),
    "softplus": (lambda x, y: nl.softplus(x), lambda x, y: np.log1p(np.exp(x))),
    "erf": (lambda x, y: nl.erf(x), lambda x, y: erf(x)),
    "sin": (lambda x, y: nl.sin(x), lambda x, y: np.sin(x)),
    "sign_isa": (lambda x, y: nisa.activation(nl.sign, x), lambda x, y: np.sign(x)),
    "silu": (lambda x, y: nl.silu(x), lambda x, y: x / (1 + np.exp(-x))),
    "sqrt": (lambda x, y: nl.sqrt(y), lambda x, y: np.sqrt(y)),
    "rsqrt": (lambda x, y: nl.rsqrt(y), lambda x, y: 1 / np.sqrt(y)),
    "square": (lambda x, y: nl.square(x), lambda x, y: x * x),
    "abs": (lambda x, y: nl.abs(x), lambda x, y: np.abs(x)),
    "reciprocal": (lambda x, y: nl.reciprocal(y), lambda x, y: 1 / y),
    "negative": (lambda x, y: nl.negative(x), lambda x, y: -x),
    "copy": (lambda x, y: nl.copy(x, dtype=nl.float32), lambda x, y: x),
    "add": (lambda x, y: nl.add(x, y), lambda x, y: x + y),
    "subtract": (lambda x, y: nl.subtract(x, 2.0), lambda x, y: x - 2),
    "multiply": (lambda x, y: 3.0 * x, lambda x, y: 3 * x),
    "divide": (lambda x, y: nl.divide(1.0, y), lambda x, y: 1 / y),
    "maximum": (lambda x, y: nl.maximum(x, y), lambda x, y: np.maximum(x, y)),
    "minimum": (lambda x, y: nl.minimum(x, y), lambda x, y: np.minimum(x, y)),
    "greater": (lambda x, y: nl.greater(x, 0.0), lambda x, y: (x > 0) * 1.0),
    "less_equal": (lambda x, y: x <= y, lambda x, y: (x <= y) * 1.0),
    "equal": (lambda x, y: nl.equal(x, x), lambda x, y: np.ones_like(x)),
    "not_equal": (lambda x, y: nl.not_equal(x, y), lambda x, y: (x != y) * 1.0),
    "where": (lambda x, y: nl.where(nl.less(x, 0.0), y, x), lambda x, y: np.where(x < 0, y, x)),
    "sum": (lambda x, y: nl.sum(x, axis=1, keepdims=True) + y, lambda x, y: x.sum(1, keepdims=True) + y),
    "max": (lambda x, y: y - nl.max(x, axis=-1, keepdims=True), lambda x, y: y - x.max(1, keepdims=True)),
    "min": (lambda x, y: nl.min(x, axis=[1], keepdims=True) * y, lambda x, y: x.min(1, keepdims=True) * y),
    "mean": (lambda x, y: nl.mean(x, axis=1, keepdims=True) + 0 * y, lambda x, y: x.mean(1, keepdims=True) + 0 * y),
    "var": (lambda x, y: nl.var(x, axis=1, keepdims=True) + 0 * y, lambda x, y: x.var(1, keepdims=True) + 0 * y),
    "softmax": (lambda x, y: nl.softmax(x, axis=1),
                lambda x, y: np.exp(x - x.max(1, keepdims=True)) / np.exp(x - x.max(1, keepdims=True)).sum(1, keepdims=True)),
    "broadcast_to": (lambda x, y: nl.broadcast_to(nl.max(x, axis=1, keepdims=True), (128, 16)),
                     lambda x, y: np.broadcast_to(x.max(1, keepdims=True), (128, 16))),
    "transpose2": (lambda x, y: nl.transpose(nl.transpose(x)), lambda x, y: x),
    "tensor_copy": (lambda x, y: nisa.tensor_copy(x, engine=nisa.engine.scalar), lambda x, y: x),
    "tensor_tensor": (lambda x, y: nisa.tensor_tensor(x, y, op=nl.subtract), lambda x, y: x - y),
    "tensor_scalar_reverse": (lambda x, y: nisa.tensor_scalar(y, nl.subtract, 1.0, reverse0=True),
                              lambda x, y: 1.0 - y),
    "tensor_reduce_negate": (lambda x, y: nisa.tensor_reduce(nl.add, x, axis=1, negate=True, keepdims=True) * y,
                             lambda x, y: -x.sum(1, keepdims=True) * y),
    "activation_scale": (lambda x, y: nisa.activation(nl.tanh, x, scale=0.5, bias=1.0),
                         lambda x, y: np.tanh(0.5 * x + 1.0)),
    "activation_scale_tile": (lambda x, y: nisa.activation(nl.tanh, x, scale=nl.max(y, axis=1, keepdims=True)),
                              lambda x, y: np.tanh(x * y.max(1, keepdims=True))),
    "reciprocal_isa": (lambda x, y: nisa.reciprocal(y), lambda x, y: 1 / y),
    "max8": (lambda x, y: nisa.max8(x)[:, 0:1] + 0 * y, lambda x, y: x.max(1, keepdims=True) + 0 * y),
    "tensor_tensor_scan": (lambda x, y: nisa.tensor_tensor_scan(x * 0.0 + 1.0, y, 0.0, nl.multiply, nl.add),
                           lambda x, y: np.cumsum(y, axis=1)),
    "scalar_tensor_tensor": (lambda x, y: nisa.scalar_tensor_tensor(data=x, op0=nl.subtract, operand0=1.0,
                                                                    op1=nl.multiply, operand1=y),
                             lambda x, y: (x - 1) * y),
    "tensor_partition_reduce": (lambda x, y: nl.matmul(nl.full((1, 128), 1.0, dtype=nl.float32),
                                                       nisa.tensor_partition_reduce(nl.add, x), transpose_x=True),
                                lambda x, y: np.broadcast_to(x.sum(0, keepdims=True), x.shape)),
    "tensor_scalar_reduce": (lambda x, y: scaled_plus_rowsum(x), lambda x, y: 2 * x + (2 * x).sum(1, keepdims=True)),
    "activation_reduce_cmd_chain": (lambda x, y: exp_sum_chain(x),
                                    lambda x, y: np.broadcast_to(np.exp(x).sum(1, keepdims=True), x.shape)),
    "range_select_reduce_cmd_chain": (lambda x, y: masked_max_chain(x),
                                      lambda x, y: np.broadcast_to(x[:, 3:13].max(1, keepdims=True), x.shape)),
    "dropout_none": (lambda x, y: nisa.dropout(x, 0.0), lambda x, y: x),
    "tensor_copy_predicated": (lambda x, y: predicated(x, y), lambda x, y: np.where(x > 0, x, y)),
    "range_select": (lambda x, y: nisa.range_select(on_true_tile=x, comp_op0=nl.greater_equal, comp_op1=nl.less,
                                                    bound0=nl.full((128, 1), 3.0, dtype=nl.float32),
                                                    bound1=nl.full((128, 1), 10.0, dtype=nl.float32),
                                                    on_false_value=-7.0),
                     lambda x, y: np.where((np.arange(16) >= 3) & (np.arange(16) < 10), x, -7.0)),
    "select_reduce": (lambda x, y: nisa.select_reduce(predicate=nl.copy(nl.greater(x, 0.0), dtype=nl.uint8),
                                                      on_true=x, on_false=-2.0),
                      lambda x, y: np.where(x > 0, x, -2.0)),
    "select_reduce_max": (lambda x, y: selected_rowmax(x, y), lambda x, y: selected_rowmax_ref(x, y)),
    "nc_match_replace8": (lambda x, y: nisa.nc_match_replace8(data=x, vals=nisa.max8(x), imm=-100.0),
                          lambda x, y: np.where(x >= np.sort(x, axis=1)[:, -8:-7], -100.0, x)),
    "nc_stream_shuffle": (lambda x, y: shuffled(x, y), lambda x, y: shuffled_ref(x, y)),
}

# A 255 entry keeps dst's row; the second call is in place.
SHUFFLE1 = [255 if i % 5 == 0 else (7 * i) % 32 for i in range(32)]
SHUFFLE2 = [31 - i for i in range(32)]


def shuffled(x, y):
    # NKI 2.26's order by keyword (src, dst), then NKI 0.6's positional
    # (dst, src) with name= to say so.
    d = nl.copy(y)
    nisa.nc_stream_shuffle(src=x, dst=d, shuffle_mask=SHUFFLE1)
    nisa.nc_stream_shuffle(d, d, SHUFFLE2, name="flip")
    return d


def shuffled_ref(x, y):
    d = y.copy()
    for p in range(128):
        if SHUFFLE1[p % 32] != 255:
            d[p] = x[p - p % 32 + SHUFFLE1[p % 32]]
    return np.stack([d[p - p % 32 + SHUFFLE2[p % 32]] for p in range(128)])


def predicated(x, y):
    acc = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)
    acc[...] = y
    nisa.tensor_copy_predicated(dst=acc, src=x, predicate=nl.copy(nl.greater(x, 0.0), dtype=nl.uint8))
    return acc


def selected_rowmax(x, y):
    # reset_reduce, then reduce continuing in the same reduce_res (0.6 style);
    # reverse_pred selects on_false where the predicate is nonzero.
    pred = nl.copy(nl.greater(x, 0.0), dtype=nl.uint8)
    r = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    d = nl.ndarray((128, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.select_reduce(dst=d, predicate=pred, on_true=x, on_false=-50.0, reduce_res=r,
                       reduce_cmd=nisa.reduce_cmd.reset_reduce, reduce_op=nl.max)
    nisa.select_reduce(dst=d, predicate=pred, on_true=y, on_false=nl.full((128, 1), -60.0, dtype=nl.float32),
                       reduce_res=r, reduce_cmd=nisa.reduce_cmd.reduce, reverse_pred=True)
    return d + r


def selected_rowmax_ref(x, y):
    d1, d2 = np.where(x > 0, x, -50.0), np.where(x > 0, -60.0, y)
    return d2 + np.maximum(d1.max(1, keepdims=True), d2.max(1, keepdims=True))


def exp_sum_chain(x):
    # NKI 2.26 reduce_cmd: reset_reduce over the first half, reduce over the
    # second, read out into reduce_res: the row sum of exp over both.
    r = nl.zeros((128, 1), dtype=nl.float32)
    nisa.activation(op=nl.exp, data=x[:, 0:8], reduce_op=nl.add, reduce_cmd=nisa.reduce_cmd.reset_reduce)
    nisa.activation(op=nl.exp, data=x[:, 8:16], reduce_op=nl.add, reduce_res=r, reduce_cmd=nisa.reduce_cmd.reduce)
    return x * 0.0 + r


def masked_max_chain(x):
    # range_select's max over columns 3-12, in two calls sharing the Vector
    # engine's accumulator registers.
    lo = nl.full((128, 1), 3.0, dtype=nl.float32)
    hi = nl.full((128, 1), 13.0, dtype=nl.float32)
    r = nl.zeros((128, 1), dtype=nl.float32)
    nisa.range_select(on_true_tile=x[:, 0:8], comp_op0=nl.greater_equal, comp_op1=nl.less, bound0=lo, bound1=hi,
                      reduce_cmd=nisa.reduce_cmd.reset_reduce)
    nisa.range_select(on_true_tile=x[:, 8:16], comp_op0=nl.greater_equal, comp_op1=nl.less, bound0=lo, bound1=hi,
                      range_start=8, reduce_cmd=nisa.reduce_cmd.reduce, reduce_res=r)
    return x * 0.0 + r


def scaled_plus_rowsum(x):
    r = nl.zeros((128, 1), dtype=nl.float32)
    t = nisa.tensor_scalar_reduce(data=x, op0=nl.multiply, operand0=2.0, reduce_op=nl.add, reduce_res=r)
    return t + r


def test_every_elementwise_and_reduction_call():
    x = RNG.standard_normal((128, 16)).astype(np.float32)
    y = (RNG.random((128, 16)) + 0.5).astype(np.float32)
    bad = []
    for name, (traced, want) in ELEMENTWISE.items():
        got = nki.simulate(elementwise_kernel(traced))(x, y)
        ref = want(x.astype(np.float64), y.astype(np.float64))
        c = nkc.compare(got, np.broadcast_to(ref, got.shape), atol=2e-3 if name == "gelu_apprx_tanh" else 1e-5, rtol=1e-4)
        if not c.passed:
            bad.append(f"{name}: {c}")
    assert not bad, "\n".join(bad)


@nki.jit
def k_views_and_fills(a):
    """nl.ds, strided and integer indexing, load_transpose2d, the fill calls
    and the 0.6-style iota / affine_select / memset into slices."""
    out = nl.ndarray((64, 32), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(a[nl.ds(0, 64), 0:64:2])                 # [64, 32], every other column
    tt = nl.load_transpose2d(a[0:32, nl.ds(64, 64)])      # [64, 32]
    z = nl.zeros_like(t)
    o = nl.ones((64, 32), dtype=nl.float32)
    f = nl.full((64, 32), 2.0, dtype=nl.float32)
    e = nl.empty_like(t)
    e[...] = 0.0
    idx = nl.ndarray((64, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.iota(idx, [[1, 32]], offset=3, channel_multiplier=100)         # 3 + 100p + j
    sel = nl.ndarray((64, 32), dtype=nl.float32, buffer=nl.sbuf)
    nisa.affine_select(sel, [[-1, 32]], 1, t, -5.0, cmp_op=nl.greater_equal)   # p - j >= 0 ? t : -5
    e[:, 0:16] = nl.add(f[:, 0:16], o[:, 16:32])
    row = t[5]                                             # a tile keeps its partition axis: [1, 32]
    assert row.shape == (1, 32)
    nl.store(out, sel + tt + idx + e + z)
    return out


def test_views_fills_and_dst_style_patterns():
    a = RNG.standard_normal((64, 128)).astype(np.float32)
    got = nki.simulate(k_views_and_fills)(a)
    p, j = np.mgrid[0:64, 0:32]
    t = a[0:64, 0:64:2].astype(np.float64)
    want = np.where(p - j >= 0, t, -5.0) + a[0:32, 64:128].T + (3 + 100 * p + j) + np.where(j < 16, 3.0, 0.0)
    check(got, want, atol=1e-4)


@nki.jit
def k_affine_axes(a):
    """nisa.iota / nisa.affine_select with a coefficient per free axis, as NKI
    2.26's index expressions allow (negative ones included), in both styles."""
    out = nl.ndarray((16, 4, 8), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.load(a)
    ip = nl.arange(16)[:, None, None]
    i1 = nl.arange(4)[None, :, None]
    i2 = nl.arange(8)[None, None, :]
    idx = nisa.iota(3 + 2 * ip - 8 * i1 + i2, dtype=nl.float32)
    sel = nisa.affine_select(ip - 2 * i1 - i2 >= 0, t, -5.0)
    idx6 = nl.ndarray((16, 4, 8), dtype=nl.float32, buffer=nl.sbuf)
    nisa.iota(idx6, [[-1, 4], [3, 8]], offset=1, channel_multiplier=0)     # 1 - i1 + 3*i2
    nl.store(out, sel + idx + idx6)
    return out


def test_iota_affine_select_per_axis():
    a = RNG.standard_normal((16, 4, 8)).astype(np.float32)
    got = nki.simulate(k_affine_axes)(a)
    p, i1, i2 = np.indices((16, 4, 8))
    want = np.where(p - 2 * i1 - i2 >= 0, a, -5.0) + (3 + 2 * p - 8 * i1 + i2) + (1 - i1 + 3 * i2)
    check(got, want, atol=1e-4)
    src = nki_sim.trace(k_affine_axes, a).source
    assert "free_step1=-8, free_step2=1" in src and "free_step1=-2, free_step2=-1" in src, src
    assert "free_step1=-1, free_step2=3" in src, src


@nki.jit
def k_pe_tiled(w, x):
    """nisa.nc_matmul with tile_position / tile_size (PE tiling, NKI 2.26):
    two 64 x 64 stationary tiles in two quadrants of the PE array."""
    out = nl.ndarray((128, 96), dtype=nl.float32, buffer=nl.shared_hbm)
    xt = nl.load(x)
    for i in nl.static_range(2):
        wt = nl.load(w[:, 64 * i:64 * i + 64])
        r = nisa.nc_matmul(wt, xt, tile_position=(64 * i, 0), tile_size=(64, 64))
        nl.store(out[64 * i:64 * i + 64, :], nl.copy(r))
    return out


def test_nc_matmul_pe_tiling_passes_through():
    w = RNG.standard_normal((64, 128)).astype(np.float32)
    x = RNG.standard_normal((64, 96)).astype(np.float32)
    got = nki.simulate(k_pe_tiled)(w, x)
    check(got, w.T @ x, atol=1e-4)
    src = nki_sim.trace(k_pe_tiled, w, x).source
    assert "tile_row=64, tile_col=0, tile_rows=64, tile_cols=64" in src, src


@nki.jit
def k_onezero(ones, x):
    """nisa.nc_matmul(ones, x, is_stationary_onezero=True): the partition
    broadcast of NKI's architecture guide, with NKI 2.26's 0/1 hint."""
    out = nl.ndarray((16, 32), dtype=nl.float32, buffer=nl.shared_hbm)
    r = nisa.nc_matmul(nl.load(ones), nl.load(x), is_stationary_onezero=True)
    nl.store(out, nl.copy(r))
    return out


def test_nc_matmul_onezero_hint_passes_through():
    ones = np.ones((1, 16), dtype=np.float32)
    x = RNG.standard_normal((1, 32)).astype(np.float32)
    got = nki.simulate(k_onezero)(ones, x)
    check(got, np.broadcast_to(x, (16, 32)), atol=0)
    src = nki_sim.trace(k_onezero, ones, x).source
    assert "is_stationary_onezero=true" in src and "is_moving_onezero" not in src, src


@nki.jit
def k_transpose_hint(v, identity):
    """NKI 2.26's attention example: nisa.nc_matmul(v, identity,
    is_transpose=True, is_moving_onezero=True), a Tensor-engine transpose."""
    out = nl.ndarray((32, 64), dtype=nl.float32, buffer=nl.shared_hbm)
    r = nisa.nc_matmul(nl.load(v), nl.load(identity), is_transpose=True, is_moving_onezero=True)
    nl.store(out, nl.copy(r))
    return out


def test_nc_matmul_is_transpose_passes_through():
    v = RNG.standard_normal((64, 32)).astype(np.float32)
    v[3, 5], v[7, 1] = np.nan, -0.0
    eye = np.eye(64, dtype=np.float32)
    got = nki.simulate(k_transpose_hint)(v, eye)
    # trn2 (the default target): the values moved unchanged, NaN and -0 included
    assert np.array_equal(got.view(np.uint32), v.T.view(np.uint32))
    src = nki_sim.trace(k_transpose_hint, v, eye).source
    assert "is_moving_onezero=true" in src and "is_transpose=true" in src, src


@nki.jit
def k_dge(x):
    """nisa.dma_copy with dge_mode (NKI 2.26 nki.isa.dge_mode): the same copy."""
    out = nl.ndarray((8, 16), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nl.ndarray((8, 16), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_copy(dst=t, src=x, dge_mode=nisa.dge_mode.hwdge)
    nisa.dma_copy(dst=out, src=t, dge_mode=nisa.dge_mode.none)
    return out


def test_dma_copy_dge_mode_passes_through():
    x = RNG.standard_normal((8, 16)).astype(np.float32)
    check(nki.simulate(k_dge)(x), x, atol=0)
    src = nki_sim.trace(k_dge, x).source
    assert "dge_mode=2" in src and "dge_mode=0" in src, src


@nki.jit
def k_dma_rmw_skip(table, ids, y):
    """nisa.dma_copy with oob_mode.skip (a gather whose out-of-range ids keep
    the -1.0 they held) and dst_rmw_op=np.add (NKI 2.26)."""
    out = nl.ndarray((8, 16), dtype=nl.float32, buffer=nl.shared_hbm)
    idx = nl.load(ids)
    t = nl.full((8, 16), -1.0, dtype=nl.float32)
    nisa.dma_copy(dst=t, src=table[idx[:, 0], :], oob_mode=nisa.oob_mode.skip)
    nl.store(out, t)
    nisa.dma_copy(dst=out, src=y, dst_rmw_op=np.add)
    return out


def test_dma_copy_rmw_and_skip():
    table = RNG.standard_normal((50, 16)).astype(np.float32)
    y = RNG.standard_normal((8, 16)).astype(np.float32)
    ids = np.array([[3], [49], [50], [7], [-1], [12], [1000], [30]], np.int32)
    got = nki.simulate(k_dma_rmw_skip)(table, ids, y)
    ok = (ids[:, 0] >= 0) & (ids[:, 0] < 50)
    want = np.where(ok[:, None], table[np.clip(ids[:, 0], 0, 49)], -1.0) + y
    check(got, want, atol=0)


@nki.jit
def k_dma_transpose(x):
    """nisa.dma_transpose (NKI 2.26): 2-d, as is and with a bf16 cast."""
    out = nl.ndarray((16, 8), dtype=nl.float32, buffer=nl.shared_hbm)
    t = nisa.dma_transpose(x, axes=(1, 0))
    b = nisa.dma_transpose(x, dtype=nl.bfloat16)
    nl.store(out, nl.add(t, b))
    return out


@nki.jit
def k_dma_transpose3(y):
    """3-d, in the 0.6 style (dst first)."""
    out = nl.ndarray((5, 3, 4), dtype=nl.float32, buffer=nl.shared_hbm)
    d = nl.ndarray((5, 3, 4), dtype=nl.float32, buffer=nl.sbuf)
    nisa.dma_transpose(dst=d, src=y)
    nl.store(out, d)
    return out


def test_dma_transpose():
    x = RNG.standard_normal((8, 16)).astype(np.float32)
    x[0, :3] = [np.inf, -0.0, 1e-40]
    y = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    got, got3 = nki.simulate(k_dma_transpose)(x), nki.simulate(k_dma_transpose3)(y)
    u = x.T.copy().view(np.uint32).astype(np.uint64)
    xb = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
    check(got, x.T + xb, atol=0)
    check(got3, np.transpose(y, (2, 1, 0)), atol=0)
    src = nki_sim.trace(k_dma_transpose, x).source
    assert "isa.dma_transpose(src=x, axes=[1, 0])" in src, src
    assert "axes=[2, 1, 0]" in nki_sim.trace(k_dma_transpose3, y).source


@nki.jit
def k_dma_transpose_bad_axes(a):
    out = nl.ndarray((8, 8), dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nisa.dma_transpose(a, axes=(0, 1)))  # LINE-axes
    return out


@nki.jit
def k_dma_transpose_psum(a):
    out = nl.ndarray((8, 8), dtype=a.dtype, buffer=nl.shared_hbm)
    p = nl.ndarray((8, 8), dtype=nl.float32, buffer=nl.psum)
    nisa.dma_copy(dst=p, src=a)  # LINE-copy-psum
    nl.store(out, nisa.dma_transpose(nl.copy(p)))
    return out


@nki.jit
def k_dma_transpose_psum_src(a):
    out = nl.ndarray((8, 8), dtype=a.dtype, buffer=nl.shared_hbm)
    p = nl.ndarray((8, 8), dtype=nl.float32, buffer=nl.psum)
    nisa.tensor_copy(dst=p, src=nl.load(a))
    nl.store(out, nisa.dma_transpose(p))  # LINE-transpose-psum
    return out


def test_dma_transpose_errors():
    a = np.ones((8, 8), np.float32)
    expect_error(k_dma_transpose_bad_axes, [a], nki_sim.NkiTraceError, "NKI supports (1, 0) only", "LINE-axes")
    expect_error(k_dma_transpose_psum, [a], nki_sim.NkiTraceError, "dst is in PSUM", "LINE-copy-psum")
    expect_error(k_dma_transpose_psum_src, [a], nki_sim.NkiTraceError, "dma_transpose src is in PSUM",
                 "LINE-transpose-psum")


@nki.jit
def k_dma_transpose_sbuf(x):
    """nisa.dma_transpose of an SBUF tile (NKI 2.26: src in HBM or SBUF), as
    is and with a bf16 cast: one dma_copy per source partition."""
    out = nl.ndarray((32, 8), dtype=nl.float32, buffer=nl.shared_hbm)
    s = nl.load(x)
    nl.store(out[0:16, :], nisa.dma_transpose(s))
    nl.store(out[16:32, :], nisa.dma_transpose(s, dtype=nl.bfloat16))
    return out


@nki.jit
def k_dma_transpose_sbuf3(y):
    """3-d, from SBUF."""
    out = nl.ndarray((5, 3, 4), dtype=nl.float32, buffer=nl.shared_hbm)
    nl.store(out, nisa.dma_transpose(nl.load(y)))
    return out


def test_dma_transpose_sbuf():
    x = RNG.standard_normal((8, 16)).astype(np.float32)
    x[0, :6] = [np.inf, -np.inf, -0.0, 1e-40, -3e38, np.float32(1.00390625)]
    x[3, 2] = np.nan
    y = RNG.standard_normal((4, 3, 5)).astype(np.float32)
    got, got3 = nki.simulate(k_dma_transpose_sbuf)(x), nki.simulate(k_dma_transpose_sbuf3)(y)
    u = x.T.copy().view(np.uint32).astype(np.uint64)
    xb = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16 << 16).astype(np.uint32).view(np.float32)
    want = np.concatenate([x.T, np.where(np.isnan(x.T), np.float32(np.nan), xb)])
    # bit for bit (-0.0, the denormal, the bf16 rounding), NaN as NaN
    same = (got.view(np.uint32) == want.view(np.uint32)) | (np.isnan(got) & np.isnan(want))
    assert same.all(), (got, want)
    assert np.array_equal(got3.view(np.uint32), np.transpose(y, (2, 1, 0)).view(np.uint32))
    src = nki_sim.trace(k_dma_transpose_sbuf, x).source
    assert "isa.dma_transpose(src=" in src and "src=x" not in src, src


@nki.jit
def k_dma_copy_psum_src(a):
    out = nl.ndarray((8, 8), dtype=a.dtype, buffer=nl.shared_hbm)
    p = nl.ndarray((8, 8), dtype=nl.float32, buffer=nl.psum)
    nisa.tensor_copy(dst=p, src=nl.load(a))
    nisa.dma_copy(dst=out, src=p)  # LINE-psum-src
    return out


@nki.jit
def k_dma_copy_psum_dst(a):
    out = nl.ndarray((8, 8), dtype=a.dtype, buffer=nl.shared_hbm)
    p = nl.ndarray((8, 8), dtype=nl.float32, buffer=nl.psum)
    nisa.dma_copy(dst=p, src=a)  # LINE-psum-dst
    nl.store(out, nl.copy(p))
    return out


@nki.jit
def k_store_psum(a):
    """nl.store of a PSUM tile (NKI 2.26: "with extra additional copy inserted")."""
    out = nl.ndarray((8, 8), dtype=a.dtype, buffer=nl.shared_hbm)
    p = nl.ndarray((8, 8), dtype=nl.float32, buffer=nl.psum)
    nisa.tensor_copy(dst=p, src=nl.load(a))
    nl.store(out, p)
    return out


def test_dma_copy_psum():
    a = RNG.standard_normal((8, 8)).astype(np.float32)
    expect_error(k_dma_copy_psum_src, [a], nki_sim.NkiTraceError, "src is in PSUM", "LINE-psum-src")
    expect_error(k_dma_copy_psum_dst, [a], nki_sim.NkiTraceError, "dst is in PSUM", "LINE-psum-dst")
    check(nki.simulate(k_store_psum)(a), a, atol=0)


# ---- errors: each names the Python file and line -------------------------------------

def expect_error(kernel, args, cls, text, line_of=None):
    try:
        nki.simulate(kernel)(*args)
    except cls as e:
        assert text in str(e), str(e)
        assert e.file is not None and e.file.endswith("test_nki.py"), (e.file, str(e))
        if line_of is not None:
            with open(e.file) as f:
                assert line_of in f.read().splitlines()[e.line - 1], (e.line, str(e))
        return e
    raise AssertionError(f"no {cls.__name__} for {kernel}")


@nki.jit
def k_unsupported_nl(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.cos(nl.load(a)))  # LINE-cos
    return out


@nki.jit
def k_unsupported_isa(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nisa.sequence_bounds(segment_ids=nl.load(a)))  # LINE-unsupported-isa
    return out


@nki.jit
def k_shuffle_ambiguous(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a)
    d = nl.copy(t)
    nisa.nc_stream_shuffle(t, d, [0] * 32)  # LINE-shuffle-ambiguous
    nl.store(out, d)
    return out


@nki.jit
def k_select_reduce_idle(a):
    out = nl.ndarray((128, 1), dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a)
    r = nl.ndarray((128, 1), dtype=nl.float32, buffer=nl.sbuf)
    nisa.select_reduce(dst=t, predicate=nl.copy(t, dtype=nl.uint8), on_true=t, on_false=0.0, reduce_res=r)  # LINE-idle
    nl.store(out, r)
    return out


@nki.jit
def k_partition_broadcast(a, b):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.load(a) + nl.load(b))  # LINE-bcast
    return out


@nki.jit
def k_too_many_partitions(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a)  # LINE-parts
    nl.store(out, t)
    return out


@nki.jit
def k_python_if_on_tile(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    t = nl.load(a)
    if nl.max(t, axis=1) > 0:  # LINE-if
        nl.store(out, t)
    return out


@nki.jit
def k_no_return(a):
    nl.load(a)


@nki.jit
def k_store_to_input(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(a, nl.load(a))  # LINE-input
    return out


def test_errors_name_python_file_and_line():
    a = np.ones((128, 8), np.float32)
    expect_error(k_unsupported_nl, [a], nki_sim.NkiUnsupportedError, "nl.cos is not supported", "LINE-cos")
    expect_error(k_unsupported_isa, [a], nki_sim.NkiUnsupportedError, "nisa.sequence_bounds is not supported",
                 "LINE-unsupported-isa")
    expect_error(k_shuffle_ambiguous, [a], nki_sim.NkiTraceError, "give src= and dst= by keyword",
                 "LINE-shuffle-ambiguous")
    expect_error(k_select_reduce_idle, [a], nki_sim.NkiUnsupportedError,
                 "nisa.select_reduce reduce_res with reduce_cmd='idle' is not supported", "LINE-idle")
    expect_error(k_partition_broadcast, [a, np.ones((1, 8), np.float32)], nki_sim.NkiTraceError,
                 "partition sizes differ (128 vs 1)", "LINE-bcast")
    e = expect_error(k_too_many_partitions, [np.ones((256, 8), np.float32)], nki_sim.NkiTraceError,
                     "partition", "LINE-parts")
    assert "traced as 'let t1 = load(a)'" in str(e) and hasattr(e, "compile_error"), str(e)
    expect_error(k_python_if_on_tile, [a], nki_sim.NkiTraceError, "not Python if", "LINE-if")
    expect_error(k_no_return, [a], nki_sim.NkiTraceError, "returns nothing")
    expect_error(k_store_to_input, [a], nki_sim.NkiTraceError, "kernel input 'a'", "LINE-input")
    try:
        nki.simulate(blocks.softmax_rows)(np.ones((128, 8)))  # float64
        raise AssertionError("float64 accepted")
    except nki_sim.NkiTraceError as e:
        assert "float64" in str(e) and "astype(np.float32)" in str(e)
    try:
        nl.exp(1.0)
        raise AssertionError("nl call outside a kernel accepted")
    except nki_sim.NkiTraceError as e:
        assert "only inside a kernel" in str(e)


# ---- launch grids: LNC=2 (two physical cores) and SPMD instances ---------------------

def test_lnc2_runs_one_program_per_core():
    x = RNG.uniform(1, 2, (2, 128, 1024)).astype(np.float32)
    one = nki_sim.run(lnc.lnc_reciprocal, x)
    two = nki_sim.run(lnc.lnc_reciprocal[2], x)
    assert np.array_equal(one.output, two.output) and np.array_equal(two.output, (1 / x).astype(np.float32))
    assert one.traced.cores == 1 and two.traced.cores == 2
    assert two.tile_source.startswith("kernel lnc_reciprocal[cores = 2, core = 0](")
    assert "    if core == 0:" in two.tile_source and "    elif core == 1:" in two.tile_source
    assert two.stats["cores"] == 2 and len(two.stats["core_end_ns"]) == 2
    assert {"dma0", "core1.dma0"} <= set(two.engine_busy_ns())
    # each core moves half the bytes: the two-core run is shorter, not by more than 2x
    assert one.total_ns / 2 <= two.total_ns < 0.75 * one.total_ns, (one.total_ns, two.total_ns)
    same = nki_sim.run(lnc.lnc_reciprocal[nl.nc(2)], x)
    assert same.tile_source == two.tile_source and same.total_ns == two.total_ns


def test_spmd_grids_and_core_assignment():
    a = RNG.standard_normal((4, 2, 128, 32)).astype(np.float32)
    seq = nki_sim.run(lnc.spmd_scale[4, 2], a)  # eight instances, one after another on one core
    assert seq.traced.cores == 1 and np.array_equal(seq.output, a * 2)
    spread = nki_sim.run(lnc.spmd_scale[nl.spmd_dim(nl.nc(2), 2), 2], a)
    assert spread.traced.cores == 2 and np.array_equal(spread.output, a * 2)
    core0, core1 = spread.tile_source.split("elif core == 1:")
    # spmd_dim(nc(2), 2): programs 0 and 1 of axis 0 on core 0, 2 and 3 on core 1 (NKI's example)
    assert "a[1, 1, " in core0 and "a[2, " not in core0 and "a[2, 0, " in core1 and "a[1, " not in core1
    half = a[:2]
    r = nki_sim.run(lnc.spmd_scale[nl.nc(2), 2], half)
    assert np.array_equal(r.output, half * 2) and "a[1, 0, " in r.tile_source.split("elif")[1]


@nki.jit
def k_grid_axis(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.load(a) * nl.program_id(1))  # LINE-axis
    return out


@nki.jit
def k_shape_per_program(a):
    out = nl.ndarray((128, 4 + nl.program_id(0)), dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out[:, 0:4], nl.load(a))
    return out


def test_launch_errors():
    a = np.ones((128, 4), np.float32)
    expect_error(k_grid_axis[2], [a], nki_sim.NkiTraceError, "nl.program_id(1): the launch grid has 1 dimension",
                 "LINE-axis")
    expect_error(k_shape_per_program[2], [a], nki_sim.NkiTraceError,
                 "every instance of a launch grid creates the same HBM tensors")
    expect_error(k_grid_axis[nl.nc(2), nl.nc(2)], [a], nki_sim.NkiUnsupportedError,
                 "only one axis can be spread over the physical cores")
    expect_error(k_grid_axis[0], [a], nki_sim.NkiTraceError, "each dimension is a positive integer or nl.nc(n)")
    try:
        nl.nc(4)
        raise AssertionError("nl.nc(4) accepted")
    except nki_sim.NkiTraceError as e:
        assert "1 or 2 physical cores" in str(e)
    try:
        nki_sim.run(lnc.lnc_reciprocal[2], np.ones((2, 128, 8), np.float32), target="trn1")
        raise AssertionError("two cores accepted on trn1")
    except nki_sim.NkiTraceError as e:
        assert "trn1 runs a kernel on one NeuronCore" in str(e) and e.file.endswith("lnc.py")


def test_lnc_degree_from_the_environment():
    x = RNG.uniform(1, 2, (2, 128, 64)).astype(np.float32)
    old = os.environ.get("NEURON_LOGICAL_NC_CONFIG")
    try:
        os.environ["NEURON_LOGICAL_NC_CONFIG"] = "2"
        r = nki_sim.run(lnc.lnc_reciprocal, x)
        assert r.traced.cores == 2 and np.array_equal(r.output, (1 / x).astype(np.float32))
        assert nki_sim.run(lnc.lnc_reciprocal[1], x).traced.cores == 1  # the launch says 1
        os.environ["NEURON_LOGICAL_NC_CONFIG"] = "4"
        try:
            nki_sim.run(lnc.lnc_reciprocal, x)
            raise AssertionError("NEURON_LOGICAL_NC_CONFIG=4 accepted")
        except nki_sim.NkiTraceError as e:
            assert "the LNC degree is 1 or 2" in str(e)
    finally:
        if old is None:
            os.environ.pop("NEURON_LOGICAL_NC_CONFIG", None)
        else:
            os.environ["NEURON_LOGICAL_NC_CONFIG"] = old


@nki.jit
def k_barrier_one_core(a):
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    nl.store(out, nl.load(a))
    nisa.core_barrier(out, (0, 1))  # LINE-barrier
    return out


@nki.jit
def k_private_scratch(a):
    # each core its own private_hbm buffer: no race between the cores
    out = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.shared_hbm)
    mine = nl.ndarray(a.shape, dtype=a.dtype, buffer=nl.private_hbm)
    c = nl.program_id(0)
    rows = a.shape[0] // nl.num_programs()
    nl.store(mine, nl.load(a) * 3.0)
    nl.store(out[c * rows:(c + 1) * rows, :], nl.load(mine[c * rows:(c + 1) * rows, :]))
    return out


def test_core_barrier_and_hbm_scratch():
    x = RNG.standard_normal((128, 1024)).astype(np.float32)
    want = x.astype(np.float64).sum(1, keepdims=True)
    one = nki_sim.run(lnc.split_row_sum, x)
    two = nki_sim.run(lnc.split_row_sum[2], x)
    check(one.output, want, atol=1e-4)
    check(two.output, want, atol=1e-4)
    src = two.tile_source
    assert "= scratch(f32, [2, 128, 1])" in src and src.count("isa.core_barrier(data=") == 2, src
    assert "store(out[0:64, 0:1]" in src and "store(out[64:128, 0:1]" in src, src
    # without the barrier core 1 reads core 0's partial sums unordered: a race
    try:
        nki_sim.run(lnc.split_row_sum[2], x, barrier=False)
        raise AssertionError("the race without core_barrier was not reported")
    except nkc.Error as e:
        assert "race on hbm byte" in str(e) and "core1." in str(e), str(e)
        # named at the kernel's Python lines (the store of the partials and the
        # other core's load of them), not at the traced .tile's
        assert "(lnc.py:51, traced line" in str(e) and "(lnc.py:55, traced line" in str(e), str(e)
    expect_error(k_barrier_one_core, [np.ones((128, 4), np.float32)], nki_sim.NkiTraceError,
                 "nisa.core_barrier synchronises the two physical cores of an LNC=2 launch", "LINE-barrier")
    a = RNG.standard_normal((128, 16)).astype(np.float32)
    r = nki_sim.run(k_private_scratch[2], a)
    check(r.output, a * 3, atol=1e-6)
    assert "_0_c0 = scratch(" not in r.tile_source and "_1_c0 = scratch(f32, [128, 16])" in r.tile_source
    assert "_1_c1 = scratch(f32, [128, 16])" in r.tile_source, r.tile_source


def test_neuronxcc_names_are_the_same_package():
    import neuronxcc.nki as old
    import neuronxcc.nki.language as old_nl
    assert old.jit is nki.jit and old_nl.exp is nl.exp and old_nl.tile_size.pmax == 128
    assert old.simulate_kernel(blocks.softmax_rows, np.zeros((128, 4), np.float32)).shape == (128, 4)


def main():
    return run_tests(globals())


if __name__ == "__main__":
    sys.exit(main())
