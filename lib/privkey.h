/* Private keys: loading, and signing header digests with them. */
#ifndef DKIMARC_PRIVKEY_H
#define DKIMARC_PRIVKEY_H

#include "internal.h"

#define DA_SIGN_RSA_MIN_BITS 1024 /* RFC 8301 §3.2: signers MUST use at least 1024 bits */

struct dkimarc_privkey {
	EVP_PKEY *pk;
	int type; /* DA_KEY_* */
	unsigned bits;
};

/* Wraps pk (taking it over); returns DKIMARC_OK or a status with da_fail set. */
DA_HIDDEN int da_privkey_wrap(EVP_PKEY *pk, const char *name, dkimarc_privkey **out);
/* Bytes in a signature made with k: the RSA modulus size, or 64 for Ed25519. */
DA_HIDDEN size_t da_privkey_sig_len(const dkimarc_privkey *k);
/*
 * Signs a header digest: RSASSA-PKCS1-v1_5 with hash's DigestInfo, or (RFC
 * 8463) PureEd25519 over the digest bytes. sig holds da_privkey_sig_len(k)
 * bytes. Returns DKIMARC_OK or DKIMARC_ECRYPTO with da_fail set.
 */
DA_HIDDEN int da_privkey_sign(const dkimarc_privkey *k, int hash, const unsigned char *digest,
                              size_t dlen, unsigned char *sig, size_t *slen);

#endif
