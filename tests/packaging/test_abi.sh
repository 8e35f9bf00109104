#!/usr/bin/env bash
# The shared libraries' ABI (docs/abi.md): libdkimarc (the core) and
# libdkimarc-corpus (the corpus reader) export only dkimarc_* symbols, each
# exactly the functions its headers declare DKIMARC_API (corpus.h for the
# corpus reader, every other part for the core); each SONAME carries the
# major version and each file name the full version; dkimarc_version()
# agrees with the header and the build.
set -u
: "${DKIMARC_LIB:?DKIMARC_LIB must name libdkimarc.so}" "${SRCDIR:?}"
: "${DKIMARC_CORPUS_LIB:?DKIMARC_CORPUS_LIB must name libdkimarc-corpus.so}"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

lib=$(readlink -f "$DKIMARC_LIB")
corpus_lib=$(readlink -f "$DKIMARC_CORPUS_LIB")
# The API: dkimarc.h and the parts it includes; the version is in common.h.
common="$SRCDIR/include/dkimarc/common.h"
ver=$(sed -n 's/^#define DKIMARC_VERSION_STRING *"\([^"]*\)".*/\1/p' "$common")
major=$(sed -n 's/^#define DKIMARC_VERSION_MAJOR *\([0-9]*\).*/\1/p' "$common")
core_hdrs=("$SRCDIR/include/dkimarc.h")
for h in "$SRCDIR"/include/dkimarc/*.h; do
	[ "$(basename "$h")" = corpus.h ] || core_hdrs+=("$h")
done
corpus_hdrs=("$SRCDIR/include/dkimarc/corpus.h")

declared() {
	cat "$@" | tr '\n' ' ' | grep -oE 'DKIMARC_API[^;(]*[^A-Za-z0-9_]dkimarc_[a-z0-9_]+ *\(' |
		grep -oE 'dkimarc_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u
}

# check NAME FILE MIN HEADERS...: one shared library against its headers
check() {
	local name=$1 file=$2 min=$3
	shift 3
	# 1. exported symbols: dkimarc_* and nothing else
	nm -D --defined-only "$file" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/exported"
	if [ ! -s "$tmp/exported" ]; then
		bad "nm -D --defined-only found no symbols in $file"
	elif grep -v '^dkimarc_' "$tmp/exported" >"$tmp/stray"; then
		bad "$name exports symbols outside dkimarc_*: $(tr '\n' ' ' <"$tmp/stray")"
	else
		ok
	fi
	# 2. exactly the headers' DKIMARC_API functions (none hidden by mistake, none extra)
	declared "$@" >"$tmp/declared"
	if [ "$(wc -l <"$tmp/declared")" -lt "$min" ]; then
		bad "found only $(wc -l <"$tmp/declared") DKIMARC_API declarations in $*"
	else
		ok
	fi
	local missing extra
	missing=$(comm -23 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
	extra=$(comm -13 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
	[ -z "$missing" ] && ok || bad "declared DKIMARC_API but not exported by $name: $missing"
	[ -z "$extra" ] && ok || bad "exported by $name but not declared DKIMARC_API in $*: $extra"
	echo "$name: $(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/declared") declared"
	# 3. SONAME and file name
	local soname
	soname=$(objdump -p "$file" | awk '$1 == "SONAME" {print $2}')
	[ "$soname" = "$name.so.$major" ] && ok ||
		bad "SONAME is '$soname', want $name.so.$major (DKIMARC_VERSION_MAJOR)"
	[ "$(basename "$file")" = "$name.so.$ver" ] && ok ||
		bad "library file is $(basename "$file"), want $name.so.$ver"
	# 4. no text relocations, and no executable stack
	if readelf -d "$file" | grep -q TEXTREL; then bad "$name: text relocations"; else ok; fi
	if readelf -lW "$file" | grep GNU_STACK | grep -q RWE; then
		bad "$name: executable stack"
	else
		ok
	fi
}
check libdkimarc "$lib" 50 "${core_hdrs[@]}"
check libdkimarc-corpus "$corpus_lib" 10 "${corpus_hdrs[@]}"

# 5. dkimarc_version() at run time = header = CMake project version
cat >"$tmp/v.c" <<'C'
#include <dkimarc.h>
#include <stdio.h>
#include <string.h>
int main(void)
{
	printf("%s\n", dkimarc_version());
	return strcmp(dkimarc_version(), DKIMARC_VERSION_STRING) != 0;
}
C
san=""
ldd "$lib" | grep -q libasan && san="-fsanitize=address,undefined"
if ${CC:-cc} $san -I"$SRCDIR/include" "$tmp/v.c" -o "$tmp/v" "$lib" -Wl,-rpath,"$(dirname "$lib")" \
	2>"$tmp/cc.err"; then
	got=$("$tmp/v")
	rc=$?
	[ "$rc" -eq 0 ] && [ "$got" = "$ver" ] && ok ||
		bad "dkimarc_version() is '$got', header says $ver"
else
	bad "cannot build the version check: $(cat "$tmp/cc.err")"
fi
pv=$(sed -n 's/^project(dkimarc VERSION \([0-9.]*\).*/\1/p' "$SRCDIR/CMakeLists.txt")
[ "$pv" = "$ver" ] && ok || bad "CMakeLists.txt project version $pv != header $ver"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
