/*
 * Fermat's method (keycheck.h): n = a^2 - b^2 = (a - b)(a + b). Starting from
 * a = ceil(sqrt(n)), the first a for which a^2 - n is a square gives the
 * factors; it comes after about (p - q)^2 / (8 sqrt(n)) steps, so primes
 * chosen close together (a broken generator that searches upwards from one
 * random point for both) fall in the first few.
 */
#include "keycheck.h"

int da_fermat(const mpz_t n, unsigned long steps, mpz_t p, unsigned long *took)
{
	mpz_t a, b2, b;
	int found = 0;
	mpz_inits(a, b2, b, NULL);
	mpz_sqrtrem(a, b2, n);
	if (mpz_sgn(b2) != 0)
		mpz_add_ui(a, a, 1);
	mpz_mul(b2, a, a);
	mpz_sub(b2, b2, n);
	for (unsigned long i = 0; i < steps; i++) {
		/* Most values are told non-squares by their residues, without a root. */
		if (mpz_perfect_square_p(b2)) {
			mpz_sqrt(b, b2);
			mpz_sub(p, a, b);
			if (mpz_cmp_ui(p, 1) > 0) {
				*took = i + 1;
				found = 1;
			}
			break;
		}
		/* (a+1)^2 - n = a^2 - n + 2a + 1 */
		mpz_add(b2, b2, a);
		mpz_add(b2, b2, a);
		mpz_add_ui(b2, b2, 1);
		mpz_add_ui(a, a, 1);
	}
	mpz_clears(a, b2, b, NULL);
	return found;
}
