#!/usr/bin/env bash
# Drives the dkimarc command: options, exit statuses, messages, text and JSON output.
# Environment: DKIMARC = the built CLI, SRCDIR = the repository root.
set -u

: "${DKIMARC:?set DKIMARC to the dkimarc binary}"
: "${SRCDIR:?set SRCDIR to the repository root}"

pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

ok() {
	pass=$((pass + 1))
	echo "ok   - $1"
}

not_ok() {
	fail=$((fail + 1))
	echo "FAIL - $1"
	[ -n "${2:-}" ] && printf '%s\n' "$2" | sed 's/^/       /'
	return 0
}

# run ARGS...: runs the CLI, leaving $out, $err and $rc.
run() {
	"$DKIMARC" "$@" >"$tmp/out" 2>"$tmp/err" <"${STDIN:-/dev/null}"
	rc=$?
	out=$(cat "$tmp/out")
	err=$(cat "$tmp/err")
}

# expect_rc NAME WANT
expect_rc() {
	if [ "$rc" -eq "$2" ]; then ok "$1: exit $2"; else not_ok "$1: exit $rc, want $2" "$err"; fi
}

# expect_eq NAME GOT WANT
expect_eq() {
	if [ "$2" = "$3" ]; then ok "$1"; else not_ok "$1: got '$2', want '$3'"; fi
}

# expect_in NAME TEXT NEEDLE
expect_in() {
	case "$2" in
	*"$3"*) ok "$1" ;;
	*) not_ok "$1: no '$3' in output" "$2" ;;
	esac
}

# json_check NAME LINE PYTHON-EXPR: EXPR (over j, the parsed line) must be true
json_check() {
	if python3 -c 'import json, sys
j = json.loads(sys.argv[1])
sys.exit(0 if eval("(" + sys.argv[2] + ")") else 1)' "$2" "$3" 2>"$tmp/py"; then
		ok "$1"
	else
		not_ok "$1: $3" "$2
$(cat "$tmp/py")"
	fi
}

# ---- basics ----------------------------------------------------------------

run --version
expect_rc "--version" 0
expect_eq "--version prints the version" "$out" "dkimarc 0.1.0"

run --help
expect_rc "--help" 0
expect_in "--help lists verify" "$out" "  verify "

run help verify
expect_rc "help verify" 0
expect_in "help verify lists --at" "$out" "--at TIME"

run verify --help
expect_rc "verify --help" 0

run
expect_rc "no command" 2

run frobnicate
expect_rc "unknown command" 2
expect_in "unknown command is named" "$err" "unknown command 'frobnicate'"

run verify --frobnicate
expect_rc "unknown option" 2
expect_in "unknown option is named" "$err" "dkimarc: unknown option '--frobnicate'"
expect_in "unknown option points to --help" "$err" "see dkimarc --help"

run verify --keys
expect_rc "--keys without FILE" 2
expect_in "--keys without FILE says so" "$err" "needs a FILE argument"

run verify --json= "$tmp/none"
expect_rc "--json= without FILE" 2
expect_in "--json= without FILE says so" "$err" "needs a FILE"

run verify --at yesterday-ish "$tmp/none"
expect_rc "bad --at" 2
expect_in "bad --at names the time" "$err" "invalid time 'yesterday-ish'"

run verify --keys "$tmp/no-such-keys" "$tmp/none"
expect_rc "missing keys file" 2
expect_in "missing keys file message" "$err" "dkimarc: "

run verify "$tmp/no-such-message.eml"
expect_rc "missing file" 2
expect_in "missing file message" "$err" \
	"dkimarc: cannot read $tmp/no-such-message.eml: No such file or directory"
expect_in "missing file hint" "$err" "check the path and permissions"

# ---- an unsigned message ---------------------------------------------------

printf 'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: hi\r\n\r\nHello.\r\n' \
	>"$tmp/unsigned.eml"

run verify "$tmp/unsigned.eml"
expect_rc "unsigned message" 1
expect_in "unsigned verdict in text" "$out" "$tmp/unsigned.eml: UNSIGNED"
# Without --keys keys come from live DNS; an unsigned message asks for none.
expect_eq "no warning without --keys" "$err" ""

run verify --json "$tmp/unsigned.eml"
expect_rc "unsigned message, --json" 1
expect_eq "--json prints one line" "$(printf '%s\n' "$out" | wc -l)" 1
json_check "unsigned JSON verdict" "$out" 'j["verdict"] == "unsigned"'
json_check "unsigned JSON signatures" "$out" 'j["signatures"] == []'
json_check "unsigned JSON file" "$out" "j['file'] == '$tmp/unsigned.eml'"
json_check "unsigned JSON key order" "$out" \
	'list(j) == ["file", "index", "offset", "verdict", "verdict_code", "verdict_reason", "flags", "unsigned_fields", "from_domain", "time", "date", "signatures", "arc", "note", "run"]'
json_check "no Date field: date is null" "$out" 'j["date"] is None'
printf 'From: a@example.org\r\nDate: Thu, 04 May 2017 10:00:00 +0200\r\nSubject: x\r\n\r\nHi.\r\n' \
	>"$tmp/dated.eml"
run verify --json "$tmp/dated.eml"
# Independent truth: Python's email.utils reads the same Date.
json_check "date is the Date field in unix seconds" "$out" \
	'j["date"] == int(__import__("email.utils").utils.parsedate_to_datetime("Thu, 04 May 2017 10:00:00 +0200").timestamp())'
run verify --json "$tmp/unsigned.eml"
json_check "unsigned JSON arc none" "$out" \
	'j["arc"]["result"] == "none" and j["arc"]["reason"] == "no_arc" and j["arc"]["instances"] == []'

# --json FILE and --json=FILE write the same lines into FILE; a word after a bare --json
# that is not named *.json, *.jsonl or *.ndjson is a message.
run verify --at 2024-06-01 --json "$tmp/unsigned.eml"
printf '%s\n' "$out" >"$tmp/want.jsonl"
for spelling in "--json $tmp/v.jsonl" "--json=$tmp/v.jsonl" "--json $tmp/v.JSON"; do
	rm -f "$tmp/v.jsonl" "$tmp/v.JSON"
	# shellcheck disable=SC2086
	run verify --at 2024-06-01 $spelling "$tmp/unsigned.eml"
	f=${spelling#--json[ =]}
	expect_rc "verify $spelling" 1
	expect_eq "verify $spelling: nothing on standard output" "$out" ""
	expect_eq "verify $spelling: the report in the file" "$(cat "$f" 2>/dev/null)" \
		"$(cat "$tmp/want.jsonl")"
done
cp "$tmp/unsigned.eml" "$tmp/unsigned.json.eml"
run verify --json "$tmp/unsigned.json.eml"
json_check "a bare --json before a message: JSON on standard output" "$out" \
	"j['file'] == '$tmp/unsigned.json.eml'"

# A bare --json never destroys a file: an existing *.jsonl that is not dkimarc's own output (a
# key archive in JSON Lines) is refused, and so is an output file that is also an input.
cp "$SRCDIR/vectors/sample/keys.jsonl" "$tmp/keys.jsonl"
run verify --json "$tmp/keys.jsonl" "$tmp/unsigned.eml"
expect_rc "--json ARCHIVE.jsonl refused" 2
expect_in "--json ARCHIVE.jsonl: says why" "$err" "is not dkimarc's JSON output"
expect_eq "--json ARCHIVE.jsonl: the archive untouched" "$(cat "$tmp/keys.jsonl")" \
	"$(cat "$SRCDIR/vectors/sample/keys.jsonl")"
run verify --json "$tmp/v.jsonl" "$tmp/unsigned.eml"
expect_rc "--json FILE over dkimarc's own earlier output" 1
cp "$tmp/unsigned.eml" "$tmp/self.eml"
run verify --json="$tmp/self.eml" "$tmp/self.eml"
expect_rc "--json=INPUT refused" 2
expect_eq "--json=INPUT: the input untouched" "$(cat "$tmp/self.eml")" "$(cat "$tmp/unsigned.eml")"

# keys list takes its --json FILE the same way.
run keys list --json "$tmp/k.jsonl" "$tmp/unsigned.eml"
expect_rc "keys list --json FILE" 0
expect_eq "keys list --json FILE: nothing on standard output" "$out" ""
if [ -f "$tmp/k.jsonl" ]; then ok "keys list --json FILE writes FILE"; else not_ok "keys list --json FILE writes FILE"; fi
run keys list --json="$tmp/k2.jsonl" "$tmp/unsigned.eml"
expect_rc "keys list --json=FILE" 0
if [ -f "$tmp/k2.jsonl" ]; then ok "keys list --json=FILE writes FILE"; else not_ok "keys list --json=FILE writes FILE"; fi

STDIN="$tmp/unsigned.eml" run verify --json
expect_rc "stdin without file" 1
json_check "stdin file is '-'" "$out" 'j["file"] == "-" and j["verdict"] == "unsigned"'

# Options after files, '-' for stdin, and '--' ending options.
cp "$tmp/unsigned.eml" "$tmp/--json"
STDIN="$tmp/unsigned.eml" run verify "$tmp/unsigned.eml" - --json
expect_rc "options after files" 1
expect_eq "one JSON line per input" "$(printf '%s\n' "$out" | wc -l)" 2
(cd "$tmp" && "$DKIMARC" verify -- --json >"$tmp/out" 2>/dev/null)
expect_in "'--' ends options" "$(cat "$tmp/out")" "--json: UNSIGNED"

# A bad file among good ones: the others are still verified, exit 2.
run verify --json "$tmp/missing.eml" "$tmp/unsigned.eml"
expect_rc "one missing among several" 2
json_check "the readable file is still verified" "$out" 'j["verdict"] == "unsigned"'

run verify --at 2017-05-05T12:00:00Z --json "$tmp/unsigned.eml"
expect_rc "--at with RFC 3339 time" 1
json_check "--at sets the report time" "$out" 'j["time"] == 1493985600'

# ---- RFC 6376 Appendix A, verified with its archived key -------------------

rfc="$SRCDIR/vectors/external/rfc/rfc6376-appendix-a"
run verify --keys-vector "$rfc/dns.txt" "$rfc/message.eml"
expect_rc "RFC 6376 A" 0
expect_in "RFC 6376 A confirmed in text" "$out" "$rfc/message.eml: CONFIRMED "
expect_in "RFC 6376 A signature passes" "$out" \
	"[1] pass  d=example.com s=brisbane a=rsa-sha256 c=simple/simple"

expect_eq "an archive with records loads without a word" "$err" ""

# An archive with no record (as a failed pin once wrote) loads, with a warning.
: >"$tmp/empty.jsonl"
printf '# only comments\n' >"$tmp/comments.zone"
run verify --keys "$tmp/empty.jsonl" --keys "$tmp/comments.zone" --keys-vector "$rfc/dns.txt" \
	"$rfc/message.eml"
expect_rc "empty archives beside a good one" 0
expect_in "an empty archive is warned about" "$err" \
	"dkimarc: warning: $tmp/empty.jsonl holds no key record"
expect_in "an archive of comments is warned about" "$err" \
	"dkimarc: warning: $tmp/comments.zone holds no key record"
expect_eq "each empty archive once" "$(printf '%s\n' "$err" | grep -c warning)" 2

run verify --json --keys-vector="$rfc/dns.txt" "$rfc/message.eml"
expect_rc "RFC 6376 A, --json" 0
json_check "RFC 6376 A confirmed in JSON" "$out" 'j["verdict"] == "confirmed"'
json_check "RFC 6376 A signature in JSON" "$out" \
	'[(s["result"], s["domain"], s["selector"]) for s in j["signatures"]]
	 == [("pass", "example.com", "brisbane")]'
json_check "the run says the file is a test vector's, for a rerun" "$out" \
	'[f.get("format") for k in j["run"]["keys"] for f in k["files"]] == ["test-vector"]'

# ---- a test vector's dns.txt, which can make up DNS failures, is read only when asked for ----

run verify --keys "$rfc/dns.txt" "$rfc/message.eml"
expect_rc "--keys refuses a test vector's dns.txt" 2
expect_eq "--keys of a vector verifies nothing" "$out" ""
expect_in "--keys of a vector: says what the file looks like" "$err" \
	"dkimarc: $rfc/dns.txt:2: looks like a test-vector file"
expect_in "--keys of a vector: says how to load it" "$err" "--keys-vector FILE"
printf 'brisbane._domainkey.example.com\tSERVFAIL\n' >"$tmp/servfail.txt"
run verify --json --keys "$tmp/servfail.txt" "$rfc/message.eml"
expect_rc "--keys refuses a file of made-up failures" 2
expect_in "--keys of made-up failures: says so" "$err" \
	"dkimarc: $tmp/servfail.txt:1: looks like a test-vector file"
run verify --json --keys-vector "$tmp/servfail.txt" "$rfc/message.eml"
expect_rc "--keys-vector plays out a SERVFAIL" 1
json_check "--keys-vector SERVFAIL: temperror, never a pass" "$out" \
	'(j["signatures"][0]["result"], j["signatures"][0]["reason"]) == ("temperror", "dns_tempfail")
	 and "SERVFAIL (from archive " in j["signatures"][0]["reason_text"]'
# Both options load into one archive, in the order given.
printf 'brisbane._domainkey.example.com v=DKIM1; p=\n' >"$tmp/revoked.keys"
run verify --json --keys "$tmp/revoked.keys" --keys-vector "$rfc/dns.txt" "$rfc/message.eml"
json_check "--keys then --keys-vector: both files, in order" "$out" \
	'[f["file"].rsplit("/", 1)[1] for f in j["run"]["keys"][0]["files"]]
	 == ["revoked.keys", "dns.txt"] and j["run"]["keys"][0]["records"] == 2'
run verify --keys-vector
expect_rc "--keys-vector without FILE" 2
expect_in "--keys-vector without FILE: says so" "$err" "option '--keys-vector' needs a FILE"
run verify --help
expect_in "verify --help lists --keys-vector" "$out" "--keys-vector FILE"

# ---- i= is dkim-quoted-printable (RFC 6376 §2.11): shown decoded, malformed is an error ----

qp="$SRCDIR/vectors/adversarial/sig-i-qp-encoded"
run verify --json --keys-vector "$qp/dns.txt" "$qp/message.eml"
expect_rc "i= in quoted-printable verifies" 0
json_check "JSON auid is i= decoded" "$out" 'j["signatures"][0]["auid"] == "alice.bob@example.com"'
run verify --ar mx.example --keys-vector "$qp/dns.txt" "$qp/message.eml"
expect_in "--ar header.i is i= decoded" "$out" " header.i=alice.bob@example.com "

qp="$SRCDIR/vectors/adversarial/sig-i-not-quoted-printable"
run verify --json --keys-vector "$qp/dns.txt" "$qp/message.eml"
expect_rc "i= not quoted-printable is not confirmed" 1
json_check "i= not quoted-printable: permerror sig_syntax" "$out" \
	'(j["signatures"][0]["result"], j["signatures"][0]["reason"]) == ("permerror", "sig_syntax")'

# ---- --explain-dir: each folder says which message and signature it is about ------

run verify --explain-dir "$tmp/ex" --keys "$SRCDIR/vectors/sample/keys.zone" --at 2024-06-01 \
	"$SRCDIR/vectors/sample/confirmed-rsa.eml" "$SRCDIR/vectors/sample/unverifiable-no-key.eml"
expect_rc "--explain-dir" 1
about1=$(cat "$tmp/ex/m1-s1/ABOUT" 2>/dev/null)
about2=$(cat "$tmp/ex/m2-s1/ABOUT" 2>/dev/null)
expect_in "m1-s1/ABOUT names the message" "$about1" \
	"message: $SRCDIR/vectors/sample/confirmed-rsa.eml"
expect_in "m1-s1/ABOUT names the signature" "$about1" "d=example.com s=mail2024 a=rsa-sha256"
expect_in "m1-s1/ABOUT gives its result" "$about1" "result: pass (ok)"
expect_in "m2-s1/ABOUT names the second message" "$about2" \
	"message: $SRCDIR/vectors/sample/unverifiable-no-key.eml"
expect_in "m2-s1/ABOUT: no key" "$about2" "result: permerror (key_not_found)"
STDIN="$SRCDIR/vectors/sample/confirmed-rsa.eml" run verify --explain-dir "$tmp/ex2" \
	--keys "$SRCDIR/vectors/sample/keys.zone" --json
expect_in "a message on standard input is named so" "$(cat "$tmp/ex2/m1-s1/ABOUT" 2>/dev/null)" \
	"message: standard input"

# ---- a binary key file: its bytes are shown escaped, not sent to the terminal --------

printf '\211PNG\r\n\032\n\033]0;pwned\007\033[31m\377\n' >"$tmp/binary.key"
run verify --keys "$tmp/binary.key" "$tmp/unsigned.eml"
expect_rc "binary key file" 2
expect_in "the bad bytes are named as \\xNN" "$err" '\x89PNG'
if /usr/bin/python3 -c 'import sys
b = open(sys.argv[1], "rb").read()
b.decode("utf-8")
sys.exit(any(c < 0x20 and c != 0x0a or c == 0x7f for c in b))' "$tmp/err"; then
	ok "the error is UTF-8 text without control bytes"
else
	not_ok "the error carries raw bytes of the key file" "$(od -c "$tmp/err" | head -5)"
fi

# ---- standard input on a terminal: say what is awaited ---------------------

# The command reads a pty (a terminal); the message is typed, then Ctrl-D.
tty_run() {
	python3 - "$DKIMARC" "$@" <<'PY'
import os, pty, subprocess, sys, time
master, slave = pty.openpty()
p = subprocess.Popen(sys.argv[1:], stdin=slave, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
os.close(slave)
time.sleep(0.3)
os.write(master, open(os.environ["MSG"], "rb").read().replace(b"\r\n", b"\n") + b"\x04")
out, err = p.communicate(timeout=30)
os.close(master)
sys.stdout.write(err.decode() + "--\n" + out.decode())
PY
}
both=$(MSG="$tmp/unsigned.eml" tty_run verify)
expect_in "verify on a terminal says it reads standard input" "$both" \
	"dkimarc: reading the message from standard input (Ctrl-D to end)"
expect_in "... and then reads it" "$both" "-: UNSIGNED"
run verify "$tmp/unsigned.eml"
expect_eq "nothing said when a FILE is given" "$err" ""
STDIN="$tmp/unsigned.eml" run verify
expect_eq "nothing said when standard input is not a terminal" "$err" ""
printf '%s\n' "$tmp/unsigned.eml" >"$tmp/paths"
both=$(MSG="$tmp/paths" tty_run scan --keys "$SRCDIR/vectors/sample/keys.zone" -)
expect_in "scan - on a terminal says it reads paths" "$both" \
	"dkimarc: reading paths from standard input, one per line (Ctrl-D to end)"

# ---- counts: one of a thing is singular --------------------------------------

sample="$SRCDIR/vectors/sample"
run keys list "$sample/confirmed-rsa.eml"
expect_in "keys list: 1 message, 1 key, 0 items" "$err" \
	"1 message read, 1 signed, 1 distinct key; 0 items skipped"
run keys list "$sample/confirmed-rsa.eml" "$sample/third-party.eml" "$sample/keys.zone"
expect_in "keys list: 2 messages, 2 keys, 1 item" "$err" \
	"2 messages read, 2 signed, 2 distinct keys; 1 item skipped"
rfc="$SRCDIR/vectors/external/rfc/rfc6376-appendix-a"
run verify --keys-vector "$rfc/dns.txt" --at 2017-05-05 "$rfc/message.eml"
expect_in "an archive of one record" "$out" "keys: archive of 1 record from 1 file"
run scan --keys "$sample/keys.zone" --at 2024-06-01 "$sample/confirmed-rsa.eml"
expect_in "scan: 1 message, 1 item" "$out" "summary: 1 message verified, 1 item in all"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
