"""neuronxcc.nki on nkc/nksim: the same package as `nki` (docs/nki.md)."""
from nkc._nki_compat import jit, baremetal, simulate, simulate_kernel, benchmark, last_result, Kernel  # noqa: F401
from . import language, isa  # noqa: F401
