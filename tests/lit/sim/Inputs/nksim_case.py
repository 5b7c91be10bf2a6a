"""One small kernel through nksim, for the NumPy-checking scripts of
tests/lit/sim (check_nki_isa.py, check_dtypes.py, ...): run_kernel writes
the .tile source and the inputs as .npy under WORK, runs `nksim run
--strict` (plus ARGS, e.g. a --target), and returns the `out` array (exits with nksim's error if the run
fails). BitExact compares results bit for bit and counts the failures."""
import os
import subprocess

import numpy as np


def run_kernel(work, name, source, inputs, args=()):
    path = os.path.join(work, name + ".tile")
    with open(path, "w") as f:
        f.write(source)
    cmd = ["nksim", "run", path, "--strict", *args]
    for k, v in inputs.items():
        p = os.path.join(work, f"{name}_{k}.npy")
        np.save(p, v)
        cmd += ["--input", f"{k}={p}"]
    out = os.path.join(work, name + "_out.npy")
    cmd += ["--output", f"out={out}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"{name}: nksim failed: {r.stderr}")
    return np.load(out)


class BitExact:
    """Bit-for-bit comparisons: the same shape, dtype and values, NaN where
    NumPy has NaN (unless equal_nan=False: then a NaN never matches), and
    the same sign of every zero. Prints "ok NAME" or "FAIL NAME: ..." per
    check; exit_status() prints the count and returns 1 if any failed."""

    def __init__(self, equal_nan=True):
        self.equal_nan = equal_nan
        self.failures = 0

    def __call__(self, name, got, want):
        nan_ok = self.equal_nan and got.dtype.kind == "f"
        ok = (got.shape == want.shape and got.dtype == want.dtype and np.array_equal(got, want, equal_nan=nan_ok)
              and np.array_equal(np.signbit(got), np.signbit(want)))
        if ok:
            print(f"ok {name}")
            return
        self.failures += 1
        if got.shape == want.shape:
            same = (got == want) | (np.isnan(got) & np.isnan(want)) if nan_ok else got == want
            bad = np.flatnonzero(~same | (np.signbit(got) != np.signbit(want)))
            print(f"FAIL {name}: at {bad[:6]} got {got.ravel()[bad[:6]]} want {want.ravel()[bad[:6]]} "
                  f"({got.dtype} vs {want.dtype})")
        else:
            print(f"FAIL {name}: got {got.dtype}{got.shape} want {want.dtype}{want.shape}")

    def exit_status(self):
        print(f"failures: {self.failures}")
        return 1 if self.failures else 0
