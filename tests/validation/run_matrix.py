#!/usr/bin/python3
"""Validates the kernels end to end: the decode kernels over the issue-7 matrix, and the NKI 2.26 ones.

The NKI 2.26 instruction kernels (layernorm, linear_recurrence, top8) run
at awkward sizes on both targets, in the full matrix only.

Usage (from the repository root, after building into build/):
  /usr/bin/python3 tests/validation/run_matrix.py            # the full matrix
  /usr/bin/python3 tests/validation/run_matrix.py --quick    # the covering subset ctest runs
  options: --nksim PATH|NAME (a bare name is looked up on PATH)  --jobs N  --only SUBSTRING  --keep DIR  --quiet

Assumes: build/bin/nksim (or --nksim) and NumPy under /usr/bin/python3.
Guarantees: prints one table row per case and a summary; exits 0 only when
every case passes, 1 when any fails, 2 on a usage or setup error.

Every case
  1. draws q, k, v with NumPy, seeded from the case name: uniform on [-1, 1)
     as `nksim --random-inputs` draws them (default), or standard normal with
     --dist=normal; q times 8 for the "large" logits case (logit standard
     deviation about 2.7 uniform, 8 normal), so the running max moves
     between KV tiles (the "max+" column counts how often it rose after the
     first tile, summed over query heads);
     bf16 cases round them to bfloat16 (nearest even) and save them as the
     '<V2' .npy that np.save writes for ml_dtypes.bfloat16;
  2. runs `nksim run KERNEL.tile -D ... --target T --input q=.. --input k=..
     --input v=.. --output out=.. --check --strict`: the simulator's race
     checker is on (a race is an error, exit 2), --strict turns reads of
     never-written SBUF/PSUM into errors, and --check compares with the C++
     oracle (NumPy allclose semantics: |got - want| <= atol + rtol*|want|;
     atol = rtol = 1e-5 for fp32; for bf16 inputs one bf16 rounding,
     rtol = 2^-8 and atol = 2^-8 * max|want|);
  3. loads out.npy with NumPy and compares it with NumPy's own computation of
     the math in docs/kernels.md, done in float64 on exactly the values the
     kernel saw (the float32 inputs, or the bf16-rounded inputs), with the
     same allclose rule and tolerances (the bf16 atol follows the output's
     scale, so small outputs cannot pass on atol alone).

A case passes when nksim exits 0 with "check out: PASS", prints no warning,
and the NumPy comparison passes. "ratio" columns are the largest
|got - want| / (atol + rtol*|want|) over the output: <= 1 passes. When an
fp32 case fails, the report also gives the ratio an ideal fp32 kernel would
reach (q.k summed in fp32 like the Tensor engine, everything else exact):
if that fails too, the limit is fp32 accumulation, not the kernel.
"""
import argparse
import concurrent.futures
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

DS = [32, 64, 80, 96, 128]
HEADS = [(1, 1), (4, 4), (8, 2), (12, 2), (32, 8), (16, 1)]
SEQS = [1, 17, 128, 300, 512, 2048]
STEP_TILES = [1, 1024]      # GQA split-KV: none, and the most chunks allowed
SINGLE_SEQS = [1, 17, 128]  # decode_attention: one KV tile, s <= 128
TARGETS = ["trn1", "trn2"]
LOGITS = ["normal", "large"]
DTYPES = ["f32", "bf16"]
# rtol per dtype; atol is the same for fp32 and rtol * max|want| for bf16
# (oracle/kernel_reference.h: one rounding of the output's scale).
TOLERANCE = {"f32": 1e-5, "bf16": 2.0 ** -8}
Q_SCALE = {"normal": 1.0, "large": 8.0}

KERNEL_FILES = {
    ("gqa", "f32"): "kernels/decode_attention_gqa.tile",
    ("gqa", "bf16"): "kernels/decode_attention_gqa_bf16.tile",
    ("single", "f32"): "kernels/decode_attention.tile",
    ("single", "bf16"): "kernels/decode_attention_bf16.tile",
}


class Case:
    def __init__(self, kernel, dtype, target, d, n_q, n_kv, s, logits, step_tiles=None):
        self.kernel, self.dtype, self.target = kernel, dtype, target
        self.d, self.n_q, self.n_kv, self.s, self.logits = d, n_q, n_kv, s, logits
        self.step_tiles = step_tiles  # the GQA kernels' split-KV knob; None: its default

    @property
    def name(self):
        heads = f"q{self.n_q}kv{self.n_kv}" if self.kernel == "gqa" else "single"
        split = f"_st{self.step_tiles}" if self.step_tiles else ""
        return f"{self.kernel}_{self.dtype}_{self.target}_d{self.d}_{heads}_s{self.s}_{self.logits}{split}"

    def defines(self):
        if self.kernel == "gqa":
            sizes = {"d": self.d, "n_q": self.n_q, "n_kv": self.n_kv, "s": self.s}
            if self.step_tiles:
                sizes["step_tiles"] = self.step_tiles
            return sizes
        return {"d": self.d, "s": self.s}


def full_matrix():
    cases = []
    for dtype in DTYPES:
        for target in TARGETS:
            for logits in LOGITS:
                for d in DS:
                    for n_q, n_kv in HEADS:
                        for s in SEQS:
                            cases.append(Case("gqa", dtype, target, d, n_q, n_kv, s, logits))
                    for s in SINGLE_SEQS:
                        cases.append(Case("single", dtype, target, d, 1, 1, s, logits))
            # The split-KV knob at both ends: no split (one chunk) and as many
            # chunks as partitions and tiles allow.
            for logits in LOGITS:
                for step_tiles in STEP_TILES:
                    for n_q, n_kv in HEADS:
                        for s in SEQS:
                            cases.append(Case("gqa", dtype, target, 128, n_q, n_kv, s, logits, step_tiles))
    return cases


def quick_matrix():
    """Every value of every dimension at least once, both targets, both
    logit scales, both dtypes and both kernels, and the split-KV knob, in nine runs."""
    return [
        Case("gqa", "f32", "trn1", 32, 1, 1, 1, "normal"),
        Case("gqa", "f32", "trn2", 64, 4, 4, 17, "large"),
        Case("gqa", "bf16", "trn1", 80, 8, 2, 128, "large"),
        Case("gqa", "bf16", "trn2", 96, 12, 2, 300, "normal"),
        Case("gqa", "f32", "trn1", 128, 32, 8, 512, "large"),
        Case("gqa", "f32", "trn2", 128, 16, 1, 2048, "large"),
        Case("gqa", "bf16", "trn1", 64, 12, 2, 1000, "large", step_tiles=1024),
        Case("single", "f32", "trn1", 80, 1, 1, 17, "large"),
        Case("single", "bf16", "trn2", 128, 1, 1, 128, "large"),
    ]


# ---------------------------------------------------------------- NumPy side

def to_bf16_bits(a):
    """float32 -> bfloat16 bit patterns, round to nearest even (no NaNs here)."""
    u = a.astype(np.float32).view(np.uint32).astype(np.uint64)
    return ((u + 0x7FFF + ((u >> 16) & 1)) >> 16).astype(np.uint16)


def bf16_bits_to_f32(b):
    return (b.astype(np.uint32) << 16).view(np.float32)


def make_inputs(case, dist):
    """Kernel-layout inputs as float32 values, and what to save for nksim."""
    seed = int.from_bytes(hashlib.sha256(case.name.encode()).digest()[:8], "little")
    rng = np.random.default_rng(seed)
    if case.kernel == "gqa":
        shapes = {"q": (case.d, case.n_q), "k": (case.n_kv, case.d, case.s), "v": (case.n_kv, case.d, case.s)}
    else:
        shapes = {"q": (case.d, 1), "k": (case.d, case.s), "v": (case.d, case.s)}
    values, files = {}, {}
    for name in ["q", "k", "v"]:
        if dist == "normal":
            x = rng.standard_normal(shapes[name], dtype=np.float32)
        else:  # as nksim --random-inputs: uniform on [-1, 1) in steps of 2^-23
            x = ((rng.integers(0, 2**24, shapes[name]) - 2**23) * 2.0**-23).astype(np.float32)
        if name == "q":
            x = (x * np.float32(Q_SCALE[case.logits])).astype(np.float32)
        if case.dtype == "bf16":
            bits = to_bf16_bits(x)
            values[name] = bf16_bits_to_f32(bits)
            files[name] = bits.view("V2")  # what np.save writes for ml_dtypes.bfloat16
        else:
            values[name] = x
            files[name] = x
    return values, files


def numpy_reference(case, q, k, v):
    """docs/kernels.md's math in float64: per query head h with kv = h // group,
    out[h] = softmax(k[kv]^T q[h] / sqrt(d)) @ v[kv]^T (kernel layout in, (n_q, d) out).
    Also returns how many times a row's running max rose after the first
    128-position tile (the online softmax's rescaling path)."""
    q, k, v = (x.astype(np.float64) for x in (q, k, v))
    if case.kernel == "single":
        k, v = k[None], v[None]
    d, n_q = q.shape
    group = n_q // k.shape[0]
    scale = 1.0 / np.sqrt(d)
    out = np.empty((n_q, d))
    max_moves = 0
    for h in range(n_q):
        kv = h // group
        logits = (k[kv].T @ q[:, h]) * scale  # (s,)
        tile_max = [logits[i:i + 128].max() for i in range(0, logits.size, 128)]
        max_moves += int(np.sum(np.maximum.accumulate(tile_max)[1:] > np.maximum.accumulate(tile_max)[:-1]))
        e = np.exp(logits - logits.max())
        out[h] = (e / e.sum()) @ v[kv].T
    return out, max_moves


def fp32_logits_reference(case, q, k, v):
    """The reference with only the logits' dot products rounded as a Tensor
    engine summing in fp32 does (products rounded, summed in increasing d):
    tells whether an fp32 failure is the fp32 accumulation itself."""
    if case.kernel == "single":
        k, v = k[None], v[None]
    d, n_q = q.shape
    group = n_q // k.shape[0]
    out = np.empty((n_q, d))
    for h in range(n_q):
        kv = h // group
        prod = (k[kv] * q[:, h][:, None]).astype(np.float32)  # (d, s)
        dots = np.cumsum(prod, axis=0, dtype=np.float32)[-1]
        logits = (dots * np.float32(1.0 / np.sqrt(d))).astype(np.float64)
        e = np.exp(logits - logits.max())
        out[h] = (e / e.sum()) @ v[kv].T.astype(np.float64)
    return out


def compare(got, want, tol, scaled_atol=False):
    got = got.astype(np.float64)
    err = np.abs(got - want)
    atol = tol * np.abs(want).max() if scaled_atol else tol
    ratio = err / (atol + tol * np.abs(want))
    ok = bool(np.all(np.isfinite(got))) and bool(np.all(ratio <= 1.0))
    return ok, float(err.max()), float(ratio.max()), float(err.max() / max(np.abs(want).max(), 1e-30))


# ------------------------------------------------------------------ one case

CHECK_RE = re.compile(r"check out: (PASS|FAIL) max_abs_err=(\S+) max_rel_err=(\S+)")


def checked_run_command(nksim, kernel, case, files, cdir, extra=()):
    """Saves `files` (name -> array) as .npy in cdir; returns the `nksim run
    --check --strict` command for kernel (a path under ROOT) with case's
    target and -D values, and the path its output out.npy goes to."""
    cmd = [nksim, "run", os.path.join(ROOT, kernel), "--target", case.target]
    for key, val in case.defines().items():
        cmd += ["-D", f"{key}={val}"]
    for name, arr in files.items():
        path = os.path.join(cdir, f"{name}.npy")
        np.save(path, arr)
        cmd += ["--input", f"{name}={path}"]
    out_path = os.path.join(cdir, "out.npy")
    return cmd + ["--output", f"out={out_path}", "--check", "--strict", *extra], out_path


def nksim_problems(proc, r):
    """Records the run's oracle verdict in r["oracle"] (and its max_abs_err
    in r["oracle_abs"]); returns the problems a failed run or check gives."""
    m = CHECK_RE.search(proc.stdout)
    r["oracle"] = m.group(1) if m else "-"
    r["oracle_abs"] = float(m.group(2)) if m else float("nan")
    problems = []
    if proc.returncode != 0:
        problems.append(f"nksim exit {proc.returncode}: {(proc.stderr or proc.stdout).strip()[:400]}")
    if "warning" in proc.stderr:
        problems.append("nksim warning: " + proc.stderr.strip()[:400])
    if not m or m.group(1) != "PASS":
        problems.append("oracle check did not PASS")
    return problems


def finish(r, cdir, keep):
    """Marks r passed when it has no problems; keeps a failing case's files only with --keep."""
    r["passed"] = not r["problems"]
    if not keep or r["passed"]:
        shutil.rmtree(cdir, ignore_errors=True)
    return r


def run_case(case, nksim, workdir, keep, dist):
    cdir = os.path.join(workdir, case.name)
    os.makedirs(cdir, exist_ok=True)
    values, files = make_inputs(case, dist)
    cmd, out_path = checked_run_command(nksim, KERNEL_FILES[(case.kernel, case.dtype)], case, files, cdir)
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    seconds = time.monotonic() - t0
    r = {"case": case, "seconds": seconds}
    r["problems"] = nksim_problems(proc, r)
    want, r["max_moves"] = numpy_reference(case, values["q"], values["k"], values["v"])
    tol = TOLERANCE[case.dtype]
    r["numpy"], r["numpy_abs"], r["numpy_ratio"], r["numpy_scaled"] = "-", float("nan"), float("nan"), float("nan")
    if os.path.exists(out_path):
        got = np.load(out_path)
        if got.shape != want.shape or got.dtype != np.float32:
            r["problems"].append(f"out.npy is {got.dtype}{list(got.shape)}, expected float32{list(want.shape)}")
        else:
            ok, r["numpy_abs"], r["numpy_ratio"], r["numpy_scaled"] = compare(got, want, tol, case.dtype == "bf16")
            r["numpy"] = "PASS" if ok else "FAIL"
            if not ok:
                r["problems"].append("NumPy comparison failed")
                if case.dtype == "f32":
                    ideal = fp32_logits_reference(case, values["q"], values["k"], values["v"])
                    r["problems"].append("an ideal fp32 kernel (q.k summed in fp32 in increasing d, "
                                         f"everything else exact) has ratio {compare(ideal, want, tol)[2]:.3f} here")
    else:
        r["problems"].append("no out.npy written")
    return finish(r, cdir, keep)


# ------------------------------------------------- NKI 2.26 instruction kernels

# The kernels built on NKI 2.26 instructions (issue 20), in the full matrix
# only (ctest runs them in tests/lit/kernels/nki-isa-kernels.test): each at
# awkward sizes on both targets, `--check` against its C++ reference and
# out.npy against NumPy: layernorm against float64 mean and variance (atol =
# rtol = 1e-5), the recurrence against the sequential fp32 loop bit for bit,
# top8 against a stable argsort exactly. Sizes: a row or a channel alone,
# partial bn_stats chunks (d = 7, 1100 > 512), several row tiles (n = 256),
# scan chunks carried over (T = 5000 > chunk), m = 8 (exactly one max8).
NKI_CASES = ([("layernorm", {"n": n, "d": d}) for n in (1, 128, 256) for d in (1, 7, 512, 1100)]
             + [("linear_recurrence", {"c": c, "T": T}) for c in (1, 96, 128) for T in (1, 513, 5000)]
             + [("top8", {"n": n, "m": m}) for n in (1, 128, 256) for m in (8, 9, 1000, 3000)])


def nki_inputs(kernel, sizes, rng):
    if kernel == "layernorm":
        return {"x": (rng.standard_normal((sizes["n"], sizes["d"])) * 3 + 1.5).astype(np.float32)}
    if kernel == "linear_recurrence":
        c, t = sizes["c"], sizes["T"]
        return {"a": rng.uniform(0.9, 1.0, (c, t)).astype(np.float32),
                "b": rng.standard_normal((c, t)).astype(np.float32),
                "h0": rng.standard_normal((c, 1)).astype(np.float32)}
    return {"x": rng.standard_normal((sizes["n"], sizes["m"])).astype(np.float32)}


def nki_check(kernel, inputs, got):
    """(passed, what was compared) for a kernel's out.npy against NumPy."""
    if kernel == "layernorm":
        x = inputs["x"].astype(np.float64)
        want = (x - x.mean(1, keepdims=True)) / np.sqrt(x.var(1, keepdims=True) + 1e-5)
        ok = got.dtype == np.float32 and got.shape == want.shape and np.allclose(got, want, rtol=1e-5, atol=1e-5)
        return ok, f"max abs err {abs(got - want).max():.2e}" if got.shape == want.shape else "shape"
    if kernel == "linear_recurrence":
        a, b = inputs["a"], inputs["b"]
        h, want = inputs["h0"][:, 0].copy(), np.empty_like(a)
        for t in range(a.shape[1]):
            h = (a[:, t] * h).astype(np.float32) + b[:, t]
            want[:, t] = h
        return got.dtype == np.float32 and np.array_equal(got, want), "bit-exact"
    want = np.argsort(-inputs["x"], axis=1, kind="stable")[:, :8].astype(np.int32)
    return got.dtype == np.int32 and np.array_equal(got, want), "exact"


def run_nki_case(kernel, sizes, target, nksim, workdir, keep):
    name = f"{kernel}_{target}_" + "_".join(f"{k}{v}" for k, v in sizes.items())
    cdir = os.path.join(workdir, name)
    os.makedirs(cdir, exist_ok=True)
    inputs = nki_inputs(kernel, sizes, np.random.default_rng(sum(map(ord, name))))
    cmd = [nksim, "run", os.path.join(ROOT, "kernels", kernel + ".tile"), "--target", target, "--check"]
    for k, v in sizes.items():
        cmd += ["-D", f"{k}={v}"]
    for k, v in inputs.items():
        np.save(os.path.join(cdir, k + ".npy"), v)
        cmd += ["--input", f"{k}={os.path.join(cdir, k + '.npy')}"]
    out_path = os.path.join(cdir, "out.npy")
    cmd += ["--output", f"out={out_path}"]
    t0 = time.monotonic()
    proc = subprocess.run(cmd, capture_output=True, text=True)
    r = {"name": name, "seconds": time.monotonic() - t0}
    r["problems"] = nksim_problems(proc, r)
    r["numpy"], r["detail"] = "-", ""
    if os.path.exists(out_path):
        ok, r["detail"] = nki_check(kernel, inputs, np.load(out_path))
        r["numpy"] = "PASS" if ok else "FAIL"
        if not ok:
            r["problems"].append("NumPy comparison failed")
    else:
        r["problems"].append("no out.npy written")
    return finish(r, cdir, keep)


# -------------------------------------------------------------------- report

HEADER = (f"{'kernel':6} {'dtype':5} {'target':6} {'d':>3} {'n_q':>3} {'n_kv':>4} {'s':>5} {'st':>4} {'logits':6} "
          f"{'oracle':6} {'abs_err':>9} {'numpy':5} {'abs_err':>9} {'ratio':>7} {'max+':>4} {'sec':>5}")


def row(r):
    c = r["case"]
    st = c.step_tiles or "-"  # the GQA kernels' split-KV knob; '-': the kernel's default
    return (f"{c.kernel:6} {c.dtype:5} {c.target:6} {c.d:>3} {c.n_q:>3} {c.n_kv:>4} {c.s:>5} {st:>4} {c.logits:6} "
            f"{r['oracle']:6} {r['oracle_abs']:9.2e} {r['numpy']:5} {r['numpy_abs']:9.2e} "
            f"{r['numpy_ratio']:7.3f} {r['max_moves']:>4} {r['seconds']:5.2f}")


def summary(results):
    lines = []
    failed = [r for r in results if not r["passed"]]
    lines.append(f"summary: {len(results) - len(failed)} of {len(results)} cases passed, {len(failed)} failed")
    for dtype in DTYPES:
        group = [r for r in results if r["case"].dtype == dtype]
        if not group:
            continue
        worst_oracle = max(group, key=lambda r: r["oracle_abs"] if r["oracle_abs"] == r["oracle_abs"] else -1)
        worst_numpy = max(group, key=lambda r: r["numpy_ratio"] if r["numpy_ratio"] == r["numpy_ratio"] else -1)
        worst_scaled = max(group, key=lambda r: r["numpy_scaled"] if r["numpy_scaled"] == r["numpy_scaled"] else -1)
        rule = "atol = rtol = 1e-05" if dtype == "f32" else f"rtol = {TOLERANCE[dtype]:g}, atol = rtol * max|want|"
        lines.append(f"  {dtype} ({rule}): {len(group)} cases; "
                     f"worst oracle max_abs_err {worst_oracle['oracle_abs']:.3g} ({worst_oracle['case'].name}); "
                     f"worst NumPy ratio {worst_numpy['numpy_ratio']:.3g} with max_abs_err "
                     f"{worst_numpy['numpy_abs']:.3g} ({worst_numpy['case'].name}); "
                     f"worst NumPy max_abs_err/max|want| {worst_scaled['numpy_scaled']:.3g}")
    large = [r for r in results if r["case"].logits == "large" and r["case"].s > 128]
    if large:
        moved = sum(1 for r in large if r["max_moves"] > 0)
        lines.append(f"  large logits, s > 128: the running max rose after the first tile in {moved} of {len(large)} cases")
    lines.append(f"  time: {sum(r['seconds'] for r in results):.1f} s in nksim")
    for r in failed:
        lines.append(f"FAILED {r['case'].name}: " + "; ".join(r["problems"]))
    return lines


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--nksim", default=os.path.join(ROOT, "build", "bin", "nksim"))
    ap.add_argument("--quick", action="store_true", help="the covering subset that ctest runs")
    ap.add_argument("--jobs", type=int, default=1, help="cases run at once (default 1)")
    ap.add_argument("--only", default="", help="run only cases whose name contains this")
    ap.add_argument("--keep", default="", help="keep failing cases' .npy files under this directory")
    ap.add_argument("--dist", choices=["uniform", "normal"], default="uniform",
                    help="input distribution: uniform on [-1,1) as --random-inputs draws (default), "
                         "or standard normal (logits 3x larger: a harsher fp32 stress)")
    ap.add_argument("--quiet", action="store_true", help="print failing rows and the summary only")
    args = ap.parse_args()
    if args.jobs > 1:  # several simulations at once: one host thread each (nksim --threads)
        os.environ.setdefault("NKSIM_THREADS", "1")
    if os.sep not in args.nksim:  # a bare name: look it up on PATH (lit puts build/bin there)
        args.nksim = shutil.which(args.nksim) or args.nksim
    if not os.access(args.nksim, os.X_OK):
        print(f"run_matrix.py: error: no nksim at {args.nksim} (build first, or give --nksim)", file=sys.stderr)
        return 2
    cases = [c for c in (quick_matrix() if args.quick else full_matrix()) if args.only in c.name]
    nki = [(k, sz, t) for k, sz in NKI_CASES for t in TARGETS
           if not args.quick and args.only in f"{k}_{t}_" + "_".join(f"{a}{b}" for a, b in sz.items())]
    if not cases and not nki:
        print(f"run_matrix.py: error: no case matches '{args.only}'", file=sys.stderr)
        return 2
    workdir = args.keep or tempfile.mkdtemp(prefix="nk-matrix-")
    print(HEADER, flush=True)
    results = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [pool.submit(run_case, c, args.nksim, workdir, bool(args.keep), args.dist) for c in cases]
        for f in futures:
            r = f.result()
            results.append(r)
            if not args.quiet or not r["passed"]:
                print(row(r) + ("" if r["passed"] else "   <-- FAIL"), flush=True)
    nki_results = []
    if nki:
        print(f"\n{'NKI 2.26 instruction kernel':44} {'oracle':6} {'numpy':5} {'compared':22} {'sec':>5}", flush=True)
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = [pool.submit(run_nki_case, k, sz, t, args.nksim, workdir, bool(args.keep)) for k, sz, t in nki]
            for f in futures:
                r = f.result()
                nki_results.append(r)
                if not args.quiet or not r["passed"]:
                    print(f"{r['name']:44} {r['oracle']:6} {r['numpy']:5} {r['detail']:22} {r['seconds']:5.2f}"
                          + ("" if r["passed"] else "   <-- FAIL"), flush=True)
    if not args.keep:
        shutil.rmtree(workdir, ignore_errors=True)
    if results:
        for line in summary(results):
            print(line)
    if nki_results:
        bad = [r for r in nki_results if not r["passed"]]
        print(f"NKI 2.26 instruction kernels (layernorm, linear_recurrence, top8): {len(nki_results) - len(bad)} of "
              f"{len(nki_results)} cases passed, {len(bad)} failed")
        for r in bad:
            print(f"FAILED {r['name']}: " + "; ".join(r["problems"]))
    return 0 if all(r["passed"] for r in results + nki_results) else 1


if __name__ == "__main__":
    sys.exit(main())
