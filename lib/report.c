/* Report and signature objects: accessors and names of codes. The JSON rendering is
 * in report_json.c, the text one in report_text.c. */
#include "forensic.h"
#include "internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- names ---------------------------------------------------------------- */

static const char *const result_names[] = {
    [DKIMARC_RES_NONE] = "none",           [DKIMARC_RES_PASS] = "pass",
    [DKIMARC_RES_FAIL] = "fail",           [DKIMARC_RES_NEUTRAL] = "neutral",
    [DKIMARC_RES_POLICY] = "policy",       [DKIMARC_RES_TEMPERROR] = "temperror",
    [DKIMARC_RES_PERMERROR] = "permerror",
};

static const char *const reason_names[DKIMARC_REASON_COUNT_] = {
    [DKIMARC_REASON_OK] = "ok",
    [DKIMARC_REASON_BODY_HASH_MISMATCH] = "body_hash_mismatch",
    [DKIMARC_REASON_SIGNATURE_MISMATCH] = "signature_mismatch",
    [DKIMARC_REASON_KEY_NOT_FOUND] = "key_not_found",
    [DKIMARC_REASON_KEY_REVOKED] = "key_revoked",
    [DKIMARC_REASON_KEY_SYNTAX] = "key_syntax",
    [DKIMARC_REASON_KEY_TOO_WEAK] = "key_too_weak",
    [DKIMARC_REASON_KEY_TOO_LARGE] = "key_too_large",
    [DKIMARC_REASON_KEY_HASH_NOT_ALLOWED] = "key_hash_not_allowed",
    [DKIMARC_REASON_KEY_TYPE_MISMATCH] = "key_type_mismatch",
    [DKIMARC_REASON_KEY_SERVICE_MISMATCH] = "key_service_mismatch",
    [DKIMARC_REASON_KEY_STRICT_SUBDOMAIN] = "key_strict_subdomain",
    [DKIMARC_REASON_KEY_AMBIGUOUS] = "key_ambiguous",
    [DKIMARC_REASON_SIG_SYNTAX] = "sig_syntax",
    [DKIMARC_REASON_SIG_MISSING_TAG] = "sig_missing_tag",
    [DKIMARC_REASON_SIG_VERSION] = "sig_version",
    [DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED] = "sig_algorithm_unsupported",
    [DKIMARC_REASON_SIG_FROM_NOT_SIGNED] = "sig_from_not_signed",
    [DKIMARC_REASON_SIG_AUID_MISMATCH] = "sig_auid_mismatch",
    [DKIMARC_REASON_SIG_BODY_LENGTH_EXCEEDS] = "sig_body_length_exceeds",
    [DKIMARC_REASON_SIG_EXPIRED] = "sig_expired",
    [DKIMARC_REASON_POLICY_RSA_SHA1] = "policy_rsa_sha1",
    [DKIMARC_REASON_DNS_TEMPFAIL] = "dns_tempfail",
    [DKIMARC_REASON_LIMIT_EXCEEDED] = "limit_exceeded",
    [DKIMARC_REASON_KEY_MISMATCH] = "key_mismatch",
    [DKIMARC_REASON_KEY_SMALL_FACTOR] = "key_small_factor",
    [DKIMARC_REASON_KEY_FERMAT] = "key_fermat",
    [DKIMARC_REASON_KEY_ROCA] = "key_roca",
    [DKIMARC_REASON_KEY_SHARED_PRIME] = "key_shared_prime",
    [DKIMARC_REASON_KEY_BAD_EXPONENT] = "key_bad_exponent",
    [DKIMARC_REASON_KEY_PRIVATE_IN_DNS] = "key_private_in_dns",
    [DKIMARC_REASON_KEY_PRIVATE_PUBLISHED] = "key_private_published",
    [DKIMARC_REASON_HEADER_MALFORMED] = "header_malformed",
    [DKIMARC_REASON_UNSIGNED_FIELD_ADDED] = "unsigned_field_added",
    [DKIMARC_REASON_DISPLAY_DIFFERS] = "display_differs",
    [DKIMARC_REASON_MULTIPLE_FROM] = "multiple_from",
    [DKIMARC_REASON_BODY_BEYOND_LENGTH] = "body_beyond_length",
    [DKIMARC_REASON_NO_SIGNATURE] = "no_signature",
    [DKIMARC_REASON_KEY_RECOVERED] = "key_recovered",
};

static const char *const verdict_names[] = {
    [DKIMARC_VERDICT_CONFIRMED] = "confirmed",
    [DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY] = "confirmed-third-party",
    [DKIMARC_VERDICT_WEAK] = "weak",
    [DKIMARC_VERDICT_ALTERED] = "altered",
    [DKIMARC_VERDICT_UNVERIFIABLE] = "unverifiable",
    [DKIMARC_VERDICT_UNSIGNED] = "unsigned",
    [DKIMARC_VERDICT_CONSISTENT] = "consistent",
};

/* Indexed by bit number. */
static const char *const flag_names[DKIMARC_FLAG_COUNT_] = {
    "from_unsigned",
    "from_not_oversigned",
    "subject_unsigned",
    "subject_not_oversigned",
    "date_unsigned",
    "date_not_oversigned",
    "to_unsigned",
    "to_not_oversigned",
    "cc_unsigned",
    "cc_not_oversigned",
    "body_beyond_length",
    "multiple_from",
    "expired",
    "key_testing",
    "rsa_sha1",
    "timestamp_future",
    "timestamp_far_from_date",
    "lf_line_endings",
    "key_outside_window",
    "from_missing",
    "from_ambiguous",
    "mixed_line_endings",
    "header_malformed",
    "unsigned_field_added",
    "display_differs",
    "signed_after_key_last_seen",
};

/* Out-of-range codes get a name rather than NULL so callers can print blindly. */
const char *dkimarc_result_str(dkimarc_result r)
{
	if ((unsigned)r >= sizeof result_names / sizeof result_names[0])
		return "unknown";
	return result_names[r];
}

const char *dkimarc_reason_str(dkimarc_reason r)
{
	if ((unsigned)r >= DKIMARC_REASON_COUNT_ || !reason_names[r])
		return "unknown";
	return reason_names[r];
}

const char *dkimarc_verdict_str(dkimarc_verdict v)
{
	if ((unsigned)v >= sizeof verdict_names / sizeof verdict_names[0])
		return "unknown";
	return verdict_names[v];
}

const char *dkimarc_flag_str(uint32_t flag)
{
	/* Exactly one known bit. */
	if (flag == 0 || (flag & (flag - 1)) != 0)
		return NULL;
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++)
		if (flag == (1u << i))
			return flag_names[i];
	return NULL;
}

/* ---- lifetime ------------------------------------------------------------- */

void dkimarc_report_free(dkimarc_report *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->nsigs; i++)
		da_sig_clear(&r->sigs[i]);
	free(r->sigs);
	free(r->verdict_reason);
	free(r->from_domain);
	da_arc_report_clear(&r->arc);
	free(r);
}

/* ---- report accessors ----------------------------------------------------- */

dkimarc_verdict dkimarc_report_verdict(const dkimarc_report *r)
{
	return r ? r->verdict : DKIMARC_VERDICT_UNSIGNED;
}

dkimarc_reason dkimarc_report_verdict_code(const dkimarc_report *r)
{
	return r ? r->verdict_code : DKIMARC_REASON_NO_SIGNATURE;
}

const char *dkimarc_report_verdict_reason(const dkimarc_report *r)
{
	return r ? r->verdict_reason : NULL;
}

uint32_t dkimarc_report_flags(const dkimarc_report *r)
{
	return r ? r->flags : 0;
}

const char *dkimarc_report_from_domain(const dkimarc_report *r)
{
	return r ? r->from_domain : NULL;
}

size_t dkimarc_report_sig_count(const dkimarc_report *r)
{
	return r ? r->nsigs : 0;
}

const dkimarc_sig *dkimarc_report_sig(const dkimarc_report *r, size_t i)
{
	if (!r || i >= r->nsigs)
		return NULL;
	return &r->sigs[i];
}

int64_t dkimarc_report_time(const dkimarc_report *r)
{
	return r ? r->at : -1;
}

int64_t dkimarc_report_date(const dkimarc_report *r)
{
	return r ? r->date : -1;
}

size_t dkimarc_report_unsigned_count(const dkimarc_report *r)
{
	return r ? r->nunsigned : 0;
}

const char *dkimarc_report_unsigned_field(const dkimarc_report *r, size_t i)
{
	return r && i < r->nunsigned ? r->unsigned_fields[i] : NULL;
}

/* ---- signature accessors -------------------------------------------------- */

dkimarc_result dkimarc_sig_result(const dkimarc_sig *s)
{
	return s ? s->result : DKIMARC_RES_NONE;
}

dkimarc_reason dkimarc_sig_reason(const dkimarc_sig *s)
{
	return s ? s->reason : DKIMARC_REASON_OK;
}

const char *dkimarc_sig_reason_text(const dkimarc_sig *s)
{
	return s ? s->reason_text : NULL;
}

uint32_t dkimarc_sig_flags(const dkimarc_sig *s)
{
	return s ? s->flags : 0;
}

const char *dkimarc_sig_domain(const dkimarc_sig *s)
{
	return s ? s->domain : NULL;
}

const char *dkimarc_sig_selector(const dkimarc_sig *s)
{
	return s ? s->selector : NULL;
}

const char *dkimarc_sig_algorithm(const dkimarc_sig *s)
{
	return s ? s->algorithm : NULL;
}

const char *dkimarc_sig_auid(const dkimarc_sig *s)
{
	return s ? s->auid : NULL;
}

const char *dkimarc_sig_canonicalization(const dkimarc_sig *s)
{
	return s ? s->canon : NULL;
}

unsigned dkimarc_sig_key_bits(const dkimarc_sig *s)
{
	return s ? s->key_bits : 0;
}

const char *dkimarc_sig_key_source(const dkimarc_sig *s)
{
	return s ? s->key_source : NULL;
}

const char *dkimarc_sig_key_choice(const dkimarc_sig *s)
{
	return s ? s->key_choice : NULL;
}

const dkimarc_keyrec *dkimarc_sig_key_record(const dkimarc_sig *s)
{
	return s && s->has_key ? &s->key : NULL;
}

size_t dkimarc_sig_header_count(const dkimarc_sig *s)
{
	return s ? s->nheaders : 0;
}

const char *dkimarc_sig_header(const dkimarc_sig *s, size_t i)
{
	if (!s || i >= s->nheaders)
		return NULL;
	return s->headers[i];
}

int64_t dkimarc_sig_body_length(const dkimarc_sig *s)
{
	return s ? s->l : -1;
}

int64_t dkimarc_sig_timestamp(const dkimarc_sig *s)
{
	return s ? s->t : -1;
}

int64_t dkimarc_sig_expiration(const dkimarc_sig *s)
{
	return s ? s->x : -1;
}

uint64_t dkimarc_sig_body_bytes(const dkimarc_sig *s)
{
	return s ? s->body_bytes : 0;
}

int dkimarc_sig_aligned(const dkimarc_sig *s)
{
	return s && s->aligned;
}
