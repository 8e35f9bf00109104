/*
 * Did this key make this signature? For RSA (PKCS#1 v1.5) the public key
 * recovers what was signed: a well-formed padded DigestInfo means the key
 * is right and the signed digest can be compared with ours; anything else
 * means another key signed (or b= was damaged). Ed25519 cannot tell.
 */
#ifndef DKIMARC_KEYMATCH_H
#define DKIMARC_KEYMATCH_H

#include "internal.h"

enum {
	DA_MADE_UNKNOWN = -1, /* Ed25519, or no key */
	DA_MADE_OTHER_KEY = 0,
	DA_MADE_THIS_KEY = 1,
};

/* What the key recovers from an RSA signature. */
typedef struct {
	int made; /* DA_MADE_* */
	int hash; /* DA_HASH_* of the DigestInfo, 0 when not a known one */
	unsigned char digest[EVP_MAX_MD_SIZE];
	size_t digest_len;
} da_recovered;

/*
 * EMSA-PKCS1-v1_5 (RFC 8017 §9.2): the k bytes 00 01 FF..FF 00 DigestInfo
 * digest that an RSA signature over digest (of hash, DA_HASH_*) is the
 * private operation on, with the DigestInfo that signers write (NULL
 * parameters, §9.2 note 1). Returns 0, or -1 for an unknown hash or a k too
 * short for 8 bytes of padding.
 */
DA_HIDDEN int da_emsa_encode(int hash, const unsigned char *digest, size_t dlen, unsigned char *em,
                             size_t k);

/*
 * Recovers what sig signed with pk (key_type DA_KEY_*); fills *out. Returns
 * DKIMARC_OK, or DKIMARC_ENOMEM / DKIMARC_ECRYPTO when the crypto library
 * failed (never "another key made it" then).
 */
DA_HIDDEN int da_rsa_recover(EVP_PKEY *pk, int key_type, const unsigned char *sig, size_t slen,
                             da_recovered *out);

#endif
