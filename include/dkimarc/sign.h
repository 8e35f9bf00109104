/**
 * @file
 * Signing and sealing: private keys, the records to publish, DKIM signatures
 * and ARC sets.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_SIGN_H
#define DKIMARC_PUBLIC_SIGN_H

#include "verify.h"

#ifdef __cplusplus
extern "C" {
#endif

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
 * (RSA) and Mail::DKIM read. Release *out with dkimarc_free(), which wipes
 * it (it is secret).
 * Errors: DKIMARC_EINVAL (NULL argument), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_pem(const dkimarc_privkey *k, char **out);
/**
 * An Ed25519 key's 32-byte seed in base64, the form dkimpy and OpenDKIM
 * read. Release *out with dkimarc_free(), which wipes it (it is secret).
 * Errors: DKIMARC_EINVAL
 * (NULL argument, or an RSA key), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_seed(const dkimarc_privkey *k, char **out);
/**
 * The DNS key record to publish for the key, "v=DKIM1; k=rsa; p=..." (p= a
 * SubjectPublicKeyInfo) or "v=DKIM1; k=ed25519; p=..." (the raw public key,
 * RFC 8463). Release *out with dkimarc_free(). Errors: DKIMARC_EINVAL (NULL
 * argument), DKIMARC_ECRYPTO, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_privkey_record(const dkimarc_privkey *k, char **out);
/** Frees a key (wiping it). Signers made with it keep their own reference. Accepts NULL. */
DKIMARC_API void dkimarc_privkey_free(dkimarc_privkey *k);

/**
 * A DNS zone-file line publishing txt at name ("sel._domainkey.example.com"):
 * "sel._domainkey.example.com. IN TXT ( "..." "..." )", the text cut into
 * character-strings of at most 255 bytes, with a final newline. dkimarc's
 * archive reads it back. Release *out with dkimarc_free(). Errors:
 * DKIMARC_EINVAL
 * (NULL argument, or a name or text with control characters or quotes),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_record_zone(const char *name, const char *txt, char **out);
/**
 * A key archive line (JSON Lines, docs/keys.md) holding txt at name, with
 * "source" when source is not NULL, and a final newline. Release *out with
 * dkimarc_free(). Errors: DKIMARC_EINVAL (NULL name or txt), DKIMARC_ENOMEM.
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
 * reads it. On DKIMARC_OK *field is the DKIM-Signature field (release it
 * with dkimarc_free()), folded at 78 columns and ending in a line end: CRLF, or LF when the
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
 * buf is read as dkimarc_sign() reads it; release *fields with
 * dkimarc_free().
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

#ifdef __cplusplus
}
#endif
#endif
