/*
 * ARC chain validation (RFC 8617 §5.2) through whole-message verification,
 * with keys in memory. Input as for fuzz_verify: a key archive, a line
 * "=====", the message (without that line: the message alone, no keys).
 *
 * Properties: the chain result agrees with its parts (a pass has at most 50
 * sets, numbered 1..N, every seal passing, cv=none only on the first, and
 * an oldest-pass within the chain; a fail has no oldest-pass); the report
 * streamed in random chunks equals the one-shot report; ARC never touches
 * the DKIM verdict's inputs (the DKIM results are those of the same message
 * with every ARC field renamed away).
 */
#include "fuzz.h"
#include "internal.h"

#include <string.h>
#include <strings.h>

static const char sep[] = "\n=====\n";
static dkimarc_ctx *ctx;

static const char *find_sep(const char *s, size_t n)
{
	for (size_t i = 0; i + sizeof sep - 1 <= n; i++)
		if (memcmp(s + i, sep, sizeof sep - 1) == 0)
			return s + i;
	return NULL;
}

static void check_chain(const dkimarc_report *r)
{
	dkimarc_arc_result res = dkimarc_report_arc_result(r);
	dkimarc_arc_reason why = dkimarc_report_arc_reason(r);
	size_t n = dkimarc_report_arc_count(r);

	FUZZ_CHECK(n <= 50);
	FUZZ_CHECK(dkimarc_report_arc_reason_text(r) != NULL);
	FUZZ_CHECK(dkimarc_report_arc_instance(r, n) == NULL);
	if (res == DKIMARC_ARC_NONE) {
		FUZZ_CHECK(why == DKIMARC_ARC_REASON_NO_ARC);
		FUZZ_CHECK(n == 0);
		return;
	}
	if (res == DKIMARC_ARC_FAIL) {
		FUZZ_CHECK(why != DKIMARC_ARC_REASON_OK && why != DKIMARC_ARC_REASON_NO_ARC);
		FUZZ_CHECK(dkimarc_report_arc_oldest_pass(r) == 0);
		FUZZ_CHECK(dkimarc_report_arc_failed_instance(r) <= 50);
		return;
	}
	FUZZ_CHECK(res == DKIMARC_ARC_PASS && why == DKIMARC_ARC_REASON_OK);
	FUZZ_CHECK(n >= 1 && dkimarc_report_arc_failed_instance(r) == 0);
	unsigned oldest = dkimarc_report_arc_oldest_pass(r);
	FUZZ_CHECK(oldest >= 1 && oldest <= n);
	for (size_t i = 0; i < n; i++) {
		const dkimarc_arc_instance *a = dkimarc_report_arc_instance(r, i);
		const char *cv = dkimarc_arc_instance_cv(a);

		FUZZ_CHECK(dkimarc_arc_instance_number(a) == i + 1);
		FUZZ_CHECK(dkimarc_arc_instance_seal_result(a) == DKIMARC_RES_PASS);
		FUZZ_CHECK(cv != NULL && strcmp(cv, i == 0 ? "none" : "pass") == 0);
		FUZZ_CHECK(dkimarc_arc_instance_authserv_id(a) != NULL);
	}
	const dkimarc_arc_instance *top = dkimarc_report_arc_instance(r, n - 1);
	FUZZ_CHECK(dkimarc_arc_instance_ams_result(top) == DKIMARC_RES_PASS);
}

/* Whether a DKIM signature's h= names an ARC field (renaming it changes the hash). */
static bool signs_arc_fields(const dkimarc_sig *s)
{
	for (size_t i = 0; i < dkimarc_sig_header_count(s); i++)
		if (strncasecmp(dkimarc_sig_header(s, i), "arc-", 4) == 0)
			return true;
	return false;
}

/* The message with every "ARC-" field name turned into "XRC-". */
static char *without_arc(const char *m, size_t n)
{
	char *c = malloc(n ? n : 1);

	FUZZ_CHECK(c != NULL);
	memcpy(c, m, n);
	for (size_t i = 0; i + 4 <= n; i++)
		if ((i == 0 || c[i - 1] == '\n') && strncasecmp(c + i, "ARC-", 4) == 0)
			c[i] = 'X';
	return c;
}

static char *json(const dkimarc_report *r)
{
	char *j = NULL;

	FUZZ_CHECK(dkimarc_report_json(r, NULL, &j) == DKIMARC_OK && j != NULL);
	return j;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *msg = in, *keys = "";
	size_t klen = 0, mlen = size;
	fuzz_rng rng;
	dkimarc_keysrc *src = NULL;

	if (ctx == NULL) {
		FUZZ_CHECK(dkimarc_ctx_new(&ctx) == DKIMARC_OK);
		FUZZ_CHECK(dkimarc_ctx_set_time(ctx, 1700000000) == DKIMARC_OK);
	}
	fuzz_rng_seed(&rng, data, size);
	const char *s = find_sep(in, size);
	if (s != NULL) {
		keys = in;
		klen = (size_t)(s - in) + 1;
		msg = s + sizeof sep - 1;
		mlen = size - (size_t)(msg - in);
	}
	FUZZ_CHECK(dkimarc_keysrc_archive_new(&src) == DKIMARC_OK);
	/* As fuzz_verify: any archive format, a vector's dns.txt included. */
	if (dkimarc_keysrc_archive_load_mem(src, "keys", keys, klen) != DKIMARC_OK)
		(void)dkimarc_keysrc_archive_load_vector_mem(src, "keys", keys, klen);
	FUZZ_CHECK(dkimarc_ctx_set_keysrc(ctx, src) == DKIMARC_OK);

	dkimarc_report *r1 = NULL, *r2 = NULL, *r3 = NULL;
	FUZZ_CHECK(dkimarc_verify(ctx, mlen ? msg : NULL, mlen, &r1) == DKIMARC_OK);
	check_chain(r1);

	dkimarc_verifier *v = NULL;
	FUZZ_CHECK(dkimarc_verifier_new(ctx, &v) == DKIMARC_OK);
	for (size_t i = 0; i < mlen;) {
		size_t k = fuzz_chunk(&rng, mlen - i);

		FUZZ_CHECK(dkimarc_verifier_write(v, msg + i, k) == DKIMARC_OK);
		i += k;
	}
	FUZZ_CHECK(dkimarc_verifier_finish(v, &r2) == DKIMARC_OK);
	dkimarc_verifier_free(v);
	char *j1 = json(r1), *j2 = json(r2);
	FUZZ_CHECK(strcmp(j1, j2) == 0);

	/* DKIM results do not depend on the ARC fields (none is a DKIM-Signature). */
	char *plain = without_arc(msg, mlen);
	FUZZ_CHECK(dkimarc_verify(ctx, mlen ? plain : NULL, mlen, &r3) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_report_sig_count(r1) == dkimarc_report_sig_count(r3));
	for (size_t i = 0; i < dkimarc_report_sig_count(r1); i++) {
		const dkimarc_sig *a = dkimarc_report_sig(r1, i), *b = dkimarc_report_sig(r3, i);
		if (!signs_arc_fields(a))
			FUZZ_CHECK(dkimarc_sig_result(a) == dkimarc_sig_result(b));
	}

	free(plain);
	dkimarc_free(j1);
	dkimarc_free(j2);
	dkimarc_report_free(r1);
	dkimarc_report_free(r2);
	dkimarc_report_free(r3);
	return 0;
}
