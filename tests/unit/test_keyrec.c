/* Key records (RFC 6376 §3.6.1, RFC 8463) and strict base64. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* RFC 6376 Appendix A.3: the "brisbane" selector's key (1024-bit RSA SPKI). */
#define BRISBANE_P                                                                                 \
	"MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmGqZ9ZJW3/DkMoGeLnQg1fWn7/"            \
	"zYtIxN2SnFCjxO"                                                                           \
	"CKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/RtdC2UzJ1lWT947qR+Rcac2gbto/"                         \
	"NMqJ0fzfVjH4OuKhitdY9tf6m"                                                                \
	"cwGjaNBcWToIMmPSPDdQPNUYckcQ2QIDAQAB"

/* RFC 8463 §A.2 key: RFC 8032 test 1's Ed25519 public key. */
static const unsigned char ed_pub[32] = {
    0xd7, 0x5a, 0x98, 0x01, 0x82, 0xb1, 0x0a, 0xb7, 0xd5, 0x4b, 0xfe, 0xd3, 0xc9, 0x64, 0x07, 0x3a,
    0x0e, 0xe1, 0x72, 0xf3, 0xda, 0xa6, 0x23, 0x25, 0xaf, 0x02, 0x1a, 0x68, 0xf7, 0x07, 0x51, 0x1a,
};

static da_keyrec k;
static char err[256];

static dkimarc_reason parse(const char *s, size_t n)
{
	err[0] = '\0';
	return da_keyrec_parse(s, n, &k, err, sizeof err);
}

static dkimarc_reason parse_str(const char *s)
{
	return parse(s, strlen(s));
}

static int teardown(void **state)
{
	(void)state;
	da_keyrec_clear(&k);
	return 0;
}

static void assert_syntax(const char *s, size_t n, const char *reason)
{
	assert_int_equal(parse(s, n), DKIMARC_REASON_KEY_SYNTAX);
	if (strstr(err, reason) == NULL)
		fail_msg("reason \"%s\" does not contain \"%s\"", err, reason);
	assert_null(k.pk);
}

static void assert_brisbane_key(void)
{
	assert_int_equal(k.pk_len, 162);
	/* DER SEQUENCE header ... INTEGER 65537 at the end. */
	assert_memory_equal(k.pk, "\x30\x81\x9f\x30\x0d", 5);
	assert_memory_equal(k.pk + 157, "\x02\x03\x01\x00\x01", 5);
}

/* ---- base64 --------------------------------------------------------- */

static void b64_decodes_rfc4648_vectors(void **state)
{
	static const struct {
		const char *in, *out;
	} v[] = {
	    {"Zg==", "f"},        {"Zm8=", "fo"},        {"Zm9v", "foo"},
	    {"Zm9vYg==", "foob"}, {"Zm9vYmE=", "fooba"}, {"Zm9vYmFy", "foobar"},
	};
	unsigned char *out;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(da_b64_decode(v[i].in, strlen(v[i].in), &out, &n), 0);
		assert_int_equal(n, strlen(v[i].out));
		assert_memory_equal(out, v[i].out, n);
		free(out);
	}
}

static void b64_empty_input_gives_empty_buffer(void **state)
{
	unsigned char *out = NULL;
	size_t n = 99;

	(void)state;
	assert_int_equal(da_b64_decode("", 0, &out, &n), 0);
	assert_int_equal(n, 0);
	assert_non_null(out);
	free(out);
}

static void b64_decodes_binary_with_zero_bytes(void **state)
{
	unsigned char *out;
	size_t n;

	(void)state;
	assert_int_equal(da_b64_decode("AAD/", 4, &out, &n), 0);
	assert_int_equal(n, 3);
	assert_memory_equal(out, "\x00\x00\xff", 3);
	free(out);
	assert_int_equal(da_b64_decode("AA==", 4, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 0);
	free(out);
}

static void b64_rejects_malformed(void **state)
{
	static const char *bad[] = {
	    "Zg=",          /* length not a multiple of 4 */
	    "Zg",           /* unpadded */
	    "Z",            /* */
	    "Zm9vY",        /* */
	    "Z===",         /* three pad characters */
	    "====",         /* */
	    "Zg=A",         /* '=' before the end */
	    "=Zm9",         /* */
	    "Zm9v=g==",     /* '=' inside */
	    "Zm9vYg==Zm9v", /* data after padding */
	    "Zm 9v",        /* whitespace not stripped */
	    "Zm9v\r\n",     /* */
	    "Zm-_",         /* URL-safe alphabet */
	    "Zm9!",         /* */
	};
	unsigned char *out = (unsigned char *)"x";
	size_t n = 7;

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		if (da_b64_decode(bad[i], strlen(bad[i]), &out, &n) != -1)
			fail_msg("accepted \"%s\"", bad[i]);
		assert_null(out);
	}
	assert_int_equal(da_b64_decode("Zm\0v", 4, &out, &n), -1);
	assert_int_equal(da_b64_decode("Zm9\xff", 4, &out, &n), -1);
}

static void b64_accepts_nonzero_pad_bits(void **state)
{
	unsigned char *out;
	size_t n;

	(void)state;
	/* "Zh==" carries stray low bits after 'f'; accepted, decoded as "f". */
	assert_int_equal(da_b64_decode("Zh==", 4, &out, &n), 0);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'f');
	free(out);
}

/* ---- key records ---------------------------------------------------- */

static void rfc8463_ed25519_record(void **state)
{
	(void)state;
	assert_int_equal(
	    parse_str("v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="),
	    DKIMARC_REASON_OK);
	assert_int_equal(k.key_type, DA_KEY_ED25519);
	assert_int_equal(k.pk_len, 32);
	assert_memory_equal(k.pk, ed_pub, 32);
	assert_int_equal(k.hashes, DA_HASH_SHA1 | DA_HASH_SHA256);
	assert_false(k.revoked);
	assert_false(k.testing);
	assert_false(k.strict);
	assert_true(k.service_email);
}

static void rfc6376_a3_rsa_record_defaults(void **state)
{
	(void)state;
	assert_int_equal(parse_str("v=DKIM1; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_int_equal(k.key_type, DA_KEY_RSA);
	assert_int_equal(k.hashes, DA_HASH_SHA1 | DA_HASH_SHA256);
	assert_true(k.service_email);
	assert_false(k.revoked);
	assert_brisbane_key();
}

static void v_is_optional(void **state)
{
	(void)state;
	assert_int_equal(parse_str("k=rsa; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_int_equal(k.key_type, DA_KEY_RSA);
	assert_brisbane_key();
}

static void p_with_spaces_and_folding_is_accepted(void **state)
{
	static const char rec[] =
	    "v=DKIM1; k=rsa; p=MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDwIRP/UC3SBsEmG "
	    "qZ9ZJW3/DkMoGeLnQg1fWn7/zYtIxN2SnFCjxOCKG9v3b4jYfcTNh5ijSsq631uBItLa7od+v/\t"
	    "RtdC2UzJ1lWT947qR+Rcac2gbto/NMqJ0fzfVjH4OuKhitdY9tf6mcwGjaNBcWToIMmPSPD\r\n "
	    "dQPNUYckcQ2QIDAQAB ;";

	(void)state;
	assert_int_equal(parse_str(rec), DKIMARC_REASON_OK);
	assert_brisbane_key();
}

static void empty_p_means_revoked(void **state)
{
	(void)state;
	assert_int_equal(parse_str("v=DKIM1; p="), DKIMARC_REASON_OK);
	assert_true(k.revoked);
	assert_null(k.pk);
	assert_int_equal(k.pk_len, 0);
	da_keyrec_clear(&k);
	assert_int_equal(parse_str("v=DKIM1; k=ed25519; p= \t;"), DKIMARC_REASON_OK);
	assert_true(k.revoked);
	assert_int_equal(k.key_type, DA_KEY_ED25519);
}

static void missing_p_is_syntax_error(void **state)
{
	(void)state;
	assert_syntax("v=DKIM1; k=rsa", 14, "p=");
	assert_syntax("", 0, "p=");
	/* Tag names are case-sensitive: P= is not p=. */
	assert_syntax("v=DKIM1; P=" BRISBANE_P, strlen("v=DKIM1; P=" BRISBANE_P), "p=");
}

static void h_sha1_only(void **state)
{
	(void)state;
	assert_int_equal(parse_str("v=DKIM1; h=sha1; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_int_equal(k.hashes, DA_HASH_SHA1);
}

static void h_list_with_fws_and_unknown_names(void **state)
{
	(void)state;
	assert_int_equal(parse_str("h = sha512 :\r\n sha256\t: md5; p=" BRISBANE_P),
	                 DKIMARC_REASON_OK);
	assert_int_equal(k.hashes, DA_HASH_SHA256);
	da_keyrec_clear(&k);
	assert_int_equal(parse_str("h=sha256:sha1; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_int_equal(k.hashes, DA_HASH_SHA1 | DA_HASH_SHA256);
}

static void h_with_only_unknown_hashes_allows_none(void **state)
{
	(void)state;
	assert_int_equal(parse_str("h=sha512; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_int_equal(k.hashes, 0);
	da_keyrec_clear(&k);
	/* Hash names are case-sensitive tag values. */
	assert_int_equal(parse_str("h=SHA256; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_int_equal(k.hashes, 0);
}

static void s_service_types(void **state)
{
	static const struct {
		const char *rec;
		bool email;
	} v[] = {
	    {"s=email; p=" BRISBANE_P, true},         {"s=*; p=" BRISBANE_P, true},
	    {"s=other : email; p=" BRISBANE_P, true}, {"s=other; p=" BRISBANE_P, false},
	    {"s=emails; p=" BRISBANE_P, false},       {"s=; p=" BRISBANE_P, false},
	};

	(void)state;
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		assert_int_equal(parse_str(v[i].rec), DKIMARC_REASON_OK);
		if (k.service_email != v[i].email)
			fail_msg("%s: service_email %d", v[i].rec, k.service_email);
		da_keyrec_clear(&k);
	}
}

static void t_flags(void **state)
{
	(void)state;
	assert_int_equal(parse_str("t=y:s; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_true(k.testing);
	assert_true(k.strict);
	da_keyrec_clear(&k);
	assert_int_equal(parse_str("t=y; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_true(k.testing);
	assert_false(k.strict);
	da_keyrec_clear(&k);
	assert_int_equal(parse_str("t= x : s ; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_false(k.testing);
	assert_true(k.strict);
}

static void unknown_k_is_syntax_error(void **state)
{
	(void)state;
	assert_syntax("k=dsa; p=" BRISBANE_P, strlen("k=dsa; p=" BRISBANE_P), "unknown key type");
	assert_syntax("k=RSA; p=" BRISBANE_P, strlen("k=RSA; p=" BRISBANE_P), "unknown key type");
}

static void bad_v_is_syntax_error(void **state)
{
	(void)state;
	assert_syntax("v=DKIM2; p=" BRISBANE_P, strlen("v=DKIM2; p=" BRISBANE_P), "DKIM1");
	assert_syntax("v=dkim1; p=" BRISBANE_P, strlen("v=dkim1; p=" BRISBANE_P), "DKIM1");
	assert_syntax("v=; p=" BRISBANE_P, strlen("v=; p=" BRISBANE_P), "DKIM1");
}

static void v_not_first_is_syntax_error(void **state)
{
	(void)state;
	assert_syntax("k=rsa; v=DKIM1; p=" BRISBANE_P, strlen("k=rsa; v=DKIM1; p=" BRISBANE_P),
	              "first");
}

static void uppercase_v_is_an_unknown_tag(void **state)
{
	(void)state;
	/* "V=" is not "v=", so it is ignored wherever it is and whatever it says. */
	assert_int_equal(parse_str("k=rsa; V=1; p=" BRISBANE_P), DKIMARC_REASON_OK);
	assert_brisbane_key();
}

static void bad_base64_in_p_is_syntax_error(void **state)
{
	static const char *bad[] = {
	    "p=Zg=",      "p=Zm9v=",    "p=Z===", "p=Zg=A",
	    "p=Zm9v=g==", "p=Zm9v!!!!", "p=Zm-_", "p=Zm9vYg== Zm9v",
	};

	(void)state;
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
		assert_syntax(bad[i], strlen(bad[i]), "base64");
}

static void tag_syntax_error_gives_key_syntax_with_reason(void **state)
{
	(void)state;
	assert_syntax("p=Zg==; p=Zg==", 14, "duplicate tag 'p'");
	assert_syntax("v=DKIM1;; p=Zg==", 16, "empty tag-spec");
	assert_syntax("v=DKIM1; k rsa; p=Zg==", 22, "tag 'k' has no '='");
}

static void nul_in_record_is_syntax_error(void **state)
{
	static const char rec[] = "v=DKIM1; p=Zm9v\0Zm9v";
	static const char rec2[] = "v=DKIM1; n=note\0; p=Zm9v";

	(void)state;
	assert_syntax(rec, sizeof rec - 1, "0x00");
	assert_syntax(rec2, sizeof rec2 - 1, "0x00");
}

static void eight_bit_in_record_is_syntax_error(void **state)
{
	static const char rec[] = "v=DKIM1; n=caf\xc3\xa9; p=Zm9v";

	(void)state;
	assert_syntax(rec, sizeof rec - 1, "0xc3");
}

static void unknown_tags_are_ignored(void **state)
{
	(void)state;
	assert_int_equal(parse_str("v=DKIM1; g=*; n=a note; zz=1; p=Zm9v"), DKIMARC_REASON_OK);
	assert_int_equal(k.pk_len, 3);
	assert_memory_equal(k.pk, "foo", 3);
}

static void null_err_buffer_is_tolerated(void **state)
{
	(void)state;
	assert_int_equal(da_keyrec_parse("k=x; p=", 7, &k, NULL, 0), DKIMARC_REASON_KEY_SYNTAX);
	assert_int_equal(da_keyrec_parse("p=Zm9v", 6, &k, NULL, 0), DKIMARC_REASON_OK);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(b64_decodes_rfc4648_vectors),
	    cmocka_unit_test(b64_empty_input_gives_empty_buffer),
	    cmocka_unit_test(b64_decodes_binary_with_zero_bytes),
	    cmocka_unit_test(b64_rejects_malformed),
	    cmocka_unit_test(b64_accepts_nonzero_pad_bits),
	    cmocka_unit_test_teardown(rfc8463_ed25519_record, teardown),
	    cmocka_unit_test_teardown(rfc6376_a3_rsa_record_defaults, teardown),
	    cmocka_unit_test_teardown(v_is_optional, teardown),
	    cmocka_unit_test_teardown(p_with_spaces_and_folding_is_accepted, teardown),
	    cmocka_unit_test_teardown(empty_p_means_revoked, teardown),
	    cmocka_unit_test_teardown(missing_p_is_syntax_error, teardown),
	    cmocka_unit_test_teardown(h_sha1_only, teardown),
	    cmocka_unit_test_teardown(h_list_with_fws_and_unknown_names, teardown),
	    cmocka_unit_test_teardown(h_with_only_unknown_hashes_allows_none, teardown),
	    cmocka_unit_test_teardown(s_service_types, teardown),
	    cmocka_unit_test_teardown(t_flags, teardown),
	    cmocka_unit_test_teardown(unknown_k_is_syntax_error, teardown),
	    cmocka_unit_test_teardown(bad_v_is_syntax_error, teardown),
	    cmocka_unit_test_teardown(v_not_first_is_syntax_error, teardown),
	    cmocka_unit_test_teardown(uppercase_v_is_an_unknown_tag, teardown),
	    cmocka_unit_test_teardown(bad_base64_in_p_is_syntax_error, teardown),
	    cmocka_unit_test_teardown(tag_syntax_error_gives_key_syntax_with_reason, teardown),
	    cmocka_unit_test_teardown(nul_in_record_is_syntax_error, teardown),
	    cmocka_unit_test_teardown(eight_bit_in_record_is_syntax_error, teardown),
	    cmocka_unit_test_teardown(unknown_tags_are_ignored, teardown),
	    cmocka_unit_test_teardown(null_err_buffer_is_tolerated, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
