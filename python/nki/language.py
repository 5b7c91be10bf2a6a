"""nki.language on nkc/nksim (see nkc.nki_language and docs/nki.md)."""
from nkc.nki_language import *  # noqa: F401,F403
from nkc.nki_language import __getattr__  # noqa: F401 - unsupported names raise a located error
