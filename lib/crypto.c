/* Public-key decoding and signature checks (OpenSSL 3 EVP). */
#include "crypto.h"
#include "keycheck.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * Digests fetched once per process: OpenSSL 3 otherwise looks the algorithm
 * up (under a lock) at every EVP_DigestInit_ex. Constant after the once.
 */
static EVP_MD *md_sha1, *md_sha256;
static bool sodium_ok;
static pthread_once_t crypto_once = PTHREAD_ONCE_INIT;

static void crypto_init(void)
{
	md_sha1 = EVP_MD_fetch(NULL, "SHA1", NULL);
	md_sha256 = EVP_MD_fetch(NULL, "SHA256", NULL);
	sodium_ok = sodium_init() >= 0;
}

const EVP_MD *da_hash_md(int hash)
{
	pthread_once(&crypto_once, crypto_init);
	if (hash == DA_HASH_SHA1)
		return md_sha1 ? md_sha1 : EVP_sha1();
	return md_sha256 ? md_sha256 : EVP_sha256();
}

/*
 * An RSA key whose arithmetic is degenerate would let anyone "sign": an even
 * modulus is key_syntax; the checks of keycheck.c (exponent, small factors,
 * Fermat, ROCA) add findings to fs, with the key kept.
 */
static dkimarc_reason rsa_check(EVP_PKEY *pk, da_findings *fs, char *err, size_t errlen)
{
	BIGNUM *n = NULL, *e = NULL;
	dkimarc_reason why = DKIMARC_REASON_KEY_SYNTAX;
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e)) {
		snprintf(err, errlen, "RSA key parameters unreadable");
		goto out;
	}
	if (!BN_is_odd(n)) {
		snprintf(err, errlen, "RSA modulus is even");
		goto out;
	}
	if (BN_is_one(n)) {
		snprintf(err, errlen, "RSA modulus is 1");
		goto out;
	}
	if (da_rsa_key_checks(n, e, fs) < 0) {
		snprintf(err, errlen, "RSA modulus could not be checked (out of memory)");
		goto out;
	}
	why = DKIMARC_REASON_OK;
out:
	BN_free(n);
	BN_free(e);
	return why;
}

/* p= as a whole DER private key (PKCS#1 RSAPrivateKey or PKCS#8) of type, or NULL. */
static EVP_PKEY *private_in_record(const da_keyrec *k, int type)
{
	const unsigned char *p = k->pk;
	EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, (long)k->pk_len);
	if (pk && (p != k->pk + k->pk_len || EVP_PKEY_get_base_id(pk) != type)) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	return pk;
}

static const char private_text[] =
    "the key record's p= holds the private key itself, not only the public one: anyone "
    "who looks the record up can sign with this key";

static EVP_PKEY *rsa_decode(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason,
                            da_findings *fs, char *err, size_t errlen)
{
	const unsigned char *p = k->pk;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)k->pk_len);
	if (pk && p != k->pk + k->pk_len) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	if (pk && EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		*reason = DKIMARC_REASON_KEY_TYPE_MISMATCH;
		snprintf(err, errlen, "key record says k=rsa but p= holds another key type");
		return NULL;
	}
	if (!pk) {
		/* Bare PKCS#1 RSAPublicKey, as some DNS records carry. */
		p = k->pk;
		pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)k->pk_len);
		if (pk && p != k->pk + k->pk_len) {
			EVP_PKEY_free(pk);
			pk = NULL;
		}
	}
	if (!pk && (pk = private_in_record(k, EVP_PKEY_RSA)) != NULL)
		da_findings_add(fs, true, DKIMARC_REASON_KEY_PRIVATE_IN_DNS, "%s", private_text);
	if (!pk) {
		*reason = DKIMARC_REASON_KEY_SYNTAX;
		snprintf(err, errlen, "p= is not an RSA public key (neither SPKI nor PKCS#1)");
		return NULL;
	}
	*bits = (unsigned)EVP_PKEY_get_bits(pk);
	if (*bits > DA_RSA_MAX_BITS) {
		EVP_PKEY_free(pk);
		*reason = DKIMARC_REASON_KEY_TOO_LARGE;
		snprintf(err, errlen, "RSA key of %u bits exceeds the %u-bit maximum", *bits,
		         DA_RSA_MAX_BITS);
		return NULL;
	}
	if ((*reason = rsa_check(pk, fs, err, errlen)) != DKIMARC_REASON_OK) {
		EVP_PKEY_free(pk);
		return NULL;
	}
	return pk;
}

/*
 * An Ed25519 key of small order (the eight points whose order divides 8,
 * in any encoding, sign bit ignored) verifies a forged signature (R = a
 * small-order point, S = 0) for many messages, and OpenSSL accepts it.
 * Their y-coordinates: 0, 1, p-1, p, p+1 (all but two bytes equal) and
 * the two order-8 values below (little-endian).
 */
static bool ed25519_small_order(const unsigned char *a)
{
	static const unsigned char y8[2][32] = {
	    {0x26, 0xe8, 0x95, 0x8f, 0xc2, 0xb2, 0x27, 0xb0, 0x45, 0xc3, 0xf4,
	     0x89, 0xf2, 0xef, 0x98, 0xf0, 0xd5, 0xdf, 0xac, 0x05, 0xd3, 0xc6,
	     0x33, 0x39, 0xb1, 0x38, 0x02, 0x88, 0x6d, 0x53, 0xfc, 0x05},
	    {0xc7, 0x17, 0x6a, 0x70, 0x3d, 0x4d, 0xd8, 0x4f, 0xba, 0x3c, 0x0b,
	     0x76, 0x0d, 0x10, 0x67, 0x0f, 0x2a, 0x20, 0x53, 0xfa, 0x2c, 0x39,
	     0xcc, 0xc6, 0x4e, 0xc7, 0xfd, 0x77, 0x92, 0xac, 0x03, 0x7a},
	};
	unsigned char top = a[31] & 0x7f;
	bool zeros = true, ones = true;

	for (int i = 1; i < 31; i++) {
		zeros &= a[i] == 0x00;
		ones &= a[i] == 0xff;
	}
	if (zeros && top == 0x00 && a[0] <= 0x01)
		return true; /* y = 0, 1 */
	if (ones && top == 0x7f && a[0] >= 0xec && a[0] <= 0xee)
		return true; /* y = p-1, p, p+1 */
	for (int k = 0; k < 2; k++)
		if (memcmp(a, y8[k], 31) == 0 && top == y8[k][31])
			return true;
	return false;
}

/*
 * An Ed25519 private key in p=: the 32-byte seed and the public key (64
 * bytes, as libsodium keeps them; the halves must agree), or PKCS#8. Its
 * public key into pub; false when p= is neither.
 */
static bool ed25519_private(const da_keyrec *k, unsigned char pub[32])
{
	unsigned char seed[32], sk[64];
	bool found = false;
	if (k->pk_len == 64) {
		memcpy(seed, k->pk, 32);
		found = crypto_sign_seed_keypair(pub, sk, seed) == 0 &&
		        sodium_memcmp(pub, k->pk + 32, 32) == 0;
	} else {
		EVP_PKEY *pk = private_in_record(k, EVP_PKEY_ED25519);
		size_t len = 32;
		found = pk && EVP_PKEY_get_raw_public_key(pk, pub, &len) == 1 && len == 32;
		EVP_PKEY_free(pk);
	}
	sodium_memzero(seed, sizeof seed);
	sodium_memzero(sk, sizeof sk);
	return found;
}

EVP_PKEY *da_pkey_decode_findings(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason,
                                  da_findings *fs, char *err, size_t errlen)
{
	*bits = 0;
	fs->n = 0;
	if (k->key_type == DA_KEY_ED25519) {
		pthread_once(&crypto_once, crypto_init);
		unsigned char pub[32];
		const unsigned char *raw = k->pk;
		if (k->pk_len != 32 && sodium_ok && ed25519_private(k, pub)) {
			da_findings_add(fs, true, DKIMARC_REASON_KEY_PRIVATE_IN_DNS, "%s",
			                private_text);
			raw = pub;
		} else if (k->pk_len != 32) {
			*reason = DKIMARC_REASON_KEY_SYNTAX;
			snprintf(err, errlen, "Ed25519 key is %zu bytes, not 32", k->pk_len);
			return NULL;
		}
		if (ed25519_small_order(raw)) {
			*reason = DKIMARC_REASON_KEY_SYNTAX;
			snprintf(err, errlen,
			         "Ed25519 key is a point of small order: anyone could sign");
			return NULL;
		}
		EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
		if (!pk) {
			*reason = DKIMARC_REASON_KEY_SYNTAX;
			snprintf(err, errlen, "Ed25519 key rejected by OpenSSL");
			return NULL;
		}
		*bits = 256;
		return pk;
	}
	return rsa_decode(k, bits, reason, fs, err, errlen);
}

EVP_PKEY *da_pkey_decode_any(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason,
                             dkimarc_reason *defect, char *err, size_t errlen)
{
	da_findings fs;
	EVP_PKEY *pk = da_pkey_decode_findings(k, bits, reason, &fs, err, errlen);
	*defect = DKIMARC_REASON_OK;
	if (pk && fs.n > 0) {
		*defect = fs.f[0].reason;
		snprintf(err, errlen, "%s", fs.f[0].text);
	}
	return pk;
}

EVP_PKEY *da_pkey_decode(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason, char *err,
                         size_t errlen)
{
	dkimarc_reason defect;
	EVP_PKEY *pk = da_pkey_decode_any(k, bits, reason, &defect, err, errlen);
	if (pk && defect != DKIMARC_REASON_OK) {
		EVP_PKEY_free(pk);
		*reason = defect;
		return NULL;
	}
	return pk;
}

int da_pkey_fingerprint(EVP_PKEY *pk, unsigned char fp[32])
{
	unsigned char *der = NULL;
	unsigned int n = 0;
	int len = i2d_PUBKEY(pk, &der);
	int ok = len > 0 &&
	         EVP_Digest(der, (size_t)len, fp, &n, da_hash_md(DA_HASH_SHA256), NULL) == 1 &&
	         n == 32;
	OPENSSL_free(der);
	return ok ? 0 : -1;
}

/* A context that verifies PKCS#1 v1.5 signatures with pk over a digest of hash. */
static EVP_PKEY_CTX *rsa_verify_ctx(EVP_PKEY *pk, int hash)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
	if (pc && EVP_PKEY_verify_init(pc) == 1 &&
	    EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
	    EVP_PKEY_CTX_set_signature_md(pc, da_hash_md(hash)) == 1)
		return pc;
	EVP_PKEY_CTX_free(pc);
	return NULL;
}

struct da_rsa_prep {
	EVP_PKEY_CTX *by_hash[DA_HASH_SHA256 + 1]; /* indexed by DA_HASH_* */
};

da_rsa_prep *da_rsa_prep_new(EVP_PKEY *pk)
{
	da_rsa_prep *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	for (int h = DA_HASH_SHA1; h <= DA_HASH_SHA256; h++) {
		if (!(p->by_hash[h] = rsa_verify_ctx(pk, h))) {
			da_rsa_prep_free(p);
			return NULL;
		}
	}
	return p;
}

void da_rsa_prep_free(da_rsa_prep *p)
{
	if (!p)
		return;
	for (size_t h = 0; h < sizeof p->by_hash / sizeof p->by_hash[0]; h++)
		EVP_PKEY_CTX_free(p->by_hash[h]);
	free(p);
}

int da_verify_digest(EVP_PKEY *pk, const da_rsa_prep *prep, int key_type, int hash,
                     const unsigned char *digest, size_t dlen, const unsigned char *sig,
                     size_t slen)
{
	int rc = -1;
	if (key_type == DA_KEY_ED25519) {
		/* RFC 8463: PureEd25519 over the SHA-256 digest of the headers.
		 * libsodium verifies in about half OpenSSL 3.0's time, and is at
		 * least as strict (non-canonical S, small-order points). */
		pthread_once(&crypto_once, crypto_init);
		unsigned char raw[32];
		size_t rawlen = sizeof raw;
		if (sodium_ok && EVP_PKEY_get_raw_public_key(pk, raw, &rawlen) == 1 &&
		    rawlen == sizeof raw)
			return slen == crypto_sign_BYTES &&
			       crypto_sign_verify_detached(sig, digest, dlen, raw) == 0;
		EVP_MD_CTX *md = EVP_MD_CTX_new();
		if (!md)
			return -1;
		if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1)
			rc = EVP_DigestVerify(md, sig, slen, digest, dlen) == 1 ? 1 : 0;
		EVP_MD_CTX_free(md);
		return rc;
	}
	/* A duplicate of the prepared context: EVP_PKEY_verify changes its context. */
	bool known = prep && (hash == DA_HASH_SHA1 || hash == DA_HASH_SHA256);
	EVP_PKEY_CTX *pc = known ? EVP_PKEY_CTX_dup(prep->by_hash[hash]) : rsa_verify_ctx(pk, hash);
	if (!pc)
		return -1;
	rc = EVP_PKEY_verify(pc, sig, slen, digest, dlen) == 1 ? 1 : 0;
	EVP_PKEY_CTX_free(pc);
	return rc;
}
