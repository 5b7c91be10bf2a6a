#!/usr/bin/python3
"""nksweep: simulate a grid of kernels x sizes x targets with nksim, on this
machine or on a Dask cluster, and tabulate and plot the results.

  tools/nksweep.py KERNEL.tile... [-D NAME=V1,V2,...]... [--target trn1,trn2] [--check]
                   [--out DIR] [--jobs N | --local-cluster N | --scheduler tcp://HOST:8786]
                   [--knob NAME [--size s]] [--nksim PATH] [--quiet]

The grid: every kernel file x the product of the -D values of the size
parameters that kernel declares (a -D knob a kernel does not declare is left
out of its product: its column is empty) x every target. Each case runs
  nksim run KERNEL.tile -D ... --target T --random-inputs=SEED --stats --stats-json FILE [--check]
and becomes one row of DIR/sweep.csv and DIR/sweep.json:
  pass     nksim exited 0 (and, with --check, every output matched its reference)
  fail     --check found a mismatch (nksim exit 1)
  skipped  the kernel does not compile at these sizes (a `requires` not met,
           a tile too large for SBUF...): "detail" holds the first error line
  error    anything else: a race, a deadlock, a crash, a timeout, no nksim
Simulated figures come from nksim's --stats-json (total_ns, hbm_roofline_fraction,
each stream's busy_fraction, ...) and, for cycles, from the --stats line
"total time: ... ns = N cycles at the Tensor engine clock (F GHz)".

Plots (matplotlib, PNG, in DIR) when a size parameter (--size, default s) takes
more than one value: roofline_KERNEL.png, the HBM roofline % against the size;
with --knob NAME, best_NAME.png and a printed table: per kernel, target, other
knobs and size, the value of NAME with the lowest simulated time.

Execution: local nksim processes by default (--jobs N at a time, default the
CPU count). --local-cluster N starts a Dask LocalCluster of N single-threaded
worker processes; --scheduler ADDRESS submits to a running Dask distributed
cluster (`dask scheduler` on one machine, `dask worker ADDRESS --nthreads N`
on each: a thread runs one nksim at a time). Each task carries the kernel's
source text, so a remote worker needs only the nksim binary: on its PATH (the default with --scheduler) or at the --nksim path
(the same path on every worker). The --scheduler and --local-cluster modes
need Dask (Debian: apt-get install python3-distributed); plots need
matplotlib (python3-matplotlib); the local mode runs without either
(no plots then, with a note).

Progress: on a terminal, one updating line on stderr (cases done / total,
failures, estimated time left); nothing when stderr is not a terminal or
with --quiet.

Exit status: 0 every case passed or was skipped; 1 a case failed or ended in
an error; 2 a usage or setup error (bad -D, missing kernel, no nksim,
unreachable scheduler, Dask missing).
"""
import argparse
import csv
import itertools
import json
import math
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TARGETS = ("trn1", "trn2")
COMPUTE_ENGINES = ("tensor", "vector", "scalar", "gpsimd")
STATUSES = ("pass", "fail", "skipped", "error")
DASK_PACKAGE = "python3-distributed"


class UsageError(Exception):
    """A usage or setup error: reported as 'nksweep: error: ...', exit 2."""


# ------------------------------------------------------------ the worker side
#
# run_case and probe_nksim run on the workers. They use only the standard
# library, and Dask pickles them by value (cloudpickle does so for functions of
# __main__), so a worker needs neither this file nor the kernel files.

TOTAL_RE = re.compile(r"total time: ([0-9.eE+-]+) ns = (\d+) cycles at the Tensor engine clock \(([0-9.]+) GHz\)")
CHECK_RE = re.compile(r"^check (\S+): (PASS|FAIL) max_abs_err=(\S+) max_rel_err=(\S+)", re.M)


def resolve_nksim(nksim):
    """An nksim path or a bare name looked up on PATH; None if not runnable."""
    path = nksim if os.sep in nksim else shutil.which(nksim)
    return path if path and os.path.isfile(path) and os.access(path, os.X_OK) else None


def probe_nksim(nksim):
    """Runs on a worker: (host, resolved nksim path or None)."""
    return socket.gethostname(), resolve_nksim(nksim)


def first_error_line(text):
    for line in text.splitlines():
        if "error:" in line:
            return line.strip()
    lines = [l.strip() for l in text.splitlines() if l.strip()]
    return lines[0] if lines else ""


def run_case(task):
    """Runs one case with nksim and returns its result as a dict (never raises)."""
    t0 = time.monotonic()
    result = {"status": "error", "detail": "", "host": socket.gethostname()}
    nksim = resolve_nksim(task["nksim"])
    if not nksim:
        result["detail"] = f"no nksim at '{task['nksim']}' on {result['host']}"
        result["wall_s"] = time.monotonic() - t0
        return result
    tmp = tempfile.mkdtemp(prefix="nksweep-")
    try:
        kernel_file = os.path.join(tmp, task["file_name"])
        with open(kernel_file, "w") as f:
            f.write(task["source"])
        stats_file = os.path.join(tmp, "stats.json")
        cmd = [nksim, "run", kernel_file, "--target", task["target"], f"--random-inputs={task['seed']}",
               "--stats", "--stats-json", stats_file]
        for name, value in task["defines"].items():
            cmd += ["-D", f"{name}={value}"]
        if task["check"]:
            cmd.append("--check")
        if task["timing_only"]:
            cmd.append("--timing-only")
        try:
            # A sweep runs several simulations at once (local processes or
            # Dask workers, one per processor): one host thread each
            # (nksim --threads; an NKSIM_THREADS the user set wins).
            env = dict(os.environ)
            env.setdefault("NKSIM_THREADS", "1")
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=task["timeout"] or None, env=env)
        except subprocess.TimeoutExpired:
            result["detail"] = f"timed out after {task['timeout']} s"
            return result
        # Messages name the temporary copy; show the kernel's own path.
        out = proc.stdout.replace(kernel_file, task["display_path"])
        err = proc.stderr.replace(kernel_file, task["display_path"])
        result["returncode"] = proc.returncode
        result["warnings"] = sum(1 for line in err.splitlines() if "warning:" in line)
        checks = CHECK_RE.findall(out)
        if checks:
            result["check"] = "PASS" if all(c[1] == "PASS" for c in checks) else "FAIL"
            result["check_max_abs_err"] = max(float(c[2]) for c in checks)
            result["check_max_rel_err"] = max(float(c[3]) for c in checks)
        m = TOTAL_RE.search(out)
        if m:
            result["cycles"] = int(m.group(2))
            result["clock_ghz"] = float(m.group(3))
        if proc.returncode in (0, 1) and os.path.exists(stats_file):
            with open(stats_file) as f:
                result["stats"] = json.load(f)
        if proc.returncode == 0 and "stats" in result and (not task["check"] or result.get("check") == "PASS"):
            result["status"] = "pass"
        elif proc.returncode == 1 and result.get("check") == "FAIL":
            result["status"] = "fail"
            bad = [c for c in checks if c[1] == "FAIL"][0]
            result["detail"] = f"check {bad[0]}: FAIL max_abs_err={bad[2]} max_rel_err={bad[3]}"
        elif proc.returncode == 2 and re.match(re.escape(task["display_path"]) + r":\d+:\d+: error: ",
                                               first_error_line(err)):
            # A clang-style diagnostic in the kernel: it does not compile at these sizes.
            result["status"] = "skipped"
            result["detail"] = first_error_line(err)
        else:
            code = proc.returncode
            how = f"killed by signal {-code}" if code < 0 else f"exit {code}"
            result["detail"] = f"nksim {how}: {first_error_line(err) or first_error_line(out)}"
        return result
    except Exception as e:  # a worker-side surprise is the case's error, not the sweep's crash
        result["detail"] = f"{type(e).__name__}: {e}"
        return result
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
        result["wall_s"] = time.monotonic() - t0


# ------------------------------------------------------------ the client side

HEADER_RE = re.compile(r"^\s*kernel\s+(\w+)\s*\[([^\]]*)\]", re.M)


def kernel_params(path, source):
    """The size parameters a kernel declares, in order, with their defaults."""
    m = HEADER_RE.search(source)
    if not m:
        raise UsageError(f"{path}: no 'kernel NAME[...]' declaration found")
    params = {}
    for item in m.group(2).split(","):
        item = item.strip()
        if not item:
            continue
        name, _, default = item.partition("=")
        default = default.strip()
        params[name.strip()] = int(default) if re.fullmatch(r"-?\d+", default) else None
    return m.group(1), params


def parse_defines(args_d):
    """-D NAME=V1,V2,... -> {name: [int values]}, in the order given."""
    knobs = {}
    for arg in args_d or []:
        name, eq, values = arg.partition("=")
        name = name.strip()
        if not eq or not re.fullmatch(r"[A-Za-z_]\w*", name):
            raise UsageError(f"-D {arg}: expected NAME=V1,V2,... (e.g. -D s=512,2048)")
        if name in knobs:
            raise UsageError(f"-D {name} is given twice: list its values in one -D {name}=V1,V2,...")
        vals = []
        for v in values.split(","):
            v = v.strip()
            if not re.fullmatch(r"\d+", v):
                raise UsageError(f"-D {arg}: '{v}' is not a non-negative decimal integer "
                                 "(size parameters are integers; separate values with commas)")
            if int(v) not in vals:
                vals.append(int(v))
        knobs[name] = vals
    return knobs


def parse_targets(values):
    targets = []
    for v in values or ["trn1,trn2"]:
        for t in v.split(","):
            t = t.strip()
            if t not in TARGETS:
                raise UsageError(f"--target {t}: expected one of {', '.join(TARGETS)} (comma-separated)")
            if t not in targets:
                targets.append(t)
    return targets


def load_kernels(paths):
    kernels = []
    for path in paths:
        if not path.endswith(".tile"):
            raise UsageError(f"{path}: a kernel is a .tile file")
        try:
            with open(path) as f:
                source = f.read()
        except OSError as e:
            raise UsageError(f"cannot read kernel {path}: {e.strerror}")
        name, params = kernel_params(path, source)
        kernels.append({"path": path, "source": source, "name": name, "params": params})
    # Labels: the file's stem, or its path when two files share a stem.
    stems = [os.path.splitext(os.path.basename(k["path"]))[0] for k in kernels]
    for k, stem in zip(kernels, stems):
        k["label"] = stem if stems.count(stem) == 1 else os.path.splitext(os.path.normpath(k["path"]))[0]
    if len({k["label"] for k in kernels}) != len(kernels):
        raise UsageError("a kernel file is given twice")
    return kernels


def build_cases(kernels, knobs, targets, args, nksim):
    for name in knobs:
        if not any(name in k["params"] for k in kernels):
            raise UsageError(f"-D {name}: no kernel given declares a size parameter '{name}' "
                             f"(declared: {', '.join(sorted({p for k in kernels for p in k['params']}))})")
    cases = []
    for k in kernels:
        mine = [n for n in knobs if n in k["params"]]
        for values in itertools.product(*(knobs[n] for n in mine)):
            defines = dict(zip(mine, values))
            for target in targets:
                effective = dict(k["params"])
                effective.update(defines)
                cases.append({
                    "kernel": k["label"], "kernel_name": k["name"], "display_path": k["path"],
                    "file_name": os.path.basename(k["path"]), "source": k["source"],
                    "defines": defines, "params": effective, "target": target,
                    "check": args.check, "timing_only": args.timing_only, "seed": args.seed,
                    "timeout": args.timeout, "nksim": nksim})
    return cases


class Progress:
    """'done / total, failures, time left' on one line of a terminal's stderr."""

    def __init__(self, total, enabled):
        self.total, self.enabled = total, enabled
        self.done = self.failures = 0
        self.start = time.monotonic()
        self.lock = threading.Lock()
        self.stop_event = threading.Event()
        if enabled:
            self.thread = threading.Thread(target=self._tick, daemon=True)
            self.thread.start()

    def _tick(self):
        while not self.stop_event.wait(1.0):
            self.draw()

    def update(self, status):
        with self.lock:
            self.done += 1
            self.failures += status in ("fail", "error")
        self.draw()

    def draw(self):
        if not self.enabled:
            return
        with self.lock:
            elapsed = time.monotonic() - self.start
            if self.done:
                left = elapsed / self.done * (self.total - self.done)
                eta = f"~{int(left // 60)}:{int(left % 60):02d} left"
            else:
                eta = "time left: estimating"
            line = (f"nksweep: {self.done}/{self.total} cases done, {self.failures} failed, {eta}"
                    f" ({int(elapsed // 60)}:{int(elapsed % 60):02d} elapsed)")
            width = shutil.get_terminal_size((100, 20)).columns
            sys.stderr.write("\r\x1b[K" + line[:width - 1])
            sys.stderr.flush()

    def close(self):
        if self.enabled:
            self.stop_event.set()
            self.thread.join()
            sys.stderr.write("\r\x1b[K")
            sys.stderr.flush()


def import_distributed():
    try:
        import distributed
        return distributed
    except ImportError as e:
        raise UsageError(f"--scheduler and --local-cluster need Dask's distributed package ({e}); "
                         f"on Debian: apt-get install {DASK_PACKAGE} (tools/bootstrap.sh --deps-only installs it)")


def run_local(cases, jobs, on_result):
    import concurrent.futures
    with concurrent.futures.ThreadPoolExecutor(max_workers=jobs) as pool:
        futures = {pool.submit(run_case, c): i for i, c in enumerate(cases)}
        try:
            for fut in concurrent.futures.as_completed(futures):
                on_result(futures[fut], fut.result())
        except KeyboardInterrupt:
            pool.shutdown(wait=False, cancel_futures=True)
            raise


def run_dask(cases, client, on_result):
    distributed = import_distributed()
    # Dask pickles run_case by value (it lives in __main__), so workers need
    # neither this script nor the kernels: the task holds the kernel source.
    # Keys unique to this run: on a shared scheduler equal keys would be
    # taken for the same task and get another sweep's result.
    run_id = uuid.uuid4().hex[:12]
    futures = client.map(run_case, cases, pure=False, key=[f"nksweep-{run_id}-{i}" for i in range(len(cases))])
    index = {f.key: i for i, f in enumerate(futures)}
    try:
        for fut in distributed.as_completed(futures):
            try:
                r = fut.result()
            except Exception as e:  # a worker died under the task, for example
                r = {"status": "error", "detail": f"Dask: {type(e).__name__}: {e}", "wall_s": float("nan")}
            on_result(index[fut.key], r)
    except KeyboardInterrupt:
        client.cancel(futures)
        raise


def connect_dask(args):
    """A Client on --scheduler or on a new LocalCluster; (client, cluster or None, description)."""
    distributed = import_distributed()
    import logging
    logging.getLogger("distributed").setLevel(logging.ERROR)
    if args.scheduler:
        try:
            client = distributed.Client(args.scheduler, timeout=args.connect_timeout)
        except Exception as e:
            raise UsageError(f"cannot connect to the Dask scheduler at {args.scheduler} "
                             f"(--connect-timeout {args.connect_timeout:g} s): {e}")
        try:
            client.wait_for_workers(1, timeout=args.connect_timeout)
        except Exception:
            client.close()
            raise UsageError(f"the Dask scheduler at {args.scheduler} has no workers "
                             f"(waited {args.connect_timeout:g} s)")
        return client, None, f"Dask scheduler {args.scheduler}"
    # The cluster is ours and torn down with the sweep: a worker whose
    # heartbeat is in flight when the scheduler closes logs a traceback at
    # ERROR ("Failed to communicate with scheduler during heartbeat"), which
    # is shutdown noise, not a failure (seen under load). Task failures
    # still reach us through their futures, so the workers log CRITICAL only.
    cluster = distributed.LocalCluster(n_workers=args.local_cluster, threads_per_worker=1, processes=True,
                                       dashboard_address=None, silence_logs=logging.CRITICAL)
    client = distributed.Client(cluster)
    return client, cluster, f"Dask LocalCluster of {args.local_cluster} worker processes"


def check_workers(client, nksim):
    found = client.run(probe_nksim, nksim)
    missing = sorted(f"{host} ({addr})" for addr, (host, path) in found.items() if not path)
    if missing:
        where = "on PATH" if os.sep not in nksim else f"at {nksim}"
        raise UsageError(f"no nksim {where} on worker(s) {', '.join(missing)} "
                         "(install it there, or give --nksim PATH valid on every worker)")
    return len(found)


# ------------------------------------------------------------------ results


def to_row(case, r, knob_names):
    stats = r.get("stats") or {}
    row = {"kernel": case["kernel"]}
    for name in knob_names:
        row[name] = case["defines"].get(name, "")
    row.update({"target": case["target"], "checked": case["check"], "status": r["status"], "detail": r.get("detail", "")})
    total_ns = stats.get("total_ns")
    row["cycles"] = r.get("cycles", "")
    row["clock_ghz"] = r.get("clock_ghz", "")
    row["sim_us"] = total_ns / 1000.0 if total_ns is not None else ""
    frac = stats.get("hbm_roofline_fraction")
    row["hbm_roofline_fraction_pct"] = 100.0 * frac if frac is not None else ""
    row["achieved_gb_per_s"] = stats.get("achieved_gb_per_s", "")
    row["hbm_bytes"] = stats.get("hbm_bytes", "")
    streams = {s["stream"]: s for s in stats.get("streams", [])}
    for e in COMPUTE_ENGINES:
        # A compute engine with no instructions has no stream in the stats: 0% busy.
        row[f"busy_pct_{e}"] = 100.0 * streams[e]["busy_fraction"] if e in streams else (0.0 if stats else "")
    dma = [s["busy_fraction"] for n, s in streams.items() if n.startswith("dma")]
    row["busy_pct_dma_mean"] = 100.0 * sum(dma) / len(dma) if dma else ""
    row["dge_busy_pct"] = 100.0 * stats["dge_busy_fraction"] if "dge_busy_fraction" in stats else ""
    row["instructions"] = stats.get("instructions", "")
    row["check"] = r.get("check", "")
    row["check_max_abs_err"] = r.get("check_max_abs_err", "")
    row["warnings"] = r.get("warnings", "")
    row["wall_s"] = r.get("wall_s", "")
    row["host"] = r.get("host", "")
    return row


COLUMN_DOC = {
    "kernel": "the kernel file's stem (its path when two files share a stem)",
    "target": "nksim --target",
    "checked": "whether nksim ran with --check",
    "status": "pass / fail (--check mismatch) / skipped (does not compile at these sizes) / error",
    "detail": "skipped: the first compile error line; fail: the failing check; error: what happened",
    "cycles": "simulated time in Tensor-engine clock cycles (nksim --stats)",
    "clock_ghz": "the Tensor engine clock of the target (nksim --stats)",
    "sim_us": "simulated time, total_ns / 1000 (nksim --stats-json)",
    "hbm_roofline_fraction_pct": "100 x hbm_roofline_fraction of --stats-json: HBM bytes / "
                                 "(peak HBM bandwidth per core x simulated time)",
    "achieved_gb_per_s": "achieved_gb_per_s of --stats-json",
    "hbm_bytes": "hbm_bytes of --stats-json",
    "busy_pct_ENGINE": "100 x busy_fraction of stream ENGINE (tensor = PE, vector = DVE, scalar = ACT, gpsimd = POOL)",
    "busy_pct_dma_mean": "mean busy % over the DMA queue streams",
    "dge_busy_pct": "100 x dge_busy_fraction (descriptor generators)",
    "instructions": "instructions in the compiled program",
    "check": "PASS / FAIL over every output (empty when unchecked)",
    "check_max_abs_err": "the largest max_abs_err of the check lines",
    "warnings": "nksim's warning lines (e.g. a read of never-written SBUF); they do not change the status",
    "wall_s": "wall-clock seconds of the case on its worker (nksim run, compile included)",
    "host": "the machine that ran the case",
}


def knob_key(case, exclude):
    """The case's other swept knobs (not the size or the tuned knob), as a sortable tuple."""
    return tuple((n, v) for n, v in case["defines"].items() if n not in exclude)


def best_knob_table(cases, results, knob, size, defaults):
    """[(kernel, target, others, size value, best knob value, best us, default value, default us)]."""
    groups = {}
    for c, r in zip(cases, results):
        if knob not in c["defines"] or r["status"] not in ("pass", "fail") or not r.get("stats"):
            continue
        key = (c["kernel"], c["target"], knob_key(c, (knob, size)), c["params"].get(size))
        groups.setdefault(key, []).append((r["stats"]["total_ns"] / 1000.0, c["defines"][knob], c))
    table = []
    for key in sorted(groups, key=lambda k: (k[0], k[1], k[2], k[3] if k[3] is not None else -1)):
        entries = sorted(groups[key], key=lambda e: (e[0], e[1]))
        best_us, best_v, _ = entries[0]
        default = defaults.get((key[0], knob))
        default_us = next((us for us, v, _ in entries if v == default), None)
        table.append({"kernel": key[0], "target": key[1], "others": dict(key[2]), size: key[3],
                      f"best_{knob}": best_v, "best_us": best_us, f"default_{knob}": default,
                      "default_us": default_us, "values_tried": len(entries)})
    return table


def print_best_table(table, knob, size):
    if not table:
        print(f"\nbest {knob} per {size}: no case swept {knob} with results")
        return
    others = list(dict.fromkeys(n for row in table for n in row["others"]))  # in -D order
    header = ["kernel", "target"] + others + [size, f"best {knob}", "time us", f"default {knob}", "default us",
                                              "speedup"]
    rows = []
    for t in table:
        speedup = f"{t['default_us'] / t['best_us']:.2f}x" if t["default_us"] else "-"
        rows.append([t["kernel"], t["target"]] + [str(t["others"].get(n, "-")) for n in others] +
                    [str(t[size]), str(t[f"best_{knob}"]), f"{t['best_us']:.1f}", str(t[f"default_{knob}"]),
                     f"{t['default_us']:.1f}" if t["default_us"] else "-", speedup])
    print(f"\nbest {knob} per {size} (lowest simulated time; ties: the smaller {knob}):")
    widths = [max(len(h), *(len(r[i]) for r in rows)) for i, h in enumerate(header)]
    print("  ".join(h.rjust(w) for h, w in zip(header, widths)))
    for r in rows:
        print("  ".join(c.rjust(w) for c, w in zip(r, widths)))


def log2_axis(axis, values):
    """A base-2 log axis labelled with the values themselves (512, not 2^9)."""
    import matplotlib.ticker as ticker
    values = sorted(set(values))
    axis.set_major_locator(ticker.FixedLocator(values))
    axis.set_major_formatter(ticker.FixedFormatter([str(v) for v in values]))
    axis.set_minor_locator(ticker.NullLocator())


def plot(out_dir, cases, results, knob, size, table):
    """Writes the PNGs; returns their paths (none without matplotlib)."""
    try:
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        print("nksweep: note: no plots: matplotlib is missing (Debian: apt-get install python3-matplotlib)",
              file=sys.stderr)
        return []
    written = []
    # Roofline % against the size, per kernel: a line per target and other
    # knobs; with --knob, each point is the best knob value's.
    by_kernel = {}
    for c, r in zip(cases, results):
        if r["status"] not in ("pass", "fail") or not r.get("stats") or c["params"].get(size) is None:
            continue
        exclude = (size, knob) if knob else (size,)
        line = (c["target"],) + knob_key(c, exclude)
        pts = by_kernel.setdefault(c["kernel"], {}).setdefault(line, {})
        us = r["stats"]["total_ns"]
        pct = 100.0 * r["stats"]["hbm_roofline_fraction"]
        x = c["params"][size]
        if x not in pts or us < pts[x][0]:
            pts[x] = (us, pct)
    for kernel, lines in sorted(by_kernel.items()):
        if max(len(p) for p in lines.values()) < 2:
            continue  # the size was not swept for this kernel
        fig, ax = plt.subplots(figsize=(7, 4.2), dpi=90)
        if len(lines) > 10:  # more lines than the default cycle has colours
            ax.set_prop_cycle(color=plt.get_cmap("tab20").colors)
        for line, pts in sorted(lines.items()):
            xs = sorted(pts)
            label = " ".join([line[0]] + [f"{n}={v}" for n, v in line[1:]])
            ax.plot(xs, [pts[x][1] for x in xs], marker="o", markersize=3,
                    linestyle="-" if line[0] == "trn2" else "--", label=label)
        ax.set_xscale("log", base=2)
        log2_axis(ax.xaxis, [x for pts in lines.values() for x in pts])
        ax.set_xlabel(size)
        ax.set_ylabel("% of the HBM roofline (hbm_roofline_fraction)")
        ax.set_title(f"{kernel}" + (f" (best {knob} at each point)" if knob else ""))
        ax.set_ylim(bottom=0)
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=7, ncol=2 if len(lines) > 8 else 1)
        fig.tight_layout()
        path = os.path.join(out_dir, f"roofline_{kernel.replace(os.sep, '_')}.png")
        fig.savefig(path, pil_kwargs={"optimize": True})
        plt.close(fig)
        written.append(path)
    if knob and table:
        # A grid: a row per kernel, target and other knobs, a column per size;
        # each cell the best value (colour: its log2) and, when the kernel's
        # default value was swept and is slower, the time saved against it.
        row_keys, sizes = [], sorted({t[size] for t in table if t[size] is not None})
        cells = {}
        for t in table:
            if t[size] is None:
                continue
            rk = (t["kernel"], t["target"]) + tuple(t["others"].items())
            if rk not in row_keys:
                row_keys.append(rk)
            cells[(rk, t[size])] = t
        if row_keys:
            import numpy as np
            grid = np.full((len(row_keys), len(sizes)), np.nan)
            fig, ax = plt.subplots(figsize=(1.6 + 0.75 * len(sizes) + 2.2, 1.0 + 0.28 * len(row_keys)), dpi=90)
            for (rk, x), t in cells.items():
                i, j = row_keys.index(rk), sizes.index(x)
                best = t[f"best_{knob}"]
                grid[i, j] = math.log2(best) if best > 0 else 0
                text = str(best)
                if t["default_us"] and t["default_us"] > t["best_us"] * 1.005:
                    text += f" -{100 * (1 - t['best_us'] / t['default_us']):.0f}%"
                ax.text(j, i, text, ha="center", va="center", fontsize=7)
            ax.imshow(grid, aspect="auto", cmap="YlGnBu", alpha=0.6)
            ax.set_xticks(range(len(sizes)), [str(x) for x in sizes], fontsize=8)
            ax.set_yticks(range(len(row_keys)),
                          [" ".join([rk[0], rk[1]] + [f"{n}={v}" for n, v in rk[2:]]) for rk in row_keys], fontsize=7)
            ax.set_xlabel(size)
            ax.set_title(f"best {knob} per {size} (lowest simulated time; -N%: time saved against the "
                         f"default {knob})", fontsize=8)
            fig.tight_layout()
            path = os.path.join(out_dir, f"best_{knob}.png")
            fig.savefig(path, pil_kwargs={"optimize": True})
            plt.close(fig)
            written.append(path)
    return written


def write_outputs(out_dir, meta, rows, table, knob):
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "sweep.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0].keys()))
        w.writeheader()
        for row in rows:
            w.writerow({k: (f"{v:.6g}" if isinstance(v, float) else v) for k, v in row.items()})
    doc = dict(meta)
    doc["columns"] = COLUMN_DOC
    doc["rows"] = [{k: (None if v == "" else v) for k, v in row.items()} for row in rows]
    if knob:
        doc["best_knob"] = {"knob": knob, "rows": table}
    with open(os.path.join(out_dir, "sweep.json"), "w") as f:
        json.dump(doc, f, indent=1)


def default_nksim(args):
    if args.nksim:
        return args.nksim
    if os.environ.get("NKSIM"):
        return os.environ["NKSIM"]
    if args.scheduler:
        return "nksim"  # looked up on each worker's PATH
    built = os.path.join(ROOT, "build", "bin", "nksim")
    return built if os.path.exists(built) else "nksim"


def parse_args(argv):
    ap = argparse.ArgumentParser(
        prog="nksweep.py", description=__doc__.split("\n\n")[0],
        epilog="Example:\n  tools/nksweep.py kernels/decode_attention_gqa.tile kernels/decode_attention_gqa_bf16.tile \\\n"
               "      -D s=512,2048,8192 -D step_tiles=1,4,8,16 --knob step_tiles --local-cluster 2 --out /tmp/sw\n\n" +
               __doc__.split("\n\n", 1)[1],
        formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("kernels", nargs="+", metavar="KERNEL.tile", help="kernel files (each dtype variant is a file)")
    ap.add_argument("-D", dest="defines", action="append", metavar="NAME=V1,V2,...",
                    help="values of a size parameter; several -D make a product (a kernel that does not declare "
                         "NAME keeps its default and an empty NAME column)")
    ap.add_argument("--target", action="append", metavar="T1,T2",
                    help="targets, comma-separated or repeated (default: trn1,trn2)")
    ap.add_argument("--check", action="store_true", help="run each case with nksim --check (compare with the reference)")
    ap.add_argument("--timing-only", action="store_true", help="run each case with nksim --timing-only (no values; "
                    "faster; not with --check)")
    ap.add_argument("--seed", type=int, default=1, help="--random-inputs seed (default 1)")
    ap.add_argument("--out", default=os.path.join(ROOT, "build", "sweep"),
                    help="directory for sweep.csv, sweep.json and the PNGs (default: build/sweep)")
    ap.add_argument("--knob", metavar="NAME", help="report the best value of this -D knob per size (table and plot)")
    ap.add_argument("--size", default="s", metavar="NAME",
                    help="the size parameter on the plots' x axis and of the knob table (default: s)")
    ap.add_argument("--nksim", metavar="PATH",
                    help="the nksim binary (default: $NKSIM, else build/bin/nksim; with --scheduler, 'nksim' on "
                         "each worker's PATH); a bare name is looked up on PATH")
    ex = ap.add_mutually_exclusive_group()
    ex.add_argument("--jobs", "-j", type=int, metavar="N", help="local nksim processes at once (default: CPU count)")
    ex.add_argument("--scheduler", metavar="ADDRESS", help="submit to the Dask scheduler at ADDRESS (tcp://host:8786)")
    ex.add_argument("--local-cluster", type=int, metavar="N", help="start a Dask LocalCluster of N worker processes")
    ap.add_argument("--connect-timeout", type=float, default=10.0, metavar="S",
                    help="seconds to wait for the scheduler and its first worker (default 10)")
    ap.add_argument("--timeout", type=float, default=0, metavar="S", help="per-case limit in seconds (default: none)")
    ap.add_argument("--list", action="store_true", help="print the cases and exit")
    ap.add_argument("--quiet", "-q", action="store_true", help="no progress line, no per-failure lines")
    args = ap.parse_args(argv)
    if args.jobs is not None and args.jobs < 1:
        ap.error("--jobs must be at least 1")
    if args.local_cluster is not None and args.local_cluster < 1:
        ap.error("--local-cluster must be at least 1")
    if args.check and args.timing_only:
        ap.error("--timing-only computes no values: it cannot be combined with --check")
    return args


def main(argv=None):
    args = parse_args(argv)
    knobs = parse_defines(args.defines)
    targets = parse_targets(args.target)
    kernels = load_kernels(args.kernels)
    defaults = {(k["label"], p): v for k in kernels for p, v in k["params"].items()}  # declared defaults
    if args.knob and args.knob not in knobs:
        raise UsageError(f"--knob {args.knob}: give its values with -D {args.knob}=V1,V2,...")
    if args.knob == args.size:
        raise UsageError("--knob and --size name the same parameter")
    nksim = default_nksim(args)
    cases = build_cases(kernels, knobs, targets, args, nksim)
    knob_names = list(knobs)
    if args.list:
        for c in cases:
            print(c["kernel"], c["target"], " ".join(f"-D {n}={v}" for n, v in c["defines"].items()))
        print(f"{len(cases)} cases")
        return 0

    client = cluster = None
    if args.scheduler or args.local_cluster:
        client, cluster, executor = connect_dask(args)
    else:
        if not resolve_nksim(nksim):
            raise UsageError(f"no nksim at '{nksim}' (build first, or give --nksim PATH or NKSIM=PATH)")
        jobs = args.jobs or os.cpu_count() or 1
        executor = f"{jobs} local process{'es' if jobs > 1 else ''}"
    try:
        if client is not None:
            n_workers = check_workers(client, nksim)
            executor += f" ({n_workers} worker{'s' if n_workers != 1 else ''})" if args.scheduler else ""
        results = [None] * len(cases)
        progress = Progress(len(cases), sys.stderr.isatty() and not args.quiet)
        failures = []

        def on_result(i, r):
            results[i] = r
            progress.update(r["status"])
            if r["status"] in ("fail", "error"):
                failures.append(i)

        t0 = time.monotonic()
        try:
            if client is not None:
                run_dask(cases, client, on_result)
            else:
                run_local(cases, jobs, on_result)
        finally:
            progress.close()
        wall = time.monotonic() - t0
    finally:
        if client is not None:
            client.close()
        if cluster is not None:
            cluster.close()

    rows = [to_row(c, r, knob_names) for c, r in zip(cases, results)]
    counts = {s: sum(1 for r in results if r["status"] == s) for s in STATUSES}
    table = best_knob_table(cases, results, args.knob, args.size, defaults) if args.knob else []
    meta = {"command": [sys.argv[0]] + (argv if argv is not None else sys.argv[1:]),
            "nksim": nksim, "executor": executor, "date": time.strftime("%Y-%m-%d %H:%M:%S"),
            "wall_s": wall, "cases": len(cases), "counts": counts, "knobs": knobs, "targets": targets,
            "checked": args.check, "timing_only": args.timing_only, "seed": args.seed}
    write_outputs(args.out, meta, rows, table, args.knob)
    pngs = plot(args.out, cases, results, args.knob, args.size, table)

    if not args.quiet:
        for i in failures:
            c, r = cases[i], results[i]
            print(f"{r['status'].upper()}: {c['kernel']} {c['target']} "
                  f"{' '.join(f'-D {n}={v}' for n, v in c['defines'].items())}: {r.get('detail', '')}")
    if args.knob:
        print_best_table(table, args.knob, args.size)
    print(f"\nnksweep: {len(cases)} cases in {wall:.1f} s on {executor}: " +
          ", ".join(f"{counts[s]} {s}" for s in STATUSES))
    print(f"wrote {os.path.join(args.out, 'sweep.csv')}, sweep.json" +
          (f" and {len(pngs)} PNG{'s' if len(pngs) != 1 else ''}" if pngs else ""))
    return 1 if counts["fail"] or counts["error"] else 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except UsageError as e:
        print(f"nksweep: error: {e}", file=sys.stderr)
        sys.exit(2)
    except KeyboardInterrupt:
        print("\nnksweep: interrupted", file=sys.stderr)
        sys.exit(130)
