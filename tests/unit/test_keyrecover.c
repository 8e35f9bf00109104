/*
 * RSA public-key recovery from signatures (lib/keyrecover.c) and key
 * fingerprints (lib/keyid.c). The signatures are OpenSSL's, made here with
 * keys generated here; the truth is the key OpenSSL generated. Keys with
 * e = 3 keep the arithmetic instant; one 512-bit key with e = 65537 goes
 * through the exact power and the big gcd (about 5 s). The 1024- to 3072-bit
 * keys of dkimpy-signed mail are in tests/scripts/test_keys_recover.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>

#include "keymatch.h"

static EVP_PKEY *gen(unsigned bits, unsigned long e)
{
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	BIGNUM *be = BN_new();
	EVP_PKEY *pk = NULL;
	assert_non_null(c);
	assert_true(BN_set_word(be, e));
	assert_int_equal(EVP_PKEY_keygen_init(c), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_keygen_bits(c, (int)bits), 1);
	assert_int_equal(EVP_PKEY_CTX_set1_rsa_keygen_pubexp(c, be), 1);
	assert_int_equal(EVP_PKEY_generate(c, &pk), 1);
	BN_free(be);
	EVP_PKEY_CTX_free(c);
	return pk;
}

/* One signature as DKIM makes it: PKCS#1 v1.5 over the digest of text. */
typedef struct {
	unsigned char sig[512], digest[32];
	size_t sig_len, digest_len;
} signed_t;

static void sign(EVP_PKEY *pk, int hash, const char *text, signed_t *out)
{
	const EVP_MD *md = hash == DA_HASH_SHA1 ? EVP_sha1() : EVP_sha256();
	unsigned int dl = 0;
	assert_int_equal(EVP_Digest(text, strlen(text), out->digest, &dl, md, NULL), 1);
	out->digest_len = dl;
	EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
	assert_int_equal(EVP_PKEY_sign_init(c), 1);
	assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING), 1);
	assert_int_equal(EVP_PKEY_CTX_set_signature_md(c, md), 1);
	out->sig_len = sizeof out->sig;
	assert_int_equal(EVP_PKEY_sign(c, out->sig, &out->sig_len, out->digest, dl), 1);
	EVP_PKEY_CTX_free(c);
}

static dkimarc_rsa_sample sample(const signed_t *s)
{
	return (dkimarc_rsa_sample){s->sig, s->sig_len, s->digest, s->digest_len};
}

/* The key record OpenSSL's key makes: "v=DKIM1; k=rsa; p=" and its SPKI in base64. */
static char *record_of(EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	int n = i2d_PUBKEY(pk, &der);
	char *rec = malloc(4 * (size_t)n + 32);
	assert_true(n > 0);
	strcpy(rec, "v=DKIM1; k=rsa; p=");
	EVP_EncodeBlock((unsigned char *)rec + strlen(rec), der, n);
	OPENSSL_free(der);
	return rec;
}

/* The EM we build is what OpenSSL's signer encoded: the public operation undoes to it. */
static void emsa_matches_openssl(void **state)
{
	(void)state;
	const int hashes[] = {DA_HASH_SHA1, DA_HASH_SHA256};
	const unsigned sizes[] = {1024, 2048};
	for (size_t b = 0; b < 2; b++) {
		EVP_PKEY *pk = gen(sizes[b], 65537);
		for (size_t h = 0; h < 2; h++) {
			signed_t s;
			unsigned char raw[512], em[512];
			size_t rl = sizeof raw;
			sign(pk, hashes[h], "the header hash input", &s);
			EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
			assert_int_equal(EVP_PKEY_verify_recover_init(c), 1);
			assert_int_equal(EVP_PKEY_CTX_set_rsa_padding(c, RSA_NO_PADDING), 1);
			assert_int_equal(EVP_PKEY_verify_recover(c, raw, &rl, s.sig, s.sig_len), 1);
			EVP_PKEY_CTX_free(c);
			assert_int_equal(rl, s.sig_len);
			assert_int_equal(
			    da_emsa_encode(hashes[h], s.digest, s.digest_len, em, s.sig_len), 0);
			assert_memory_equal(em, raw, rl);
		}
		EVP_PKEY_free(pk);
	}
	unsigned char em[64], d[32] = {0};
	/* Too short for 8 bytes of padding; a digest of the wrong length. */
	assert_int_equal(da_emsa_encode(DA_HASH_SHA256, d, 32, em, 61), -1);
	assert_int_equal(da_emsa_encode(DA_HASH_SHA256, d, 20, em, 64), -1);
}

static void recovers_the_key(void **state)
{
	(void)state;
	EVP_PKEY *pk = gen(1024, 3);
	signed_t s[3];
	sign(pk, DA_HASH_SHA256, "first", &s[0]);
	sign(pk, DA_HASH_SHA1, "second", &s[1]);
	sign(pk, DA_HASH_SHA256, "third", &s[2]);
	dkimarc_rsa_sample in[3] = {sample(&s[0]), sample(&s[1]), sample(&s[2])};
	unsigned char used[3];
	char *rec = NULL, *want = record_of(pk);
	assert_int_equal(dkimarc_rsa_recover(in, 3, 0, 0, used, &rec), DKIMARC_OK);
	assert_non_null(rec);
	assert_string_equal(rec, want);
	assert_memory_equal(used, ((unsigned char[]){1, 1, 1}), 3);
	dkimarc_free(rec);
	free(want);
	EVP_PKEY_free(pk);
}

/* A changed header (digest), another key, a duplicate: each told apart. */
static void changed_other_and_duplicate(void **state)
{
	(void)state;
	EVP_PKEY *pk = gen(1024, 3), *other = gen(1024, 3);
	signed_t s[5];
	sign(pk, DA_HASH_SHA256, "changed since", &s[0]);
	s[0].digest[0] ^= 1; /* the header fields now hash to something else */
	sign(other, DA_HASH_SHA256, "another key", &s[1]);
	sign(pk, DA_HASH_SHA256, "one", &s[2]);
	s[3] = s[2]; /* the same message twice */
	sign(pk, DA_HASH_SHA256, "two", &s[4]);
	dkimarc_rsa_sample in[5];
	for (int i = 0; i < 5; i++)
		in[i] = sample(&s[i]);
	unsigned char used[5];
	char *rec = NULL, *want = record_of(pk);
	assert_int_equal(dkimarc_rsa_recover(in, 5, 0, 0, used, &rec), DKIMARC_OK);
	assert_non_null(rec);
	assert_string_equal(rec, want);
	assert_memory_equal(used, ((unsigned char[]){2, 0, 1, 1, 1}), 5);
	dkimarc_free(rec);
	free(want);

	/* Alone, the duplicate proves nothing; nor do two keys' signatures. */
	dkimarc_rsa_sample dup[2] = {in[2], in[3]}, two[2] = {in[1], in[2]};
	assert_int_equal(dkimarc_rsa_recover(dup, 2, 0, 0, used, &rec), DKIMARC_OK);
	assert_null(rec);
	assert_int_equal(dkimarc_rsa_recover(two, 2, 3, 0, used, &rec), DKIMARC_OK);
	assert_null(rec);
	assert_memory_equal(used, ((unsigned char[]){0, 0}), 2);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(other);
}

/* A selector that held two keys: the first key found, then the second from the rest. */
static void two_keys_in_turn(void **state)
{
	(void)state;
	EVP_PKEY *k1 = gen(1024, 3), *k2 = gen(1024, 3);
	signed_t s[4];
	sign(k1, DA_HASH_SHA256, "a", &s[0]);
	sign(k2, DA_HASH_SHA256, "b", &s[1]);
	sign(k1, DA_HASH_SHA256, "c", &s[2]);
	sign(k2, DA_HASH_SHA256, "d", &s[3]);
	dkimarc_rsa_sample in[4] = {sample(&s[0]), sample(&s[1]), sample(&s[2]), sample(&s[3])};
	unsigned char used[4];
	char *rec = NULL, *w1 = record_of(k1), *w2 = record_of(k2);
	assert_int_equal(dkimarc_rsa_recover(in, 4, 0, 0, used, &rec), DKIMARC_OK);
	assert_string_equal(rec, w1);
	assert_memory_equal(used, ((unsigned char[]){1, 0, 1, 0}), 4);
	dkimarc_free(rec);
	dkimarc_rsa_sample rest[2] = {in[1], in[3]};
	assert_int_equal(dkimarc_rsa_recover(rest, 2, 0, 0, used, &rec), DKIMARC_OK);
	assert_string_equal(rec, w2);
	dkimarc_free(rec);
	free(w1);
	free(w2);
	EVP_PKEY_free(k1);
	EVP_PKEY_free(k2);
}

/* e = 65537: the exact 33-million-bit powers and their gcd. */
static void exponent_65537(void **state)
{
	(void)state;
	EVP_PKEY *pk = gen(512, 65537);
	signed_t s[2];
	sign(pk, DA_HASH_SHA256, "x", &s[0]);
	sign(pk, DA_HASH_SHA1, "y", &s[1]);
	dkimarc_rsa_sample in[2] = {sample(&s[0]), sample(&s[1])};
	unsigned char used[2];
	char *rec = NULL, *want = record_of(pk);
	assert_int_equal(dkimarc_rsa_recover(in, 2, 65537, 0, used, &rec), DKIMARC_OK);
	assert_non_null(rec);
	assert_string_equal(rec, want);
	dkimarc_free(rec);
	free(want);
	EVP_PKEY_free(pk);
}

static void bad_arguments(void **state)
{
	(void)state;
	unsigned char sig[128] = {1}, sig2[64] = {1}, d[32] = {0}, used[2];
	char *rec = (char *)"x";
	dkimarc_rsa_sample ok = {sig, 128, d, 32};
	dkimarc_rsa_sample two[2] = {ok, ok};
	assert_int_equal(dkimarc_rsa_recover(two, 1, 0, 0, used, &rec), DKIMARC_EINVAL);
	assert_null(rec);
	assert_int_equal(dkimarc_rsa_recover(NULL, 2, 0, 0, used, &rec), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_rsa_recover(two, 2, 5, 0, used, &rec), DKIMARC_EINVAL);
	two[1] = (dkimarc_rsa_sample){sig2, 64, d, 32}; /* another length */
	assert_int_equal(dkimarc_rsa_recover(two, 2, 0, 0, used, &rec), DKIMARC_EINVAL);
	two[1] = (dkimarc_rsa_sample){sig, 128, d, 16}; /* neither SHA-1 nor SHA-256 */
	assert_int_equal(dkimarc_rsa_recover(two, 2, 0, 0, used, &rec), DKIMARC_EINVAL);
	two[1] = (dkimarc_rsa_sample){sig, 2048, d, 32}; /* over 8192 bits */
	two[0] = two[1];
	assert_int_equal(dkimarc_rsa_recover(two, 2, 0, 0, used, &rec), DKIMARC_EINVAL);
}

/* The fingerprint is OpenSSL's SPKI hashed, however p= writes the key. */
static void fingerprints(void **state)
{
	(void)state;
	EVP_PKEY *pk = gen(1024, 65537);
	unsigned char *der = NULL, *p1 = NULL, md[32];
	int n = i2d_PUBKEY(pk, &der), n1 = i2d_PublicKey(pk, &p1);
	unsigned int ml;
	char want[65], got[65], got1[65], b64[1024], rec[1100];
	assert_int_equal(EVP_Digest(der, (size_t)n, md, &ml, EVP_sha256(), NULL), 1);
	for (int i = 0; i < 32; i++)
		snprintf(want + 2 * i, 3, "%02x", md[i]);
	char *spki = record_of(pk);
	assert_int_equal(dkimarc_record_fingerprint(spki, strlen(spki), got), DKIMARC_OK);
	assert_string_equal(got, want);
	/* Bare PKCS#1 RSAPublicKey, with other tags: the same key. */
	EVP_EncodeBlock((unsigned char *)b64, p1, n1);
	snprintf(rec, sizeof rec, "v=DKIM1; h=sha256; k=rsa; t=s; p=%s", b64);
	assert_int_equal(dkimarc_record_fingerprint(rec, strlen(rec), got1), DKIMARC_OK);
	assert_string_equal(got1, want);
	/* Ed25519: RFC 8463 A.2's key. */
	const char *ed = "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";
	assert_int_equal(dkimarc_record_fingerprint(ed, strlen(ed), got), DKIMARC_OK);
	assert_int_equal(strlen(got), 64);
	assert_string_not_equal(got, want);
	assert_int_equal(dkimarc_record_fingerprint("v=DKIM1; p=", 11, got), DKIMARC_EFORMAT);
	assert_int_equal(dkimarc_record_fingerprint("v=DKIM1; p=AAAA", 15, got), DKIMARC_EFORMAT);
	assert_int_equal(dkimarc_record_fingerprint(NULL, 0, got), DKIMARC_EINVAL);
	free(spki);
	OPENSSL_free(der);
	OPENSSL_free(p1);
	EVP_PKEY_free(pk);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(emsa_matches_openssl),
	    cmocka_unit_test(recovers_the_key),
	    cmocka_unit_test(changed_other_and_duplicate),
	    cmocka_unit_test(two_keys_in_turn),
	    cmocka_unit_test(exponent_65537),
	    cmocka_unit_test(bad_arguments),
	    cmocka_unit_test(fingerprints),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
