/*
 * Private keys, key generation and DKIM signing. Independent truth: the
 * public keys that dkimpy's test data and RFC 8463 publish for their private
 * keys, and dkimarc's verifier (itself checked against the RFC vectors and
 * three other verifiers); tests/sign/ checks the signatures with dkimpy,
 * Mail::DKIM and libopendkim.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <pthread.h>

#include "dkimarc.h"
#include "internal.h"

#define UPSTREAM SRCDIR "/vectors/dkimpy-data/upstream/"

/* RFC 8463 Appendix A.2: the brisbane key's seed and published public key. */
static const char rfc8463_seed[] = "nWGxne/9WmC6hEr0kuwsxERJxWl7MmkZcDusAxyuf2A=";
static const char rfc8463_pub[] = "11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=";

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
	if (len)
		*len = (size_t)n;
	return b;
}

/* The p= value of a key record (copied). */
static char *p_of(const char *rec)
{
	const char *p = strstr(rec, "p=");
	assert_non_null(p);
	p += 2;
	size_t n = strcspn(p, "; \t\r\n");
	char *d = malloc(n + 1);
	memcpy(d, p, n);
	d[n] = '\0';
	return d;
}

static void assert_record_p(const dkimarc_privkey *k, const char *want_p)
{
	char *rec = NULL;
	assert_int_equal(dkimarc_privkey_record(k, &rec), DKIMARC_OK);
	char *p = p_of(rec);
	assert_string_equal(p, want_p);
	free(p);
	dkimarc_free(rec);
}

static dkimarc_privkey *load(const char *path)
{
	dkimarc_privkey *k = NULL;
	int rc = dkimarc_privkey_load(&k, path);
	if (rc != DKIMARC_OK)
		fail_msg("%s: %s", path, dkimarc_last_error());
	return k;
}

static dkimarc_privkey *load_mem(const char *data, size_t len)
{
	dkimarc_privkey *k = NULL;
	int rc = dkimarc_privkey_load_mem(&k, "mem", data, len);
	if (rc != DKIMARC_OK)
		fail_msg("%s", dkimarc_last_error());
	return k;
}

/* Each private key gives the public key its publisher paired with it. */
static void keys_load_in_every_format(void **state)
{
	(void)state;
	struct {
		const char *key, *pub; /* pub: a record file, or NULL for a literal */
		const char *literal;
		dkimarc_keytype type;
		unsigned bits;
	} cases[] = {
	    {UPSTREAM "test.private", UPSTREAM "test.txt", NULL, DKIMARC_KEYTYPE_RSA, 1024},
	    {UPSTREAM "2048_testkey_PKCS8.key", UPSTREAM "2048_testkey_PKCS8.key.pub.txt", NULL,
	     DKIMARC_KEYTYPE_RSA, 2048},
	    {UPSTREAM "ed25519test.key", UPSTREAM "ed25519test.dns", NULL, DKIMARC_KEYTYPE_ED25519,
	     256},
	    {UPSTREAM "rfc8032_7_1.key", NULL, rfc8463_pub, DKIMARC_KEYTYPE_ED25519, 256},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dkimarc_privkey *k = load(cases[i].key);
		assert_int_equal(dkimarc_privkey_type(k), cases[i].type);
		assert_int_equal(dkimarc_privkey_bits(k), cases[i].bits);
		if (cases[i].pub) {
			char *txt = slurp(cases[i].pub, NULL);
			char *p = p_of(txt);
			assert_record_p(k, p);
			free(p);
			free(txt);
		} else {
			assert_record_p(k, cases[i].literal);
		}
		dkimarc_privkey_free(k);
	}
}

/* The same key written by OpenSSL as PKCS#1 PEM, PKCS#8 PEM, DER, and as seed+public. */
static void keys_load_openssl_encodings(void **state)
{
	(void)state;
	char *pem = slurp(UPSTREAM "2048_testkey.key", NULL);
	BIO *in = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *rsa = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	BIO_free(in);
	assert_non_null(rsa);
	dkimarc_privkey *ref = load_mem(pem, strlen(pem)); /* PKCS#1 */
	char *rec_ref = NULL;
	assert_int_equal(dkimarc_privkey_record(ref, &rec_ref), DKIMARC_OK);
	char *p_ref = p_of(rec_ref);

	/* PKCS#8 PEM from OpenSSL. */
	BIO *out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(out, rsa, NULL, NULL, 0, NULL, NULL), 1);
	char *p8;
	long n8 = BIO_get_mem_data(out, &p8);
	dkimarc_privkey *k = load_mem(p8, (size_t)n8);
	assert_record_p(k, p_ref);
	dkimarc_privkey_free(k);
	BIO_free(out);

	/* DER, and DER in base64 without PEM armour. */
	unsigned char *der = NULL;
	int nd = i2d_PrivateKey(rsa, &der);
	assert_true(nd > 0);
	k = load_mem((const char *)der, (size_t)nd);
	assert_record_p(k, p_ref);
	dkimarc_privkey_free(k);
	char *b64 = da_b64_encode(der, (size_t)nd);
	k = load_mem(b64, strlen(b64));
	assert_record_p(k, p_ref);
	dkimarc_privkey_free(k);
	free(b64);
	OPENSSL_free(der);

	/* Our own PEM output reads back as the same key. */
	char *ours = NULL;
	assert_int_equal(dkimarc_privkey_pem(ref, &ours), DKIMARC_OK);
	assert_non_null(strstr(ours, "-----BEGIN PRIVATE KEY-----"));
	k = load_mem(ours, strlen(ours));
	assert_record_p(k, p_ref);
	dkimarc_privkey_free(k);
	dkimarc_free(ours);

	/* Ed25519: PKCS#8 PEM by OpenSSL, and the 64-byte seed || public form. */
	unsigned char *seed = NULL, *pub = NULL, both[64];
	size_t ns = 0, np = 0;
	assert_int_equal(da_b64_decode(rfc8463_seed, strlen(rfc8463_seed), &seed, &ns), 0);
	assert_int_equal(da_b64_decode(rfc8463_pub, strlen(rfc8463_pub), &pub, &np), 0);
	EVP_PKEY *ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, ns);
	out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(out, ed, NULL, NULL, 0, NULL, NULL), 1);
	n8 = BIO_get_mem_data(out, &p8);
	k = load_mem(p8, (size_t)n8);
	assert_int_equal(dkimarc_privkey_type(k), DKIMARC_KEYTYPE_ED25519);
	assert_record_p(k, rfc8463_pub);
	char *s = NULL;
	assert_int_equal(dkimarc_privkey_seed(k, &s), DKIMARC_OK);
	assert_string_equal(s, rfc8463_seed);
	dkimarc_free(s);
	dkimarc_privkey_free(k);
	BIO_free(out);
	memcpy(both, seed, 32);
	memcpy(both + 32, pub, 32);
	b64 = da_b64_encode(both, 64);
	k = load_mem(b64, strlen(b64));
	assert_record_p(k, rfc8463_pub);
	dkimarc_privkey_free(k);
	free(b64);
	/* A 64-byte form whose halves do not belong together is refused. */
	both[40] ^= 1;
	b64 = da_b64_encode(both, 64);
	assert_int_equal(dkimarc_privkey_load_mem(&k, "x", b64, strlen(b64)), DKIMARC_EFORMAT);
	assert_null(k);
	free(b64);

	EVP_PKEY_free(ed);
	free(seed);
	free(pub);
	EVP_PKEY_free(rsa);
	free(p_ref);
	dkimarc_free(rec_ref);
	dkimarc_privkey_free(ref);
	free(pem);
}

static void keys_refused_with_reasons(void **state)
{
	(void)state;
	dkimarc_privkey *k = (dkimarc_privkey *)&k; /* must be reset to NULL */
	char *pem = slurp(UPSTREAM "2048_testkey.key", NULL);
	BIO *in = BIO_new_mem_buf(pem, -1);
	EVP_PKEY *rsa = PEM_read_bio_PrivateKey(in, NULL, NULL, NULL);
	BIO_free(in);

	/* Encrypted. */
	BIO *out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PKCS8PrivateKey(out, rsa, EVP_aes_128_cbc(), NULL, 0, NULL,
	                                               (void *)"secret"),
	                 1);
	char *p;
	long n = BIO_get_mem_data(out, &p);
	assert_int_equal(dkimarc_privkey_load_mem(&k, "enc.pem", p, (size_t)n), DKIMARC_EFORMAT);
	assert_null(k);
	assert_non_null(strstr(dkimarc_last_error(), "encrypted"));
	BIO_free(out);

	/* A public key. */
	out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PUBKEY(out, rsa), 1);
	n = BIO_get_mem_data(out, &p);
	assert_int_equal(dkimarc_privkey_load_mem(&k, "pub.pem", p, (size_t)n), DKIMARC_EFORMAT);
	assert_non_null(strstr(dkimarc_last_error(), "public key"));
	BIO_free(out);

	/* An EC key: DKIM has no algorithm for it. */
	EVP_PKEY *ec = EVP_EC_gen("P-256");
	assert_non_null(ec);
	out = BIO_new(BIO_s_mem());
	assert_int_equal(PEM_write_bio_PrivateKey(out, ec, NULL, NULL, 0, NULL, NULL), 1);
	n = BIO_get_mem_data(out, &p);
	assert_int_equal(dkimarc_privkey_load_mem(&k, "ec.pem", p, (size_t)n), DKIMARC_EINVAL);
	BIO_free(out);
	EVP_PKEY_free(ec);

	/* Damaged: one base64 character of the PKCS#1 body changed. */
	char *bad = strdup(pem);
	bad[200] = bad[200] == 'A' ? 'B' : 'A';
	assert_int_not_equal(dkimarc_privkey_load_mem(&k, "bad.pem", bad, strlen(bad)), DKIMARC_OK);
	assert_null(k);
	free(bad);

	assert_int_equal(dkimarc_privkey_load_mem(&k, "empty", "", 0), DKIMARC_EFORMAT);
	assert_int_equal(dkimarc_privkey_load_mem(&k, "junk", "not a key!", 10), DKIMARC_EFORMAT);
	assert_int_equal(dkimarc_privkey_load_mem(&k, "short", "AAAA", 4), DKIMARC_EFORMAT);
	assert_int_equal(dkimarc_privkey_load(&k, "/nonexistent/key"), DKIMARC_EIO);
	assert_int_equal(dkimarc_privkey_load(NULL, "x"), DKIMARC_EINVAL);
	EVP_PKEY_free(rsa);
	free(pem);
}

/* Generated keys work end to end: the record parses as a key that verifies. */
static void keygen_makes_usable_keys(void **state)
{
	(void)state;
	dkimarc_privkey *k = NULL;
	assert_int_equal(dkimarc_privkey_generate(&k, DKIMARC_KEYTYPE_RSA, 512), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_privkey_generate(&k, DKIMARC_KEYTYPE_RSA, 16384), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_privkey_generate(&k, DKIMARC_KEYTYPE_ED25519, 2048),
	                 DKIMARC_EINVAL);
	assert_int_equal(dkimarc_privkey_generate(&k, (dkimarc_keytype)7, 0), DKIMARC_EINVAL);

	assert_int_equal(dkimarc_privkey_generate(&k, DKIMARC_KEYTYPE_RSA, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_bits(k), 2048);
	char *rec = NULL, *zone = NULL, *arch = NULL;
	assert_int_equal(dkimarc_privkey_record(k, &rec), DKIMARC_OK);
	assert_int_equal(strncmp(rec, "v=DKIM1; k=rsa; p=", 18), 0);
	/* Both published forms load back into an archive as the same record. */
	assert_int_equal(dkimarc_record_zone("sel._domainkey.example.com", rec, &zone), DKIMARC_OK);
	assert_int_equal(
	    dkimarc_record_archive("sel._domainkey.example.com", rec, "unit test", &arch),
	    DKIMARC_OK);
	const char *forms[] = {zone, arch};
	for (int i = 0; i < 2; i++) {
		dkimarc_keysrc *src = NULL;
		dkimarc_answer *ans = NULL;
		assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
		assert_int_equal(
		    dkimarc_keysrc_archive_load_mem(src, "rec", forms[i], strlen(forms[i])),
		    DKIMARC_OK);
		assert_int_equal(dkimarc_keysrc_lookup(src, "sel._domainkey.example.com", &ans),
		                 DKIMARC_OK);
		assert_int_equal(dkimarc_answer_count(ans), 1);
		const dkimarc_keyrec *r = dkimarc_answer_record(ans, 0);
		assert_int_equal(r->txt_len, strlen(rec));
		assert_memory_equal(r->txt, rec, strlen(rec));
		if (i == 1)
			assert_string_equal(r->source, "unit test");
		dkimarc_answer_free(ans);
		dkimarc_keysrc_free(src);
	}
	/* The 2048-bit record is longer than one TXT string: the zone line splits it. */
	assert_true(strlen(rec) > 255);
	assert_non_null(strstr(zone, "\" \""));
	dkimarc_free(zone);
	assert_int_equal(dkimarc_record_zone("a b", rec, &zone), DKIMARC_EINVAL);
	assert_null(zone);
	dkimarc_free(arch);
	dkimarc_free(rec);
	dkimarc_privkey_free(k);

	assert_int_equal(dkimarc_privkey_generate(&k, DKIMARC_KEYTYPE_ED25519, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_type(k), DKIMARC_KEYTYPE_ED25519);
	char *seed = NULL;
	assert_int_equal(dkimarc_privkey_seed(k, &seed), DKIMARC_OK);
	assert_int_equal(strlen(seed), 44);
	dkimarc_privkey *k2 = load_mem(seed, strlen(seed));
	assert_int_equal(dkimarc_privkey_record(k, &rec), DKIMARC_OK);
	char *p = p_of(rec);
	assert_record_p(k2, p);
	free(p);
	dkimarc_free(rec);
	dkimarc_free(seed);
	dkimarc_privkey_free(k2);
	dkimarc_privkey_free(k);
}

/* ---- signing ------------------------------------------------------------ */

static const char base_msg[] = "Received: from x by y; Mon, 1 Jan 2024 00:00:00 +0000\r\n"
                               "From: Joe SixPack <joe@football.example.com>\r\n"
                               "To: Suzie Q <suzie@shopping.example.net>, \r\n"
                               "  Other <other@example.net>\r\n"
                               "Subject:  Is dinner   ready?\t\r\n"
                               "Date: Fri, 11 Jul 2003 21:00:37 -0700 (PDT)\r\n"
                               "Message-ID: <20030712040037.46341.5F8J@football.example.com>\r\n"
                               "X-Unsigned: yes\r\n"
                               "\r\n"
                               "Hi.\r\n"
                               "\r\n"
                               "We lost the game.  Are you hungry yet?\t \r\n"
                               "\r\n"
                               "Joe.\r\n"
                               "\r\n"
                               "\r\n";

typedef struct {
	dkimarc_privkey *rsa, *ed;
	dkimarc_ctx *ctx;
} fixture;

static int setup(void **state)
{
	fixture *fx = calloc(1, sizeof *fx);
	fx->rsa = load(UPSTREAM "2048_testkey_PKCS8.key");
	fx->ed = load(UPSTREAM "rfc8032_7_1.key");
	char *r1 = NULL, *r2 = NULL, *z1 = NULL, *z2 = NULL;
	assert_int_equal(dkimarc_privkey_record(fx->rsa, &r1), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_record(fx->ed, &r2), DKIMARC_OK);
	assert_int_equal(dkimarc_record_zone("rsa._domainkey.football.example.com", r1, &z1),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_record_zone("ed._domainkey.football.example.com", r2, &z2),
	                 DKIMARC_OK);
	size_t n = strlen(z1) + strlen(z2) + 1;
	char *zone = malloc(n);
	snprintf(zone, n, "%s%s", z1, z2);
	dkimarc_keysrc *src;
	assert_int_equal(dkimarc_ctx_new(&fx->ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(fx->ctx, 1700000100), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_mem(src, "keys.zone", zone, strlen(zone)),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(fx->ctx, src), DKIMARC_OK);
	free(zone);
	dkimarc_free(r1);
	dkimarc_free(r2);
	dkimarc_free(z1);
	dkimarc_free(z2);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	fixture *fx = *state;
	dkimarc_privkey_free(fx->rsa);
	dkimarc_privkey_free(fx->ed);
	dkimarc_ctx_free(fx->ctx);
	free(fx);
	return 0;
}

static dkimarc_signer *signer(const fixture *fx, bool ed)
{
	dkimarc_signer *s = NULL;
	assert_int_equal(dkimarc_signer_new(&s, ed ? fx->ed : fx->rsa, "football.example.com",
	                                    ed ? "ed" : "rsa"),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_timestamp(s, 1700000000), DKIMARC_OK);
	return s;
}

/* Signs msg, returns field + msg (after a "From " line if pos > 0). */
static char *signed_copy(const dkimarc_signer *s, const char *msg, size_t len, size_t pos,
                         size_t *outlen)
{
	char *field = NULL;
	int rc = dkimarc_sign(s, msg, len, &field);
	if (rc != DKIMARC_OK)
		fail_msg("sign: %s", dkimarc_last_error());
	size_t fl = strlen(field);
	char *out = malloc(len + fl + 1);
	memcpy(out, msg, pos);
	memcpy(out + pos, field, fl);
	memcpy(out + pos + fl, msg + pos, len - pos);
	out[len + fl] = '\0';
	*outlen = len + fl;
	dkimarc_free(field);
	return out;
}

static dkimarc_report *verify(const fixture *fx, const char *msg, size_t len)
{
	dkimarc_report *r = NULL;
	assert_int_equal(dkimarc_verify(fx->ctx, msg, len, &r), DKIMARC_OK);
	return r;
}

static void assert_top_sig(const dkimarc_report *r, dkimarc_result want)
{
	const dkimarc_sig *sig = dkimarc_report_sig(r, 0);
	assert_non_null(sig);
	if (dkimarc_sig_result(sig) != want)
		fail_msg("result %s (%s), want %s", dkimarc_result_str(dkimarc_sig_result(sig)),
		         dkimarc_sig_reason_text(sig), dkimarc_result_str(want));
}

/* Every folded line stays within 78 characters. */
static void assert_folded(const char *field)
{
	const char *p = field;
	while (*p) {
		size_t n = strcspn(p, "\r\n");
		if (n > 78)
			fail_msg("line of %zu characters: %.*s", n, (int)n, p);
		p += n;
		p += strspn(p, "\r\n");
	}
}

static void sign_verify_every_combination(void **state)
{
	const fixture *fx = *state;
	const char *canons[] = {"simple/simple", "simple/relaxed", "relaxed/simple",
	                        "relaxed/relaxed"};
	size_t len = strlen(base_msg);
	int n = 0;

	for (int ed = 0; ed < 2; ed++)
		for (int c = 0; c < 4; c++)
			for (int l = 0; l < 2; l++)
				for (int over = 0; over < 2; over++) {
					dkimarc_signer *s = signer(fx, ed);
					assert_int_equal(
					    dkimarc_signer_set_canonicalization(s, canons[c]),
					    DKIMARC_OK);
					assert_int_equal(dkimarc_signer_set_body_length(s, l),
					                 DKIMARC_OK);
					assert_int_equal(dkimarc_signer_set_oversign(s, over),
					                 DKIMARC_OK);
					size_t sl;
					char *sm = signed_copy(s, base_msg, len, 0, &sl);
					assert_folded(sm);
					dkimarc_report *r = verify(fx, sm, sl);
					assert_top_sig(r, DKIMARC_RES_PASS);
					const dkimarc_sig *sig = dkimarc_report_sig(r, 0);
					assert_string_equal(dkimarc_sig_canonicalization(sig),
					                    canons[c]);
					assert_string_equal(dkimarc_sig_algorithm(sig),
					                    ed ? "ed25519-sha256" : "rsa-sha256");
					assert_int_equal(dkimarc_sig_body_length(sig) >= 0, l);
					assert_false(dkimarc_sig_flags(sig) &
					             DKIMARC_FLAG_FROM_NOT_OVERSIGNED);
					assert_int_equal(!!(dkimarc_sig_flags(sig) &
					                    DKIMARC_FLAG_TO_NOT_OVERSIGNED),
					                 !over);
					/* X-Unsigned and Received are outside the default set. */
					for (size_t h = 0; h < dkimarc_sig_header_count(sig); h++) {
						assert_string_not_equal(dkimarc_sig_header(sig, h),
						                        "x-unsigned");
						assert_string_not_equal(dkimarc_sig_header(sig, h),
						                        "received");
					}
					dkimarc_report_free(r);

					/* A changed body word fails it (the check is not vacuous).
					 */
					char *w = strstr(sm, "hungry");
					w[0] = 'H';
					r = verify(fx, sm, sl);
					assert_top_sig(r, DKIMARC_RES_FAIL);
					assert_int_equal(
					    dkimarc_sig_reason(dkimarc_report_sig(r, 0)),
					    DKIMARC_REASON_BODY_HASH_MISMATCH);
					dkimarc_report_free(r);
					free(sm);
					dkimarc_signer_free(s);
					n++;
				}
	assert_int_equal(n, 32);
}

/* With l=, appended text leaves the signature passing and is flagged. */
static void body_length_covers_the_body_at_signing(void **state)
{
	const fixture *fx = *state;
	dkimarc_signer *s = signer(fx, false);
	assert_int_equal(dkimarc_signer_set_body_length(s, 1), DKIMARC_OK);
	size_t sl;
	char *sm = signed_copy(s, base_msg, strlen(base_msg), 0, &sl);
	char *more = malloc(sl + 32);
	memcpy(more, sm, sl);
	memcpy(more + sl, "Appended footer\r\n", 17);
	dkimarc_report *r = verify(fx, more, sl + 17);
	assert_top_sig(r, DKIMARC_RES_PASS);
	assert_true(dkimarc_sig_flags(dkimarc_report_sig(r, 0)) & DKIMARC_FLAG_BODY_BEYOND_LENGTH);
	dkimarc_report_free(r);
	free(more);
	free(sm);
	dkimarc_signer_free(s);
}

static void output_is_deterministic(void **state)
{
	const fixture *fx = *state;
	for (int ed = 0; ed < 2; ed++) {
		dkimarc_signer *s = signer(fx, ed);
		char *a = NULL, *b = NULL;
		assert_int_equal(dkimarc_sign(s, base_msg, strlen(base_msg), &a), DKIMARC_OK);
		assert_int_equal(dkimarc_sign(s, base_msg, strlen(base_msg), &b), DKIMARC_OK);
		assert_string_equal(a, b);
		dkimarc_free(b);
		/* The timestamp is an input: another one gives another signature. */
		assert_int_equal(dkimarc_signer_set_timestamp(s, 1700000001), DKIMARC_OK);
		assert_int_equal(dkimarc_sign(s, base_msg, strlen(base_msg), &b), DKIMARC_OK);
		assert_string_not_equal(a, b);
		assert_non_null(strstr(b, "t=1700000001;"));
		dkimarc_free(a);
		dkimarc_free(b);
		dkimarc_signer_free(s);
	}
}

/* Bare-LF mail is signed as the CRLF mail it stands for, and stays LF. */
static void lf_message_signed_as_crlf(void **state)
{
	const fixture *fx = *state;
	size_t len = strlen(base_msg), o = 0;
	char *lf = malloc(len + 1);
	for (size_t i = 0; i < len; i++)
		if (base_msg[i] != '\r')
			lf[o++] = base_msg[i];
	lf[o] = '\0';
	for (int ed = 0; ed < 2; ed++) {
		dkimarc_signer *s = signer(fx, ed);
		assert_int_equal(dkimarc_signer_set_canonicalization(s, "simple/simple"),
		                 DKIMARC_OK);
		size_t sl;
		char *sm = signed_copy(s, lf, o, 0, &sl);
		assert_null(memchr(sm, '\r', sl));
		dkimarc_report *r = verify(fx, sm, sl);
		assert_top_sig(r, DKIMARC_RES_PASS);
		assert_true(dkimarc_report_flags(r) & DKIMARC_FLAG_LF_LINE_ENDINGS);
		dkimarc_report_free(r);

		/* The same bytes with CRLF carry the same signature. */
		char *crlf = malloc(2 * sl + 1);
		size_t k = 0;
		for (size_t i = 0; i < sl; i++) {
			if (sm[i] == '\n')
				crlf[k++] = '\r';
			crlf[k++] = sm[i];
		}
		r = verify(fx, crlf, k);
		assert_top_sig(r, DKIMARC_RES_PASS);
		dkimarc_report_free(r);
		free(crlf);
		free(sm);
		dkimarc_signer_free(s);
	}
	free(lf);
}

static void mbox_from_line_stays_first(void **state)
{
	const fixture *fx = *state;
	const char from_line[] = "From joe@football.example.com Mon Jan  1 00:00:00 2024\r\n";
	size_t fl = strlen(from_line), len = strlen(base_msg);
	char *m = malloc(fl + len + 1);
	memcpy(m, from_line, fl);
	memcpy(m + fl, base_msg, len + 1);
	dkimarc_signer *s = signer(fx, true);
	size_t sl;
	char *sm = signed_copy(s, m, fl + len, fl, &sl);
	dkimarc_report *r = verify(fx, sm, sl);
	assert_top_sig(r, DKIMARC_RES_PASS);
	dkimarc_report_free(r);
	free(sm);
	free(m);
	dkimarc_signer_free(s);
}

static void tags_and_options(void **state)
{
	const fixture *fx = *state;
	size_t len = strlen(base_msg), sl;
	char *field = NULL, *sm;
	dkimarc_report *r;
	dkimarc_signer *s = signer(fx, false);

	/* i= with characters dkim-quoted-printable must encode. */
	assert_int_equal(dkimarc_signer_set_identity(s, "jo;e=x@sub.football.example.com"),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_expiration(s, 3600, 1), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, base_msg, len, &field), DKIMARC_OK);
	assert_non_null(strstr(field, "i=jo=3Be=3Dx@sub.football.example.com;"));
	assert_non_null(strstr(field, "x=1700003600;"));
	dkimarc_free(field);
	sm = signed_copy(s, base_msg, len, 0, &sl);
	r = verify(fx, sm, sl);
	assert_top_sig(r, DKIMARC_RES_PASS);
	/* The report shows i= decoded: the identity that was set. */
	assert_string_equal(dkimarc_sig_auid(dkimarc_report_sig(r, 0)),
	                    "jo;e=x@sub.football.example.com");
	assert_int_equal(dkimarc_sig_expiration(dkimarc_report_sig(r, 0)), 1700003600);
	dkimarc_report_free(r);
	free(sm);

	/* Refusals. */
	assert_int_equal(dkimarc_signer_set_identity(s, "joe@example.org"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_identity(s, "joe@xfootball.example.com"),
	                 DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_identity(s, "no-at-sign"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_expiration(s, 1600000000, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, base_msg, len, &field), DKIMARC_EINVAL);
	assert_null(field);
	assert_int_equal(dkimarc_signer_set_expiration(s, -1, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_algorithm(s, "ed25519-sha256"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_algorithm(s, "rsa-sha512"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_algorithm(s, "rsa-sha1"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_canonicalization(s, "relaxed/none"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_headers(s, "to:subject", 0), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_headers(s, "from::to", 0), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_headers(s, "from:bad name", 1), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_set_timestamp(s, -3), DKIMARC_EINVAL);

	/* rsa-sha1 only when allowed; it then verifies (flagged). */
	assert_int_equal(dkimarc_signer_allow(s, DKIMARC_SIGN_ALLOW_SHA1), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_algorithm(s, "rsa-sha1"), DKIMARC_OK);
	sm = signed_copy(s, base_msg, len, 0, &sl);
	r = verify(fx, sm, sl);
	assert_top_sig(r, DKIMARC_RES_PASS);
	assert_true(dkimarc_sig_flags(dkimarc_report_sig(r, 0)) & DKIMARC_FLAG_RSA_SHA1);
	dkimarc_report_free(r);
	free(sm);
	assert_int_equal(dkimarc_signer_allow(s, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, base_msg, len, &field), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_allow(s, 1u << 7), DKIMARC_EINVAL);
	dkimarc_signer_free(s);

	/* An exact h= is written as given, and the verifier selects the same fields. */
	s = signer(fx, true);
	assert_int_equal(dkimarc_signer_set_headers(s, "From:X-Unsigned:Received:Date:Date", 1),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_timestamp(s, DKIMARC_TIME_NONE), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, base_msg, len, &field), DKIMARC_OK);
	assert_non_null(strstr(field, "h=From:X-Unsigned:Received:Date:Date;"));
	assert_null(strstr(field, "t="));
	dkimarc_free(field);
	sm = signed_copy(s, base_msg, len, 0, &sl);
	r = verify(fx, sm, sl);
	assert_top_sig(r, DKIMARC_RES_PASS);
	dkimarc_report_free(r);
	/* Changing X-Unsigned now breaks it. */
	strstr(sm, "X-Unsigned: yes")[12] = 'Y';
	r = verify(fx, sm, sl);
	assert_top_sig(r, DKIMARC_RES_FAIL);
	dkimarc_report_free(r);
	free(sm);

	/* A header set instead of the default one. */
	assert_int_equal(dkimarc_signer_set_headers(s, "from:x-unsigned", 0), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, base_msg, len, &field), DKIMARC_OK);
	assert_non_null(strstr(field, "h=from:x-unsigned:from;"));
	dkimarc_free(field);
	assert_int_equal(dkimarc_signer_set_oversign(s, 1), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, base_msg, len, &field), DKIMARC_OK);
	assert_non_null(strstr(field, "h=from:x-unsigned:from:x-unsigned;"));
	dkimarc_free(field);
	dkimarc_signer_free(s);
}

static void bad_input_is_refused(void **state)
{
	const fixture *fx = *state;
	dkimarc_signer *s = NULL;
	char *field = NULL;

	assert_int_equal(dkimarc_signer_new(&s, fx->rsa, "bad domain", "sel"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_new(&s, fx->rsa, "example.com", "s;x=1"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_new(&s, fx->rsa, "example..com", "s"), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_new(&s, NULL, "example.com", "s"), DKIMARC_EINVAL);
	assert_null(s);
	s = signer(fx, false);
	assert_int_equal(dkimarc_sign(s, NULL, 5, &field), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_sign(s, "", 0, &field), DKIMARC_EINVAL); /* no From */
	assert_int_equal(dkimarc_sign(s, "To: a@b\r\n\r\nx\r\n", 14, &field), DKIMARC_EINVAL);
	assert_null(field);
	/* More fields than the verifier reads is a limit, not a crash. */
	size_t cap = 2100 * 16, n = 0;
	char *big = malloc(cap);
	n += (size_t)sprintf(big, "From: a@football.example.com\r\n");
	for (int i = 0; i < 2100; i++)
		n += (size_t)sprintf(big + n, "To: x%d@b\r\n", i % 10);
	n += (size_t)sprintf(big + n, "\r\nbody\r\n");
	assert_int_equal(dkimarc_sign(s, big, n, &field), DKIMARC_ELIMIT);
	/* Fewer fields, but more To fields than h= may name. */
	n = (size_t)sprintf(big, "From: a@football.example.com\r\n");
	for (int i = 0; i < 300; i++)
		n += (size_t)sprintf(big + n, "To: x%d@b\r\n", i % 10);
	n += (size_t)sprintf(big + n, "\r\nbody\r\n");
	assert_int_equal(dkimarc_sign(s, big, n, &field), DKIMARC_ELIMIT);
	free(big);
	dkimarc_signer_free(s);

	/* A 512-bit RSA key signs only when weak keys are allowed. */
	EVP_PKEY *weak = EVP_RSA_gen(512);
	unsigned char *der = NULL;
	int nd = i2d_PrivateKey(weak, &der);
	dkimarc_privkey *wk = load_mem((const char *)der, (size_t)nd);
	assert_int_equal(dkimarc_privkey_bits(wk), 512);
	assert_int_equal(dkimarc_signer_new(&s, wk, "football.example.com", "weak"), DKIMARC_OK);
	dkimarc_privkey_free(wk); /* the signer keeps its own reference */
	assert_int_equal(dkimarc_sign(s, base_msg, strlen(base_msg), &field), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_signer_allow(s, DKIMARC_SIGN_ALLOW_WEAK_KEY), DKIMARC_OK);
	assert_int_equal(dkimarc_sign(s, base_msg, strlen(base_msg), &field), DKIMARC_OK);
	dkimarc_free(field);
	dkimarc_signer_free(s);
	OPENSSL_free(der);
	EVP_PKEY_free(weak);
}

struct sign_job {
	const dkimarc_signer *s;
	char *out[50];
};

static void *sign_many(void *arg)
{
	struct sign_job *j = arg;
	for (int i = 0; i < 50; i++)
		if (dkimarc_sign(j->s, base_msg, strlen(base_msg), &j->out[i]) != DKIMARC_OK)
			j->out[i] = NULL;
	return NULL;
}

/* One signer, four threads at once: every output is the single-threaded one. */
static void threads_share_a_signer(void **state)
{
	const fixture *fx = *state;
	for (int ed = 0; ed < 2; ed++) {
		dkimarc_signer *s = signer(fx, ed);
		char *want = NULL;
		assert_int_equal(dkimarc_sign(s, base_msg, strlen(base_msg), &want), DKIMARC_OK);
		struct sign_job jobs[4];
		pthread_t tid[4];
		for (int t = 0; t < 4; t++) {
			jobs[t].s = s;
			assert_int_equal(pthread_create(&tid[t], NULL, sign_many, &jobs[t]), 0);
		}
		for (int t = 0; t < 4; t++) {
			pthread_join(tid[t], NULL);
			for (int i = 0; i < 50; i++) {
				assert_non_null(jobs[t].out[i]);
				assert_string_equal(jobs[t].out[i], want);
				dkimarc_free(jobs[t].out[i]);
			}
		}
		dkimarc_free(want);
		dkimarc_signer_free(s);
	}
}

int main(void)
{
	const struct CMUnitTest key_tests[] = {
	    cmocka_unit_test(keys_load_in_every_format),
	    cmocka_unit_test(keys_load_openssl_encodings),
	    cmocka_unit_test(keys_refused_with_reasons),
	    cmocka_unit_test(keygen_makes_usable_keys),
	};
	const struct CMUnitTest sign_tests[] = {
	    cmocka_unit_test(sign_verify_every_combination),
	    cmocka_unit_test(body_length_covers_the_body_at_signing),
	    cmocka_unit_test(output_is_deterministic),
	    cmocka_unit_test(lf_message_signed_as_crlf),
	    cmocka_unit_test(mbox_from_line_stays_first),
	    cmocka_unit_test(tags_and_options),
	    cmocka_unit_test(bad_input_is_refused),
	    cmocka_unit_test(threads_share_a_signer),
	};
	int fails = cmocka_run_group_tests(key_tests, NULL, NULL);
	return fails + cmocka_run_group_tests(sign_tests, setup, teardown);
}
