"""One small kernel through nksim, for the NumPy-checking scripts of
tests/lit/sim (check_nki_isa.py, check_dtypes.py): writes the .tile source
and the inputs as .npy under WORK, runs `nksim run --strict`, and returns
the `out` array (exits with nksim's error if the run fails)."""
import os
import subprocess

import numpy as np


def run_kernel(work, name, source, inputs):
    path = os.path.join(work, name + ".tile")
    with open(path, "w") as f:
        f.write(source)
    cmd = ["nksim", "run", path, "--strict"]
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
