/*
 * Batch GCD (Bernstein's product and remainder trees; Heninger et al., "Mining
 * your Ps and Qs", 2012): which of many RSA moduli share a prime with another,
 * in quasi-linear time instead of a gcd per pair.
 */
#ifndef DKIMARC_BATCHGCD_H
#define DKIMARC_BATCHGCD_H

#include "internal.h"

#include <gmp.h>

#define DA_SHARED_MAX_PARTNERS 4 /* partners named per modulus */

typedef struct {
	bool shared;                             /* shares a prime with another modulus */
	size_t partners[DA_SHARED_MAX_PARTNERS]; /* indexes of moduli it shares one with */
	size_t npartners;
} da_shared;

/*
 * For each of the k moduli n[0..k) (distinct, odd, > 1), whether it shares a
 * prime factor with another of them, and with which (up to
 * DA_SHARED_MAX_PARTNERS, found by a gcd per pair among the moduli that
 * share). out has k entries. Memory: about log2(k) times the moduli's bits
 * for the product tree. Returns 0 (GMP aborts when memory runs out).
 */
DA_HIDDEN int da_batch_gcd(mpz_t *n, size_t k, da_shared *out);
/* ctxkeys.c: the key_shared_prime sentence, naming a partner key and how many more. */
DA_HIDDEN void da_shared_text(char *out, size_t outlen, const char *partner, size_t more);

#endif
