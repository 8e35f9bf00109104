/*
 * Key forensics (issue 17): the checks of one key (ROCA, Fermat, exponent,
 * private key in p=), the batch GCD, revealed keys, the audit API and the
 * zk-email archive format.
 *
 * Independent truth: ROCA moduli are made here as Nemec et al. describe
 * RSALib making its primes (p = k*M + 65537^a mod M); close primes with a
 * chosen gap; shared primes planted, and the batch GCD compared with a gcd per
 * pair; fingerprints against SHA-256 of OpenSSL's own SPKI encoding.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmp.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/param_build.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sodium.h>

#include <unistd.h>

#include "batchgcd.h"
#include "crypto.h"
#include "ctx.h"
#include "keycheck.h"
#include "keymarks.h"

static gmp_randstate_t rs;

static void rand_prime(mpz_t p, unsigned bits)
{
	do {
		mpz_urandomb(p, rs, bits);
		mpz_setbit(p, bits - 1);
		mpz_setbit(p, bits - 2);
		mpz_nextprime(p, p);
	} while (mpz_sizeinbase(p, 2) != bits);
}

/* RSALib's primes: k*M + (65537^a mod M), M the product of the first m primes. */
static void roca_prime(mpz_t p, unsigned bits, unsigned m)
{
	mpz_t M, g, a, k;
	mpz_inits(M, g, a, k, NULL);
	mpz_set_ui(M, 1);
	mpz_set_ui(g, 1);
	for (unsigned i = 0; i < m; i++) {
		mpz_nextprime(g, g);
		mpz_mul(M, M, g);
	}
	size_t kbits = bits - mpz_sizeinbase(M, 2);
	do {
		mpz_urandomb(k, rs, kbits);
		mpz_setbit(k, kbits - 1);
		mpz_urandomb(a, rs, 2 * mpz_sizeinbase(M, 2));
		mpz_set_ui(g, 65537);
		mpz_powm(g, g, a, M);
		mpz_mul(p, k, M);
		mpz_add(p, p, g);
	} while (mpz_sizeinbase(p, 2) != bits || mpz_probab_prime_p(p, 25) == 0);
	mpz_clears(M, g, a, k, NULL);
}

static BIGNUM *to_bn(const mpz_t x)
{
	char *hex = mpz_get_str(NULL, 16, x);
	BIGNUM *b = NULL;
	assert_true(BN_hex2bn(&b, hex) > 0);
	free(hex);
	return b;
}

/* The library's checks run on BIGNUMs; the test builds its moduli with GMP. */
static bool roca(const mpz_t n, unsigned bits)
{
	BIGNUM *bn = to_bn(n);
	bool r = da_roca_fingerprint(bn, bits);
	BN_free(bn);
	return r;
}

static int fermat(const mpz_t n, mpz_t f, unsigned long *took)
{
	BIGNUM *bn = to_bn(n), *bf = BN_new();
	assert_non_null(bf);
	int r = da_fermat(bn, DA_FERMAT_STEPS, bf, took);
	if (r == 1) {
		char *hex = BN_bn2hex(bf);
		assert_non_null(hex);
		assert_int_equal(mpz_set_str(f, hex, 16), 0);
		OPENSSL_free(hex);
	}
	BN_free(bn);
	BN_free(bf);
	return r;
}

/* The findings of an RSA key (n, e). */
static void findings_of(const mpz_t n, unsigned long e, da_findings *fs)
{
	BIGNUM *bn = to_bn(n), *be = BN_new();
	assert_true(be && BN_set_word(be, e));
	memset(fs, 0, sizeof *fs);
	assert_int_equal(da_rsa_key_checks(bn, be, fs), 0);
	BN_free(bn);
	BN_free(be);
}

static void roca_moduli_are_found(void **state)
{
	(void)state;
	static const struct {
		unsigned bits, m;
	} sizes[] = {{512, 71}, {1024, 126}};
	mpz_t p, q, n;
	mpz_inits(p, q, n, NULL);
	for (size_t i = 0; i < 2; i++) {
		roca_prime(p, sizes[i].bits, sizes[i].m);
		roca_prime(q, sizes[i].bits, sizes[i].m);
		mpz_mul(n, p, q);
		unsigned bits = (unsigned)mpz_sizeinbase(n, 2);
		assert_true(roca(n, bits));
		da_findings fs;
		findings_of(n, 65537, &fs);
		assert_int_equal(fs.n, 1);
		assert_int_equal(fs.f[0].reason, DKIMARC_REASON_KEY_ROCA);
		assert_non_null(strstr(fs.f[0].text, "CVE-2017-15361"));
		/* RSALib makes no key past 4096 bits: the test says nothing there. */
		assert_false(roca(n, 4097));
	}
	/* Moduli made otherwise: random primes, and plain odd numbers. */
	for (int i = 0; i < 20; i++) {
		rand_prime(p, 1024);
		rand_prime(q, 1024);
		mpz_mul(n, p, q);
		assert_false(roca(n, 2048));
	}
	for (int i = 0; i < 20000; i++) {
		mpz_urandomb(n, rs, 2048);
		mpz_setbit(n, 2047);
		mpz_setbit(n, 0);
		assert_false(roca(n, 2048));
	}
	mpz_clears(p, q, n, NULL);
}

static void close_primes_are_found(void **state)
{
	(void)state;
	mpz_t p, q, n, f;
	mpz_inits(p, q, n, f, NULL);
	unsigned long took = 0;
	/* |p - q| about 2^500 for a 2048-bit modulus: the first step. */
	rand_prime(p, 1024);
	mpz_urandomb(q, rs, 500);
	mpz_add(q, q, p);
	mpz_nextprime(q, q);
	mpz_mul(n, p, q);
	assert_int_equal(fermat(n, f, &took), 1);
	assert_int_equal(mpz_cmp(f, p), 0);
	assert_int_equal(took, 1);
	da_findings fs;
	findings_of(n, 65537, &fs);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].reason, DKIMARC_REASON_KEY_FERMAT);
	/* A gap of 2^518.5 takes about (2^518.5)^2 / (8 * 2^1024) = 2^10 steps: within bound. */
	mpz_set_ui(q, 0);
	mpz_setbit(q, 518);
	mpz_mul_ui(q, q, 1448); /* 2^518 * 1.414 ~ 2^518.5 */
	mpz_tdiv_q_ui(q, q, 1024);
	mpz_add(q, q, p);
	mpz_nextprime(q, q);
	mpz_mul(n, p, q);
	assert_int_equal(fermat(n, f, &took), 1);
	assert_true(took > 100 && took <= DA_FERMAT_STEPS);
	/* A gap of 2^530: 2^33 steps, out of reach, as for any real key. */
	mpz_set_ui(q, 0);
	mpz_setbit(q, 530);
	mpz_add(q, q, p);
	mpz_nextprime(q, q);
	mpz_mul(n, p, q);
	assert_int_equal(fermat(n, f, &took), 0);
	findings_of(n, 65537, &fs);
	assert_int_equal(fs.n, 0);
	/* p = q: the square root, at once. */
	mpz_mul(n, p, p);
	assert_int_equal(fermat(n, f, &took), 1);
	assert_int_equal(mpz_cmp(f, p), 0);
	mpz_clears(p, q, n, f, NULL);
}

static void exponents(void **state)
{
	(void)state;
	mpz_t p, q, n;
	mpz_inits(p, q, n, NULL);
	rand_prime(p, 512);
	rand_prime(q, 512);
	mpz_mul(n, p, q);
	static const unsigned long bad[] = {1, 2, 65536, 0};
	da_findings fs;
	for (size_t i = 0; i < 4; i++) {
		findings_of(n, bad[i], &fs);
		assert_int_equal(fs.n, 1);
		assert_int_equal(fs.f[0].reason, DKIMARC_REASON_KEY_BAD_EXPONENT);
	}
	static const unsigned long good[] = {3, 17, 65537};
	for (size_t i = 0; i < 3; i++) {
		findings_of(n, good[i], &fs);
		assert_int_equal(fs.n, 0);
	}
	mpz_clears(p, q, n, NULL);
}

/* ---- the batch GCD ---------------------------------------------------------------- */

static void batch_gcd_finds_the_shared_primes(void **state)
{
	(void)state;
	enum { K = 64, BITS = 256 };
	mpz_t n[K], a, b, g;
	mpz_inits(a, b, g, NULL);
	for (size_t i = 0; i < K; i++) {
		mpz_init(n[i]);
		rand_prime(a, BITS);
		rand_prime(b, BITS);
		mpz_mul(n[i], a, b);
	}
	/* Plant: 3 and 40 share a prime; 7, 8 and 63 share another; 20 shares both of its
	 * primes (one with 21, one with 22). */
	rand_prime(a, BITS);
	rand_prime(b, BITS);
	mpz_mul(n[3], a, b);
	rand_prime(b, BITS);
	mpz_mul(n[40], a, b);
	rand_prime(a, BITS);
	for (size_t i = 0; i < 3; i++) {
		rand_prime(b, BITS);
		mpz_mul(n[(size_t[]){7, 8, 63}[i]], a, b);
	}
	rand_prime(a, BITS);
	rand_prime(b, BITS);
	mpz_mul(n[20], a, b);
	rand_prime(g, BITS);
	mpz_mul(n[21], a, g);
	rand_prime(g, BITS);
	mpz_mul(n[22], b, g);

	da_shared out[K];
	assert_int_equal(da_batch_gcd(n, K, out), 0);
	for (size_t i = 0; i < K; i++) {
		/* The truth: a gcd with every other modulus. */
		size_t partners = 0;
		for (size_t j = 0; j < K; j++) {
			mpz_gcd(g, n[i], n[j]);
			if (j != i && mpz_cmp_ui(g, 1) != 0) {
				partners++;
				bool named = false;
				for (size_t k = 0; k < out[i].npartners; k++)
					named |= out[i].partners[k] == j;
				assert_true(named);
			}
		}
		assert_int_equal(out[i].shared, partners > 0);
		assert_int_equal(out[i].npartners, partners);
	}
	assert_true(out[3].shared && out[40].shared && out[8].shared && out[20].shared);
	assert_false(out[0].shared);
	/* Fewer than two moduli: nothing to compare. */
	assert_int_equal(da_batch_gcd(n, 1, out), 0);
	assert_false(out[0].shared);
	for (size_t i = 0; i < K; i++)
		mpz_clear(n[i]);
	mpz_clears(a, b, g, NULL);
}

/* ---- records, the audit, revealed keys ------------------------------------------------- */

/* "v=DKIM1; k=rsa; p=" + der, malloc'd. */
static char *record_of(const unsigned char *der, size_t len)
{
	char *rec = malloc(32 + 4 * (len / 3 + 2));
	assert_non_null(rec);
	int off = sprintf(rec, "v=DKIM1; k=rsa; p=");
	EVP_EncodeBlock((unsigned char *)rec + off, der, (int)len);
	return rec;
}

/* An RSA key (n = p q, e 65537) as a public record; its private key as PEM into *pem. */
static char *rsa_key(const mpz_t p, const mpz_t q, char **pem, unsigned char fp[32])
{
	mpz_t n, d, phi, p1, q1, e;
	mpz_inits(n, d, phi, p1, q1, e, NULL);
	mpz_mul(n, p, q);
	mpz_sub_ui(p1, p, 1);
	mpz_sub_ui(q1, q, 1);
	mpz_mul(phi, p1, q1);
	mpz_set_ui(e, 65537);
	assert_true(mpz_invert(d, e, phi));
	mpz_t dp, dq, qi;
	mpz_inits(dp, dq, qi, NULL);
	mpz_mod(dp, d, p1);
	mpz_mod(dq, d, q1);
	assert_true(mpz_invert(qi, q, p));
	BIGNUM *bn = to_bn(n), *be = to_bn(e), *bd = to_bn(d), *bp = to_bn(p), *bq = to_bn(q);
	BIGNUM *bdp = to_bn(dp), *bdq = to_bn(dq), *bqi = to_bn(qi);
	OSSL_PARAM_BLD *b = OSSL_PARAM_BLD_new();
	assert_true(OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_N, bn) &&
	            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_E, be) &&
	            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_D, bd) &&
	            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR1, bp) &&
	            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_FACTOR2, bq) &&
	            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT1, bdp) &&
	            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_EXPONENT2, bdq) &&
	            OSSL_PARAM_BLD_push_BN(b, OSSL_PKEY_PARAM_RSA_COEFFICIENT1, bqi));
	OSSL_PARAM *params = OSSL_PARAM_BLD_to_param(b);
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL);
	EVP_PKEY *pk = NULL;
	assert_int_equal(EVP_PKEY_fromdata_init(pc), 1);
	assert_int_equal(EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_KEYPAIR, params), 1);
	unsigned char *der = NULL;
	int len = i2d_PUBKEY(pk, &der);
	assert_true(len > 0);
	unsigned int n32 = 0;
	assert_int_equal(EVP_Digest(der, (size_t)len, fp, &n32, EVP_sha256(), NULL), 1);
	char *rec = record_of(der, (size_t)len);
	OPENSSL_free(der);
	if (pem) {
		BIO *bio = BIO_new(BIO_s_mem());
		assert_int_equal(PEM_write_bio_PrivateKey(bio, pk, NULL, NULL, 0, NULL, NULL), 1);
		char *data;
		long dl = BIO_get_mem_data(bio, &data);
		*pem = malloc((size_t)dl + 1);
		memcpy(*pem, data, (size_t)dl);
		(*pem)[dl] = '\0';
		BIO_free(bio);
	}
	EVP_PKEY_free(pk);
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(b);
	BN_free(bn);
	BN_free(be);
	BN_free(bd);
	BN_free(bp);
	BN_free(bq);
	BN_free(bdp);
	BN_free(bdq);
	BN_free(bqi);
	mpz_clears(n, d, phi, p1, q1, e, dp, dq, qi, NULL);
	return rec;
}

static const dkimarc_audit_key *find_key(const dkimarc_audit *a, const char *name)
{
	for (size_t i = 0; i < dkimarc_audit_key_count(a); i++)
		if (strcmp(dkimarc_audit_key_name(dkimarc_audit_key_at(a, i)), name) == 0)
			return dkimarc_audit_key_at(a, i);
	fail_msg("no key %s", name);
	return NULL;
}

static char *write_tmp(const char *text)
{
	char *path = strdup("/tmp/dkimarc-keyaudit-XXXXXX");
	int fd = mkstemp(path);
	assert_true(fd >= 0);
	FILE *f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

static void audit_of_records(void **state)
{
	(void)state;
	mpz_t p, q1, q2, q3, r1, r2;
	mpz_inits(p, q1, q2, q3, r1, r2, NULL);
	rand_prime(p, 512);
	rand_prime(q1, 512);
	rand_prime(q2, 512);
	rand_prime(r1, 512);
	rand_prime(r2, 512);
	unsigned char fp1[32], fp2[32], fp3[32];
	char *pem = NULL;
	char *rec1 = rsa_key(p, q1, NULL, fp1);  /* shares p with rec2 */
	char *rec2 = rsa_key(p, q2, NULL, fp2);  /* shares p with rec1 */
	char *rec3 = rsa_key(r1, r2, &pem, fp3); /* revealed */

	char text[8192];
	snprintf(text, sizeof text,
	         "intro text\n# source: a provider's page\n# published: 2019-03-01\n%s", pem);
	char *revpath = write_tmp(text);

	dkimarc_audit *a;
	assert_int_equal(dkimarc_audit_new(&a), DKIMARC_OK);
	dkimarc_keyrec kr = DKIMARC_KEYREC_INIT;
	kr.origin = "test:1";
	kr.txt = rec1;
	kr.txt_len = strlen(rec1);
	assert_int_equal(dkimarc_audit_add_record(a, "s1._domainkey.Example.COM", &kr), DKIMARC_OK);
	/* The same record again is the same key, with one more origin. */
	kr.origin = "test:9";
	assert_int_equal(dkimarc_audit_add_record(a, "s1._domainkey.example.com", &kr), DKIMARC_OK);
	kr.origin = "test:2";
	kr.txt = rec2;
	kr.txt_len = strlen(rec2);
	assert_int_equal(dkimarc_audit_add_record(a, "s2._domainkey.example.org", &kr), DKIMARC_OK);
	kr.origin = "test:3";
	kr.txt = rec3;
	kr.txt_len = strlen(rec3);
	assert_int_equal(dkimarc_audit_add_record(a, "s3._domainkey.example.net", &kr), DKIMARC_OK);
	kr.origin = "test:4";
	kr.txt = "v=DKIM1; p=";
	kr.txt_len = strlen(kr.txt);
	assert_int_equal(dkimarc_audit_add_record(a, "gone._domainkey.example.net", &kr),
	                 DKIMARC_OK);
	kr.txt = "v=DKIM1; p=!!!";
	kr.txt_len = strlen(kr.txt);
	assert_int_equal(dkimarc_audit_add_record(a, "bad._domainkey.example.net", &kr),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_audit_load_revealed(a, revpath), DKIMARC_OK);
	assert_int_equal(dkimarc_audit_run(a), DKIMARC_OK);
	assert_int_equal(dkimarc_audit_run(a), DKIMARC_ESTATE);

	/* The revoked record is no key; the bad one is listed as not usable. */
	assert_int_equal(dkimarc_audit_key_count(a), 4);
	const dkimarc_audit_key *k1 = find_key(a, "s1._domainkey.example.com");
	const dkimarc_audit_key *k2 = find_key(a, "s2._domainkey.example.org");
	const dkimarc_audit_key *k3 = find_key(a, "s3._domainkey.example.net");
	const dkimarc_audit_key *kb = find_key(a, "bad._domainkey.example.net");
	char hex[65];
	for (int i = 0; i < 32; i++)
		snprintf(hex + 2 * i, 3, "%02x", fp1[i]);
	assert_string_equal(dkimarc_audit_key_fingerprint(k1), hex);
	assert_string_equal(dkimarc_audit_key_algorithm(k1), "rsa");
	assert_int_equal(dkimarc_audit_key_bits(k1), 1024);
	assert_string_equal(dkimarc_audit_key_domain(k1), "example.com");
	assert_string_equal(dkimarc_audit_key_selector(k1), "s1");
	assert_int_equal(dkimarc_audit_key_origin_count(k1), 2);
	assert_int_equal(dkimarc_audit_key_finding_count(k1), 1);
	assert_int_equal(dkimarc_audit_key_finding(k1, 0), DKIMARC_REASON_KEY_SHARED_PRIME);
	assert_non_null(strstr(dkimarc_audit_key_finding_text(k1, 0), "s2._domainkey.example.org"));
	assert_int_equal(dkimarc_audit_key_finding(k2, 0), DKIMARC_REASON_KEY_SHARED_PRIME);
	assert_non_null(strstr(dkimarc_audit_key_finding_text(k2, 0), "s1._domainkey.example.com"));
	assert_int_equal(dkimarc_audit_key_finding_count(k3), 1);
	assert_int_equal(dkimarc_audit_key_finding(k3, 0), DKIMARC_REASON_KEY_PRIVATE_PUBLISHED);
	assert_non_null(strstr(dkimarc_audit_key_finding_text(k3, 0), "2019-03-01"));
	assert_non_null(strstr(dkimarc_audit_key_finding_text(k3, 0), "a provider's page"));
	assert_non_null(dkimarc_audit_key_error(kb));
	assert_null(dkimarc_audit_key_fingerprint(kb));
	assert_int_equal(dkimarc_audit_key_time(k1, DKIMARC_AUDIT_FIRST_SIGNED), -1);
	/* Sorted by domain. */
	assert_string_equal(dkimarc_audit_key_domain(dkimarc_audit_key_at(a, 0)), "example.com");
	dkimarc_audit_free(a);

	/* A context: the revealed key is weak from its publication date on. */
	dkimarc_ctx *ctx;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_load_revealed(ctx, revpath), DKIMARC_OK);
	assert_non_null(da_keymarks_find(ctx->keymarks, fp3, DKIMARC_REASON_KEY_PRIVATE_PUBLISHED));
	assert_null(da_keymarks_find(ctx->keymarks, fp1, DKIMARC_REASON_KEY_PRIVATE_PUBLISHED));
	dkimarc_ctx_free(ctx);

	/* Files that are not revealed keys: errors naming the line; nothing kept. */
	static const char *const bad[] = {
	    "# published: someday\n",
	    "-----BEGIN PUBLIC "
	    "KEY-----\nMFwwDQYJKoZIhvcNAQEBBQADSwAwSAJBAKj34GkxFhD90vcNLYLInFEX6Ppy1tPf\n"
	    "9Cnzj4p4WGeKLs1Pt8QuKUpRKfFLfRYC9AIKjbJTWit+CqvjWYzvQwECAwEAAQ==\n-----END PUBLIC "
	    "KEY-----\n",
	    "-----BEGIN RSA PRIVATE KEY-----\nMIIB\n",
	};
	for (size_t i = 0; i < 3; i++) {
		char *path = write_tmp(bad[i]);
		assert_int_equal(dkimarc_audit_new(&a), DKIMARC_OK);
		assert_int_equal(dkimarc_audit_load_revealed(a, path), DKIMARC_EFORMAT);
		assert_non_null(strstr(dkimarc_last_error(), ":1:"));
		dkimarc_audit_free(a);
		unlink(path);
		free(path);
	}
	unlink(revpath);
	free(revpath);
	free(rec1);
	free(rec2);
	free(rec3);
	free(pem);
	mpz_clears(p, q1, q2, q3, r1, r2, NULL);
}

/* p= holding the private key: a key (its public half), with key_private_in_dns. */
static void private_key_in_record(void **state)
{
	(void)state;
	EVP_PKEY *pk = EVP_RSA_gen(1024);
	unsigned char *der = NULL;
	int len = i2d_PrivateKey(pk, &der); /* PKCS#1 RSAPrivateKey */
	assert_true(len > 0);
	char *rec = record_of(der, (size_t)len);
	da_keyrec k;
	char err[400];
	unsigned bits;
	dkimarc_reason why = DKIMARC_REASON_OK;
	da_findings fs;
	assert_int_equal(da_keyrec_parse(rec, strlen(rec), &k, err, sizeof err), DKIMARC_REASON_OK);
	EVP_PKEY *got = da_pkey_decode_findings(&k, &bits, &why, &fs, err, sizeof err);
	assert_non_null(got);
	assert_int_equal(bits, 1024);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].reason, DKIMARC_REASON_KEY_PRIVATE_IN_DNS);
	assert_int_equal(EVP_PKEY_eq(got, pk), 1);
	EVP_PKEY_free(got);
	da_keyrec_clear(&k);
	free(rec);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);

	/* Ed25519: the seed and the public key, as libsodium keeps them. */
	unsigned char pub[32], sk[64], b64[128], pub2[32];
	crypto_sign_keypair(pub, sk);
	char edrec[200];
	EVP_EncodeBlock(b64, sk, 64);
	snprintf(edrec, sizeof edrec, "v=DKIM1; k=ed25519; p=%s", b64);
	assert_int_equal(da_keyrec_parse(edrec, strlen(edrec), &k, err, sizeof err),
	                 DKIMARC_REASON_OK);
	got = da_pkey_decode_findings(&k, &bits, &why, &fs, err, sizeof err);
	assert_non_null(got);
	assert_int_equal(fs.n, 1);
	assert_int_equal(fs.f[0].reason, DKIMARC_REASON_KEY_PRIVATE_IN_DNS);
	size_t pl = 32;
	assert_int_equal(EVP_PKEY_get_raw_public_key(got, pub2, &pl), 1);
	assert_memory_equal(pub, pub2, 32);
	EVP_PKEY_free(got);
	da_keyrec_clear(&k);
	/* 64 bytes whose halves do not agree are no key at all. */
	sk[40] ^= 1;
	EVP_EncodeBlock(b64, sk, 64);
	snprintf(edrec, sizeof edrec, "v=DKIM1; k=ed25519; p=%s", b64);
	assert_int_equal(da_keyrec_parse(edrec, strlen(edrec), &k, err, sizeof err),
	                 DKIMARC_REASON_OK);
	assert_null(da_pkey_decode_findings(&k, &bits, &why, &fs, err, sizeof err));
	assert_int_equal(why, DKIMARC_REASON_KEY_SYNTAX);
	da_keyrec_clear(&k);
}

/* ---- the zk-email archive's format ------------------------------------------------------ */

static void zkemail_archive(void **state)
{
	(void)state;
	static const char good[] =
	    "  [{\"domain\":\"Example.com\",\"selector\":\"s1\",\"firstSeenAt\":"
	    "\"2023-05-06T07:08:09.123Z\",\"lastSeenAt\":\"2024-01-02T03:04:05.000Z\","
	    "\"value\":\"v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\"},"
	    "{\"domain\":\"example.com\",\"selector\":\"s1\",\"firstSeenAt\":null,\"lastSeenAt\":"
	    "null,"
	    "\"value\":\"v=DKIM1; p=\",\"extra\":1}]";
	dkimarc_keysrc *src;
	dkimarc_answer *ans;
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "zk.json", good, sizeof good - 1),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_count(src), 2);
	assert_int_equal(dkimarc_keysrc_lookup(src, "s1._domainkey.example.com", &ans), DKIMARC_OK);
	assert_int_equal(dkimarc_answer_count(ans), 2);
	const dkimarc_keyrec *r = dkimarc_answer_record(ans, 0);
	assert_int_equal(r->first_seen, 1683356889);
	assert_int_equal(r->last_seen, 1704164645);
	assert_string_equal(r->origin, "zk.json entry 1");
	assert_string_equal(r->source, "zk-email archive");
	assert_int_equal(r->line, 0);
	assert_int_equal(dkimarc_answer_record(ans, 1)->first_seen, -1);
	dkimarc_answer_free(ans);

	static const struct {
		const char *text, *msg;
	} bad[] = {
	    {"[1]", "entry 1: expected an object"},
	    {"[{\"domain\":\"a.com\",\"value\":\"x\"}]", "entry 1: expected an object"},
	    {"[{\"domain\":\"a.com\",\"selector\":\"s\",\"value\":\"x\",\"lastSeenAt\":5}]",
	     "entry 1: \"lastSeenAt\" is not a time"},
	    {"[{\"domain\":\"a.com\",\"selector\":\"s\",\"value\":\"x\"},"
	     "{\"domain\":\"a.com\",\"selector\":\"s\",\"value\":\"x\",\"firstSeenAt\":\"2024-01-"
	     "02\","
	     "\"lastSeenAt\":\"2023-01-01\"}]",
	     "entry 2: firstSeenAt is after lastSeenAt"},
	    {"[{\"domain\":\"a b.com\",\"selector\":\"s\",\"value\":\"x\"}]", "entry 1: invalid"},
	    {"[{\"domain\":\"a.com\"", "invalid JSON"},
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "zk.json", bad[i].text,
		                                                 strlen(bad[i].text)),
		                 DKIMARC_EFORMAT);
		if (!strstr(dkimarc_last_error(), bad[i].msg))
			fail_msg("%s: %s", bad[i].text, dkimarc_last_error());
		/* All or nothing. */
		assert_int_equal(dkimarc_keysrc_archive_count(src), 2);
	}
	dkimarc_keysrc_free(src);
}

static int setup(void **state)
{
	(void)state;
	gmp_randinit_default(rs);
	gmp_randseed_ui(rs, 17);
	return sodium_init() < 0;
}

static int teardown(void **state)
{
	(void)state;
	gmp_randclear(rs);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(roca_moduli_are_found),
	    cmocka_unit_test(close_primes_are_found),
	    cmocka_unit_test(exponents),
	    cmocka_unit_test(batch_gcd_finds_the_shared_primes),
	    cmocka_unit_test(audit_of_records),
	    cmocka_unit_test(private_key_in_record),
	    cmocka_unit_test(zkemail_archive),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
