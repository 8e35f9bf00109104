#!/usr/bin/env bash
# Installs the Debian 12 packages dkimarc needs, in three tiers:
#   bash scripts/install-deps.sh           building and running: compiler, cmake, pkg-config,
#                                          the -dev libraries (what quickstart.sh and the
#                                          README's build need)
#   bash scripts/install-deps.sh --test    and what the test suite and CI use: the reference
#                                          verifiers (dkimpy, Mail::DKIM, libopendkim), Python
#                                          and Perl test modules, chromium (scan --html),
#                                          valgrind, clang for the fuzzers, doxygen, ...
#   bash scripts/install-deps.sh --bench   and what bench/run.sh adds: gnuplot, perf
#   --list [--test|--bench]                print the tier's packages, one a line; install nothing
# Idempotent and quick: one dpkg-query for the whole list, and apt only for what is missing.
set -euo pipefail

BUILD=(
  build-essential cmake pkg-config
  libssl-dev libc-ares-dev libgmime-3.0-dev libpsl-dev publicsuffix
  libjansson-dev libsodium-dev
  libgmp-dev    # key recovery (dkimarc keys recover)
  libcmocka-dev # the unit tests are part of the default build (DKIMARC_TESTS=ON)
  python3       # the Python binding installed beside the library
)
TEST=(
  clang llvm libclang-rt-14-dev                              # fuzzers, sanitizers
  python3-dkim python3-nacl python3-dnslib python3-authres   # dkimpy and the DNS fake
  python3-pytest
  libmail-dkim-perl libcryptx-perl libnet-dns-perl           # Mail::DKIM
  libopendkim-dev opendkim-tools                             # libopendkim
  valgrind doxygen dpkg-dev file binutils man-db
  abigail-tools # abidw, abidiff: the ABI against abi/ (scripts/abi.py, test_abidiff)
  dnsmasq-base strace time util-linux
  chromium # renders scan --html in test_scan_html (large: ~100 MB with its libraries)
)
BENCH=(gnuplot-nox linux-perf)

tier=build list=0
for a in "$@"; do
  case "$a" in
  --test) tier=test ;;
  --bench) tier=bench ;;
  --list) list=1 ;;
  *)
    echo "usage: install-deps.sh [--test | --bench] [--list]" >&2
    exit 2
    ;;
  esac
done
pkgs=("${BUILD[@]}")
[ "$tier" = build ] || pkgs+=("${TEST[@]}")
[ "$tier" = bench ] && pkgs+=("${BENCH[@]}")
if [ $list = 1 ]; then
  printf '%s\n' "${pkgs[@]}"
  exit 0
fi

# One query for all: those installed come back "install ok installed".
installed=$(dpkg-query -W -f='${Package} ${Status}\n' "${pkgs[@]}" 2>/dev/null |
  awk '$NF == "installed" && $(NF-1) == "ok" {print $1}' || true)
missing=()
for p in "${pkgs[@]}"; do
  grep -qxF "$p" <<<"$installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
