/*
 * DKIM verification (RFC 6376 §6): the streaming verifier. Header bytes are
 * gathered until the blank line, then every DKIM-Signature is parsed and its
 * header hash computed; the body streams through one hasher per distinct
 * (body canonicalization, hash, l=); keys are looked up and signatures
 * checked at the end.
 */
#include "crypto.h"
#include "ctx.h"
#include "msg.h"
#include "sig.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { P_HEADER, P_BODY, P_DONE };

typedef struct {
	size_t field; /* index in the header */
	da_sigparams sp;
	dkimarc_reason reason; /* from parsing; OK when usable */
	dkimarc_result result; /* result set before evaluation (parse errors) */
	char err[256];
	int bh; /* index of its body hash, -1 */
	unsigned char hdigest[EVP_MAX_MD_SIZE];
	unsigned int hdigest_len;
} vsig;

struct dkimarc_verifier {
	const dkimarc_ctx *ctx;
	int phase;
	bool borrow; /* one-shot: the caller's buffer outlives us, no copy */
	char *hbuf;  /* gathered header bytes (not in borrow mode) */
	size_t hlen, hcap;
	const char *src; /* where header bytes are: hbuf or the borrowed buffer */
	size_t srclen;
	size_t hstart; /* after an mbox "From " line */
	bool start_checked;
	int lf_mode;  /* -1 unknown, 0 CRLF, 1 bare LF */
	size_t scan;  /* header-end search resumes here */
	char *hconv;  /* header converted to CRLF (LF mode) */
	bool prev_cr; /* LF mode: last body byte was CR */
	da_header hdr;
	vsig *sigs;
	size_t nsigs;
	size_t nsig_fields;
	da_bodyhash *bhs;
	size_t nbhs;
	bool limit_hit;
	const char *limit_why;
	uint64_t bytes;
	size_t nfrom;
	char *from_dom[8];
	size_t nfrom_dom;
	int64_t date;
	int error;       /* sticky failure of a call (ENOMEM) */
	char **keynames; /* distinct key names the signatures need */
	size_t nkeynames;
};

static void md_sink(void *arg, const char *p, size_t n)
{
	EVP_DigestUpdate((EVP_MD_CTX *)arg, p, n);
}

/* ---- header ------------------------------------------------------------- */

static bool name_eq(const da_field *f, const char *name)
{
	return da_field_is(f, name);
}

static int header_hash(dkimarc_verifier *v, vsig *s, bool *used)
{
	const da_sigparams *sp = &s->sp;
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	if (!md || EVP_DigestInit_ex(md, da_hash_md(sp->hash), NULL) != 1) {
		EVP_MD_CTX_free(md);
		return DKIMARC_ECRYPTO;
	}
	memset(used, 0, v->hdr.n * sizeof *used);
	used[s->field] = true; /* a signature never covers itself */
	for (size_t i = 0; i < sp->nheaders; i++) {
		if (!sp->headers[i])
			continue;
		/* Bottom-up: the last unused instance of the name (§5.4.2). */
		for (size_t j = v->hdr.n; j-- > 0;) {
			if (used[j] || !name_eq(&v->hdr.f[j], sp->headers[i]))
				continue;
			used[j] = true;
			da_canon_header(sp->hcanon, v->hdr.f[j].raw, v->hdr.f[j].len, true, md_sink,
			                md);
			break;
		}
	}
	/* The signature itself, b= emptied, no trailing CRLF (§3.7). */
	const da_field *f = &v->hdr.f[s->field];
	char *tmp = malloc(f->len + 1);
	if (!tmp) {
		EVP_MD_CTX_free(md);
		return DKIMARC_ENOMEM;
	}
	memcpy(tmp, f->raw, sp->b_off);
	memcpy(tmp + sp->b_off, f->raw + sp->b_end, f->len - sp->b_end);
	da_canon_header(sp->hcanon, tmp, f->len - (sp->b_end - sp->b_off), false, md_sink, md);
	free(tmp);
	EVP_DigestFinal_ex(md, s->hdigest, &s->hdigest_len);
	EVP_MD_CTX_free(md);
	return DKIMARC_OK;
}

static int body_hash_index(dkimarc_verifier *v, const da_sigparams *sp)
{
	for (size_t i = 0; i < v->nbhs; i++) {
		da_bodyhash *b = &v->bhs[i];
		if (b->bc.canon == sp->bcanon && b->limit == sp->l &&
		    EVP_MD_CTX_get0_md(b->md) == da_hash_md(sp->hash))
			return (int)i;
	}
	da_bodyhash *b = &v->bhs[v->nbhs];
	if (da_bodyhash_init(b, sp->bcanon, sp->hash, sp->l) != 0)
		return -1;
	return (int)v->nbhs++;
}

static int collect_key_names(dkimarc_verifier *v)
{
	v->keynames = calloc(v->nsigs ? v->nsigs : 1, sizeof *v->keynames);
	if (!v->keynames)
		return DKIMARC_ENOMEM;
	for (size_t i = 0; i < v->nsigs; i++) {
		const vsig *s = &v->sigs[i];
		if (s->reason != DKIMARC_REASON_OK)
			continue;
		size_t n = strlen(s->sp.selector) + strlen(s->sp.domain) + sizeof "._domainkey.";
		char *name = malloc(n);
		if (!name)
			return DKIMARC_ENOMEM;
		snprintf(name, n, "%s._domainkey.%s", s->sp.selector, s->sp.domain);
		bool dup = false;
		for (size_t k = 0; k < v->nkeynames && !dup; k++)
			dup = strcmp(v->keynames[k], name) == 0;
		if (dup)
			free(name);
		else
			v->keynames[v->nkeynames++] = name;
	}
	return DKIMARC_OK;
}

static int process_header(dkimarc_verifier *v, const char *h, size_t len)
{
	const dkimarc_ctx *ctx = v->ctx;
	if (v->lf_mode == 1) {
		/* Mail stored on Unix: read each bare LF as CRLF (issue #2, item 3). */
		size_t extra = 0;
		for (size_t i = 0; i < len; i++)
			extra += h[i] == '\n' && (i == 0 || h[i - 1] != '\r');
		v->hconv = malloc(len + extra + 1);
		if (!v->hconv)
			return DKIMARC_ENOMEM;
		size_t o = 0;
		for (size_t i = 0; i < len; i++) {
			if (h[i] == '\n' && (i == 0 || h[i - 1] != '\r'))
				v->hconv[o++] = '\r';
			v->hconv[o++] = h[i];
		}
		h = v->hconv;
		len = o;
	}
	int rc = da_header_split(h, len, ctx->limits[DKIMARC_LIMIT_HEADER_FIELDS],
	                         ctx->limits[DKIMARC_LIMIT_FIELD_BYTES], &v->hdr, &v->limit_why);
	if (rc == DKIMARC_ELIMIT) {
		v->limit_hit = true;
		return DKIMARC_OK;
	}
	if (rc)
		return rc;

	size_t nsig = 0;
	for (size_t i = 0; i < v->hdr.n; i++) {
		const da_field *f = &v->hdr.f[i];
		if (name_eq(f, "DKIM-Signature"))
			nsig++;
		else if (name_eq(f, "From")) {
			if (v->nfrom++ == 0)
				v->nfrom_dom = da_from_domains(
				    f->raw + f->value_off, f->len - f->value_off, v->from_dom, 8);
		} else if (name_eq(f, "Date") && v->date < 0) {
			v->date =
			    da_parse_rfc5322_date(f->raw + f->value_off, f->len - f->value_off);
		}
	}
	if (!nsig)
		return DKIMARC_OK;
	v->sigs = calloc(nsig, sizeof *v->sigs);
	uint64_t maxsig = ctx->limits[DKIMARC_LIMIT_SIGNATURES];
	v->bhs = calloc(nsig < maxsig ? nsig : maxsig, sizeof *v->bhs);
	bool *used = calloc(v->hdr.n, sizeof *used);
	uint64_t nevaluated = 0;
	if (!v->sigs || !v->bhs || !used) {
		free(used);
		return DKIMARC_ENOMEM;
	}
	for (size_t i = 0; i < v->hdr.n; i++) {
		const da_field *f = &v->hdr.f[i];
		if (!name_eq(f, "DKIM-Signature"))
			continue;
		vsig *s = &v->sigs[v->nsigs++];
		s->field = i;
		s->bh = -1;
		s->reason =
		    da_sig_parse(f->raw, f->len, f->value_off, &s->sp, s->err, sizeof s->err);
		if (s->reason != DKIMARC_REASON_OK) {
			s->result = DKIMARC_RES_PERMERROR;
			continue;
		}
		/* Only well-formed signatures count, so junk ones cannot crowd out a good one. */
		if (++nevaluated > maxsig) {
			s->reason = DKIMARC_REASON_LIMIT_EXCEEDED;
			s->result = DKIMARC_RES_POLICY;
			snprintf(s->err, sizeof s->err,
			         "not evaluated: more than %llu signatures in one message",
			         (unsigned long long)maxsig);
			continue;
		}
		if ((rc = header_hash(v, s, used)) != DKIMARC_OK)
			break;
		if ((s->bh = body_hash_index(v, &s->sp)) < 0) {
			rc = DKIMARC_ECRYPTO;
			break;
		}
	}
	free(used);
	if (!rc)
		rc = collect_key_names(v);
	return rc;
}

/* ---- body --------------------------------------------------------------- */

static void body_feed(dkimarc_verifier *v, const char *p, size_t n)
{
	for (size_t i = 0; i < v->nbhs; i++)
		da_bodyhash_update(&v->bhs[i], p, n);
}

static void body_write(dkimarc_verifier *v, const char *p, size_t n)
{
	if (!v->nbhs || !n)
		return;
	if (v->lf_mode != 1) {
		body_feed(v, p, n);
		return;
	}
	/* Insert CR before each bare LF, passing the text between in runs. */
	const char *end = p + n;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			body_feed(v, p, (size_t)(end - p));
			v->prev_cr = end[-1] == '\r';
			return;
		}
		bool had_cr = nl > p ? nl[-1] == '\r' : v->prev_cr;
		if (nl > p)
			body_feed(v, p, (size_t)(nl - p));
		if (had_cr)
			body_feed(v, "\n", 1);
		else
			body_feed(v, "\r\n", 2);
		v->prev_cr = false;
		p = nl + 1;
	}
}

/* ---- header boundary ------------------------------------------------------ */

/*
 * Looks for the end of the header in src[0..len). Returns the offset where
 * the body starts and sets *hend (end of the header block), or 0 when more
 * bytes are needed.
 */
static size_t find_header_end(dkimarc_verifier *v, const char *src, size_t len, bool final,
                              size_t *hend)
{
	if (!v->start_checked) {
		if (len < 5 && !final)
			return 0;
		if (len >= 5 && memcmp(src, "From ", 5) == 0) {
			const char *nl = memchr(src, '\n', len);
			if (!nl)
				return 0;
			v->hstart = (size_t)(nl - src) + 1;
		}
		v->start_checked = true;
		v->scan = v->hstart;
	}
	if (v->lf_mode < 0) {
		const char *nl = memchr(src + v->hstart, '\n', len - v->hstart);
		if (!nl)
			return 0;
		size_t i = (size_t)(nl - src);
		v->lf_mode = !(i > v->hstart && src[i - 1] == '\r');
	}
	size_t i = v->scan;
	if (v->lf_mode) {
		if (i == v->hstart && i < len && src[i] == '\n') {
			*hend = i;
			return i + 1;
		}
		for (; i + 1 < len; i++) {
			const char *nl = memchr(src + i, '\n', len - i - 1);
			if (!nl)
				break;
			i = (size_t)(nl - src);
			if (src[i + 1] == '\n') {
				*hend = i + 1;
				return i + 2;
			}
		}
		v->scan = len > v->hstart + 1 ? len - 1 : v->hstart;
		return 0;
	}
	if (i == v->hstart && i + 1 < len && src[i] == '\r' && src[i + 1] == '\n') {
		*hend = i;
		return i + 2;
	}
	for (; i + 3 < len; i++) {
		const char *cr = memchr(src + i, '\r', len - i - 3);
		if (!cr)
			break;
		i = (size_t)(cr - src);
		if (memcmp(src + i, "\r\n\r\n", 4) == 0) {
			*hend = i + 2;
			return i + 4;
		}
	}
	v->scan = len > v->hstart + 3 ? len - 3 : v->hstart;
	return 0;
}

int dkimarc_verifier_new(const dkimarc_ctx *ctx, dkimarc_verifier **out)
{
	if (!ctx || !out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_verifier_new: NULL argument");
	dkimarc_verifier *v = calloc(1, sizeof *v);
	if (!v)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	v->ctx = ctx;
	v->lf_mode = -1;
	v->date = -1;
	*out = v;
	return DKIMARC_OK;
}

static int append(dkimarc_verifier *v, const char *p, size_t n)
{
	if (n == 0)
		return DKIMARC_OK;
	if (v->hlen + n > v->hcap) {
		size_t nc = v->hcap ? v->hcap : 8192;
		while (nc < v->hlen + n)
			nc *= 2;
		char *nb = realloc(v->hbuf, nc);
		if (!nb)
			return DKIMARC_ENOMEM;
		v->hbuf = nb;
		v->hcap = nc;
	}
	memcpy(v->hbuf + v->hlen, p, n);
	v->hlen += n;
	return DKIMARC_OK;
}

static int header_phase(dkimarc_verifier *v, bool final)
{
	size_t hend = 0;
	size_t body = find_header_end(v, v->src, v->srclen, final, &hend);
	uint64_t maxh = v->ctx->limits[DKIMARC_LIMIT_HEADER_BYTES];
	if (!body) {
		if (v->srclen - v->hstart > maxh) {
			v->limit_hit = true;
			v->limit_why = "header bytes";
			v->phase = P_DONE;
			return DKIMARC_OK;
		}
		if (!final)
			return DKIMARC_OK;
		/* No blank line: it is all header, and the body is empty. */
		if (v->lf_mode < 0)
			v->lf_mode = 0;
		hend = v->srclen;
		body = v->srclen;
	}
	if (hend - v->hstart > maxh) {
		v->limit_hit = true;
		v->limit_why = "header bytes";
		v->phase = P_DONE;
		return DKIMARC_OK;
	}
	int rc = process_header(v, v->src + v->hstart, hend - v->hstart);
	if (rc)
		return rc;
	v->phase = v->limit_hit ? P_DONE : P_BODY;
	if (v->phase == P_BODY)
		body_write(v, v->src + body, v->srclen - body);
	return DKIMARC_OK;
}

int dkimarc_verifier_write(dkimarc_verifier *v, const char *buf, size_t len)
{
	if (!v || (!buf && len))
		return da_fail(DKIMARC_EINVAL, "dkimarc_verifier_write: NULL argument");
	if (v->error)
		return da_fail(v->error, "verifier failed earlier");
	v->bytes += len;
	if (v->phase == P_BODY) {
		body_write(v, buf, len);
		return DKIMARC_OK;
	}
	if (v->phase != P_HEADER)
		return DKIMARC_OK; /* past a limit: the rest is not read */
	if (v->borrow && v->hlen == 0 && !v->hbuf) {
		v->src = buf;
		v->srclen = len;
	} else {
		if (append(v, buf, len))
			return v->error = da_fail(DKIMARC_ENOMEM, "out of memory");
		v->src = v->hbuf;
		v->srclen = v->hlen;
	}
	int rc = header_phase(v, false);
	if (rc)
		v->error = da_fail(rc, "%s", dkimarc_strerror(rc));
	/* A borrowed buffer that did not hold a whole header must be copied. */
	if (!rc && v->phase == P_HEADER && v->src == buf && v->borrow) {
		if (append(v, buf, len))
			return v->error = da_fail(DKIMARC_ENOMEM, "out of memory");
		v->src = v->hbuf;
	}
	return rc;
}

/* ---- evaluation ----------------------------------------------------------- */

static char *fmt_time(int64_t t, char *buf, size_t n)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t < 0 || !gmtime_r(&tt, &tm))
		snprintf(buf, n, "?");
	else
		strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm);
	return buf;
}

static bool has_window(const dkimarc_keyrec *r)
{
	return r->first_seen >= 0 || r->last_seen >= 0;
}

/*
 * Picks the record to use among an answer's records. Returns its index, or
 * -1 with *reason and err set (ambiguous).
 */
static int choose_record(const dkimarc_answer *ans, int64_t when, const char *when_what,
                         char **choice, uint32_t *flags, dkimarc_reason *reason, char *err,
                         size_t errlen)
{
	char buf[512], t1[32], t2[32], t3[32];
	size_t n = ans->n;
	if (n == 1)
		return 0;
	bool windows = false;
	for (size_t i = 0; i < n; i++)
		windows |= has_window(&ans->recs[i]);
	if (!windows) {
		/* DNS semantics: the one record that is a DKIM key. */
		int found = -1;
		for (size_t i = 0; i < n; i++) {
			da_keyrec k;
			char e[64];
			if (da_keyrec_parse(ans->recs[i].txt, ans->recs[i].txt_len, &k, e,
			                    sizeof e) == DKIMARC_REASON_OK) {
				if (found >= 0 &&
				    !(ans->recs[found].txt_len == ans->recs[i].txt_len &&
				      memcmp(ans->recs[found].txt, ans->recs[i].txt,
				             ans->recs[i].txt_len) == 0)) {
					da_keyrec_clear(&k);
					*reason = DKIMARC_REASON_KEY_AMBIGUOUS;
					snprintf(
					    err, errlen,
					    "%zu records at the name parse as different DKIM keys",
					    n);
					return -1;
				}
				if (found < 0)
					found = (int)i;
			}
			da_keyrec_clear(&k);
		}
		if (found < 0)
			found = 0;
		snprintf(buf, sizeof buf,
		         "%zu records at the name; the one that is a DKIM key used", n);
		*choice = da_strdup(buf);
		return found;
	}
	if (when < 0) {
		/* Without a time, the most recently seen record. */
		size_t best = 0;
		for (size_t i = 1; i < n; i++)
			if (ans->recs[i].last_seen >= ans->recs[best].last_seen)
				best = i;
		snprintf(buf, sizeof buf,
		         "%zu records; no signature time or Date, so the most recently seen "
		         "(%s) used",
		         n, ans->recs[best].origin ? ans->recs[best].origin : "?");
		*choice = da_strdup(buf);
		return (int)best;
	}
	int best = -1;
	int64_t bestd = INT64_MAX;
	for (size_t i = 0; i < n; i++) {
		const dkimarc_keyrec *r = &ans->recs[i];
		bool in = (r->first_seen < 0 || r->first_seen <= when) &&
		          (r->last_seen < 0 || when <= r->last_seen);
		int64_t d = in                                             ? 0
		            : (r->first_seen >= 0 && when < r->first_seen) ? r->first_seen - when
		                                                           : when - r->last_seen;
		/* Among containing windows, the latest first_seen is the tightest. */
		if (d < bestd || (d == bestd && d == 0 && best >= 0 &&
		                  r->first_seen > ans->recs[best].first_seen)) {
			best = (int)i;
			bestd = d;
		}
	}
	const dkimarc_keyrec *r = &ans->recs[best];
	if (bestd == 0) {
		snprintf(buf, sizeof buf, "%zu records; %s seen %s..%s contains the %s %s", n,
		         r->origin ? r->origin : "?", fmt_time(r->first_seen, t1, sizeof t1),
		         fmt_time(r->last_seen, t2, sizeof t2), when_what,
		         fmt_time(when, t3, sizeof t3));
	} else {
		*flags |= DKIMARC_FLAG_KEY_OUTSIDE_WINDOW;
		snprintf(buf, sizeof buf,
		         "%zu records; none seen at the %s %s; nearest, %s seen %s..%s, used", n,
		         when_what, fmt_time(when, t3, sizeof t3), r->origin ? r->origin : "?",
		         fmt_time(r->first_seen, t1, sizeof t1),
		         fmt_time(r->last_seen, t2, sizeof t2));
	}
	*choice = da_strdup(buf);
	return best;
}

static char *key_source_text(const dkimarc_keysrc *src, const dkimarc_keyrec *r)
{
	char buf[600];
	const char *kind = src && src->ops && src->ops->kind ? src->ops->kind : "keys";
	int n = snprintf(buf, sizeof buf, "%s %s", kind, r->origin ? r->origin : "?");
	if (r->source && n > 0 && (size_t)n < sizeof buf)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " (from %s)", r->source);
	if (r->dnssec >= 0 && n > 0 && (size_t)n < sizeof buf)
		snprintf(buf + n, sizeof buf - (size_t)n, ", dnssec: %s",
		         r->dnssec ? "validated-by-resolver" : "unvalidated");
	return da_strdup(buf);
}

static uint32_t coverage_flags(const dkimarc_verifier *v, const da_sigparams *sp)
{
	static const struct {
		const char *name;
		uint32_t unsigned_flag, not_over;
	} names[] = {
	    {"From", DKIMARC_FLAG_FROM_UNSIGNED, DKIMARC_FLAG_FROM_NOT_OVERSIGNED},
	    {"Subject", DKIMARC_FLAG_SUBJECT_UNSIGNED, DKIMARC_FLAG_SUBJECT_NOT_OVERSIGNED},
	    {"Date", DKIMARC_FLAG_DATE_UNSIGNED, DKIMARC_FLAG_DATE_NOT_OVERSIGNED},
	    {"To", DKIMARC_FLAG_TO_UNSIGNED, DKIMARC_FLAG_TO_NOT_OVERSIGNED},
	    {"Cc", DKIMARC_FLAG_CC_UNSIGNED, DKIMARC_FLAG_CC_NOT_OVERSIGNED},
	};
	uint32_t flags = 0;
	for (size_t k = 0; k < sizeof names / sizeof names[0]; k++) {
		size_t hc = 0, mc = 0;
		for (size_t i = 0; i < sp->nheaders; i++)
			hc += sp->headers[i] && strcasecmp(sp->headers[i], names[k].name) == 0;
		for (size_t i = 0; i < v->hdr.n; i++)
			mc += da_field_is(&v->hdr.f[i], names[k].name);
		if (hc == 0)
			flags |= names[k].unsigned_flag;
		else if (hc <= mc)
			flags |= names[k].not_over; /* another instance could be added */
	}
	return flags;
}

static void set_result(dkimarc_sig *o, dkimarc_result res, dkimarc_reason reason, const char *text)
{
	o->result = res;
	o->reason = reason;
	free(o->reason_text);
	o->reason_text = da_strdup(text);
}

static bool aligned(const dkimarc_ctx *ctx, const char *d, char *const *from, size_t nfrom)
{
	if (!d || nfrom == 0)
		return false;
	const char *rd = ctx->psl ? psl_registrable_domain(ctx->psl, d) : NULL;
	for (size_t i = 0; i < nfrom; i++) {
		if (strcmp(d, from[i]) == 0)
			continue;
		const char *rf = ctx->psl ? psl_registrable_domain(ctx->psl, from[i]) : NULL;
		if (!rd || !rf || strcmp(rd, rf) != 0)
			return false;
	}
	return true;
}

static void evaluate(dkimarc_verifier *v, vsig *s, dkimarc_sig *o, int64_t at)
{
	const dkimarc_ctx *ctx = v->ctx;
	const da_sigparams *sp = &s->sp;
	char err[1200];

	o->domain = da_strdup(sp->domain);
	o->selector = da_strdup(sp->selector);
	o->algorithm = da_strdup(sp->alg);
	o->auid = da_strdup(sp->auid);
	o->canon = da_strdup(sp->canon);
	o->l = sp->l;
	o->t = sp->t;
	o->x = sp->x;
	o->body_hash_ok = -1;
	if (sp->nheaders) {
		o->headers = calloc(sp->nheaders, sizeof *o->headers);
		if (o->headers) {
			for (size_t i = 0; i < sp->nheaders; i++)
				o->headers[i] = da_strdup(sp->headers[i]);
			o->nheaders = sp->nheaders;
		}
	}
	o->aligned = aligned(ctx, sp->domain, v->from_dom, v->nfrom_dom);
	if (s->reason != DKIMARC_REASON_OK) {
		set_result(o, s->result, s->reason, s->err);
		return;
	}
	o->flags |= coverage_flags(v, sp);
	if (sp->hash == DA_HASH_SHA1)
		o->flags |= DKIMARC_FLAG_RSA_SHA1;
	if (sp->x >= 0 && sp->x < at)
		o->flags |= DKIMARC_FLAG_EXPIRED;
	if (sp->t > at + 300)
		o->flags |= DKIMARC_FLAG_TIMESTAMP_FUTURE;
	if (sp->t >= 0 && v->date >= 0 && (sp->t - v->date > 86400 || v->date - sp->t > 86400))
		o->flags |= DKIMARC_FLAG_TIMESTAMP_FAR_FROM_DATE;

	const da_bodyhash *bh = &v->bhs[s->bh];
	o->body_bytes = bh->total;
	if (sp->l >= 0 && (uint64_t)sp->l < bh->total)
		o->flags |= DKIMARC_FLAG_BODY_BEYOND_LENGTH;
	bool body_ok = bh->digest_len == sp->bh_len && memcmp(bh->digest, sp->bh, sp->bh_len) == 0;
	if (sp->l >= 0 && (uint64_t)sp->l > bh->total) {
		snprintf(err, sizeof err, "l=%lld is longer than the %llu-byte canonical body",
		         (long long)sp->l, (unsigned long long)bh->total);
		set_result(o, DKIMARC_RES_PERMERROR, DKIMARC_REASON_SIG_BODY_LENGTH_EXCEEDS, err);
		return;
	}
	o->body_hash_ok = body_ok;

	/* The key (§6.1.2). */
	char name[600];
	snprintf(name, sizeof name, "%s._domainkey.%s", sp->selector, sp->domain);
	if (!ctx->keysrc) {
		snprintf(err, sizeof err, "no key source is configured to look up %s", name);
		set_result(o, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_NOT_FOUND, err);
		return;
	}
	dkimarc_answer *ans = NULL;
	if (dkimarc_keysrc_lookup(ctx->keysrc, name, &ans) != DKIMARC_OK || !ans) {
		snprintf(err, sizeof err, "key lookup for %s failed: %s", name,
		         dkimarc_last_error());
		set_result(o, DKIMARC_RES_TEMPERROR, DKIMARC_REASON_DNS_TEMPFAIL, err);
		dkimarc_answer_free(ans);
		return;
	}
	if (ans->status != DKIMARC_LOOKUP_FOUND || ans->n == 0) {
		bool temp = ans->status == DKIMARC_LOOKUP_TEMPFAIL;
		snprintf(err, sizeof err, "%s: %s",
		         temp ? "key lookup failed temporarily" : "no key",
		         ans->why ? ans->why : name);
		set_result(o, temp ? DKIMARC_RES_TEMPERROR : DKIMARC_RES_PERMERROR,
		           temp ? DKIMARC_REASON_DNS_TEMPFAIL : DKIMARC_REASON_KEY_NOT_FOUND, err);
		dkimarc_answer_free(ans);
		return;
	}
	dkimarc_reason why = DKIMARC_REASON_OK;
	int64_t when = sp->t >= 0 ? sp->t : v->date;
	int idx = choose_record(ans, when, sp->t >= 0 ? "signature time t=" : "Date",
	                        &o->key_choice, &o->flags, &why, err, sizeof err);
	if (idx < 0) {
		set_result(o, DKIMARC_RES_PERMERROR, why, err);
		dkimarc_answer_free(ans);
		return;
	}
	const dkimarc_keyrec *rec = &ans->recs[idx];
	o->has_key = da_keyrec_copy(&o->key, rec) == 0;
	o->key_source = key_source_text(ctx->keysrc, rec);
	da_keyrec k;
	why = da_keyrec_parse(rec->txt, rec->txt_len, &k, err, sizeof err);
	dkimarc_answer_free(ans);
	if (why != DKIMARC_REASON_OK) {
		set_result(o, DKIMARC_RES_PERMERROR, why, err);
		return;
	}
	if (k.testing)
		o->flags |= DKIMARC_FLAG_KEY_TESTING;
	if (k.revoked) {
		set_result(o, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_REVOKED,
		           "the key record has an empty p=: the key was revoked");
	} else if (k.key_type != sp->key_type) {
		set_result(o, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_TYPE_MISMATCH,
		           k.key_type == DA_KEY_ED25519 ? "key is Ed25519 but a= names RSA"
		                                        : "key is RSA but a= names Ed25519");
	} else if (!(k.hashes & (unsigned)sp->hash)) {
		set_result(o, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_HASH_NOT_ALLOWED,
		           sp->hash == DA_HASH_SHA1 ? "the key's h= does not allow sha1"
		                                    : "the key's h= does not allow sha256");
	} else if (!k.service_email) {
		set_result(o, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_SERVICE_MISMATCH,
		           "the key's s= does not include email");
	} else if (k.strict && strcmp(sp->auid_domain, sp->domain) != 0) {
		snprintf(err, sizeof err, "the key has t=s but i= is in subdomain %s of d=%s",
		         sp->auid_domain, sp->domain);
		set_result(o, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_STRICT_SUBDOMAIN, err);
	} else {
		unsigned bits = 0;
		EVP_PKEY *pk = da_pkey_decode(&k, &bits, &why, err, sizeof err);
		o->key_bits = bits;
		if (!pk) {
			set_result(o, DKIMARC_RES_PERMERROR, why, err);
		} else {
			int ok = da_verify_digest(pk, sp->key_type, sp->hash, s->hdigest,
			                          s->hdigest_len, sp->b, sp->b_len);
			EVP_PKEY_free(pk);
			if (!body_ok) {
				snprintf(
				    err, sizeof err,
				    "the body was changed after signing: its hash does not match "
				    "bh= (%llu canonical bytes%s)",
				    (unsigned long long)bh->total, sp->l >= 0 ? ", l= set" : "");
				set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_BODY_HASH_MISMATCH,
				           err);
			} else if (ok != 1) {
				set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_SIGNATURE_MISMATCH,
				           "the body is intact, but the signature does not verify: "
				           "signed header fields changed, or another key signed");
			} else if (sp->key_type == DA_KEY_RSA && bits < DA_RSA_MIN_BITS) {
				snprintf(
				    err, sizeof err,
				    "the signature verifies, but only with a %u-bit RSA key; "
				    "RFC 8301 requires at least 1024 bits and such keys can be "
				    "factored",
				    bits);
				set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_KEY_TOO_WEAK, err);
			} else if (sp->hash == DA_HASH_SHA1 && ctx->strict) {
				set_result(o, DKIMARC_RES_POLICY, DKIMARC_REASON_POLICY_RSA_SHA1,
				           "the signature verifies, but rsa-sha1 is not acceptable "
				           "(RFC 8301) under --strict");
			} else if ((o->flags & DKIMARC_FLAG_EXPIRED) && ctx->strict) {
				snprintf(
				    err, sizeof err,
				    "the signature verifies, but it expired (x=%lld) before the "
				    "verification time",
				    (long long)sp->x);
				set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_SIG_EXPIRED, err);
			} else {
				set_result(o, DKIMARC_RES_PASS, DKIMARC_REASON_OK,
				           "signature verified");
			}
		}
	}
	da_keyrec_clear(&k);
}

int dkimarc_verifier_finish(dkimarc_verifier *v, dkimarc_report **out)
{
	if (!v || !out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_verifier_finish: NULL argument");
	*out = NULL;
	if (v->error)
		return da_fail(v->error, "verifier failed earlier");
	int rc;
	if (v->phase == P_HEADER) {
		if (!v->src) {
			v->src = "";
			v->srclen = 0;
		}
		if ((rc = header_phase(v, true)) != DKIMARC_OK)
			return v->error = da_fail(rc, "%s", dkimarc_strerror(rc));
	}
	for (size_t i = 0; i < v->nbhs; i++)
		if (da_bodyhash_final(&v->bhs[i]) != 0)
			return v->error = da_fail(DKIMARC_ECRYPTO, "hashing failed");
	v->phase = P_DONE;

	dkimarc_report *r = calloc(1, sizeof *r);
	if (!r)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	r->at = v->ctx->at >= 0 ? v->ctx->at : (int64_t)time(NULL);
	if (v->nsigs) {
		r->sigs = calloc(v->nsigs, sizeof *r->sigs);
		if (!r->sigs) {
			free(r);
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		}
		r->nsigs = v->nsigs;
	}
	for (size_t i = 0; i < v->nsigs; i++)
		evaluate(v, &v->sigs[i], &r->sigs[i], r->at);
	if (v->nfrom_dom)
		r->from_domain = da_strdup(v->from_dom[0]);
	da_msgfacts mf = {
	    .lf = v->lf_mode == 1,
	    .nfrom = v->nfrom,
	    .limit_hit = v->limit_hit,
	    .limit_why = v->limit_why,
	};
	da_verdict_decide(r, &mf);
	*out = r;
	return DKIMARC_OK;
}

int dkimarc_verifier_header_done(const dkimarc_verifier *v)
{
	return v && v->phase != P_HEADER && !v->limit_hit;
}

size_t dkimarc_verifier_key_count(const dkimarc_verifier *v)
{
	return v ? v->nkeynames : 0;
}

const char *dkimarc_verifier_key_name(const dkimarc_verifier *v, size_t i)
{
	return v && i < v->nkeynames ? v->keynames[i] : NULL;
}

void dkimarc_verifier_free(dkimarc_verifier *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nkeynames; i++)
		free(v->keynames[i]);
	free(v->keynames);
	for (size_t i = 0; i < v->nsigs; i++)
		da_sigparams_clear(&v->sigs[i].sp);
	free(v->sigs);
	for (size_t i = 0; i < v->nbhs; i++)
		da_bodyhash_clear(&v->bhs[i]);
	free(v->bhs);
	for (size_t i = 0; i < v->nfrom_dom; i++)
		free(v->from_dom[i]);
	da_header_free(&v->hdr);
	free(v->hbuf);
	free(v->hconv);
	free(v);
}

int dkimarc_verify(const dkimarc_ctx *ctx, const char *buf, size_t len, dkimarc_report **out)
{
	if (!ctx || !out || (!buf && len))
		return da_fail(DKIMARC_EINVAL, "dkimarc_verify: NULL argument");
	if (len > ctx->limits[DKIMARC_LIMIT_MESSAGE_BYTES])
		return da_fail(
		    DKIMARC_ELIMIT,
		    "message of %zu bytes exceeds the %llu-byte limit of the one-shot API; "
		    "use the streaming verifier",
		    len, (unsigned long long)ctx->limits[DKIMARC_LIMIT_MESSAGE_BYTES]);
	dkimarc_verifier *v;
	int rc = dkimarc_verifier_new(ctx, &v);
	if (rc)
		return rc;
	v->borrow = true;
	rc = dkimarc_verifier_write(v, buf ? buf : "", len);
	if (!rc)
		rc = dkimarc_verifier_finish(v, out);
	dkimarc_verifier_free(v);
	return rc;
}
