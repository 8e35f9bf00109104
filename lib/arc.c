/*
 * ARC chain validation (RFC 8617 §5.2). At the end of the header every ARC
 * field is sorted into its instance and parsed, and the chain's structure is
 * judged (the RFC's steps before any signature). A chain that already fails
 * there costs nothing more: no AMS or AS is hashed, no key fetched. Otherwise
 * each AMS is hashed like a DKIM-Signature, each AS over the ARC sets below
 * it (§5.1.1); da_arc_plan applies the context's limit on ARC sets and
 * registers the AMS body hashes. At finish every AMS and AS of a chain within
 * the limit is judged by the DKIM core, and the chain rules are applied in
 * the RFC's order.
 */
#include "arc.h"

#include "aar.h"
#include "sigcheck.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { K_AAR = 0, K_AMS, K_AS, K_COUNT };

static const char *const kind_name[K_COUNT] = {"ARC-Authentication-Results",
                                               "ARC-Message-Signature", "ARC-Seal"};

/* i= values are read up to here; anything larger is simply "too large". */

typedef struct {
	size_t n[K_COUNT]; /* fields of each kind with this i= */
	size_t f[K_COUNT]; /* header index of the first of them */
	da_sigparams ams, as;
	dkimarc_reason ams_reason, as_reason; /* from parsing */
	bool ams_parsed, as_parsed;
	char ams_err[256], as_err[256];
	unsigned char ams_dig[EVP_MAX_MD_SIZE], as_dig[EVP_MAX_MD_SIZE];
	unsigned int ams_dlen, as_dlen;
	int ams_bh;     /* index in the body hash registry */
	bool as_hashed; /* the sets below were whole, so the seal's input is defined */
	da_aar aar;
	bool aar_parsed;
} arcset;

/* The first field whose i= is unusable, for the chain's reason. */
typedef struct {
	bool seen;
	int kind;
	int why; /* 0 absent or unreadable, 1 not digits, 2 zero, 3 above 50 */
	char val[24];
} badinst;

struct da_arc {
	arcset set[DA_ARC_MAX_INSTANCES + 1]; /* [1..50] */
	unsigned max;                         /* highest usable instance */
	badinst over, bad;
	bool broken;     /* the structure fails: no ARC signature is verified */
	bool planned;    /* da_arc_plan ran: body hashes registered, keyed set */
	bool over_limit; /* more sets than the context's limit: not evaluated */
	uint64_t limit;  /* that limit, for the report */
	da_bhreg *reg;   /* where da_arc_plan registers the AMS body hashes */
	const da_sigparams *keyed[2 * DA_ARC_MAX_INSTANCES];
	size_t nkeyed;
};

/* ---- reading the header ------------------------------------------------- */

static int field_kind(const da_field *f)
{
	for (int k = 0; k < K_COUNT; k++)
		if (da_field_is(f, kind_name[k]))
			return k;
	return -1;
}

static void note_bad(badinst *b, int kind, int why, const char *val)
{
	if (b->seen)
		return;
	b->seen = true;
	b->kind = kind;
	b->why = why;
	snprintf(b->val, sizeof b->val, "%s", val);
}

/* Sorts one ARC field into its instance, or notes why it has none. */
static void place(da_arc *a, const da_field *f, size_t idx, int kind)
{
	const char *v = f->raw + f->value_off;
	size_t n = f->len - f->value_off;
	int64_t inst = 0;
	int why = 0;
	char val[24] = "";
	int ok = da_arc_instance(v, n, kind == K_AAR, &inst, &why, val, sizeof val);
	if (ok)
		snprintf(val, sizeof val, "%lld%s", (long long)inst,
		         inst >= DA_ARC_INST_MAX ? "..." : "");
	if (!ok || inst == 0) {
		note_bad(&a->bad, kind, ok ? 2 : why, val);
		return;
	}
	if (inst > DA_ARC_MAX_INSTANCES) {
		note_bad(&a->over, kind, 3, val);
		return;
	}
	arcset *s = &a->set[inst];
	if (s->n[kind]++ == 0)
		s->f[kind] = idx;
	if ((unsigned)inst > a->max)
		a->max = (unsigned)inst;
}

static int parse_ams(arcset *s, const da_header *hdr)
{
	const da_field *f = &hdr->f[s->f[K_AMS]];
	s->ams_parsed = true;
	s->ams_reason = da_arc_sig_parse(DA_SIG_AMS, f->raw, f->len, f->value_off, &s->ams,
	                                 s->ams_err, sizeof s->ams_err);
	return da_reason_status(s->ams_reason);
}

static int parse_as(arcset *s, const da_header *hdr)
{
	const da_field *f = &hdr->f[s->f[K_AS]];
	s->as_parsed = true;
	s->as_reason = da_arc_sig_parse(DA_SIG_AS, f->raw, f->len, f->value_off, &s->as, s->as_err,
	                                sizeof s->as_err);
	return da_reason_status(s->as_reason);
}

static int read_aar(arcset *s, const da_header *hdr)
{
	const da_field *f = &hdr->f[s->f[K_AAR]];
	const char *v = f->raw + f->value_off;
	size_t n = f->len - f->value_off, payload;
	int64_t inst;
	if (!da_aar_instance(v, n, &inst, &payload))
		return DKIMARC_OK;
	int rc = da_aar_parse(v + payload, n - payload, &s->aar);
	s->aar_parsed = rc == DKIMARC_OK;
	return rc;
}

static bool structure_fails(const da_arc *a, da_arc_report *out);

/* The header digests of a whole chain: each AMS, and each AS over the sets up to its own. */
static int hash_chain(da_arc *a, const da_header *hdr)
{
	bool *used = calloc(hdr->n, sizeof *used);
	size_t *seq = calloc(3 * DA_ARC_MAX_INSTANCES, sizeof *seq);
	size_t nseq = 0;
	int rc = used && seq ? DKIMARC_OK : DKIMARC_ENOMEM;
	for (unsigned k = 1; k <= a->max && !rc; k++) {
		arcset *s = &a->set[k];
		if (s->ams_reason == DKIMARC_REASON_OK)
			rc = da_sig_header_digest(hdr, s->f[K_AMS], &s->ams, used, s->ams_dig,
			                          &s->ams_dlen);
		seq[nseq++] = s->f[K_AAR];
		seq[nseq++] = s->f[K_AMS];
		if (!rc && s->as_reason == DKIMARC_REASON_OK) {
			rc = da_seal_digest(hdr, seq, nseq, s->f[K_AS], &s->as, s->as_dig,
			                    &s->as_dlen);
			s->as_hashed = rc == DKIMARC_OK;
		}
		seq[nseq++] = s->f[K_AS];
	}
	free(used);
	free(seq);
	return rc;
}

int da_arc_begin(const da_header *hdr, da_bhreg *reg, da_arc **out)
{
	*out = NULL;
	bool any = false;
	for (size_t i = 0; i < hdr->n && !any; i++)
		any = field_kind(&hdr->f[i]) >= 0;
	if (!any)
		return DKIMARC_OK;
	da_arc *a = calloc(1, sizeof *a);
	if (!a)
		return DKIMARC_ENOMEM;
	a->reg = reg;
	int rc = DKIMARC_OK;
	for (size_t i = 0; i < hdr->n; i++) {
		int kind = field_kind(&hdr->f[i]);
		if (kind >= 0)
			place(a, &hdr->f[i], i, kind);
	}
	for (unsigned k = 1; k <= DA_ARC_MAX_INSTANCES && !rc; k++) {
		arcset *s = &a->set[k];
		if (s->n[K_AMS] == 1)
			rc = parse_ams(s, hdr);
		if (!rc && s->n[K_AAR] == 1)
			rc = read_aar(s, hdr);
		if (!rc && s->n[K_AS] == 1)
			rc = parse_as(s, hdr);
	}
	/* A chain that fails on its structure fails whatever its signatures say. */
	a->broken = structure_fails(a, NULL);
	if (!rc && !a->broken)
		rc = hash_chain(a, hdr);
	if (rc) {
		da_arc_free(a);
		return rc;
	}
	*out = a;
	return DKIMARC_OK;
}

int da_arc_plan(da_arc *a, const dkimarc_ctx *ctx)
{
	if (!a || a->planned)
		return DKIMARC_OK;
	a->planned = true;
	a->limit = ctx->limits[DKIMARC_LIMIT_ARC_SETS];
	a->over_limit = !a->broken && a->max > a->limit;
	if (a->broken || a->over_limit)
		return DKIMARC_OK;
	for (unsigned k = 1; k <= a->max; k++) {
		arcset *s = &a->set[k];
		if (s->ams_reason == DKIMARC_REASON_OK) {
			if ((s->ams_bh = da_bhreg_index(a->reg, &s->ams)) < 0)
				return DKIMARC_ENOMEM;
			a->keyed[a->nkeyed++] = &s->ams;
		}
		if (s->as_hashed)
			a->keyed[a->nkeyed++] = &s->as;
	}
	return DKIMARC_OK;
}

size_t da_arc_sig_count(const da_arc *a)
{
	return a ? a->nkeyed : 0;
}

const da_sigparams *da_arc_sig(const da_arc *a, size_t i)
{
	return a && i < a->nkeyed ? a->keyed[i] : NULL;
}

void da_arc_free(da_arc *a)
{
	if (!a)
		return;
	for (unsigned k = 1; k <= DA_ARC_MAX_INSTANCES; k++) {
		da_sigparams_clear(&a->set[k].ams);
		da_sigparams_clear(&a->set[k].as);
		da_aar_clear(&a->set[k].aar);
	}
	free(a);
}

/* ---- judging ---------------------------------------------------------------- */

static const char *cv_str(int cv)
{
	return cv == DA_CV_NONE   ? "none"
	       : cv == DA_CV_PASS ? "pass"
	       : cv == DA_CV_FAIL ? "fail"
	                          : NULL;
}

/*
 * Says in o why the chain's signatures are not verified: 1 when they are
 * not, 0 when they are, or DKIMARC_ENOMEM.
 */
static int not_verified(const da_arc *a, dkimarc_sig *o)
{
	char buf[200];
	int rc;
	if (a->broken) {
		rc =
		    da_sig_set_result(o, DKIMARC_RES_NONE, DKIMARC_REASON_OK,
		                      "not checked: the ARC chain fails on its structure, whatever "
		                      "its signatures say");
		return rc ? rc : 1;
	}
	if (a->over_limit || !a->planned) {
		snprintf(buf, sizeof buf,
		         "not evaluated: the ARC chain has %u sets, more than the limit of %llu",
		         a->max, (unsigned long long)a->limit);
		rc = da_sig_set_result(o, DKIMARC_RES_POLICY, DKIMARC_REASON_LIMIT_EXCEEDED, buf);
		return rc ? rc : 1;
	}
	return 0;
}

static int judge_ams(const da_arc *a, const arcset *s, const dkimarc_ctx *ctx, const da_bhreg *reg,
                     int64_t date, int64_t at, dkimarc_arc_instance *in)
{
	dkimarc_sig *o = &in->ams;
	in->has_ams = true;
	int rc = da_sig_facts(o, &s->ams);
	if (rc)
		return rc;
	if (s->ams_reason != DKIMARC_REASON_OK)
		return da_sig_set_result(o, DKIMARC_RES_PERMERROR, s->ams_reason, s->ams_err);
	if ((rc = not_verified(a, o)) != 0)
		return rc < 0 ? rc : DKIMARC_OK;
	return da_sig_judge(ctx, &s->ams, s->ams_dig, s->ams_dlen, reg->h[s->ams_bh], date, at, o);
}

static int judge_as(const da_arc *a, const arcset *s, const dkimarc_ctx *ctx, int64_t date,
                    int64_t at, dkimarc_arc_instance *in)
{
	dkimarc_sig *o = &in->seal;
	in->has_seal = true;
	if (s->as.cv && !(in->cv = da_strdup(cv_str(s->as.cv))))
		return DKIMARC_ENOMEM;
	int rc = da_sig_facts(o, &s->as);
	if (rc)
		return rc;
	if (s->as_reason != DKIMARC_REASON_OK)
		return da_sig_set_result(o, DKIMARC_RES_PERMERROR, s->as_reason, s->as_err);
	if ((rc = not_verified(a, o)) != 0)
		return rc < 0 ? rc : DKIMARC_OK;
	return da_sig_judge(ctx, &s->as, s->as_dig, s->as_dlen, NULL, date, at, o);
}

static int take_aar(const arcset *s, dkimarc_arc_instance *in)
{
	if (!s->aar_parsed)
		return DKIMARC_OK;
	if (s->aar.authserv_id && !(in->authserv_id = da_strdup(s->aar.authserv_id)))
		return DKIMARC_ENOMEM;
	if (s->aar.n) {
		in->aar_results = calloc(s->aar.n, sizeof *in->aar_results);
		if (!in->aar_results)
			return DKIMARC_ENOMEM;
		/* Counted as copied, so that clearing the report frees what was. */
		for (; in->naar_results < s->aar.n; in->naar_results++)
			if (!(in->aar_results[in->naar_results] =
			          da_strdup(s->aar.results[in->naar_results])))
				return DKIMARC_ENOMEM;
	}
	return DKIMARC_OK;
}

static void set_chain(da_arc_report *out, dkimarc_arc_result res, dkimarc_arc_reason reason,
                      unsigned inst, const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void set_chain(da_arc_report *out, dkimarc_arc_result res, dkimarc_arc_reason reason,
                      unsigned inst, const char *fmt, ...)
{
	char buf[1600];
	va_list ap;
	if (!out)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	out->result = res;
	out->reason = reason;
	out->failed_instance = res == DKIMARC_ARC_FAIL ? inst : 0;
	free(out->reason_text);
	out->reason_text = da_strdup(buf);
}

static const char *bad_text(const badinst *b, char *buf, size_t n)
{
	char w[96];
	if (b->kind == K_AAR && b->why != 2 && b->why != 3) {
		snprintf(buf, n,
		         "an ARC-Authentication-Results field does not begin with \"i=N;\"");
		return buf;
	}
	switch (b->why) {
	case 0:
		snprintf(w, sizeof w, "has no readable i= tag");
		break;
	case 1:
		snprintf(w, sizeof w, "has i=%s, not a number", b->val);
		break;
	case 2:
		snprintf(w, sizeof w, "has i=0; instances start at 1");
		break;
	default:
		snprintf(w, sizeof w, "has i=%s; RFC 8617 allows at most 50 ARC sets", b->val);
		break;
	}
	snprintf(buf, n, "an %s field %s", kind_name[b->kind], w);
	return buf;
}

static const dkimarc_arc_instance *find(const da_arc_report *out, unsigned k)
{
	for (size_t i = 0; i < out->ninst; i++)
		if (out->inst[i].instance == k)
			return &out->inst[i];
	return NULL;
}

/*
 * RFC 8617 §5.2's checks of the chain's structure, in order: instances
 * (at most 50, none unusable, none missing or doubled) and cv= values. True
 * when one fails, with the chain result set in out (which may be NULL).
 */
static bool structure_fails(const da_arc *a, da_arc_report *out)
{
	char buf[160];
	unsigned n = a->max;
	if (a->over.seen) {
		set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_TOO_MANY_INSTANCES, 0, "%s",
		          bad_text(&a->over, buf, sizeof buf));
		return true;
	}
	if (n && a->set[n].n[K_AS] == 1 && a->set[n].as.cv == DA_CV_FAIL) {
		set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_CV_FAIL, n,
		          "the latest ARC-Seal (i=%u) says cv=fail: a hop had already found the "
		          "chain broken",
		          n);
		return true;
	}
	if (a->bad.seen) {
		set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_INSTANCE_INVALID, 0, "%s",
		          bad_text(&a->bad, buf, sizeof buf));
		return true;
	}
	for (unsigned k = 1; k <= n; k++) {
		const arcset *s = &a->set[k];
		if (!s->n[K_AAR] && !s->n[K_AMS] && !s->n[K_AS]) {
			set_chain(
			    out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_MISSING, k,
			    "ARC set i=%u is missing: instances must run from 1 to %u without "
			    "gaps",
			    k, n);
			return true;
		}
		for (int kind = K_AS; kind >= K_AAR; kind--) {
			if (s->n[kind] > 1) {
				set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_DUPLICATE, k,
				          "%zu %s fields have i=%u", s->n[kind], kind_name[kind],
				          k);
				return true;
			}
			if (s->n[kind] == 0) {
				set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_MISSING, k,
				          "ARC set i=%u has no %s", k, kind_name[kind]);
				return true;
			}
		}
	}
	for (unsigned k = 1; k <= n; k++) {
		int cv = a->set[k].as.cv; /* 0 when unreadable: that seal fails below */
		if (cv == DA_CV_FAIL) {
			set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_CV_FAIL, k,
			          "ARC-Seal i=%u says cv=fail", k);
			return true;
		}
		if (k == 1 && cv == DA_CV_PASS) {
			set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_CV_INVALID, k,
			          "ARC-Seal i=1 says cv=pass; the first seal must say cv=none");
			return true;
		}
		if (k > 1 && cv == DA_CV_NONE) {
			set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_CV_INVALID, k,
			          "ARC-Seal i=%u says cv=none; every seal after the first must say "
			          "cv=pass",
			          k);
			return true;
		}
	}
	return false;
}

/* Applies RFC 8617 §5.2 steps 1-7 in order; the per-instance results are known. */
static void decide(const da_arc *a, da_arc_report *out)
{
	unsigned n = a->max;
	if (structure_fails(a, out))
		return;
	if (a->over_limit || !a->planned) {
		set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_LIMIT_EXCEEDED, 0,
		          "not evaluated: the chain has %u ARC sets, more than the limit of %llu "
		          "on ARC sets; no ARC key was fetched",
		          n, (unsigned long long)a->limit);
		return;
	}
	const dkimarc_arc_instance *top = find(out, n);
	if (!top || !top->has_ams || top->ams.result != DKIMARC_RES_PASS) {
		set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_AMS_FAIL, n,
		          "the latest ARC-Message-Signature (i=%u) does not validate: %s", n,
		          top && top->ams.reason_text ? top->ams.reason_text : "?");
		return;
	}
	for (unsigned k = n; k >= 1; k--) {
		const dkimarc_arc_instance *in = find(out, k);
		if (!in || !in->has_seal || in->seal.result != DKIMARC_RES_PASS) {
			set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_SEAL_FAIL, k,
			          "ARC-Seal i=%u does not validate: %s", k,
			          in && in->seal.reason_text ? in->seal.reason_text : "?");
			return;
		}
	}
	unsigned oldest = n;
	while (oldest > 1) {
		const dkimarc_arc_instance *in = find(out, oldest - 1);
		if (!in || !in->has_ams || in->ams.result != DKIMARC_RES_PASS)
			break;
		oldest--;
	}
	out->oldest_pass = oldest;
	if (oldest == 1)
		set_chain(out, DKIMARC_ARC_PASS, DKIMARC_ARC_REASON_OK, 0,
		          "the chain of %u ARC set%s validates, and every ARC-Message-Signature "
		          "down to i=1 still verifies",
		          n, n == 1 ? "" : "s");
	else
		set_chain(
		    out, DKIMARC_ARC_PASS, DKIMARC_ARC_REASON_OK, 0,
		    "the chain of %u ARC sets validates; the AMS of i=%u (oldest-pass) and every "
		    "later one verify, the one of i=%u does not: the message changed between "
		    "those hops",
		    n, oldest, oldest - 1);
}

int da_arc_finish(const da_arc *a, const dkimarc_ctx *ctx, const da_bhreg *reg, int64_t date,
                  int64_t at, da_arc_report *out)
{
	int rc = DKIMARC_OK;
	da_arc_report_clear(out);
	if (!a) {
		set_chain(out, DKIMARC_ARC_NONE, DKIMARC_ARC_REASON_NO_ARC, 0,
		          "the message has no ARC header fields");
		return out->reason_text ? DKIMARC_OK : DKIMARC_ENOMEM;
	}
	size_t count = 0;
	for (unsigned k = 1; k <= a->max; k++)
		count += a->set[k].n[K_AAR] + a->set[k].n[K_AMS] + a->set[k].n[K_AS] > 0;
	if (count && !(out->inst = calloc(count, sizeof *out->inst)))
		return DKIMARC_ENOMEM;
	for (unsigned k = 1; k <= a->max && out->ninst < count && !rc; k++) {
		const arcset *s = &a->set[k];
		if (!s->n[K_AAR] && !s->n[K_AMS] && !s->n[K_AS])
			continue;
		dkimarc_arc_instance *in = &out->inst[out->ninst++];
		in->instance = k;
		if (s->n[K_AMS] == 1)
			rc = judge_ams(a, s, ctx, reg, date, at, in);
		if (!rc && s->n[K_AS] == 1)
			rc = judge_as(a, s, ctx, date, at, in);
		if (!rc && s->n[K_AAR] == 1)
			rc = take_aar(s, in);
	}
	if (rc)
		return rc;
	decide(a, out);
	/* set_chain leaves no text when out of memory; the last one decides. */
	return out->reason_text ? DKIMARC_OK : DKIMARC_ENOMEM;
}

int da_arc_not_evaluated(da_arc_report *out, const char *why)
{
	da_arc_report_clear(out);
	set_chain(out, DKIMARC_ARC_FAIL, DKIMARC_ARC_REASON_LIMIT_EXCEEDED, 0,
	          "not evaluated: the header exceeds the limit on %s", why ? why : "header size");
	return out->reason_text ? DKIMARC_OK : DKIMARC_ENOMEM;
}

/* ---- for sealers ------------------------------------------------------------- */

dkimarc_arc_result da_arc_report_cv(const dkimarc_report *r, unsigned *next)
{
	const da_arc_report *a = &r->arc;
	unsigned top = a->ninst ? a->inst[a->ninst - 1].instance : 0;
	*next = a->reason == DKIMARC_ARC_REASON_TOO_MANY_INSTANCES ||
	                a->reason == DKIMARC_ARC_REASON_LIMIT_EXCEEDED ||
	                top >= DA_ARC_MAX_INSTANCES
	            ? 0
	            : top + 1;
	return a->result;
}
