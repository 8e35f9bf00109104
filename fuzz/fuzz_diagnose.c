/*
 * The diagnosis of failing DKIM signatures (lib/diagnose.c) on bodies the
 * fuzzer writes: the target signs a message itself (Ed25519, a fixed seed),
 * changes its body as transit does, and verifies it with diagnosis on.
 *
 * Input: two option bytes, the signed body A, and optionally a line "====="
 * followed by the delivered body B.
 *   byte 0 bits 0-1  Content-Transfer-Encoding: 8bit, quoted-printable, base64, none
 *          bit  2    body canonicalization simple (else relaxed)
 *          bit  3    header canonicalization simple (else relaxed)
 *          bits 4-6  transit: 0 B delivered (A when there is no B); 1 a list footer
 *                    appended (after a line end, added when A has none); 2 A signed
 *                    quoted-printable, delivered decoded (8bit); 3 A signed 8bit,
 *                    delivered quoted-printable; 4 line ends doubled (CR CR LF);
 *                    5 dot-stuffing left in; 6, 7 as 0
 *          bit  7    the delivered message stored with LF line ends
 *   byte 1 bit  0    multipart/mixed (else text/plain)
 *          bit  1    l= (the signed body's canonical length)
 *          bit  2    a diagnosis limit below the delivered body's size
 *          bit  3    strict profile
 * Line ends in A and B are made CRLF first (a lone CR or LF becomes CRLF).
 * Modes 1-5 are made here; quoted-printable by this file's own encoder,
 * written from RFC 2045 §6.7 (76 columns, soft breaks between escapes).
 *
 * Properties: verification never fails; one-shot and streamed reports agree,
 * findings included; the header is never judged changed (only the body
 * changes): the signature passes or fails on its body hash, and a failure
 * diagnosed has body_changed and headers_intact; the body delivered as
 * signed passes; each transit step made here is named, and undoing it
 * verifies (a footer, re-encoding either way, doubled line ends,
 * dot-stuffing); with l= a footer leaves a pass and an altered verdict.
 * FUZZ_DIAG_DEBUG=1 prints each message made and its report.
 */
#include "fuzz.h"
#include "internal.h"

#include <string.h>

static const char sep[] = "\n=====\n";
static const char footer[] = "_______________________________________________\r\n"
                             "team mailing list -- team@lists.example.org\r\n";

static dkimarc_ctx *ctx;
static dkimarc_privkey *key;

/* ---- bodies ----------------------------------------------------------------- */

/* Every lone CR or LF becomes CRLF. */
static void crlf(fuzz_buf *o, const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			fuzz_buf_put(o, "\r\n", 2);
			i++;
		} else if (p[i] == '\r' || p[i] == '\n') {
			fuzz_buf_put(o, "\r\n", 2);
		} else {
			fuzz_buf_put(o, p + i, 1);
		}
	}
}

/*
 * Quoted-printable of a CRLF body, one hard line at a time: each byte is a
 * token (itself, or "=XX" when it is not printable ASCII, is '=', or is
 * whitespace ending the line); tokens fill lines of at most 75 columns, and
 * a soft break "=" CRLF ends each full one.
 */
static void qp_ref(fuzz_buf *o, const char *p, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t start = 0;
	while (start <= n) {
		const char *nl = NULL;
		for (size_t i = start; i + 1 < n && !nl; i++)
			if (p[i] == '\r' && p[i + 1] == '\n')
				nl = p + i;
		size_t end = nl ? (size_t)(nl - p) : n, col = 0;
		for (size_t i = start; i < end; i++) {
			unsigned char c = (unsigned char)p[i];
			bool last = i + 1 == end;
			char tok[3] = {(char)c, 0, 0};
			size_t tl = 1;
			if (!((c > 32 && c < 127 && c != '=') ||
			      ((c == ' ' || c == '\t') && !last))) {
				tok[0] = '=';
				tok[1] = hex[c >> 4];
				tok[2] = hex[c & 15];
				tl = 3;
			}
			if (col + tl > 75) {
				fuzz_buf_put(o, "=\r\n", 3);
				col = 0;
			}
			fuzz_buf_put(o, tok, tl);
			col += tl;
		}
		if (!nl)
			break;
		fuzz_buf_put(o, "\r\n", 2);
		start = end + 2;
	}
}

/* pat (plen bytes) replaced by rep at every line start (line_start) or everywhere. */
static void replace(fuzz_buf *o, const char *p, size_t n, const char *pat, size_t plen,
                    const char *rep, size_t rlen, bool line_start)
{
	for (size_t i = 0; i < n;) {
		bool at = !line_start || i == 0 || p[i - 1] == '\n';
		if (at && n - i >= plen && memcmp(p + i, pat, plen) == 0) {
			fuzz_buf_put(o, rep, rlen);
			i += plen;
		} else {
			fuzz_buf_put(o, p + i, 1);
			i++;
		}
	}
}

static bool has_high(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)p[i] >= 0x80)
			return true;
	return false;
}

/* A line of p begins with "..": undoing dot-stuffing would not give p back. */
static bool line_begins_dots(const char *p, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if ((i == 0 || p[i - 1] == '\n') && p[i] == '.' && p[i + 1] == '.')
			return true;
	return false;
}

/* ---- messages ------------------------------------------------------------- */

static void header(fuzz_buf *m, const char *cte, bool multipart)
{
	static const char h[] = "From: Alice <alice@example.com>\r\n"
	                        "To: Bob <bob@example.net>\r\n"
	                        "Subject: fuzz\r\n"
	                        "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	                        "MIME-Version: 1.0\r\n";
	fuzz_buf_put(m, h, sizeof h - 1);
	if (multipart) {
		static const char ct[] = "Content-Type: multipart/mixed; boundary=\"b\"\r\n";
		fuzz_buf_put(m, ct, sizeof ct - 1);
	} else {
		static const char ct[] = "Content-Type: text/plain; charset=utf-8\r\n";
		fuzz_buf_put(m, ct, sizeof ct - 1);
	}
	if (cte) {
		static const char name[] = "Content-Transfer-Encoding: ";
		fuzz_buf_put(m, name, sizeof name - 1);
		fuzz_buf_put(m, cte, strlen(cte));
		fuzz_buf_put(m, "\r\n", 2);
	}
	fuzz_buf_put(m, "\r\n", 2);
}

static char *render(const dkimarc_report *r)
{
	char *json = NULL, *text = NULL;
	FUZZ_CHECK(dkimarc_report_json(r, "message.eml", &json) == DKIMARC_OK && json != NULL);
	FUZZ_CHECK(dkimarc_report_text(r, NULL, &text) == DKIMARC_OK && text != NULL);
	dkimarc_free(text);
	return json;
}

/* The undo of a finding of kind k (the first that verifies, else the first), or -2. */
static int undo_of(const dkimarc_sig *s, dkimarc_finding k)
{
	int undo = -2;
	for (size_t i = 0; i < dkimarc_sig_finding_count(s); i++)
		if (dkimarc_sig_finding_kind(s, i) == k && undo != 1)
			undo = dkimarc_sig_finding_undo(s, i);
	return undo;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const ctes[] = {"8bit", "quoted-printable", "base64", NULL};

	if (ctx == NULL) {
		static const char seed[] = "ZGtpbWFyYyBmdXp6X2RpYWdub3NlIGtleSBzZWVkIDE=";
		char *rec = NULL;
		fuzz_buf keys = {0};
		dkimarc_keysrc *src = NULL;
		FUZZ_CHECK(dkimarc_privkey_load_mem(&key, "seed", seed, sizeof seed - 1) ==
		           DKIMARC_OK);
		FUZZ_CHECK(dkimarc_privkey_record(key, &rec) == DKIMARC_OK);
		static const char name[] = "fuzz._domainkey.example.com\tTXT\t";
		fuzz_buf_put(&keys, name, sizeof name - 1);
		fuzz_buf_put(&keys, rec, strlen(rec));
		fuzz_buf_put(&keys, "\n", 1);
		dkimarc_free(rec);
		FUZZ_CHECK(dkimarc_keysrc_archive_new(&src) == DKIMARC_OK);
		FUZZ_CHECK(dkimarc_keysrc_archive_load_vector_mem(src, "keys", keys.p, keys.n) ==
		           DKIMARC_OK);
		fuzz_buf_free(&keys);
		FUZZ_CHECK(dkimarc_ctx_new(&ctx) == DKIMARC_OK);
		FUZZ_CHECK(dkimarc_ctx_set_time(ctx, 1717200000) == DKIMARC_OK);
		FUZZ_CHECK(dkimarc_ctx_set_keysrc(ctx, src) == DKIMARC_OK);
	}
	if (size < 2)
		return 0;
	unsigned o0 = data[0], o1 = data[1];
	const char *cte = ctes[o0 & 3];
	bool bsimple = o0 & 4, hsimple = o0 & 8, lf = o0 & 128;
	unsigned mode = (o0 >> 4) & 7;
	bool multipart = o1 & 1, with_l = o1 & 2, small = o1 & 4, strict = o1 & 8;
	const char *in = (const char *)data + 2;
	size_t n = size - 2, an = n;
	const char *b = NULL;
	size_t bn = 0;
	for (size_t i = 0; i + sizeof sep - 1 <= n; i++) {
		if (memcmp(in + i, sep, sizeof sep - 1) == 0) {
			an = i;
			b = in + i + sizeof sep - 1;
			bn = n - an - (sizeof sep - 1);
			break;
		}
	}
	if (mode > 5)
		mode = 0;

	/* The bodies: signed (encoding scte) and delivered (encoding cte). */
	fuzz_buf a = {0}, sbody = {0}, dbody = {0};
	crlf(&a, in, an);
	const char *scte = cte;
	if (mode == 0) {
		fuzz_buf_put(&sbody, a.p, a.n);
		crlf(&dbody, b ? b : a.p, b ? bn : a.n);
	} else if (mode == 1) {
		fuzz_buf_put(&sbody, a.p, a.n);
		fuzz_buf_put(&dbody, a.p, a.n);
		if (a.n < 2 || memcmp(a.p + a.n - 2, "\r\n", 2) != 0)
			fuzz_buf_put(&dbody, "\r\n", 2);
		fuzz_buf_put(&dbody, footer, sizeof footer - 1);
	} else if (mode == 2) {
		qp_ref(&sbody, a.p, a.n);
		fuzz_buf_put(&dbody, a.p, a.n);
		scte = "quoted-printable";
		cte = "8bit";
	} else if (mode == 3) {
		fuzz_buf_put(&sbody, a.p, a.n);
		qp_ref(&dbody, a.p, a.n);
		scte = "8bit";
		cte = "quoted-printable";
	} else if (mode == 4) {
		fuzz_buf_put(&sbody, a.p, a.n);
		replace(&dbody, a.p, a.n, "\r\n", 2, "\r\r\n", 3, false);
	} else {
		fuzz_buf_put(&sbody, a.p, a.n);
		replace(&dbody, a.p, a.n, ".", 1, "..", 2, true);
	}

	/* Signed over From, To, Subject and Date: the transfer encoding may change. */
	fuzz_buf sm = {0}, dm = {0};
	dkimarc_signer *sg = NULL;
	char *field = NULL;
	header(&sm, scte, multipart);
	fuzz_buf_put(&sm, sbody.p, sbody.n);
	FUZZ_CHECK(dkimarc_signer_new(&sg, key, "example.com", "fuzz") == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_signer_set_headers(sg, "from:to:subject:date", 1) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_signer_set_timestamp(sg, 1700000000) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_signer_set_body_length(sg, with_l) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_signer_set_canonicalization(
	               sg, hsimple
	                       ? (bsimple ? "simple/simple" : "simple/relaxed")
	                       : (bsimple ? "relaxed/simple" : "relaxed/relaxed")) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_sign(sg, sm.p, sm.n, &field) == DKIMARC_OK);
	dkimarc_signer_free(sg);
	fuzz_buf_put(&dm, field, strlen(field));
	dkimarc_free(field);
	header(&dm, cte, multipart);
	fuzz_buf_put(&dm, dbody.p, dbody.n);
	if (lf) {
		fuzz_buf t = {0};
		replace(&t, dm.p, dm.n, "\r\n", 2, "\n", 1, false);
		fuzz_buf_free(&dm);
		dm = t;
	}

	/* Diagnosis on; the body kept unless the limit is set just below it. */
	bool kept = !(small && dbody.n > 1);
	FUZZ_CHECK(dkimarc_ctx_set_diagnose(ctx, kept ? 1u << 24 : dbody.n - 1) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_ctx_set_strict(ctx, strict) == DKIMARC_OK);

	dkimarc_report *r1 = NULL, *r2 = NULL;
	dkimarc_verifier *v = NULL;
	fuzz_rng rng;
	fuzz_rng_seed(&rng, data, size);
	FUZZ_CHECK(dkimarc_verify(ctx, dm.p, dm.n, &r1) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_verifier_new(ctx, &v) == DKIMARC_OK);
	for (size_t i = 0; i < dm.n;) {
		size_t k = fuzz_chunk(&rng, dm.n - i);
		FUZZ_CHECK(dkimarc_verifier_write(v, dm.p + i, k) == DKIMARC_OK);
		i += k;
	}
	FUZZ_CHECK(dkimarc_verifier_finish(v, &r2) == DKIMARC_OK);
	dkimarc_verifier_free(v);
	char *j1 = render(r1), *j2 = render(r2);
	if (strcmp(j1, j2) != 0) {
		fprintf(stderr, "one-shot: %s\nstreamed: %s\n", j1, j2);
		FUZZ_CHECK(!"streaming and one-shot reports differ");
	}
	if (getenv("FUZZ_DIAG_DEBUG"))
		fprintf(stderr, "%.*s\n---\n%s\n", (int)dm.n, dm.p, j1);
	dkimarc_free(j1);
	dkimarc_free(j2);

	FUZZ_CHECK(dkimarc_report_sig_count(r1) == 1);
	const dkimarc_sig *s = dkimarc_report_sig(r1, 0);
	dkimarc_result res = dkimarc_sig_result(s);
	bool fail = res == DKIMARC_RES_FAIL;
	/* l= longer than the delivered body is a permerror (docs/verdicts.md). */
	FUZZ_CHECK(res == DKIMARC_RES_PASS ||
	           (fail && dkimarc_sig_reason(s) == DKIMARC_REASON_BODY_HASH_MISMATCH) ||
	           (with_l && res == DKIMARC_RES_PERMERROR &&
	            dkimarc_sig_reason(s) == DKIMARC_REASON_SIG_BODY_LENGTH_EXCEEDS));
	if (fail && kept) {
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_BODY_CHANGED) == -1);
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_HEADERS_INTACT) == -1);
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_HEADERS_CHANGED) == -2);
	}
	if (fail && !kept)
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_NOT_TRIED) == -1);
	/* What was signed, delivered as signed, passes. */
	if (sbody.n == dbody.n && (!sbody.n || memcmp(sbody.p, dbody.p, sbody.n) == 0) &&
	    scte == cte)
		FUZZ_CHECK(res == DKIMARC_RES_PASS);
	/* Each step made here is found and undone, where the diagnosis can see it. */
	bool plain = !multipart && kept && !with_l && !(lf && mode == 4);
	if (mode == 1 && with_l && !strict) {
		FUZZ_CHECK(res == DKIMARC_RES_PASS);
		FUZZ_CHECK(dkimarc_report_verdict(r1) == DKIMARC_VERDICT_ALTERED);
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_FOOTER_BEYOND_LENGTH) == 1);
	}
	if (mode == 1 && kept && !with_l) {
		FUZZ_CHECK(fail);
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_FOOTER_APPENDED) == 1);
	}
	if (mode == 2 && plain && has_high(a.p, a.n)) {
		FUZZ_CHECK(fail);
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_BODY_REENCODED) == 1);
	}
	if (mode == 3 && plain && fail)
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_BODY_REENCODED) == 1);
	if (mode == 4 && kept && !with_l && !lf && fail)
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_LINE_ENDINGS) == 1);
	if (mode == 5 && kept && !with_l && fail && !line_begins_dots(a.p, a.n))
		FUZZ_CHECK(undo_of(s, DKIMARC_FINDING_DOT_STUFFING) == 1);

	dkimarc_report_free(r1);
	dkimarc_report_free(r2);
	fuzz_buf_free(&a);
	fuzz_buf_free(&sbody);
	fuzz_buf_free(&dbody);
	fuzz_buf_free(&sm);
	fuzz_buf_free(&dm);
	return 0;
}
