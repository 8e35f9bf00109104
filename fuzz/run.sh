#!/usr/bin/env bash
# Runs libFuzzer targets for a while each and prints their exec counts.
#   bash fuzz/run.sh [-t SECONDS] [-j JOBS] [-b BUILDDIR] [TARGET...]
# Defaults: 30 s per target, one at a time, build-fuzz/, every fuzz_* built
# there. Seeds come from vectors/ (fuzz/seeds.py) and fuzz/regress/<target>/;
# new coverage is kept in BUILDDIR/corpus/<target>/, so later runs resume
# from it. A crash, leak, hang (-timeout, 10 s per input) or memory blow-up
# (-rss_limit_mb) stops the target, leaves the input in BUILDDIR/artifacts/,
# and makes the exit status 1.
set -uo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
secs=30
jobs=1
dir=$repo/build-fuzz
while getopts "t:j:b:" o; do
	case $o in
	t) secs=$OPTARG ;;
	j) jobs=$OPTARG ;;
	b) dir=$OPTARG ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))
targets=()
for t in "$@"; do
	targets+=("${t#fuzz_}")
done
if [ ${#targets[@]} -eq 0 ]; then
	for f in "$dir"/fuzz_*; do
		[ -x "$f" ] && targets+=("$(basename "${f#"$dir"/fuzz_}")")
	done
fi
[ ${#targets[@]} -gt 0 ] || { echo "run.sh: no fuzz targets in $dir (run fuzz/build.sh)"; exit 2; }
mkdir -p "$dir/artifacts" "$dir/logs"
/usr/bin/python3 "$repo/fuzz/seeds.py" "$dir/seeds" "${targets[@]}" >/dev/null

# Runs one target; leaves its table row in logs/<t>.row and exits with its status.
run_one() {
	local t=$1 bin=$dir/fuzz_$1 log=$dir/logs/$1.log
	[ -x "$bin" ] || { printf '%-14s not built\n' "fuzz_$t" >"$dir/logs/$t.row"; return 1; }
	mkdir -p "$dir/corpus/$t" "$dir/seeds/$t"
	local dirs=("$dir/corpus/$t" "$dir/seeds/$t")
	[ -d "$repo/fuzz/regress/$t" ] && dirs+=("$repo/fuzz/regress/$t")
	local opts=(-max_total_time="$secs" -timeout=10 -rss_limit_mb=1024 -print_final_stats=1
		-artifact_prefix="$dir/artifacts/$t-")
	if [ -f "$repo/fuzz/$t.dict" ]; then
		opts+=(-dict="$repo/fuzz/$t.dict")
	elif [ "$t" != dns ]; then
		opts+=(-dict="$repo/fuzz/dkim.dict")
	fi
	local start rc took execs cov corpus status
	start=$(date +%s)
	ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1} "$bin" "${opts[@]}" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	took=$(($(date +%s) - start))
	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
	cov=$(grep -o 'cov: [0-9]*' "$log" | tail -1 | cut -d' ' -f2)
	corpus=$(ls "$dir/corpus/$t" | wc -l)
	status=ok
	[ $rc -ne 0 ] && status="FAILED (exit $rc; log $log)"
	printf '%-14s %8s %12s %9s %7s %8s  %s\n' "fuzz_$t" "$took" "${execs:-?}" \
		"$((${execs:-0} / (took > 0 ? took : 1)))" "${cov:-?}" "$corpus" "$status" \
		>"$dir/logs/$t.row"
	if [ $rc -ne 0 ]; then
		grep -m4 -E 'ERROR|invariant|SUMMARY|Test unit written' "$log" | sed 's/^/    /' \
			>>"$dir/logs/$t.row"
	fi
	return $rc
}

pids=()
for t in "${targets[@]}"; do
	while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
		wait -n
	done
	run_one "$t" &
	pids+=($!)
done
failed=0
for p in "${pids[@]}"; do
	wait "$p" || failed=1
done
printf '%-14s %8s %12s %9s %7s %8s  %s\n' target seconds execs "execs/s" cov corpus status
for t in "${targets[@]}"; do
	cat "$dir/logs/$t.row"
done
exit $failed
