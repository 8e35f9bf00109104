/*
 * The GMime oracle of the differential reader test (run_reader_diff.py):
 * what a GMime-based mail client displays of each message (gmime_view.h),
 * one JSON object per message (JSON Lines), in the layout py_view.py uses:
 *
 *   {"path", "ok", "from": [addr-spec...], "from_names": [...], "to": [...],
 *    "cc": [...], "subject": str|null, "date": UTC seconds|null,
 *    "ctype": "type/subtype", "body_type": str|null, "body": str|null,
 *    "headers": ["Name:raw value", ...]}
 *
 *   gmime_view FILE...        or, with no FILE, one path per line on stdin
 *
 * A test tool only: linked against GMime 3 and jansson, not part of dkimarc.
 */
#include "gmime_view.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>

static json_t *strs(GPtrArray *a)
{
	json_t *arr = json_array();

	for (guint i = 0; i < a->len; i++)
		json_array_append_new(arr, json_string(g_ptr_array_index(a, i)));
	return arr;
}

static json_t *str_or_null(const char *s)
{
	return s ? json_string(s) : json_null();
}

static void show(const char *path)
{
	gchar *data = NULL;
	gsize len = 0;
	json_t *o = json_object();
	char *path8 = gv_utf8(path);

	json_object_set_new(o, "path", json_string(path8));
	g_free(path8);
	if (!g_file_get_contents(path, &data, &len, NULL)) {
		json_object_set_new(o, "ok", json_false());
		json_object_set_new(o, "error", json_string("cannot read"));
	} else {
		gv_view v;

		gv_parse(data, len, &v);
		json_object_set_new(o, "ok", json_boolean(v.ok));
		json_object_set_new(o, "from", strs(v.from));
		json_object_set_new(o, "from_names", strs(v.from_names));
		json_object_set_new(o, "to", strs(v.to));
		json_object_set_new(o, "cc", strs(v.cc));
		json_object_set_new(o, "subject", str_or_null(v.subject));
		json_object_set_new(o, "date", v.has_date ? json_integer(v.date) : json_null());
		json_object_set_new(o, "ctype", str_or_null(v.ctype));
		json_object_set_new(o, "body_type", str_or_null(v.body_type));
		json_object_set_new(o, "body", str_or_null(v.body));
		json_object_set_new(o, "headers", strs(v.headers));
		gv_free(&v);
		g_free(data);
	}
	char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
	if (s == NULL) {
		fprintf(stderr, "gmime_view: cannot render %s\n", path);
		exit(2);
	}
	puts(s);
	free(s);
	json_decref(o);
}

int main(int argc, char **argv)
{
	g_mime_init();
	if (argc > 1) {
		for (int i = 1; i < argc; i++)
			show(argv[i]);
	} else {
		char *line = NULL;
		size_t cap = 0;
		ssize_t n;

		while ((n = getline(&line, &cap, stdin)) > 0) {
			if (line[n - 1] == '\n')
				line[--n] = '\0';
			if (n > 0)
				show(line);
			fflush(stdout);
		}
		free(line);
	}
	g_mime_shutdown();
	return 0;
}
