/*
 * Signing throughput: messages per second that dkimarc_sign() (and
 * dkimarc_seal() for a first ARC set) turns out with an RSA-2048 and an
 * Ed25519 key, on one thread and on several sharing one signer. Keys are
 * generated in memory; the message is a typical 3 KiB mail (or SIZE bytes).
 * Prints one line per case: the median of RUNS runs, in messages per
 * second of wall time and per second of the process's CPU time (which a
 * machine shared with other work disturbs less). Run by
 * bench/sign_bench.sh; figures in docs/performance.md.
 *
 *     sign_bench [RUNS] [THREADS] [SIZE]
 */
#include <dkimarc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static char *msg;
static size_t msglen;

struct job {
	const dkimarc_signer *s;
	const dkimarc_ctx *ctx; /* non-NULL: seal instead of sign */
	int n;
	int failed;
};

static double clock_s(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *work(void *arg)
{
	struct job *j = arg;

	for (int i = 0; i < j->n; i++) {
		char *out = NULL;
		int rc = j->ctx ? dkimarc_seal(j->s, j->ctx, msg, msglen, &out)
		                : dkimarc_sign(j->s, msg, msglen, &out);

		if (rc != DKIMARC_OK) {
			fprintf(stderr, "sign_bench: %s\n", dkimarc_last_error());
			j->failed = 1;
			return NULL;
		}
		dkimarc_free(out);
	}
	return NULL;
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/*
 * Median messages per second of wall time (and in *cpu, of CPU time) over
 * runs, with n messages per thread per run.
 */
static double rate(const dkimarc_signer *s, const dkimarc_ctx *ctx, int threads, int n, int runs,
                   double *cpu)
{
	double r[32], c[32];
	pthread_t tid[64];
	struct job jobs[64];

	for (int k = 0; k < runs; k++) {
		double t0 = clock_s(CLOCK_MONOTONIC), c0 = clock_s(CLOCK_PROCESS_CPUTIME_ID);

		for (int i = 0; i < threads; i++) {
			jobs[i] = (struct job){s, ctx, n, 0};
			pthread_create(&tid[i], NULL, work, &jobs[i]);
		}
		for (int i = 0; i < threads; i++) {
			pthread_join(tid[i], NULL);
			if (jobs[i].failed)
				exit(1);
		}
		r[k] = (double)threads * n / (clock_s(CLOCK_MONOTONIC) - t0);
		c[k] = (double)threads * n / (clock_s(CLOCK_PROCESS_CPUTIME_ID) - c0);
	}
	qsort(r, (size_t)runs, sizeof r[0], cmp);
	qsort(c, (size_t)runs, sizeof c[0], cmp);
	*cpu = c[runs / 2];
	return r[runs / 2];
}

static void make_message(size_t size)
{
	static const char head[] =
	    "Received: from mail.example.org (mail.example.org [192.0.2.1])\r\n"
	    "\tby mx.example.com with ESMTPS id 4Sabc; Mon, 13 Nov 2023 10:00:00 +0000\r\n"
	    "Authentication-Results: mx.example.com; spf=pass smtp.mailfrom=example.org\r\n"
	    "From: Joe SixPack <joe@example.org>\r\n"
	    "To: Suzie Q <suzie@example.com>\r\n"
	    "Cc: team@example.com\r\n"
	    "Subject: Quarterly figures\r\n"
	    "Date: Mon, 13 Nov 2023 10:00:00 +0000\r\n"
	    "Message-ID: <20231113100000.12345@example.org>\r\n"
	    "MIME-Version: 1.0\r\n"
	    "Content-Type: text/plain; charset=utf-8\r\n"
	    "Content-Transfer-Encoding: 8bit\r\n"
	    "\r\n";
	static const char line[] =
	    "The figures for the quarter are attached;  please check them before Friday.  \r\n";
	size_t hl = strlen(head), ll = strlen(line);

	msg = malloc(size + hl + ll + 1);
	memcpy(msg, head, hl);
	msglen = hl;
	while (msglen < size) {
		memcpy(msg + msglen, line, ll);
		msglen += ll;
	}
	msg[msglen] = '\0';
}

int main(int argc, char **argv)
{
	int runs = argc > 1 ? atoi(argv[1]) : 5;
	int threads = argc > 2 ? atoi(argv[2]) : 2;
	size_t size = argc > 3 ? (size_t)atol(argv[3]) : 3000;
	dkimarc_ctx *ctx = NULL;

	if (runs < 1 || runs > 31 || threads < 1 || threads > 64) {
		fprintf(stderr, "usage: sign_bench [RUNS 1..31] [THREADS 1..64] [SIZE]\n");
		return 2;
	}
	make_message(size);
	if (dkimarc_ctx_new(&ctx) != DKIMARC_OK)
		return 1;
	printf("message: %zu bytes; median of %d runs; threads share one signer\n", msglen, runs);
	printf("%-9s %5s %14s %14s %18s\n", "key", "op", "1 thread", "per CPU-second", "threads");
	struct {
		const char *name;
		dkimarc_keytype type;
		unsigned bits;
		int n; /* messages per thread per run */
	} keys[] = {
	    {"RSA-2048", DKIMARC_KEYTYPE_RSA, 2048, 400},
	    {"Ed25519", DKIMARC_KEYTYPE_ED25519, 0, 4000},
	};
	for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++) {
		dkimarc_privkey *key = NULL;
		dkimarc_signer *s = NULL;

		if (dkimarc_privkey_generate(&key, keys[k].type, keys[k].bits) != DKIMARC_OK ||
		    dkimarc_signer_new(&s, key, "example.org", "bench") != DKIMARC_OK ||
		    dkimarc_signer_set_timestamp(s, 1700000000) != DKIMARC_OK ||
		    dkimarc_signer_set_authserv_id(s, "mx.example.com") != DKIMARC_OK) {
			fprintf(stderr, "sign_bench: %s\n", dkimarc_last_error());
			return 1;
		}
		for (int seal = 0; seal < 2; seal++) {
			const dkimarc_ctx *c = seal ? ctx : NULL;
			int n = seal ? keys[k].n / 2 : keys[k].n; /* a seal signs twice */
			double cpu1, cpun;
			double one = rate(s, c, 1, n, runs, &cpu1);
			double many = rate(s, c, threads, n, runs, &cpun);

			printf("%-9s %5s %8.0f msg/s %8.0f msg/s %8.0f msg/s (%d)\n", keys[k].name,
			       seal ? "seal" : "sign", one, cpu1, many, threads);
		}
		dkimarc_signer_free(s);
		dkimarc_privkey_free(key);
	}
	dkimarc_ctx_free(ctx);
	free(msg);
	return 0;
}
