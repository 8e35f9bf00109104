/*
 * ed25519_speed: Ed25519 verifications per CPU-second, through libsodium and
 * through OpenSSL, on the 32-byte message DKIM signs (RFC 8463: the SHA-256
 * of the canonical header). `openssl speed ed25519` measures OpenSSL only;
 * the bound in bench/report.py takes the faster of the two, since a verifier
 * may use either.
 *
 *   ed25519_speed [SECONDS]     (default 3 per implementation)
 *
 * Prints one JSON line: {"sodium_verify_per_s": ..., "openssl_verify_per_s": ...}.
 * Exit status 1 if a verification fails (the figures would be meaningless).
 */
#include <stdio.h>
#include <stdlib.h>

#include <openssl/evp.h>
#include <sodium.h>

#include "benchutil.h"

static double sodium_rate(double secs, const unsigned char *msg, const unsigned char *sig,
                          const unsigned char *pk)
{
	struct bench_clock t0, t1, d;
	long n = 0;

	bench_now(&t0);
	do {
		for (int i = 0; i < 256; i++, n++)
			if (crypto_sign_verify_detached(sig, msg, 32, pk) != 0)
				return -1;
		bench_now(&t1);
		bench_diff(&t0, &t1, &d);
	} while (d.cpu < secs);
	return (double)n / d.cpu;
}

static double openssl_rate(double secs, const unsigned char *msg, const unsigned char *sig,
                           const unsigned char *pk)
{
	struct bench_clock t0, t1, d;
	EVP_PKEY *key = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pk, 32);
	EVP_MD_CTX *md = EVP_MD_CTX_new();
	long n = 0;

	if (key == NULL || md == NULL)
		return -1;
	bench_now(&t0);
	do {
		for (int i = 0; i < 256; i++, n++) {
			/* As a verifier does per signature: init with the parsed key, then verify.
			 */
			if (EVP_DigestVerifyInit(md, NULL, NULL, NULL, key) != 1 ||
			    EVP_DigestVerify(md, sig, 64, msg, 32) != 1)
				return -1;
		}
		bench_now(&t1);
		bench_diff(&t0, &t1, &d);
	} while (d.cpu < secs);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	return (double)n / d.cpu;
}

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 3.0;
	unsigned char pk[32], sk[64], msg[32], sig[64];
	double so, os;

	if (sodium_init() < 0 || secs <= 0)
		return 2;
	crypto_sign_keypair(pk, sk);
	randombytes_buf(msg, sizeof(msg));
	crypto_sign_detached(sig, NULL, msg, sizeof(msg), sk);
	so = sodium_rate(secs, msg, sig, pk);
	os = openssl_rate(secs, msg, sig, pk);
	printf("{\"sodium_version\": \"%s\", \"sodium_verify_per_s\": %.1f, "
	       "\"openssl_verify_per_s\": %.1f}\n",
	       sodium_version_string(), so, os);
	return so > 0 && os > 0 ? 0 : 1;
}
