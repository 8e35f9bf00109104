/*
 * Keys that would let anyone sign are refused.
 *
 * Ed25519 public keys of small order, in every encoding. Such a key verifies
 * the forged signature R = a small-order point, S = 0 for many messages (all
 * of them for the identity) under RFC 8032's equation, and OpenSSL 3 accepts
 * it (vectors/adversarial/ed25519-identity-key and -order8-key show it end
 * to end). The y-coordinates below were computed from the curve equation
 * (the eight points whose order divides 8 have y = 1, -1, 0 and two values of
 * order 8), plus the non-canonical encodings y + p of y = 0 and 1;
 * libsodium's crypto_core_ed25519_is_valid_point() rejects each (checked in
 * vectors/adversarial/make_cases.py).
 *
 * RSA keys whose modulus anyone can factor: a prime n (d = e^-1 mod n-1), or
 * n with a prime factor below 2^20. The primes come from OpenSSL's prime
 * generator; each forged signature is computed here with the private
 * exponent anyone can derive, and OpenSSL verifies it, so only dkimarc's own
 * check stands between such a key and a pass
 * (vectors/adversarial/key-rsa-prime-modulus and -modulus-3q end to end).
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
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>

#include "crypto.h"
#include "pkcache.h"

static const char *const small_order_y[] = {
    "0000000000000000000000000000000000000000000000000000000000000000", /* 0, order 4 */
    "0100000000000000000000000000000000000000000000000000000000000000", /* 1, order 1 */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p-1, order 2 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", /* order 8 */
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", /* order 8 */
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p = 0 */
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p+1 = 1 */
};

/* Valid keys: RFC 8032 7.1 tests 1 (also RFC 8463 A.2's key), 2 and 3. */
static const char *const valid_keys[] = {
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
};

static void hex32(const char *h, unsigned char *out)
{
	for (int i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

static dkimarc_reason decode(const unsigned char *pk, char *err, size_t errlen)
{
	char rec[128], b64[64];
	da_keyrec k;
	unsigned bits;
	dkimarc_reason why = DKIMARC_REASON_OK;

	EVP_EncodeBlock((unsigned char *)b64, pk, 32);
	snprintf(rec, sizeof rec, "v=DKIM1; k=ed25519; p=%s", b64);
	assert_int_equal(da_keyrec_parse(rec, strlen(rec), &k, err, errlen), DKIMARC_REASON_OK);
	EVP_PKEY *p = da_pkey_decode(&k, &bits, &why, err, errlen);
	da_keyrec_clear(&k);
	if (p != NULL) {
		EVP_PKEY_free(p);
		return DKIMARC_REASON_OK;
	}
	return why;
}

static void small_order_keys_are_refused(void **state)
{
	(void)state;
	unsigned char pk[32];
	char err[200];

	for (size_t i = 0; i < sizeof small_order_y / sizeof small_order_y[0]; i++) {
		for (int sign = 0; sign < 2; sign++) {
			hex32(small_order_y[i], pk);
			pk[31] |= (unsigned char)(sign << 7);
			err[0] = '\0';
			assert_int_equal(decode(pk, err, sizeof err), DKIMARC_REASON_KEY_SYNTAX);
			/* y = 0 with the sign bit, x = 0: OpenSSL may refuse it first. */
			assert_true(strstr(err, "small order") != NULL ||
			            strstr(err, "rejected") != NULL);
		}
	}
}

static void valid_keys_are_kept(void **state)
{
	(void)state;
	unsigned char pk[32];
	char err[200];

	for (size_t i = 0; i < sizeof valid_keys / sizeof valid_keys[0]; i++) {
		hex32(valid_keys[i], pk);
		assert_int_equal(decode(pk, err, sizeof err), DKIMARC_REASON_OK);
	}
	/* One bit away from a small-order encoding is a different point. */
	hex32(small_order_y[3], pk);
	pk[0] ^= 0x02;
	dkimarc_reason r = decode(pk, err, sizeof err);
	assert_true(r == DKIMARC_REASON_OK || strstr(err, "small order") == NULL);
}

/* ---- RSA moduli anyone can factor ---------------------------------------------------- */

static const unsigned long E = 65537;

static BIGNUM *new_prime(int bits)
{
	BIGNUM *p = BN_new();
	assert_non_null(p);
	assert_int_equal(BN_generate_prime_ex(p, bits, 0, NULL, NULL, NULL), 1);
	assert_int_equal(BN_check_prime(p, NULL, NULL), 1);
	return p;
}

/* A key record "v=DKIM1; k=rsa; p=SPKI(n, 65537)", parsed. */
static void rsa_record(const BIGNUM *n, da_keyrec *k)
{
	BIGNUM *e = BN_new();
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;
	OSSL_PARAM *params;
	unsigned char *der = NULL;
	char err[200];

	assert_true(e && b && pc && BN_set_word(e, E));
	assert_int_equal(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, n), 1);
	assert_int_equal(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, e), 1);
	assert_non_null(params = OSSL_PARAM_BLD_to_param(b));
	assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
	assert_int_equal(EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params), 1);
	int len = i2d_PUBKEY(pk, &der);
	assert_true(len > 0);
	char *rec = malloc(32 + 4 * ((size_t)len / 3 + 1));
	assert_non_null(rec);
	int off = sprintf(rec, "v=DKIM1; k=rsa; p=");
	EVP_EncodeBlock((unsigned char *)rec + off, der, len);
	assert_int_equal(da_keyrec_parse(rec, strlen(rec), k, err, sizeof err), DKIMARC_REASON_OK);
	free(rec);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	EVP_PKEY_CTX_free(pc);
	BN_free(e);
}

/* Decodes n's key record: the reason (OK or why refused), err filled. */
static dkimarc_reason decode_rsa(const BIGNUM *n, char *err, size_t errlen)
{
	da_keyrec k;
	unsigned bits;
	dkimarc_reason why = DKIMARC_REASON_OK;
	rsa_record(n, &k);
	err[0] = '\0';
	EVP_PKEY *p = da_pkey_decode(&k, &bits, &why, err, errlen);
	da_keyrec_clear(&k);
	if (p != NULL) {
		assert_int_equal(why, DKIMARC_REASON_OK);
		EVP_PKEY_free(p);
		return DKIMARC_REASON_OK;
	}
	return why;
}

/*
 * Signs a SHA-256 digest with the private exponent d of n, as anyone holding
 * phi(n) can (RSASSA-PKCS1-v1_5, RFC 8017 §8.2), and returns whether dkimarc's
 * verification with n's key, kept despite its defect, accepts the signature.
 */
static int forged_signature_verifies(const BIGNUM *n, const BIGNUM *phi)
{
	static const unsigned char info[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
	                                     0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
	                                     0x01, 0x05, 0x00, 0x04, 0x20};
	unsigned char digest[32], em[1024], sig[1024];
	BN_CTX *bc = BN_CTX_new();
	BIGNUM *e = BN_new(), *d = BN_new(), *m = BN_new(), *s = BN_new();
	int k = BN_num_bytes(n);
	da_keyrec kr;
	unsigned bits;
	dkimarc_reason why = DKIMARC_REASON_OK, defect;
	char err[300];

	assert_true(bc && e && d && m && s && k <= (int)sizeof em);
	for (int i = 0; i < 32; i++)
		digest[i] = (unsigned char)(7 * i + 1);
	em[0] = 0x00;
	em[1] = 0x01;
	memset(em + 2, 0xff, (size_t)k - 3 - sizeof info - 32);
	em[k - 1 - (int)sizeof info - 32] = 0x00;
	memcpy(em + k - sizeof info - 32, info, sizeof info);
	memcpy(em + k - 32, digest, 32);
	assert_true(BN_set_word(e, E));
	assert_non_null(BN_mod_inverse(d, e, phi, bc));
	assert_non_null(BN_bin2bn(em, k, m));
	assert_int_equal(BN_mod_exp(s, m, d, n, bc), 1);
	assert_int_equal(BN_bn2binpad(s, sig, k), k);

	rsa_record(n, &kr);
	EVP_PKEY *pk = da_pkey_decode_any(&kr, &bits, &why, &defect, err, sizeof err);
	da_keyrec_clear(&kr);
	assert_non_null(pk);
	assert_int_equal(defect, DKIMARC_REASON_KEY_SMALL_FACTOR);
	int ok = da_verify_digest(pk, NULL, DA_KEY_RSA, DA_HASH_SHA256, digest, 32, sig, (size_t)k);
	EVP_PKEY_free(pk);
	BN_free(e);
	BN_free(d);
	BN_free(m);
	BN_free(s);
	BN_CTX_free(bc);
	return ok;
}

static void prime_modulus_is_refused(void **state)
{
	(void)state;
	char err[300];
	BIGNUM *n = new_prime(2048), *phi = BN_dup(n);

	assert_int_equal(decode_rsa(n, err, sizeof err), DKIMARC_REASON_KEY_SMALL_FACTOR);
	assert_non_null(strstr(err, "modulus is prime"));
	/* Anyone can sign: d = e^-1 mod (n-1), and the signature verifies. */
	assert_true(phi && BN_sub_word(phi, 1));
	assert_int_equal(forged_signature_verifies(n, phi), 1);
	BN_free(phi);
	BN_free(n);
}

static void small_factors_are_refused(void **state)
{
	(void)state;
	/* 1048573: the last prime below 2^20 */
	static const unsigned long small[] = {3, 5, 257, 65521, 65537, 1048573};
	char err[300], want[64];
	BN_CTX *bc = BN_CTX_new();

	for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
		BIGNUM *q = new_prime(1100), *n = BN_dup(q), *phi = BN_dup(q);
		assert_true(n && phi && BN_mul_word(n, small[i]));
		assert_int_equal(decode_rsa(n, err, sizeof err), DKIMARC_REASON_KEY_SMALL_FACTOR);
		snprintf(want, sizeof want, "has the factor %lu,", small[i]);
		if (!strstr(err, want) || !strstr(err, "is prime"))
			fail_msg("%lu * q: %s", small[i], err);
		/* phi = (p-1)(q-1): anyone can sign. */
		assert_true(BN_sub_word(phi, 1) && BN_mul_word(phi, small[i] - 1));
		assert_int_equal(forged_signature_verifies(n, phi), 1);
		BN_free(q);
		BN_free(n);
		BN_free(phi);
	}

	/* 3 p q with p, q large: no one can factor p q, but no key generator makes 3 p q. */
	BIGNUM *p = new_prime(768), *q = new_prime(768), *n = BN_new();
	assert_true(n && BN_mul(n, p, q, bc) && BN_mul_word(n, 3));
	assert_int_equal(decode_rsa(n, err, sizeof err), DKIMARC_REASON_KEY_SMALL_FACTOR);
	assert_non_null(strstr(err, "has the factor 3:"));
	assert_non_null(strstr(err, "not made to be secret"));

	/* A product of primes below 2^20 only, squares included. */
	assert_true(BN_set_word(n, 9));
	for (unsigned long f = 5; BN_num_bits(n) < 1100; f += 2) {
		bool prime = true;
		for (unsigned long g = 3; g * g <= f && prime; g += 2)
			prime = f % g != 0;
		if (prime)
			assert_true(BN_mul_word(n, f));
	}
	assert_int_equal(decode_rsa(n, err, sizeof err), DKIMARC_REASON_KEY_SMALL_FACTOR);
	assert_non_null(strstr(err, "no prime factor above 2^20 (3 is one)"));
	BN_free(p);
	BN_free(q);
	BN_free(n);
	BN_CTX_free(bc);
}

static void sound_keys_and_the_bound(void **state)
{
	(void)state;
	char err[300];

	/* Keys made by a key generator pass, at the usual sizes. */
	for (int bits = 1024; bits <= 2048; bits *= 2) {
		EVP_PKEY *pk = EVP_RSA_gen((unsigned)bits);
		BIGNUM *n = NULL;
		assert_non_null(pk);
		assert_int_equal(EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n), 1);
		assert_int_equal(decode_rsa(n, err, sizeof err), DKIMARC_REASON_OK);
		BN_free(n);
		EVP_PKEY_free(pk);
	}
	/* The bound is 2^20 (docs/verdicts.md): 1048583 q, the first prime past it, is not found.
	 */
	BIGNUM *n = new_prime(1536);
	assert_true(BN_mul_word(n, 1048583));
	assert_int_equal(decode_rsa(n, err, sizeof err), DKIMARC_REASON_OK);
	BN_free(n);
}

/* The defect is found once per key and remembered with it in the context's cache. */
static void cache_keeps_the_defect(void **state)
{
	(void)state;
	da_pkcache *c = da_pkcache_new();
	BIGNUM *n = new_prime(1024);
	da_keyrec k;
	unsigned bits;
	const da_rsa_prep *prep;
	dkimarc_reason why;
	char err[300], rec[600];
	da_pkinfo pi;

	assert_non_null(c);
	rsa_record(n, &k);
	for (int round = 0; round < 2; round++) {
		err[0] = '\0';
		why = DKIMARC_REASON_OK;
		assert_null(da_pkcache_get(c, &k, &bits, &prep, &why, err, sizeof err));
		assert_int_equal(why, DKIMARC_REASON_KEY_SMALL_FACTOR);
		assert_non_null(strstr(err, "prime"));
		assert_null(prep);
		assert_int_equal(bits, 1024);
	}
	/* The record path keeps the key, to say whether the signature verifies. */
	snprintf(rec, sizeof rec, "v=DKIM1; k=rsa; t=y; p=");
	EVP_EncodeBlock((unsigned char *)rec + strlen(rec), k.pk, (int)k.pk_len);
	for (int round = 0; round < 2; round++) {
		assert_int_equal(da_pkcache_record(c, rec, strlen(rec), &pi, err, sizeof err),
		                 DKIMARC_REASON_OK);
		assert_non_null(pi.pkey);
		assert_int_equal(pi.decode, DKIMARC_REASON_KEY_SMALL_FACTOR);
		assert_non_null(strstr(pi.decode_err, "prime"));
		da_pkinfo_clear(&pi);
	}
	da_keyrec_clear(&k);
	BN_free(n);
	da_pkcache_free(c);
}

/* End to end: the committed vectors, through the public API. */
static void vectors_are_weak(void **state)
{
	(void)state;
	static const char *const cases[][2] = {
	    {"key-rsa-prime-modulus", "the signature verifies, but the RSA modulus is prime"},
	    {"key-rsa-modulus-3q", "the signature verifies, but the RSA modulus has the factor 3,"},
	    {"key-rsa-modulus-65521q", "has the factor 65521,"},
	    {"key-rsa-prime-modulus-altered",
	     "the signature does not verify, and in any case the RSA modulus is prime"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char path[512];
		dkimarc_ctx *ctx;
		dkimarc_keysrc *src;
		dkimarc_report *r;
		FILE *f;
		char *msg = malloc(1 << 16);
		size_t len;

		assert_non_null(msg);
		snprintf(path, sizeof path, SRCDIR "/vectors/adversarial/%s/message.eml",
		         cases[i][0]);
		assert_non_null(f = fopen(path, "rb"));
		len = fread(msg, 1, 1 << 16, f);
		fclose(f);
		assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
		assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
		snprintf(path, sizeof path, SRCDIR "/vectors/adversarial/%s/dns.txt", cases[i][0]);
		assert_int_equal(dkimarc_keysrc_archive_load_vector(src, path), DKIMARC_OK);
		assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
		assert_int_equal(dkimarc_verify(ctx, msg, len, &r), DKIMARC_OK);
		const dkimarc_sig *s = dkimarc_report_sig(r, 0);
		assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_WEAK);
		assert_int_equal(dkimarc_report_verdict_code(r), DKIMARC_REASON_KEY_SMALL_FACTOR);
		assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_FAIL);
		assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_KEY_SMALL_FACTOR);
		if (!strstr(dkimarc_sig_reason_text(s), cases[i][1]))
			fail_msg("%s: %s", cases[i][0], dkimarc_sig_reason_text(s));
		assert_non_null(strstr(dkimarc_report_verdict_reason(r), "worthless"));
		dkimarc_report_free(r);
		dkimarc_ctx_free(ctx);
		free(msg);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(small_order_keys_are_refused),
	    cmocka_unit_test(valid_keys_are_kept),
	    cmocka_unit_test(prime_modulus_is_refused),
	    cmocka_unit_test(small_factors_are_refused),
	    cmocka_unit_test(sound_keys_and_the_bound),
	    cmocka_unit_test(cache_keeps_the_defect),
	    cmocka_unit_test(vectors_are_weak),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
