/* A corpus item as JSON, with its report (docs/scan.md). */
#include "corpus_walk.h"
#include "jsonw.h"
#include "mbox.h"
#include "msg.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One value as JSON text into buf (a number or null), for the report's lead members. */
static const char *num_or_null(char buf[24], int64_t v)
{
	if (v < 0)
		return "null";
	snprintf(buf, 24, "%" PRId64, v);
	return buf;
}

static int problem_json(const dkimarc_corpus_item *it, const char *file,
                        const dkimarc_json_member *trail, size_t ntrail, char **out)
{
	static const char *const own[] = {"file",    "index",        "offset",
	                                  "problem", "problem_text", "note"};
	char why[300];
	if (!da_jw_members_ok("dkimarc_corpus_item_json_ext", own, sizeof own / sizeof *own, NULL,
	                      0, trail, ntrail, why, sizeof why))
		return dc_fail(DKIMARC_EINVAL, "%s", why);
	da_dyn b;
	da_jw w;
	da_dyn_init(&b, DA_DYN_NO_CAP); /* a few hundred bytes, and the caller's members */
	da_jw_init(&w, &b);
	da_jw_begin_obj(&w);
	da_jw_kstr(&w, "file", file);
	da_jw_kint_opt(&w, "index", it->index);
	da_jw_kint_opt(&w, "offset", it->offset);
	da_jw_kstr(&w, "problem", dkimarc_item_kind_str(it->kind));
	da_jw_kstr(&w, "problem_text", it->problem);
	da_jw_kstr(&w, "note", it->note);
	for (size_t i = 0; i < ntrail; i++) {
		da_jw_key(&w, trail[i].name);
		da_jw_raw(&w, trail[i].value);
	}
	da_jw_end_obj(&w);
	*out = da_dyn_take(&b);
	if (!*out)
		return dc_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	return dc_give(DKIMARC_OK, out);
}

/* *out is for dkimarc_free(): the core's report text as it is, or a problem's. */
static int item_json_impl(const dkimarc_corpus_item *it, const dkimarc_report *r, const char *file,
                          const dkimarc_json_member *trail, size_t ntrail, char **out)
{
	if (!out)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_json: out is NULL");
	*out = NULL;
	if (!it)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_json: item is NULL");
	if (ntrail && !trail)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_json_ext: members are NULL");
	if (!file)
		file = it->path;
	if (it->kind != DKIMARC_ITEM_MESSAGE)
		return problem_json(it, file, trail, ntrail, out);
	if (!r)
		return dc_fail(DKIMARC_EINVAL,
		               "dkimarc_corpus_item_json: a message needs its report");

	/* The item's members around the report's: where it lies first, the note last. */
	char idx[24], off[24];
	dkimarc_json_member lead[2] = {{"index", num_or_null(idx, it->index)},
	                               {"offset", num_or_null(off, it->offset)}};
	dkimarc_json_member fixed[8], *tail = fixed;
	da_dyn note;
	da_jw w;
	da_dyn_init(&note, DA_DYN_NO_CAP);
	da_jw_init(&w, &note);
	da_jw_str(&w, it->note);
	if (note.err != DKIMARC_OK) {
		da_dyn_free(&note);
		return dc_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	}
	if (ntrail + 1 > sizeof fixed / sizeof *fixed &&
	    !(tail = calloc(ntrail + 1, sizeof *tail))) {
		da_dyn_free(&note);
		return dc_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	}
	tail[0] = (dkimarc_json_member){"note", note.p};
	for (size_t i = 0; i < ntrail; i++)
		tail[i + 1] = trail[i];
	int rc = dkimarc_report_json_ext(r, file, lead, 2, tail, ntrail + 1, out);
	if (tail != fixed)
		free(tail);
	da_dyn_free(&note);
	return rc;
}

int dkimarc_corpus_item_json(const dkimarc_corpus_item *it, const dkimarc_report *r, char **out)
{
	return item_json_impl(it, r, NULL, NULL, 0, out);
}

int dkimarc_corpus_item_json_ext(const dkimarc_corpus_item *it, const dkimarc_report *r,
                                 const char *file, const dkimarc_json_member *trail, size_t ntrail,
                                 char **out)
{
	return item_json_impl(it, r, file, trail, ntrail, out);
}
