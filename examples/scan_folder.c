/*
 * scan_folder: verifies every message under some paths (folders, maildirs,
 * mbox files, single messages) against a key archive and prints one line
 * per item: "PATH: VERDICT", "PATH#N: VERDICT" for the Nth message of an
 * mbox, or "PATH: problem KIND: WHY" for a file that is not a message.
 *
 *   scan_folder KEYS PATH...
 *
 * It uses the corpus reader, libdkimarc-corpus, which reads mbox files
 * through GMime; a program that verifies single messages needs only the
 * core, libdkimarc (see verify_file.c). Exit status: 0 when every message
 * is confirmed (or confirmed-third-party), 1 otherwise, 2 on an error.
 *
 * Build against an installed libdkimarc with pkg-config:
 *   cc scan_folder.c $(pkg-config --cflags --libs dkimarc-corpus) -o scan_folder
 * or with CMake: see CMakeLists.txt beside this file.
 */
#include <dkimarc/corpus.h>
#include <inttypes.h>
#include <stdio.h>

static int fail(const char *what)
{
	fprintf(stderr, "scan_folder: %s: %s\n", what, dkimarc_last_error());
	return 2;
}

/* Verifies one message item and prints its line; 0 confirmed, 1 not, 2 error. */
static int verify_item(const dkimarc_ctx *ctx, dkimarc_corpus_item *it)
{
	dkimarc_report *r = NULL;
	const char *path = dkimarc_corpus_item_path(it);
	int64_t index = dkimarc_corpus_item_index(it);
	int rc = dkimarc_corpus_item_verify(ctx, it, &r);

	if (rc != DKIMARC_OK) {
		/* What reading found is reported as the walk's problems are. */
		if (rc != DKIMARC_EFORMAT && rc != DKIMARC_EIO && rc != DKIMARC_ELIMIT)
			return fail(path);
		dkimarc_corpus_item_set_problem(it,
		                                rc == DKIMARC_EFORMAT  ? DKIMARC_ITEM_NOT_MAIL
		                                : rc == DKIMARC_ELIMIT ? DKIMARC_ITEM_TOO_LARGE
		                                                       : DKIMARC_ITEM_UNREADABLE,
		                                dkimarc_last_error());
		return -1;
	}
	dkimarc_verdict v = dkimarc_report_verdict(r);
	if (index > 0)
		printf("%s#%" PRId64 ": %s\n", path, index, dkimarc_verdict_str(v));
	else
		printf("%s: %s\n", path, dkimarc_verdict_str(v));
	dkimarc_report_free(r);
	return v == DKIMARC_VERDICT_CONFIRMED || v == DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY ? 0 : 1;
}

int main(int argc, char **argv)
{
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *keys = NULL;
	dkimarc_corpus *corpus = NULL;
	dkimarc_corpus_item *it = NULL;
	int rc = 0;

	if (argc < 3) {
		fprintf(stderr, "usage: scan_folder KEYS PATH...\n");
		return 2;
	}
	if (dkimarc_ctx_new(&ctx) != DKIMARC_OK ||
	    dkimarc_keysrc_archive_new(&keys) != DKIMARC_OK ||
	    dkimarc_keysrc_archive_load(keys, argv[1]) != DKIMARC_OK) {
		dkimarc_keysrc_free(keys);
		rc = fail(argv[1]);
		goto out;
	}
	/* The context takes the source, whether this succeeds or fails. */
	if (dkimarc_ctx_set_keysrc(ctx, keys) != DKIMARC_OK) {
		rc = fail("key source");
		goto out;
	}
	if (dkimarc_corpus_new(&corpus) != DKIMARC_OK) {
		rc = fail("corpus");
		goto out;
	}
	for (int i = 2; i < argc; i++) {
		if (dkimarc_corpus_add_path(corpus, argv[i]) != DKIMARC_OK) {
			rc = fail(argv[i]);
			goto out;
		}
	}
	/* Items come in a fixed order: paths as given, folders sorted by name. */
	for (;;) {
		int r = -1;
		if (dkimarc_corpus_next(corpus, &it) != DKIMARC_OK) {
			rc = fail("walk");
			break;
		}
		if (it == NULL)
			break;
		if (dkimarc_corpus_item_kind(it) == DKIMARC_ITEM_MESSAGE)
			r = verify_item(ctx, it);
		if (r == 2) {
			rc = 2;
			break;
		}
		if (r < 0) /* a problem: never skipped silently */
			printf("%s: problem %s: %s\n", dkimarc_corpus_item_path(it),
			       dkimarc_item_kind_str(dkimarc_corpus_item_kind(it)),
			       dkimarc_corpus_item_problem(it));
		else if (r > rc)
			rc = r;
		dkimarc_corpus_item_free(it);
		it = NULL;
	}
out:
	dkimarc_corpus_item_free(it);
	dkimarc_corpus_free(corpus);
	dkimarc_ctx_free(ctx);
	return rc;
}
