#!/usr/bin/env bash
# Installs the Debian packages the build and tests need, if any is missing
# (idempotent, quiet when all are present), then configures and builds.
# Usage: tools/bootstrap.sh [BUILD_DIR] [BUILD_TYPE]
#        tools/bootstrap.sh --deps-only      (packages only)
# NK_BUILD_JOBS=N limits the build to N parallel jobs (default: ninja's, one
# per core plus two), for a machine shared with other builds.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
deps_only=0
if [ "${1:-}" = "--deps-only" ]; then deps_only=1; shift; fi
build="${1:-$root/build}"
type="${2:-RelWithDebInfo}"

# python3-distributed (Dask) and python3-matplotlib: tools/nksweep.py runs sweeps
# on a Dask cluster and plots them (its local mode needs neither).
# libopenblas0-pthread (what pip's NumPy ships) and python3-threadpoolctl:
# bench/run_bench.py compares nksim with NumPy on OpenBLAS and names the BLAS.
packages=(cmake ninja-build g++ clang-14 libclang-rt-14-dev llvm-14-dev libfmt-dev doctest-dev python3-numpy
          pybind11-dev python3-dev clang-format-14 clang-tidy-14 python3-distributed python3-matplotlib
          libopenblas0-pthread python3-threadpoolctl)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bootstrap: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -ne 0 ] && sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get install -y -q "${missing[@]}" >/dev/null || {
    $sudo_cmd apt-get update -q >/dev/null
    $sudo_cmd apt-get install -y -q "${missing[@]}" >/dev/null
  }
fi
[ "$deps_only" = 1 ] && exit 0

if [ ! -f "$build/build.ninja" ]; then
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE="$type" >/dev/null
fi
cmake --build "$build" ${NK_BUILD_JOBS:+--parallel "$NK_BUILD_JOBS"}
