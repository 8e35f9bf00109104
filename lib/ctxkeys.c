/*
 * The context's findings from outside the keys (keymarks.h): a batch GCD over
 * every RSA key its source holds without asking the network, and revealed
 * private keys. Setup calls; afterwards keyfetch.c only reads them.
 */
#include "batchgcd.h"
#include "ctx.h"
#include "keycheck.h"
#include "keymarks.h"

#include <openssl/core_names.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static da_keymarks *marks_of(dkimarc_ctx *ctx)
{
	if (!ctx->keymarks)
		ctx->keymarks = calloc(1, sizeof *ctx->keymarks);
	return ctx->keymarks;
}

/* ---- revealed keys --------------------------------------------------------------- */

static int add_revealed(void *arg, const unsigned char fp[32], int64_t published,
                        const char *source, const char *file, unsigned long line)
{
	char text[900], when[32];
	if (published >= 0 && dkimarc_format_time(published, when) == 0)
		snprintf(text, sizeof text,
		         "the private key was published on %.10s (%s%s%s:%lu): anyone can sign "
		         "with it now, and write any t= and Date, so no signature by it proves "
		         "anything after that day",
		         when, source ? source : "", source ? ", " : "", file, line);
	else
		snprintf(text, sizeof text,
		         "the private key has been published (%s%s%s:%lu): anyone can sign with "
		         "it, and write any t= and Date, so no signature by it proves anything",
		         source ? source : "", source ? ", " : "", file, line);
	return da_keymarks_add(arg, fp, DKIMARC_REASON_KEY_PRIVATE_PUBLISHED, published, text) == 0
	           ? 0
	           : da_fail(DKIMARC_ENOMEM, "out of memory");
}

int dkimarc_ctx_load_revealed(dkimarc_ctx *ctx, const char *path)
{
	char *data;
	size_t len;
	if (!ctx || !path)
		return da_fail(DKIMARC_EINVAL, "dkimarc_ctx_load_revealed: invalid argument");
	da_keymarks *m = marks_of(ctx);
	if (!m)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	int rc = da_read_file(path, &data, &len);
	if (rc != DKIMARC_OK)
		return rc;
	size_t before = m->n;
	rc = da_revealed_parse(path, data, len, add_revealed, m);
	free(data);
	if (rc != DKIMARC_OK) {
		/* All or nothing, as an archive load. */
		while (m->n > before)
			free(m->v[--m->n].text);
	}
	da_keymarks_sort(m);
	return rc;
}

/* ---- shared primes ------------------------------------------------------------------ */

typedef struct {
	unsigned char fp[32];
	mpz_t n;
	char *label; /* "sel._domainkey.example.com (keys.jsonl:3)" */
} modkey;

typedef struct {
	const dkimarc_ctx *ctx;
	modkey *v;
	size_t n, cap;
	int rc;
} collect;

static int by_fp(const void *a, const void *b)
{
	return memcmp(((const modkey *)a)->fp, ((const modkey *)b)->fp, 32);
}

static int by_modulus(const void *a, const void *b)
{
	return mpz_cmp(((const modkey *)a)->n, ((const modkey *)b)->n);
}

static int collect_rec(void *arg, const char *name, const dkimarc_keyrec *rec)
{
	collect *c = arg;
	da_keyrec kr;
	char err[200];
	/*
	 * The modulus only: a key's own checks wait until a signature uses it
	 * (pkcache.c), so that an archive of thousands of keys costs a decoding
	 * each here, not milliseconds each, when a run verifies one message.
	 */
	dkimarc_reason why = da_keyrec_parse(rec->txt, rec->txt_len, &kr, err, sizeof err);
	if (da_reason_status(why))
		return c->rc = da_fail(da_reason_status(why), "%s",
		                       dkimarc_strerror(da_reason_status(why)));
	if (why != DKIMARC_REASON_OK)
		return 0;
	EVP_PKEY *pk = NULL;
	unsigned bits;
	if (!kr.revoked && kr.key_type == DA_KEY_RSA)
		pk = da_pkey_decode_rsa_unchecked(&kr, &bits, &why, err, sizeof err);
	da_keyrec_clear(&kr);
	if (!pk && da_reason_status(why))
		return c->rc = da_fail(da_reason_status(why), "%s",
		                       dkimarc_strerror(da_reason_status(why)));
	if (!pk)
		return 0; /* not an RSA key, or not one at all: verification says so */
	BIGNUM *bn = NULL;
	unsigned char fp[32];
	if (da_pkey_fingerprint(pk, fp) != 0 ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn)) {
		EVP_PKEY_free(pk);
		return c->rc =
		           da_fail(da_crypto_status(), "%s", dkimarc_strerror(da_crypto_status()));
	}
	EVP_PKEY_free(pk);
	if (c->n == c->cap) {
		size_t cap = c->cap ? 2 * c->cap : 64;
		modkey *v = realloc(c->v, cap * sizeof *v);
		if (!v) {
			BN_free(bn);
			return c->rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		}
		c->v = v;
		c->cap = cap;
	}
	modkey *k = &c->v[c->n];
	char label[700];
	snprintf(label, sizeof label, "%s (%s)", name, rec->origin ? rec->origin : "?");
	memcpy(k->fp, fp, 32);
	mpz_init(k->n);
	if (!(k->label = da_strdup(label)) || da_bn_to_mpz(bn, k->n) != 0) {
		mpz_clear(k->n);
		free(k->label);
		BN_free(bn);
		return c->rc = da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	c->n++;
	BN_free(bn);
	return 0;
}

void da_shared_text(char *out, size_t outlen, const char *partner, size_t more)
{
	char others[64] = "";
	if (more)
		snprintf(others, sizeof others, " and %zu other key%s", more, more == 1 ? "" : "s");
	snprintf(out, outlen,
	         "the RSA modulus shares a prime factor with the key at %s%s: whoever has both "
	         "public keys finds the prime with one gcd, and with it the private key, so "
	         "anyone can sign with this key",
	         partner, others);
}

int dkimarc_ctx_check_shared_primes(dkimarc_ctx *ctx)
{
	if (!ctx)
		return da_fail(DKIMARC_EINVAL, "dkimarc_ctx_check_shared_primes: ctx is NULL");
	collect c = {.ctx = ctx};
	int rc = da_keysrc_foreach(ctx->keysrc, collect_rec, &c);
	if (rc == 0 && c.rc)
		rc = c.rc;
	da_keymarks *m = rc == 0 ? marks_of(ctx) : NULL;
	if (rc == 0 && !m)
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
	/* One entry per key (a key archived twice is one key), then per modulus. */
	size_t k = 0;
	if (rc == 0 && c.n > 1) {
		qsort(c.v, c.n, sizeof *c.v, by_fp);
		for (size_t i = 0; i < c.n; i++) {
			if (k > 0 && memcmp(c.v[k - 1].fp, c.v[i].fp, 32) == 0) {
				mpz_clear(c.v[i].n);
				free(c.v[i].label);
				continue;
			}
			c.v[k++] = c.v[i];
		}
		c.n = k;
	}
	mpz_t *mods = rc == 0 && c.n > 1 ? malloc(c.n * sizeof *mods) : NULL;
	size_t *of = mods ? malloc(c.n * sizeof *of) : NULL; /* key -> distinct modulus */
	da_shared *sh = of ? malloc(c.n * sizeof *sh) : NULL;
	if (rc == 0 && c.n > 1 && !sh)
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
	if (rc == 0 && sh) {
		/* Keys with one modulus (another exponent) are one modulus. */
		size_t nm = 0;
		qsort(c.v, c.n, sizeof *c.v, by_modulus);
		for (size_t i = 0; i < c.n; i++) {
			if (nm == 0 || mpz_cmp(mods[nm - 1], c.v[i].n) != 0)
				mpz_init_set(mods[nm++], c.v[i].n);
			of[i] = nm - 1;
		}
		da_batch_gcd(mods, nm, sh);
		for (size_t i = 0; rc == 0 && i < c.n; i++) {
			const da_shared *s = &sh[of[i]];
			if (!s->shared)
				continue;
			/* A partner key: the first key with the partner modulus. */
			const char *partner = "another key of the run";
			for (size_t j = 0; s->npartners && j < c.n; j++)
				if (of[j] == s->partners[0]) {
					partner = c.v[j].label;
					break;
				}
			char text[1200];
			da_shared_text(text, sizeof text, partner,
			               s->npartners > 1 ? s->npartners - 1 : 0);
			if (da_keymarks_add(m, c.v[i].fp, DKIMARC_REASON_KEY_SHARED_PRIME, -1,
			                    text))
				rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		}
		for (size_t j = 0; j < nm; j++)
			mpz_clear(mods[j]);
	}
	free(mods);
	free(of);
	free(sh);
	for (size_t i = 0; i < c.n; i++) {
		mpz_clear(c.v[i].n);
		free(c.v[i].label);
	}
	free(c.v);
	if (m)
		da_keymarks_sort(m);
	return rc;
}
