/* From per-signature results to one message verdict (docs/verdicts.md). */
#include "verdict.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { C_CONFIRMED, C_THIRD, C_BEYOND_L, C_WEAK, C_ALTERED, C_OTHER };

static int category(const dkimarc_sig *s)
{
	if (s->result == DKIMARC_RES_PASS) {
		if (s->flags & DKIMARC_FLAG_BODY_BEYOND_LENGTH)
			return C_BEYOND_L;
		return s->aligned ? C_CONFIRMED : C_THIRD;
	}
	if (s->result == DKIMARC_RES_FAIL) {
		if (s->reason == DKIMARC_REASON_KEY_TOO_WEAK ||
		    s->reason == DKIMARC_REASON_KEY_SMALL_FACTOR)
			return C_WEAK;
		if (s->reason == DKIMARC_REASON_BODY_HASH_MISMATCH ||
		    s->reason == DKIMARC_REASON_SIGNATURE_MISMATCH)
			return C_ALTERED;
	}
	return C_OTHER;
}

static void set(dkimarc_report *r, dkimarc_verdict v, dkimarc_reason code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void set(dkimarc_report *r, dkimarc_verdict v, dkimarc_reason code, const char *fmt, ...)
{
	char buf[600];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	r->verdict = v;
	r->verdict_code = code;
	free(r->verdict_reason);
	r->verdict_reason = da_strdup(buf);
}

static const char *s_or(const char *s, const char *dflt)
{
	return s ? s : dflt;
}

void da_verdict_decide(dkimarc_report *r, const da_msgfacts *mf)
{
	uint32_t mflags = 0;
	if (mf->lf)
		mflags |= DKIMARC_FLAG_LF_LINE_ENDINGS;
	if (mf->nfrom > 1)
		mflags |= DKIMARC_FLAG_MULTIPLE_FROM;
	if (mf->nfrom == 0 && !mf->limit_hit)
		mflags |= DKIMARC_FLAG_FROM_MISSING;
	r->flags = mflags;

	if (mf->limit_hit) {
		set(r, DKIMARC_VERDICT_UNVERIFIABLE, DKIMARC_REASON_LIMIT_EXCEEDED,
		    "the header exceeds the limit on %s; the message was not verified",
		    s_or(mf->limit_why, "header size"));
		return;
	}
	if (r->nsigs == 0) {
		set(r, DKIMARC_VERDICT_UNSIGNED, DKIMARC_REASON_NO_SIGNATURE,
		    "the message has no DKIM-Signature");
		return;
	}
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
	if (best <= C_THIRD && mf->nfrom > 1) {
		set(r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_MULTIPLE_FROM,
		    "the signature by %s verifies, but the message has %zu From fields; one may "
		    "have been added after signing",
		    d, mf->nfrom);
		return;
	}
	switch (best) {
	case C_CONFIRMED:
		set(r, DKIMARC_VERDICT_CONFIRMED, DKIMARC_REASON_OK,
		    "signed by %s, aligned with the From domain %s; the signature verifies", d,
		    s_or(r->from_domain, "?"));
		break;
	case C_THIRD:
		if (r->from_domain)
			set(r, DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY, DKIMARC_REASON_OK,
			    "signed by %s, which is not the From domain %s; the signature verifies",
			    d, r->from_domain);
		else
			set(r, DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY, DKIMARC_REASON_OK,
			    "signed by %s; the signature verifies, but the message has no From "
			    "address to align with",
			    d);
		break;
	case C_BEYOND_L:
		set(r, DKIMARC_VERDICT_ALTERED, DKIMARC_REASON_BODY_BEYOND_LENGTH,
		    "the signature by %s covers only the first %lld bytes of the body (l=); %llu "
		    "canonical bytes are present, so content was added after signing",
		    d, (long long)bs->l, (unsigned long long)bs->body_bytes);
		break;
	case C_WEAK:
		if (bs->reason == DKIMARC_REASON_KEY_SMALL_FACTOR) {
			set(r, DKIMARC_VERDICT_WEAK, bs->reason,
			    "the signature by %s is worthless: %s", d, s_or(bs->reason_text, "?"));
			break;
		}
		set(r, DKIMARC_VERDICT_WEAK, bs->reason,
		    "the signature by %s verifies only with a %u-bit RSA key, which RFC 8301 does "
		    "not accept and which can be factored",
		    d, bs->key_bits);
		break;
	case C_ALTERED:
		if (bs->reason == DKIMARC_REASON_BODY_HASH_MISMATCH)
			set(r, DKIMARC_VERDICT_ALTERED, bs->reason,
			    "signed by %s, but the body changed after signing (body hash mismatch)",
			    d);
		else if (bs->algorithm && strncmp(bs->algorithm, "rsa-", 4) == 0)
			/* RSA recovery (sigcheck.c) ruled another key out. */
			set(r, DKIMARC_VERDICT_ALTERED, bs->reason,
			    "signed by %s; the body is intact but signed header fields changed "
			    "after signing (this key made the signature)",
			    d);
		else
			set(r, DKIMARC_VERDICT_ALTERED, bs->reason,
			    "signed by %s; the body is intact but the signature does not verify: "
			    "signed header fields changed, or a different key signed",
			    d);
		break;
	default:
		set(r, DKIMARC_VERDICT_UNVERIFIABLE, bs->reason,
		    "no signature could be checked: %s (%s)", s_or(bs->reason_text, "?"),
		    dkimarc_reason_str(bs->reason));
		break;
	}
}
