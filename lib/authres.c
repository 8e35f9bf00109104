/*
 * Authentication-Results (RFC 8601) from a report: dkim= per signature with
 * header.d/i/s/a/b (RFC 6008 for header.b), arc= with header.oldest-pass
 * (RFC 8617 §10.1). Values from the message are written as tokens when they
 * are tokens, quoted otherwise, so that no signature can inject text.
 */
#include "dynbuf.h"
#include "forensic.h"
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
static void put_quoted(da_dyn *b, const char *v, size_t n, size_t max)
{
	da_dyn_adds(b, "\"");
	for (size_t i = 0; i < n && i < max; i++) {
		unsigned char c = (unsigned char)v[i];
		if (c == '"' || c == '\\')
			da_dyn_addc(b, '\\');
		da_dyn_addc(b, c >= 0x20 && c < 0x7f ? (char)c : '?');
	}
	if (n > max)
		da_dyn_adds(b, "...");
	da_dyn_adds(b, "\"");
}

static void put_value(da_dyn *b, const char *v, size_t n)
{
	if (bare_ok(v, n))
		da_dyn_add(b, v, n);
	else
		put_quoted(b, v, n, 255);
}

static void prop(da_dyn *b, const char *name, const char *v, size_t n)
{
	if (!v)
		return;
	da_dyn_adds(b, " ");
	da_dyn_adds(b, name);
	da_dyn_adds(b, "=");
	put_value(b, v, n);
}

static void dkim_result(da_dyn *b, const dkimarc_sig *s, const char *eol)
{
	const char *bv = dkimarc_sig_b(s);

	da_dyn_adds(b, "dkim=");
	da_dyn_adds(b, dkimarc_result_str(s->result));
	if (s->result == DKIMARC_RES_PASS && (s->flags & DKIMARC_FLAG_BODY_BEYOND_LENGTH))
		da_dyn_adds(
		    b, " (body_beyond_length: only the first l= bytes of the body are signed)");
	if (s->result != DKIMARC_RES_PASS) {
		da_dyn_adds(b, " (");
		da_dyn_adds(b, dkimarc_reason_str(s->reason));
		da_dyn_adds(b, ")");
		if (s->reason_text) {
			da_dyn_adds(b, " reason=");
			put_quoted(b, s->reason_text, strlen(s->reason_text), 160);
		}
	}
	/* The properties on a line of their own (RFC 5322 folding). */
	if (s->domain || s->auid || s->selector || s->algorithm || bv) {
		da_dyn_adds(b, eol);
		da_dyn_adds(b, "\t");
	}
	if (s->domain)
		prop(b, "header.d", s->domain, strlen(s->domain));
	if (s->auid)
		prop(b, "header.i", s->auid, strlen(s->auid));
	if (s->selector)
		prop(b, "header.s", s->selector, strlen(s->selector));
	if (s->algorithm)
		prop(b, "header.a", s->algorithm, strlen(s->algorithm));
	/* RFC 6008: enough of b= to tell signatures apart; last, as some parsers prefer. */
	if (bv)
		prop(b, "header.b", bv, strlen(bv) < 8 ? strlen(bv) : 8);
}

static void arc_result(da_dyn *b, const dkimarc_report *r)
{
	char num[16];

	da_dyn_adds(b, "arc=");
	da_dyn_adds(b, dkimarc_arc_result_str(r->arc.result));
	if (r->arc.result == DKIMARC_ARC_FAIL) {
		da_dyn_adds(b, " (");
		da_dyn_adds(b, dkimarc_arc_reason_str(r->arc.reason));
		da_dyn_adds(b, ")");
		if (r->arc.reason_text) {
			da_dyn_adds(b, " reason=");
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
	da_dyn b;
	const char *eol;

	da_dyn_init(&b, DA_DYN_NO_CAP); /* a line or two per signature of the report */

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

	da_dyn_adds(&b, "Authentication-Results: ");
	da_dyn_adds(&b, authserv_id);
	da_dyn_adds(&b, ";");
	for (size_t i = 0; i < r->nsigs; i++) {
		da_dyn_adds(&b, eol);
		da_dyn_adds(&b, "\t");
		dkim_result(&b, &r->sigs[i], eol);
		da_dyn_adds(&b, ";");
	}
	if (r->nsigs == 0) {
		da_dyn_adds(&b, eol);
		da_dyn_adds(&b, "\tdkim=none;");
	}
	da_dyn_adds(&b, eol);
	da_dyn_adds(&b, "\t");
	arc_result(&b, r);
	da_dyn_adds(&b, eol);
	if (!(*out = da_dyn_take(&b)))
		return da_fail(b.err, "out of memory");
	return DKIMARC_OK;
}

int dkimarc_report_authres(const dkimarc_report *r, const char *authserv_id, char **out)
{
	return da_give(report_authres_impl(r, authserv_id, out), out);
}
