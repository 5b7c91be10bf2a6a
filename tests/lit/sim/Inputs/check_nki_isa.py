#!/usr/bin/python3
"""NumPy checks of tensor_tensor_scan, bn_stats, bn_aggr, max8,
nc_find_index8, scalar_tensor_tensor, reciprocal, tensor_partition_reduce and
nc_match_replace8 (NKI 2.26's nki.isa semantics, docs/isa.md), over random and
edge-case inputs: NaN, +-Inf, denormals, overflow, ties, -0.0, values not
present. Each case writes a small kernel, runs it in nksim and compares the
output with a NumPy model written from the documentation, bit for bit
(NaN == NaN). Usage: check_nki_isa.py WORKDIR
"""
import math
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from nksim_case import run_kernel  # noqa: E402

F32 = np.float32
work = sys.argv[1]
os.makedirs(work, exist_ok=True)
rng = np.random.default_rng(11)
failures = 0


def run(name, source, inputs, out_shape_dtype=None):
    return run_kernel(work, name, source, inputs)


def check(name, got, want):
    global failures
    ok = got.shape == want.shape and np.array_equal(got, want, equal_nan=got.dtype.kind == "f")
    if not ok:
        failures += 1
        bad = np.argwhere(~((got == want) | (np.isnan(got) & np.isnan(want)))) if got.shape == want.shape else []
        print(f"FAIL {name}: first mismatches {bad[:4].tolist()}; got {got.ravel()[:8]} want {want.ravel()[:8]}")
    else:
        print(f"ok {name}")


def edgy(shape):
    """Random normals with edge values sprinkled in."""
    x = rng.standard_normal(shape).astype(F32)
    flat = x.reshape(-1)
    specials = np.array([np.nan, np.inf, -np.inf, 1e-40, -1e-40, 3e38, -3e38, 0.0, -0.0], dtype=F32)
    where = rng.choice(flat.size, size=min(flat.size // 8, 40), replace=False)
    flat[where] = rng.choice(specials, size=where.size)
    return x


# ---- tensor_tensor_scan ------------------------------------------------------
OPS = {"add": lambda a, b: F32(a + b), "subtract": lambda a, b: F32(a - b), "multiply": lambda a, b: F32(a * b),
       "max": lambda a, b: F32(np.maximum(a, b)), "min": lambda a, b: F32(np.minimum(a, b)),
       "divide": lambda a, b: F32(a / b)}


def scan_ref(d0, d1, init, op0, op1, rev0, rev1):
    out = np.empty_like(d0)
    with np.errstate(all="ignore"):
        for p in range(d0.shape[0]):
            r = F32(init[p])
            for i in range(d0.shape[1]):
                r = OPS[op0](r, d0[p, i]) if rev0 else OPS[op0](d0[p, i], r)
                r = OPS[op1](d1[p, i], r) if rev1 else OPS[op1](r, d1[p, i])
                out[p, i] = r
    return out


n, f = 8, 40
for k, (op0, op1, rev0, rev1, tile_init) in enumerate([
        ("multiply", "add", False, False, True), ("add", "multiply", False, False, False),
        ("subtract", "subtract", True, True, True), ("max", "min", False, True, False),
        ("max", "add", True, False, True), ("min", "multiply", False, False, True)]):
    d0, d1 = edgy((n, f)), edgy((n, f))
    h = rng.standard_normal((n, 1)).astype(F32)
    init_arg = "initial=ht" if tile_init else "initial_imm=0.75"
    src = f"""kernel scan{k}(a: f32[{n}, {f}], b: f32[{n}, {f}], h: f32[{n}, 1]) -> f32[{n}, {f}]:
    let at = load(a)
    let bt = load(b)
    let ht = load(h)
    store(out, isa.tensor_tensor_scan(data0=at, data1=bt, {init_arg}, op0={op0}, op1={op1}, reverse0={str(rev0).lower()}, reverse1={str(rev1).lower()}))
"""
    got = run(f"scan{k}", src, {"a": d0, "b": d1, "h": h}, None)
    init = h[:, 0] if tile_init else np.full(n, 0.75, dtype=F32)
    check(f"tensor_tensor_scan {op0}/{op1} reverse={rev0},{rev1} initial={'tile' if tile_init else 'imm'}",
          got, scan_ref(d0, d1, init, op0, op1, rev0, rev1))

# ---- bn_stats / bn_aggr ------------------------------------------------------


def group_stats(v):
    if v.size == 0:
        return [F32(0), F32(0), F32(0)]
    cnt = F32(v.size)
    with np.errstate(all="ignore"):
        mean = F32(np.sum(v, dtype=F32) / cnt)
        d = (v - mean).astype(F32)
        m2 = F32(np.sum((d * d).astype(F32), dtype=F32))
    return [cnt, mean, m2]


def bn_stats_ref(x):
    rows = []
    for p in range(x.shape[0]):
        rows.append(group_stats(np.ascontiguousarray(x[p, 0::2])) + group_stats(np.ascontiguousarray(x[p, 1::2])))
    return np.array(rows, dtype=F32)


def bn_aggr_ref(s):
    out = np.zeros((s.shape[0], 2), dtype=F32)
    with np.errstate(all="ignore"):
        for p in range(s.shape[0]):
            g = s[p].reshape(-1, 3)
            n_, w = F32(0), F32(0)
            for c, m, _ in g:
                n_ = F32(n_ + c)
                w = F32(w + F32(c * m))
            if n_ > 0:
                mean = F32(w / n_)
                m2 = F32(0)
                for c, m, q in g:
                    dd = F32(m - mean)
                    m2 = F32(m2 + F32(q + F32(c * F32(dd * dd))))
                out[p] = [mean, F32(m2 / n_)]
    return out


for k, (rows, width, special) in enumerate([(8, 300, False), (16, 1, False), (8, 7, True), (4, 512, True)]):
    x = edgy((rows, width)) if special else (rng.standard_normal((rows, width)) * 3 + 2).astype(F32)
    src = f"""kernel bns{k}(x: f32[{rows}, {width}]) -> f32[{rows}, 6]:
    store(out, isa.bn_stats(src=load(x)))
"""
    check(f"bn_stats [{rows}|{width}]{' with NaN/Inf/denormals' if special else ''}",
          run(f"bns{k}", src, {"x": x}, None), bn_stats_ref(x))

# bn_aggr on hand-made triples, including groups of count 0.
trip = np.array([[4, 1.5, 2.0, 0, 0, 0, 3, -2.0, 0.5], [1, 7.0, 0.0, 2, 7.0, 0.0, 5, 7.0, 0.0],
                 [0, 0, 0, 0, 0, 0, 0, 0, 0], [2, 1e30, 1e29, 2, -1e30, 1e29, 1, 3.0, 0.0]], dtype=F32)
src = """kernel bna(s: f32[4, 9]) -> f32[4, 2]:
    store(out, isa.bn_aggr(src=load(s)))
"""
check("bn_aggr triples (zero counts, one group, huge values)", run("bna", src, {"s": trip}, None), bn_aggr_ref(trip))

# The layer-norm chain: stats of 3 chunks merged, against np.mean / np.var.
x = (rng.standard_normal((8, 1100)) * 2 - 1).astype(F32)
src = """kernel bnchain(x: f32[8, 1100]) -> f32[8, 2]:
    let xt = load(x)
    var st = zeros(sbuf f32[8 | 18])
    isa.bn_stats(dst=st[:, 0:6], src=xt[:, 0:512])
    isa.bn_stats(dst=st[:, 6:12], src=xt[:, 512:1024])
    isa.bn_stats(dst=st[:, 12:18], src=xt[:, 1024:1100])
    store(out, isa.bn_aggr(src=st))
"""
got = run("bnchain", src, {"x": x}, None)
want = np.stack([x.astype(np.float64).mean(1), x.astype(np.float64).var(1)], axis=1)
err = np.abs(got - want).max()
if err > 1e-5:
    failures += 1
    print(f"FAIL bn_stats x3 + bn_aggr vs np.mean/np.var: max abs err {err}")
else:
    print(f"ok bn_stats x3 + bn_aggr vs np.mean/np.var (float64): max abs err {err:.2g}")

# ---- max8 / nc_find_index8 ---------------------------------------------------


def max8_ref(x):
    return np.sort(x, axis=1)[:, ::-1][:, :8]  # NaN sorts last, so first here


def find_ref(data, vals):
    out = np.full(vals.shape, -1, dtype=np.int32)
    for p in range(data.shape[0]):
        for k in range(8):
            hit = np.flatnonzero(data[p] == vals[p, k])
            if hit.size:
                out[p, k] = hit[0]
    return out


for k, (rows, width) in enumerate([(8, 8), (16, 1000), (4, 16384)]):
    x = edgy((rows, width))
    x[0, :] = 1.0  # all ties
    if width > 20:
        x[1, 3:12] = 5.0  # a tie across the top 8
    src = f"""kernel m8_{k}(x: f32[{rows}, {width}]) -> f32[{rows}, 8]:
    store(out, isa.max8(src=load(x)))
"""
    check(f"max8 [{rows}|{width}] with ties, NaN, +-Inf", run(f"m8_{k}", src, {"x": x}, None), max8_ref(x))

data = edgy((8, 200))
data[2, 50] = data[2, 10]  # a duplicate: the first occurrence wins
data[3, 7] = 0.0
data[3, 9] = -0.0
vals = np.stack([data[p, rng.choice(200, 8, replace=False)] for p in range(8)]).astype(F32)
vals[2, 0] = data[2, 10]
vals[3, 0] = -0.0  # equal to 0.0: the first of either
vals[4, 1] = F32(123456.0)  # absent: -1
vals[5, 2] = np.nan  # NaN matches nothing: -1
# dst u32 (NKI 2.26's default) or u16; an absent value (undefined in NKI)
# gives all ones, -1's bits.
src = """kernel fi8(d: f32[8, 200], v: f32[8, 8]) -> u32[8, 8]:
    store(out, isa.nc_find_index8(data=load(d), vals=load(v)))
"""
check("nc_find_index8 (duplicates, -0.0, absent, NaN) -> u32", run("fi8", src, {"d": data, "v": vals}, None),
      find_ref(data, vals).view(np.uint32))
src = """kernel fi8h(d: f32[8, 200], v: f32[8, 8]) -> u16[8, 8]:
    store(out, isa.nc_find_index8(data=load(d), vals=load(v), dtype=u16))
"""
check("nc_find_index8 (duplicates, -0.0, absent, NaN) -> u16", run("fi8h", src, {"d": data, "v": vals}, None),
      find_ref(data, vals).astype(np.int16).view(np.uint16))

# ---- scalar_tensor_tensor ----------------------------------------------------
for k, (op0, op1, rev0, rev1, tile0) in enumerate([("subtract", "multiply", False, False, True),
                                                   ("multiply", "add", True, True, False),
                                                   ("subtract", "max", True, False, True),
                                                   ("max", "subtract", False, True, False)]):
    d, o1 = edgy((8, 50)), edgy((8, 50))
    s0 = rng.standard_normal((8, 1)).astype(F32)
    arg0 = "operand0=st" if tile0 else "imm0=-1.5"
    src = f"""kernel stt{k}(d: f32[8, 50], o: f32[8, 50], s: f32[8, 1]) -> f32[8, 50]:
    let st = load(s)
    store(out, isa.scalar_tensor_tensor(data=load(d), {arg0}, operand1=load(o), op0={op0}, op1={op1}, reverse0={str(rev0).lower()}, reverse1={str(rev1).lower()}))
"""
    v0 = s0 if tile0 else np.full((8, 1), -1.5, dtype=F32)
    with np.errstate(all="ignore"):
        t = np.vectorize(lambda a, b: OPS[op0](F32(b), F32(a)) if rev0 else OPS[op0](F32(a), F32(b)), otypes=[F32])(d, np.broadcast_to(v0, d.shape))
        want = np.vectorize(lambda a, b: OPS[op1](F32(b), F32(a)) if rev1 else OPS[op1](F32(a), F32(b)), otypes=[F32])(t, o1)
    check(f"scalar_tensor_tensor {op0}/{op1} reverse={rev0},{rev1} operand0={'tile' if tile0 else 'imm'}",
          run(f"stt{k}", src, {"d": d, "o": o1, "s": s0}, None), want)

# ---- reciprocal --------------------------------------------------------------
x = edgy((8, 64))
x[0, :4] = [1e-40, -1e-45, 3e38, -0.0]
src = """kernel rcp(x: f32[8, 64]) -> f32[8, 64]:
    store(out, isa.reciprocal(src=load(x)))
"""
with np.errstate(all="ignore"):
    check("reciprocal (denormals, -0.0, huge, NaN, Inf)", run("rcp", src, {"x": x}, None), (F32(1) / x).astype(F32))

# ---- tensor_partition_reduce --------------------------------------------------
for op in ["add", "max"]:
    x = edgy((128, 24)) if op == "max" else rng.standard_normal((128, 24)).astype(F32)
    src = f"""kernel pr_{op}(x: f32[128, 24]) -> f32[1, 24]:
    store(out, isa.tensor_partition_reduce(data=load(x), op={op}))
"""
    acc = x[0].copy()
    with np.errstate(all="ignore"):
        for p in range(1, 128):
            acc = (acc + x[p]).astype(F32) if op == "add" else np.maximum(acc, x[p])
    check(f"tensor_partition_reduce {op} over 128 partitions", run(f"pr_{op}", src, {"x": x}, None), acc[None, :])
xi = rng.integers(-2**30, 2**30, size=(64, 16)).astype(np.int32)
for op, fn in [("bitwise_or", np.bitwise_or), ("bitwise_and", np.bitwise_and)]:
    src = f"""kernel pri_{op}(x: i32[64, 16]) -> i32[1, 16]:
    store(out, isa.tensor_partition_reduce(data=load(x), op={op}))
"""
    check(f"tensor_partition_reduce {op} on i32", run(f"pri_{op}", src, {"x": xi}, None), fn.reduce(xi, axis=0)[None, :])

# ---- nc_match_replace8 ---------------------------------------------------------
data = rng.standard_normal((8, 100)).astype(F32)
data[1, [5, 9, 30]] = F32(2.5)  # duplicates in vals match successive occurrences
vals = np.stack([data[p, rng.choice(100, 8, replace=False)] for p in range(8)]).astype(F32)
vals[1, :3] = F32(2.5)
vals[2, 4] = F32(99.0)  # absent: index -1, nothing replaced
vals[3, 5] = np.nan
src = """kernel mr8(d: f32[8, 100], v: f32[8, 8]) -> f32[8, 108]:
    let dt = load(d)
    var idx = zeros(sbuf i32[8 | 8])
    let r = isa.nc_match_replace8(data=dt, vals=load(v), imm=-7.0, dst_idx=idx)
    var both = zeros(sbuf f32[8 | 108])
    both[:, 0:100] = r
    both[:, 100:108] = copy(idx, dtype=f32)
    store(out, both)
"""
want_d = data.copy()
want_i = np.full((8, 8), -1, dtype=np.int32)
for p in range(8):
    for k in range(8):
        hit = np.flatnonzero(want_d[p] == vals[p, k])
        if hit.size:
            want_i[p, k] = hit[0]
            want_d[p, hit[0]] = F32(-7.0)
got = run("mr8", src, {"d": data, "v": vals}, None)
check("nc_match_replace8 data (duplicates, absent, NaN)", got[:, :100], want_d)
check("nc_match_replace8 dst_idx", got[:, 100:].astype(np.int32), want_i)

# ---- sequence_bounds -------------------------------------------------------------
def bounds_ref(ids):
    n = ids.size
    start, end = np.empty(n, np.float32), np.empty(n, np.float32)
    i = 0
    while i < n:
        j = i
        while j + 1 < n and ids[j + 1] == ids[i]:
            j += 1
        pad = ids[i] == 0
        start[i:j + 1] = n if pad else i
        end[i:j + 1] = -1 if pad else j + 1
        i = j + 1
    return np.concatenate([start, end])[None, :]


for k, ids in enumerate([np.array([0, 1, 1, 2, 2, 2, 0, 3, 3], np.float32),  # NKI's worked example
                         rng.integers(0, 4, size=200).astype(np.float32)]):
    n = ids.size
    src = f"""kernel sb{k}(ids: f32[1, {n}]) -> f32[1, {2 * n}]:
    store(out, isa.sequence_bounds(segment_ids=load(ids)))
"""
    check(f"sequence_bounds {n} ids", run(f"sb{k}", src, {"ids": ids[None, :]}, None), bounds_ref(ids))

# ---- dropout ------------------------------------------------------------------------
x = (rng.standard_normal((64, 500)) + 3).astype(F32)  # nonzero values
def drop(prob, seed, name):
    src = f"""kernel {name}(x: f32[64, 500]) -> f32[64, 500]:
    store(out, isa.dropout(src=load(x), prob_imm={prob}, seed={seed}))
"""
    return run(name, src, {"x": x}, None)
check("dropout prob 0 keeps everything", drop(0.0, 1, "d0"), x)
check("dropout prob 1 drops everything", drop(1.0, 1, "d1"), np.zeros_like(x))
a, b, c = drop(0.3, 7, "da"), drop(0.3, 7, "db"), drop(0.3, 8, "dc")
kept = a != 0
frac = 1 - kept.mean()
ok = np.array_equal(a, b) and not np.array_equal(a, c) and np.array_equal(a[kept], x[kept]) and abs(frac - 0.3) < 0.01
if ok:
    print(f"ok dropout prob 0.3: dropped {frac:.4f}, deterministic per seed, kept values unchanged")
else:
    failures += 1
    print(f"FAIL dropout prob 0.3: dropped {frac}, same seed equal {np.array_equal(a, b)}")

# ---- local_gather: NKI 2.26's own NumPy reference (test_nki_isa_local_gather.py) --
src_buf = (rng.random((128, 512, 4)) * 100).astype(F32)
index_per_core = rng.integers(0, 512, size=(16, 4)).astype(np.int32)
index = np.tile(index_per_core, (8, 1))
E, NV = 4, 64
want = np.empty((128, NV, E), F32)
for c in range(8):
    idx1 = index[16 * c:16 * c + 16].flatten(order="F")[:NV]
    want[16 * c:16 * c + 16] = np.take(src_buf[16 * c:16 * c + 16], idx1, axis=1)
src = f"""kernel lg(s: f32[128, 2048], i: u16[128, 4]) -> f32[128, {NV * E}]:
    store(out, isa.local_gather(src=load(s), index=load(i), num_elem_per_idx={E}, num_valid_indices={NV}))
"""
check("local_gather (NKI's example: 8 cores, 64 indices of 4 elements)",
      run("lg", src, {"s": src_buf.reshape(128, 2048), "i": (index * E).astype(np.uint16)}, None),
      want.reshape(128, NV * E))

# Edges: u16 offsets at the row's end (a run of 4 crossing it), past it (NKI:
# undefined; modelled: 0) and at 65535; an i32 src copied raw (2^31 - 1 exact).
row = rng.integers(-2**31, 2**31 - 1, size=(16, 20), dtype=np.int64).astype(np.int32)
row[:, 0] = 2**31 - 1
offs = np.array([0, 18, 20, 65535, 5, 16, 1, 17, 2, 3, 4, 6, 7, 8, 9, 10], np.uint16).reshape(16, 1)
want = np.zeros((16, 16 * 4), np.int32)
for k in range(16):  # one index per partition: offset k is offs[k, 0]
    for j in range(4):
        o = int(offs[k, 0]) + j
        if o < 20:
            want[:, 4 * k + j] = row[:, o]
src = """kernel lge(s: i32[16, 20], i: u16[16, 1]) -> i32[16, 64]:
    store(out, isa.local_gather(src=load(s), index=load(i), num_elem_per_idx=4))
"""
check("local_gather u16 offsets at and past the row's end (0), i32 raw", run("lge", src, {"s": row, "i": offs}, None),
      want)

# ---- tensor_copy_dynamic_src / _dst: the offset read at run time ------------------
region = rng.standard_normal((8, 100)).astype(F32)
win = rng.standard_normal((8, 16)).astype(F32)
for off in [0, 37, 84, 90]:  # 90: the window runs past the region (read as 0 / not written)
    src = f"""kernel dyn{off}(r: f32[8, 100], w: f32[8, 16], o: i32[1, 1]) -> f32[8, 116]:
    let ot = load(o)
    let got = isa.tensor_copy_dynamic_src(dst=sbuf f32[8 | 16], src=load(r), offset=ot)
    var reg = copy(load(r))
    isa.tensor_copy_dynamic_dst(dst=reg, src=load(w), offset=ot)
    var both = zeros(sbuf f32[8 | 116])
    both[:, 0:16] = got
    both[:, 16:116] = reg
    store(out, both)
"""
    got = run(f"dyn{off}", src, {"r": region, "w": win, "o": np.array([[off]], np.int32)}, None)
    want_src = np.zeros((8, 16), F32)
    n = max(0, min(16, 100 - off))
    want_src[:, :n] = region[:, off:off + n]
    want_dst = region.copy()
    want_dst[:, off:off + n] = win[:, :n]
    check(f"tensor_copy_dynamic_src offset {off}", got[:, :16], want_src)
    check(f"tensor_copy_dynamic_dst offset {off}", got[:, 16:], want_dst)

# NKI's example 1: the offset indexes the middle axis of a [P, 64, 4] tile
# (src[ix, offsets[0, idx], iz]): offset_stride=4 elements per step. Offset
# 63 is the last step inside; 64 is outside (read as 0 / not written).
reg3 = rng.standard_normal((8, 64 * 4)).astype(F32)
w4 = rng.standard_normal((8, 4)).astype(F32)
for off in [0, 5, 63, 64]:
    src = f"""kernel dyns{off}(r: f32[8, 256], w: f32[8, 4], o: u16[1, 1]) -> f32[8, 260]:
    let ot = load(o)
    let got = isa.tensor_copy_dynamic_src(dst=sbuf f32[8 | 4], src=load(r), offset=ot, offset_stride=4)
    var reg = copy(load(r))
    isa.tensor_copy_dynamic_dst(dst=reg, src=load(w), offset=ot, offset_stride=4)
    var both = zeros(sbuf f32[8 | 260])
    both[:, 0:4] = got
    both[:, 4:260] = reg
    store(out, both)
"""
    got = run(f"dyns{off}", src, {"r": reg3, "w": w4, "o": np.array([[off]], np.uint16)}, None)
    want_src = reg3.reshape(8, 64, 4)[:, off, :] if off < 64 else np.zeros((8, 4), F32)
    want_dst = reg3.copy().reshape(8, 64, 4)
    if off < 64:
        want_dst[:, off, :] = w4
    check(f"tensor_copy_dynamic_src offset_stride=4 offset {off}", got[:, :4], want_src)
    check(f"tensor_copy_dynamic_dst offset_stride=4 offset {off}", got[:, 4:], want_dst.reshape(8, 256))

# ---- range_select (NKI 2.26, reduce_cmd idle) ------------------------------------
vals = rng.standard_normal((16, 64)).astype(F32)
lo = rng.integers(0, 80, size=(16, 1)).astype(F32)
hi = (lo + rng.integers(0, 40, size=(16, 1))).astype(F32)
CMP = {"is_ge": np.greater_equal, "is_gt": np.greater, "is_le": np.less_equal, "is_lt": np.less, "is_equal": np.equal}
for k, (c0, c1, start) in enumerate([("is_ge", "is_lt", 0), ("is_gt", "is_le", 20), ("is_equal", "is_ge", 5)]):
    src = f"""kernel rs{k}(v: f32[16, 64], lo: f32[16, 1], hi: f32[16, 1]) -> f32[16, 64]:
    store(out, isa.range_select(on_true=load(v), bound0=load(lo), bound1=load(hi), cmp0={c0}, cmp1={c1}, range_start={start}))
"""
    idx = (start + np.arange(64, dtype=np.int64)).astype(F32)[None, :]
    keep = CMP[c0](idx, lo) & CMP[c1](idx, hi)
    check(f"range_select {c0}/{c1} from {start}", run(f"rs{k}", src, {"v": vals, "lo": lo, "hi": hi}, None),
          np.where(keep, vals, np.finfo(np.float32).min).astype(F32))

# ---- tensor_copy_predicated (NKI 2.26: np.where(pred, src, dst_old)) ----------------
# dst is read and written (an InOut operand): where the predicate is 0 the
# var keeps what it held, raw bits and all (NaN payloads, -0.0).
old = edgy((32, 48))
new = edgy((32, 48))
mask = (rng.random((32, 48)) < 0.4).astype(np.uint8) * rng.integers(1, 255, size=(32, 48)).astype(np.uint8)
for rev in (False, True):
    src = f"""kernel tcp{int(rev)}(a: f32[32, 48], b: f32[32, 48], m: u8[32, 48]) -> f32[32, 48]:
    var acc = load(a)
    isa.tensor_copy_predicated(dst=acc, src=load(b), predicate=load(m), reverse_pred={str(rev).lower()})
    store(out, acc)
"""
    keep_new = (mask == 0) if rev else (mask != 0)
    want = np.where(keep_new, new, old).astype(F32)
    got = run(f"tcp{int(rev)}", src, {"a": old, "b": new, "m": mask}, None)
    check(f"tensor_copy_predicated reverse_pred={rev}", got.view(np.uint32), want.view(np.uint32))
# The var's initial zeros are read where the predicate is 0: the memset that
# makes them must survive elide-memsets.
src = """kernel tcpz(b: f32[32, 48], m: u8[32, 48]) -> f32[32, 48]:
    var acc = zeros(sbuf f32[32 | 48])
    isa.tensor_copy_predicated(dst=acc, src=load(b), predicate=load(m))
    store(out, acc)
"""
check("tensor_copy_predicated into zeros", run("tcpz", src, {"b": new, "m": mask}, None).view(np.uint32),
      np.where(mask != 0, new, F32(0)).astype(F32).view(np.uint32))

# ---- select_reduce (NKI 2.26 nki.isa, select_reduce) -------------------------------
# dst = where(pred, on_true, on_false), reverse_pred a logical NOT; with
# reduce_res, the row max of dst folded into the accumulator (-inf after a
# reset, reduce_res's own value with accumulate=true). One output holds dst
# in rows 0:32 and reduce_res in column 0 of rows 32:64.
on_true = edgy((32, 48))
mask = (rng.random((32, 48)) < 0.5).astype(np.uint8) * rng.integers(1, 256, size=(32, 48)).astype(np.uint8)
mask[3, :] = 0    # every element false: the row is all on_false
mask[4, :] = 255  # every element true
on_true[5, :] = -np.inf  # an all -inf row stays -inf through the -inf accumulator
mask[5, :] = 1
col = edgy((32, 1))


def sel_ref(pred, t, f, rev):
    return np.where((pred != 0) != rev, t, f).astype(F32)


def row_max(d, acc):
    # np.max propagates NaN; the accumulator joins the max the same way.
    return np.max(np.concatenate([acc, d], axis=1), axis=1, keepdims=True).astype(F32)


NEG = np.full((32, 1), -np.inf, dtype=F32)
for k, (rev, false_src, false_ref) in enumerate([(False, "on_false_value=-2.5", F32(-2.5)),
                                                 (True, "on_false_value=-inf", F32(-np.inf)),
                                                 (False, "on_false=load(c)", col),
                                                 (True, "on_false=load(c)", col)]):
    src = f"""kernel sr{k}(t: f32[32, 48], m: u8[32, 48], c: f32[32, 1]) -> f32[64, 48]:
    var r = zeros(sbuf f32[32 | 1])
    let y = isa.select_reduce(predicate=load(m), on_true=load(t), {false_src}, reverse_pred={str(rev).lower()}, reduce_res=r)
    store(out[0:32, :], y)
    store(out[32:64, 0:1], r)
"""
    got = run(f"sr{k}", src, {"t": on_true, "m": mask, "c": col}, None)
    want_dst = sel_ref(mask, on_true, false_ref, rev)
    check(f"select_reduce dst reverse_pred={rev} {false_src}", got[:32].view(np.uint32),
          want_dst.view(np.uint32))
    check(f"select_reduce reduce_res reverse_pred={rev} {false_src}", got[32:, :1], row_max(want_dst, NEG))

# accumulate=true continues from reduce_res: a chain of two calls (reset,
# then reduce), and one continuing from values loaded into the var, some
# above the row max, one NaN, one -inf.
t2 = edgy((32, 48))
mask2 = (rng.random((32, 48)) < 0.5).astype(np.uint8)
start = rng.standard_normal((32, 1)).astype(F32) * 4
start[0], start[1], start[2] = np.nan, -np.inf, np.inf
src = """kernel srchain(t: f32[32, 48], t2: f32[32, 48], m: u8[32, 48], m2: u8[32, 48]) -> f32[64, 48]:
    var r = zeros(sbuf f32[32 | 1])
    let y = isa.select_reduce(predicate=load(m), on_true=load(t), on_false_value=-inf, reduce_res=r)
    let y2 = isa.select_reduce(predicate=load(m2), on_true=load(t2), on_false_value=0.5, reduce_res=r, accumulate=true)
    store(out[0:32, :], y2)
    store(out[32:64, 0:1], r)
"""
got = run("srchain", src, {"t": on_true, "t2": t2, "m": mask, "m2": mask2}, None)
d1, d2 = sel_ref(mask, on_true, F32(-np.inf), False), sel_ref(mask2, t2, F32(0.5), False)
check("select_reduce chain dst", got[:32].view(np.uint32), d2.view(np.uint32))
check("select_reduce chain reduce_res", got[32:, :1], row_max(d2, row_max(d1, NEG)))
src = """kernel srcont(t: f32[32, 48], m: u8[32, 48], s: f32[32, 1]) -> f32[32, 1]:
    var r = load(s)
    let y = isa.select_reduce(predicate=load(m), on_true=load(t), on_false_value=-inf, reduce_res=r, accumulate=true)
    store(out, r)
"""
check("select_reduce accumulate from reduce_res", run("srcont", src, {"t": t2, "m": mask2, "s": start}, None),
      row_max(sel_ref(mask2, t2, F32(-np.inf), False), start))
# The value a reduce_res var starts with is read by accumulate=true: the
# memset that makes it must survive elide-memsets (a fill above every row
# max, so that a dropped memset, leaving SBUF's zeros, shows).
src = """kernel srzero(t: f32[32, 48], m: u8[32, 48]) -> f32[32, 1]:
    var r = full(sbuf f32[32 | 1], 1e30)
    let y = isa.select_reduce(predicate=load(m), on_true=load(t), on_false_value=-inf, reduce_res=r, accumulate=true)
    store(out, r)
"""
check("select_reduce accumulate from a full() var", run("srzero", src, {"t": t2, "m": mask2}, None),
      row_max(sel_ref(mask2, t2, F32(-np.inf), False), np.full((32, 1), 1e30, F32)))


# The max is over the values dst holds: a bf16 dst rounds before the max
# (round to nearest even, from fp32).
def to_bf16(x):
    u = x.astype(F32).view(np.uint32).astype(np.uint64)
    u = ((u + 0x7FFF + ((u >> 16) & 1)) >> 16) << 16
    return u.astype(np.uint32).view(F32)


fin = rng.standard_normal((32, 48)).astype(F32)
src = """kernel srbf(t: f32[32, 48], m: u8[32, 48]) -> f32[64, 48]:
    var r = zeros(sbuf f32[32 | 1])
    let y = isa.select_reduce(predicate=load(m), on_true=load(t), on_false_value=-3.0, reduce_res=r, dtype=bf16)
    store(out[0:32, :], y)
    store(out[32:64, 0:1], r)
"""
got = run("srbf", src, {"t": fin, "m": mask2}, None)
want_dst = to_bf16(sel_ref(mask2, fin, F32(-3.0), False))
check("select_reduce bf16 dst", got[:32], want_dst)
check("select_reduce bf16 reduce_res (max of the rounded dst)", got[32:, :1], row_max(want_dst, NEG))

# ---- nc_stream_shuffle (NKI 2.26 nki.isa, nc_stream_shuffle) -----------------------
# Per 32-partition quadrant q (counted from each operand's start):
# dst[32q+i] = src[32q+mask[i]]; 255 keeps dst's row. Raw elements move:
# compared as bits (NaN payloads, -0.0). dst is read and written (InOut).
def shuffle_ref(dst_old, src, mask):
    out = dst_old.copy()
    for p in range(dst_old.shape[0]):
        b = mask[p % 32]
        if b != 255:
            out[p] = src[p - p % 32 + b]
    return out


def mask_src(mask):
    return "[" + ", ".join(str(int(b)) for b in mask) + "]"


def payload_nans(x):
    """x with NaNs of several payloads (quiet and signalling, both signs)."""
    u = x.view(np.uint32).copy()
    flat = u.reshape(-1)
    where = rng.choice(flat.size, size=12, replace=False)
    flat[where] = rng.choice(np.array([0x7FC00001, 0xFFC12345, 0x7F800001, 0xFF80BEEF, 0x80000000], np.uint32), 12)
    return u.view(F32)


old = payload_nans(edgy((128, 24)))
new = payload_nans(edgy((128, 24)))
rand_mask = rng.integers(0, 32, size=32)
rand_mask[rng.choice(32, size=9, replace=False)] = 255
for k, (name, mask) in enumerate([("random mask with 255 entries", rand_mask),
                                  ("broadcast of row 0", np.zeros(32, int)),
                                  ("all 255 (dst unchanged)", np.full(32, 255)),
                                  ("reversal", 31 - np.arange(32))]):
    src = f"""kernel shf{k}(a: f32[128, 24], b: f32[128, 24]) -> f32[128, 24]:
    var acc = load(a)
    isa.nc_stream_shuffle(dst=acc, src=load(b), shuffle_mask={mask_src(mask)})
    store(out, acc)
"""
    got = run(f"shf{k}", src, {"a": old, "b": new}, None)
    check(f"nc_stream_shuffle 128 partitions, {name}", got.view(np.uint32),
          shuffle_ref(old, new, mask).view(np.uint32))
# In place: every row of a quadrant is read before any is written (a
# rotation, where a row-by-row copy would read rows already overwritten).
rot = (np.arange(32) + 1) % 32
rot[7] = 255
src = f"""kernel shfin(a: f32[128, 24]) -> f32[128, 24]:
    var acc = load(a)
    isa.nc_stream_shuffle(dst=acc, src=acc, shuffle_mask={mask_src(rot)})
    store(out, acc)
"""
check("nc_stream_shuffle in place", run("shfin", src, {"a": old}, None).view(np.uint32),
      shuffle_ref(old, old, rot).view(np.uint32))
# 32 partitions from one quadrant into another (src rows 96:128 into dst
# rows 32:64), and a 16-partition src (entries < 16) into a 32-partition dst.
src = f"""kernel shfq(a: f32[128, 24], b: f32[128, 24]) -> f32[128, 24]:
    var acc = load(a)
    let x = load(b)
    isa.nc_stream_shuffle(dst=acc[32:64, :], src=x[96:128, :], shuffle_mask={mask_src(rand_mask)})
    store(out, acc)
"""
want = old.copy()
want[32:64] = shuffle_ref(old[32:64], new[96:128], rand_mask)
check("nc_stream_shuffle quadrant 3 -> quadrant 1", run("shfq", src, {"a": old, "b": new}, None).view(np.uint32),
      want.view(np.uint32))
half = np.where(rand_mask == 255, 255, rand_mask % 16)
src = f"""kernel shfh(a: f32[128, 24], b: f32[128, 24]) -> f32[128, 24]:
    var acc = load(a)
    let x = load(b)
    isa.nc_stream_shuffle(dst=acc[64:96, :], src=x[0:16, :], shuffle_mask={mask_src(half)})
    store(out, acc)
"""
want = old.copy()
want[64:96] = shuffle_ref(old[64:96], new[0:16], half)
check("nc_stream_shuffle 16-partition src", run("shfh", src, {"a": old, "b": new}, None).view(np.uint32),
      want.view(np.uint32))
# Narrow dtypes, bits in and out: bf16 (NaN payloads) and fp8 e4m3 (every
# code, so its NaNs too), into a PSUM dst.
bits16 = rng.integers(0, 1 << 16, size=(64, 16)).astype(np.uint16)
bits16.reshape(-1)[:4] = [0x7FC1, 0xFF81, 0x7F80, 0x8000]
old16 = rng.integers(0, 1 << 16, size=(64, 16)).astype(np.uint16)
src = f"""kernel shfbf(a: bf16[64, 16], b: bf16[64, 16]) -> bf16[64, 16]:
    var acc = load(a)
    isa.nc_stream_shuffle(dst=acc, src=load(b), shuffle_mask={mask_src(rand_mask)})
    store(out, acc)
"""
got = run("shfbf", src, {"a": old16.view("V2"), "b": bits16.view("V2")}, None)
check("nc_stream_shuffle bf16 bits", got.view(np.uint16), shuffle_ref(old16, bits16, rand_mask))
codes = np.arange(256, dtype=np.uint8).reshape(32, 8)
old8 = rng.integers(0, 256, size=(32, 8)).astype(np.uint8)
src = f"""kernel shf8(a: f8e4m3[32, 8], b: f8e4m3[32, 8]) -> f8e4m3[32, 8]:
    var acc = zeros(psum f8e4m3[32 | 8])
    isa.tensor_copy(dst=acc, src=load(a))
    isa.nc_stream_shuffle(dst=acc, src=load(b), shuffle_mask={mask_src(31 - np.arange(32))})
    store(out, copy(acc))
"""
got = run("shf8", src, {"a": old8.view("V1"), "b": codes.view("V1")}, None)
check("nc_stream_shuffle f8e4m3 all codes into PSUM", got.view(np.uint8),
      shuffle_ref(old8, codes, 31 - np.arange(32)))

# ---- activation with a scale tile (NKI 2.26 nki.isa, activation) -------------------
# out = f(data * scale[p] + bias[p]): two fp32 roundings (no FMA), scale a
# [P|1] fp32 tile in SBUF or PSUM. identity and relu are exact in NumPy.
xa = edgy((32, 40))
sc = rng.standard_normal((32, 1)).astype(F32) * 3
sc[0], sc[1], sc[2], sc[3] = 0.0, -0.0, np.inf, np.nan
bi = rng.standard_normal((32, 1)).astype(F32)
for func, ref, mem in [("identity", lambda v: v, "sbuf"), ("relu", lambda v: np.where(v > 0, v, F32(0)), "psum")]:
    src = f"""kernel actsc_{func}(a: f32[32, 40], s: f32[32, 1], b: f32[32, 1]) -> f32[32, 40]:
    var sv = zeros({mem} f32[32 | 1])
    isa.tensor_copy(dst=sv, src=load(s))
    let y = isa.activation(src=load(a), func={func}, scale=sv, bias=load(b))
    store(out, y)
"""
    with np.errstate(all="ignore"):
        v = (xa * sc).astype(F32) + bi
        want = np.where(np.isnan(v), v, ref(v)).astype(F32)
    check(f"activation {func} scale tile in {mem}", run(f"actsc_{func}", src, {"a": xa, "s": sc, "b": bi}, None),
          want)

# ---- the activation functions NKI 2.26 added (nki.isa, activation) -------------
# The hardware's piecewise polynomials are not published: the model is the
# exact function rounded to fp32 (docs/isa.md). The references below are
# written from the textbook definitions in float64 with NumPy (math.erf /
# math.erfc for erf, which NumPy lacks) and rounded to fp32 once; they may
# differ from nksim's libm calls in the last float64 bit, so the check
# allows ULP_TOL fp32 ulps (sign: exact), and prints the largest distance
# seen. NaN must give NaN. Inputs: random values within each function's
# documented valid range, plus 0, -0, NaN, and +-inf where the range
# includes them.
ULP_TOL = 2
erf64 = np.vectorize(math.erf, otypes=[np.float64])
erfc64 = np.vectorize(math.erfc, otypes=[np.float64])


def sig64(x):
    return 1.0 / (1.0 + np.exp(-x))


def softplus64(x):
    return np.logaddexp(0.0, x)


def at_inf(x, y, pos, neg):
    """The limits at +-inf, where the float64 formula would give inf * 0."""
    return np.where(np.isposinf(x), pos, np.where(np.isneginf(x), neg, y))


ACT_REFS = {  # name: (float64 reference, (lo, hi) of the valid range)
    "gelu": (lambda x: at_inf(x, 0.5 * x * erfc64(-x / np.sqrt(2.0)), np.inf, -0.0), None),
    "gelu_dx": (lambda x: at_inf(x, 0.5 * erfc64(-x / np.sqrt(2.0)) + x * np.exp(-0.5 * x * x) / np.sqrt(2 * np.pi),
                                 1.0, 0.0), None),
    "gelu_apprx_sigmoid": (lambda x: at_inf(x, x * sig64(1.702 * x), np.inf, -0.0), None),
    "silu_dx": (lambda x: at_inf(x, sig64(x) * (1.0 + x * (1.0 - sig64(x))), 1.0, 0.0), None),
    "softplus": (softplus64, None),
    "mish": (lambda x: at_inf(x, x * np.tanh(softplus64(x)), np.inf, -0.0), None),
    "erf": (erf64, None),
    "erf_dx": (lambda x: 2.0 / np.sqrt(np.pi) * np.exp(-x * x), None),
    "sin": (np.sin, (-np.pi, np.pi)),
    "arctan": (np.arctan, (-np.pi / 2, np.pi / 2)),
    "sign": (np.sign, None),
}


def ulps(a, b):
    """fp32 ulp distance, NaN == NaN (and NaN against a number: huge)."""
    def key(v):
        i = v.view(np.int32).astype(np.int64)
        return np.where(i < 0, -(i & 0x7FFFFFFF), i)
    both_nan = np.isnan(a) & np.isnan(b)
    d = np.abs(key(a) - key(b))
    d = np.where(np.isnan(a) != np.isnan(b), 1 << 40, d)
    return np.where(both_nan, 0, d)


for name, (ref, rng_lim) in ACT_REFS.items():
    p_, f_ = 16, 64
    if rng_lim is None:
        xs = (rng.standard_normal((p_, f_)) * 4).astype(F32)
        specials = [0.0, -0.0, np.nan, np.inf, -np.inf, 1e-40, -1e-40, 30.0, -30.0, 100.0, -100.0, 1e30, -1e30]
    else:
        lo, hi = rng_lim
        xs = rng.uniform(lo, hi, (p_, f_)).astype(F32)
        specials = [0.0, -0.0, np.nan, F32(lo), F32(hi), 1e-40, -1e-40]
        specials = [v for v in specials if np.isnan(v) or lo <= v <= hi]  # within the range (fp32-rounded ends)
    xs.reshape(-1)[:len(specials)] = np.array(specials, dtype=F32)
    src = f"""kernel act_{name}(a: f32[{p_}, {f_}]) -> f32[{p_}, {f_}]:
    let y = isa.activation(src=load(a), func={name})
    store(out, y)
"""
    got = run(f"act_{name}", src, {"a": xs}, None)
    with np.errstate(all="ignore"):
        want = np.asarray(ref(xs.astype(np.float64)), dtype=np.float64).astype(F32)
    d = ulps(got, want)
    tol = 0 if name == "sign" else ULP_TOL
    if got.shape != want.shape or d.max() > tol:
        failures += 1
        bad = np.argwhere(d > tol)[:4]
        print(f"FAIL activation {name}: at {bad.tolist()} x={[xs[tuple(b)] for b in bad]} "
              f"got {[got[tuple(b)] for b in bad]} want {[want[tuple(b)] for b in bad]}")
    else:
        print(f"ok activation {name} (within {int(d.max())} ulp of {tol})")
# ---- tensor_reduce negate -----------------------------------------------------
# NKI 2.26 tensor_reduce(negate=True): -1 x the fp32 reduction (arithmetic
# ops), over the innermost 1-3 dims of an [8 | 2, 3, 4] tile.
xr = edgy((8, 2, 3, 4))
REDUCE = {"add": lambda g: np.sum(g, axis=-1, dtype=F32), "max": lambda g: np.max(g, axis=-1),
          "min": lambda g: np.min(g, axis=-1), "multiply": lambda g: np.multiply.reduce(g, axis=-1, dtype=F32)}
for k, (op, axes, keep) in enumerate([("add", 1, (2, 3)), ("max", 3, (2,)), ("min", 7, (1,)), ("multiply", 1, (2, 3))]):
    src = f"""kernel trneg{k}(x: f32[8, 2, 3, 4]) -> f32[8, {', '.join(map(str, keep))}]:
    store(out, isa.tensor_reduce(src=load(x), op={op}, axes={axes}, negate=true))
"""
    group = xr.reshape(8, -1, {1: 4, 3: 12, 7: 24}[axes])
    with np.errstate(all="ignore"):
        want = (-REDUCE[op](group)).astype(F32).reshape((8,) + keep)
    check(f"tensor_reduce {op} axes={axes} negate", run(f"trneg{k}", src, {"x": xr}, None), want)

# ---- tensor_scalar_reduce subtract ---------------------------------------------
# A subtract reduction (undocumented in 2.26; ours): the left fold
# x0 - x1 - x2 ... over the fp32 results, NumPy's subtract.reduce.
for k, (width, special) in enumerate([(50, False), (37, True)]):
    xs = edgy((8, width)) if special else rng.standard_normal((8, width)).astype(F32)
    src = f"""kernel tsrsub{k}(x: f32[8, {width}]) -> f32[8, 1]:
    var r = zeros(sbuf f32[8 | 1])
    isa.tensor_scalar_reduce(src=load(x), op0=multiply, imm0=0.5, reduce_op=subtract, reduce_dst=r)
    store(out, r)
"""
    with np.errstate(all="ignore"):
        t = (xs * F32(0.5)).astype(F32)
        want = np.subtract.reduce(t, axis=1, dtype=F32).reshape(8, 1)
    check(f"tensor_scalar_reduce subtract [8|{width}]{' with NaN/Inf/denormals' if special else ''}",
          run(f"tsrsub{k}", src, {"x": xs}, None), want)

# ---- tensor_reduce subtract ----------------------------------------------------
# NKI 2.26 lists subtract as a legal reduction (nki.api.shared.rst, ALU-op
# table, "Legal Reduction op") without saying in which order it folds; ours
# is the left fold x0 - x1 - x2 ... over each output's reduced elements in
# walk order (innermost fastest), in fp32: NumPy's subtract.reduce.
for k, (axes, negate, special, dt) in enumerate([(1, False, False, "f32"), (3, False, True, "f32"),
                                                 (7, True, True, "f32"), (1, True, False, "bf16")]):
    xs = edgy((8, 2, 3, 4)) if special else rng.standard_normal((8, 2, 3, 4)).astype(F32)
    keep = {1: (2, 3), 3: (2,), 7: (1,)}[axes]
    src = f"""kernel trsub{k}(x: f32[8, 2, 3, 4]) -> f32[8, {', '.join(map(str, keep))}]:
    let y = isa.tensor_reduce(src=load(x), op=subtract, axes={axes}, negate={'true' if negate else 'false'}, dtype={dt})
    store(out, y)
"""
    group = xs.reshape(8, -1, {1: 4, 3: 12, 7: 24}[axes])
    with np.errstate(all="ignore"):
        want = np.subtract.reduce(group, axis=-1, dtype=F32)
        if negate:
            want = -want
        want = want.reshape((8,) + keep)
    got = run(f"trsub{k}", src, {"x": xs}, None)
    if dt == "bf16":  # rounded to bf16 (nearest even), stored back as f32
        want = to_bf16(want)
    check(f"tensor_reduce subtract axes={axes} negate={negate} {dt}", got, want)

# ---- iota / affine_select: a coefficient per free axis -------------------------
# NKI 2.26 nki.isa, iota and affine_select: an affine expression of the
# partition index and of each free index (iota: computed in int32, then
# cast). free_stepK multiplies the index of dst's K-th free dim.
def affine_ref(shape, base, ps, steps):
    idx = np.indices(shape, dtype=np.int64)
    v = base + ps * idx[0]
    for k, c in enumerate(steps):
        v = v + c * idx[k + 1]
    return v


for k, (dt, shape, base, ps, steps) in enumerate([
        ("i32", (8, 3, 4, 5), 7, -2, (-20, 3, -1)),
        ("f32", (16, 6, 7), -5, 3, (-7, 2)),
        ("i32", (4, 2, 3, 2, 2), 0, 1, (100, -10, 5, -1)),
        ("bf16", (8, 4, 33), 250, 1, (-64, 3)),
        ("i32", (4, 2, 8), 2147483600, 7, (1, 10))]):  # wraps past 2^31 (int32)
    free = ", ".join(map(str, shape[1:]))
    fields = ", ".join(f"free_step{i + 1}={c}" for i, c in enumerate(steps))
    out_dt = "f32" if dt == "bf16" else dt
    src = f"""kernel iotax{k}() -> {out_dt}[{', '.join(map(str, shape))}]:
    let t = isa.iota(dst=sbuf {dt}[{shape[0]} | {free}], base={base}, partition_step={ps}, {fields})
    store(out, t)
"""
    v = affine_ref(shape, base, ps, steps)
    v32 = ((v + 2**31) % 2**32 - 2**31)  # computed in int32
    want = v32.astype(np.int32) if dt == "i32" else (v32.astype(F32) if dt == "f32" else to_bf16(v32.astype(F32)))
    check(f"iota {dt} [{shape[0]}|{free}] base={base} partition_step={ps} steps={steps}",
          run(f"iotax{k}", src, {}, None), want)

# The language's iota steps over the flat free index; it lowers to the
# coefficients free_step * (elements inside each dim).
src = """kernel iotaflat() -> f32[8, 3, 4]:
    store(out, iota(sbuf f32[8 | 3, 4], base=1, partition_step=2, free_step=-3))
"""
p_, i1, i2 = np.indices((8, 3, 4))
check("iota language form [8|3, 4] flat free_step=-3", run("iotaflat", src, {}, None),
      (1 + 2 * p_ - 3 * (i1 * 4 + i2)).astype(F32))

CMPS = {"is_ge": np.greater_equal, "is_gt": np.greater, "is_lt": np.less, "is_le": np.less_equal,
        "is_equal": np.equal, "not_equal": np.not_equal}
for k, (cmp, shape, base, ps, steps) in enumerate([
        ("is_ge", (8, 4, 6), 3, 1, (-2, -1)),
        ("is_lt", (16, 3, 4, 5), -10, 2, (5, -3, 1)),
        ("is_equal", (8, 2, 3, 2, 4), 0, 1, (-4, 0, -2, -1)),
        ("not_equal", (8, 12), 4, -1, (1,))]):
    xs = edgy(shape)
    free = ", ".join(map(str, shape[1:]))
    fields = ", ".join(f"free_step{i + 1}={c}" for i, c in enumerate(steps))
    src = f"""kernel asel{k}(x: f32[{', '.join(map(str, shape))}]) -> f32[{', '.join(map(str, shape))}]:
    store(out, isa.affine_select(src=load(x), cmp={cmp}, base={base}, partition_step={ps}, {fields}, fill=-7.5))
"""
    want = np.where(CMPS[cmp](affine_ref(shape, base, ps, steps), 0), xs, F32(-7.5)).astype(F32)
    check(f"affine_select {cmp} [{shape[0]}|{free}] base={base} partition_step={ps} steps={steps}",
          run(f"asel{k}", src, {"x": xs}, None), want)

# ---- tensor_tensor's default dtype -----------------------------------------------
# NKI 2.26 nki.isa.tensor_tensor: without dtype=, dst takes "the data type
# of data1 or data2, whichever has the higher precision" (nki.api.shared.rst
# type promotion; bf16 with f16 widens to f32). A bf16 src0 with an f32
# src1 gives an f32 result: the fp32 sum, not rounded to bf16.
xa, xb = rng.standard_normal((8, 16)).astype(F32), rng.standard_normal((8, 16)).astype(F32)
for k, (d0, d1) in enumerate([("bf16", "f32"), ("bf16", "f16")]):
    src = f"""kernel ttdt{k}(a: f32[8, 16], b: f32[8, 16]) -> f32[8, 16]:
    let x = isa.tensor_copy(dst=sbuf {d0}[8 | 16], src=load(a))
    let y = isa.tensor_copy(dst=sbuf {d1}[8 | 16], src=load(b))
    store(out, isa.tensor_tensor(src0=x, src1=y, op=add))
"""
    yb = xb if d1 == "f32" else xb.astype(np.float16).astype(F32)
    check(f"tensor_tensor {d0} + {d1} defaults to f32", run(f"ttdt{k}", src, {"a": xa, "b": xb}, None),
          (to_bf16(xa) + yb).astype(F32))

# ---- the engines' accumulator registers (NKI 2.26 nki.isa.reduce_cmd) ------------
# activation: reset_reduce (3) zeroes the Scalar engine's registers and adds
# the row's pairwise fp32 sum (np.sum(dtype=float32)); reduce (2) adds the
# next block's sum to them; idle (0) with reduce_dst reads them out
# unchanged; reset (1) zeroes them. x*scale + bias in two fp32 roundings.
# Inputs with NaN, +-Inf, 3e38 (sums overflow), denormals, -0.0.
xa = edgy((16, 80))
xa[3, :] = F32(3e38)  # a row whose sum overflows to inf
bia = rng.standard_normal((16, 1)).astype(F32)
src = """kernel accact(x: f32[16, 80], b: f32[16, 1]) -> f32[16, 84]:
    let xt = load(x)
    let bt = load(b)
    var s = zeros(sbuf f32[16 | 1])
    var s2 = zeros(sbuf f32[16 | 1])
    var s3 = zeros(sbuf f32[16 | 1])
    var s4 = zeros(sbuf f32[16 | 1])
    let y0 = isa.activation(src=xt[:, 0:40], func=identity, bias=bt, scale=0.5, reduce_cmd=3, reduce_dst=s4)
    let y1 = isa.activation(src=xt[:, 40:80], func=identity, bias=bt, scale=0.5, reduce_cmd=2, reduce_dst=s)
    let y2 = isa.activation(src=xt[:, 0:2], func=identity, reduce_dst=s2)
    let y3 = isa.activation(src=xt[:, 0:2], func=identity, reduce_cmd=1, reduce_dst=s3)
    store(out[:, 0:40], y0)
    store(out[:, 40:80], y1)
    store(out[:, 80:81], s)
    store(out[:, 81:82], s2)
    store(out[:, 82:83], s3)
    store(out[:, 83:84], s4)
"""
got = run("accact", src, {"x": xa, "b": bia}, None)
with np.errstate(all="ignore"):
    y = ((xa * F32(0.5)).astype(F32) + bia).astype(F32)
    s0 = (F32(0) + np.sum(y[:, :40], axis=1, dtype=F32)).astype(F32)
    s1 = (s0 + np.sum(y[:, 40:], axis=1, dtype=F32)).astype(F32)
check("accumulator activation dst", got[:, :80], y)
check("accumulator activation reset_reduce read-out", got[:, 83], s0)
check("accumulator activation reduce continues the sum", got[:, 80], s1)
check("accumulator activation idle reads out unchanged", got[:, 81], s1)
check("accumulator activation reset reads 0", got[:, 82], np.zeros(16, F32))

# range_select: the row max m over the fp32 values before dst's conversion;
# reset_reduce (3) sets the Vector engine's registers to m, reduce (2) to
# max(acc, m) (NaN propagates, as np.max), reset (1) to -inf, and idle (0)
# gives reduce_res = m alone. A bf16 dst turns the FP32_MIN fill into -inf,
# while the fp32 reduce_res of an all-fill row keeps FP32_MIN (NKI's
# stability note).
vals = edgy((16, 96))
lo = rng.integers(0, 60, size=(16, 1)).astype(F32)
hi = (lo + rng.integers(0, 50, size=(16, 1))).astype(F32)
lo[5], hi[5] = 200.0, 300.0  # a row with nothing in range: all fill
src = """kernel accrs(v: f32[16, 96], lo: f32[16, 1], hi: f32[16, 1]) -> f32[16, 100]:
    let vt = load(v)
    let l = load(lo)
    let h = load(hi)
    var m = zeros(sbuf f32[16 | 1])
    var m2 = zeros(sbuf f32[16 | 1])
    var m3 = zeros(sbuf f32[16 | 1])
    var m4 = zeros(sbuf f32[16 | 1])
    let a = isa.range_select(on_true=vt[:, 0:32], bound0=l, bound1=h, cmp0=is_ge, cmp1=is_lt, reduce_cmd=3)
    let b = isa.range_select(on_true=vt[:, 32:64], bound0=l, bound1=h, cmp0=is_ge, cmp1=is_lt, range_start=32,
                             reduce_cmd=2, reduce_res=m)
    let c = isa.range_select(on_true=vt[:, 64:96], bound0=l, bound1=h, cmp0=is_ge, cmp1=is_lt, range_start=64,
                             reduce_res=m2, dtype=bf16)
    let d = isa.range_select(on_true=vt[:, 0:8], bound0=l, bound1=h, cmp0=is_ge, cmp1=is_lt, reduce_cmd=1,
                             reduce_res=m3)
    let e = isa.range_select(on_true=vt[:, 64:96], bound0=l, bound1=h, cmp0=is_ge, cmp1=is_lt, range_start=64,
                             reduce_cmd=3, reduce_res=m4, dtype=bf16)
    store(out[:, 0:32], a)
    store(out[:, 32:64], b)
    store(out[:, 64:96], c)
    store(out[:, 96:97], m)
    store(out[:, 97:98], m2)
    store(out[:, 98:99], m3)
    store(out[:, 99:100], m4)
"""
got = run("accrs", src, {"v": vals, "lo": lo, "hi": hi}, None)
idx = np.arange(96, dtype=np.int64).astype(F32)[None, :]
sel = np.where((idx >= lo) & (idx < hi), vals, np.finfo(np.float32).min).astype(F32)
row_m = [np.max(sel[:, k * 32:(k + 1) * 32], axis=1) for k in range(3)]
check("accumulator range_select dst", got[:, :64], sel[:, :64])
check("accumulator range_select bf16 dst (fill -> -inf)", got[:, 64:96], to_bf16(sel[:, 64:96]))
check("accumulator range_select reduce continues the max", got[:, 96], np.max(np.stack(row_m[:2]), axis=0))
check("accumulator range_select idle gives the row max (fp32, before bf16)", got[:, 97], row_m[2])
check("accumulator range_select reset gives -inf", got[:, 98], np.full(16, -np.inf, F32))
check("accumulator range_select all-fill row keeps FP32_MIN", got[5:6, 99], np.array([np.finfo(F32).min], F32))
check("accumulator range_select reset_reduce", got[:, 99], row_m[2])

print("failures:", failures)
sys.exit(1 if failures else 0)
