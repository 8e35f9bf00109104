#!/usr/bin/env bash
# The signing figures of docs/performance.md: messages per second signed (and
# sealed) by dkimarc with RSA-2048 and Ed25519 keys, and OpenSSL's raw
# signature rate on this machine for comparison.
#
#   bash bench/sign_bench.sh [BUILDDIR] [RUNS] [THREADS] [SIZE]
#   (default build/, 5 runs, 2 threads, a 3 KB message)
#
# BUILDDIR must hold a built libdkimarc.so (cmake --build).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
runs=${2:-5}
threads=${3:-2}
size=${4:-3000}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -std=c11 -D_POSIX_C_SOURCE=200809L -I"$src/include" "$src/bench/sign_bench.c" \
	-L"$build" -ldkimarc -Wl,-rpath,"$build" -lpthread -o "$tmp/sign_bench"

echo "# $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# $(openssl version)"
"$tmp/sign_bench" "$runs" "$threads" "$size"
echo
echo "# OpenSSL alone (openssl speed, 1 thread, 3 s per figure):"
openssl speed -seconds 3 rsa2048 ed25519 2>/dev/null | grep -E '^ *(rsa 2048|253 bits)' || true
