#!/usr/bin/env bash
# Installs the build into a temporary prefix, builds the examples there
# through pkg-config (examples/Makefile) and through CMake
# find_package(dkimarc COMPONENTS corpus) (examples/CMakeLists.txt), and runs
# both builds on the sample messages: verify_file (the core alone: it must not
# load the corpus library, GMime or GLib) must print the verdict of
# vectors/sample/expected.txt for each and exit 0 exactly for the confirmed
# ones; scan_folder (the corpus library) the same verdicts for a folder of
# them and an mbox. Also: a missing key archive is reported with the
# library's message, the installed man pages are there, and the prefix's
# Python binding loads the prefix's two libraries.
set -u
: "${BUILDDIR:?}" "${SRCDIR:?}"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix="$tmp/prefix"

if ! cmake --install "$BUILDDIR" --prefix "$prefix" >"$tmp/install.log" 2>&1; then
	cat "$tmp/install.log"
	echo "0 passed, 1 failed"
	exit 1
fi
lib=$(dirname "$(find "$prefix" -name 'libdkimarc.so.0' | head -1)")

for page in man1/dkimarc.1 man1/dkimarc-verify.1 man3/libdkimarc.3; do
	[ -f "$prefix/share/man/$page" ] && ok || bad "man page $page not installed"
done
# libdkimarc(3) names where this installation put the header and the HTML reference.
page="$prefix/share/man/man3/libdkimarc.3"
grep -q "^\.I $prefix/share/doc/dkimarc/api/index.html$" "$page" && ok ||
	bad "libdkimarc.3 does not name $prefix/share/doc/dkimarc/api/index.html"
grep -q "^\.I $prefix/include/dkimarc.h$" "$page" && ok ||
	bad "libdkimarc.3 does not name $prefix/include/dkimarc.h"
if grep -q "PREFIX/\|/usr/share/doc" "$page"; then bad "libdkimarc.3 names another installation's paths"; else ok; fi

# A sanitizer build of the library needs the programs linked the same way.
san=""
ldd "$lib/libdkimarc.so" | grep -q libasan && san="-fsanitize=address,undefined"

# 0. the Python binding of the prefix loads the prefix's library by itself
pre=""
[ -n "$san" ] && pre="$(${CC:-cc} -print-file-name=libasan.so):$(${CC:-cc} -print-file-name=libubsan.so)"
out=$(cd / && env -u DKIMARC_LIBRARY LD_PRELOAD="$pre" ASAN_OPTIONS=detect_leaks=0 \
	PYTHONPATH="$prefix/lib/python3/dist-packages" PYTHONDONTWRITEBYTECODE=1 \
	/usr/bin/python3 -c 'import dkimarc; print(dkimarc.library_path(), dkimarc.corpus_library_path())' 2>&1)
[ "$out" = "$lib/libdkimarc.so.0 $lib/libdkimarc-corpus.so.0" ] && ok ||
	bad "python from the prefix loaded '$out'"

# 1. pkg-config, through the example's Makefile, built outside the source tree
mkdir -p "$tmp/pc"
if PKG_CONFIG_PATH="$lib/pkgconfig" make -s -C "$tmp/pc" -f "$SRCDIR/examples/Makefile" \
	CC="${CC:-cc}" CFLAGS="-O2 $san -Werror" LDFLAGS="$san -Wl,-rpath,$lib" \
	>"$tmp/pc.log" 2>&1; then
	ok
else
	bad "pkg-config build failed:"
	sed 's/^/    /' "$tmp/pc.log"
fi

# 2. CMake find_package(dkimarc), with only the prefix to go on
if cmake -S "$SRCDIR/examples" -B "$tmp/cm" -DCMAKE_PREFIX_PATH="$prefix" \
	-DCMAKE_C_COMPILER="${CC:-cc}" -DCMAKE_C_FLAGS="$san -Werror" \
	-DCMAKE_EXE_LINKER_FLAGS="$san" >"$tmp/cm.log" 2>&1 &&
	cmake --build "$tmp/cm" >>"$tmp/cm.log" 2>&1; then
	ok
else
	bad "CMake find_package build failed:"
	sed 's/^/    /' "$tmp/cm.log"
fi

# 3. both builds of verify_file on every sample message
cd "$SRCDIR/vectors/sample" || exit 1
for build in pc cm; do
	prog="$tmp/$build/verify_file"
	[ -x "$prog" ] || continue
	# A single-message verifier links the core alone.
	needed=$(readelf -d "$prog" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p' | tr '\n' ' ')
	case " $needed" in *" libdkimarc.so.0 "*) ok ;; *) bad "[$build] verify_file needs: $needed" ;; esac
	if ldd "$prog" | grep -E 'libdkimarc-corpus|libgmime|libglib|libgio|libgobject|libgpgme'; then
		bad "[$build] verify_file loads the corpus library or GLib"
	else
		ok
	fi
	while read -r name verdict; do
		case "$name" in '' | '#'*) continue ;; esac
		out=$("$prog" keys.zone "$name" 2>&1)
		rc=$?
		first=$(printf '%s\n' "$out" | head -1)
		want_rc=1
		case "$verdict" in confirmed | confirmed-third-party) want_rc=0 ;; esac
		if [ "$first" = "$name: $verdict" ] && [ "$rc" -eq "$want_rc" ]; then
			ok
		else
			bad "[$build] $name: got '$first' (exit $rc), want '$name: $verdict' (exit $want_rc)"
		fi
	done <expected.txt
	# An error is reported with dkimarc_last_error()'s message, exit 2.
	out=$("$prog" "$tmp/no-such-keys.zone" confirmed-rsa.eml 2>&1)
	rc=$?
	if [ "$rc" -eq 2 ] && printf '%s' "$out" | grep -q "no-such-keys.zone.*No such file"; then
		ok
	else
		bad "[$build] missing key archive: exit $rc, output '$out'"
	fi
done

# 4. both builds of scan_folder on a folder of the sample messages and an mbox
# of two of them: the same verdicts, the mbox's messages numbered from 1.
mkdir "$tmp/corpus"
cp ./*.eml "$tmp/corpus/"
for f in confirmed-rsa.eml altered-body.eml; do
	printf 'From someone@example.com Sat Jun  1 00:00:00 2024\n'
	cat "$f"
	printf '\n'
done >"$tmp/corpus/box.mbox"
{
	grep -v '^#' expected.txt | while read -r name verdict; do
		[ -n "$name" ] && echo "$tmp/corpus/$name: $verdict"
	done
	echo "$tmp/corpus/box.mbox#1: confirmed"
	echo "$tmp/corpus/box.mbox#2: altered"
} | sort >"$tmp/scan.want"
for build in pc cm; do
	prog="$tmp/$build/scan_folder"
	if [ ! -x "$prog" ]; then
		bad "[$build] scan_folder was not built"
		continue
	fi
	"$prog" keys.zone "$tmp/corpus" >"$tmp/scan.out" 2>&1
	rc=$?
	sort "$tmp/scan.out" >"$tmp/scan.got"
	if [ "$rc" -eq 1 ] && cmp -s "$tmp/scan.want" "$tmp/scan.got"; then
		ok
	else
		bad "[$build] scan_folder (exit $rc): $(diff "$tmp/scan.want" "$tmp/scan.got")"
	fi
	ldd "$prog" | grep -q libdkimarc-corpus.so.0 && ok ||
		bad "[$build] scan_folder does not load libdkimarc-corpus"
done

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
