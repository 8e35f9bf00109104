#!/usr/bin/env bash
# Replays every fuzz target's seeds and fuzz/regress/<target>/ inputs through
# its standalone build (tests/fuzz/CMakeLists.txt); run by ctest.
#   bash fuzz/regress.sh SEEDDIR REGRESS_BINARY...
# A target that aborts (a broken invariant, a sanitizer report) fails it.
set -u
repo=$(cd "$(dirname "$0")/.." && pwd)
seeds=$1
shift
pass=0 fail=0
for bin in "$@"; do
	t=$(basename "$bin")
	t=${t#regress_}
	/usr/bin/python3 "$repo/fuzz/seeds.py" "$seeds" "$t" >/dev/null
	dirs=()
	[ -d "$seeds/$t" ] && dirs+=("$seeds/$t")
	[ -d "$repo/fuzz/regress/$t" ] && dirs+=("$repo/fuzz/regress/$t")
	if out=$("$bin" "${dirs[@]}" 2>&1); then
		pass=$((pass + 1))
		echo "ok   - fuzz_$t: $out"
	else
		fail=$((fail + 1))
		echo "FAIL - fuzz_$t"
		printf '%s\n' "$out" | tail -20 | sed 's/^/       /'
	fi
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
