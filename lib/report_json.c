/* A report as JSON (docs/json.md). */
#include "forensic.h"
#include "internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- JSON ----------------------------------------------------------------- */

/*
 * Values come from hostile mail and jansson rejects invalid UTF-8, so bad
 * sequences become U+FFFD instead of losing the whole string.
 */
static size_t utf8_seq_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1f;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0f;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Overlong forms, surrogates, beyond U+10FFFF. */
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

static json_t *jstr(const char *s)
{
	json_t *j;
	size_t len, o = 0;
	char *fixed;

	if (!s)
		return json_null();
	j = json_string(s);
	if (j)
		return j;
	len = strlen(s);
	fixed = malloc(len * 3 + 1);
	if (!fixed)
		return NULL;
	for (size_t i = 0; i < len;) {
		size_t n = utf8_seq_len((const unsigned char *)s + i, len - i);
		if (n == 0) {
			memcpy(fixed + o, "\xef\xbf\xbd", 3);
			o += 3;
			i++;
		} else {
			memcpy(fixed + o, s + i, n);
			o += n;
			i += n;
		}
	}
	fixed[o] = '\0';
	j = json_string(fixed);
	free(fixed);
	return j;
}

/* -1 (or any negative) means absent. */
static json_t *jint_or_null(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static json_t *jtime(int64_t t)
{
	char buf[32];

	if (dkimarc_format_time(t, buf) < 0)
		return json_null();
	return json_string(buf);
}

/* Sets key on obj; any failure (including a NULL value) sticks in *ok. */
static void jset(json_t *obj, const char *key, json_t *val, bool *ok)
{
	if (!val) {
		*ok = false;
		return;
	}
	if (json_object_set_new(obj, key, val) < 0)
		*ok = false;
}

static void jappend(json_t *arr, json_t *val, bool *ok)
{
	if (!val) {
		*ok = false;
		return;
	}
	if (json_array_append_new(arr, val) < 0)
		*ok = false;
}

static json_t *jflags(uint32_t flags, bool *ok)
{
	json_t *arr = json_array();

	if (!arr) {
		*ok = false;
		return NULL;
	}
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++)
		if (flags & (1u << i))
			jappend(arr, json_string(dkimarc_flag_str(1u << i)), ok);
	return arr;
}

static json_t *jkeyrec(const dkimarc_keyrec *k, bool *ok)
{
	json_t *o;
	const char *dnssec = NULL;

	if (!k)
		return json_null();
	o = json_object();
	if (!o) {
		*ok = false;
		return NULL;
	}
	if (k->dnssec == 1)
		dnssec = "validated-by-resolver";
	else if (k->dnssec == 0)
		dnssec = "unvalidated";
	jset(o, "origin", jstr(k->origin), ok);
	jset(o, "file", jstr(k->file), ok);
	jset(o, "line", k->line ? json_integer((json_int_t)k->line) : json_null(), ok);
	jset(o, "source", jstr(k->source), ok);
	jset(o, "first_seen", jtime(k->first_seen), ok);
	jset(o, "last_seen", jtime(k->last_seen), ok);
	jset(o, "fetched_at", jtime(k->fetched_at), ok);
	jset(o, "dnssec", jstr(dnssec), ok);
	return o;
}

static const char *body_hash_str(int v)
{
	if (v > 0)
		return "match";
	if (v == 0)
		return "mismatch";
	return "unchecked";
}

static json_t *jsig(const dkimarc_sig *s, size_t index, bool *ok)
{
	json_t *o = json_object(), *hdrs;
	uint64_t bb = s->body_bytes;

	if (!o) {
		*ok = false;
		return NULL;
	}
	jset(o, "index", json_integer((json_int_t)index), ok);
	jset(o, "result", json_string(dkimarc_result_str(s->result)), ok);
	jset(o, "reason", json_string(dkimarc_reason_str(s->reason)), ok);
	jset(o, "reason_text", jstr(s->reason_text), ok);
	jset(o, "domain", jstr(s->domain), ok);
	jset(o, "selector", jstr(s->selector), ok);
	jset(o, "algorithm", jstr(s->algorithm), ok);
	jset(o, "canonicalization", jstr(s->canon), ok);
	jset(o, "auid", jstr(s->auid), ok);
	jset(o, "key_bits", json_integer((json_int_t)s->key_bits), ok);
	jset(o, "key_source", jstr(s->key_source), ok);
	jset(o, "key_choice", jstr(s->key_choice), ok);
	jset(o, "key_record", jkeyrec(dkimarc_sig_key_record(s), ok), ok);
	hdrs = json_array();
	if (hdrs)
		for (size_t i = 0; i < s->nheaders; i++)
			jappend(hdrs, jstr(s->headers[i] ? s->headers[i] : ""), ok);
	jset(o, "headers", hdrs, ok);
	jset(o, "body_length", jint_or_null(s->l), ok);
	jset(o, "timestamp", jint_or_null(s->t), ok);
	jset(o, "expiration", jint_or_null(s->x), ok);
	/* JSON integers are signed 64-bit; no real body gets near the clamp. */
	jset(o, "body_bytes", json_integer(bb > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)bb),
	     ok);
	jset(o, "body_hash", json_string(body_hash_str(s->body_hash_ok)), ok);
	jset(o, "aligned", json_boolean(s->aligned), ok);
	jset(o, "flags", jflags(s->flags, ok), ok);
	jset(o, "diagnosis", da_findings_json(s), ok);
	return o;
}

/* An ARC-Seal or AMS; reason is null when it was not checked (result none). */
static json_t *jarcsig(const dkimarc_sig *s, bool ams, bool *ok)
{
	json_t *o, *hdrs;
	uint64_t bb = s->body_bytes;

	o = json_object();
	if (!o) {
		*ok = false;
		return NULL;
	}
	jset(o, "result", json_string(dkimarc_result_str(s->result)), ok);
	jset(o, "reason",
	     s->result == DKIMARC_RES_NONE ? json_null()
	                                   : json_string(dkimarc_reason_str(s->reason)),
	     ok);
	jset(o, "reason_text", jstr(s->reason_text), ok);
	jset(o, "domain", jstr(s->domain), ok);
	jset(o, "selector", jstr(s->selector), ok);
	jset(o, "algorithm", jstr(s->algorithm), ok);
	if (ams)
		jset(o, "canonicalization", jstr(s->canon), ok);
	jset(o, "key_bits", json_integer((json_int_t)s->key_bits), ok);
	jset(o, "key_source", jstr(s->key_source), ok);
	jset(o, "key_choice", jstr(s->key_choice), ok);
	jset(o, "key_record", jkeyrec(dkimarc_sig_key_record(s), ok), ok);
	if (ams) {
		hdrs = json_array();
		if (hdrs)
			for (size_t i = 0; i < s->nheaders; i++)
				jappend(hdrs, jstr(s->headers[i] ? s->headers[i] : ""), ok);
		jset(o, "headers", hdrs, ok);
		jset(o, "body_length", jint_or_null(s->l), ok);
	}
	jset(o, "timestamp", jint_or_null(s->t), ok);
	jset(o, "expiration", jint_or_null(s->x), ok);
	if (ams) {
		jset(o, "body_bytes",
		     json_integer(bb > (uint64_t)LLONG_MAX ? LLONG_MAX : (json_int_t)bb), ok);
		jset(o, "body_hash", json_string(body_hash_str(s->body_hash_ok)), ok);
	}
	jset(o, "flags", jflags(s->flags, ok), ok);
	return o;
}

static json_t *jarc_instance(const dkimarc_arc_instance *in, bool *ok)
{
	json_t *o = json_object(), *aar = json_null(), *res;

	if (!o) {
		*ok = false;
		return NULL;
	}
	jset(o, "instance", json_integer((json_int_t)in->instance), ok);
	jset(o, "domain", jstr(dkimarc_arc_instance_domain(in)), ok);
	jset(o, "selector", jstr(dkimarc_arc_instance_selector(in)), ok);
	jset(o, "algorithm", jstr(dkimarc_arc_instance_algorithm(in)), ok);
	jset(o, "cv", jstr(in->cv), ok);
	jset(o, "seal", in->has_seal ? jarcsig(&in->seal, false, ok) : json_null(), ok);
	jset(o, "ams", in->has_ams ? jarcsig(&in->ams, true, ok) : json_null(), ok);
	if (in->authserv_id) {
		aar = json_object();
		res = json_array();
		if (!aar || !res) {
			json_decref(aar);
			json_decref(res);
			*ok = false;
			return o;
		}
		jset(aar, "authserv_id", jstr(in->authserv_id), ok);
		for (size_t i = 0; i < in->naar_results; i++)
			jappend(res, jstr(in->aar_results[i]), ok);
		jset(aar, "results", res, ok);
	}
	jset(o, "aar", aar, ok);
	return o;
}

static json_t *jarc(const da_arc_report *a, bool *ok)
{
	json_t *o = json_object(), *insts = json_array();

	if (!o || !insts) {
		json_decref(o);
		json_decref(insts);
		*ok = false;
		return NULL;
	}
	jset(o, "result", json_string(dkimarc_arc_result_str(a->result)), ok);
	jset(o, "reason", json_string(dkimarc_arc_reason_str(a->reason)), ok);
	jset(o, "reason_text", jstr(a->reason_text), ok);
	jset(o, "oldest_pass", a->oldest_pass ? json_integer(a->oldest_pass) : json_null(), ok);
	jset(o, "failed_instance",
	     a->failed_instance ? json_integer(a->failed_instance) : json_null(), ok);
	for (size_t i = 0; i < a->ninst; i++)
		jappend(insts, jarc_instance(&a->inst[i], ok), ok);
	jset(o, "instances", insts, ok);
	return o;
}

/* The text is handed over by dkimarc_report_json(), below. */
static int report_json_impl(const dkimarc_report *r, const char *file, char **out)
{
	json_t *root, *sigs;
	bool ok = true;
	char *text;

	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_json: out is NULL");
	*out = NULL;
	if (!r)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_json: report is NULL");

	root = json_object();
	if (!root)
		return da_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	jset(root, "file", jstr(file), &ok);
	jset(root, "verdict", json_string(dkimarc_verdict_str(r->verdict)), &ok);
	jset(root, "verdict_code", json_string(dkimarc_reason_str(r->verdict_code)), &ok);
	jset(root, "verdict_reason", jstr(r->verdict_reason), &ok);
	jset(root, "flags", jflags(r->flags, &ok), &ok);
	json_t *uf = json_array();
	for (size_t i = 0; uf && i < r->nunsigned; i++)
		jappend(uf, json_string(r->unsigned_fields[i]), &ok);
	jset(root, "unsigned_fields", uf, &ok);
	jset(root, "from_domain", jstr(r->from_domain), &ok);
	jset(root, "time", json_integer((json_int_t)r->at), &ok);
	jset(root, "date", r->date >= 0 ? json_integer((json_int_t)r->date) : json_null(), &ok);
	sigs = json_array();
	if (sigs)
		for (size_t i = 0; i < r->nsigs; i++)
			jappend(sigs, jsig(&r->sigs[i], i, &ok), &ok);
	jset(root, "signatures", sigs, &ok);
	jset(root, "arc", jarc(&r->arc, &ok), &ok);

	text = ok ? da_json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text)
		return da_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	/* da_json_dumps allocates with malloc; callers free(). */
	*out = text;
	return DKIMARC_OK;
}

int dkimarc_report_json(const dkimarc_report *r, const char *file, char **out)
{
	return da_give(report_json_impl(r, file, out), out);
}
