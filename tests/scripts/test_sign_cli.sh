#!/usr/bin/env bash
# Drives `dkimarc keygen`, `dkimarc sign` and `dkimarc seal`: options, files,
# exit statuses and messages. Whether the signatures verify elsewhere is
# tests/sign/*_interop.py's job; here dkimarc's verifier is the check.
# Environment: DKIMARC = the built CLI.
set -u

: "${DKIMARC:?set DKIMARC to the dkimarc binary}"

pass=0
fail=0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cd "$tmp" || exit 1

ok() {
	pass=$((pass + 1))
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

expect_rc() {
	if [ "$rc" -eq "$2" ]; then ok; else not_ok "$1: exit $rc, want $2" "$err"; fi
}

expect_in() {
	case "$2" in
	*"$3"*) ok ;;
	*) not_ok "$1: no '$3' in output" "$2" ;;
	esac
}

# verdict FILE KEYS: the verdict dkimarc verify gives
verdict() {
	"$DKIMARC" verify --json --keys "$2" "$1" |
		/usr/bin/python3 -c 'import json, sys; print(json.loads(sys.stdin.readline())["verdict"])'
}

printf 'From: Joe <joe@example.com>\r\nTo: a@example.net\r\nSubject: hi\r\n\r\nbody\r\n' >m.eml
printf 'To: a@example.net\r\nSubject: no from\r\n\r\nbody\r\n' >nofrom.eml

# ---- keygen -------------------------------------------------------------------

run keygen --algorithm rsa --selector s1 --domain example.com
expect_rc "keygen rsa" 0
[ -f s1.private ] && ok || not_ok "keygen writes S.private by default"
[ "$(stat -c %a s1.private)" = 600 ] && ok || not_ok "the key file is mode 0600"
expect_in "keygen prints the zone line" "$(sed -n 1p out)" 's1._domainkey.example.com. IN TXT ( "v=DKIM1; k=rsa; p='
expect_in "keygen prints the archive line" "$(sed -n 2p out)" '{"name":"s1._domainkey.example.com","txt":"v=DKIM1; k=rsa; p='
sed -n 1p out >keys.zone
sed -n 2p out >keys.jsonl
expect_in "keygen says where the key is" "$err" "2048-bit RSA private key to s1.private"

cp s1.private before
run keygen --algorithm rsa --selector s1 --domain example.com
expect_rc "keygen over an existing key" 2
expect_in "keygen refuses to replace a key" "$err" "not replacing a key"
cmp -s before s1.private && ok || not_ok "the existing key is untouched"
run keygen --algorithm ed25519 --selector s1 --domain example.com --force
expect_rc "keygen --force" 0
cmp -s before s1.private && not_ok "--force replaced the key" || ok

run keygen --algorithm ed25519 --selector e1 --domain example.com --format seed -o e1.seed
expect_rc "keygen ed25519 seed" 0
[ "$(wc -c <e1.seed)" = 45 ] && ok || not_ok "a seed file is 44 base64 characters and a newline"
sed -n 2p out >>keys.jsonl

run keygen --algorithm rsa --bits 512 --selector x --domain example.com
expect_rc "keygen 512 bits" 2
run keygen --algorithm dsa --selector x --domain example.com
expect_rc "keygen unknown algorithm" 2
run keygen --algorithm rsa --selector 'bad sel' --domain example.com -o bad.key
expect_rc "keygen bad selector" 2
[ -e bad.key ] && not_ok "a key was written for an unusable selector" || ok
run keygen --algorithm ed25519 --format seed --selector x --domain example.com --bits 2048
expect_rc "keygen --bits with ed25519" 2

# ---- sign ---------------------------------------------------------------------

run keygen --algorithm rsa --selector s2 --domain example.com -o s2.key
sed -n 2p out >>keys.jsonl

run sign --domain example.com --selector s2 --key s2.key m.eml
expect_rc "sign a file" 0
"$DKIMARC" sign --domain example.com --selector s2 --key s2.key m.eml >signed.eml
[ "$(verdict signed.eml keys.jsonl)" = confirmed ] && ok || not_ok "a signed file is confirmed"
tail -c +$(($(wc -c <signed.eml) - $(wc -c <m.eml) + 1)) signed.eml | cmp -s - m.eml && ok ||
	not_ok "the message follows the signature unchanged"

STDIN=m.eml run sign --domain example.com --selector e1 --key e1.seed --timestamp 1700000000
expect_rc "sign standard input with a seed key" 0
expect_in "Ed25519 from a seed" "$out" "a=ed25519-sha256"
first=$out
STDIN=m.eml run sign --domain example.com --selector e1 --key e1.seed --timestamp 1700000000
[ "$out" = "$first" ] && ok || not_ok "a fixed --timestamp gives the same bytes"

run sign --domain example.com --selector s2 --key s2.key -o out.eml m.eml
expect_rc "sign -o" 0
[ "$(verdict out.eml keys.jsonl)" = confirmed ] && ok || not_ok "sign -o writes the signed message"

run sign --domain example.com --selector s2 --key s2.key nofrom.eml
expect_rc "sign without From" 1
expect_in "no From is explained" "$err" "no From field"
run sign --domain example.com --selector s2 --key s2.key --exact-headers from:subject nofrom.eml
expect_rc "sign without From, exact h=" 0

run sign --domain example.com --selector s2 --key no-such.key m.eml
expect_rc "sign with a missing key" 2
run sign --domain example.com --selector s2 --key keys.zone m.eml
expect_rc "sign with something that is no key" 2
run sign --selector s2 --key s2.key m.eml
expect_rc "sign without --domain" 2
run sign --domain example.com --selector s2 --key s2.key --algorithm rsa-sha1 m.eml
expect_rc "rsa-sha1 without --allow-sha1" 2
expect_in "rsa-sha1 is explained" "$err" "RFC 8301"
run sign --domain example.com --selector s2 --key s2.key --algorithm ed25519-sha256 m.eml
expect_rc "an algorithm that does not fit the key" 2
run sign --domain example.com --selector s2 --key s2.key --expire yesterday m.eml
expect_rc "bad --expire" 2
run sign --domain example.com --selector s2 --key s2.key --timestamp 1700000000 --expire 1600000000 m.eml
expect_rc "x= before t=" 1
run sign --domain example.com --selector s2 --key s2.key --identity joe@example.org m.eml
expect_rc "i= outside d=" 2
run sign --domain example.com --selector s2 --key s2.key m.eml other.eml
expect_rc "two messages" 2
run sign --domain example.com --selector s2 --key s2.key --oversign=yes m.eml
expect_rc "a flag with a value" 2

run sign --domain example.com --selector s2 --key s2.key --no-fold --timestamp 1 m.eml
[ "$(printf '%s' "$out" | head -1 | cut -c1-15)" = DKIM-Signature: ] && ok ||
	not_ok "--no-fold output starts with the field"
[ "$(printf '%s\n' "$out" | grep -c $'^[ \t]')" = 0 ] && ok ||
	not_ok "--no-fold leaves no continuation line"

# ---- seal ---------------------------------------------------------------------

printf 'Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.com\r\n' >ar.eml
cat signed.eml >>ar.eml
run seal --domain example.com --selector s2 --key s2.key --authserv-id mx.example.com \
	--keys keys.jsonl ar.eml
expect_rc "seal" 0
expect_in "seal writes the AS first" "$(printf '%s' "$out" | head -1)" "ARC-Seal: "
"$DKIMARC" seal --domain example.com --selector s2 --key s2.key --authserv-id mx.example.com \
	--keys keys.jsonl ar.eml >sealed.eml
"$DKIMARC" verify --json --keys keys.jsonl sealed.eml | /usr/bin/python3 -c '
import json, sys
j = json.loads(sys.stdin.readline())
sys.exit(0 if j["arc"]["result"] == "pass" and j["verdict"] == "confirmed" else 1)' && ok ||
	not_ok "a sealed message has a passing chain and its DKIM signature still confirms"

run seal --domain example.com --selector s2 --key s2.key --authserv-id other.example \
	--keys keys.jsonl ar.eml
expect_rc "seal without an AR for the authserv-id" 1
expect_in "the missing AR is explained" "$err" "no Authentication-Results field for authserv-id other.example"
run seal --domain example.com --selector s2 --key s2.key --keys keys.jsonl ar.eml
expect_rc "seal without --authserv-id" 2
run seal --domain example.com --selector s2 --key s2.key --authserv-id mx.example.com --cv maybe ar.eml
expect_rc "seal with a bad --cv" 2
run seal --domain example.com --selector s2 --key s2.key --authserv-id mx.example.com \
	--cv pass ar.eml
expect_rc "seal --cv pass without a chain" 1
run seal --domain example.com --selector s2 --key s2.key --authserv-id mx.example.com \
	--identity @example.com --cv none ar.eml
expect_rc "seal with --identity" 1

run help sign
expect_rc "help sign" 0
expect_in "help sign lists --oversign" "$out" "--oversign"
run help seal
expect_in "help seal lists --cv" "$out" "--cv ar"
run help keygen
expect_in "help keygen lists --format" "$out" "--format F"

echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
