#!/usr/bin/env bash
# The quick-start demo: builds everything (installing missing packages), then
# assembles a hand-written softmax program, shows its canonical assembly, and
# runs it in the simulator. (Once the kernels land, it compiles and runs the
# GQA decode kernel instead.)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/bootstrap.sh" "$root/build" RelWithDebInfo >/dev/null
bin="$root/build/bin"
out="$root/build/demo"
mkdir -p "$out"

echo "== nkasm: assemble examples/softmax.s (verified for its target) =="
"$bin/nkasm" "$root/examples/softmax.s" -o "$out/softmax.nkp"
echo "wrote $out/softmax.nkp ($(wc -c < "$out/softmax.nkp") bytes)"
echo
echo "== nkasm: disassemble (canonical text, first lines) =="
"$bin/nkasm" "$out/softmax.nkp" | head -12
