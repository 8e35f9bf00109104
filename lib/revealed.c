/*
 * Revealed private keys (keymarks.h, docs/keys.md): keys whose owners or
 * others have published the private half, as some mail providers do for the
 * keys they retire so that old signatures stop proving anything. A file holds
 * PEM private keys; a line "# published: DATE" gives the date for the keys
 * after it, "# source: TEXT" where they were published. Only the public
 * half's fingerprint is kept.
 */
#include "crypto.h"
#include "keymarks.h"

#include <errno.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FILE (64u << 20)

int da_read_file(const char *path, char **data, size_t *len)
{
	FILE *f = fopen(path, "rb");
	size_t cap = 0, n = 0;
	char *buf = NULL;

	*data = NULL;
	*len = 0;
	if (!f)
		return da_fail(DKIMARC_EIO, "cannot open %s: %s", path, strerror(errno));
	for (;;) {
		if (cap - n < 65536) {
			char *b = cap >= MAX_FILE ? NULL : realloc(buf, cap ? 2 * cap : 65536);
			if (!b) {
				free(buf);
				fclose(f);
				return cap >= MAX_FILE
				           ? da_fail(DKIMARC_ELIMIT, "%s: over 64 MiB", path)
				           : da_fail(DKIMARC_ENOMEM, "out of memory");
			}
			buf = b;
			cap = cap ? 2 * cap : 65536;
		}
		size_t got = fread(buf + n, 1, cap - n, f);
		n += got;
		if (got == 0)
			break;
	}
	int bad = ferror(f);
	fclose(f);
	if (bad) {
		free(buf);
		return da_fail(DKIMARC_EIO, "cannot read %s", path);
	}
	*data = buf;
	*len = n;
	return DKIMARC_OK;
}

/* Whether line s (n bytes) is "# KEY: value"; the value trimmed into out. */
static bool directive(const char *s, size_t n, const char *key, char *out, size_t outlen)
{
	size_t kl = strlen(key), i = 1;
	if (n < 1 || s[0] != '#')
		return false;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	if (n - i < kl + 1 || strncmp(s + i, key, kl) != 0 || s[i + kl] != ':')
		return false;
	i += kl + 1;
	while (i < n && (s[i] == ' ' || s[i] == '\t'))
		i++;
	while (n > i && (s[n - 1] == ' ' || s[n - 1] == '\t' || s[n - 1] == '\r'))
		n--;
	snprintf(out, outlen, "%.*s", (int)(n - i), s + i);
	return true;
}

int da_revealed_parse(const char *file, const char *data, size_t len, da_revealed_fn fn, void *arg)
{
	char val[512], source[512] = "";
	int64_t published = -1;
	unsigned long line = 0, begin = 0;
	const char *block = NULL;
	size_t pos = 0;
	bool has_source = false;

	while (pos < len) {
		const char *s = data + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos;
		pos += n + (nl != NULL);
		line++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		if (!block) {
			if (n >= 11 && strncmp(s, "-----BEGIN ", 11) == 0) {
				block = s;
				begin = line;
			} else if (directive(s, n, "published", val, sizeof val)) {
				published = dkimarc_parse_time(val);
				if (published < 0)
					return da_fail(
					    DKIMARC_EFORMAT,
					    "%s:%lu: \"%s\" is not a date (2019-03-01 or "
					    "2019-03-01T12:00:00Z)",
					    file, line, val);
			} else if (directive(s, n, "source", val, sizeof val)) {
				snprintf(source, sizeof source, "%s", val);
				has_source = source[0] != '\0';
			}
			continue;
		}
		if (!(n >= 9 && strncmp(s, "-----END ", 9) == 0))
			continue;
		/* A whole PEM block, from its BEGIN line to this END line. */
		size_t blen = (size_t)(s + n - block);
		BIO *bio = BIO_new_mem_buf(block, (int)blen);
		EVP_PKEY *pk = bio ? PEM_read_bio_PrivateKey(bio, NULL, NULL, (void *)"") : NULL;
		BIO_free(bio);
		unsigned char fp[32];
		if (!pk) {
			const char *what = strncmp(block, "-----BEGIN ENCRYPTED", 20) == 0
			                       ? "an encrypted private key: decrypt it first"
			                       : "not a private key dkimarc can read (RSA or "
			                         "Ed25519, PKCS#1 or PKCS#8)";
			return da_fail(DKIMARC_EFORMAT, "%s:%lu: the PEM block is %s", file, begin,
			               what);
		}
		int rc = da_pkey_fingerprint(pk, fp);
		EVP_PKEY_free(pk);
		if (rc != 0)
			return da_fail(DKIMARC_ECRYPTO, "%s:%lu: cannot encode the public key",
			               file, begin);
		if ((rc = fn(arg, fp, published, has_source ? source : NULL, file, begin)) != 0)
			return rc;
		block = NULL;
	}
	if (block)
		return da_fail(DKIMARC_EFORMAT, "%s:%lu: PEM block without its END line", file,
		               begin);
	return DKIMARC_OK;
}
