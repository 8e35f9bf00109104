#!/usr/bin/env bash
# Builds the libFuzzer targets (fuzz/fuzz_*.c) with clang, ASan and UBSan.
#   bash fuzz/build.sh [BUILDDIR]      default: build-fuzz/ in the repository
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
dir=${1:-$repo/build-fuzz}
CC=${CC_FUZZ:-clang} cmake -S "$repo/fuzz" -B "$dir" -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build "$dir" -j"${JOBS:-2}"
