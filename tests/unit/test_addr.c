/*
 * The address-list parser (lib/addr.c) on the issue's From values, RFC 5322
 * Appendix A, the obsolete syntax of §4.4, and values that real readers
 * (GMime, Python's email package) resolve differently: those must be
 * ambiguous. What readers make of each unambiguous value is checked by
 * tests/addr/ (test_addr_readers); the expectations here are the RFC's.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "addr.h"

typedef struct {
	const char *v;
	size_t len;         /* 0: strlen(v) */
	bool amb;           /* expected ambiguous */
	const char *why;    /* when ambiguous: a part of the expected reason, or NULL */
	const char *mb[13]; /* local, domain, local, domain, ..., NULL */
} addr_case;

/* clang-format off */
/* The value reads one way, as the listed mailboxes. */
#define ONE(val, ...) {val, 0, false, NULL, {__VA_ARGS__, NULL}}
#define NONE(val) {val, 0, false, NULL, {NULL}}
/* The value is ambiguous, for a reason containing `reason` (NULL: any). */
#define AMB(val, reason) {val, 0, true, reason, {NULL}}
/* The same for a literal with NUL bytes in it. */
#define AMB_N(val, reason) {val, sizeof(val) - 1, true, reason, {NULL}}
/* clang-format on */

static void check(const addr_case *c)
{
	da_addrlist l;
	size_t len = c->len ? c->len : strlen(c->v);

	assert_int_equal(da_addrlist_parse(c->v, len, &l), DKIMARC_OK);
	if (l.ambiguous != c->amb)
		fail_msg("%s: expected %s, got %s (%s)", c->v, c->amb ? "ambiguous" : "one reading",
		         l.ambiguous ? "ambiguous" : "one reading", l.why);
	if (c->amb) {
		if (c->why && !strstr(l.why, c->why))
			fail_msg("%s: reason \"%s\", expected one with \"%s\"", c->v, l.why,
			         c->why);
	} else {
		size_t k = 0;
		while (c->mb[2 * k])
			k++;
		if (l.n != k)
			fail_msg("%s: %zu mailboxes, expected %zu", c->v, l.n, k);
		for (size_t i = 0; i < k; i++) {
			assert_string_equal(l.m[i].local, c->mb[2 * i]);
			assert_non_null(l.m[i].domain);
			assert_string_equal(l.m[i].domain, c->mb[2 * i + 1]);
		}
	}
	/* Domains are lower case and hold no control byte, whatever the value. */
	for (size_t i = 0; i < l.n; i++)
		for (const char *d = l.m[i].domain; d && *d; d++)
			assert_true(!(*d >= 'A' && *d <= 'Z') && (unsigned char)*d > 0x20 &&
			            *d != 0x7f);
	da_addrlist_free(&l);
	assert_null(l.m);
	assert_int_equal(l.n, 0);
}

static void run(const addr_case *cs, size_t n)
{
	for (size_t i = 0; i < n; i++)
		check(&cs[i]);
}

#define RUN(cases) run(cases, sizeof cases / sizeof cases[0])

static void issue14_examples(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    /* "\)" is a quoted pair: the comment runs to the last ')'. */
	    ONE(" CEO <ceo@example.com> (\\) <x@evil.test>)", "ceo", "example.com"),
	    AMB(" <ceo@example.com> <x@evil.test>", "two angle-addrs"),
	    AMB(" ceo@example.com <x@evil.test>", "addr-spec followed by an angle-addr"),
	    AMB(" ceo@example.com: x@evil.test;", "text after an address"),
	    AMB(" \"ceo@example.com\": x@evil.test;", "group name that looks like an address"),
	    AMB(" \"<ceo@example.com>\":;", "group name"),
	    /* Angle brackets in comments: both readers skip the comment. */
	    ONE(" CEO (<x@evil.test>) <ceo@example.com>", "ceo", "example.com"),
	    ONE(" ceo@example.com (<x@evil.test>)", "ceo", "example.com"),
	    ONE(" (x@evil.test) ceo@example.com", "ceo", "example.com"),
	};
	RUN(cs);
}

static void nine_and_more_mailboxes(void **state)
{
	(void)state;
	/* Eight x@evil.test, then ceo@example.com: all nine count. */
	static const char nine[] = "x@evil.test, x@evil.test, x@evil.test, x@evil.test, "
	                           "x@evil.test, x@evil.test, x@evil.test, x@evil.test, "
	                           "ceo@example.com";
	da_addrlist l;
	assert_int_equal(da_addrlist_parse(nine, strlen(nine), &l), DKIMARC_OK);
	assert_false(l.ambiguous);
	assert_int_equal(l.n, 9);
	for (size_t i = 0; i < 8; i++)
		assert_string_equal(l.m[i].domain, "evil.test");
	assert_string_equal(l.m[8].local, "ceo");
	assert_string_equal(l.m[8].domain, "example.com");
	da_addrlist_free(&l);

	/* No cap: 1000 mailboxes, in a group and out of it, the last one different. */
	size_t cap = 1000 * 16 + 64, len = 0;
	char *v = malloc(cap);
	assert_non_null(v);
	len += (size_t)snprintf(v + len, cap - len, "Many:");
	for (int i = 0; i < 999; i++)
		len += (size_t)snprintf(v + len, cap - len, "%sx%d@evil.test", i ? "," : "", i);
	len += (size_t)snprintf(v + len, cap - len, ";, CEO <ceo@Example.COM>");
	assert_int_equal(da_addrlist_parse(v, len, &l), DKIMARC_OK);
	assert_false(l.ambiguous);
	assert_int_equal(l.n, 1000);
	assert_string_equal(l.m[998].local, "x998");
	assert_string_equal(l.m[999].domain, "example.com");
	da_addrlist_free(&l);
	free(v);
}

/* RFC 5322 Appendix A: the address fields of A.1.1 to A.6.3. */
static void rfc5322_appendix_a(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    /* A.1.1 */
	    ONE(" John Doe <jdoe@machine.example>", "jdoe", "machine.example"),
	    ONE(" Mary Smith <mary@example.net>", "mary", "example.net"),
	    /* A.1.2 */
	    ONE(" \"Joe Q. Public\" <john.q.public@example.com>", "john.q.public", "example.com"),
	    ONE(" Mary Smith <mary@x.test>, jdoe@example.org, Who? <one@y.test>", "mary", "x.test",
	        "jdoe", "example.org", "one", "y.test"),
	    ONE(" <boss@nil.test>, \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>", "boss",
	        "nil.test", "sysservices", "example.net"),
	    /* A.1.3 */
	    ONE(" Pete <pete@silly.example>", "pete", "silly.example"),
	    ONE(" A Group:Ed Jones <c@a.test>,joe@where.test,John <jdoe@one.test>;", "c", "a.test",
	        "joe", "where.test", "jdoe", "one.test"),
	    NONE(" Undisclosed recipients:;"),
	    /* A.2 */
	    ONE(" \"Mary Smith: Personal Account\" <smith@home.example>", "smith", "home.example"),
	    /* A.4 */
	    ONE(" Michael Jones <mjones@machine.example>", "mjones", "machine.example"),
	    /* A.5: white space, comments, a quoted pair in a comment, a group with comments */
	    ONE(" Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>", "pete",
	        "silly.test"),
	    ONE("A Group(Some people)\r\n     :Chris Jones <c@(Chris's host.)public.example>,\r\n"
	        "         joe@example.org,\r\n  John <jdoe@one.test> (my dear friend); (the end of "
	        "the group)",
	        "c", "public.example", "joe", "example.org", "jdoe", "one.test"),
	    NONE("(Empty list)(start)Hidden recipients  :(nobody(that I know))  ;"),
	    /* A.6.1: obs-phrase with '.', an obs-route, an empty list element, obs-domain */
	    ONE(" Joe Q. Public <john.q.public@example.com>", "john.q.public", "example.com"),
	    ONE(" Mary Smith <@node.test:mary@example.net>, , jdoe@test  . example", "mary",
	        "example.net", "jdoe", "test.example"),
	    /* A.6.3: a comment and white space in an obs-domain */
	    ONE(" John Doe <jdoe@machine(comment).  example>", "jdoe", "machine.example"),
	};
	RUN(cs);
}

static void obsolete_forms(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    ONE(" John Q. Public <jqp@example.com>", "jqp", "example.com"),
	    ONE(" John..Q <a@example.com>", "a", "example.com"),
	    ONE(" <@r1.example,@r2.example:ceo@example.com>", "ceo", "example.com"),
	    ONE(" <@r1.example,,@r2.example:ceo@example.com>", "ceo", "example.com"),
	    ONE(" <@[192.0.2.1]:ceo@example.com>", "ceo", "example.com"),
	    AMB(" <,@r.example:ceo@example.com>", "route that starts with ','"),
	    AMB(" <@r.example ceo@example.com>", "route without ':'"),
	    ONE(" a@x.example, , b@y.example", "a", "x.example", "b", "y.example"),
	    ONE(" ,a@x.example,", "a", "x.example"),
	    ONE(" Team:, a@x.example,,;", "a", "x.example"),
	    /* obs-local-part and obs-domain: CFWS around the dots */
	    ONE(" john . doe@example.com", "john.doe", "example.com"),
	    ONE(" \"john\".\"doe\"@example.com", "john.doe", "example.com"),
	    ONE(" \"a b\".c@example.com", "a b.c", "example.com"),
	    ONE(" ceo (c) @ example . com", "ceo", "example.com"),
	    ONE(" ceo@example(x).(y)com", "ceo", "example.com"),
	};
	RUN(cs);
}

static void quoted_strings_and_comments(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    ONE(" \"john doe\"@example.com", "john doe", "example.com"),
	    ONE(" \"john\\\"doe\"@example.com", "john\"doe", "example.com"),
	    ONE(" \"a\\\\b\"@example.com", "a\\b", "example.com"),
	    ONE(" \"Doe, John\" <j@example.com>", "j", "example.com"),
	    ONE(" \"Name <with> brackets\" <x@example.com>", "x", "example.com"),
	    ONE(" \"john.doe@example.com\" <john.doe@example.com>", "john.doe", "example.com"),
	    ONE(" \"\" <a@example.com>", "a", "example.com"),
	    ONE(" ceo@example.com (nested (comment \\( here) ok)", "ceo", "example.com"),
	    ONE(" ceo@example.com (a (b (c (d) e) f) g)", "ceo", "example.com"),
	    ONE(" ceo@example.com (((((((((((((((((((((((((((((((("
	        "))))))))))))))))))))))))))))))))",
	        "ceo", "example.com"),
	    AMB(" ceo@example.com ((((((((((((((((((((((((((((((((("
	        ")))))))))))))))))))))))))))))))))",
	        "nested deeper than 32"),
	    ONE(" John (Jack) Doe <john@example.com> (via List)", "john", "example.com"),
	    ONE(" CEO\r\n <ceo@example.com>", "ceo", "example.com"),
	    ONE(" \"CEO\r\n Smith\" <ceo@example.com>", "ceo", "example.com"),
	    AMB(" \"jo\r\n hn\"@example.com", "folded quoted string"),
	    AMB(" ceo@example.com (unterminated", "unterminated comment"),
	    AMB(" ceo@example.com (a (b)", "unterminated comment"),
	    AMB(" ceo@example.com )", "text after an address"),
	    AMB(" \"unterminated <x@evil.test>", "unterminated quoted string"),
	    AMB(" \"\"@example.com", "empty local part"),
	    AMB(" \"a\\", "backslash at the end"),
	    AMB(" ceo\\@evil.test@example.com", NULL),
	};
	RUN(cs);
}

static void malformed(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    AMB(" CEO <ceo@example.com", "unterminated angle-addr"),
	    AMB(" CEO ceo@example.com>", NULL),
	    AMB(" <<ceo@example.com>>", NULL),
	    AMB(" <ceo@example.com, x@evil.test>", "more than an address"),
	    AMB(" CEO <ceo@example.com> x@evil.test", "text after an address"),
	    AMB(" ceo@example.com x@evil.test", "text after an address"),
	    AMB(" ceo@example.com@evil.test", "text after an address"),
	    AMB(" ceo@@example.com", "no domain"),
	    AMB(" ceo", "name without an address"),
	    AMB(" <ceo>", "without '@'"),
	    AMB(" <>", "empty angle-addr"),
	    AMB(" @example.com", "empty local part"),
	    AMB(" Doe, John <j@example.com>", "name without an address"),
	    AMB(" a@b.example; d@e.example", NULL),
	    AMB(" John Doe@example.com", "not words separated by dots"),
	    AMB(" .ceo@example.com", "not words separated by dots"),
	    AMB(" ceo.@example.com", "not words separated by dots"),
	    AMB(" ce..o@example.com", "not words separated by dots"),
	    AMB(" ceo@example..com", NULL),
	    AMB(" ceo@.example.com", "no domain"),
	    AMB(" ceo@example.com.", "ends with a dot"),
	    AMB(" ceo@", "no domain"),
	    AMB(" .John <a@example.com>", "starts with a dot"),
	    AMB(" ceo@example.com >", "text after an address"),
	    AMB(" ceo@example.com [x]", "text after an address"),
	};
	RUN(cs);
}

static void groups(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    ONE(" Team: a@x.example, b@y.example;", "a", "x.example", "b", "y.example"),
	    ONE(" Team: a@x.example;, b@y.example", "a", "x.example", "b", "y.example"),
	    ONE(" \"\": a@example.com;", "a", "example.com"),
	    NONE(" Team: (c) ;"),
	    NONE(" Team:;"),
	    AMB(" Team: a@x.example, b@y.example", "group without ';'"),
	    AMB(" Outer: Inner: a@x.example;;", "group inside a group"),
	    AMB(" Team: a@x.example; trailing", "text after a group"),
	    AMB(" =?utf-8?q?ceo=40example.com?=: x@evil.test;", "looks like an address"),
	    AMB(" : a@x.example;", NULL),
	    /* Python's email package raises on these. */
	    AMB(" Team:; ", "empty group"),
	    AMB(" Team:;(c), a@example.com", "empty group"),
	    ONE(" Team: ; , a@example.com", "a", "example.com"),
	    AMB(" Team.: a@example.com;", "ends with a dot"),
	};
	RUN(cs);
}

static void domain_literals(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    ONE(" ceo@[192.0.2.1]", "ceo", "[192.0.2.1]"),
	    ONE(" <ceo@[IPv6:2001:DB8::1]>", "ceo", "[ipv6:2001:db8::1]"),
	    AMB(" ceo@[ 192.0.2.1 ]", "domain literal"),
	    AMB(" ceo@[192.0.2.1", "unterminated domain literal"),
	    AMB(" ceo@[19\\2.0.2.1]", "quoted pair in a domain literal"),
	    AMB(" ceo@[a[b]", "domain literal"),
	};
	RUN(cs);
}

static void utf8_and_encoded_words(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    /* RFC 6532: UTF-8 in atoms and quoted strings. */
	    ONE(" J\xc3\xb6rg <j\xc3\xb6rg@b\xc3\xbc"
	        "cher.example>",
	        "j\xc3\xb6rg",
	        "b\xc3\xbc"
	        "cher.example"),
	    ONE(" \"\xe6\x9d\x8e\xe5\xb0\x8f\xe9\xbe\x8d\" <bruce@example.cn>", "bruce",
	        "example.cn"),
	    /* A Latin-1 display name: readers agree on the address. */
	    ONE(" J\xf6rg <joerg@example.de>", "joerg", "example.de"),
	    AMB(" joerg\xf6@example.de", "not UTF-8"),
	    AMB(" joerg@ex\xe4mple.de", "not UTF-8"),
	    AMB(" \"\xc0\xaf\"@example.de", "not UTF-8"), /* an overlong '/' */
	    /* RFC 2047 encoded-words are atoms; never in an addr-spec (§5). */
	    ONE(" =?utf-8?q?J=C3=B6rg_M=C3=BCller?= <joerg@example.de>", "joerg", "example.de"),
	    ONE(" =?UTF-8?B?SsO2cmcgTcO8bGxlcg==?= <joerg@example.de>", "joerg", "example.de"),
	    ONE(" =?iso-8859-1?Q?Andr=E9?= Pirard <PIRARD@vm1.ulg.ac.be>", "PIRARD",
	        "vm1.ulg.ac.be"),
	    ONE(" =?utf-8?q?x=40evil.test?= <ceo@example.com>", "ceo", "example.com"),
	    ONE(" =?utf-8?Q?John Doe?= <john@example.com>", "john", "example.com"),
	    ONE(" \"=?utf-8?q?Ren=C3=A9e?=\" <renee@example.fr>", "renee", "example.fr"),
	    AMB(" =?utf-8?q?a?=@example.com", "encoded-word in an address"),
	    AMB(" ceo@=?utf-8?q?example.com?=", "encoded-word in an address"),
	    AMB(" \"=?utf-8?q?a?=\"@example.com", "encoded-word in an address"),
	    AMB(" \"a\\=?b\"@example.com", "encoded-word in an address"),
	    /* Python reads an encoded-word up to the next "?=", wherever it is. */
	    AMB(" =?utf-8?q?a <x@evil.test>, b ?= <ceo@example.com>", "runs past its word"),
	    AMB(" \"=?utf-8?q?a\" <x@evil.test>, \"?=\" <ceo@example.com>", "runs past its word"),
	    AMB(" =?utf-8?q?a (x?= <x@evil.test>) <ceo@example.com>", "runs past its word"),
	    /* Python raises on a display name with CR or LF in it. */
	    AMB(" =?utf-8?q?a=0Ab?= <ceo@example.com>", "line break"),
	    AMB(" =?utf-8?b?YQpi?= <ceo@example.com>", "line break"),
	    AMB(" =?utf-16?b?AAoA?= <ceo@example.com>", "charset"),
	    ONE(" =?utf-8?b?YWJj?= <ceo@example.com>", "ceo", "example.com"),
	    ONE(" =?utf-8?b?YWI?= <ceo@example.com>", "ceo", "example.com"),
	    ONE(" =?utf-8?q?a?= =?utf-8?q?b?= <ceo@example.com>", "ceo", "example.com"),
	    ONE(" =?utf-8?q?no_end <ceo@example.com>", "ceo", "example.com"),
	    AMB(" John Q.<jqp@example.com>", "ends with a dot"),
	};
	RUN(cs);
}

static void bytes_that_are_not_text(void **state)
{
	(void)state;
	static const addr_case cs[] = {
	    /* A NUL would cut the domain short as a C string: example.com. */
	    AMB_N(" ceo@example.com\0.evil.test", "NUL"),
	    AMB_N(" \"ceo\0\"@example.com", "NUL"),
	    AMB_N(" ceo@example.com (\0)", "NUL"),
	    AMB(" ceo@exa\x01mple.com", "control byte"),
	    AMB(" \"c\x7f\"@example.com", "control byte"),
	    AMB(" \"c\\\x01\"@example.com", "quoted pair of a control byte"),
	    AMB(" ceo@example.com\rFrom: x@evil.test", "line break"),
	    AMB(" ceo@example.com\nx@evil.test", "line break"),
	    AMB(" ceo@example.com\r\nx@evil.test", "line break"),
	    AMB(" ceo@example.com\r\n", "line break"),
	    ONE(" ceo@example.com\r\n\t", "ceo", "example.com"),
	    NONE(""),
	    NONE("  \t "),
	};
	RUN(cs);
}

/* Every prefix of a valid value parses without reading past it (ASan checks the bound). */
static void prefixes_stay_in_bounds(void **state)
{
	(void)state;
	static const char *const vals[] = {
	    " \"Giant; \\\"Big\\\" Box\" <sysservices@example.net>",
	    " Pete(A nice \\) chap) <pete(his account)@silly.test(his host)>",
	    " =?utf-8?q?J=C3=B6rg?= <j@[192.0.2.1]>, Team: <@r.example:a@b.example>;",
	};
	for (size_t i = 0; i < sizeof vals / sizeof vals[0]; i++) {
		size_t n = strlen(vals[i]);
		for (size_t k = 0; k <= n; k++) {
			char *copy = malloc(k ? k : 1);
			assert_non_null(copy);
			memcpy(copy, vals[i], k);
			da_addrlist l;
			assert_int_equal(da_addrlist_parse(copy, k, &l), DKIMARC_OK);
			if (!l.ambiguous && k < n)
				assert_true(l.n <= 2);
			da_addrlist_free(&l);
			free(copy);
		}
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(issue14_examples),
	    cmocka_unit_test(nine_and_more_mailboxes),
	    cmocka_unit_test(rfc5322_appendix_a),
	    cmocka_unit_test(obsolete_forms),
	    cmocka_unit_test(quoted_strings_and_comments),
	    cmocka_unit_test(malformed),
	    cmocka_unit_test(groups),
	    cmocka_unit_test(domain_literals),
	    cmocka_unit_test(utf8_and_encoded_words),
	    cmocka_unit_test(bytes_that_are_not_text),
	    cmocka_unit_test(prefixes_stay_in_bounds),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
