/*
 * DKIM verification (RFC 6376 §6): the streaming verifier. Header bytes are
 * gathered until the blank line, then every DKIM-Signature is parsed and its
 * header hash computed; the body streams through one hasher per distinct
 * (body canonicalization, hash, l=); keys are looked up and signatures
 * checked at the end.
 */
#include "addr.h"
#include "arc.h"
#include "crypto.h"
#include "ctx.h"
#include "forensic.h"
#include "msg.h"
#include "sig.h"
#include "sigcheck.h"
#include "sighash.h"
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

enum { P_HEADER, P_BODY, P_DONE };

/* Header bytes are gathered from one write at most this many at a time. */
#define HEADER_SLICE 65536

typedef struct {
	size_t field; /* index in the header */
	da_sigparams sp;
	dkimarc_reason reason; /* from parsing; OK when usable */
	dkimarc_result result; /* result set before evaluation (parse errors) */
	char err[256];
	int bh;    /* index of its body hash, -1 */
	bool *cov; /* the header fields its h= selected (hdr.n entries), or NULL */
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
	bool saw_crlf, saw_bare_lf; /* line ends met, header and body */
	bool finished;              /* finish was called: no more writes */
	const char *hblock;         /* the header block as verified (CRLF), for the view checks */
	size_t hblock_len;
	size_t scan;  /* header-end search resumes here */
	char *hconv;  /* header converted to CRLF (LF mode) */
	bool prev_cr; /* LF mode: last body byte was CR */
	da_header hdr;
	vsig *sigs;
	size_t nsigs;
	size_t nsig_fields;
	da_bhreg bhs; /* body hashes shared by DKIM signatures and ARC-Message-Signatures */
	da_arc *arc;  /* ARC sets, NULL when none */
	bool limit_hit;
	const char *limit_why;
	uint64_t bytes;
	size_t nfrom;
	da_addrlist from; /* the topmost From, as readers read it */
	int64_t date;
	int error;       /* sticky failure of a call (ENOMEM) */
	char **keynames; /* distinct key names the signatures need */
	size_t nkeynames;
	da_keep keep; /* body copy for diagnosis (ctx->diagnose_max) */
};

/* ---- header ------------------------------------------------------------- */

static bool name_eq(const da_field *f, const char *name)
{
	return da_field_is(f, name);
}

static int add_key_name(dkimarc_verifier *v, const da_sigparams *sp)
{
	size_t n = strlen(sp->selector) + strlen(sp->domain) + sizeof "._domainkey.";
	char *name = malloc(n);
	if (!name)
		return DKIMARC_ENOMEM;
	snprintf(name, n, "%s._domainkey.%s", sp->selector, sp->domain);
	for (size_t k = 0; k < v->nkeynames; k++) {
		if (strcmp(v->keynames[k], name) == 0) {
			free(name);
			return DKIMARC_OK;
		}
	}
	v->keynames[v->nkeynames++] = name;
	return DKIMARC_OK;
}

static int collect_key_names(dkimarc_verifier *v)
{
	/* Which ARC signatures are verified (structure, limit) decides which keys are needed. */
	int rc = da_arc_plan(v->arc, v->ctx);
	if (rc)
		return rc;
	size_t cap = v->nsigs + da_arc_sig_count(v->arc);
	v->keynames = calloc(cap ? cap : 1, sizeof *v->keynames);
	if (!v->keynames)
		return DKIMARC_ENOMEM;
	for (size_t i = 0; i < v->nsigs && !rc; i++)
		if (v->sigs[i].reason == DKIMARC_REASON_OK)
			rc = add_key_name(v, &v->sigs[i].sp);
	/* Then the ARC seals' and message signatures' keys. */
	for (size_t i = 0; i < da_arc_sig_count(v->arc) && !rc; i++)
		rc = add_key_name(v, da_arc_sig(v->arc, i));
	return rc;
}

static int dkim_fields(dkimarc_verifier *v, size_t nsig);

static int process_header(dkimarc_verifier *v, const char *h, size_t len)
{
	const dkimarc_ctx *ctx = v->ctx;
	/*
	 * One rule for header and body, whatever the first line: every LF ends a
	 * line, and a bare LF is read as CRLF (mail stored on Unix; readers split
	 * there too). A bare CR is data; view.c judges what readers make of it.
	 */
	size_t extra = 0, lfs = 0;
	for (const char *p = h; (p = memchr(p, '\n', (size_t)(h + len - p))) != NULL; p++) {
		lfs++;
		extra += p == h || p[-1] != '\r';
	}
	v->saw_bare_lf |= extra > 0;
	v->saw_crlf |= lfs > extra;
	if (extra) {
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
	v->hblock = h;
	v->hblock_len = len;
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
				if (da_addrlist_parse(f->raw + f->value_off, f->len - f->value_off,
				                      &v->from))
					return DKIMARC_ENOMEM;
		} else if (name_eq(f, "Date") && v->date < 0) {
			v->date =
			    da_parse_rfc5322_date(f->raw + f->value_off, f->len - f->value_off);
		}
	}
	if (nsig)
		rc = dkim_fields(v, nsig);
	if (!rc)
		rc = da_arc_begin(&v->hdr, &v->bhs, &v->arc);
	if (!rc)
		rc = collect_key_names(v);
	return rc;
}

/* Parses every DKIM-Signature and computes the header digests of the usable ones. */
static int dkim_fields(dkimarc_verifier *v, size_t nsig)
{
	int rc = DKIMARC_OK;
	v->sigs = calloc(nsig, sizeof *v->sigs);
	uint64_t maxsig = v->ctx->limits[DKIMARC_LIMIT_SIGNATURES];
	bool *used = calloc(v->hdr.n, sizeof *used);
	uint64_t nevaluated = 0;
	if (!v->sigs || !used) {
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
		if ((rc = da_reason_status(s->reason)) != DKIMARC_OK)
			break;
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
		rc = da_sig_header_digest(&v->hdr, i, &s->sp, used, s->hdigest, &s->hdigest_len);
		if (rc != DKIMARC_OK)
			break;
		/* What it covers, for the reader's-view checks (view.c); never itself. */
		if (!(s->cov = malloc(v->hdr.n * sizeof *s->cov))) {
			rc = DKIMARC_ENOMEM;
			break;
		}
		memcpy(s->cov, used, v->hdr.n * sizeof *s->cov);
		s->cov[i] = false;
		if ((s->bh = da_bhreg_index(&v->bhs, &s->sp)) < 0) {
			rc = DKIMARC_ECRYPTO;
			break;
		}
	}
	free(used);
	return rc;
}

/* ---- body --------------------------------------------------------------- */

static void body_feed(dkimarc_verifier *v, const char *p, size_t n)
{
	da_bhreg_update(&v->bhs, p, n);
	if (v->ctx->diagnose_max)
		da_keep_add(&v->keep, p, n, v->ctx->diagnose_max);
}

static void body_write(dkimarc_verifier *v, const char *p, size_t n)
{
	if (!n)
		return;
	/*
	 * Every bare LF is read as CRLF (process_header): runs without one go
	 * to the hashes as they are, a CR is inserted before each bare LF.
	 */
	const char *end = p + n, *run = p;
	for (const char *q = p; (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) {
		bool had_cr = q > p ? q[-1] == '\r' : v->prev_cr;
		if (had_cr) {
			v->saw_crlf = true;
			continue;
		}
		v->saw_bare_lf = true;
		if (v->bhs.n) {
			if (q > run)
				body_feed(v, run, (size_t)(q - run));
			body_feed(v, "\r", 1);
		}
		run = q;
	}
	if (v->bhs.n && end > run)
		body_feed(v, run, (size_t)(end - run));
	v->prev_cr = end[-1] == '\r';
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
		size_t env = da_envelope_line(src, len, final);
		if (env == DA_NEED_MORE)
			return 0;
		v->hstart = env;
		v->start_checked = true;
		v->scan = v->hstart;
	}
	size_t body = da_blank_line(src, v->hstart, v->scan, len, hend);
	if (!body)
		v->scan = len > v->hstart + 2 ? len - 2 : v->hstart;
	return body;
}

int dkimarc_verifier_new(const dkimarc_ctx *ctx, dkimarc_verifier **out)
{
	if (out)
		*out = NULL; /* freeing it is safe whatever happens */
	if (!ctx || !out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_verifier_new: NULL argument");
	dkimarc_verifier *v = calloc(1, sizeof *v);
	if (!v)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	v->ctx = ctx;
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
	/*
	 * The limit counts from the first byte (an mbox From line included), and
	 * is hit before the blank line only once it is certain: the blank line's
	 * first LF may be the last byte seen. So chunking never changes the outcome.
	 */
	if (!body) {
		if (v->srclen > 0 && v->srclen - 1 > maxh) {
			v->limit_hit = true;
			v->limit_why = "header bytes";
			v->phase = P_DONE;
			return DKIMARC_OK;
		}
		if (!final)
			return DKIMARC_OK;
		/* No blank line: it is all header, and the body is empty. */
		hend = v->srclen;
		body = v->srclen;
	}
	if (hend > maxh) {
		v->limit_hit = true;
		v->limit_why = "header bytes";
		v->phase = P_DONE;
		return DKIMARC_OK;
	}
	/* The blank line's own end: a bare LF, or CRLF. */
	if (body > hend) {
		if (body - hend == 1)
			v->saw_bare_lf = true;
		else
			v->saw_crlf = true;
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
	if (v->finished)
		return da_fail(DKIMARC_ESTATE, "dkimarc_verifier_write: the verifier has finished");
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
		int rc = header_phase(v, false);
		if (rc)
			return v->error = da_fail(rc, "%s", dkimarc_strerror(rc));
		/* A borrowed buffer that did not hold a whole header must be copied. */
		if (v->phase == P_HEADER) {
			if (append(v, buf, len))
				return v->error = da_fail(DKIMARC_ENOMEM, "out of memory");
			v->src = v->hbuf;
		}
		return DKIMARC_OK;
	}
	/*
	 * Copied in slices: of one large write holding the header and a big
	 * body, little more than the header is copied; once the header ends,
	 * the rest goes to the body hashes straight from the caller's buffer.
	 */
	while (len > 0 && v->phase == P_HEADER) {
		size_t n = len < HEADER_SLICE ? len : HEADER_SLICE;

		if (append(v, buf, n))
			return v->error = da_fail(DKIMARC_ENOMEM, "out of memory");
		v->src = v->hbuf;
		v->srclen = v->hlen;
		int rc = header_phase(v, false);
		if (rc)
			return v->error = da_fail(rc, "%s", dkimarc_strerror(rc));
		buf += n;
		len -= n;
	}
	if (len > 0 && v->phase == P_BODY)
		body_write(v, buf, len);
	return DKIMARC_OK;
}

/* ---- evaluation ----------------------------------------------------------- */

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

/*
 * Every From mailbox is in d= or shares its organizational domain. A From
 * that does not read one way, or has no mailbox, aligns with nothing.
 */
static bool aligned(const dkimarc_ctx *ctx, const char *d, const da_addrlist *from)
{
	if (!d || from->n == 0 || from->ambiguous)
		return false;
	const char *rd = NULL; /* d='s organizational domain, only when a From domain differs */
	for (size_t i = 0; i < from->n; i++) {
		const char *fd = from->m[i].domain;
		if (!fd)
			return false;
		if (strcmp(d, fd) == 0)
			continue;
		if (!rd && !(rd = ctx->psl ? psl_registrable_domain(ctx->psl, d) : NULL))
			return false;
		const char *rf = ctx->psl ? psl_registrable_domain(ctx->psl, fd) : NULL;
		if (!rf || strcmp(rd, rf) != 0)
			return false;
	}
	return true;
}

/* Judges one DKIM signature into o; DKIMARC_OK, or the error that stops the verification. */
static int evaluate(dkimarc_verifier *v, vsig *s, dkimarc_sig *o, int64_t at)
{
	const da_sigparams *sp = &s->sp;

	int rc = da_sig_facts(o, sp);
	if (rc)
		return rc;
	o->aligned = aligned(v->ctx, sp->domain, &v->from);
	if (s->reason != DKIMARC_REASON_OK)
		return da_sig_set_result(o, s->result, s->reason, s->err);
	o->flags |= coverage_flags(v, sp);
	rc = da_sig_judge(v->ctx, sp, s->hdigest, s->hdigest_len, v->bhs.h[s->bh], v->date, at, o);
	if (rc)
		return rc;
	da_sigfacts sf = {.ctx = v->ctx,
	                  .hdr = &v->hdr,
	                  .self = s->field,
	                  .sp = sp,
	                  .hdigest = s->hdigest,
	                  .hdigest_len = s->hdigest_len,
	                  .bh = v->bhs.h[s->bh],
	                  .body = v->ctx->diagnose_max ? &v->keep : NULL};
	return da_forensic_attach(&sf, o);
}

/*
 * The report of a message whose hashes are final: every signature judged,
 * the verdict, the ARC chain. DKIMARC_OK, or the error that stops the
 * verification (no report then).
 */
static int build_report(dkimarc_verifier *v, dkimarc_report **out)
{
	int rc;
	dkimarc_report *r = calloc(1, sizeof *r);
	if (!r)
		return DKIMARC_ENOMEM;
	r->at = v->ctx->at >= 0 ? v->ctx->at : (int64_t)time(NULL);
	r->date = v->date;
	if (v->nsigs) {
		r->sigs = calloc(v->nsigs, sizeof *r->sigs);
		if (!r->sigs) {
			free(r);
			return DKIMARC_ENOMEM;
		}
		r->nsigs = v->nsigs;
	}
	for (size_t i = 0; i < v->nsigs; i++) {
		if ((rc = evaluate(v, &v->sigs[i], &r->sigs[i], r->at)) != DKIMARC_OK) {
			dkimarc_report_free(r);
			return rc;
		}
	}
	if (v->from.n && !v->from.ambiguous && v->from.m[0].domain &&
	    !(r->from_domain = da_strdup(v->from.m[0].domain))) {
		dkimarc_report_free(r);
		return DKIMARC_ENOMEM;
	}
	const bool **cov = NULL;
	if (v->nsigs && !(cov = calloc(v->nsigs, sizeof *cov))) {
		dkimarc_report_free(r);
		return DKIMARC_ENOMEM;
	}
	for (size_t i = 0; i < v->nsigs; i++)
		cov[i] = v->sigs[i].cov;
	da_msgfacts mf = {
	    /* Past a header limit, line ends may not have been looked at: no flag. */
	    .lf = v->saw_bare_lf && !v->saw_crlf && !v->limit_hit,
	    .mixed = v->saw_bare_lf && v->saw_crlf && !v->limit_hit,
	    .nfrom = v->nfrom,
	    .from_ambiguous = v->nfrom && v->from.ambiguous,
	    .from = &v->from,
	    .from_why = v->from.ambiguous ? v->from.why : NULL,
	    .limit_hit = v->limit_hit,
	    .limit_why = v->limit_why,
	    .hdr = &v->hdr,
	    .hblock = v->hblock,
	    .hblock_len = v->hblock_len,
	    .cov = cov,
	};
	rc = da_verdict_decide(r, &mf);
	free(cov);
	if (rc) {
		dkimarc_report_free(r);
		return rc;
	}
	/* ARC is reported beside the DKIM verdict, never part of it. */
	if (v->limit_hit)
		rc = da_arc_not_evaluated(&r->arc, v->limit_why);
	else
		rc = da_arc_finish(v->arc, v->ctx, &v->bhs, v->date, r->at, &r->arc);
	if (rc) {
		dkimarc_report_free(r);
		return rc;
	}
	*out = r;
	return DKIMARC_OK;
}

int dkimarc_verifier_finish(dkimarc_verifier *v, dkimarc_report **out)
{
	if (!v || !out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_verifier_finish: NULL argument");
	*out = NULL;
	if (v->error)
		return da_fail(v->error, "verifier failed earlier");
	if (v->finished)
		return da_fail(DKIMARC_ESTATE, "dkimarc_verifier_finish: called a second time");
	v->finished = true;
	int rc;
	if (v->phase == P_HEADER) {
		if (!v->src) {
			v->src = "";
			v->srclen = 0;
		}
		if ((rc = header_phase(v, true)) != DKIMARC_OK)
			return v->error = da_fail(rc, "%s", dkimarc_strerror(rc));
	}
	if (da_bhreg_final(&v->bhs) != 0) {
		rc = da_crypto_status();
		return v->error = da_fail(rc, "hashing the body failed: %s", dkimarc_strerror(rc));
	}
	/* The body kept for the diagnosis was lost: the report would lack it. */
	if (v->keep.nomem)
		return v->error = da_fail(DKIMARC_ENOMEM, "out of memory keeping the body");
	v->phase = P_DONE;

	if ((rc = build_report(v, out)) != DKIMARC_OK)
		return v->error = da_fail(rc, "%s", dkimarc_strerror(rc));
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
	for (size_t i = 0; i < v->nsigs; i++) {
		da_sigparams_clear(&v->sigs[i].sp);
		free(v->sigs[i].cov);
	}
	free(v->sigs);
	da_bhreg_free(&v->bhs);
	da_arc_free(v->arc);
	da_addrlist_free(&v->from);
	da_header_free(&v->hdr);
	free(v->hbuf);
	free(v->hconv);
	da_keep_free(&v->keep);
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
