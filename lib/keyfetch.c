/* A signature's key: lookup, choice among records, checks, decoding (keyfetch.h). */
#include "keyfetch.h"

#include "crypto.h"
#include "keyanchor.h"
#include "keymarks.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* For the key-choice sentence: "?" when unknown. */
static char *fmt_time(int64_t t, char *buf, size_t n)
{
	char tmp[32];
	snprintf(buf, n, "%s", dkimarc_format_time(t, tmp) == 0 ? tmp : "?");
	return buf;
}

static int nomem(dkimarc_reason *reason)
{
	*reason = DA_REASON_ENOMEM;
	return -1;
}

static bool has_window(const dkimarc_keyrec *r)
{
	return r->first_seen >= 0 || r->last_seen >= 0;
}

/*
 * Picks the record to use among an answer's records. Returns its index, or
 * -1 with *reason and err set (ambiguous), or -1 with *reason
 * DA_REASON_ENOMEM.
 */
static int choose_record(const dkimarc_answer *ans, int64_t when, const char *when_what,
                         char **choice, uint32_t *flags, dkimarc_reason *reason, char *err,
                         size_t errlen)
{
	char buf[512], t1[32], t2[32], t3[32];
	size_t n = ans->n;
	if (n == 1)
		return 0;
	bool windows = false;
	for (size_t i = 0; i < n; i++)
		windows |= has_window(&ans->recs[i]);
	if (!windows) {
		/* DNS semantics: the one record that is a DKIM key. */
		int found = -1;
		for (size_t i = 0; i < n; i++) {
			da_keyrec k;
			char e[64];
			dkimarc_reason r = da_keyrec_parse(ans->recs[i].txt, ans->recs[i].txt_len,
			                                   &k, e, sizeof e);
			if (da_reason_status(r)) {
				*reason = r;
				return -1;
			}
			if (r == DKIMARC_REASON_OK) {
				if (found >= 0 &&
				    !(ans->recs[found].txt_len == ans->recs[i].txt_len &&
				      memcmp(ans->recs[found].txt, ans->recs[i].txt,
				             ans->recs[i].txt_len) == 0)) {
					da_keyrec_clear(&k);
					*reason = DKIMARC_REASON_KEY_AMBIGUOUS;
					snprintf(
					    err, errlen,
					    "%zu records at the name parse as different DKIM keys",
					    n);
					return -1;
				}
				if (found < 0)
					found = (int)i;
			}
			da_keyrec_clear(&k);
		}
		if (found < 0)
			found = 0;
		snprintf(buf, sizeof buf,
		         "%zu records at the name; the one that is a DKIM key used", n);
		return (*choice = da_strdup(buf)) ? found : nomem(reason);
	}
	if (when < 0) {
		/* Without a time, the most recently seen record. */
		size_t best = 0;
		for (size_t i = 1; i < n; i++)
			if (ans->recs[i].last_seen >= ans->recs[best].last_seen)
				best = i;
		snprintf(buf, sizeof buf,
		         "%zu records; no signature time or Date, so the most recently seen "
		         "(%s) used",
		         n, ans->recs[best].origin ? ans->recs[best].origin : "?");
		return (*choice = da_strdup(buf)) ? (int)best : nomem(reason);
	}
	int best = -1;
	int64_t bestd = INT64_MAX;
	for (size_t i = 0; i < n; i++) {
		const dkimarc_keyrec *r = &ans->recs[i];
		bool in = (r->first_seen < 0 || r->first_seen <= when) &&
		          (r->last_seen < 0 || when <= r->last_seen);
		int64_t d = in                                             ? 0
		            : (r->first_seen >= 0 && when < r->first_seen) ? r->first_seen - when
		                                                           : when - r->last_seen;
		/* Among containing windows, the latest first_seen is the tightest. */
		if (d < bestd || (d == bestd && d == 0 && best >= 0 &&
		                  r->first_seen > ans->recs[best].first_seen)) {
			best = (int)i;
			bestd = d;
		}
	}
	const dkimarc_keyrec *r = &ans->recs[best];
	if (bestd == 0) {
		snprintf(buf, sizeof buf, "%zu records; %s seen %s..%s contains the %s %s", n,
		         r->origin ? r->origin : "?", fmt_time(r->first_seen, t1, sizeof t1),
		         fmt_time(r->last_seen, t2, sizeof t2), when_what,
		         fmt_time(when, t3, sizeof t3));
	} else {
		*flags |= DKIMARC_FLAG_KEY_OUTSIDE_WINDOW;
		snprintf(buf, sizeof buf,
		         "%zu records; none seen at the %s %s; nearest, %s seen %s..%s, used", n,
		         when_what, fmt_time(when, t3, sizeof t3), r->origin ? r->origin : "?",
		         fmt_time(r->first_seen, t1, sizeof t1),
		         fmt_time(r->last_seen, t2, sizeof t2));
	}
	return (*choice = da_strdup(buf)) ? best : nomem(reason);
}

/* kind: the source that answered (a chain's member); DNS origins already name it. */
static char *key_source_text(const char *kind, const dkimarc_keyrec *r)
{
	char buf[600];
	const char *o = r->origin ? r->origin : "?";
	size_t kl = kind ? strlen(kind) : 0;
	int n = kl && !(strncmp(o, kind, kl) == 0 && o[kl] == ' ')
	            ? snprintf(buf, sizeof buf, "%s %s", kind, o)
	            : snprintf(buf, sizeof buf, "%s", o);
	if (r->source && n > 0 && (size_t)n < sizeof buf)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " (from %s)", r->source);
	if (r->dnssec >= 0 && n > 0 && (size_t)n < sizeof buf)
		snprintf(buf + n, sizeof buf - (size_t)n, ", dnssec: %s",
		         r->dnssec ? "validated-by-resolver" : "unvalidated");
	return da_strdup(buf);
}

/* The record's own rules against the signature; OK or a permerror reason. */
static dkimarc_reason check_record(const da_keyrec *k, const da_sigparams *sp, char *err,
                                   size_t errlen)
{
	if (k->revoked) {
		snprintf(err, errlen, "the key record has an empty p=: the key was revoked");
		return DKIMARC_REASON_KEY_REVOKED;
	}
	if (k->key_type != sp->key_type) {
		snprintf(err, errlen, "%s",
		         k->key_type == DA_KEY_ED25519 ? "key is Ed25519 but a= names RSA"
		                                       : "key is RSA but a= names Ed25519");
		return DKIMARC_REASON_KEY_TYPE_MISMATCH;
	}
	if (!(k->hashes & (unsigned)sp->hash)) {
		snprintf(err, errlen, "%s",
		         sp->hash == DA_HASH_SHA1 ? "the key's h= does not allow sha1"
		                                  : "the key's h= does not allow sha256");
		return DKIMARC_REASON_KEY_HASH_NOT_ALLOWED;
	}
	if (!k->service_email) {
		snprintf(err, errlen, "the key's s= does not include email");
		return DKIMARC_REASON_KEY_SERVICE_MISMATCH;
	}
	if (k->strict && strcmp(sp->auid_domain, sp->domain) != 0) {
		snprintf(err, errlen, "the key has t=s but i= is in subdomain %s of d=%s",
		         sp->auid_domain, sp->domain);
		return DKIMARC_REASON_KEY_STRICT_SUBDOMAIN;
	}
	return DKIMARC_REASON_OK;
}

/*
 * Findings about the key from outside it (keymarks.h): its private key
 * published (by the verification time), or a prime shared with another key.
 */
static void mark_defect(const dkimarc_ctx *ctx, const unsigned char fp[32], da_key *k)
{
	int64_t at = ctx->at >= 0 ? ctx->at : (int64_t)time(NULL);
	const da_keymark *m =
	    da_keymarks_find(ctx->keymarks, fp, DKIMARC_REASON_KEY_PRIVATE_PUBLISHED);
	if (m && m->published > at)
		m = NULL; /* judged as of a time the key was still secret (--at) */
	if (!m)
		m = da_keymarks_find(ctx->keymarks, fp, DKIMARC_REASON_KEY_SHARED_PRIME);
	if (m) {
		k->defect = m->reason;
		snprintf(k->defect_err, sizeof k->defect_err, "%s", m->text);
	}
}

dkimarc_reason da_key_fetch(const dkimarc_ctx *ctx, const da_sigparams *sp, int64_t date, da_key *k,
                            dkimarc_result *res, char *err, size_t errlen)
{
	char name[600];
	memset(k, 0, sizeof *k);
	*res = DKIMARC_RES_PERMERROR;
	snprintf(name, sizeof name, "%s._domainkey.%s", sp->selector, sp->domain);
	if (!ctx->keysrc) {
		snprintf(err, errlen, "no key source is configured to look up %s", name);
		return DKIMARC_REASON_KEY_NOT_FOUND;
	}
	dkimarc_answer *ans = NULL;
	int rc = dkimarc_keysrc_lookup(ctx->keysrc, name, &ans);
	if (rc == DKIMARC_ENOMEM || rc == DKIMARC_ECRYPTO) {
		/* Our failure, not the source's answer: an error, not a temperror. */
		dkimarc_answer_free(ans);
		return da_status_reason(rc);
	}
	if (rc != DKIMARC_OK || !ans) {
		snprintf(err, errlen, "key lookup for %s failed: %s", name, dkimarc_last_error());
		dkimarc_answer_free(ans);
		*res = DKIMARC_RES_TEMPERROR;
		return DKIMARC_REASON_DNS_TEMPFAIL;
	}
	if (ans->status != DKIMARC_LOOKUP_FOUND || ans->n == 0) {
		bool temp = ans->status == DKIMARC_LOOKUP_TEMPFAIL;
		snprintf(err, errlen, "%s: %s", temp ? "key lookup failed temporarily" : "no key",
		         ans->why ? ans->why : name);
		dkimarc_answer_free(ans);
		*res = temp ? DKIMARC_RES_TEMPERROR : DKIMARC_RES_PERMERROR;
		return temp ? DKIMARC_REASON_DNS_TEMPFAIL : DKIMARC_REASON_KEY_NOT_FOUND;
	}
	dkimarc_reason why = DKIMARC_REASON_OK;
	int64_t when = sp->t >= 0 ? sp->t : date;
	/* Keys recovered from signatures (keyanchor.h): only for what the own records miss. */
	size_t nall = ans->n, nrec = da_anchor_partition(ans);
	bool use_rec = nrec && sp->kind == DA_SIG_DKIM && sp->key_type == DA_KEY_RSA;
	int idx = -1;
	ans->n -= nrec;
	if (ans->n > 0)
		idx = choose_record(ans, when, sp->t >= 0 ? "signature time t=" : "Date",
		                    &k->choice, &k->flags, &why, err, errlen);
	ans->n = nall;
	if (da_reason_status(why)) {
		dkimarc_answer_free(ans);
		return why;
	}
	if (use_rec) {
		int j;
		int arc = da_anchor_pick(ctx, sp, ans, nrec, idx, k, &j);
		if (arc != 0) {
			dkimarc_answer_free(ans);
			return da_status_reason(arc);
		}
		if (j >= 0 && j != idx)
			why = DKIMARC_REASON_OK;
		idx = j;
	} else if (nrec == nall) {
		why = DKIMARC_REASON_KEY_NOT_FOUND;
		snprintf(err, errlen,
		         "no key at %s but keys recovered from RSA DKIM signatures, which serve "
		         "only those",
		         name);
	}
	if (idx < 0) {
		dkimarc_answer_free(ans);
		return why;
	}
	const dkimarc_keyrec *rec = &ans->recs[idx];
	/* The archive saw the key last before this signature claims to have been made. */
	if (sp->t >= 0 && rec->last_seen >= 0 && sp->t > rec->last_seen)
		k->flags |= DKIMARC_FLAG_SIGNED_AFTER_KEY_LAST_SEEN;
	k->has_rec = da_keyrec_copy(&k->rec, rec) == 0;
	k->source =
	    k->ru.recovered ? da_anchor_source(rec, &k->ru) : key_source_text(ans->kind, rec);
	if (!k->has_rec || !k->source) {
		dkimarc_answer_free(ans);
		return DA_REASON_ENOMEM;
	}
	da_pkinfo pi;
	why = da_pkcache_record(ctx->pkcache, rec->txt, rec->txt_len, &pi, err, errlen);
	dkimarc_answer_free(ans);
	if (why != DKIMARC_REASON_OK)
		return why;
	if (pi.tags.testing)
		k->flags |= DKIMARC_FLAG_KEY_TESTING;
	why = check_record(&pi.tags, sp, err, errlen);
	if (why == DKIMARC_REASON_OK) {
		k->bits = pi.bits;
		if (pi.pkey) {
			k->pkey = pi.pkey;
			k->prep = pi.prep;
			pi.pkey = NULL;
			k->defect = pi.decode;
			if (k->defect != DKIMARC_REASON_OK)
				snprintf(k->defect_err, sizeof k->defect_err, "%s", pi.decode_err);
			else if (pi.has_fp)
				mark_defect(ctx, pi.fp, k);
		} else {
			why = pi.decode;
			snprintf(err, errlen, "%s", pi.decode_err);
		}
	}
	da_pkinfo_clear(&pi);
	return why;
}

void da_key_clear(da_key *k)
{
	EVP_PKEY_free(k->pkey);
	free(k->source);
	free(k->choice);
	free(k->ru.other);
	if (k->has_rec)
		da_keyrec_free_strings(&k->rec);
	memset(k, 0, sizeof *k);
}
