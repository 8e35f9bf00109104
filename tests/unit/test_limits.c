/*
 * Resource limits (docs/limits.md) at their default values, against the
 * hostile shapes issue 9 names: 10,000 header fields, a 1 MB header field,
 * a header over 1 MiB, 1,000 signatures, 60 ARC sets, a message over the
 * one-shot size. Each limit is checked on both sides of its boundary, in
 * the one-shot and the streaming API.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkimarc.h"

#define RFC8463 SRCDIR "/vectors/external/rfc/rfc8463-appendix-a3/message.eml"
#define ARC60   SRCDIR "/vectors/adversarial/arc-60-sets/"

static const char rfc8463_keys[] =
    "brisbane._domainkey.football.example.com\tTXT\tv=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "test._domainkey.football.example.com\tTXT\tv=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQi"
    "Y/J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVY"
    "LzBfO2EeC3Ip3G+2kryOTIKT+l/K4w3QIDAQAB\n";

/* A growing buffer for building hostile messages. */
typedef struct {
	char *p;
	size_t n, cap;
} buf;

static void put(buf *b, const char *s, size_t n)
{
	if (b->cap - b->n < n + 1) {
		while (b->cap - b->n < n + 1)
			b->cap = b->cap ? b->cap * 2 : 4096;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

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

static dkimarc_ctx *ctx_with(const char *archive, size_t len)
{
	dkimarc_ctx *ctx;
	dkimarc_keysrc *src;

	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, 1700000000), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_vector_mem(src, "keys", archive, len),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	return ctx;
}

static dkimarc_ctx *rfc8463_ctx(void)
{
	return ctx_with(rfc8463_keys, strlen(rfc8463_keys));
}

/* Verifies one-shot and streamed in 4 KiB writes; both reports must agree on the verdict. */
static dkimarc_report *verify_both(const dkimarc_ctx *ctx, const char *m, size_t n)
{
	dkimarc_report *r1 = NULL, *r2 = NULL;
	dkimarc_verifier *v = NULL;

	assert_int_equal(dkimarc_verify(ctx, m, n, &r1), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	for (size_t i = 0; i < n; i += 4096)
		assert_int_equal(dkimarc_verifier_write(v, m + i, n - i < 4096 ? n - i : 4096),
		                 DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_finish(v, &r2), DKIMARC_OK);
	dkimarc_verifier_free(v);
	assert_int_equal(dkimarc_report_verdict(r1), dkimarc_report_verdict(r2));
	assert_int_equal(dkimarc_report_sig_count(r1), dkimarc_report_sig_count(r2));
	assert_string_equal(dkimarc_report_verdict_reason(r1), dkimarc_report_verdict_reason(r2));
	dkimarc_report_free(r2);
	return r1;
}

/* The RFC 8463 example with `extra` placed at the top of its header. */
static buf with_fields_on_top(const char *extra, size_t extra_len)
{
	size_t len;
	char *msg = slurp(RFC8463, &len);
	buf b = {0};

	put(&b, extra, extra_len);
	put(&b, msg, len);
	free(msg);
	return b;
}

static void expect_limit(dkimarc_report *r, const char *what)
{
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	assert_non_null(strstr(dkimarc_report_verdict_reason(r), what));
	assert_int_equal(dkimarc_report_sig_count(r), 0);
}

static void defaults_are_documented(void **state)
{
	(void)state;
	dkimarc_ctx *ctx;

	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_limit(ctx, DKIMARC_LIMIT_SIGNATURES), 16);
	assert_int_equal(dkimarc_ctx_limit(ctx, DKIMARC_LIMIT_HEADER_FIELDS), 2000);
	assert_int_equal(dkimarc_ctx_limit(ctx, DKIMARC_LIMIT_FIELD_BYTES), 65536);
	assert_int_equal(dkimarc_ctx_limit(ctx, DKIMARC_LIMIT_HEADER_BYTES), 1024 * 1024);
	assert_int_equal(dkimarc_ctx_limit(ctx, DKIMARC_LIMIT_MESSAGE_BYTES), 256 * 1024 * 1024);
	assert_int_equal(dkimarc_ctx_limit(ctx, DKIMARC_LIMIT_ARC_SETS), 8);
	/* 0 would refuse every message; it is an invalid value, not "no limit". */
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_FIELDS, 0),
	                 DKIMARC_EINVAL);
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_COUNT_, 1), DKIMARC_EINVAL);
	dkimarc_ctx_free(ctx);
}

/* Counts the RFC 8463 example's header fields. */
static size_t rfc8463_fields(void)
{
	size_t len, n = 0;
	char *m = slurp(RFC8463, &len);
	char *end = strstr(m, "\r\n\r\n");

	for (char *p = m; p < end + 2; p = strstr(p, "\r\n") + 2)
		n += p[0] != ' ' && p[0] != '\t';
	free(m);
	return n;
}

static void ten_thousand_header_fields(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = rfc8463_ctx();
	size_t base = rfc8463_fields();
	buf extra = {0};
	char line[64];

	/* Exactly at the limit: verified. */
	for (size_t i = 0; i < 2000 - base; i++) {
		snprintf(line, sizeof line, "X-Filler-%05zu: v\r\n", i);
		puts_(&extra, line);
	}
	buf m = with_fields_on_top(extra.p, extra.n);
	dkimarc_report *r = verify_both(ctx, m.p, m.n);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	free(m.p);

	/* One more, and 10,000 in all: not verified, and the reason names the limit. */
	puts_(&extra, "X-One-More: v\r\n");
	m = with_fields_on_top(extra.p, extra.n);
	r = verify_both(ctx, m.p, m.n);
	expect_limit(r, "header fields");
	dkimarc_report_free(r);
	free(m.p);
	for (size_t i = 2000 - base + 1; i < 10000 - base; i++)
		puts_(&extra, "X-F: v\r\n");
	m = with_fields_on_top(extra.p, extra.n);
	r = verify_both(ctx, m.p, m.n);
	expect_limit(r, "header fields");
	dkimarc_report_free(r);
	free(m.p);
	free(extra.p);
	dkimarc_ctx_free(ctx);
}

/* A field of exactly n bytes with its CRLF, folded every 78 bytes. */
static buf field_of(size_t n)
{
	buf b = {0};

	puts_(&b, "X-Big: ");
	while (b.n < n - 2) {
		size_t room = n - 2 - b.n;

		if (room > 3 && b.n % 80 == 77)
			puts_(&b, "\r\n ");
		else
			put(&b, "w", 1);
	}
	puts_(&b, "\r\n");
	assert_int_equal(b.n, n);
	return b;
}

static void one_megabyte_header_field(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = rfc8463_ctx();

	buf f = field_of(65536);
	buf m = with_fields_on_top(f.p, f.n);
	dkimarc_report *r = verify_both(ctx, m.p, m.n);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	free(m.p);
	free(f.p);

	f = field_of(65537);
	m = with_fields_on_top(f.p, f.n);
	r = verify_both(ctx, m.p, m.n);
	expect_limit(r, "bytes per header field");
	dkimarc_report_free(r);
	free(m.p);
	free(f.p);

	f = field_of(1000000);
	m = with_fields_on_top(f.p, f.n);
	r = verify_both(ctx, m.p, m.n);
	expect_limit(r, "bytes per header field");
	dkimarc_report_free(r);
	free(m.p);
	free(f.p);
	dkimarc_ctx_free(ctx);
}

static void header_over_one_mebibyte(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = rfc8463_ctx();
	size_t len;
	char *msg = slurp(RFC8463, &len);
	size_t hlen = (size_t)(strstr(msg, "\r\n\r\n") - msg) + 2;
	buf f = field_of(60000), extra = {0};

	/* Fields of 60,000 bytes up to just under 1 MiB of header in all: verified. */
	while (extra.n + f.n + hlen <= 1024 * 1024)
		put(&extra, f.p, f.n);
	buf m = with_fields_on_top(extra.p, extra.n);
	dkimarc_report *r = verify_both(ctx, m.p, m.n);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	free(m.p);

	put(&extra, f.p, f.n);
	m = with_fields_on_top(extra.p, extra.n);
	r = verify_both(ctx, m.p, m.n);
	expect_limit(r, "header bytes");
	dkimarc_report_free(r);

	/*
	 * Streaming a header that never ends: past the limit nothing more is
	 * kept, and the writes still succeed (64 MiB of header-like junk).
	 */
	dkimarc_verifier *v;
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	for (int i = 0; i < 64 * 16; i++)
		assert_int_equal(dkimarc_verifier_write(v, f.p, f.n), DKIMARC_OK);
	assert_false(dkimarc_verifier_header_done(v));
	assert_int_equal(dkimarc_verifier_finish(v, &r), DKIMARC_OK);
	expect_limit(r, "header bytes");
	dkimarc_report_free(r);
	dkimarc_verifier_free(v);

	free(m.p);
	free(f.p);
	free(extra.p);
	free(msg);
	dkimarc_ctx_free(ctx);
}

/* The RFC 8463 Ed25519 DKIM-Signature field, with its CRLF. */
static buf ed25519_signature_field(void)
{
	size_t len;
	char *msg = slurp(RFC8463, &len);
	char *s = strstr(msg, "DKIM-Signature: v=1; a=ed25519-sha256");
	buf b = {0};

	assert_non_null(s);
	char *e = s;
	do {
		e = strstr(e, "\r\n") + 2;
	} while (*e == ' ' || *e == '\t');
	put(&b, s, (size_t)(e - s));
	free(msg);
	return b;
}

static void one_thousand_signatures(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = rfc8463_ctx();
	buf sigf = ed25519_signature_field(), extra = {0};

	/* 1,000 copies of a valid signature: 16 are evaluated (and pass), the rest are not. */
	for (int i = 0; i < 1000; i++)
		put(&extra, sigf.p, sigf.n);
	buf m = with_fields_on_top(extra.p, extra.n);
	dkimarc_report *r = verify_both(ctx, m.p, m.n);
	size_t n = dkimarc_report_sig_count(r), pass = 0, limited = 0;
	assert_int_equal(n, 1002);
	for (size_t i = 0; i < n; i++) {
		const dkimarc_sig *s = dkimarc_report_sig(r, i);

		pass += dkimarc_sig_result(s) == DKIMARC_RES_PASS;
		if (dkimarc_sig_reason(s) == DKIMARC_REASON_LIMIT_EXCEEDED) {
			limited++;
			assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_POLICY);
		}
	}
	assert_int_equal(pass, 16);
	assert_int_equal(limited, 1002 - 16);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	free(m.p);

	/* 1,000 malformed ones do not count: both real signatures are still evaluated. */
	extra.n = 0;
	for (int i = 0; i < 1000; i++)
		puts_(&extra, "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; bh=@@; b=x\r\n");
	m = with_fields_on_top(extra.p, extra.n);
	r = verify_both(ctx, m.p, m.n);
	assert_int_equal(dkimarc_report_sig_count(r), 1002);
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 1000)), DKIMARC_RES_PASS);
	assert_int_equal(dkimarc_sig_result(dkimarc_report_sig(r, 1001)), DKIMARC_RES_PASS);
	dkimarc_report_free(r);
	free(m.p);
	free(extra.p);
	free(sigf.p);
	dkimarc_ctx_free(ctx);
}

static void sixty_arc_sets(void **state)
{
	(void)state;
	size_t klen, mlen;
	char *keys = slurp(ARC60 "dns.txt", &klen);
	char *msg = slurp(ARC60 "message.eml", &mlen);
	dkimarc_ctx *ctx = ctx_with(keys, klen);
	dkimarc_report *r = verify_both(ctx, msg, mlen);

	/* Every set is properly sealed; only the 50-set limit of RFC 8617 fails the chain. */
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_FAIL);
	assert_int_equal(dkimarc_report_arc_reason(r), DKIMARC_ARC_REASON_TOO_MANY_INSTANCES);
	assert_true(dkimarc_report_arc_count(r) <= 50);
	/* A failing structure: none of the 100 seals and AMS is verified. */
	for (size_t i = 0; i < dkimarc_report_arc_count(r); i++)
		assert_int_equal(
		    dkimarc_arc_instance_seal_result(dkimarc_report_arc_instance(r, i)),
		    DKIMARC_RES_NONE);
	/* ARC never changes the DKIM verdict: the DKIM signature is intact. */
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(keys);
	free(msg);
}

static void one_shot_size_is_checked_before_reading(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = rfc8463_ctx();
	char small[16] = "From: a@b\r\n\r\n";
	dkimarc_report *r = NULL;

	/* The claimed length is over the default 256 MiB: refused before any byte is read. */
	assert_int_equal(dkimarc_verify(ctx, small, (size_t)256 * 1024 * 1024 + 1, &r),
	                 DKIMARC_ELIMIT);
	assert_null(r);
	assert_non_null(strstr(dkimarc_last_error(), "streaming"));
	assert_int_equal(dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_MESSAGE_BYTES, 14), DKIMARC_OK);
	assert_int_equal(dkimarc_verify(ctx, small, 14, &r), DKIMARC_OK);
	dkimarc_report_free(r);
	assert_int_equal(dkimarc_verify(ctx, small, 15, &r), DKIMARC_ELIMIT);
	dkimarc_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(defaults_are_documented),
	    cmocka_unit_test(ten_thousand_header_fields),
	    cmocka_unit_test(one_megabyte_header_field),
	    cmocka_unit_test(header_over_one_mebibyte),
	    cmocka_unit_test(one_thousand_signatures),
	    cmocka_unit_test(sixty_arc_sets),
	    cmocka_unit_test(one_shot_size_is_checked_before_reading),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
