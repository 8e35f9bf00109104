/* Key generation, and the DNS and archive records that publish a key. */
#include "privkey.h"

#include <jansson.h>
#include <openssl/rsa.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define TXT_STRING_MAX 255 /* RFC 1035 §3.3: a character-string holds at most 255 bytes */

int dkimarc_privkey_generate(dkimarc_privkey **out, dkimarc_keytype type, unsigned bits)
{
	EVP_PKEY *pk = NULL;
	EVP_PKEY_CTX *pc;
	bool rsa = type == DKIMARC_KEYTYPE_RSA;

	if (out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_privkey_generate: NULL argument");
	*out = NULL;
	if (!rsa && type != DKIMARC_KEYTYPE_ED25519)
		return da_fail(DKIMARC_EINVAL, "unknown key type %d", (int)type);
	if (rsa && bits == 0)
		bits = 2048;
	if (rsa && (bits < DA_SIGN_RSA_MIN_BITS || bits > 8192))
		return da_fail(DKIMARC_EINVAL,
		               "RSA keys of %u bits are not allowed: 1024 to 8192 (RFC 8301 §3.2; "
		               "2048 recommended)",
		               bits);
	if (!rsa && bits != 0 && bits != 256)
		return da_fail(DKIMARC_EINVAL, "Ed25519 keys have 256 bits, not %u", bits);
	pc = EVP_PKEY_CTX_new_id(rsa ? EVP_PKEY_RSA : EVP_PKEY_ED25519, NULL);
	if (pc == NULL || EVP_PKEY_keygen_init(pc) != 1 ||
	    (rsa && EVP_PKEY_CTX_set_rsa_keygen_bits(pc, (int)bits) != 1) ||
	    EVP_PKEY_keygen(pc, &pk) != 1) {
		EVP_PKEY_CTX_free(pc);
		return da_fail(DKIMARC_ECRYPTO, "OpenSSL could not generate the key");
	}
	EVP_PKEY_CTX_free(pc);
	return da_privkey_wrap(pk, "generated key", out);
}

/* The text is handed over by dkimarc_record_zone(), below. */
static int record_zone_impl(const char *name, const char *txt, char **out)
{
	size_t nl, tl, cap, o = 0;
	char *d;

	if (name == NULL || txt == NULL || out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_record_zone: NULL argument");
	*out = NULL;
	nl = strlen(name);
	tl = strlen(txt);
	if (nl == 0)
		return da_fail(DKIMARC_EINVAL, "empty record name");
	for (size_t i = 0; i < nl; i++)
		if ((unsigned char)name[i] <= 0x20 || name[i] == '"' || name[i] == ';' ||
		    name[i] == '(' || name[i] == ')' || name[i] == '\\' || name[i] == 0x7f)
			return da_fail(DKIMARC_EINVAL,
			               "record name '%.100s' cannot go in a zone file", name);
	for (size_t i = 0; i < tl; i++)
		if ((unsigned char)txt[i] < 0x20 || txt[i] == '"' || txt[i] == '\\' ||
		    txt[i] == 0x7f)
			return da_fail(DKIMARC_EINVAL,
			               "record text holds a quote, backslash or control character");
	cap = nl + tl + (tl / TXT_STRING_MAX + 1) * 3 + 32;
	d = malloc(cap);
	if (d == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	memcpy(d, name, nl);
	o = nl;
	if (name[nl - 1] != '.')
		d[o++] = '.';
	memcpy(d + o, " IN TXT (", 9);
	o += 9;
	for (size_t i = 0; i < tl || i == 0; i += TXT_STRING_MAX) {
		size_t k = tl - i < TXT_STRING_MAX ? tl - i : TXT_STRING_MAX;

		d[o++] = ' ';
		d[o++] = '"';
		memcpy(d + o, txt + i, k);
		o += k;
		d[o++] = '"';
		if (tl == 0)
			break;
	}
	memcpy(d + o, " )\n", 4);
	*out = d;
	return DKIMARC_OK;
}

int dkimarc_record_zone(const char *name, const char *txt, char **out)
{
	return da_give(record_zone_impl(name, txt, out), out);
}

/* The text is handed over by dkimarc_record_archive(), below. */
static int record_archive_impl(const char *name, const char *txt, const char *source, char **out)
{
	json_t *o;
	char *s;
	size_t n;

	if (name == NULL || txt == NULL || out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_record_archive: NULL argument");
	*out = NULL;
	if (!da_utf8_valid(name) || !da_utf8_valid(txt) || (source && !da_utf8_valid(source)))
		return da_fail(DKIMARC_EINVAL, "name, text and source must be UTF-8");
	o = json_object();
	if (o == NULL || json_object_set_new(o, "name", json_string(name)) != 0 ||
	    json_object_set_new(o, "txt", json_string(txt)) != 0 ||
	    (source != NULL && json_object_set_new(o, "source", json_string(source)) != 0)) {
		json_decref(o);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	s = da_json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER);
	json_decref(o);
	if (s == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	n = strlen(s);
	*out = malloc(n + 2);
	if (*out == NULL) {
		free(s);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	memcpy(*out, s, n);
	memcpy(*out + n, "\n", 2);
	free(s);
	return DKIMARC_OK;
}

int dkimarc_record_archive(const char *name, const char *txt, const char *source, char **out)
{
	return da_give(record_archive_impl(name, txt, source, out), out);
}
