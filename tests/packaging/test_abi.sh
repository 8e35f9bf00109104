#!/usr/bin/env bash
# The shared library's ABI (docs/abi.md): only dkimarc_* symbols exported,
# exactly the functions the header declares DKIMARC_API; the SONAME carries
# the major version; the file name carries the full version; dkimarc_version()
# agrees with the header and the build.
set -u
: "${DKIMARC_LIB:?DKIMARC_LIB must name libdkimarc.so}" "${SRCDIR:?}"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

lib=$(readlink -f "$DKIMARC_LIB")
# The API: dkimarc.h and the parts it includes; the version is in common.h.
hdrs=("$SRCDIR/include/dkimarc.h" "$SRCDIR"/include/dkimarc/*.h)
common="$SRCDIR/include/dkimarc/common.h"
ver=$(sed -n 's/^#define DKIMARC_VERSION_STRING *"\([^"]*\)".*/\1/p' "$common")
major=$(sed -n 's/^#define DKIMARC_VERSION_MAJOR *\([0-9]*\).*/\1/p' "$common")

# 1. exported symbols: dkimarc_* and nothing else
nm -D --defined-only "$lib" | awk '{print $NF}' | sed 's/@.*//' | sort -u >"$tmp/exported"
if [ ! -s "$tmp/exported" ]; then
	bad "nm -D --defined-only found no symbols in $lib"
elif grep -v '^dkimarc_' "$tmp/exported" >"$tmp/stray"; then
	bad "exported symbols outside dkimarc_*: $(tr '\n' ' ' <"$tmp/stray")"
else
	ok
fi

# 2. exactly the header's DKIMARC_API functions (none hidden by mistake, none extra)
cat "${hdrs[@]}" | tr '\n' ' ' | grep -oE 'DKIMARC_API[^;(]*[^A-Za-z0-9_]dkimarc_[a-z0-9_]+ *\(' |
	grep -oE 'dkimarc_[a-z0-9_]+ *\($' | tr -d ' (' | sort -u >"$tmp/declared"
if [ "$(wc -l <"$tmp/declared")" -lt 50 ]; then
	bad "found only $(wc -l <"$tmp/declared") DKIMARC_API declarations in ${hdrs[*]}"
else
	ok
fi
missing=$(comm -23 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
extra=$(comm -13 "$tmp/declared" "$tmp/exported" | tr '\n' ' ')
[ -z "$missing" ] && ok || bad "declared DKIMARC_API but not exported: $missing"
[ -z "$extra" ] && ok || bad "exported but not declared DKIMARC_API in the header: $extra"

# 3. SONAME and file name
soname=$(objdump -p "$lib" | awk '$1 == "SONAME" {print $2}')
[ "$soname" = "libdkimarc.so.$major" ] && ok ||
	bad "SONAME is '$soname', want libdkimarc.so.$major (DKIMARC_VERSION_MAJOR)"
[ "$(basename "$lib")" = "libdkimarc.so.$ver" ] && ok ||
	bad "library file is $(basename "$lib"), want libdkimarc.so.$ver"

# 4. no text relocations, and no executable stack
if readelf -d "$lib" | grep -q TEXTREL; then bad "text relocations"; else ok; fi
if readelf -lW "$lib" | grep GNU_STACK | grep -q RWE; then bad "executable stack"; else ok; fi

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

echo "$(wc -l <"$tmp/exported") symbols exported, $(wc -l <"$tmp/declared") declared"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
