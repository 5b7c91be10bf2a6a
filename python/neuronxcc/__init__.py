"""The `neuronxcc.nki` names of older NKI scripts, on nkc/nksim (docs/nki.md)."""
