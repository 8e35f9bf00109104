/* Header splitting, From domains and Date parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "msg.h"

static void split_keeps_folding_and_drops_final_crlf(void **state)
{
	(void)state;
	const char h[] = "A: X\r\nB : Y\t\r\n\tZ  \r\nC:\r\n";
	da_header hdr = {0};
	const char *why = NULL;
	assert_int_equal(da_header_split(h, strlen(h), 100, 1000, &hdr, &why), DKIMARC_OK);
	assert_int_equal(hdr.n, 3);
	assert_int_equal(hdr.f[0].len, 4);
	assert_memory_equal(hdr.f[1].raw, "B : Y\t\r\n\tZ  ", hdr.f[1].len);
	assert_int_equal(hdr.f[1].len, strlen("B : Y\t\r\n\tZ  "));
	assert_int_equal(hdr.f[1].name_len, 1); /* WSP before the colon is not the name */
	assert_true(da_field_is(&hdr.f[1], "b"));
	assert_int_equal(hdr.f[2].len, 2);
	da_header_free(&hdr);
}

static void split_last_field_without_crlf(void **state)
{
	(void)state;
	const char h[] = "From: a@b\r\nSubject: x";
	da_header hdr = {0};
	const char *why = NULL;
	assert_int_equal(da_header_split(h, strlen(h), 100, 1000, &hdr, &why), DKIMARC_OK);
	assert_int_equal(hdr.n, 2);
	assert_int_equal(hdr.f[1].len, 10);
	da_header_free(&hdr);
}

static void field_without_colon_matches_no_name(void **state)
{
	(void)state;
	const char h[] = "garbage line\r\nFrom: a@b\r\n";
	da_header hdr = {0};
	const char *why = NULL;
	assert_int_equal(da_header_split(h, strlen(h), 100, 1000, &hdr, &why), DKIMARC_OK);
	assert_int_equal(hdr.n, 2);
	assert_false(hdr.f[0].has_colon);
	assert_false(da_field_is(&hdr.f[0], "garbage line"));
	da_header_free(&hdr);
}

static void split_enforces_field_count_and_size(void **state)
{
	(void)state;
	const char h[] = "A: 1\r\nB: 2\r\nC: 3\r\n";
	da_header hdr = {0};
	const char *why = NULL;
	assert_int_equal(da_header_split(h, strlen(h), 2, 1000, &hdr, &why), DKIMARC_ELIMIT);
	assert_string_equal(why, "header fields");
	assert_int_equal(da_header_split(h, strlen(h), 10, 4, &hdr, &why), DKIMARC_ELIMIT);
	assert_string_equal(why, "bytes per header field");
	da_header_free(&hdr);
}

static void rfc5322_dates(void **state)
{
	(void)state;
	/* RFC 6376 Appendix A's Date: 2003-07-12T04:00:37Z. */
	const char *d = " Fri, 11 Jul 2003 21:00:37 -0700 (PDT)";
	assert_int_equal(da_parse_rfc5322_date(d, strlen(d)), 1057982437);
	d = "1 Jan 1970 00:00:00 +0000";
	assert_int_equal(da_parse_rfc5322_date(d, strlen(d)), 0);
	d = "Mon, 29 Feb 2016 12:00 +0100";
	assert_int_equal(da_parse_rfc5322_date(d, strlen(d)), 1456743600);
	d = "yesterday";
	assert_int_equal(da_parse_rfc5322_date(d, strlen(d)), -1);
	d = "Fri, 11 Foo 2003 21:00:37 -0700";
	assert_int_equal(da_parse_rfc5322_date(d, strlen(d)), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(split_keeps_folding_and_drops_final_crlf),
	    cmocka_unit_test(split_last_field_without_crlf),
	    cmocka_unit_test(field_without_colon_matches_no_name),
	    cmocka_unit_test(split_enforces_field_count_and_size),
	    cmocka_unit_test(rfc5322_dates),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
