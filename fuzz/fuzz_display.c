/*
 * The display check of issue 14: a confirmed verdict implies that a reader
 * (GMime, as a GMime-based client parses mail: tests/reader/gmime_view.h)
 * shows what was signed.
 *
 * Three fixed messages (plain 7bit, multipart/alternative with QP, base64
 * UTF-8), each with unsigned Received/X-Mailer fields, are signed once with
 * example.com's Ed25519 test key (tests/reader/keys/). Input:
 *   byte 0   bits 0-1: which message; bit 7: "signed hostile" mode
 *   then     mutation operations of 4 bytes: op, position (2 bytes, big
 *            endian), argument (see mutate()); at most 16
 * Default mode: the operations change the signed message (an attack after
 * signing). If dkimarc calls the mutant confirmed or confirmed-third-party,
 * GMime's view of it must equal its view of the signed message: From
 * (addr-specs and names), To, Cc, Subject, Date, top-level type and the
 * decoded text shown, normalised only as relaxed canonicalization allows
 * (tests/reader/README.md). Hostile mode: the message, with From set to
 * x@evil.test, is changed and then signed by evil.test (the attacker's own
 * domain); if dkimarc calls it confirmed, every From mailbox GMime shows must
 * have dkimarc's aligned From domain. In both modes a confirmed verdict needs
 * every From domain GMime shows to be dkimarc's from_domain.
 */
#include "../tests/reader/gmime_view.h"
#include "fuzz.h"

#include <dkimarc.h>
#include <string.h>

#define T0 1700000000

/* Test keys published in tests/reader/keys/ (Ed25519 seeds and their records). */
static const char ex_seed[] = "biLgEzxV+cmpQW1C1TLMXJ5lCn2ZA+4uQDYMSb0JT+Q=";
static const char evil_seed[] = "g8c6jfjY3MMjHD9A9SJZcwcD1DINnnMSLJDaip36AlY=";
static const char keys[] = "ed._domainkey.example.com\tTXT\tv=DKIM1; k=ed25519; "
                           "p=VM+yHu5FJ/yjxiBdVqyI/yGUWA5ZUvHbG8BVj2RRr40=\n"
                           "eved._domainkey.evil.test\tTXT\tv=DKIM1; k=ed25519; "
                           "p=HzNHVCtniBT1aYMR/v/s7DaDZLj5ZcpnjsAhhCEICNo=\n";
static const char signed_names[] = "from:to:cc:subject:date:message-id:mime-version:content-type:"
                                   "content-transfer-encoding:reply-to";

#define TRACE                                                                                      \
	"Received: from mx1.example.net (mx1.example.net [192.0.2.1])\r\n"                         \
	"\tby mail.example.org with ESMTPS id A1B; Tue, 14 Nov 2023 22:13:20 +0000\r\n"            \
	"X-Mailer: Exemplar Mail 4.1\r\n"
#define HEAD                                                                                       \
	"From: Alice Example <alice@example.com>\r\n"                                              \
	"To: Bob Example <bob@example.net>, carl@example.net\r\n"                                  \
	"Cc: Carol <carol@example.org>\r\n"                                                        \
	"Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"                                                \
	"Message-ID: <fuzz-display@example.com>\r\n"                                               \
	"MIME-Version: 1.0\r\n"

static const char *const originals[3] = {
    TRACE HEAD "Subject: Board meeting\r\n"
               "Content-Type: text/plain; charset=us-ascii\r\n"
               "Content-Transfer-Encoding: 7bit\r\n"
               "\r\n"
               "The board meets on Thursday at ten.\r\n"
               "Numbers:  revenue 4.1M,  costs 3.7M.\r\n",
    TRACE HEAD "Subject: =?utf-8?q?Caf=C3=A9_at_ten?=\r\n"
               "Content-Type: multipart/alternative; boundary=\"b1\"\r\n"
               "\r\n"
               "--b1\r\n"
               "Content-Type: text/plain; charset=utf-8\r\n"
               "Content-Transfer-Encoding: quoted-printable\r\n"
               "\r\n"
               "Caf=C3=A9 at ten, the board meets.\r\n"
               "--b1\r\n"
               "Content-Type: text/html; charset=utf-8\r\n"
               "\r\n"
               "<p>Caf&eacute; at ten</p>\r\n"
               "--b1--\r\n",
    TRACE HEAD "Subject: =?utf-8?b?0J/RgNC40LLQtdGC?=\r\n"
               "Content-Type: text/plain; charset=\"utf-8\"\r\n"
               "Content-Transfer-Encoding: base64\r\n"
               "\r\n"
               "0J/RgNC40LLQtdGCLCBCb2IuIFRoZSBib2FyZCBtZWV0cyBvbiBUaHVyc2RheS4K\r\n",
};
static const char *const canons[3] = {"relaxed/relaxed", "simple/simple", "relaxed/simple"};

static const char *const tokens[] = {"\r", "\n", "\r\n", ":",  " ",  "\t", "\0",    "<",
                                     ">",  "(",  ")",    "\\", "\"", ",",  "\r\r\n"};
static const char *const forged[] = {
    "From: CEO <ceo@example.com>",
    "Subject: URGENT: wire transfer",
    "To: Victim <victim@example.org>",
    "Date: Mon, 01 Jan 2024 09:00:00 +0000",
    "Cc: Leak <leak@evil.test>",
    "Content-Type: text/html; charset=utf-8",
    "Content-Transfer-Encoding: base64",
    "This line has no colon",
    " From: CEO <ceo@example.com>",
    "From : CEO <ceo@example.com>",
    "X-Note: a\rFrom: CEO <ceo@example.com>",
    "From: x@evil.test (\\) <ceo@example.com>)",
};
static const char *const eols[] = {"\r\n", "\n", "\r", "\r\r\n"};

#define NTOK    (sizeof tokens / sizeof *tokens)
#define NFORGED (sizeof forged / sizeof *forged)

static dkimarc_ctx *ctx;
static dkimarc_signer *evil_signer;
static fuzz_buf signed_msg[3]; /* signature + original */
static fuzz_buf hostile[3];    /* originals with From: Mallory <x@evil.test> */
static gv_view orig_view[3];

static void put(fuzz_buf *b, const char *s, size_t n)
{
	fuzz_buf_put(b, s, n);
}

static dkimarc_signer *signer(const char *seed, const char *domain, const char *sel)
{
	dkimarc_privkey *k = NULL;
	dkimarc_signer *s = NULL;

	FUZZ_CHECK(dkimarc_privkey_load_mem(&k, "seed", seed, strlen(seed)) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_signer_new(&s, k, domain, sel) == DKIMARC_OK);
	dkimarc_privkey_free(k);
	FUZZ_CHECK(dkimarc_signer_set_headers(s, signed_names, 0) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_signer_set_timestamp(s, T0) == DKIMARC_OK);
	return s;
}

static dkimarc_verdict verdict_of(const char *m, size_t n, char **from_domain)
{
	dkimarc_report *r = NULL;

	FUZZ_CHECK(dkimarc_verify(ctx, n ? m : NULL, n, &r) == DKIMARC_OK);
	dkimarc_verdict v = dkimarc_report_verdict(r);
	const char *fd = dkimarc_report_from_domain(r);
	*from_domain = fd ? strdup(fd) : NULL;
	dkimarc_report_free(r);
	return v;
}

static void init(void)
{
	dkimarc_keysrc *src = NULL;

	g_mime_init();
	FUZZ_CHECK(dkimarc_ctx_new(&ctx) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_ctx_set_time(ctx, T0 + 3600) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_keysrc_archive_new(&src) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_keysrc_archive_load_vector_mem(src, "keys", keys, sizeof keys - 1) ==
	           DKIMARC_OK);
	FUZZ_CHECK(dkimarc_ctx_set_keysrc(ctx, src) == DKIMARC_OK);
	dkimarc_signer *ex = signer(ex_seed, "example.com", "ed");
	evil_signer = signer(evil_seed, "evil.test", "eved");
	for (int i = 0; i < 3; i++) {
		char *sig = NULL, *fd = NULL;
		const char *o = originals[i];

		FUZZ_CHECK(dkimarc_signer_set_canonicalization(ex, canons[i]) == DKIMARC_OK);
		FUZZ_CHECK(dkimarc_sign(ex, o, strlen(o), &sig) == DKIMARC_OK);
		put(&signed_msg[i], sig, strlen(sig));
		put(&signed_msg[i], o, strlen(o));
		dkimarc_free(sig);
		FUZZ_CHECK(verdict_of(signed_msg[i].p, signed_msg[i].n, &fd) ==
		           DKIMARC_VERDICT_CONFIRMED);
		free(fd);
		gv_parse(signed_msg[i].p, signed_msg[i].n, &orig_view[i]);
		FUZZ_CHECK(orig_view[i].ok && orig_view[i].from->len == 1);
		const char *f = strstr(o, "From: Alice Example <alice@example.com>\r\n");
		const char *rest = f + strlen("From: Alice Example <alice@example.com>\r\n");
		put(&hostile[i], o, (size_t)(f - o));
		put(&hostile[i], "From: Mallory <x@evil.test>\r\n", 29);
		put(&hostile[i], rest, strlen(rest));
	}
	dkimarc_signer_free(ex);
}

/* ---- mutations ----------------------------------------------------------- */

static size_t header_len(const fuzz_buf *b)
{
	for (size_t i = 0; i + 3 < b->n; i++)
		if (memcmp(b->p + i, "\r\n\r\n", 4) == 0)
			return i + 2;
	return b->n;
}

static size_t line_start(const fuzz_buf *b, size_t pos)
{
	while (pos > 0 && b->p[pos - 1] != '\n')
		pos--;
	return pos;
}

static size_t line_end(const fuzz_buf *b, size_t pos)
{
	while (pos < b->n && b->p[pos] != '\n')
		pos++;
	return pos < b->n ? pos + 1 : pos;
}

static void splice(fuzz_buf *b, size_t at, size_t del, const char *ins, size_t n)
{
	fuzz_buf out = {0};

	put(&out, b->p, at);
	put(&out, ins, n);
	put(&out, b->p + at + del, b->n - at - del);
	fuzz_buf_free(b);
	*b = out;
}

/*
 * One operation (op, pos, arg): op & 0x80 confines pos to the header; op & 7:
 * 0 insert tokens[arg], 1 delete arg%4+1 bytes, 2 replace a byte with a
 * one-byte token, 3 insert forged[arg] and eols[arg>>4] at the start of a
 * line, 4 a copy of the line at pos with "Fake " after its colon, placed at
 * the top (arg odd) or right above it, 5 swap the line with the next one,
 * 6 insert arg%32 raw bytes taken from the input. Returns the input used.
 */
static size_t mutate(fuzz_buf *b, const uint8_t *in, size_t left)
{
	if (left < 4)
		return left;
	unsigned op = in[0], arg = in[3];
	size_t span = (op & 0x80) ? header_len(b) : b->n;
	size_t pos = ((size_t)in[1] << 8 | in[2]) % (span + 1), used = 4;

	switch (op & 7) {
	case 0: {
		const char *t = tokens[arg % NTOK];
		splice(b, pos, 0, t, t[0] ? strlen(t) : 1);
		break;
	}
	case 1: {
		size_t n = arg % 4 + 1;
		splice(b, pos, pos + n <= b->n ? n : b->n - pos, "", 0);
		break;
	}
	case 2:
		if (pos < b->n) {
			const char *t = tokens[arg % 14]; /* the one-byte ones */
			splice(b, pos, 1, t, 1);
		}
		break;
	case 3: {
		fuzz_buf l = {0};
		const char *f = forged[arg % NFORGED], *e = eols[(arg >> 4) % 4];
		put(&l, f, strlen(f));
		put(&l, e, strlen(e));
		splice(b, line_start(b, pos), 0, l.p, l.n);
		fuzz_buf_free(&l);
		break;
	}
	case 4: {
		size_t s = line_start(b, pos), e = line_end(b, pos);
		const char *colon = memchr(b->p + s, ':', e - s);
		if (colon == NULL)
			break;
		fuzz_buf l = {0};
		size_t c = (size_t)(colon - b->p) + 1;
		put(&l, b->p + s, c - s);
		put(&l, " Fake", 5);
		put(&l, b->p + c, e - c);
		splice(b, (arg & 1) ? 0 : s, 0, l.p, l.n);
		fuzz_buf_free(&l);
		break;
	}
	case 5: {
		size_t s = line_start(b, pos), e = line_end(b, pos), e2 = line_end(b, e);
		if (e2 > e) {
			fuzz_buf l = {0};
			put(&l, b->p + e, e2 - e);
			put(&l, b->p + s, e - s);
			splice(b, s, e2 - s, l.p, l.n);
			fuzz_buf_free(&l);
		}
		break;
	}
	default: {
		size_t n = arg % 32;
		if (n > left - 4)
			n = left - 4;
		splice(b, pos, 0, (const char *)in + 4, n);
		used += n;
		break;
	}
	}
	return used;
}

/* ---- views ---------------------------------------------------------------- */

/* Header text as relaxed canonicalization leaves it: unfolded, WSP runs one space, trimmed. */
static char *hnorm(const char *s)
{
	GString *o = g_string_new(NULL);
	int sp = 0;

	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '\r' && p[1] == '\n' && (p[2] == ' ' || p[2] == '\t')) {
			p++;
			continue;
		}
		if (*p == '\n' && (p[1] == ' ' || p[1] == '\t'))
			continue;
		if (*p == ' ' || *p == '\t') {
			sp = 1;
			continue;
		}
		if (sp && o->len)
			g_string_append_c(o, ' ');
		sp = 0;
		g_string_append_c(o, *p);
	}
	return g_string_free(o, FALSE);
}

/* Body text as relaxed body canonicalization leaves it (CRLF read as LF). */
static char *bnorm(const char *s)
{
	GString *o = g_string_new(NULL);
	size_t keep = 0;
	int sp = 0;

	for (const char *p = s ? s : ""; *p; p++) {
		if (*p == '\r' && p[1] == '\n')
			continue;
		if (*p == ' ' || *p == '\t') {
			sp = 1;
			continue;
		}
		if (*p == '\n') {
			sp = 0;
			g_string_append_c(o, '\n');
			continue;
		}
		if (sp)
			g_string_append_c(o, ' ');
		sp = 0;
		g_string_append_c(o, *p);
		keep = o->len;
	}
	g_string_truncate(o, keep); /* trailing empty lines and spaces */
	return g_string_free(o, FALSE);
}

static void differ(const char *what, const char *a, const char *b, const fuzz_buf *m)
{
	fprintf(stderr,
	        "confirmed, but GMime shows another %s:\n  mutant: %s\n  signed: %s\n"
	        "  message (%zu bytes):\n%.*s\n",
	        what, a ? a : "(none)", b ? b : "(none)", m->n, (int)m->n, m->p);
	FUZZ_CHECK(!"a reader shows what was not signed");
}

static void same_str(const char *what, const char *a, const char *b, int body, const fuzz_buf *m)
{
	if ((a == NULL) != (b == NULL))
		differ(what, a, b, m);
	if (a == NULL)
		return;
	char *x = body ? bnorm(a) : hnorm(a), *y = body ? bnorm(b) : hnorm(b);
	if (strcmp(x, y) != 0)
		differ(what, x, y, m);
	g_free(x);
	g_free(y);
}

static char *joined(GPtrArray *a)
{
	g_ptr_array_add(a, NULL);
	char *s = g_strjoinv(" | ", (char **)a->pdata);
	g_ptr_array_set_size(a, a->len - 1);
	return s;
}

static void same_list(const char *what, GPtrArray *a, GPtrArray *b, const fuzz_buf *m)
{
	if (a->len != b->len) {
		char *x = joined(a), *y = joined(b);
		differ(what, x, y, m);
	}
	for (guint i = 0; i < a->len; i++)
		same_str(what, g_ptr_array_index(a, i), g_ptr_array_index(b, i), 0, m);
}

static void same_view(const gv_view *v, const gv_view *o, const fuzz_buf *m)
{
	if (!v->ok)
		differ("message (GMime constructs none)", NULL, "a message", m);
	same_list("From address", v->from, o->from, m);
	same_list("From name", v->from_names, o->from_names, m);
	same_list("To", v->to, o->to, m);
	same_list("Cc", v->cc, o->cc, m);
	same_str("Subject", v->subject, o->subject, 0, m);
	if (v->has_date != o->has_date || (v->has_date && v->date != o->date))
		differ("Date", v->has_date ? "a date" : NULL, "the signed date", m);
	same_str("content type", v->ctype, o->ctype, 0, m);
	same_str("body part type", v->body_type, o->body_type, 0, m);
	same_str("body", v->body, o->body, 1, m);
}

/* Every From mailbox GMime shows has the domain dkimarc aligned. */
static void from_aligned(const gv_view *v, const char *fd, const fuzz_buf *m)
{
	if (!v->ok || v->from->len == 0)
		differ("From (none)", NULL, fd, m);
	for (guint i = 0; i < v->from->len; i++) {
		const char *a = g_ptr_array_index(v->from, i), *at = strrchr(a, '@');
		char *d = g_ascii_strdown(at ? at + 1 : "", -1);
		size_t n = strlen(d);

		while (n && d[n - 1] == '.')
			d[--n] = '\0';
		if (fd == NULL || g_ascii_strcasecmp(d, fd) != 0)
			differ("From domain than the aligned one", a, fd, m);
		g_free(d);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (ctx == NULL)
		init();
	if (size == 0)
		return 0;
	unsigned which = data[0] % 3;
	int hostile_mode = data[0] & 0x80;
	fuzz_buf m = {0};
	const fuzz_buf *base = hostile_mode ? &hostile[which] : &signed_msg[which];

	put(&m, base->p, base->n);
	size_t i = 1;
	for (int k = 0; k < 16 && i < size; k++)
		i += mutate(&m, data + i, size - i);
	if (hostile_mode) {
		char *sig = NULL;

		if (dkimarc_sign(evil_signer, m.n ? m.p : "", m.n, &sig) != DKIMARC_OK) {
			fuzz_buf_free(&m);
			return 0;
		}
		splice(&m, 0, 0, sig, strlen(sig));
		dkimarc_free(sig);
	}
	char *fd = NULL;
	dkimarc_verdict v = verdict_of(m.p, m.n, &fd);
	if (getenv("FUZZ_DISPLAY_DEBUG")) /* what an input became, to write seeds */
		fprintf(stderr, "verdict %s, from domain %s:\n%.*s\n", dkimarc_verdict_str(v),
		        fd ? fd : "(none)", (int)m.n, m.p);
	if (v == DKIMARC_VERDICT_CONFIRMED || v == DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY) {
		gv_view mv;

		gv_parse(m.p, m.n, &mv);
		if (!hostile_mode)
			same_view(&mv, &orig_view[which], &m);
		if (v == DKIMARC_VERDICT_CONFIRMED)
			from_aligned(&mv, fd, &m);
		gv_free(&mv);
	}
	free(fd);
	fuzz_buf_free(&m);
	return 0;
}
