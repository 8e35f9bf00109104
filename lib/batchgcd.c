/* Batch GCD over a set of RSA moduli (batchgcd.h). */
#include "batchgcd.h"
#include "keycheck.h"

#include <stdlib.h>
#include <string.h>

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

/* Pairwise gcds among at most this many sharing moduli; beyond, partners are not named. */
#define MAX_PAIRWISE 4096

typedef struct {
	mpz_t *v;
	size_t n;
} level;

static void level_free(level *l)
{
	for (size_t i = 0; i < l->n; i++)
		mpz_clear(l->v[i]);
	free(l->v);
	l->v = NULL;
	l->n = 0;
}

/* Names the partners of the moduli that share, by a gcd per pair among them. */
static void name_partners(mpz_t *n, size_t k, da_shared *out)
{
	size_t *idx = malloc(k * sizeof *idx), m = 0;
	if (!idx)
		return;
	for (size_t i = 0; i < k; i++)
		if (out[i].shared)
			idx[m++] = i;
	if (m <= MAX_PAIRWISE) {
		mpz_t g;
		mpz_init(g);
		for (size_t a = 0; a < m; a++) {
			for (size_t b = a + 1; b < m; b++) {
				da_shared *x = &out[idx[a]], *y = &out[idx[b]];
				if (x->npartners == DA_SHARED_MAX_PARTNERS &&
				    y->npartners == DA_SHARED_MAX_PARTNERS)
					continue;
				mpz_gcd(g, n[idx[a]], n[idx[b]]);
				if (mpz_cmp_ui(g, 1) == 0)
					continue;
				if (x->npartners < DA_SHARED_MAX_PARTNERS)
					x->partners[x->npartners++] = idx[b];
				if (y->npartners < DA_SHARED_MAX_PARTNERS)
					y->partners[y->npartners++] = idx[a];
			}
		}
		mpz_clear(g);
	}
	free(idx);
}

int da_batch_gcd(mpz_t *n, size_t k, da_shared *out)
{
	memset(out, 0, k * sizeof *out);
	if (k < 2)
		return 0;
	/* The product tree, leaves first: level d has ceil(k / 2^d) nodes. */
	size_t depth = 1;
	for (size_t m = k; m > 1; m = (m + 1) / 2)
		depth++;
	level *tree = calloc(depth, sizeof *tree);
	if (!tree)
		return -1;
	int rc = -1;
	tree[0].v = malloc(k * sizeof(mpz_t));
	if (!tree[0].v)
		goto out;
	for (size_t i = 0; i < k; i++)
		mpz_init_set(tree[0].v[tree[0].n++], n[i]);
	for (size_t d = 1; d < depth; d++) {
		const level *lo = &tree[d - 1];
		size_t m = (lo->n + 1) / 2;
		if (!(tree[d].v = malloc(m * sizeof(mpz_t))))
			goto out;
		for (size_t i = 0; i < m; i++) {
			mpz_init(tree[d].v[i]);
			if (2 * i + 1 < lo->n)
				mpz_mul(tree[d].v[i], lo->v[2 * i], lo->v[2 * i + 1]);
			else
				mpz_set(tree[d].v[i], lo->v[2 * i]);
			tree[d].n++;
		}
	}
	/*
	 * The remainder tree, top down: each node's remainder is its parent's
	 * modulo the node squared, so a leaf holds P mod n^2, P the product of
	 * all. P / n mod n is then (P mod n^2) / n, and its gcd with n is the
	 * product of n's primes that another modulus holds.
	 */
	level rem = {NULL, 0};
	if (!(rem.v = malloc(sizeof(mpz_t))))
		goto out;
	mpz_init_set(rem.v[0], tree[depth - 1].v[0]);
	rem.n = 1;
	level_free(&tree[depth - 1]);
	mpz_t sq;
	mpz_init(sq);
	for (size_t d = depth - 1; d-- > 0;) {
		level next = {malloc(tree[d].n * sizeof(mpz_t)), 0};
		if (!next.v) {
			level_free(&rem);
			mpz_clear(sq);
			goto out;
		}
		for (size_t i = 0; i < tree[d].n; i++) {
			mpz_init(next.v[i]);
			mpz_mul(sq, tree[d].v[i], tree[d].v[i]);
			mpz_mod(next.v[i], rem.v[i / 2], sq);
			next.n++;
		}
		level_free(&rem);
		rem = next;
		if (d > 0)
			level_free(&tree[d]);
	}
	for (size_t i = 0; i < k; i++) {
		mpz_divexact(rem.v[i], rem.v[i], n[i]);
		mpz_gcd(rem.v[i], rem.v[i], n[i]);
		out[i].shared = mpz_cmp_ui(rem.v[i], 1) != 0;
	}
	level_free(&rem);
	mpz_clear(sq);
	name_partners(n, k, out);
	rc = 0;
out:
	for (size_t d = 0; d < depth; d++)
		level_free(&tree[d]);
	free(tree);
	return rc;
}
