#!/usr/bin/env bash
# Where the command line's time goes: perf record of `dkimarc scan --jobs 1 --json=FILE` over
# the bench corpus, on one pinned CPU, as shares per library (like issue 18's profile) and
# per step. For docs/performance.md, "The command line": run it on two builds to compare.
#
#   bash bench/cli_profile.sh BUILD [CORPUS]     (CORPUS: bench/run.sh's, by default
#                                                 /tmp/dkimarc-bench/corpus-n2000-s8)
set -euo pipefail
build=$(cd "$1" && pwd)
corpus=${2:-/tmp/dkimarc-bench/corpus-n2000-s8}
command -v perf >/dev/null || { echo "cli_profile.sh: perf missing (linux-perf)" >&2; exit 77; }
[ -f "$corpus/list.txt" ] || { echo "cli_profile.sh: no corpus in $corpus (bench/run.sh)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$corpus"
cpu=$(/usr/bin/python3 -c 'import os; print(min(os.sched_getaffinity(0)))')
# Three runs in one profile, so that a slow moment weighs less.
for i in 1 2 3; do
	perf record -q -F 2999 --call-graph dwarf,16384 -o "$tmp/p$i.data" -- taskset -c "$cpu" "$build/dkimarc" scan \
		--keys keys.jsonl --jobs 1 --no-progress --json="$tmp/out$i.jsonl" -q - <list.txt \
		>/dev/null 2>&1 || true
done
{
	for i in 1 2 3; do
		perf report -i "$tmp/p$i.data" --no-children --sort dso --stdio -g none 2>/dev/null |
			sed 's/^/dso /'
		perf report -i "$tmp/p$i.data" --children --sort sym --stdio -g none 2>/dev/null |
			sed 's/^/sym /'
	done
} | /usr/bin/python3 -c '
import re, sys, collections
dso, sym = collections.defaultdict(list), collections.defaultdict(list)
for line in sys.stdin:
    kind, _, rest = line.partition(" ")
    m = re.match(r"\s+([\d.]+)%\s+(?:([\d.]+)%\s+)?(\S.*?)\s*$", rest)
    if not m:
        continue
    if kind == "dso":
        dso[m.group(3)].append(float(m.group(1)))
    else:
        name = re.sub(r"^\[[.k]\]\s+", "", m.group(3))
        sym[re.sub(r"\s+\(inlined\)$", "", name)].append(float(m.group(1)))
avg = lambda v: sum(v) / 3
print("| where (self time, by library) | share |")
print("|---|---:|")
for name, v in sorted(dso.items(), key=lambda kv: -avg(kv[1])):
    if avg(v) >= 0.5:
        name = {"[kernel.kallsyms]": "the kernel"}.get(name, re.sub(r"\.so[.\d]*$", "", name))
        print("| %s | %.1f %% |" % (name, avg(v)))
print()
# Each step: parts that add up, each part under whichever of its names the build shows
# (a public function that only calls its _impl is a tail call, without a frame of its own).
steps = [("verifying (dkimarc_verifier_write and _finish)",
          [["dkimarc_verifier_write"], ["dkimarc_verifier_finish"]]),
         ("each key'"'"'s own checks, once per key (in setup or in verifying)",
          [["da_rsa_key_checks"]]),
         ("setup: the key archive and its shared-prime search", [["keyopts_setup_checks"]]),
         # The kernel side: its call chains are whole, where user-space ones through
         # libc may be cut.
         ("opening and reading the files, in the kernel (open, stat, read, close)",
          [["ksys_read"], ["__x64_sys_pread64"], ["__x64_sys_openat"],
           ["__do_sys_newfstatat"], ["__x64_sys_close"]]),
         ("the reports as JSON", [["dkimarc_corpus_item_json", "item_json_impl",
                                   "corpus_item_json_impl"]])]
print("| step (inclusive) | share |")
print("|---|---:|")
for label, names in steps:
    print("| %s | %.1f %% |" % (label, sum(max([avg(sym[n]) for n in alt if n in sym] or [0])
                                           for alt in names)))
'
