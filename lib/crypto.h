/* Public-key decoding and signature checks (OpenSSL 3 EVP). */
#ifndef DKIMARC_CRYPTO_H
#define DKIMARC_CRYPTO_H

#include "internal.h"

#define DA_RSA_MIN_BITS 1024 /* RFC 8301 §3.2: smaller keys never pass */
#define DA_RSA_MAX_BITS 8192

/*
 * Decodes a parsed key record into an EVP_PKEY. RSA keys are taken as
 * SubjectPublicKeyInfo or as bare PKCS#1 RSAPublicKey. Returns NULL with
 * *reason (key_syntax, key_type_mismatch, key_too_large, key_small_factor)
 * and err set, or with DA_REASON_ENOMEM / DA_REASON_ECRYPTO when the crypto
 * library failed. *bits is the key size whenever it could be read.
 */
DA_HIDDEN EVP_PKEY *da_pkey_decode(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason,
                                   char *err, size_t errlen);
/*
 * The same, except that an RSA key anyone can sign with (a modulus anyone can
 * factor) is returned all the same, with *defect = key_small_factor and err
 * saying why: the verifier still checks the signature, to tell whether it
 * verifies. *defect is DKIMARC_REASON_OK otherwise.
 */
DA_HIDDEN EVP_PKEY *da_pkey_decode_any(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason,
                                       dkimarc_reason *defect, char *err, size_t errlen);

/*
 * The same with every finding of the key's own checks (keycheck.h) in *fs,
 * the first being the one da_pkey_decode_any reports; fs is set even when
 * NULL is returned. struct da_findings is defined in keycheck.h.
 */
struct da_findings_s;
DA_HIDDEN EVP_PKEY *da_pkey_decode_findings(const da_keyrec *k, unsigned *bits,
                                            dkimarc_reason *reason, struct da_findings_s *fs,
                                            char *err, size_t errlen);
/*
 * An RSA key record's key, decoded as da_pkey_decode does but without the
 * key's own checks (keycheck.h), which cost milliseconds: for reading the
 * moduli of a whole archive (the shared-prime search), where most keys may
 * never verify anything. Never for verifying: the checks run when a key is
 * used (pkcache.h).
 */
DA_HIDDEN EVP_PKEY *da_pkey_decode_rsa_unchecked(const da_keyrec *k, unsigned *bits,
                                                 dkimarc_reason *reason, char *err, size_t errlen);
/* SHA-256 of the key's SubjectPublicKeyInfo (DER): 0, or -1 on a failure. */
DA_HIDDEN int da_pkey_fingerprint(EVP_PKEY *pk, unsigned char fp[32]);

/*
 * rsamod.c: whether anyone can factor the odd RSA modulus n (> 1): it has a
 * prime factor below 2^20, or it is prime (a Fermat test to base 2). Returns
 * 1 with err saying how, 0 when n is not such a modulus, -1 on a failure
 * (memory). Costs one modular exponentiation the size of n.
 */
DA_HIDDEN int da_rsa_modulus_check(const BIGNUM *n, char *err, size_t errlen);

/*
 * An RSA key made ready to verify: a context initialised for each hash, which
 * every signature duplicates instead of setting one up (two look-ups in
 * OpenSSL 3's provider tables each time). Immutable once made, so shared by
 * threads; it holds its own references to the key.
 */
typedef struct da_rsa_prep da_rsa_prep;

DA_HIDDEN da_rsa_prep *da_rsa_prep_new(EVP_PKEY *pk);
DA_HIDDEN void da_rsa_prep_free(da_rsa_prep *p);

/*
 * Verifies sig over the header digest. prep, when not NULL, is pk's (from the
 * context's key cache). Returns 1 valid, 0 not, or DKIMARC_ENOMEM /
 * DKIMARC_ECRYPTO when the crypto library failed: never "not valid" then.
 */
DA_HIDDEN int da_verify_digest(EVP_PKEY *pk, const da_rsa_prep *prep, int key_type, int hash,
                               const unsigned char *digest, size_t dlen, const unsigned char *sig,
                               size_t slen);

DA_HIDDEN const EVP_MD *da_hash_md(int hash);

/*
 * After an OpenSSL call failed: DKIMARC_ENOMEM when its error queue holds
 * a failed allocation, else DKIMARC_ECRYPTO. Both empty the queue.
 */
DA_HIDDEN int da_crypto_status(void);
DA_HIDDEN bool da_crypto_nomem(void);

#endif
