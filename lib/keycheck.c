/* The checks of one public key that need no other key (keycheck.h). */
#include "keycheck.h"

#include "crypto.h"

#include <stdio.h>
#include <string.h>

void da_findings_add(da_findings *fs, bool first, dkimarc_reason r, const char *fmt, ...)
{
	if (da_findings_has(fs, r) || fs->n == DA_MAX_FINDINGS)
		return;
	size_t at = first ? 0 : fs->n;
	memmove(&fs->f[at + 1], &fs->f[at], (fs->n - at) * sizeof fs->f[0]);
	fs->f[at].reason = r;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(fs->f[at].text, sizeof fs->f[at].text, fmt, ap);
	va_end(ap);
	fs->n++;
}

bool da_findings_has(const da_findings *fs, dkimarc_reason r)
{
	for (size_t i = 0; i < fs->n; i++)
		if (fs->f[i].reason == r)
			return true;
	return false;
}

bool da_reason_is_key_finding(dkimarc_reason r)
{
	/* Named one by one: the message-level codes lie between the two groups. */
	switch (r) {
	case DKIMARC_REASON_KEY_SMALL_FACTOR:
	case DKIMARC_REASON_KEY_FERMAT:
	case DKIMARC_REASON_KEY_ROCA:
	case DKIMARC_REASON_KEY_SHARED_PRIME:
	case DKIMARC_REASON_KEY_BAD_EXPONENT:
	case DKIMARC_REASON_KEY_PRIVATE_IN_DNS:
	case DKIMARC_REASON_KEY_PRIVATE_PUBLISHED:
		return true;
	default:
		return false;
	}
}

/* e even, 1 or below 3: no RSA key generator makes one. -1 on a failure (memory). */
static int exponent_check(const BIGNUM *e, da_findings *fs)
{
	if (BN_is_one(e))
		da_findings_add(fs, false, DKIMARC_REASON_KEY_BAD_EXPONENT,
		                "the RSA public exponent is 1: a signature is then the padded "
		                "digest itself, which anyone can write");
	else if (BN_is_zero(e) || !BN_is_odd(e)) {
		char *dec = BN_bn2dec(e);
		if (!dec)
			return -1;
		bool show = strlen(dec) < 24;
		da_findings_add(fs, false, DKIMARC_REASON_KEY_BAD_EXPONENT,
		                "the RSA public exponent %s%s%s is even: no RSA key has one, so "
		                "this key was not made by a key generator and proves nothing",
		                show ? "(" : "", show ? dec : "", show ? ")" : "");
		OPENSSL_free(dec);
	}
	return 0;
}

int da_rsa_key_checks(const BIGNUM *n, const BIGNUM *e, da_findings *fs)
{
	char err[DA_FINDING_TEXT];
	unsigned bits = (unsigned)BN_num_bits(n);

	if (exponent_check(e, fs) < 0)
		return -1;
	int weak = da_rsa_modulus_check(n, err, sizeof err);
	if (weak < 0)
		return -1;
	if (weak)
		da_findings_add(fs, false, DKIMARC_REASON_KEY_SMALL_FACTOR, "%s", err);

	BN_CTX *bc = BN_CTX_new();
	BIGNUM *p = BN_new(), *d = BN_new();
	unsigned long took = 0;
	/* A prime modulus or one with small factors is refused already. */
	int fermat = !bc || !p || !d ? -1 : weak ? 0 : da_fermat(n, DA_FERMAT_STEPS, p, &took);
	if (fermat > 0 && (!BN_div(d, NULL, n, p, bc) || !BN_sub(d, d, p)))
		fermat = -1;
	if (fermat > 0)
		da_findings_add(fs, false, DKIMARC_REASON_KEY_FERMAT,
		                "the RSA modulus's two primes differ by a number of only %d bits "
		                "(the modulus has %u): Fermat's method factors it in %lu step%s, "
		                "so anyone can compute the private key and sign with this key",
		                BN_num_bits(d), bits, took, took == 1 ? "" : "s");
	BN_free(p);
	BN_free(d);
	BN_CTX_free(bc);
	if (fermat < 0)
		return -1;
	if (da_roca_fingerprint(n, bits))
		da_findings_add(
		    fs, false, DKIMARC_REASON_KEY_ROCA,
		    "the RSA modulus has the fingerprint of keys made by Infineon's "
		    "RSALib (ROCA, CVE-2017-15361): such keys can be factored at a cost "
		    "within reach (Nemec et al. 2017), after which anyone can sign "
		    "with this key");
	return 0;
}
