#!/usr/bin/python3
"""The fidelity suite: nksim's timing against published NeuronCore measurements.

    /usr/bin/python3 bench/fidelity/run.py            # every case; table + summary
    /usr/bin/python3 bench/fidelity/run.py -k mamba   # cases whose name contains 'mamba'
    /usr/bin/python3 bench/fidelity/run.py --golden-only --check-golden
                                                      # what ctest runs (fidelity.golden)
    /usr/bin/python3 bench/fidelity/run.py --golden-only --update-golden
                                                      # after a deliberate model change

Each case of manifest.json is a published figure (calibration.md sections 1-6)
and the program that reproduces it: a .tile port of the published kernel,
compiled by nkc at the published size, or a micro-program (.s). Every program
is simulated with `nksim run --timing-only --stats-json` (timing and the race
checker, no numerics), and the simulated figure is compared with the
published one: ratio = simulated / published.

Prints one row per case (published and simulated figure, their ratio, and
published vs simulated busy % per engine), then the summary over the
calibration cases: geometric mean of the ratios, median |ratio - 1|, the
worst case, and how many are within +-25% and within 2x. Section-5 cases are
upper bounds: the simulated time must not exceed them. Writes fidelity.csv
and fidelity.json to --out (default build/fidelity).

Busy %: compute engines, the engine's busy time / total time; "dma", the
time with at least one transfer in flight on any queue / total time (what a
profile's DMA row shows).

--check-golden compares each golden case's simulated figure with
golden.json and fails (exit 1) when one moved by more than 5%: model
changes must be deliberate, and come with an updated golden file.
Exit status: 0, 1 (golden drift), 2 (a case could not run, or bad usage).
"""
import argparse
import concurrent.futures
import csv
import json
import math
import os
import statistics
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
GOLDEN_TOLERANCE = 0.05
ENGINES = ["tensor", "vector", "scalar", "gpsimd", "dma"]


def run_case(case, bin_dir, tmp, schedule, without):
    """Compiles and simulates one case; returns (stats dict, error text)."""
    path = os.path.join(HERE, case["file"])
    program = path
    if path.endswith(".tile"):
        program = os.path.join(tmp, case["name"] + ".nkp")
        cmd = [os.path.join(bin_dir, "nkc"), "compile", path, "-o", program, "--target", case["target"]]
        cmd += ["-D%s=%d" % (k, v) for k, v in sorted(case.get("defines", {}).items())]
        if schedule == "in-order":
            cmd.append("--schedule=in-order")
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            return None, (r.stderr.strip().splitlines() or ["nkc: exit %d" % r.returncode])[0]
    cmd = [os.path.join(bin_dir, "nksim"), "run", program, "--timing-only", "--stats-json", "-"]
    if without:
        cmd.append("--without=" + without)
    r = subprocess.run(cmd, capture_output=True, text=True)
    if program != path and os.path.exists(program):
        os.remove(program)
    if r.returncode != 0:
        return None, (r.stderr.strip().splitlines() or ["nksim: exit %d" % r.returncode])[0]
    stats = json.loads(r.stdout)
    stats["_without"] = without
    return stats, None


def simulated_figure(case, stats):
    metric = case.get("metric", "total")
    # Under --without=dma-issue the model had no issue time to subtract.
    issue_ns = 0.0 if "dma-issue" in stats.get("_without", "") else stats["dma_issue_ns"]
    total = stats["total_ns"]
    if metric == "total":
        return total
    if metric == "per_instruction":
        return total / case["count"]
    if metric == "dma_flow":
        return total - issue_ns - stats["dma_fixed_latency_ns"]
    raise ValueError("unknown metric " + metric)


def busy_percent(stats):
    busy = {}
    for s in stats["streams"]:
        if not s["stream"].startswith("dma"):
            busy[s["stream"]] = 100.0 * s["busy_fraction"]
    # A profile's DMA row is active while any transfer is in flight.
    busy["dma"] = 100.0 * stats["dma_active_fraction"]
    return busy


def fmt_ns(ns):
    if ns is None:
        return "-"
    if ns >= 1e6:
        return "%.2f ms" % (ns / 1e6)
    if ns >= 1e3:
        return "%.1f us" % (ns / 1e3)
    return "%.1f ns" % ns


def figures(row):
    """The published and simulated figures of a result row, as printed."""
    if row["unit"] == "ratio":
        return "%.3f" % row["published"], "-" if row["simulated"] is None else "%.3f" % row["simulated"]
    return fmt_ns(row["published"]), fmt_ns(row["simulated"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0],
                                 formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    ap.add_argument("--build", default=os.path.join(ROOT, "build"), help="build directory (bin/nkc, bin/nksim)")
    ap.add_argument("--out", default=None, help="where fidelity.csv/json go (default BUILD/fidelity)")
    ap.add_argument("-k", dest="pattern", default="", help="only cases whose name contains this")
    ap.add_argument("-j", dest="jobs", type=int, default=2, help="cases run at once (default 2)")
    ap.add_argument("--golden-only", action="store_true", help="only the cases marked golden")
    ap.add_argument("--check-golden", action="store_true", help="fail if a golden case moved > 5%%")
    ap.add_argument("--update-golden", action="store_true", help="rewrite golden.json from this run")
    ap.add_argument("--schedule", choices=["list", "in-order"], default="list",
                    help="nkc's schedule for the ports (default: nkc's default)")
    ap.add_argument("--ablate", action="store_true",
                    help="also run every case with each cost-model mechanism switched off (nksim --without) "
                         "and print the ratios side by side: what each mechanism changes, case by case")
    ap.add_argument("--without", default="", metavar="MECH,...",
                    help="switch cost-model mechanisms off in nksim (nksim run --help), for before/after tables")
    args = ap.parse_args()
    bin_dir = os.path.join(args.build, "bin")
    out_dir = args.out or os.path.join(args.build, "fidelity")
    for tool in ("nkc", "nksim"):
        if not os.access(os.path.join(bin_dir, tool), os.X_OK):
            print("error: %s not found in %s (build first: ./tools/test.sh)" % (tool, bin_dir), file=sys.stderr)
            return 2
    with open(os.path.join(HERE, "manifest.json")) as f:
        cases = json.load(f)["cases"]
    by_name = {c["name"]: c for c in cases}
    selected = [c for c in cases if args.pattern in c["name"] and (not args.golden_only or c.get("golden"))]
    # A ratio case needs the cases it divides.
    needed = {c["name"] for c in selected}
    for c in selected:
        if c["kind"] == "ratio":
            needed |= {c["numerator"], c["denominator"]}
    runnable = [by_name[n] for n in sorted(needed) if by_name[n]["kind"] != "ratio"]

    def run_all(without):
        results = {}
        with tempfile.TemporaryDirectory() as tmp, concurrent.futures.ThreadPoolExecutor(args.jobs) as pool:
            futures = {pool.submit(run_case, c, bin_dir, tmp, args.schedule, without): c for c in runnable}
            for fut in concurrent.futures.as_completed(futures):
                c = futures[fut]
                results[c["name"]] = fut.result()
        return results

    def ratio_of(c, results):
        if c["kind"] == "ratio":
            num, den = results[c["numerator"]], results[c["denominator"]]
            if num[1] or den[1]:
                return None
            return (simulated_figure(by_name[c["numerator"]], num[0]) /
                    simulated_figure(by_name[c["denominator"]], den[0])) / c["published_ratio"]
        stats, err = results[c["name"]]
        pub = c.get("published_ns", c.get("bound_ns"))
        return None if err or not pub else simulated_figure(c, stats) / pub

    results = run_all(args.without)
    ablation = {}
    if args.ablate:
        mechanisms = ["dma-issue", "dma-descriptors", "dma-transfer", "dependent-latency", "shared-ports", "act-table"]
        for m in mechanisms + [",".join(mechanisms)]:
            ablation["all" if "," in m else m] = run_all(m)

    rows = []
    for c in selected:
        row = {"name": c["name"], "section": c["section"], "kind": c["kind"], "mark": c["mark"],
               "target": c["target"], "source": c["source"]}
        if c["kind"] == "ratio":
            num, den = results[c["numerator"]], results[c["denominator"]]
            err = num[1] or den[1]
            sim = None if err else simulated_figure(by_name[c["numerator"]], num[0]) / simulated_figure(
                by_name[c["denominator"]], den[0])
            row.update(published=c["published_ratio"], simulated=sim, error=err, unit="ratio", busy={})
        else:
            stats, err = results[c["name"]]
            sim = None if err else simulated_figure(c, stats)
            pub = c.get("published_ns", c.get("bound_ns"))
            row.update(published=pub, simulated=sim, error=err, unit="ns",
                       busy=busy_percent(stats) if stats else {}, published_busy=c.get("published_busy", {}))
            if stats:
                row["instructions"] = stats["instructions"]
        pub = row["published"]
        row["ratio"] = sim / pub if (sim is not None and pub) else None
        rows.append(row)

    # The table.
    print("%-34s %-5s %-3s %12s %12s %7s  %s" % ("case", "tgt", "mk", "published", "simulated", "ratio",
                                                 "busy % published/simulated"))
    for r in rows:
        pub_s, sim_s = figures(r)
        ratio_s = "-" if r["ratio"] is None else "%.3f" % r["ratio"]
        if r["kind"] == "upper_bound" and r["ratio"] is not None:
            ratio_s += " ok" if r["ratio"] <= 1 else " OVER"
        busy = []
        for e in ENGINES:
            pb = r.get("published_busy", {}).get(e)
            sb = r.get("busy", {}).get(e)
            if pb is not None:
                busy.append("%s %.1f/%s" % (e, pb, "-" if sb is None else "%.1f" % sb))
        line = "%-34s %-5s %-3s %12s %12s %7s  %s" % (r["name"], r["target"], r["mark"], pub_s, sim_s, ratio_s,
                                                     ", ".join(busy))
        if r["error"]:
            line += "  ERROR " + r["error"]
        print(line)

    # The summary, over the calibration cases (and ratio cases) that ran.
    calib = [r for r in rows if r["kind"] in ("calibration", "ratio") and r["ratio"] is not None]
    failed = [r for r in rows if r["error"]]
    summary = {"cases": len(rows), "compared": len(calib), "could_not_run": [r["name"] for r in failed]}
    if calib:
        ratios = [r["ratio"] for r in calib]
        worst = max(calib, key=lambda r: abs(math.log(r["ratio"])))
        busy_diffs = []
        for r in calib:
            for e, pb in r.get("published_busy", {}).items():
                if e in r.get("busy", {}):
                    busy_diffs.append((abs(pb - r["busy"][e]), r["name"], e))
        summary.update(
            geomean_ratio=math.exp(sum(math.log(x) for x in ratios) / len(ratios)),
            median_abs_error=statistics.median(abs(x - 1) for x in ratios),
            worst={"case": worst["name"], "ratio": worst["ratio"]},
            within_25pct=sum(1 for x in ratios if abs(x - 1) <= 0.25),
            within_2x=sum(1 for x in ratios if 0.5 <= x <= 2.0),
            busy_within_15_points=sum(1 for d in busy_diffs if d[0] <= 15),
            busy_compared=len(busy_diffs),
            worst_busy=None if not busy_diffs else {"case": max(busy_diffs)[1], "engine": max(busy_diffs)[2],
                                                    "points": max(busy_diffs)[0]})
        print()
        print("summary over %d calibration cases (sections 1-4, 6): geomean ratio %.3f, median |ratio - 1| %.3f, "
              "worst %s (%.3f), within +-25%%: %d/%d, within 2x: %d/%d" % (
                  len(calib), summary["geomean_ratio"], summary["median_abs_error"], worst["name"], worst["ratio"],
                  summary["within_25pct"], len(calib), summary["within_2x"], len(calib)))
        if busy_diffs:
            print("busy %%: %d of %d published figures matched within 15 points (worst: %s %s, %.1f points)" % (
                summary["busy_within_15_points"], len(busy_diffs), summary["worst_busy"]["case"],
                summary["worst_busy"]["engine"], summary["worst_busy"]["points"]))
    bounds = [r for r in rows if r["kind"] == "upper_bound" and r["ratio"] is not None]
    if bounds:
        over = [r["name"] for r in bounds if r["ratio"] > 1]
        summary["upper_bounds"] = {"checked": len(bounds), "exceeded": over}
        print("upper bounds (section 5): %d checked, %d exceeded%s" % (
            len(bounds), len(over), (": " + ", ".join(over)) if over else ""))
    if failed:
        print("could not run: " + ", ".join(r["name"] for r in failed))

    if ablation:
        print()
        print("ratio (simulated / published) with the full model and with each mechanism switched off:")
        names = list(ablation)
        print("%-34s %7s " % ("case", "full") + " ".join("%9s" % n[:9] for n in names))
        for c in selected:
            full = ratio_of(c, results)
            cells = []
            for n in names:
                r = ratio_of(c, ablation[n])
                cells.append("%9s" % ("-" if r is None else "%.3f" % r))
            print("%-34s %7s " % (c["name"], "-" if full is None else "%.3f" % full) + " ".join(cells))
        for n in names:
            rs = [ratio_of(c, ablation[n]) for c in selected if c["kind"] in ("calibration", "ratio")]
            rs = [r for r in rs if r is not None]
            if rs:
                print("without %-26s median |ratio - 1| %.3f, within 2x %d/%d" % (
                    n, statistics.median(abs(r - 1) for r in rs), sum(1 for r in rs if 0.5 <= r <= 2), len(rs)))
        summary["ablation"] = {n: {c["name"]: ratio_of(c, ablation[n]) for c in selected} for n in names}

    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "fidelity.json"), "w") as f:
        json.dump({"schedule": args.schedule, "without": args.without, "summary": summary, "cases": rows}, f,
                  indent=1)
    with open(os.path.join(out_dir, "fidelity.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["case", "section", "kind", "mark", "target", "published", "simulated", "unit", "ratio"] +
                   ["busy_published_" + e for e in ENGINES] + ["busy_simulated_" + e for e in ENGINES] + ["error"])
        for r in rows:
            w.writerow([r["name"], r["section"], r["kind"], r["mark"], r["target"], r["published"], r["simulated"],
                        r["unit"], r["ratio"]] +
                       [r.get("published_busy", {}).get(e, "") for e in ENGINES] +
                       [("%.2f" % r["busy"][e]) if e in r.get("busy", {}) else "" for e in ENGINES] + [r["error"] or ""])
    # The same table as Markdown, for docs/fidelity.md.
    with open(os.path.join(out_dir, "fidelity.md"), "w") as f:
        f.write("| case | target | mark | published | simulated | ratio | busy % published / simulated |\n")
        f.write("|---|---|---|---|---|---|---|\n")
        for r in rows:
            pub_s, sim_s = figures(r)
            busy = ", ".join("%s %.1f / %s" % (e, r["published_busy"][e],
                                               "%.1f" % r["busy"][e] if e in r.get("busy", {}) else "-")
                             for e in ENGINES if e in r.get("published_busy", {}))
            ratio_s = "-" if r["ratio"] is None else "%.3f" % r["ratio"]
            if r["error"]:
                ratio_s = "does not run"
            f.write("| %s | %s | %s | %s | %s | %s | %s |\n" % (r["name"], r["target"], r["mark"], pub_s, sim_s,
                                                               ratio_s, busy))
        if ablation:
            names = list(ablation)
            f.write("\n| case | full model | " + " | ".join("without " + n for n in names) + " |\n")
            f.write("|---|---|" + "---|" * len(names) + "\n")
            for c in selected:
                cells = [ratio_of(c, results)] + [ratio_of(c, ablation[n]) for n in names]
                f.write("| %s | " % c["name"] + " | ".join("-" if x is None else "%.3f" % x for x in cells) + " |\n")
    print("wrote %s/fidelity.{csv,json,md}" % out_dir)

    golden_path = os.path.join(HERE, "golden.json")
    status = 2 if failed else 0
    if (args.update_golden or args.check_golden) and (args.without or args.schedule != "list"):
        print("error: the golden figures are for the full model and nkc's default schedule", file=sys.stderr)
        return 2
    if args.update_golden:
        golden = {}
        if os.path.exists(golden_path):
            with open(golden_path) as f:
                golden = json.load(f)
        for r in rows:
            if by_name[r["name"]].get("golden") and r["simulated"] is not None:
                golden[r["name"]] = r["simulated"]
        with open(golden_path, "w") as f:
            json.dump(golden, f, indent=1, sort_keys=True)
            f.write("\n")
        print("updated %s" % golden_path)
    if args.check_golden:
        with open(golden_path) as f:
            golden = json.load(f)
        drifted = []
        for r in rows:
            if not by_name[r["name"]].get("golden"):
                continue
            if r["name"] not in golden:
                drifted.append("%s: no golden figure (run with --update-golden)" % r["name"])
            elif r["simulated"] is None:
                drifted.append("%s: did not run" % r["name"])
            elif abs(r["simulated"] / golden[r["name"]] - 1) > GOLDEN_TOLERANCE:
                drifted.append("%s: simulated %.6g, golden %.6g (%+.1f%%)" % (
                    r["name"], r["simulated"], golden[r["name"]], 100 * (r["simulated"] / golden[r["name"]] - 1)))
        if drifted:
            print("golden check FAILED (more than 5% moved; if the model change is deliberate, re-run with "
                  "--golden-only --update-golden and record what moved in docs/fidelity.md):")
            for d in drifted:
                print("  " + d)
            status = max(status, 1)
        else:
            print("golden check passed: %d cases within 5%%" % sum(1 for r in rows if by_name[r["name"]].get("golden")))
    return status


if __name__ == "__main__":
    sys.exit(main())
