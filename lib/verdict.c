/* From per-signature results to one message verdict (docs/verdicts.md). */
#include "verdict.h"

#include "keycheck.h"
#include "view.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_CONFIRMED, C_THIRD, C_BEYOND_L, C_CONSISTENT, C_WEAK, C_ALTERED, C_OTHER };

/* Verifies, but with a key recovered from the corpus that nothing ties to d= (keyanchor.h). */
static bool consistent(const dkimarc_sig *s)
{
	return s->result == DKIMARC_RES_NEUTRAL && s->reason == DKIMARC_REASON_KEY_RECOVERED;
}

static int category(const dkimarc_sig *s)
{
	if (consistent(s))
		return (s->flags & DKIMARC_FLAG_BODY_BEYOND_LENGTH) ? C_BEYOND_L : C_CONSISTENT;
	if (s->result == DKIMARC_RES_PASS) {
		if (s->flags & DKIMARC_FLAG_BODY_BEYOND_LENGTH)
			return C_BEYOND_L;
		return s->aligned ? C_CONFIRMED : C_THIRD;
	}
	if (s->result == DKIMARC_RES_FAIL) {
		/* Too short, or a key finding (key_small_factor ... key_private_published). */
		if (s->reason == DKIMARC_REASON_KEY_TOO_WEAK || da_reason_is_key_finding(s->reason))
			return C_WEAK;
		if (s->reason == DKIMARC_REASON_BODY_HASH_MISMATCH ||
		    s->reason == DKIMARC_REASON_SIGNATURE_MISMATCH)
			return C_ALTERED;
	}
	return C_OTHER;
}

static int set(dkimarc_report *r, dkimarc_verdict v, dkimarc_reason code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int set(dkimarc_report *r, dkimarc_verdict v, dkimarc_reason code, const char *fmt, ...)
{
	char buf[900];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	r->verdict = v;
	r->verdict_code = code;
	free(r->verdict_reason);
	r->verdict_reason = da_strdup(buf);
	return r->verdict_reason ? DKIMARC_OK : DKIMARC_ENOMEM;
}

static const char *s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

/* The first bytes of a field for a sentence: controls escaped, cut at about 60. */
static void excerpt(const da_field *f, char *out, size_t outlen)
{
	size_t o = 0;
	for (size_t i = 0; i < f->len && o + 8 < outlen; i++) {
		unsigned char c = (unsigned char)f->raw[i];
		if (o > 60) {
			memcpy(out + o, "...", 3);
			o += 3;
			break;
		}
		if (c == '\r')
			o += (size_t)snprintf(out + o, outlen - o, "\\r");
		else if (c == '\n')
			o += (size_t)snprintf(out + o, outlen - o, "\\n");
		else if (c == '\t')
			o += (size_t)snprintf(out + o, outlen - o, "\\t");
		else if (c < 0x20 || c >= 0x7f || c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}

static const char *malformed_why(da_view_problem p)
{
	switch (p) {
	case DA_VIEW_NO_COLON:
		return "is not a header field (no colon): mail readers end the header there and "
		       "show the rest as body";
	case DA_VIEW_BAD_NAME:
		return "has a field name RFC 5322 does not allow (white space, a control or "
		       "non-ASCII byte, or white space before the colon): mail readers end the "
		       "header there";
	case DA_VIEW_LEADING_WSP:
		return "starts the header with white space: mail readers end the header there";
	case DA_VIEW_BARE_CR:
		return "holds a bare CR in a field no verifying signature covers: mail readers "
		       "take it for a line end and may show other header fields or body";
	default:
		return "is split differently by mail readers";
	}
}

/* Fields covered by the signatures for which keep() holds: a union, hdr->n entries. */
static bool *cover_union(const dkimarc_report *r, const da_msgfacts *mf, int want)
{
	bool *u = calloc(mf->hdr->n ? mf->hdr->n : 1, sizeof *u);
	if (!u)
		return NULL;
	for (size_t i = 0; i < r->nsigs; i++) {
		const dkimarc_sig *s = &r->sigs[i];
		bool take =
		    want < 0 ? s->result == DKIMARC_RES_PASS || consistent(s) : category(s) == want;
		if (!take || !mf->cov || !mf->cov[i])
			continue;
		for (size_t j = 0; j < mf->hdr->n; j++)
			u[j] |= mf->cov[i][j];
	}
	return u;
}

/*
 * An aligned signature whose key is proven to have signed other content:
 * the body or signed header fields changed since, whatever else verifies.
 */
static const dkimarc_sig *evidence_of_change(const dkimarc_report *r)
{
	for (size_t i = 0; i < r->nsigs; i++) {
		const dkimarc_sig *s = &r->sigs[i];
		if (s->aligned && s->result == DKIMARC_RES_FAIL && s->key_made &&
		    (s->reason == DKIMARC_REASON_BODY_HASH_MISMATCH ||
		     s->reason == DKIMARC_REASON_SIGNATURE_MISMATCH))
			return s;
	}
	return NULL;
}

/* The checks of what a reader sees, for a message a signature confirms (issue 14). */
static int display_checks(dkimarc_report *r, const da_msgfacts *mf, int best, const dkimarc_sig *bs,
                          bool malformed, const da_view_hit *mh, bool *decided, char *notcovered,
                          size_t nclen)
{
	const char *d = s_or(bs->domain, "?");
	char ex[96];
	*decided = true;
	if (malformed) {
		excerpt(&mf->hdr->f[mh->field], ex, sizeof ex);
		return set(r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_HEADER_MALFORMED,
		           "the signature by %s verifies, but header line %zu (\"%s\") %s", d,
		           da_view_line(mf->hblock, &mf->hdr->f[mh->field]), ex,
		           malformed_why(mh->problem));
	}
	bool *cov = cover_union(r, mf, best);
	if (!cov)
		return DKIMARC_ENOMEM;
	da_view_hit hit;
	int rc = DKIMARC_OK, differs = 0;
	if (da_view_added(mf->hdr, cov, &hit)) {
		r->flags |= DKIMARC_FLAG_UNSIGNED_FIELD_ADDED;
		excerpt(&mf->hdr->f[hit.field], ex, sizeof ex);
		rc = set(
		    r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_UNSIGNED_FIELD_ADDED,
		    "the signature by %s verifies, but the message has a second %s field that "
		    "it does not cover (header line %zu, \"%s\"): mail readers show the topmost "
		    "one, which may have been added after signing",
		    d, hit.name, da_view_line(mf->hblock, &mf->hdr->f[hit.field]), ex);
	} else if (mf->nfrom > 1) {
		rc = set(
		    r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_MULTIPLE_FROM,
		    "the signature by %s verifies, but the message has %zu From fields; one may "
		    "have been added after signing",
		    d, mf->nfrom);
	} else if ((differs = da_view_differs(mf->hblock, mf->hblock_len, mf->hdr, &hit)) < 0) {
		rc = differs; /* out of memory: no verdict */
	} else if (differs) {
		r->flags |= DKIMARC_FLAG_DISPLAY_DIFFERS;
		if (strcmp(hit.name, "body") == 0)
			rc = set(
			    r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_DISPLAY_DIFFERS,
			    "the signature by %s verifies, but a bare CR in the header makes mail "
			    "readers end the header early: what they show as body is not the "
			    "signed body",
			    d);
		else
			rc = set(
			    r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_DISPLAY_DIFFERS,
			    "the signature by %s verifies, but a bare CR in the header makes mail "
			    "readers show another %s field than the one verified",
			    d, hit.name);
	} else if (mf->mixed) {
		/*
		 * Read by the one line-end rule, the bytes verify; readers do not all
		 * read a file that mixes CRLF and bare LF alike (GMime drops the byte
		 * before a bare LF that ends a MIME part), so what they show may not be
		 * what was signed: a CR removed after signing is enough.
		 */
		r->flags |= DKIMARC_FLAG_DISPLAY_DIFFERS;
		rc = set(r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_DISPLAY_DIFFERS,
		         "the signature by %s verifies with each bare LF read as CRLF, but the "
		         "message mixes CRLF and bare LF line ends, which mail readers split "
		         "differently: what they show may not be what was signed",
		         d);
	} else {
		const dkimarc_sig *ev = best == C_CONFIRMED ? evidence_of_change(r) : NULL;
		if (ev) {
			const char *what =
			    ev->reason == DKIMARC_REASON_BODY_HASH_MISMATCH
			        ? "the body changed after signing (body hash mismatch)"
			        : "signed header fields changed after signing (the "
			          "key made the signature, over other header content)";
			rc = set(
			    r, DKIMARC_VERDICT_ALTERED, ev->reason,
			    "signature %zu by %s (s=%s) verifies, but signature %zu by %s (s=%s) "
			    "proves that %s",
			    (size_t)(bs - r->sigs) + 1, d, s_or(bs->selector, "?"),
			    (size_t)(ev - r->sigs) + 1, s_or(ev->domain, "?"),
			    s_or(ev->selector, "?"), what);
		} else {
			*decided = false;
			size_t n = da_view_unsigned(mf->hdr, cov, r->unsigned_fields, 16);
			size_t o = 0;
			r->nunsigned = n;
			notcovered[0] = '\0';
			for (size_t i = 0; i < n && o + 40 < nclen; i++)
				o += (size_t)snprintf(notcovered + o, nclen - o, "%s%s",
				                      i ? ", " : "; not covered by the signature: ",
				                      r->unsigned_fields[i]);
		}
	}
	free(cov);
	return rc;
}

int da_verdict_decide(dkimarc_report *r, const da_msgfacts *mf)
{
	uint32_t mflags = 0;
	if (mf->lf)
		mflags |= DKIMARC_FLAG_LF_LINE_ENDINGS;
	if (mf->mixed)
		mflags |= DKIMARC_FLAG_MIXED_LINE_ENDINGS;
	if (mf->nfrom > 1)
		mflags |= DKIMARC_FLAG_MULTIPLE_FROM;
	if (mf->nfrom == 0 && !mf->limit_hit)
		mflags |= DKIMARC_FLAG_FROM_MISSING;
	if (mf->from_ambiguous)
		mflags |= DKIMARC_FLAG_FROM_AMBIGUOUS;
	r->flags = mflags;

	if (mf->limit_hit || !mf->hdr)
		return set(r, DKIMARC_VERDICT_UNVERIFIABLE, DKIMARC_REASON_LIMIT_EXCEEDED,
		           "the header exceeds the limit on %s; the message was not verified",
		           s_or(mf->limit_why, "header size"));

	/* A bare CR is the signer's own in a field a verifying signature covers. */
	bool *anypass = cover_union(r, mf, -1);
	if (!anypass)
		return DKIMARC_ENOMEM;
	da_view_hit mh;
	bool malformed = da_view_malformed(mf->hdr, anypass, &mh);
	free(anypass);
	if (malformed)
		r->flags |= DKIMARC_FLAG_HEADER_MALFORMED;

	if (r->nsigs == 0)
		return set(r, DKIMARC_VERDICT_UNSIGNED, DKIMARC_REASON_NO_SIGNATURE,
		           "the message has no DKIM-Signature");
	/* The best signature decides: first of the best category, top first. */
	int best = C_OTHER + 1;
	const dkimarc_sig *bs = NULL;
	for (size_t i = 0; i < r->nsigs; i++) {
		int c = category(&r->sigs[i]);
		if (c < best) {
			best = c;
			bs = &r->sigs[i];
		}
	}
	r->flags |= bs->flags;
	const char *d = s_or(bs->domain, "?");
	char notcovered[400] = "";
	if (best <= C_THIRD || best == C_CONSISTENT) {
		bool decided;
		int rc = display_checks(r, mf, best, bs, malformed, &mh, &decided, notcovered,
		                        sizeof notcovered);
		if (rc || decided)
			return rc;
	}
	switch (best) {
	case C_CONFIRMED:
		return set(
		    r, DKIMARC_VERDICT_CONFIRMED, DKIMARC_REASON_OK,
		    "signed by %s, aligned with the From domain %s; the signature verifies%s", d,
		    s_or(r->from_domain, "?"), notcovered);
	case C_THIRD:
		if (mf->from_ambiguous)
			return set(
			    r, DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY, DKIMARC_REASON_OK,
			    "signed by %s; the signature verifies, but the From field does not "
			    "read one way (%s), so it aligns with no domain%s",
			    d, s_or(mf->from_why, "malformed"), notcovered);
		if (r->from_domain && mf->from && mf->from->n > 1) {
			/* Name the From mailboxes' domains, as many as fit. */
			char doms[300] = "";
			size_t o = 0;
			for (size_t i = 0; i < mf->from->n && o + 80 < sizeof doms; i++) {
				const char *fd = mf->from->m[i].domain;
				bool seen = false;
				for (size_t k = 0; k < i && !seen; k++)
					seen = fd && mf->from->m[k].domain &&
					       strcmp(fd, mf->from->m[k].domain) == 0;
				if (!seen)
					o += (size_t)snprintf(doms + o, sizeof doms - o, "%s%s",
					                      o ? ", " : "",
					                      fd ? fd : "(no domain)");
			}
			return set(
			    r, DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY, DKIMARC_REASON_OK,
			    "signed by %s, which is not the domain of every From mailbox (%s); "
			    "the signature verifies%s",
			    d, doms, notcovered);
		}
		if (r->from_domain)
			return set(r, DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY, DKIMARC_REASON_OK,
			           "signed by %s, which is not the From domain %s; the signature "
			           "verifies%s",
			           d, r->from_domain, notcovered);
		return set(r, DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY, DKIMARC_REASON_OK,
		           "signed by %s; the signature verifies, but the message has no From "
		           "address to align with%s",
		           d, notcovered);
	case C_CONSISTENT:
		/* Never confirmed: the key is one holder's, not shown to be d='s
		 * (docs/verdicts.md). */
		if (bs->aligned)
			return set(r, DKIMARC_VERDICT_CONSISTENT, bs->reason, "signed by %s: %s%s",
			           d, s_or(bs->reason_text, "?"), notcovered);
		return set(r, DKIMARC_VERDICT_CONSISTENT, bs->reason,
		           "signed by %s, which is not the From domain %s: %s%s", d,
		           s_or(r->from_domain, "(none)"), s_or(bs->reason_text, "?"), notcovered);
	case C_BEYOND_L:
		return set(r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_BODY_BEYOND_LENGTH,
		           "the signature by %s covers only the first %lld bytes of the body (l=); "
		           "%llu canonical bytes are present, so content was added after signing",
		           d, (long long)bs->l, (unsigned long long)bs->body_bytes);
	case C_WEAK:
		if (bs->reason != DKIMARC_REASON_KEY_TOO_WEAK)
			return set(r, DKIMARC_VERDICT_WEAK, bs->reason,
			           "the signature by %s is worthless: %s", d,
			           s_or(bs->reason_text, "?"));
		return set(
		    r, DKIMARC_VERDICT_WEAK, bs->reason,
		    "the signature by %s verifies only with a %u-bit RSA key, which RFC 8301 "
		    "does not accept and which can be factored",
		    d, bs->key_bits);
	case C_ALTERED:
		if (bs->reason == DKIMARC_REASON_BODY_HASH_MISMATCH)
			return set(r, DKIMARC_VERDICT_ALTERED, bs->reason,
			           "signed by %s, but the body changed after signing (body hash "
			           "mismatch)",
			           d);
		if (bs->algorithm && strncmp(bs->algorithm, "rsa-", 4) == 0)
			/* RSA recovery (sigcheck.c) ruled another key out. */
			return set(
			    r, DKIMARC_VERDICT_ALTERED, bs->reason,
			    "signed by %s; the body is intact but signed header fields changed "
			    "after signing (this key made the signature)",
			    d);
		return set(r, DKIMARC_VERDICT_ALTERED, bs->reason,
		           "signed by %s; the body is intact but the signature does not verify: "
		           "signed header fields changed, or a different key signed",
		           d);
	default:
		return set(r, DKIMARC_VERDICT_UNVERIFIABLE, bs->reason,
		           "no signature could be checked: %s (%s)", s_or(bs->reason_text, "?"),
		           dkimarc_reason_str(bs->reason));
	}
}
