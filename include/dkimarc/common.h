/**
 * @file
 * Common ground of every part: the export macro, the version, status codes,
 * the per-thread error message and time utilities.
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
 * Text a function hands over through a char ** out-parameter is released
 * with dkimarc_free() (never free()), which wipes it first.
 *
 * Enums are open: a newer library may return an enumerator, a reason code
 * or a flag bit that a program compiled against an older header does not
 * know, so a switch over one needs a default, and the *_str() functions
 * name unknown values "unknown" (or NULL for flags) rather than fail. The
 * *_COUNT_ sentinels count the values of this header: no function returns
 * one, and they grow with the enum, so use them only for arrays indexed by
 * the enum in the same build, never in stored data.
 *
 * Structures a caller fills or reads carry a version first (keysrc.h).
 *
 * ABI: only dkimarc_* symbols are exported; the SONAME (libdkimarc.so.0)
 * changes on any incompatible change. See docs/abi.md.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_COMMON_H
#define DKIMARC_PUBLIC_COMMON_H

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
/**
 * Sets the calling thread's message, as dkimarc_last_error() gives it, to
 * msg (copied; cut at 511 bytes), or to dkimarc_strerror(status) when msg is
 * NULL, and returns status. For code built on dkimarc that reports through
 * the same channel: a key source's lookup() that fails, or a library such
 * as libdkimarc-corpus. Thread-safe; cannot fail.
 */
DKIMARC_API int dkimarc_set_error(int status, const char *msg);
/**
 * Releases text that a dkimarc function returned through an out-parameter
 * for the caller to free (dkimarc_report_json(), dkimarc_sign(),
 * dkimarc_privkey_pem(), dkimarc_corpus_item_json(), ...): wipes every byte
 * first, since some of it is secret (private keys, their PEM and seed). Never
 * pass such text to free(), nor other memory to dkimarc_free() (the library
 * may abort, as free() does on a pointer it did not hand out). Accepts NULL.
 * Thread-safe; cannot fail.
 */
DKIMARC_API void dkimarc_free(void *p);

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
