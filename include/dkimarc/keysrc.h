/**
 * @file
 * Key sources: where keys come from (archives, chains, prefetching, the
 * caller's own), the records they answer with and their provenance.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_KEYSRC_H
#define DKIMARC_PUBLIC_KEYSRC_H

#include "common.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Key sources                                                          */
/* ------------------------------------------------------------------ */

/*
 * Structures a caller fills or reads carry a version as their first member
 * (after libgit2's options): set it with the structure's _INIT macro, or to
 * its _VERSION macro, which is the layout the header was compiled with.
 * Later versions only add members at the end; the library reads and writes
 * no more of a structure than its version holds, so a program built against
 * an older header keeps working, and refuses (DKIMARC_EINVAL) a version it
 * does not know, from a newer header. docs/abi.md.
 */

/** The layout of dkimarc_keyrec this header describes. */
#define DKIMARC_KEYREC_VERSION 1
/**
 * Initializer of a dkimarc_keyrec: this version, no text, and every time and
 * the DNSSEC state unknown (-1).
 */
#define DKIMARC_KEYREC_INIT                                                                        \
	{                                                                                          \
		DKIMARC_KEYREC_VERSION, NULL, 0, NULL, NULL, 0, NULL, -1, -1, -1, -1               \
	}

/**
 * One key record as a key source found it, with its provenance. A caller
 * fills one for dkimarc_answer_add() (start from DKIMARC_KEYREC_INIT); the
 * records the library gives (dkimarc_answer_record(), dkimarc_sig_key_record())
 * have the library's version: read a member added in version N only when
 * version >= N.
 */
typedef struct dkimarc_keyrec {
	unsigned int version; /**< DKIMARC_KEYREC_VERSION (the layout) */
	const char *txt;      /**< record text, TXT strings concatenated */
	size_t txt_len;       /**< bytes in txt (may hold NULs) */
	const char *origin;   /**< human provenance: "keys.zone:12", "dns 127.0.0.1:53" */
	const char *file;     /**< archive file, or NULL */
	unsigned long line;   /**< line in that file, or 0 */
	const char *source;   /**< where the archive says it came from, or NULL */
	int64_t first_seen;   /**< unix time, or -1 if unknown */
	int64_t last_seen;    /**< unix time, or -1 if unknown */
	int64_t fetched_at;   /**< unix time the record was fetched, or -1 */
	int dnssec;           /**< 1 validated by resolver, 0 not, -1 unknown */
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
 * answer it was given. Errors: DKIMARC_EINVAL (NULL argument, or a
 * rec->version the library does not know), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_answer_add(dkimarc_answer *ans, const dkimarc_keyrec *rec);
/**
 * Sets the answer to NOT_FOUND or TEMPFAIL with a short human reason (copied;
 * may be NULL), dropping any records added before. Errors: DKIMARC_EINVAL
 * (NULL answer, or st is FOUND), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_answer_fail(dkimarc_answer *ans, dkimarc_lookup_status st, const char *why);

/** The layout of dkimarc_keysrc_ops this header describes. */
#define DKIMARC_KEYSRC_OPS_VERSION 1
/** Initializer of a dkimarc_keysrc_ops: this version, no functions; set them after. */
#define DKIMARC_KEYSRC_OPS_INIT                                                                    \
	{                                                                                          \
		DKIMARC_KEYSRC_OPS_VERSION, NULL, NULL, NULL                                       \
	}

/**
 * A key source implementation. lookup() is given the lower-case query name
 * ("selector._domainkey.example.com") and fills ans. It returns DKIMARC_OK,
 * or an error status only for a failure of its own (out of memory; it may
 * say why with dkimarc_set_error()): "no such key" is an answer, not an
 * error. It may be called from several threads at once.
 */
typedef struct dkimarc_keysrc_ops {
	unsigned int version; /**< DKIMARC_KEYSRC_OPS_VERSION (the layout) */
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
 * copied and must outlive the source. The source takes impl, also on
 * failure: then ops->free(impl) is called at once (when ops and ops->free
 * are given). Errors: DKIMARC_EINVAL (NULL out, no ops->lookup, or an
 * ops->version the library does not know), DKIMARC_ENOMEM.
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
 * Lines format, or the zk-email archive's JSON; detected from content.
 * A load is all or nothing: a malformed line fails it with DKIMARC_EFORMAT
 * and a message naming file and line, and leaves the source as it was.
 * A file in the test vectors' tab-separated format is refused the same way,
 * with a message saying so: it can make up DNS failures, so it is read only
 * by dkimarc_keysrc_archive_load_vector().
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
/**
 * Loads a file in the test vectors' tab-separated format, and in no other:
 * lines NAME<TAB>TXT<TAB>DATA, or NAME<TAB>NXDOMAIN, SERVFAIL or TIMEOUT,
 * which make lookups of NAME answer not found or a temporary failure as DNS
 * would. For test vectors only; dkimarc_keysrc_archive_load() refuses such
 * a file, so that an archive is never read as one by accident. Otherwise as
 * dkimarc_keysrc_archive_load(): all or nothing, the same errors.
 */
DKIMARC_API int dkimarc_keysrc_archive_load_vector(dkimarc_keysrc *src, const char *path);
/**
 * As dkimarc_keysrc_archive_load_vector(), from memory, as
 * dkimarc_keysrc_archive_load_mem() is to dkimarc_keysrc_archive_load().
 */
DKIMARC_API int dkimarc_keysrc_archive_load_vector_mem(dkimarc_keysrc *src, const char *name,
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

#ifdef __cplusplus
}
#endif
#endif
