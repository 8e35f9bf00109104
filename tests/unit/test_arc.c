/* ARC chain validation: RFC 8617 rules, limits, AAR parsing, sharing with DKIM. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "aar.h"
#include "arc.h"
#include "dkimarc.h"
#include "sig.h"
#include "sign.h"

#define ARC_DIR   SRCDIR "/vectors/arc/"
#define PASS2     "cv_pass_i2_1"
#define RFC6376_A SRCDIR "/vectors/external/rfc/rfc6376-appendix-a/message.eml"

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

static char *case_file(const char *name, const char *file, size_t *len)
{
	char path[512];
	snprintf(path, sizeof path, ARC_DIR "%s/%s", name, file);
	return slurp(path, len);
}

/* A context whose only keys are the case's dns.txt. */
static dkimarc_ctx *ctx_for(const char *name)
{
	char path[512];
	dkimarc_ctx *ctx;
	dkimarc_keysrc *src;
	snprintf(path, sizeof path, ARC_DIR "%s/dns.txt", name);
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, 1700000000), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_vector(src, path), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	return ctx;
}

static dkimarc_report *verify(const dkimarc_ctx *ctx, const char *msg, size_t len)
{
	dkimarc_report *r = NULL;
	assert_int_equal(dkimarc_verify(ctx, msg, len, &r), DKIMARC_OK);
	assert_non_null(r);
	return r;
}

/* Replaces the n-th (0-based) occurrence of from with to; the result is malloc'd. */
static char *replace_nth(const char *s, const char *from, const char *to, int n)
{
	const char *p = s;
	for (int i = 0;; i++) {
		p = strstr(p, from);
		if (!p)
			fail_msg("'%s' occurs fewer than %d times", from, n + 1);
		if (i == n)
			break;
		p += strlen(from);
	}
	size_t pre = (size_t)(p - s), fl = strlen(from), tl = strlen(to), sl = strlen(s);
	char *o = malloc(sl - fl + tl + 1);
	assert_non_null(o);
	memcpy(o, s, pre);
	memcpy(o + pre, to, tl);
	memcpy(o + pre + tl, p + fl, sl - pre - fl + 1);
	return o;
}

/* Verifies the two-hop passing chain after one textual change. */
static dkimarc_report *mutated(const char *from, const char *to, int n)
{
	size_t len;
	char *msg = case_file(PASS2, "message.eml", &len);
	char *m = replace_nth(msg, from, to, n);
	dkimarc_ctx *ctx = ctx_for(PASS2);
	dkimarc_report *r = verify(ctx, m, strlen(m));
	dkimarc_ctx_free(ctx);
	free(m);
	free(msg);
	return r;
}

static void expect_fail(const dkimarc_report *r, dkimarc_arc_reason reason, unsigned inst,
                        const char *text_has)
{
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_FAIL);
	if (dkimarc_report_arc_reason(r) != reason)
		fail_msg("reason %s, want %s (%s)",
		         dkimarc_arc_reason_str(dkimarc_report_arc_reason(r)),
		         dkimarc_arc_reason_str(reason), dkimarc_report_arc_reason_text(r));
	assert_int_equal(dkimarc_report_arc_failed_instance(r), inst);
	assert_int_equal(dkimarc_report_arc_oldest_pass(r), 0);
	if (text_has && !strstr(dkimarc_report_arc_reason_text(r), text_has))
		fail_msg("'%s' not in '%s'", text_has, dkimarc_report_arc_reason_text(r));
}

/* ---- the chain through the public API --------------------------------------- */

static void passing_chain_reports_every_instance(void **state)
{
	(void)state;
	size_t len;
	char *msg = case_file(PASS2, "message.eml", &len);
	dkimarc_ctx *ctx = ctx_for(PASS2);
	dkimarc_report *r = verify(ctx, msg, len);

	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_PASS);
	assert_int_equal(dkimarc_report_arc_reason(r), DKIMARC_ARC_REASON_OK);
	assert_int_equal(dkimarc_report_arc_oldest_pass(r), 1);
	assert_int_equal(dkimarc_report_arc_failed_instance(r), 0);
	assert_int_equal(dkimarc_report_arc_count(r), 2);
	for (size_t i = 0; i < 2; i++) {
		const dkimarc_arc_instance *a = dkimarc_report_arc_instance(r, i);
		assert_int_equal(dkimarc_arc_instance_number(a), i + 1);
		assert_string_equal(dkimarc_arc_instance_domain(a), "example.org");
		assert_string_equal(dkimarc_arc_instance_selector(a), "dummy");
		assert_string_equal(dkimarc_arc_instance_algorithm(a), "rsa-sha256");
		assert_string_equal(dkimarc_arc_instance_cv(a), i == 0 ? "none" : "pass");
		assert_int_equal(dkimarc_arc_instance_seal_result(a), DKIMARC_RES_PASS);
		assert_int_equal(dkimarc_arc_instance_ams_result(a), DKIMARC_RES_PASS);
		const dkimarc_sig *ams = dkimarc_arc_instance_ams(a);
		assert_string_equal(dkimarc_sig_canonicalization(ams), "relaxed/relaxed");
		assert_int_equal(dkimarc_sig_key_bits(ams), 1024);
		assert_non_null(
		    strstr(dkimarc_sig_key_source(dkimarc_arc_instance_seal(a)), "dns.txt:2"));
		assert_int_equal(dkimarc_sig_timestamp(dkimarc_arc_instance_seal(a)), 12345 + i);
		/* The AAR: authserv-id, and results without the "(1024-bit key)" comment. */
		assert_string_equal(dkimarc_arc_instance_authserv_id(a), "lists.example.org");
		assert_int_equal(dkimarc_arc_instance_aar_count(a), 3);
		assert_string_equal(dkimarc_arc_instance_aar_result(a, 0),
		                    "spf=pass smtp.mfrom=jqd@d1.example");
		assert_string_equal(dkimarc_arc_instance_aar_result(a, 1),
		                    "dkim=pass header.i=@d1.example");
		assert_string_equal(dkimarc_arc_instance_aar_result(a, 2), "dmarc=pass");
		assert_null(dkimarc_arc_instance_aar_result(a, 3));
	}
	assert_null(dkimarc_report_arc_instance(r, 2));
	/* ARC does not make an unsigned message anything else. */
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNSIGNED);

	char *text = NULL;
	assert_int_equal(dkimarc_report_text(r, NULL, &text), DKIMARC_OK);
	assert_non_null(strstr(text, "ARC pass (ok)"));
	assert_non_null(strstr(text, "i=2 cv=pass"));
	assert_non_null(strstr(text, "AAR lists.example.org: spf=pass"));
	dkimarc_free(text);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void message_without_arc_is_none(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC6376_A, &len);
	dkimarc_ctx *ctx = ctx_for(PASS2);
	dkimarc_report *r = verify(ctx, msg, len);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_NONE);
	assert_int_equal(dkimarc_report_arc_reason(r), DKIMARC_ARC_REASON_NO_ARC);
	assert_int_equal(dkimarc_report_arc_count(r), 0);
	char *text = NULL;
	assert_int_equal(dkimarc_report_text(r, NULL, &text), DKIMARC_OK);
	assert_null(strstr(text, "ARC"));
	dkimarc_free(text);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
	/* NULL accessors. */
	assert_int_equal(dkimarc_report_arc_result(NULL), DKIMARC_ARC_NONE);
	assert_null(dkimarc_arc_instance_ams(NULL));
	assert_string_equal(dkimarc_arc_reason_str(DKIMARC_ARC_REASON_COUNT_), "unknown");
	assert_string_equal(dkimarc_arc_result_str(DKIMARC_ARC_FAIL), "fail");
}

/* The chain still passes when only an older AMS broke; oldest-pass says where. */
static void older_ams_broken_moves_oldest_pass(void **state)
{
	(void)state;
	size_t len;
	char *msg = case_file("cv_pass_i2_1_ams1_invalid", "message.eml", &len);
	dkimarc_ctx *ctx = ctx_for("cv_pass_i2_1_ams1_invalid");
	dkimarc_report *r = verify(ctx, msg, len);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_PASS);
	assert_int_equal(dkimarc_report_arc_oldest_pass(r), 2);
	const dkimarc_arc_instance *a1 = dkimarc_report_arc_instance(r, 0);
	assert_int_equal(dkimarc_arc_instance_ams_result(a1), DKIMARC_RES_FAIL);
	assert_int_equal(dkimarc_sig_reason(dkimarc_arc_instance_ams(a1)),
	                 DKIMARC_REASON_SIGNATURE_MISMATCH);
	assert_int_equal(dkimarc_arc_instance_seal_result(a1), DKIMARC_RES_PASS);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

/* ---- structure and limits (RFC 8617 §4.2.1, §5.2 steps 1-3) ---------------------- */

static void instance_zero_fails(void **state)
{
	(void)state;
	dkimarc_report *r = mutated("i=1; s=dummy;", "i=0; s=dummy;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_INSTANCE_INVALID, 0, "i=0");
	dkimarc_report_free(r);
	r = mutated("ARC-Authentication-Results: i=1;", "ARC-Authentication-Results: i=0;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_INSTANCE_INVALID, 0, "i=0");
	dkimarc_report_free(r);
}

static void huge_instance_fails_without_overflow(void **state)
{
	(void)state;
	dkimarc_report *r =
	    mutated("i=2; s=dummy;", "i=99999999999999999999999999999999999999; s=dummy;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_TOO_MANY_INSTANCES, 0, "at most 50");
	/* The other sets are still reported. */
	assert_int_equal(dkimarc_report_arc_count(r), 2);
	dkimarc_report_free(r);
	r = mutated("i=2;", "i=18446744073709551617;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_TOO_MANY_INSTANCES, 0, NULL);
	dkimarc_report_free(r);
	r = mutated("i=2; s=dummy;", "i=-2; s=dummy;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_INSTANCE_INVALID, 0, "not a number");
	dkimarc_report_free(r);
}

static void duplicate_instance_fails_and_nothing_is_verified(void **state)
{
	(void)state;
	/* A second ARC-Seal claiming i=1 (the i=2 seal relabelled). */
	dkimarc_report *r = mutated("i=2; s=dummy;", "i=1; s=dummy;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_DUPLICATE, 1, "2 ARC-Seal fields have i=1");
	const dkimarc_arc_instance *a1 = dkimarc_report_arc_instance(r, 0);
	assert_null(dkimarc_arc_instance_seal(a1)); /* no single seal to report */
	/* The chain fails on its structure: its AMS are reported, not verified. */
	const dkimarc_sig *ams1 = dkimarc_arc_instance_ams(a1);
	assert_int_equal(dkimarc_sig_result(ams1), DKIMARC_RES_NONE);
	assert_non_null(strstr(dkimarc_sig_reason_text(ams1), "fails on its structure"));
	assert_string_equal(dkimarc_sig_domain(ams1), "example.org");
	const dkimarc_arc_instance *a2 = dkimarc_report_arc_instance(r, 1);
	assert_int_equal(dkimarc_arc_instance_ams_result(a2), DKIMARC_RES_NONE);
	assert_null(dkimarc_arc_instance_seal(a2));
	dkimarc_report_free(r);
	/* Two identical AARs for i=2. */
	r = mutated("ARC-Authentication-Results: i=2;",
	            "ARC-Authentication-Results: i=2; x; y=z\r\nARC-Authentication-Results: i=2;",
	            0);
	expect_fail(r, DKIMARC_ARC_REASON_DUPLICATE, 2, "ARC-Authentication-Results");
	assert_null(dkimarc_arc_instance_authserv_id(dkimarc_report_arc_instance(r, 1)));
	dkimarc_report_free(r);
}

static void gap_and_missing_field_fail(void **state)
{
	(void)state;
	/* Relabel the whole second set as i=3: set 2 is missing. */
	size_t len;
	char *msg = case_file(PASS2, "message.eml", &len);
	char *a = replace_nth(msg, "i=2; s=dummy;", "i=3; s=dummy;", 0);
	char *b = replace_nth(a, "i=2; s=dummy;", "i=3; s=dummy;", 0);
	char *c = replace_nth(b, "Results: i=2;", "Results: i=3;", 0);
	dkimarc_ctx *ctx = ctx_for(PASS2);
	dkimarc_report *r = verify(ctx, c, strlen(c));
	expect_fail(r, DKIMARC_ARC_REASON_MISSING, 2, "ARC set i=2 is missing");
	dkimarc_report_free(r);
	free(a);
	free(b);
	free(c);
	/* The AAR of i=1 renamed: set 1 has no AAR. */
	r = mutated("ARC-Authentication-Results: i=1;", "X-Authentication-Results: i=1;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_MISSING, 1, "no ARC-Authentication-Results");
	/* Seal 2 is reported but not checked: what it covers is undefined. */
	const dkimarc_sig *s2 = dkimarc_arc_instance_seal(dkimarc_report_arc_instance(r, 1));
	assert_int_equal(dkimarc_sig_result(s2), DKIMARC_RES_NONE);
	assert_non_null(strstr(dkimarc_sig_reason_text(s2), "not checked"));
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void cv_rules(void **state)
{
	(void)state;
	dkimarc_report *r = mutated("cv=pass;", "cv=fail;", 0); /* the latest seal */
	expect_fail(r, DKIMARC_ARC_REASON_CV_FAIL, 2, "cv=fail");
	dkimarc_report_free(r);
	r = mutated("cv=pass;", "cv=none;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_CV_INVALID, 2, "cv=none");
	dkimarc_report_free(r);
	r = mutated("cv=none;", "cv=pass;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_CV_INVALID, 1, "first seal");
	dkimarc_report_free(r);
	/*
	 * An unknown cv= makes that seal malformed; seal 2 covers seal 1's bytes, so
	 * it fails too, and seals are checked from the top down (§5.2 step 6).
	 */
	r = mutated("cv=none;", "cv=maybe;", 0);
	expect_fail(r, DKIMARC_ARC_REASON_SEAL_FAIL, 2, "ARC-Seal i=2");
	const dkimarc_arc_instance *a1 = dkimarc_report_arc_instance(r, 0);
	assert_null(dkimarc_arc_instance_cv(a1));
	assert_int_equal(dkimarc_arc_instance_seal_result(a1), DKIMARC_RES_PERMERROR);
	assert_int_equal(dkimarc_sig_reason(dkimarc_arc_instance_seal(a1)),
	                 DKIMARC_REASON_SIG_SYNTAX);
	assert_non_null(strstr(dkimarc_sig_reason_text(dkimarc_arc_instance_seal(a1)), "maybe"));
	dkimarc_report_free(r);
}

/*
 * Builds n fake ARC sets (i=1..n) over a small message; signatures do not
 * verify. With distinct, every AMS and AS has a key of its own (s=amsK, asK).
 */
static char *fake_chain_keys(unsigned n, bool distinct)
{
	size_t cap = 400 * (size_t)n + 512, o = 0;
	char *m = malloc(cap);
	assert_non_null(m);
	for (unsigned k = n; k >= 1; k--) {
		char as_s[16] = "dummy", ams_s[16] = "dummy";
		if (distinct) {
			snprintf(as_s, sizeof as_s, "as%u", k);
			snprintf(ams_s, sizeof ams_s, "ams%u", k);
		}
		o += (size_t)snprintf(
		    m + o, cap - o,
		    "ARC-Seal: i=%u; a=rsa-sha256; cv=%s; d=example.org; s=%s; b=AAAA\r\n"
		    "ARC-Message-Signature: i=%u; a=rsa-sha256; c=relaxed/relaxed; d=example.org;"
		    " s=%s; h=from; bh=AAAA; b=AAAA\r\n"
		    "ARC-Authentication-Results: i=%u; mx.example.org; arc=pass\r\n",
		    k, k == 1 ? "none" : "pass", as_s, k, ams_s, k);
	}
	o += (size_t)snprintf(m + o, cap - o, "From: a@example.org\r\n\r\nbody\r\n");
	assert_true(o < cap);
	return m;
}

static char *fake_chain(unsigned n)
{
	return fake_chain_keys(n, false);
}

static void fifty_sets_are_checked_fifty_one_are_too_many(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = ctx_for(PASS2);
	char *m = fake_chain(50);
	/* By default 8 sets are evaluated (DKIMARC_LIMIT_ARC_SETS): this chain is not. */
	dkimarc_report *r = verify(ctx, m, strlen(m));
	expect_fail(r, DKIMARC_ARC_REASON_LIMIT_EXCEEDED, 0, "more than the limit of 8");
	assert_int_equal(dkimarc_report_arc_count(r), 50);
	for (size_t i = 0; i < 50; i++) {
		const dkimarc_arc_instance *a = dkimarc_report_arc_instance(r, i);
		assert_int_equal(dkimarc_arc_instance_seal_result(a), DKIMARC_RES_POLICY);
		assert_int_equal(dkimarc_sig_reason(dkimarc_arc_instance_ams(a)),
		                 DKIMARC_REASON_LIMIT_EXCEEDED);
	}
	dkimarc_report_free(r);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 50), DKIMARC_OK);
	r = verify(ctx, m, strlen(m));
	/* Structurally whole: every set is judged, and the latest AMS fails. */
	expect_fail(r, DKIMARC_ARC_REASON_AMS_FAIL, 50, NULL);
	assert_int_equal(dkimarc_report_arc_count(r), 50);
	for (size_t i = 0; i < 50; i++) {
		const dkimarc_arc_instance *a = dkimarc_report_arc_instance(r, i);
		assert_int_equal(dkimarc_arc_instance_seal_result(a), DKIMARC_RES_FAIL);
		assert_int_equal(dkimarc_arc_instance_ams_result(a), DKIMARC_RES_FAIL);
	}
	dkimarc_report_free(r);
	free(m);
	m = fake_chain(51);
	r = verify(ctx, m, strlen(m));
	expect_fail(r, DKIMARC_ARC_REASON_TOO_MANY_INSTANCES, 0, "i=51");
	assert_int_equal(dkimarc_report_arc_count(r), 50);
	dkimarc_report_free(r);
	free(m);
	dkimarc_ctx_free(ctx);
}

static void header_limit_leaves_arc_unevaluated(void **state)
{
	(void)state;
	size_t len;
	char *msg = case_file(PASS2, "message.eml", &len);
	dkimarc_ctx *ctx = ctx_for(PASS2);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_FIELDS, 5), DKIMARC_OK);
	dkimarc_report *r = verify(ctx, msg, len);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	expect_fail(r, DKIMARC_ARC_REASON_LIMIT_EXCEEDED, 0, "header fields");
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

/* ---- streaming, key names, sealers ------------------------------------------------ */

static void streaming_in_small_chunks_equals_one_shot(void **state)
{
	(void)state;
	size_t len;
	char *msg = case_file("cv_pass_i2_1_ams1_invalid", "message.eml", &len);
	dkimarc_ctx *ctx = ctx_for("cv_pass_i2_1_ams1_invalid");
	dkimarc_report *one = verify(ctx, msg, len), *st = NULL;
	dkimarc_verifier *v;
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	for (size_t i = 0; i < len; i += 7)
		assert_int_equal(dkimarc_verifier_write(v, msg + i, len - i < 7 ? len - i : 7),
		                 DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_finish(v, &st), DKIMARC_OK);
	char *a = NULL, *b = NULL;
	assert_int_equal(dkimarc_report_json(one, NULL, &a), DKIMARC_OK);
	assert_int_equal(dkimarc_report_json(st, NULL, &b), DKIMARC_OK);
	assert_string_equal(a, b);
	assert_non_null(strstr(a, "\"oldest_pass\":2"));
	dkimarc_free(a);
	dkimarc_free(b);
	dkimarc_report_free(one);
	dkimarc_report_free(st);
	dkimarc_verifier_free(v);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void key_names_include_seal_and_ams_keys(void **state)
{
	(void)state;
	size_t len;
	char *msg = case_file("ams_as_diff_s_d", "message.eml", &len);
	dkimarc_ctx *ctx = ctx_for("ams_as_diff_s_d");
	dkimarc_verifier *v;
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_write(v, msg, len), DKIMARC_OK);
	assert_true(dkimarc_verifier_header_done(v));
	size_t n = dkimarc_verifier_key_count(v);
	bool dummy = false, dummy2 = false;
	for (size_t i = 0; i < n; i++) {
		const char *k = dkimarc_verifier_key_name(v, i);
		dummy |= strcmp(k, "dummy._domainkey.example.org") == 0;
		dummy2 |= strcmp(k, "dummy2._domainkey.example2.org") == 0;
	}
	assert_int_equal(n, 2);
	assert_true(dummy && dummy2);
	dkimarc_verifier_free(v);
	dkimarc_ctx_free(ctx);
	free(msg);
}

/* A key source that counts its lookups and knows no key. */
static int count_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	(void)name;
	(*(size_t *)impl)++;
	return dkimarc_answer_fail(ans, DKIMARC_LOOKUP_NOT_FOUND, "no such name");
}

static const dkimarc_keysrc_ops count_ops = {DKIMARC_KEYSRC_OPS_VERSION, count_lookup, NULL,
                                             "counting"};

/*
 * Verifies m (streamed) with a counting key source; returns the lookups made,
 * with *names the key names the verifier asked for ahead (prefetch) and
 * *res the ARC reason.
 */
static size_t lookups(dkimarc_ctx *ctx, const char *m, size_t *names, dkimarc_arc_reason *res)
{
	size_t calls = 0;
	dkimarc_keysrc *src;
	dkimarc_verifier *v;
	dkimarc_report *r;
	assert_int_equal(dkimarc_keysrc_new_custom(&src, &count_ops, &calls), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_write(v, m, strlen(m)), DKIMARC_OK);
	assert_true(dkimarc_verifier_header_done(v));
	*names = dkimarc_verifier_key_count(v);
	assert_int_equal(dkimarc_verifier_finish(v, &r), DKIMARC_OK);
	*res = dkimarc_report_arc_reason(r);
	dkimarc_report_free(r);
	dkimarc_verifier_free(v);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, NULL), DKIMARC_OK);
	return calls;
}

static void broken_or_long_chains_fetch_no_arc_key(void **state)
{
	(void)state;
	dkimarc_ctx *ctx;
	size_t names;
	dkimarc_arc_reason why;
	char *m = fake_chain_keys(50, true), *b;

	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, 1700000000), DKIMARC_OK);
	/* 50 whole sets, each AMS and AS with a key of its own: 100 lookups at the RFC's bound. */
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 50), DKIMARC_OK);
	assert_int_equal(lookups(ctx, m, &names, &why), 100);
	assert_int_equal(names, 100);
	assert_int_equal(why, DKIMARC_ARC_REASON_AMS_FAIL);
	/* The same chain failing on its structure: no ARC key at all, whatever the limit. */
	b = replace_nth(m, "ARC-Authentication-Results: i=1;", "X-Authentication-Results: i=1;", 0);
	assert_int_equal(lookups(ctx, b, &names, &why), 0);
	assert_int_equal(names, 0);
	assert_int_equal(why, DKIMARC_ARC_REASON_MISSING);
	free(b);
	b = replace_nth(m, "cv=pass;", "cv=fail;", 0); /* the latest seal, i=50 */
	assert_int_equal(lookups(ctx, b, &names, &why), 0);
	assert_int_equal(names, 0);
	assert_int_equal(why, DKIMARC_ARC_REASON_CV_FAIL);
	free(b);
	b = replace_nth(m, "i=7; a=rsa-sha256; c=", "i=6; a=rsa-sha256; c=", 0);
	assert_int_equal(lookups(ctx, b, &names, &why), 0);
	assert_int_equal(why, DKIMARC_ARC_REASON_DUPLICATE);
	free(b);
	b = replace_nth(m, "i=3; a=rsa-sha256; cv=pass;", "i=x; a=rsa-sha256; cv=pass;", 0);
	assert_int_equal(lookups(ctx, b, &names, &why), 0);
	assert_int_equal(why, DKIMARC_ARC_REASON_INSTANCE_INVALID);
	free(b);
	free(m);
	/* At the default limit of 8 sets: 8 sets are 16 keys, 9 sets none. */
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 8), DKIMARC_OK);
	m = fake_chain_keys(8, true);
	assert_int_equal(lookups(ctx, m, &names, &why), 16);
	assert_int_equal(names, 16);
	assert_int_equal(why, DKIMARC_ARC_REASON_AMS_FAIL);
	free(m);
	m = fake_chain_keys(9, true);
	assert_int_equal(lookups(ctx, m, &names, &why), 0);
	assert_int_equal(names, 0);
	assert_int_equal(why, DKIMARC_ARC_REASON_LIMIT_EXCEEDED);
	free(m);
	dkimarc_ctx_free(ctx);
}

static void sealer_gets_cv_and_next_instance(void **state)
{
	(void)state;
	size_t len;
	dkimarc_arc_result cv;
	unsigned next;
	char *msg = case_file(PASS2, "message.eml", &len);
	dkimarc_ctx *ctx = ctx_for(PASS2);
	assert_int_equal(da_arc_message_cv(ctx, msg, len, &cv, &next), DKIMARC_OK);
	assert_int_equal(cv, DKIMARC_ARC_PASS);
	assert_int_equal(next, 3);
	free(msg);
	msg = slurp(RFC6376_A, &len);
	assert_int_equal(da_arc_message_cv(ctx, msg, len, &cv, &next), DKIMARC_OK);
	assert_int_equal(cv, DKIMARC_ARC_NONE);
	assert_int_equal(next, 1);
	free(msg);
	msg = case_file("cv_fail_i2_as2_invalid", "message.eml", &len);
	assert_int_equal(da_arc_message_cv(ctx, msg, len, &cv, &next), DKIMARC_OK);
	assert_int_equal(cv, DKIMARC_ARC_FAIL);
	assert_int_equal(next, 3);
	free(msg);
	msg = fake_chain(9);
	assert_int_equal(da_arc_message_cv(ctx, msg, strlen(msg), &cv, &next), DKIMARC_OK);
	assert_int_equal(next, 0); /* more sets than the limit: the chain cannot be judged */
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 50), DKIMARC_OK);
	assert_int_equal(da_arc_message_cv(ctx, msg, strlen(msg), &cv, &next), DKIMARC_OK);
	assert_int_equal(next, 10);
	free(msg);
	msg = fake_chain(50);
	assert_int_equal(da_arc_message_cv(ctx, msg, strlen(msg), &cv, &next), DKIMARC_OK);
	assert_int_equal(next, 0); /* no 51st set */
	free(msg);
	msg = fake_chain(51);
	assert_int_equal(da_arc_message_cv(ctx, msg, strlen(msg), &cv, &next), DKIMARC_OK);
	assert_int_equal(cv, DKIMARC_ARC_FAIL);
	assert_int_equal(next, 0);
	free(msg);
	dkimarc_ctx_free(ctx);
}

/* ---- internals: one body hash for DKIM and AMS alike ------------------------------- */

static void ams_shares_the_dkim_body_hash(void **state)
{
	(void)state;
	static const char hdr[] =
	    "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org; s=dummy;"
	    " h=from; bh=AAAA; b=AAAA\r\n"
	    "ARC-Seal: i=1; a=rsa-sha256; cv=none; d=example.org; s=dummy; b=AAAA\r\n"
	    "ARC-Message-Signature: i=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;"
	    " s=dummy; h=from; bh=AAAA; b=AAAA\r\n"
	    "ARC-Authentication-Results: i=1; mx.example.org; none\r\n"
	    "From: a@example.org\r\n";
	da_header h = {0};
	const char *why = NULL;
	char err[256];
	da_sigparams sp;
	da_bhreg reg = {0};
	da_arc *a = NULL;
	assert_int_equal(da_header_split(hdr, sizeof hdr - 1, 100, 10000, &h, &why), DKIMARC_OK);
	assert_int_equal(
	    da_sig_parse(h.f[0].raw, h.f[0].len, h.f[0].value_off, &sp, err, sizeof err),
	    DKIMARC_REASON_OK);
	dkimarc_ctx *ctx;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(da_bhreg_index(&reg, &sp), 0);
	assert_int_equal(da_arc_begin(&h, &reg, &a), DKIMARC_OK);
	assert_non_null(a);
	assert_int_equal(da_arc_sig_count(a), 0); /* until planned */
	assert_int_equal(da_arc_plan(a, ctx), DKIMARC_OK);
	assert_int_equal(reg.n, 1); /* the AMS found the DKIM hasher */
	assert_int_equal(da_arc_sig_count(a), 2);
	da_arc_free(a);
	da_bhreg_free(&reg);
	/* A different body canonicalization needs its own. */
	sp.bcanon = DA_CANON_SIMPLE;
	assert_int_equal(da_bhreg_index(&reg, &sp), 0);
	assert_int_equal(da_arc_begin(&h, &reg, &a), DKIMARC_OK);
	assert_int_equal(da_arc_plan(a, ctx), DKIMARC_OK);
	assert_int_equal(reg.n, 2);
	da_arc_free(a);
	da_bhreg_free(&reg);
	/* Over the limit on ARC sets, no AMS hashes the body or needs a key. */
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 0), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 1), DKIMARC_OK);
	static const char two[] =
	    "ARC-Seal: i=2; a=rsa-sha256; cv=pass; d=example.org; s=dummy; b=AAAA\r\n"
	    "ARC-Message-Signature: i=2; a=rsa-sha256; c=relaxed/relaxed; d=example.org;"
	    " s=dummy; h=from; bh=AAAA; l=1; b=AAAA\r\n"
	    "ARC-Authentication-Results: i=2; mx.example.org; none\r\n";
	char buf[1024];
	snprintf(buf, sizeof buf, "%s%s", two, hdr);
	da_header h2 = {0};
	assert_int_equal(da_header_split(buf, strlen(buf), 100, 10000, &h2, &why), DKIMARC_OK);
	assert_int_equal(da_arc_begin(&h2, &reg, &a), DKIMARC_OK);
	assert_int_equal(da_arc_plan(a, ctx), DKIMARC_OK);
	assert_int_equal(reg.n, 0); /* two sets, limit 1 */
	assert_int_equal(da_arc_sig_count(a), 0);
	da_arc_free(a);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 2), DKIMARC_OK);
	assert_int_equal(da_arc_begin(&h2, &reg, &a), DKIMARC_OK);
	assert_int_equal(da_arc_plan(a, ctx), DKIMARC_OK);
	assert_int_equal(reg.n, 2); /* limit 2: both AMS, one hasher each (l= differs) */
	assert_int_equal(da_arc_sig_count(a), 4);
	da_arc_free(a);
	da_bhreg_free(&reg);
	da_header_free(&h2);
	dkimarc_ctx_free(ctx);
	da_bhreg_free(&reg);
	da_sigparams_clear(&sp);
	da_header_free(&h);
}

/* ---- internals: tags of AMS and AS (RFC 8617 §4.1) --------------------------------- */

static dkimarc_reason arc_parse(da_sigkind kind, const char *value, da_sigparams *sp)
{
	char field[2048], err[256];
	int n = snprintf(field, sizeof field, "X: %s", value);
	return da_arc_sig_parse(kind, field, (size_t)n, 2, sp, err, sizeof err);
}

static void expect_arc(da_sigkind kind, const char *value, dkimarc_reason want)
{
	da_sigparams sp;
	dkimarc_reason got = arc_parse(kind, value, &sp);
	if (got != want)
		fail_msg("%s: got %s, want %s", value, dkimarc_reason_str(got),
		         dkimarc_reason_str(want));
	da_sigparams_clear(&sp);
}

#define AMS "i=1; a=rsa-sha256; d=example.org; s=s; bh=AAAA; b=AAAA; "
#define AS  "i=1; a=rsa-sha256; d=example.org; s=s; b=AAAA; "

static void ams_and_seal_tag_rules(void **state)
{
	(void)state;
	da_sigparams sp;
	/* No v=; i= is the instance, not an identity; From need not be signed. */
	assert_int_equal(arc_parse(DA_SIG_AMS, AMS "h=to:subject", &sp), DKIMARC_REASON_OK);
	assert_null(sp.auid);
	assert_string_equal(sp.canon, "simple/simple"); /* DKIM's default (RFC 6376 §3.5) */
	da_sigparams_clear(&sp);
	/* An empty h= and empty names in it are accepted (what ARC signers do). */
	expect_arc(DA_SIG_AMS, AMS "h=", DKIMARC_REASON_OK);
	expect_arc(DA_SIG_AMS, AMS "h=from::to", DKIMARC_REASON_OK);
	expect_arc(DA_SIG_AMS, AMS "h=from:ARC-Seal", DKIMARC_REASON_SIG_SYNTAX);
	expect_arc(DA_SIG_AMS, "i=1; a=rsa-sha1; d=example.org; s=s; bh=AAAA; b=AAAA; h=from",
	           DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED);
	expect_arc(DA_SIG_AMS, "a=rsa-sha256; d=example.org; s=s; bh=AAAA; b=AAAA; h=from",
	           DKIMARC_REASON_SIG_MISSING_TAG);
	expect_arc(DA_SIG_AMS, AMS, DKIMARC_REASON_SIG_MISSING_TAG); /* h= required */
	expect_arc(DA_SIG_AMS, "i=x; a=rsa-sha256; d=example.org; s=s; bh=AAAA; b=AAAA; h=from",
	           DKIMARC_REASON_SIG_SYNTAX);
	/* Seals: cv= required and one of three words; no h=; always relaxed; no bh=. */
	assert_int_equal(arc_parse(DA_SIG_AS, AS "cv=pass", &sp), DKIMARC_REASON_OK);
	assert_int_equal(sp.cv, DA_CV_PASS);
	assert_int_equal(sp.hcanon, DA_CANON_RELAXED);
	assert_null(sp.canon);
	da_sigparams_clear(&sp);
	expect_arc(DA_SIG_AS, AS "cv=none; c=simple/simple", DKIMARC_REASON_OK);
	expect_arc(DA_SIG_AS, AS, DKIMARC_REASON_SIG_MISSING_TAG);
	expect_arc(DA_SIG_AS, AS "cv=Pass", DKIMARC_REASON_SIG_SYNTAX);
	expect_arc(DA_SIG_AS, AS "cv=none; h=from", DKIMARC_REASON_SIG_SYNTAX);
	expect_arc(DA_SIG_AS, AS "cv=none; i=2", DKIMARC_REASON_SIG_SYNTAX); /* duplicate tag */
	expect_arc(DA_SIG_AS, "i=1; a=ed25519-sha256; d=example.org; s=s; b=AAAA; cv=none",
	           DKIMARC_REASON_OK);
	/* DKIM itself is unchanged: v= and From are still required. */
	char err[128];
	static const char dk[] = "DKIM-Signature: a=rsa-sha256; d=example.org; s=s; bh=AAAA; "
	                         "b=AAAA; h=to";
	assert_int_equal(da_sig_parse(dk, sizeof dk - 1, 15, &sp, err, sizeof err),
	                 DKIMARC_REASON_SIG_MISSING_TAG);
	da_sigparams_clear(&sp);
}

/* ---- internals: ARC-Authentication-Results ----------------------------------------- */

static void aar_instance_must_lead(void **state)
{
	(void)state;
	int64_t inst;
	size_t off;
	static const struct {
		const char *v;
		int ok;
		int64_t inst;
	} cases[] = {
	    {" i=1; mx.example.org; none", 1, 1},
	    {"i = 7 ;x", 1, 7},
	    {" (comment (nested)) I=3 (c);x", 1, 3},
	    {"\r\n\ti=12;", 1, 12},
	    {" i=0; x", 1, 0},
	    {" i=99999999999999999999999; x", 1, 1000000000000LL},
	    {" mx.example.org; i=1;", 0, 0},
	    {" i=1 mx.example.org;", 0, 0},
	    {" i=; x", 0, 0},
	    {" i=a; x", 0, 0},
	    {"", 0, 0},
	    {" (unterminated i=1;", 0, 0},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		int got = da_aar_instance(cases[i].v, strlen(cases[i].v), &inst, &off);
		if (got != cases[i].ok || (got && inst != cases[i].inst))
			fail_msg("'%s': got %d/%lld", cases[i].v, got, (long long)inst);
	}
	assert_int_equal(da_aar_instance("i=2;rest", 8, &inst, &off), 1);
	assert_int_equal(off, 4);
}

static void aar_payload_is_read_for_people(void **state)
{
	(void)state;
	da_aar a;
	static const char v[] = " \"lists example\" 1; dkim=pass (good (really)) header.d=x.org\r\n"
	                        "\t header.s=\"a;b\" ;\r\n spf=fail   smtp.mailfrom=y.org;;";
	assert_int_equal(da_aar_parse(v, sizeof v - 1, &a), DKIMARC_OK);
	assert_string_equal(a.authserv_id, "lists example");
	assert_int_equal(a.n, 2);
	assert_string_equal(a.results[0], "dkim=pass header.d=x.org header.s=\"a;b\"");
	assert_string_equal(a.results[1], "spf=fail smtp.mailfrom=y.org");
	da_aar_clear(&a);
	assert_int_equal(da_aar_parse(" mx.example.org; none", 21, &a), DKIMARC_OK);
	assert_string_equal(a.authserv_id, "mx.example.org");
	assert_int_equal(a.n, 0);
	da_aar_clear(&a);
	assert_int_equal(da_aar_parse("", 0, &a), DKIMARC_OK);
	assert_null(a.authserv_id);
	da_aar_clear(&a);
	/* Bounded: at most DA_AAR_MAX_RESULTS results are kept. */
	char big[4096];
	size_t o = (size_t)snprintf(big, sizeof big, "mx");
	for (int i = 0; i < 100; i++)
		o += (size_t)snprintf(big + o, sizeof big - o, "; m%d=pass", i);
	assert_int_equal(da_aar_parse(big, o, &a), DKIMARC_OK);
	assert_int_equal(a.n, DA_AAR_MAX_RESULTS);
	da_aar_clear(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(passing_chain_reports_every_instance),
	    cmocka_unit_test(message_without_arc_is_none),
	    cmocka_unit_test(older_ams_broken_moves_oldest_pass),
	    cmocka_unit_test(instance_zero_fails),
	    cmocka_unit_test(huge_instance_fails_without_overflow),
	    cmocka_unit_test(duplicate_instance_fails_and_nothing_is_verified),
	    cmocka_unit_test(gap_and_missing_field_fail),
	    cmocka_unit_test(cv_rules),
	    cmocka_unit_test(fifty_sets_are_checked_fifty_one_are_too_many),
	    cmocka_unit_test(header_limit_leaves_arc_unevaluated),
	    cmocka_unit_test(streaming_in_small_chunks_equals_one_shot),
	    cmocka_unit_test(key_names_include_seal_and_ams_keys),
	    cmocka_unit_test(broken_or_long_chains_fetch_no_arc_key),
	    cmocka_unit_test(sealer_gets_cv_and_next_instance),
	    cmocka_unit_test(ams_shares_the_dkim_body_hash),
	    cmocka_unit_test(ams_and_seal_tag_rules),
	    cmocka_unit_test(aar_instance_must_lead),
	    cmocka_unit_test(aar_payload_is_read_for_people),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
