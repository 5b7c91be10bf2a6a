#!/usr/bin/env bash
# Runs every libFuzzer target for a bounded time (default 60 s in total),
# starting from the checked-in seed corpora in fuzz/corpus/<target>, every
# file of the target's kind in the repository (each .tile for tile and
# compile: kernels, lit tests, examples, fidelity ports; each .s for asm and
# sim; each .npy for npy; each .lir for lir; each .tir for tir), and the dictionary fuzz/dict/<target>.dict.
# New inputs go to build-fuzz/corpus/<target>; crashes to build-fuzz/crashes.
# Usage: tools/fuzz.sh [SECONDS] [TARGET...]   (NK_FUZZ_SEED=N picks the seed; default 1)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
total="${1:-60}"; shift || true
build="$root/build-fuzz"
"$root/tools/bootstrap.sh" --deps-only
if [ ! -f "$build/build.ninja" ]; then
  CC=clang-14 CXX=clang++-14 cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DNK_FUZZ=ON -DNK_FUZZ_ONLY=ON >/dev/null
fi
targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
  # Every target, plus the large-cap configuration of compile and sim
  # (fuzz/CMakeLists.txt) when NK_FUZZ_LARGE=1.
  targets=($(cd "$root/fuzz" && ls fuzz_*.cpp | sed 's/^fuzz_//; s/\.cpp$//'))
  [ "${NK_FUZZ_LARGE:-0}" = 1 ] && targets+=(compile_large sim_large)
fi
cmake --build "$build" --target $(printf 'fuzz_%s ' "${targets[@]}")
per=$(( total / ${#targets[@]} )); [ "$per" -ge 1 ] || per=1
mkdir -p "$build/crashes"
# Seeds from the repository, refreshed each run (libFuzzer only reads them).
seed_dir() {
  local t="$1" ext
  case "$t" in tile|compile*) ext=tile ;; asm|sim*) ext=s ;; npy) ext=npy ;; lir) ext=lir ;; tir) ext=tir ;; *) ext="" ;; esac
  rm -rf "$build/seeds/$t"; mkdir -p "$build/seeds/$t"
  [ -n "$ext" ] || return 0
  (cd "$root" && git ls-files "*.$ext" 2>/dev/null || find . -name "*.$ext" -not -path "./build*") |
    while read -r f; do cp "$root/$f" "$build/seeds/$t/$(echo "$f" | tr / _)"; done
}
status=0
for t in "${targets[@]}"; do
  base="${t%_large}"   # the large configuration shares its base target's seeds and dictionary
  extra=(); [ "$base" != "$t" ] && extra=(-max_len=65536 -timeout=60 -rss_limit_mb=4096)
  mkdir -p "$build/corpus/$t"
  seed_dir "$t"
  echo "== fuzz_$t for ${per}s ($(ls "$build/seeds/$t" | wc -l) repository seeds)"
  dict=(); [ -f "$root/fuzz/dict/$base.dict" ] && dict=(-dict="$root/fuzz/dict/$base.dict")
  # A fixed seed makes a run repeatable (same mutations in the same order).
  if ! nice -n 10 "$build/bin/fuzz_$t" -seed="${NK_FUZZ_SEED:-1}" -max_total_time="$per" -timeout=10 -rss_limit_mb=2048 "${dict[@]}" "${extra[@]}" \
      -artifact_prefix="$build/crashes/$t-" -print_final_stats=1 \
      "$build/corpus/$t" "$root/fuzz/corpus/$base" "$build/seeds/$t" 2>"$build/fuzz_$t.log"; then
    echo "fuzz_$t FAILED; see $build/fuzz_$t.log and $build/crashes/"; status=1
  fi
  grep -E "stat::number_of_executed_units|stat::peak_rss_mb" "$build/fuzz_$t.log" || true
done
exit $status
