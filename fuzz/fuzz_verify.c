/*
 * Whole-message verification with keys held in memory.
 *
 * Input: a key archive (any format the archive loader reads, the vectors'
 * tab-separated one included), a line
 * "=====", then the message. Without that line the whole input is the
 * message and the RFC 6376 / RFC 8463 example keys are used.
 *
 * Properties: verification never fails on a well-formed call; the message
 * streamed in random chunks gives the same report (as JSON) as the one-shot
 * call; a confirmed verdict has a passing signature; no RSA key under 1024
 * bits passes; the key names the verifier asks for are well-formed. One
 * run in two diagnoses failing signatures (lib/diagnose.c), whose findings
 * are then part of the reports compared.
 */
#include "fuzz.h"
#include "internal.h"

#include <string.h>

static const char sep[] = "\n=====\n";

static const char default_keys[] =
    "brisbane._domainkey.example.com\tTXT\tv=DKIM1; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/"
    "zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+"
    "Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB\n"
    "brisbane._domainkey.football.example.com\tTXT\tv=DKIM1; k=ed25519; "
    "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=\n"
    "test._domainkey.football.example.com\tTXT\tv=DKIM1; k=rsa; "
    "p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDkHlOQoBTzWRiGs5V6NpP3idY6Wk08a5qhdR6wy5bdOKb2jLQiY/"
    "J16JYi0Qvx/byYzCNb3W91y3FutACDfzwQ/BC/e/"
    "8uBsCR+yz1Lxj+PL6lHvqMKrM3rG4hstT5QjvHO9PzoxZyVYLzBfO2EeC3Ip3G+"
    "2kryOTIKT+l/K4w3QIDAQAB\n";

static dkimarc_ctx *ctx;

static const char *find_sep(const char *s, size_t n)
{
	for (size_t i = 0; i + sizeof sep - 1 <= n; i++)
		if (memcmp(s + i, sep, sizeof sep - 1) == 0)
			return s + i;
	return NULL;
}

static void check_report(const dkimarc_report *r)
{
	dkimarc_verdict v = dkimarc_report_verdict(r);
	size_t n = dkimarc_report_sig_count(r), npass = 0;

	FUZZ_CHECK(dkimarc_report_verdict_reason(r) != NULL);
	for (size_t i = 0; i < n; i++) {
		const dkimarc_sig *s = dkimarc_report_sig(r, i);

		FUZZ_CHECK(s != NULL && dkimarc_sig_reason_text(s) != NULL);
		if (dkimarc_sig_result(s) != DKIMARC_RES_PASS)
			continue;
		npass++;
		FUZZ_CHECK(dkimarc_sig_reason(s) == DKIMARC_REASON_OK);
		FUZZ_CHECK(dkimarc_sig_domain(s) != NULL && dkimarc_sig_selector(s) != NULL);
		FUZZ_CHECK(dkimarc_sig_key_source(s) != NULL);
		FUZZ_CHECK(dkimarc_sig_key_bits(s) >= 1024 ||
		           strcmp(dkimarc_sig_algorithm(s), "ed25519-sha256") == 0);
	}
	if (v == DKIMARC_VERDICT_CONFIRMED || v == DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY)
		FUZZ_CHECK(npass > 0);
	if (v == DKIMARC_VERDICT_UNSIGNED)
		FUZZ_CHECK(n == 0);
}

static char *render(const dkimarc_report *r)
{
	char *json = NULL, *text = NULL;

	FUZZ_CHECK(dkimarc_report_json(r, "message.eml", &json) == DKIMARC_OK && json != NULL);
	FUZZ_CHECK(dkimarc_report_text(r, NULL, &text) == DKIMARC_OK && text != NULL);
	dkimarc_free(text);
	return json;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *in = (const char *)data, *keys = default_keys, *msg = in;
	size_t klen = sizeof default_keys - 1, mlen = size;
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
	/* May be malformed; a vector's dns.txt is read only when asked for (a failed load changes
	 * nothing). */
	if (dkimarc_keysrc_archive_load_mem(src, "keys", keys, klen) != DKIMARC_OK)
		(void)dkimarc_keysrc_archive_load_vector_mem(src, "keys", keys, klen);
	FUZZ_CHECK(dkimarc_ctx_set_keysrc(ctx, src) == DKIMARC_OK);

	/* One run in four with small limits, so that their paths are reached. */
	uint64_t x = fuzz_rng_next(&rng);
	bool small = (x & 3) == 0;
	dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_SIGNATURES, small ? (x >> 2) % 3 + 1 : 16);
	dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_FIELDS, small ? (x >> 4) % 40 + 1 : 2000);
	dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_FIELD_BYTES, small ? (x >> 10) % 1024 + 1 : 65536);
	dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_HEADER_BYTES,
	                      small ? (x >> 20) % 4096 + 1 : 1024 * 1024);
	dkimarc_ctx_set_strict(ctx, (int)((x >> 40) & 1));
	/* The diagnosis in one run of two, sometimes with a body limit it crosses. */
	dkimarc_ctx_set_diagnose(ctx, !((x >> 41) & 1) ? 0
	                              : (x >> 42) & 1  ? 1u << 24
	                                               : (x >> 43) % 4096 + 1);

	dkimarc_report *r1 = NULL, *r2 = NULL;
	FUZZ_CHECK(dkimarc_verify(ctx, mlen ? msg : NULL, mlen, &r1) == DKIMARC_OK);
	check_report(r1);

	dkimarc_verifier *v = NULL;
	FUZZ_CHECK(dkimarc_verifier_new(ctx, &v) == DKIMARC_OK);
	for (size_t i = 0; i < mlen;) {
		size_t k = fuzz_chunk(&rng, mlen - i);

		FUZZ_CHECK(dkimarc_verifier_write(v, msg + i, k) == DKIMARC_OK);
		i += k;
	}
	if (dkimarc_verifier_header_done(v)) {
		for (size_t i = 0; i < dkimarc_verifier_key_count(v); i++) {
			const char *name = dkimarc_verifier_key_name(v, i);
			FUZZ_CHECK(name != NULL && strstr(name, "._domainkey.") != NULL);
		}
		FUZZ_CHECK(dkimarc_verifier_key_name(v, dkimarc_verifier_key_count(v)) == NULL);
	}
	FUZZ_CHECK(dkimarc_verifier_finish(v, &r2) == DKIMARC_OK);
	dkimarc_verifier_free(v);

	char *j1 = render(r1), *j2 = render(r2);
	if (strcmp(j1, j2) != 0) {
		fprintf(stderr, "one-shot: %s\nstreamed: %s\n", j1, j2);
		FUZZ_CHECK(!"streaming and one-shot reports differ");
	}
	dkimarc_free(j1);
	dkimarc_free(j2);
	dkimarc_report_free(r1);
	dkimarc_report_free(r2);
	return 0;
}
