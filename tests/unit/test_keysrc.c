/* Key sources: archive formats, answers, chains, and time parsing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "internal.h"

#include <fcntl.h>
#include <glob.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* A key long enough that zone files must split it (over 255 bytes). */
#define KEY_B64                                                                                    \
	"MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAuUDHaYfXWX2CyjKYpNbdQ8eMzJ2yvPgXCK+"          \
	"Mq9jXQnUk0d"                                                                              \
	"pyEa3XqgWkN1FAhB1vPPCsc1y6oP2FN4FyJ1Qph4UDCUo9fZgVHmbkRIuB4UtC4IdEJeLzBi7ukrPPjOGCA0IZvK" \
	"w2"                                                                                       \
	"P5U6vJpEuRvD1UUgHEt9nOXJ5aPLzNqSC4I8cCHfF4cc9pbHJ6+"                                      \
	"e8pu3bEsyWh7VDomhWvAyWylCjmMfP6vJ5R2sGf"                                                  \
	"3QDjgtVbnUPyeJ3BpWyqkLCyDHbSFAPsEyzvi07RWa6cSm8eAB3Ec0h4ciUrVxf2m0wGGCBf2GQQIDAQAB"
#define KEY_TXT  "v=DKIM1; k=rsa; p=" KEY_B64
#define KEY_NAME "sel2017._domainkey.example.org"

/* Loads text into a new archive: as a test vector's dns.txt when vector, else detected. */
static int load_mem_as(dkimarc_keysrc *src, const char *file, const char *text, bool vector)
{
	return vector ? dkimarc_keysrc_archive_load_vector_mem(src, file, text, strlen(text))
	              : dkimarc_keysrc_archive_load_mem(src, file, text, strlen(text));
}

static dkimarc_keysrc *load_as(const char *file, const char *text, bool vector)
{
	dkimarc_keysrc *src = NULL;

	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	int rc = load_mem_as(src, file, text, vector);
	if (rc != DKIMARC_OK)
		fail_msg("load of %s failed: %s", file, dkimarc_last_error());
	return src;
}

static dkimarc_keysrc *load(const char *file, const char *text)
{
	return load_as(file, text, false);
}

static dkimarc_keysrc *load_vector(const char *file, const char *text)
{
	return load_as(file, text, true);
}

/* Loads text that must fail; returns the error message. */
static const char *load_error_as(const char *file, const char *text, bool vector)
{
	dkimarc_keysrc *src = NULL;
	int rc;

	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	rc = load_mem_as(src, file, text, vector);
	if (rc == DKIMARC_OK)
		fail_msg("load of %s should have failed:\n%s", file, text);
	assert_int_equal(rc, DKIMARC_EFORMAT);
	assert_int_equal(dkimarc_keysrc_archive_count(src), 0);
	assert_int_equal(dkimarc_keysrc_archive_file_count(src), 0);
	dkimarc_keysrc_free(src);
	return dkimarc_last_error();
}

static const char *load_error(const char *file, const char *text)
{
	return load_error_as(file, text, false);
}

static void assert_contains(const char *hay, const char *needle)
{
	if (strstr(hay, needle) == NULL)
		fail_msg("\"%s\" does not contain \"%s\"", hay, needle);
}

static dkimarc_answer *lookup(dkimarc_keysrc *src, const char *name)
{
	dkimarc_answer *ans = NULL;

	assert_int_equal(dkimarc_keysrc_lookup(src, name, &ans), DKIMARC_OK);
	assert_non_null(ans);
	return ans;
}

/* The single record under name, as a string. */
static void assert_single_txt(dkimarc_keysrc *src, const char *name, const char *want)
{
	dkimarc_answer *ans = lookup(src, name);

	if (dkimarc_answer_status(ans) != DKIMARC_LOOKUP_FOUND)
		fail_msg("%s: not found: %s", name, dkimarc_answer_why(ans));
	assert_int_equal(dkimarc_answer_count(ans), 1);
	const dkimarc_keyrec *r = dkimarc_answer_record(ans, 0);
	assert_int_equal(r->txt_len, strlen(want));
	assert_string_equal(r->txt, want);
	dkimarc_answer_free(ans);
}

/* ---- time parsing --------------------------------------------------------- */

static void parse_time_accepts_unix_seconds(void **state)
{
	(void)state;
	assert_int_equal(dkimarc_parse_time("1494000000"), 1494000000);
	assert_int_equal(dkimarc_parse_time("0"), 0);
	assert_int_equal(dkimarc_parse_time("9223372036854775807"), INT64_MAX);
}

/* RFC 6376 Appendix A's Date is 2003-07-12T04:00:37Z (1057982437). */
static void format_time_is_the_inverse_of_parse_time(void **state)
{
	char buf[32];
	(void)state;

	assert_int_equal(dkimarc_format_time(1057982437, buf), 0);
	assert_string_equal(buf, "2003-07-12T04:00:37Z");
	assert_int_equal(dkimarc_parse_time(buf), 1057982437);
	assert_int_equal(dkimarc_format_time(0, buf), 0);
	assert_string_equal(buf, "1970-01-01T00:00:00Z");
	assert_int_equal(dkimarc_format_time(-1, buf), -1);
	assert_string_equal(buf, "");
}

static void parse_time_reads_dates_and_rfc3339_in_utc(void **state)
{
	(void)state;
	assert_int_equal(dkimarc_parse_time("2017-05-05"), 1493942400);
	assert_int_equal(dkimarc_parse_time("1970-01-01"), 0);
	assert_int_equal(dkimarc_parse_time("2017-05-05T12:00:00Z"), 1493985600);
	assert_int_equal(dkimarc_parse_time("2017-05-05 12:00:00Z"), 1493985600);
	assert_int_equal(dkimarc_parse_time("2017-05-05t12:00:00z"), 1493985600);
	assert_int_equal(dkimarc_parse_time("2017-05-05T14:00:00+02:00"), 1493985600);
	assert_int_equal(dkimarc_parse_time("2017-05-05T07:30:00-04:30"), 1493985600);
	assert_int_equal(dkimarc_parse_time("2017-05-05T12:00:00.999Z"), 1493985600);
	assert_int_equal(dkimarc_parse_time("2016-12-31T23:59:59Z"), 1483228799);
	assert_int_equal(dkimarc_parse_time("9999-12-31T23:59:59Z"), 253402300799);
}

static void parse_time_knows_leap_years(void **state)
{
	(void)state;
	assert_int_equal(dkimarc_parse_time("2016-02-29"), 1456704000);
	assert_int_equal(dkimarc_parse_time("2000-02-29"), 951782400);
	assert_int_equal(dkimarc_parse_time("2017-02-29"), -1);
	assert_int_equal(dkimarc_parse_time("2100-02-29"), -1);
	assert_int_equal(dkimarc_parse_time("2017-02-28"),
	                 dkimarc_parse_time("2017-03-01") - 86400);
}

static void parse_time_rejects_malformed_input(void **state)
{
	static const char *const bad[] = {
	    "",
	    " 1494000000",
	    "1494000000 ",
	    "1494000000x",
	    "-5",
	    "+5",
	    "99999999999999999999",
	    "2017-13-01",
	    "2017-00-10",
	    "2017-05-00",
	    "2017-04-31",
	    "2017-5-5",
	    "17-05-05",
	    "2017/05/05",
	    "2017-05-05T",
	    "2017-05-05X12:00:00Z",
	    "2017-05-05T24:00:00Z",
	    "2017-05-05T12:60:00Z",
	    "2017-05-05T12:00:60Z",
	    "2017-05-05T12:00:00",
	    "2017-05-05T12:00Z",
	    "2017-05-05T12:00:00.Z",
	    "2017-05-05T12:00:00+2:00",
	    "2017-05-05T12:00:00+0200",
	    "2017-05-05T12:00:00+24:00",
	    "2017-05-05T12:00:00+02:60",
	    "2017-05-05T12:00:00Zjunk",
	    "1969-12-31",
	    "1970-01-01T00:00:00+00:01",
	};
	(void)state;
	assert_int_equal(dkimarc_parse_time(NULL), -1);
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		if (dkimarc_parse_time(bad[i]) != -1)
			fail_msg("\"%s\" was accepted", bad[i]);
}

/* ---- answers ------------------------------------------------------------- */

static void answer_add_deep_copies_records_with_nul_bytes(void **state)
{
	char txt[] = {'a', '\0', 'b'};
	char origin[] = "here:1";
	dkimarc_keyrec r = {DKIMARC_KEYREC_VERSION, txt, 3, origin, "here", 1, "src", 10, 20, 5, 1};
	dkimarc_answer *ans;
	(void)state;

	assert_int_equal(da_answer_new(&ans), DKIMARC_OK);
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	assert_int_equal(dkimarc_answer_add(ans, &r), DKIMARC_OK);
	origin[0] = 'X';
	txt[0] = 'X';
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_FOUND);
	assert_int_equal(dkimarc_answer_count(ans), 1);
	const dkimarc_keyrec *c = dkimarc_answer_record(ans, 0);
	assert_int_equal(c->txt_len, 3);
	assert_memory_equal(c->txt, "a\0b", 4); /* terminator kept after the data */
	assert_string_equal(c->origin, "here:1");
	assert_string_equal(c->file, "here");
	assert_string_equal(c->source, "src");
	assert_int_equal(c->first_seen, 10);
	assert_int_equal(c->last_seen, 20);
	assert_int_equal(c->fetched_at, 5);
	assert_int_equal(c->dnssec, 1);
	assert_null(dkimarc_answer_record(ans, 1));
	dkimarc_answer_free(ans);
}

static void answer_fail_sets_status_and_drops_records(void **state)
{
	dkimarc_keyrec r = {DKIMARC_KEYREC_VERSION, "x", 1, NULL, NULL, 0, NULL, -1, -1, -1, -1};
	dkimarc_answer *ans;
	(void)state;

	assert_int_equal(da_answer_new(&ans), DKIMARC_OK);
	assert_string_equal(dkimarc_answer_why(ans), "");
	assert_int_equal(dkimarc_answer_add(ans, &r), DKIMARC_OK);
	assert_int_equal(dkimarc_answer_fail(ans, DKIMARC_LOOKUP_TEMPFAIL, "timed out"),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_TEMPFAIL);
	assert_int_equal(dkimarc_answer_count(ans), 0);
	assert_string_equal(dkimarc_answer_why(ans), "timed out");
	assert_int_equal(dkimarc_answer_fail(ans, DKIMARC_LOOKUP_FOUND, "no"), DKIMARC_EINVAL);
	dkimarc_answer_free(ans);
}

static void keyrec_copy_is_deep_and_null_safe(void **state)
{
	dkimarc_keyrec
	    r = {DKIMARC_KEYREC_VERSION, "v=DKIM1", 7, "o", NULL, 3, NULL, -1, -1, -1, 0},
	    c;
	(void)state;

	assert_int_equal(da_keyrec_copy(&c, &r), DKIMARC_OK);
	assert_ptr_not_equal(c.txt, r.txt);
	assert_string_equal(c.txt, "v=DKIM1");
	assert_string_equal(c.origin, "o");
	assert_null(c.file);
	assert_null(c.source);
	assert_int_equal(c.line, 3);
	assert_int_equal(c.dnssec, 0);
	da_keyrec_free_strings(&c);
	assert_null(c.txt);
	assert_null(da_strdup(NULL));
	char *s = da_strndup("abcdef", 3);
	assert_string_equal(s, "abc");
	free(s);
}

/* ---- archive formats ----------------------------------------------------- */

static void keyfile_lines_plain_and_quoted(void **state)
{
	dkimarc_keysrc *src = load("keys.txt", "# OpenDKIM test keys\n"
	                                       "\n"
	                                       "a._domainkey.example.com v=DKIM1; p=AAAA  \n"
	                                       "b._domainkey.example.com\t\"v=DKIM1; \" \"p=BB\"\n"
	                                       "c._domainkey.example.com \"say \\\"hi\\\"\\059 "
	                                       "back\\\\slash \\065\"\n");
	(void)state;
	assert_int_equal(dkimarc_keysrc_archive_count(src), 3);
	assert_single_txt(src, "a._domainkey.example.com", "v=DKIM1; p=AAAA");
	assert_single_txt(src, "b._domainkey.example.com", "v=DKIM1; p=BB");
	assert_single_txt(src, "c._domainkey.example.com", "say \"hi\"; back\\slash A");

	dkimarc_answer *ans = lookup(src, "b._domainkey.example.com");
	const dkimarc_keyrec *r = dkimarc_answer_record(ans, 0);
	assert_string_equal(r->origin, "keys.txt:4");
	assert_string_equal(r->file, "keys.txt");
	assert_int_equal(r->line, 4);
	assert_null(r->source);
	assert_int_equal(r->first_seen, -1);
	assert_int_equal(r->last_seen, -1);
	assert_int_equal(r->fetched_at, -1);
	assert_int_equal(r->dnssec, -1);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void zone_resolves_origin_relative_absolute_and_at(void **state)
{
	dkimarc_keysrc *src = load("example.zone", "$ORIGIN example.com.\n"
	                                           "$TTL 3600\n"
	                                           "@ IN TXT \"apex\"\n"
	                                           "rel._domainkey TXT \"relative\"\n"
	                                           "abs._domainkey.other.net. 300 IN TXT \"abs\"\n"
	                                           "$ORIGIN sub\n"
	                                           "deep._domainkey IN 60 TXT \"deeper\"\n");
	(void)state;
	assert_int_equal(dkimarc_keysrc_archive_count(src), 4);
	assert_single_txt(src, "example.com", "apex");
	assert_single_txt(src, "rel._domainkey.example.com", "relative");
	assert_single_txt(src, "abs._domainkey.other.net", "abs");
	assert_single_txt(src, "deep._domainkey.sub.example.com", "deeper");

	dkimarc_answer *ans = lookup(src, "deep._domainkey.sub.example.com");
	assert_string_equal(dkimarc_answer_record(ans, 0)->origin, "example.zone:7");
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void zone_parentheses_join_strings_and_quoted_semicolons_stay(void **state)
{
	dkimarc_keysrc *src =
	    load("p.zone", "$ORIGIN example.com.\n"
	                   "k1._domainkey IN TXT ( \"v=DKIM1; k=rsa; \" ; comment\n"
	                   "    \"p=AB\" ; another ( comment\n"
	                   "    \"CD\" )\n"
	                   "k2._domainkey IN TXT \"a;b\" \"c\\\"d\" \\059e f\\\\ "
	                   "; real comment \"x\"\n"
	                   "k3._domainkey IN TXT \"\\118=DKIM1\\059\" \"\"\n");
	(void)state;
	assert_single_txt(src, "k1._domainkey.example.com", "v=DKIM1; k=rsa; p=ABCD");
	assert_single_txt(src, "k2._domainkey.example.com", "a;bc\"d;ef\\");
	assert_single_txt(src, "k3._domainkey.example.com", "v=DKIM1;");
	dkimarc_answer *ans = lookup(src, "k1._domainkey.example.com");
	assert_int_equal(dkimarc_answer_record(ans, 0)->line, 2);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void zone_skips_other_types_and_reuses_previous_owner(void **state)
{
	dkimarc_keysrc *src =
	    load("full.zone", "; a whole zone\n"
	                      "$TTL 1h\n"
	                      "example.com. IN SOA ns1.example.com. host.example.com. (\n"
	                      "        2017050501 ; serial\n"
	                      "        1d 2h 4w 1h )\n"
	                      "        IN NS ns1.example.com.\n"
	                      "        IN MX 10 mail.example.com.\n"
	                      "        IN TXT \"v=spf1 -all\"\n"
	                      "        IN TXT \"second\"\n"
	                      "www.example.com. 300 IN A 192.0.2.1\n"
	                      "www.example.com. 300 IN AAAA 2001:db8::1\n"
	                      "alias.example.com. IN CNAME www.example.com.\n"
	                      "s._domainkey.example.com.\tIN\tTXT\t\"v=DKIM1; p=\"\n");
	(void)state;
	assert_int_equal(dkimarc_keysrc_archive_count(src), 3);
	dkimarc_answer *ans = lookup(src, "example.com");
	assert_int_equal(dkimarc_answer_count(ans), 2);
	assert_string_equal(dkimarc_answer_record(ans, 0)->txt, "v=spf1 -all");
	assert_string_equal(dkimarc_answer_record(ans, 1)->txt, "second");
	assert_int_equal(dkimarc_answer_record(ans, 1)->line, 9);
	dkimarc_answer_free(ans);
	ans = lookup(src, "www.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	dkimarc_answer_free(ans);
	assert_single_txt(src, "s._domainkey.example.com", "v=DKIM1; p=");
	dkimarc_keysrc_free(src);
}

static void zone_with_tabs_and_quotes_is_not_taken_for_vectors(void **state)
{
	dkimarc_keysrc *src =
	    load("tabs.zone", "t._domainkey.example.com.\tTXT\t\"v=DKIM1; p=\"\n");
	(void)state;
	assert_single_txt(src, "t._domainkey.example.com", "v=DKIM1; p=");
	dkimarc_keysrc_free(src);
}

static void jsonl_carries_provenance(void **state)
{
	dkimarc_keysrc *src = load(
	    "pinned.jsonl",
	    "{\"name\":\"s1._domainkey.example.com\",\"txt\":\"v=DKIM1; p=OLD\","
	    "\"source\":\"dns 192.0.2.53\",\"first_seen\":\"2015-01-01\","
	    "\"last_seen\":\"2016-06-30T23:59:59Z\",\"fetched_at\":1451606400,"
	    "\"dnssec\":\"validated-by-resolver\",\"extra\":{\"ignored\":[1,2]}}\n"
	    "\n"
	    "{\"name\":\"S1._domainkey.Example.COM.\",\"txt\":\"v=DKIM1; p=NEW\","
	    "\"first_seen\":1467331200,\"dnssec\":false}\n"
	    "{\"name\":\"nul._domainkey.example.com\",\"txt\":\"a\\u0000b\",\"dnssec\":null}\n");
	(void)state;
	assert_int_equal(dkimarc_keysrc_archive_count(src), 3);
	dkimarc_answer *ans = lookup(src, "s1._domainkey.example.com");
	assert_int_equal(dkimarc_answer_count(ans), 2);
	const dkimarc_keyrec *a = dkimarc_answer_record(ans, 0);
	const dkimarc_keyrec *b = dkimarc_answer_record(ans, 1);
	assert_string_equal(a->txt, "v=DKIM1; p=OLD");
	assert_string_equal(a->source, "dns 192.0.2.53");
	assert_int_equal(a->first_seen, 1420070400);
	assert_int_equal(a->last_seen, 1467331199);
	assert_int_equal(a->fetched_at, 1451606400);
	assert_int_equal(a->dnssec, 1);
	assert_string_equal(a->origin, "pinned.jsonl:1");
	assert_string_equal(b->txt, "v=DKIM1; p=NEW");
	assert_null(b->source);
	assert_int_equal(b->first_seen, 1467331200);
	assert_int_equal(b->last_seen, -1);
	assert_int_equal(b->fetched_at, -1);
	assert_int_equal(b->dnssec, 0);
	assert_int_equal(b->line, 3);
	dkimarc_answer_free(ans);

	ans = lookup(src, "nul._domainkey.example.com");
	assert_int_equal(dkimarc_answer_record(ans, 0)->txt_len, 3);
	assert_memory_equal(dkimarc_answer_record(ans, 0)->txt, "a\0b", 4);
	assert_int_equal(dkimarc_answer_record(ans, 0)->dnssec, -1);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

#define VECTOR_TEXT                                                                                \
	"# name\ttype\tdata  (comment)\n"                                                          \
	"a._domainkey.example.com\tTXT\tv=DKIM1; p=AB CD; \n"                                      \
	"e._domainkey.example.com\tTXT\t\n"                                                        \
	"q._domainkey.example.com\tTXT\t\"quoted\"\n"                                              \
	"gone._domainkey.example.com\tNXDOMAIN\n"                                                  \
	"down._domainkey.example.com\tSERVFAIL\n"                                                  \
	"slow._domainkey.example.com\tTIMEOUT\n"

/* The lookups VECTOR_TEXT, loaded from "dns.txt", gives. */
static void assert_vector_text_lookups(dkimarc_keysrc *src)
{
	dkimarc_answer *ans;

	assert_int_equal(dkimarc_keysrc_archive_count(src), 3);
	assert_single_txt(src, "a._domainkey.example.com", "v=DKIM1; p=AB CD; ");
	assert_single_txt(src, "e._domainkey.example.com", "");
	assert_single_txt(src, "q._domainkey.example.com", "\"quoted\"");

	ans = lookup(src, "gone._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	assert_string_equal(dkimarc_answer_why(ans), "NXDOMAIN (from archive dns.txt:5)");
	dkimarc_answer_free(ans);
	ans = lookup(src, "down._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_TEMPFAIL);
	assert_int_equal(dkimarc_answer_count(ans), 0);
	assert_string_equal(dkimarc_answer_why(ans), "SERVFAIL (from archive dns.txt:6)");
	dkimarc_answer_free(ans);
	ans = lookup(src, "slow._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_TEMPFAIL);
	assert_string_equal(dkimarc_answer_why(ans), "TIMEOUT (from archive dns.txt:7)");
	dkimarc_answer_free(ans);
}

static void vector_format_keeps_data_verbatim_and_simulates_failures(void **state)
{
	dkimarc_keysrc *src = load_vector("dns.txt", VECTOR_TEXT);
	(void)state;

	assert_vector_text_lookups(src);
	dkimarc_keysrc_free(src);
}

/*
 * Its SERVFAIL and TIMEOUT lines make up DNS failures, so the format is read
 * only when asked for: a plain load refuses it, saying how to load it, rather
 * than read it as another format; the source stays as it was.
 */
static void vector_format_is_read_only_when_asked_for(void **state)
{
	static const char want[] =
	    "dns.txt:2: looks like a test-vector file (NAME<TAB>TXT<TAB>DATA or "
	    "NAME<TAB>NXDOMAIN|SERVFAIL|TIMEOUT), which can make up DNS failures and is read "
	    "only when asked for: load it with dkimarc_keysrc_archive_load_vector() (dkimarc: "
	    "--keys-vector FILE)";
	static const char rfc[] = SRCDIR "/vectors/external/rfc/rfc6376-appendix-a/dns.txt";
	dkimarc_keysrc *src = load("k.keys", "a._domainkey.example.com v=DKIM1; p=KEEP\n");
	(void)state;

	assert_int_equal(
	    dkimarc_keysrc_archive_load_mem(src, "dns.txt", VECTOR_TEXT, strlen(VECTOR_TEXT)),
	    DKIMARC_EFORMAT);
	assert_string_equal(dkimarc_last_error(), want);
	assert_int_equal(dkimarc_keysrc_archive_count(src), 1);
	assert_int_equal(dkimarc_keysrc_archive_file_count(src), 1);
	dkimarc_answer *ans = lookup(src, "down._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	dkimarc_answer_free(ans);
	/* A single failure line is enough to tell the format, and is refused too. */
	assert_contains(load_error("f.txt", "# one\n\ns._domainkey.example.com\tSERVFAIL\n"),
	                "f.txt:3: looks like a test-vector file");
	/* From a file: the same, naming its path. */
	assert_int_equal(dkimarc_keysrc_archive_load(src, rfc), DKIMARC_EFORMAT);
	assert_contains(dkimarc_last_error(),
	                "rfc6376-appendix-a/dns.txt:2: looks like a test-vector");
	assert_contains(dkimarc_last_error(), "--keys-vector FILE");
	assert_int_equal(dkimarc_keysrc_archive_file_count(src), 1);

	/* Asked for, the same bytes load and answer as they always did. */
	dkimarc_keysrc_free(src);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_vector_mem(src, "dns.txt", VECTOR_TEXT,
	                                                        strlen(VECTOR_TEXT)),
	                 DKIMARC_OK);
	assert_vector_text_lookups(src);
	assert_int_equal(dkimarc_keysrc_archive_load_vector(src, rfc), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_file_count(src), 2);
	assert_int_equal(dkimarc_keysrc_archive_count(src), 4);
	dkimarc_keysrc_free(src);

	/* The explicit call reads that format and no other. */
	assert_contains(
	    load_error_as("k.zone", "$ORIGIN example.com.\nk IN TXT \"v=DKIM1; p=\"\n", true),
	    "k.zone:1: expected NAME<TAB>TYPE");
	assert_contains(load_error_as("k.keys", "a._domainkey.example.com v=DKIM1; p=\n", true),
	                "k.keys:1: expected NAME<TAB>TYPE");
}

static void same_key_in_every_format_gives_identical_txt(void **state)
{
	/* Zone strings are at most 255 bytes, so the key is split there. */
	char zone[1024], keyfile[1024], jsonl[1024], vector[1024];
	const char *fmts[4] = {zone, keyfile, jsonl, vector};
	const char *names[4] = {"k.zone", "k.keys", "k.jsonl", "k.vec"};
	(void)state;

	snprintf(zone, sizeof zone,
	         "$ORIGIN example.org.\n"
	         "sel2017._domainkey IN TXT ( \"v=DKIM1; k=rsa; \"\n  \"p=%.200s\"\n  \"%s\" )\n",
	         KEY_B64, KEY_B64 + 200);
	snprintf(keyfile, sizeof keyfile, KEY_NAME " \"v=DKIM1; k=rsa; \" \"p=%.100s\" \"%s\"\n",
	         KEY_B64, KEY_B64 + 100);
	snprintf(jsonl, sizeof jsonl, "{\"name\": \"" KEY_NAME "\", \"txt\": \"" KEY_TXT "\"}\n");
	snprintf(vector, sizeof vector, KEY_NAME "\tTXT\t" KEY_TXT "\n");
	assert_true(strlen(KEY_B64) > 255);
	for (int i = 0; i < 4; i++) {
		dkimarc_keysrc *src = load_as(names[i], fmts[i], fmts[i] == vector);

		assert_int_equal(dkimarc_keysrc_archive_count(src), 1);
		assert_single_txt(src, KEY_NAME, KEY_TXT);
		dkimarc_keysrc_free(src);
	}
	/* Unquoted key-file text is the same record too. */
	dkimarc_keysrc *src = load("plain.keys", KEY_NAME " " KEY_TXT "\n");
	assert_single_txt(src, KEY_NAME, KEY_TXT);
	dkimarc_keysrc_free(src);
}

/* ---- malformed input ----------------------------------------------------- */

static void malformed_lines_fail_with_file_and_line(void **state)
{
	static const struct {
		const char *file, *text, *want;
	} cases[] = {
	    /* zone files */
	    {"z.zone", "$ORIGIN example.com.\nk IN TXT \"open\n", "z.zone:2: unbalanced quote"},
	    {"z.zone", "$ORIGIN example.com.\n\nk IN TXT ( \"a\"\n \"b\"\n",
	     "z.zone:3: unbalanced parenthesis: '(' is never closed"},
	    {"z.zone", "$ORIGIN example.com.\nk IN TXT \"a\" )\n",
	     "z.zone:2: unbalanced parenthesis"},
	    {"z.zone", "$ORIGIN example.com.\nk IN TXT\n", "z.zone:2: TXT record without data"},
	    {"z.zone", "$ORIGIN example.com.\nk IN TXT ; \"commented\"\n",
	     "z.zone:2: TXT record without data"},
	    {"z.zone", "; no origin\nk._domainkey IN TXT \"x\"\n",
	     "z.zone:2: relative name 'k._domainkey' with no $ORIGIN"},
	    {"z.zone", "@ IN TXT \"x\"\n", "z.zone:1: '@' used before any $ORIGIN"},
	    {"z.zone", "$ORIGIN example.com.\nk IN BOGUS \"x\"\n", "z.zone:2: unknown record type"},
	    {"z.zone", "$ORIGIN example.com.\nk IN\n", "z.zone:2: missing record type"},
	    {"z.zone", "$ORIGIN example.com.\nk CH TXT \"x\"\n",
	     "z.zone:2: class CH not supported"},
	    {"z.zone", "$INCLUDE other.zone\n$TTL 1\n", "z.zone:1: unsupported directive $INCLUDE"},
	    {"z.zone", "$TTL soon\nk.example. IN TXT \"x\"\n", "z.zone:1: $TTL takes one TTL"},
	    {"z.zone", "\tIN TXT \"x\"\n$TTL 5\n", "z.zone:1: no owner name"},
	    {"z.zone", "$ORIGIN example.com.\nk IN TXT \"\\300\"\n", "z.zone:2: bad escape"},
	    {"z.zone", "$ORIGIN example.com.\nk IN TXT \"\\1x\"\n", "z.zone:2: bad escape"},
	    {"z.zone", "$ORIGIN example.com.\nk IN TXT ((\"x\"))\n",
	     "z.zone:2: nested parenthesis"},
	    {"z.zone", "$ORIGIN example.com.\nbad..name IN TXT \"x\"\n", "z.zone:2: empty label"},
	    /* key files */
	    {"k.keys", "# keys\na._domainkey.example.com\n", "k.keys:2: no record text"},
	    {"k.keys", "a._domainkey.example.com \"unterminated\n", "k.keys:1: unbalanced quote"},
	    {"k.keys", "a._domainkey.example.com \"x\" trailing\n",
	     "k.keys:1: text after a quoted"},
	    {"k.keys", "a@b.example.com v=DKIM1\n", "k.keys:1: invalid character in name"},
	    /* JSON Lines */
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\"}\n{\"txt\":\"x\"}\n",
	     "j.jsonl:2: \"name\" missing"},
	    {"j.jsonl", "{\"name\":\"a.example\"}\n", "j.jsonl:1: \"txt\" missing"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":5}\n",
	     "j.jsonl:1: \"txt\" missing or not a"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\",\"source\":1}\n",
	     "j.jsonl:1: \"source\" is not a string"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\",\"first_seen\":\"2017-02-29\"}\n",
	     "j.jsonl:1: \"first_seen\": bad time"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\",\"last_seen\":1.5}\n",
	     "j.jsonl:1: \"last_seen\" must be"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\",\"fetched_at\":-3}\n",
	     "j.jsonl:1: \"fetched_at\" must be"},
	    {"j.jsonl",
	     "{\"name\":\"a.example\",\"txt\":\"x\",\"first_seen\":\"2018-01-01\","
	     "\"last_seen\":\"2017-01-01\"}\n",
	     "j.jsonl:1: \"first_seen\" is after \"last_seen\""},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\",\"dnssec\":\"yes\"}\n",
	     "j.jsonl:1: \"dnssec\" must be"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\"}\n\n{\"name\":\n",
	     "j.jsonl:3: invalid JSON"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\",\"txt\":\"y\"}\n",
	     "j.jsonl:1: invalid JSON"},
	    {"j.jsonl", "{\"name\":\"a.example\",\"txt\":\"x\"}\n[1]\n",
	     "j.jsonl:2: expected a JSON object"},
	    {"j.jsonl", "{\"name\":\"a\\u0000.example\",\"txt\":\"x\"}\n",
	     "j.jsonl:1: invalid character"},
	    {"z.zone", "$ORIGIN example.com.\nk IN TYPE16 \\# 2 0141\n", "z.zone:2: TYPE16"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *msg = load_error(cases[i].file, cases[i].text);

		if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, msg, cases[i].want);
	}
}

static void malformed_vector_lines_fail_with_file_and_line(void **state)
{
	static const struct {
		const char *text, *want;
	} cases[] = {
	    {"a.example\tTXT\tx\nb.example\tMX\t10 mx\n", "dns.txt:2: unknown type 'MX'"},
	    {"a.example\tTXT\tx\nb.example\tTXT\n", "dns.txt:2: TXT without a <TAB>DATA"},
	    {"a.example\tTXT\tx\nb.example\tNXDOMAIN\textra\n",
	     "dns.txt:2: unexpected data after NXDOMAIN"},
	    {"a.example\tTXT\tx\nno tabs here\n", "dns.txt:2: expected NAME<TAB>TYPE"},
	    {"a.example\tTXT\tx\na.example\tNXDOMAIN\n",
	     "dns.txt:2: a.example is NXDOMAIN here but has TXT data at dns.txt:1"},
	    {"a.example\tSERVFAIL\na.example\tTIMEOUT\n",
	     "dns.txt:2: a.example is TIMEOUT here but SERVFAIL at dns.txt:1"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		const char *msg = load_error_as("dns.txt", cases[i].text, true);

		if (strncmp(msg, cases[i].want, strlen(cases[i].want)) != 0)
			fail_msg("case %zu: got \"%s\", want prefix \"%s\"", i, msg, cases[i].want);
	}
}

static void oversized_lines_and_records_are_refused(void **state)
{
	size_t big = 1024 * 1024 + 10;
	char *text = malloc(big + 64);
	dkimarc_keysrc *src;
	(void)state;

	assert_non_null(text);
	/* A TXT over 64 KiB, in the vector format. */
	strcpy(text, "big.example\tTXT\t");
	memset(text + strlen(text), 'A', 70000);
	strcpy(text + 16 + 70000, "\n");
	assert_contains(load_error_as("dns.txt", text, true),
	                "dns.txt:1: TXT data for big.example is "
	                "longer than 64 KiB");
	/* A line over 1 MiB, in a key file. */
	strcpy(text, "big.example ");
	memset(text + 12, 'A', big);
	strcpy(text + 12 + big, "\n");
	assert_contains(load_error("k.keys", text), "k.keys:1: line longer than 1 MiB");
	free(text);

	/* A NUL byte in a line is not text. */
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "n.keys", "a.example v\0x\n", 14),
	                 DKIMARC_EFORMAT);
	assert_contains(dkimarc_last_error(), "n.keys:1: NUL byte");
	dkimarc_keysrc_free(src);
}

static void failed_load_leaves_earlier_records_untouched(void **state)
{
	dkimarc_keysrc *src = load_vector("good.txt", "a.example\tTXT\tfirst\n");
	(void)state;

	assert_int_equal(dkimarc_keysrc_archive_load_vector_mem(src, "bad.txt",
	                                                        "a.example\tTXT\tsecond\n"
	                                                        "b.example\tTXT\tthird\n"
	                                                        "c.example\tSERVFAIL\n"
	                                                        "d.example\tBOGUS\n",
	                                                        strlen("a.example\tTXT\tsecond\n"
	                                                               "b.example\tTXT\tthird\n"
	                                                               "c.example\tSERVFAIL\n"
	                                                               "d.example\tBOGUS\n")),
	                 DKIMARC_EFORMAT);
	assert_contains(dkimarc_last_error(), "bad.txt:4:");
	assert_int_equal(dkimarc_keysrc_archive_count(src), 1);
	assert_single_txt(src, "a.example", "first");
	dkimarc_answer *ans = lookup(src, "b.example");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	dkimarc_answer_free(ans);
	ans = lookup(src, "c.example");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	assert_string_equal(dkimarc_answer_why(ans), "no record for c.example in the archive(s)");
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void unreadable_file_is_an_io_error_naming_the_path(void **state)
{
	dkimarc_keysrc *src;
	(void)state;

	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(src, "/nonexistent/keys.zone"), DKIMARC_EIO);
	assert_contains(dkimarc_last_error(), "/nonexistent/keys.zone");
	assert_contains(dkimarc_last_error(), "No such file or directory");
	assert_int_equal(dkimarc_keysrc_archive_load(src, "/"), DKIMARC_EIO);
	assert_contains(dkimarc_last_error(), "Is a directory");
	dkimarc_keysrc_free(src);
}

static void files_load_from_disk_with_their_path_as_provenance(void **state)
{
	char path[] = "/tmp/test_keysrc_XXXXXX";
	const char *text = "$ORIGIN example.net.\nk._domainkey IN TXT \"v=DKIM1; p=\"\n";
	int fd = mkstemp(path);
	dkimarc_keysrc *src;
	(void)state;

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	close(fd);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(src, path), DKIMARC_OK);
	dkimarc_answer *ans = lookup(src, "k._domainkey.example.net");
	const dkimarc_keyrec *r = dkimarc_answer_record(ans, 0);
	assert_non_null(r);
	assert_string_equal(r->file, path);
	assert_int_equal(r->line, 2);
	assert_string_equal(r->txt, "v=DKIM1; p=");
	dkimarc_answer_free(ans);

	/* An empty file is a valid, empty archive. */
	fd = open(path, O_WRONLY | O_TRUNC);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(dkimarc_keysrc_archive_load(src, path), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_count(src), 1);
	unlink(path);
	dkimarc_keysrc_free(src);
}

/* ---- lookups ------------------------------------------------------------- */

static void several_records_come_back_in_load_order_across_files(void **state)
{
	dkimarc_keysrc *src = load("one.keys", "s._domainkey.example.com v=DKIM1; p=ONE\n"
	                                       "s._domainkey.example.com v=DKIM1; p=TWO\n");
	const char *second = "{\"name\":\"s._domainkey.example.com\",\"txt\":\"v=DKIM1; p=THREE\","
	                     "\"source\":\"pin\",\"first_seen\":100,\"last_seen\":200}\n";
	(void)state;

	assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "two.jsonl", second, strlen(second)),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_count(src), 3);
	dkimarc_answer *ans = lookup(src, "s._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_FOUND);
	assert_int_equal(dkimarc_answer_count(ans), 3);
	assert_string_equal(dkimarc_answer_record(ans, 0)->txt, "v=DKIM1; p=ONE");
	assert_string_equal(dkimarc_answer_record(ans, 0)->origin, "one.keys:1");
	assert_string_equal(dkimarc_answer_record(ans, 1)->txt, "v=DKIM1; p=TWO");
	assert_string_equal(dkimarc_answer_record(ans, 1)->origin, "one.keys:2");
	assert_string_equal(dkimarc_answer_record(ans, 2)->txt, "v=DKIM1; p=THREE");
	assert_string_equal(dkimarc_answer_record(ans, 2)->origin, "two.jsonl:1");
	assert_string_equal(dkimarc_answer_record(ans, 2)->source, "pin");
	assert_int_equal(dkimarc_answer_record(ans, 2)->first_seen, 100);
	assert_int_equal(dkimarc_answer_record(ans, 2)->last_seen, 200);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void lookup_ignores_case_and_a_final_dot(void **state)
{
	dkimarc_keysrc *src = load("c.keys", "Sel._DomainKey.Example.COM. v=DKIM1; p=X\n");
	(void)state;

	assert_single_txt(src, "sel._domainkey.example.com", "v=DKIM1; p=X");
	assert_single_txt(src, "SEL._DOMAINKEY.EXAMPLE.COM", "v=DKIM1; p=X");
	assert_single_txt(src, "sel._domainkey.example.com.", "v=DKIM1; p=X");
	dkimarc_keysrc_free(src);
}

static void missing_names_are_not_found_with_a_reason(void **state)
{
	dkimarc_keysrc *src = load("c.keys", "a.example v=DKIM1; p=X\n");
	dkimarc_answer *ans;
	(void)state;

	ans = lookup(src, "B.Example");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	assert_int_equal(dkimarc_answer_count(ans), 0);
	assert_null(dkimarc_answer_record(ans, 0));
	assert_string_equal(dkimarc_answer_why(ans), "no record for b.example in the archive(s)");
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void archive_calls_reject_other_sources(void **state)
{
	dkimarc_keysrc *chain, *none = NULL;
	(void)state;

	assert_int_equal(dkimarc_keysrc_chain_new(&chain, &none, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(chain, "x", "", 0), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_keysrc_archive_load_vector_mem(chain, "x", "", 0), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_keysrc_archive_load_vector(chain, "/dev/null"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_keysrc_archive_load_vector(NULL, "/dev/null"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_keysrc_archive_count(chain), 0);
	dkimarc_answer *ans = lookup(chain, "a.example");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(chain);
}

/* ---- chains -------------------------------------------------------------- */

/* A custom source that counts its calls and answers from fixed text. */
typedef struct {
	int calls;
	dkimarc_lookup_status st;
	const char *txt;
	int *freed;
} fake;

static int fake_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	fake *f = impl;
	dkimarc_keyrec r = DKIMARC_KEYREC_INIT;

	r.txt = f->txt;
	r.txt_len = f->txt ? strlen(f->txt) : 0;
	r.origin = "fake";
	f->calls++;
	assert_string_equal(name, "s._domainkey.example.com"); /* lower-cased for us */
	if (f->st == DKIMARC_LOOKUP_FOUND)
		return dkimarc_answer_add(ans, &r);
	return dkimarc_answer_fail(ans, f->st,
	                           f->st == DKIMARC_LOOKUP_TEMPFAIL ? "resolver timed out" : NULL);
}

static void fake_free(void *impl)
{
	fake *f = impl;

	(*f->freed)++;
}

static const dkimarc_keysrc_ops fake_ops = {DKIMARC_KEYSRC_OPS_VERSION, fake_lookup, fake_free,
                                            "fake"};

static void chain_returns_first_found_and_stops_asking(void **state)
{
	int freed = 0;
	fake nf = {0, DKIMARC_LOOKUP_NOT_FOUND, NULL, &freed};
	fake hit = {0, DKIMARC_LOOKUP_FOUND, "v=DKIM1; p=HIT", &freed};
	fake later = {0, DKIMARC_LOOKUP_FOUND, "v=DKIM1; p=LATER", &freed};
	dkimarc_keysrc *s[3], *chain;
	(void)state;

	assert_int_equal(dkimarc_keysrc_new_custom(&s[0], &fake_ops, &nf), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_new_custom(&s[1], &fake_ops, &hit), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_new_custom(&s[2], &fake_ops, &later), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_chain_new(&chain, s, 3), DKIMARC_OK);

	dkimarc_answer *ans = lookup(chain, "S._domainkey.Example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_FOUND);
	assert_int_equal(dkimarc_answer_count(ans), 1);
	assert_string_equal(dkimarc_answer_record(ans, 0)->txt, "v=DKIM1; p=HIT");
	assert_int_equal(nf.calls, 1);
	assert_int_equal(hit.calls, 1);
	assert_int_equal(later.calls, 0);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(chain);
	assert_int_equal(freed, 3); /* the chain owned its sources */
}

static void chain_reports_tempfail_over_not_found_and_says_why(void **state)
{
	int freed = 0;
	fake tf = {0, DKIMARC_LOOKUP_TEMPFAIL, NULL, &freed};
	dkimarc_keysrc *s[2], *chain;
	dkimarc_answer *ans;
	(void)state;

	s[0] = load("a.keys", "other.example v=DKIM1; p=X\n");
	assert_int_equal(dkimarc_keysrc_new_custom(&s[1], &fake_ops, &tf), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_chain_new(&chain, s, 2), DKIMARC_OK);
	ans = lookup(chain, "s._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_TEMPFAIL);
	assert_string_equal(dkimarc_answer_why(ans),
	                    "archive: no record for s._domainkey.example.com in the archive(s); "
	                    "fake: resolver timed out");
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(chain);
	assert_int_equal(freed, 1);
}

static void chain_finds_archive_record_after_a_tempfailing_source(void **state)
{
	dkimarc_keysrc *s[3], *chain;
	dkimarc_answer *ans;
	(void)state;

	s[0] = load_vector("fail.txt", "s._domainkey.example.com\tSERVFAIL\n");
	s[1] = load_vector("miss.txt", "x._domainkey.example.com\tTXT\tv=DKIM1; p=NO\n");
	s[2] = load_vector("hit.txt", "s._domainkey.example.com\tTXT\tv=DKIM1; p=YES\n");
	assert_int_equal(dkimarc_keysrc_chain_new(&chain, s, 3), DKIMARC_OK);
	ans = lookup(chain, "s._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_FOUND);
	assert_string_equal(dkimarc_answer_record(ans, 0)->txt, "v=DKIM1; p=YES");
	assert_string_equal(dkimarc_answer_record(ans, 0)->origin, "hit.txt:1");
	dkimarc_answer_free(ans);

	ans = lookup(chain, "x2._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_NOT_FOUND);
	assert_contains(dkimarc_answer_why(ans), "archive: no record for x2._domainkey");
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(chain);
}

static void chain_frees_its_sources_when_it_cannot_be_built(void **state)
{
	int freed = 0;
	fake f = {0, DKIMARC_LOOKUP_NOT_FOUND, NULL, &freed};
	dkimarc_keysrc *s[2] = {NULL, NULL}, *chain = (dkimarc_keysrc *)&f;
	(void)state;

	assert_int_equal(dkimarc_keysrc_new_custom(&s[0], &fake_ops, &f), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_chain_new(&chain, s, 2), DKIMARC_EINVAL);
	assert_null(chain);
	assert_int_equal(freed, 1);
	assert_int_equal(dkimarc_keysrc_new_custom(&chain, NULL, NULL), DKIMARC_EINVAL);
}

/* ---- the pinned test vectors --------------------------------------------- */

static void rfc6376_appendix_a_dns_txt_loads(void **state)
{
	dkimarc_keysrc *src;
	(void)state;

	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_vector(
	                     src, SRCDIR "/vectors/external/rfc/rfc6376-appendix-a/dns.txt"),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_count(src), 1);
	dkimarc_answer *ans = lookup(src, "brisbane._domainkey.example.com");
	assert_int_equal(dkimarc_answer_status(ans), DKIMARC_LOOKUP_FOUND);
	const dkimarc_keyrec *r = dkimarc_answer_record(ans, 0);
	assert_memory_equal(r->txt, "v=DKIM1; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/", 55);
	assert_contains(r->origin, "rfc6376-appendix-a/dns.txt:2");
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void every_vector_dns_txt_loads(void **state)
{
	/* The external DKIM cases and the ARC suite, as pinned in vectors/. */
	static const char *const patterns[] = {
	    SRCDIR "/vectors/external/*/*/dns.txt",
	    SRCDIR "/vectors/arc/*/dns.txt",
	    SRCDIR "/vectors/arc-sign/*/dns.txt",
	    SRCDIR "/vectors/arc-sign/unused/*/dns.txt",
	};
	glob_t g;
	(void)state;

	for (size_t p = 0; p < sizeof patterns / sizeof *patterns; p++)
		assert_int_equal(glob(patterns[p], p ? GLOB_APPEND : 0, NULL, &g), 0);
	assert_true(g.gl_pathc >= 200);
	for (size_t i = 0; i < g.gl_pathc; i++) {
		dkimarc_keysrc *src;

		assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
		if (dkimarc_keysrc_archive_load_vector(src, g.gl_pathv[i]) != DKIMARC_OK)
			fail_msg("%s", dkimarc_last_error());
		assert_true(dkimarc_keysrc_archive_count(src) >= 1);
		dkimarc_keysrc_free(src);
	}
	globfree(&g);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(parse_time_accepts_unix_seconds),
	    cmocka_unit_test(parse_time_reads_dates_and_rfc3339_in_utc),
	    cmocka_unit_test(format_time_is_the_inverse_of_parse_time),
	    cmocka_unit_test(parse_time_knows_leap_years),
	    cmocka_unit_test(parse_time_rejects_malformed_input),
	    cmocka_unit_test(answer_add_deep_copies_records_with_nul_bytes),
	    cmocka_unit_test(answer_fail_sets_status_and_drops_records),
	    cmocka_unit_test(keyrec_copy_is_deep_and_null_safe),
	    cmocka_unit_test(keyfile_lines_plain_and_quoted),
	    cmocka_unit_test(zone_resolves_origin_relative_absolute_and_at),
	    cmocka_unit_test(zone_parentheses_join_strings_and_quoted_semicolons_stay),
	    cmocka_unit_test(zone_skips_other_types_and_reuses_previous_owner),
	    cmocka_unit_test(zone_with_tabs_and_quotes_is_not_taken_for_vectors),
	    cmocka_unit_test(jsonl_carries_provenance),
	    cmocka_unit_test(vector_format_keeps_data_verbatim_and_simulates_failures),
	    cmocka_unit_test(vector_format_is_read_only_when_asked_for),
	    cmocka_unit_test(same_key_in_every_format_gives_identical_txt),
	    cmocka_unit_test(malformed_lines_fail_with_file_and_line),
	    cmocka_unit_test(malformed_vector_lines_fail_with_file_and_line),
	    cmocka_unit_test(oversized_lines_and_records_are_refused),
	    cmocka_unit_test(failed_load_leaves_earlier_records_untouched),
	    cmocka_unit_test(unreadable_file_is_an_io_error_naming_the_path),
	    cmocka_unit_test(files_load_from_disk_with_their_path_as_provenance),
	    cmocka_unit_test(several_records_come_back_in_load_order_across_files),
	    cmocka_unit_test(lookup_ignores_case_and_a_final_dot),
	    cmocka_unit_test(missing_names_are_not_found_with_a_reason),
	    cmocka_unit_test(archive_calls_reject_other_sources),
	    cmocka_unit_test(chain_returns_first_found_and_stops_asking),
	    cmocka_unit_test(chain_reports_tempfail_over_not_found_and_says_why),
	    cmocka_unit_test(chain_finds_archive_record_after_a_tempfailing_source),
	    cmocka_unit_test(chain_frees_its_sources_when_it_cannot_be_built),
	    cmocka_unit_test(rfc6376_appendix_a_dns_txt_loads),
	    cmocka_unit_test(every_vector_dns_txt_loads),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
