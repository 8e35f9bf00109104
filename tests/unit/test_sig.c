/* DKIM-Signature checks of RFC 6376 §6.1.1, one rule per case. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sig.h"

#define B    "b=dGVzdA==; bh=dGVzdA==; "
#define BASE "v=1; a=rsa-sha256; d=example.com; s=sel; h=from:to; " B

static dkimarc_reason parse(const char *value, da_sigparams *sp)
{
	char field[4096], err[256];
	int n = snprintf(field, sizeof field, "DKIM-Signature: %s", value);
	dkimarc_reason r = da_sig_parse(field, (size_t)n, 15, sp, err, sizeof err);
	return r;
}

static void expect(const char *value, dkimarc_reason want)
{
	da_sigparams sp;
	dkimarc_reason got = parse(value, &sp);
	if (got != want)
		fail_msg("%s: got reason %d, want %d", value, got, want);
	da_sigparams_clear(&sp);
}

/* A NUL is no white space: "from<NUL>" in h= or q= is malformed, not "from". */
static void nul_at_the_edge_of_a_list_item_is_refused(void **state)
{
	(void)state;
	static const char *const cases[] = {
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=from\0; bh=dGVzdA==; "
	    "b=dGVzdA==",
	    "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=sel; h=\0from; bh=dGVzdA==; "
	    "b=dGVzdA==",
	};
	static const size_t lens[] = {sizeof "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
	                                     "s=sel; h=from\0; bh=dGVzdA==; b=dGVzdA==" -
	                                  1,
	                              sizeof "DKIM-Signature: v=1; a=rsa-sha256; d=example.com; "
	                                     "s=sel; h=\0from; bh=dGVzdA==; b=dGVzdA==" -
	                                  1};
	for (size_t i = 0; i < 2; i++) {
		da_sigparams sp;
		char err[256];
		assert_int_equal(da_sig_parse(cases[i], lens[i], 15, &sp, err, sizeof err),
		                 DKIMARC_REASON_SIG_SYNTAX);
		da_sigparams_clear(&sp);
	}
}

static void well_formed_signature_parses_with_defaults(void **state)
{
	(void)state;
	da_sigparams sp;
	assert_int_equal(parse(BASE, &sp), DKIMARC_REASON_OK);
	assert_int_equal(sp.hcanon, DA_CANON_SIMPLE);
	assert_int_equal(sp.bcanon, DA_CANON_SIMPLE);
	assert_string_equal(sp.canon, "simple/simple");
	assert_string_equal(sp.auid_domain, "example.com"); /* i= defaults to @d */
	assert_int_equal(sp.nheaders, 2);
	assert_int_equal(sp.l, -1);
	assert_int_equal(sp.b_len, 4);
	da_sigparams_clear(&sp);
	/* c=relaxed alone means relaxed/simple (§3.5). */
	assert_int_equal(parse(BASE "c=relaxed", &sp), DKIMARC_REASON_OK);
	assert_string_equal(sp.canon, "relaxed/simple");
	da_sigparams_clear(&sp);
}

static void b_region_covers_value_with_its_whitespace(void **state)
{
	(void)state;
	da_sigparams sp;
	const char *v =
	    "v=1; a=rsa-sha256; d=example.com; s=sel; h=from; bh=dGVzdA==; b= dGVz\r\n dA== ";
	char field[256], err[128];
	int n = snprintf(field, sizeof field, "DKIM-Signature:%s", v);
	assert_int_equal(da_sig_parse(field, (size_t)n, 15, &sp, err, sizeof err),
	                 DKIMARC_REASON_OK);
	assert_memory_equal(field + sp.b_off - 2, "b=", 2);
	assert_int_equal(sp.b_end, (size_t)n);
	da_sigparams_clear(&sp);
}

static void section_6_1_1_rules(void **state)
{
	(void)state;
	expect("a=rsa-sha256; d=example.com; s=sel; h=from; " B, DKIMARC_REASON_SIG_MISSING_TAG);
	expect("v=2; a=rsa-sha256; d=example.com; s=sel; h=from; " B, DKIMARC_REASON_SIG_VERSION);
	expect("v=1; d=example.com; s=sel; h=from; " B, DKIMARC_REASON_SIG_MISSING_TAG);
	expect("v=1; a=rsa-sha256; s=sel; h=from; " B, DKIMARC_REASON_SIG_MISSING_TAG);
	expect("v=1; a=rsa-sha256; d=example.com; h=from; " B, DKIMARC_REASON_SIG_MISSING_TAG);
	expect("v=1; a=rsa-sha256; d=example.com; s=sel; " B, DKIMARC_REASON_SIG_MISSING_TAG);
	expect("v=1; a=rsa-sha512; d=example.com; s=sel; h=from; " B,
	       DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED);
	/* Tag values are case-sensitive (§3.2). */
	expect("v=1; a=RSA-SHA256; d=example.com; s=sel; h=from; " B,
	       DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED);
	expect("v=1; a=rsa-sha256; d=example.com; s=sel; h=to:subject; " B,
	       DKIMARC_REASON_SIG_FROM_NOT_SIGNED);
	expect(BASE "i=joe@evil.example", DKIMARC_REASON_SIG_AUID_MISMATCH);
	expect(BASE "i=joe@notexample.com", DKIMARC_REASON_SIG_AUID_MISMATCH);
	expect(BASE "i=joe@sub.example.com", DKIMARC_REASON_OK);
	expect(BASE "i=@EXAMPLE.com", DKIMARC_REASON_OK);
	expect(BASE "i=joe=40x@example.com", DKIMARC_REASON_OK);
	expect(BASE "c=relaxed/fancy", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "q=dns/txt", DKIMARC_REASON_OK);
	expect(BASE "q=http/well-known", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "l=-1", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "l=1234567890123456789012345678901234567890123456789012345678901234567890123456"
	            "7890",
	       DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "t=1234567890123", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "t=100; x=100", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "t=100; x=99", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "t=100; x=101", DKIMARC_REASON_OK);
	expect("v=1; a=rsa-sha256; d=example.com.; s=sel; h=from; " B, DKIMARC_REASON_SIG_SYNTAX);
	expect("v=1; a=rsa-sha256; d=ex ample.com; s=sel; h=from; " B, DKIMARC_REASON_SIG_SYNTAX);
	expect("v=1; a=rsa-sha256; d=example.com; s=sel; h=from::to; " B,
	       DKIMARC_REASON_SIG_SYNTAX);
	expect("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=dGVzdA=; bh=dGVzdA==",
	       DKIMARC_REASON_SIG_SYNTAX);
	expect("v=1; a=rsa-sha256; d=example.com; s=sel; h=from; b=dGVzdA==; bh=!!!!",
	       DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "v=1", DKIMARC_REASON_SIG_SYNTAX); /* duplicate tag */
}

/* i= is dkim-quoted-printable (RFC 6376 §2.11, §6.1.1): anything else is a syntax error. */
static void i_must_be_dkim_quoted_printable(void **state)
{
	(void)state;
	expect(BASE "i=alice=-x@example.com", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "i=alice@example.com=", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "i=alice@example.com=4", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "i=alice=4@example.com", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "i=alice=\r\n 40example.com", DKIMARC_REASON_SIG_SYNTAX);
	/* Octets that no address holds. */
	expect(BASE "i=alice=0A@example.com", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "i=alice=00@example.com", DKIMARC_REASON_SIG_SYNTAX);
	expect(BASE "i=alice=7F@example.com", DKIMARC_REASON_SIG_SYNTAX);
	/* The domain is judged decoded: =2E is a dot. */
	expect(BASE "i=joe@example.com=2Eevil.test", DKIMARC_REASON_SIG_AUID_MISMATCH);
	expect(BASE "i=joe@sub=2Eexample.com", DKIMARC_REASON_OK);
}

/* The report shows i= decoded; as written when it does not decode. */
static void auid_is_decoded(void **state)
{
	(void)state;
	da_sigparams sp;
	char err[256];
	char field[256];
	int n;

	assert_int_equal(parse(BASE "i=joe=40x@example.com", &sp), DKIMARC_REASON_OK);
	assert_string_equal(sp.auid, "joe@x@example.com");
	da_sigparams_clear(&sp);
	/* Lower-case hex is read (RFC 2045 §6.7); folding whitespace is dropped. */
	assert_int_equal(parse(BASE "i=al=2ebob=20x@exa\r\n mple.com", &sp), DKIMARC_REASON_OK);
	assert_string_equal(sp.auid, "al.bob x@example.com");
	assert_string_equal(sp.auid_domain, "example.com");
	da_sigparams_clear(&sp);
	n = snprintf(field, sizeof field, "DKIM-Signature: %s", BASE "i=alice=-x@example.com");
	assert_int_equal(da_sig_parse(field, (size_t)n, 15, &sp, err, sizeof err),
	                 DKIMARC_REASON_SIG_SYNTAX);
	assert_string_equal(sp.auid, "alice=-x@example.com");
	assert_non_null(strstr(err, "dkim-quoted-printable"));
	da_sigparams_clear(&sp);
}

static void large_l_saturates_instead_of_overflowing(void **state)
{
	(void)state;
	da_sigparams sp;
	assert_int_equal(parse(BASE "l=99999999999999999999999999", &sp), DKIMARC_REASON_OK);
	assert_int_equal(sp.l, INT64_MAX);
	da_sigparams_clear(&sp);
}

static void too_many_signed_headers_is_syntax_error(void **state)
{
	(void)state;
	char v[4096];
	int n = snprintf(v, sizeof v, "v=1; a=rsa-sha256; d=example.com; s=sel; " B "h=from");
	for (int i = 0; i < DA_MAX_SIGNED_HEADERS; i++)
		n += snprintf(v + n, sizeof v - (size_t)n, ":x");
	expect(v, DKIMARC_REASON_SIG_SYNTAX);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(well_formed_signature_parses_with_defaults),
	    cmocka_unit_test(nul_at_the_edge_of_a_list_item_is_refused),
	    cmocka_unit_test(b_region_covers_value_with_its_whitespace),
	    cmocka_unit_test(section_6_1_1_rules),
	    cmocka_unit_test(i_must_be_dkim_quoted_printable),
	    cmocka_unit_test(auid_is_decoded),
	    cmocka_unit_test(large_l_saturates_instead_of_overflowing),
	    cmocka_unit_test(too_many_signed_headers_is_syntax_error),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
