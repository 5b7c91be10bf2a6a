#!/usr/bin/python3
"""Validates kernels/decode_attention_paged.tile (and its bf16 variant) end to
end against NumPy, on random and adversarial paged batches.

Usage (from the repository root, after building into build/):
  /usr/bin/python3 tests/validation/run_paged.py            # every case
  /usr/bin/python3 tests/validation/run_paged.py --quick    # the subset ctest runs
  options: --nksim PATH  --only SUBSTRING  --cases NAME,...  --random N [--seed S]  --keep DIR  --quiet
           --kernel FILE --expect-fail  (planted-bug runs: every case must FAIL the oracle check)

Assumes: build/bin/nksim (or --nksim) and NumPy under /usr/bin/python3.
Guarantees: one line per case and a summary; exits 0 only when every case
passes (with --expect-fail: when every case's oracle check fails), 1
otherwise, 2 on a usage or setup error.

Each case builds a vLLM-style batch with NumPy (seeded from the case name):
q, a paged K/V cache, a block table and per-sequence lengths, a window and a
sink count; the adversarial features are named in the case (lengths of 1,
lengths ending mid-block, blocks shared between sequences, shuffled tables,
windows longer than the sequence, sinks, T > 1, hot logits, bf16 KV, garbage
in table entries no query uses). It runs
  nksim run KERNEL -D ... --input ... --output out=.. --check --strict
(the oracle in oracle/paged_attention.cpp checks; the race checker is on and
--strict refuses reads of unwritten SBUF/PSUM), then compares out.npy with
this script's own float64 computation of docs/kernels.md's math, done the
obvious way (gather each sequence's positions through the table, mask,
softmax, weighted sum), with the same allclose rule as run_matrix.py:
atol = rtol = 1e-5 for fp32; for bf16 KV rtol = 2^-8, atol = rtol*max|want|.
"""
import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from run_matrix import ROOT, bf16_bits_to_f32, checked_run_command, compare, to_bf16_bits  # noqa: E402

KERNELS = {"f32": "kernels/decode_attention_paged.tile", "bf16": "kernels/decode_attention_paged_bf16.tile",
           "fp8": "kernels/decode_attention_paged_fp8.tile", "fp8e5m2": "kernels/decode_attention_paged_fp8e5m2.tile"}
# fp8: the reference takes the fp8 values exactly; the kernel rounds P to bf16 once.
TOLERANCE = {"f32": 1e-5, "bf16": 2.0 ** -8, "fp8": 2.0 ** -8, "fp8e5m2": 2.0 ** -8}


# The cache's fp8 formats by case dtype: (exponent bits, mantissa bits, bias)
# (docs/isa.md: e4m3 subnormals from 2^-9, largest finite 240; e5m2
# subnormals from 2^-16, largest finite 57344). Vectorised here: the caches
# are large (tests/lit/sim/Inputs/check_dtypes.py is the element-wise model).
FP8_FORMATS = {"fp8": (4, 3, 7), "fp8e5m2": (5, 2, 15)}


def round_fp8(x, dtype):
    """float32 -> the nearest value of the case dtype's fp8 format (ties to
    even). No overflow here: the values stay far below the largest finite."""
    _, m_bits, bias = FP8_FORMATS[dtype]
    a = np.abs(x.astype(np.float64))
    e = np.floor(np.log2(np.maximum(a, 2.0 ** (1 - bias))))  # subnormals share the smallest exponent
    quantum = 2.0 ** (e - m_bits)
    return (np.sign(x) * np.round(a / quantum) * quantum).astype(np.float32)


def fp8_bits(v, dtype):
    """fp8 values (from round_fp8) -> their bit patterns, uint8."""
    _, m_bits, bias = FP8_FORMATS[dtype]
    a = np.abs(v.astype(np.float64))
    sign = (np.signbit(v)).astype(np.uint8) << 7
    normal = a >= 2.0 ** (1 - bias)
    e = np.floor(np.log2(np.where(normal, a, 1.0)))
    exp_field = np.where(normal, e + bias, 0)
    one = 2 ** m_bits
    mant = np.where(normal, a / 2.0 ** e * one - one, a / 2.0 ** (1 - bias - m_bits))
    return (sign | (exp_field.astype(np.uint8) << m_bits) | np.round(mant).astype(np.uint8)).astype(np.uint8)


class Case:
    """B sequences, T tokens, n_q/n_kv heads, head dim d, blocks of `block`
    positions, max_blocks per sequence, n_blocks in the cache; window W and
    sinks S; `lens` a list of lengths (None: random in [T, max]); flags:
    shared (blocks shared between sequences), shuffled (random table order),
    hot (q x 8), garbage (unused table entries out of range)."""

    def __init__(self, name, B=2, T=1, n_q=4, n_kv=2, d=64, block=128, max_blocks=2, n_blocks=None, W=0, S=0,
                 lens=None, shared=False, shuffled=True, hot=False, dtype="f32", garbage=True, step_chunks=None,
                 stack=None, target="trn2", cores=1, v_order=None, shard=None):
        self.name, self.B, self.T, self.n_q, self.n_kv, self.d = name, B, T, n_q, n_kv, d
        self.block, self.max_blocks, self.W, self.S, self.lens = block, max_blocks, W, S, lens
        self.n_blocks = n_blocks or B * max_blocks + 3
        self.shared, self.shuffled, self.hot, self.dtype, self.garbage = shared, shuffled, hot, dtype, garbage
        self.step_chunks, self.stack, self.target = step_chunks, stack, target
        self.cores = cores  # 2: trn2's LNC=2 (batch split when B is even, else split-KV)
        self.v_order = v_order  # 2: every step's V loads wait for its Q.K^T (the kernel's default: some)
        self.shard = shard  # with cores=2: 3 forces split-KV, 4 replication (None: the kernel's rule)

    def defines(self):
        d = {"B": self.B, "T": self.T, "n_q": self.n_q, "n_kv": self.n_kv, "d": self.d, "block": self.block,
             "max_blocks": self.max_blocks, "n_blocks": self.n_blocks}
        if self.step_chunks:
            d["step_chunks"] = self.step_chunks
        if self.stack:
            d["stack"] = self.stack
        if self.target == "trn1":  # masks by comparisons: range_select is NeuronCore-v3 only
            d["masks"] = 2
        if self.cores != 1:
            d["cores"] = self.cores
        if self.v_order:
            d["v_order"] = self.v_order
            d["v_steps"] = 64
        if self.shard:
            d["shard"] = self.shard
        return d


def all_cases():
    return [
        Case("basic"),
        Case("len1", B=3, T=1, lens=[1, 1, 1], max_blocks=2),
        Case("midblock_b16", B=3, block=16, max_blocks=12, lens=[17, 100, 191], n_q=8, n_kv=2),
        Case("midblock_b32_t4", B=2, T=4, block=32, max_blocks=7, lens=[4, 201], n_q=8, n_kv=8, d=32),
        Case("shared_blocks", B=4, block=64, max_blocks=4, shared=True, n_blocks=6),
        Case("unshuffled_full", B=2, block=128, max_blocks=3, shuffled=False, lens=[384, 384]),
        Case("window", B=3, block=32, max_blocks=10, W=50, lens=[20, 200, 320], T=2),
        Case("window_longer_than_seq", B=2, block=64, max_blocks=4, W=1000, lens=[70, 256]),
        Case("window1", B=2, T=3, block=16, max_blocks=16, W=1, lens=[3, 250]),
        Case("sinks_window", B=3, T=2, block=16, max_blocks=20, W=40, S=4, lens=[2, 150, 320], n_q=4, n_kv=1),
        Case("sinks_longer_than_seq", B=2, block=32, max_blocks=4, W=8, S=100, lens=[50, 128]),
        Case("sinks_only", B=2, block=128, max_blocks=2, S=3, lens=[5, 256]),
        Case("t8_gqa", B=2, T=8, n_q=16, n_kv=2, d=128, block=64, max_blocks=5, lens=[8, 300]),
        Case("hot", B=2, block=128, max_blocks=4, hot=True, n_q=8, n_kv=1, d=128),
        Case("hot_window_t2", B=2, T=2, block=32, max_blocks=12, hot=True, W=100, S=2, n_q=8, n_kv=4),
        Case("mqa_group32", B=1, T=1, n_q=32, n_kv=1, d=80, block=128, max_blocks=4),
        Case("n_q128", B=1, T=1, n_q=128, n_kv=8, d=64, block=128, max_blocks=2),
        Case("step1", B=2, block=32, max_blocks=9, step_chunks=1, lens=[1, 288]),
        # Sequences stacked on the partitions: 4 per group (R = 32), the last group partial.
        Case("groups_partial", B=5, n_q=32, n_kv=4, block=64, max_blocks=3, lens=[1, 192, 65, 100, 3]),
        Case("stack2_t2", B=5, T=2, n_q=8, n_kv=2, block=32, max_blocks=6, stack=2, W=30, S=1),
        Case("stack_b32", B=32, n_q=4, n_kv=1, d=32, block=16, max_blocks=3),
        Case("bf16", B=3, dtype="bf16", block=64, max_blocks=6, lens=[1, 130, 384], n_q=8, n_kv=2),
        Case("bf16_hot_gqa_b128", B=4, T=2, dtype="bf16", hot=True, block=128, max_blocks=3, n_q=16, n_kv=2, d=128),
        # trn1: the masks by comparisons (-D masks=2).
        Case("trn1_sinks_window_t2", B=3, T=2, block=32, max_blocks=10, W=60, S=3, lens=[2, 150, 320],
             target="trn1"),
        Case("trn1_bf16_hot", B=2, dtype="bf16", hot=True, block=64, max_blocks=5, W=100, S=1, target="trn1"),
        # Single-column query groups in bf16 (n_q = n_kv): the q columns are
        # assembled in fp32 (a race between 2-byte copies otherwise).
        Case("bf16_group1_t4", B=3, T=4, n_q=2, n_kv=2, dtype="bf16", block=16, max_blocks=2, lens=[32, 32, 11]),
        Case("bf16_group1_b7", B=7, n_q=1, n_kv=1, dtype="bf16", block=16, max_blocks=3),
        Case("fp8", B=3, dtype="fp8", block=64, max_blocks=6, lens=[1, 130, 384], n_q=8, n_kv=2),
        Case("fp8_hot_window_t2", B=4, T=2, dtype="fp8", hot=True, block=32, max_blocks=8, W=100, S=2, n_q=16,
             n_kv=4, d=128),
        Case("bf16_hot_window_t4", B=2, T=4, dtype="bf16", hot=True, block=16, max_blocks=16, W=64, S=2,
             lens=[9, 256]),
        Case("fp8e5m2", B=3, dtype="fp8e5m2", block=64, max_blocks=6, lens=[1, 130, 384], n_q=8, n_kv=2),
        # Two cores (-D cores=2, trn2 LNC=2): an odd batch splits the KV
        # chunks between the cores (core_barrier, merge by the softmax rule);
        # an even one the batch; one short sequence is computed by both
        # cores, each storing half of its rows (replicated; shard=3 forces
        # split-KV there).
        Case("lnc2_splitkv_b1", B=1, n_q=8, n_kv=2, block=32, max_blocks=9, lens=[200], cores=2, shard=3),
        Case("lnc2_splitkv_b1_len1", B=1, block=64, max_blocks=4, lens=[1], cores=2, shard=3),
        Case("lnc2_replicate_b1_window_sinks_t2", B=1, T=2, n_q=4, n_kv=2, block=32, max_blocks=7, W=50, S=2,
             lens=[150], cores=2),
        Case("lnc2_replicate_bf16_b1_len1", B=1, dtype="bf16", block=64, max_blocks=4, lens=[1], cores=2),
        Case("lnc2_replicate_fp8_b3", B=3, dtype="fp8", n_q=8, n_kv=2, block=128, max_blocks=6, cores=2, shard=4),
        Case("lnc2_splitkv_b3_sinks_window_t2", B=3, T=2, block=16, max_blocks=20, W=40, S=4, lens=[2, 150, 320],
             n_q=4, n_kv=1, cores=2),
        Case("lnc2_splitkv_bf16_b1_hot", B=1, dtype="bf16", hot=True, block=128, max_blocks=8, n_q=8, n_kv=2, d=128,
             cores=2),
        Case("lnc2_splitkv_fp8_b5_groups", B=5, dtype="fp8", n_q=32, n_kv=4, block=64, max_blocks=5, cores=2),
        Case("lnc2_batch_b4", B=4, block=32, max_blocks=6, W=50, lens=[1, 100, 192, 37], cores=2),
        # kv_parts: one group's sequences cut into parts of >= 8 chunks
        # stacked on the partitions, merged at the end (a part that sees
        # nothing: len 1, windows), with T > 1, bf16, fp8 and split-KV.
        Case("parts_b1_window_sinks_t2", B=1, T=2, n_q=8, n_kv=2, block=64, max_blocks=40, W=700, S=3,
             lens=[2000]),
        Case("parts_b1_len1", B=1, n_q=8, n_kv=2, block=128, max_blocks=16, lens=[1]),
        Case("parts_b3_bf16", B=3, dtype="bf16", n_q=4, n_kv=1, block=128, max_blocks=32, lens=[5, 1000, 4096]),
        Case("parts_lnc2_splitkv_b1_fp8_window", B=1, dtype="fp8", n_q=8, n_kv=2, block=128, max_blocks=32,
             lens=[3000], W=300, S=2, cores=2),
        # V loads gated behind Q.K^T in every step (-D v_order=2), where the
        # default leaves them ungated: small blocks, windows, sinks, T > 1,
        # partial groups, split-KV.
        Case("vgate_window_sinks_t2_groups", B=5, T=2, n_q=8, n_kv=2, block=32, max_blocks=10, W=60, S=3,
             lens=[2, 150, 320, 64, 33], stack=2, v_order=2),
        Case("vgate_lnc2_splitkv_b1_fp8", B=1, dtype="fp8", n_q=8, n_kv=2, block=64, max_blocks=9, W=100,
             lens=[500], cores=2, v_order=2, shard=3),
        # More than 128 sequences: the table and lengths in chunks of at
        # most 128 rows (whole groups), a chunk loaded before its groups;
        # with two cores, each core's half (batch split) or the whole
        # batch (odd: split-KV), a chunk ending mid-core.
        Case("b200_chunks", B=200, n_q=2, n_kv=1, d=32, block=32, max_blocks=3, W=40, S=1),
        Case("b150_t2_groups", B=150, T=2, n_q=4, n_kv=2, d=32, block=64, max_blocks=2),
        Case("lnc2_batch_b300", B=300, n_q=1, n_kv=1, d=32, block=128, max_blocks=2, cores=2),
        Case("lnc2_splitkv_b129_fp8", B=129, dtype="fp8", n_q=2, n_kv=1, d=32, block=64, max_blocks=4, cores=2),
        Case("fp8e5m2_hot_window_t3", B=3, T=3, dtype="fp8e5m2", hot=True, block=32, max_blocks=6, W=70, S=1,
             n_q=8, n_kv=1, lens=[3, 64, 190], target="trn1"),
    ]


def random_cases(n, seed):
    """n random configurations (every option drawn), for --random. Hot
    logits (q x 8) only with bf16 and fp8: in fp32 at long context they can
    exceed 1e-5 by ~15%, as an ideal kernel summing q.k in fp32 (the Tensor
    engine's PSUM) does too (docs/kernels.md, "Accuracy")."""
    import random
    rnd = random.Random(seed)
    rnd_cores = random.Random(f"cores{seed}")  # its own stream: the other draws stay as they were
    cases = []
    while len(cases) < n:
        T, n_kv, group = rnd.choice([1, 1, 2, 3, 4, 8]), rnd.choice([1, 2, 4, 8]), rnd.choice([1, 2, 4, 8])
        block, max_blocks = rnd.choice([16, 32, 64, 128]), rnd.randint(1, 12)
        if T * n_kv * group > 128 or max_blocks * block < T:
            continue
        s_max, B = max_blocks * block, rnd.randint(1, 9)
        dtype = rnd.choice(["f32", "f32", "bf16", "fp8", "fp8e5m2"])
        cases.append(Case(f"random{seed}_{len(cases)}", B=B, T=T, n_q=n_kv * group, n_kv=n_kv,
                          d=rnd.choice([32, 64, 80, 128]), block=block, max_blocks=max_blocks,
                          W=rnd.choice([0, 0, 1, rnd.randint(1, s_max + 10)]), S=rnd.choice([0, 0, rnd.randint(1, 20)]),
                          lens=[rnd.choice([T, s_max, rnd.randint(T, s_max)]) for _ in range(B)],
                          shared=rnd.random() < 0.3, hot=rnd.random() < 0.3 and dtype != "f32", dtype=dtype,
                          target=rnd.choice(["trn2", "trn2", "trn1"]),
                          step_chunks=rnd.choice([None, 1, 2]), stack=rnd.choice([None, None, 1, 3])))
        c = cases[-1]
        if c.target == "trn2" and T * n_kv * group >= 2 and rnd_cores.random() < 0.4:
            c.cores = 2
    return cases


QUICK = ["basic", "len1", "b200_chunks", "midblock_b16", "shared_blocks", "window_longer_than_seq", "sinks_window", "t8_gqa",
         "hot_window_t2", "groups_partial", "bf16_hot_window_t4", "fp8_hot_window_t2",
         "trn1_sinks_window_t2", "fp8e5m2_hot_window_t3", "lnc2_splitkv_b1", "lnc2_splitkv_b3_sinks_window_t2"]


# ---------------------------------------------------------------- NumPy side

def make_inputs(case):
    seed = int.from_bytes(hashlib.sha256(case.name.encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    B, T, n_q, n_kv, d, bs, mb, nb = (case.B, case.T, case.n_q, case.n_kv, case.d, case.block, case.max_blocks,
                                      case.n_blocks)
    q = rng.standard_normal((B, T, d, n_q), dtype=np.float32) * np.float32(8.0 if case.hot else 2.0)
    k = rng.standard_normal((nb, d, n_kv, bs), dtype=np.float32)
    v = rng.standard_normal((nb, bs, n_kv, d), dtype=np.float32)
    lens = np.array(case.lens if case.lens is not None else rng.integers(T, mb * bs + 1, B), dtype=np.int32)
    if case.shared:  # every table draws from a few blocks: sequences share them (prefix caching)
        table = rng.integers(0, nb, (B, mb)).astype(np.int32)
        table[:, 0] = table[0, 0]
    elif case.shuffled:
        table = rng.permutation(nb)[:B * mb].reshape(B, mb).astype(np.int32)
    else:
        table = np.arange(B * mb, dtype=np.int32).reshape(B, mb)
    if case.garbage:  # entries no query uses may hold anything (vLLM pads)
        for b in range(B):
            for j in range(mb):
                if not block_used(case, int(lens[b]), j):
                    table[b, j] = [-1, nb, 2**31 - 1][(b + j) % 3]
    values, files = {"q": q, "k_cache": k, "v_cache": v}, {}
    for name in ["q", "k_cache", "v_cache"]:
        if case.dtype in FP8_FORMATS and name != "q":
            values[name] = round_fp8(values[name], case.dtype)
            files[name] = fp8_bits(values[name], case.dtype).view("V1")
        elif case.dtype in ("bf16", *FP8_FORMATS):
            bits = to_bf16_bits(values[name])
            values[name] = bf16_bits_to_f32(bits)
            files[name] = bits.view("V2")
        else:
            files[name] = values[name]
    for name, arr in [("block_table", table), ("seq_lens", lens), ("window", np.array([case.W], np.int32)),
                      ("sinks", np.array([case.S], np.int32))]:
        values[name] = files[name] = arr
    if case.dtype in FP8_FORMATS:  # per-KV-head dequant scales
        for name in ["k_scale", "v_scale"]:
            values[name] = files[name] = (2.0 ** rng.uniform(-2, 2, n_kv)).astype(np.float32)
    return values, files


def visible(case, length, t):
    """Positions query token t of a sequence of `length` sees (bool array)."""
    p = length - case.T + t
    j = np.arange(case.max_blocks * case.block)
    vis = j <= p
    if case.W > 0:
        vis &= (j > p - case.W) | (j < case.S)
    return vis


def block_used(case, length, jb):
    return any(visible(case, length, t)[jb * case.block:(jb + 1) * case.block].any() for t in range(case.T))


def numpy_reference(case, x):
    q, k, v = (x[n].astype(np.float64) for n in ("q", "k_cache", "v_cache"))
    B, T, n_q, d, bs = case.B, case.T, case.n_q, case.d, case.block
    group = n_q // case.n_kv
    out = np.zeros((B, T * n_q, d))
    for b in range(B):
        length = int(x["seq_lens"][b])
        pos = np.arange(case.max_blocks * bs)
        blocks = x["block_table"][b][pos // bs]
        for t in range(T):
            vis = visible(case, length, t)
            for i in range(n_q):
                kv = i // group
                kk = k[np.where(vis, blocks, 0), :, kv, pos % bs]     # (positions, d)
                vv = v[np.where(vis, blocks, 0), pos % bs, kv, :]
                ks = x["k_scale"][kv] if "k_scale" in x else 1.0
                vs = x["v_scale"][kv] if "v_scale" in x else 1.0
                logits = kk @ q[b, t, :, i] * ks / np.sqrt(d)
                logits = np.where(vis, logits, -np.inf)
                e = np.exp(logits - logits.max())
                out[b, t * n_q + i] = (e / e.sum()) @ vv * vs
    return out


# ------------------------------------------------------------------ one case

CHECK_RE = re.compile(r"check out: (PASS|FAIL) max_abs_err=(\S+)")


def run_case(case, nksim, kernel, workdir, keep, expect_fail=False, extra=()):
    cdir = os.path.join(workdir, case.name)
    os.makedirs(cdir, exist_ok=True)
    values, files = make_inputs(case)
    cmd, out_path = checked_run_command(nksim, kernel or KERNELS[case.dtype], case, files, cdir, extra)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    r = {"case": case, "seconds": time.monotonic() - t0, "problems": []}
    m = CHECK_RE.search(proc.stdout)
    r["oracle"] = m.group(1) if m else "-"
    r["oracle_abs"] = float(m.group(2)) if m else float("nan")
    r["numpy"], r["numpy_ratio"] = "-", float("nan")
    if expect_fail:
        r["passed"] = r["oracle"] == "FAIL"
        if not r["passed"]:
            r["problems"].append(f"the oracle check did not FAIL (exit {proc.returncode}: {proc.stderr.strip()[:300]})")
        shutil.rmtree(cdir, ignore_errors=True)
        return r
    if proc.returncode != 0:
        r["problems"].append(f"nksim exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[:400]}")
    if "warning" in proc.stderr:
        r["problems"].append("nksim warning: " + proc.stderr.strip()[:400])
    if r["oracle"] != "PASS":
        r["problems"].append("oracle check did not PASS")
    want = numpy_reference(case, values)
    if os.path.exists(out_path):
        got = np.load(out_path)
        if got.shape != want.shape or got.dtype != np.float32:
            r["problems"].append(f"out.npy is {got.dtype}{list(got.shape)}, expected float32{list(want.shape)}")
        else:
            ok, _, r["numpy_ratio"], _ = compare(got, want, TOLERANCE[case.dtype], case.dtype != "f32")
            r["numpy"] = "PASS" if ok else "FAIL"
            if not ok:
                r["problems"].append("NumPy comparison failed")
    else:
        r["problems"].append("no out.npy written")
    r["passed"] = not r["problems"]
    if not keep or r["passed"]:
        shutil.rmtree(cdir, ignore_errors=True)
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nksim", default=os.path.join(ROOT, "build", "bin", "nksim"))
    ap.add_argument("--quick", action="store_true", help="the subset that ctest runs")
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    ap.add_argument("--cases", default="", help="run only these cases (comma-separated names)")
    ap.add_argument("--random", type=int, default=0, metavar="N", help="also N random configurations")
    ap.add_argument("--seed", type=int, default=1, help="seed of --random (default 1)")
    ap.add_argument("--keep", default="", help="keep failing cases' .npy files under this directory")
    ap.add_argument("--kernel", default="", help="run this .tile instead (e.g. a planted-bug mutant)")
    ap.add_argument("--expect-fail", action="store_true", help="every case's oracle check must FAIL")
    ap.add_argument("--quiet", action="store_true", help="print failing rows and the summary only")
    args = ap.parse_args()
    if os.sep not in args.nksim:
        args.nksim = shutil.which(args.nksim) or args.nksim
    if not os.access(args.nksim, os.X_OK):
        print(f"run_paged.py: error: no nksim at {args.nksim} (build first, or give --nksim)", file=sys.stderr)
        return 2
    every = all_cases() + random_cases(args.random, args.seed)
    cases = [c for c in every if (not args.quick or c.name in QUICK) and args.only in c.name]
    if args.cases:
        names = args.cases.split(",")
        unknown = sorted(set(names) - {c.name for c in every})
        if unknown:
            print(f"run_paged.py: error: no case named {', '.join(unknown)}", file=sys.stderr)
            return 2
        cases = [c for c in cases if c.name in names]
    if args.kernel:  # a given kernel file has one dtype: keep the cases of the fp32 kernel's inputs
        cases = [c for c in cases if c.dtype == "f32"]
    if not cases:
        print(f"run_paged.py: error: no case matches '{args.only}'", file=sys.stderr)
        return 2
    workdir = args.keep or tempfile.mkdtemp(prefix="nk-paged-")
    results = []
    for c in cases:
        r = run_case(c, args.nksim, args.kernel, workdir, bool(args.keep), args.expect_fail)
        results.append(r)
        if not args.quiet or not r["passed"]:
            print(f"{c.name:26} {c.dtype:5} {c.target} B={c.B} T={c.T} n_q={c.n_q} n_kv={c.n_kv} d={c.d} block={c.block} "
                  f"max_blocks={c.max_blocks} W={c.W} S={c.S}  oracle {r['oracle']} {r['oracle_abs']:.2e}  "
                  f"numpy {r['numpy']} ratio {r['numpy_ratio']:.3f}  {r['seconds']:.2f}s"
                  + ("" if r["passed"] else "   <-- FAIL"), flush=True)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    failed = [r for r in results if not r["passed"]]
    print(f"summary: {len(results) - len(failed)} of {len(results)} cases passed, {len(failed)} failed"
          f" ({sum(r['seconds'] for r in results):.1f} s in nksim)")
    for r in failed:
        print(f"FAILED {r['case'].name}: " + "; ".join(r["problems"]))
    return 0 if not failed else 1


if __name__ == "__main__":
    sys.exit(main())
