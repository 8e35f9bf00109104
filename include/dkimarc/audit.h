/**
 * @file
 * Key forensics: findings about keys that let anyone sign, an audit of the
 * keys of archives and verified mail, and keys recovered from signatures
 * (docs/keys.md, "Auditing keys" and "Recovering keys").
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_AUDIT_H
#define DKIMARC_PUBLIC_AUDIT_H

#include "keysrc.h"
#include "report.h"
#include "verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Key forensics: findings about keys (docs/keys.md "Auditing keys")    */
/* ------------------------------------------------------------------ */

/**
 * Runs a batch GCD (product and remainder trees) over every RSA key that
 * ctx's key source holds without asking the network: every archive record
 * and every answer a prefetching source fetched. A signature whose key
 * shares a prime with another of them then fails with
 * DKIMARC_REASON_KEY_SHARED_PRIME (verdict weak). Call it once the key
 * source is set (after a prefetch, for a corpus). Setup only. The trees are
 * GMP's, which ends the process if memory runs out (SECURITY.md); nothing
 * else a verification does uses GMP. Errors: DKIMARC_EINVAL (NULL ctx),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_ctx_check_shared_primes(dkimarc_ctx *ctx);
/**
 * Loads a file of revealed private keys (PEM, with "# published: DATE"
 * lines; docs/keys.md). A signature whose key is among them fails with
 * DKIMARC_REASON_KEY_PRIVATE_PUBLISHED (verdict weak), unless the
 * verification time (dkimarc_ctx_set_time()) is before the key's
 * publication date. All or nothing. Setup only. Errors: DKIMARC_EINVAL,
 * DKIMARC_EIO, DKIMARC_EFORMAT (the message names file and line),
 * DKIMARC_ELIMIT (over 64 MiB), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_ctx_load_revealed(dkimarc_ctx *ctx, const char *path);

/**
 * An audit of keys (`dkimarc keys audit`): the keys of archives and of
 * verified messages, each checked for the findings that let anyone sign
 * (DKIMARC_REASON_KEY_TOO_WEAK, DKIMARC_REASON_KEY_SMALL_FACTOR ...
 * DKIMARC_REASON_KEY_PRIVATE_PUBLISHED), with when each was in use. Fill it
 * (the dkimarc_audit_add_* calls; add_report is thread-safe), run it once,
 * then read it. Opaque.
 */
typedef struct dkimarc_audit dkimarc_audit;
/** One key of an audit: a name and a public key. Owned by its audit. Opaque. */
typedef struct dkimarc_audit_key dkimarc_audit_key;

/** Makes an empty audit in *out. Errors: DKIMARC_EINVAL, DKIMARC_ENOMEM. */
DKIMARC_API int dkimarc_audit_new(dkimarc_audit **out);
/**
 * Adds every record src holds without asking the network (archives,
 * prefetched answers, through chains), with its provenance. Revoked records
 * (empty p=) are not keys and are left out. Errors: DKIMARC_EINVAL,
 * DKIMARC_ESTATE (after dkimarc_audit_run()), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_audit_add_keysrc(dkimarc_audit *a, const dkimarc_keysrc *src);
/** Adds one record published at name ("sel._domainkey.example.com"). Errors: as above. */
DKIMARC_API int dkimarc_audit_add_record(dkimarc_audit *a, const char *name,
                                         const dkimarc_keyrec *rec);
/**
 * Adds the keys r's signatures (DKIM and ARC) were checked with, and for
 * each signature that verifies with its key (the cryptography, whatever the
 * verdict) its t= and the message's Date: when the key was in use.
 * Thread-safe against other calls of this function. Errors: as above.
 */
DKIMARC_API int dkimarc_audit_add_report(dkimarc_audit *a, const dkimarc_report *r);
/** Loads a revealed-keys file, as dkimarc_ctx_load_revealed() does. Errors: the same. */
DKIMARC_API int dkimarc_audit_load_revealed(dkimarc_audit *a, const char *path);
/**
 * Checks every key: its own checks, the revealed keys, and a batch GCD
 * over all RSA keys of the audit; then sorts the keys by domain, first use
 * and selector. Once. The batch GCD is GMP's, which ends the process if
 * memory runs out (SECURITY.md). Errors: DKIMARC_EINVAL, DKIMARC_ESTATE (run
 * already), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_audit_run(dkimarc_audit *a);
/** Number of keys; 0 for NULL. */
DKIMARC_API size_t dkimarc_audit_key_count(const dkimarc_audit *a);
/** Key i (0-based; after dkimarc_audit_run() in its order), or NULL. */
DKIMARC_API const dkimarc_audit_key *dkimarc_audit_key_at(const dkimarc_audit *a, size_t i);
/** The name ("sel._domainkey.example.com"), lower case; NULL for NULL. */
DKIMARC_API const char *dkimarc_audit_key_name(const dkimarc_audit_key *k);
/** The domain and selector parts of the name (NULL when the name has no "._domainkey."). */
DKIMARC_API const char *dkimarc_audit_key_domain(const dkimarc_audit_key *k);
/** The selector part of the name, or NULL. */
DKIMARC_API const char *dkimarc_audit_key_selector(const dkimarc_audit_key *k);
/** "rsa" or "ed25519"; NULL when the record holds no usable key. */
DKIMARC_API const char *dkimarc_audit_key_algorithm(const dkimarc_audit_key *k);
/** Key size in bits (0 when unknown). */
DKIMARC_API unsigned dkimarc_audit_key_bits(const dkimarc_audit_key *k);
/**
 * SHA-256 of the key's SubjectPublicKeyInfo (DER), 64 lower-case hex digits
 * (`openssl pkey -pubin -outform DER | sha256sum`); NULL when no usable key.
 */
DKIMARC_API const char *dkimarc_audit_key_fingerprint(const dkimarc_audit_key *k);
/** Why the record holds no usable key (a sentence), or NULL. */
DKIMARC_API const char *dkimarc_audit_key_error(const dkimarc_audit_key *k);
/** Number of provenance lines: every place the key was found. */
DKIMARC_API size_t dkimarc_audit_key_origin_count(const dkimarc_audit_key *k);
/** Provenance line i ("archive keys.jsonl:3 (from dns 192.0.2.53)"), or NULL. */
DKIMARC_API const char *dkimarc_audit_key_origin(const dkimarc_audit_key *k, size_t i);
/** Number of findings (after dkimarc_audit_run()). */
DKIMARC_API size_t dkimarc_audit_key_finding_count(const dkimarc_audit_key *k);
/** Finding i's code; DKIMARC_REASON_OK when out of range. */
DKIMARC_API dkimarc_reason dkimarc_audit_key_finding(const dkimarc_audit_key *k, size_t i);
/** Finding i's sentence, or NULL. */
DKIMARC_API const char *dkimarc_audit_key_finding_text(const dkimarc_audit_key *k, size_t i);
/** Number of signatures added by dkimarc_audit_add_report() that verify with the key. */
DKIMARC_API uint64_t dkimarc_audit_key_signatures(const dkimarc_audit_key *k);

/** Times known about a key (unix seconds; -1 when unknown). */
typedef enum {
	DKIMARC_AUDIT_FIRST_SIGNED = 0, /**< earliest t= of a signature that verifies with it */
	DKIMARC_AUDIT_LAST_SIGNED,      /**< latest such t= */
	DKIMARC_AUDIT_FIRST_DATE,       /**< earliest Date of a message it verifies */
	DKIMARC_AUDIT_LAST_DATE,        /**< latest such Date */
	DKIMARC_AUDIT_FIRST_SEEN,       /**< earliest first_seen of its archive records */
	DKIMARC_AUDIT_LAST_SEEN,        /**< latest last_seen of its archive records */
} dkimarc_audit_time;

/** One of the key's times; -1 when unknown or out of range. */
DKIMARC_API int64_t dkimarc_audit_key_time(const dkimarc_audit_key *k, dkimarc_audit_time which);
/** Frees an audit and its keys. Accepts NULL. */
DKIMARC_API void dkimarc_audit_free(dkimarc_audit *a);

/* ------------------------------------------------------------------ */
/* Key recovery and key identity (docs/keys.md)                         */
/* ------------------------------------------------------------------ */

/** One RSA signature given to dkimarc_rsa_recover(): its bytes and what it signs. */
typedef struct dkimarc_rsa_sample {
	const unsigned char *sig;    /**< b= decoded (dkimarc_sig_signature()) */
	size_t sig_len;              /**< bytes in sig: the key's size in bytes */
	const unsigned char *digest; /**< its header digest (dkimarc_sig_header_digest()) */
	size_t digest_len;           /**< 32 for rsa-sha256, 20 for rsa-sha1 */
} dkimarc_rsa_sample;

/**
 * Recovers the RSA public key that made signatures, from the signatures alone
 * (docs/keys.md, "Recovering keys"). Each signature s of a key (n, e) satisfies
 * s^e = EM (mod n), EM being the PKCS#1 v1.5 encoding of its digest (RFC 8017
 * §9.2), so n divides gcd(s1^e - EM1, s2^e - EM2). e is the exponent to try,
 * 3 or 65537, or 0 for both (3 first: it costs nothing). Pairs of samples are
 * tried in turn (a signature whose signed header fields changed since, or
 * that another key made, shares no key with the others), at most max_pairs
 * of them at e = 65537 (0: 6); small cofactors of the gcd are divided out, by
 * trial division and with the other samples; a key is kept only if OpenSSL
 * verifies with it the pair it came from. All samples must have the same
 * sig_len (64 to 1024 bytes). On DKIMARC_OK, *record is the key record
 * "v=DKIM1; k=rsa; p=..." (release it with dkimarc_free()) and used[i] is 1 for each
 * sample the key verifies, 2 for one the key made over another digest (the
 * signed header fields changed since), 0 for one it did not make; or *record
 * is NULL when no pair yields a key (used all 0). Slow at e = 65537: a gcd of
 * two numbers of 65537 * 8 * sig_len bits per pair, about 15 s for a 1024-bit
 * key and 35 s for 2048 (docs/performance.md), with memory to match (about
 * 100 MB for 2048 bits; GMP aborts the process if it runs out). Thread-safe.
 * Errors: DKIMARC_EINVAL (NULL argument, n < 2, lengths, e), DKIMARC_ECRYPTO,
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_rsa_recover(const dkimarc_rsa_sample *sigs, size_t n, unsigned long e,
                                    unsigned max_pairs, unsigned char *used, char **record);

/**
 * The fingerprint of the public key in a key record: the SHA-256 of its DER
 * SubjectPublicKeyInfo, 64 lower-case hex digits and a NUL in out, what
 * `openssl pkey -pubin -outform DER | sha256sum` prints. Two records hold the
 * same key exactly when their fingerprints are equal, whatever their other
 * tags and however p= is written (SPKI or PKCS#1). Thread-safe. Errors:
 * DKIMARC_EINVAL (NULL argument), DKIMARC_EFORMAT (not a key record, a
 * revoked one, or p= not a key; the message says why), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_record_fingerprint(const char *txt, size_t len, char out[65]);

#ifdef __cplusplus
}
#endif
#endif
