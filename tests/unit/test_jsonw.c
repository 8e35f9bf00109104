/*
 * The streaming JSON writer (lib/jsonw.h) against jansson, the independent
 * truth: the same documents give the same bytes as jansson's compact dump,
 * and its syntax check agrees with jansson's parser.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "jsonw.h"

static uint64_t rng = 0x9e3779b97f4a7c15u;

static uint32_t next(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return (uint32_t)(rng >> 11);
}

/* A random valid UTF-8 string: ASCII with every control byte, and 2- to 4-byte sequences. */
static void random_utf8(char *out, size_t max)
{
	size_t n = 0, want = next() % (max / 4);
	while (n < want) {
		uint32_t k = next() % 10, cp;
		if (k < 6)
			cp = next() % 0x80;
		else if (k < 7)
			cp = 0x80 + next() % (0x800 - 0x80);
		else if (k < 9)
			do
				cp = 0x800 + next() % (0x10000 - 0x800);
			while (cp >= 0xd800 && cp <= 0xdfff);
		else
			cp = 0x10000 + next() % (0x110000 - 0x10000);
		if (cp == 0)
			continue;
		if (cp < 0x80) {
			out[n++] = (char)cp;
		} else if (cp < 0x800) {
			out[n++] = (char)(0xc0 | cp >> 6);
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else if (cp < 0x10000) {
			out[n++] = (char)(0xe0 | cp >> 12);
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		} else {
			out[n++] = (char)(0xf0 | cp >> 18);
			out[n++] = (char)(0x80 | ((cp >> 12) & 0x3f));
			out[n++] = (char)(0x80 | ((cp >> 6) & 0x3f));
			out[n++] = (char)(0x80 | (cp & 0x3f));
		}
	}
	out[n] = '\0';
}

static char *jansson_dump(json_t *j)
{
	char *s = json_dumps(j, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_ENCODE_ANY);
	json_decref(j);
	assert_non_null(s);
	return s;
}

/* Valid strings: exactly jansson's escaping. */
static void test_strings_as_jansson(void **state)
{
	(void)state;
	char s[400];
	da_dyn b = DA_DYN_INIT;
	da_jw w;
	for (int i = 0; i < 20000; i++) {
		random_utf8(s, sizeof s);
		da_dyn_reset(&b);
		da_jw_init(&w, &b);
		da_jw_str(&w, s);
		char *want = jansson_dump(json_string(s));
		assert_int_equal(b.err, DKIMARC_OK);
		assert_string_equal(b.p, want);
		free(want);
	}
	da_dyn_free(&b);
}

/*
 * Bytes that are not UTF-8: each bad byte becomes U+FFFD and the rest is kept,
 * which is jansson's text of the string with those bytes replaced.
 */
static void test_bad_utf8(void **state)
{
	(void)state;
	static const struct {
		const char *in, *fixed;
	} cases[] = {
	    {"a\xff"
	     "b",
	     "a\xef\xbf\xbd"
	     "b"},
	    {"\xc3", "\xef\xbf\xbd"},                                 /* cut short */
	    {"\xc0\xaf", "\xef\xbf\xbd\xef\xbf\xbd"},                 /* overlong */
	    {"\xed\xa0\x80", "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"}, /* a surrogate */
	    {"\xf4\x90\x80\x80x",
	     "\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbdx"}, /* > U+10FFFF */
	    {"\xe2\x82\xac\xe2\x82", "\xe2\x82\xac\xef\xbf\xbd\xef\xbf\xbd"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		da_dyn b = DA_DYN_INIT;
		da_jw w;
		da_jw_init(&w, &b);
		da_jw_str(&w, cases[i].in);
		assert_null(json_string(cases[i].in)); /* what jansson would refuse */
		char *want = jansson_dump(json_string(cases[i].fixed));
		assert_string_equal(b.p, want);
		free(want);
		da_dyn_free(&b);
	}
}

/* A random document of objects, arrays and scalars, written both ways. */
static json_t *random_doc(da_jw *w, int depth)
{
	uint32_t k = depth >= 5 ? next() % 5 : next() % 7;
	char s[64];
	switch (k) {
	case 0:
		da_jw_null(w);
		return json_null();
	case 1: {
		bool v = next() & 1;
		da_jw_bool(w, v);
		return json_boolean(v);
	}
	case 2: {
		int64_t v = (int64_t)(((uint64_t)next() << 32) | next());
		da_jw_int(w, v);
		return json_integer((json_int_t)v);
	}
	case 3:
	case 4:
		random_utf8(s, sizeof s);
		da_jw_str(w, s);
		return json_string(s);
	case 5: {
		json_t *a = json_array();
		da_jw_begin_arr(w);
		for (uint32_t n = next() % 5; n; n--)
			json_array_append_new(a, random_doc(w, depth + 1));
		da_jw_end_arr(w);
		return a;
	}
	default: {
		json_t *o = json_object();
		da_jw_begin_obj(w);
		for (uint32_t n = next() % 5; n; n--) {
			char key[16];
			snprintf(key, sizeof key, "k%u", n); /* distinct within the object */
			da_jw_key(w, key);
			json_object_set_new(o, key, random_doc(w, depth + 1));
		}
		da_jw_end_obj(w);
		return o;
	}
	}
}

static void test_documents_as_jansson(void **state)
{
	(void)state;
	da_dyn b = DA_DYN_INIT;
	for (int i = 0; i < 5000; i++) {
		da_jw w;
		da_dyn_reset(&b);
		da_jw_init(&w, &b);
		char *want = jansson_dump(random_doc(&w, 0));
		assert_int_equal(b.err, DKIMARC_OK);
		assert_int_equal(w.depth, 0);
		assert_string_equal(b.p, want);
		/* What the writer wrote passes its own check, as jansson's parser. */
		assert_true(da_jw_valid(b.p));
		free(want);
	}
	da_dyn_free(&b);
}

/* The syntax check agrees with jansson's parser, on valid text and on its mutations. */
static void test_valid_as_jansson(void **state)
{
	(void)state;
	static const char *fixed[] = {
	    "",
	    " ",
	    "{",
	    "}",
	    "[1,]",
	    "[,1]",
	    "{\"a\"}",
	    "{\"a\":}",
	    "{1:2}",
	    "01",
	    "1.",
	    ".5",
	    "-",
	    "1e",
	    "1e+",
	    "+1",
	    "tru",
	    "nul",
	    "\"\\x\"",
	    "\"\\u12\"",
	    "\"a\nb\"",
	    "[1] [2]",
	    "{\"a\":1,}",
	    "-0.5e-7",
	    " [ ] ",
	    "\"\\u00e9\\n\"",
	    "{\"a\":[true,false,null,{\"b\":\"\"}]}",
	    "1 2",
	    "[\"\xff\"]",
	};
	for (size_t i = 0; i < sizeof fixed / sizeof *fixed; i++) {
		json_error_t e;
		json_t *j = json_loads(fixed[i], JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		if (da_jw_valid(fixed[i]) != (j != NULL))
			fail_msg("%s: check says %d, jansson %d", fixed[i], da_jw_valid(fixed[i]),
			         j != NULL);
		json_decref(j);
	}
	/* Random documents, then each with one byte changed or removed. */
	da_dyn b = DA_DYN_INIT;
	static const char alphabet[] = "{}[]\",:0123456789-+.eE \\untrfals\x01\xc3\xa9";
	for (int i = 0; i < 3000; i++) {
		da_jw w;
		da_dyn_reset(&b);
		da_jw_init(&w, &b);
		json_decref(random_doc(&w, 0));
		char *t = strdup(b.p);
		size_t n = strlen(t);
		assert_non_null(t);
		if (n > 1 && next() % 2) {
			t[next() % n] = alphabet[next() % (sizeof alphabet - 1)];
		} else if (n > 1) {
			size_t at = next() % n;
			memmove(t + at, t + at + 1, n - at);
		}
		json_error_t e;
		json_t *j = json_loads(t, JSON_DECODE_ANY | JSON_ALLOW_NUL, &e);
		/* jansson also refuses numbers it cannot hold; JSON has no such limit. */
		bool range = !j && (strstr(e.text, "too big") || strstr(e.text, "overflow"));
		if (!range && da_jw_valid(t) != (j != NULL))
			fail_msg("%s: check says %d, jansson %d", t, da_jw_valid(t), j != NULL);
		json_decref(j);
		free(t);
	}
	da_dyn_free(&b);
	/* Nesting is bounded, not a stack overflow. */
	char deep[4001];
	memset(deep, '[', 2000);
	memset(deep + 2000, ']', 2000);
	deep[4000] = '\0';
	assert_false(da_jw_valid(deep));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_strings_as_jansson),
	    cmocka_unit_test(test_bad_utf8),
	    cmocka_unit_test(test_documents_as_jansson),
	    cmocka_unit_test(test_valid_as_jansson),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
