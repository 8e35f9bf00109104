/*
 * DKIM-Signature tags (da_sig_parse, RFC 6376 §3.5 and §6.1.1). The input
 * is the field value; the field name is prepended here.
 */
#include "fuzz.h"
#include "sig.h"

#include <string.h>
#include <strings.h>

static const char name[] = "DKIM-Signature:";

static void check_name(const char *s)
{
	FUZZ_CHECK(s != NULL && s[0] != '\0' && s[strlen(s) - 1] != '.');
	for (const char *p = s; *p; p++)
		FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = sizeof name - 1, len = off + size;
	char *raw = malloc(len ? len : 1);
	da_sigparams sp;
	char err[256];

	FUZZ_CHECK(raw != NULL);
	memcpy(raw, name, off);
	memcpy(raw + off, data, size);
	err[0] = '\0';
	dkimarc_reason r = da_sig_parse(raw, len, off, &sp, err, sizeof err);
	if (r == DKIMARC_REASON_OK) {
		FUZZ_CHECK(sp.key_type == DA_KEY_RSA || sp.key_type == DA_KEY_ED25519);
		FUZZ_CHECK(sp.hash == DA_HASH_SHA1 || sp.hash == DA_HASH_SHA256);
		check_name(sp.domain);
		check_name(sp.selector);
		check_name(sp.auid_domain);
		FUZZ_CHECK(sp.b != NULL && sp.b_len > 0 && sp.bh != NULL && sp.bh_len > 0);
		/* b= lies inside the value; the verifier cuts it out of the field. */
		FUZZ_CHECK(off <= sp.b_off && sp.b_off <= sp.b_end && sp.b_end <= len);
		FUZZ_CHECK(raw[sp.b_off - 1] == '=');
		FUZZ_CHECK(sp.nheaders >= 1 && sp.nheaders <= DA_MAX_SIGNED_HEADERS);
		int from = 0;
		for (size_t i = 0; i < sp.nheaders; i++)
			from |= sp.headers[i] != NULL && strcasecmp(sp.headers[i], "from") == 0;
		FUZZ_CHECK(from);
		FUZZ_CHECK(sp.t >= -1 && sp.t <= 999999999999 && sp.x >= -1 &&
		           sp.x <= 999999999999);
		FUZZ_CHECK(sp.t < 0 || sp.x < 0 || sp.x > sp.t);
		FUZZ_CHECK(sp.l >= -1);
		/* i= is d= or a subdomain of it. */
		size_t an = strlen(sp.auid_domain), dn = strlen(sp.domain);
		FUZZ_CHECK(an >= dn && strcmp(sp.auid_domain + an - dn, sp.domain) == 0);
		FUZZ_CHECK(an == dn || sp.auid_domain[an - dn - 1] == '.');
	} else {
		FUZZ_CHECK(err[0] != '\0');
	}
	da_sigparams_clear(&sp);
	free(raw);
	return 0;
}
