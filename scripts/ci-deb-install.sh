#!/usr/bin/env bash
# Installs the .deb for real and uses it as a user would, then removes it.
#   bash scripts/ci-deb-install.sh [BUILDDIR]      (default: build)
#
# For CI, which runs as root on a throwaway machine: the package goes into the
# system (dpkg -i), so the script refuses to run when a dkimarc is already
# installed there, from this package or by hand, and always purges what it
# installed. tests/packaging/test_deb.sh (ctest) checks the same package
# without installing it.
#
# Checks, from the installed system: dkimarc --version; the sample's verdicts;
# man pages found by man; pkg-config and find_package(dkimarc) builds of
# the examples (verify_file.c on the core, scan_folder.c on the corpus
# reader) with no prefix given; python3 -c 'import dkimarc', both libraries.
# Then dpkg --purge leaves none of the package's files behind.
set -u
cd "$(dirname "$0")/.." || exit 2
src=$PWD
build=${1:-build}
build=$(cd "$build" && pwd) || exit 2

if [ "$(id -u)" -ne 0 ]; then
	echo "ci-deb-install: needs root (it installs the package into the system)" >&2
	exit 2
fi
if dpkg-query -W -f='${Status}' dkimarc 2>/dev/null | grep -q installed; then
	echo "ci-deb-install: a dkimarc package is already installed; not touching it" >&2
	exit 2
fi
for f in /usr/bin/dkimarc /usr/lib/libdkimarc.so.0 /usr/lib/libdkimarc-corpus.so.0 \
	/usr/include/dkimarc.h /usr/include/dkimarc /usr/local/bin/dkimarc \
	/usr/local/lib/libdkimarc.so.0 /usr/local/lib/libdkimarc-corpus.so.0; do
	if [ -e "$f" ]; then
		echo "ci-deb-install: $f exists (installed by hand?); not touching it" >&2
		exit 2
	fi
done

pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
installed=0
cleanup() {
	[ "$installed" -eq 1 ] && dpkg --purge dkimarc >/dev/null 2>&1
	rm -rf "$tmp"
}
trap cleanup EXIT

ver=$(sed -n 's/^#define DKIMARC_VERSION_STRING *"\([^"]*\)".*/\1/p' "$src/include/dkimarc/common.h")
if ! cpack -G DEB --config "$build/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
	cat "$tmp/cpack.log"
	echo "0 passed, 1 failed"
	exit 1
fi
deb=$(ls "$tmp"/out/*.deb)

if dpkg -i "$deb" >"$tmp/dpkg.log" 2>&1; then
	installed=1
	ok
else
	installed=1 # half-installed: remove it on exit
	bad "dpkg -i failed:"
	sed 's/^/    /' "$tmp/dpkg.log"
fi

out=$(cd / && dkimarc --version 2>&1)
[ "$out" = "dkimarc $ver" ] && ok || bad "dkimarc --version: '$out'"
[ "$(command -v dkimarc)" = /usr/bin/dkimarc ] && ok || bad "dkimarc is $(command -v dkimarc)"

cd "$src/vectors/sample" || exit 2
dkimarc verify --json --keys keys.zone --at 2024-06-01 ./*.eml >"$tmp/s.json"
/usr/bin/python3 - "$tmp/s.json" <<'PY' && ok || bad "installed dkimarc: verdicts differ"
import json, os, sys
want = dict(l.split() for l in open("expected.txt") if l.strip() and not l.startswith("#"))
got = {os.path.basename(json.loads(l)["file"]): json.loads(l)["verdict"] for l in open(sys.argv[1])}
sys.exit(0 if got == want else print(got) or 1)
PY

if grep -rqs 'path-exclude.*/usr/share/man' /etc/dpkg/dpkg.cfg.d; then
	echo "ci-deb-install: dpkg is told not to install man pages here; not checking them"
else
	for page in 1/dkimarc 1/dkimarc-verify 3/libdkimarc; do
		if command -v man >/dev/null; then
			p=$(man -w "${page#*/}" 2>/dev/null | head -1)
		else
			p=$(ls /usr/share/man/man"${page%/*}"/"${page#*/}".* 2>/dev/null | head -1)
		fi
		case "$p" in /usr/share/man/man${page%/*}/*) ok ;; *) bad "man ${page#*/}: '$p'" ;; esac
	done
fi

mkdir "$tmp/pc"
if make -s -C "$tmp/pc" -f "$src/examples/Makefile" >"$tmp/pc.log" 2>&1 &&
	[ "$("$tmp/pc/verify_file" keys.zone confirmed-rsa.eml | head -1)" = \
		"confirmed-rsa.eml: confirmed" ] &&
	[ "$("$tmp/pc/scan_folder" keys.zone third-party.eml)" = \
		"third-party.eml: confirmed-third-party" ]; then
	ok
else
	bad "example through pkg-config: $(cat "$tmp/pc.log")"
fi
if cmake -S "$src/examples" -B "$tmp/cm" >"$tmp/cm.log" 2>&1 &&
	cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1 &&
	[ "$("$tmp/cm/verify_file" keys.zone weak-512.eml | head -1)" = "weak-512.eml: weak" ] &&
	[ "$("$tmp/cm/scan_folder" keys.zone unsigned.eml)" = "unsigned.eml: unsigned" ]; then
	ok
else
	bad "example through find_package: $(tail -20 "$tmp/cm.log")"
fi

out=$(cd / && env -u DKIMARC_LIBRARY -u PYTHONPATH PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -c \
	'import dkimarc; print(dkimarc.library_version(), dkimarc.library_path(), dkimarc.corpus_library_path())' 2>&1)
case "$out" in
"$ver /usr/lib/"*libdkimarc.so.0" /usr/lib/"*libdkimarc-corpus.so.0) ok ;;
*) bad "python3 import dkimarc: '$out'" ;;
esac

dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' | grep -v '/$' >"$tmp/files"
if dpkg --purge dkimarc >"$tmp/rm.log" 2>&1; then
	installed=0
	ok
else
	bad "dpkg --purge: $(cat "$tmp/rm.log")"
fi
left=$(while read -r f; do [ -e "$f" ] || [ -L "$f" ] && echo "$f"; done <"$tmp/files")
[ -z "$left" ] && ok || bad "left behind after dpkg --purge: $left"
hash -r
command -v dkimarc >/dev/null && bad "dkimarc still on PATH: $(command -v dkimarc)" || ok
dpkg-query -W dkimarc >/dev/null 2>&1 && bad "dpkg still knows dkimarc" || ok

echo "ci-deb-install: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
