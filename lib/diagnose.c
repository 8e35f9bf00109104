/*
 * What changed since a DKIM signature was made (docs/forensics.md). Runs
 * only for a failing signature (or one passing with content after l=), on
 * copies: the header as a new field table pointing at modified copies of
 * single fields, the body as modified copies of the kept body. Each known
 * transit step that leaves evidence is undone on a copy and the signature
 * checked again. Work is bounded: MAX_VARIANTS header digests, a few passes
 * over a body of at most ctx->diagnose_max bytes.
 */
#include "crypto.h"
#include "forensic.h"
#include "keymatch.h"
#include "pkcache.h"
#include "qp.h"
#include "sighash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define MAX_VARIANTS  128         /* header digests recomputed per signature */
#define FOOTER_WINDOW (64 * 1024) /* cuts tried at line ends this close to the end */
#define FOOTER_CUTS   4096        /* ... and at most this many */
#define EXCERPT       72          /* bytes of message text quoted in a finding */
#define MAX_STEPS     24

/* A step tried on a copy: what it undoes, and whether its part then verifies. */
typedef struct {
	dkimarc_finding kind;
	char field[80];
	char what[900];
	int fixes; /* 1 fixed its part (body or header), 0 not */
} step;

typedef struct {
	const da_sigfacts *f;
	const da_sigparams *sp;
	struct da_sigx *x;
	EVP_PKEY *pk;            /* NULL when no usable key */
	const da_rsa_prep *prep; /* pk made ready, from the context's cache; or NULL */
	da_recovered rec;
	int variants;
	uint64_t header_bytes; /* what one header variant costs to hash, at most */
	bool budget_hit, work_hit;
	step body[MAX_STEPS], head[MAX_STEPS];
	size_t nbody, nhead;
	char tried_body[300], tried_head[300];
	int err; /* DKIMARC_ENOMEM or DKIMARC_ECRYPTO: the diagnosis, and the verification, fail */
} diag;

/* Notes that a step could not be tried for want of memory or crypto; returns -1. */
static int failed(diag *d, int status)
{
	if (!d->err)
		d->err = status;
	return -1;
}

/* ---- text ------------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	size_t n;
	if (p[0] < 0x80)
		return 1;
	n = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
	    : p[0] >= 0xe0 && p[0] <= 0xef ? 3
	    : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
	                                   : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * Quotes message text for a finding: at most max bytes, on one line, valid
 * UTF-8 kept, other bytes and line ends shown as '?' and ' '.
 */
static const char *excerpt(char *out, size_t outlen, const char *p, size_t n, size_t max)
{
	size_t o = 0, i = 0;
	while (i < n && i < max && o + 8 < outlen) {
		unsigned char c = (unsigned char)p[i];
		size_t k = c >= 0x80 ? utf8_len((const unsigned char *)p + i, n - i) : 1;
		if (c == '\r' || c == '\n' || c == '\t') {
			if (o == 0 || out[o - 1] != ' ')
				out[o++] = ' ';
			i++;
		} else if (k == 0 || c < 0x20 || c == 0x7f) {
			out[o++] = '?';
			i++;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		}
	}
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

static void add_tried(char *buf, size_t len, const char *what)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", what);
}

static step *new_step(diag *d, bool body, dkimarc_finding kind, const char *field, int fixes,
                      const char *fmt, ...) __attribute__((format(printf, 6, 7)));

static step *new_step(diag *d, bool body, dkimarc_finding kind, const char *field, int fixes,
                      const char *fmt, ...)
{
	size_t *n = body ? &d->nbody : &d->nhead;
	step *s = body ? &d->body[*n] : &d->head[*n];
	va_list ap;
	if (*n >= MAX_STEPS)
		return NULL;
	(*n)++;
	s->kind = kind;
	snprintf(s->field, sizeof s->field, "%s", field ? field : "");
	s->fixes = fixes;
	va_start(ap, fmt);
	vsnprintf(s->what, sizeof s->what, fmt, ap);
	va_end(ap);
	return s;
}

/* ---- checking copies ------------------------------------------------------- */

/* Takes n bytes of hashing from the message's budget; false (and noted) when spent. */
static bool spend(diag *d, uint64_t n)
{
	da_keep *k = d->f->body;
	if (!k)
		return true;
	if (k->work + n > DA_DIAGNOSE_BUDGET(k->over ? 0 : k->n)) {
		d->work_hit = true;
		return false;
	}
	k->work += n;
	return true;
}

/* 1: a header digest is the one the key signed; 0: not; -1: cannot tell. */
static int digest_signed(diag *d, const unsigned char *dig, unsigned int dl)
{
	if (d->rec.made == DA_MADE_THIS_KEY && d->rec.hash == d->sp->hash)
		return dl == d->rec.digest_len && memcmp(dig, d->rec.digest, dl) == 0;
	if (!d->pk)
		return -1;
	int ok = da_verify_digest(d->pk, d->prep, d->sp->key_type, d->sp->hash, dig, dl, d->sp->b,
	                          d->sp->b_len);
	return ok < 0 ? failed(d, ok) : ok;
}

/* Whether the signature verifies over the header h (a modified copy). */
static int header_signed_sp(diag *d, const da_header *h, const da_sigparams *sp)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	bool *used;
	int rc;

	if (d->variants >= MAX_VARIANTS) {
		d->budget_hit = true;
		return -1;
	}
	if (!spend(d, d->header_bytes))
		return -1;
	d->variants++;
	if (!(used = calloc(h->n, sizeof *used)))
		return failed(d, DKIMARC_ENOMEM);
	rc = da_sig_header_digest(h, d->f->self, sp, used, dig, &dl);
	free(used);
	return rc == DKIMARC_OK ? digest_signed(d, dig, dl) : failed(d, rc);
}

/* Whether a body (a modified copy, CRLF) hashes to bh=. */
static int body_signed(diag *d, const char *p, size_t n)
{
	da_bodyhash bh;
	int ok;
	if (da_bodyhash_init(&bh, d->sp->bcanon, d->sp->hash, d->sp->l) != 0)
		return failed(d, da_crypto_status());
	da_bodyhash_update(&bh, p, n);
	if (da_bodyhash_final(&bh) != 0) {
		da_bodyhash_clear(&bh);
		return failed(d, da_crypto_status());
	}
	ok = bh.digest_len == d->sp->bh_len && memcmp(bh.digest, d->sp->bh, bh.digest_len) == 0;
	da_bodyhash_clear(&bh);
	return ok;
}

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
		failed(d, DKIMARC_ENOMEM);
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
		failed(d, DKIMARC_ENOMEM);
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
	return header_signed_sp(d, &c->h, &sp);
}

/* Whether the signature verifies with field i replaced by raw (taken over). */
static int with_field(diag *d, size_t i, char *raw, size_t len)
{
	hcopy c;
	int ok = -1;
	if (!raw)
		return failed(d, DKIMARC_ENOMEM);
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
static void selected(diag *d, long *idx)
{
	const da_header *h = d->f->hdr;
	bool *used = calloc(h->n ? h->n : 1, sizeof *used);
	for (size_t i = 0; i < d->sp->nheaders; i++)
		idx[i] = -1;
	if (!used) {
		failed(d, DKIMARC_ENOMEM);
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
	excerpt(out, len, fl->raw, n, n);
}

/* Value with folding removed, WSP runs as one SP, trimmed: how relaxed compares. */
static size_t normalize(const char *v, size_t n, char *out)
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

static void try_ztag(diag *d, const long *sel)
{
	const da_field *sf = &d->f->hdr->f[d->f->self];
	da_taglist *tl = malloc(sizeof *tl);
	char err[160];
	const da_tag *z;
	hcopy c;
	bool restore = false, copy_ok;
	size_t first = d->nhead;

	if (!tl) {
		failed(d, DKIMARC_ENOMEM);
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
		failed(d, DKIMARC_ENOMEM);
	copy_ok = zv && hcopy_init(d, &c, d->f->hdr);
	if (!copy_ok) {
		free(zv);
		free(tl);
		return;
	}
	size_t zn = da_strip_ws(z->val, z->val_len, zv);
	zv[zn] = '\0';
	free(tl);
	add_tried(d->tried_head, sizeof d->tried_head, "the z= copies");
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
			failed(d, DKIMARC_ENOMEM);
			break;
		}
		size_t znl = normalize(zval, vl, zn_buf);
		bool same = false, present = false;
		char name[80], a[300], b[300];
		excerpt(name, sizeof name, e, nl, sizeof name - 8);
		for (size_t j = 0; zn_buf && j < d->f->hdr->n && !same; j++) {
			const da_field *fl = &d->f->hdr->f[j];
			if (j == d->f->self || fl->name_len != nl ||
			    strncasecmp(fl->raw, e, nl) != 0)
				continue;
			present = true;
			free(cur);
			cur = malloc(fl->len - fl->value_off + 1);
			if (!cur) {
				failed(d, DKIMARC_ENOMEM);
				break;
			}
			size_t cl =
			    normalize(fl->raw + fl->value_off, fl->len - fl->value_off, cur);
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
					failed(d, DKIMARC_ENOMEM);
				}
			}
			if (present)
				new_step(
				    d, false, DKIMARC_FINDING_COPIED_HEADER_DIFFERS, name, -1,
				    "%s differs from its copy in z=: signed \"%s\", now \"%s\"",
				    name, excerpt(a, sizeof a, zn_buf, znl, 200),
				    cur ? excerpt(b, sizeof b, cur, strlen(cur), 200) : "?");
			else
				new_step(d, false, DKIMARC_FINDING_COPIED_HEADER_DIFFERS, name, -1,
				         "%s was present at signing (z=: \"%s\") and is gone now",
				         name, excerpt(a, sizeof a, zn_buf, znl, 200));
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
static void try_subject_tag(diag *d, const long *sel)
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
			failed(d, DKIMARC_ENOMEM);
			return;
		}
		size_t pre = (size_t)(p - fl->raw);
		memcpy(raw, fl->raw, pre);
		memcpy(raw + pre, after, (size_t)(end - after));
		char tag[120];
		excerpt(tag, sizeof tag, p, (size_t)(q + 1 - p), 100);
		add_tried(d->tried_head, sizeof d->tried_head, "removing the Subject tag");
		int ok = with_field(d, (size_t)sel[i], raw, len);
		if (ok >= 0)
			new_step(d, false, DKIMARC_FINDING_SUBJECT_TAG, "Subject", ok,
			         "Subject begins with the tag \"%s\", as mailing lists add", tag);
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
		failed(d, DKIMARC_ENOMEM);
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

static void try_refolding(diag *d, const long *sel)
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
	add_tried(d->tried_head, sizeof d->tried_head, "undoing re-folding");
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
				new_step(d, false, DKIMARC_FINDING_HEADER_REFOLDED, name, 1,
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
			new_step(d, false, DKIMARC_FINDING_HEADER_REFOLDED, NULL, 1,
			         "%zu signed fields are folded, but were signed unfolded: a relay "
			         "re-folded them (simple header canonicalization counts every byte "
			         "of folding)",
			         changed);
		hcopy_free(&c);
	}
}

/* ---- body steps ---------------------------------------------------------------- */

/* A top-level header field's value, trimmed, in out (lower case); "" when absent. */
static void top_value(const da_header *h, const char *name, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < h->n; i++) {
		if (!da_field_is(&h->f[i], name))
			continue;
		char tmp[128];
		const da_field *fl = &h->f[i];
		size_t n = fl->len - fl->value_off;
		if (n > sizeof tmp - 1)
			n = sizeof tmp - 1;
		size_t k = normalize(fl->raw + fl->value_off, n, tmp);
		for (size_t j = 0; j < k && j < len - 1; j++)
			out[j] = (char)((unsigned)(tmp[j] - 'A') < 26u ? tmp[j] + 32 : tmp[j]);
		out[k < len - 1 ? k : len - 1] = '\0';
		return;
	}
}

/* The body cut at line ends near its end: one pass, a copy of the hash state per cut. */
static void try_footer(diag *d, const char *p, size_t n)
{
	size_t *cuts = malloc(FOOTER_CUTS * sizeof *cuts), nc = 0, found = SIZE_MAX;
	da_bodyhash bh;
	char ex[EXCERPT * 4 + 8];

	if (!cuts) {
		failed(d, DKIMARC_ENOMEM);
		return;
	}
	/* Line starts within the window, the last FOOTER_CUTS of them, oldest first. */
	size_t from = n > FOOTER_WINDOW ? n - FOOTER_WINDOW : 0;
	for (size_t i = n; i-- > from && nc < FOOTER_CUTS;)
		if (i >= 2 && p[i - 1] == '\n' && p[i - 2] == '\r' && i < n)
			cuts[nc++] = i;
	if (from == 0 && nc < FOOTER_CUTS)
		cuts[nc++] = 0;
	add_tried(d->tried_body, sizeof d->tried_body, "cutting appended text");
	if (nc == 0 || da_bodyhash_init(&bh, d->sp->bcanon, d->sp->hash, d->sp->l) != 0) {
		if (nc)
			failed(d, da_crypto_status());
		free(cuts);
		return;
	}
	size_t fed = 0;
	for (size_t k = nc; k-- > 0;) {
		da_bodyhash_update(&bh, p + fed, cuts[k] - fed);
		fed = cuts[k];
		da_bodyhash snap = bh;
		snap.bc.arg = &snap;
		snap.md = EVP_MD_CTX_new();
		if (!snap.md || !bh.md || EVP_MD_CTX_copy_ex(snap.md, bh.md) != 1) {
			EVP_MD_CTX_free(snap.md);
			failed(d, da_crypto_status());
			break;
		}
		if (da_bodyhash_final(&snap) != 0) {
			da_bodyhash_clear(&snap);
			failed(d, da_crypto_status());
			break;
		}
		if (snap.digest_len == d->sp->bh_len &&
		    memcmp(snap.digest, d->sp->bh, snap.digest_len) == 0)
			found = cuts[k]; /* keep the longest body that matches */
		da_bodyhash_clear(&snap);
	}
	da_bodyhash_clear(&bh);
	free(cuts);
	if (d->err)
		return;
	if (found != SIZE_MAX) {
		size_t line = 1;
		for (size_t i = 0; i < found; i++)
			line += p[i] == '\n';
		const char *a = p + found;
		while (a < p + n && (*a == '\r' || *a == '\n'))
			a++;
		/* The body is not NUL-terminated: compare within what is left. */
		size_t rest = (size_t)(p + n - a);
		const char *kind = rest >= 3 && memcmp(a, "-- ", 3) == 0
		                       ? "a signature or list footer"
		                   : rest >= 3 && memcmp(a, "___", 3) == 0 ? "a mailing-list footer"
		                                                           : "text";
		new_step(d, true, DKIMARC_FINDING_FOOTER_APPENDED, NULL, 1,
		         "%s was appended to the body: the signed body ends before line %zu (byte "
		         "%zu of %zu), and the %zu bytes after it begin \"%s\"",
		         kind, line, found, n, n - found,
		         excerpt(ex, sizeof ex, a, (size_t)(p + n - a), EXCERPT));
		return;
	}
	/* Evidence without a match: a footer marker line near the end. */
	for (size_t i = n; i-- > from;) {
		if (i > 0 && p[i - 1] != '\n')
			continue;
		const char *l = p + i;
		size_t left = n - i, u = 0;
		while (u < left && (l[u] == '_' || l[u] == '-'))
			u++;
		bool sigdash = left >= 5 && memcmp(l, "-- \r\n", 5) == 0;
		if (sigdash || (u >= 10 && u + 1 < left && l[u] == '\r')) {
			size_t line = 1;
			for (size_t k = 0; k < i; k++)
				line += p[k] == '\n';
			new_step(d, true, DKIMARC_FINDING_FOOTER_APPENDED, NULL, 0,
			         "a footer marker \"%s\" begins line %zu, as lists and gateways "
			         "append",
			         excerpt(ex, sizeof ex, l, u > 3 ? u : 3, 20), line);
			return;
		}
	}
}

/* Replaces every from (flen bytes) at a line start or anywhere by to; NULL when none. */
static char *replace_all(diag *d, const char *p, size_t n, const char *from, size_t flen,
                         const char *to, size_t tlen, bool line_start, size_t *outlen)
{
	char *out = malloc(n * (tlen > flen ? tlen : 1) + 1);
	size_t o = 0, hits = 0;
	if (!out) {
		failed(d, DKIMARC_ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		bool at_start = i == 0 || p[i - 1] == '\n';
		if (i + flen <= n && memcmp(p + i, from, flen) == 0 && (!line_start || at_start)) {
			memcpy(out + o, to, tlen);
			o += tlen;
			i += flen;
			hits++;
		} else {
			out[o++] = p[i++];
		}
	}
	if (!hits) {
		free(out);
		return NULL;
	}
	*outlen = o;
	return out;
}

/* Bare LF (not after CR) to CRLF; NULL when there is none. */
static char *bare_lf_to_crlf(diag *d, const char *p, size_t n, size_t *outlen)
{
	size_t extra = 0;
	for (size_t i = 0; i < n; i++)
		extra += p[i] == '\n' && (i == 0 || p[i - 1] != '\r');
	if (!extra)
		return NULL;
	char *out = malloc(n + extra);
	size_t o = 0;
	if (!out) {
		failed(d, DKIMARC_ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = p[i];
	}
	*outlen = o;
	return out;
}

static void body_variant(diag *d, dkimarc_finding kind, char *copy, size_t len, const char *what)
{
	if (!copy)
		return;
	int ok = body_signed(d, copy, len);
	free(copy);
	if (ok == 1)
		new_step(d, true, kind, NULL, 1, "%s", what);
}

static void try_body(diag *d)
{
	const da_keep *k = d->f->body;
	const char *p = k->p ? k->p : "";
	size_t n = k->n, len = 0;
	char cte[64], ctype[64], *copy;

	/* The footer pass, five copies and their hashes: reserved at once. */
	if (!spend(d, 11 * (uint64_t)n))
		return;

	if (d->sp->l < 0)
		try_footer(d, p, n);
	top_value(d->f->hdr, "Content-Transfer-Encoding", cte, sizeof cte);
	top_value(d->f->hdr, "Content-Type", ctype, sizeof ctype);
	if (strncmp(ctype, "multipart/", 10) != 0) {
		add_tried(d->tried_body, sizeof d->tried_body,
		          "undoing quoted-printable re-encoding");
		if (strcmp(cte, "quoted-printable") == 0) {
			if (!(copy = da_qp_decode_dup(p, n, &len)))
				failed(d, DKIMARC_ENOMEM);
			body_variant(
			    d, DKIMARC_FINDING_BODY_REENCODED, copy, len,
			    "the body was re-encoded as quoted-printable after signing "
			    "(Content-Transfer-Encoding: quoted-printable): decoded, it is "
			    "the body that was signed");
		}
		bool eight = false;
		for (size_t i = 0; i < n && !eight; i++)
			eight = (unsigned char)p[i] >= 0x80;
		if (eight && strcmp(cte, "quoted-printable") != 0 && strcmp(cte, "base64") != 0) {
			if (!(copy = da_qp_encode_dup(p, n, &len)))
				failed(d, DKIMARC_ENOMEM);
			body_variant(d, DKIMARC_FINDING_BODY_REENCODED, copy, len,
			             "the body was decoded from quoted-printable to 8bit after "
			             "signing: encoded again, it is the body that was signed");
		}
	}
	add_tried(d->tried_body, sizeof d->tried_body, "repairing line ends");
	copy = replace_all(d, p, n, "\r\r\n", 3, "\r\n", 2, false, &len);
	body_variant(d, DKIMARC_FINDING_LINE_ENDINGS, copy, len,
	             "line ends were doubled into CR CR LF after signing (a CRLF conversion "
	             "applied twice)");
	copy = bare_lf_to_crlf(d, p, n, &len);
	body_variant(d, DKIMARC_FINDING_LINE_ENDINGS, copy, len,
	             "the body has bare LF line ends that the signer hashed as CRLF");
	add_tried(d->tried_body, sizeof d->tried_body, "undoing dot-stuffing");
	copy = replace_all(d, p, n, "..", 2, ".", 1, true, &len);
	body_variant(d, DKIMARC_FINDING_DOT_STUFFING, copy, len,
	             "lines beginning with a dot carry a second one: SMTP dot-stuffing (RFC 5321 "
	             "§4.5.2) was not undone on receipt");
}

/* ---- findings (forensic.h): only the diagnosis adds them ------------------- */

void da_finding_add(struct da_sigx *x, dkimarc_finding kind, const char *field, int undo,
                    const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (x->nf == x->capf) {
		size_t cap = x->capf ? x->capf * 2 : 4;
		da_finding *nf = realloc(x->f, cap * sizeof *nf);
		if (!nf) {
			x->nomem = true;
			return;
		}
		x->f = nf;
		x->capf = cap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	da_finding *d = &x->f[x->nf];
	d->kind = kind;
	d->undo = undo;
	d->text = da_strdup(buf);
	d->field = field ? da_strdup(field) : NULL;
	if (!d->text || (field && !d->field)) {
		free(d->text);
		free(d->field);
		x->nomem = true;
		return;
	}
	x->nf++;
}

/* ---- the diagnosis ------------------------------------------------------------- */

static const char *undo_text(const step *s, bool other_ok, bool other_fixed, bool body)
{
	if (s->fixes < 0)
		return "";
	if (s->kind == DKIMARC_FINDING_COPIED_HEADER_DIFFERS)
		return !s->fixes  ? "; with the copies of z= put back, the signature still fails"
		       : other_ok ? "; with the copies of z= put back, the signature verifies"
		       : other_fixed
		           ? "; with the copies of z= put back (and the body step above), "
		             "the signature verifies"
		           : "; with the copies of z= put back, the signed header fields "
		             "verify, but the body still differs";
	if (!s->fixes)
		return body ? "; undoing it does not give the signed body"
		            : "; undoing it does not make the signature verify";
	if (other_ok)
		return "; undone, the signature verifies";
	if (other_fixed)
		return body ? "; undone (with the header step below), the signature verifies"
		            : "; undone (with the body step above), the signature verifies";
	return body ? "; undone, the body hash matches, but the signed header fields still differ"
	            : "; undone, the signed header fields verify, but the body still differs";
}

static void emit(diag *d, bool hdr_ok, bool body_ok)
{
	bool body_fixed = false, head_fixed = false;
	for (size_t i = 0; i < d->nbody; i++)
		body_fixed |= d->body[i].fixes == 1;
	for (size_t i = 0; i < d->nhead; i++)
		head_fixed |= d->head[i].fixes == 1;
	for (int part = 0; part < 2; part++) {
		bool body = part == 0;
		step *s = body ? d->body : d->head;
		size_t n = body ? d->nbody : d->nhead;
		for (size_t i = 0; i < n; i++) {
			bool verifies = s[i].fixes == 1 &&
			                (body ? hdr_ok || head_fixed : body_ok || body_fixed);
			int undo = s[i].fixes < 0 ? -1 : verifies;
			da_finding_add(d->x, s[i].kind, s[i].field[0] ? s[i].field : NULL, undo,
			               "%s%s", s[i].what,
			               undo_text(&s[i], body ? hdr_ok : body_ok,
			                         body ? head_fixed : body_fixed, body));
		}
	}
}

/* The raw offset of the line holding canonical body byte l, for quoting what follows. */
typedef struct {
	uint64_t count;
} counter;

static void count_sink(void *arg, const char *p, size_t n)
{
	(void)p;
	((counter *)arg)->count += n;
}

static size_t raw_offset(const da_sigparams *sp, const char *p, size_t n, uint64_t l)
{
	da_body_canon bc;
	counter c = {0};
	size_t i = 0;
	da_body_canon_init(&bc, sp->bcanon, count_sink, &c);
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - p) + 1 : n;
		da_body_canon_update(&bc, p + i, e - i);
		if (c.count > l)
			return i;
		i = e;
	}
	return n;
}

static void beyond_length(diag *d, const dkimarc_sig *o)
{
	const da_keep *k = d->f->body;
	char ex[EXCERPT * 4 + 8] = "";
	if (k && !k->over && k->p) {
		size_t at = raw_offset(d->sp, k->p, k->n, (uint64_t)d->sp->l);
		excerpt(ex, sizeof ex, k->p + at, k->n - at, EXCERPT);
	}
	da_finding_add(d->x, DKIMARC_FINDING_FOOTER_BEYOND_LENGTH, NULL, 1,
	               "the signature covers only the first %lld canonical bytes of the body "
	               "(l=), and they verify; %llu more follow that nobody signed%s%s%s",
	               (long long)d->sp->l,
	               (unsigned long long)(o->body_bytes - (uint64_t)d->sp->l),
	               ex[0] ? ", beginning \"" : "", ex, ex[0] ? "\"" : "");
}

/* "; none of the known transit steps explains it (tried: ...)" when nothing fixed a part. */
static const char *none_fixed(char *buf, size_t len, const step *s, size_t n, const char *tried)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].fixes == 1)
			return "";
	if (!tried[0])
		return "";
	snprintf(buf, len, "; no known transit step explains it (tried: %s)", tried);
	return buf;
}

int da_diagnose(const da_sigfacts *f, dkimarc_sig *o)
{
	diag *d;
	long *sel;
	char tail[400];
	bool fail =
	    o->result == DKIMARC_RES_FAIL && (o->reason == DKIMARC_REASON_BODY_HASH_MISMATCH ||
	                                      o->reason == DKIMARC_REASON_SIGNATURE_MISMATCH ||
	                                      o->reason == DKIMARC_REASON_KEY_MISMATCH);
	bool beyond = o->result == DKIMARC_RES_PASS && (o->flags & DKIMARC_FLAG_BODY_BEYOND_LENGTH);

	if (!o->fx || (!fail && !beyond))
		return DKIMARC_OK;
	if (!(d = calloc(1, sizeof *d)))
		return DKIMARC_ENOMEM;
	d->f = f;
	d->sp = f->sp;
	d->x = o->fx;
	for (size_t i = 0; i < f->hdr->n; i++)
		d->header_bytes += f->hdr->f[i].len + 2;
	if (beyond) {
		beyond_length(d, o);
		free(d);
		return DKIMARC_OK;
	}
	bool body_ok = o->body_hash_ok == 1;
	if (o->reason == DKIMARC_REASON_KEY_MISMATCH) {
		char size[160] = "";
		size_t kb = (o->key_bits + 7) / 8;
		if (kb && d->sp->b_len != kb)
			snprintf(
			    size, sizeof size,
			    " b= is %zu bytes long, where this %u-bit key's signatures are %zu: "
			    "a key of another size made it.",
			    d->sp->b_len, o->key_bits, kb);
		da_finding_add(
		    d->x, DKIMARC_FINDING_KEY_MISMATCH, NULL, -1,
		    "the key used did not make this signature: its RSA public operation does not "
		    "give a PKCS#1 v1.5 digest from b=.%s The key at %s._domainkey.%s was replaced "
		    "since signing (or b= was damaged); the key published when the mail was "
		    "signed would decide. %s",
		    size, d->sp->selector, d->sp->domain,
		    body_ok ? "The body still hashes to bh=, but bh= is only a claim of the "
		              "signature, which this key does not vouch for."
		            : "The body does not hash to bh= either.");
		free(d);
		return DKIMARC_OK;
	}

	/* The key, from the record the result was judged with. */
	if (o->has_key) {
		da_keyrec kr;
		char err[256];
		unsigned bits;
		dkimarc_reason why =
		    da_keyrec_parse(o->key.txt, o->key.txt_len, &kr, err, sizeof err);
		if (why == DKIMARC_REASON_OK) {
			if (!kr.revoked)
				d->pk = da_pkcache_get(f->ctx->pkcache, &kr, &bits, &d->prep, &why,
				                       err, sizeof err);
			da_keyrec_clear(&kr);
		}
		if (da_reason_status(why))
			failed(d, da_reason_status(why));
	}
	int rc = d->err ? d->err
	                : da_rsa_recover(d->pk, d->sp->key_type, d->sp->b, d->sp->b_len, &d->rec);
	if (rc) {
		EVP_PKEY_free(d->pk);
		free(d);
		return rc;
	}
	int hdr_ok = digest_signed(d, f->hdigest, f->hdigest_len);
	bool body_kept = f->body && !f->body->over;

	/* Steps first (on copies), so that the summaries can say what was tried. */
	if (hdr_ok == 0 && !(sel = calloc(d->sp->nheaders + 1, sizeof *sel)))
		failed(d, DKIMARC_ENOMEM);
	else if (hdr_ok == 0) {
		selected(d, sel);
		if (!d->err)
			try_ztag(d, sel);
		if (!d->err)
			try_subject_tag(d, sel);
		if (!d->err)
			try_refolding(d, sel);
		free(sel);
	}
	if (!body_ok && body_kept && !d->err)
		try_body(d);
	if (d->err) {
		rc = d->err;
		EVP_PKEY_free(d->pk);
		free(d);
		return rc;
	}

	if (!body_ok) {
		const char *canon = d->sp->bcanon == DA_CANON_RELAXED ? "relaxed" : "simple";
		unsigned long long total = f->bh ? (unsigned long long)f->bh->total : 0;
		const char *none = none_fixed(tail, sizeof tail, d->body, d->nbody, d->tried_body);
		if (d->sp->l >= 0)
			da_finding_add(d->x, DKIMARC_FINDING_BODY_CHANGED, NULL, -1,
			               "the body changed after signing: its first l=%lld canonical "
			               "bytes (%s body canonicalization; %llu present) differ from "
			               "those signed%s",
			               (long long)d->sp->l, canon, total, none);
		else
			da_finding_add(d->x, DKIMARC_FINDING_BODY_CHANGED, NULL, -1,
			               "the body changed after signing: it is %llu canonical bytes "
			               "now (%s body canonicalization); the signature covers the "
			               "whole body and does not record its length (no l=)%s",
			               total, canon, none);
		if (hdr_ok == 1)
			da_finding_add(
			    d->x, DKIMARC_FINDING_HEADERS_INTACT, NULL, -1,
			    "the signed header fields are intact: the signature over them "
			    "verifies with this key; only the body changed");
	}
	if (hdr_ok == 0) {
		const char *none = none_fixed(tail, sizeof tail, d->head, d->nhead, d->tried_head);
		const char *what =
		    d->rec.made == DA_MADE_THIS_KEY && d->rec.hash && d->rec.hash != d->sp->hash
		        ? "signed header fields changed, or the signer hashed with another "
		          "algorithm than a= says: this key made the signature, over a digest of "
		          "another kind"
		    : d->rec.made == DA_MADE_THIS_KEY
		        ? "signed header fields changed: this key made the signature (RSA "
		          "recovery gives a well-formed digest), over header content other than "
		          "the present one"
		        : "the signature does not verify over the signed header fields: they "
		          "changed, or another key made the signature (an Ed25519 signature "
		          "cannot tell these apart)";
		da_finding_add(d->x, DKIMARC_FINDING_HEADERS_CHANGED, NULL, -1, "%s%s%s",
		               body_ok ? "the body is intact (it hashes to bh=); " : "", what,
		               none);
	}
	if (!body_ok && !body_kept)
		da_finding_add(d->x, DKIMARC_FINDING_NOT_TRIED, NULL, -1,
		               "the body is over the diagnosis limit of %llu bytes: body steps "
		               "(appended footer, re-encoding, line ends) were not tried",
		               (unsigned long long)f->ctx->diagnose_max);
	emit(d, hdr_ok == 1, body_ok);
	if (d->budget_hit)
		da_finding_add(d->x, DKIMARC_FINDING_NOT_TRIED, NULL, -1,
		               "the limit of %d header variants was reached: some header steps "
		               "were not tried",
		               MAX_VARIANTS);
	if (d->work_hit)
		da_finding_add(d->x, DKIMARC_FINDING_NOT_TRIED, NULL, -1,
		               "the diagnosis of this message reached its work limit (64 MiB "
		               "and 12 times the body hashed): some steps were not tried");
	EVP_PKEY_free(d->pk);
	free(d);
	return DKIMARC_OK;
}
