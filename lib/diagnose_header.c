/* The diagnosis's header steps: copies of single fields, z=, tags, refolding. */
#include "diagnose.h"
#include "keymatch.h"
#include "qp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- header copies ----------------------------------------------------------- */

/* A header whose field table is copied, so single fields can point elsewhere. */
typedef struct {
	da_header h;
	char *owned[MAX_STEPS];
	size_t nowned;
} hcopy;

static bool hcopy_init(diag *d, hcopy *c, const da_header *src)
{
	memset(c, 0, sizeof *c);
	c->h.f = malloc((src->n ? src->n : 1) * sizeof *c->h.f);
	if (!c->h.f) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return false;
	}
	memcpy(c->h.f, src->f, src->n * sizeof *c->h.f);
	c->h.n = c->h.cap = src->n;
	return true;
}

/* Field i becomes raw (taken over); false when out of room or raw is NULL (memory). */
static bool hcopy_set(hcopy *c, size_t i, char *raw, size_t len)
{
	const char *colon = raw ? memchr(raw, ':', len) : NULL;
	if (!raw || !colon || c->nowned == MAX_STEPS) {
		free(raw);
		return false;
	}
	c->owned[c->nowned++] = raw;
	size_t nl = (size_t)(colon - raw);
	while (nl > 0 && (raw[nl - 1] == ' ' || raw[nl - 1] == '\t'))
		nl--;
	c->h.f[i] = (da_field){.raw = raw,
	                       .len = len,
	                       .name_len = nl,
	                       .value_off = (size_t)(colon - raw) + 1,
	                       .has_colon = true};
	return true;
}

static void hcopy_free(hcopy *c)
{
	for (size_t i = 0; i < c->nowned; i++)
		free(c->owned[i]);
	free(c->h.f);
}

/*
 * The signature field itself re-folded: b= moved, so the parameters get
 * its new place. Returns false when the copy is not a usable tag list.
 */
static bool moved_b(diag *d, const da_field *fl, da_sigparams *sp)
{
	da_taglist *tl = malloc(sizeof *tl);
	char err[160];
	const da_tag *b;
	bool ok = false;
	if (!tl) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return false;
	}
	if (da_tags_parse(fl->raw + fl->value_off, fl->len - fl->value_off, tl, err, sizeof err) ==
	        0 &&
	    (b = da_tags_get(tl, "b")) != NULL) {
		sp->b_off = fl->value_off + b->val_off;
		sp->b_end = fl->value_off + b->val_end;
		ok = true;
	}
	free(tl);
	return ok;
}

/* Whether the signature verifies over a header copy (its own field may be a copy too). */
static int copy_signed(diag *d, const hcopy *c)
{
	da_sigparams sp = *d->sp; /* shallow: only b='s place may change */
	const da_field *self = &c->h.f[d->f->self];

	if (self->raw != d->f->hdr->f[d->f->self].raw && !moved_b(d, self, &sp))
		return -1;
	return da_dg_header_signed_sp(d, &c->h, &sp);
}

/* Whether the signature verifies with field i replaced by raw (taken over). */
static int with_field(diag *d, size_t i, char *raw, size_t len)
{
	hcopy c;
	int ok = -1;
	if (!raw)
		return da_dg_failed(d, DKIMARC_ENOMEM);
	if (!hcopy_init(d, &c, d->f->hdr)) {
		free(raw);
		return -1;
	}
	if (hcopy_set(&c, i, raw, len))
		ok = copy_signed(d, &c);
	hcopy_free(&c);
	return ok;
}

/* The fields h= selects, as da_headers_canon picks them; -1 for a name with none. */
void da_dg_selected(diag *d, long *idx)
{
	const da_header *h = d->f->hdr;
	bool *used = calloc(h->n ? h->n : 1, sizeof *used);
	for (size_t i = 0; i < d->sp->nheaders; i++)
		idx[i] = -1;
	if (!used) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return;
	}
	used[d->f->self] = true;
	for (size_t i = 0; i < d->sp->nheaders; i++) {
		for (size_t j = h->n; d->sp->headers[i] && j-- > 0;) {
			if (!used[j] && da_field_is(&h->f[j], d->sp->headers[i])) {
				used[j] = true;
				idx[i] = (long)j;
				break;
			}
		}
	}
	free(used);
}

/* A field's name as written, for findings. */
static void field_name(const da_field *fl, char *out, size_t len)
{
	size_t n = fl->name_len < len - 1 ? fl->name_len : len - 1;
	da_dg_excerpt(out, len, fl->raw, n, n);
}

/* Value with folding removed, WSP runs as one SP, trimmed: how relaxed compares. */
size_t da_dg_normalize(const char *v, size_t n, char *out)
{
	size_t o = 0;
	bool wsp = false;
	for (size_t i = 0; i < n; i++) {
		char c = v[i];
		if (c == '\r' || c == '\n' || c == ' ' || c == '\t') {
			wsp = o > 0;
			continue;
		}
		if (wsp)
			out[o++] = ' ';
		wsp = false;
		out[o++] = c;
	}
	return o;
}

/* ---- z= (RFC 6376 §3.5: copied header fields) ------------------------------------- */

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

/* dkim-quoted-printable, whitespace already gone; in place. */
static size_t qp_dkim(char *s, size_t n)
{
	size_t o = 0;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 < n && hexv(s[i + 1]) >= 0 && hexv(s[i + 2]) >= 0) {
			s[o++] = (char)(hexv(s[i + 1]) * 16 + hexv(s[i + 2]));
			i += 2;
		} else {
			s[o++] = s[i];
		}
	}
	return o;
}

static bool signed_name(const diag *d, const char *name, size_t n)
{
	for (size_t i = 0; i < d->sp->nheaders; i++)
		if (d->sp->headers[i] && strlen(d->sp->headers[i]) == n &&
		    strncasecmp(d->sp->headers[i], name, n) == 0)
			return true;
	return false;
}

/* The bottom-most selected field named name, or -1. */
static long selected_named(const diag *d, const long *sel, const char *name, size_t n)
{
	long best = -1;
	for (size_t i = 0; i < d->sp->nheaders; i++)
		if (sel[i] >= 0 && d->sp->headers[i] && strlen(d->sp->headers[i]) == n &&
		    strncasecmp(d->sp->headers[i], name, n) == 0 && sel[i] > best)
			best = sel[i];
	return best;
}

void da_dg_try_ztag(diag *d, const long *sel)
{
	const da_field *sf = &d->f->hdr->f[d->f->self];
	da_taglist *tl = malloc(sizeof *tl);
	char err[160];
	const da_tag *z;
	hcopy c;
	bool restore = false, copy_ok;
	size_t first = d->nhead;

	if (!tl) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return;
	}
	if (da_tags_parse(sf->raw + sf->value_off, sf->len - sf->value_off, tl, err, sizeof err) !=
	        0 ||
	    !(z = da_tags_get(tl, "z")) || z->val_len == 0) {
		free(tl);
		return;
	}
	char *zv = malloc(z->val_len + 1);
	if (!zv)
		da_dg_failed(d, DKIMARC_ENOMEM);
	copy_ok = zv && hcopy_init(d, &c, d->f->hdr);
	if (!copy_ok) {
		free(zv);
		free(tl);
		return;
	}
	size_t zn = da_strip_ws(z->val, z->val_len, zv);
	zv[zn] = '\0';
	free(tl);
	da_dg_add_tried(d->tried_head, sizeof d->tried_head, "the z= copies");
	for (char *e = zv, *next; e && *e; e = next) {
		next = strchr(e, '|');
		if (next)
			*next++ = '\0';
		char *colon = strchr(e, ':');
		if (!colon || colon == e)
			continue;
		size_t nl = (size_t)(colon - e);
		size_t vl = qp_dkim(colon + 1, strlen(colon + 1));
		if (!signed_name(d, e, nl))
			continue;
		char *zval = colon + 1, *zn_buf = malloc(vl + 1), *cur = NULL;
		if (!zn_buf) {
			da_dg_failed(d, DKIMARC_ENOMEM);
			break;
		}
		size_t znl = da_dg_normalize(zval, vl, zn_buf);
		bool same = false, present = false;
		char name[80], a[300], b[300];
		da_dg_excerpt(name, sizeof name, e, nl, sizeof name - 8);
		for (size_t j = 0; zn_buf && j < d->f->hdr->n && !same; j++) {
			const da_field *fl = &d->f->hdr->f[j];
			if (j == d->f->self || fl->name_len != nl ||
			    strncasecmp(fl->raw, e, nl) != 0)
				continue;
			present = true;
			free(cur);
			cur = malloc(fl->len - fl->value_off + 1);
			if (!cur) {
				da_dg_failed(d, DKIMARC_ENOMEM);
				break;
			}
			size_t cl =
			    da_dg_normalize(fl->raw + fl->value_off, fl->len - fl->value_off, cur);
			cur[cl] = '\0';
			same = cl == znl && memcmp(cur, zn_buf, cl) == 0;
		}
		if (zn_buf && !same) {
			zn_buf[znl] = '\0';
			long at = selected_named(d, sel, e, nl);
			if (present && at >= 0) {
				/* The copy in the field's place: "Name:" and the copied value. */
				char *raw = malloc(nl + 1 + vl);
				if (raw) {
					memcpy(raw, e, nl);
					raw[nl] = ':';
					memcpy(raw + nl + 1, zval, vl);
					restore |= hcopy_set(&c, (size_t)at, raw, nl + 1 + vl);
				} else {
					da_dg_failed(d, DKIMARC_ENOMEM);
				}
			}
			if (present)
				da_dg_new_step(
				    d, false, DKIMARC_FINDING_COPIED_HEADER_DIFFERS, name, -1,
				    "%s differs from its copy in z=: signed \"%s\", now \"%s\"",
				    name, da_dg_excerpt(a, sizeof a, zn_buf, znl, 200),
				    cur ? da_dg_excerpt(b, sizeof b, cur, strlen(cur), 200) : "?");
			else
				da_dg_new_step(
				    d, false, DKIMARC_FINDING_COPIED_HEADER_DIFFERS, name, -1,
				    "%s was present at signing (z=: \"%s\") and is gone now", name,
				    da_dg_excerpt(a, sizeof a, zn_buf, znl, 200));
		}
		free(zn_buf);
		free(cur);
	}
	/* One check with every copy put back: that is the header as z= says it was. */
	int ok = restore ? copy_signed(d, &c) : -1;
	for (size_t i = first; i < d->nhead; i++)
		d->head[i].fixes = ok;
	hcopy_free(&c);
	free(zv);
}

/* ---- header steps ------------------------------------------------------------ */

/* "[tag] " at the start of Subject (after "Re: " and the like), as lists add. */
void da_dg_try_subject_tag(diag *d, const long *sel)
{
	for (size_t i = 0; i < d->sp->nheaders; i++) {
		if (sel[i] < 0 || strcasecmp(d->sp->headers[i], "subject") != 0)
			continue;
		const da_field *fl = &d->f->hdr->f[sel[i]];
		const char *v = fl->raw + fl->value_off, *end = fl->raw + fl->len, *p = v;
		while (p < end && (*p == ' ' || *p == '\t'))
			p++;
		static const char *const prefixes[] = {"Re:", "RE:", "re:", "Fwd:", "FW:",  "Fw:",
		                                       "AW:", "Aw:", "WG:", "TR:",  "Rif:", "R:"};
		for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++) {
			size_t pl = strlen(prefixes[k]);
			if ((size_t)(end - p) > pl && memcmp(p, prefixes[k], pl) == 0) {
				p += pl;
				while (p < end && (*p == ' ' || *p == '\t'))
					p++;
				break;
			}
		}
		if (p >= end || *p != '[')
			continue;
		const char *q = p + 1;
		while (q < end && q - p < 100 && *q != ']' && *q != '\r' && *q != '\n' && *q != '[')
			q++;
		if (q >= end || *q != ']' || q == p + 1)
			continue;
		const char *after = q + 1;
		while (after < end && (*after == ' ' || *after == '\t'))
			after++;
		size_t len = fl->len - (size_t)(after - p);
		char *raw = malloc(len);
		if (!raw) {
			da_dg_failed(d, DKIMARC_ENOMEM);
			return;
		}
		size_t pre = (size_t)(p - fl->raw);
		memcpy(raw, fl->raw, pre);
		memcpy(raw + pre, after, (size_t)(end - after));
		char tag[120];
		da_dg_excerpt(tag, sizeof tag, p, (size_t)(q + 1 - p), 100);
		da_dg_add_tried(d->tried_head, sizeof d->tried_head, "removing the Subject tag");
		int ok = with_field(d, (size_t)sel[i], raw, len);
		if (ok >= 0)
			da_dg_new_step(d, false, DKIMARC_FINDING_SUBJECT_TAG, "Subject", ok,
			               "Subject begins with the tag \"%s\", as mailing lists add",
			               tag);
		return;
	}
}

/* Folding variants of one field; returns a malloc'd copy or NULL when not applicable. */
enum { FOLD_UNFOLD, FOLD_ONE_SPACE, FOLD_SWAP_WSP, FOLD_AT_78, FOLD_KINDS };

static char *refold(diag *d, const da_field *fl, int kind, size_t *outlen)
{
	const char *r = fl->raw;
	size_t n = fl->len, o = 0;
	bool folded = false;
	for (size_t i = 0; i + 1 < n && !folded; i++)
		folded = r[i] == '\r' && r[i + 1] == '\n';
	if (folded == (kind == FOLD_AT_78) || (kind == FOLD_AT_78 && n <= 78))
		return NULL;
	char *out = malloc(3 * n + 4); /* each fold adds 2 bytes, at most one per byte */
	if (!out) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return NULL;
	}
	if (kind == FOLD_AT_78) {
		/* Break before the last WSP that keeps each line within 78 columns. */
		size_t line = 0, i = 0;
		while (i < n) {
			size_t cut = 0;
			for (size_t k = i; k < n && k - i < 78; k++)
				if ((r[k] == ' ' || r[k] == '\t') && k > i)
					cut = k;
			if (n - i <= 78 || cut == 0) {
				memcpy(out + o, r + i, n - i);
				o += n - i;
				break;
			}
			memcpy(out + o, r + i, cut - i);
			o += cut - i;
			memcpy(out + o, "\r\n", 2);
			o += 2;
			i = cut;
			line++;
		}
	} else {
		for (size_t i = 0; i < n; i++) {
			if (r[i] == '\r' && i + 2 < n && r[i + 1] == '\n' &&
			    (r[i + 2] == ' ' || r[i + 2] == '\t')) {
				i += 2; /* at the WSP after the fold */
				if (kind == FOLD_SWAP_WSP) {
					memcpy(out + o, "\r\n", 2);
					o += 2;
					out[o++] = r[i] == ' ' ? '\t' : ' ';
					continue;
				}
				if (kind == FOLD_ONE_SPACE) {
					while (o > 0 && (out[o - 1] == ' ' || out[o - 1] == '\t'))
						o--;
					while (i + 1 < n && (r[i + 1] == ' ' || r[i + 1] == '\t'))
						i++;
					out[o++] = ' ';
					continue;
				}
			}
			out[o++] = r[i];
		}
	}
	*outlen = o;
	return out;
}

void da_dg_try_refolding(diag *d, const long *sel)
{
	static const char *const how[FOLD_KINDS] = {
	    [FOLD_UNFOLD] = "is folded, but was signed unfolded: a relay re-folded it",
	    [FOLD_ONE_SPACE] = "is folded, but was signed on one line with single spaces: a "
	                       "relay re-folded it",
	    [FOLD_SWAP_WSP] = "is folded with other whitespace (tab or space) at the folds than "
	                      "was signed: a relay re-folded it",
	    [FOLD_AT_78] = "is one long line, but was signed folded at 78 columns: a relay "
	                   "unfolded it",
	};
	size_t nfields = d->sp->nheaders + 1;
	bool any = false;

	if (d->sp->hcanon != DA_CANON_SIMPLE)
		return; /* relaxed canonicalization does not see folding */
	da_dg_add_tried(d->tried_head, sizeof d->tried_head, "undoing re-folding");
	for (size_t k = 0; k < nfields; k++) {
		long at = k < d->sp->nheaders ? sel[k] : (long)d->f->self;
		if (at < 0)
			continue;
		const da_field *fl = &d->f->hdr->f[at];
		for (int kind = 0; kind < FOLD_KINDS && !d->budget_hit; kind++) {
			size_t len;
			char *raw = refold(d, fl, kind, &len);
			if (!raw)
				continue;
			int ok = with_field(d, (size_t)at, raw, len);
			if (ok == 1) {
				char name[80];
				field_name(fl, name, sizeof name);
				da_dg_new_step(
				    d, false, DKIMARC_FINDING_HEADER_REFOLDED, name, 1,
				    "%s %s (simple header canonicalization counts every byte "
				    "of folding)",
				    name, how[kind]);
				any = true;
				break;
			}
		}
	}
	if (!any && !d->budget_hit) {
		/* Several fields re-folded at once: all unfolded together. */
		hcopy c;
		size_t changed = 0;
		if (!hcopy_init(d, &c, d->f->hdr))
			return;
		for (size_t k = 0; k < nfields; k++) {
			long at = k < d->sp->nheaders ? sel[k] : (long)d->f->self;
			size_t len;
			char *raw =
			    at >= 0 ? refold(d, &d->f->hdr->f[at], FOLD_UNFOLD, &len) : NULL;
			if (raw && hcopy_set(&c, (size_t)at, raw, len))
				changed++;
		}
		if (changed > 1 && copy_signed(d, &c) == 1)
			da_dg_new_step(
			    d, false, DKIMARC_FINDING_HEADER_REFOLDED, NULL, 1,
			    "%zu signed fields are folded, but were signed unfolded: a relay "
			    "re-folded them (simple header canonicalization counts every byte "
			    "of folding)",
			    changed);
		hcopy_free(&c);
	}
}
