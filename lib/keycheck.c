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

/* e even, 1 or below 3: no RSA key generator makes one. */
static void exponent_check(const BIGNUM *e, da_findings *fs)
{
	if (BN_is_one(e))
		da_findings_add(fs, false, DKIMARC_REASON_KEY_BAD_EXPONENT,
		                "the RSA public exponent is 1: a signature is then the padded "
		                "digest itself, which anyone can write");
	else if (BN_is_zero(e) || !BN_is_odd(e)) {
		char *dec = BN_bn2dec(e);
		da_findings_add(fs, false, DKIMARC_REASON_KEY_BAD_EXPONENT,
		                "the RSA public exponent %s%s%s is even: no RSA key has one, so "
		                "this key was not made by a key generator and proves nothing",
		                dec && strlen(dec) < 24 ? "(" : "",
		                dec && strlen(dec) < 24 ? dec : "",
		                dec && strlen(dec) < 24 ? ")" : "");
		OPENSSL_free(dec);
	}
}

int da_rsa_key_checks(const BIGNUM *n, const BIGNUM *e, da_findings *fs)
{
	char err[DA_FINDING_TEXT];
	unsigned bits = (unsigned)BN_num_bits(n);

	exponent_check(e, fs);
	int weak = da_rsa_modulus_check(n, err, sizeof err);
	if (weak < 0)
		return -1;
	if (weak)
		da_findings_add(fs, false, DKIMARC_REASON_KEY_SMALL_FACTOR, "%s", err);

	mpz_t m, p;
	mpz_inits(m, p, NULL);
	if (da_bn_to_mpz(n, m) != 0) {
		mpz_clears(m, p, NULL);
		return -1;
	}
	unsigned long took = 0;
	/* A prime modulus or one with small factors is refused already. */
	if (!weak && da_fermat(m, DA_FERMAT_STEPS, p, &took)) {
		mpz_t d;
		mpz_init(d);
		mpz_divexact(d, m, p);
		mpz_sub(d, d, p);
		da_findings_add(fs, false, DKIMARC_REASON_KEY_FERMAT,
		                "the RSA modulus's two primes differ by a number of only %zu bits "
		                "(the modulus has %u): Fermat's method factors it in %lu step%s, "
		                "so anyone can compute the private key and sign with this key",
		                mpz_sgn(d) ? mpz_sizeinbase(d, 2) : (size_t)0, bits, took,
		                took == 1 ? "" : "s");
		mpz_clear(d);
	}
	if (da_roca_fingerprint(m, bits))
		da_findings_add(
		    fs, false, DKIMARC_REASON_KEY_ROCA,
		    "the RSA modulus has the fingerprint of keys made by Infineon's "
		    "RSALib (ROCA, CVE-2017-15361): such keys can be factored at a cost "
		    "within reach (Nemec et al. 2017), after which anyone can sign "
		    "with this key");
	mpz_clears(m, p, NULL);
	return 0;
}
