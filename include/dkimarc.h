/**
 * @file
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
 * Reports and verifiers belong to one thread at a time. Functions that take
 * no object (version, strings for codes, dkimarc_parse_time) are thread-safe.
 *
 * Ownership: an object returned through an out-parameter (context, key
 * source, answer, verifier, report) belongs to the caller, who frees it with
 * the matching *_free function; every *_free function accepts NULL. Pointers
 * returned by accessors (strings, key records, signatures) belong to the
 * object they were read from and stay valid until it is freed: never free
 * them. Accessors never fail: given NULL or an index out of range they
 * return NULL, 0 or -1 as documented.
 *
 * ABI: only dkimarc_* symbols are exported; the SONAME (libdkimarc.so.0)
 * changes on any incompatible change. See docs/abi.md.
 */
#ifndef DKIMARC_H
#define DKIMARC_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * @def DKIMARC_API
 * Marks a public function: exported from the shared library, whose other
 * symbols are hidden. Empty for users of the library.
 */
#if defined(DKIMARC_BUILDING) && defined(__GNUC__)
#define DKIMARC_API __attribute__((visibility("default")))
#else
#define DKIMARC_API
#endif

#define DKIMARC_VERSION_MAJOR  0       /**< header's major version; see docs/abi.md */
#define DKIMARC_VERSION_MINOR  1       /**< header's minor version */
#define DKIMARC_VERSION_PATCH  0       /**< header's patch level */
#define DKIMARC_VERSION_STRING "0.1.0" /**< the three numbers as a string */

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

/**
 * Version of the library actually loaded, e.g. "0.1.0". Compare it with
 * DKIMARC_VERSION_STRING to detect a header/library mismatch at run time.
 * Static string (never free it); thread-safe; cannot fail.
 */
DKIMARC_API const char *dkimarc_version(void);
/**
 * Static English text for a status code ("out of memory"); "unknown error"
 * for a code it does not know. Never free it; thread-safe; cannot fail.
 */
DKIMARC_API const char *dkimarc_strerror(int status);
/**
 * The calling thread's message for its last failed call ("" if none), more
 * precise than dkimarc_strerror() (it names the file, line or limit).
 * Per-thread storage owned by the library: valid until the thread's next
 * dkimarc call, so copy it to keep it. Thread-safe; cannot fail.
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

/**
 * Adds a record to an answer and sets its status to FOUND. The record and its
 * strings are copied; the caller keeps rec. For use inside a lookup() on the
 * answer it was given. Errors: DKIMARC_EINVAL (NULL argument), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_answer_add(dkimarc_answer *ans, const dkimarc_keyrec *rec);
/**
 * Sets the answer to NOT_FOUND or TEMPFAIL with a short human reason (copied;
 * may be NULL), dropping any records added before. Errors: DKIMARC_EINVAL
 * (NULL answer, or st is FOUND), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_answer_fail(dkimarc_answer *ans, dkimarc_lookup_status st, const char *why);

/**
 * A key source implementation. lookup() is given the lower-case query name
 * ("selector._domainkey.example.com") and fills ans. It returns DKIMARC_OK,
 * or an error status only for a failure of its own (out of memory): "no
 * such key" is an answer, not an error. It may be called from several
 * threads at once.
 */
typedef struct dkimarc_keysrc_ops {
	/** Answers one query; required. */
	int (*lookup)(void *impl, const char *name, dkimarc_answer *ans);
	/** Frees impl when the source is freed; may be NULL. */
	void (*free)(void *impl);
	const char *kind; /**< "archive", "dns", ... */
} dkimarc_keysrc_ops;

/**
 * Where keys come from: an archive, live DNS, a chain of sources, or the
 * caller's own (dkimarc_keysrc_new_custom). Opaque.
 */
typedef struct dkimarc_keysrc dkimarc_keysrc;

/**
 * Wraps a caller's implementation in a key source, stored in *out, to free
 * with dkimarc_keysrc_free() (which calls ops->free(impl)). ops is not
 * copied and must outlive the source; impl is the caller's until then.
 * Errors: DKIMARC_EINVAL (NULL out, or no ops->lookup), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_keysrc_new_custom(dkimarc_keysrc **out, const dkimarc_keysrc_ops *ops,
                                          void *impl);
/**
 * Makes an empty archive key source in *out (free with
 * dkimarc_keysrc_free()); fill it with dkimarc_keysrc_archive_load().
 * Errors: DKIMARC_EINVAL (NULL out), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_keysrc_archive_new(dkimarc_keysrc **out);
/**
 * Loads an archive file: OpenDKIM key-file lines, a DNS zone file, our JSON
 * Lines format, or the tab-separated vector format; detected from content.
 * A load is all or nothing: a malformed line fails it with DKIMARC_EFORMAT
 * and a message naming file and line, and leaves the source as it was.
 * Other errors: DKIMARC_EINVAL (src not an archive, NULL path), DKIMARC_EIO
 * (cannot open or read path), DKIMARC_ELIMIT, DKIMARC_ENOMEM. Load before
 * sharing the source: not thread-safe against concurrent lookups.
 */
DKIMARC_API int dkimarc_keysrc_archive_load(dkimarc_keysrc *src, const char *path);
/**
 * As dkimarc_keysrc_archive_load(), from memory: data is parsed and copied,
 * and name stands for the file in provenance and errors. Same errors, less
 * DKIMARC_EIO.
 */
DKIMARC_API int dkimarc_keysrc_archive_load_mem(dkimarc_keysrc *src, const char *name,
                                                const char *data, size_t len);
/** Number of records loaded so far; 0 when src is NULL or not an archive. */
DKIMARC_API size_t dkimarc_keysrc_archive_count(const dkimarc_keysrc *src);
/**
 * Number of files loaded into an archive (failed loads do not count). src
 * may also be a chain or a prefetching source: the archives inside it are
 * counted, in chain order. 0 when src holds no archive. Thread-safe once
 * loading is done.
 */
DKIMARC_API size_t dkimarc_keysrc_archive_file_count(const dkimarc_keysrc *src);
/**
 * Name of loaded file i (0-based, in load order; the path given to
 * dkimarc_keysrc_archive_load() or the name given to _load_mem()), owned
 * by the source; NULL when i is out of range. src as for
 * dkimarc_keysrc_archive_file_count().
 */
DKIMARC_API const char *dkimarc_keysrc_archive_file(const dkimarc_keysrc *src, size_t i);
/**
 * SHA-256 of loaded file i's bytes exactly as they were read at load time
 * (64 lower-case hex digits), so that a report can name the archive it was
 * made with. Owned by the source; NULL when i is out of range.
 */
DKIMARC_API const char *dkimarc_keysrc_archive_file_sha256(const dkimarc_keysrc *src, size_t i);
/**
 * A chain: asks each source in order and returns the first FOUND answer;
 * otherwise TEMPFAIL if any source said so, else NOT_FOUND, with each
 * source's reason. The chain, in *out, takes ownership of the n sources (also
 * on failure: then they are freed); the array itself stays the caller's.
 * Errors: DKIMARC_EINVAL (NULL out, NULL srcs with n > 0, a NULL source),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_keysrc_chain_new(dkimarc_keysrc **out, dkimarc_keysrc **srcs, size_t n);
/**
 * Looks a name up directly (for tools and tests); the name is lower-cased
 * first. On DKIMARC_OK *out is an answer to free with dkimarc_answer_free();
 * "not found" is such an answer, not an error. Thread-safe once the source
 * is set up. Errors: DKIMARC_EINVAL, DKIMARC_ENOMEM, or the source's own.
 */
DKIMARC_API int dkimarc_keysrc_lookup(dkimarc_keysrc *src, const char *name, dkimarc_answer **out);
/**
 * Frees a key source (and, for a chain, its sources). Do not free a source
 * that a context owns (dkimarc_ctx_set_keysrc()). Accepts NULL.
 */
DKIMARC_API void dkimarc_keysrc_free(dkimarc_keysrc *src);

/** FOUND, NOT_FOUND or TEMPFAIL; NOT_FOUND for NULL or an answer left untouched. */
DKIMARC_API dkimarc_lookup_status dkimarc_answer_status(const dkimarc_answer *ans);
/** Number of records in the answer (0 unless FOUND). */
DKIMARC_API size_t dkimarc_answer_count(const dkimarc_answer *ans);
/** Record i (0-based), owned by the answer; NULL when i is out of range. */
DKIMARC_API const dkimarc_keyrec *dkimarc_answer_record(const dkimarc_answer *ans, size_t i);
/** The source's reason for NOT_FOUND or TEMPFAIL, owned by the answer; "" if none. */
DKIMARC_API const char *dkimarc_answer_why(const dkimarc_answer *ans);
/** Frees an answer from dkimarc_keysrc_lookup(); accepts NULL. */
DKIMARC_API void dkimarc_answer_free(dkimarc_answer *ans);

/* ------------------------------------------------------------------ */
/* Context                                                              */
/* ------------------------------------------------------------------ */

/**
 * Verification context: policy, time, limits and key source. Set it up, then
 * share it read-only between any number of threads. Opaque.
 */
typedef struct dkimarc_ctx dkimarc_ctx;

/** Explicit resource limits; see docs/limits.md. */
typedef enum {
	DKIMARC_LIMIT_SIGNATURES = 0, /**< DKIM signatures evaluated per message (default 16) */
	DKIMARC_LIMIT_HEADER_FIELDS,  /**< header fields per message (default 2000) */
	DKIMARC_LIMIT_FIELD_BYTES,    /**< bytes in one header field (default 65536) */
	DKIMARC_LIMIT_HEADER_BYTES,   /**< bytes in the whole header (default 1 MiB) */
	DKIMARC_LIMIT_MESSAGE_BYTES,  /**< message size for dkimarc_verify (default 256 MiB) */
	DKIMARC_LIMIT_ARC_SETS,       /**< ARC sets (AMS + AS) evaluated per message (default 8) */
	DKIMARC_LIMIT_COUNT_
} dkimarc_limit;

/**
 * Makes a context with the default policy, the current time, the default
 * limits, no key source and the Public Suffix List (Debian's publicsuffix
 * file, else libpsl's built-in list). Free it with dkimarc_ctx_free().
 * Errors: DKIMARC_EINVAL (NULL out), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_ctx_new(dkimarc_ctx **out);
/**
 * RFC-strict policy (non-zero): rsa-sha1 gives policy, a past x= fails.
 * Default off. The dkimarc_ctx_set_* functions are setup: call them before
 * the context is shared, never while a verification uses it. Errors:
 * DKIMARC_EINVAL (NULL ctx).
 */
DKIMARC_API int dkimarc_ctx_set_strict(dkimarc_ctx *ctx, int strict);
/**
 * Judges x= and timestamps as of this unix time; -1 (the default) means the
 * time of each verification. Errors: DKIMARC_EINVAL (NULL ctx, at < -1).
 */
DKIMARC_API int dkimarc_ctx_set_time(dkimarc_ctx *ctx, int64_t at);
/**
 * Sets one resource limit (docs/limits.md). Errors: DKIMARC_EINVAL (NULL
 * ctx, unknown limit, value 0).
 */
DKIMARC_API int dkimarc_ctx_set_limit(dkimarc_ctx *ctx, dkimarc_limit which, uint64_t value);
/** Current value of a limit; 0 for NULL ctx or an unknown limit. Thread-safe. */
DKIMARC_API uint64_t dkimarc_ctx_limit(const dkimarc_ctx *ctx, dkimarc_limit which);
/**
 * Sets the key source. On success the context owns src and frees any previous
 * source; on failure the caller still owns src. NULL removes the source
 * (every signature is then unverifiable). Errors: DKIMARC_EINVAL (NULL ctx).
 */
DKIMARC_API int dkimarc_ctx_set_keysrc(dkimarc_ctx *ctx, dkimarc_keysrc *src);
/**
 * Frees a context and its key source. No verifier made from it may be in use
 * or used afterwards. Accepts NULL.
 */
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
	DKIMARC_REASON_KEY_MISMATCH,     /**< RSA: the signature was not made with this key */
	DKIMARC_REASON_KEY_SMALL_FACTOR, /**< RSA modulus prime or with a small factor */
	/* Message-level codes: only dkimarc_report_verdict_code() returns these. */
	DKIMARC_REASON_HEADER_MALFORMED,     /**< a header line that readers split differently */
	DKIMARC_REASON_UNSIGNED_FIELD_ADDED, /**< an unsigned extra instance of a once-only field */
	DKIMARC_REASON_DISPLAY_DIFFERS,      /**< what a reader shows is not what was signed */
	DKIMARC_REASON_MULTIPLE_FROM,        /**< several From fields, all signed */
	DKIMARC_REASON_BODY_BEYOND_LENGTH,   /**< content after the signed l= bytes */
	DKIMARC_REASON_NO_SIGNATURE,         /**< no DKIM-Signature field */
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
#define DKIMARC_FLAG_FROM_UNSIGNED           (1u << 0)  /**< From is not in h= */
#define DKIMARC_FLAG_FROM_NOT_OVERSIGNED     (1u << 1)  /**< another From could be added above */
#define DKIMARC_FLAG_SUBJECT_UNSIGNED        (1u << 2)  /**< Subject is not in h= */
#define DKIMARC_FLAG_SUBJECT_NOT_OVERSIGNED  (1u << 3)  /**< another Subject could be added */
#define DKIMARC_FLAG_DATE_UNSIGNED           (1u << 4)  /**< Date is not in h= */
#define DKIMARC_FLAG_DATE_NOT_OVERSIGNED     (1u << 5)  /**< another Date could be added */
#define DKIMARC_FLAG_TO_UNSIGNED             (1u << 6)  /**< To is not in h= */
#define DKIMARC_FLAG_TO_NOT_OVERSIGNED       (1u << 7)  /**< another To could be added */
#define DKIMARC_FLAG_CC_UNSIGNED             (1u << 8)  /**< Cc is not in h= */
#define DKIMARC_FLAG_CC_NOT_OVERSIGNED       (1u << 9)  /**< another Cc could be added */
#define DKIMARC_FLAG_BODY_BEYOND_LENGTH      (1u << 10) /**< content after l= */
#define DKIMARC_FLAG_MULTIPLE_FROM           (1u << 11) /**< several From fields */
#define DKIMARC_FLAG_EXPIRED                 (1u << 12) /**< x= before verification time */
#define DKIMARC_FLAG_KEY_TESTING             (1u << 13) /**< key t=y */
#define DKIMARC_FLAG_RSA_SHA1                (1u << 14) /**< a=rsa-sha1 */
#define DKIMARC_FLAG_TIMESTAMP_FUTURE        (1u << 15) /**< t= after verification time */
#define DKIMARC_FLAG_TIMESTAMP_FAR_FROM_DATE (1u << 16) /**< t= and Date over a day apart */
#define DKIMARC_FLAG_LF_LINE_ENDINGS         (1u << 17) /**< stored with bare LF */
#define DKIMARC_FLAG_KEY_OUTSIDE_WINDOW      (1u << 18) /**< archive record not seen at t= */
#define DKIMARC_FLAG_FROM_MISSING            (1u << 19) /**< no From field */
#define DKIMARC_FLAG_FROM_AMBIGUOUS          (1u << 20) /**< From does not read one way */
#define DKIMARC_FLAG_MIXED_LINE_ENDINGS      (1u << 21) /**< both CRLF and bare LF lines */
#define DKIMARC_FLAG_HEADER_MALFORMED        (1u << 22) /**< a line readers split otherwise */
#define DKIMARC_FLAG_UNSIGNED_FIELD_ADDED    (1u << 23) /**< unsigned 2nd Subject, To, ... */
#define DKIMARC_FLAG_DISPLAY_DIFFERS         (1u << 24) /**< reader's view is not the signed one */
#define DKIMARC_FLAG_COUNT_                  25 /**< number of flag bits defined (may grow) */

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
 * newline). file (may be NULL) fills the "file" key. *out is malloc'd; free
 * it with free(). Errors: DKIMARC_EINVAL (NULL r or out), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_report_json(const dkimarc_report *r, const char *file, char **out);
/**
 * Renders the report for people, as `dkimarc verify` prints it; file may be
 * NULL. *out is malloc'd; free() it. Errors: as dkimarc_report_json().
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
/* Verification                                                         */
/* ------------------------------------------------------------------ */

/**
 * Verifies one message held in memory (not copied when it has CRLF line
 * ends; buf is not kept). On DKIMARC_OK, *out is a report to free with
 * dkimarc_report_free(); a failing signature is a result, not an error, and
 * a failure inside (memory, OpenSSL) is an error, never a result: no report.
 * Thread-safe: any number of threads may verify with one ctx at once.
 * Errors: DKIMARC_EINVAL (NULL ctx or out, NULL buf with len > 0),
 * DKIMARC_ELIMIT (len exceeds DKIMARC_LIMIT_MESSAGE_BYTES: use the streaming
 * verifier), DKIMARC_ENOMEM, DKIMARC_ECRYPTO.
 */
DKIMARC_API int dkimarc_verify(const dkimarc_ctx *ctx, const char *buf, size_t len,
                               dkimarc_report **out);

/** Streaming verifier: memory stays bounded whatever the body size. */
typedef struct dkimarc_verifier dkimarc_verifier;

/**
 * Starts verifying one message with ctx, which must outlive the verifier.
 * *out is freed with dkimarc_verifier_free(); it belongs to one thread at a
 * time, while other verifiers share ctx. On an error *out is NULL. Errors:
 * DKIMARC_EINVAL (NULL argument), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_verifier_new(const dkimarc_ctx *ctx, dkimarc_verifier **out);
/**
 * Feeds the next chunk of the message as stored; chunks may split anywhere.
 * buf is not kept. Errors: DKIMARC_EINVAL (NULL v, or NULL buf with len > 0),
 * DKIMARC_ENOMEM, DKIMARC_ECRYPTO (hashing the header), DKIMARC_ELIMIT
 * (header over a limit), DKIMARC_ESTATE (after
 * dkimarc_verifier_finish()); after an error the verifier is spent and every
 * later call fails with the same status.
 */
DKIMARC_API int dkimarc_verifier_write(dkimarc_verifier *v, const char *buf, size_t len);
/** Non-zero once the whole header has been written (key names are known). */
DKIMARC_API int dkimarc_verifier_header_done(const dkimarc_verifier *v);
/**
 * The key names ("selector._domainkey.domain", lower case, deduplicated, top
 * first) that the message's well-formed signatures need; known once the
 * header is done. A caller can fetch them ahead (e.g. from DNS, in its own
 * event loop) before _finish looks them up. This is their number (0 before
 * the header is done).
 */
DKIMARC_API size_t dkimarc_verifier_key_count(const dkimarc_verifier *v);
/** Key name i (see dkimarc_verifier_key_count()), owned by v; NULL if out of range. */
DKIMARC_API const char *dkimarc_verifier_key_name(const dkimarc_verifier *v, size_t i);
/**
 * Ends the message, looks the keys up and produces the report in *out (free
 * with dkimarc_report_free()); call it once. A signature that fails is a
 * result in the report, not an error; out of memory or an OpenSSL failure
 * anywhere in the judging (key decoding, signature checks, ARC, diagnosis)
 * is DKIMARC_ENOMEM or DKIMARC_ECRYPTO with *out NULL, never a result.
 * Errors: DKIMARC_EINVAL, DKIMARC_ENOMEM, DKIMARC_ELIMIT, DKIMARC_ECRYPTO,
 * DKIMARC_ESTATE (a second call: *out is NULL), or the status of an earlier
 * failed write.
 */
DKIMARC_API int dkimarc_verifier_finish(dkimarc_verifier *v, dkimarc_report **out);
/** Frees a verifier (finished or not). Accepts NULL. */
DKIMARC_API void dkimarc_verifier_free(dkimarc_verifier *v);

/* ------------------------------------------------------------------ */
/* Forensics: what changed, explain, Authentication-Results             */
/* ------------------------------------------------------------------ */

/*
 * For people who must show their work (docs/forensics.md). None of this
 * changes a result or a verdict: it explains them. Everything here is about
 * DKIM-Signature fields; the ARC signatures of a report carry none of it.
 */

/**
 * Turns on the diagnosis of DKIM signatures that fail (or pass with content
 * after l=): each verifier made from ctx then keeps a copy of the message
 * body, up to max_body bytes, and for such a signature works out what
 * changed (body or signed header fields, z= copies that differ, likely
 * transit steps) and whether undoing each step makes the signature verify,
 * by hashing modified copies; the bytes judged are never modified. Cost:
 * memory for the body copy (up to max_body per verifier at work, freed with
 * the verifier) and, only for such signatures, bounded work: at most 128
 * header variants and a few passes over the kept body. A longer body is not
 * kept; its body steps are then reported as not tried. 0 (the default)
 * turns it off. Setup only. Errors: DKIMARC_EINVAL (NULL ctx).
 */
DKIMARC_API int dkimarc_ctx_set_diagnose(dkimarc_ctx *ctx, uint64_t max_body);
/**
 * Non-zero: keep, for each DKIM signature, the exact bytes of its header
 * hash input (dkimarc_sig_hashed_headers()), its header digest and its
 * decoded b=, so that the verdict can be reproduced with other tools. Costs
 * a copy of the signed header fields per signature. Default off. Setup
 * only. Errors: DKIMARC_EINVAL (NULL ctx).
 */
DKIMARC_API int dkimarc_ctx_set_explain(dkimarc_ctx *ctx, int on);

/** What a diagnosis found; dkimarc_finding_str() gives the JSON name. */
typedef enum {
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
/** Kind of finding i; DKIMARC_FINDING_COUNT_ when out of range. */
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
 * `openssl pkeyutl -pubin` reads. *out is malloc'd; free() it.
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
 * confirmed or confirmed-third-party message that the deciding signatures do
 * not cover: what a reader shows there is nobody's signed word. Their number
 * (0 for other verdicts and for NULL).
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
 * a line end, ready to be put at the top of the header. *out is malloc'd;
 * free() it. Thread-safe. Errors: DKIMARC_EINVAL (NULL argument, or an
 * authserv-id that is empty or not a dot-atom/token), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_report_authres(const dkimarc_report *r, const char *authserv_id,
                                       char **out);

/**
 * What a rerun needs to know about a context, as one line of JSON (no
 * newline): {"dkimarc": version, "strict", "at" (RFC 3339 or null for the
 * time of each verification), "limits": {...}, "keys": [...], "diagnose",
 * "explain"}, where "keys" lists the key sources in lookup order: each
 * archive file with its name, SHA-256 and record count, live DNS with its
 * resolvers, other sources by kind. See docs/json.md. *out is malloc'd;
 * free() it. Thread-safe once set up. Errors: DKIMARC_EINVAL,
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_ctx_describe_json(const dkimarc_ctx *ctx, char **out);
/**
 * The same for people, one fact per line, each ending in a newline:
 * "dkimarc 0.1.0", the policy, the time, each key source. *out is
 * malloc'd; free() it. Errors: DKIMARC_EINVAL, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_ctx_describe_text(const dkimarc_ctx *ctx, char **out);

/* ------------------------------------------------------------------ */
/* Live DNS key source (c-ares)                                         */
/* ------------------------------------------------------------------ */

/*
 * A key source that asks DNS for TXT records through c-ares; see docs/dns.md.
 * NXDOMAIN and NODATA answer NOT_FOUND; SERVFAIL, REFUSED, timeouts after the
 * configured tries, malformed answers and answers over the size limits answer
 * TEMPFAIL. Each record carries origin "dns SERVER" (the server that answered),
 * fetched_at and dnssec (the answer's AD bit: 1 validated by the resolver, 0
 * not). A cache serves all lookups of the source, and a name has at most one
 * query in flight however many lookups wait for it.
 *
 * The source is used in two ways, which may be mixed:
 *  - blocking, as any key source (dkimarc_keysrc_lookup, or set on a context
 *    for the verifier): safe from any number of threads at once;
 *  - asynchronous and caller-driven, in the c-ares model: dkimarc_dns_submit()
 *    a name with a callback, wait on dkimarc_dns_sockets() for up to
 *    dkimarc_dns_timeout() milliseconds in your own event loop, then call
 *    dkimarc_dns_process(); or let dkimarc_dns_poll() do one such round.
 * The library starts no thread. Callbacks run in the thread that calls
 * dkimarc_dns_submit (for cached answers), _process, _poll, or a blocking
 * lookup, never with an internal lock held: they may submit again.
 */

/** Options of a DNS key source; start from dkimarc_dns_options_init(). */
typedef struct dkimarc_dns_options {
	/**
	 * Resolvers to ask, in order: "192.0.2.53", "127.0.0.1:5353",
	 * "2001:db8::53", "[2001:db8::53]:5353". NULL (or nservers 0): the
	 * nameservers of /etc/resolv.conf. Strings are copied.
	 */
	const char *const *servers;
	size_t nservers; /**< number of strings in servers */
	/** Time to wait for the first try, in ms (c-ares doubles it each later round). */
	unsigned timeout_ms;
	/** Tries per server before giving up with TEMPFAIL (>= 1). */
	unsigned tries;
	/** Answers (positive and negative) are cached for their TTL, at least this (s). */
	uint32_t ttl_floor;
	/** ... and at most this (s). */
	uint32_t ttl_ceiling;
	/** Seconds a temporary failure is remembered for the name (0: not at all). */
	uint32_t tempfail_ttl;
	/** Names kept in the cache at most; when full, new answers are not cached. */
	size_t cache_max;
	/** TXT bytes per name, all records together; more is TEMPFAIL. */
	size_t max_txt_bytes;
	/** Names in flight at most through dkimarc_dns_submit (DKIMARC_ELIMIT beyond). */
	size_t max_inflight;
	/** Queries out on the network at once; names beyond wait their turn. */
	size_t max_parallel;
} dkimarc_dns_options;

/**
 * Fills o with the defaults: servers from /etc/resolv.conf, timeout 2000 ms,
 * 2 tries, TTL floor 60 s and ceiling 86400 s, tempfail_ttl 30 s, cache of
 * 100000 names, 65536 TXT bytes per name, 10000 names in flight, 64 queries
 * out at once.
 */
DKIMARC_API void dkimarc_dns_options_init(dkimarc_dns_options *o);
/**
 * Creates a DNS key source (kind "dns"). opts may be NULL for the defaults.
 * Fails with DKIMARC_EINVAL for a malformed server address or option (the
 * message names it), DKIMARC_EIO when c-ares cannot be set up (no resolver
 * configuration), DKIMARC_ENOMEM. Free with dkimarc_keysrc_free(), which
 * cancels lookups still in flight: their callbacks run with TEMPFAIL. No
 * lookup may be running in another thread then.
 */
DKIMARC_API int dkimarc_keysrc_dns_new(dkimarc_keysrc **out, const dkimarc_dns_options *opts);

/**
 * Receives the answer for name (lower case, as submitted). The callback owns
 * ans and frees it with dkimarc_answer_free(); ans is NULL only when memory
 * ran out building it.
 */
typedef void (*dkimarc_dns_callback)(void *arg, const char *name, dkimarc_answer *ans);

/**
 * Starts looking name up ("sel._domainkey.example.com"; case and a final dot
 * do not matter). A cached answer is delivered before this returns; otherwise
 * the callback runs when the answer arrives, from _process, _poll or a
 * blocking lookup. A name already in flight is not asked again. Fails with
 * DKIMARC_EINVAL (src is not a DNS source, or name is not a DNS name),
 * DKIMARC_ELIMIT (max_inflight names in flight), DKIMARC_ENOMEM; the callback
 * is then not called. Thread-safe.
 */
DKIMARC_API int dkimarc_dns_submit(dkimarc_keysrc *src, const char *name, dkimarc_dns_callback cb,
                                   void *arg);

#define DKIMARC_DNS_READ  1 /**< wait until the socket is readable */
#define DKIMARC_DNS_WRITE 2 /**< wait until the socket is writable */

/** A socket to wait on, and what to wait for (DKIMARC_DNS_* bits). */
typedef struct dkimarc_dns_socket {
	int fd;     /**< the socket */
	int events; /**< DKIMARC_DNS_READ and/or DKIMARC_DNS_WRITE */
} dkimarc_dns_socket;

/**
 * Copies up to max of the source's open sockets and the events to wait for
 * into out; returns how many there are (which may exceed max). The set
 * changes after each call into the source. Thread-safe.
 */
DKIMARC_API size_t dkimarc_dns_sockets(dkimarc_keysrc *src, dkimarc_dns_socket *out, size_t max);
/**
 * Milliseconds until dkimarc_dns_process must be called even if no socket
 * is ready (0: now), or -1 when nothing is in flight. Thread-safe.
 */
DKIMARC_API int dkimarc_dns_timeout(dkimarc_keysrc *src);
/**
 * Processes the sockets that became ready (events: the DKIMARC_DNS_* bits
 * seen), then expired timeouts (n may be 0 for timeouts alone), then runs
 * the callbacks of finished lookups. Thread-safe.
 */
DKIMARC_API int dkimarc_dns_process(dkimarc_keysrc *src, const dkimarc_dns_socket *ready, size_t n);
/**
 * One round of a simple event loop: waits with poll(2) for the sockets, up
 * to timeout_ms (-1: until the next c-ares timeout), processes them and runs
 * callbacks. Returns the number of names still in flight (>= 0) or a
 * negative status. Returns 0 at once when nothing is in flight.
 */
DKIMARC_API int dkimarc_dns_poll(dkimarc_keysrc *src, int timeout_ms);
/** Names in flight. */
DKIMARC_API size_t dkimarc_dns_pending(dkimarc_keysrc *src);

/** Counters since the source was made. */
typedef struct dkimarc_dns_stats {
	uint64_t lookups;    /**< names asked for, blocking and asynchronous */
	uint64_t cache_hits; /**< answered from the cache */
	uint64_t joined;     /**< joined a query already in flight for the name */
	uint64_t queries;    /**< queries sent (CNAME targets included, c-ares retries not) */
	uint64_t found;      /**< names resolved from the network with records */
	uint64_t not_found;  /**< names resolved from the network: NXDOMAIN, NODATA */
	uint64_t tempfail;   /**< names that failed temporarily */
} dkimarc_dns_stats;

/** Copies the counters; EINVAL when src is not a DNS source. Thread-safe. */
DKIMARC_API int dkimarc_dns_get_stats(dkimarc_keysrc *src, dkimarc_dns_stats *out);

/** What made a lookup fail temporarily; see dkimarc_dns_tempfail_count(). */
typedef enum {
	DKIMARC_DNS_FAIL_TIMEOUT = 0, /**< no answer from any resolver after the configured tries */
	DKIMARC_DNS_FAIL_SERVFAIL,    /**< the resolver answered SERVFAIL */
	DKIMARC_DNS_FAIL_REFUSED,     /**< the resolver answered REFUSED */
	DKIMARC_DNS_FAIL_UNREACHABLE, /**< no resolver could be reached (connection refused) */
	DKIMARC_DNS_FAIL_OTHER,       /**< a malformed, truncated or oversized answer, another
	                                   error code, a lookup cancelled */
	DKIMARC_DNS_FAIL_COUNT_
} dkimarc_dns_failure;

/**
 * Names that failed temporarily with this kind of failure since the source
 * was made; the kinds add up to dkimarc_dns_stats.tempfail. 0 when src is not
 * a DNS source or kind is unknown. Thread-safe.
 */
DKIMARC_API uint64_t dkimarc_dns_tempfail_count(dkimarc_keysrc *src, dkimarc_dns_failure kind);
/**
 * The resolvers asked, "127.0.0.1:5353, [::1]:53" (from the options or
 * /etc/resolv.conf), or NULL when src is not a DNS source. Lives as long as src.
 */
DKIMARC_API const char *dkimarc_dns_servers(dkimarc_keysrc *src);

/* ------------------------------------------------------------------ */
/* ARC (RFC 8617)                                                       */
/* ------------------------------------------------------------------ */

/*
 * Every report also carries the message's Authenticated Received Chain,
 * validated per RFC 8617 §5.2 with the same key source, canonicalization and
 * crypto as DKIM (see docs/arc.md). ARC never changes the DKIM verdict. The
 * strings and objects below live as long as the report; all accessors are
 * safe to call from any thread holding the report, and accept NULL.
 */

/** Chain validation status (RFC 8617 cv). */
typedef enum {
	DKIMARC_ARC_NONE = 0, /**< no ARC header fields */
	DKIMARC_ARC_PASS,     /**< the chain validates */
	DKIMARC_ARC_FAIL,     /**< the chain is broken; the reason says where */
} dkimarc_arc_result;

/** Why the chain got its result; dkimarc_arc_reason_str() gives the JSON name. */
typedef enum {
	DKIMARC_ARC_REASON_NO_ARC = 0,         /**< none: no ARC header fields */
	DKIMARC_ARC_REASON_OK,                 /**< pass */
	DKIMARC_ARC_REASON_TOO_MANY_INSTANCES, /**< an i= above 50 (RFC 8617 §4.2.1) */
	DKIMARC_ARC_REASON_INSTANCE_INVALID,   /**< an ARC field's i= missing, not a number, or 0 */
	DKIMARC_ARC_REASON_DUPLICATE,          /**< two AS, AMS or AAR fields with one i= */
	DKIMARC_ARC_REASON_MISSING,            /**< an instance 1..N lacks its AS, AMS or AAR */
	DKIMARC_ARC_REASON_CV_FAIL,            /**< an ARC-Seal says cv=fail: a hop saw it broken */
	DKIMARC_ARC_REASON_CV_INVALID,         /**< cv=pass at i=1, or cv=none above i=1 */
	DKIMARC_ARC_REASON_AMS_FAIL,           /**< the latest ARC-Message-Signature fails */
	DKIMARC_ARC_REASON_SEAL_FAIL,          /**< an ARC-Seal fails */
	DKIMARC_ARC_REASON_LIMIT_EXCEEDED,     /**< the header exceeded a limit; not evaluated */
	DKIMARC_ARC_REASON_COUNT_
} dkimarc_arc_reason;

/** One ARC set (the AAR, AMS and AS sharing an i=). */
typedef struct dkimarc_arc_instance dkimarc_arc_instance;

/** Name of a chain result: "none", "pass", "fail" ("unknown" when out of range). */
DKIMARC_API const char *dkimarc_arc_result_str(dkimarc_arc_result r);
/** JSON name of a chain reason: "ok", "no_arc", ... ("unknown" when out of range). */
DKIMARC_API const char *dkimarc_arc_reason_str(dkimarc_arc_reason r);

/** The chain's result; DKIMARC_ARC_NONE for NULL. */
DKIMARC_API dkimarc_arc_result dkimarc_report_arc_result(const dkimarc_report *r);
/** Why the chain got its result; DKIMARC_ARC_REASON_NO_ARC for NULL. */
DKIMARC_API dkimarc_arc_reason dkimarc_report_arc_reason(const dkimarc_report *r);
/** Human sentence for the chain's result, naming the failing field; NULL for NULL. */
DKIMARC_API const char *dkimarc_report_arc_reason_text(const dkimarc_report *r);
/**
 * On a pass: the lowest instance whose AMS still validates, with every AMS
 * above it validating too (RFC 8617 §5.2 "oldest-pass"); 1 when the message
 * is unchanged since the first hop. 0 unless the chain passes.
 */
DKIMARC_API unsigned dkimarc_report_arc_oldest_pass(const dkimarc_report *r);
/** On a fail: the instance where the chain broke; 0 when it is not one instance. */
DKIMARC_API unsigned dkimarc_report_arc_failed_instance(const dkimarc_report *r);
/** Number of ARC sets found with a usable i= (1..50). */
DKIMARC_API size_t dkimarc_report_arc_count(const dkimarc_report *r);
/** ARC set i (0-based, ascending instance order), or NULL when out of range. */
DKIMARC_API const dkimarc_arc_instance *dkimarc_report_arc_instance(const dkimarc_report *r,
                                                                    size_t i);

/** The set's i= (1..50); 0 for NULL. */
DKIMARC_API unsigned dkimarc_arc_instance_number(const dkimarc_arc_instance *a);
/** The sealer's domain: the ARC-Seal's d= (the AMS's when no single seal), or NULL. */
DKIMARC_API const char *dkimarc_arc_instance_domain(const dkimarc_arc_instance *a);
/** The sealer's selector: the ARC-Seal's s= (the AMS's when no single seal), or NULL. */
DKIMARC_API const char *dkimarc_arc_instance_selector(const dkimarc_arc_instance *a);
/** The sealer's algorithm: the ARC-Seal's a= (the AMS's when no single seal), or NULL. */
DKIMARC_API const char *dkimarc_arc_instance_algorithm(const dkimarc_arc_instance *a);
/** The seal's cv= ("none", "pass" or "fail"), or NULL when absent or another value. */
DKIMARC_API const char *dkimarc_arc_instance_cv(const dkimarc_arc_instance *a);
/**
 * The ARC-Seal as a signature object (use the dkimarc_sig_* accessors:
 * result, reason, key source, ...); NULL when the set has none, or more than
 * one. A result of DKIMARC_RES_NONE means it was not checked; the reason
 * text says why.
 */
DKIMARC_API const dkimarc_sig *dkimarc_arc_instance_seal(const dkimarc_arc_instance *a);
/** The ARC-Message-Signature as a signature object; NULL when none, or more than one. */
DKIMARC_API const dkimarc_sig *dkimarc_arc_instance_ams(const dkimarc_arc_instance *a);
/** The seal's result; DKIMARC_RES_NONE when there is no single seal. */
DKIMARC_API dkimarc_result dkimarc_arc_instance_seal_result(const dkimarc_arc_instance *a);
/** The AMS's result; DKIMARC_RES_NONE when there is no single AMS. */
DKIMARC_API dkimarc_result dkimarc_arc_instance_ams_result(const dkimarc_arc_instance *a);
/** The ARC-Authentication-Results' authserv-id; NULL when no single readable AAR. */
DKIMARC_API const char *dkimarc_arc_instance_authserv_id(const dkimarc_arc_instance *a);
/** Number of method results in the AAR (0 when none or no single readable AAR). */
DKIMARC_API size_t dkimarc_arc_instance_aar_count(const dkimarc_arc_instance *a);
/**
 * AAR method result i, without comments and with whitespace collapsed, e.g.
 * "dkim=pass header.d=example.com"; NULL when out of range.
 */
DKIMARC_API const char *dkimarc_arc_instance_aar_result(const dkimarc_arc_instance *a, size_t i);

/* ------------------------------------------------------------------ */
/* Signing and sealing                                                  */
/* ------------------------------------------------------------------ */

/** Key algorithms for signing and sealing. */
typedef enum {
	DKIMARC_KEYTYPE_RSA = 1,     /**< RSA (RFC 6376, RFC 8301) */
	DKIMARC_KEYTYPE_ED25519 = 2, /**< Ed25519 (RFC 8463) */
} dkimarc_keytype;

/**
 * A private key to sign or seal with. Immutable once made: any number of
 * signers and threads may use one key at once. Opaque.
 */
typedef struct dkimarc_privkey dkimarc_privkey;

/**
 * Loads a private key file: PEM or DER RSA (PKCS#1 or PKCS#8), PEM Ed25519
 * (PKCS#8), or the bare base64 Ed25519 seed that dkimpy and OpenDKIM keep in
 * key files (32 bytes; 64 with the public key appended is also taken). An
 * RSA key whose parts do not fit together is refused; so is an encrypted
 * key. *out is freed with dkimarc_privkey_free(). Errors: DKIMARC_EINVAL
 * (NULL argument, or a key type DKIM cannot sign with, such as EC),
 * DKIMARC_EIO (path cannot be read), DKIMARC_EFORMAT (not a usable private
 * key; the message says why), DKIMARC_ELIMIT (file over 1 MiB),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_load(dkimarc_privkey **out, const char *path);
/** As dkimarc_privkey_load(), from memory (not kept); name stands for the file in errors. */
DKIMARC_API int dkimarc_privkey_load_mem(dkimarc_privkey **out, const char *name, const char *data,
                                         size_t len);
/**
 * Generates a key from the system's random source: RSA of bits bits (0 for
 * 2048; 1024 to 8192) or Ed25519 (bits 0 or 256). *out is freed with
 * dkimarc_privkey_free(). Thread-safe. Errors: DKIMARC_EINVAL (NULL out,
 * unknown type, bits out of range), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_generate(dkimarc_privkey **out, dkimarc_keytype type,
                                         unsigned bits);
/** The key's algorithm; DKIMARC_KEYTYPE_RSA for NULL. */
DKIMARC_API dkimarc_keytype dkimarc_privkey_type(const dkimarc_privkey *k);
/** Key size in bits (256 for Ed25519); 0 for NULL. */
DKIMARC_API unsigned dkimarc_privkey_bits(const dkimarc_privkey *k);
/**
 * The key as unencrypted PKCS#8 PEM text, which OpenSSL, OpenDKIM, dkimpy
 * (RSA) and Mail::DKIM read. *out is malloc'd; free() it (it is secret).
 * Errors: DKIMARC_EINVAL (NULL argument), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_pem(const dkimarc_privkey *k, char **out);
/**
 * An Ed25519 key's 32-byte seed in base64, the form dkimpy and OpenDKIM
 * read. *out is malloc'd; free() it (it is secret). Errors: DKIMARC_EINVAL
 * (NULL argument, or an RSA key), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_seed(const dkimarc_privkey *k, char **out);
/**
 * The DNS key record to publish for the key, "v=DKIM1; k=rsa; p=..." (p= a
 * SubjectPublicKeyInfo) or "v=DKIM1; k=ed25519; p=..." (the raw public key,
 * RFC 8463). *out is malloc'd; free() it. Errors: DKIMARC_EINVAL (NULL
 * argument), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_record(const dkimarc_privkey *k, char **out);
/** Frees a key (wiping it). Signers made with it keep their own reference. Accepts NULL. */
DKIMARC_API void dkimarc_privkey_free(dkimarc_privkey *k);

/**
 * A DNS zone-file line publishing txt at name ("sel._domainkey.example.com"):
 * "sel._domainkey.example.com. IN TXT ( "..." "..." )", the text cut into
 * character-strings of at most 255 bytes, with a final newline. dkimarc's
 * archive reads it back. *out is malloc'd; free() it. Errors: DKIMARC_EINVAL
 * (NULL argument, or a name or text with control characters or quotes),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_record_zone(const char *name, const char *txt, char **out);
/**
 * A key archive line (JSON Lines, docs/keys.md) holding txt at name, with
 * "source" when source is not NULL, and a final newline. *out is malloc'd;
 * free() it. Errors: DKIMARC_EINVAL (NULL name or txt), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_record_archive(const char *name, const char *txt, const char *source,
                                       char **out);

/**
 * What to sign with and how: a key, d=, s= and the options below. Set it
 * up, then use it read-only: any number of threads may sign and seal with
 * one signer at once. Opaque.
 */
typedef struct dkimarc_signer dkimarc_signer;

/**
 * Makes a signer for domain (d=) and selector (s=) with key, whose
 * algorithm it takes (rsa-sha256 or ed25519-sha256). The signer keeps its
 * own reference to key: the caller may free key at once. Defaults:
 * relaxed/relaxed, the RFC 6376 §5.4.1 header set with From oversigned, t=
 * the time of signing, no x=, i= or l=. RSA keys under 1024 bits and over
 * 8192 bits are refused (see DKIMARC_SIGN_ALLOW_WEAK_KEY). Free with
 * dkimarc_signer_free(). Errors: DKIMARC_EINVAL (NULL argument; domain or
 * selector not a valid DNS name; key size), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_signer_new(dkimarc_signer **out, const dkimarc_privkey *key,
                                   const char *domain, const char *selector);

#define DKIMARC_SIGN_ALLOW_SHA1     (1u << 0) /**< permit a=rsa-sha1 (legacy vectors only) */
#define DKIMARC_SIGN_ALLOW_WEAK_KEY (1u << 1) /**< permit RSA keys of 512 to 1023 bits */

/**
 * Permits what RFC 8301 forbids signers, for making legacy test vectors:
 * DKIMARC_SIGN_ALLOW_* bits (replacing earlier ones); dkimarc_sign() refuses
 * rsa-sha1 and RSA keys under 1024 bits without them. Errors: DKIMARC_EINVAL
 * (NULL s, unknown bit).
 */
DKIMARC_API int dkimarc_signer_allow(dkimarc_signer *s, unsigned flags);
/**
 * Sets a=: "rsa-sha256", "ed25519-sha256", or "rsa-sha1" (only after
 * dkimarc_signer_allow(DKIMARC_SIGN_ALLOW_SHA1)); it must match the key.
 * Errors: DKIMARC_EINVAL (NULL argument, unknown, not allowed, or not the
 * key's algorithm).
 */
DKIMARC_API int dkimarc_signer_set_algorithm(dkimarc_signer *s, const char *alg);
/**
 * Sets c=: "relaxed/relaxed" (the default), "simple/simple", "relaxed/simple"
 * or "simple/relaxed"; one word names the header algorithm and the body's is
 * simple (RFC 6376 §3.5). c= is always written in full. Errors:
 * DKIMARC_EINVAL.
 */
DKIMARC_API int dkimarc_signer_set_canonicalization(dkimarc_signer *s, const char *c);
/**
 * Chooses the signed header fields. names is a colon-separated list of field
 * names. With exact 0 it replaces the default set: every field of those
 * names in the message is signed, From (and with dkimarc_signer_set_oversign()
 * every name) once more than it occurs. With exact non-zero it is written as
 * h= as given (order, repeats and names of absent fields are the caller's
 * choice). NULL restores the default set. Errors: DKIMARC_EINVAL (NULL s,
 * empty or invalid name, no From, more than 256 names), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_signer_set_headers(dkimarc_signer *s, const char *names, int exact);
/**
 * Non-zero: oversign every signed name (list it once more than it occurs),
 * so that no field of a signed name can be added without breaking the
 * signature. From is always oversigned. Ignored with an exact h= list.
 * Errors: DKIMARC_EINVAL (NULL s).
 */
DKIMARC_API int dkimarc_signer_set_oversign(dkimarc_signer *s, int all);
/**
 * Folds the fields dkimarc_sign() and dkimarc_seal() write within width
 * columns (default 78, RFC 5322 §2.1.1), or not at all with 0 (one long
 * line, as some signers write them: under relaxed canonicalization a fold
 * inside a value hashes as a space, so only the same layout reproduces
 * their signatures). Errors: DKIMARC_EINVAL (NULL s, width not 0 or 40 to
 * 998).
 */
DKIMARC_API int dkimarc_signer_set_fold(dkimarc_signer *s, unsigned width);
/**
 * Non-zero: write l= with the canonical body length, so that text appended
 * later leaves the signature intact (and verifiers flag it). Errors:
 * DKIMARC_EINVAL (NULL s).
 */
DKIMARC_API int dkimarc_signer_set_body_length(dkimarc_signer *s, int on);

#define DKIMARC_TIME_NOW  (-1) /**< t= is the time of each signing (the default) */
#define DKIMARC_TIME_NONE (-2) /**< no t= tag */

/**
 * Sets t= to unix time t (fixed, so that output is reproducible),
 * DKIMARC_TIME_NOW or DKIMARC_TIME_NONE. Errors: DKIMARC_EINVAL (NULL s,
 * t below -2 or above 12 digits).
 */
DKIMARC_API int dkimarc_signer_set_timestamp(dkimarc_signer *s, int64_t t);
/**
 * Sets x=: unix time x, or with relative non-zero x seconds after t= (or
 * after the time of signing without t=); -1 removes it. x= must come after
 * t=, which dkimarc_sign() checks. Errors: DKIMARC_EINVAL (NULL s, x out of
 * range).
 */
DKIMARC_API int dkimarc_signer_set_expiration(dkimarc_signer *s, int64_t x, int relative);
/**
 * Sets i= (the agent or user identifier, "user@sub.example.com" or
 * "@example.com"); its domain must be d= or a subdomain of it. Written in
 * dkim-quoted-printable. NULL removes it. DKIM signing only. Errors:
 * DKIMARC_EINVAL (NULL s, no '@', domain outside d=), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_signer_set_identity(dkimarc_signer *s, const char *auid);

/**
 * Signs a message: buf holds it as stored (CRLF or bare-LF line ends; an mbox
 * "From " first line is skipped), and is read exactly as dkimarc_verify()
 * reads it. On DKIMARC_OK *field is the DKIM-Signature field, malloc'd (free
 * it), folded at 78 columns and ending in a line end: CRLF, or LF when the
 * message has bare-LF line ends (a verifier reads those as CRLF, as the
 * signature assumes). Put it at the top of the header (after an mbox "From "
 * line). Output depends only on the message, the key and the options (with
 * a fixed timestamp it is the same byte for byte). Thread-safe. Errors:
 * DKIMARC_EINVAL (NULL argument; no From field unless h= is exact; x= not
 * after t=; rsa-sha1 or a weak key not allowed), DKIMARC_ELIMIT (header over 1 MiB, 2000 fields or
 * a 64 KiB field), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_sign(const dkimarc_signer *s, const char *buf, size_t len, char **field);

/**
 * Sets the authserv-id whose Authentication-Results fields dkimarc_seal()
 * copies into the ARC-Authentication-Results (compared without regard to
 * case). Errors: DKIMARC_EINVAL (NULL s, empty or invalid id), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_signer_set_authserv_id(dkimarc_signer *s, const char *id);
/**
 * Makes dkimarc_seal() write cv= as given ("none", "pass" or "fail") instead
 * of validating the chain: for test vectors, or when the caller validated it.
 * "ar" takes the arc= result that the authserv-id's Authentication-Results
 * record, i.e. what this hop's validator found on receipt: the way to seal a
 * message that the hop has changed since (a mailing list's footer), which
 * no longer validates itself. NULL (the default) validates. Errors:
 * DKIMARC_EINVAL, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_signer_set_cv(dkimarc_signer *s, const char *cv);
/**
 * Seals a message (RFC 8617 §5.1): validates the ARC chain it carries with
 * ctx's key source and time (unless a cv was set) and returns in *fields the
 * next ARC set, "ARC-Seal: ...", "ARC-Message-Signature: ..." and
 * "ARC-Authentication-Results: ...", each folded and ending in a line end
 * as dkimarc_sign() does, to put at the top of the header in that order.
 * The AAR carries the results of the message's Authentication-Results
 * fields for the authserv-id; the AMS is a DKIM signature with i= the
 * instance and no v=; the AS covers the ARC sets in instance order (only
 * the new set when cv=fail). When the latest ARC-Seal already says cv=fail,
 * no set is added (RFC 8617 §5.1, step 1): DKIMARC_OK with *fields "".
 * buf is read as dkimarc_sign() reads it; *fields is malloc'd, free() it.
 * ctx may be NULL when a cv is set.
 * Thread-safe. Errors: DKIMARC_EINVAL (NULL argument, no authserv-id set,
 * no Authentication-Results for it, an identity or l= set, the chain
 * already at 50 sets), DKIMARC_ELIMIT (also: the chain has more sets than
 * ctx's DKIMARC_LIMIT_ARC_SETS), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_seal(const dkimarc_signer *s, const dkimarc_ctx *ctx, const char *buf,
                             size_t len, char **fields);
/** Frees a signer (and its reference to the key). Accepts NULL. */
DKIMARC_API void dkimarc_signer_free(dkimarc_signer *s);

/* ------------------------------------------------------------------ */
/* Corpus reading: folders, maildir, mbox                               */
/* ------------------------------------------------------------------ */

/*
 * A corpus is a list of paths walked in a fixed order: each path in the
 * order added; a folder recursively, entries sorted by name (byte order),
 * depth first; an mbox message by message. What each path is (folder,
 * maildir, mbox, single message) is recognised from the file system and
 * the content, without flags. Every file or message gives one item: a
 * message to verify, or a problem (unreadable, too large, not mail...)
 * that is reported, never skipped silently. See docs/scan.md.
 *
 * Threads: a corpus belongs to one thread; the items it gives are
 * independent objects that may be passed to, read and freed in any thread.
 */

/** How ">From " lines inside mbox messages are read back (docs/scan.md). */
typedef enum {
	DKIMARC_MBOX_MBOXRD = 0, /**< ">From ", ">>From ", ...: one '>' removed (default) */
	DKIMARC_MBOX_MBOXO = 1,  /**< only ">From " becomes "From " */
	DKIMARC_MBOX_NONE = 2,   /**< the bytes as stored */
} dkimarc_mbox_quoting;

/** What a corpus item is. */
typedef enum {
	DKIMARC_ITEM_MESSAGE = 0,        /**< a message, to verify */
	DKIMARC_ITEM_UNREADABLE = 1,     /**< cannot be opened or read (permissions, dangling
	                                      symlink, FIFO or device, I/O error) */
	DKIMARC_ITEM_TOO_LARGE = 2,      /**< a message over the size limit: not read */
	DKIMARC_ITEM_MBOX_MALFORMED = 3, /**< part of an mbox that is not a message */
	DKIMARC_ITEM_EMPTY = 4,          /**< an empty file or an empty mbox message */
	DKIMARC_ITEM_NOT_MAIL = 5,       /**< a file that does not begin like a message */
	DKIMARC_ITEM_SKIPPED = 6,        /**< not followed: a symlink out of the scanned tree,
	                                      or a folder already walked (a loop) */
	DKIMARC_ITEM_ERROR = 7,          /**< an item the library failed on (out of memory,
	                                      crypto library): an error, not a verdict */
} dkimarc_item_kind;

/** A walk over paths. Opaque. */
typedef struct dkimarc_corpus dkimarc_corpus;
/** One file, mbox message or problem found by a walk. Opaque. */
typedef struct dkimarc_corpus_item dkimarc_corpus_item;
/** The bytes of one message item, as they are to be verified. Opaque. */
typedef struct dkimarc_msgreader dkimarc_msgreader;

/**
 * Makes an empty corpus in *out (free with dkimarc_corpus_free()): mbox
 * quoting mboxrd, symlinks out of the tree not followed, messages up to
 * 256 MiB. Errors: DKIMARC_EINVAL (NULL out), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_new(dkimarc_corpus **out);
/**
 * Adds a path (copied): a folder, a maildir, an mbox or a single message. A
 * path that does not exist is reported as an unreadable item by the walk.
 * Call before the first dkimarc_corpus_next(). Errors: DKIMARC_EINVAL (NULL
 * or empty path), DKIMARC_ESTATE (walk started), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_add_path(dkimarc_corpus *c, const char *path);
/** Sets how mbox messages are un-quoted. Errors: DKIMARC_EINVAL, DKIMARC_ESTATE. */
DKIMARC_API int dkimarc_corpus_set_mbox_quoting(dkimarc_corpus *c, dkimarc_mbox_quoting q);
/**
 * Non-zero: follow symlinks that lead out of the folder given as a path (by
 * default they are reported as DKIMARC_ITEM_SKIPPED). Symlinks inside the
 * tree and paths given directly are always followed; a folder is never
 * walked twice. Errors: DKIMARC_EINVAL, DKIMARC_ESTATE.
 */
DKIMARC_API int dkimarc_corpus_set_follow_symlinks(dkimarc_corpus *c, int follow);
/**
 * Largest message read, in bytes as stored (default 256 MiB); a larger one
 * is an item DKIMARC_ITEM_TOO_LARGE, never truncated. Errors: DKIMARC_EINVAL
 * (NULL, 0), DKIMARC_ESTATE.
 */
DKIMARC_API int dkimarc_corpus_set_max_message_bytes(dkimarc_corpus *c, uint64_t max);
/**
 * Leaves the file open on fd out of the walk, wherever and under whatever
 * name it is met (the same file by device and inode), without an item: for
 * the files a caller writes while it walks, such as a scan's own output
 * inside the corpus, so that a second run does not read the first one's.
 * Errors: DKIMARC_EINVAL (NULL, fd < 0), DKIMARC_EIO (fd cannot be
 * fstat'd), DKIMARC_ENOMEM, DKIMARC_ESTATE.
 */
DKIMARC_API int dkimarc_corpus_exclude_fd(dkimarc_corpus *c, int fd);
/**
 * The next item of the walk in *out (free with dkimarc_corpus_item_free()),
 * or NULL at the end. Problems with the files are items, not errors. A file
 * that can only be a message, by its name (.eml) or its place (a maildir), is
 * a message item on its size alone: whether it can be opened and begins like
 * mail is found when it is read (dkimarc_corpus_item_open()), so that the
 * walk, which a scan does on one thread, never reads it. Errors:
 * DKIMARC_EINVAL, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_next(dkimarc_corpus *c, dkimarc_corpus_item **out);
/** Frees a corpus (items already given stay valid). Accepts NULL. */
DKIMARC_API void dkimarc_corpus_free(dkimarc_corpus *c);

/** Stable name of an item kind: "message", "unreadable", "too_large", ...; static. */
DKIMARC_API const char *dkimarc_item_kind_str(dkimarc_item_kind k);
/** What the item is; DKIMARC_ITEM_UNREADABLE for NULL. */
DKIMARC_API dkimarc_item_kind dkimarc_corpus_item_kind(const dkimarc_corpus_item *it);
/** The file's path: the corpus path joined with the names walked. Owned by it. */
DKIMARC_API const char *dkimarc_corpus_item_path(const dkimarc_corpus_item *it);
/**
 * Number of the message in its mbox, counting from 1 as mail readers (mutt,
 * mailx) do: the same number the scan's text, JSON, CSV and HTML show;
 * -1 when not in an mbox.
 */
DKIMARC_API int64_t dkimarc_corpus_item_index(const dkimarc_corpus_item *it);
/**
 * Byte offset of the message's "From " separator in its mbox (for an mbox
 * problem, where the bad part starts); -1 when not in an mbox.
 */
DKIMARC_API int64_t dkimarc_corpus_item_offset(const dkimarc_corpus_item *it);
/** Size of the message in bytes as stored (before un-quoting); 0 for problems. */
DKIMARC_API uint64_t dkimarc_corpus_item_size(const dkimarc_corpus_item *it);
/** For a problem, a sentence saying what and why (owned by it); NULL for a message. */
DKIMARC_API const char *dkimarc_corpus_item_problem(const dkimarc_corpus_item *it);
/**
 * A remark on a message that a reader should know (owned by it), e.g. lines
 * beginning "From " inside an mbox message that were not taken as
 * separators; NULL when none.
 */
DKIMARC_API const char *dkimarc_corpus_item_note(const dkimarc_corpus_item *it);
/**
 * Turns a message item into a problem found while reading it, so that it is
 * reported as one: e.g. DKIMARC_ITEM_UNREADABLE after
 * dkimarc_corpus_item_verify() failed with DKIMARC_EIO, DKIMARC_ITEM_TOO_LARGE
 * after DKIMARC_ELIMIT, DKIMARC_ITEM_NOT_MAIL after DKIMARC_EFORMAT,
 * DKIMARC_ITEM_ERROR after DKIMARC_ENOMEM or DKIMARC_ECRYPTO. text
 * (copied) says why. Errors: DKIMARC_EINVAL (NULL, kind
 * DKIMARC_ITEM_MESSAGE), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_item_set_problem(dkimarc_corpus_item *it, dkimarc_item_kind kind,
                                                const char *text);
/** Frees an item. Accepts NULL. */
DKIMARC_API void dkimarc_corpus_item_free(dkimarc_corpus_item *it);

/**
 * Opens a message item for reading its bytes: the file, or the mbox
 * message un-quoted as the corpus says. Free *out with
 * dkimarc_msgreader_free(). Errors: DKIMARC_EINVAL (not a message item),
 * DKIMARC_EIO (cannot open), DKIMARC_EFORMAT (a file taken for a message on
 * its name or place does not begin like mail: report the item as
 * DKIMARC_ITEM_NOT_MAIL with dkimarc_corpus_item_set_problem()),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_item_open(const dkimarc_corpus_item *it, dkimarc_msgreader **out);
/**
 * Reads up to cap (>= 64) bytes into buf; *n is 0 at the end of the message.
 * Errors: DKIMARC_EINVAL, DKIMARC_EIO (read error, or the file changed),
 * DKIMARC_ELIMIT (a file grew past the size limit while read: nothing is
 * truncated silently).
 */
DKIMARC_API int dkimarc_msgreader_read(dkimarc_msgreader *r, char *buf, size_t cap, size_t *n);
/** Frees a reader. Accepts NULL. */
DKIMARC_API void dkimarc_msgreader_free(dkimarc_msgreader *r);
/**
 * Verifies a message item, streaming its bytes through a verifier (memory
 * stays flat). On DKIMARC_OK *out is a report to free. Errors: those of
 * dkimarc_corpus_item_open(), dkimarc_msgreader_read() and the verifier.
 * Thread-safe for distinct items (the context is shared read-only).
 */
DKIMARC_API int dkimarc_corpus_item_verify(const dkimarc_ctx *ctx, const dkimarc_corpus_item *it,
                                           dkimarc_report **out);
/**
 * Renders an item as one line of JSON (no newline) into *out (free()): for a
 * message, report r as dkimarc_report_json() does, with "index" and "offset"
 * (null outside an mbox) after "file" and a final "note"; for a problem (r
 * NULL), {"file","index","offset","problem","problem_text","note"}. See
 * docs/scan.md. Errors: DKIMARC_EINVAL (no report for a message),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_item_json(const dkimarc_corpus_item *it, const dkimarc_report *r,
                                         char **out);

/**
 * A key source that answers the given names from answers fetched once, at
 * creation, from inner (up to `parallel` lookups at a time), and passes any
 * other name on to inner. Made for corpora: gather the names every message
 * needs (dkimarc_verifier_key_count()), fetch them here, then verify without
 * any worker waiting on DNS. Answers are kept as they came, TEMPFAIL
 * included. Takes ownership of inner (also on failure). Immutable once
 * made: safe for concurrent lookups. Errors: DKIMARC_EINVAL, DKIMARC_ENOMEM,
 * or inner's own error for a lookup.
 */
DKIMARC_API int dkimarc_keysrc_prefetch_new(dkimarc_keysrc **out, dkimarc_keysrc *inner,
                                            const char *const *names, size_t n, unsigned parallel);

/* ------------------------------------------------------------------ */
/* Utilities                                                            */
/* ------------------------------------------------------------------ */

/**
 * Parses an RFC 3339 time ("2017-05-05T12:00:00Z", with an offset or not), a
 * date ("2017-05-05", midnight UTC) or unix seconds into unix seconds; -1 when
 * s is NULL or not one of these. Thread-safe; sets no error message.
 */
DKIMARC_API int64_t dkimarc_parse_time(const char *s);
/**
 * Writes unix time t as RFC 3339 UTC ("2017-05-05T12:00:00Z") into out, the
 * form dkimarc_parse_time reads and every report uses. Returns 0, or -1 (out
 * set to "") when t is negative (unknown) or not representable.
 * Thread-safe; sets no error message.
 */
DKIMARC_API int dkimarc_format_time(int64_t t, char out[32]);

#ifdef __cplusplus
}
#endif
#endif
