/*
 * The diagnosis's quoted-printable encoder (lib/qp.c) at its worst case, and
 * whole messages through dkimarc_verify with diagnosis on (issue 14). The
 * encoder's output is checked against the RFC 2045 §6.7 rules, built here
 * byte by byte, and read back with GMime's decoder; the whole messages are
 * the vectors of vectors/adversarial/body-* (made with Python's quopri) and
 * messages signed here whose signed body is written by hand.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <gmime/gmime.h>

#include "dkimarc.h"
#include "qp.h"

#define ADV    SRCDIR "/vectors/adversarial/"
#define CANARY 0xa5
#define GUARD  32

/* ---- a growing buffer ------------------------------------------------------ */

typedef struct {
	char *p;
	size_t n, cap;
} buf;

static void put(buf *b, const void *p, size_t n)
{
	if (b->n + n + 1 > b->cap) {
		b->cap = (b->n + n + 1) * 2;
		b->p = realloc(b->p, b->cap);
		assert_non_null(b->p);
	}
	memcpy(b->p + b->n, p, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(buf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* ---- the encoder ------------------------------------------------------------ */

/*
 * Encodes p with da_qp_encode into a buffer of exactly the announced length
 * followed by a guard, checks that nothing past it was written, and returns
 * the encoding (NUL-terminated copy, caller frees).
 */
static char *encode_checked(const char *p, size_t n, size_t *len)
{
	size_t want = da_qp_encode(p, n, NULL, 0);
	assert_true(want != SIZE_MAX);
	unsigned char *out = malloc(want + GUARD);
	assert_non_null(out);
	memset(out, CANARY, want + GUARD);
	assert_int_equal(da_qp_encode(p, n, (char *)out, want), want);
	for (size_t i = want; i < want + GUARD; i++)
		assert_int_equal(out[i], CANARY);
	/* The one-allocation form gives the same bytes, in a buffer of that size. */
	size_t dl = 0;
	char *dup = da_qp_encode_dup(p, n, &dl);
	assert_non_null(dup);
	assert_int_equal(dl, want);
	assert_memory_equal(dup, out, want);
	free(dup);
	char *s = malloc(want + 1);
	assert_non_null(s);
	memcpy(s, out, want);
	s[want] = '\0';
	free(out);
	*len = want;
	return s;
}

/* RFC 2045 §6.7 as read by GMime: the encoding decodes to the input. */
static void gmime_decodes_to(const char *enc, size_t len, const char *p, size_t n)
{
	unsigned char *out = malloc(len + 1);
	int state = 0;
	guint32 save = 0;
	assert_non_null(out);
	size_t got =
	    g_mime_encoding_quoted_decode_step((const unsigned char *)enc, len, out, &state, &save);
	assert_int_equal(got, n);
	assert_memory_equal(out, p, n);
	free(out);
}

/* Lines of at most 76 columns; "=" only as a soft break or before two upper-case hex digits. */
static void well_formed(const char *enc, size_t len)
{
	size_t col = 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char c = (unsigned char)enc[i];
		if (c == '\r') {
			assert_true(i + 1 < len && enc[i + 1] == '\n');
			/* No literal whitespace before a line break (§6.7 rule 3). */
			assert_true(i == 0 || (enc[i - 1] != ' ' && enc[i - 1] != '\t'));
			i++;
			col = 0;
			continue;
		}
		assert_true((c >= 33 && c <= 126) || c == ' ' || c == '\t');
		if (c == '=') {
			bool soft = i + 2 < len && enc[i + 1] == '\r' && enc[i + 2] == '\n';
			bool hex = i + 2 < len && strchr("0123456789ABCDEF", enc[i + 1]) &&
			           strchr("0123456789ABCDEF", enc[i + 2]) && enc[i + 1] &&
			           enc[i + 2];
			assert_true(soft || hex);
			if (hex) {
				i += 2;
				col += 2;
			}
		}
		col++;
		assert_true(col <= 76);
	}
	/* Nor at the very end. */
	assert_true(len == 0 || (enc[len - 1] != ' ' && enc[len - 1] != '\t'));
}

/* What an encoder writes for n bytes that all need escaping: 25 escapes a line. */
static char *all_escaped(const unsigned char *p, size_t n)
{
	buf b = {0};
	char esc[4];
	puts_(&b, "");
	for (size_t i = 0; i < n; i++) {
		if (i > 0 && i % 25 == 0)
			puts_(&b, "=\r\n");
		snprintf(esc, sizeof esc, "=%02X", p[i]);
		puts_(&b, esc);
	}
	return b.p;
}

/* Every byte escaped, no line end: the longest encoding there is, at lengths around its breaks. */
static void encoder_worst_case(void **state)
{
	(void)state;
	static const size_t sizes[] = {0,   1,   2,   24,   25,   26,   49,   50,    51,   74,
	                               75,  76,  99,  100,  101,  124,  125,  126,   249,  250,
	                               251, 998, 999, 1000, 4095, 4096, 4097, 65535, 65536};
	unsigned char *p = malloc(65536);
	assert_non_null(p);
	/* High bytes, '=', controls other than CR and LF, DEL: none is written as itself. */
	static const unsigned char lows[] = {'=', 0x00, 0x01, 0x0b, 0x1f, 0x7f, 0xff};
	for (size_t i = 0; i < 65536; i++)
		p[i] = i % 9 < 7 ? (unsigned char)(0x80 + i % 128) : lows[i % 7];
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		size_t n = sizes[k], len;
		char *enc = encode_checked((const char *)p, n, &len);
		assert_int_equal(len, n ? 3 * n + 3 * ((n - 1) / 25) : 0);
		char *want = all_escaped(p, n);
		assert_string_equal(enc, want);
		well_formed(enc, len);
		gmime_decodes_to(enc, len, (const char *)p, n);
		size_t dl;
		char *dec = da_qp_decode_dup(enc, len, &dl);
		assert_int_equal(dl, n);
		assert_memory_equal(dec, p, n);
		free(dec);
		free(want);
		free(enc);
	}
	free(p);
}

/* Text as 8-bit mail carries it: lines of UTF-8, ASCII between, whitespace at line ends. */
static void encoder_text_lines(void **state)
{
	(void)state;
	static const char *const lines[] = {
	    "你好，鲍勃！这是季度报告的中文摘要，请在周五之前审阅并回复意见。",
	    "Квартальный\xc2\xa0отчёт\xc2\xa0готов, просим ответить до пятницы.",
	    "Grüße = Grüsse, 100 % sicher.",
	    "trailing space ",
	    "trailing tab\t",
	    "=",
	    "",
	    "a bare\rCR and a bare\nLF",
	};
	for (size_t pad = 0; pad < 80; pad++) {
		buf in = {0};
		for (size_t i = 0; i < sizeof lines / sizeof *lines; i++) {
			/* ASCII in front moves every escape across column 75 in turn. */
			for (size_t k = 0; k < pad; k++)
				puts_(&in, "a");
			for (int rep = 0; rep < 1 + (int)(pad % 4) * 8; rep++)
				puts_(&in, lines[i]);
			puts_(&in, "\r\n");
		}
		/* And once without the final line end. */
		for (int end = 0; end < 2; end++) {
			size_t n = in.n - (end ? 2 : 0), len;
			char *enc = encode_checked(in.p, n, &len);
			well_formed(enc, len);
			gmime_decodes_to(enc, len, in.p, n);
			size_t dl;
			char *dec = da_qp_decode_dup(enc, len, &dl);
			assert_int_equal(dl, n);
			assert_memory_equal(dec, in.p, n);
			free(dec);
			free(enc);
		}
		free(in.p);
	}
}

/* A short buffer gets a prefix and the full length, as snprintf does; no more. */
static void encoder_short_buffer(void **state)
{
	(void)state;
	const char in[] = "\xe4\xbd\xa0\xe5\xa5\xbd, Bob\r\n";
	const char *want = "=E4=BD=A0=E5=A5=BD, Bob\r\n";
	size_t full = da_qp_encode(in, sizeof in - 1, NULL, 0);
	assert_int_equal(full, strlen(want));
	for (size_t cap = 0; cap <= full; cap++) {
		unsigned char out[64];
		memset(out, CANARY, sizeof out);
		assert_int_equal(da_qp_encode(in, sizeof in - 1, (char *)out, cap), full);
		if (cap)
			assert_memory_equal(out, want, cap);
		for (size_t i = cap; i < sizeof out; i++)
			assert_int_equal(out[i], CANARY);
	}
	/* A length no buffer could hold is refused before anything is read. */
	assert_int_equal(da_qp_encode(in, SIZE_MAX / 4 + 1, NULL, 0), SIZE_MAX);
	size_t dl = 1;
	char *d = da_qp_encode_dup(in, 0, &dl);
	assert_non_null(d);
	assert_int_equal(dl, 0);
	free(d);
}

/* ---- whole messages ----------------------------------------------------------- */

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

static dkimarc_ctx *ctx_with(dkimarc_keysrc *src)
{
	dkimarc_ctx *ctx;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_time(ctx, 1717200000), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_diagnose(ctx, 16u << 20), DKIMARC_OK);
	return ctx;
}

/* The undo of the one finding of kind k; fails when there is none or several. */
static int finding_undo(const dkimarc_sig *s, dkimarc_finding k)
{
	int undo = -2;
	size_t n = 0;
	for (size_t i = 0; i < dkimarc_sig_finding_count(s); i++) {
		if (dkimarc_sig_finding_kind(s, i) == k) {
			undo = dkimarc_sig_finding_undo(s, i);
			n++;
		}
	}
	assert_int_equal(n, 1);
	return undo;
}

/* Verifies m in one piece and in chunks; the two reports agree; returns the first. */
static dkimarc_report *verify_both_ways(const dkimarc_ctx *ctx, const char *m, size_t n)
{
	dkimarc_report *r1, *r2;
	dkimarc_verifier *v;
	char *j1, *j2;
	assert_int_equal(dkimarc_verify(ctx, m, n, &r1), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	for (size_t i = 0; i < n; i += 997)
		assert_int_equal(dkimarc_verifier_write(v, m + i, n - i < 997 ? n - i : 997),
		                 DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_finish(v, &r2), DKIMARC_OK);
	dkimarc_verifier_free(v);
	assert_int_equal(dkimarc_report_json(r1, "m", &j1), DKIMARC_OK);
	assert_int_equal(dkimarc_report_json(r2, "m", &j2), DKIMARC_OK);
	assert_string_equal(j1, j2);
	dkimarc_free(j1);
	dkimarc_free(j2);
	dkimarc_report_free(r2);
	return r1;
}

/* The body-* vectors (signed by make_cases.py, encoded by Python's quopri). */
static void adversarial_bodies(void **state)
{
	(void)state;
	static const struct {
		const char *name;
		dkimarc_finding step;
	} cases[] = {
	    {"body-8bit-zh-footer", DKIMARC_FINDING_FOOTER_APPENDED},
	    {"body-8bit-ru-footer", DKIMARC_FINDING_FOOTER_APPENDED},
	    {"body-qp-footer", DKIMARC_FINDING_FOOTER_APPENDED},
	    {"body-8bit-all-high-bytes", DKIMARC_FINDING_BODY_REENCODED},
	};
	for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
		char path[512];
		dkimarc_keysrc *src;
		size_t n;
		assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
		snprintf(path, sizeof path, ADV "%s/dns.txt", cases[i].name);
		assert_int_equal(dkimarc_keysrc_archive_load_vector(src, path), DKIMARC_OK);
		dkimarc_ctx *ctx = ctx_with(src);
		snprintf(path, sizeof path, ADV "%s/message.eml", cases[i].name);
		char *m = slurp(path, &n);
		dkimarc_report *r = verify_both_ways(ctx, m, n);
		const dkimarc_sig *s = dkimarc_report_sig(r, 0);
		assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
		assert_int_equal(dkimarc_sig_result(s), DKIMARC_RES_FAIL);
		assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_BODY_HASH_MISMATCH);
		assert_int_equal(finding_undo(s, DKIMARC_FINDING_BODY_CHANGED), -1);
		assert_int_equal(finding_undo(s, cases[i].step), 1);
		dkimarc_report_free(r);
		dkimarc_ctx_free(ctx);
		free(m);
	}
}

/* An Ed25519 key from a fixed seed ("dkimarc test_diagnose key seed 1") and its archive. */
static dkimarc_privkey *test_key(dkimarc_keysrc **src)
{
	static const char seed[] = "ZGtpbWFyYyB0ZXN0X2RpYWdub3NlIGtleSBzZWVkIDE=";
	dkimarc_privkey *k;
	char *rec, line[256];
	assert_int_equal(dkimarc_privkey_load_mem(&k, "seed", seed, sizeof seed - 1), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_record(k, &rec), DKIMARC_OK);
	snprintf(line, sizeof line, "diag._domainkey.example.com\tTXT\t%s\n", rec);
	dkimarc_free(rec);
	assert_int_equal(dkimarc_keysrc_archive_new(src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load_vector_mem(*src, "keys", line, strlen(line)),
	                 DKIMARC_OK);
	return k;
}

/* header (CTE cte) + body, signed over From, To, Subject and Date, then body replaced by sent. */
static char *signed_message(const dkimarc_signer *sg, const char *cte, const char *body, size_t bn,
                            const char *sent_cte, const char *sent, size_t sn, size_t *len)
{
	buf m = {0}, out = {0};
	char *field;
	static const char head[] = "From: Alice <alice@example.com>\r\n"
	                           "To: Bob <bob@example.net>\r\n"
	                           "Subject: issue 14\r\n"
	                           "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	                           "MIME-Version: 1.0\r\n"
	                           "Content-Type: text/plain; charset=utf-8\r\n"
	                           "Content-Transfer-Encoding: ";
	puts_(&m, head);
	puts_(&m, cte);
	puts_(&m, "\r\n\r\n");
	put(&m, body, bn);
	assert_int_equal(dkimarc_sign(sg, m.p, m.n, &field), DKIMARC_OK);
	puts_(&out, field);
	puts_(&out, head);
	puts_(&out, sent_cte);
	puts_(&out, "\r\n\r\n");
	put(&out, sent, sn);
	dkimarc_free(field);
	free(m.p);
	*len = out.n;
	return out.p;
}

/*
 * Signed 8-bit bodies of every line length around the encoder's breaks, all
 * bytes high: a footer appended, then the body delivered decoded from the
 * quoted-printable it was signed in. The diagnosis must find each.
 */
static void signed_high_bodies(void **state)
{
	(void)state;
	static const char footer[] = "_______________________________________________\r\n"
	                             "team mailing list -- team@lists.example.org\r\n";
	dkimarc_keysrc *src;
	dkimarc_signer *sg;
	dkimarc_privkey *k = test_key(&src);
	dkimarc_ctx *ctx = ctx_with(src);
	assert_int_equal(dkimarc_signer_new(&sg, k, "example.com", "diag"), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_timestamp(sg, 1700000000), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_set_headers(sg, "from:to:subject:date", 1), DKIMARC_OK);
	unsigned char line[998];
	for (size_t i = 0; i < sizeof line; i++)
		line[i] = (unsigned char)(0x80 + (i * 7) % 128);
	static const size_t widths[] = {1,  2,  24, 25,  26,  49,  50,  51,  75,
	                                76, 77, 99, 100, 101, 333, 500, 997, 998};
	for (size_t w = 0; w < sizeof widths / sizeof *widths; w++) {
		buf body = {0}, enc = {0};
		for (int l = 0; l < 6; l++) {
			put(&body, line, widths[w]);
			puts_(&body, "\r\n");
			char *e = all_escaped(line, widths[w]);
			puts_(&enc, e);
			puts_(&enc, "\r\n");
			free(e);
		}
		size_t n;
		dkimarc_report *r;
		const dkimarc_sig *s;

		/* 8bit, footer appended. */
		buf sent = {0};
		put(&sent, body.p, body.n);
		puts_(&sent, footer);
		char *m = signed_message(sg, "8bit", body.p, body.n, "8bit", sent.p, sent.n, &n);
		r = verify_both_ways(ctx, m, n);
		s = dkimarc_report_sig(r, 0);
		assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
		assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_BODY_HASH_MISMATCH);
		assert_int_equal(finding_undo(s, DKIMARC_FINDING_FOOTER_APPENDED), 1);
		dkimarc_report_free(r);
		free(m);
		free(sent.p);

		/* Signed quoted-printable, delivered decoded: encoded again, it verifies. */
		m = signed_message(sg, "quoted-printable", enc.p, enc.n, "8bit", body.p, body.n,
		                   &n);
		r = verify_both_ways(ctx, m, n);
		s = dkimarc_report_sig(r, 0);
		assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_ALTERED);
		assert_int_equal(dkimarc_sig_reason(s), DKIMARC_REASON_BODY_HASH_MISMATCH);
		assert_int_equal(finding_undo(s, DKIMARC_FINDING_BODY_REENCODED), 1);
		dkimarc_report_free(r);
		free(m);

		/* And the other way: signed 8bit, delivered quoted-printable. */
		m = signed_message(sg, "8bit", body.p, body.n, "quoted-printable", enc.p, enc.n,
		                   &n);
		r = verify_both_ways(ctx, m, n);
		s = dkimarc_report_sig(r, 0);
		assert_int_equal(finding_undo(s, DKIMARC_FINDING_BODY_REENCODED), 1);
		dkimarc_report_free(r);
		free(m);
		free(body.p);
		free(enc.p);
	}
	dkimarc_signer_free(sg);
	dkimarc_privkey_free(k);
	dkimarc_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(encoder_worst_case),   cmocka_unit_test(encoder_text_lines),
	    cmocka_unit_test(encoder_short_buffer), cmocka_unit_test(adversarial_bodies),
	    cmocka_unit_test(signed_high_bodies),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
