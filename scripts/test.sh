#!/usr/bin/env bash
# Builds dkimarc and runs the whole test suite through ctest.
#   bash scripts/test.sh             warnings as errors, build/
#   bash scripts/test.sh --sanitize  AddressSanitizer + UBSan, build-asan/
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-deps.sh --test # what building needs, and the suite's tools

dir=build
extra=()
if [ "${1:-}" = "--sanitize" ]; then
  dir=build-asan
  extra=(-DDKIMARC_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug)
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:strict_string_checks=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
fi
jobs=$(nproc 2>/dev/null || echo 2)
cmake -S . -B "$dir" -DDKIMARC_WERROR=ON "${extra[@]}" >/dev/null
cmake --build "$dir" -j"$jobs"
ctest --test-dir "$dir" --output-on-failure -j"$jobs"
