/*
 * A 1 GiB message through the streaming verifier, in bounded memory.
 *
 * vectors/stream-1gib/header.eml is a header signed (by
 * vectors/adversarial/make_cases.py) over a body of STREAM_LINES copies of
 * LINE; the test makes that body as it writes it, in writes that end
 * anywhere in a line, so nothing of the size of the body ever exists. The
 * signature must verify, the canonical body length must be exact, and the
 * process's peak RSS must stay under 64 MiB.
 *
 * Under AddressSanitizer this would take minutes, so that build runs the
 * same code over the first 64 MiB of the body (a different, unsigned
 * length: body hash mismatch, exact length) and checks the RSS growth.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "dkimarc.h"

#define DIR SRCDIR "/vectors/stream-1gib/"

#if defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

static const char line[] = "Lorem  ipsum\tdolor sit amet, consectetur adipiscing elit \t \r\n";
/* The same line canonicalized by hand (RFC 6376 §3.4.4, relaxed). */
static const char canon[] = "Lorem ipsum dolor sit amet, consectetur adipiscing elit\r\n";

#define LINE_LEN     (sizeof line - 1)
#define STREAM_LINES ((1ull << 30) / LINE_LEN + 1)
#define CHUNK        65521 /* prime: writes end anywhere in a line */

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

static long peak_rss_kib(void)
{
	struct rusage ru;

	assert_int_equal(getrusage(RUSAGE_SELF, &ru), 0);
	return ru.ru_maxrss;
}

static void one_gib_in_bounded_memory(void **state)
{
	(void)state;
	size_t hlen, klen;
	char *header = slurp(DIR "header.eml", &hlen);
	char *keys = slurp(DIR "dns.txt", &klen);
	dkimarc_ctx *ctx;
	dkimarc_keysrc *src;
	dkimarc_verifier *v;
	dkimarc_report *r;

	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, 1700000000), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_vector_mem(src, "dns.txt", keys, klen),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);

	/* Enough whole lines that a chunk fits from any offset within a line. */
	size_t nrep = CHUNK / LINE_LEN + 2;
	char *pattern = malloc(nrep * LINE_LEN);
	assert_non_null(pattern);
	for (size_t i = 0; i < nrep; i++)
		memcpy(pattern + i * LINE_LEN, line, LINE_LEN);

	uint64_t lines = SANITIZED ? (64ull << 20) / LINE_LEN : STREAM_LINES;
	uint64_t left = lines * LINE_LEN;
	size_t off = 0;
	long rss_before = peak_rss_kib();

	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_write(v, header, hlen), DKIMARC_OK);
	assert_true(dkimarc_verifier_header_done(v));
	while (left > 0) {
		size_t n = left < CHUNK ? (size_t)left : CHUNK;

		assert_int_equal(dkimarc_verifier_write(v, pattern + off, n), DKIMARC_OK);
		off = (off + n) % LINE_LEN;
		left -= n;
	}
	assert_int_equal(dkimarc_verifier_finish(v, &r), DKIMARC_OK);
	dkimarc_verifier_free(v);
	long rss_after = peak_rss_kib();

	assert_int_equal(dkimarc_report_sig_count(r), 1);
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_body_bytes(s), lines * (sizeof canon - 1));
	if (SANITIZED) {
		assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_BODY_HASH_MISMATCH);
		assert_true(rss_after - rss_before < 64 * 1024);
	} else {
		assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_PASS);
		assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
		assert_true(rss_after < 64 * 1024);
	}
	printf("streamed %llu body bytes; peak RSS %ld KiB (%ld KiB before)\n",
	       (unsigned long long)(lines * LINE_LEN), rss_after, rss_before);

	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(pattern);
	free(header);
	free(keys);
}

/* One write holding the header and 256 MiB of body (whole lines): the body is not copied. */
static void one_large_write_is_not_copied(void **state)
{
	(void)state;
	size_t hlen;
	char *header = slurp(DIR "header.eml", &hlen);
	size_t body = ((SANITIZED ? (size_t)64 : 256) << 20) / LINE_LEN * LINE_LEN, n = hlen + body;
	char *m = malloc(n);
	dkimarc_ctx *ctx;
	dkimarc_verifier *v;
	dkimarc_report *r;

	assert_non_null(m);
	memcpy(m, header, hlen);
	for (size_t i = 0; i < body; i++)
		m[hlen + i] = line[i % LINE_LEN];
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	long rss_before = peak_rss_kib();
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_write(v, m, n), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_finish(v, &r), DKIMARC_OK);
	long rss_after = peak_rss_kib();
	assert_true(rss_after - rss_before < 16 * 1024);
	assert_int_equal(dkimarc_sig_body_bytes(dkimarc_report_sig(r, 0)),
	                 body / LINE_LEN * (sizeof canon - 1));
	dkimarc_report_free(r);
	dkimarc_verifier_free(v);
	dkimarc_ctx_free(ctx);
	free(m);
	free(header);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(one_gib_in_bounded_memory),
	    cmocka_unit_test(one_large_write_is_not_copied),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
