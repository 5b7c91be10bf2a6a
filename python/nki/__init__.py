"""A stand-in for AWS's `nki` package that runs NKI kernels on nkc/nksim.

Put build/python on PYTHONPATH and an existing NKI script runs unchanged:

    import nki, nki.language as nl, nki.isa as nisa
    @nki.jit
    def kernel(a): ...
    out = nki.simulate(kernel)(a_np)      # traced, compiled by nkc, simulated by nksim

`nki.simulate(kernel)(*arrays)` returns what the kernel returns, as NumPy
arrays. nksim's statistics and trace are in `nki.last_result()` (an
nkc.nki_sim.Result), and with NKI_SIM_STATS=1 / NKI_SIM_TRACE=FILE.json in
the environment they are printed to stderr / written without editing the
script. What is supported and what differs from AWS's NKI: docs/nki.md.
"""
from nkc._nki_compat import jit, baremetal, simulate, simulate_kernel, benchmark, last_result, Kernel  # noqa: F401
from . import language, isa  # noqa: F401

__all__ = ["jit", "baremetal", "simulate", "simulate_kernel", "benchmark", "last_result", "language", "isa"]
