#!/usr/bin/python3
"""The project's benchmark: how fast the kernels (in the simulator), the
simulator and the compiler are, as figures and ratios measured in one run.

    /usr/bin/python3 bench/run_bench.py [--quick] [--out DIR] [--only SECTION...]

Needs a build (./tools/test.sh or tools/bootstrap.sh builds one in build/).
Prints tables and writes the same rows to DIR/bench.csv and DIR/bench.json
(default DIR: build/bench). Sections:
  1. kernel efficiency: decode_attention_gqa (tuned, fp32 and bf16, and the
     seed-faithful fp32 version) on trn1 and trn2, n_q=32 n_kv=8 d=128,
     s in {512, 2048, 8192, 32768}: simulated time, achieved GB/s, % of the
     HBM roofline, per-engine busy %; and a group sweep (n_q=8, s=2048,
     n_kv in {8, 4, 2, 1}); and the paged serving kernel (fp32, bf16, fp8) on
     trn2 at B*s of 16K and 512 tokens, GQA 32/8, 8/2 and 8/1, T = 1 and 4.
  2. simulator speed: nksim run on s=32768 n_q=32 n_kv=8 fp32 (random
     inputs, race checker on; nksim's default threads and --threads 1)
     against NumPy (/usr/bin/python3) computing
     the same attention, best of several runs each, same machine; simulated
     instructions per second; NumPy with its default BLAS threads and with
     one (threadpoolctl, else OPENBLAS_NUM_THREADS=1 in a subprocess), and which
     BLAS it ran (OpenBLAS, what pip's NumPy ships, once tools/bootstrap.sh
     has installed libopenblas0-pthread; Debian's reference BLAS otherwise);
     2b. where nksim's wall time goes on the tuned program: each phase of
     nksim --time-report, and the process start and exit (the whole
     process's time minus the report's total); 2c. the tuned program on
     NumPy's own inputs: from .npy files (nksim --input) and as arrays
     through the Python package; 2d. what --check adds to the tuned
     program's run, wall time and peak memory (alternated pairs).
  3. compiler speed: nkc compile at s in {8192, 32768, 131072}: time and
     peak memory, and the ratio per 4x step (linear scaling gives ~4).
--quick drops the largest sizes (for a smoke run); --only kernels|simulator|
compiler runs just those sections.
"""
import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BIN = os.path.join(ROOT, "build", "bin")


def run_with_rss(cmd):
    """Runs cmd and returns (wall seconds, peak RSS MiB, stdout)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    out = proc.stdout.read()
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"command failed ({code}): {' '.join(cmd)}\n{err.decode()}")
    return wall, usage.ru_maxrss / 1024.0, out.decode()


def compile_kernel(kernel, target, sizes, out_path):
    cmd = [os.path.join(BIN, "nkc"), "compile", kernel, "-o", out_path, "--target", target]
    for k, v in sizes.items():
        cmd += ["-D", f"{k}={v}"]
    return run_with_rss(cmd)


def simulate(program, race_check=True, threads=None, check=False):
    cmd = [os.path.join(BIN, "nksim"), "run", program, "--random-inputs", "--stats-json", "-"]
    if not race_check:
        cmd.append("--no-race-check")
    if threads is not None:
        cmd.append(f"--threads={threads}")
    if check:
        cmd.append("--check")
    wall, rss, out = run_with_rss(cmd)
    if check:  # the PASS lines follow the statistics' JSON
        out = out[:out.rindex("}") + 1]
    return wall, rss, json.loads(out)


def engine_busy(stats):
    busy = {}
    for s in stats["streams"]:
        if not s["stream"].startswith("dma"):
            busy[s["stream"]] = 100.0 * s["busy_fraction"]
    return busy


def table(title, header, rows):
    print(f"\n## {title}\n")
    widths = [max(len(str(h)), *(len(str(r[i])) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(str(h).rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(str(c).rjust(w) for c, w in zip(r, widths)))


def kernel_section(args, tmp, records):
    """1. Kernel efficiency (simulated): 1a, 1b and 1c."""
    kernels = [("tuned", "fp32", "kernels/decode_attention_gqa.tile")]
    bf16 = "kernels/decode_attention_gqa_bf16.tile"
    if os.path.exists(os.path.join(ROOT, bf16)):
        kernels.append(("tuned", "bf16", bf16))
    kernels.append(("seed", "fp32", "kernels/seed/decode_attention_gqa.tile"))
    s_values = [512, 2048, 8192] if args.quick else [512, 2048, 8192, 32768]

    # 1. Kernel efficiency.
    rows = []
    for variant, dtype, kernel in kernels:
        for target in ("trn1", "trn2"):
            for s in s_values:
                if variant == "seed" and s > 8192:
                    continue  # slow to simulate and not the product's kernel
                prog = os.path.join(tmp, f"k-{variant}-{dtype}-{target}-{s}.nkp")
                compile_kernel(os.path.join(ROOT, kernel), target, {"n_q": 32, "n_kv": 8, "d": 128, "s": s}, prog)
                _, _, st = simulate(prog, race_check=False)
                busy = engine_busy(st)
                rec = {"section": "kernel", "variant": variant, "dtype": dtype, "target": target,
                       "n_q": 32, "n_kv": 8, "d": 128, "s": s, "sim_ns": st["total_ns"],
                       "gb_per_s": st["hbm_bytes"] / st["total_ns"],
                       "roofline_pct": 100.0 * st["hbm_roofline_fraction"],
                       **{f"busy_{k}_pct": v for k, v in busy.items()}}
                records.append(rec)
                rows.append([variant, dtype, target, s, f"{st['total_ns'] / 1000:.1f}", f"{rec['gb_per_s']:.1f}",
                             f"{rec['roofline_pct']:.1f}"] + [f"{busy.get(e, 0):.0f}" for e in ("tensor", "vector", "scalar", "gpsimd")])
    table("1a. decode_attention_gqa, n_q=32 n_kv=8 d=128 (simulated)",
          ["kernel", "dtype", "target", "s", "time us", "GB/s", "% roofline", "PE %", "DVE %", "ACT %", "POOL %"], rows)

    rows = []
    for variant, dtype, kernel in kernels[:2]:
        base = None
        for n_kv in (8, 4, 2, 1):
            prog = os.path.join(tmp, f"g-{dtype}-{n_kv}.nkp")
            compile_kernel(os.path.join(ROOT, kernel), "trn2", {"n_q": 8, "n_kv": n_kv, "d": 128, "s": 2048}, prog)
            _, _, st = simulate(prog, race_check=False)
            base = base or st["total_ns"]
            busy = engine_busy(st)
            rec = {"section": "group_sweep", "variant": variant, "dtype": dtype, "target": "trn2", "n_q": 8,
                   "n_kv": n_kv, "d": 128, "s": 2048, "sim_ns": st["total_ns"],
                   "gb_per_s": st["hbm_bytes"] / st["total_ns"],
                   "roofline_pct": 100.0 * st["hbm_roofline_fraction"], "time_vs_nkv8": st["total_ns"] / base,
                   **{f"busy_{k}_pct": v for k, v in busy.items()}}
            records.append(rec)
            rows.append([dtype, n_kv, f"{st['total_ns'] / 1000:.1f}", f"{rec['time_vs_nkv8']:.2f}", f"{rec['gb_per_s']:.1f}",
                         f"{rec['roofline_pct']:.1f}"] + [f"{busy.get(e, 0):.0f}" for e in ("tensor", "vector", "scalar", "gpsimd")])
    table("1b. group sweep on trn2: n_q=8, s=2048 (bandwidth-bound: time halves as n_kv halves)",
          ["dtype", "n_kv", "time us", "time / n_kv=8", "GB/s", "% roofline", "PE %", "DVE %", "ACT %", "POOL %"], rows)

    # 1c. The paged serving kernel (kernels/decode_attention_paged*.tile).
    # Its DMAs and loop bounds are compile-time, so its time does not depend
    # on the random lengths: every sequence streams max_blocks blocks, and
    # "% roofline" is over the bytes moved (= the bytes the attention must
    # move when every length is the maximum; docs/kernels.md).
    rows = []
    paged = [("f32", "kernels/decode_attention_paged.tile"), ("bf16", "kernels/decode_attention_paged_bf16.tile"),
             ("fp8", "kernels/decode_attention_paged_fp8.tile")]
    configs = [(8, 2048, 32, 8, 1), (8, 2048, 8, 2, 1), (8, 2048, 8, 2, 4), (16, 1024, 8, 1, 1), (1, 512, 8, 2, 1)]
    for dtype, kernel in paged:
        if not os.path.exists(os.path.join(ROOT, kernel)):
            continue
        for B, s, n_q, n_kv, T in configs:
            sizes = {"B": B, "T": T, "n_q": n_q, "n_kv": n_kv, "d": 128, "block": 128, "max_blocks": s // 128,
                     "n_blocks": B * s // 128}
            prog = os.path.join(tmp, f"p-{dtype}-{B}-{s}-{n_q}-{n_kv}-{T}.nkp")
            compile_kernel(os.path.join(ROOT, kernel), "trn2", sizes, prog)
            _, _, st = simulate(prog, race_check=False)
            busy = engine_busy(st)
            rec = {"section": "paged", "dtype": dtype, "target": "trn2", "B": B, "s": s, "T": T, "n_q": n_q,
                   "n_kv": n_kv, "d": 128, "block": 128, "sim_ns": st["total_ns"],
                   "gb_per_s": st["hbm_bytes"] / st["total_ns"],
                   "roofline_pct": 100.0 * st["hbm_roofline_fraction"],
                   **{f"busy_{k}_pct": v for k, v in busy.items()}}
            records.append(rec)
            rows.append([dtype, B, s, f"{n_q}/{n_kv}", T, f"{st['total_ns'] / 1000:.1f}", f"{rec['gb_per_s']:.1f}",
                         f"{rec['roofline_pct']:.1f}"] + [f"{busy.get(e, 0):.0f}" for e in ("tensor", "vector", "scalar", "gpsimd")])
    table("1c. decode_attention_paged on trn2: d=128, block=128, every sequence at s (simulated)",
          ["KV", "B", "s", "n_q/n_kv", "T", "time us", "GB/s", "% roofline", "PE %", "DVE %", "ACT %", "POOL %"], rows)


def simulator_section(args, tmp, records):
    """2. Simulator speed against NumPy, and where nksim's wall time goes."""
    s_sim = 8192 if args.quick else 32768
    # Two programs of the same attention: the tuned kernel as it is, and with
    # a tile per DMA and per softmax step (-D run_kib=1 -D step_width=1: the
    # program earlier figures in docs/performance.md were measured on, about
    # 44.6k instructions), so the simulator's own speed stays comparable.
    sim_programs = [("tuned", {}), ("tile per DMA and step", {"run_kib": 1, "step_width": 1})]
    sims = []
    for i, (label, extra) in enumerate(sim_programs):
        prog = os.path.join(tmp, f"sim-{i}.nkp")
        compile_kernel(os.path.join(ROOT, "kernels/decode_attention_gqa.tile"), "trn2",
                       {"n_q": 32, "n_kv": 8, "d": 128, "s": s_sim, **extra}, prog)
        # Best of 5: on this VM the first touch of fresh memory (kernel page
        # zeroing) varies by 2x from run to run; the median is reported too.
        # nksim's default threads (a second one makes the random tile loads
        # when there are two processors) and one thread, alternately.
        for threads in (None, 1):
            sim_runs = [simulate(prog, race_check=True, threads=threads) for _ in range(5)]
            sims.append((label, "default" if threads is None else str(threads), min(r[0] for r in sim_runs),
                         sorted(r[0] for r in sim_runs)[len(sim_runs) // 2], max(r[1] for r in sim_runs),
                         sim_runs[0][2]["instructions"]))
    numpy_script = f"""
import json, numpy as np, time
d, nq, nkv, s = 128, 32, 8, {s_sim}
rng = np.random.default_rng(0)
q = rng.uniform(-1, 1, (d, nq)).astype(np.float32)
k = rng.uniform(-1, 1, (nkv, d, s)).astype(np.float32)
v = rng.uniform(-1, 1, (nkv, d, s)).astype(np.float32)
def attention():
    g = nq // nkv
    out = np.empty((nq, d), np.float32)
    for h in range(nq):
        logits = (q[:, h] @ k[h // g]) * np.float32(1.0 / np.sqrt(d))
        p = np.exp(logits - logits.max())
        out[h] = (v[h // g] @ p) / p.sum()
def best_of(n):
    best = 1e9
    for _ in range(n):
        t0 = time.perf_counter()
        attention()
        best = min(best, time.perf_counter() - t0)
    return best
res = {{"default": best_of(5)}}
try:  # which BLAS NumPy runs, and the same with one thread
    import threadpoolctl
    info = [i for i in threadpoolctl.threadpool_info() if i.get("user_api") == "blas"]
    res["blas"] = ", ".join(f"{{i['internal_api']}} {{i.get('version')}} ({{i.get('threading_layer')}}, "
                            f"{{i.get('architecture')}}, {{i['num_threads']}} threads)" for i in info) or "unknown"
    res["threads"] = max([i["num_threads"] for i in info] or [1])
    with threadpoolctl.threadpool_limits(1, user_api="blas"):
        res["single"] = best_of(5)
except ImportError:
    maps = open("/proc/self/maps").read()
    res["blas"] = next((n for n in ("openblas", "mkl", "blis", "libblas") if n in maps), "unknown") + \
        " (install python3-threadpoolctl for details; one thread set through the environment)"
print(json.dumps(res))
"""
    np_out = subprocess.run(["/usr/bin/python3", "-c", numpy_script], capture_output=True, text=True, check=True)
    np_res = json.loads(np_out.stdout.strip().splitlines()[-1])
    if "single" not in np_res:
        # No threadpoolctl: one BLAS thread through the environment of a
        # second process instead (OpenBLAS, MKL and BLIS read these at load).
        env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1", MKL_NUM_THREADS="1",
                   BLIS_NUM_THREADS="1")
        one = subprocess.run(["/usr/bin/python3", "-c", numpy_script], capture_output=True, text=True, check=True,
                             env=env)
        np_res["single"] = json.loads(one.stdout.strip().splitlines()[-1])["default"]
    np_wall = np_res["default"]
    np_single = np_res.get("single")
    rows = []
    default_threads = min(2, len(os.sched_getaffinity(0)))
    for label, threads, sim_wall, sim_median, sim_rss, n_inst in sims:
        threads = f"{default_threads} (default)" if threads == "default" else threads
        records.append({"section": "simulator", "program": label, "nksim_threads": threads, "s": s_sim, "nksim_s": sim_wall,
                        "nksim_median_s": sim_median, "numpy_s": np_wall, "numpy_1thread_s": np_single,
                        "numpy_blas": np_res["blas"], "ratio": sim_wall / np_wall,
                        "ratio_1thread": sim_wall / np_single if np_single else None, "instructions": n_inst,
                        "instructions_per_s": n_inst / sim_wall, "peak_rss_mib": sim_rss})
        rows.append([label, threads, f"{sim_wall:.2f}", f"{sim_median:.2f}", f"{np_wall:.3f}", f"{sim_wall / np_wall:.1f}x",
                     f"{sim_median / np_wall:.1f}x", f"{np_single:.3f}" if np_single else "-",
                     f"{sim_wall / np_single:.1f}x" if np_single else "-", n_inst, f"{n_inst / sim_wall:,.0f}",
                     f"{sim_rss:.0f}"])
    print(f"\nNumPy's BLAS: {np_res['blas']}")
    table(f"2. simulator speed: GQA fp32 n_q=32 n_kv=8 s={s_sim}, random inputs, race checker on (nksim best of 5, NumPy best of 5)",
          ["program", "nksim threads", "nksim s", "median s", "NumPy s", "ratio", "median ratio", "NumPy 1-thread s", "ratio 1-thread",
           "instructions", "inst/s", "peak MiB"], rows)
    phase_split(os.path.join(tmp, "sim-0.nkp"), s_sim, records)
    real_inputs(os.path.join(tmp, "sim-0.nkp"), tmp, s_sim, np_single, records)
    check_overhead(os.path.join(tmp, "sim-0.nkp"), s_sim, records)


def check_overhead(program, s_sim, records, runs=11):
    """2d. What --check adds: the whole process with and without it,
    alternated (so both see the same machine), medians and the median of the
    per-pair ratios; peak RSS of each."""
    pairs = []
    for _ in range(runs):
        pairs.append((simulate(program, check=True), simulate(program)))
    med = lambda xs: sorted(xs)[len(xs) // 2]
    with_s = med([a[0] for a, _ in pairs])
    without_s = med([b[0] for _, b in pairs])
    ratio = med([a[0] / b[0] for a, b in pairs])
    with_rss = max(a[1] for a, _ in pairs)
    without_rss = max(b[1] for _, b in pairs)
    records.append({"section": "check_overhead", "program": "tuned", "s": s_sim, "runs": runs, "with_check_s": with_s,
                    "without_s": without_s, "ratio": ratio, "with_check_peak_mib": with_rss,
                    "without_peak_mib": without_rss, "memory_ratio": with_rss / without_rss})
    table(f"2d. what --check adds: tuned program, s={s_sim}, default threads, random inputs "
          f"({runs} alternated pairs; medians)",
          ["", "wall s", "peak MiB"],
          [["without --check", f"{without_s:.3f}", f"{without_rss:.0f}"],
           ["with --check", f"{with_s:.3f}", f"{with_rss:.0f}"],
           ["ratio (median of pairs; peak)", f"{ratio:.2f}x", f"{with_rss / without_rss:.2f}x"]])


def real_inputs(program, tmp, s_sim, np_single, records, runs=5):
    """2c. The tuned program on NumPy's own inputs (the arrays section 2's
    NumPy times): from .npy files with nksim --input (the whole process),
    and as arrays through the Python package (nkc's Program.run, in process,
    the program loaded once)."""
    make = f"""
import numpy as np
d, nq, nkv, s = 128, 32, 8, {s_sim}
rng = np.random.default_rng(0)
for name, shape in (("q", (d, nq)), ("k", (nkv, d, s)), ("v", (nkv, d, s))):
    np.save("{tmp}/" + name + ".npy", rng.uniform(-1, 1, shape).astype(np.float32))
"""
    subprocess.run(["/usr/bin/python3", "-c", make], check=True)
    files = [f"--input={n}={os.path.join(tmp, n + '.npy')}" for n in ("q", "k", "v")]
    cli = [run_with_rss([os.path.join(BIN, "nksim"), "run", program, *files, "--stats-json", "-"]) for _ in range(runs)]
    in_python = f"""
import json, sys, time
sys.path.insert(0, "{os.path.join(ROOT, 'build', 'python')}")
import numpy as np, nkc
prog = nkc.load("{program}")
arrays = {{n: np.load("{tmp}/" + n + ".npy") for n in ("q", "k", "v")}}
times = []
for _ in range({runs}):
    t0 = time.perf_counter()
    prog.run(arrays)
    times.append(time.perf_counter() - t0)
print(json.dumps(times))
"""
    py = subprocess.run(["/usr/bin/python3", "-c", in_python], capture_output=True, text=True)
    rows = []
    measured = [("nksim run --input FILE.npy (whole process)", sorted(r[0] for r in cli), max(r[1] for r in cli))]
    if py.returncode == 0:
        measured.append(("nkc Program.run(arrays), in Python", sorted(json.loads(py.stdout.strip().splitlines()[-1])),
                         None))
    else:
        print(f"(the Python package did not run: {py.stderr.strip().splitlines()[-1] if py.stderr else py.returncode})")
    for label, times, rss in measured:
        best, median = times[0], times[len(times) // 2]
        records.append({"section": "simulator_real_inputs", "how": label, "s": s_sim, "best_s": best, "median_s": median,
                        "numpy_1thread_s": np_single, "ratio_1thread": best / np_single if np_single else None,
                        "peak_rss_mib": rss})
        rows.append([label, f"{best:.2f}", f"{median:.2f}", f"{best / np_single:.1f}x" if np_single else "-",
                     f"{rss:.0f}" if rss else "-"])
    table(f"2c. the same attention on NumPy's own inputs (uniform on [-1, 1), s={s_sim}; best of {runs})",
          ["how", "best s", "median s", "ratio to NumPy 1-thread", "peak MiB"], rows)


def phase_split(program, s_sim, records, runs=5):
    """2b. The tuned program's wall time by phase (nksim --time-report), the
    median of each over `runs` runs; the process start (twice: the
    huge-page re-execution) and exit are the whole process's wall time
    minus the report's total."""
    phases = {}
    for _ in range(runs):
        t0 = time.perf_counter()
        p = subprocess.run([os.path.join(BIN, "nksim"), "run", program, "--random-inputs", "--time-report"],
                           capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if p.returncode != 0:
            sys.exit(f"nksim --time-report failed ({p.returncode}):\n{p.stderr}")
        report = {}
        for line in p.stderr.splitlines():
            parts = line.split()
            if len(parts) >= 3 and parts[2] == "s" and line.startswith("  "):
                report[parts[0]] = float(parts[1])
        report["process start and exit"] = wall - report["total"]
        report["whole process"] = wall
        for k, v in report.items():
            phases.setdefault(k, []).append(v)
    order = ["process start and exit", "load", "prepare", "verify", "validate", "simulate", "check", "outputs",
             "whole process"]
    medians = {k: sorted(phases[k])[len(phases[k]) // 2] for k in order}
    whole = medians["whole process"]
    records.append({"section": "simulator_phases", "program": "tuned", "s": s_sim, "runs": runs,
                    **{f"{k.replace(' ', '_')}_s": v for k, v in medians.items()}})
    table(f"2b. where nksim's wall time goes: tuned program, s={s_sim}, default threads (nksim --time-report, "
          f"median of {runs} runs each)", ["phase", "ms", "% of the whole"],
          [[k, f"{1000 * medians[k]:.1f}", f"{100 * medians[k] / whole:.0f}"] for k in order])


def compiler_section(args, tmp, records):
    """3. Compiler speed and scaling."""
    # 3. Compiler speed and scaling.
    rows = []
    prev = None
    for s in ([8192, 32768] if args.quick else [8192, 32768, 131072]):
        runs = [compile_kernel(os.path.join(ROOT, "kernels/decode_attention_gqa.tile"), "trn2",
                               {"n_q": 32, "n_kv": 8, "d": 128, "s": s}, os.path.join(tmp, "c.nkp")) for _ in range(3)]
        wall = min(r[0] for r in runs)
        rss = max(r[1] for r in runs)
        out = subprocess.run([os.path.join(BIN, "nkasm"), os.path.join(tmp, "c.nkp")], capture_output=True, text=True, check=True).stdout
        n_inst = sum(1 for line in out.splitlines() if line.startswith("  "))
        step = wall / prev if prev else None
        prev = wall
        records.append({"section": "compiler", "s": s, "compile_s": wall, "peak_rss_mib": rss, "instructions": n_inst,
                        "ratio_per_4x": step})
        rows.append([s, n_inst, f"{wall:.2f}", f"{rss:.0f}", f"{step:.2f}" if step else "-"])
    table("3. nkc compile, GQA n_q=32 n_kv=8 (best of 3)", ["s", "instructions", "seconds", "peak MiB", "x per 4x s"], rows)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="skip the largest sizes")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "bench"))
    ap.add_argument("--only", nargs="+", choices=["kernels", "simulator", "compiler"],
                    default=["kernels", "simulator", "compiler"],
                    help="run only these sections (1: kernels, 2: simulator, 3: compiler)")
    args = ap.parse_args()
    for tool in ("nkc", "nksim"):
        if not os.path.exists(os.path.join(BIN, tool)):
            sys.exit(f"{BIN}/{tool} not found: build first (./tools/test.sh)")
    os.makedirs(args.out, exist_ok=True)
    tmp = tempfile.mkdtemp(prefix="nkbench-")
    records = []

    if "kernels" in args.only:
        kernel_section(args, tmp, records)
    if "simulator" in args.only:
        simulator_section(args, tmp, records)
    if "compiler" in args.only:
        compiler_section(args, tmp, records)

    keys = sorted({k for r in records for k in r})
    with open(os.path.join(args.out, "bench.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=keys)
        w.writeheader()
        w.writerows(records)
    with open(os.path.join(args.out, "bench.json"), "w") as f:
        json.dump({"machine": os.uname().nodename, "cpus": os.cpu_count(), "records": records}, f, indent=2)
    print(f"\nwrote {args.out}/bench.csv and bench.json")


if __name__ == "__main__":
    main()
