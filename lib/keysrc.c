/* Key sources: the generic plumbing, the chain, and the answer object. */
#include "abiver.h"
#include "dynbuf.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- key records -------------------------------------------------------- */

void da_keyrec_free_strings(dkimarc_keyrec *k)
{
	if (k == NULL)
		return;
	/* The public struct has const strings; copies made here are owned. */
	da_free_const(k->txt);
	da_free_const(k->origin);
	da_free_const(k->file);
	da_free_const(k->source);
	k->txt = k->origin = k->file = k->source = NULL;
	k->txt_len = 0;
}

/* Copies an optional string; fails only when src was set and malloc failed. */
static int dup_opt(const char **dst, const char *src)
{
	*dst = NULL;
	if (src == NULL)
		return 0;
	*dst = da_strdup(src);
	return *dst ? 0 : -1;
}

int da_keyrec_copy(dkimarc_keyrec *dst, const dkimarc_keyrec *src)
{
	dkimarc_keyrec k;

	if (dst == NULL || src == NULL || (src->txt == NULL && src->txt_len > 0))
		return da_fail(DKIMARC_EINVAL, "key record copy: invalid argument");
	k = *src;
	k.version = DKIMARC_KEYREC_VERSION; /* the library's records are of its own version */
	k.origin = k.file = k.source = NULL;
	/* txt always gets a terminator so callers may treat it as a string. */
	k.txt = da_strndup(src->txt ? src->txt : "", src->txt_len);
	if (k.txt == NULL || dup_opt(&k.origin, src->origin) || dup_opt(&k.file, src->file) ||
	    dup_opt(&k.source, src->source)) {
		da_keyrec_free_strings(&k);
		return da_fail(DKIMARC_ENOMEM, "out of memory copying a key record");
	}
	*dst = k;
	return DKIMARC_OK;
}

/* ---- answers ------------------------------------------------------------ */

int da_answer_new(dkimarc_answer **out)
{
	dkimarc_answer *a;

	if (out == NULL)
		return da_fail(DKIMARC_EINVAL, "answer: out is NULL");
	*out = NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	/* A source that says nothing has found nothing. */
	a->status = DKIMARC_LOOKUP_NOT_FOUND;
	*out = a;
	return DKIMARC_OK;
}

static void answer_clear_records(dkimarc_answer *ans)
{
	for (size_t i = 0; i < ans->n; i++)
		da_keyrec_free_strings(&ans->recs[i]);
	free(ans->recs);
	ans->recs = NULL;
	ans->n = ans->cap = 0;
}

int dkimarc_answer_add(dkimarc_answer *ans, const dkimarc_keyrec *rec)
{
	dkimarc_keyrec full = DKIMARC_KEYREC_INIT;
	size_t size;
	int rc;

	if (ans == NULL || rec == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_answer_add: NULL argument");
	if ((size = da_abi_size(DA_ABI_KEYREC, rec->version, "dkimarc_answer_add")) == 0)
		return DKIMARC_EINVAL;
	/* An older caller's smaller record: what it lacks keeps its default. */
	memcpy(&full, rec, size);
	rec = &full;
	if (ans->n == ans->cap) {
		size_t cap = ans->cap ? ans->cap * 2 : 4;
		dkimarc_keyrec *r;

		if (cap > SIZE_MAX / sizeof *r)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		r = realloc(ans->recs, cap * sizeof *r);
		if (r == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		ans->recs = r;
		ans->cap = cap;
	}
	rc = da_keyrec_copy(&ans->recs[ans->n], rec);
	if (rc != DKIMARC_OK)
		return rc;
	ans->n++;
	ans->status = DKIMARC_LOOKUP_FOUND;
	return DKIMARC_OK;
}

int dkimarc_answer_fail(dkimarc_answer *ans, dkimarc_lookup_status st, const char *why)
{
	char *w = NULL;

	if (ans == NULL || (st != DKIMARC_LOOKUP_NOT_FOUND && st != DKIMARC_LOOKUP_TEMPFAIL))
		return da_fail(DKIMARC_EINVAL, "dkimarc_answer_fail: invalid argument");
	if (why != NULL && (w = da_strdup(why)) == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	/* A failed answer carries no records, so count and status agree. */
	answer_clear_records(ans);
	free(ans->why);
	ans->why = w;
	ans->status = st;
	return DKIMARC_OK;
}

dkimarc_lookup_status dkimarc_answer_status(const dkimarc_answer *ans)
{
	return ans ? ans->status : DKIMARC_LOOKUP_NOT_FOUND;
}

size_t dkimarc_answer_count(const dkimarc_answer *ans)
{
	return ans ? ans->n : 0;
}

const dkimarc_keyrec *dkimarc_answer_record(const dkimarc_answer *ans, size_t i)
{
	return (ans && i < ans->n) ? &ans->recs[i] : NULL;
}

const char *dkimarc_answer_why(const dkimarc_answer *ans)
{
	return (ans && ans->why) ? ans->why : "";
}

void dkimarc_answer_free(dkimarc_answer *ans)
{
	if (ans == NULL)
		return;
	answer_clear_records(ans);
	free(ans->why);
	free(ans);
}

/* ---- sources ------------------------------------------------------------ */

int da_keysrc_wrap(dkimarc_keysrc **out, const dkimarc_keysrc_ops *ops, void *impl)
{
	dkimarc_keysrc *s;

	if (out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_new_custom: out is NULL");
	*out = NULL;
	if (ops == NULL || ops->lookup == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_new_custom: ops without lookup");
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	s->ops = ops;
	s->impl = impl;
	*out = s;
	return DKIMARC_OK;
}

int dkimarc_keysrc_new_custom(dkimarc_keysrc **out, const dkimarc_keysrc_ops *ops, void *impl)
{
	int rc;

	if (out != NULL)
		*out = NULL;
	/* ops is kept, not copied: members of later versions are read only when ops->version
	 * holds them. */
	if (ops != NULL &&
	    da_abi_size(DA_ABI_KEYSRC_OPS, ops->version, "dkimarc_keysrc_new_custom") == 0)
		rc = DKIMARC_EINVAL;
	else
		rc = da_keysrc_wrap(out, ops, impl);
	/* The source takes impl, also on failure; free is where every version has it. */
	if (rc != DKIMARC_OK && ops != NULL && ops->free != NULL)
		ops->free(impl);
	return rc;
}

void dkimarc_keysrc_free(dkimarc_keysrc *src)
{
	if (src == NULL)
		return;
	if (src->ops && src->ops->free)
		src->ops->free(src->impl);
	free(src);
}

int dkimarc_keysrc_lookup(dkimarc_keysrc *src, const char *name, dkimarc_answer **out)
{
	dkimarc_answer *ans;
	char *lower;
	int rc;

	if (out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_lookup: out is NULL");
	*out = NULL;
	if (src == NULL || name == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_lookup: NULL argument");
	lower = da_strdup(name);
	if (lower == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	/* ASCII only: DNS names compare case-insensitively, and only A-Z fold. */
	for (char *p = lower; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	rc = da_answer_new(&ans);
	if (rc == DKIMARC_OK) {
		rc = src->ops->lookup(src->impl, lower, ans);
		if (rc != DKIMARC_OK)
			dkimarc_answer_free(ans);
		else
			*out = ans;
		if (rc == DKIMARC_OK && ans->kind == NULL)
			ans->kind = src->ops->kind;
	}
	free(lower);
	return rc;
}

/* ---- chain -------------------------------------------------------------- */

typedef struct {
	dkimarc_keysrc **srcs;
	size_t n;
} chain;

static void chain_free(void *impl)
{
	chain *c = impl;

	for (size_t i = 0; i < c->n; i++)
		dkimarc_keysrc_free(c->srcs[i]);
	free(c->srcs);
	free(c);
}

/* Appends "kind: why" to the "; "-separated reasons. */
static int why_append(da_dyn *b, const char *kind, const char *why)
{
	if (da_dyn_addf(b, "%s%s: %s", b->len ? "; " : "", kind, why) != DKIMARC_OK)
		return da_fail(b->err, "out of memory");
	return DKIMARC_OK;
}

static const char *status_word(dkimarc_lookup_status st)
{
	return st == DKIMARC_LOOKUP_TEMPFAIL ? "temporary failure" : "not found";
}

/* Whether every record of a found answer was recovered from signatures (docs/keys.md). */
static bool only_recovered(const dkimarc_answer *a)
{
	for (size_t i = 0; i < a->n; i++)
		if (!a->recs[i].source || strcmp(a->recs[i].source, "recovered") != 0)
			return false;
	return a->n > 0;
}

static int chain_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	chain *c = impl;
	bool tempfail = false;
	da_dyn why; /* no cap: a line per source of the chain */
	int rc = DKIMARC_OK;
	dkimarc_answer *held = NULL; /* recovered records, while a later source may anchor them */

	da_dyn_init(&why, DA_DYN_NO_CAP);

	for (size_t i = 0; i < c->n && rc == DKIMARC_OK; i++) {
		dkimarc_keysrc *s = c->srcs[i];
		dkimarc_answer *sub;
		const char *kind = s->ops->kind ? s->ops->kind : "source";

		rc = da_answer_new(&sub);
		if (rc != DKIMARC_OK)
			break;
		rc = s->ops->lookup(s->impl, name, sub);
		if (rc == DKIMARC_OK && sub->status == DKIMARC_LOOKUP_FOUND && !held &&
		    only_recovered(sub)) {
			/*
			 * A key recovered from signatures is nobody's word that it is the
			 * domain's: the later sources are asked too, and what they hold
			 * comes with it (the verifier compares the keys).
			 */
			if (!sub->kind)
				sub->kind = kind;
			held = sub;
			rc = why_append(&why, kind, "only keys recovered from signatures");
			continue;
		}
		if (rc == DKIMARC_OK && sub->status == DKIMARC_LOOKUP_FOUND) {
			/* Reports name the member that answered, not "chain". */
			ans->kind = sub->kind ? sub->kind : kind;
			for (size_t j = 0; held && j < held->n && rc == DKIMARC_OK; j++)
				rc = dkimarc_answer_add(ans, &held->recs[j]);
			for (size_t j = 0; j < sub->n && rc == DKIMARC_OK; j++)
				rc = dkimarc_answer_add(ans, &sub->recs[j]);
			dkimarc_answer_free(sub);
			dkimarc_answer_free(held);
			da_dyn_free(&why);
			return rc;
		}
		if (rc == DKIMARC_OK) {
			if (sub->status == DKIMARC_LOOKUP_TEMPFAIL)
				tempfail = true;
			rc = why_append(&why, kind, sub->why ? sub->why : status_word(sub->status));
		}
		dkimarc_answer_free(sub);
	}
	/* Nothing else found: the recovered records stand alone, unless a source failed for
	 * now and might have held the domain's own record. */
	if (rc == DKIMARC_OK && held && !tempfail) {
		ans->kind = held->kind;
		for (size_t j = 0; j < held->n && rc == DKIMARC_OK; j++)
			rc = dkimarc_answer_add(ans, &held->recs[j]);
		dkimarc_answer_free(held);
		da_dyn_free(&why);
		return rc;
	}
	dkimarc_answer_free(held);
	if (rc == DKIMARC_OK)
		rc = dkimarc_answer_fail(
		    ans, tempfail ? DKIMARC_LOOKUP_TEMPFAIL : DKIMARC_LOOKUP_NOT_FOUND,
		    why.len ? why.p : "no key sources in the chain");
	da_dyn_free(&why);
	return rc;
}

static const dkimarc_keysrc_ops chain_ops = {
    .version = DKIMARC_KEYSRC_OPS_VERSION,
    .lookup = chain_lookup,
    .free = chain_free,
    .kind = "chain",
};

dkimarc_keysrc *da_keysrc_chain_member(const dkimarc_keysrc *src, size_t i)
{
	const chain *c = src && src->ops == &chain_ops ? src->impl : NULL;

	return c && i < c->n ? c->srcs[i] : NULL;
}

int dkimarc_keysrc_chain_new(dkimarc_keysrc **out, dkimarc_keysrc **srcs, size_t n)
{
	chain *c = NULL;
	int rc;

	if (out != NULL)
		*out = NULL;
	if (out == NULL || (srcs == NULL && n > 0)) {
		rc = da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_chain_new: invalid argument");
		goto fail;
	}
	for (size_t i = 0; i < n; i++) {
		if (srcs[i] == NULL) {
			rc = da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_chain_new: source %zu is NULL",
			             i);
			goto fail;
		}
	}
	c = calloc(1, sizeof *c);
	if (c == NULL || (n > 0 && (c->srcs = calloc(n, sizeof *c->srcs)) == NULL)) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto fail;
	}
	rc = da_keysrc_wrap(out, &chain_ops, c);
	if (rc != DKIMARC_OK)
		goto fail;
	/* Ownership moves only once nothing can fail any more. */
	if (n > 0)
		memcpy(c->srcs, srcs, n * sizeof *srcs);
	c->n = n;
	return DKIMARC_OK;
fail:
	if (c != NULL) {
		free(c->srcs);
		free(c);
	}
	for (size_t i = 0; srcs != NULL && i < n; i++)
		dkimarc_keysrc_free(srcs[i]);
	return rc;
}
