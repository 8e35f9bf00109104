/* Tag-list parsing (RFC 6376 §3.2). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* The DKIM-Signature value of RFC 6376 Appendix A.2, folded as printed. */
static const char a2_sig[] = " v=1; a=rsa-sha256; s=brisbane; d=example.com;\r\n"
                             "      c=simple/simple; q=dns/txt; i=joe@football.example.com;\r\n"
                             "      h=Received : From : To : Subject : Date : Message-ID;\r\n"
                             "      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
                             "      b=AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n"
                             "        4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut\r\n"
                             "        KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV\r\n"
                             "        4bmp/YzhwvcubU4=;";

static const char a2_b[] = "AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB"
                           "4nujc7YopdG5dWLSdNg6xNAZpOPr+kHxt1IrE+NahM6L/LbvaHut"
                           "KVdkLLkpVaVVQPzeRDI009SO2Il5Lu7rDNH6mZckBdrIx0orEtZV"
                           "4bmp/YzhwvcubU4=";

static da_taglist tl;
static char err[256];

static int parse(const char *s, size_t n)
{
	memset(&tl, 0xa5, sizeof tl);
	err[0] = '\0';
	return da_tags_parse(s, n, &tl, err, sizeof err);
}

static int parse_str(const char *s)
{
	return parse(s, strlen(s));
}

static void assert_val(const char *name, const char *want)
{
	const da_tag *t = da_tags_get(&tl, name);

	assert_non_null(t);
	assert_int_equal(t->val_len, strlen(want));
	assert_memory_equal(t->val, want, t->val_len);
}

static void assert_fails_with(const char *s, size_t n, const char *reason)
{
	assert_int_equal(parse(s, n), -1);
	if (strstr(err, reason) == NULL)
		fail_msg("reason \"%s\" does not contain \"%s\"", err, reason);
}

static void rfc6376_a2_signature_parses(void **state)
{
	char stripped[sizeof a2_sig];
	const da_tag *b;
	unsigned char *bin;
	size_t n, binlen;

	(void)state;
	assert_int_equal(parse_str(a2_sig), 0);
	assert_int_equal(tl.n, 10);
	assert_val("v", "1");
	assert_val("a", "rsa-sha256");
	assert_val("s", "brisbane");
	assert_val("d", "example.com");
	assert_val("c", "simple/simple");
	assert_val("q", "dns/txt");
	assert_val("i", "joe@football.example.com");
	assert_val("h", "Received : From : To : Subject : Date : Message-ID");
	assert_val("bh", "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	/* Tags come back in input order. */
	assert_memory_equal(tl.tags[0].name, "v", 1);
	assert_int_equal(tl.tags[9].name_len, 1);
	assert_memory_equal(tl.tags[9].name, "b", 1);

	/* b= keeps its inner folding; stripped, it is the 1024-bit signature. */
	b = da_tags_get(&tl, "b");
	assert_non_null(b);
	assert_memory_equal(
	    b->val, "AuUoFEfDxTDkHlLXSZEpZj79LICEps6eda7W3deTVFOk4yAUoqOB\r\n        4nuj", 66);
	assert_int_equal(b->val[b->val_len - 1], '=');
	n = da_strip_ws(b->val, b->val_len, stripped);
	assert_int_equal(n, strlen(a2_b));
	assert_memory_equal(stripped, a2_b, n);
	assert_int_equal(da_b64_decode(stripped, n, &bin, &binlen), 0);
	assert_int_equal(binlen, 128);
	free(bin);

	/* The raw b= region runs from after '=' to the final ';'. */
	assert_memory_equal(a2_sig + b->val_off - 2, "b=", 2);
	assert_int_equal(b->val_end, strlen(a2_sig) - 1);
	assert_int_equal(a2_sig[b->val_end], ';');
	assert_ptr_equal(b->val, a2_sig + b->val_off);
}

static void value_trimmed_inner_fws_kept(void **state)
{
	(void)state;
	assert_int_equal(parse_str("a = one  two\t \r\n three \r\n ;b=\tx"), 0);
	assert_int_equal(tl.n, 2);
	assert_val("a", "one  two\t \r\n three");
	assert_val("b", "x");
}

static void fws_allowed_everywhere(void **state)
{
	static const char s[] = " \t\r\n a\r\n \t=\r\n\t1\r\n ; \tbc_9 \t= 2 ;\r\n ";

	(void)state;
	assert_int_equal(parse_str(s), 0);
	assert_int_equal(tl.n, 2);
	assert_int_equal(tl.tags[0].name_len, 1);
	assert_val("a", "1");
	assert_val("bc_9", "2");
}

static void val_offsets_cover_raw_value(void **state)
{
	static const char s[] = "a= x y ;bb=;c=z";
	const da_tag *t;

	(void)state;
	assert_int_equal(parse_str(s), 0);
	t = da_tags_get(&tl, "a");
	assert_int_equal(t->val_off, 2);
	assert_int_equal(t->val_end, 7);
	assert_ptr_equal(t->val, s + 3);
	assert_int_equal(t->val_len, 3);
	t = da_tags_get(&tl, "bb");
	assert_int_equal(t->val_off, 11);
	assert_int_equal(t->val_end, 11);
	assert_int_equal(t->val_len, 0);
	t = da_tags_get(&tl, "c");
	assert_int_equal(t->val_off, 14);
	assert_int_equal(t->val_end, strlen(s));
	assert_val("c", "z");
}

static void blanking_b_via_offsets_keeps_rest(void **state)
{
	char buf[sizeof a2_sig];
	const da_tag *b;

	(void)state;
	assert_int_equal(parse_str(a2_sig), 0);
	b = da_tags_get(&tl, "b");
	memcpy(buf, a2_sig, b->val_off);
	strcpy(buf + b->val_off, a2_sig + b->val_end);
	/* §3.7: the signature is computed with b= empty. */
	assert_non_null(
	    strstr(buf, "Message-ID;\r\n      bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;"
	                "\r\n      b=;"));
	assert_int_equal(buf[strlen(buf) - 1], ';');
}

static void duplicate_tag_is_error(void **state)
{
	(void)state;
	assert_fails_with("a=1; b=2; a=3", 13, "duplicate tag 'a'");
	assert_fails_with("a=1; a=1", 8, "duplicate tag 'a'");
	assert_fails_with("p=; p=", 6, "duplicate tag 'p'");
}

static void tag_names_are_case_sensitive(void **state)
{
	(void)state;
	assert_int_equal(parse_str("v=1; V=2"), 0);
	assert_int_equal(tl.n, 2);
	assert_val("v", "1");
	assert_val("V", "2");
	assert_null(da_tags_get(&tl, "x"));
	assert_null(da_tags_get(&tl, "vv"));
	assert_null(da_tags_get(&tl, ""));
}

static void empty_value_is_allowed(void **state)
{
	(void)state;
	assert_int_equal(parse_str("p="), 0);
	assert_int_equal(tl.n, 1);
	assert_val("p", "");
	assert_int_equal(parse_str("p= \t;k=rsa"), 0);
	assert_val("p", "");
	assert_val("k", "rsa");
}

static void value_may_contain_equals(void **state)
{
	(void)state;
	assert_int_equal(parse_str("bh=ab==; z=a=b"), 0);
	assert_val("bh", "ab==");
	assert_val("z", "a=b");
}

static void tag_without_equals_is_error(void **state)
{
	(void)state;
	assert_fails_with("a=1; x", 6, "tag 'x' has no '='");
	assert_fails_with("abc ;a=1", 8, "tag 'abc' has no '='");
	assert_fails_with("x \r\n ", 5, "tag 'x' has no '='");
}

static void invalid_tag_name_is_error(void **state)
{
	(void)state;
	assert_fails_with("1a=b", 4, "tag name");
	assert_fails_with("_a=b", 4, "tag name");
	assert_fails_with("=b", 2, "empty tag name");
	assert_fails_with("a b=1", 5, "tag 'a' has no '=' (found 'b')");
	assert_fails_with("a-b=1", 5, "tag 'a' has no '=' (found '-')");
	assert_int_equal(parse_str("A_1z=b"), 0);
	assert_val("A_1z", "b");
}

static void trailing_semicolon_is_allowed(void **state)
{
	(void)state;
	assert_int_equal(parse_str("a=1;"), 0);
	assert_int_equal(tl.n, 1);
	assert_int_equal(parse_str("a=1; \t"), 0);
	assert_int_equal(tl.n, 1);
	assert_int_equal(parse_str("a=1;\r\n "), 0);
	assert_int_equal(tl.n, 1);
}

static void empty_tag_spec_is_error(void **state)
{
	(void)state;
	assert_fails_with("a=1;;", 5, "empty tag-spec");
	assert_fails_with("a=1;;b=2", 8, "empty tag-spec");
	assert_fails_with("a=1; ;b=2", 9, "empty tag-spec");
	assert_fails_with(";a=1", 4, "empty tag-spec");
	assert_fails_with(";", 1, "empty tag-spec");
}

static void empty_input_has_no_tags(void **state)
{
	(void)state;
	assert_int_equal(parse("", 0), 0);
	assert_int_equal(tl.n, 0);
	assert_int_equal(parse_str(" \t"), 0);
	assert_int_equal(tl.n, 0);
}

static void nul_byte_is_error(void **state)
{
	(void)state;
	assert_fails_with("a=1; b=x\0y", 10, "invalid character 0x00 in value of tag 'b'");
	assert_fails_with("a=1\0; b=2", 9, "invalid character 0x00 in value of tag 'a'");
	assert_fails_with("a\0=1", 4, "invalid character 0x00 after tag name 'a'");
	assert_fails_with("\0a=1", 4, "invalid character 0x00");
}

static void eight_bit_byte_is_error(void **state)
{
	(void)state;
	assert_fails_with("d=exampl\xc3\xa9.com", 14, "invalid character 0xc3 in value of tag 'd'");
	assert_fails_with("a=\xff", 3, "invalid character 0xff");
	assert_fails_with("a=1 \x80", 5, "invalid character 0x80");
	assert_fails_with("a=\x7f", 3, "invalid character 0x7f");
}

static void bare_cr_or_lf_is_error(void **state)
{
	(void)state;
	/* A line break only counts as FWS when followed by WSP. */
	assert_fails_with("a=1\r\nb=2", 8, "invalid character 0x0d in value of tag 'a'");
	assert_fails_with("a=1\n b=2", 8, "invalid character 0x0a");
	assert_fails_with("a=1\r b=2", 8, "invalid character 0x0d");
	assert_fails_with("a=x\ry", 5, "invalid character 0x0d");
	assert_fails_with("a=1\r\n", 5, "invalid character 0x0d");
	assert_fails_with("a=1;\r\n", 6, "invalid character 0x0d");
	assert_fails_with("a=1\r", 4, "invalid character 0x0d");
}

static void control_char_in_value_is_error(void **state)
{
	(void)state;
	assert_fails_with("a=x\x01y", 5, "invalid character 0x01");
	assert_fails_with("a=\x0bx", 4, "invalid character 0x0b");
}

static void too_many_tags_is_error(void **state)
{
	char buf[DA_MAX_TAGS * 12 + 16];
	size_t n = 0;

	(void)state;
	for (int i = 0; i < DA_MAX_TAGS; i++)
		n += (size_t)sprintf(buf + n, "t%d=%d;", i, i);
	assert_int_equal(parse(buf, n), 0);
	assert_int_equal(tl.n, DA_MAX_TAGS);
	assert_val("t127", "127");
	n += (size_t)sprintf(buf + n, "x=1");
	assert_fails_with(buf, n, "too many tags");
}

static void strip_ws_removes_sp_tab_cr_lf(void **state)
{
	static const char in[] = " ab\tc\r\n d\r\n\te= ";
	char out[sizeof in];
	size_t n;

	(void)state;
	n = da_strip_ws(in, sizeof in - 1, out);
	assert_int_equal(n, 6);
	assert_memory_equal(out, "abcde=", 6);
	assert_int_equal(da_strip_ws("", 0, out), 0);
	/* Other control bytes are not whitespace here; they are kept. */
	assert_int_equal(da_strip_ws("a\vb", 3, out), 3);
}

static void null_err_buffer_is_tolerated(void **state)
{
	(void)state;
	assert_int_equal(da_tags_parse("a=1;a=2", 7, &tl, NULL, 0), -1);
	assert_int_equal(da_tags_parse("a=1", 3, &tl, NULL, 0), 0);
}

/* Checks the invariants of a successful parse of s[0..n). */
static void check_result(const char *s, size_t n)
{
	assert_true(tl.n <= DA_MAX_TAGS);
	for (size_t i = 0; i < tl.n; i++) {
		const da_tag *t = &tl.tags[i];

		assert_true(t->name >= s && t->name + t->name_len <= s + n);
		assert_true(t->name_len > 0);
		assert_true(t->val_off <= t->val_end && t->val_end <= n);
		assert_true(t->val >= s + t->val_off);
		assert_true(t->val + t->val_len <= s + t->val_end);
		assert_true(t->val_end == n || s[t->val_end] == ';');
		assert_int_equal(s[t->val_off - 1], '=');
	}
}

static void every_prefix_parses_within_bounds(void **state)
{
	size_t len = strlen(a2_sig);

	(void)state;
	/* Each prefix in its own exact-size buffer, so ASan sees any overread. */
	for (size_t n = 0; n <= len; n++) {
		char *p = malloc(n ? n : 1);

		assert_non_null(p);
		memcpy(p, a2_sig, n);
		if (parse(p, n) == 0)
			check_result(p, n);
		else
			assert_true(err[0] != '\0');
		free(p);
	}
}

static void random_input_never_overreads(void **state)
{
	static const char alphabet[] = "ab=; \t\r\n\0\xff=:";
	uint32_t x = 12345;

	(void)state;
	for (int iter = 0; iter < 20000; iter++) {
		size_t n = iter % 40;
		char *p = malloc(n ? n : 1);

		assert_non_null(p);
		for (size_t i = 0; i < n; i++) {
			x = x * 1103515245u + 12345u;
			p[i] = alphabet[(x >> 16) % (sizeof alphabet - 1)];
		}
		if (parse(p, n) == 0)
			check_result(p, n);
		else
			assert_true(err[0] != '\0');
		free(p);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(rfc6376_a2_signature_parses),
	    cmocka_unit_test(value_trimmed_inner_fws_kept),
	    cmocka_unit_test(fws_allowed_everywhere),
	    cmocka_unit_test(val_offsets_cover_raw_value),
	    cmocka_unit_test(blanking_b_via_offsets_keeps_rest),
	    cmocka_unit_test(duplicate_tag_is_error),
	    cmocka_unit_test(tag_names_are_case_sensitive),
	    cmocka_unit_test(empty_value_is_allowed),
	    cmocka_unit_test(value_may_contain_equals),
	    cmocka_unit_test(tag_without_equals_is_error),
	    cmocka_unit_test(invalid_tag_name_is_error),
	    cmocka_unit_test(trailing_semicolon_is_allowed),
	    cmocka_unit_test(empty_tag_spec_is_error),
	    cmocka_unit_test(empty_input_has_no_tags),
	    cmocka_unit_test(nul_byte_is_error),
	    cmocka_unit_test(eight_bit_byte_is_error),
	    cmocka_unit_test(bare_cr_or_lf_is_error),
	    cmocka_unit_test(control_char_in_value_is_error),
	    cmocka_unit_test(too_many_tags_is_error),
	    cmocka_unit_test(strip_ws_removes_sp_tab_cr_lf),
	    cmocka_unit_test(null_err_buffer_is_tolerated),
	    cmocka_unit_test(every_prefix_parses_within_bounds),
	    cmocka_unit_test(random_input_never_overreads),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
