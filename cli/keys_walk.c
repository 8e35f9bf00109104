/* The corpus walk of the key commands (keyopts.h): as `dkimarc scan` reads paths. */
#include "cli.h"
#include "keyopts.h"
#include "scan.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

bool keys_walk(char **paths, size_t npaths, FILE *own, struct progress *pg, keys_walk_fn fn,
               void *arg, size_t *problems)
{
	dkimarc_corpus *c = NULL;
	dkimarc_corpus_item *it = NULL;
	size_t added = 0, items = 0;
	bool failed = false;

	if (dkimarc_corpus_new(&c) != DKIMARC_OK) {
		cli_error("out of memory");
		return true;
	}
	for (size_t i = 0; i < npaths; i++)
		if (strcmp(paths[i], "-") != 0 &&
		    dkimarc_corpus_add_path(c, paths[i]) == DKIMARC_OK)
			added++;
	/* The archive being written is never read as mail. */
	if (own && dkimarc_corpus_exclude_fd(c, fileno(own)) != DKIMARC_OK)
		added = 0;
	while (added && dkimarc_corpus_next(c, &it) == DKIMARC_OK && it) {
		const char *path = dkimarc_corpus_item_path(it);
		int64_t index = dkimarc_corpus_item_index(it);
		dkimarc_item_kind k = dkimarc_corpus_item_kind(it);
		char where[64] = "";
		if (index >= 0)
			snprintf(where, sizeof where, "#%" PRId64, index);
		if (pg)
			progress_draw(pg, "reading headers", ++items, false);
		if (k == DKIMARC_ITEM_MESSAGE) {
			dkimarc_msgreader *mr = NULL;
			int rc = dkimarc_corpus_item_open(it, &mr);
			if (rc == DKIMARC_EFORMAT) {
				/* A .eml or maildir file that is not mail: skipped. */
				(*problems)++;
				cli_error("skipped %s%s: %s", path, where, dkimarc_last_error());
			} else if (rc != DKIMARC_OK) {
				cli_error("cannot read %s%s: %s", path, where,
				          dkimarc_last_error());
				failed = true;
			} else if (fn(arg, mr, path, index) < 0) {
				failed = true;
			}
			dkimarc_msgreader_free(mr);
		} else {
			/* Never skipped silently; only what could hold mail is an error. */
			(*problems)++;
			bool bad = k == DKIMARC_ITEM_UNREADABLE || k == DKIMARC_ITEM_TOO_LARGE;
			cli_error("%s %s%s: %s", bad ? "cannot read" : "skipped", path, where,
			          dkimarc_corpus_item_problem(it));
			failed |= bad;
		}
		dkimarc_corpus_item_free(it);
		it = NULL;
	}
	dkimarc_corpus_free(c);
	if (pg)
		progress_clear(pg);
	return failed;
}
