"""The decorator and entry points of the `nki` / `neuronxcc.nki` stand-ins.

Assumes: kernels are traced by nkc.nki_sim. Guarantees: nki.simulate(k)(*a)
returns the kernel's output arrays; the full result (stats, trace, program,
traced .tile source) stays available from last_result().
"""
from __future__ import annotations

import functools
import os
import sys
from typing import Any, Optional

from . import nki_sim

_last: Optional[nki_sim.Result] = None


class Kernel:
    """What @nki.jit returns: the function, callable on NumPy arrays (simulated)."""
    _nki_kernel = True

    def __init__(self, func, grid=None, **options):
        functools.update_wrapper(self, func)
        self.func, self.grid, self.options = func, grid, options

    def __getitem__(self, grid):
        # kernel[2] (LNC=2), kernel[nl.nc(2), 4], kernel[4, 2]: nki_sim._launch's rules
        return Kernel(self.func, grid if isinstance(grid, tuple) else (grid,), **self.options)

    def __call__(self, *args, **kwargs):
        if nki_sim._current is not None:  # a kernel calling another: inline it
            return self.func(*args, **kwargs)
        return simulate(self)(*args, **kwargs)


def jit(fn=None, **kwargs):
    if fn is None:
        return lambda f: Kernel(f, **kwargs)
    return fn if isinstance(fn, Kernel) else Kernel(fn, **kwargs)


baremetal = jit


def benchmark(fn=None, **kwargs):
    # No device: timing comes from nksim (last_result().stats), not from runs on hardware.
    return jit(fn, **kwargs)


def _report(res: nki_sim.Result) -> None:
    path = os.environ.get("NKI_SIM_TRACE")
    if path:
        res.write_trace(path)
    if os.environ.get("NKI_SIM_STATS"):
        busy = ", ".join(f"{k} {v / 1000:.2f} us" for k, v in res.engine_busy_ns().items())
        sys.stderr.write(f"nki_sim: {res.traced.name}: {res.total_ns / 1000:.2f} us simulated, "
                         f"{res.program.num_instructions} instructions; busy: {busy}\n")


def simulate(kernel, **options):
    """nki.simulate(kernel)(*arrays): the kernel's output array(s)."""
    k = jit(kernel) if not isinstance(kernel, Kernel) else kernel

    def call(*args: Any, **kwargs: Any):
        global _last
        trace = bool(os.environ.get("NKI_SIM_TRACE"))
        target = os.environ.get("NKI_SIM_TARGET", options.get("target", "trn2"))
        _last = nki_sim.run(k, *args, target=target, trace=trace, **kwargs)
        _report(_last)
        return _last.outputs[0] if len(_last.outputs) == 1 else tuple(_last.outputs)
    return call


def simulate_kernel(kernel, *args, **kwargs):
    """The older nki.simulate_kernel(kernel, *arrays)."""
    return simulate(kernel)(*args, **kwargs)


def last_result() -> Optional[nki_sim.Result]:
    """The nki_sim.Result of the latest simulate call (stats, trace, program, .tile source)."""
    return _last
