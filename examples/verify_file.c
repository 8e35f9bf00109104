/*
 * verify_file: the smallest useful dkimarc program. It verifies one stored
 * message against a key archive and prints the verdict.
 *
 *   verify_file KEYS MESSAGE
 *
 * KEYS is a key archive (DNS zone file, OpenDKIM key file, JSON Lines or the
 * tab-separated vector format). Exit status: 0 when the message is confirmed
 * (or confirmed-third-party), 1 for any other verdict, 2 on an error.
 *
 * Build against an installed libdkimarc with pkg-config:
 *   cc verify_file.c $(pkg-config --cflags --libs dkimarc) -o verify_file
 * or with CMake: see CMakeLists.txt beside this file.
 */
#include <dkimarc.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

static int fail(const char *what)
{
	/* dkimarc_last_error() names the file, line or limit at fault. */
	fprintf(stderr, "verify_file: %s: %s\n", what, dkimarc_last_error());
	return 2;
}

int main(int argc, char **argv)
{
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *keys = NULL;
	dkimarc_verifier *v = NULL;
	dkimarc_report *report = NULL;
	char buf[64 * 1024];
	size_t n;
	FILE *f;
	int rc = 2;

	if (argc != 3) {
		fprintf(stderr, "usage: verify_file KEYS MESSAGE\n");
		return 2;
	}

	/* Set the context up once; any number of threads could then share it. */
	if (dkimarc_ctx_new(&ctx) != DKIMARC_OK ||
	    dkimarc_keysrc_archive_new(&keys) != DKIMARC_OK ||
	    dkimarc_keysrc_archive_load(keys, argv[1]) != DKIMARC_OK) {
		rc = fail(argv[1]);
		goto out;
	}
	/* The context takes the source, whether this succeeds or fails. */
	int set = dkimarc_ctx_set_keysrc(ctx, keys);
	keys = NULL;
	if (set != DKIMARC_OK) {
		rc = fail("key source");
		goto out;
	}

	f = fopen(argv[2], "rb");
	if (!f) {
		fprintf(stderr, "verify_file: %s: %s\n", argv[2], strerror(errno));
		goto out;
	}
	/* Streaming: memory stays flat whatever the size of the message. */
	if (dkimarc_verifier_new(ctx, &v) != DKIMARC_OK) {
		fclose(f);
		rc = fail("verifier");
		goto out;
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0) {
		if (dkimarc_verifier_write(v, buf, n) != DKIMARC_OK)
			break;
	}
	if (ferror(f)) {
		fprintf(stderr, "verify_file: %s: read error\n", argv[2]);
		fclose(f);
		goto out;
	}
	fclose(f);
	/* A failed write leaves the verifier spent; finish then reports why. */
	if (dkimarc_verifier_finish(v, &report) != DKIMARC_OK) {
		rc = fail(argv[2]);
		goto out;
	}

	dkimarc_verdict verdict = dkimarc_report_verdict(report);
	printf("%s: %s\n", argv[2], dkimarc_verdict_str(verdict));
	printf("  %s\n", dkimarc_report_verdict_reason(report));
	for (size_t i = 0; i < dkimarc_report_sig_count(report); i++) {
		const dkimarc_sig *s = dkimarc_report_sig(report, i);
		const char *d = dkimarc_sig_domain(s), *sel = dkimarc_sig_selector(s);

		printf("  [%zu] %s d=%s s=%s: %s\n", i + 1,
		       dkimarc_result_str(dkimarc_sig_result(s)), d ? d : "?", sel ? sel : "?",
		       dkimarc_sig_reason_text(s));
	}
	rc = (verdict == DKIMARC_VERDICT_CONFIRMED ||
	      verdict == DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY)
	         ? 0
	         : 1;
out:
	dkimarc_report_free(report);
	dkimarc_verifier_free(v);
	dkimarc_keysrc_free(keys);
	dkimarc_ctx_free(ctx);
	return rc;
}
