/*
 * The forensic API (issue 7): key_mismatch, diagnosis bounds and
 * equivalence of the one-shot and streaming paths, explain data checked
 * with OpenSSL directly, Authentication-Results arguments, archive
 * SHA-256 through chains, the context description. The transit steps
 * against dkimpy and libopendkim are in tests/forensic/run_forensic.py.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "dkimarc.h"

#define SAMPLE SRCDIR "/vectors/sample/"
#define AT     1717200000 /* 2024-06-01 */

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *b = malloc((size_t)n + 1);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	b[n] = '\0';
	*len = (size_t)n;
	return b;
}

static dkimarc_ctx *sample_ctx(uint64_t diagnose, int explain)
{
	dkimarc_ctx *ctx;
	dkimarc_keysrc *src;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, AT), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(src, SAMPLE "keys.zone"), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_diagnose(ctx, diagnose), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_explain(ctx, explain), DKIMARC_OK);
	return ctx;
}

static dkimarc_report *verify_buf(const dkimarc_ctx *ctx, const char *buf, size_t len)
{
	dkimarc_report *r;
	assert_int_equal(dkimarc_verify(ctx, buf, len, &r), DKIMARC_OK);
	return r;
}

static dkimarc_report *verify_file(const dkimarc_ctx *ctx, const char *path)
{
	size_t len;
	char *buf = slurp(path, &len);
	dkimarc_report *r = verify_buf(ctx, buf, len);
	free(buf);
	return r;
}

/* A message of the sample with text appended to its body (a list footer). */
static char *with_footer(const char *path, size_t *len)
{
	static const char footer[] = "-- \r\nteam mailing list\r\n";
	char *m = slurp(path, len);
	m = realloc(m, *len + sizeof footer);
	memcpy(m + *len, footer, sizeof footer);
	*len += sizeof footer - 1;
	return m;
}

static size_t count_kind(const dkimarc_sig *s, dkimarc_finding k, int *undo)
{
	size_t n = 0;
	for (size_t i = 0; i < dkimarc_sig_finding_count(s); i++) {
		if (dkimarc_sig_finding_kind(s, i) == k) {
			n++;
			if (undo)
				*undo = dkimarc_sig_finding_undo(s, i);
		}
	}
	return n;
}

/* ---- item 2 -------------------------------------------------------------------- */

/* The sample's example.com key A signs; the archive holds another key B at that name. */
static void another_key_is_key_mismatch(void **state)
{
	(void)state;
	size_t klen;
	char *pem = slurp(SAMPLE "private/example.com.missing2023.pem", &klen), *rec, *line;
	dkimarc_privkey *b;
	assert_int_equal(dkimarc_privkey_load_mem(&b, "B", pem, klen), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_record(b, &rec), DKIMARC_OK);
	assert_int_equal(
	    dkimarc_record_archive("mail2024._domainkey.example.com", rec, NULL, &line),
	    DKIMARC_OK);
	dkimarc_ctx *ctx;
	dkimarc_keysrc *src;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "b.jsonl", line, strlen(line)),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);

	/* The same bytes that verify with key A (the sample's) fail with key B. */
	dkimarc_report *r = verify_file(ctx, SAMPLE "confirmed-rsa.eml");
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_FAIL);
	assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_KEY_MISMATCH);
	assert_string_equal(dkimarc_reason_str(DKIMARC_REASON_KEY_MISMATCH), "key_mismatch");
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_UNVERIFIABLE);
	dkimarc_report_free(r);
	/* And a changed Subject with the right key is signature_mismatch, altered. */
	dkimarc_ctx *a = sample_ctx(0, 0);
	r = verify_file(a, SAMPLE "altered-subject.eml");
	assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(r, 0)),
	                 DKIMARC_REASON_SIGNATURE_MISMATCH);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
	dkimarc_report_free(r);
	dkimarc_ctx_free(a);
	dkimarc_ctx_free(ctx);
	dkimarc_privkey_free(b);
	free(pem);
	dkimarc_free(rec);
	dkimarc_free(line);
}

/* ---- item 1: the diagnosis ------------------------------------------------------- */

static void diagnosis_is_off_by_default_and_never_changes_the_verdict(void **state)
{
	(void)state;
	static const char *const msgs[] = {"altered-body.eml",       "altered-subject.eml",
	                                   "body-length-footer.eml", "confirmed-rsa.eml",
	                                   "weak-512.eml",           "unverifiable-revoked.eml"};
	dkimarc_ctx *off = sample_ctx(0, 0), *on = sample_ctx(1 << 20, 0);
	for (size_t i = 0; i < sizeof msgs / sizeof *msgs; i++) {
		char path[512];
		snprintf(path, sizeof path, SAMPLE "%s", msgs[i]);
		dkimarc_report *a = verify_file(off, path), *b = verify_file(on, path);
		assert_int_equal(dkimarc_report_verdict(a), dkimarc_report_verdict(b));
		assert_int_equal(dkimarc_sig_reason(dkimarc_report_sig(a, 0)),
		                 dkimarc_sig_reason(dkimarc_report_sig(b, 0)));
		assert_int_equal(dkimarc_sig_finding_count(dkimarc_report_sig(a, 0)), 0);
		/* Findings only where something changed. */
		int changed = dkimarc_report_verdict(b) == DKIMARC_VERDICT_ALTERED;
		assert_int_equal(dkimarc_sig_finding_count(dkimarc_report_sig(b, 0)) > 0, changed);
		dkimarc_report_free(a);
		dkimarc_report_free(b);
	}
	dkimarc_ctx_free(off);
	dkimarc_ctx_free(on);
}

/* The body copy is bounded: over the limit, body steps are reported as not tried. */
static void body_over_the_limit_is_not_tried(void **state)
{
	(void)state;
	size_t len;
	char *m = with_footer(SAMPLE "confirmed-rsa.eml", &len);
	dkimarc_ctx *small = sample_ctx(16, 0), *big = sample_ctx(1 << 20, 0);
	dkimarc_report *r = verify_buf(small, m, len);
	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_BODY_HASH_MISMATCH);
	assert_int_equal(count_kind(s, DKIMARC_FINDING_NOT_TRIED, NULL), 1);
	assert_int_equal(count_kind(s, DKIMARC_FINDING_FOOTER_APPENDED, NULL), 0);
	dkimarc_report_free(r);
	int undo = -1;
	r = verify_buf(big, m, len);
	assert_int_equal(
	    count_kind(dkimarc_report_sig(r, 0), DKIMARC_FINDING_FOOTER_APPENDED, &undo), 1);
	assert_int_equal(undo, 1);
	dkimarc_report_free(r);
	dkimarc_ctx_free(small);
	dkimarc_ctx_free(big);
	free(m);
}

/* Streaming in small chunks finds what the one-shot call finds, bare-LF files included. */
static void streaming_diagnoses_as_one_shot(void **state)
{
	(void)state;
	static const char *const msgs[] = {SAMPLE "confirmed-rsa.eml", SAMPLE "confirmed-lf.eml"};
	dkimarc_ctx *ctx = sample_ctx(1 << 20, 0);
	for (size_t k = 0; k < 2; k++) {
		size_t len;
		char *m = slurp(msgs[k], &len);
		if (k == 1) { /* an LF file: the footer with LF too */
			m = realloc(m, len + 32);
			strcpy(m + len, "-- \nteam mailing list\n");
			len += strlen("-- \nteam mailing list\n");
		} else {
			free(m);
			m = with_footer(msgs[k], &len);
		}
		dkimarc_report *one = verify_buf(ctx, m, len), *str;
		dkimarc_verifier *v;
		assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
		for (size_t i = 0; i < len; i += 7)
			assert_int_equal(
			    dkimarc_verifier_write(v, m + i, len - i < 7 ? len - i : 7),
			    DKIMARC_OK);
		assert_int_equal(dkimarc_verifier_finish(v, &str), DKIMARC_OK);
		dkimarc_verifier_free(v);
		const dkimarc_sig *a = dkimarc_report_sig(one, 0), *b = dkimarc_report_sig(str, 0);
		assert_int_equal(dkimarc_sig_finding_count(a), dkimarc_sig_finding_count(b));
		assert_true(dkimarc_sig_finding_count(a) >= 2);
		for (size_t i = 0; i < dkimarc_sig_finding_count(a); i++) {
			assert_int_equal(dkimarc_sig_finding_kind(a, i),
			                 dkimarc_sig_finding_kind(b, i));
			assert_string_equal(dkimarc_sig_finding_text(a, i),
			                    dkimarc_sig_finding_text(b, i));
		}
		int undo = -1;
		assert_int_equal(count_kind(a, DKIMARC_FINDING_FOOTER_APPENDED, &undo), 1);
		assert_int_equal(undo, 1);
		dkimarc_report_free(one);
		dkimarc_report_free(str);
		free(m);
	}
	dkimarc_ctx_free(ctx);
}

/* Hostile signatures cannot multiply the work: a per-message bound, past which steps are not tried.
 */
static void diagnosis_work_is_bounded_per_message(void **state)
{
	(void)state;
	size_t klen, blen = 1 << 20;
	char *pem = slurp(SAMPLE "private/example.com.mail2024.pem", &klen);
	static const char hdr[] = "From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n"
	                          "Date: Wed, 01 May 2024 10:00:00 +0000\r\n\r\n";
	char *msg = malloc(sizeof hdr + blen + 8), *field;
	memcpy(msg, hdr, sizeof hdr - 1);
	static const char line[] = "the quarterly figures, line after line, for the board\r\n";
	size_t ll = sizeof line - 1;
	blen -= blen % ll;
	for (size_t i = 0; i < blen; i += ll)
		memcpy(msg + sizeof hdr - 1 + i, line, ll);
	size_t mlen = sizeof hdr - 1 + blen;
	dkimarc_privkey *k;
	dkimarc_signer *sg;
	assert_int_equal(dkimarc_privkey_load_mem(&k, "A", pem, klen), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_new(&sg, k, "example.com", "mail2024"), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_timestamp(sg, 1714557600), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(sg, msg, mlen, &field), DKIMARC_OK);
	/* Sixteen copies of the signature, then the body changed at its end. */
	size_t fl = strlen(field), total = 16 * fl + mlen + 1;
	char *all = malloc(total);
	for (size_t i = 0; i < 16; i++)
		memcpy(all + i * fl, field, fl);
	memcpy(all + 16 * fl, msg, mlen);
	all[total - 1] = 'x';
	dkimarc_ctx *ctx = sample_ctx(4 << 20, 0);
	dkimarc_report *r = verify_buf(ctx, all, total);
	/* The x after the last line end is found as appended text, until the bound. */
	size_t limited = 0, found = 0;
	for (size_t i = 0; i < dkimarc_report_sig_count(r); i++) {
		const dkimarc_sig *s = dkimarc_report_sig(r, i);
		assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_BODY_HASH_MISMATCH);
		found += count_kind(s, DKIMARC_FINDING_FOOTER_APPENDED, NULL);
		for (size_t j = 0; j < dkimarc_sig_finding_count(s); j++)
			limited += strstr(dkimarc_sig_finding_text(s, j), "work limit") != NULL;
	}
	assert_int_equal(dkimarc_report_sig_count(r), 16);
	assert_true(found >= 1 && limited >= 1 && found + limited == 16);
	assert_int_equal(
	    count_kind(dkimarc_report_sig(r, 0), DKIMARC_FINDING_FOOTER_APPENDED, NULL), 1);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
	dkimarc_signer_free(sg);
	dkimarc_privkey_free(k);
	dkimarc_free(field);
	free(all);
	free(msg);
	free(pem);
}

static void finding_accessors_tolerate_null_and_range(void **state)
{
	(void)state;
	assert_int_equal(dkimarc_sig_finding_count(NULL), 0);
	/* Out of range is a value of its own, never the _COUNT_ sentinel (docs/abi.md). */
	assert_int_equal(dkimarc_sig_finding_kind(NULL, 0), DKIMARC_FINDING_NONE);
	assert_string_equal(dkimarc_finding_str(DKIMARC_FINDING_NONE), "unknown");
	assert_null(dkimarc_sig_finding_text(NULL, 0));
	assert_null(dkimarc_sig_finding_field(NULL, 0));
	assert_int_equal(dkimarc_sig_finding_undo(NULL, 0), -1);
	assert_string_equal(dkimarc_finding_str(DKIMARC_FINDING_COUNT_), "unknown");
	assert_string_equal(dkimarc_finding_str(DKIMARC_FINDING_FOOTER_APPENDED),
	                    "footer_appended");
	for (int f = 0; f < DKIMARC_FINDING_COUNT_; f++)
		assert_string_not_equal(dkimarc_finding_str((dkimarc_finding)f), "unknown");
	assert_null(dkimarc_sig_b(NULL));
	assert_null(dkimarc_sig_bh(NULL));
	assert_null(dkimarc_sig_bh_computed(NULL));
	size_t n = 7;
	assert_null(dkimarc_sig_hashed_headers(NULL, &n));
	assert_int_equal(n, 0);
	assert_null(dkimarc_sig_header_digest(NULL, NULL));
	assert_null(dkimarc_sig_signature(NULL, NULL));
	char *pem = (char *)"x";
	assert_int_equal(dkimarc_sig_key_pem(NULL, &pem), DKIMARC_EINVAL);
	assert_null(pem);
	assert_int_equal(dkimarc_ctx_set_diagnose(NULL, 1), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_ctx_set_explain(NULL, 1), DKIMARC_EINVAL);
}

/* ---- item 3: explain ---------------------------------------------------------------- */

/* The hashed bytes, the key's PEM and b= verify with OpenSSL alone, digest included. */
static void explained_bytes_verify_with_openssl(void **state)
{
	(void)state;
	static const struct {
		const char *file;
		int good;
	} cases[] = {{SAMPLE "confirmed-rsa.eml", 1},
	             {SAMPLE "confirmed-ed25519.eml", 1},
	             {SAMPLE "altered-subject.eml", 0}};
	dkimarc_ctx *plain = sample_ctx(0, 0), *ctx = sample_ctx(0, 1);
	for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
		dkimarc_report *r = verify_file(ctx, cases[k].file),
		               *p = verify_file(plain, cases[k].file);
		const dkimarc_sig *s = dkimarc_report_sig(r, 0);
		size_t hl, dl, sl;
		const char *h = dkimarc_sig_hashed_headers(s, &hl);
		const unsigned char *dig = dkimarc_sig_header_digest(s, &dl);
		const unsigned char *sig = dkimarc_sig_signature(s, &sl);
		assert_non_null(h);
		assert_null(dkimarc_sig_hashed_headers(dkimarc_report_sig(p, 0), NULL));
		/* b= and bh= are there with or without explain. */
		assert_string_equal(dkimarc_sig_b(s), dkimarc_sig_b(dkimarc_report_sig(p, 0)));
		assert_non_null(dkimarc_sig_bh(s));
		assert_string_equal(dkimarc_sig_bh(s), dkimarc_sig_bh_computed(s));
		unsigned char md[EVP_MAX_MD_SIZE];
		unsigned int mdl;
		assert_int_equal(EVP_Digest(h, hl, md, &mdl, EVP_sha256(), NULL), 1);
		assert_int_equal(mdl, dl);
		assert_memory_equal(md, dig, dl);
		char *pem;
		assert_int_equal(dkimarc_sig_key_pem(s, &pem), DKIMARC_OK);
		BIO *bio = BIO_new_mem_buf(pem, -1);
		EVP_PKEY *pk = PEM_read_bio_PUBKEY(bio, NULL, NULL, NULL);
		assert_non_null(pk);
		int ok;
		if (EVP_PKEY_get_base_id(pk) == EVP_PKEY_ED25519) {
			/* RFC 8463: PureEd25519 over the SHA-256 digest. */
			EVP_MD_CTX *m = EVP_MD_CTX_new();
			assert_int_equal(EVP_DigestVerifyInit(m, NULL, NULL, NULL, pk), 1);
			ok = EVP_DigestVerify(m, sig, sl, dig, dl) == 1;
			EVP_MD_CTX_free(m);
		} else {
			EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
			assert_int_equal(EVP_PKEY_verify_init(pc), 1);
			assert_int_equal(EVP_PKEY_CTX_set_signature_md(pc, EVP_sha256()), 1);
			ok = EVP_PKEY_verify(pc, sig, sl, dig, dl) == 1;
			EVP_PKEY_CTX_free(pc);
		}
		assert_int_equal(ok, cases[k].good);
		EVP_PKEY_free(pk);
		BIO_free(bio);
		dkimarc_free(pem);
		dkimarc_report_free(r);
		dkimarc_report_free(p);
	}
	dkimarc_ctx_free(ctx);
	dkimarc_ctx_free(plain);
}

/* ---- item 4: Authentication-Results -------------------------------------------------- */

static void authres_arguments_and_line_ends(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = sample_ctx(0, 0);
	dkimarc_report *crlf = verify_file(ctx, SAMPLE "confirmed-rsa.eml");
	dkimarc_report *lf = verify_file(ctx, SAMPLE "confirmed-lf.eml");
	char *out = (char *)"x";
	static const char *const bad[] = {"", "mx example.org", "mx;x", "mx\r\n", "\"mx\""};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
		assert_int_equal(dkimarc_report_authres(crlf, bad[i], &out), DKIMARC_EINVAL);
		assert_null(out);
	}
	assert_int_equal(dkimarc_report_authres(NULL, "mx", &out), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_report_authres(crlf, "mx.example.org", &out), DKIMARC_OK);
	assert_non_null(strstr(out, "\r\n\tdkim=pass"));
	assert_non_null(strstr(out, "header.b="));
	assert_int_equal(strcmp(out + strlen(out) - 2, "\r\n"), 0);
	dkimarc_free(out);
	assert_int_equal(dkimarc_report_authres(lf, "mx.example.org", &out), DKIMARC_OK);
	assert_null(strchr(out, '\r'));
	dkimarc_free(out);
	dkimarc_report_free(crlf);
	dkimarc_report_free(lf);
	dkimarc_ctx_free(ctx);
}

/* ---- item 6: archive SHA-256 and the run description ------------------------------------- */

static void archive_files_through_chains_and_failed_loads(void **state)
{
	(void)state;
	dkimarc_keysrc *a, *b, *chain, *pf;
	static const char one[] = "x._domainkey.example.com\tTXT\tv=DKIM1; p=\n";
	assert_int_equal(dkimarc_keysrc_archive_new(&a), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&b), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_vector_mem(a, "one", one, strlen(one)),
	                 DKIMARC_OK);
	/* A failed load is not a file of the archive. */
	assert_int_equal(dkimarc_keysrc_archive_load_mem(a, "bad", "{not json\n", 10),
	                 DKIMARC_EFORMAT);
	assert_int_equal(dkimarc_keysrc_archive_load(b, SAMPLE "keys.zone"), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(b, SAMPLE "keys.jsonl"), DKIMARC_OK);
	dkimarc_keysrc *both[] = {a, b};
	assert_int_equal(dkimarc_keysrc_chain_new(&chain, both, 2), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_prefetch_new(&pf, chain, NULL, 0, 1), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_file_count(pf), 3);
	assert_string_equal(dkimarc_keysrc_archive_file(pf, 0), "one");
	assert_string_equal(dkimarc_keysrc_archive_file(pf, 1), SAMPLE "keys.zone");
	assert_string_equal(dkimarc_keysrc_archive_file(pf, 2), SAMPLE "keys.jsonl");
	assert_null(dkimarc_keysrc_archive_file(pf, 3));
	assert_null(dkimarc_keysrc_archive_file_sha256(pf, 3));
	/* Hashes of the bytes as read: recomputed here from the same bytes. */
	const char *names[] = {NULL, SAMPLE "keys.zone", SAMPLE "keys.jsonl"};
	for (size_t i = 0; i < 3; i++) {
		size_t len = strlen(one);
		char *data = names[i] ? slurp(names[i], &len) : strdup(one);
		unsigned char md[32];
		char hex[65];
		unsigned int n;
		EVP_Digest(data, len, md, &n, EVP_sha256(), NULL);
		for (size_t k = 0; k < 32; k++)
			snprintf(hex + 2 * k, 3, "%02x", md[k]);
		assert_string_equal(dkimarc_keysrc_archive_file_sha256(pf, i), hex);
		free(data);
	}
	assert_int_equal(dkimarc_keysrc_archive_file_count(NULL), 0);
	dkimarc_keysrc_free(pf);
}

static void describe_json_lists_policy_and_sources(void **state)
{
	(void)state;
	dkimarc_ctx *ctx = sample_ctx(4096, 1);
	char *text;
	assert_int_equal(dkimarc_ctx_set_strict(ctx, 1), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_describe_json(ctx, &text), DKIMARC_OK);
	json_error_t err;
	json_t *j = json_loads(text, 0, &err);
	assert_non_null(j);
	const char *order[] = {"dkimarc", "strict", "at", "limits", "keys", "diagnose", "explain"};
	size_t i = 0;
	const char *key;
	json_t *val;
	json_object_foreach(j, key, val)
	{
		assert_true(i < 7);
		assert_string_equal(key, order[i++]);
	}
	assert_string_equal(json_string_value(json_object_get(j, "dkimarc")), dkimarc_version());
	assert_true(json_is_true(json_object_get(j, "strict")));
	assert_string_equal(json_string_value(json_object_get(j, "at")), "2024-06-01T00:00:00Z");
	assert_int_equal(json_integer_value(json_object_get(j, "diagnose")), 4096);
	json_t *k = json_array_get(json_object_get(j, "keys"), 0);
	assert_string_equal(json_string_value(json_object_get(k, "kind")), "archive");
	assert_int_equal(json_integer_value(json_object_get(k, "records")), 5);
	json_decref(j);
	dkimarc_free(text);
	assert_int_equal(dkimarc_ctx_describe_text(ctx, &text), DKIMARC_OK);
	assert_non_null(strstr(text, "policy: --strict"));
	assert_non_null(strstr(text, "time: as of 2024-06-01T00:00:00Z"));
	assert_non_null(strstr(text, SAMPLE "keys.zone sha256 "));
	dkimarc_free(text);
	assert_int_equal(dkimarc_ctx_describe_json(NULL, &text), DKIMARC_EINVAL);
	dkimarc_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(another_key_is_key_mismatch),
	    cmocka_unit_test(diagnosis_is_off_by_default_and_never_changes_the_verdict),
	    cmocka_unit_test(body_over_the_limit_is_not_tried),
	    cmocka_unit_test(streaming_diagnoses_as_one_shot),
	    cmocka_unit_test(diagnosis_work_is_bounded_per_message),
	    cmocka_unit_test(finding_accessors_tolerate_null_and_range),
	    cmocka_unit_test(explained_bytes_verify_with_openssl),
	    cmocka_unit_test(authres_arguments_and_line_ends),
	    cmocka_unit_test(archive_files_through_chains_and_failed_loads),
	    cmocka_unit_test(describe_json_lists_policy_and_sources),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
