/*
 * dkimarc: DKIM (RFC 6376, 8301, 8463) verification against live DNS or
 * archived keys.
 *
 * Error model (after libgit2): functions that can fail return an int status,
 * DKIMARC_OK (0) or a negative DKIMARC_E* code, and write results through
 * out-parameters. dkimarc_last_error() gives the calling thread's message for
 * its last failure. A signature that fails to verify is a *result*, not an
 * error: the call succeeds and the report says why the signature failed.
 *
 * Threads: a dkimarc_ctx is configured once, then read-only; any number of
 * threads may verify with one context at once. Key sources attached to a
 * context must be safe for concurrent lookups (the built-in ones are).
 * Reports and verifiers belong to one thread at a time.
 *
 * Every *_free function accepts NULL.
 */
#ifndef DKIMARC_H
#define DKIMARC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(DKIMARC_BUILDING) && defined(__GNUC__)
#define DKIMARC_API __attribute__((visibility("default")))
#else
#define DKIMARC_API
#endif

#define DKIMARC_VERSION_MAJOR  0
#define DKIMARC_VERSION_MINOR  1
#define DKIMARC_VERSION_PATCH  0
#define DKIMARC_VERSION_STRING "0.1.0"

/** Status codes returned by API calls. */
typedef enum {
	DKIMARC_OK = 0,
	DKIMARC_ENOMEM = -1,  /**< out of memory */
	DKIMARC_EINVAL = -2,  /**< invalid argument */
	DKIMARC_EIO = -3,     /**< file could not be read */
	DKIMARC_EFORMAT = -4, /**< malformed input file (archive line) */
	DKIMARC_ELIMIT = -5,  /**< a configured limit was exceeded */
	DKIMARC_ESTATE = -6,  /**< call not valid in the object's state */
	DKIMARC_ECRYPTO = -7, /**< the crypto library failed unexpectedly */
} dkimarc_status;

/** Library version string, e.g. "0.1.0". */
DKIMARC_API const char *dkimarc_version(void);
/** Static text for a status code. */
DKIMARC_API const char *dkimarc_strerror(int status);
/**
 * The calling thread's message for its last failed call ("" if none). Valid
 * until the thread's next dkimarc call.
 */
DKIMARC_API const char *dkimarc_last_error(void);

/* ------------------------------------------------------------------ */
/* Key sources                                                          */
/* ------------------------------------------------------------------ */

/** One key record as a key source found it, with its provenance. */
typedef struct dkimarc_keyrec {
	const char *txt;    /**< record text, TXT strings concatenated */
	size_t txt_len;     /**< bytes in txt (may hold NULs) */
	const char *origin; /**< human provenance: "keys.zone:12", "dns 127.0.0.1:53" */
	const char *file;   /**< archive file, or NULL */
	unsigned long line; /**< line in that file, or 0 */
	const char *source; /**< where the archive says it came from, or NULL */
	int64_t first_seen; /**< unix time, or -1 if unknown */
	int64_t last_seen;  /**< unix time, or -1 if unknown */
	int64_t fetched_at; /**< unix time the record was fetched, or -1 */
	int dnssec;         /**< 1 validated by resolver, 0 not, -1 unknown */
} dkimarc_keyrec;

/** What a lookup found for one name. */
typedef enum {
	DKIMARC_LOOKUP_FOUND = 0,     /**< one or more records */
	DKIMARC_LOOKUP_NOT_FOUND = 1, /**< NXDOMAIN / NODATA / not in archive */
	DKIMARC_LOOKUP_TEMPFAIL = 2,  /**< SERVFAIL, timeout: try again later */
} dkimarc_lookup_status;

/** Collects a key source's answer; filled by dkimarc_answer_* below. */
typedef struct dkimarc_answer dkimarc_answer;

/** Adds a record (copied) to an answer; sets the status to FOUND. */
DKIMARC_API int dkimarc_answer_add(dkimarc_answer *ans, const dkimarc_keyrec *rec);
/** Sets NOT_FOUND or TEMPFAIL, with a short human reason (copied). */
DKIMARC_API int dkimarc_answer_fail(dkimarc_answer *ans, dkimarc_lookup_status st, const char *why);

/**
 * A key source implementation. lookup() is given the lower-case query name
 * ("selector._domainkey.example.com") and fills ans. It returns DKIMARC_OK,
 * or an error status only for a failure of its own (out of memory): "no
 * such key" is an answer, not an error. It may be called from several
 * threads at once.
 */
typedef struct dkimarc_keysrc_ops {
	int (*lookup)(void *impl, const char *name, dkimarc_answer *ans);
	void (*free)(void *impl);
	const char *kind; /**< "archive", "dns", ... */
} dkimarc_keysrc_ops;

typedef struct dkimarc_keysrc dkimarc_keysrc;

/** Wraps a caller's implementation; ops must outlive the source. */
DKIMARC_API int dkimarc_keysrc_new_custom(dkimarc_keysrc **out, const dkimarc_keysrc_ops *ops,
                                          void *impl);
/** An empty archive key source; fill it with dkimarc_keysrc_archive_load. */
DKIMARC_API int dkimarc_keysrc_archive_new(dkimarc_keysrc **out);
/**
 * Loads an archive file: OpenDKIM key-file lines, a DNS zone file, our JSON
 * Lines format, or the tab-separated vector format; detected from content.
 * A malformed line fails the whole load with DKIMARC_EFORMAT and a message
 * naming file and line. Not thread-safe against concurrent lookups.
 */
DKIMARC_API int dkimarc_keysrc_archive_load(dkimarc_keysrc *src, const char *path);
/** As _load, from memory; name is used in provenance and errors. */
DKIMARC_API int dkimarc_keysrc_archive_load_mem(dkimarc_keysrc *src, const char *name,
                                                const char *data, size_t len);
/** Number of records loaded so far. */
DKIMARC_API size_t dkimarc_keysrc_archive_count(const dkimarc_keysrc *src);
/**
 * A chain: asks each source in order and returns the first FOUND answer;
 * otherwise TEMPFAIL if any source said so, else NOT_FOUND. Takes ownership
 * of the sources (also on failure).
 */
DKIMARC_API int dkimarc_keysrc_chain_new(dkimarc_keysrc **out, dkimarc_keysrc **srcs, size_t n);
/** Looks a name up directly (for tools and tests). */
DKIMARC_API int dkimarc_keysrc_lookup(dkimarc_keysrc *src, const char *name, dkimarc_answer **out);
DKIMARC_API void dkimarc_keysrc_free(dkimarc_keysrc *src);

DKIMARC_API dkimarc_lookup_status dkimarc_answer_status(const dkimarc_answer *ans);
DKIMARC_API size_t dkimarc_answer_count(const dkimarc_answer *ans);
DKIMARC_API const dkimarc_keyrec *dkimarc_answer_record(const dkimarc_answer *ans, size_t i);
DKIMARC_API const char *dkimarc_answer_why(const dkimarc_answer *ans);
DKIMARC_API void dkimarc_answer_free(dkimarc_answer *ans);

/* ------------------------------------------------------------------ */
/* Context                                                              */
/* ------------------------------------------------------------------ */

typedef struct dkimarc_ctx dkimarc_ctx;

/** Explicit resource limits; see docs/limits.md. */
typedef enum {
	DKIMARC_LIMIT_SIGNATURES = 0, /**< DKIM signatures evaluated per message (default 16) */
	DKIMARC_LIMIT_HEADER_FIELDS,  /**< header fields per message (default 2000) */
	DKIMARC_LIMIT_FIELD_BYTES,    /**< bytes in one header field (default 65536) */
	DKIMARC_LIMIT_HEADER_BYTES,   /**< bytes in the whole header (default 1 MiB) */
	DKIMARC_LIMIT_MESSAGE_BYTES,  /**< message size for dkimarc_verify (default 256 MiB) */
	DKIMARC_LIMIT_COUNT_
} dkimarc_limit;

DKIMARC_API int dkimarc_ctx_new(dkimarc_ctx **out);
/** RFC-strict policy: rsa-sha1 → policy, past x= → fail. Default off. */
DKIMARC_API int dkimarc_ctx_set_strict(dkimarc_ctx *ctx, int strict);
/** Judge x= and timestamps as of this unix time; -1 (default) = now. */
DKIMARC_API int dkimarc_ctx_set_time(dkimarc_ctx *ctx, int64_t at);
DKIMARC_API int dkimarc_ctx_set_limit(dkimarc_ctx *ctx, dkimarc_limit which, uint64_t value);
DKIMARC_API uint64_t dkimarc_ctx_limit(const dkimarc_ctx *ctx, dkimarc_limit which);
/**
 * Sets the key source. On success the context owns src and frees any previous
 * source; on failure the caller still owns src.
 */
DKIMARC_API int dkimarc_ctx_set_keysrc(dkimarc_ctx *ctx, dkimarc_keysrc *src);
DKIMARC_API void dkimarc_ctx_free(dkimarc_ctx *ctx);

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
} dkimarc_verdict;

/** Red flags (bit mask), on a signature and on the report. */
#define DKIMARC_FLAG_FROM_UNSIGNED           (1u << 0)
#define DKIMARC_FLAG_FROM_NOT_OVERSIGNED     (1u << 1)
#define DKIMARC_FLAG_SUBJECT_UNSIGNED        (1u << 2)
#define DKIMARC_FLAG_SUBJECT_NOT_OVERSIGNED  (1u << 3)
#define DKIMARC_FLAG_DATE_UNSIGNED           (1u << 4)
#define DKIMARC_FLAG_DATE_NOT_OVERSIGNED     (1u << 5)
#define DKIMARC_FLAG_TO_UNSIGNED             (1u << 6)
#define DKIMARC_FLAG_TO_NOT_OVERSIGNED       (1u << 7)
#define DKIMARC_FLAG_CC_UNSIGNED             (1u << 8)
#define DKIMARC_FLAG_CC_NOT_OVERSIGNED       (1u << 9)
#define DKIMARC_FLAG_BODY_BEYOND_LENGTH      (1u << 10) /**< content after l= */
#define DKIMARC_FLAG_MULTIPLE_FROM           (1u << 11)
#define DKIMARC_FLAG_EXPIRED                 (1u << 12) /**< x= before verification time */
#define DKIMARC_FLAG_KEY_TESTING             (1u << 13) /**< key t=y */
#define DKIMARC_FLAG_RSA_SHA1                (1u << 14)
#define DKIMARC_FLAG_TIMESTAMP_FUTURE        (1u << 15) /**< t= after verification time */
#define DKIMARC_FLAG_TIMESTAMP_FAR_FROM_DATE (1u << 16)
#define DKIMARC_FLAG_LF_LINE_ENDINGS         (1u << 17) /**< stored with bare LF */
#define DKIMARC_FLAG_KEY_OUTSIDE_WINDOW      (1u << 18) /**< archive record not seen at t= */
#define DKIMARC_FLAG_FROM_MISSING            (1u << 19)
#define DKIMARC_FLAG_COUNT_                  20

DKIMARC_API const char *dkimarc_result_str(dkimarc_result r);
DKIMARC_API const char *dkimarc_reason_str(dkimarc_reason r);
DKIMARC_API const char *dkimarc_verdict_str(dkimarc_verdict v);
/** Name of one flag bit ("from_unsigned"), or NULL. */
DKIMARC_API const char *dkimarc_flag_str(uint32_t flag);

typedef struct dkimarc_report dkimarc_report;
typedef struct dkimarc_sig dkimarc_sig;

DKIMARC_API dkimarc_verdict dkimarc_report_verdict(const dkimarc_report *r);
/** Human sentence saying why the message got its verdict. */
DKIMARC_API const char *dkimarc_report_verdict_reason(const dkimarc_report *r);
DKIMARC_API uint32_t dkimarc_report_flags(const dkimarc_report *r);
/** Domain of the From address, or NULL if none could be found. */
DKIMARC_API const char *dkimarc_report_from_domain(const dkimarc_report *r);
/** DKIM-Signature fields in header order, top first. */
DKIMARC_API size_t dkimarc_report_sig_count(const dkimarc_report *r);
DKIMARC_API const dkimarc_sig *dkimarc_report_sig(const dkimarc_report *r, size_t i);
/** Time the message was judged at (unix seconds). */
DKIMARC_API int64_t dkimarc_report_time(const dkimarc_report *r);
/**
 * Renders the report as one line of JSON (no trailing newline). file may be
 * NULL. *out is malloc'd; free it with free().
 */
DKIMARC_API int dkimarc_report_json(const dkimarc_report *r, const char *file, char **out);
/** Renders the report for people; *out is malloc'd, free() it. */
DKIMARC_API int dkimarc_report_text(const dkimarc_report *r, const char *file, char **out);
DKIMARC_API void dkimarc_report_free(dkimarc_report *r);

DKIMARC_API dkimarc_result dkimarc_sig_result(const dkimarc_sig *s);
DKIMARC_API dkimarc_reason dkimarc_sig_reason(const dkimarc_sig *s);
/** Human sentence for the result. */
DKIMARC_API const char *dkimarc_sig_reason_text(const dkimarc_sig *s);
DKIMARC_API uint32_t dkimarc_sig_flags(const dkimarc_sig *s);
/** d=, s=, a=, i= as written (NULL when absent or unparsable). */
DKIMARC_API const char *dkimarc_sig_domain(const dkimarc_sig *s);
DKIMARC_API const char *dkimarc_sig_selector(const dkimarc_sig *s);
DKIMARC_API const char *dkimarc_sig_algorithm(const dkimarc_sig *s);
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
/** Signed header field names (h=), in order. */
DKIMARC_API size_t dkimarc_sig_header_count(const dkimarc_sig *s);
DKIMARC_API const char *dkimarc_sig_header(const dkimarc_sig *s, size_t i);
/** l= (or -1 if absent), t= and x= (or -1). */
DKIMARC_API int64_t dkimarc_sig_body_length(const dkimarc_sig *s);
DKIMARC_API int64_t dkimarc_sig_timestamp(const dkimarc_sig *s);
DKIMARC_API int64_t dkimarc_sig_expiration(const dkimarc_sig *s);
/** Canonical body length seen by this signature's hash (before l=). */
DKIMARC_API uint64_t dkimarc_sig_body_bytes(const dkimarc_sig *s);
/** Non-zero when the signature's d= aligns with the From domain (PSL). */
DKIMARC_API int dkimarc_sig_aligned(const dkimarc_sig *s);

/* ------------------------------------------------------------------ */
/* Verification                                                         */
/* ------------------------------------------------------------------ */

/**
 * Verifies one message held in memory (not copied when it has CRLF line
 * ends). On DKIMARC_OK, *out is a report to free with dkimarc_report_free.
 * Fails with DKIMARC_ELIMIT when len exceeds DKIMARC_LIMIT_MESSAGE_BYTES.
 */
DKIMARC_API int dkimarc_verify(const dkimarc_ctx *ctx, const char *buf, size_t len,
                               dkimarc_report **out);

/** Streaming verifier: memory stays bounded whatever the body size. */
typedef struct dkimarc_verifier dkimarc_verifier;

DKIMARC_API int dkimarc_verifier_new(const dkimarc_ctx *ctx, dkimarc_verifier **out);
/** Feeds the next chunk; chunks may split anywhere. */
DKIMARC_API int dkimarc_verifier_write(dkimarc_verifier *v, const char *buf, size_t len);
/** Non-zero once the whole header has been written (key names are known). */
DKIMARC_API int dkimarc_verifier_header_done(const dkimarc_verifier *v);
/**
 * The key names ("selector._domainkey.domain", lower case, deduplicated, top
 * first) that the message's well-formed signatures need; known once the
 * header is done. A caller can fetch them ahead (e.g. from DNS, in its own
 * event loop) before _finish looks them up. Strings live as long as v.
 */
DKIMARC_API size_t dkimarc_verifier_key_count(const dkimarc_verifier *v);
DKIMARC_API const char *dkimarc_verifier_key_name(const dkimarc_verifier *v, size_t i);
/** Ends the message and produces the report. */
DKIMARC_API int dkimarc_verifier_finish(dkimarc_verifier *v, dkimarc_report **out);
DKIMARC_API void dkimarc_verifier_free(dkimarc_verifier *v);

/* ------------------------------------------------------------------ */
/* Live DNS key source (c-ares)                                         */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* ARC (RFC 8617)                                                       */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Signing and sealing                                                  */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Corpus reading: folders, maildir, mbox                               */
/* ------------------------------------------------------------------ */

/* ------------------------------------------------------------------ */
/* Utilities                                                            */
/* ------------------------------------------------------------------ */

/** Parses "2017-05-05T12:00:00Z", "2017-05-05" or a unix time. -1 on error. */
DKIMARC_API int64_t dkimarc_parse_time(const char *s);

#ifdef __cplusplus
}
#endif
#endif
