#!/usr/bin/env bash
# Fails (and lists the files) when a tracked C++ file differs from what
# clang-format-14 makes of it with the repository's .clang-format.
# Fix with: git ls-files '*.cpp' '*.h' | xargs clang-format-14 -i
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
"$root/tools/bootstrap.sh" --deps-only
bad=()
while IFS= read -r f; do
  if ! clang-format-14 --dry-run --Werror "$f" >/dev/null 2>&1; then bad+=("$f"); fi
done < <(git ls-files '*.cpp' '*.h' | grep -v '^fuzz/corpus/')
if [ ${#bad[@]} -gt 0 ]; then
  echo "check-format: ${#bad[@]} file(s) are not clang-format-14 clean:"
  printf '  %s\n' "${bad[@]}"
  echo "fix: git ls-files '*.cpp' '*.h' | xargs clang-format-14 -i"
  exit 1
fi
echo "check-format: $(git ls-files '*.cpp' '*.h' | grep -vc '^fuzz/corpus/') files clean"
