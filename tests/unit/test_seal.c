/*
 * ARC sealing through the public API: the AAR built from Authentication-Results,
 * cv= from validation or given, and the rules of RFC 8617 §5.1. Every sealed
 * message is validated by dkimarc's ARC validator (itself checked against
 * ValiMail's suite); tests/sign/seal_interop.py and
 * tests/scripts/test_arc_sign_vectors.py check with dkimpy and Mail::DKIM.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dkimarc.h"

#define KEY SRCDIR "/vectors/dkimpy-data/upstream/2048_testkey_PKCS8.key"

static const char msg_text[] =
    "Authentication-Results: mx.example.org;\r\n"
    "  spf=pass smtp.mailfrom=origin.example (sender is\r\n"
    "  allowed; really);\r\n"
    "  dkim=pass header.d=origin.example  \r\n"
    "Authentication-Results: other.example; spf=fail\r\n"
    "Authentication-Results: MX.Example.Org; dmarc=pass;\r\n"
    "From: joe@origin.example\r\n"
    "To: list@example.org\r\n"
    "Subject: hello\r\n"
    "DKIM-Signature: v=1; a=rsa-sha256; d=origin.example; s=x; h=from; bh=AAAA; b=AAAA\r\n"
    "Date: Mon, 13 Nov 2023 10:00:00 +0000\r\n"
    "\r\n"
    "Body text.\r\n";

typedef struct {
	dkimarc_privkey *key;
	dkimarc_ctx *ctx;
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	char *rec = NULL, *line = NULL;
	dkimarc_keysrc *src;

	assert_int_equal(dkimarc_privkey_load(&fx->key, KEY), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_record(fx->key, &rec), DKIMARC_OK);
	assert_int_equal(dkimarc_record_archive("s._domainkey.example.org", rec, NULL, &line),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_new(&fx->ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "keys", line, strlen(line)),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(fx->ctx, src), DKIMARC_OK);
	dkimarc_free(rec);
	dkimarc_free(line);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	dkimarc_privkey_free(fx->key);
	dkimarc_ctx_free(fx->ctx);
	free(fx);
	return 0;
}

static dkimarc_signer *sealer(const fixture *fx, const char *id)
{
	dkimarc_signer *s = NULL;
	assert_int_equal(dkimarc_signer_new(&s, fx->key, "example.org", "s"), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_timestamp(s, 1700000000), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_authserv_id(s, id), DKIMARC_OK);
	return s;
}

/* fields + msg, as the CLI writes it. */
static char *prepend(const char *fields, const char *msg, size_t len, size_t *out)
{
	size_t fl = strlen(fields);
	char *d = malloc(fl + len + 1);
	memcpy(d, fields, fl);
	memcpy(d + fl, msg, len);
	d[fl + len] = '\0';
	*out = fl + len;
	return d;
}

static char *seal_ok(const dkimarc_signer *s, const dkimarc_ctx *ctx, const char *msg, size_t len,
                     size_t *outlen)
{
	char *fields = NULL;
	if (dkimarc_seal(s, ctx, msg, len, &fields) != DKIMARC_OK)
		fail_msg("seal: %s", dkimarc_last_error());
	char *out = prepend(fields, msg, len, outlen);
	dkimarc_free(fields);
	return out;
}

static dkimarc_report *verify(const fixture *fx, const char *m, size_t n)
{
	dkimarc_report *r = NULL;
	assert_int_equal(dkimarc_verify(fx->ctx, m, n, &r), DKIMARC_OK);
	return r;
}

/* The unfolded value of the first field called name, or NULL. */
static char *field_value(const char *m, const char *name)
{
	size_t nl = strlen(name);
	for (const char *p = m; p && *p; p = strstr(p, "\n") ? strstr(p, "\n") + 1 : NULL) {
		if (strncmp(p, name, nl) != 0 || p[nl] != ':')
			continue;
		char *v = malloc(strlen(p) + 1);
		size_t o = 0;
		for (const char *q = p + nl + 1; *q; q++) {
			if (*q == '\r')
				continue;
			if (*q == '\n') {
				if (q[1] != ' ' && q[1] != '\t')
					break;
				continue;
			}
			v[o++] = *q;
		}
		v[o] = '\0';
		return v;
	}
	return NULL;
}

static void first_hop_aar_and_validation(void **state)
{
	const fixture *fx = *state;
	dkimarc_signer *s = sealer(fx, "mx.example.org");
	size_t n;
	char *m = seal_ok(s, fx->ctx, msg_text, strlen(msg_text), &n);

	/* Both fields for mx.example.org, in order, comments and folding kept. */
	char *aar = field_value(m, "ARC-Authentication-Results");
	assert_string_equal(aar, " i=1; mx.example.org; spf=pass smtp.mailfrom=origin.example "
	                         "(sender is  allowed; really);  dkim=pass "
	                         "header.d=origin.example;\tdmarc=pass");
	free(aar);
	char *as = field_value(m, "ARC-Seal");
	assert_non_null(strstr(as, "cv=none;"));
	assert_non_null(strstr(as, "i=1;"));
	free(as);
	/* The AMS signs the default set plus DKIM-Signature, From oversigned. */
	char *ams = field_value(m, "ARC-Message-Signature");
	assert_non_null(strstr(ams, "h=from:to:subject:dkim-signature:date:from;"));
	assert_non_null(strstr(ams, "i=1;"));
	assert_null(strstr(ams, "v=1"));
	free(ams);
	/* The ARC fields are on top, in the order AS, AMS, AAR. */
	assert_int_equal(strncmp(m, "ARC-Seal:", 9), 0);
	assert_true(strstr(m, "ARC-Message-Signature:") < strstr(m, "ARC-Authentication-Results:"));

	dkimarc_report *r = verify(fx, m, n);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_PASS);
	assert_int_equal(dkimarc_report_arc_count(r), 1);
	dkimarc_report_free(r);

	/* Deterministic for a fixed timestamp. */
	size_t n2;
	char *m2 = seal_ok(s, fx->ctx, msg_text, strlen(msg_text), &n2);
	assert_int_equal(n, n2);
	assert_memory_equal(m, m2, n);
	free(m2);

	/* A second hop sees a passing chain and says cv=pass over both sets. */
	dkimarc_signer *s2 = sealer(fx, "other.example");
	size_t n3;
	char *m3 = seal_ok(s2, fx->ctx, m, n, &n3);
	as = field_value(m3, "ARC-Seal");
	assert_non_null(strstr(as, "cv=pass;"));
	assert_non_null(strstr(as, "i=2;"));
	free(as);
	r = verify(fx, m3, n3);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_PASS);
	assert_int_equal(dkimarc_report_arc_count(r), 2);
	dkimarc_report_free(r);

	/* Changed after sealing: the next hop finds the chain broken, seals cv=fail. */
	char *body = strstr(m3, "Body text.");
	body[0] = 'b';
	size_t n4;
	char *m4 = seal_ok(s, fx->ctx, m3, n3, &n4);
	as = field_value(m4, "ARC-Seal");
	assert_non_null(strstr(as, "cv=fail;"));
	assert_non_null(strstr(as, "i=3;"));
	free(as);
	r = verify(fx, m4, n4);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_FAIL);
	dkimarc_report_free(r);
	/* ... and nobody adds a set after that (RFC 8617 §5.1 step 1). */
	char *fields = NULL;
	assert_int_equal(dkimarc_seal(s2, fx->ctx, m4, n4, &fields), DKIMARC_OK);
	assert_string_equal(fields, "");
	dkimarc_free(fields);

	free(m4);
	free(m3);
	free(m);
	dkimarc_signer_free(s2);
	dkimarc_signer_free(s);
}

static void given_cv_and_ar_cv(void **state)
{
	const fixture *fx = *state;
	dkimarc_signer *s = sealer(fx, "mx.example.org");
	char *fields = NULL;
	size_t len = strlen(msg_text), n;

	assert_int_equal(dkimarc_signer_set_cv(s, "maybe"), DKIMARC_EINVAL);
	/* cv=pass needs a chain; with a given cv no context is needed. */
	assert_int_equal(dkimarc_signer_set_cv(s, "pass"), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, NULL, msg_text, len, &fields), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_cv(s, "none"), DKIMARC_OK);
	char *m = seal_ok(s, NULL, msg_text, len, &n);
	/* cv=none only at i=1. */
	assert_int_equal(dkimarc_seal(s, NULL, m, n, &fields), DKIMARC_EINVAL);
	/* Without a cv, validation needs a context. */
	assert_int_equal(dkimarc_signer_set_cv(s, NULL), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, NULL, msg_text, len, &fields), DKIMARC_EINVAL);

	/* "ar": the hop recorded arc=pass on receipt, then changed the message. */
	dkimarc_signer *s2 = sealer(fx, "list.example");
	assert_int_equal(dkimarc_signer_set_cv(s2, "ar"), DKIMARC_OK);
	const char ar[] = "Authentication-Results: list.example; arc=pass (as received)\r\n";
	size_t al = strlen(ar);
	char *changed = malloc(al + n + 16);
	memcpy(changed, ar, al);
	memcpy(changed + al, m, n);
	memcpy(changed + al + n, "footer\r\n", 9);
	size_t n2;
	char *m2 = seal_ok(s2, fx->ctx, changed, al + n + 8, &n2);
	char *as = field_value(m2, "ARC-Seal");
	assert_non_null(strstr(as, "cv=pass;"));
	free(as);
	dkimarc_report *r = verify(fx, m2, n2);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_PASS);
	dkimarc_report_free(r);
	/* Without arc= in the AR and with a chain present, "ar" cannot decide. */
	memcpy(strstr(changed, "arc=pass"), "spf", 3);
	assert_int_equal(dkimarc_seal(s2, fx->ctx, changed, al + n + 8, &fields), DKIMARC_EINVAL);

	free(m2);
	free(changed);
	free(m);
	dkimarc_signer_free(s2);
	dkimarc_signer_free(s);
}

/*
 * The sealer finds the earlier sets where the validator does: an AMS whose
 * i= is 0001 is set 1 to both (RFC 8617 §4.2.1 reads i= as a number), and
 * the new seal covers it, so that the validator's seal check passes.
 */
static void instances_read_as_validator(void **state)
{
	const fixture *fx = *state;
	dkimarc_signer *s = sealer(fx, "mx.example.org");
	size_t len = strlen(msg_text), n;

	assert_int_equal(dkimarc_signer_set_cv(s, "none"), DKIMARC_OK);
	char *m = seal_ok(s, NULL, msg_text, len, &n);
	char *ams = strstr(m, "ARC-Message-Signature:");
	assert_non_null(ams);
	char *i1 = strstr(ams, " i=1;");
	assert_non_null(i1);
	size_t at = (size_t)(i1 - m) + 3, n2 = n + 3;
	char *m2 = malloc(n2 + 1);
	memcpy(m2, m, at);
	memcpy(m2 + at, "000", 3);
	memcpy(m2 + at + 3, m + at, n - at + 1);

	assert_int_equal(dkimarc_signer_set_cv(s, "pass"), DKIMARC_OK);
	size_t n3;
	char *m3 = seal_ok(s, NULL, m2, n2, &n3);
	dkimarc_report *r = verify(fx, m3, n3);
	assert_int_equal(dkimarc_report_arc_count(r), 2);
	const dkimarc_arc_instance *in = dkimarc_report_arc_instance(r, 1);
	assert_int_equal(dkimarc_arc_instance_number(in), 2);
	assert_int_equal(dkimarc_arc_instance_seal_result(in), DKIMARC_RES_PASS);
	/* The AMS edited after signing fails, so the chain does. */
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_FAIL);
	dkimarc_report_free(r);
	free(m3);
	free(m2);
	free(m);
	dkimarc_signer_free(s);
}

static void refusals(void **state)
{
	const fixture *fx = *state;
	dkimarc_signer *s = NULL;
	char *fields = NULL;
	size_t len = strlen(msg_text);

	assert_int_equal(dkimarc_signer_new(&s, fx->key, "example.org", "s"), DKIMARC_OK);
	/* No authserv-id; then one that no Authentication-Results field has. */
	assert_int_equal(dkimarc_seal(s, fx->ctx, msg_text, len, &fields), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_authserv_id(s, "bad id"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_authserv_id(s, "a;b"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_authserv_id(s, "nobody.example"), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, fx->ctx, msg_text, len, &fields), DKIMARC_EINVAL);
	assert_non_null(strstr(dkimarc_last_error(), "nobody.example"));
	assert_int_equal(dkimarc_signer_set_authserv_id(s, "mx.example.org"), DKIMARC_OK);
	/* DKIM-only options. */
	assert_int_equal(dkimarc_signer_set_identity(s, "@example.org"), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, fx->ctx, msg_text, len, &fields), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_identity(s, NULL), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_body_length(s, 1), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, fx->ctx, msg_text, len, &fields), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_body_length(s, 0), DKIMARC_OK);
	/* rsa-sha1 is not allowed in ARC even when allowed for DKIM. */
	assert_int_equal(dkimarc_signer_allow(s, DKIMARC_SIGN_ALLOW_SHA1), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_algorithm(s, "rsa-sha1"), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, fx->ctx, msg_text, len, &fields), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_algorithm(s, "rsa-sha256"), DKIMARC_OK);
	/* An AMS must not sign ARC-Seal. */
	assert_int_equal(dkimarc_signer_set_headers(s, "from:arc-seal", 1), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, fx->ctx, msg_text, len, &fields), DKIMARC_EINVAL);
	assert_null(fields);
	/* An AR without results gives "none". */
	assert_int_equal(dkimarc_signer_set_headers(s, NULL, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_authserv_id(s, "bare.example"), DKIMARC_OK);
	const char bare[] =
	    "Authentication-Results: bare.example;\r\nFrom: a@b.example\r\n\r\nx\r\n";
	assert_int_equal(dkimarc_seal(s, fx->ctx, bare, strlen(bare), &fields), DKIMARC_OK);
	assert_non_null(strstr(fields, "ARC-Authentication-Results: i=1; bare.example; none\r\n"));
	dkimarc_free(fields);
	dkimarc_signer_free(s);
}

/* Bare-LF mail: LF out, and it validates read as CRLF (the verifier's rule). */
static void lf_message(void **state)
{
	const fixture *fx = *state;
	size_t len = strlen(msg_text), o = 0, n;
	char *lf = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		if (msg_text[i] != '\r')
			lf[o++] = msg_text[i];
	dkimarc_signer *s = sealer(fx, "mx.example.org");
	char *m = seal_ok(s, fx->ctx, lf, o, &n);
	assert_null(memchr(m, '\r', n));
	dkimarc_report *r = verify(fx, m, n);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_PASS);
	dkimarc_report_free(r);
	free(m);
	free(lf);
	dkimarc_signer_free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(first_hop_aar_and_validation),
	    cmocka_unit_test(given_cv_and_ar_cv),
	    cmocka_unit_test(instances_read_as_validator),
	    cmocka_unit_test(refusals),
	    cmocka_unit_test(lf_message),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
