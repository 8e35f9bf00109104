/* End-to-end verification through the public API, on the RFC examples. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkimarc.h"

#define RFC6376 SRCDIR "/vectors/external/rfc/rfc6376-appendix-a/message.eml"
#define RFC8463 SRCDIR "/vectors/external/rfc/rfc8463-appendix-a3/message.eml"

static const char brisbane_rsa[] =
    "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/"
    "zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/"
    "NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB";
static const char rfc8463_keys[] =
    "brisbane._domainkey.football.example.com\tTXT\tv=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "test._domainkey.football.example.com\tTXT\tv=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVY"
    "LzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n";

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

/* A context whose archive holds exactly the given text (vector format). */
/* A context with the keys of archive (NULL: none), in the test vectors' format when vector. */
static dkimarc_ctx *ctx_keys(const char *archive, bool vector)
{
	dkimarc_ctx *ctx;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	/* A fixed clock, so that reports compare byte for byte. */
	assert_int_equal(dkimarc_ctx_set_time(ctx, 1700000000), DKIMARC_OK);
	if (archive) {
		dkimarc_keysrc *src;
		assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
		int rc = vector ? dkimarc_keysrc_archive_load_vector_mem(src, "test-archive",
		                                                         archive, strlen(archive))
		                : dkimarc_keysrc_archive_load_mem(src, "test-archive", archive,
		                                                  strlen(archive));
		assert_int_equal(rc, DKIMARC_OK);
		assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	}
	return ctx;
}

static dkimarc_ctx *ctx_with(const char *archive)
{
	return ctx_keys(archive, true);
}

static char *brisbane_archive(const char *record)
{
	static char buf[2048];
	snprintf(buf, sizeof buf, "brisbane._domainkey.example.com\tTXT\t%s\n", record);
	return buf;
}

static dkimarc_report *verify_text(const dkimarc_ctx *ctx, const char *msg, size_t len)
{
	dkimarc_report *r = NULL;
	assert_int_equal(dkimarc_verify(ctx, msg, len, &r), DKIMARC_OK);
	assert_non_null(r);
	return r;
}

static void rfc6376_appendix_a_is_confirmed(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC6376, &len);
	dkimarc_ctx *ctx = ctx_with(brisbane_archive(brisbane_rsa));
	dkimarc_report *r = verify_text(ctx, msg, len);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	assert_int_equal(dkimarc_report_sig_count(r), 1);
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_OK);
	assert_string_equal(dkimarc_sig_domain(s), "example.com");
	assert_string_equal(dkimarc_sig_selector(s), "brisbane");
	assert_string_equal(dkimarc_sig_canonicalization(s), "simple/simple");
	assert_int_equal(dkimarc_sig_key_bits(s), 1024);
	assert_int_equal(dkimarc_sig_header_count(s), 6);
	assert_string_equal(dkimarc_sig_header(s, 0), "Received");
	assert_true(dkimarc_sig_aligned(s));
	assert_non_null(strstr(dkimarc_sig_key_source(s), "test-archive:1"));
	/* Appendix A signs neither Cc nor a second From. */
	assert_true(dkimarc_report_flags(r) & DKIMARC_FLAG_CC_UNSIGNED);
	assert_true(dkimarc_report_flags(r) & DKIMARC_FLAG_FROM_NOT_OVERSIGNED);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void rfc8463_ed25519_and_rsa_both_pass(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC8463, &len);
	dkimarc_ctx *ctx = ctx_with(rfc8463_keys);
	dkimarc_report *r = verify_text(ctx, msg, len);
	assert_int_equal(dkimarc_report_sig_count(r), 2);
	assert_string_equal(dkimarc_sig_algorithm(dkimarc_report_sig(r, 0)), "ed25519-sha256");
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 0)), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_sig_key_bits(dkimarc_report_sig(r, 0)), 256);
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 1)), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	/* h= lists From, Subject and Date twice: oversigned, no flag for them. */
	uint32_t f = dkimarc_sig_flags(dkimarc_report_sig(r, 0));
	assert_false(f & (DKIMARC_FLAG_FROM_NOT_OVERSIGNED | DKIMARC_FLAG_SUBJECT_NOT_OVERSIGNED |
	                  DKIMARC_FLAG_DATE_NOT_OVERSIGNED));
	assert_true(f & DKIMARC_FLAG_TO_NOT_OVERSIGNED);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

/* Every way of cutting the message into chunks gives the same report. */
static void streaming_in_any_chunks_equals_one_shot(void **state)
{
	(void)state;
	const char *paths[] = {RFC6376, RFC8463};
	const char *keys[] = {brisbane_archive(brisbane_rsa), rfc8463_keys};
	for (int p = 0; p < 2; p++) {
		size_t len;
		char *msg = slurp(paths[p], &len);
		char *k = strdup(keys[p == 0 ? 0 : 1]);
		if (p == 0)
			k = strcpy(realloc(k, 2048), brisbane_archive(brisbane_rsa));
		dkimarc_ctx *ctx = ctx_with(k);
		dkimarc_report *one = verify_text(ctx, msg, len);
		char *want = NULL;
		assert_int_equal(dkimarc_report_json(one, NULL, &want), DKIMARC_OK);
		srand(7);
		for (int round = 0; round < 300; round++) {
			dkimarc_verifier *v;
			assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
			size_t pos = 0;
			size_t max = round < 100 ? 3 : 80;
			while (pos < len) {
				size_t n = 1 + (size_t)rand() % max;
				if (n > len - pos)
					n = len - pos;
				assert_int_equal(dkimarc_verifier_write(v, msg + pos, n),
				                 DKIMARC_OK);
				pos += n;
			}
			dkimarc_report *r;
			assert_int_equal(dkimarc_verifier_finish(v, &r), DKIMARC_OK);
			char *got = NULL;
			assert_int_equal(dkimarc_report_json(r, NULL, &got), DKIMARC_OK);
			assert_string_equal(got, want);
			dkimarc_free(got);
			dkimarc_report_free(r);
			dkimarc_verifier_free(v);
		}
		assert_int_equal(dkimarc_report_verdict(one), DKIMARC_VERDICT_CONFIRMED);
		dkimarc_free(want);
		dkimarc_report_free(one);
		dkimarc_ctx_free(ctx);
		free(msg);
		free(k);
	}
}

static char *to_lf(const char *msg, size_t len, size_t *out_len)
{
	char *o = malloc(len + 1);
	size_t n = 0;
	for (size_t i = 0; i < len; i++)
		if (!(msg[i] == '\r' && i + 1 < len && msg[i + 1] == '\n'))
			o[n++] = msg[i];
	*out_len = n;
	return o;
}

static void key_names_known_once_header_is_read(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC8463, &len);
	dkimarc_ctx *ctx = ctx_with(NULL);
	dkimarc_verifier *v;
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_write(v, msg, 100), DKIMARC_OK);
	assert_false(dkimarc_verifier_header_done(v));
	assert_int_equal(dkimarc_verifier_key_count(v), 0);
	const char *body = strstr(msg, "\r\n\r\n");
	assert_int_equal(dkimarc_verifier_write(v, msg + 100, (size_t)(body - msg) + 4 - 100),
	                 DKIMARC_OK);
	assert_true(dkimarc_verifier_header_done(v));
	assert_int_equal(dkimarc_verifier_key_count(v), 2);
	assert_string_equal(dkimarc_verifier_key_name(v, 0),
	                    "brisbane._domainkey.football.example.com");
	assert_string_equal(dkimarc_verifier_key_name(v, 1),
	                    "test._domainkey.football.example.com");
	assert_null(dkimarc_verifier_key_name(v, 2));
	dkimarc_verifier_free(v);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void bare_lf_file_verifies_as_crlf(void **state)
{
	(void)state;
	size_t len, lflen;
	char *msg = slurp(RFC8463, &len);
	char *lf = to_lf(msg, len, &lflen);
	assert_true(lflen < len);
	dkimarc_ctx *ctx = ctx_with(rfc8463_keys);
	dkimarc_report *r = verify_text(ctx, lf, lflen);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 1)), DKIMARC_RES_PASS);
	assert_true(dkimarc_report_flags(r) & DKIMARC_FLAG_LF_LINE_ENDINGS);
	dkimarc_report_free(r);
	/* Streaming byte by byte, so CR/LF decisions cross every boundary. */
	dkimarc_verifier *v;
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	for (size_t i = 0; i < lflen; i++)
		assert_int_equal(dkimarc_verifier_write(v, lf + i, 1), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_finish(v, &r), DKIMARC_OK);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	dkimarc_verifier_free(v);
	dkimarc_ctx_free(ctx);
	free(lf);
	free(msg);
}

static void leading_mbox_from_line_is_skipped(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC8463, &len);
	const char sep[] = "From joe@football.example.com Fri Jul 11 21:00:37 2003\r\n";
	char *m = malloc(len + sizeof sep);
	memcpy(m, sep, sizeof sep - 1);
	memcpy(m + sizeof sep - 1, msg, len);
	dkimarc_ctx *ctx = ctx_with(rfc8463_keys);
	dkimarc_report *r = verify_text(ctx, m, len + sizeof sep - 1);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(m);
	free(msg);
}

static dkimarc_report *verify_modified(const char *path, const char *archive, const char *find,
                                       const char *repl)
{
	size_t len;
	char *msg = slurp(path, &len);
	char *at = strstr(msg, find);
	assert_non_null(at);
	size_t fl = strlen(find), rl = strlen(repl);
	char *m = malloc(len - fl + rl + 1);
	size_t pre = (size_t)(at - msg);
	memcpy(m, msg, pre);
	memcpy(m + pre, repl, rl);
	memcpy(m + pre + rl, at + fl, len - pre - fl);
	dkimarc_ctx *ctx = ctx_with(archive);
	dkimarc_report *r = verify_text(ctx, m, len - fl + rl);
	dkimarc_ctx_free(ctx);
	free(m);
	free(msg);
	return r;
}

static void changed_body_is_body_hash_mismatch(void **state)
{
	(void)state;
	dkimarc_report *r = verify_modified(RFC6376, brisbane_archive(brisbane_rsa),
	                                    "We lost the game", "We won the game");
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_FAIL);
	assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_BODY_HASH_MISMATCH);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
	dkimarc_report_free(r);
}

static void changed_subject_is_signature_mismatch(void **state)
{
	(void)state;
	dkimarc_report *r =
	    verify_modified(RFC6376, brisbane_archive(brisbane_rsa), "Subject: Is dinner ready?",
	                    "Subject: Is lunch ready?");
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_SIGNATURE_MISMATCH);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
	dkimarc_report_free(r);
}

static void relaxed_survives_whitespace_change(void **state)
{
	(void)state;
	dkimarc_report *r = verify_modified(RFC8463, rfc8463_keys, "Subject: Is dinner ready?",
	                                    "Subject:   Is  dinner\tready?  ");
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
}

static void from_added_above_signed_from_is_altered(void **state)
{
	(void)state;
	dkimarc_report *r =
	    verify_modified(RFC6376, brisbane_archive(brisbane_rsa),
	                    "Received:", "From: Mallory <m@evil.example>\r\nReceived:");
	/* The signature still verifies (bottom-up selection), but two From fields. */
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 0)), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
	assert_true(dkimarc_report_flags(r) & DKIMARC_FLAG_MULTIPLE_FROM);
	dkimarc_report_free(r);
}

static void expect_key_reason(const char *record, dkimarc_result res, dkimarc_reason reason,
                              dkimarc_verdict verdict)
{
	size_t len;
	char *msg = slurp(RFC6376, &len);
	dkimarc_ctx *ctx = ctx_with(record ? brisbane_archive(record) : NULL);
	dkimarc_report *r = verify_text(ctx, msg, len);
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_result(s), res);
	assert_int_equal(dkimarc_sig_reason(s), reason);
	assert_int_equal(dkimarc_report_verdict(r), verdict);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void key_problems_have_their_reasons(void **state)
{
	(void)state;
	char rec[1024];
	const char *p = strstr(brisbane_rsa, "p=");
	expect_key_reason(NULL, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_NOT_FOUND,
	                  DKIMARC_VERDICT_UNVERIFIABLE);
	expect_key_reason("v=DKIM1; p=", DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_REVOKED,
	                  DKIMARC_VERDICT_UNVERIFIABLE);
	snprintf(rec, sizeof rec, "v=DKIM1; k=ed25519; %s", p);
	expect_key_reason(rec, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_TYPE_MISMATCH,
	                  DKIMARC_VERDICT_UNVERIFIABLE);
	snprintf(rec, sizeof rec, "v=DKIM1; h=sha1; %s", p);
	expect_key_reason(rec, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_HASH_NOT_ALLOWED,
	                  DKIMARC_VERDICT_UNVERIFIABLE);
	snprintf(rec, sizeof rec, "v=DKIM1; s=other; %s", p);
	expect_key_reason(rec, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_SERVICE_MISMATCH,
	                  DKIMARC_VERDICT_UNVERIFIABLE);
	/* i=joe@football.example.com is in a subdomain of d=example.com. */
	snprintf(rec, sizeof rec, "v=DKIM1; t=s; %s", p);
	expect_key_reason(rec, DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_STRICT_SUBDOMAIN,
	                  DKIMARC_VERDICT_UNVERIFIABLE);
	expect_key_reason("v=DKIM1; p=AAAA", DKIMARC_RES_PERMERROR, DKIMARC_REASON_KEY_SYNTAX,
	                  DKIMARC_VERDICT_UNVERIFIABLE);
	snprintf(rec, sizeof rec, "v=DKIM1; t=y; %s", p);
	expect_key_reason(rec, DKIMARC_RES_PASS, DKIMARC_REASON_OK, DKIMARC_VERDICT_CONFIRMED);
}

static void servfail_is_temperror(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC6376, &len);
	dkimarc_ctx *ctx = ctx_with("brisbane._domainkey.example.com\tSERVFAIL\n");
	dkimarc_report *r = verify_text(ctx, msg, len);
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 0)), DKIMARC_RES_TEMPERROR);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 0)), DKIMARC_REASON_DNS_TEMPFAIL);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void archive_window_picks_record_seen_at_date(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC6376, &len);
	/* Two records: an older, different key, and the right one seen 2003-2005. The
	 * message has no t=, so its Date (2003-07-12) decides. */
	char arch[4096];
	snprintf(arch, sizeof arch,
	         "{\"name\":\"brisbane._domainkey.example.com\",\"txt\":\"v=DKIM1; "
	         "p=MIGJAoGBALVI635dLK4cJJAH3Lx6upo3X/Lm1tQz3mezcWTA3BUBnyIsdnRf57aD5BtNmhPrYYDlWl"
	         "zw3UgnKisIxktkk5+iMQMlFtAS10JB8L3YadXNJY+JBcbeSi5TgJe4WFzNgW95FWDAuSTRXSWZfA/"
	         "8xjflbTLDx0euFZOM7C4T0GwLAgMBAAE=\",\"first_seen\":\"2000-01-01T00:00:00Z\","
	         "\"last_seen\":\"2002-12-31T00:00:00Z\"}\n"
	         "{\"name\":\"brisbane._domainkey.example.com\",\"txt\":\"%s\",\"first_seen\":"
	         "\"2003-01-01T00:00:00Z\",\"last_seen\":\"2005-01-01T00:00:00Z\"}\n",
	         brisbane_rsa);
	dkimarc_ctx *ctx = ctx_keys(arch, false);
	dkimarc_report *r = verify_text(ctx, msg, len);
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_PASS);
	assert_non_null(dkimarc_sig_key_choice(s));
	assert_non_null(strstr(dkimarc_sig_key_choice(s), "test-archive:2"));
	assert_non_null(strstr(dkimarc_sig_key_choice(s), "contains the Date"));
	assert_false(dkimarc_sig_flags(s) & DKIMARC_FLAG_KEY_OUTSIDE_WINDOW);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

static void unsigned_message(void **state)
{
	(void)state;
	const char m[] = "From: a@example.com\r\nSubject: hi\r\n\r\nbody\r\n";
	dkimarc_ctx *ctx = ctx_with(NULL);
	dkimarc_report *r = verify_text(ctx, m, strlen(m));
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNSIGNED);
	assert_int_equal(dkimarc_report_sig_count(r), 0);
	assert_string_equal(dkimarc_report_from_domain(r), "example.com");
	dkimarc_report_free(r);
	/* Empty input and header-only input are unsigned too, not errors. */
	r = verify_text(ctx, "", 0);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNSIGNED);
	dkimarc_report_free(r);
	r = verify_text(ctx, "Subject: x", 10);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNSIGNED);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
}

static void limits_are_enforced(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC8463, &len);
	dkimarc_ctx *ctx = ctx_with(rfc8463_keys);
	dkimarc_report *r;

	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_SIGNATURES, 1), DKIMARC_OK);
	r = verify_text(ctx, msg, len);
	assert_int_equal(dkimarc_report_sig_count(r), 2);
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 0)), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 1)),
	                 DKIMARC_REASON_LIMIT_EXCEEDED);
	assert_int_not_equal(dkimarc_sig_result(dkimarc_report_sig(r, 1)), DKIMARC_RES_PASS);
	dkimarc_report_free(r);

	/* Malformed signatures on top do not use up the limit. */
	char *junk = malloc(len + 64);
	strcpy(junk, "DKIM-Signature: v=1; junk\r\nDKIM-Signature: x\r\n");
	size_t jl = strlen(junk);
	memcpy(junk + jl, msg, len);
	r = verify_text(ctx, junk, jl + len);
	assert_int_equal(dkimarc_report_sig_count(r), 4);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 0)), DKIMARC_REASON_SIG_SYNTAX);
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 2)), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 3)),
	                 DKIMARC_REASON_LIMIT_EXCEEDED);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	free(junk);

	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_FIELDS, 4), DKIMARC_OK);
	r = verify_text(ctx, msg, len);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	assert_non_null(strstr(dkimarc_report_verdict_reason(r), "header fields"));
	dkimarc_report_free(r);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_FIELDS, 100), DKIMARC_OK);

	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_FIELD_BYTES, 100), DKIMARC_OK);
	r = verify_text(ctx, msg, len);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	dkimarc_report_free(r);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_FIELD_BYTES, 1000), DKIMARC_OK);

	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_BYTES, 200), DKIMARC_OK);
	r = verify_text(ctx, msg, len);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	assert_non_null(strstr(dkimarc_report_verdict_reason(r), "header bytes"));
	dkimarc_report_free(r);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_BYTES, 10000), DKIMARC_OK);

	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_MESSAGE_BYTES, 100), DKIMARC_OK);
	r = NULL;
	assert_int_equal(dkimarc_verify(ctx, msg, len, &r), DKIMARC_ELIMIT);
	assert_null(r);
	assert_non_null(strstr(dkimarc_last_error(), "streaming"));
	dkimarc_ctx_free(ctx);
	free(msg);
}

/*
 * One line-end rule for header and body: a bare LF is a line end read as
 * CRLF. A bare LF in the body of a CRLF file hashes like CRLF, so the
 * signature verifies; the message is not confirmed, as readers split a file
 * that mixes the two otherwise (docs/verdicts.md).
 */
static void bare_lf_in_crlf_body_verifies_but_is_not_confirmed(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC6376, &len);
	char *body = strstr(msg, "\r\n\r\n");
	assert_non_null(body);
	char *crlf = strstr(body + 4, "\r\n"); /* the first body line's end */
	assert_non_null(crlf);
	memmove(crlf, crlf + 1, len - (size_t)(crlf + 1 - msg) + 1);
	len--;
	dkimarc_ctx *ctx = ctx_with(brisbane_archive(brisbane_rsa));
	dkimarc_report *r = verify_text(ctx, msg, len);
	/* The signature verifies by the one line-end rule; readers split mixed ends otherwise. */
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 0)), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
	assert_int_equal(dkimarc_report_verdict_code(r), DKIMARC_REASON_DISPLAY_DIFFERS);
	assert_true(dkimarc_report_flags(r) & DKIMARC_FLAG_MIXED_LINE_ENDINGS);
	assert_false(dkimarc_report_flags(r) & DKIMARC_FLAG_LF_LINE_ENDINGS);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(msg);
}

/* A finished verifier takes no more bytes and gives no second report. */
static void finished_verifier_refuses_more_calls(void **state)
{
	(void)state;
	size_t len;
	char *msg = slurp(RFC6376, &len);
	dkimarc_ctx *ctx = ctx_with(brisbane_archive(brisbane_rsa));
	dkimarc_verifier *v;
	dkimarc_report *r = NULL, *r2 = (dkimarc_report *)1;
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_write(v, msg, len), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_finish(v, &r), DKIMARC_OK);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	assert_int_equal(dkimarc_verifier_write(v, "x", 1), DKIMARC_ESTATE);
	assert_int_equal(dkimarc_verifier_finish(v, &r2), DKIMARC_ESTATE);
	assert_null(r2);
	dkimarc_report_free(r);
	dkimarc_verifier_free(v);
	dkimarc_ctx_free(ctx);
	free(msg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(bare_lf_in_crlf_body_verifies_but_is_not_confirmed),
	    cmocka_unit_test(finished_verifier_refuses_more_calls),
	    cmocka_unit_test(rfc6376_appendix_a_is_confirmed),
	    cmocka_unit_test(rfc8463_ed25519_and_rsa_both_pass),
	    cmocka_unit_test(streaming_in_any_chunks_equals_one_shot),
	    cmocka_unit_test(key_names_known_once_header_is_read),
	    cmocka_unit_test(bare_lf_file_verifies_as_crlf),
	    cmocka_unit_test(leading_mbox_from_line_is_skipped),
	    cmocka_unit_test(changed_body_is_body_hash_mismatch),
	    cmocka_unit_test(changed_subject_is_signature_mismatch),
	    cmocka_unit_test(relaxed_survives_whitespace_change),
	    cmocka_unit_test(from_added_above_signed_from_is_altered),
	    cmocka_unit_test(key_problems_have_their_reasons),
	    cmocka_unit_test(servfail_is_temperror),
	    cmocka_unit_test(archive_window_picks_record_seen_at_date),
	    cmocka_unit_test(unsigned_message),
	    cmocka_unit_test(limits_are_enforced),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
