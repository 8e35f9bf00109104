/* Report objects: names of codes, accessors, JSON and text rendering. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static char **dup_list(const char *const *names, size_t n)
{
	char **v = calloc(n, sizeof *v);
	assert_non_null(v);
	for (size_t i = 0; i < n; i++)
		v[i] = da_strdup(names[i]);
	return v;
}

/* A confirmed message: one passing archive-keyed signature, one failing bare one. */
static dkimarc_report *make_report(void)
{
	static const char *const h[] = {"From", "To", "Subject", "Date"};
	dkimarc_report *r = calloc(1, sizeof *r);
	dkimarc_sig *s;

	assert_non_null(r);
	r->verdict = DKIMARC_VERDICT_CONFIRMED;
	r->verdict_reason = da_strdup("signed by example.com, aligned with From (example.com)");
	r->flags = DKIMARC_FLAG_SUBJECT_NOT_OVERSIGNED | DKIMARC_FLAG_LF_LINE_ENDINGS;
	r->from_domain = da_strdup("example.com");
	r->at = 1493985600;
	r->date = 1493892000; /* Date: Thu, 4 May 2017 10:00:00 +0000 */
	r->nsigs = 2;
	r->sigs = calloc(2, sizeof *r->sigs);
	assert_non_null(r->sigs);

	s = &r->sigs[0];
	s->result = DKIMARC_RES_PASS;
	s->reason = DKIMARC_REASON_OK;
	s->reason_text = da_strdup("signature verified");
	s->flags = DKIMARC_FLAG_SUBJECT_NOT_OVERSIGNED;
	s->domain = da_strdup("example.com");
	s->selector = da_strdup("sel");
	s->algorithm = da_strdup("rsa-sha256");
	s->auid = da_strdup("@example.com");
	s->canon = da_strdup("relaxed/relaxed");
	s->key_bits = 2048;
	s->key_source = da_strdup("archive keys.zone:12");
	s->key_choice = da_strdup("only record for the name");
	s->has_key = true;
	s->key.txt = da_strdup("v=DKIM1; p=AAAA");
	s->key.txt_len = strlen(s->key.txt);
	s->key.origin = da_strdup("keys.zone:12");
	s->key.file = da_strdup("keys.zone");
	s->key.line = 12;
	s->key.source = NULL;
	s->key.first_seen = 1483228800; /* 2017-01-01T00:00:00Z */
	s->key.last_seen = -1;
	s->key.fetched_at = 1493985600; /* 2017-05-05T12:00:00Z */
	s->key.dnssec = 0;
	s->headers = dup_list(h, 4);
	s->nheaders = 4;
	s->l = -1;
	s->t = 1493985600;
	s->x = -1;
	s->body_bytes = 1234;
	s->body_hash_ok = 1;
	s->aligned = true;

	s = &r->sigs[1];
	s->result = DKIMARC_RES_PERMERROR;
	s->reason = DKIMARC_REASON_SIG_MISSING_TAG;
	s->reason_text = NULL;
	s->l = 10;
	s->t = -1;
	s->x = 1493985601;
	s->body_bytes = 20;
	s->body_hash_ok = -1;
	s->flags = DKIMARC_FLAG_BODY_BEYOND_LENGTH | DKIMARC_FLAG_EXPIRED;
	return r;
}

static void names_are_stable(void **state)
{
	(void)state;
	assert_string_equal(dkimarc_result_str(DKIMARC_RES_NONE), "none");
	assert_string_equal(dkimarc_result_str(DKIMARC_RES_POLICY), "policy");
	assert_string_equal(dkimarc_result_str(DKIMARC_RES_PERMERROR), "permerror");
	assert_string_equal(dkimarc_reason_str(DKIMARC_REASON_OK), "ok");
	assert_string_equal(dkimarc_reason_str(DKIMARC_REASON_KEY_STRICT_SUBDOMAIN),
	                    "key_strict_subdomain");
	assert_string_equal(dkimarc_reason_str(DKIMARC_REASON_LIMIT_EXCEEDED), "limit_exceeded");
	for (int i = 0; i < DKIMARC_REASON_COUNT_; i++)
		assert_string_not_equal(dkimarc_reason_str((dkimarc_reason)i), "unknown");
	assert_string_equal(dkimarc_reason_str(DKIMARC_REASON_COUNT_), "unknown");
	assert_string_equal(dkimarc_verdict_str(DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY),
	                    "confirmed-third-party");
	assert_string_equal(dkimarc_verdict_str(DKIMARC_VERDICT_UNSIGNED), "unsigned");
	assert_string_equal(dkimarc_flag_str(DKIMARC_FLAG_FROM_UNSIGNED), "from_unsigned");
	assert_string_equal(dkimarc_flag_str(DKIMARC_FLAG_BODY_BEYOND_LENGTH),
	                    "body_beyond_length");
	assert_string_equal(dkimarc_flag_str(DKIMARC_FLAG_LF_LINE_ENDINGS), "lf_line_endings");
	assert_string_equal(dkimarc_flag_str(DKIMARC_FLAG_KEY_OUTSIDE_WINDOW),
	                    "key_outside_window");
	assert_string_equal(dkimarc_flag_str(DKIMARC_FLAG_FROM_MISSING), "from_missing");
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++)
		assert_non_null(dkimarc_flag_str(1u << i));
	assert_null(dkimarc_flag_str(0));
	assert_null(dkimarc_flag_str(DKIMARC_FLAG_FROM_UNSIGNED | DKIMARC_FLAG_TO_UNSIGNED));
	assert_null(dkimarc_flag_str(1u << DKIMARC_FLAG_COUNT_));
}

static void accessors_read_fields_and_tolerate_null(void **state)
{
	dkimarc_report *r = make_report();
	const dkimarc_sig *s;
	const dkimarc_keyrec *k;

	(void)state;
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	assert_string_equal(dkimarc_report_from_domain(r), "example.com");
	assert_int_equal(dkimarc_report_sig_count(r), 2);
	assert_int_equal(dkimarc_report_time(r), 1493985600);
	assert_null(dkimarc_report_sig(r, 2));
	s = dkimarc_report_sig(r, 0);
	assert_non_null(s);
	assert_int_equal(dkimarc_sig_header_count(s), 4);
	assert_string_equal(dkimarc_sig_header(s, 3), "Date");
	assert_null(dkimarc_sig_header(s, 4));
	assert_int_equal(dkimarc_sig_key_bits(s), 2048);
	assert_true(dkimarc_sig_aligned(s));
	k = dkimarc_sig_key_record(s);
	assert_non_null(k);
	assert_int_equal(k->line, 12);
	s = dkimarc_report_sig(r, 1);
	assert_null(dkimarc_sig_key_record(s));
	assert_null(dkimarc_sig_domain(s));
	assert_int_equal(dkimarc_sig_body_length(s), 10);
	assert_int_equal(dkimarc_sig_timestamp(s), -1);
	assert_false(dkimarc_sig_aligned(s));

	assert_null(dkimarc_report_sig(NULL, 0));
	assert_int_equal(dkimarc_report_sig_count(NULL), 0);
	assert_null(dkimarc_sig_domain(NULL));
	assert_int_equal(dkimarc_sig_body_length(NULL), -1);
	dkimarc_report_free(r);
	dkimarc_report_free(NULL);
}

/* Each key must appear after the previous one in the rendered text. */
static void assert_key_order(const char *text, const char *const *keys, size_t n)
{
	const char *p = text;
	for (size_t i = 0; i < n; i++) {
		char pat[64];
		snprintf(pat, sizeof pat, "\"%s\":", keys[i]);
		p = strstr(p, pat);
		if (!p)
			fail_msg("key %s missing or out of order in %s", keys[i], text);
	}
}

static void json_has_fields_in_order(void **state)
{
	static const char *const top[] = {
	    "file",        "verdict", "verdict_code", "verdict_reason", "flags", "unsigned_fields",
	    "from_domain", "time",    "date",         "signatures",     "arc"};
	static const char *const sig[] = {
	    "index",      "result",     "reason",           "reason_text", "domain",
	    "selector",   "algorithm",  "canonicalization", "auid",        "key_bits",
	    "key_source", "key_choice", "key_record",       "headers",     "body_length",
	    "timestamp",  "expiration", "body_bytes",       "body_hash",   "aligned",
	    "flags"};
	static const char *const rec[] = {"origin",     "file",      "line",       "source",
	                                  "first_seen", "last_seen", "fetched_at", "dnssec"};
	dkimarc_report *r = make_report();
	char *out = NULL;
	json_error_t err;
	json_t *j, *s0, *s1, *k, *a;

	(void)state;
	assert_int_equal(dkimarc_report_json(r, "msg.eml", &out), DKIMARC_OK);
	assert_non_null(out);
	assert_null(strchr(out, '\n'));
	assert_string_equal(strstr(out, "{\"file\":\"msg.eml\","), out);
	assert_key_order(out, top, sizeof top / sizeof top[0]);
	assert_key_order(strstr(out, "\"signatures\":"), sig, sizeof sig / sizeof sig[0]);
	assert_key_order(strstr(out, "\"key_record\":"), rec, sizeof rec / sizeof rec[0]);

	j = json_loads(out, 0, &err);
	if (!j)
		fail_msg("bad JSON: %s: %s", err.text, out);
	assert_string_equal(json_string_value(json_object_get(j, "file")), "msg.eml");
	assert_string_equal(json_string_value(json_object_get(j, "verdict")), "confirmed");
	assert_string_equal(json_string_value(json_object_get(j, "verdict_reason")),
	                    "signed by example.com, aligned with From (example.com)");
	a = json_object_get(j, "flags");
	assert_int_equal(json_array_size(a), 2);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "subject_not_oversigned");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "lf_line_endings");
	assert_string_equal(json_string_value(json_object_get(j, "from_domain")), "example.com");
	assert_true(json_is_integer(json_object_get(j, "time")));
	assert_int_equal(json_integer_value(json_object_get(j, "time")), 1493985600);
	assert_true(json_is_integer(json_object_get(j, "date")));
	assert_int_equal(json_integer_value(json_object_get(j, "date")), 1493892000);
	assert_int_equal(json_array_size(json_object_get(j, "signatures")), 2);

	s0 = json_array_get(json_object_get(j, "signatures"), 0);
	assert_int_equal(json_integer_value(json_object_get(s0, "index")), 0);
	assert_string_equal(json_string_value(json_object_get(s0, "result")), "pass");
	assert_string_equal(json_string_value(json_object_get(s0, "reason")), "ok");
	assert_string_equal(json_string_value(json_object_get(s0, "reason_text")),
	                    "signature verified");
	assert_string_equal(json_string_value(json_object_get(s0, "domain")), "example.com");
	assert_string_equal(json_string_value(json_object_get(s0, "selector")), "sel");
	assert_string_equal(json_string_value(json_object_get(s0, "algorithm")), "rsa-sha256");
	assert_string_equal(json_string_value(json_object_get(s0, "canonicalization")),
	                    "relaxed/relaxed");
	assert_string_equal(json_string_value(json_object_get(s0, "auid")), "@example.com");
	assert_int_equal(json_integer_value(json_object_get(s0, "key_bits")), 2048);
	assert_string_equal(json_string_value(json_object_get(s0, "key_source")),
	                    "archive keys.zone:12");
	assert_string_equal(json_string_value(json_object_get(s0, "key_choice")),
	                    "only record for the name");
	k = json_object_get(s0, "key_record");
	assert_true(json_is_object(k));
	assert_string_equal(json_string_value(json_object_get(k, "origin")), "keys.zone:12");
	assert_string_equal(json_string_value(json_object_get(k, "file")), "keys.zone");
	assert_int_equal(json_integer_value(json_object_get(k, "line")), 12);
	assert_true(json_is_null(json_object_get(k, "source")));
	assert_string_equal(json_string_value(json_object_get(k, "first_seen")),
	                    "2017-01-01T00:00:00Z");
	assert_true(json_is_null(json_object_get(k, "last_seen")));
	assert_string_equal(json_string_value(json_object_get(k, "fetched_at")),
	                    "2017-05-05T12:00:00Z");
	assert_string_equal(json_string_value(json_object_get(k, "dnssec")), "unvalidated");
	a = json_object_get(s0, "headers");
	assert_int_equal(json_array_size(a), 4);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "From");
	assert_string_equal(json_string_value(json_array_get(a, 3)), "Date");
	assert_true(json_is_null(json_object_get(s0, "body_length")));
	assert_int_equal(json_integer_value(json_object_get(s0, "timestamp")), 1493985600);
	assert_true(json_is_null(json_object_get(s0, "expiration")));
	assert_int_equal(json_integer_value(json_object_get(s0, "body_bytes")), 1234);
	assert_string_equal(json_string_value(json_object_get(s0, "body_hash")), "match");
	assert_true(json_is_true(json_object_get(s0, "aligned")));
	a = json_object_get(s0, "flags");
	assert_int_equal(json_array_size(a), 1);
	assert_string_equal(json_string_value(json_array_get(a, 0)), "subject_not_oversigned");

	s1 = json_array_get(json_object_get(j, "signatures"), 1);
	assert_int_equal(json_integer_value(json_object_get(s1, "index")), 1);
	assert_string_equal(json_string_value(json_object_get(s1, "result")), "permerror");
	assert_string_equal(json_string_value(json_object_get(s1, "reason")), "sig_missing_tag");
	assert_true(json_is_null(json_object_get(s1, "reason_text")));
	assert_true(json_is_null(json_object_get(s1, "domain")));
	assert_true(json_is_null(json_object_get(s1, "canonicalization")));
	assert_int_equal(json_integer_value(json_object_get(s1, "key_bits")), 0);
	assert_true(json_is_null(json_object_get(s1, "key_source")));
	assert_true(json_is_null(json_object_get(s1, "key_record")));
	assert_int_equal(json_array_size(json_object_get(s1, "headers")), 0);
	assert_int_equal(json_integer_value(json_object_get(s1, "body_length")), 10);
	assert_true(json_is_null(json_object_get(s1, "timestamp")));
	assert_int_equal(json_integer_value(json_object_get(s1, "expiration")), 1493985601);
	assert_string_equal(json_string_value(json_object_get(s1, "body_hash")), "unchecked");
	assert_true(json_is_false(json_object_get(s1, "aligned")));
	a = json_object_get(s1, "flags");
	assert_string_equal(json_string_value(json_array_get(a, 0)), "body_beyond_length");
	assert_string_equal(json_string_value(json_array_get(a, 1)), "expired");

	json_decref(j);
	dkimarc_free(out);
	dkimarc_report_free(r);
}

static void json_unsigned_report_has_nulls_and_empty_arrays(void **state)
{
	dkimarc_report *r = calloc(1, sizeof *r);
	char *out = NULL;

	(void)state;
	assert_non_null(r);
	r->verdict = DKIMARC_VERDICT_UNSIGNED;
	r->verdict_code = DKIMARC_REASON_NO_SIGNATURE;
	r->at = 0;
	r->date = -1; /* no Date field */
	assert_int_equal(dkimarc_report_json(r, NULL, &out), DKIMARC_OK);
	assert_string_equal(
	    out,
	    "{\"file\":null,\"verdict\":\"unsigned\","
	    "\"verdict_code\":\"no_signature\",\"verdict_reason\":null,"
	    "\"flags\":[],\"unsigned_fields\":[],\"from_domain\":null,\"time\":0,\"date\":null,"
	    "\"signatures\":[],"
	    "\"arc\":{\"result\":\"none\",\"reason\":\"no_arc\","
	    "\"reason_text\":null,\"oldest_pass\":null,"
	    "\"failed_instance\":null,\"instances\":[]}}");
	dkimarc_free(out);
	dkimarc_report_free(r);
}

static void json_replaces_invalid_utf8(void **state)
{
	dkimarc_report *r = make_report();
	char *out = NULL;
	json_t *j, *s0;

	(void)state;
	free(r->sigs[0].domain);
	r->sigs[0].domain = da_strdup("ex\xffmple.com\xc3");
	assert_int_equal(dkimarc_report_json(r, "caf\xc3\xa9.eml", &out), DKIMARC_OK);
	j = json_loads(out, 0, NULL);
	assert_non_null(j);
	assert_string_equal(json_string_value(json_object_get(j, "file")), "caf\xc3\xa9.eml");
	s0 = json_array_get(json_object_get(j, "signatures"), 0);
	assert_string_equal(json_string_value(json_object_get(s0, "domain")),
	                    "ex\xef\xbf\xbdmple.com\xef\xbf\xbd");
	json_decref(j);
	dkimarc_free(out);
	dkimarc_report_free(r);
}

static void text_has_verdict_signatures_and_details(void **state)
{
	dkimarc_report *r = make_report();
	char *out = NULL;

	(void)state;
	assert_int_equal(dkimarc_report_text(r, "msg.eml", &out), DKIMARC_OK);
	assert_string_equal(
	    out, "msg.eml: CONFIRMED \xe2\x80\x94 signed by example.com, aligned with From "
	         "(example.com)\n"
	         "  flags: subject_not_oversigned, lf_line_endings\n"
	         "  [1] pass  d=example.com s=sel a=rsa-sha256 c=relaxed/relaxed 2048-bit key\n"
	         "      signature verified  (ok)\n"
	         "      key: archive keys.zone:12\n"
	         "      key fetched at 2017-05-05T12:00:00Z\n"
	         "      key choice: only record for the name\n"
	         "      tags: t=1493985600 (2017-05-05T12:00:00Z)\n"
	         "      flags: subject_not_oversigned\n"
	         "  [2] permerror  d=? s=? a=? c=?\n"
	         "      (sig_missing_tag)\n"
	         "      tags: l=10 (body 20 bytes) x=1493985601 (2017-05-05T12:00:01Z)\n"
	         "      flags: body_beyond_length, expired\n");
	dkimarc_free(out);
	dkimarc_report_free(r);
}

static void text_without_file_or_reason_is_one_line(void **state)
{
	dkimarc_report *r = calloc(1, sizeof *r);
	char *out = NULL;

	(void)state;
	assert_non_null(r);
	r->verdict = DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY;
	assert_int_equal(dkimarc_report_text(r, NULL, &out), DKIMARC_OK);
	assert_string_equal(out, "CONFIRMED-THIRD-PARTY\n");
	dkimarc_free(out);
	dkimarc_report_free(r);
}

static void text_escapes_control_characters(void **state)
{
	dkimarc_report *r = make_report();
	char *out = NULL;

	(void)state;
	free(r->sigs[0].selector);
	r->sigs[0].selector = da_strdup("sel\x1b[2J\nFAKE");
	assert_int_equal(dkimarc_report_text(r, "m", &out), DKIMARC_OK);
	assert_non_null(strstr(out, " s=sel\\x1b[2J\\x0aFAKE a=rsa-sha256"));
	assert_null(strchr(out, '\x1b'));
	dkimarc_free(out);
	dkimarc_report_free(r);
}

static void renderers_reject_null_arguments(void **state)
{
	char *out = (char *)"x";

	(void)state;
	assert_int_equal(dkimarc_report_json(NULL, NULL, &out), DKIMARC_EINVAL);
	assert_null(out);
	out = (char *)"x";
	assert_int_equal(dkimarc_report_text(NULL, NULL, &out), DKIMARC_EINVAL);
	assert_null(out);
}

/* Members a caller adds: in place, checked, never a second "verdict". */
static void json_ext_adds_members_in_place(void **state)
{
	dkimarc_report *r = calloc(1, sizeof *r);
	char *out = NULL, *plain = NULL;

	(void)state;
	assert_non_null(r);
	r->verdict = DKIMARC_VERDICT_UNSIGNED;
	r->verdict_code = DKIMARC_REASON_NO_SIGNATURE;
	r->date = -1;
	const dkimarc_json_member lead[] = {{"where", "{\"n\":[1,2.5e3,null]}"}};
	const dkimarc_json_member trail[] = {{"run", " \"x\\u00e9\" "}, {"t\"q", "true"}};
	assert_int_equal(dkimarc_report_json_ext(r, "m", lead, 1, trail, 2, &out), DKIMARC_OK);
	assert_int_equal(dkimarc_report_json(r, "m", &plain), DKIMARC_OK);
	/* The plain report with the members spliced in where asked, values as given. */
	const char *after_file = plain + strlen("{\"file\":\"m\"");
	char want[4096];
	snprintf(want, sizeof want,
	         "{\"file\":\"m\",\"where\":{\"n\":[1,2.5e3,null]}%.*s,\"run\": \"x\\u00e9\" "
	         ",\"t\\\"q\":true}",
	         (int)(strlen(after_file) - 1), after_file);
	assert_string_equal(out, want);
	json_error_t e;
	json_t *j = json_loads(out, 0, &e);
	assert_non_null(j);
	assert_true(json_is_true(json_object_get(j, "t\"q")));
	json_decref(j);
	dkimarc_free(out);
	dkimarc_free(plain);

	/* Refused: a value that is not one JSON value, a name of the report's, a name twice. */
	static const char *bad_values[] = {"", "1 2", "{\"a\":}", "[1,]", "'x'", "nul", "\"\x01\""};
	for (size_t i = 0; i < sizeof bad_values / sizeof *bad_values; i++) {
		const dkimarc_json_member m = {"x", bad_values[i]};
		out = (char *)"x";
		assert_int_equal(dkimarc_report_json_ext(r, NULL, NULL, 0, &m, 1, &out),
		                 DKIMARC_EINVAL);
		assert_null(out);
	}
	const dkimarc_json_member own = {"verdict", "\"confirmed\""};
	assert_int_equal(dkimarc_report_json_ext(r, NULL, &own, 1, NULL, 0, &out), DKIMARC_EINVAL);
	assert_non_null(strstr(dkimarc_last_error(), "verdict"));
	const dkimarc_json_member twice[] = {{"a", "1"}, {"a", "2"}};
	assert_int_equal(dkimarc_report_json_ext(r, NULL, twice, 1, twice + 1, 1, &out),
	                 DKIMARC_EINVAL);
	assert_int_equal(dkimarc_report_json_ext(r, NULL, NULL, 0, twice, 2, &out), DKIMARC_EINVAL);
	const dkimarc_json_member unnamed = {NULL, "1"};
	assert_int_equal(dkimarc_report_json_ext(r, NULL, NULL, 0, &unnamed, 1, &out),
	                 DKIMARC_EINVAL);
	assert_int_equal(dkimarc_report_json_ext(r, NULL, NULL, 1, NULL, 0, &out), DKIMARC_EINVAL);
	free(r);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(names_are_stable),
	    cmocka_unit_test(accessors_read_fields_and_tolerate_null),
	    cmocka_unit_test(json_has_fields_in_order),
	    cmocka_unit_test(json_unsigned_report_has_nulls_and_empty_arrays),
	    cmocka_unit_test(json_replaces_invalid_utf8),
	    cmocka_unit_test(text_has_verdict_signatures_and_details),
	    cmocka_unit_test(text_without_file_or_reason_is_one_line),
	    cmocka_unit_test(text_escapes_control_characters),
	    cmocka_unit_test(renderers_reject_null_arguments),
	    cmocka_unit_test(json_ext_adds_members_in_place),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
