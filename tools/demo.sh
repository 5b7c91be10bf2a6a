#!/usr/bin/env bash
# The quick-start demo: builds everything (installing missing packages), then
# compiles the GQA decode kernel, shows a few lines of its ISA, runs it in the
# simulator on random inputs, checks it against the NumPy-equivalent oracle,
# prints timing statistics and writes a Perfetto trace.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
"$root/tools/bootstrap.sh" "$root/build" RelWithDebInfo >/dev/null
bin="$root/build/bin"
out="$root/build/demo"
mkdir -p "$out"
kernel="$root/kernels/decode_attention_gqa.tile"
sizes=(-D n_q=32 -D n_kv=8 -D s=2048)

echo "== nkc compile kernels/decode_attention_gqa.tile ${sizes[*]} (trn2)"
"$bin/nkc" compile "$kernel" "${sizes[@]}" -o "$out/gqa.nkp"
"$bin/nkasm" "$out/gqa.nkp" > "$out/gqa.s"
echo "wrote $out/gqa.nkp; its assembly has $(grep -c '^  ' "$out/gqa.s") instructions. The first Tensor-engine ones:"
sed -n '/^\.stream tensor/,/^$/p' "$out/gqa.s" | sed -n '2,7p'
echo
echo "== nksim run: random inputs, checked against the oracle, with timing"
"$bin/nksim" run "$out/gqa.nkp" --random-inputs --check --stats --trace "$out/gqa-trace.json"
echo
echo "Trace written to $out/gqa-trace.json"
echo "Open it at https://ui.perfetto.dev (Open trace file) or chrome://tracing:"
echo "one track per engine and DMA queue, one slice per instruction."
