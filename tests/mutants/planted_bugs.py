#!/usr/bin/python3
"""Planted bugs: `nksim run --check` must catch real attention bugs.

For each decode kernel (fp32 and bf16) and each code path, the unchanged
kernel must PASS `nksim run K.tile --random-inputs --check` (exit 0), and
every mutant (the kernel with one planted bug) must FAIL it (exit 1) at the
same sizes with the default random inputs: the check's tolerance and the
default inputs are what is under test, so neither is adjusted per mutant.

A mutation is a literal text replacement; if its text no longer occurs the
expected number of times (the kernel was edited), the suite fails and says
so rather than silently testing nothing.

Known escapes. A bug that moves the output by less than one bf16 rounding
cannot be told from the bf16 kernel's own rounding of P by any tolerance:
the two mask mutants move one position of ~1,000 (or pad with a zero key),
which changes the outputs by 1e-3 or less where one bf16 rounding of the
largest output is 5e-3 and the correct kernel already differs by 6e-4 to
2e-3. They are run and reported for the bf16 kernels but not required to
FAIL there (marked BF16_ESCAPE below); the fp32 kernels run the same code
and must catch them.

Usage: planted_bugs.py NKSIM [-j N] [-v] [--check-flag=--check=ATOL,RTOL] [--extra=ARG]...
(--check-flag and --extra reproduce other settings, e.g. the old check:
 --check-flag=--check=0.02,0.02 --extra=--random-dist=uniform)
"""
import argparse
import concurrent.futures
import os
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# (name, old text, new text, which occurrence: 1-based, or 0 for all,
#  expected count[, BF16_ESCAPE: not required to FAIL in a bf16 kernel])
BF16_ESCAPE = "below bf16 resolution"
SCALE = [
    ("softmax scale +10%", "let scale = 1.0 / sqrt(d)", "let scale = 1.1 / sqrt(d)", 0, 1),
    ("softmax scale -10%", "let scale = 1.0 / sqrt(d)", "let scale = 0.9 / sqrt(d)", 0, 1),
]

# The n_q <= 128 path: every head stacked on the partitions, C chunks of the
# cache per step, a masked tail, and the chunks merged at the end.
STACKED = SCALE + [
    ("a wide step's last tile left out of its scores", "for j in static(nw):", "for j in static(nw - 1):", 1, 4),
    ("dropped run of KV steps", "for tb in sequential(TG):", "for tb in sequential(TG - 1):", 0, 1),
    ("repeated K tile within a run", "stationary=kb[:, ((c*n_kv + h) * G + g0 + j) * 128",
     "stationary=kb[:, ((c*n_kv + h) * G + g0) * 128", 0, 1),
    ("repeated V tile within a run", "transpose(vb[:, ((c*n_kv + h) * G + g0 + j) * 128",
     "transpose(vb[:, ((c*n_kv + h) * G + g0) * 128", 0, 1),
    ("P.V of a wide step keeps only its last tile", "accumulate=j > 0)", "accumulate=false)", 0, 1),
    ("mask drops the last position", "where(pos < wl,", "where(pos < wl - 1,", 0, 1, BF16_ESCAPE),
    ("mask admits one padding position", "where(pos < wl,", "where(pos <= wl,", 0, 1, BF16_ESCAPE),
    ("query groups swapped between KV heads", "moving=qall[:, h*group : +group]",
     "moving=qall[:, (n_kv - 1 - h)*group : +group]", 0, 2),
    # (stacked_step, the kernel's second helper, then wide_step)
    ("running sum not rescaled", "l = l * alpha + sum(p, axis=1, keepdims=true)",
     "l = l + sum(p, axis=1, keepdims=true)", 2, 3),
    ("accumulator not rescaled", "acc = acc * alpha + isa.nc_transpose", "acc = acc + isa.nc_transpose", 0, 2),
]

# The stacked path at a size with several wide steps and a step left over
# after the runs of G tiles (fp32: G = 4, bf16: 8; T = 9 steps). (At
# s = 1100 the one wide step starts from l = 0, where rescaling is moot.)
LEFTOVER = [
    ("running sum not rescaled in a wide step", "l = l * alpha + sum(p, axis=1, keepdims=true)",
     "l = l + sum(p, axis=1, keepdims=true)", 3, 3),
    ("leftover step reads the first run's tiles", "let pos = (TG * G + t) * tile", "let pos = t * tile", 0, 1),
    ("leftover step dropped", "for t in sequential(T - TG * G):", "for t in sequential(0):", 0, 1),
]

# The n_q > 128 path: one KV head at a time, its group of query heads on
# the partitions, whole tiles then a masked remainder.
PER_HEAD = SCALE + [
    ("dropped KV tile", "for t in sequential(n_full):", "for t in sequential(n_full - 1):", 0, 1),
    ("repeated KV tile", "let kt = load(k[h, :, t*tile : +tile])", "let kt = load(k[h, :, 0 : +tile])", 0, 1),
    ("mask drops the last position", "where(col < rem,", "where(col < rem - 1,", 0, 1),
    ("mask admits one padding position", "where(col < rem,", "where(col <= rem,", 0, 1, BF16_ESCAPE),
    ("query groups swapped between KV heads", "load(q[:, h*group : +group])",
     "load(q[:, (n_kv - 1 - h)*group : +group])", 0, 1),
    # (softmax_step, the kernel's first helper: both of its calls)
    ("running sum not rescaled", "l = l * alpha + sum(p, axis=1, keepdims=true)",
     "l = l + sum(p, axis=1, keepdims=true)", 1, 3),
]

# The paged kernel at its default random inputs (valid tables and lengths
# drawn by the reference; no window, no sinks: run_paged.py --expect-fail
# plants the window and sink bugs, tests/lit/kernels/paged-attention.test).
PAGED = SCALE + [
    ("length mask admits one position past the length", "let hi_p = matmul(repeat_cols(sel, tn, Rt, Vp), lens_col, transpose_x=true) + tok[0:Rv, :]",
     "let hi_p = matmul(repeat_cols(sel, tn, Rt, Vp), lens_col, transpose_x=true) + tok[0:Rv, :] + 1.0", 0, 1),
    ("length mask drops the query's own position", "let hi_p = matmul(repeat_cols(sel, tn, Rt, Vp), lens_col, transpose_x=true) + tok[0:Rv, :]",
     "let hi_p = matmul(repeat_cols(sel, tn, Rt, Vp), lens_col, transpose_x=true) + tok[0:Rv, :] - 1.0", 0, 1),
    ("stacked rows read their neighbour's length", "base=R*lb0, partition_step=-R", "base=R*lb0 + 1, partition_step=-R",
     0, 1),
    ("K of a chunk's first block for all its blocks", "load(k_cache[bts[b, c*bpc + j], :",
     "load(k_cache[bts[b, c*bpc], :", 0, 1),
    ("V of the wrong sequence", "load(v_cache[bts[b, c*bpc + j], :", "load(v_cache[bts[(b + 1) % B, c*bpc + j], :", 0, 1),
    ("K of the wrong KV head", "stationary=kt[:, h, :]", "stationary=kt[:, n_kv - 1 - h, :]", 0, 1),
    ("running sum not rescaled", "l = l * alpha + sum(p, axis=1, keepdims=true)",
     "l = l + sum(p, axis=1, keepdims=true)", 0, 1),
    ("accumulator not rescaled", "acc = acc * alpha + isa.nc_transpose", "acc = acc + isa.nc_transpose", 0, 1),
]

# The fp8 kernel also applies per-KV-head dequant scales.
PAGED_FP8 = PAGED + [
    ("k_scale not applied", "dequant(visible_scores(s, lo, hi, zero, sink_hi, c0 * 128, Rt, nc, full, vmax), ks_r, scaled)",
     "visible_scores(s, lo, hi, zero, sink_hi, c0 * 128, Rt, nc, full, vmax)", 0, 1),
    ("v_scale not applied", "dequant(acc / l, vs_r, scaled)", "acc / l", 0, 1),
]

# -D masks=2: the masks by comparisons against an iota instead of range_select.
PAGED_COMPARE = [
    ("compare mask admits one position past the length", "(pos <= hi)", "(pos <= hi + 1.0)", 0, 1),
    ("compare mask drops the query's own position", "(pos <= hi)", "(pos < hi)", 0, 1),
]

# The kernels on NKI 2.26 instructions, checked against their references.
LAYERNORM = [
    ("epsilon 1e-3 instead of 1e-5", "let eps = 1.0e-5", "let eps = 1.0e-3", 0, 1),
    ("a bn_stats chunk left out", "for c in static(chunks):", "for c in static(chunks - 1):", 0, 1),
    ("variance not rescaled by count", "let rstd = rsqrt(mv[:, 1:2] + eps)", "let rstd = rsqrt(mv[:, 1:2] * 1.01 + eps)", 0, 1),
]
RECURRENCE = [
    ("state carried off by one", "h = ht[:, chunk-1 : chunk]", "h = ht[:, chunk-2 : chunk-1]", 0, 1),
    ("tail restarts from h0", "let ht = isa.tensor_tensor_scan(data0=at, data1=bt, initial=h, op0=multiply, op1=add)\n        store(out[:, full*chunk",
     "let ht = isa.tensor_tensor_scan(data0=at, data1=bt, initial=load(h0), op0=multiply, op1=add)\n        store(out[:, full*chunk", 0, 1),
]
TOP8 = [
    ("first column ignored", "let top = isa.max8(src=xt)", "let top = isa.max8(src=xt[:, 1:m])", 0, 1),
]

# decode_attention (kernel 1) is one KV tile, one head, no mask and no
# running sum: only the scale mutants apply.
CASES = [
    ("decode_attention.tile", [], SCALE),
    ("decode_attention_bf16.tile", ["-D", "s=100"], SCALE),
    # s = 1100: C = 4 chunks, T = 2 steps (one run of 2 tiles), a tail of 76
    # positions (masked).
    ("decode_attention_gqa.tile", ["-D", "s=1100"], STACKED),
    ("decode_attention_gqa_bf16.tile", ["-D", "s=1100"], STACKED),
    # s = 4684: T = 9 steps, runs of G (fp32 4: two runs and a leftover step;
    # bf16 8: one run and a leftover).
    ("decode_attention_gqa.tile", ["-D", "s=4684"], LEFTOVER),
    ("decode_attention_gqa_bf16.tile", ["-D", "s=4684"], LEFTOVER),
    # n_q = 192 > 128: the per-head path; s = 300 = 2 tiles + 44 (masked).
    ("decode_attention_gqa.tile", ["-D", "n_q=192", "-D", "n_kv=2", "-D", "s=300"], PER_HEAD),
    ("decode_attention_gqa_bf16.tile", ["-D", "n_q=192", "-D", "n_kv=2", "-D", "s=300"], PER_HEAD),
    # Block 32 (4 blocks a chunk), 12 blocks a sequence: 3 chunks, a step
    # each (so the running max moves between steps); bf16: T = 2, 4 steps.
    ("decode_attention_paged.tile", ["-D", "block=32", "-D", "max_blocks=12", "-D", "step_chunks=1"], PAGED),
    ("decode_attention_paged_bf16.tile", ["-D", "T=2", "-D", "block=64", "-D", "step_chunks=1"], PAGED),
    ("decode_attention_paged.tile", ["-D", "masks=2", "-D", "block=32", "-D", "max_blocks=12", "-D", "step_chunks=1"],
     PAGED_COMPARE),
    ("decode_attention_paged_fp8.tile", ["-D", "n_q=16", "-D", "n_kv=4", "-D", "block=64", "-D", "step_chunks=1"],
     PAGED_FP8),
    # d = 1100: two full bn_stats chunks and a partial one.
    ("layernorm.tile", ["-D", "n=128", "-D", "d=1100"], LAYERNORM),
    # T = 5000: two full chunks of 2048 and a tail of 904.
    ("linear_recurrence.tile", ["-D", "c=64", "-D", "T=5000"], RECURRENCE),
    ("top8.tile", ["-D", "n=128", "-D", "m=1000"], TOP8),
]


def mutate(source, old, new, occurrence, expected):
    count = source.count(old)
    if count != expected:
        return None, f"expected {expected} occurrence(s) of {old!r}, found {count}"
    if occurrence == 0:
        return source.replace(old, new), None
    at = -1
    for _ in range(occurrence):
        at = source.index(old, at + 1)
    return source[:at] + new + source[at + len(old):], None


def run(nksim, path, defines, check_flag, extra):
    cmd = [nksim, "run", path, *defines, "--random-inputs", check_flag, *extra]
    p = subprocess.run(cmd, capture_output=True, text=True)
    line = next((l for l in p.stdout.splitlines() if l.startswith("check ")), "")
    return p.returncode, line, p.stderr.strip()


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("nksim")
    ap.add_argument("-j", type=int, default=os.cpu_count() or 1)
    ap.add_argument("-v", action="store_true", help="print every check line")
    ap.add_argument("--check-flag", default="--check")
    ap.add_argument("--extra", action="append", default=[])
    args = ap.parse_args()
    if args.j > 1:  # several simulations at once: one host thread each (nksim --threads)
        os.environ.setdefault("NKSIM_THREADS", "1")

    jobs, problems = [], []
    with tempfile.TemporaryDirectory(prefix="nk-mutants-") as tmp:
        for ci, (kernel, defines, mutations) in enumerate(CASES):
            src_path = os.path.join(ROOT, "kernels", kernel)
            source = open(src_path).read()
            jobs.append((kernel, defines, "(unchanged)", src_path, 0))
            for mi, (name, old, new, occ, expected, *escape) in enumerate(mutations):
                text, err = mutate(source, old, new, occ, expected)
                if err:
                    problems.append(f"{kernel}: mutation '{name}' no longer applies: {err}")
                    continue
                path = os.path.join(tmp, f"c{ci}m{mi}-{kernel}")
                with open(path, "w") as f:
                    f.write(text)
                # want: 1 must FAIL; None: reported only (a known escape)
                jobs.append((kernel, defines, name, path, None if escape and "bf16" in kernel else 1))
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
            results = list(pool.map(lambda j: run(args.nksim, j[3], j[1], args.check_flag, args.extra), jobs))

    caught = total = 0
    escapes = []
    for (kernel, defines, name, _, want), (rc, line, err) in zip(jobs, results):
        label = f"{kernel} {' '.join(defines[1::2]) or 'defaults'}: {name}"
        if want is None:
            escapes.append(f"{label}: {'caught' if rc == 1 else 'escapes'} ({BF16_ESCAPE}): {line}")
            if rc != 2:
                continue
        if want == 1:
            total += 1
            caught += rc == 1
        ok = rc == want
        if args.v or not ok:
            print(f"{'ok  ' if ok else 'BAD '} {label}: exit {rc} {line}")
        if not ok:
            why = "the unchanged kernel must PASS" if want == 0 else "the mutant must FAIL --check"
            problems.append(f"{label}: {why}, got exit {rc}" + (f" ({err[:300]})" if rc == 2 else ""))
    print(f"planted bugs: {caught} of {total} mutants caught by --check "
          f"({len(CASES)} kernel configurations, unchanged kernels PASS: "
          f"{'yes' if not any('unchanged' in p for p in problems) else 'NO'})")
    for e in escapes:
        print("known escape, not required:", e)
    for p in problems:
        print("error:", p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
