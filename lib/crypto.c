/* Public-key decoding and signature checks (OpenSSL 3 EVP). */
#include "crypto.h"
#include "keycheck.h"

#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/err.h>
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

bool da_crypto_nomem(void)
{
	bool nomem = false;
	unsigned long e;
	while ((e = ERR_get_error()) != 0)
		nomem |= ERR_GET_REASON(e) == ERR_R_MALLOC_FAILURE;
	return nomem;
}

int da_crypto_status(void)
{
	return da_crypto_nomem() ? DKIMARC_ENOMEM : DKIMARC_ECRYPTO;
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
	/* A decoded RSA key has both: not having them is a failure of the library. */
	if (!EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &n) ||
	    !EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_E, &e)) {
		why = da_status_reason(da_crypto_status());
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
		/* The checks of a decoded key fail only for want of memory. */
		why = da_status_reason(da_crypto_status());
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

/*
 * SubjectPublicKeyInfo, else a bare PKCS#1 RSAPublicKey (as some DNS records
 * carry), else a whole RSA private key (*priv set).
 */
static EVP_PKEY *rsa_der(const da_keyrec *k, bool *priv)
{
	const unsigned char *p = k->pk;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)k->pk_len);
	if (pk && p != k->pk + k->pk_len) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	if (pk)
		return pk;
	p = k->pk;
	pk = d2i_PublicKey(EVP_PKEY_RSA, NULL, &p, (long)k->pk_len);
	if (pk && p != k->pk + k->pk_len) {
		EVP_PKEY_free(pk);
		pk = NULL;
	}
	*priv = !pk && (pk = private_in_record(k, EVP_PKEY_RSA)) != NULL;
	return pk;
}

/* A 512-bit RSA key (SubjectPublicKeyInfo) that OpenSSL decodes whenever it works. */
static const unsigned char known_spki[] = {
    0x30, 0x5c, 0x30, 0x0d, 0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x01, 0x01, 0x05,
    0x00, 0x03, 0x4b, 0x00, 0x30, 0x48, 0x02, 0x41, 0x00, 0xcd, 0x60, 0x5c, 0x72, 0x96, 0x4f, 0x63,
    0x8d, 0x8a, 0x78, 0xb9, 0xa9, 0x13, 0x70, 0x04, 0x41, 0x8e, 0x58, 0xd8, 0xcf, 0x71, 0x5a, 0x27,
    0x25, 0x73, 0x40, 0x02, 0x9d, 0x8f, 0x46, 0xaf, 0xa1, 0x71, 0xe3, 0xfe, 0x84, 0x45, 0x87, 0x9d,
    0xb9, 0x00, 0xe9, 0x61, 0x40, 0xdf, 0x7b, 0xfa, 0xa2, 0x9c, 0x2d, 0x43, 0x7d, 0x3f, 0x01, 0x0a,
    0xd9, 0x99, 0xd6, 0x3c, 0x41, 0xb8, 0x22, 0x08, 0x41, 0x02, 0x03, 0x01, 0x00, 0x01};

static bool decoder_works(void)
{
	const unsigned char *p = known_spki;
	EVP_PKEY *pk = d2i_PUBKEY(NULL, &p, (long)sizeof known_spki);
	EVP_PKEY_free(pk);
	return pk != NULL;
}

static EVP_PKEY *rsa_decode(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason,
                            da_findings *fs, bool check, char *err, size_t errlen)
{
	bool priv = false;
	ERR_clear_error();
	EVP_PKEY *pk = rsa_der(k, &priv);
	bool nomem = !pk && da_crypto_nomem();
	/*
	 * Bad bytes and a failed allocation both give NULL, and OpenSSL 3's
	 * decoders drop the errors of a key they could not decode, a failed
	 * allocation among them; one may even leave them unable to decode any
	 * key for a while, or for good. So a key that does not decode is
	 * key_syntax only once a key known to be good decodes, and the key
	 * itself fails again. Bad keys are rare (and never remembered).
	 */
	if (!pk && !nomem) {
		if (!decoder_works()) {
			*reason = da_status_reason(da_crypto_status());
			snprintf(err, errlen, "OpenSSL cannot decode RSA keys");
			return NULL;
		}
		ERR_clear_error();
		pk = rsa_der(k, &priv);
		nomem = !pk && da_crypto_nomem();
	}
	if (!pk) {
		*reason = nomem ? DA_REASON_ENOMEM : DKIMARC_REASON_KEY_SYNTAX;
		snprintf(err, errlen, "p= is not an RSA public key (neither SPKI nor PKCS#1)");
		return NULL;
	}
	if (EVP_PKEY_get_base_id(pk) != EVP_PKEY_RSA) {
		EVP_PKEY_free(pk);
		*reason = DKIMARC_REASON_KEY_TYPE_MISMATCH;
		snprintf(err, errlen, "key record says k=rsa but p= holds another key type");
		return NULL;
	}
	if (priv)
		da_findings_add(fs, true, DKIMARC_REASON_KEY_PRIVATE_IN_DNS, "%s", private_text);
	*bits = (unsigned)EVP_PKEY_get_bits(pk);
	if (*bits == 0) {
		/* A decoded RSA key has a size: not telling it is the library failing. */
		EVP_PKEY_free(pk);
		*reason = da_status_reason(da_crypto_status());
		return NULL;
	}
	if (*bits > DA_RSA_MAX_BITS) {
		EVP_PKEY_free(pk);
		*reason = DKIMARC_REASON_KEY_TOO_LARGE;
		snprintf(err, errlen, "RSA key of %u bits exceeds the %u-bit maximum", *bits,
		         DA_RSA_MAX_BITS);
		return NULL;
	}
	if (check && (*reason = rsa_check(pk, fs, err, errlen)) != DKIMARC_REASON_OK) {
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
		/* As for RSA: not a private key only if the decoders work and it fails twice. */
		bool priv =
		    k->pk_len != 32 && sodium_ok &&
		    (ed25519_private(k, pub) || (decoder_works() && ed25519_private(k, pub)));
		if (k->pk_len != 32 && !priv && !decoder_works()) {
			*reason = da_status_reason(da_crypto_status());
			snprintf(err, errlen, "OpenSSL cannot decode keys");
			return NULL;
		}
		if (priv) {
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
		/* Any 32 bytes make a key: a failure is the library's. */
		EVP_PKEY *pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, raw, 32);
		if (!pk) {
			*reason = da_status_reason(da_crypto_status());
			snprintf(err, errlen, "Ed25519 key rejected by OpenSSL");
			return NULL;
		}
		*bits = 256;
		return pk;
	}
	return rsa_decode(k, bits, reason, fs, true, err, errlen);
}

EVP_PKEY *da_pkey_decode_rsa_unchecked(const da_keyrec *k, unsigned *bits, dkimarc_reason *reason,
                                       char *err, size_t errlen)
{
	da_findings fs = {0};
	*bits = 0;
	*reason = DKIMARC_REASON_OK;
	if (k->key_type != DA_KEY_RSA) {
		*reason = DKIMARC_REASON_KEY_TYPE_MISMATCH;
		snprintf(err, errlen, "not an RSA key record");
		return NULL;
	}
	return rsa_decode(k, bits, reason, &fs, false, err, errlen);
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

/*
 * 1 or 0 from a verify call's return, or the error: a negative return is
 * the library failing, and so is a 0 whose error queue says memory ran out
 * (OpenSSL 3 reports a failed allocation inside RSA as "does not verify").
 */
static int verify_result(int rc)
{
	if (rc == 1) {
		ERR_clear_error();
		return 1;
	}
	if (rc < 0)
		return da_crypto_status();
	return da_crypto_nomem() ? DKIMARC_ENOMEM : 0;
}

int da_verify_digest(EVP_PKEY *pk, const da_rsa_prep *prep, int key_type, int hash,
                     const unsigned char *digest, size_t dlen, const unsigned char *sig,
                     size_t slen)
{
	int rc = -1;
	ERR_clear_error();
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
			return DKIMARC_ENOMEM;
		if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, pk) == 1)
			rc = EVP_DigestVerify(md, sig, slen, digest, dlen);
		EVP_MD_CTX_free(md);
		return verify_result(rc);
	}
	/* A duplicate of the prepared context: EVP_PKEY_verify changes its context. */
	bool known = prep && (hash == DA_HASH_SHA1 || hash == DA_HASH_SHA256);
	EVP_PKEY_CTX *pc = known ? EVP_PKEY_CTX_dup(prep->by_hash[hash]) : rsa_verify_ctx(pk, hash);
	if (!pc)
		return da_crypto_status();
	rc = EVP_PKEY_verify(pc, sig, slen, digest, dlen);
	EVP_PKEY_CTX_free(pc);
	return verify_result(rc);
}
