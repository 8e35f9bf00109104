/*
 * The reader's view of a header (lib/view.c). The expectations follow how
 * Python's email package (policy=default) splits these headers: a bare CR
 * ends a line, a line that is not "name:" ends the header, the topmost
 * instance is the one shown.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "view.h"

typedef struct {
	const char *h;
	size_t len;
	da_header hdr;
} hdr_t;

static void split(hdr_t *t, const char *h)
{
	const char *why = NULL;
	t->h = h;
	t->len = strlen(h);
	memset(&t->hdr, 0, sizeof t->hdr);
	assert_int_equal(da_header_split(h, t->len, 1000, 100000, &t->hdr, &why), DKIMARC_OK);
}

static bool *all(const hdr_t *t, bool v)
{
	bool *c = calloc(t->hdr.n, sizeof *c);
	assert_non_null(c);
	for (size_t i = 0; i < t->hdr.n; i++)
		c[i] = v;
	return c;
}

#define STD "From: a@example.com\r\nTo: b@example.net\r\nSubject: hi\r\nDate: x\r\n"

static void clean_header_is_not_malformed(void **state)
{
	(void)state;
	hdr_t t;
	da_view_hit hit;
	split(&t, "DKIM-Signature: v=1\r\n" STD "X-A: 1\r\n\tfolded\r\n");
	assert_false(da_view_malformed(&t.hdr, NULL, &hit));
	assert_false(da_view_differs(t.h, t.len, &t.hdr, &hit));
	da_header_free(&t.hdr);
}

static void malformed_kinds(void **state)
{
	(void)state;
	static const struct {
		const char *h;
		da_view_problem p;
		size_t field, line;
	} cases[] = {
	    {STD "no colon here\r\n", DA_VIEW_NO_COLON, 4, 5},
	    {STD "X Mailer: y\r\n", DA_VIEW_BAD_NAME, 4, 5},
	    {STD "X-Mailer : y\r\n", DA_VIEW_BAD_NAME, 4, 5},
	    {STD "X-M\xe4iler: y\r\n", DA_VIEW_BAD_NAME, 4, 5},
	    {STD "X-\x01: y\r\n", DA_VIEW_BAD_NAME, 4, 5},
	    {STD ": empty name\r\n", DA_VIEW_BAD_NAME, 4, 5},
	    {" Received: x\r\n" STD, DA_VIEW_LEADING_WSP, 0, 1},
	    {"X-Score: 0\rFrom: c@evil.test\r\n" STD, DA_VIEW_BARE_CR, 0, 1},
	    {"From: a@example.com\r\nX-P: 1\r\r\nTo: b\r\n", DA_VIEW_BARE_CR, 1, 2},
	    {"X-A: 1\r\n\tmore\r\nX-B: 2\r\n\tend\r\r\n", DA_VIEW_BARE_CR, 1, 3},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		hdr_t t;
		da_view_hit hit = {0};
		split(&t, cases[i].h);
		assert_true(da_view_malformed(&t.hdr, NULL, &hit));
		assert_int_equal(hit.problem, cases[i].p);
		assert_int_equal(hit.field, cases[i].field);
		assert_int_equal(da_view_line(t.h, &t.hdr.f[hit.field]), cases[i].line);
		da_header_free(&t.hdr);
	}
}

static void bare_cr_in_covered_field_is_the_signers(void **state)
{
	(void)state;
	hdr_t t;
	da_view_hit hit;
	split(&t, "Subject: a\rb\r\n" STD);
	bool *cov = all(&t, false);
	assert_true(da_view_malformed(&t.hdr, cov, &hit));
	cov[0] = true;
	assert_false(da_view_malformed(&t.hdr, cov, &hit));
	/* Covered or not, a bad name stays malformed. */
	free(cov);
	da_header_free(&t.hdr);
	split(&t, "X Y: a\r\n" STD);
	cov = all(&t, true);
	assert_true(da_view_malformed(&t.hdr, cov, &hit));
	free(cov);
	da_header_free(&t.hdr);
}

static void added_instance_names_the_topmost_uncovered(void **state)
{
	(void)state;
	hdr_t t;
	da_view_hit hit;
	split(&t, "SUBJECT: forged\r\nX-A: 1\r\nDate: d2\r\n" STD);
	bool *cov = all(&t, false);
	/* The signed instances: the bottom Subject and Date (DKIM picks bottom-up). */
	cov[5] = cov[6] = true;
	assert_true(da_view_added(&t.hdr, cov, &hit));
	assert_string_equal(hit.name, "Subject");
	assert_int_equal(hit.field, 0);
	/* Every instance signed: nothing added. */
	cov[0] = cov[2] = true;
	assert_false(da_view_added(&t.hdr, cov, &hit));
	free(cov);
	da_header_free(&t.hdr);

	/* Fields allowed many times are not counted. */
	split(&t, "Received: a\r\nReceived: b\r\nComments: x\r\nComments: y\r\n" STD);
	assert_false(da_view_added(&t.hdr, NULL, &hit));
	da_header_free(&t.hdr);

	/* The MIME ones of RFC 2045 count. */
	split(&t, "Content-Type: text/html\r\n" STD "Content-Type: text/plain\r\n");
	cov = all(&t, true);
	cov[0] = false;
	assert_true(da_view_added(&t.hdr, cov, &hit));
	assert_string_equal(hit.name, "Content-Type");
	free(cov);
	da_header_free(&t.hdr);
}

static void differs_when_a_signed_cr_smuggles_a_field(void **state)
{
	(void)state;
	hdr_t t;
	da_view_hit hit;
	/* Readers see Subject "hello" and a From above the real one. */
	split(&t, "Subject: hello\rFrom: Mallory <m@evil.test>\r\n" STD);
	assert_true(da_view_differs(t.h, t.len, &t.hdr, &hit));
	assert_string_equal(hit.name, "From");
	da_header_free(&t.hdr);

	/* Below the real From: the Subject readers show is cut at the CR. */
	split(&t, "From: a@example.com\r\nSubject: hello\rX-Y: z\r\nTo: b@example.net\r\n");
	assert_true(da_view_differs(t.h, t.len, &t.hdr, &hit));
	assert_string_equal(hit.name, "Subject");
	da_header_free(&t.hdr);

	/* CR then white space: readers unfold it, the same field. */
	split(&t, STD "X-Note: one\r two\r\n");
	assert_false(da_view_differs(t.h, t.len, &t.hdr, &hit));
	da_header_free(&t.hdr);

	/* CR CR LF: an empty line to readers, whose body starts there. */
	split(&t, "X-P: 1\r\r\n" STD);
	assert_true(da_view_differs(t.h, t.len, &t.hdr, &hit));
	assert_string_equal(hit.name, "body");
	da_header_free(&t.hdr);

	/* A CR then text that is no field: the reader's header ends there. */
	split(&t, STD "X-Note: a\rplain words\r\n");
	assert_true(da_view_differs(t.h, t.len, &t.hdr, &hit));
	assert_string_equal(hit.name, "body");
	da_header_free(&t.hdr);
}

static void differs_handles_many_fields(void **state)
{
	(void)state;
	/* More reader fields than the splitter's stack holds: the heap takes over. */
	size_t n = 300;
	char *h = malloc(n * 16 + 64);
	assert_non_null(h);
	size_t o = 0;
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(h + o, "X-%03zu: v\r\n", i);
	o += (size_t)sprintf(h + o, "X-Z: a\r b\r\nFrom: a@b\r\n");
	hdr_t t;
	da_view_hit hit;
	split(&t, h);
	assert_false(da_view_differs(t.h, t.len, &t.hdr, &hit));
	da_header_free(&t.hdr);
	free(h);
}

static void unsigned_display_fields_are_named(void **state)
{
	(void)state;
	hdr_t t;
	split(&t, STD "Content-Type: text/plain\r\nMessage-ID: <a@b>\r\nX-Other: 1\r\n");
	bool *cov = all(&t, true);
	const char *names[8];
	assert_int_equal(da_view_unsigned(&t.hdr, cov, names, 8), 0);
	cov[2] = cov[4] = false; /* Subject, Content-Type */
	cov[6] = false;          /* X-Other is no display field */
	size_t n = da_view_unsigned(&t.hdr, cov, names, 8);
	assert_int_equal(n, 2);
	assert_string_equal(names[0], "Subject");
	assert_string_equal(names[1], "Content-Type");
	assert_int_equal(da_view_unsigned(&t.hdr, cov, names, 1), 1);
	free(cov);
	da_header_free(&t.hdr);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(clean_header_is_not_malformed),
	    cmocka_unit_test(malformed_kinds),
	    cmocka_unit_test(bare_cr_in_covered_field_is_the_signers),
	    cmocka_unit_test(added_instance_names_the_topmost_uncovered),
	    cmocka_unit_test(differs_when_a_signed_cr_smuggles_a_field),
	    cmocka_unit_test(differs_handles_many_fields),
	    cmocka_unit_test(unsigned_display_fields_are_named),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
