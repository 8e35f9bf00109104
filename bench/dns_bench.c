/*
 * Key lookups against a DNS server on 127.0.0.1: 1,000 distinct keys, each
 * needed by 5 messages (5,000 requests in a shuffled order, as a corpus scan
 * asks them), looked up several ways. Prints one line per way: wall time
 * (median of the runs) and the queries the source sent. Run by
 * bench/dns_bench.sh, which starts dnsmasq with the keys.
 *
 *     dns_bench PORT [RUNS] [far]
 *
 * "far": the server answers slowly (a resolver far away); the way that would
 * take minutes (5,000 uncached queries one by one) is left out.
 */
#include <dkimarc.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NKEYS    1000
#define PER_KEY  5
#define NREQ     (NKEYS * PER_KEY)
#define NTHREADS 8

static char server[64];
static char names[NKEYS][64];
static int order[NREQ]; /* request i asks names[order[i]] */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static dkimarc_keysrc *source(int cache)
{
	dkimarc_dns_options o;
	const char *s[1] = {server};
	dkimarc_keysrc *src;

	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.servers = s;
	o.nservers = 1;
	if (!cache)
		o.ttl_floor = o.ttl_ceiling = 0;
	if (dkimarc_keysrc_dns_new(&src, &o) != DKIMARC_OK) {
		fprintf(stderr, "dns_bench: %s\n", dkimarc_last_error());
		exit(2);
	}
	return src;
}

static long bad;

static void check(dkimarc_answer *a)
{
	if (!a || dkimarc_answer_status(a) != DKIMARC_LOOKUP_FOUND)
		__atomic_add_fetch(&bad, 1, __ATOMIC_RELAXED);
	dkimarc_answer_free(a);
}

/* One blocking lookup after another. */
static void blocking(dkimarc_keysrc *src, size_t n, const int *idx)
{
	for (size_t i = 0; i < n; i++) {
		dkimarc_answer *a = NULL;
		dkimarc_keysrc_lookup(src, names[idx ? idx[i] : (int)i], &a);
		check(a);
	}
}

static void on_answer(void *arg, const char *name, dkimarc_answer *ans)
{
	(void)arg;
	(void)name;
	check(ans);
}

/* Everything submitted at once, driven by dkimarc_dns_poll. */
static void async(dkimarc_keysrc *src, size_t n, const int *idx)
{
	for (size_t i = 0; i < n; i++)
		if (dkimarc_dns_submit(src, names[idx ? idx[i] : (int)i], on_answer, NULL) !=
		    DKIMARC_OK)
			bad++;
	while (dkimarc_dns_poll(src, -1) > 0)
		;
}

struct part {
	dkimarc_keysrc *src;
	size_t from, to;
};

static void *worker(void *arg)
{
	struct part *p = arg;
	blocking(p->src, p->to - p->from, order + p->from);
	return NULL;
}

/* NTHREADS scan workers sharing one source, each blocking. */
static void threads(dkimarc_keysrc *src)
{
	pthread_t t[NTHREADS];
	struct part p[NTHREADS];
	for (int i = 0; i < NTHREADS; i++) {
		p[i] = (struct part){src, (size_t)NREQ * i / NTHREADS,
		                     (size_t)NREQ * (i + 1) / NTHREADS};
		pthread_create(&t[i], NULL, worker, &p[i]);
	}
	for (int i = 0; i < NTHREADS; i++)
		pthread_join(t[i], NULL);
}

static int cmp(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

enum { SEQ_1000, SEQ_5000_NOCACHE, SEQ_5000_CACHE, THREADS_5000, ASYNC_1000, ASYNC_5000 };

static const char *const what[] = {
    "1,000 keys, blocking, one after another (no cache)",
    "5,000 requests, blocking, one after another, no cache",
    "5,000 requests, blocking, one after another, cache",
    "5,000 requests, 8 threads blocking, shared cache + in-flight dedup",
    "1,000 keys, asynchronous, all in flight",
    "5,000 requests, asynchronous, all in flight, cache + in-flight dedup",
};

int main(int argc, char **argv)
{
	int runs = argc > 2 ? atoi(argv[2]) : 5;
	int far = argc > 3 && strcmp(argv[3], "far") == 0;

	if (argc < 2 || runs < 1) {
		fprintf(stderr, "usage: dns_bench PORT [RUNS]\n");
		return 2;
	}
	snprintf(server, sizeof server, "127.0.0.1:%s", argv[1]);
	for (int i = 0; i < NKEYS; i++)
		snprintf(names[i], sizeof names[i], "k%04d._domainkey.bench.test", i);
	for (int i = 0; i < NREQ; i++)
		order[i] = i % NKEYS;
	srand(42);
	for (int i = NREQ - 1; i > 0; i--) {
		int j = rand() % (i + 1), t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
	printf("%-70s %9s %8s\n", far ? "lookups, server answering after a delay" : "lookups",
	       "wall ms", "queries");
	for (int w = 0; w < 6; w++) {
		if (far && w == SEQ_5000_NOCACHE)
			continue;
		double t[64];
		uint64_t queries = 0;
		for (int r = 0; r < runs && r < 64; r++) {
			dkimarc_keysrc *src = source(w != SEQ_1000 && w != SEQ_5000_NOCACHE);
			double t0 = now();
			switch (w) {
			case SEQ_1000:
				blocking(src, NKEYS, NULL);
				break;
			case SEQ_5000_NOCACHE:
			case SEQ_5000_CACHE:
				blocking(src, NREQ, order);
				break;
			case THREADS_5000:
				threads(src);
				break;
			case ASYNC_1000:
				async(src, NKEYS, NULL);
				break;
			case ASYNC_5000:
				async(src, NREQ, order);
				break;
			}
			t[r] = (now() - t0) * 1000;
			dkimarc_dns_stats st = DKIMARC_DNS_STATS_INIT;
			dkimarc_dns_get_stats(src, &st);
			queries = st.queries;
			dkimarc_keysrc_free(src);
		}
		qsort(t, (size_t)(runs < 64 ? runs : 64), sizeof t[0], cmp);
		printf("%-70s %9.1f %8llu\n", what[w], t[(runs < 64 ? runs : 64) / 2],
		       (unsigned long long)queries);
	}
	if (bad) {
		fprintf(stderr, "dns_bench: %ld lookups did not find their key\n", bad);
		return 1;
	}
	return 0;
}
