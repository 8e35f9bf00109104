/* Keys recovered from signatures, and the records that anchor them (keyanchor.h). */
#include "keyanchor.h"

#include "dynbuf.h"
#include "keymatch.h"
#include "pkcache.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool da_rec_is_recovered(const dkimarc_keyrec *r)
{
	return r->source && strcmp(r->source, "recovered") == 0;
}

size_t da_anchor_partition(dkimarc_answer *ans)
{
	size_t own = 0, nrec = 0;
	bool any = false;
	for (size_t i = 0; i < ans->n && !any; i++)
		any = da_rec_is_recovered(&ans->recs[i]);
	if (!any)
		return 0; /* the usual case: nothing to move */
	/* In place and stable (answers are short): nothing to allocate, so nothing to fail. */
	for (size_t i = 0; i < ans->n; i++) {
		if (da_rec_is_recovered(&ans->recs[i])) {
			nrec++;
			continue;
		}
		dkimarc_keyrec r = ans->recs[i];
		memmove(&ans->recs[own + 1], &ans->recs[own], (i - own) * sizeof r);
		ans->recs[own++] = r;
	}
	return nrec;
}

/*
 * The record's key, decoded through the context's cache, into *pk (NULL when
 * it has none). Returns 0, or DKIMARC_ENOMEM / DKIMARC_ECRYPTO.
 */
static int rec_key(const dkimarc_ctx *ctx, const dkimarc_keyrec *r, da_pkinfo *pi, EVP_PKEY **pk)
{
	char err[300];
	dkimarc_reason why =
	    da_pkcache_record(ctx->pkcache, r->txt, r->txt_len, pi, err, sizeof err);
	*pk = NULL;
	if (why != DKIMARC_REASON_OK) {
		memset(pi, 0, sizeof *pi);
		return da_reason_status(why);
	}
	*pk = pi->pkey;
	return 0;
}

/*
 * Whether the RSA key pk made b= (over any content: the padding comes out
 * well-formed), into *yes. Returns 0, or the crypto library's failure.
 */
static int made(EVP_PKEY *pk, const da_sigparams *sp, bool *yes)
{
	da_recovered rec;
	*yes = false;
	if (!pk || EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA)
		return 0;
	int rc = da_rsa_recover(pk, DA_KEY_RSA, sp->b, sp->b_len, &rec);
	*yes = rc == 0 && rec.made == DA_MADE_THIS_KEY;
	return rc;
}

/* What the archive says of a recovered record: how many signatures, and whether sp's. */
static int recovered_facts(const dkimarc_ctx *ctx, const dkimarc_keyrec *r, const da_sigparams *sp,
                           da_recovered_use *ru)
{
	const da_recinfo *ri = da_archive_recinfo(ctx->keysrc, r->file, r->line);
	ru->recovered = true;
	ru->n = ri ? ri->signatures : 0;
	ru->self = false;
	char *b = ri && ri->nb ? da_b64_encode(sp->b, sp->b_len) : NULL;
	if (ri && ri->nb && !b)
		return DKIMARC_ENOMEM;
	for (size_t i = 0; b && i < ri->nb && !ru->self; i++) {
		size_t n = strlen(ri->b[i]);
		/* RFC 6008 names a signature by 8 characters of b=; the archive keeps more. */
		ru->self = n >= 8 && strncmp(b, ri->b[i], n) == 0;
	}
	free(b);
	return 0;
}

/* Appends "; text" to *choice (or sets it). */
static int add_choice(char **choice, const char *text)
{
	da_dyn b;
	da_dyn_init(&b, DA_DYN_NO_CAP); /* a few sentences */
	if (*choice && **choice)
		da_dyn_addf(&b, "%s; ", *choice);
	da_dyn_adds(&b, text);
	char *c = da_dyn_take(&b);
	if (!c)
		return DKIMARC_ENOMEM;
	free(*choice);
	*choice = c;
	return 0;
}

/* "recovered from 3 signatures in this corpus" */
static void recovered_from(const da_recovered_use *ru, char *buf, size_t n)
{
	if (ru->n)
		snprintf(buf, n, "recovered from %zu signature%s in this corpus", ru->n,
		         ru->n == 1 ? "" : "s");
	else
		snprintf(buf, n, "recovered from signatures in this corpus");
}

char *da_anchor_source(const dkimarc_keyrec *r, const da_recovered_use *ru)
{
	char buf[700], from[96];
	recovered_from(ru, from, sizeof from);
	snprintf(buf, sizeof buf, "%s%s (%s)", r->file ? "archive " : "",
	         r->origin ? r->origin : "?", from);
	return da_strdup(buf);
}

int da_anchor_pick(const dkimarc_ctx *ctx, const da_sigparams *sp, const dkimarc_answer *ans,
                   size_t nrec, int idx, da_key *k, int *pick)
{
	size_t nown = ans->n - nrec;
	char buf[900], from[96];
	da_pkinfo own = {0};
	EVP_PKEY *opk = NULL;
	bool yes = false;
	int rc = idx >= 0 ? rec_key(ctx, &ans->recs[idx], &own, &opk) : 0;

	*pick = idx;
	if (rc == 0)
		rc = made(opk, sp, &yes);
	/* The domain's own record made the signature: it is the key; a recovered copy is named. */
	if (rc == 0 && yes) {
		for (size_t j = nown; j < ans->n && rc == 0; j++) {
			da_pkinfo pi;
			EVP_PKEY *pk;
			rc = rec_key(ctx, &ans->recs[j], &pi, &pk);
			if (rc == 0 && pk && EVP_PKEY_eq(opk, pk) == 1) {
				da_recovered_use ru = {0};
				rc = recovered_facts(ctx, &ans->recs[j], sp, &ru);
				recovered_from(&ru, from, sizeof from);
				snprintf(buf, sizeof buf,
				         "%s holds the key %s (%s): that record anchors it",
				         ans->recs[idx].origin ? ans->recs[idx].origin : "?", from,
				         ans->recs[j].origin ? ans->recs[j].origin : "?");
				if (rc == 0)
					rc = add_choice(&k->choice, buf);
				da_pkinfo_clear(&pi);
				break;
			}
			da_pkinfo_clear(&pi);
		}
		da_pkinfo_clear(&own);
		return rc;
	}
	/* Otherwise a recovered key that made it, if any. */
	for (size_t j = nown; j < ans->n && rc == 0; j++) {
		da_pkinfo pi;
		EVP_PKEY *pk;
		rc = rec_key(ctx, &ans->recs[j], &pi, &pk);
		if (rc == 0)
			rc = made(pk, sp, &yes);
		da_pkinfo_clear(&pi);
		if (rc != 0 || !yes)
			continue;
		const dkimarc_keyrec *o = idx >= 0 ? &ans->recs[idx] : NULL;
		if ((rc = recovered_facts(ctx, &ans->recs[j], sp, &k->ru)) != 0)
			break;
		if (o)
			snprintf(
			    buf, sizeof buf, "the record at %s %s", o->origin ? o->origin : "?",
			    opk ? "holds another key: the key was rotated since, or the recovered "
			          "key was never the domain's"
			        : "holds no usable key");
		else if (nown)
			snprintf(buf, sizeof buf,
			         "the %zu records at the name parse as different keys", nown);
		if (nown && !(k->ru.other = da_strdup(buf))) {
			rc = DKIMARC_ENOMEM;
			break;
		}
		recovered_from(&k->ru, from, sizeof from);
		snprintf(buf, sizeof buf, "the key %s (%s) made this signature%s%s", from,
		         ans->recs[j].origin ? ans->recs[j].origin : "?", nown ? "; " : "",
		         nown ? k->ru.other : "");
		if ((rc = add_choice(&k->choice, buf)) != 0)
			break;
		/* The own records' window no longer describes the key used. */
		k->flags &= ~DKIMARC_FLAG_KEY_OUTSIDE_WINDOW;
		da_pkinfo_clear(&own);
		*pick = (int)j;
		return 0;
	}
	da_pkinfo_clear(&own);
	if (rc == 0 && nown == 0) {
		/* Only recovered records, and none made b=: the first one is judged (key_mismatch).
		 */
		*pick = 0;
		rc = recovered_facts(ctx, &ans->recs[0], sp, &k->ru);
	}
	return rc;
}
