/* A corpus item as JSON, with its report. */
#include "corpus_walk.h"
#include "mbox.h"
#include "msg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- JSON -------------------------------------------------------------------- */

/* A JSON string; bytes that are not UTF-8 become U+FFFD, as in reports. */
static json_t *jstr(const char *s)
{
	if (!s)
		return json_null();
	json_t *j = json_string(s);
	if (j)
		return j;
	char *fixed = g_utf8_make_valid(s, -1);
	if (!fixed)
		return NULL;
	j = json_string(fixed);
	g_free(fixed);
	return j;
}

static json_t *jint(int64_t v)
{
	return v < 0 ? json_null() : json_integer((json_int_t)v);
}

static char *dump(json_t *o)
{
	char *s = o ? da_json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
	json_decref(o);
	return s;
}

/* The text is handed over by dkimarc_corpus_item_json(), below. */
static int corpus_item_json_impl(const dkimarc_corpus_item *it, const dkimarc_report *r, char **out)
{
	if (!out)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_json: out is NULL");
	*out = NULL;
	if (!it)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_json: item is NULL");
	if (it->kind != DKIMARC_ITEM_MESSAGE) {
		json_t *o = json_object();
		bool ok = o && json_object_set_new(o, "file", jstr(it->path)) == 0 &&
		          json_object_set_new(o, "index", jint(it->index)) == 0 &&
		          json_object_set_new(o, "offset", jint(it->offset)) == 0 &&
		          json_object_set_new(o, "problem",
		                              json_string(dkimarc_item_kind_str(it->kind))) == 0 &&
		          json_object_set_new(o, "problem_text", jstr(it->problem)) == 0 &&
		          json_object_set_new(o, "note", jstr(it->note)) == 0;
		char *s = ok ? dump(o) : (json_decref(o), NULL);
		if (!s)
			return dc_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
		*out = s;
		return DKIMARC_OK;
	}
	if (!r)
		return dc_fail(DKIMARC_EINVAL,
		               "dkimarc_corpus_item_json: a message needs its report");

	char *rep = NULL, *note = NULL;
	int rc = dkimarc_report_json(r, it->path, &rep);
	if (rc != DKIMARC_OK)
		return rc;
	/* "file" comes first; a key cannot appear inside a JSON string, so the first
	 * ,"verdict": is where the location goes. */
	char *at = strstr(rep, ",\"verdict\":");
	size_t len = strlen(rep);
	if (!at || len < 2 || rep[len - 1] != '}') {
		dkimarc_free(rep);
		return dc_fail(DKIMARC_EFORMAT, "unexpected report JSON");
	}
	char idx[24] = "null", off[24] = "null";
	if (it->index >= 0)
		snprintf(idx, sizeof idx, "%" PRId64, it->index);
	if (it->offset >= 0)
		snprintf(off, sizeof off, "%" PRId64, it->offset);
	note = dump(jstr(it->note));
	if (!note) {
		dkimarc_free(rep);
		return dc_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	}
	size_t head = (size_t)(at - rep);
	*out = dc_format("%.*s,\"index\":%s,\"offset\":%s%.*s,\"note\":%s}", (int)head, rep, idx,
	                 off, (int)(len - 1 - head), at, note);
	if (!*out) {
		rc = dc_fail(DKIMARC_ENOMEM, "out of memory rendering JSON");
	}
	free(note);
	dkimarc_free(rep);
	return rc;
}

int dkimarc_corpus_item_json(const dkimarc_corpus_item *it, const dkimarc_report *r, char **out)
{
	return dc_give(corpus_item_json_impl(it, r, out), out);
}
