/*
 * Fermat's method (keycheck.h): n = a^2 - b^2 = (a - b)(a + b). Starting from
 * a = ceil(sqrt(n)), the first a for which a^2 - n is a square gives the
 * factors; it comes after about (p - q)^2 / (8 sqrt(n)) steps, so primes
 * chosen close together (a broken generator that searches upwards from one
 * random point for both) fall in the first few.
 *
 * BIGNUM, as every check run while verifying (rsamod.c says why). A step
 * costs two additions; whether a^2 - n is a square is first asked of its
 * residues modulo a few small numbers, kept as words, and only the rare
 * value that is a square modulo all of them gets a square root.
 */
#include "keycheck.h"

#include <pthread.h>
#include <string.h>

static const unsigned moduli[] = {64, 63, 65, 11, 17, 19, 23, 29, 31, 37};
#define NMOD (sizeof moduli / sizeof moduli[0])
#define MAXM 65

static bool square[NMOD][MAXM]; /* square[j][x]: x is a square modulo moduli[j] */
static pthread_once_t square_once = PTHREAD_ONCE_INIT;

static void square_init(void)
{
	for (size_t j = 0; j < NMOD; j++)
		for (unsigned x = 0; x < moduli[j]; x++)
			square[j][x * x % moduli[j]] = true;
}

/* floor(sqrt(n)) into r (n >= 0), by Newton's method from above. */
static bool isqrt(BIGNUM *r, const BIGNUM *n, BN_CTX *bc)
{
	if (BN_is_zero(n))
		return BN_zero(r), true;
	BN_CTX_start(bc);
	BIGNUM *x = BN_CTX_get(bc), *y = BN_CTX_get(bc);
	bool ok = y && BN_set_bit((BN_zero(x), x), (BN_num_bits(n) + 1) / 2);
	/* x >= sqrt(n); y = (x + n/x) / 2 falls until it reaches floor(sqrt(n)). */
	while (ok) {
		ok = BN_div(y, NULL, n, x, bc) && BN_add(y, y, x) && BN_rshift1(y, y);
		if (!ok || BN_cmp(y, x) >= 0)
			break;
		ok = BN_copy(x, y) != NULL;
	}
	ok = ok && BN_copy(r, x);
	BN_CTX_end(bc);
	return ok;
}

int da_fermat(const BIGNUM *n, unsigned long steps, BIGNUM *p, unsigned long *took)
{
	pthread_once(&square_once, square_init);
	BN_CTX *bc = BN_CTX_new();
	if (!bc)
		return -1;
	BN_CTX_start(bc);
	BIGNUM *a = BN_CTX_get(bc), *b2 = BN_CTX_get(bc), *b = BN_CTX_get(bc), *t = BN_CTX_get(bc);
	int found = -1;
	unsigned long ra[NMOD], rb[NMOD];
	if (!t || !isqrt(a, n, bc) || !BN_sqr(b2, a, bc))
		goto out;
	if (BN_cmp(b2, n) != 0 && (!BN_add_word(a, 1) || !BN_sqr(b2, a, bc)))
		goto out;
	if (!BN_sub(b2, b2, n))
		goto out;
	for (size_t j = 0; j < NMOD; j++) {
		ra[j] = (unsigned long)BN_mod_word(a, moduli[j]);
		rb[j] = (unsigned long)BN_mod_word(b2, moduli[j]);
	}
	found = 0;
	for (unsigned long i = 0; i < steps; i++) {
		bool maybe = true;
		for (size_t j = 0; j < NMOD && maybe; j++)
			maybe = square[j][rb[j]];
		if (maybe) {
			if (!isqrt(b, b2, bc) || !BN_sqr(t, b, bc)) {
				found = -1;
				break;
			}
			if (BN_cmp(t, b2) == 0) {
				if (!BN_sub(p, a, b)) {
					found = -1;
					break;
				}
				if (BN_cmp(p, BN_value_one()) > 0) {
					*took = i + 1;
					found = 1;
				}
				break;
			}
		}
		/* (a+1)^2 - n = a^2 - n + 2a + 1 */
		if (!BN_add(b2, b2, a) || !BN_add(b2, b2, a) || !BN_add_word(b2, 1) ||
		    !BN_add_word(a, 1)) {
			found = -1;
			break;
		}
		for (size_t j = 0; j < NMOD; j++) {
			rb[j] = (rb[j] + 2 * ra[j] + 1) % moduli[j];
			ra[j] = (ra[j] + 1) % moduli[j];
		}
	}
out:
	BN_CTX_end(bc);
	BN_CTX_free(bc);
	return found;
}
