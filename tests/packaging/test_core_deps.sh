#!/usr/bin/env bash
# The verifying core, libdkimarc, links no GLib, GIO or gpgme (nor GMime,
# which brings them): neither directly (readelf's NEEDED) nor through its
# dependencies (ldd). They belong to the corpus reader, libdkimarc-corpus,
# which is checked to need GMime, so that the test cannot pass on a build
# that dropped mbox reading. docs/architecture.md says why.
set -u
: "${DKIMARC_LIB:?}" "${DKIMARC_CORPUS_LIB:?}"
pass=0 fail=0
ok() { pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
banned='libglib-2\.0|libgio-2\.0|libgobject-2\.0|libgmodule-2\.0|libgpgme|libgmime'

needed() { readelf -d "$1" | sed -n 's/.*(NEEDED).*\[\(.*\)\]/\1/p'; }

core_needed=$(needed "$DKIMARC_LIB")
if grep -E "$banned" <<<"$core_needed"; then bad "libdkimarc needs GLib, GIO, gpgme or GMime"; else ok; fi
for want in libcrypto.so.3 libsodium libcares libpsl libjansson; do
	grep -q "^$want" <<<"$core_needed" && ok || bad "libdkimarc does not need $want: $core_needed"
done
if ldd "$DKIMARC_LIB" | grep -E "$banned"; then
	bad "libdkimarc loads GLib, GIO, gpgme or GMime through its dependencies"
else
	ok
fi
if ldd "$DKIMARC_LIB" | grep -q 'not found'; then bad "ldd: $(ldd "$DKIMARC_LIB")"; else ok; fi

corpus_needed=$(needed "$DKIMARC_CORPUS_LIB")
for want in libdkimarc.so.0 libgmime-3.0; do
	grep -q "^$want" <<<"$corpus_needed" && ok || bad "libdkimarc-corpus does not need $want"
done

echo "libdkimarc: $(ldd "$DKIMARC_LIB" | wc -l) shared objects under ldd;" \
	"libdkimarc-corpus: $(ldd "$DKIMARC_CORPUS_LIB" | wc -l)"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
