#!/bin/bash
# Checks the bundled sample (vectors/sample/) with each key archive format.
#
# Run by ctest with DKIMARC (the CLI) and SRCDIR (the repository root) set.
# For each of keys.zone, keys.txt and keys.jsonl it verifies every
# vectors/sample/*.eml and compares each message's verdict with expected.txt.
# It also runs the README's command (keys.zone, no --at) and checks that the
# three formats give identical JSON once key_source and key_record, which name
# the archive file and line, are removed. Ends with "N passed, M failed".
set -u

: "${DKIMARC:?DKIMARC must name the dkimarc CLI}"
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
AT=2024-06-01T00:00:00Z   # after every t= in the sample; fixes the "time" field

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$SRCDIR/vectors/sample" || exit 1

msgs=(*.eml)
errors=0
runs=()

# run NAME ARGS...: one CLI run over all messages, JSON Lines to $tmp/NAME.json
run() {
	local name=$1
	shift
	"$DKIMARC" verify "$@" --json "${msgs[@]}" >"$tmp/$name.json" 2>"$tmp/$name.err"
	local rc=$?
	# Not every sample message is confirmed, so the right exit status is 1.
	if [ "$rc" -ne 1 ]; then
		echo "FAIL: dkimarc verify $* exited $rc (expected 1):"
		sed 's/^/    /' "$tmp/$name.err"
		errors=$((errors + 1))
	fi
	runs+=("$name")
}

run zone --keys keys.zone --at "$AT"
run txt --keys keys.txt --at "$AT"
run jsonl --keys keys.jsonl --at "$AT"
run readme --keys keys.zone

"$PY" - "$tmp" "$errors" "${runs[@]}" <<'EOF'
import json, sys

tmp, errors, runs = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
passed, failed = 0, errors

expected = {}
with open("expected.txt") as f:
    for line in f:
        if line.strip() and not line.startswith("#"):
            name, verdict = line.split()
            expected[name] = verdict

reports = {}
for run in runs:
    reports[run] = {}
    with open("%s/%s.json" % (tmp, run)) as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                r = json.loads(line)
            except ValueError as e:
                print("FAIL [%s]: line %d is not JSON (%s)" % (run, n, e))
                failed += 1
                continue
            reports[run][r.get("file")] = r

# 1. verdicts, message by message, in every run
for run in runs:
    for name in sorted(expected):
        r = reports[run].get(name)
        if r is None:
            print("FAIL [%s] %s: no report" % (run, name))
            failed += 1
        elif r.get("verdict") != expected[name]:
            sigs = "; ".join("%s/%s (%s)" % (s.get("result"), s.get("reason"),
                                             s.get("reason_text")) for s in r.get("signatures", []))
            print("FAIL [%s] %s: expected %s, got %s (%s) [%s]"
                  % (run, name, expected[name], r.get("verdict"), r.get("verdict_reason"),
                     sigs or "no signatures"))
            failed += 1
        else:
            passed += 1
    for name in sorted(set(reports[run]) - set(expected)):
        print("FAIL [%s] %s: not listed in expected.txt" % (run, name))
        failed += 1

# 2. the three archive formats give the same JSON apart from key provenance
def strip(r):
    r = json.loads(json.dumps(r))
    r.pop("run", None)  # names the archive used, which differs here by design
    for s in r.get("signatures", []):
        s.pop("key_source", None)
        s.pop("key_record", None)
    return r

def diff(a, b, path=""):
    """First few differing paths between two JSON values."""
    if type(a) != type(b):
        return ["%s: %r != %r" % (path or "/", a, b)]
    if isinstance(a, dict):
        out = []
        for k in sorted(set(a) | set(b)):
            if k not in a or k not in b:
                out.append("%s/%s: only in one" % (path, k))
            else:
                out += diff(a[k], b[k], "%s/%s" % (path, k))
        return out
    if isinstance(a, list):
        if len(a) != len(b):
            return ["%s: %d != %d items" % (path, len(a), len(b))]
        out = []
        for i, (x, y) in enumerate(zip(a, b)):
            out += diff(x, y, "%s[%d]" % (path, i))
        return out
    return [] if a == b else ["%s: %r != %r" % (path, a, b)]

for other in ("txt", "jsonl"):
    if other not in reports or "zone" not in reports:
        continue
    for name in sorted(expected):
        a, b = reports["zone"].get(name), reports[other].get(name)
        if a is None or b is None:
            continue  # already reported
        d = diff(strip(a), strip(b))
        if d:
            print("FAIL [zone vs %s] %s: JSON differs: %s" % (other, name, "; ".join(d[:4])))
            failed += 1
        else:
            passed += 1

print("%d passed, %d failed" % (passed, failed))
sys.exit(1 if failed else 0)
EOF
