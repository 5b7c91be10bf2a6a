"""nki.isa on nkc/nksim (see nkc.nki_isa and docs/nki.md)."""
from nkc.nki_isa import *  # noqa: F401,F403
from nkc.nki_isa import __getattr__  # noqa: F401 - unsupported names raise a located error
