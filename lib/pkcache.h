/*
 * Decoded public keys, remembered per context. Decoding an RSA key costs more
 * than verifying with it (d2i ~90 µs vs ~15 µs for RSA-2048), and a corpus
 * reuses a few keys thousands of times. Thread-safe; bounded.
 */
#ifndef DKIMARC_PKCACHE_H
#define DKIMARC_PKCACHE_H

#include "crypto.h"
#include "internal.h"

#define DA_PKCACHE_MAX 65536 /* entries; past this, keys are decoded each time */

typedef struct da_pkcache da_pkcache;

DA_HIDDEN da_pkcache *da_pkcache_new(void);
DA_HIDDEN void da_pkcache_free(da_pkcache *c);
/*
 * Like da_pkey_decode, through the cache: returns a new reference (free it
 * with EVP_PKEY_free) or NULL with *reason and err; a key anyone can sign
 * with is NULL with key_small_factor (remembered, so checked once per key);
 * a failure of the crypto library is NULL with DA_REASON_ENOMEM or
 * DA_REASON_ECRYPTO (never remembered). c may be NULL. *prep is
 * the cached RSA key's prepared contexts, borrowed from the cache until it is
 * freed, or NULL.
 */
DA_HIDDEN EVP_PKEY *da_pkcache_get(da_pkcache *c, const da_keyrec *k, unsigned *bits,
                                   const da_rsa_prep **prep, dkimarc_reason *reason, char *err,
                                   size_t errlen);

/* A key record as the verifier needs it: its tags and its decoded key. */
typedef struct {
	da_keyrec tags;          /* pk is NULL: the key is in pkey */
	EVP_PKEY *pkey;          /* a new reference, or NULL (revoked, or see decode) */
	const da_rsa_prep *prep; /* borrowed from the cache (lives as long), or NULL */
	unsigned bits;           /* key size whenever it could be read */
	/*
	 * Why pkey is NULL when the record is not revoked; or, with pkey set,
	 * a key finding (keycheck.h: key_small_factor ...): a key anyone can
	 * sign with, kept so that the signature can still be checked.
	 * decode_err says why.
	 */
	dkimarc_reason decode;
	char decode_err[360];
	unsigned char fp[32]; /* with pkey: SHA-256 of its SubjectPublicKeyInfo, if has_fp */
	bool has_fp;
} da_pkinfo;

/*
 * Parses the key record txt and decodes its key, remembering both by the
 * record's exact text, so a corpus signed with a few keys parses each once.
 * Returns DKIMARC_REASON_OK with *out filled (clear it with da_pkinfo_clear),
 * or KEY_SYNTAX with err set (not remembered), or DA_REASON_ENOMEM /
 * DA_REASON_ECRYPTO (nothing remembered). c may be NULL.
 */
DA_HIDDEN dkimarc_reason da_pkcache_record(da_pkcache *c, const char *txt, size_t len,
                                           da_pkinfo *out, char *err, size_t errlen);
DA_HIDDEN void da_pkinfo_clear(da_pkinfo *pi);

#endif
