"""Runs the command-line tools on every fuzz input and fails on a crash.

Usage: run_inputs.py KIND PATH...   (KIND: tile | compile | asm | sim | program_file | npy | lir | tir)
Each PATH is a file or a directory of inputs. For each input the tools that
read that kind of file are run (see COMMANDS); an input passes when every
tool exits with 0, 1 or 2 (success, source error, bad input) and prints no
sanitizer report, within 120 s. Prints one line per failure and exits 1 if
there was any; otherwise prints "ok: N inputs".
"""
import os
import subprocess
import sys
import tempfile

root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
npy_program = os.path.join(root, "fuzz", "corpus", "asm", "exp.s")  # one input: x f32[4,8]

COMMANDS = {
    "tile": [["nkc", "{f}", "--emit=tir"], ["nkc", "{f}", "--emit=tir", "--target", "trn1"]],
    "compile": [["nkc", "compile", "{f}", "-o", "{tmp}/p.nkp"], ["nksim", "run", "{f}", "--random-inputs"]],
    "asm": [["nkasm", "{f}"], ["nksim", "run", "{f}", "--random-inputs"]],
    "sim": [["nksim", "run", "{f}", "--random-inputs"], ["nksim", "run", "{f}", "--random-inputs", "--strict"]],
    "program_file": [["nkasm", "{f}"], ["nksim", "run", "{f}", "--random-inputs"]],
    "npy": [["nksim", "run", npy_program, "--input", "x={f}"]],
    "lir": [["nkc", "{f}"], ["nkc", "compile", "{f}", "-o", "{tmp}/p.nkp"]],
    "tir": [["nkc", "{f}", "--run-pass=unroll-loops"], ["nkc", "compile", "{f}", "-o", "{tmp}/p.nkp"]],
}
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer", "Stack dump:")


def inputs(paths):
    for p in paths:
        if os.path.isdir(p):
            for name in sorted(os.listdir(p)):
                yield os.path.join(p, name)
        else:
            yield p


def main():
    kind, paths = sys.argv[1], sys.argv[2:]
    failures, count = [], 0
    with tempfile.TemporaryDirectory() as tmp:
        for f in inputs(paths):
            count += 1
            for cmd in COMMANDS[kind]:
                argv = [a.format(f=f, tmp=tmp) for a in cmd]
                try:
                    r = subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, timeout=120)
                except subprocess.TimeoutExpired:
                    failures.append("TIMEOUT: " + " ".join(argv))
                    continue
                err = r.stderr.decode("utf-8", "replace")
                if r.returncode not in (0, 1, 2) or any(m in err for m in SANITIZER_MARKS):
                    failures.append("CRASH (exit %d): %s\n%s" % (r.returncode, " ".join(argv), err[-3000:]))
    for line in failures:
        print(line)
    if failures:
        return 1
    print("ok: %d inputs" % count)
    return 0


if __name__ == "__main__":
    sys.exit(main())
