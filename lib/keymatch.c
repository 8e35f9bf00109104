/* RSA signature recovery: the right key, or another one (keymatch.h). */
#include "keymatch.h"

#include "crypto.h"

#include <openssl/err.h>
#include <openssl/rsa.h>
#include <string.h>

/* DER DigestInfo prefixes (RFC 8017 §9.2 note 1), with and without NULL parameters. */
static const struct {
	int hash;
	size_t dlen;
	size_t plen;
	unsigned char prefix[19];
} infos[] = {
    {DA_HASH_SHA256,
     32,
     19,
     {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
      0x05, 0x00, 0x04, 0x20}},
    {DA_HASH_SHA256,
     32,
     17,
     {0x30, 0x2f, 0x30, 0x0b, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01,
      0x04, 0x20}},
    {DA_HASH_SHA1,
     20,
     15,
     {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14}},
    {DA_HASH_SHA1,
     20,
     13,
     {0x30, 0x1f, 0x30, 0x07, 0x06, 0x05, 0x2b, 0x0e, 0x03, 0x02, 0x1a, 0x04, 0x14}},
};

int da_emsa_encode(int hash, const unsigned char *digest, size_t dlen, unsigned char *em, size_t k)
{
	/* Each hash's first entry above is the form with NULL parameters. */
	for (size_t i = 0; i < sizeof infos / sizeof infos[0]; i++) {
		if (infos[i].hash != hash)
			continue;
		size_t plen = infos[i].plen;
		if (dlen != infos[i].dlen || plen + dlen + 11 > k)
			return -1;
		size_t ps = k - 3 - plen - dlen;
		em[0] = 0x00;
		em[1] = 0x01;
		memset(em + 2, 0xff, ps);
		em[2 + ps] = 0x00;
		memcpy(em + 3 + ps, infos[i].prefix, plen);
		memcpy(em + 3 + ps + plen, digest, dlen);
		return 0;
	}
	return -1;
}

int da_rsa_recover(EVP_PKEY *pk, int key_type, const unsigned char *sig, size_t slen,
                   da_recovered *out)
{
	unsigned char buf[1024]; /* up to 8192-bit keys */
	size_t n = sizeof buf;
	EVP_PKEY_CTX *pc;
	int rc;

	memset(out, 0, sizeof *out);
	out->made = DA_MADE_UNKNOWN;
	if (key_type != DA_KEY_RSA || !pk || (size_t)EVP_PKEY_get_size(pk) > sizeof buf)
		return DKIMARC_OK;
	ERR_clear_error();
	pc = EVP_PKEY_CTX_new(pk, NULL);
	if (!pc)
		return da_crypto_status();
	/* No digest set: OpenSSL checks the type 1 padding and hands back the DigestInfo. */
	if (EVP_PKEY_verify_recover_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) != 1) {
		EVP_PKEY_CTX_free(pc);
		return da_crypto_status();
	}
	rc = EVP_PKEY_verify_recover(pc, buf, &n, sig, slen);
	EVP_PKEY_CTX_free(pc);
	/*
	 * A signature of the wrong length or value, or padding that is not
	 * 00 01 FF..FF 00: this key's public operation does not undo it. A
	 * random value passes the padding check with odds of about 2^-80. A
	 * failure of the library is not that (OpenSSL 3 says 0 for both).
	 */
	if (rc < 0 || (rc != 1 && da_crypto_nomem()))
		return rc < 0 ? da_crypto_status() : DKIMARC_ENOMEM;
	out->made = DA_MADE_OTHER_KEY;
	if (rc != 1)
		return DKIMARC_OK;
	ERR_clear_error();
	out->made = DA_MADE_THIS_KEY;
	for (size_t i = 0; i < sizeof infos / sizeof infos[0]; i++) {
		if (n == infos[i].plen + infos[i].dlen &&
		    memcmp(buf, infos[i].prefix, infos[i].plen) == 0) {
			out->hash = infos[i].hash;
			out->digest_len = infos[i].dlen;
			memcpy(out->digest, buf + infos[i].plen, infos[i].dlen);
			return DKIMARC_OK;
		}
	}
	return DKIMARC_OK;
}
