/* The diagnosis's body steps: footers, encodings and line ends undone on copies. */
#include "diagnose.h"
#include "keymatch.h"
#include "qp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- body steps ---------------------------------------------------------------- */

/* A top-level header field's value, trimmed, in out (lower case); "" when absent. */
static void top_value(const da_header *h, const char *name, char *out, size_t len)
{
	out[0] = '\0';
	for (size_t i = 0; i < h->n; i++) {
		if (!da_field_is(&h->f[i], name))
			continue;
		char tmp[128];
		const da_field *fl = &h->f[i];
		size_t n = fl->len - fl->value_off;
		if (n > sizeof tmp - 1)
			n = sizeof tmp - 1;
		size_t k = da_dg_normalize(fl->raw + fl->value_off, n, tmp);
		for (size_t j = 0; j < k && j < len - 1; j++)
			out[j] = (char)((unsigned)(tmp[j] - 'A') < 26u ? tmp[j] + 32 : tmp[j]);
		out[k < len - 1 ? k : len - 1] = '\0';
		return;
	}
}

/* The body cut at line ends near its end: one pass, a copy of the hash state per cut. */
static void try_footer(diag *d, const char *p, size_t n)
{
	size_t *cuts = malloc(FOOTER_CUTS * sizeof *cuts), nc = 0, found = SIZE_MAX;
	da_bodyhash bh;
	char ex[EXCERPT * 4 + 8];

	if (!cuts) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return;
	}
	/* Line starts within the window, the last FOOTER_CUTS of them, oldest first. */
	size_t from = n > FOOTER_WINDOW ? n - FOOTER_WINDOW : 0;
	for (size_t i = n; i-- > from && nc < FOOTER_CUTS;)
		if (i >= 2 && p[i - 1] == '\n' && p[i - 2] == '\r' && i < n)
			cuts[nc++] = i;
	if (from == 0 && nc < FOOTER_CUTS)
		cuts[nc++] = 0;
	da_dg_add_tried(d->tried_body, sizeof d->tried_body, "cutting appended text");
	if (nc == 0 || da_bodyhash_init(&bh, d->sp->bcanon, d->sp->hash, d->sp->l) != 0) {
		if (nc)
			da_dg_failed(d, da_crypto_status());
		free(cuts);
		return;
	}
	size_t fed = 0;
	for (size_t k = nc; k-- > 0;) {
		da_bodyhash_update(&bh, p + fed, cuts[k] - fed);
		fed = cuts[k];
		da_bodyhash snap = bh;
		snap.bc.arg = &snap;
		snap.md = EVP_MD_CTX_new();
		if (!snap.md || !bh.md || EVP_MD_CTX_copy_ex(snap.md, bh.md) != 1) {
			EVP_MD_CTX_free(snap.md);
			da_dg_failed(d, da_crypto_status());
			break;
		}
		if (da_bodyhash_final(&snap) != 0) {
			da_bodyhash_clear(&snap);
			da_dg_failed(d, da_crypto_status());
			break;
		}
		if (snap.digest_len == d->sp->bh_len &&
		    memcmp(snap.digest, d->sp->bh, snap.digest_len) == 0)
			found = cuts[k]; /* keep the longest body that matches */
		da_bodyhash_clear(&snap);
	}
	da_bodyhash_clear(&bh);
	free(cuts);
	if (d->err)
		return;
	if (found != SIZE_MAX) {
		size_t line = 1;
		for (size_t i = 0; i < found; i++)
			line += p[i] == '\n';
		const char *a = p + found;
		while (a < p + n && (*a == '\r' || *a == '\n'))
			a++;
		/* The body is not NUL-terminated: compare within what is left. */
		size_t rest = (size_t)(p + n - a);
		const char *kind = rest >= 3 && memcmp(a, "-- ", 3) == 0
		                       ? "a signature or list footer"
		                   : rest >= 3 && memcmp(a, "___", 3) == 0 ? "a mailing-list footer"
		                                                           : "text";
		da_dg_new_step(
		    d, true, DKIMARC_FINDING_FOOTER_APPENDED, NULL, 1,
		    "%s was appended to the body: the signed body ends before line %zu (byte "
		    "%zu of %zu), and the %zu bytes after it begin \"%s\"",
		    kind, line, found, n, n - found,
		    da_dg_excerpt(ex, sizeof ex, a, (size_t)(p + n - a), EXCERPT));
		return;
	}
	/* Evidence without a match: a footer marker line near the end. */
	for (size_t i = n; i-- > from;) {
		if (i > 0 && p[i - 1] != '\n')
			continue;
		const char *l = p + i;
		size_t left = n - i, u = 0;
		while (u < left && (l[u] == '_' || l[u] == '-'))
			u++;
		bool sigdash = left >= 5 && memcmp(l, "-- \r\n", 5) == 0;
		if (sigdash || (u >= 10 && u + 1 < left && l[u] == '\r')) {
			size_t line = 1;
			for (size_t k = 0; k < i; k++)
				line += p[k] == '\n';
			da_dg_new_step(
			    d, true, DKIMARC_FINDING_FOOTER_APPENDED, NULL, 0,
			    "a footer marker \"%s\" begins line %zu, as lists and gateways "
			    "append",
			    da_dg_excerpt(ex, sizeof ex, l, u > 3 ? u : 3, 20), line);
			return;
		}
	}
}

/* Replaces every from (flen bytes) at a line start or anywhere by to; NULL when none. */
static char *replace_all(diag *d, const char *p, size_t n, const char *from, size_t flen,
                         const char *to, size_t tlen, bool line_start, size_t *outlen)
{
	char *out = malloc(n * (tlen > flen ? tlen : 1) + 1);
	size_t o = 0, hits = 0;
	if (!out) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < n;) {
		bool at_start = i == 0 || p[i - 1] == '\n';
		if (i + flen <= n && memcmp(p + i, from, flen) == 0 && (!line_start || at_start)) {
			memcpy(out + o, to, tlen);
			o += tlen;
			i += flen;
			hits++;
		} else {
			out[o++] = p[i++];
		}
	}
	if (!hits) {
		free(out);
		return NULL;
	}
	*outlen = o;
	return out;
}

/* Bare LF (not after CR) to CRLF; NULL when there is none. */
static char *bare_lf_to_crlf(diag *d, const char *p, size_t n, size_t *outlen)
{
	size_t extra = 0;
	for (size_t i = 0; i < n; i++)
		extra += p[i] == '\n' && (i == 0 || p[i - 1] != '\r');
	if (!extra)
		return NULL;
	char *out = malloc(n + extra);
	size_t o = 0;
	if (!out) {
		da_dg_failed(d, DKIMARC_ENOMEM);
		return NULL;
	}
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			out[o++] = '\r';
		out[o++] = p[i];
	}
	*outlen = o;
	return out;
}

static void body_variant(diag *d, dkimarc_finding kind, char *copy, size_t len, const char *what)
{
	if (!copy)
		return;
	int ok = da_dg_body_signed(d, copy, len);
	free(copy);
	if (ok == 1)
		da_dg_new_step(d, true, kind, NULL, 1, "%s", what);
}

void da_dg_try_body(diag *d)
{
	const da_keep *k = d->f->body;
	const char *p = k->p ? k->p : "";
	size_t n = k->n, len = 0;
	char cte[64], ctype[64], *copy;

	/* The footer pass, five copies and their hashes: reserved at once. */
	if (!da_dg_spend(d, 11 * (uint64_t)n))
		return;

	if (d->sp->l < 0)
		try_footer(d, p, n);
	top_value(d->f->hdr, "Content-Transfer-Encoding", cte, sizeof cte);
	top_value(d->f->hdr, "Content-Type", ctype, sizeof ctype);
	if (strncmp(ctype, "multipart/", 10) != 0) {
		da_dg_add_tried(d->tried_body, sizeof d->tried_body,
		                "undoing quoted-printable re-encoding");
		if (strcmp(cte, "quoted-printable") == 0) {
			if (!(copy = da_qp_decode_dup(p, n, &len)))
				da_dg_failed(d, DKIMARC_ENOMEM);
			body_variant(
			    d, DKIMARC_FINDING_BODY_REENCODED, copy, len,
			    "the body was re-encoded as quoted-printable after signing "
			    "(Content-Transfer-Encoding: quoted-printable): decoded, it is "
			    "the body that was signed");
		}
		bool eight = false;
		for (size_t i = 0; i < n && !eight; i++)
			eight = (unsigned char)p[i] >= 0x80;
		if (eight && strcmp(cte, "quoted-printable") != 0 && strcmp(cte, "base64") != 0) {
			if (!(copy = da_qp_encode_dup(p, n, &len)))
				da_dg_failed(d, DKIMARC_ENOMEM);
			body_variant(d, DKIMARC_FINDING_BODY_REENCODED, copy, len,
			             "the body was decoded from quoted-printable to 8bit after "
			             "signing: encoded again, it is the body that was signed");
		}
	}
	da_dg_add_tried(d->tried_body, sizeof d->tried_body, "repairing line ends");
	copy = replace_all(d, p, n, "\r\r\n", 3, "\r\n", 2, false, &len);
	body_variant(d, DKIMARC_FINDING_LINE_ENDINGS, copy, len,
	             "line ends were doubled into CR CR LF after signing (a CRLF conversion "
	             "applied twice)");
	copy = bare_lf_to_crlf(d, p, n, &len);
	body_variant(d, DKIMARC_FINDING_LINE_ENDINGS, copy, len,
	             "the body has bare LF line ends that the signer hashed as CRLF");
	da_dg_add_tried(d->tried_body, sizeof d->tried_body, "undoing dot-stuffing");
	copy = replace_all(d, p, n, "..", 2, ".", 1, true, &len);
	body_variant(d, DKIMARC_FINDING_DOT_STUFFING, copy, len,
	             "lines beginning with a dot carry a second one: SMTP dot-stuffing (RFC 5321 "
	             "§4.5.2) was not undone on receipt");
}
