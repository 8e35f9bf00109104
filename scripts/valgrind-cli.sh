#!/usr/bin/env bash
# Runs the CLI test scripts with every dkimarc invocation under valgrind
# memcheck: no invalid read or write, no use of uninitialised memory, no
# definite or indirect leak. The release build (RelWithDebInfo: -O2 -g) in
# build/, which scripts/test.sh makes (VALGRIND_BUILDDIR to change it).
#   bash scripts/valgrind-cli.sh [TEST_SCRIPT...]
# Default scripts: VALGRIND_TESTS, or the CLI tests listed below (the
# adversarial vectors in the default profile only: valgrind is slow), and one
# dkimarc scan of vectors/leak-sample/ (folders, maildir, mbox: 151 messages
# in one process; test_scan.py itself takes minutes under valgrind). Each
# invocation writes its own log; any error in any log fails the run, and the
# logs with errors are printed.
set -uo pipefail
cd "$(dirname "$0")/.."
repo=$(pwd)
dir=${VALGRIND_BUILDDIR:-$repo/build}
tests=("$@")
if [ ${#tests[@]} -eq 0 ]; then
	read -r -a tests <<<"${VALGRIND_TESTS:-test_cli.sh test_sample.sh test_adversarial.py}"
fi

if [ ! -f "$dir/CMakeCache.txt" ]; then
	cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDKIMARC_WERROR=ON >/dev/null || exit 1
fi
grep -q -- '-O2 -g' "$dir/CMakeFiles/dkimarc_objects.dir/flags.make" ||
	{ echo "valgrind-cli: $dir is not a release (-O2 -g) build"; exit 1; }
grep -q -- '-fsanitize' "$dir/CMakeFiles/dkimarc_objects.dir/flags.make" &&
	{ echo "valgrind-cli: $dir is a sanitizer build"; exit 1; }
cmake --build "$dir" -j"${JOBS:-2}" --target dkimarc_cli >/dev/null || exit 1

logs=$dir/valgrind-logs
rm -rf "$logs"
mkdir -p "$logs"
chmod 1777 "$logs" # test_scan.py runs the CLI as nobody too
wrapper=$dir/dkimarc-valgrind
cat >"$wrapper" <<WRAP
#!/bin/sh
# dkimarc under valgrind memcheck (made by scripts/valgrind-cli.sh).
exec valgrind --quiet --error-exitcode=99 --leak-check=full \\
	--show-leak-kinds=definite,indirect --errors-for-leak-kinds=definite,indirect \\
	--track-origins=yes --log-file="$logs/%p.log" "$dir/dkimarc" "\$@"
WRAP
chmod +x "$wrapper"

# One script: its output in $logs/<script>.out, its summary line in .sum, status in .rc.
run_script() {
	local t=$1 src=$repo/tests/scripts/$1 start runner
	start=$(date +%s)
	case $t in
	*.py) runner=(/usr/bin/python3 "$src") ;;
	*) runner=(bash "$src") ;;
	esac
	DKIMARC=$wrapper SRCDIR=$repo BUILDDIR=$dir ADVERSARIAL_PROFILES=default \
		"${runner[@]}" >"$logs/$t.out" 2>&1
	echo $? >"$logs/$t.rc"
	echo "valgrind-cli: $t: $(tail -1 "$logs/$t.out") ($(($(date +%s) - start)) s)" >"$logs/$t.sum"
}

# Valgrind runs one thread; VALGRIND_JOBS scripts run side by side (default 2).
failed=0
for t in "${tests[@]}"; do
	[ -f "$repo/tests/scripts/$t" ] || { echo "valgrind-cli: no tests/scripts/$t"; failed=1; continue; }
	while [ "$(jobs -rp | wc -l)" -ge "${VALGRIND_JOBS:-2}" ]; do
		wait -n
	done
	run_script "$t" &
done
# The corpus reader on the leak sample, beside the scripts.
(
	cd "$repo/vectors/leak-sample" &&
		"$wrapper" scan --keys keys.zone --json --at 2017-05-06T00:00:00Z --no-progress leak \
			>"$logs/scan.out" 2>&1
	rc=$?
	n=$(grep -c '"file"' "$logs/scan.out")
	echo "valgrind-cli: dkimarc scan vectors/leak-sample: $n records, exit $rc" >"$logs/scan.sum"
	# Exit 1: not every message is confirmed, as the truth says; 3 would be an unreadable item.
	[ $rc -eq 1 ] && [ "$n" -ge 150 ]
	echo $? >"$logs/scan.rc"
) &
wait
for t in "${tests[@]}" scan; do
	[ -f "$logs/$t.sum" ] || continue
	cat "$logs/$t.sum"
	if [ "$(cat "$logs/$t.rc")" != 0 ]; then
		grep -E 'FAIL|MISMATCH' "$logs/$t.out" | head -20 | sed 's/^/    /'
		failed=1
	fi
done

runs=$(ls "$logs"/*.log 2>/dev/null | wc -l)
bad=$(grep -l -E 'ERROR SUMMARY: [1-9]|definitely lost|indirectly lost|Invalid (read|write)|uninitialised' "$logs"/*.log 2>/dev/null)
if [ -n "$bad" ]; then
	failed=1
	for f in $bad; do
		echo "== $f"
		head -60 "$f"
	done
fi
echo "valgrind-cli: $runs dkimarc runs under memcheck, $(printf '%s' "$bad" | grep -c . ) with errors"
exit $failed
