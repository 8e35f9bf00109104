/* One signature judged from its hashes and its key (sigcheck.h). */
#include "sigcheck.h"

#include "crypto.h"
#include "keyanchor.h"
#include "keyfetch.h"
#include "keymatch.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int da_sig_set_result(dkimarc_sig *o, dkimarc_result res, dkimarc_reason reason, const char *text)
{
	o->result = res;
	o->reason = reason;
	free(o->reason_text);
	o->reason_text = da_strdup(text);
	return o->reason_text ? DKIMARC_OK : DKIMARC_ENOMEM;
}

/* A copy of an optional string: false only when s was there and could not be copied. */
static bool dup_opt(char **out, const char *s)
{
	*out = s ? da_strdup(s) : NULL;
	return !s || *out;
}

int da_sig_facts(dkimarc_sig *o, const da_sigparams *sp)
{
	o->l = sp->l;
	o->t = sp->t;
	o->x = sp->x;
	o->body_hash_ok = -1;
	if (!dup_opt(&o->domain, sp->domain) || !dup_opt(&o->selector, sp->selector) ||
	    !dup_opt(&o->algorithm, sp->alg) || !dup_opt(&o->auid, sp->auid) ||
	    !dup_opt(&o->canon, sp->canon))
		return DKIMARC_ENOMEM;
	if (sp->nheaders) {
		o->headers = calloc(sp->nheaders, sizeof *o->headers);
		if (!o->headers)
			return DKIMARC_ENOMEM;
		/* Counted as copied, so that da_sig_clear frees what was. */
		for (; o->nheaders < sp->nheaders; o->nheaders++)
			if (!dup_opt(&o->headers[o->nheaders], sp->headers[o->nheaders]))
				return DKIMARC_ENOMEM;
	}
	return DKIMARC_OK;
}

/* Moves the key's facts into the report's signature. */
static void take_key_facts(dkimarc_sig *o, da_key *k)
{
	o->flags |= k->flags;
	o->key_choice = k->choice;
	o->key_source = k->source;
	o->has_key = k->has_rec;
	if (k->has_rec)
		o->key = k->rec;
	k->choice = k->source = NULL;
	k->has_rec = false;
	memset(&k->rec, 0, sizeof k->rec);
}

/*
 * A judged signature whose key was recovered (keyanchor.h): a pass becomes
 * neutral / key_recovered with the sentence of docs/verdicts.md; whatever
 * the result, the key proves nothing of the domain, so no failure is
 * evidence against it. Returns 0, or DKIMARC_ENOMEM.
 */
static int recovered_judged(dkimarc_sig *o, const da_sigparams *sp, const da_recovered_use *ru)
{
	char buf[1200], from[96];
	/* Nobody's key in particular: its failures are no evidence that d= signed anything. */
	o->key_made = false;
	if (o->result != DKIMARC_RES_PASS)
		return 0;
	size_t others = ru->n > 0 && ru->self ? ru->n - 1 : ru->n;
	if (ru->n == 0)
		snprintf(from, sizeof from, "recovered from signatures in this corpus");
	else if (others == 0)
		snprintf(from, sizeof from, "recovered from this signature alone");
	else
		snprintf(from, sizeof from, "recovered from %zu other signature%s in this corpus",
		         others, others == 1 ? "" : "s");
	snprintf(buf, sizeof buf,
	         "the signature verifies with a key %s; no archive or DNS record ties that key to "
	         "%s%s%s",
	         from, sp->domain ? sp->domain : "?", ru->other ? " (" : "",
	         ru->other ? ru->other : "");
	if (ru->other)
		strncat(buf, ")", sizeof buf - strlen(buf) - 1);
	return da_sig_set_result(o, DKIMARC_RES_NEUTRAL, DKIMARC_REASON_KEY_RECOVERED, buf);
}

int da_sig_judge(const dkimarc_ctx *ctx, const da_sigparams *sp, const unsigned char *hdigest,
                 unsigned int hdigest_len, const da_bodyhash *bh, int64_t date, int64_t at,
                 dkimarc_sig *o)
{
	char err[1200];

	if (sp->hash == DA_HASH_SHA1)
		o->flags |= DKIMARC_FLAG_RSA_SHA1;
	if (sp->x >= 0 && sp->x < at)
		o->flags |= DKIMARC_FLAG_EXPIRED;
	if (sp->t > at + 300)
		o->flags |= DKIMARC_FLAG_TIMESTAMP_FUTURE;
	if (sp->t >= 0 && date >= 0 && (sp->t - date > 86400 || date - sp->t > 86400))
		o->flags |= DKIMARC_FLAG_TIMESTAMP_FAR_FROM_DATE;

	bool body_ok = true;
	if (bh) {
		o->body_bytes = bh->total;
		if (sp->l >= 0 && (uint64_t)sp->l < bh->total)
			o->flags |= DKIMARC_FLAG_BODY_BEYOND_LENGTH;
		body_ok =
		    bh->digest_len == sp->bh_len && memcmp(bh->digest, sp->bh, sp->bh_len) == 0;
		if (sp->l >= 0 && (uint64_t)sp->l > bh->total) {
			snprintf(err, sizeof err,
			         "l=%lld is longer than the %llu-byte canonical body",
			         (long long)sp->l, (unsigned long long)bh->total);
			return da_sig_set_result(o, DKIMARC_RES_PERMERROR,
			                         DKIMARC_REASON_SIG_BODY_LENGTH_EXCEEDS, err);
		}
		o->body_hash_ok = body_ok;
	}

	/* The key (§6.1.2). */
	da_key k;
	dkimarc_result res;
	dkimarc_reason why = da_key_fetch(ctx, sp, date, &k, &res, err, sizeof err);
	int rc = da_reason_status(why);
	take_key_facts(o, &k);
	o->key_bits = k.bits;
	if (why != DKIMARC_REASON_OK) {
		da_key_clear(&k);
		return rc ? rc : da_sig_set_result(o, res, why, err);
	}
	unsigned bits = k.bits;
	int ok = da_verify_digest(k.pkey, k.prep, sp->key_type, sp->hash, hdigest, hdigest_len,
	                          sp->b, sp->b_len);
	if (ok < 0) {
		/* The library failed: no verdict can be drawn, not even "does not verify". */
		da_key_clear(&k);
		return ok;
	}
	o->verified = ok == 1 && body_ok;
	if (k.defect != DKIMARC_REASON_OK) {
		/*
		 * Anyone can sign with this key, so whether the signature verifies
		 * proves nothing either way (docs/verdicts.md); it is said for the
		 * record. Checked first: no other finding of the key (key_mismatch,
		 * "this key made it") means anything.
		 */
		snprintf(err, sizeof err, "%s %s",
		         ok == 1 && body_ok ? "the signature verifies, but"
		                            : "the signature does not verify, and in any case",
		         k.defect_err);
		dkimarc_reason defect = k.defect;
		da_key_clear(&k);
		return da_sig_set_result(o, DKIMARC_RES_FAIL, defect, err);
	}
	da_recovered rec = {.made = DA_MADE_UNKNOWN};
	if (ok != 1)
		rc = da_rsa_recover(k.pkey, sp->key_type, sp->b, sp->b_len, &rec);
	da_recovered_use ru = k.ru; /* judged below, once the result is known */
	k.ru.other = NULL;
	da_key_clear(&k);
	if (rc) {
		free(ru.other);
		return rc;
	}
	/* The key made b= (over these or other header fields): its claims, bh= too, hold. */
	o->key_made = ok == 1 || rec.made == DA_MADE_THIS_KEY;
	if (rec.made == DA_MADE_OTHER_KEY) {
		/* Before the body: if the key did not sign, no claim of b= (bh= included) holds. */
		snprintf(err, sizeof err,
		         "the signature was not made with this key: the key at %s._domainkey.%s "
		         "was rotated or replaced since signing (or b= was damaged)",
		         sp->selector, sp->domain);
		rc = da_sig_set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_KEY_MISMATCH, err);
	} else if (!body_ok) {
		snprintf(err, sizeof err,
		         "the body was changed after signing: its hash does not match "
		         "bh= (%llu canonical bytes%s)",
		         (unsigned long long)bh->total, sp->l >= 0 ? ", l= set" : "");
		rc = da_sig_set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_BODY_HASH_MISMATCH, err);
	} else if (ok != 1 && rec.made == DA_MADE_THIS_KEY) {
		rc = da_sig_set_result(
		    o, DKIMARC_RES_FAIL, DKIMARC_REASON_SIGNATURE_MISMATCH,
		    bh ? "the body is intact, but signed header fields changed: this "
		         "key made the signature, over other header content"
		       : "the sealed ARC header fields changed: this key made the "
		         "seal, over other header content");
	} else if (ok != 1) {
		rc =
		    da_sig_set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_SIGNATURE_MISMATCH,
		                      bh ? "the body is intact, but the signature does not verify: "
		                           "signed header fields changed, or another key signed"
		                         : "the signature does not verify: the sealed ARC header "
		                           "fields changed, or another key signed");
	} else if (sp->key_type == DA_KEY_RSA && bits < DA_RSA_MIN_BITS) {
		snprintf(err, sizeof err,
		         "the signature verifies, but only with a %u-bit RSA key; "
		         "RFC 8301 requires at least 1024 bits and such keys can be "
		         "factored",
		         bits);
		rc = da_sig_set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_KEY_TOO_WEAK, err);
	} else if (sp->hash == DA_HASH_SHA1 && ctx->strict) {
		rc = da_sig_set_result(o, DKIMARC_RES_POLICY, DKIMARC_REASON_POLICY_RSA_SHA1,
		                       "the signature verifies, but rsa-sha1 is not acceptable "
		                       "(RFC 8301) under --strict");
	} else if ((o->flags & DKIMARC_FLAG_EXPIRED) && ctx->strict) {
		snprintf(err, sizeof err,
		         "the signature verifies, but it expired (x=%lld) before the "
		         "verification time",
		         (long long)sp->x);
		rc = da_sig_set_result(o, DKIMARC_RES_FAIL, DKIMARC_REASON_SIG_EXPIRED, err);
	} else {
		rc =
		    da_sig_set_result(o, DKIMARC_RES_PASS, DKIMARC_REASON_OK, "signature verified");
	}
	/* A recovered key's result is judged again: it proves nothing of d= (keyanchor.h). */
	if (rc == 0 && ru.recovered)
		rc = recovered_judged(o, sp, &ru);
	free(ru.other);
	return rc;
}
