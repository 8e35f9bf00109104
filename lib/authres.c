/*
 * Authentication-Results (RFC 8601) from a report: dkim= per signature with
 * header.d/i/s/a/b (RFC 6008 for header.b), arc= with header.oldest-pass
 * (RFC 8617 §10.1). Values from the message are written as tokens when they
 * are tokens, quoted otherwise, so that no signature can inject text.
 */
#include "forensic.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *p;
	size_t n, cap;
	bool failed;
} obuf;

static void put(obuf *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 512;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->failed = true;
			return;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
}

static void puts_(obuf *b, const char *s)
{
	put(b, s, strlen(s));
}

/* RFC 2045 token characters: visible ASCII but tspecials. */
static bool token_char(unsigned char c)
{
	return c > 0x20 && c < 0x7f && !strchr("()<>@,;:\\\"/[]?=", c);
}

/* A token, or local-part@domain of tokens (RFC 8601 pvalue): written bare. */
static bool bare_ok(const char *v, size_t n)
{
	size_t at = 0;
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		if (v[i] == '@' && ++at == 1 && i + 1 < n)
			continue;
		if (!token_char((unsigned char)v[i]))
			return false;
	}
	return true;
}

/* A quoted-string of printable ASCII; other bytes become '?'. At most max bytes of v. */
static void put_quoted(obuf *b, const char *v, size_t n, size_t max)
{
	puts_(b, "\"");
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\')
			put(b, "\\", 1);
		put(b, c >= 0x20 && c < 0x7f ? (const char *)&v[i] : "?", 1);
	}
	if (n > max)
		puts_(b, "...");
	puts_(b, "\"");
}

static void put_value(obuf *b, const char *v, size_t n)
{
	if (bare_ok(v, n))
		put(b, v, n);
	else
		put_quoted(b, v, n, 255);
}

static void prop(obuf *b, const char *name, const char *v, size_t n)
{
	if (!v)
		return;
	puts_(b, " ");
	puts_(b, name);
	puts_(b, "=");
	put_value(b, v, n);
}

static void dkim_result(obuf *b, const dkimarc_sig *s, const char *eol)
{
	const char *bv = dkimarc_sig_b(s);

	puts_(b, "dkim=");
	puts_(b, dkimarc_result_str(s->result));
	if (s->result == DKIMARC_RES_PASS && (s->flags & DKIMARC_FLAG_BODY_BEYOND_LENGTH))
		puts_(b, " (body_beyond_length: only the first l= bytes of the body are signed)");
	if (s->result != DKIMARC_RES_PASS) {
		puts_(b, " (");
		puts_(b, dkimarc_reason_str(s->reason));
		puts_(b, ")");
		if (s->reason_text) {
			puts_(b, " reason=");
			put_quoted(b, s->reason_text, strlen(s->reason_text), 160);
		}
	}
	obuf p = {0};
	if (s->domain)
		prop(&p, "header.d", s->domain, strlen(s->domain));
	if (s->auid)
		prop(&p, "header.i", s->auid, strlen(s->auid));
	if (s->selector)
		prop(&p, "header.s", s->selector, strlen(s->selector));
	if (s->algorithm)
		prop(&p, "header.a", s->algorithm, strlen(s->algorithm));
	/* RFC 6008: enough of b= to tell signatures apart; last, as some parsers prefer. */
	if (bv)
		prop(&p, "header.b", bv, strlen(bv) < 8 ? strlen(bv) : 8);
	if (p.failed)
		b->failed = true;
	if (p.n) {
		/* The properties on a line of their own (RFC 5322 folding). */
		puts_(b, eol);
		puts_(b, "\t");
		put(b, p.p, p.n);
	}
	free(p.p);
}

static void arc_result(obuf *b, const dkimarc_report *r)
{
	char num[16];

	puts_(b, "arc=");
	puts_(b, dkimarc_arc_result_str(r->arc.result));
	if (r->arc.result == DKIMARC_ARC_FAIL) {
		puts_(b, " (");
		puts_(b, dkimarc_arc_reason_str(r->arc.reason));
		puts_(b, ")");
		if (r->arc.reason_text) {
			puts_(b, " reason=");
			put_quoted(b, r->arc.reason_text, strlen(r->arc.reason_text), 160);
		}
	}
	if (r->arc.result == DKIMARC_ARC_PASS && r->arc.oldest_pass) {
		snprintf(num, sizeof num, "%u", r->arc.oldest_pass);
		prop(b, "header.oldest-pass", num, strlen(num));
	}
}

/* The text is handed over by dkimarc_report_authres(), below. */
static int report_authres_impl(const dkimarc_report *r, const char *authserv_id, char **out)
{
	obuf b = {0};
	const char *eol;

	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_authres: out is NULL");
	*out = NULL;
	if (!r || !authserv_id)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_authres: NULL argument");
	size_t idn = strlen(authserv_id);
	for (size_t i = 0; i < idn; i++)
		if (!token_char((unsigned char)authserv_id[i]))
			return da_fail(DKIMARC_EINVAL, "authserv-id '%s' is not a token",
			               authserv_id);
	if (idn == 0 || idn > 255)
		return da_fail(DKIMARC_EINVAL, "authserv-id must be 1 to 255 characters");
	/* As dkimarc_sign: the line ends the message uses. */
	eol = r->flags & DKIMARC_FLAG_LF_LINE_ENDINGS ? "\n" : "\r\n";

	puts_(&b, "Authentication-Results: ");
	puts_(&b, authserv_id);
	puts_(&b, ";");
	for (size_t i = 0; i < r->nsigs; i++) {
		puts_(&b, eol);
		puts_(&b, "\t");
		dkim_result(&b, &r->sigs[i], eol);
		puts_(&b, ";");
	}
	if (r->nsigs == 0) {
		puts_(&b, eol);
		puts_(&b, "\tdkim=none;");
	}
	puts_(&b, eol);
	puts_(&b, "\t");
	arc_result(&b, r);
	puts_(&b, eol);
	if (b.failed) {
		free(b.p);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	*out = b.p;
	return DKIMARC_OK;
}

int dkimarc_report_authres(const dkimarc_report *r, const char *authserv_id, char **out)
{
	return da_give(report_authres_impl(r, authserv_id, out), out);
}
