#!/usr/bin/env bash
# Regenerates the instruction table inside docs/isa.md from runtime/isa.def
# (via nkasm --describe-isa). tests/lit/docs/isa-table.test checks they match.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
table="$("$root/build/bin/nkasm" --describe-isa)"
/usr/bin/python3 - "$root/docs/isa.md" "$table" <<'PY'
import sys, re
path, table = sys.argv[1], sys.argv[2]
text = open(path).read()
begin, end = "<!-- BEGIN GENERATED ISA TABLE -->", "<!-- END GENERATED ISA TABLE -->"
a, b = text.index(begin) + len(begin), text.index(end)
open(path, "w").write(text[:a] + "\n" + table + "\n" + text[b:])
PY
