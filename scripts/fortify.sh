#!/usr/bin/env bash
# Builds with -D_FORTIFY_SOURCE=3 -fstack-protector-strong (gcc 12 and
# glibc 2.36 support level 3; it needs optimisation, so -O2) in
# build-fortify/ and runs the test suite there: glibc then checks buffer
# sizes it can see at run time, and stack smashing aborts.
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${FORTIFY_BUILDDIR:-build-fortify}
flags="-O2 -g -U_FORTIFY_SOURCE -D_FORTIFY_SOURCE=3 -fstack-protector-strong"
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=None -DDKIMARC_WERROR=ON \
	-DCMAKE_C_FLAGS="$flags" >/dev/null
cmake --build "$dir" -j"${JOBS:-2}"
# The flags reached the compiler, and glibc's checked functions are linked in.
grep -q -- '-D_FORTIFY_SOURCE=3' "$dir/CMakeFiles/dkimarc_objects.dir/flags.make"
syms=$(nm -D "$dir/libdkimarc.so")
grep -q '__[a-z]*_chk@' <<<"$syms" || { echo "fortify: no __*_chk calls in libdkimarc.so"; exit 1; }
grep -q '__stack_chk_fail' <<<"$syms" || { echo "fortify: no stack protector"; exit 1; }
ctest --test-dir "$dir" --output-on-failure -j"${JOBS:-2}" ${FORTIFY_CTEST_ARGS:-}
