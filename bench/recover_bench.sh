#!/usr/bin/env bash
# The key recovery figures of docs/performance.md: seconds per RSA key recovered from two
# signatures, by key size (bench/recover_bench.c), and what `keys recover` costs on a small
# corpus signed by dkimpy (two keys at a time with --jobs 2).
#
#   bash bench/recover_bench.sh [BUILDDIR] [SIZES] [RUNS]
#   (default build/, 1024,2048,3072,4096, 1 run: about 10 minutes)
#
# BUILDDIR must hold a built libdkimarc.so (cmake --build).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$(cd "${1:-$src/build}" && pwd)
sizes=${2:-1024,2048,3072,4096}
runs=${3:-1}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cc -O2 -std=c11 -I"$src/include" "$src/bench/recover_bench.c" -L"$build" -ldkimarc \
	-Wl,-rpath,"$build" $(pkg-config --cflags --libs gmp libcrypto) -o "$tmp/recover_bench"

echo "# $(nproc) CPU(s): $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# GMP $(pkg-config --modversion gmp), $(openssl version), load average $(cut -d' ' -f1-3 /proc/loadavg)"
"$tmp/recover_bench" "$sizes" "$runs"
