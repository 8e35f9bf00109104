/*
 * Keys recovered from signatures in verification (lib/keyanchor.c,
 * docs/verdicts.md "consistent"): a signature that verifies only with an
 * archive record "source":"recovered" is neutral / key_recovered and the
 * message consistent, never confirmed; a record of the domain's own with the
 * same key anchors it (confirmed, both named); another own key leaves it
 * consistent and says so; recovered keys serve RSA DKIM-Signatures only, a
 * chain asks DNS-like sources behind an archive that holds only recovered
 * records, and a recovered key's failures are no evidence against the
 * domain. Messages are signed here with keys generated here.
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

#define NAME "sel._domainkey.example.com"
#define AT   1700000100

static const char body_msg[] = "From: Alice <alice@example.com>\r\n"
                               "To: bob@example.org\r\n"
                               "Subject: the minutes\r\n"
                               "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
                               "\r\n"
                               "Attached are the minutes.\r\n";

typedef struct {
	dkimarc_privkey *k1, *k2, *ed;
	char *rec1, *rec2, *reced; /* their key records */
} keys;

static keys K;

static int setup(void **state)
{
	(void)state;
	assert_int_equal(dkimarc_privkey_generate(&K.k1, DKIMARC_KEYTYPE_RSA, 1024), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_generate(&K.k2, DKIMARC_KEYTYPE_RSA, 1024), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_generate(&K.ed, DKIMARC_KEYTYPE_ED25519, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_record(K.k1, &K.rec1), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_record(K.k2, &K.rec2), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_record(K.ed, &K.reced), DKIMARC_OK);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	dkimarc_privkey_free(K.k1);
	dkimarc_privkey_free(K.k2);
	dkimarc_privkey_free(K.ed);
	dkimarc_free(K.rec1);
	dkimarc_free(K.rec2);
	dkimarc_free(K.reced);
	return 0;
}

/* msg signed with key under selector sel: the DKIM-Signature prepended. */
static char *sign_with(const dkimarc_privkey *key, const char *sel, const char *msg)
{
	dkimarc_signer *s = NULL;
	char *field = NULL;
	assert_int_equal(dkimarc_signer_new(&s, key, "example.com", sel), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_timestamp(s, 1700000000), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, msg, strlen(msg), &field), DKIMARC_OK);
	dkimarc_signer_free(s);
	char *out = malloc(strlen(field) + strlen(msg) + 1);
	strcpy(out, field);
	strcat(out, msg);
	dkimarc_free(field);
	return out;
}

/* b= of the message's first signature, whitespace removed. */
static char *b_of(const char *m)
{
	const char *p = m;
	/* The tag b= (not bh=): after the field name, white space or ';'. */
	while ((p = strstr(p + 1, "b=")) && !(p[-1] == ' ' || p[-1] == '\t' || p[-1] == ';'))
		;
	assert_non_null(p);
	char *out = malloc(strlen(p));
	size_t o = 0;
	for (p += 2; *p && *p != ';' && !(p[0] == '\r' && p[2] != ' ' && p[2] != '\t'); p++)
		if (*p != ' ' && *p != '\t' && *p != '\r' && *p != '\n')
			out[o++] = *p;
	out[o] = '\0';
	assert_true(o > 100);
	return out;
}

/* A recovered record's archive line: "signatures" n and, when b, that signature listed. */
static char *recovered_line(const char *name, const char *txt, size_t n, const char *b)
{
	char *line = malloc(strlen(txt) + 512);
	sprintf(line,
	        "{\"name\":\"%s\",\"txt\":\"%s\",\"source\":\"recovered\",\"signatures\":%zu,"
	        "\"recovered_from\":[{\"file\":\"leak.mbox\",\"index\":7,\"signature\":1,\"b\":"
	        "\"%.16s\"}]}\n",
	        name, txt, n, b ? b : "AAAAAAAAAAAAAAAA");
	return line;
}

/* An own record's archive line, as a malloc'd copy (the library's text goes to dkimarc_free). */
static char *own_line(const char *name, const char *txt)
{
	char *line = NULL;
	assert_int_equal(dkimarc_record_archive(name, txt, "dns 192.0.2.53", &line), DKIMARC_OK);
	char *copy = strdup(line);
	dkimarc_free(line);
	return copy;
}

/* A context whose archive holds the given lines (NULL-terminated), as one file each. */
static dkimarc_ctx *ctx_with(const char *const *files)
{
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, AT), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	for (size_t i = 0; files[i]; i++) {
		char name[32];
		snprintf(name, sizeof name, "keys%zu.jsonl", i + 1);
		assert_int_equal(
		    dkimarc_keysrc_archive_load_mem(src, name, files[i], strlen(files[i])),
		    DKIMARC_OK);
	}
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	return ctx;
}

static dkimarc_report *verify(const dkimarc_ctx *ctx, const char *m)
{
	dkimarc_report *r = NULL;
	assert_int_equal(dkimarc_verify(ctx, m, strlen(m), &r), DKIMARC_OK);
	return r;
}

static void consistent_alone(void **state)
{
	(void)state;
	char *m = sign_with(K.k1, "sel", body_msg), *b = b_of(m);
	/* This signature among the 3 the key came from: 2 others. */
	char *rec = recovered_line(NAME, K.rec1, 3, b);
	dkimarc_ctx *ctx = ctx_with((const char *[]){rec, NULL});
	dkimarc_report *r = verify(ctx, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONSISTENT);
	assert_int_equal(dkimarc_report_verdict_code(r), DKIMARC_REASON_KEY_RECOVERED);
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_NEUTRAL);
	assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_KEY_RECOVERED);
	assert_string_equal(
	    dkimarc_sig_reason_text(s),
	    "the signature verifies with a key recovered from 2 other signatures "
	    "in this corpus; no archive or DNS record ties that key to example.com");
	assert_non_null(strstr(dkimarc_sig_key_source(s), "keys1.jsonl:1 (recovered from 3"));
	assert_string_equal(dkimarc_sig_key_record(s)->source, "recovered");
	assert_non_null(strstr(dkimarc_report_verdict_reason(r), "recovered from 2 other"));
	assert_string_equal(dkimarc_verdict_str(DKIMARC_VERDICT_CONSISTENT), "consistent");
	assert_string_equal(dkimarc_reason_str(DKIMARC_REASON_KEY_RECOVERED), "key_recovered");

	/* Authentication-Results: neutral, never pass; the reason says why. */
	char *ar = NULL;
	assert_int_equal(dkimarc_report_authres(r, "mx.example.org", &ar), DKIMARC_OK);
	assert_non_null(strstr(ar, "dkim=neutral"));
	assert_null(strstr(ar, "dkim=pass"));
	assert_non_null(strstr(ar, "key_recovered"));
	dkimarc_free(ar);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(rec);

	/* Not among those listed: all 3 are others. */
	rec = recovered_line(NAME, K.rec1, 3, NULL);
	ctx = ctx_with((const char *[]){rec, NULL});
	r = verify(ctx, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONSISTENT);
	assert_non_null(strstr(dkimarc_sig_reason_text(dkimarc_report_sig(r, 0)),
	                       "recovered from 3 other signatures"));
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(rec);
	free(b);
	free(m);
}

/* The domain's own record with the same key anchors it: confirmed, both named. */
static void anchored_is_confirmed(void **state)
{
	(void)state;
	char *m = sign_with(K.k1, "sel", body_msg);
	char *rec = recovered_line(NAME, K.rec1, 3, NULL), *own = own_line(NAME, K.rec1);
	/* In either order, and in one file or two. */
	const char *orders[3][3] = {{rec, own, NULL}, {own, rec, NULL}, {NULL}};
	char *both = malloc(strlen(rec) + strlen(own) + 1);
	strcpy(both, rec);
	strcat(both, own);
	orders[2][0] = both;
	orders[2][1] = NULL;
	for (int i = 0; i < 3; i++) {
		dkimarc_ctx *ctx = ctx_with(orders[i]);
		dkimarc_report *r = verify(ctx, m);
		const dkimarc_sig *s = dkimarc_report_sig(r, 0);
		assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
		assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_PASS);
		assert_string_equal(dkimarc_sig_key_record(s)->source, "dns 192.0.2.53");
		assert_non_null(dkimarc_sig_key_choice(s));
		assert_non_null(strstr(dkimarc_sig_key_choice(s), "recovered from 3 signatures"));
		assert_non_null(strstr(dkimarc_sig_key_choice(s), "anchors it"));
		dkimarc_report_free(r);
		dkimarc_ctx_free(ctx);
	}
	free(both);
	free(rec);
	free(own);
	free(m);
}

/* Another own key (rotated, or the signature not the domain's), or a revoked one. */
static void own_record_with_another_key(void **state)
{
	(void)state;
	char *m = sign_with(K.k1, "sel", body_msg);
	char *rec = recovered_line(NAME, K.rec1, 2, NULL), *own = own_line(NAME, K.rec2);
	char *revoked = own_line(NAME, "v=DKIM1; k=rsa; p=");
	dkimarc_ctx *ctx = ctx_with((const char *[]){own, rec, NULL});
	dkimarc_report *r = verify(ctx, m);
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONSISTENT);
	assert_non_null(strstr(dkimarc_sig_reason_text(s), "keys1.jsonl:1 holds another key"));
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);

	ctx = ctx_with((const char *[]){revoked, rec, NULL});
	r = verify(ctx, m);
	s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONSISTENT);
	assert_non_null(strstr(dkimarc_sig_reason_text(s), "holds no usable key"));
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);

	/* Without the recovered record, as before: the other key did not make it. */
	ctx = ctx_with((const char *[]){own, NULL});
	r = verify(ctx, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 0)), DKIMARC_REASON_KEY_MISMATCH);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(revoked);
	free(own);
	free(rec);
	free(m);
}

/* A recovered key that did not make the signature, and keys for what they cannot serve. */
static void not_used_where_it_cannot_serve(void **state)
{
	(void)state;
	char *m = sign_with(K.k1, "sel", body_msg);
	char *rec2 = recovered_line(NAME, K.rec2, 2, NULL);
	dkimarc_ctx *ctx = ctx_with((const char *[]){rec2, NULL});
	dkimarc_report *r = verify(ctx, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 0)), DKIMARC_REASON_KEY_MISMATCH);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(rec2);

	/* An Ed25519 signature: a recovered record (even of its own key) is not looked at. */
	char *me = sign_with(K.ed, "sel", body_msg);
	char *reced = recovered_line(NAME, K.reced, 2, NULL);
	ctx = ctx_with((const char *[]){reced, NULL});
	r = verify(ctx, me);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 0)),
	                 DKIMARC_REASON_KEY_NOT_FOUND);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(reced);
	free(me);
	free(m);
}

/* ARC: a seal whose key is only a recovered one never validates the chain. */
static void not_for_arc(void **state)
{
	(void)state;
	static const char arcmsg[] = "Authentication-Results: mx.example.com; dkim=none\r\n"
	                             "From: joe@origin.example\r\n"
	                             "To: list@example.org\r\n"
	                             "Subject: hello\r\n"
	                             "Date: Mon, 13 Nov 2023 10:00:00 +0000\r\n"
	                             "\r\n"
	                             "Body text.\r\n";
	dkimarc_signer *s = NULL;
	char *fields = NULL;
	assert_int_equal(dkimarc_signer_new(&s, K.k1, "example.com", "sel"), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_timestamp(s, 1700000000), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_authserv_id(s, "mx.example.com"), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_cv(s, "none"), DKIMARC_OK);
	assert_int_equal(dkimarc_seal(s, NULL, arcmsg, strlen(arcmsg), &fields), DKIMARC_OK);
	dkimarc_signer_free(s);
	char *m = malloc(strlen(fields) + sizeof arcmsg);
	strcpy(m, fields);
	strcat(m, arcmsg);
	dkimarc_free(fields);
	char *rec = recovered_line(NAME, K.rec1, 2, NULL), *own = own_line(NAME, K.rec1);
	dkimarc_ctx *ctx = ctx_with((const char *[]){rec, NULL});
	dkimarc_report *r = verify(ctx, m);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_FAIL);
	/* Not even looked at: no key for the seal. */
	const dkimarc_arc_instance *a = dkimarc_report_arc_instance(r, 0);
	assert_int_equal(dkimarc_sig_reason(dkimarc_arc_instance_seal(a)),
	                 DKIMARC_REASON_KEY_NOT_FOUND);
	assert_int_equal(dkimarc_sig_reason(dkimarc_arc_instance_ams(a)),
	                 DKIMARC_REASON_KEY_NOT_FOUND);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	/* The control: the domain's own record validates it. */
	ctx = ctx_with((const char *[]){own, NULL});
	r = verify(ctx, m);
	assert_int_equal(dkimarc_report_arc_result(r), DKIMARC_ARC_PASS);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(rec);
	free(own);
	free(m);
}

/* ---- a chain: the archive's recovered records, then a source like DNS ----------- */

typedef struct {
	dkimarc_lookup_status st;
	const char *txt;
	int calls;
} fake;

static int fake_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	fake *f = impl;
	f->calls++;
	if (f->st != DKIMARC_LOOKUP_FOUND)
		return dkimarc_answer_fail(ans, f->st, "fake says no");
	dkimarc_keyrec k = {.version = DKIMARC_KEYREC_VERSION,
	                    .txt = f->txt,
	                    .txt_len = strlen(f->txt),
	                    .origin = "dns 192.0.2.53",
	                    .first_seen = -1,
	                    .last_seen = -1,
	                    .fetched_at = -1,
	                    .dnssec = -1};
	(void)name;
	return dkimarc_answer_add(ans, &k);
}

static const dkimarc_keysrc_ops fake_ops = {DKIMARC_KEYSRC_OPS_VERSION, fake_lookup, NULL, "dns"};

static dkimarc_report *verify_chain(const char *archive_line, fake *f, const char *m)
{
	dkimarc_keysrc *srcs[2], *chain = NULL;
	dkimarc_ctx *ctx = NULL;
	assert_int_equal(dkimarc_keysrc_archive_new(&srcs[0]), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(srcs[0], "recovered.jsonl", archive_line,
	                                                 strlen(archive_line)),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_new_custom(&srcs[1], &fake_ops, f), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_chain_new(&chain, srcs, 2), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, AT), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, chain), DKIMARC_OK);
	dkimarc_report *r = verify(ctx, m);
	dkimarc_ctx_free(ctx);
	return r;
}

static void chain_asks_on(void **state)
{
	(void)state;
	char *m = sign_with(K.k1, "sel", body_msg);
	char *rec = recovered_line(NAME, K.rec1, 2, NULL);
	fake same = {DKIMARC_LOOKUP_FOUND, K.rec1, 0}, other = {DKIMARC_LOOKUP_FOUND, K.rec2, 0};
	fake none = {DKIMARC_LOOKUP_NOT_FOUND, NULL, 0}, temp = {DKIMARC_LOOKUP_TEMPFAIL, NULL, 0};

	dkimarc_report *r = verify_chain(rec, &same, m);
	assert_int_equal(same.calls, 1);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	assert_string_equal(dkimarc_sig_key_source(dkimarc_report_sig(r, 0)), "dns 192.0.2.53");
	dkimarc_report_free(r);

	r = verify_chain(rec, &other, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONSISTENT);
	assert_non_null(strstr(dkimarc_sig_reason_text(dkimarc_report_sig(r, 0)),
	                       "dns 192.0.2.53 holds another key"));
	dkimarc_report_free(r);

	r = verify_chain(rec, &none, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONSISTENT);
	dkimarc_report_free(r);

	/* The domain's own record might be there: nothing is judged until it can be asked. */
	r = verify_chain(rec, &temp, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 0)), DKIMARC_REASON_DNS_TEMPFAIL);
	dkimarc_report_free(r);
	free(rec);
	free(m);
}

/*
 * A recovered key's failure is no evidence that the domain's mail changed: an
 * aligned signature it made over another body does not overturn a verifying one.
 */
static void failure_is_no_evidence(void **state)
{
	(void)state;
	char *m1 = sign_with(K.k2, "old", body_msg);
	/* The body changes after the "old" signature, then "sel" signs what is there. */
	char *p = strstr(m1, "Attached");
	memcpy(p, "Appended", 8);
	char *m = sign_with(K.k1, "sel", m1);
	char *own1 = own_line(NAME, K.rec1);
	char *rec2 = recovered_line("old._domainkey.example.com", K.rec2, 2, NULL);
	char *own2 = own_line("old._domainkey.example.com", K.rec2);
	dkimarc_ctx *ctx = ctx_with((const char *[]){own1, rec2, NULL});
	dkimarc_report *r = verify(ctx, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 1)),
	                 DKIMARC_REASON_BODY_HASH_MISMATCH);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	/* The control: the domain's own record for "old" proves the change. */
	ctx = ctx_with((const char *[]){own1, own2, NULL});
	r = verify(ctx, m);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	free(own1);
	free(own2);
	free(rec2);
	free(m);
	free(m1);
}

static void archive_format(void **state)
{
	(void)state;
	static const char *const bad[] = {
	    "{\"name\":\"a._domainkey.x\",\"txt\":\"v=DKIM1; p=\",\"source\":\"recovered\","
	    "\"recovered_from\":{}}\n",
	    "{\"name\":\"a._domainkey.x\",\"txt\":\"v=DKIM1; p=\",\"source\":\"recovered\","
	    "\"recovered_from\":[1]}\n",
	    "{\"name\":\"a._domainkey.x\",\"txt\":\"v=DKIM1; p=\",\"source\":\"recovered\","
	    "\"recovered_from\":[{\"b\":7}]}\n",
	    "{\"name\":\"a._domainkey.x\",\"txt\":\"v=DKIM1; p=\",\"source\":\"recovered\","
	    "\"signatures\":-1}\n",
	};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dkimarc_keysrc *src = NULL;
		assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
		/* A good line first: the bad one undoes the whole load. */
		char *both = malloc(strlen(bad[i]) + 200);
		sprintf(both, "{\"name\":\"b._domainkey.x\",\"txt\":\"v=DKIM1; p=\"}\n%s", bad[i]);
		assert_int_equal(
		    dkimarc_keysrc_archive_load_mem(src, "r.jsonl", both, strlen(both)),
		    DKIMARC_EFORMAT);
		assert_non_null(strstr(dkimarc_last_error(), "r.jsonl:2"));
		assert_int_equal(dkimarc_keysrc_archive_count(src), 0);
		free(both);
		dkimarc_keysrc_free(src);
	}
	/* Other sources may use the members freely: only "recovered" records are read so. */
	dkimarc_keysrc *src = NULL;
	const char *ok = "{\"name\":\"a._domainkey.x\",\"txt\":\"v=DKIM1; p=\",\"source\":\"me\","
	                 "\"recovered_from\":7}\n";
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "r.jsonl", ok, strlen(ok)),
	                 DKIMARC_OK);
	dkimarc_keysrc_free(src);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(consistent_alone),
	    cmocka_unit_test(anchored_is_confirmed),
	    cmocka_unit_test(own_record_with_another_key),
	    cmocka_unit_test(not_used_where_it_cannot_serve),
	    cmocka_unit_test(not_for_arc),
	    cmocka_unit_test(chain_asks_on),
	    cmocka_unit_test(failure_is_no_evidence),
	    cmocka_unit_test(archive_format),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
