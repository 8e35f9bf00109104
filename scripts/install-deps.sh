#!/usr/bin/env bash
# Installs every Debian 12 package dkimarc needs to build, test and benchmark.
# Idempotent: when everything is present it returns without touching apt.
# chromium (large, ~100 MB with its libraries) renders scan --html in test_scan_html.
set -euo pipefail

PKGS=(
  build-essential cmake pkg-config clang llvm libclang-rt-14-dev
  libssl-dev libc-ares-dev libgmime-3.0-dev libpsl-dev publicsuffix
  libjansson-dev libcmocka-dev libsodium-dev
  python3 python3-dkim python3-nacl python3-dnslib python3-authres
  libmail-dkim-perl libcryptx-perl libnet-dns-perl
  libopendkim-dev opendkim-tools
  valgrind
  doxygen python3-pytest dpkg-dev file binutils man-db
  dnsmasq-base strace
  time util-linux
  chromium
  gnuplot-nox linux-perf
)

missing=()
for p in "${PKGS[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "install-deps: installing ${missing[*]}" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
