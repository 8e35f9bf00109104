/*
 * Seconds per recovered RSA key by key size (docs/performance.md, "Key
 * recovery"): for each size, a key made by OpenSSL (e = 65537), two
 * signatures over different digests, and dkimarc_rsa_recover() timed in a
 * child process of its own, so that its peak memory is its own. Each run
 * checks that the key recovered is the key made. Beside it, the two parts of
 * the work timed with GMP directly: one exact power s^65537 and the gcd of
 * two such numbers less their EMs (what one pair costs).
 *
 *   recover_bench [SIZES] [RUNS]     (default 1024,2048,3072,4096 and 1 run)
 *
 * Prints a Markdown table. Nothing here asserts on time.
 */
#define _GNU_SOURCE
#include <dkimarc.h>
#include <gmp.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now(clockid_t c)
{
	struct timespec t;
	clock_gettime(c, &t);
	return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static void die(const char *what)
{
	fprintf(stderr, "recover_bench: %s\n", what);
	exit(1);
}

/* One run at one size, in this (child) process: writes "wall cpu pow gcd ok" to fd. */
static void one(unsigned bits, int fd)
{
	EVP_PKEY *pk = EVP_RSA_gen(bits);
	unsigned char sig[2][512], dg[2][32];
	size_t sl[2];
	dkimarc_rsa_sample s[2];
	if (!pk)
		die("key generation failed");
	for (int i = 0; i < 2; i++) {
		char text[32];
		snprintf(text, sizeof text, "header hash input %d", i);
		EVP_Digest(text, strlen(text), dg[i], NULL, EVP_sha256(), NULL);
		EVP_PKEY_CTX *c = EVP_PKEY_CTX_new(pk, NULL);
		sl[i] = sizeof sig[i];
		if (!c || EVP_PKEY_sign_init(c) != 1 ||
		    EVP_PKEY_CTX_set_rsa_padding(c, RSA_PKCS1_PADDING) != 1 ||
		    EVP_PKEY_CTX_set_signature_md(c, EVP_sha256()) != 1 ||
		    EVP_PKEY_sign(c, sig[i], &sl[i], dg[i], 32) != 1)
			die("signing failed");
		EVP_PKEY_CTX_free(c);
		s[i] = (dkimarc_rsa_sample){sig[i], sl[i], dg[i], 32};
	}
	unsigned char used[2];
	char *rec = NULL;
	double w0 = now(CLOCK_MONOTONIC), c0 = now(CLOCK_PROCESS_CPUTIME_ID);
	int rc = dkimarc_rsa_recover(s, 2, 65537, 1, used, &rec);
	double wall = now(CLOCK_MONOTONIC) - w0, cpu = now(CLOCK_PROCESS_CPUTIME_ID) - c0;

	/* The truth: the key OpenSSL made, as a record. */
	unsigned char *der = NULL;
	int dl = i2d_PUBKEY(pk, &der);
	char *b64 = malloc(4 * (size_t)dl + 8);
	EVP_EncodeBlock((unsigned char *)b64, der, dl);
	int ok = rc == DKIMARC_OK && rec && strstr(rec, b64) != NULL;

	/* The parts, with GMP alone: one power, and the gcd of one pair. */
	mpz_t a, b, g;
	mpz_inits(a, b, g, NULL);
	mpz_import(a, sl[0], 1, 1, 1, 0, sig[0]);
	mpz_import(b, sl[1], 1, 1, 1, 0, sig[1]);
	double p0 = now(CLOCK_PROCESS_CPUTIME_ID);
	mpz_pow_ui(a, a, 65537);
	double pw = now(CLOCK_PROCESS_CPUTIME_ID) - p0;
	mpz_pow_ui(b, b, 65537);
	mpz_sub_ui(a, a, 1); /* any EM: the gcd's cost does not depend on it */
	mpz_sub_ui(b, b, 2);
	double g0 = now(CLOCK_PROCESS_CPUTIME_ID);
	mpz_gcd(g, a, b);
	double gd = now(CLOCK_PROCESS_CPUTIME_ID) - g0;
	mpz_clears(a, b, g, NULL);

	char line[160];
	int n = snprintf(line, sizeof line, "%.2f %.2f %.2f %.2f %d\n", wall, cpu, pw, gd, ok);
	if (write(fd, line, (size_t)n) != n)
		die("write failed");
	dkimarc_free(rec);
	free(b64);
	OPENSSL_free(der);
	EVP_PKEY_free(pk);
}

int main(int argc, char **argv)
{
	const char *sizes = argc > 1 ? argv[1] : "1024,2048,3072,4096";
	int runs = argc > 2 ? atoi(argv[2]) : 1;
	char *list = strdup(sizes);

	printf("| key | wall s | CPU s | of which: s^65537 | gcd | peak memory | recovered |\n"
	       "|---:|---:|---:|---:|---:|---:|---|\n");
	fflush(stdout);
	for (char *tok = strtok(list, ","); tok; tok = strtok(NULL, ",")) {
		unsigned bits = (unsigned)atoi(tok);
		for (int r = 0; r < runs; r++) {
			int p[2];
			if (pipe(p) != 0)
				die("pipe failed");
			pid_t pid = fork();
			if (pid == 0) {
				close(p[0]);
				one(bits, p[1]);
				_exit(0);
			}
			close(p[1]);
			char buf[160] = "";
			ssize_t got = read(p[0], buf, sizeof buf - 1);
			close(p[0]);
			int st = 0;
			struct rusage ru;
			if (wait4(pid, &st, 0, &ru) < 0 || got <= 0)
				die("the run failed");
			double wall, cpu, pw, gd;
			int ok;
			if (sscanf(buf, "%lf %lf %lf %lf %d", &wall, &cpu, &pw, &gd, &ok) != 5)
				die("bad output from a run");
			/* The peak includes the GMP timing after the recovery, which needs the
			 * same. */
			printf("| RSA-%u | %.1f | %.1f | %.2f | %.1f | %ld MB | %s |\n", bits, wall,
			       cpu, pw, gd, ru.ru_maxrss / 1024, ok ? "yes" : "NO");
			fflush(stdout);
		}
	}
	free(list);
	return 0;
}
