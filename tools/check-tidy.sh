#!/usr/bin/env bash
# Runs clang-tidy-14 with the repository's .clang-tidy (every finding is an
# error) over the C++ sources of compiler/, runtime/, simulator/, oracle/,
# tools/ and python/, using the compile commands of a configured build.
# Usage: tools/check-tidy.sh [BUILD_DIR]   (default: build; configured by tools/test.sh)
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
build="${1:-$root/build}"
"$root/tools/bootstrap.sh" --deps-only
if [ ! -f "$build/compile_commands.json" ]; then
  echo "check-tidy: $build/compile_commands.json is missing: configure a build first (./tools/test.sh)" >&2
  exit 2
fi
# clang-tidy parses with clang: drop the GCC-only flags the build adds
# (-fvect-cost-model, runtime/CMakeLists.txt) from a copy of the database.
db="$(mktemp -d)"
trap 'rm -rf "$db"' EXIT
sed 's/ -fvect-cost-model=[a-z-]*//g' "$build/compile_commands.json" > "$db/compile_commands.json"
out="$db/tidy.log"
if ! run-clang-tidy-14 -p "$db" -j "$(nproc)" -quiet "$root/(compiler|runtime|simulator|oracle|tools|python)/" \
    > "$out" 2>&1; then
  sed 's/\x1b\[[0-9;]*m//g' "$out" | grep -E "(warning|error):" | sort -u
  echo "check-tidy: findings above (checks: $root/.clang-tidy)"
  exit 1
fi
echo "check-tidy: clean ($(grep -c '"file"' "$db/compile_commands.json") translation units in the database)"
