/* Report and signature objects: accessors, names of codes, JSON and text renderers. */
#include "forensic.h"
#include "internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- names ---------------------------------------------------------------- */

static const char *const result_names[] = {
    [DKIMARC_RES_NONE] = "none",           [DKIMARC_RES_PASS] = "pass",
    [DKIMARC_RES_FAIL] = "fail",           [DKIMARC_RES_NEUTRAL] = "neutral",
    [DKIMARC_RES_POLICY] = "policy",       [DKIMARC_RES_TEMPERROR] = "temperror",
    [DKIMARC_RES_PERMERROR] = "permerror",
};

static const char *const reason_names[DKIMARC_REASON_COUNT_] = {
    [DKIMARC_REASON_OK] = "ok",
    [DKIMARC_REASON_BODY_HASH_MISMATCH] = "body_hash_mismatch",
    [DKIMARC_REASON_SIGNATURE_MISMATCH] = "signature_mismatch",
    [DKIMARC_REASON_KEY_NOT_FOUND] = "key_not_found",
    [DKIMARC_REASON_KEY_REVOKED] = "key_revoked",
    [DKIMARC_REASON_KEY_SYNTAX] = "key_syntax",
    [DKIMARC_REASON_KEY_TOO_WEAK] = "key_too_weak",
    [DKIMARC_REASON_KEY_TOO_LARGE] = "key_too_large",
    [DKIMARC_REASON_KEY_HASH_NOT_ALLOWED] = "key_hash_not_allowed",
    [DKIMARC_REASON_KEY_TYPE_MISMATCH] = "key_type_mismatch",
    [DKIMARC_REASON_KEY_SERVICE_MISMATCH] = "key_service_mismatch",
    [DKIMARC_REASON_KEY_STRICT_SUBDOMAIN] = "key_strict_subdomain",
    [DKIMARC_REASON_KEY_AMBIGUOUS] = "key_ambiguous",
    [DKIMARC_REASON_SIG_SYNTAX] = "sig_syntax",
    [DKIMARC_REASON_SIG_MISSING_TAG] = "sig_missing_tag",
    [DKIMARC_REASON_SIG_VERSION] = "sig_version",
    [DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED] = "sig_algorithm_unsupported",
    [DKIMARC_REASON_SIG_FROM_NOT_SIGNED] = "sig_from_not_signed",
    [DKIMARC_REASON_SIG_AUID_MISMATCH] = "sig_auid_mismatch",
    [DKIMARC_REASON_SIG_BODY_LENGTH_EXCEEDS] = "sig_body_length_exceeds",
    [DKIMARC_REASON_SIG_EXPIRED] = "sig_expired",
    [DKIMARC_REASON_POLICY_RSA_SHA1] = "policy_rsa_sha1",
    [DKIMARC_REASON_DNS_TEMPFAIL] = "dns_tempfail",
    [DKIMARC_REASON_LIMIT_EXCEEDED] = "limit_exceeded",
    [DKIMARC_REASON_KEY_MISMATCH] = "key_mismatch",
    [DKIMARC_REASON_KEY_SMALL_FACTOR] = "key_small_factor",
    [DKIMARC_REASON_KEY_FERMAT] = "key_fermat",
    [DKIMARC_REASON_KEY_ROCA] = "key_roca",
    [DKIMARC_REASON_KEY_SHARED_PRIME] = "key_shared_prime",
    [DKIMARC_REASON_KEY_BAD_EXPONENT] = "key_bad_exponent",
    [DKIMARC_REASON_KEY_PRIVATE_IN_DNS] = "key_private_in_dns",
    [DKIMARC_REASON_KEY_PRIVATE_PUBLISHED] = "key_private_published",
    [DKIMARC_REASON_HEADER_MALFORMED] = "header_malformed",
    [DKIMARC_REASON_UNSIGNED_FIELD_ADDED] = "unsigned_field_added",
    [DKIMARC_REASON_DISPLAY_DIFFERS] = "display_differs",
    [DKIMARC_REASON_MULTIPLE_FROM] = "multiple_from",
    [DKIMARC_REASON_BODY_BEYOND_LENGTH] = "body_beyond_length",
    [DKIMARC_REASON_NO_SIGNATURE] = "no_signature",
    [DKIMARC_REASON_KEY_RECOVERED] = "key_recovered",
};

static const char *const verdict_names[] = {
    [DKIMARC_VERDICT_CONFIRMED] = "confirmed",
    [DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY] = "confirmed-third-party",
    [DKIMARC_VERDICT_WEAK] = "weak",
    [DKIMARC_VERDICT_ALTERED] = "altered",
    [DKIMARC_VERDICT_UNVERIFIABLE] = "unverifiable",
    [DKIMARC_VERDICT_UNSIGNED] = "unsigned",
    [DKIMARC_VERDICT_CONSISTENT] = "consistent",
};

/* Indexed by bit number. */
static const char *const flag_names[DKIMARC_FLAG_COUNT_] = {
    "from_unsigned",
    "from_not_oversigned",
    "subject_unsigned",
    "subject_not_oversigned",
    "date_unsigned",
    "date_not_oversigned",
    "to_unsigned",
    "to_not_oversigned",
    "cc_unsigned",
    "cc_not_oversigned",
    "body_beyond_length",
    "multiple_from",
    "expired",
    "key_testing",
    "rsa_sha1",
    "timestamp_future",
    "timestamp_far_from_date",
    "lf_line_endings",
    "key_outside_window",
    "from_missing",
    "from_ambiguous",
    "mixed_line_endings",
    "header_malformed",
    "unsigned_field_added",
    "display_differs",
    "signed_after_key_last_seen",
};

/* Out-of-range codes get a name rather than NULL so callers can print blindly. */
const char *dkimarc_result_str(dkimarc_result r)
{
	if ((unsigned)r >= sizeof result_names / sizeof result_names[0])
		return "unknown";
	return result_names[r];
}

const char *dkimarc_reason_str(dkimarc_reason r)
{
	if ((unsigned)r >= DKIMARC_REASON_COUNT_ || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

const char *dkimarc_verdict_str(dkimarc_verdict v)
{
	if ((unsigned)v >= sizeof verdict_names / sizeof verdict_names[0])
		return "unknown";
	return verdict_names[v];
}

const char *dkimarc_flag_str(uint32_t flag)
{
	/* Exactly one known bit. */
	if (flag == 0 || (flag & (flag - 1)) != 0)
		return NULL;
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++)
		if (flag == (1u << i))
			return flag_names[i];
	return NULL;
}

/* ---- lifetime ------------------------------------------------------------- */

void dkimarc_report_free(dkimarc_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsigs; i++)
		da_sig_clear(&r->sigs[i]);
	free(r->sigs);
	free(r->verdict_reason);
	free(r->from_domain);
	da_arc_report_clear(&r->arc);
	free(r);
}

/* ---- report accessors ----------------------------------------------------- */

dkimarc_verdict dkimarc_report_verdict(const dkimarc_report *r)
{
	return r ? r->verdict : DKIMARC_VERDICT_UNSIGNED;
}

dkimarc_reason dkimarc_report_verdict_code(const dkimarc_report *r)
{
	return r ? r->verdict_code : DKIMARC_REASON_NO_SIGNATURE;
}

const char *dkimarc_report_verdict_reason(const dkimarc_report *r)
{
	return r ? r->verdict_reason : NULL;
}

uint32_t dkimarc_report_flags(const dkimarc_report *r)
{
	return r ? r->flags : 0;
}

const char *dkimarc_report_from_domain(const dkimarc_report *r)
{
	return r ? r->from_domain : NULL;
}

size_t dkimarc_report_sig_count(const dkimarc_report *r)
{
	return r ? r->nsigs : 0;
}

const dkimarc_sig *dkimarc_report_sig(const dkimarc_report *r, size_t i)
{
	if (!r || i >= r->nsigs)
		return NULL;
	return &r->sigs[i];
}

int64_t dkimarc_report_time(const dkimarc_report *r)
{
	return r ? r->at : -1;
}

int64_t dkimarc_report_date(const dkimarc_report *r)
{
	return r ? r->date : -1;
}

size_t dkimarc_report_unsigned_count(const dkimarc_report *r)
{
	return r ? r->nunsigned : 0;
}

const char *dkimarc_report_unsigned_field(const dkimarc_report *r, size_t i)
{
	return r && i < r->nunsigned ? r->unsigned_fields[i] : NULL;
}

/* ---- signature accessors -------------------------------------------------- */

dkimarc_result dkimarc_sig_result(const dkimarc_sig *s)
{
	return s ? s->result : DKIMARC_RES_NONE;
}

dkimarc_reason dkimarc_sig_reason(const dkimarc_sig *s)
{
	return s ? s->reason : DKIMARC_REASON_OK;
}

const char *dkimarc_sig_reason_text(const dkimarc_sig *s)
{
	return s ? s->reason_text : NULL;
}

uint32_t dkimarc_sig_flags(const dkimarc_sig *s)
{
	return s ? s->flags : 0;
}

const char *dkimarc_sig_domain(const dkimarc_sig *s)
{
	return s ? s->domain : NULL;
}

const char *dkimarc_sig_selector(const dkimarc_sig *s)
{
	return s ? s->selector : NULL;
}

const char *dkimarc_sig_algorithm(const dkimarc_sig *s)
{
	return s ? s->algorithm : NULL;
}

const char *dkimarc_sig_auid(const dkimarc_sig *s)
{
	return s ? s->auid : NULL;
}

const char *dkimarc_sig_canonicalization(const dkimarc_sig *s)
{
	return s ? s->canon : NULL;
}

unsigned dkimarc_sig_key_bits(const dkimarc_sig *s)
{
	return s ? s->key_bits : 0;
}

const char *dkimarc_sig_key_source(const dkimarc_sig *s)
{
	return s ? s->key_source : NULL;
}

const char *dkimarc_sig_key_choice(const dkimarc_sig *s)
{
	return s ? s->key_choice : NULL;
}

const dkimarc_keyrec *dkimarc_sig_key_record(const dkimarc_sig *s)
{
	return s && s->has_key ? &s->key : NULL;
}

size_t dkimarc_sig_header_count(const dkimarc_sig *s)
{
	return s ? s->nheaders : 0;
}

const char *dkimarc_sig_header(const dkimarc_sig *s, size_t i)
{
	if (!s || i >= s->nheaders)
		return NULL;
	return s->headers[i];
}

int64_t dkimarc_sig_body_length(const dkimarc_sig *s)
{
	return s ? s->l : -1;
}

int64_t dkimarc_sig_timestamp(const dkimarc_sig *s)
{
	return s ? s->t : -1;
}

int64_t dkimarc_sig_expiration(const dkimarc_sig *s)
{
	return s ? s->x : -1;
}

uint64_t dkimarc_sig_body_bytes(const dkimarc_sig *s)
{
	return s ? s->body_bytes : 0;
}

int dkimarc_sig_aligned(const dkimarc_sig *s)
{
	return s && s->aligned;
}

/* ---- shared helpers ------------------------------------------------------- */

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
			jappend(arr, json_string(flag_names[i]), ok);
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

/* ---- text ----------------------------------------------------------------- */

typedef struct {
	char *p;
	size_t len, cap;
	bool failed;
} strbuf;

static void sb_reserve(strbuf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->failed || b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->failed = true;
		return;
	}
	b->p = np;
	b->cap = cap;
}

static void sb_add(strbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	if (b->failed)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	sb_reserve(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * Message-derived text goes to terminals: control bytes are shown as \xNN so
 * a signature cannot move the cursor or fake lines of the report.
 */
static void sb_safe(strbuf *b, const char *s, const char *if_null)
{
	if (!s) {
		sb_puts(b, if_null);
		return;
	}
	for (const char *p = s; *p;) {
		size_t run = 0;
		while (p[run] && (unsigned char)p[run] >= 0x20 && (unsigned char)p[run] != 0x7f)
			run++;
		sb_add(b, p, run);
		p += run;
		if (*p) {
			sb_printf(b, "\\x%02x", (unsigned char)*p);
			p++;
		}
	}
}

static void sb_flags(strbuf *b, const char *indent, uint32_t flags)
{
	const char *sep = "";

	if (!flags)
		return;
	sb_puts(b, indent);
	sb_puts(b, "flags: ");
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++) {
		if (flags & (1u << i)) {
			sb_puts(b, sep);
			sb_puts(b, flag_names[i]);
			sep = ", ";
		}
	}
	sb_puts(b, "\n");
}

static void sb_time_tag(strbuf *b, const char *tag, int64_t t)
{
	char buf[32];

	sb_printf(b, " %s=%lld", tag, (long long)t);
	if (dkimarc_format_time(t, buf) == 0)
		sb_printf(b, " (%s)", buf);
}

static void text_sig(strbuf *b, const dkimarc_sig *s, size_t index)
{
	const char *ind = "      ";

	sb_printf(b, "  [%zu] %s ", index + 1, dkimarc_result_str(s->result));
	sb_puts(b, " d=");
	sb_safe(b, s->domain, "?");
	sb_puts(b, " s=");
	sb_safe(b, s->selector, "?");
	sb_puts(b, " a=");
	sb_safe(b, s->algorithm, "?");
	sb_puts(b, " c=");
	sb_safe(b, s->canon, "?");
	if (s->key_bits)
		sb_printf(b, " %u-bit key", s->key_bits);
	sb_puts(b, "\n");

	sb_puts(b, ind);
	if (s->reason_text) {
		sb_safe(b, s->reason_text, "");
		sb_puts(b, "  ");
	}
	sb_printf(b, "(%s)\n", dkimarc_reason_str(s->reason));

	if (s->key_source) {
		sb_puts(b, ind);
		sb_puts(b, "key: ");
		sb_safe(b, s->key_source, "");
		sb_puts(b, "\n");
	}
	if (s->has_key && s->key.fetched_at >= 0) {
		char when[32];
		if (dkimarc_format_time(s->key.fetched_at, when) == 0)
			sb_printf(b, "%skey fetched at %s\n", ind, when);
	}
	if (s->key_choice) {
		sb_puts(b, ind);
		sb_puts(b, "key choice: ");
		sb_safe(b, s->key_choice, "");
		sb_puts(b, "\n");
	}
	if (s->l >= 0 || s->t >= 0 || s->x >= 0) {
		sb_puts(b, ind);
		sb_puts(b, "tags:");
		if (s->l >= 0)
			sb_printf(b, " l=%lld (body %llu byte%s)", (long long)s->l,
			          (unsigned long long)s->body_bytes, s->body_bytes == 1 ? "" : "s");
		if (s->t >= 0)
			sb_time_tag(b, "t", s->t);
		if (s->x >= 0)
			sb_time_tag(b, "x", s->x);
		sb_puts(b, "\n");
	}
	sb_flags(b, ind, s->flags);
	char *what = da_findings_text(s, ind); /* control bytes already escaped */
	if (what) {
		sb_puts(b, what);
		free(what);
	} else if (dkimarc_sig_finding_count(s)) {
		b->failed = true; /* out of memory: a report without them would be another */
	}
}

static void text_arcsig(strbuf *b, const char *what, const dkimarc_sig *s)
{
	const char *ind = "        ";

	sb_printf(b, "      %s %s", what, dkimarc_result_str(s->result));
	if (s->result != DKIMARC_RES_NONE)
		sb_printf(b, " (%s)", dkimarc_reason_str(s->reason));
	sb_puts(b, " d=");
	sb_safe(b, s->domain, "?");
	sb_puts(b, " s=");
	sb_safe(b, s->selector, "?");
	sb_puts(b, " a=");
	sb_safe(b, s->algorithm, "?");
	if (s->key_bits)
		sb_printf(b, " %u-bit key", s->key_bits);
	sb_puts(b, "\n");
	if (s->result != DKIMARC_RES_PASS && s->reason_text) {
		sb_puts(b, ind);
		sb_safe(b, s->reason_text, "");
		sb_puts(b, "\n");
	}
	if (s->key_source) {
		sb_puts(b, ind);
		sb_puts(b, "key: ");
		sb_safe(b, s->key_source, "");
		sb_puts(b, "\n");
	}
	sb_flags(b, ind, s->flags);
}

/* Printed only when the message has ARC header fields. */
static void text_arc(strbuf *b, const da_arc_report *a)
{
	if (a->result == DKIMARC_ARC_NONE && a->reason == DKIMARC_ARC_REASON_NO_ARC)
		return;
	sb_printf(b, "  ARC %s (%s)", dkimarc_arc_result_str(a->result),
	          dkimarc_arc_reason_str(a->reason));
	if (a->reason_text) {
		sb_puts(b, " \xe2\x80\x94 ");
		sb_safe(b, a->reason_text, "");
	}
	sb_puts(b, "\n");
	for (size_t i = 0; i < a->ninst; i++) {
		const dkimarc_arc_instance *in = &a->inst[i];

		sb_printf(b, "    i=%u", in->instance);
		if (in->cv) {
			sb_puts(b, " cv=");
			sb_safe(b, in->cv, "");
		}
		sb_puts(b, "\n");
		if (in->has_seal)
			text_arcsig(b, "seal", &in->seal);
		else
			sb_puts(b, "      seal: none, or more than one\n");
		if (in->has_ams)
			text_arcsig(b, "AMS ", &in->ams);
		else
			sb_puts(b, "      AMS: none, or more than one\n");
		if (in->authserv_id) {
			sb_puts(b, "      AAR ");
			sb_safe(b, in->authserv_id, "");
			sb_puts(b, ":");
			for (size_t k = 0; k < in->naar_results; k++) {
				sb_puts(b, k ? "; " : " ");
				sb_safe(b, in->aar_results[k], "");
			}
			sb_puts(b, "\n");
		}
	}
}

/* The text is handed over by dkimarc_report_text(), below. */
static int report_text_impl(const dkimarc_report *r, const char *file, char **out)
{
	strbuf b = {0};
	const char *v;

	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_text: out is NULL");
	*out = NULL;
	if (!r)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_text: report is NULL");

	if (file) {
		sb_safe(&b, file, "");
		sb_puts(&b, ": ");
	}
	for (v = dkimarc_verdict_str(r->verdict); *v; v++) {
		char c = *v >= 'a' && *v <= 'z' ? (char)(*v - 'a' + 'A') : *v;
		sb_add(&b, &c, 1);
	}
	if (r->verdict_reason) {
		sb_puts(&b, " \xe2\x80\x94 "); /* em dash */
		sb_safe(&b, r->verdict_reason, "");
	}
	sb_puts(&b, "\n");
	sb_flags(&b, "  ", r->flags);
	for (size_t i = 0; i < r->nsigs; i++)
		text_sig(&b, &r->sigs[i], i);
	text_arc(&b, &r->arc);

	if (b.failed || !b.p) {
		free(b.p);
		return da_fail(DKIMARC_ENOMEM, "out of memory rendering the report");
	}
	*out = b.p;
	return DKIMARC_OK;
}

int dkimarc_report_text(const dkimarc_report *r, const char *file, char **out)
{
	return da_give(report_text_impl(r, file, out), out);
}
