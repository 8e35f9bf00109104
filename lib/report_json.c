/* A report as JSON (docs/json.md), written straight into a buffer (jsonw.h). */
#include "forensic.h"
#include "internal.h"
#include "jsonw.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static void jtime(da_jw *w, const char *k, int64_t t)
{
	char buf[32];

	da_jw_key(w, k);
	if (dkimarc_format_time(t, buf) < 0)
		da_jw_null(w);
	else
		da_jw_str(w, buf);
}

static void jflags(da_jw *w, uint32_t flags)
{
	da_jw_key(w, "flags");
	da_jw_begin_arr(w);
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++)
		if (flags & (1u << i))
			da_jw_str(w, dkimarc_flag_str(1u << i));
	da_jw_end_arr(w);
}

static void jkeyrec(da_jw *w, const dkimarc_keyrec *k)
{
	const char *dnssec = NULL;

	da_jw_key(w, "key_record");
	if (!k) {
		da_jw_null(w);
		return;
	}
	if (k->dnssec == 1)
		dnssec = "validated-by-resolver";
	else if (k->dnssec == 0)
		dnssec = "unvalidated";
	da_jw_begin_obj(w);
	da_jw_kstr(w, "origin", k->origin);
	da_jw_kstr(w, "file", k->file);
	if (k->line)
		da_jw_kint(w, "line", (int64_t)k->line);
	else
		da_jw_knull(w, "line");
	da_jw_kstr(w, "source", k->source);
	jtime(w, "first_seen", k->first_seen);
	jtime(w, "last_seen", k->last_seen);
	jtime(w, "fetched_at", k->fetched_at);
	da_jw_kstr(w, "dnssec", dnssec);
	da_jw_end_obj(w);
}

static const char *body_hash_str(int v)
{
	if (v > 0)
		return "match";
	if (v == 0)
		return "mismatch";
	return "unchecked";
}

static void jheaders(da_jw *w, const dkimarc_sig *s)
{
	da_jw_key(w, "headers");
	da_jw_begin_arr(w);
	for (size_t i = 0; i < s->nheaders; i++)
		da_jw_str(w, s->headers[i] ? s->headers[i] : "");
	da_jw_end_arr(w);
}

/* JSON integers are signed 64-bit; no real body gets near the clamp. */
static void jbody_bytes(da_jw *w, uint64_t bb)
{
	da_jw_kint(w, "body_bytes", bb > (uint64_t)INT64_MAX ? INT64_MAX : (int64_t)bb);
}

/* What the diagnosis found (forensic.h); texts quote message bytes. */
static void jfindings(da_jw *w, const dkimarc_sig *s)
{
	da_jw_key(w, "diagnosis");
	if (!s->fx || s->fx->nf == 0) {
		da_jw_null(w);
		return;
	}
	da_jw_begin_arr(w);
	for (size_t i = 0; i < s->fx->nf; i++) {
		const da_finding *d = &s->fx->f[i];
		/* A text that is not UTF-8 is replaced whole: half of one would mislead. */
		bool utf8 = (!d->field || da_utf8_valid(d->field)) && da_utf8_valid(d->text);
		da_jw_begin_obj(w);
		da_jw_kstr(w, "finding", dkimarc_finding_str(d->kind));
		da_jw_kstr(w, "field", utf8 ? d->field : NULL);
		da_jw_kstr(w, "text", utf8 ? d->text : "(not valid UTF-8)");
		da_jw_key(w, "undo_verifies");
		if (d->undo < 0)
			da_jw_null(w);
		else
			da_jw_bool(w, d->undo);
		da_jw_end_obj(w);
	}
	da_jw_end_arr(w);
}

static void jsig(da_jw *w, const dkimarc_sig *s, size_t index)
{
	da_jw_begin_obj(w);
	da_jw_kint(w, "index", (int64_t)index);
	da_jw_kstr(w, "result", dkimarc_result_str(s->result));
	da_jw_kstr(w, "reason", dkimarc_reason_str(s->reason));
	da_jw_kstr(w, "reason_text", s->reason_text);
	da_jw_kstr(w, "domain", s->domain);
	da_jw_kstr(w, "selector", s->selector);
	da_jw_kstr(w, "algorithm", s->algorithm);
	da_jw_kstr(w, "canonicalization", s->canon);
	da_jw_kstr(w, "auid", s->auid);
	da_jw_kint(w, "key_bits", (int64_t)s->key_bits);
	da_jw_kstr(w, "key_source", s->key_source);
	da_jw_kstr(w, "key_choice", s->key_choice);
	jkeyrec(w, dkimarc_sig_key_record(s));
	jheaders(w, s);
	da_jw_kint_opt(w, "body_length", s->l);
	da_jw_kint_opt(w, "timestamp", s->t);
	da_jw_kint_opt(w, "expiration", s->x);
	jbody_bytes(w, s->body_bytes);
	da_jw_kstr(w, "body_hash", body_hash_str(s->body_hash_ok));
	da_jw_key(w, "aligned");
	da_jw_bool(w, s->aligned);
	jflags(w, s->flags);
	jfindings(w, s);
	da_jw_end_obj(w);
}

/* An ARC-Seal or AMS; reason is null when it was not checked (result none). */
static void jarcsig(da_jw *w, const dkimarc_sig *s, bool ams)
{
	da_jw_begin_obj(w);
	da_jw_kstr(w, "result", dkimarc_result_str(s->result));
	da_jw_kstr(w, "reason",
	           s->result == DKIMARC_RES_NONE ? NULL : dkimarc_reason_str(s->reason));
	da_jw_kstr(w, "reason_text", s->reason_text);
	da_jw_kstr(w, "domain", s->domain);
	da_jw_kstr(w, "selector", s->selector);
	da_jw_kstr(w, "algorithm", s->algorithm);
	if (ams)
		da_jw_kstr(w, "canonicalization", s->canon);
	da_jw_kint(w, "key_bits", (int64_t)s->key_bits);
	da_jw_kstr(w, "key_source", s->key_source);
	da_jw_kstr(w, "key_choice", s->key_choice);
	jkeyrec(w, dkimarc_sig_key_record(s));
	if (ams) {
		jheaders(w, s);
		da_jw_kint_opt(w, "body_length", s->l);
	}
	da_jw_kint_opt(w, "timestamp", s->t);
	da_jw_kint_opt(w, "expiration", s->x);
	if (ams) {
		jbody_bytes(w, s->body_bytes);
		da_jw_kstr(w, "body_hash", body_hash_str(s->body_hash_ok));
	}
	jflags(w, s->flags);
	da_jw_end_obj(w);
}

static void jarc_instance(da_jw *w, const dkimarc_arc_instance *in)
{
	da_jw_begin_obj(w);
	da_jw_kint(w, "instance", (int64_t)in->instance);
	da_jw_kstr(w, "domain", dkimarc_arc_instance_domain(in));
	da_jw_kstr(w, "selector", dkimarc_arc_instance_selector(in));
	da_jw_kstr(w, "algorithm", dkimarc_arc_instance_algorithm(in));
	da_jw_kstr(w, "cv", in->cv);
	da_jw_key(w, "seal");
	if (in->has_seal)
		jarcsig(w, &in->seal, false);
	else
		da_jw_null(w);
	da_jw_key(w, "ams");
	if (in->has_ams)
		jarcsig(w, &in->ams, true);
	else
		da_jw_null(w);
	da_jw_key(w, "aar");
	if (in->authserv_id) {
		da_jw_begin_obj(w);
		da_jw_kstr(w, "authserv_id", in->authserv_id);
		da_jw_key(w, "results");
		da_jw_begin_arr(w);
		for (size_t i = 0; i < in->naar_results; i++)
			da_jw_str(w, in->aar_results[i]);
		da_jw_end_arr(w);
		da_jw_end_obj(w);
	} else {
		da_jw_null(w);
	}
	da_jw_end_obj(w);
}

static void jarc(da_jw *w, const da_arc_report *a)
{
	da_jw_key(w, "arc");
	da_jw_begin_obj(w);
	da_jw_kstr(w, "result", dkimarc_arc_result_str(a->result));
	da_jw_kstr(w, "reason", dkimarc_arc_reason_str(a->reason));
	da_jw_kstr(w, "reason_text", a->reason_text);
	if (a->oldest_pass)
		da_jw_kint(w, "oldest_pass", (int64_t)a->oldest_pass);
	else
		da_jw_knull(w, "oldest_pass");
	if (a->failed_instance)
		da_jw_kint(w, "failed_instance", (int64_t)a->failed_instance);
	else
		da_jw_knull(w, "failed_instance");
	da_jw_key(w, "instances");
	da_jw_begin_arr(w);
	for (size_t i = 0; i < a->ninst; i++)
		jarc_instance(w, &a->inst[i]);
	da_jw_end_arr(w);
	da_jw_end_obj(w);
}

/* The report's own members, which no added member may repeat. */
static const char *const own_names[] = {
    "file",        "verdict", "verdict_code", "verdict_reason", "flags", "unsigned_fields",
    "from_domain", "time",    "date",         "signatures",     "arc",
};

static void put_members(da_jw *w, const dkimarc_json_member *m, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		da_jw_key(w, m[i].name);
		da_jw_raw(w, m[i].value);
	}
}

/* The text is handed over by dkimarc_report_json_ext(), below. */
static int report_json_impl(const dkimarc_report *r, const char *file,
                            const dkimarc_json_member *lead, size_t nlead,
                            const dkimarc_json_member *trail, size_t ntrail, char **out)
{
	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_json: out is NULL");
	*out = NULL;
	if (!r)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_json: report is NULL");
	char why[300];
	if (!da_jw_members_ok("dkimarc_report_json_ext", own_names,
	                      sizeof own_names / sizeof *own_names, lead, nlead, trail, ntrail, why,
	                      sizeof why))
		return da_fail(DKIMARC_EINVAL, "%s", why);

	da_dyn b;
	da_jw w;
	/* No cap of its own: what it renders is in memory, bounded by the context's limits. */
	da_dyn_init(&b, DA_DYN_NO_CAP);
	da_jw_init(&w, &b);
	da_jw_begin_obj(&w);
	da_jw_kstr(&w, "file", file);
	put_members(&w, lead, nlead);
	da_jw_kstr(&w, "verdict", dkimarc_verdict_str(r->verdict));
	da_jw_kstr(&w, "verdict_code", dkimarc_reason_str(r->verdict_code));
	da_jw_kstr(&w, "verdict_reason", r->verdict_reason);
	jflags(&w, r->flags);
	da_jw_key(&w, "unsigned_fields");
	da_jw_begin_arr(&w);
	for (size_t i = 0; i < r->nunsigned; i++)
		da_jw_str(&w, r->unsigned_fields[i]);
	da_jw_end_arr(&w);
	da_jw_kstr(&w, "from_domain", r->from_domain);
	da_jw_kint(&w, "time", (int64_t)r->at);
	da_jw_kint_opt(&w, "date", r->date);
	da_jw_key(&w, "signatures");
	da_jw_begin_arr(&w);
	for (size_t i = 0; i < r->nsigs; i++)
		jsig(&w, &r->sigs[i], i);
	da_jw_end_arr(&w);
	jarc(&w, &r->arc);
	put_members(&w, trail, ntrail);
	da_jw_end_obj(&w);

	*out = da_dyn_take(&b);
	if (!*out)
		return da_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	return DKIMARC_OK;
}

int dkimarc_report_json(const dkimarc_report *r, const char *file, char **out)
{
	return da_give(report_json_impl(r, file, NULL, 0, NULL, 0, out), out);
}

int dkimarc_report_json_ext(const dkimarc_report *r, const char *file,
                            const dkimarc_json_member *lead, size_t nlead,
                            const dkimarc_json_member *trail, size_t ntrail, char **out)
{
	return da_give(report_json_impl(r, file, lead, nlead, trail, ntrail, out), out);
}
