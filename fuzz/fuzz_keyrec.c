/*
 * Key records (RFC 6376 §3.6.1) and public-key decoding: da_keyrec_parse,
 * then da_pkey_decode and a signature check with the decoded key.
 *
 * Oracle: a signature check over a fixed digest with bytes from the input
 * must never succeed. The fuzzer controls key and signature but not a
 * private key; a key that verifies arbitrary bytes is one that lets anyone
 * sign (RSA e=1, Ed25519 small-order points), and must have been refused.
 * (Keys anyone can factor, key_small_factor, key_fermat, key_roca, or a
 * private key in p= are refused too; they let anyone sign given the
 * factors, not arbitrary bytes.)
 */
#include "crypto.h"
#include "fuzz.h"
#include "keycheck.h"

#include <string.h>

/* Neither way to verify passes: a context set up here, or the cache's prepared one. */
static void never_passes(EVP_PKEY *pk, const da_rsa_prep *prep, int key_type, int hash,
                         const unsigned char *digest, size_t dlen, const unsigned char *sig,
                         size_t slen)
{
	FUZZ_CHECK(da_verify_digest(pk, NULL, key_type, hash, digest, dlen, sig, slen) != 1);
	FUZZ_CHECK(da_verify_digest(pk, prep, key_type, hash, digest, dlen, sig, slen) != 1);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	da_keyrec k;
	char err[200];
	dkimarc_reason r = da_keyrec_parse((const char *)data, size, &k, err, sizeof err);

	if (r != DKIMARC_REASON_OK) {
		FUZZ_CHECK(r == DKIMARC_REASON_KEY_SYNTAX && err[0] != '\0');
		FUZZ_CHECK(k.pk == NULL);
		return 0;
	}
	FUZZ_CHECK(k.key_type == DA_KEY_RSA || k.key_type == DA_KEY_ED25519);
	FUZZ_CHECK((k.hashes & ~(unsigned)(DA_HASH_SHA1 | DA_HASH_SHA256)) == 0);
	FUZZ_CHECK(k.revoked == (k.pk == NULL));
	if (k.revoked) {
		da_keyrec_clear(&k);
		return 0;
	}

	unsigned bits = 0;
	dkimarc_reason why = DKIMARC_REASON_OK;
	EVP_PKEY *pk = da_pkey_decode(&k, &bits, &why, err, sizeof err);
	if (pk == NULL) {
		FUZZ_CHECK(
		    why == DKIMARC_REASON_KEY_SYNTAX || why == DKIMARC_REASON_KEY_TOO_LARGE ||
		    why == DKIMARC_REASON_KEY_TYPE_MISMATCH || da_reason_is_key_finding(why));
		/* A key anyone can sign with decodes, with its finding, for the verifier alone. */
		dkimarc_reason why2 = DKIMARC_REASON_OK, defect;
		EVP_PKEY *any = da_pkey_decode_any(&k, &bits, &why2, &defect, err, sizeof err);
		FUZZ_CHECK((any != NULL) == da_reason_is_key_finding(why));
		FUZZ_CHECK(any == NULL || defect == why);
		/* Only a private key in p= is a finding of an Ed25519 key. */
		FUZZ_CHECK(any == NULL || k.key_type == DA_KEY_RSA ||
		           defect == DKIMARC_REASON_KEY_PRIVATE_IN_DNS);
		EVP_PKEY_free(any);
	} else {
		FUZZ_CHECK(bits > 0 && bits <= DA_RSA_MAX_BITS);
		if (k.key_type == DA_KEY_ED25519)
			FUZZ_CHECK(k.pk_len == 32);
		/* The signature: the input's last bytes, as an attacker would choose. */
		unsigned char digest[32];
		memset(digest, 0x5a, sizeof digest);
		size_t slen = k.key_type == DA_KEY_ED25519 ? 64 : (bits + 7) / 8;
		unsigned char *sig = calloc(1, slen ? slen : 1);
		FUZZ_CHECK(sig != NULL);
		size_t take = size < slen ? size : slen;
		memcpy(sig + slen - take, data + size - take, take);
		int hash = k.hashes & DA_HASH_SHA256 ? DA_HASH_SHA256 : DA_HASH_SHA1;
		size_t dlen = hash == DA_HASH_SHA1 ? 20 : 32;
		da_rsa_prep *prep = k.key_type == DA_KEY_RSA ? da_rsa_prep_new(pk) : NULL;
		FUZZ_CHECK(k.key_type != DA_KEY_RSA || prep != NULL);
		never_passes(pk, prep, k.key_type, hash, digest, dlen, sig, slen);
		/* The all-zero and the identity-point signatures. */
		memset(sig, 0, slen);
		if (k.key_type == DA_KEY_ED25519)
			sig[0] = 1;
		never_passes(pk, prep, k.key_type, hash, digest, dlen, sig, slen);
		da_rsa_prep_free(prep);
		free(sig);
		EVP_PKEY_free(pk);
	}
	da_keyrec_clear(&k);
	return 0;
}
