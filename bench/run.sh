#!/usr/bin/env bash
# The verifier benchmark of docs/performance.md, in one command: dkimarc
# against libopendkim, dkimpy and Mail::DKIM on one generated corpus, the
# physical limit of this machine (openssl speed), scaling over cores, and
# memory as a message grows. See bench/README.md.
#
#   bash bench/run.sh [--build DIR] [--workdir DIR] [--count N] [--passes N]
#                     [--tiny] [--no-doc] [--no-perf] [--no-leak]
#
#   --build DIR    a CMake build (default: build/) with dkimarc, libdkimarc and
#                  the harnesses of tests/bench (cmake --build DIR)
#   --workdir DIR  where the corpus is cached and results go (default
#                  /tmp/dkimarc-bench); the corpus is made again only when the
#                  generator, the count or the seed changes
#   --count N      messages in the corpus (default 2000, about 80 MB)
#   --passes N     rounds of the bound and the one-core harnesses (two passes each
#                  per round); the best round counts (default 3)
#   --tiny         what CI runs: 40 messages, one pass, short openssl speed,
#                  1 and 10 MB streamed; checks and reports, but writes no doc
#   --no-doc       do not rewrite docs/performance.md and docs/performance.png
#   --no-perf      no profile of dkimarc (perf record)
#   --no-leak      do not scan the full synthetic leak (bench/leak_bench.sh, about a
#                  minute: the 71,848-mail target)
#
# Single-threaded harnesses run pinned to one CPU (taskset) unless BENCH_PIN=0.
# Exit status: 0 when every harness produced results that agree with the
# ground truth (Mail::DKIM's missing Ed25519 aside), 1 when not, 2 on a setup
# error, 77 when a reference verifier is not installed (ctest skips).
set -euo pipefail
src=$(cd "$(dirname "$0")/.." && pwd)
build=$src/build
work=/tmp/dkimarc-bench
count=2000
passes=3
tiny=0
doc=1
perf=1
leak=1
seed=8
while [ $# -gt 0 ]; do
	case $1 in
	--build) build=$2; shift 2 ;;
	--workdir) work=$2; shift 2 ;;
	--count) count=$2; shift 2 ;;
	--passes) passes=$2; shift 2 ;;
	--tiny) tiny=1; count=40; passes=1; doc=0; perf=0; leak=0; shift ;;
	--no-doc) doc=0; shift ;;
	--no-perf) perf=0; shift ;;
	--no-leak) leak=0; shift ;;
	*) echo "usage: bench/run.sh [--build DIR] [--workdir DIR] [--count N] [--passes N]" \
		"[--tiny] [--no-doc] [--no-perf] [--no-leak]" >&2
	   exit 2 ;;
	esac
done
build=$(cd "$build" && pwd)
cli=$build/dkimarc
bin=$build/tests/bench
for f in "$cli" "$bin/dkimarc_bench" "$bin/stream_rss" "$bin/ed25519_speed"; do
	[ -x "$f" ] || { echo "run.sh: $f missing: build $build first (cmake --build)" >&2; exit 2; }
done
if [ ! -x "$bin/opendkim_bench" ] || ! /usr/bin/python3 -c 'import dkim, nacl' 2>/dev/null ||
	! perl -MMail::DKIM::Verifier -e1 2>/dev/null; then
	echo "SKIP: a reference verifier is missing (libopendkim-dev, python3-dkim, python3-nacl," \
		"libmail-dkim-perl: scripts/install-deps.sh --test)"
	exit 77
fi
# Pinned to the first CPU this process may use (CPU 0 unless a cpuset says otherwise).
pin=()
if [ "${BENCH_PIN:-1}" != 0 ] && command -v taskset >/dev/null; then
	cpu=$(/usr/bin/python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
	if taskset -c "$cpu" true 2>/dev/null; then
		pin=(taskset -c "$cpu")
	fi
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
corpus=$work/corpus-n$count-s$seed
res=$work/results
rm -rf "$res"
mkdir -p "$res"
log() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }

# ---- machine ----------------------------------------------------------------
{
	echo "date=$(date -u +%Y-%m-%dT%H:%MZ)"
	echo "cpus=$(nproc)"
	echo "cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
	echo "kernel=$(uname -sr)"
	echo "openssl=$(openssl version | cut -d' ' -f1-2)"
	echo "load_start=$(cut -d' ' -f1-3 /proc/loadavg)"
	# Empty in the cache when not given: CMakeLists.txt then builds RelWithDebInfo.
	bt=$(sed -n 's/^CMAKE_BUILD_TYPE:[A-Z]*=//p' "$build/CMakeCache.txt")
	echo "build_type=${bt:-RelWithDebInfo}"
	echo "sanitize=$(sed -n 's/^DKIMARC_SANITIZE:BOOL=//p' "$build/CMakeCache.txt")"
	echo "tiny=$tiny"
	echo "passes=$passes"
	echo "speed_seconds=1"
	echo "per_round=$([ $tiny = 1 ] && echo 1 || echo 2)"
	echo "pinned=${pin[*]:-no}"
} >"$res/machine.txt"

# ---- corpus (cached) ------------------------------------------------------------
stamp="$(sha256sum "$src/bench/gen_corpus.py" | cut -d' ' -f1) count=$count seed=$seed"
if [ ! -f "$corpus/stamp" ] || [ "$(cat "$corpus/stamp")" != "$stamp" ]; then
	log "generating the corpus ($count messages) in $corpus"
	/usr/bin/python3 "$src/bench/gen_corpus.py" "$corpus" --dkimarc "$cli" --count "$count" \
		--seed "$seed" >&2
	echo "$stamp" >"$corpus/stamp"
else
	log "corpus cached in $corpus"
fi
cd "$corpus"

# ---- one core: the physical limit and the harnesses, in rounds --------------------
# A shared or virtual machine has slow minutes. So the limit (openssl speed, and
# libsodium's Ed25519) and every harness run once in each of $passes rounds, all on
# the same pinned CPU, and each figure is its best round: the highest rate of a
# primitive, the fastest pass of a verifier. A slow minute then costs a round,
# not a verifier or the bound.
#
# bench/cputime.py watches each process from outside (wall, CPU, peak memory); the
# harnesses time their passes themselves, corpus reading excluded.
timed() {
	local name=$1
	shift
	/usr/bin/python3 "$src/bench/cputime.py" "$res/$name.time.json" "$@"
}
speed_s=1
[ $tiny = 1 ] && ed_s=0.5 || ed_s=1
# Two passes of each verifier per round (one in a tiny run): all alike.
[ $tiny = 1 ] && per=1 || per=2
mapfile -t files <list.txt
# Results per signature from the first round ($r) only; later rounds only time.
out() { [ "$r" = 1 ] && echo "$res/$1.tsv" || echo "$res/$1-$r.tsv"; }
for r in $(seq "$passes"); do
	log "round $r: openssl speed -seconds $speed_s sha256 sha1 rsa2048 rsa1024 ed25519"
	{
		"${pin[@]}" openssl speed -seconds $speed_s -bytes 8192 sha256 sha1
		"${pin[@]}" openssl speed -seconds $speed_s -bytes 1024 sha256 sha1
		"${pin[@]}" openssl speed -seconds $speed_s rsa2048 rsa1024 ed25519
	} >"$res/openssl-speed-$r.txt" 2>/dev/null
	"${pin[@]}" "$bin/ed25519_speed" $ed_s >"$res/ed25519-speed-$r.json"
	log "round $r: dkimarc (library, in memory)"
	timed "dkimarc-$r" "${pin[@]}" "$bin/dkimarc_bench" --keys keys.jsonl --passes $per \
		--results "$(out dkimarc)" --stats "$res/dkimarc-$r.stats.json" list.txt
	log "round $r: dkimarc (library, streaming)"
	timed "dkimarc-stream-$r" "${pin[@]}" "$bin/dkimarc_bench" --keys keys.jsonl --passes $per \
		--chunk 65536 --results "$(out dkimarc-stream)" \
		--stats "$res/dkimarc-stream-$r.stats.json" list.txt
	log "round $r: libopendkim (DKIM_QUERY_FILE)"
	timed "opendkim-$r" "${pin[@]}" "$bin/opendkim_bench" --keys keys.opendkim --passes $per \
		--results "$(out opendkim)" --stats "$res/opendkim-$r.stats.json" list.txt
	log "round $r: libopendkim (keys from memory)"
	timed "opendkim-memkeys-$r" "${pin[@]}" "$bin/opendkim_bench" --keys keys.opendkim \
		--lookup memory --passes $per --results "$(out opendkim-memkeys)" \
		--stats "$res/opendkim-memkeys-$r.stats.json" list.txt
	log "round $r: dkimpy"
	timed "dkimpy-$r" "${pin[@]}" /usr/bin/python3 "$src/bench/dkimpy_bench.py" \
		--keys keys.opendkim --passes $per --results "$(out dkimpy)" \
		--stats "$res/dkimpy-$r.stats.json" list.txt
	log "round $r: Mail::DKIM"
	timed "maildkim-$r" "${pin[@]}" perl "$src/bench/maildkim_bench.pl" --keys keys.opendkim \
		--passes $per --results "$(out maildkim)" --stats "$res/maildkim-$r.stats.json" list.txt
	# The CLI as a user runs it: reading files, JSON out. Timed from outside only.
	log "round $r: dkimarc verify --json"
	rc=0
	timed "cli-$r" "${pin[@]}" "$cli" verify --keys keys.jsonl --json "${files[@]}" \
		>"$res/cli.jsonl" || rc=$?
	[ $rc -le 1 ] || { echo "run.sh: dkimarc verify exited $rc" >&2; exit 1; }
	# The same without the diagnosis of failed signatures (on by default in verify,
	# off in scan and in the library harness): the same work as the library's.
	log "round $r: dkimarc verify --no-diagnose --json"
	rc=0
	timed "clinodiag-$r" "${pin[@]}" "$cli" verify --keys keys.jsonl --no-diagnose --json \
		"${files[@]}" >"$res/clinodiag.jsonl" || rc=$?
	[ $rc -le 1 ] || { echo "run.sh: dkimarc verify exited $rc" >&2; exit 1; }
	log "round $r: dkimarc scan --jobs 1 --json=FILE"
	rc=0
	timed "cliscan-$r" "${pin[@]}" "$cli" scan --keys keys.jsonl --jobs 1 --no-progress \
		--json="$res/cliscan.jsonl" -q - <list.txt >/dev/null 2>&1 || rc=$?
	[ $rc -le 1 ] || { echo "run.sh: dkimarc scan exited $rc" >&2; exit 1; }
	# What a run costs before its first message: one message, the same keys.
	rc=0
	timed "clione-$r" "${pin[@]}" "$cli" verify --keys keys.jsonl --json "${files[0]}" \
		>/dev/null || rc=$?
	[ $rc -le 1 ] || { echo "run.sh: dkimarc verify exited $rc" >&2; exit 1; }
done

# ---- two cores: dkimarc scan --jobs 1 and 2 ----------------------------------------
# The list of files five times over (10,000 messages by default), read from standard
# input: long enough that start-up does not count. Jobs 1
# and 2 alternate, so that a change of load hits both alike.
# A run lasts a second or two, and a virtual machine's second core comes and goes
# (steal, kernel threads): at least 11 passes each, the fastest counts. The machine's
# CPU counters around each run (/proc/stat) say what else had the cores meanwhile.
if [ $tiny = 1 ]; then rounds=1; else rounds=5; fi
scan_passes=$passes
[ $tiny = 1 ] || [ "$scan_passes" -ge 11 ] || scan_passes=11
for r in $(seq $rounds); do cat list.txt; done >"$res/scan-list.txt"
echo "scan_rounds=$rounds" >>"$res/machine.txt"
for p in $(seq "$scan_passes"); do
	for j in 1 2; do
		log "dkimarc scan --jobs $j (pass $p)"
		rc=0
		head -1 /proc/stat >"$res/scan-j$j-$p.procstat"
		timed "scan-j$j-$p" "$cli" scan --keys keys.jsonl --jobs $j --no-progress \
			--json="$res/scan-j$j.jsonl" -q - <"$res/scan-list.txt" >/dev/null 2>&1 || rc=$?
		head -1 /proc/stat >>"$res/scan-j$j-$p.procstat"
		[ $rc -le 1 ] || { echo "run.sh: dkimarc scan exited $rc" >&2; exit 1; }
	done
done

# ---- memory as a message grows: the streaming verifier ------------------------------
sizes="1000000 10000000"
[ $tiny = 1 ] || sizes="$sizes 100000000 1000000000"
: >"$res/stream.jsonl"
for s in $sizes; do
	log "stream_rss $s"
	"${pin[@]}" "$bin/stream_rss" "$s" >>"$res/stream.jsonl"
done

# ---- the synthetic leak: 71,848 mails on two cores --------------------------------------
if [ $leak = 1 ]; then
	log "bench/leak_bench.sh (the synthetic leak, scan --jobs 2)"
	bash "$src/bench/leak_bench.sh" "$build" 1 2 >"$res/leak.txt" 2>&1 ||
		echo "FAIL: bench/leak_bench.sh exited $?" >>"$res/leak.txt"
fi

# ---- where dkimarc's time goes --------------------------------------------------------
if [ $perf = 1 ] && command -v perf >/dev/null; then
	log "perf record (dkimarc_bench)"
	if perf record -q -F 1999 --call-graph dwarf,8192 -o "$res/perf.data" -- "${pin[@]}" \
		"$bin/dkimarc_bench" --keys keys.jsonl --passes 10 list.txt \
		>/dev/null 2>"$res/perf.err"; then
		perf script -i "$res/perf.data" -F ip,sym,dso 2>/dev/null | gzip -1 \
			>"$res/perf-script.txt.gz" || true
	fi
	rm -f "$res/perf.data"
fi
echo "load_end=$(cut -d' ' -f1-3 /proc/loadavg)" >>"$res/machine.txt"

# ---- checks, figures, docs ------------------------------------------------------------------
args=("$res" --corpus "$corpus")
if [ $doc = 1 ]; then
	args+=(--doc "$src/docs/performance.md" --png "$src/docs/performance.png")
fi
/usr/bin/python3 "$src/bench/report.py" "${args[@]}"
