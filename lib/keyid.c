/* A public key's identity: the SHA-256 of its SubjectPublicKeyInfo (dkimarc_record_fingerprint). */
#include "pkcache.h"

#include <openssl/x509.h>
#include <stdio.h>

int dkimarc_record_fingerprint(const char *txt, size_t len, char out[65])
{
	char err[300];
	da_pkinfo pi;

	if (!txt || !out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_record_fingerprint: NULL argument");
	out[0] = '\0';
	if (da_pkcache_record(NULL, txt, len, &pi, err, sizeof err) != DKIMARC_REASON_OK)
		return da_fail(DKIMARC_EFORMAT, "not a key record: %s", err);
	if (!pi.pkey) {
		int rc = pi.tags.revoked
		             ? da_fail(DKIMARC_EFORMAT, "the key record is revoked (empty p=)")
		             : da_fail(DKIMARC_EFORMAT, "%s", pi.decode_err);
		da_pkinfo_clear(&pi);
		return rc;
	}
	unsigned char *der = NULL, md[EVP_MAX_MD_SIZE];
	unsigned int mdlen = 0;
	int dlen = i2d_PUBKEY(pi.pkey, &der);
	int ok = dlen > 0 && EVP_Digest(der, (size_t)dlen, md, &mdlen, EVP_sha256(), NULL) == 1 &&
	         mdlen == 32;
	OPENSSL_free(der);
	da_pkinfo_clear(&pi);
	if (!ok)
		return da_fail(DKIMARC_ENOMEM, "cannot encode the key");
	for (unsigned i = 0; i < 32; i++)
		snprintf(out + 2 * i, 3, "%02x", md[i]);
	return DKIMARC_OK;
}
