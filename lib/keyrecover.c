/*
 * RSA public-key recovery from signatures (dkimarc_rsa_recover, docs/keys.md).
 * A PKCS#1 v1.5 signature s made with (n, e) over a digest satisfies
 * s^e = EM (mod n), EM the padded DigestInfo (RFC 8017 §9.2), so n divides
 * s^e - EM exactly, and the gcd of two such numbers is n times a small
 * cofactor. The powers are computed exactly (about 65537 * 8k bits for a
 * k-byte key) and GMP's subquadratic gcd does the rest; every candidate is
 * checked by OpenSSL before it is returned.
 */
#include "crypto.h"
#include "keymatch.h"

#include <gmp.h>
#include <openssl/core_names.h>
#include <openssl/param_build.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TRIAL_BOUND       (1u << 20) /* cofactors' primes below this are divided out */
#define DEFAULT_MAX_PAIRS 6
#define CHEAP_PAIRS       1000 /* pairs tried at e = 3 */
#define MIN_SIG_LEN       64   /* 512-bit keys */
#define MAX_SIG_LEN       1024 /* 8192-bit keys */

/* The exponents tried, cheapest first: e = 3 costs nothing next to 65537. */
static const unsigned long exponents[] = {3, 65537};

typedef struct {
	const dkimarc_rsa_sample *s;
	mpz_t sig, em;
	int hash;
} sample;

/* EM as a number: the k-byte encoding of the sample's digest. */
static int encode_em(const dkimarc_rsa_sample *s, int hash, mpz_t out)
{
	unsigned char em[MAX_SIG_LEN];
	if (da_emsa_encode(hash, s->digest, s->digest_len, em, s->sig_len) != 0)
		return -1;
	mpz_import(out, s->sig_len, 1, 1, 1, 0, em);
	return 0;
}

/* Odd primes below TRIAL_BOUND, sieved on first use (a few ms). */
typedef struct {
	unsigned *p;
	size_t n;
} primes;

static int primes_make(primes *pr)
{
	unsigned char *composite = calloc(TRIAL_BOUND, 1);
	pr->p = malloc(90000 * sizeof *pr->p); /* pi(2^20) = 82025 */
	pr->n = 0;
	if (!composite || !pr->p) {
		free(composite);
		free(pr->p);
		pr->p = NULL;
		return -1;
	}
	for (unsigned i = 3; i < TRIAL_BOUND; i += 2) {
		if (composite[i])
			continue;
		pr->p[pr->n++] = i;
		for (unsigned long j = (unsigned long)i * i; j < TRIAL_BOUND; j += 2ul * i)
			composite[j] = 1;
	}
	free(composite);
	return 0;
}

/* Divides out every prime below TRIAL_BOUND: a real modulus has none. */
static void strip_small(mpz_t g, const primes *pr)
{
	if (mpz_sgn(g) != 0)
		mpz_tdiv_q_2exp(g, g, mpz_scan1(g, 0));
	for (size_t i = 0; i < pr->n && mpz_cmp_ui(g, 1) > 0; i++)
		while (mpz_divisible_ui_p(g, pr->p[i]))
			mpz_divexact_ui(g, g, pr->p[i]);
}

/* Fits a k-byte signature: more than 8(k-1) bits and at most 8k. */
static bool right_size(const mpz_t g, size_t k)
{
	size_t bits = mpz_sgn(g) > 0 ? mpz_sizeinbase(g, 2) : 0;
	return bits > 8 * (k - 1) && bits <= 8 * k;
}

/* n (g) and e as an OpenSSL key; NULL on failure. */
static EVP_PKEY *make_key(const mpz_t g, unsigned long e)
{
	size_t len = (mpz_sizeinbase(g, 2) + 7) / 8, got = 0;
	unsigned char *buf = malloc(len ? len : 1);
	BIGNUM *n = NULL, *be = BN_new();
	OSSL_PARAM_BLD *bld = OSSL_PARAM_BLD_new();
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_PKEY *pk = NULL;

	if (!buf || !be || !bld)
		goto out;
	mpz_export(buf, &got, 1, 1, 1, 0, g);
	if (!(n = BN_bin2bn(buf, (int)got, NULL)) || !BN_set_word(be, e) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_N, n) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_RSA_E, be) ||
	    !(params = OSSL_PARAM_BLD_to_param(bld)) ||
	    !(pc = EVP_PKEY_CTX_new_from_name(NULL, "RSA", NULL)) ||
	    EVP_PKEY_fromdata_init(pc) != 1 ||
	    EVP_PKEY_fromdata(pc, &pk, EVP_PKEY_PUBLIC_KEY, params) != 1)
		pk = NULL;
out:
	EVP_PKEY_CTX_free(pc);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	BN_free(n);
	BN_free(be);
	free(buf);
	return pk;
}

/* "v=DKIM1; k=rsa; p=" and the key's SubjectPublicKeyInfo in base64; NULL on failure. */
static char *make_record(EVP_PKEY *pk)
{
	unsigned char *der = NULL;
	int dlen = i2d_PUBKEY(pk, &der);
	char *b64 = dlen > 0 ? da_b64_encode(der, (size_t)dlen) : NULL, *rec = NULL;
	OPENSSL_free(der);
	if (b64 && (rec = malloc(strlen(b64) + 32)))
		sprintf(rec, "v=DKIM1; k=rsa; p=%s", b64);
	free(b64);
	return rec;
}

/* s^e - EM, exactly. */
static void power_minus(mpz_t out, const sample *s, unsigned long e)
{
	mpz_pow_ui(out, s->sig, e);
	mpz_sub(out, out, s->em);
}

/*
 * Narrows a candidate g with the other samples: gcd(g, s^e - EM mod g) keeps n
 * for a sample n verifies and collapses for one it does not (then ignored).
 * Stops once g has the size of a k-byte modulus.
 */
static void refine(mpz_t g, const sample *ss, size_t n, size_t a, size_t b, unsigned long e,
                   size_t k, const primes *pr)
{
	mpz_t r, h, be;
	mpz_inits(r, h, be, NULL);
	mpz_set_ui(be, e);
	for (size_t i = 0; i < n && !right_size(g, k); i++) {
		if (i == a || i == b)
			continue;
		mpz_powm(r, ss[i].sig, be, g);
		mpz_sub(r, r, ss[i].em);
		mpz_gcd(h, g, r);
		strip_small(h, pr);
		if (mpz_sizeinbase(h, 2) > 8 * (k - 1))
			mpz_set(g, h);
	}
	mpz_clears(r, h, be, NULL);
}

/* Whether key made s over another digest: the header fields it signed changed since. */
/* 1 when key made s over other content, 0 not, -1 when the crypto library failed. */
static int made_over_other(EVP_PKEY *key, const dkimarc_rsa_sample *s)
{
	da_recovered rec;
	if (da_rsa_recover(key, DA_KEY_RSA, s->sig, s->sig_len, &rec) != 0)
		return -1;
	return rec.made == DA_MADE_THIS_KEY;
}

/*
 * Tries one pair at one exponent. Returns 1 with *pk set when a key verifies
 * both (and used[] marks each sample: 1 verified, 2 made over other content), 0 when not, -1 on
 * failure.
 */
static int try_pair(const sample *ss, size_t n, size_t a, size_t b, unsigned long e,
                    const primes *pr, EVP_PKEY **pk, unsigned char *used)
{
	size_t k = ss[a].s->sig_len;
	mpz_t x, y, g;
	int found = 0;

	mpz_inits(x, y, g, NULL);
	power_minus(x, &ss[a], e);
	power_minus(y, &ss[b], e);
	if (mpz_sgn(x) != 0 && mpz_sgn(y) != 0) {
		mpz_gcd(g, x, y);
		/* The huge numbers go before the checks, which need little memory. */
		mpz_set_ui(x, 0);
		mpz_set_ui(y, 0);
		mpz_realloc2(x, 64);
		mpz_realloc2(y, 64);
		strip_small(g, pr);
		if (mpz_sizeinbase(g, 2) > 8 * (k - 1) && !right_size(g, k))
			refine(g, ss, n, a, b, e, k, pr);
		if (right_size(g, k) && mpz_odd_p(g)) {
			EVP_PKEY *key = make_key(g, e);
			if (!key) {
				found = -1;
			} else {
				/* OpenSSL has the last word, sample by sample. */
				for (size_t i = 0; i < n; i++) {
					const dkimarc_rsa_sample *s = ss[i].s;
					int ok = da_verify_digest(key, NULL, DA_KEY_RSA, ss[i].hash,
					                          s->digest, s->digest_len, s->sig,
					                          s->sig_len);
					if (ok < 0)
						found = -1;
					used[i] = ok == 1;
					if (ok == 0) {
						int other = made_over_other(key, s);
						if (other < 0)
							found = -1;
						used[i] = other == 1 ? 2 : 0;
					}
				}
				if (found == 0 && used[a] == 1 && used[b] == 1) {
					*pk = key;
					found = 1;
				} else {
					EVP_PKEY_free(key);
					memset(used, 0, n);
				}
			}
		}
	}
	mpz_clears(x, y, g, NULL);
	return found;
}

static int rsa_recover_impl(const dkimarc_rsa_sample *sigs, size_t n, unsigned long e,
                            unsigned max_pairs, unsigned char *used, char **record)
{
	if (record)
		*record = NULL;
	if (!sigs || !used || !record || n < 2)
		return da_fail(DKIMARC_EINVAL, "dkimarc_rsa_recover: NULL argument or fewer than "
		                               "2 signatures");
	if (e != 0 && e != 3 && e != 65537)
		return da_fail(DKIMARC_EINVAL, "dkimarc_rsa_recover: e must be 0, 3 or 65537");
	memset(used, 0, n);
	size_t k = sigs[0].sig_len;
	for (size_t i = 0; i < n; i++) {
		const dkimarc_rsa_sample *s = &sigs[i];
		if (!s->sig || !s->digest || s->sig_len != k || k < MIN_SIG_LEN ||
		    k > MAX_SIG_LEN || (s->digest_len != 20 && s->digest_len != 32))
			return da_fail(DKIMARC_EINVAL,
			               "dkimarc_rsa_recover: signature %zu: signatures must be of "
			               "one length from %d to %d bytes, digests of 20 or 32",
			               i + 1, MIN_SIG_LEN, MAX_SIG_LEN);
	}
	if (max_pairs == 0)
		max_pairs = DEFAULT_MAX_PAIRS;

	int rc = 0;
	sample *ss = calloc(n, sizeof *ss);
	primes pr = {0};
	if (!ss || primes_make(&pr) != 0) {
		free(ss);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	for (size_t i = 0; i < n; i++) {
		ss[i].s = &sigs[i];
		ss[i].hash = sigs[i].digest_len == 32 ? DA_HASH_SHA256 : DA_HASH_SHA1;
		mpz_inits(ss[i].sig, ss[i].em, NULL);
		mpz_import(ss[i].sig, k, 1, 1, 1, 0, sigs[i].sig);
		if (encode_em(&sigs[i], ss[i].hash, ss[i].em) != 0)
			rc = -1; /* cannot happen: lengths checked above */
	}

	/*
	 * Pairs by growing distance, (0,1) (1,2) ... (0,2) ...: a signature that
	 * shares no key with the others spoils only the pairs it is in. The same
	 * signature twice (a duplicate message) proves nothing: skipped. Every
	 * pair is tried at e = 3 first (microseconds each), then up to max_pairs
	 * at 65537 (tens of seconds each).
	 */
	EVP_PKEY *pk = NULL;
	for (size_t x = 0; x < sizeof exponents / sizeof exponents[0] && rc == 0 && !pk; x++) {
		if (e && exponents[x] != e)
			continue;
		unsigned tried = 0, cap = exponents[x] == 3 ? CHEAP_PAIRS : max_pairs;
		for (size_t d = 1; rc == 0 && !pk && d < n && tried < cap; d++) {
			for (size_t a = 0; rc == 0 && !pk && a + d < n && tried < cap; a++) {
				if (memcmp(sigs[a].sig, sigs[a + d].sig, k) == 0)
					continue;
				tried++;
				rc = try_pair(ss, n, a, a + d, exponents[x], &pr, &pk, used);
			}
		}
	}
	for (size_t i = 0; i < n; i++)
		mpz_clears(ss[i].sig, ss[i].em, NULL);
	free(ss);
	free(pr.p);
	if (rc < 0) {
		EVP_PKEY_free(pk);
		memset(used, 0, n);
		return da_fail(DKIMARC_ECRYPTO, "dkimarc_rsa_recover: OpenSSL failed");
	}
	if (!pk)
		return DKIMARC_OK;
	*record = make_record(pk);
	EVP_PKEY_free(pk);
	if (!*record) {
		memset(used, 0, n);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	return DKIMARC_OK;
}

int dkimarc_rsa_recover(const dkimarc_rsa_sample *sigs, size_t n, unsigned long e,
                        unsigned max_pairs, unsigned char *used, char **record)
{
	/* The record is released with dkimarc_free(), as all text the library gives. */
	return da_give(rsa_recover_impl(sigs, n, e, max_pairs, used, record), record);
}
