#!/usr/bin/env bash
# cpack -G DEB makes a .deb of the build; without installing it (that is
# scripts/ci-deb-install.sh, for CI), checks its metadata and contents,
# unpacks it into a scratch root, and runs what it holds from there: the
# command (--version, and the sample's verdicts), and the Python binding
# loading the unpacked library.
set -u
: "${BUILDDIR:?}" "${SRCDIR:?}"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ver=$(sed -n 's/^#define DKIMARC_VERSION_STRING *"\([^"]*\)".*/\1/p' "$SRCDIR/include/dkimarc/common.h")
if ! cpack -G DEB --config "$BUILDDIR/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
	cat "$tmp/cpack.log"
	echo "0 passed, 1 failed"
	exit 1
fi
debs=("$tmp"/out/*.deb)
if [ "${#debs[@]}" -ne 1 ] || [ ! -f "${debs[0]}" ]; then
	bad "expected one .deb, got: ${debs[*]}"
	echo "$pass passed, $fail failed"
	exit 1
fi
deb=${debs[0]}
arch=$(dpkg --print-architecture)
[ "$(basename "$deb")" = "dkimarc_${ver}_${arch}.deb" ] && ok || bad "file name $(basename "$deb")"

# Metadata
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = dkimarc ] && ok || bad "Package: $(field Package)"
[ "$(field Version)" = "$ver" ] && ok || bad "Version: $(field Version), want $ver"
[ "$(field Architecture)" = "$arch" ] && ok || bad "Architecture: $(field Architecture)"
deps=$(field Depends)
for d in libc6 libssl3 libjansson4 libpsl5 libc-ares2 libgmime-3.0-0 libgmp10; do
	case ", $deps," in *", $d "* | *", $d,"*) ok ;; *) bad "Depends lacks $d: $deps" ;; esac
done
mkdir "$tmp/ctrl"
dpkg-deb --ctrl-tarfile "$deb" | tar -x -C "$tmp/ctrl"
for l in libdkimarc libdkimarc-corpus; do
	grep -q "^$l 0 dkimarc (>= $ver)" "$tmp/ctrl/shlibs" 2>/dev/null && ok ||
		bad "no shlibs line for $l 0: $(cat "$tmp/ctrl/shlibs" 2>/dev/null)"
done
# ldconfig runs after install and removal: a trigger, or maintainer scripts (older CPack).
if grep -qs ldconfig "$tmp/ctrl/triggers" ||
	{ grep -qs ldconfig "$tmp/ctrl/postinst" && grep -qs ldconfig "$tmp/ctrl/postrm"; }; then
	ok
else
	bad "ldconfig is not run on install and removal"
fi

# Contents
dpkg-deb -c "$deb" | awk '{print $6}' | sed 's|^\./|/|' >"$tmp/files"
for f in /usr/bin/dkimarc /usr/include/dkimarc.h /usr/include/dkimarc/common.h \
	/usr/include/dkimarc/verify.h /usr/include/dkimarc/corpus.h /usr/lib/libdkimarc.so.$ver \
	/usr/lib/libdkimarc.so.0 /usr/lib/libdkimarc.so /usr/lib/libdkimarc.a \
	/usr/lib/libdkimarc-corpus.so.$ver /usr/lib/libdkimarc-corpus.so.0 \
	/usr/lib/libdkimarc-corpus.so /usr/lib/libdkimarc-corpus.a \
	/usr/lib/pkgconfig/dkimarc.pc /usr/lib/pkgconfig/dkimarc-corpus.pc \
	/usr/lib/cmake/dkimarc/dkimarcConfig.cmake /usr/lib/cmake/dkimarc/dkimarcCorpusTargets.cmake \
	/usr/share/man/man1/dkimarc.1 /usr/share/man/man1/dkimarc-verify.1 \
	/usr/share/man/man3/libdkimarc.3 \
	/usr/lib/python3/dist-packages/dkimarc/__init__.py \
	/usr/lib/python3/dist-packages/dkimarc/_installed.py; do
	grep -qx "$f" "$tmp/files" && ok || bad "$f not in the package"
done
if [ -f "$BUILDDIR/docs/api/html/index.html" ]; then
	grep -qx /usr/share/doc/dkimarc/api/index.html "$tmp/files" && ok ||
		bad "API reference not in the package"
fi
if grep -E '/(build|tmp|home|root|work)/' "$tmp/files"; then bad "stray paths"; else ok; fi
if grep -q __pycache__ "$tmp/files"; then bad "__pycache__ packaged"; else ok; fi

# Run it from an unpacked copy (the command finds its library by RPATH)
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
out=$("$root/usr/bin/dkimarc" --version 2>&1)
[ "$out" = "dkimarc $ver" ] && ok || bad "dkimarc --version printed '$out'"
for l in libdkimarc.so.0 libdkimarc-corpus.so.0; do
	ldd "$root/usr/bin/dkimarc" | grep -q "$root/usr/bin/../lib/$l" && ok ||
		bad "unpacked dkimarc uses another $l: $(ldd "$root/usr/bin/dkimarc" | grep dkimarc)"
done
# libdkimarc(3) names the package's own paths.
page=$(gzip -dcf "$root/usr/share/man/man3/libdkimarc.3"* 2>/dev/null)
case "$page" in
*PREFIX/*) bad "libdkimarc.3 still says PREFIX/" ;;
*"/usr/share/doc/dkimarc/api/index.html"*"/usr/include/dkimarc.h"* | \
	*"/usr/include/dkimarc.h"*"/usr/share/doc/dkimarc/api/index.html"*) ok ;;
*) bad "libdkimarc.3 does not name /usr/include/dkimarc.h and /usr/share/doc/dkimarc/api/" ;;
esac
cd "$SRCDIR/vectors/sample" || exit 1
"$root/usr/bin/dkimarc" verify --json --keys keys.zone --at 2024-06-01 *.eml >"$tmp/s.json"
/usr/bin/python3 - "$tmp/s.json" <<'PY' && ok || bad "unpacked dkimarc: verdicts differ"
import json, sys
want = dict(l.split() for l in open("expected.txt") if l.strip() and not l.startswith("#"))
got = {json.loads(l)["file"]: json.loads(l)["verdict"] for l in open(sys.argv[1])}
sys.exit(0 if got == want else print(got) or 1)
PY

# The Python binding finds the unpacked library on its own.
pre=""
ldd "$root/usr/lib/libdkimarc.so.0" | grep -q libasan &&
	pre="$(${CC:-cc} -print-file-name=libasan.so):$(${CC:-cc} -print-file-name=libubsan.so)"
out=$(cd / && env -u DKIMARC_LIBRARY LD_PRELOAD="$pre" ASAN_OPTIONS=detect_leaks=0 \
	PYTHONPATH="$root/usr/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1 \
	/usr/bin/python3 -c 'import dkimarc as d
print(d.library_version(), d.library_path(), d.corpus_library_path())' 2>&1)
[ "$out" = "$ver $root/usr/lib/libdkimarc.so.0 $root/usr/lib/libdkimarc-corpus.so.0" ] && ok ||
	bad "python: '$out'"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
