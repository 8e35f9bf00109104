/**
 * @file
 * Reports: the verdict of a message, its reasons and flags, one result per
 * signature, and the forensic facts a report can carry.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_REPORT_H
#define DKIMARC_PUBLIC_REPORT_H

#include "keysrc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Results                                                              */
/* ------------------------------------------------------------------ */

/** Per-signature result, in RFC 8601 terms. */
typedef enum {
	DKIMARC_RES_NONE = 0,
	DKIMARC_RES_PASS,
	DKIMARC_RES_FAIL,
	DKIMARC_RES_NEUTRAL,
	DKIMARC_RES_POLICY,
	DKIMARC_RES_TEMPERROR,
	DKIMARC_RES_PERMERROR,
} dkimarc_result;

/** Stable reason codes; dkimarc_reason_str() gives the JSON name. */
typedef enum {
	DKIMARC_REASON_OK = 0,
	DKIMARC_REASON_BODY_HASH_MISMATCH,
	DKIMARC_REASON_SIGNATURE_MISMATCH,
	DKIMARC_REASON_KEY_NOT_FOUND,
	DKIMARC_REASON_KEY_REVOKED,
	DKIMARC_REASON_KEY_SYNTAX,
	DKIMARC_REASON_KEY_TOO_WEAK,
	DKIMARC_REASON_KEY_TOO_LARGE,
	DKIMARC_REASON_KEY_HASH_NOT_ALLOWED,
	DKIMARC_REASON_KEY_TYPE_MISMATCH,
	DKIMARC_REASON_KEY_SERVICE_MISMATCH,
	DKIMARC_REASON_KEY_STRICT_SUBDOMAIN,
	DKIMARC_REASON_KEY_AMBIGUOUS,
	DKIMARC_REASON_SIG_SYNTAX,
	DKIMARC_REASON_SIG_MISSING_TAG,
	DKIMARC_REASON_SIG_VERSION,
	DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED,
	DKIMARC_REASON_SIG_FROM_NOT_SIGNED,
	DKIMARC_REASON_SIG_AUID_MISMATCH,
	DKIMARC_REASON_SIG_BODY_LENGTH_EXCEEDS,
	DKIMARC_REASON_SIG_EXPIRED,
	DKIMARC_REASON_POLICY_RSA_SHA1,
	DKIMARC_REASON_DNS_TEMPFAIL,
	DKIMARC_REASON_LIMIT_EXCEEDED,
	DKIMARC_REASON_KEY_MISMATCH,     /**< RSA: the signature was not made with this key */
	DKIMARC_REASON_KEY_SMALL_FACTOR, /**< RSA modulus prime or with a small factor */
	/* Message-level codes: only dkimarc_report_verdict_code() returns these. */
	DKIMARC_REASON_HEADER_MALFORMED,     /**< a header line that readers split differently */
	DKIMARC_REASON_UNSIGNED_FIELD_ADDED, /**< an unsigned extra instance of a once-only field */
	DKIMARC_REASON_DISPLAY_DIFFERS,      /**< what a reader shows is not what was signed */
	DKIMARC_REASON_MULTIPLE_FROM,        /**< several From fields, all signed */
	DKIMARC_REASON_BODY_BEYOND_LENGTH,   /**< content after the signed l= bytes */
	DKIMARC_REASON_NO_SIGNATURE,         /**< no DKIM-Signature field */
	/* Key findings (docs/keys.md): signature reasons again, numbered after those above. */
	DKIMARC_REASON_KEY_FERMAT,       /**< RSA primes so close that Fermat's method factors n */
	DKIMARC_REASON_KEY_ROCA,         /**< RSA key with the ROCA fingerprint (CVE-2017-15361) */
	DKIMARC_REASON_KEY_SHARED_PRIME, /**< RSA modulus sharing a prime with another key */
	DKIMARC_REASON_KEY_BAD_EXPONENT, /**< RSA exponent even, 1, or below 3 */
	DKIMARC_REASON_KEY_PRIVATE_IN_DNS,    /**< the record's p= holds a private key */
	DKIMARC_REASON_KEY_PRIVATE_PUBLISHED, /**< the private key has been published */
	DKIMARC_REASON_KEY_RECOVERED, /**< verifies only with a key recovered from signatures */
	DKIMARC_REASON_COUNT_
} dkimarc_reason;

/** What a message amounts to; see docs/verdicts.md. */
typedef enum {
	DKIMARC_VERDICT_CONFIRMED = 0,
	DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY,
	DKIMARC_VERDICT_WEAK,
	DKIMARC_VERDICT_ALTERED,
	DKIMARC_VERDICT_UNVERIFIABLE,
	DKIMARC_VERDICT_UNSIGNED,
	DKIMARC_VERDICT_CONSISTENT, /**< verifies with a key recovered from the corpus alone */
} dkimarc_verdict;

/** Red flags (bit mask), on a signature and on the report. */
#define DKIMARC_FLAG_FROM_UNSIGNED              (1u << 0)  /**< From is not in h= */
#define DKIMARC_FLAG_FROM_NOT_OVERSIGNED        (1u << 1)  /**< another From could be added above */
#define DKIMARC_FLAG_SUBJECT_UNSIGNED           (1u << 2)  /**< Subject is not in h= */
#define DKIMARC_FLAG_SUBJECT_NOT_OVERSIGNED     (1u << 3)  /**< another Subject could be added */
#define DKIMARC_FLAG_DATE_UNSIGNED              (1u << 4)  /**< Date is not in h= */
#define DKIMARC_FLAG_DATE_NOT_OVERSIGNED        (1u << 5)  /**< another Date could be added */
#define DKIMARC_FLAG_TO_UNSIGNED                (1u << 6)  /**< To is not in h= */
#define DKIMARC_FLAG_TO_NOT_OVERSIGNED          (1u << 7)  /**< another To could be added */
#define DKIMARC_FLAG_CC_UNSIGNED                (1u << 8)  /**< Cc is not in h= */
#define DKIMARC_FLAG_CC_NOT_OVERSIGNED          (1u << 9)  /**< another Cc could be added */
#define DKIMARC_FLAG_BODY_BEYOND_LENGTH         (1u << 10) /**< content after l= */
#define DKIMARC_FLAG_MULTIPLE_FROM              (1u << 11) /**< several From fields */
#define DKIMARC_FLAG_EXPIRED                    (1u << 12) /**< x= before verification time */
#define DKIMARC_FLAG_KEY_TESTING                (1u << 13) /**< key t=y */
#define DKIMARC_FLAG_RSA_SHA1                   (1u << 14) /**< a=rsa-sha1 */
#define DKIMARC_FLAG_TIMESTAMP_FUTURE           (1u << 15) /**< t= after verification time */
#define DKIMARC_FLAG_TIMESTAMP_FAR_FROM_DATE    (1u << 16) /**< t= and Date over a day apart */
#define DKIMARC_FLAG_LF_LINE_ENDINGS            (1u << 17) /**< stored with bare LF */
#define DKIMARC_FLAG_KEY_OUTSIDE_WINDOW         (1u << 18) /**< archive record not seen at t= */
#define DKIMARC_FLAG_FROM_MISSING               (1u << 19) /**< no From field */
#define DKIMARC_FLAG_FROM_AMBIGUOUS             (1u << 20) /**< From does not read one way */
#define DKIMARC_FLAG_MIXED_LINE_ENDINGS         (1u << 21) /**< both CRLF and bare LF lines */
#define DKIMARC_FLAG_HEADER_MALFORMED           (1u << 22) /**< a line readers split otherwise */
#define DKIMARC_FLAG_UNSIGNED_FIELD_ADDED       (1u << 23) /**< unsigned 2nd Subject, To, ... */
#define DKIMARC_FLAG_DISPLAY_DIFFERS            (1u << 24) /**< reader's view is not the signed one */
#define DKIMARC_FLAG_SIGNED_AFTER_KEY_LAST_SEEN (1u << 25) /**< t= after the record's last_seen */
#define DKIMARC_FLAG_COUNT_                     26 /**< number of flag bits defined (may grow) */

/** RFC 8601 word for a result ("pass"); "unknown" if out of range. Static, thread-safe. */
DKIMARC_API const char *dkimarc_result_str(dkimarc_result r);
/** Stable JSON name of a reason ("body_hash_mismatch"); "unknown" if out of range. Static. */
DKIMARC_API const char *dkimarc_reason_str(dkimarc_reason r);
/** Name of a verdict ("confirmed-third-party"); "unknown" if out of range. Static. */
DKIMARC_API const char *dkimarc_verdict_str(dkimarc_verdict v);
/** Name of one flag bit ("from_unsigned"), or NULL if not exactly one known bit. Static. */
DKIMARC_API const char *dkimarc_flag_str(uint32_t flag);

/**
 * The outcome of verifying one message: verdict, flags and one dkimarc_sig
 * per DKIM-Signature field. Immutable once made; free it with
 * dkimarc_report_free(). Opaque.
 */
typedef struct dkimarc_report dkimarc_report;
/** One signature's result and facts, owned by its report. Opaque. */
typedef struct dkimarc_sig dkimarc_sig;

/** The message's verdict (docs/verdicts.md); DKIMARC_VERDICT_UNSIGNED for NULL. */
DKIMARC_API dkimarc_verdict dkimarc_report_verdict(const dkimarc_report *r);
/**
 * Stable code for why the message got its verdict (docs/verdicts.md): DKIMARC_REASON_OK for
 * a confirmed message, the deciding signature's reason, or a message-level code
 * (DKIMARC_REASON_HEADER_MALFORMED ... DKIMARC_REASON_NO_SIGNATURE). NO_SIGNATURE for NULL.
 */
DKIMARC_API dkimarc_reason dkimarc_report_verdict_code(const dkimarc_report *r);
/** Human sentence saying why the message got its verdict; owned by r; NULL for NULL. */
DKIMARC_API const char *dkimarc_report_verdict_reason(const dkimarc_report *r);
/** The message's DKIMARC_FLAG_* bits: the deciding signature's and message-level ones. */
DKIMARC_API uint32_t dkimarc_report_flags(const dkimarc_report *r);
/** Domain of the From address, owned by r; NULL if none could be found. */
DKIMARC_API const char *dkimarc_report_from_domain(const dkimarc_report *r);
/** Number of DKIM-Signature fields; those past the signature limit are reported unevaluated. */
DKIMARC_API size_t dkimarc_report_sig_count(const dkimarc_report *r);
/** Signature i (0-based, header order, top first), owned by r; NULL if out of range. */
DKIMARC_API const dkimarc_sig *dkimarc_report_sig(const dkimarc_report *r, size_t i);
/** Time the message was judged at (unix seconds); -1 for NULL. */
DKIMARC_API int64_t dkimarc_report_time(const dkimarc_report *r);
/**
 * Renders the report as one line of JSON (docs/json.md, no trailing
 * newline). file (may be NULL) fills the "file" key. Release *out with
 * dkimarc_free(). Errors: DKIMARC_EINVAL (NULL r or out), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_report_json(const dkimarc_report *r, const char *file, char **out);
/**
 * A member a caller adds to an object the library writes as JSON:
 * `"name":value`. The name is written as a JSON string; the value is JSON
 * text, exactly one value (object, array, string, number, true, false or
 * null), written as given after a check of its syntax.
 */
typedef struct dkimarc_json_member {
	const char *name;  /**< the member's name (UTF-8) */
	const char *value; /**< its value, as JSON text */
} dkimarc_json_member;
/**
 * As dkimarc_report_json(), with the caller's members in the same object:
 * the nlead members of lead right after "file", the ntrail of trail at the
 * end, each list in its order (either may be NULL with a count of 0). So a
 * tool adds what it knows of a report (where the message lies, how it was
 * run) without rewriting JSON text. Errors: DKIMARC_EINVAL also when a
 * member has no name or value, a value is not one JSON value, or a name is
 * one of the report's own members or given twice.
 */
DKIMARC_API int dkimarc_report_json_ext(const dkimarc_report *r, const char *file,
                                        const dkimarc_json_member *lead, size_t nlead,
                                        const dkimarc_json_member *trail, size_t ntrail,
                                        char **out);
/**
 * Renders the report for people, as `dkimarc verify` prints it; file may be
 * NULL. Release *out with dkimarc_free(). Errors: as dkimarc_report_json().
 */
DKIMARC_API int dkimarc_report_text(const dkimarc_report *r, const char *file, char **out);
/** Frees a report and everything read from it. Accepts NULL. */
DKIMARC_API void dkimarc_report_free(dkimarc_report *r);

/** The signature's result; DKIMARC_RES_NONE for NULL. */
DKIMARC_API dkimarc_result dkimarc_sig_result(const dkimarc_sig *s);
/** The stable reason code for the result; DKIMARC_REASON_OK for a pass. */
DKIMARC_API dkimarc_reason dkimarc_sig_reason(const dkimarc_sig *s);
/** Human sentence for the result, owned by the report. */
DKIMARC_API const char *dkimarc_sig_reason_text(const dkimarc_sig *s);
/** The signature's DKIMARC_FLAG_* bits. */
DKIMARC_API uint32_t dkimarc_sig_flags(const dkimarc_sig *s);
/** d= as written, owned by the report (NULL when absent or unparsable). */
DKIMARC_API const char *dkimarc_sig_domain(const dkimarc_sig *s);
/** s= as written, owned by the report, or NULL. */
DKIMARC_API const char *dkimarc_sig_selector(const dkimarc_sig *s);
/** a= as written ("rsa-sha256"), owned by the report, or NULL. */
DKIMARC_API const char *dkimarc_sig_algorithm(const dkimarc_sig *s);
/**
 * i= decoded from dkim-quoted-printable (RFC 6376 §2.11: "=40" is "@",
 * whitespace dropped), owned by the report, or NULL. As written when it does
 * not decode: the signature is then DKIMARC_REASON_SIG_SYNTAX.
 */
DKIMARC_API const char *dkimarc_sig_auid(const dkimarc_sig *s);
/** "relaxed/simple" etc., or NULL. */
DKIMARC_API const char *dkimarc_sig_canonicalization(const dkimarc_sig *s);
/** Key size in bits (0 when no key was used). */
DKIMARC_API unsigned dkimarc_sig_key_bits(const dkimarc_sig *s);
/** Where the key came from ("archive keys.zone:12", "dns ..."), or NULL. */
DKIMARC_API const char *dkimarc_sig_key_source(const dkimarc_sig *s);
/** Why that record was chosen among several, or NULL. */
DKIMARC_API const char *dkimarc_sig_key_choice(const dkimarc_sig *s);
/** The record used, or NULL. */
DKIMARC_API const dkimarc_keyrec *dkimarc_sig_key_record(const dkimarc_sig *s);
/** Number of signed header field names (h=). */
DKIMARC_API size_t dkimarc_sig_header_count(const dkimarc_sig *s);
/** Signed header field name i, in h= order, owned by the report; NULL if out of range. */
DKIMARC_API const char *dkimarc_sig_header(const dkimarc_sig *s, size_t i);
/** l= (or -1 if absent). */
DKIMARC_API int64_t dkimarc_sig_body_length(const dkimarc_sig *s);
/** t=, unix seconds (or -1 if absent). */
DKIMARC_API int64_t dkimarc_sig_timestamp(const dkimarc_sig *s);
/** x=, unix seconds (or -1 if absent). */
DKIMARC_API int64_t dkimarc_sig_expiration(const dkimarc_sig *s);
/** Canonical body length seen by this signature's hash (before l=). */
DKIMARC_API uint64_t dkimarc_sig_body_bytes(const dkimarc_sig *s);
/** Non-zero when the signature's d= aligns with the From domain (PSL). */
DKIMARC_API int dkimarc_sig_aligned(const dkimarc_sig *s);

/* ------------------------------------------------------------------ */
/* Forensics: what changed, explain, Authentication-Results             */
/* ------------------------------------------------------------------ */

/*
 * For people who must show their work (docs/forensics.md). None of this
 * changes a result or a verdict: it explains them. Everything here is about
 * DKIM-Signature fields; the ARC signatures of a report carry none of it.
 */

/** What a diagnosis found; dkimarc_finding_str() gives the JSON name. */
typedef enum {
	DKIMARC_FINDING_NONE = -1,        /**< no such finding: what an index out of range gives */
	DKIMARC_FINDING_BODY_CHANGED = 0, /**< the body does not hash to bh=; lengths in the text */
	DKIMARC_FINDING_HEADERS_INTACT,   /**< the body changed, the signed fields did not */
	DKIMARC_FINDING_HEADERS_CHANGED,  /**< the body is intact, signed header fields changed */
	DKIMARC_FINDING_KEY_MISMATCH,     /**< this key did not make this signature */
	DKIMARC_FINDING_COPIED_HEADER_DIFFERS, /**< a signed field differs from its z= copy */
	DKIMARC_FINDING_SUBJECT_TAG,           /**< a "[list]" tag prefixed to Subject */
	DKIMARC_FINDING_FOOTER_BEYOND_LENGTH,  /**< content after l=; the signed part verifies */
	DKIMARC_FINDING_FOOTER_APPENDED,       /**< text appended to a body signed without l= */
	DKIMARC_FINDING_HEADER_REFOLDED, /**< a field re-folded (simple header canonicalization) */
	DKIMARC_FINDING_BODY_REENCODED,  /**< quoted-printable / 8bit re-encoding */
	DKIMARC_FINDING_LINE_ENDINGS,    /**< CR/LF damage */
	DKIMARC_FINDING_DOT_STUFFING,    /**< SMTP dot-stuffing left in the body */
	DKIMARC_FINDING_NOT_TRIED,       /**< a part of the diagnosis skipped (size, limit) */
	DKIMARC_FINDING_COUNT_
} dkimarc_finding;

/** Stable name of a finding ("footer_appended"); "unknown" if out of range. Static. */
DKIMARC_API const char *dkimarc_finding_str(dkimarc_finding f);
/** Number of findings of a signature's diagnosis; 0 without dkimarc_ctx_set_diagnose(). */
DKIMARC_API size_t dkimarc_sig_finding_count(const dkimarc_sig *s);
/** Kind of finding i; DKIMARC_FINDING_NONE for NULL or when i is out of range. */
DKIMARC_API dkimarc_finding dkimarc_sig_finding_kind(const dkimarc_sig *s, size_t i);
/** The header field finding i is about ("Subject"), owned by the report; NULL if none. */
DKIMARC_API const char *dkimarc_sig_finding_field(const dkimarc_sig *s, size_t i);
/** Finding i as a sentence for people, owned by the report; NULL when out of range. */
DKIMARC_API const char *dkimarc_sig_finding_text(const dkimarc_sig *s, size_t i);
/**
 * For a finding that names a step (a tag, footer, re-folding, re-encoding,
 * z= copy): 1 when the signature verifies once the step is undone on a
 * copy of the message, 0 when it still does not; -1 when the finding names
 * no step that can be undone, or i is out of range.
 */
DKIMARC_API int dkimarc_sig_finding_undo(const dkimarc_sig *s, size_t i);

/**
 * The signature's b= value without whitespace, owned by the report (the
 * first 8 characters are RFC 6008's header.b); NULL when the signature
 * could not be parsed.
 */
DKIMARC_API const char *dkimarc_sig_b(const dkimarc_sig *s);
/**
 * bh= as claimed (decoded, then written again as base64 without
 * whitespace), owned by the report; NULL when unparsable.
 */
DKIMARC_API const char *dkimarc_sig_bh(const dkimarc_sig *s);
/**
 * The body hash computed from the message (base64, as bh= writes it),
 * owned by the report; NULL when it was not computed.
 */
DKIMARC_API const char *dkimarc_sig_bh_computed(const dkimarc_sig *s);
/**
 * With dkimarc_ctx_set_explain(): the exact bytes hashed for the header
 * digest (RFC 6376 §3.7): the signed fields canonicalized, each ending in
 * CRLF, then the DKIM-Signature with b= emptied and no final CRLF. Owned by
 * the report; *len gets their number. NULL (and *len 0) without explain or
 * for a signature that could not be parsed. len may be NULL.
 */
DKIMARC_API const char *dkimarc_sig_hashed_headers(const dkimarc_sig *s, size_t *len);
/**
 * With dkimarc_ctx_set_explain(): the header digest (SHA-256 or SHA-1 of
 * dkimarc_sig_hashed_headers()), owned by the report, *len bytes; NULL
 * otherwise. len may be NULL.
 */
DKIMARC_API const unsigned char *dkimarc_sig_header_digest(const dkimarc_sig *s, size_t *len);
/**
 * With dkimarc_ctx_set_explain(): b= decoded, the signature's bytes, owned
 * by the report, *len bytes; NULL otherwise. len may be NULL.
 */
DKIMARC_API const unsigned char *dkimarc_sig_signature(const dkimarc_sig *s, size_t *len);
/**
 * The public key the signature was checked with, as a PEM
 * SubjectPublicKeyInfo ("-----BEGIN PUBLIC KEY-----"), which
 * `openssl pkeyutl -pubin` reads. Release *out with dkimarc_free().
 * Thread-safe. Errors: DKIMARC_EINVAL (NULL argument, or no usable key was
 * found for the signature), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_sig_key_pem(const dkimarc_sig *s, char **out);

/**
 * The message's Date field (RFC 5322) as unix time, as the verifier read it
 * to choose among archived keys; -1 when absent or unreadable, or for NULL.
 * A Date is what the sender's software wrote: evidence only as far as a
 * verifying signature covers it (Date in h=).
 */
DKIMARC_API int64_t dkimarc_report_date(const dkimarc_report *r);

/**
 * Display fields (Subject, To, Cc, Date, Reply-To, Sender, Message-ID,
 * MIME-Version, Content-Type, Content-Transfer-Encoding) present once in a
 * confirmed, confirmed-third-party or consistent message that the deciding
 * signatures do not cover: what a reader shows there is nobody's signed word.
 * Their number (0 for other verdicts and for NULL).
 */
DKIMARC_API size_t dkimarc_report_unsigned_count(const dkimarc_report *r);
/** Unsigned display field i ("Subject"), static; NULL if out of range. */
DKIMARC_API const char *dkimarc_report_unsigned_field(const dkimarc_report *r, size_t i);

/**
 * Renders an Authentication-Results header field (RFC 8601) for the
 * report: "Authentication-Results: AUTHSERV-ID;" then one dkim= result per
 * DKIM-Signature (dkim=none when there is none) with reason=, header.d,
 * header.i, header.s, header.a and header.b (the first 8 characters of b=,
 * RFC 6008), and arc= with the chain's result (RFC 8617) and
 * header.oldest-pass on a pass. Folded, each result on its own line; line
 * ends are CRLF, or LF when the message had bare-LF line ends; it ends with
 * a line end, ready to be put at the top of the header. Release *out with
 * dkimarc_free(). Thread-safe. Errors: DKIMARC_EINVAL (NULL argument, or an
 * authserv-id that is empty or not a dot-atom/token), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_report_authres(const dkimarc_report *r, const char *authserv_id,
                                       char **out);

#ifdef __cplusplus
}
#endif
#endif
