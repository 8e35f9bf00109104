/**
 * @file
 * Verification: the context (policy, time, limits, key source) and the
 * one-shot and streaming verifiers that turn messages into reports.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_VERIFY_H
#define DKIMARC_PUBLIC_VERIFY_H

#include "keysrc.h"
#include "report.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * Sets the key source, which the context takes, also on failure (then src
 * is freed at once), as every function that takes an object does; it frees
 * any previous source. NULL removes the source (every signature is then
 * unverifiable). Errors: DKIMARC_EINVAL (NULL ctx).
 */
DKIMARC_API int dkimarc_ctx_set_keysrc(dkimarc_ctx *ctx, dkimarc_keysrc *src);
/**
 * Frees a context and its key source. No verifier made from it may be in use
 * or used afterwards. Accepts NULL.
 */
DKIMARC_API void dkimarc_ctx_free(dkimarc_ctx *ctx);

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
/* Forensics: what a context keeps and says about itself                */
/* ------------------------------------------------------------------ */

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

/**
 * What a rerun needs to know about a context, as one line of JSON (no
 * newline): {"dkimarc": version, "strict", "at" (RFC 3339 or null for the
 * time of each verification), "limits": {...}, "keys": [...], "diagnose",
 * "explain"}, where "keys" lists the key sources in lookup order: each
 * archive file with its name, SHA-256 and record count, live DNS with its
 * resolvers, other sources by kind. See docs/json.md. Release *out with
 * dkimarc_free(). Thread-safe once set up. Errors: DKIMARC_EINVAL,
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_ctx_describe_json(const dkimarc_ctx *ctx, char **out);
/**
 * The same for people, one fact per line, each ending in a newline:
 * "dkimarc 0.1.0", the policy, the time, each key source. Release *out
 * with dkimarc_free(). Errors: DKIMARC_EINVAL, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_ctx_describe_text(const dkimarc_ctx *ctx, char **out);

#ifdef __cplusplus
}
#endif
#endif
