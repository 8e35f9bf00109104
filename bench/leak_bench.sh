#!/usr/bin/env bash
# The synthetic leak at full size: generate it, scan it, time both.
#
#   bash bench/leak_bench.sh BUILDDIR [SCALE [JOBS...]]
#
# BUILDDIR holds dkimarc and tests/leak/leakgen (cmake --build). SCALE 1 (the
# default) is the 2017 corpus: 71,848 mails, 21,075 confirmable; SCALE 10 is
# what CI runs. Each JOBS value (default: the number of cores, then 1) gives one
# timed scan with JSON Lines written to a file, as an investigator would run it.
# Every scan's per-verdict counts are checked against the ground truth, and the
# outputs of all runs must be identical. Results go to standard output; the
# corpus is written under $LEAK_DIR (default: a temporary folder, removed).
set -euo pipefail

build=${1:?usage: bench/leak_bench.sh BUILDDIR [SCALE [JOBS...]]}
build=$(cd "$build" && pwd) # the scans run from the corpus folder
scale=${2:-1}
shift $(($# > 2 ? 2 : $#))
jobs=("$@")
[ ${#jobs[@]} -eq 0 ] && jobs=("$(nproc)" 1)
cli=$build/dkimarc
gen=$build/tests/leak/leakgen
[ -x "$cli" ] && [ -x "$gen" ] || { echo "build dkimarc and leakgen in $build first" >&2; exit 2; }

if [ -n "${LEAK_DIR:-}" ]; then
	work=$LEAK_DIR
	mkdir -p "$work"
else
	work=$(mktemp -d /tmp/dkimarc-leak-bench.XXXXXX)
	trap 'rm -rf "$work"' EXIT
fi
rm -rf "$work/leak-out"

# /usr/bin/time: wall and CPU seconds, peak memory of one command (its output kept aside).
timed() {
	local label=$1
	shift
	local rc=0
	/usr/bin/time -f "$label	%e s wall	%U+%S s CPU	%M KiB" -o "$work/time.txt" "$@" >"$work/stdout.txt" || rc=$?
	tail -1 "$work/time.txt"
	return $rc
}

echo "# $(date -u +%Y-%m-%d), $(nproc) cores, $(uname -sr), load $(cut -d' ' -f1-3 /proc/loadavg)"
timed "leakgen --scale $scale" "$gen" --scale "$scale" "$work/leak-out" 2>/dev/null
size=$(du -sh --apparent-size "$work/leak-out/leak" | cut -f1)
files=$(find "$work/leak-out/leak" -type f | wc -l)
echo "corpus: $size in $files files"

cd "$work/leak-out"
first=
for j in "${jobs[@]}"; do
	timed "scan --jobs $j" "$cli" scan --keys keys.zone --at 2017-05-06T00:00:00Z --jobs "$j" \
		--no-progress --json="$work/scan-$j.jsonl" --summary-json "$work/summary-$j.json" \
		-q leak || [ $? -eq 1 ]
	if [ -z "$first" ]; then
		first=$j
	elif ! cmp -s "$work/scan-$first.jsonl" "$work/scan-$j.jsonl"; then
		echo "FAIL: --jobs $first and --jobs $j give different output" >&2
		exit 1
	fi
done

# Per-verdict counts of the scan against the ground truth.
/usr/bin/python3 - "$work/summary-$first.json" truth.tsv <<'EOF'
import collections, json, sys
s = json.load(open(sys.argv[1]))
truth = collections.Counter(l.split("\t")[3] for l in open(sys.argv[2]) if not l.startswith("#"))
bad = [v for v in s["verdicts"] if s["verdicts"][v]["count"] != truth[v]]
print("verdicts: " + ", ".join("%s %d" % (v, s["verdicts"][v]["count"]) for v in s["verdicts"]))
if bad:
    sys.exit("FAIL: counts differ from the ground truth for %s" % bad)
print("ground truth reproduced (per-verdict counts; tests/leak/check_leak.py checks each message)")
EOF
