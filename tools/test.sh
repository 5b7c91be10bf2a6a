#!/usr/bin/env bash
# Builds (installing what is missing) and runs every test through ctest.
#   tools/test.sh             the normal build, in build/
#   tools/test.sh --sanitize  the AddressSanitizer+UBSan build, in build-sanitize/
# Extra arguments after the options go to ctest (e.g. -R lit).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="$root/build"; type=RelWithDebInfo
if [ "${1:-}" = "--sanitize" ]; then
  build="$root/build-sanitize"; type=Sanitize; shift
fi
"$root/tools/bootstrap.sh" "$build" "$type"
export ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
cd "$build"
ctest --output-on-failure -j"$(nproc)" "$@"
