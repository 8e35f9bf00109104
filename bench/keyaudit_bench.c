/*
 * The cost of auditing keys (docs/performance.md, "Key audit"):
 *   - the batch GCD (lib/batchgcd.c) over N RSA moduli of B bits, two pairs
 *     of which share a prime (checked found);
 *   - the checks of one key (lib/keycheck.c: small factors and a prime
 *     modulus, Fermat, ROCA, exponent), per key size, as the verifier runs
 *     them once per key.
 *
 *   keyaudit_bench [-n COUNT] [-b BITS] [--checks]
 *
 * The batch GCD's moduli are products of eight random 256-bit primes (GMP's
 * mpz_nextprime): its trees cost the same whatever the factors, and such
 * primes are quick to make. Making them is not timed. The key checks run on
 * products of two primes.
 */
#include "batchgcd.h"
#include "keycheck.h"

#include <openssl/bn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static double clock_s(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static double now(void)
{
	return clock_s(CLOCK_MONOTONIC);
}

/* CPU time: steady on a shared machine, where wall time is not. */
static double cpu(void)
{
	return clock_s(CLOCK_PROCESS_CPUTIME_ID);
}

static gmp_randstate_t rs;

/* The product of eight primes of bits/8 bits each: bits - 3 to bits bits long. */
static void modulus(mpz_t m, mpz_t p, unsigned bits);

static void quick_prime(mpz_t p, unsigned bits)
{
	do {
		mpz_urandomb(p, rs, bits);
		mpz_setbit(p, bits - 1);
		mpz_setbit(p, bits - 2);
		mpz_nextprime(p, p);
	} while (mpz_sizeinbase(p, 2) != bits);
}

static void modulus(mpz_t m, mpz_t p, unsigned bits)
{
	mpz_set_ui(m, 1);
	for (int i = 0; i < 8; i++) {
		quick_prime(p, bits / 8);
		mpz_mul(m, m, p);
	}
}

static void batch(size_t n, unsigned bits)
{
	mpz_t *m = malloc(n * sizeof *m), p, q;
	da_shared *out = malloc(n * sizeof *out);
	if (!m || !out || n < 8)
		exit(2);
	mpz_inits(p, q, NULL);
	double t0 = now();
	for (size_t i = 0; i < n; i++) {
		mpz_init(m[i]);
		modulus(m[i], p, bits);
	}
	/* Two pairs share a prime: 1 and n-2, n/2 and 5. */
	quick_prime(p, bits / 2);
	quick_prime(q, bits / 2);
	mpz_mul(m[1], p, q);
	quick_prime(q, bits / 2);
	mpz_mul(m[n - 2], p, q);
	quick_prime(p, bits / 2);
	mpz_mul(m[n / 2], p, q);
	quick_prime(q, bits / 2);
	mpz_mul(m[5], p, q);
	double t1 = now(), c1 = cpu();
	da_batch_gcd(m, n, out);
	double t2 = now(), c2 = cpu();
	size_t shared = 0;
	for (size_t i = 0; i < n; i++)
		shared += out[i].shared;
	bool right = shared == 4 && out[1].shared && out[n - 2].shared && out[n / 2].shared &&
	             out[5].shared && out[1].npartners == 1 && out[1].partners[0] == n - 2;
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	printf("batch GCD: %zu moduli of %u bits: %.2f s CPU, %.2f s wall (making them %.1f s); "
	       "%zu found sharing, %s; peak RSS %ld MiB\n",
	       n, bits, c2 - c1, t2 - t1, t1 - t0, shared, right ? "the planted ones" : "WRONG",
	       ru.ru_maxrss / 1024);
	for (size_t i = 0; i < n; i++)
		mpz_clear(m[i]);
	mpz_clears(p, q, NULL);
	free(m);
	free(out);
	if (!right)
		exit(1);
}

static void checks(void)
{
	static const unsigned sizes[] = {1024, 2048, 3072, 4096};
	mpz_t p, q, n;
	mpz_inits(p, q, n, NULL);
	BIGNUM *e = BN_new();
	BN_set_word(e, 65537);
	for (size_t s = 0; s < sizeof sizes / sizeof sizes[0]; s++) {
		enum { KEYS = 20 };
		BIGNUM *bn[KEYS];
		for (int i = 0; i < KEYS; i++) {
			quick_prime(p, sizes[s] / 2);
			quick_prime(q, sizes[s] / 2);
			mpz_mul(n, p, q);
			char *hex = mpz_get_str(NULL, 16, n);
			bn[i] = NULL;
			BN_hex2bn(&bn[i], hex);
			free(hex);
		}
		da_findings fs;
		fs.n = 0;
		da_rsa_key_checks(bn[0], e, &fs); /* the tables, once per process */
		double t0 = cpu();
		size_t found = 0;
		for (int i = 0; i < KEYS; i++) {
			fs.n = 0;
			da_rsa_key_checks(bn[i], e, &fs);
			found += fs.n;
		}
		double t1 = cpu();
		printf("key checks: RSA-%u: %.2f ms CPU per key (%zu findings in %d sound keys)\n",
		       sizes[s], (t1 - t0) / KEYS * 1e3, found, KEYS);
		for (int i = 0; i < KEYS; i++)
			BN_free(bn[i]);
	}
	BN_free(e);
	mpz_clears(p, q, n, NULL);
}

int main(int argc, char **argv)
{
	size_t n = 10000;
	unsigned bits = 2048;
	bool do_checks = false;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-n") == 0 && i + 1 < argc)
			n = strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "-b") == 0 && i + 1 < argc)
			bits = (unsigned)strtoul(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--checks") == 0)
			do_checks = true;
		else {
			fprintf(stderr, "usage: keyaudit_bench [-n COUNT] [-b BITS] [--checks]\n");
			return 2;
		}
	}
	gmp_randinit_default(rs);
	gmp_randseed_ui(rs, 2017);
	if (do_checks)
		checks();
	batch(n, bits);
	gmp_randclear(rs);
	return 0;
}
