#!/usr/bin/python3
"""Fuzzes the command-line drivers (nkc, nksim, nkasm) as processes.

libFuzzer targets cover the parsers and the simulator in-process; this
covers what they cannot: argument lists, flag values and file paths, as a
careless or hostile user would give them. Each run picks a tool, a random
mix of valid and broken flags, and paths from a sandbox holding good and
bad inputs (kernels, assembly, program files, .npy files, garbage, empty
files, directories, missing paths, symbolic and hard links, /dev/null), and
then checks the contract of docs/robustness.md:

  - the exit status is 0, 1 or 2: never a signal, a sanitizer report, an
    LLVM "PLEASE submit a bug report" or "LLVM ERROR", and never a hang
    (a run over the time limit is a finding);
  - no file in the sandbox other than the run's declared outputs changes;
  - nothing else appears in the sandbox (no temporaries left behind);
  - when the exit status is 2, no declared output was created or changed.

Findings are written to OUT/finding-N/ (command, stdout, stderr, sandbox
listing) and the script exits 1.

Usage: fuzz_drivers.py --bin DIR [--runs N | --seconds S] [--seed N] [--out DIR] [-j N]
"""
import argparse
import concurrent.futures
import hashlib
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BAD_STDERR = ("PLEASE submit a bug report", "LLVM ERROR", "AddressSanitizer", "UndefinedBehaviorSanitizer",
              "runtime error:", "Stack dump", "terminate called", "Segmentation fault")

SMALL_TILE = """kernel small[n = 4](x: f32[n, 8]) -> f32[n, 8]:
    store(out, exp(load(x)))
"""


def make_sandbox(path, bins):
    """Good and bad inputs of every kind the tools read."""
    os.makedirs(path)
    files = {}

    def put(name, data, mode="w"):
        p = os.path.join(path, name)
        with open(p, mode) as f:
            f.write(data)
        files[name] = p
        return p

    put("small.tile", SMALL_TILE)
    shutil.copy(os.path.join(ROOT, "kernels", "decode_attention.tile"), os.path.join(path, "attn.tile"))
    files["attn.tile"] = os.path.join(path, "attn.tile")
    put("broken.tile", "kernel k[n = 4](x: f32[n, 8]) -> f32[n, 8]:\n    store(out, load(x)) +\n")
    put("deep.tile", "kernel k(x: f32[4, 4]) -> f32[4, 4]:\n    let a = " + "(" * 300 + "1" + ")" * 300 + "\n")
    put("garbage.bin", bytes(random.Random(7).getrandbits(8) for _ in range(300)), "wb")
    put("empty.s", "")
    shutil.copy(os.path.join(ROOT, "tests", "lit", "sim", "serial.s"), os.path.join(path, "serial.s"))
    files["serial.s"] = os.path.join(path, "serial.s")
    subprocess.run([os.path.join(bins, "nkasm"), files["serial.s"], "-o", os.path.join(path, "serial.nkp")],
                   capture_output=True)
    files["serial.nkp"] = os.path.join(path, "serial.nkp")
    if not os.path.exists(files["serial.nkp"]):  # the assembler under test failed: fuzz it anyway
        put("serial.nkp", b"NKPROG\r\n", "wb")
    with open(files["serial.nkp"], "rb") as f:
        prog = bytearray(f.read())
    prog[len(prog) // 2] ^= 1
    put("corrupt.nkp", bytes(prog), "wb")
    put("x.npy", b"\x93NUMPY\x01\x00v\x00{'descr': '<f4', 'fortran_order': False, 'shape': (4, 8), }"
        + b" " * (118 - 70) + b"\n" + bytes(128), "wb")
    put("bad.npy", b"\x93NUMPY\x01\x00\xff\xff{", "wb")
    os.makedirs(os.path.join(path, "dir"))
    files["dir"] = os.path.join(path, "dir")
    os.symlink(files["small.tile"], os.path.join(path, "link.tile"))
    files["link.tile"] = os.path.join(path, "link.tile")
    os.link(files["serial.s"], os.path.join(path, "hard.s"))
    files["hard.s"] = os.path.join(path, "hard.s")
    os.symlink(os.path.join(path, "nowhere"), os.path.join(path, "dangling"))
    files["dangling"] = os.path.join(path, "dangling")
    return files


def snapshot(path):
    out = {}
    for dirpath, dirnames, filenames in os.walk(path):
        for n in filenames + dirnames:
            p = os.path.join(dirpath, n)
            if os.path.islink(p):
                out[p] = ("link", os.readlink(p))
            elif os.path.isdir(p):
                out[p] = ("dir",)
            else:
                with open(p, "rb") as f:
                    out[p] = ("file", hashlib.sha1(f.read()).hexdigest())
    return out


GOOD_INPUTS = {"nkc": ["small.tile", "attn.tile", "link.tile"],
               "nkasm": ["serial.s", "hard.s", "serial.nkp"],
               "nksim": ["small.tile", "attn.tile", "serial.s", "serial.nkp", "link.tile"]}


def choose_input(rng, files, sandbox, tool=None):
    # Half the time an input the tool can use, so that runs get past parsing.
    if tool and rng.random() < 0.6:
        return files[rng.choice(GOOD_INPUTS[tool])]
    pool = list(files.values()) + [os.path.join(sandbox, "missing.tile"), "/dev/null", "-"]
    return rng.choice(pool)


def output_path(rng, files, sandbox, suffix):
    pool = [os.path.join(sandbox, f"new{rng.randrange(3)}{suffix}")] * 6 + list(files.values()) + [
        "/dev/null", os.path.join(sandbox, "missing-dir", "o" + suffix), ""]
    return rng.choice(pool)


def weird_value(rng):
    return rng.choice(["", "-1", "0", "1e309", "nan", "inf", "abc", "2=3", "=", "9" * 30, "0x10", " 4",
                       "s=", "=4", "s=4=5", "s=-3", "s=1073741824", "n=4", "n=0", "trn9", "\x01", "é"])


def random_command(rng, files, sandbox, bins):
    """(argv, declared output paths)"""
    tool = rng.choice(["nkc", "nkc", "nksim", "nksim", "nkasm"])
    argv, outs = [os.path.join(bins, tool)], []
    if tool == "nkc":
        if rng.random() < 0.6:
            argv.append("compile")
        argv.append(choose_input(rng, files, sandbox, "nkc"))
        for _ in range(rng.randrange(4)):
            kind = rng.randrange(7)
            if kind == 0:
                o = output_path(rng, files, sandbox, rng.choice([".nkp", ".s"]))
                argv += ["-o", o]
                outs.append(o)
            elif kind == 1:
                argv.append("--emit=" + rng.choice(["tokens", "ast", "tir", "isa", "bogus", ""]))
            elif kind == 2:
                argv += ["-D", rng.choice(["n=4", "n=8", "n=0", "s=64", "d=64"]) if rng.random() < 0.6 else weird_value(rng)]
            elif kind == 3:
                argv.append("--target=" + rng.choice(["trn1", "trn2", weird_value(rng)]))
            elif kind == 4:
                argv.append(rng.choice(["--print-after=legalize", "--print-before-all", "--time-passes",
                                        "--schedule=in-order", "--list-passes", "--print-after=nope"]))
            elif kind == 5:
                argv.append(rng.choice(["--bogus", "-", "--"]))  # a bare -o would take the next path undeclared
            else:
                argv.append(choose_input(rng, files, sandbox))
    elif tool == "nksim":
        argv += ["run", choose_input(rng, files, sandbox, "nksim")]
        if rng.random() < 0.8:
            argv.append("--random-inputs" + rng.choice(["", "=3", "=x"]))
        for _ in range(rng.randrange(5)):
            kind = rng.randrange(9)
            if kind == 0:
                o = output_path(rng, files, sandbox, ".npy")
                argv += ["--output", rng.choice(["out=", "x=", "", "="]) + o]
                outs.append(o)
            elif kind == 1:
                o = output_path(rng, files, sandbox, ".json")
                argv += [rng.choice(["--trace", "--stats-json"]), o]
                outs.append(o)
            elif kind == 2:
                argv += ["--input", rng.choice(["x=", "q=", "", "x"]) + choose_input(rng, files, sandbox)]
            elif kind == 3:
                argv.append(rng.choice(["--check", "--check=1e-5,1e-5", "--check=" + weird_value(rng)]))
            elif kind == 4:
                argv += ["-D", rng.choice(["n=4", "n=2", "s=64"]) if rng.random() < 0.6 else weird_value(rng)]
            elif kind == 5:
                argv.append(rng.choice(["--stats", "--strict", "--no-race-check", "--timing-only", "--no-verify",
                                        "--schedule-in-order", "--npy-u2-as-bf16"]))
            elif kind == 6:
                argv.append("--random-" + rng.choice(["scale=", "dist="]) + weird_value(rng))
            elif kind == 7:
                argv.append("--without=" + rng.choice(["dma-issue", "act-table", "nope", ""]))
            else:
                argv.append("--target=" + rng.choice(["trn1", "trn2", weird_value(rng)]))
    else:
        argv.append(choose_input(rng, files, sandbox, "nkasm"))
        for _ in range(rng.randrange(4)):
            kind = rng.randrange(5)
            if kind == 0:
                o = output_path(rng, files, sandbox, rng.choice([".nkp", ".s"]))
                argv += ["-o", o]
                outs.append(o)
            elif kind == 1:
                argv.append("--emit=" + rng.choice(["text", "binary", "bogus"]))
            elif kind == 2:
                argv.append("--target=" + rng.choice(["trn1", "trn2", weird_value(rng)]))
            elif kind == 3:
                argv.append(rng.choice(["--no-verify", "--describe-isa", "--bogus"]))
            else:
                argv.append(choose_input(rng, files, sandbox))
    return argv, [o for o in outs if o]


def run_one(args, index):
    rng = random.Random(args.seed * 1_000_003 + index)
    work = tempfile.mkdtemp(prefix="nk-drv-")
    sandbox = os.path.join(work, "sb")
    try:
        files = make_sandbox(sandbox, args.bin)
        argv, outs = random_command(rng, files, sandbox, args.bin)
        before = snapshot(sandbox)
        env = dict(os.environ, NK_NO_HUGE_PAGES="1")
        t0 = time.monotonic()
        try:
            p = subprocess.run(argv, capture_output=True, timeout=args.timeout, cwd=work, env=env,
                               stdin=subprocess.DEVNULL)
            rc, out, err = p.returncode, p.stdout, p.stderr.decode(errors="replace")
        except subprocess.TimeoutExpired as e:
            rc, out, err = "timeout", e.stdout or b"", (e.stderr or b"").decode(errors="replace")
        seconds = time.monotonic() - t0
        after = snapshot(sandbox)
        problems = []
        if rc == "timeout":
            problems.append(f"no exit within {args.timeout} s")
        elif rc not in (0, 1, 2):
            problems.append(f"exit status {rc}")
        for marker in BAD_STDERR:
            if marker in err:
                problems.append(f"stderr has '{marker}'")
        declared = set()
        for o in outs:
            declared.add(os.path.realpath(o) if os.path.islink(o) else o)
            declared.add(o)
        for p_, v in before.items():
            if p_ in declared:
                continue
            if after.get(p_) != v:
                problems.append(f"{os.path.relpath(p_, sandbox)} changed but is not an output")
        for p_ in after:
            if p_ not in before and p_ not in declared:
                problems.append(f"{os.path.relpath(p_, sandbox)} appeared (a temporary left behind?)")
        if rc == 2:
            for o in declared:
                if o.startswith(sandbox) and after.get(o) != before.get(o):
                    problems.append(f"exit 2 but output {os.path.relpath(o, sandbox)} was written")
        return index, argv, rc, seconds, problems, out, err
    finally:
        shutil.rmtree(work, ignore_errors=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--bin", required=True, help="directory holding nkc, nksim and nkasm")
    ap.add_argument("--runs", type=int, default=200)
    ap.add_argument("--seconds", type=float, default=0, help="run for this long instead of --runs")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--timeout", type=float, default=60)
    ap.add_argument("--out", default="")
    ap.add_argument("-j", type=int, default=2)
    args = ap.parse_args()
    args.bin = os.path.abspath(args.bin)

    start = time.monotonic()
    findings, total, codes = [], 0, {}
    with concurrent.futures.ThreadPoolExecutor(max_workers=args.j) as pool:
        index = 0
        pending = set()
        while True:
            while len(pending) < 2 * args.j:
                if args.seconds and time.monotonic() - start > args.seconds:
                    break
                if not args.seconds and index >= args.runs:
                    break
                pending.add(pool.submit(run_one, args, index))
                index += 1
            if not pending:
                break
            done, pending = concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED)
            for f in done:
                i, argv, rc, seconds, problems, out, err = f.result()
                total += 1
                codes[rc] = codes.get(rc, 0) + 1
                if problems:
                    findings.append((i, argv, rc, problems, out, err))
    elapsed = time.monotonic() - start
    print(f"driver fuzzing: {total} runs in {elapsed:.0f} s (seed {args.seed}); exit statuses "
          + ", ".join(f"{k}: {v}" for k, v in sorted(codes.items(), key=lambda kv: str(kv[0])))
          + f"; {len(findings)} findings")
    for i, argv, rc, problems, out, err in findings[:20]:
        print(f"finding (run {i}): {' '.join(argv)}\n  exit {rc}: " + "; ".join(problems))
        if args.out:
            d = os.path.join(args.out, f"finding-{i}")
            os.makedirs(d, exist_ok=True)
            with open(os.path.join(d, "command"), "w") as f:
                f.write(" ".join(argv) + "\n")
            with open(os.path.join(d, "stderr"), "w") as f:
                f.write(err)
            with open(os.path.join(d, "problems"), "w") as f:
                f.write("\n".join(problems) + "\n")
    return 1 if findings else 0


if __name__ == "__main__":
    sys.exit(main())
