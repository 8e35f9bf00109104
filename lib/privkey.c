/*
 * Private keys: PEM or DER (PKCS#1 or PKCS#8) RSA, PEM Ed25519, and the bare
 * base64 Ed25519 seed that dkimpy and OpenDKIM keep in their key files.
 */
#include "privkey.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Key files are a few KiB; anything much larger is not a key. */
#define KEYFILE_MAX (1024 * 1024)

int da_privkey_wrap(EVP_PKEY *pk, const char *name, dkimarc_privkey **out)
{
	int id = EVP_PKEY_get_base_id(pk);
	dkimarc_privkey *k;

	if (id != EVP_PKEY_RSA && id != EVP_PKEY_ED25519) {
		EVP_PKEY_free(pk);
		return da_fail(DKIMARC_EINVAL,
		               "%s: a %s key; DKIM signs only with RSA or Ed25519 keys", name,
		               OBJ_nid2sn(id));
	}
	if (id == EVP_PKEY_RSA) {
		/* A damaged key would sign garbage that no verifier accepts. */
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(pk, NULL);
		int ok = pc != NULL && EVP_PKEY_pairwise_check(pc) == 1;

		EVP_PKEY_CTX_free(pc);
		if (!ok) {
			EVP_PKEY_free(pk);
			return da_fail(DKIMARC_EFORMAT,
			               "%s: the RSA private key is inconsistent (its numbers do "
			               "not belong together)",
			               name);
		}
	}
	k = calloc(1, sizeof *k);
	if (k == NULL) {
		EVP_PKEY_free(pk);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	k->pk = pk;
	k->type = id == EVP_PKEY_RSA ? DA_KEY_RSA : DA_KEY_ED25519;
	k->bits = id == EVP_PKEY_RSA ? (unsigned)EVP_PKEY_get_bits(pk) : 256;
	*out = k;
	return DKIMARC_OK;
}

/* Refuses to prompt: an encrypted key fails to load instead. */
static int no_passphrase(char *buf, int size, int rwflag, void *u)
{
	(void)buf;
	(void)size;
	(void)rwflag;
	(void)u;
	return -1;
}

static bool contains(const char *s, size_t n, const char *needle)
{
	size_t k = strlen(needle);

	for (size_t i = 0; i + k <= n; i++)
		if (memcmp(s + i, needle, k) == 0)
			return true;
	return false;
}

static bool is_b64(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/' || c == '=';
}

static bool is_space(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* An Ed25519 key from a 32-byte seed, or a 64-byte seed + public key (NaCl). */
static EVP_PKEY *ed25519_from_raw(const unsigned char *raw, size_t n, const char *name, int *rc)
{
	EVP_PKEY *pk = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, raw, 32);
	unsigned char pub[32];
	size_t publen = sizeof pub;

	if (pk == NULL) {
		*rc = da_fail(DKIMARC_ECRYPTO, "%s: OpenSSL rejected the Ed25519 seed", name);
		return NULL;
	}
	if (n == 64 && (EVP_PKEY_get_raw_public_key(pk, pub, &publen) != 1 ||
	                memcmp(pub, raw + 32, 32) != 0)) {
		EVP_PKEY_free(pk);
		*rc = da_fail(DKIMARC_EFORMAT,
		              "%s: 64-byte Ed25519 key whose second half is not the public key "
		              "of its first half",
		              name);
		return NULL;
	}
	return pk;
}

static EVP_PKEY *from_der(const unsigned char *p, size_t n)
{
	const unsigned char *q = p;
	EVP_PKEY *pk;

	if (n > INT32_MAX)
		return NULL;
	pk = d2i_AutoPrivateKey(NULL, &q, (long)n);
	if (pk != NULL && q != p + n) {
		EVP_PKEY_free(pk); /* trailing bytes: not one key */
		pk = NULL;
	}
	return pk;
}

static EVP_PKEY *decode(const char *data, size_t len, const char *name, int *rc)
{
	const unsigned char *u = (const unsigned char *)data;
	size_t a = 0, b = len, nb64 = 0;
	bool b64 = true;
	EVP_PKEY *pk = NULL;

	while (a < b && is_space(u[a]))
		a++;
	while (b > a && is_space(u[b - 1]))
		b--;
	if (a == b) {
		*rc = da_fail(DKIMARC_EFORMAT, "%s: empty key file", name);
		return NULL;
	}
	if (contains(data + a, b - a, "-----BEGIN ")) {
		BIO *bio = BIO_new_mem_buf(data + a, (int)(b - a));

		if (bio == NULL) {
			*rc = da_fail(DKIMARC_ENOMEM, "out of memory");
			return NULL;
		}
		pk = PEM_read_bio_PrivateKey(bio, NULL, no_passphrase, NULL);
		BIO_free(bio);
		ERR_clear_error();
		if (pk != NULL)
			return pk;
		if (contains(data + a, b - a, "ENCRYPTED"))
			*rc = da_fail(DKIMARC_EFORMAT,
			              "%s: the private key is encrypted; decrypt it first "
			              "(openssl pkey -in KEY -out PLAIN)",
			              name);
		else if (contains(data + a, b - a, "PUBLIC KEY-----"))
			*rc =
			    da_fail(DKIMARC_EFORMAT,
			            "%s: holds a public key; signing needs the private key", name);
		else
			*rc = da_fail(DKIMARC_EFORMAT,
			              "%s: PEM data that is not an unencrypted private key", name);
		return NULL;
	}
	for (size_t i = a; i < b && b64; i++) {
		if (is_b64(u[i]))
			nb64++;
		else if (!is_space(u[i]))
			b64 = false;
	}
	if (b64) {
		char *tmp = malloc(b - a);
		unsigned char *raw = NULL;
		size_t n = 0, rawlen = 0;

		if (tmp == NULL) {
			*rc = da_fail(DKIMARC_ENOMEM, "out of memory");
			return NULL;
		}
		n = da_strip_ws(data + a, b - a, tmp);
		int dec = da_b64_decode(tmp, n, &raw, &rawlen);
		if (dec != 0) {
			free(tmp);
			*rc = dec == -2 ? da_fail(DKIMARC_ENOMEM, "out of memory")
			                : da_fail(DKIMARC_EFORMAT,
			                          "%s: neither PEM nor valid base64", name);
			return NULL;
		}
		free(tmp);
		if (rawlen == 32 || rawlen == 64)
			pk = ed25519_from_raw(raw, rawlen, name, rc);
		else if ((pk = from_der(raw, rawlen)) == NULL)
			*rc = da_fail(DKIMARC_EFORMAT,
			              "%s: base64 of %zu bytes: neither a 32-byte Ed25519 seed nor "
			              "a DER private key",
			              name, rawlen);
		OPENSSL_cleanse(raw, rawlen);
		free(raw);
		return pk;
	}
	pk = from_der(u, len);
	ERR_clear_error();
	if (pk == NULL)
		*rc = da_fail(DKIMARC_EFORMAT,
		              "%s: not a private key (expected PEM, DER or a base64 Ed25519 seed)",
		              name);
	return pk;
}

int dkimarc_privkey_load_mem(dkimarc_privkey **out, const char *name, const char *data, size_t len)
{
	int rc = DKIMARC_OK;
	EVP_PKEY *pk;

	if (out == NULL || (data == NULL && len > 0))
		return da_fail(DKIMARC_EINVAL, "dkimarc_privkey_load_mem: NULL argument");
	*out = NULL;
	if (name == NULL)
		name = "key";
	if (len > KEYFILE_MAX)
		return da_fail(DKIMARC_ELIMIT, "%s: %zu bytes is too large for a key file", name,
		               len);
	pk = decode(data ? data : "", len, name, &rc);
	if (pk == NULL)
		return rc != DKIMARC_OK ? rc : da_fail(DKIMARC_EFORMAT, "%s: not a key", name);
	return da_privkey_wrap(pk, name, out);
}

int dkimarc_privkey_load(dkimarc_privkey **out, const char *path)
{
	FILE *f;
	char *buf;
	size_t n;
	int rc;

	if (out == NULL || path == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_privkey_load: NULL argument");
	*out = NULL;
	f = fopen(path, "rb");
	if (f == NULL)
		return da_fail(DKIMARC_EIO, "cannot open key %s: %s", path, strerror(errno));
	buf = malloc(KEYFILE_MAX + 1);
	if (buf == NULL) {
		fclose(f);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	n = fread(buf, 1, KEYFILE_MAX + 1, f);
	if (ferror(f)) {
		rc = da_fail(DKIMARC_EIO, "cannot read key %s: %s", path, strerror(errno));
	} else if (n > KEYFILE_MAX) {
		rc = da_fail(DKIMARC_ELIMIT, "%s: larger than %d bytes, not a key file", path,
		             KEYFILE_MAX);
	} else {
		rc = dkimarc_privkey_load_mem(out, path, buf, n);
	}
	fclose(f);
	OPENSSL_cleanse(buf, n);
	free(buf);
	return rc;
}

dkimarc_keytype dkimarc_privkey_type(const dkimarc_privkey *k)
{
	return k != NULL && k->type == DA_KEY_ED25519 ? DKIMARC_KEYTYPE_ED25519
	                                              : DKIMARC_KEYTYPE_RSA;
}

unsigned dkimarc_privkey_bits(const dkimarc_privkey *k)
{
	return k != NULL ? k->bits : 0;
}

/* The text is handed over by dkimarc_privkey_pem(), below. */
static int privkey_pem_impl(const dkimarc_privkey *k, char **out)
{
	BIO *bio;
	char *p;
	long n;

	if (k == NULL || out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_privkey_pem: NULL argument");
	*out = NULL;
	bio = BIO_new(BIO_s_mem());
	if (bio == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	/* PKCS#8, unencrypted: what OpenSSL, OpenDKIM, dkimpy and Mail::DKIM all read. */
	if (PEM_write_bio_PKCS8PrivateKey(bio, k->pk, NULL, NULL, 0, NULL, NULL) != 1) {
		BIO_free(bio);
		return da_fail(DKIMARC_ECRYPTO, "OpenSSL could not write the key as PEM");
	}
	n = BIO_get_mem_data(bio, &p);
	*out = malloc((size_t)n + 1);
	if (*out == NULL) {
		BIO_free(bio);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	memcpy(*out, p, (size_t)n);
	(*out)[n] = '\0';
	OPENSSL_cleanse(p, (size_t)n);
	BIO_free(bio);
	return DKIMARC_OK;
}

int dkimarc_privkey_pem(const dkimarc_privkey *k, char **out)
{
	return da_give(privkey_pem_impl(k, out), out);
}

/* The text is handed over by dkimarc_privkey_seed(), below. */
static int privkey_seed_impl(const dkimarc_privkey *k, char **out)
{
	unsigned char seed[32];
	size_t n = sizeof seed;

	if (k == NULL || out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_privkey_seed: NULL argument");
	*out = NULL;
	if (k->type != DA_KEY_ED25519)
		return da_fail(DKIMARC_EINVAL, "only an Ed25519 key has a seed; this is RSA");
	if (EVP_PKEY_get_raw_private_key(k->pk, seed, &n) != 1 || n != 32)
		return da_fail(DKIMARC_ECRYPTO, "OpenSSL could not export the Ed25519 seed");
	*out = da_b64_encode(seed, n);
	OPENSSL_cleanse(seed, sizeof seed);
	return *out ? DKIMARC_OK : da_fail(DKIMARC_ENOMEM, "out of memory");
}

int dkimarc_privkey_seed(const dkimarc_privkey *k, char **out)
{
	return da_give(privkey_seed_impl(k, out), out);
}

/* The text is handed over by dkimarc_privkey_record(), below. */
static int privkey_record_impl(const dkimarc_privkey *k, char **out)
{
	unsigned char *der = NULL, raw[32];
	size_t n = sizeof raw;
	char *b64;
	int len;

	if (k == NULL || out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_privkey_record: NULL argument");
	*out = NULL;
	if (k->type == DA_KEY_ED25519) {
		/* RFC 8463 §4.2: p= is the bare 32-byte public key. */
		if (EVP_PKEY_get_raw_public_key(k->pk, raw, &n) != 1)
			return da_fail(DKIMARC_ECRYPTO, "OpenSSL could not export the public key");
		b64 = da_b64_encode(raw, n);
	} else {
		/* RFC 6376 §3.6.1: p= is a SubjectPublicKeyInfo. */
		len = i2d_PUBKEY(k->pk, &der);
		if (len <= 0)
			return da_fail(DKIMARC_ECRYPTO, "OpenSSL could not export the public key");
		b64 = da_b64_encode(der, (size_t)len);
		OPENSSL_free(der);
	}
	if (b64 == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	n = strlen(b64) + 32;
	*out = malloc(n);
	if (*out != NULL)
		snprintf(*out, n, "v=DKIM1; k=%s; p=%s",
		         k->type == DA_KEY_ED25519 ? "ed25519" : "rsa", b64);
	free(b64);
	return *out ? DKIMARC_OK : da_fail(DKIMARC_ENOMEM, "out of memory");
}

int dkimarc_privkey_record(const dkimarc_privkey *k, char **out)
{
	return da_give(privkey_record_impl(k, out), out);
}

void dkimarc_privkey_free(dkimarc_privkey *k)
{
	if (k == NULL)
		return;
	EVP_PKEY_free(k->pk);
	free(k);
}

size_t da_privkey_sig_len(const dkimarc_privkey *k)
{
	return k->type == DA_KEY_ED25519 ? 64 : (size_t)EVP_PKEY_get_size(k->pk);
}

int da_privkey_sign(const dkimarc_privkey *k, int hash, const unsigned char *digest, size_t dlen,
                    unsigned char *sig, size_t *slen)
{
	size_t cap = da_privkey_sig_len(k);
	int ok = 0;

	*slen = cap;
	if (k->type == DA_KEY_ED25519) {
		EVP_MD_CTX *md = EVP_MD_CTX_new();

		ok = md != NULL && EVP_DigestSignInit(md, NULL, NULL, NULL, k->pk) == 1 &&
		     EVP_DigestSign(md, sig, slen, digest, dlen) == 1;
		EVP_MD_CTX_free(md);
	} else {
		EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new(k->pk, NULL);

		ok = pc != NULL && EVP_PKEY_sign_init(pc) == 1 &&
		     EVP_PKEY_CTX_set_rsa_padding(pc, RSA_PKCS1_PADDING) == 1 &&
		     EVP_PKEY_CTX_set_signature_md(pc, hash == DA_HASH_SHA1 ? EVP_sha1()
		                                                            : EVP_sha256()) == 1 &&
		     EVP_PKEY_sign(pc, sig, slen, digest, dlen) == 1;
		EVP_PKEY_CTX_free(pc);
	}
	if (!ok || *slen != cap) {
		ERR_clear_error();
		return da_fail(DKIMARC_ECRYPTO, "signing failed in OpenSSL");
	}
	return DKIMARC_OK;
}
