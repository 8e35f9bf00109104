/*
 * RSA moduli that anyone can factor (crypto.h). A real RSA modulus is the
 * product of two large primes; its private key is then out of reach. A prime
 * modulus n has phi(n) = n-1 for all to see, so d = e^-1 mod (n-1) signs; a
 * modulus with a small prime factor p is n = p*m, factored at sight, and when
 * m is prime anyone signs the same way. No key generator makes either, so both
 * are refused: a factor below 2^20 (every odd prime there), or a modulus that
 * passes a Fermat test.
 *
 * OpenSSL's BIGNUM, not GMP: this runs for every key a verification decodes,
 * and GMP ends the process when memory runs out, where the verifier must
 * return DKIMARC_ENOMEM (SECURITY.md).
 */
#include "crypto.h"
#include "keycheck.h"

#include <openssl/bn.h>
#include <openssl/err.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SMALL_BOUND (1ul << 20) /* every odd prime below this is tried */

/* Their product, big-endian (about 1.5 million bits), made at build time (lib/gen/). */
extern const unsigned char da_small_product[];
extern const size_t da_small_product_len;

static uint32_t *primes; /* the odd primes below SMALL_BOUND, ascending: only to name a factor */
static size_t nprimes;
static atomic_bool primes_ok;
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under tables_lock; on a failure (memory) nothing is kept, so a later call tries again. */
static void primes_init(void)
{
	unsigned char *composite = calloc(SMALL_BOUND, 1);
	uint32_t *p = malloc(90000 * sizeof *p); /* 82,024 odd primes below 2^20 */
	if (!composite || !p) {
		free(composite);
		free(p);
		return;
	}
	size_t np = 0;
	for (unsigned long i = 3; i < SMALL_BOUND; i += 2) {
		if (composite[i])
			continue;
		p[np++] = (uint32_t)i;
		for (unsigned long j = i * i; j < SMALL_BOUND; j += 2 * i)
			composite[j] = 1;
	}
	free(composite);
	primes = p;
	nprimes = np;
	atomic_store_explicit(&primes_ok, true, memory_order_release);
}

static bool ready(atomic_bool *ok, void (*init)(void))
{
	if (atomic_load_explicit(ok, memory_order_acquire))
		return true;
	pthread_mutex_lock(&tables_lock);
	if (!atomic_load_explicit(ok, memory_order_relaxed))
		init();
	pthread_mutex_unlock(&tables_lock);
	return atomic_load_explicit(ok, memory_order_relaxed);
}

/* 1 when m passes a Fermat test to base 2 (primes do; RSA moduli never), 0 not, -1 failure. */
static int fermat2(const BIGNUM *m, BN_MONT_CTX *mont, BN_CTX *bc)
{
	BN_CTX_start(bc);
	BIGNUM *r = BN_CTX_get(bc), *m1 = BN_CTX_get(bc);
	int prime = -1;
	if (m1 && BN_copy(m1, m) && BN_sub_word(m1, 1) &&
	    BN_mod_exp_mont_word(r, 2, m1, m, bc, mont))
		prime = BN_is_one(r);
	BN_CTX_end(bc);
	return prime;
}

/*
 * g = gcd(n, the product of the small primes). Not the product mod n by
 * long division (one machine division per word of a 1.5-million-bit number):
 * Montgomery reduction of the product, a chunk of R = 2^(bits of n, in
 * words) at a time from the low end, gives product * R^-k mod n with
 * multiplications only, at less than half the cost; R is odd n's unit, so
 * the gcd is the same. 1 on success, 0 on a failure of the crypto library.
 */
static int small_gcd(BIGNUM *g, const BIGNUM *n, BN_MONT_CTX *mont, BN_CTX *bc)
{
	size_t rbytes = ((size_t)BN_num_bits(n) + BN_BITS2 - 1) / BN_BITS2 * (BN_BITS2 / 8);
	int ok = 0;
	BN_CTX_start(bc);
	BIGNUM *c = BN_CTX_get(bc);
	BN_zero(g);
	if (!c)
		goto out;
	for (size_t end = da_small_product_len; end > 0;) {
		size_t take = end < rbytes ? end : rbytes;
		end -= take;
		/* g < n, chunk < R: their sum is below n*R, as the reduction wants. */
		if (!BN_bin2bn(da_small_product + end, (int)take, c) || !BN_add(g, g, c) ||
		    !BN_from_montgomery(g, g, mont, bc))
			goto out;
	}
	/*
	 * Nearly always the gcd is 1, and then g has an inverse mod n: OpenSSL's
	 * inversion of a public number takes a fraction of its constant-time gcd.
	 * Only without one (a small factor, or no memory) is the gcd computed.
	 */
	ERR_set_mark();
	BIGNUM *inv = BN_mod_inverse(c, g, n, bc);
	ERR_pop_to_mark();
	if (inv)
		ok = BN_one(g);
	else
		ok = BN_gcd(g, g, n, bc);
out:
	BN_CTX_end(bc);
	return ok;
}

/*
 * g: the product of the small primes dividing n (> 1). The smallest of them
 * into *first, and n with every small prime factor divided out into cof.
 * Word divisions only: they cannot fail on a prime divisor.
 */
static void split_small(BIGNUM *g, BIGNUM *cof, unsigned long *first)
{
	*first = 0;
	for (size_t i = 0; i < nprimes && !BN_is_one(g); i++) {
		BN_ULONG p = primes[i];
		if (BN_mod_word(g, p) != 0)
			continue;
		if (!*first)
			*first = p;
		BN_div_word(g, p);
		while (!BN_is_one(cof) && BN_mod_word(cof, p) == 0)
			BN_div_word(cof, p);
	}
}

int da_rsa_modulus_check(const BIGNUM *n, char *err, size_t errlen)
{
	if (!BN_is_odd(n) || BN_is_one(n))
		return -1;
	BN_CTX *bc = BN_CTX_new();
	if (!bc)
		return -1;
	BN_CTX_start(bc);
	BIGNUM *g = BN_CTX_get(bc), *cof = BN_CTX_get(bc);
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	int rc = -1;
	if (!cof || !mont || !BN_MONT_CTX_set(mont, n, bc) || !small_gcd(g, n, mont, bc))
		goto out;
	if (!BN_is_one(g)) {
		unsigned long p;
		if (!ready(&primes_ok, primes_init) || !BN_copy(cof, n))
			goto out;
		split_small(g, cof, &p);
		int prime = 0;
		BN_MONT_CTX *mc = BN_is_one(cof) ? NULL : BN_MONT_CTX_new();
		if (mc && BN_MONT_CTX_set(mc, cof, bc))
			prime = fermat2(cof, mc, bc);
		else if (!BN_is_one(cof))
			prime = -1;
		BN_MONT_CTX_free(mc);
		if (prime < 0)
			goto out;
		if (BN_is_one(cof))
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
	rc = fermat2(n, mont, bc);
	if (rc > 0)
		snprintf(err, errlen,
		         "the RSA modulus is prime (it passes a Fermat test): anyone can "
		         "compute a private key (d = e^-1 mod n-1) and sign with this key");
out:
	BN_MONT_CTX_free(mont);
	BN_CTX_end(bc);
	BN_CTX_free(bc);
	return rc;
}
