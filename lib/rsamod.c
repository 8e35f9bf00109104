/*
 * RSA moduli that anyone can factor (crypto.h). A real RSA modulus is the
 * product of two large primes; its private key is then out of reach. A prime
 * modulus n has phi(n) = n-1 for all to see, so d = e^-1 mod (n-1) signs; a
 * modulus with a small prime factor p is n = p*m, factored at sight, and when
 * m is prime anyone signs the same way. No key generator makes either, so both
 * are refused: a factor below 2^20 (every odd prime there), or a modulus that
 * passes a Fermat test.
 */
#include "crypto.h"
#include "keycheck.h"

#include <gmp.h>
#include <openssl/bn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_BOUND (1ul << 20) /* every odd prime below this is tried */

static uint32_t *primes; /* the odd primes below SMALL_BOUND, ascending */
static size_t nprimes;
static mpz_t product; /* their product: about 1.5 million bits */
static bool tables_ok;
static pthread_once_t tables_once = PTHREAD_ONCE_INIT;

static void tables_init(void)
{
	unsigned char *composite = calloc(SMALL_BOUND, 1);
	uint32_t *p = malloc(90000 * sizeof *p); /* 82,024 odd primes below 2^20 */
	if (!composite || !p) {
		free(composite);
		free(p);
		return;
	}
	for (unsigned long i = 3; i < SMALL_BOUND; i += 2) {
		if (composite[i])
			continue;
		p[nprimes++] = (uint32_t)i;
		for (unsigned long j = i * i; j < SMALL_BOUND; j += 2 * i)
			composite[j] = 1;
	}
	free(composite);
	primes = p;
	/* GMP's primorial: a product tree, about a millisecond, once. */
	mpz_init(product);
	mpz_primorial_ui(product, SMALL_BOUND - 1);
	mpz_tdiv_q_2exp(product, product, 1);
	tables_ok = true;
}

int da_bn_to_mpz(const BIGNUM *n, mpz_t out)
{
	int len = BN_num_bytes(n);
	unsigned char *buf = malloc(len > 0 ? (size_t)len : 1);
	if (!buf)
		return -1;
	BN_bn2bin(n, buf);
	mpz_import(out, (size_t)len, 1, 1, 1, 0, buf);
	free(buf);
	return 0;
}

/* 1 when m passes a Fermat test to base 2 (primes do; RSA moduli never), 0 not, -1 failure. */
static int fermat2(const BIGNUM *m, BN_CTX *bc, BN_MONT_CTX *mont)
{
	BIGNUM *r = BN_CTX_get(bc), *m1 = BN_CTX_get(bc);
	if (!m1 || !BN_copy(m1, m) || !BN_sub_word(m1, 1) ||
	    !BN_mod_exp_mont_word(r, 2, m1, m, bc, mont))
		return -1;
	return BN_is_one(r);
}

/* The same in GMP, for a cofactor (rare: only when a small factor was found). */
static bool fermat2_mpz(const mpz_t m)
{
	mpz_t b, m1;
	mpz_inits(b, m1, NULL);
	mpz_sub_ui(m1, m, 1);
	mpz_set_ui(b, 2);
	mpz_powm(b, b, m1, m);
	bool prime = mpz_cmp_ui(b, 1) == 0;
	mpz_clears(b, m1, NULL);
	return prime;
}

/*
 * g: the product of the small primes dividing n (> 1). The smallest of them
 * into *first, and n with every small prime factor divided out into cof.
 */
static void split_small(const mpz_t n, mpz_t g, mpz_t cof, unsigned long *first)
{
	*first = 0;
	mpz_set(cof, n);
	for (size_t i = 0; i < nprimes && mpz_cmp_ui(g, 1) != 0; i++) {
		unsigned long p = primes[i];
		if (!mpz_divisible_ui_p(g, p))
			continue;
		if (!*first)
			*first = p;
		mpz_divexact_ui(g, g, p);
		while (mpz_cmp_ui(cof, 1) != 0 && mpz_divisible_ui_p(cof, p))
			mpz_divexact_ui(cof, cof, p);
	}
}

int da_rsa_modulus_check(const BIGNUM *n, char *err, size_t errlen)
{
	pthread_once(&tables_once, tables_init);
	if (!tables_ok || !BN_is_odd(n) || BN_is_one(n))
		return -1;
	mpz_t m, g, cof;
	mpz_inits(m, g, cof, NULL);
	int rc = -1;
	if (da_bn_to_mpz(n, m) != 0)
		goto out;
	/* gcd(n, product of the small primes): one division of the product by n. */
	mpz_mod(g, product, m);
	mpz_gcd(g, g, m);
	if (mpz_cmp_ui(g, 1) != 0) {
		unsigned long p;
		split_small(m, g, cof, &p);
		bool prime = mpz_cmp_ui(cof, 1) != 0 && fermat2_mpz(cof);
		if (mpz_cmp_ui(cof, 1) == 0)
			snprintf(err, errlen,
			         "the RSA modulus has no prime factor above 2^20 (%lu is one): "
			         "anyone can compute a private key and sign with this key",
			         p);
		else if (prime)
			snprintf(err, errlen,
			         "the RSA modulus has the factor %lu, and what is left after its "
			         "factors below 2^20 is prime: anyone can compute a private key "
			         "and sign with this key",
			         p);
		else
			snprintf(err, errlen,
			         "the RSA modulus has the factor %lu: a real RSA modulus is the "
			         "product of two large primes, so this key was not made to be "
			         "secret",
			         p);
		rc = 1;
		goto out;
	}
	BN_CTX *bc = BN_CTX_new();
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	if (bc && mont) {
		BN_CTX_start(bc);
		int prime = BN_MONT_CTX_set(mont, n, bc) ? fermat2(n, bc, mont) : -1;
		BN_CTX_end(bc);
		if (prime > 0)
			snprintf(err, errlen,
			         "the RSA modulus is prime (it passes a Fermat test): anyone can "
			         "compute a private key (d = e^-1 mod n-1) and sign with this key");
		rc = prime;
	}
	BN_MONT_CTX_free(mont);
	BN_CTX_free(bc);
out:
	mpz_clears(m, g, cof, NULL);
	return rc;
}
