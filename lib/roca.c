/*
 * The ROCA fingerprint (keycheck.h). Infineon's RSALib made its primes as
 * p = k*M + (65537^a mod M), M the product of the first m primes (m = 39 for
 * keys of 512 to 960 bits, 71 for 992 to 1952, 126 for 1984 to 3936, 225 for
 * 3968 to 4096; Nemec et al., "The Return of Coppersmith's Attack", CCS 2017,
 * section 2.1). So for every prime r dividing M, p mod r is a power of 65537
 * mod r, and so is n = p*q: n mod r lies in the subgroup that 65537 generates
 * in (Z/r)*. A modulus made otherwise has residues spread over the whole
 * group; where the subgroup is smaller, each prime is a test it fails with
 * the odds of the subgroup's share, and all of them together (m = 71) leave a
 * chance of about 2^-83.
 */
#include "keycheck.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_R    1427 /* the 225th prime */
#define NPRIMES  225
#define BITS_MIN 512
#define BITS_MAX 4096

static unsigned short rprimes[NPRIMES];              /* 2, 3, 5, ..., 1427 */
static unsigned char member[NPRIMES][MAX_R / 8 + 1]; /* residues in <65537> mod r */
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void init(void)
{
	size_t n = 0;
	for (unsigned r = 2; n < NPRIMES; r++) {
		bool prime = true;
		for (unsigned d = 2; d * d <= r && prime; d++)
			prime = r % d != 0;
		if (prime)
			rprimes[n++] = (unsigned short)r;
	}
	for (size_t i = 0; i < NPRIMES; i++) {
		unsigned r = rprimes[i], g = 65537 % r, x = 1;
		do {
			member[i][x / 8] |= (unsigned char)(1u << (x % 8));
			x = x * g % r;
		} while (x != 1);
	}
}

/* How many of the first primes RSALib's M holds at this size. */
static size_t primes_for(unsigned bits)
{
	/* Between the sizes RSALib makes, the smaller M: its primes divide the larger. */
	return bits >= 3968 ? 225 : bits >= 1984 ? 126 : bits >= 992 ? 71 : 39;
}

bool da_roca_fingerprint(const BIGNUM *n, unsigned bits)
{
	if (bits < BITS_MIN || bits > BITS_MAX)
		return false;
	pthread_once(&once, init);
	size_t m = primes_for(bits);
	for (size_t i = 1; i < m; i++) {
		/* A word division: it cannot fail on a non-zero divisor. */
		unsigned long x = (unsigned long)BN_mod_word(n, rprimes[i]);
		if (!(member[i][x / 8] & (1u << (x % 8))))
			return false;
	}
	return true;
}
