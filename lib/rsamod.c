/*
 * RSA moduli that anyone can factor (crypto.h). A real RSA modulus is the
 * product of two large primes; its private key is then out of reach. A prime
 * modulus n has phi(n) = n-1 for all to see, so d = e^-1 mod (n-1) signs; a
 * modulus with a small prime factor p is n = p*m, factored at sight, and when
 * m is prime anyone signs the same way. No key generator makes either, so both
 * are refused: a factor below 2^16 (every odd prime there), or a modulus that
 * passes a Fermat test.
 */
#include "crypto.h"

#include <openssl/bn.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>

#define SMALL_BOUND 65536 /* every odd prime below this is tried */
#define NPRIMES     6541  /* odd primes below 2^16 */
#define GROUP_BITS  1000  /* a group's product stays below 2^1000 < any modulus of 1024 bits */
#define MAX_GROUPS  128   /* 94 are needed */

static unsigned short primes[NPRIMES];
static BIGNUM *groups[MAX_GROUPS]; /* products of consecutive primes */
static size_t ngroups;
static atomic_bool tables_ok;
static pthread_mutex_t tables_lock = PTHREAD_MUTEX_INITIALIZER;

/* Under tables_lock; on a failure (memory) nothing is kept, so a later call tries again. */
static void tables_init(void)
{
	static unsigned char composite[SMALL_BOUND];
	size_t np = 0;

	for (unsigned i = 3; i < SMALL_BOUND; i += 2) {
		if (composite[i])
			continue;
		primes[np++] = (unsigned short)i;
		for (unsigned j = i * i; j < SMALL_BOUND; j += 2 * i)
			composite[j] = 1;
	}
	size_t i = 0;
	while (np == NPRIMES && i < np && ngroups < MAX_GROUPS) {
		BIGNUM *g = BN_new();
		if (!g || !BN_one(g)) {
			BN_free(g);
			break;
		}
		groups[ngroups++] = g;
		while (i < np && BN_num_bits(g) < GROUP_BITS - 16)
			if (!BN_mul_word(g, primes[i++]))
				i = np + 1;
	}
	if (i == np) {
		atomic_store_explicit(&tables_ok, true, memory_order_release);
		return;
	}
	while (ngroups > 0)
		BN_free(groups[--ngroups]);
}

static bool tables_ready(void)
{
	if (atomic_load_explicit(&tables_ok, memory_order_acquire))
		return true;
	pthread_mutex_lock(&tables_lock);
	if (!atomic_load_explicit(&tables_ok, memory_order_relaxed))
		tables_init();
	pthread_mutex_unlock(&tables_lock);
	return atomic_load_explicit(&tables_ok, memory_order_relaxed);
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

/*
 * The smallest of the small primes dividing n (g, their product, is known to
 * be > 1), and n with every small prime factor divided out, into cof.
 */
static int split_small(const BIGNUM *n, BIGNUM *g, BIGNUM *cof, unsigned long *first)
{
	*first = 0;
	if (!BN_copy(cof, n))
		return -1;
	for (size_t i = 0; i < NPRIMES && !BN_is_one(g); i++) {
		BN_ULONG p = primes[i], rem = BN_mod_word(g, p);
		if (rem == (BN_ULONG)-1)
			return -1;
		if (rem != 0)
			continue;
		if (!*first)
			*first = p;
		if (BN_div_word(g, p) == (BN_ULONG)-1)
			return -1;
		while ((rem = BN_mod_word(cof, p)) == 0 && !BN_is_one(cof))
			if (BN_div_word(cof, p) == (BN_ULONG)-1)
				return -1;
		if (rem == (BN_ULONG)-1)
			return -1;
	}
	return *first ? 0 : -1;
}

int da_rsa_modulus_check(const BIGNUM *n, char *err, size_t errlen)
{
	if (!BN_is_odd(n) || BN_is_one(n) || !tables_ready())
		return -1;
	BN_CTX *bc = BN_CTX_new();
	BN_MONT_CTX *mont = BN_MONT_CTX_new();
	BIGNUM *acc, *t;
	int rc = -1;
	if (!bc || !mont)
		goto out;
	BN_CTX_start(bc);
	acc = BN_CTX_get(bc);
	t = BN_CTX_get(bc);
	if (!t || !BN_MONT_CTX_set(mont, n, bc) || !BN_one(acc))
		goto end;
	/*
	 * gcd(n, product of the small primes), the product taken mod n group by
	 * group with Montgomery multiplications: each brings a factor R^-1, a
	 * unit mod n, so the gcd is the same. Much cheaper than 6,541 divisions.
	 */
	for (size_t i = 0; i < ngroups; i++) {
		const BIGNUM *x = groups[i];
		if (BN_ucmp(x, n) >= 0) {
			if (!BN_mod(t, x, n, bc))
				goto end;
			x = t;
		}
		if (!BN_mod_mul_montgomery(acc, acc, x, mont, bc))
			goto end;
	}
	if (!BN_gcd(t, acc, n, bc))
		goto end;
	if (!BN_is_one(t)) {
		BIGNUM *cof = BN_CTX_get(bc);
		unsigned long p;
		int prime = 0;
		if (!cof || split_small(n, t, cof, &p) != 0)
			goto end;
		if (!BN_is_one(cof)) {
			BN_MONT_CTX *mc = BN_MONT_CTX_new();
			prime = mc && BN_MONT_CTX_set(mc, cof, bc) ? fermat2(cof, bc, mc) : -1;
			BN_MONT_CTX_free(mc);
			if (prime < 0)
				goto end;
		}
		if (BN_is_one(cof))
			snprintf(err, errlen,
			         "the RSA modulus has no prime factor above 2^16 (%lu is one): "
			         "anyone can compute a private key and sign with this key",
			         p);
		else if (prime)
			snprintf(err, errlen,
			         "the RSA modulus has the factor %lu, and what is left after its "
			         "factors below 2^16 is prime: anyone can compute a private key "
			         "and sign with this key",
			         p);
		else
			snprintf(err, errlen,
			         "the RSA modulus has the factor %lu: a real RSA modulus is the "
			         "product of two large primes, so this key was not made to be "
			         "secret",
			         p);
		rc = 1;
		goto end;
	}
	int prime = fermat2(n, bc, mont);
	if (prime < 0)
		goto end;
	if (prime)
		snprintf(err, errlen,
		         "the RSA modulus is prime (it passes a Fermat test): anyone can "
		         "compute a private key (d = e^-1 mod n-1) and sign with this key");
	rc = prime;
end:
	BN_CTX_end(bc);
out:
	BN_MONT_CTX_free(mont);
	BN_CTX_free(bc);
	return rc;
}
