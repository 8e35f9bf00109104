#!/usr/bin/env bash
# cmake --install puts the header, both libraries, the CLI, the man page, the
# pkg-config file and the CMake package config in place, and a program
# builds against the installed library through pkg-config.
set -u
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
pass=0 fail=0
check() { if eval "$2"; then pass=$((pass + 1)); else echo "FAIL: $1"; fail=$((fail + 1)); fi; }

cmake --install "$BUILDDIR" --prefix "$prefix" >/dev/null
lib=$(ls -d "$prefix"/lib* | head -1)
check "header" "[ -f '$prefix/include/dkimarc.h' ]"
for part in common keysrc dns report arc verify sign corpus; do
  check "header part $part" "[ -f '$prefix/include/dkimarc/$part.h' ]"
done
check "shared library" "ls '$lib'/libdkimarc.so.0* >/dev/null 2>&1"
check "static library" "[ -f '$lib/libdkimarc.a' ]"
check "cli" "[ -x '$prefix/bin/dkimarc' ]"
check "man page" "[ -f '$prefix/share/man/man1/dkimarc.1' ]"
check "pkg-config file" "[ -f '$lib/pkgconfig/dkimarc.pc' ]"
check "cmake config" "[ -f '$lib/cmake/dkimarc/dkimarcConfig.cmake' ]"

cat > "$prefix/v.c" <<'C'
#include <dkimarc.h>
#include <stdio.h>
int main(void) { puts(dkimarc_version()); return 0; }
C
export PKG_CONFIG_PATH="$lib/pkgconfig"
# A sanitizer build of the library needs the program linked the same way.
san=""
ldd "$lib/libdkimarc.so" | grep -q libasan && san="-fsanitize=address,undefined"
check "builds via pkg-config" \
  "cc $san '$prefix/v.c' \$(pkg-config --cflags --libs dkimarc) -o '$prefix/v' -Wl,-rpath,'$lib'"
check "runs and reports version" "[ \"\$('$prefix/v')\" = \"\$('$prefix/bin/dkimarc' --version | awk '{print \$2}')\" ]"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
