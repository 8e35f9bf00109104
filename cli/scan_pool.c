/*
 * The ordered worker pool of `dkimarc scan`. A producer thread walks the
 * corpus and numbers the items; workers take them in number order; the
 * calling thread consumes results strictly by number. The output therefore
 * does not depend on the number of workers or on timing. A window bounds
 * the items in flight, so memory stays flat however large the corpus.
 */
#define _GNU_SOURCE /* pthread_setname_np: threads named in top -H and perf */
#include "cli.h"
#include "scan.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_JOBS 256
/*
 * Results go to the consumer this many at a time, and a full window lets
 * the producer go on when this many slots are free: a wake-up per item
 * costs as much as verifying a small message on some machines.
 */
#define BATCH 16

typedef struct {
	dkimarc_corpus_item *it;
	void *result;
	bool done;
} slot;

typedef struct {
	dkimarc_corpus *c;
	pool_work_fn work;
	void *arg;
	pthread_mutex_t m;
	pthread_cond_t cv_work;  /* an item to take, or the walk ended */
	pthread_cond_t cv_done;  /* a result is ready, or the walk ended */
	pthread_cond_t cv_space; /* the window has room */
	slot *ring;
	size_t window;
	uint64_t produced, taken, consumed;
	bool consumer_waits, producer_waits;
	bool walk_done;
	int walk_rc;
	char walk_err[512];
} pool;

static void *producer(void *arg)
{
	pool *p = arg;
	pthread_setname_np(pthread_self(), "dkimarc-walk");
	for (;;) {
		dkimarc_corpus_item *it = NULL;
		int rc = dkimarc_corpus_next(p->c, &it);
		pthread_mutex_lock(&p->m);
		if (rc != DKIMARC_OK || !it) {
			p->walk_rc = rc;
			if (rc != DKIMARC_OK)
				snprintf(p->walk_err, sizeof p->walk_err, "%s",
				         *dkimarc_last_error() ? dkimarc_last_error()
				                               : dkimarc_strerror(rc));
			p->walk_done = true;
			pthread_cond_broadcast(&p->cv_work);
			pthread_cond_signal(&p->cv_done);
			pthread_mutex_unlock(&p->m);
			return NULL;
		}
		while (p->produced - p->consumed >= p->window) {
			p->producer_waits = true;
			pthread_cond_wait(&p->cv_space, &p->m);
		}
		p->producer_waits = false;
		slot *s = &p->ring[p->produced % p->window];
		s->it = it;
		s->result = NULL;
		s->done = false;
		p->produced++;
		pthread_cond_signal(&p->cv_work);
		pthread_mutex_unlock(&p->m);
	}
}

/*
 * Whether the waiting consumer should wake: a batch of results is ready in
 * order, or every item walked so far is done and no more can come soon (the
 * walk ended, or the producer waits for room). Called with the lock held.
 */
static bool batch_ready(const pool *p)
{
	uint64_t k = 0;
	while (k < BATCH && p->consumed + k < p->produced &&
	       p->ring[(p->consumed + k) % p->window].done)
		k++;
	if (k == BATCH)
		return true;
	return k > 0 && p->consumed + k == p->produced && (p->walk_done || p->producer_waits);
}

static void *worker(void *arg)
{
	pool *p = arg;
	pthread_setname_np(pthread_self(), "dkimarc-verify");
	pthread_mutex_lock(&p->m);
	for (;;) {
		while (p->taken == p->produced && !p->walk_done)
			pthread_cond_wait(&p->cv_work, &p->m);
		if (p->taken == p->produced)
			break;
		slot *s = &p->ring[p->taken++ % p->window];
		pthread_mutex_unlock(&p->m);
		void *res = p->work(p->arg, s->it);
		pthread_mutex_lock(&p->m);
		s->result = res;
		s->done = true;
		if (p->consumer_waits && batch_ready(p))
			pthread_cond_signal(&p->cv_done);
	}
	pthread_mutex_unlock(&p->m);
	return NULL;
}

static void deadline_in(struct timespec *ts, long ms)
{
	clock_gettime(CLOCK_REALTIME, ts);
	ts->tv_nsec += ms * 1000000L;
	ts->tv_sec += ts->tv_nsec / 1000000000L;
	ts->tv_nsec %= 1000000000L;
}

int pool_run(dkimarc_corpus *c, unsigned jobs, pool_work_fn work, pool_consume_fn consume,
             pool_tick_fn tick, void *arg)
{
	pool p = {.c = c, .work = work, .arg = arg};
	pthread_t prod, th[MAX_JOBS];
	unsigned started = 0;
	int ret = 0;

	if (jobs < 1)
		jobs = 1;
	if (jobs > MAX_JOBS)
		jobs = MAX_JOBS;
	p.window = 64 + (size_t)jobs * 16;
	p.ring = calloc(p.window, sizeof *p.ring);
	if (!p.ring) {
		cli_error("out of memory");
		return -1;
	}
	pthread_mutex_init(&p.m, NULL);
	pthread_cond_init(&p.cv_work, NULL);
	pthread_cond_init(&p.cv_done, NULL);
	pthread_cond_init(&p.cv_space, NULL);
	int err = pthread_create(&prod, NULL, producer, &p);
	if (err != 0) {
		/* EAGAIN: no memory for it, or the thread limit (the status is not in errno). */
		cli_error("cannot start a thread (out of memory or the thread limit): %s",
		          strerror(err));
		ret = -1;
		goto out;
	}
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, worker, &p) != 0)
			break;
	if (started == 0) {
		/* No worker could start: verify here, between results. */
		cli_error("cannot start worker threads; verifying on one thread");
	}

	pthread_mutex_lock(&p.m);
	for (;;) {
		/* Take the results ready in order, then hand them over unlocked. */
		void *ready[BATCH];
		size_t k = 0;
		while (k < BATCH && p.consumed < p.produced && p.ring[p.consumed % p.window].done) {
			slot *s = &p.ring[p.consumed++ % p.window];
			ready[k++] = s->result;
			s->it = NULL;
		}
		if (k) {
			if (p.producer_waits && p.window - (p.produced - p.consumed) >= BATCH)
				pthread_cond_signal(&p.cv_space);
			uint64_t done = p.consumed - k;
			pthread_mutex_unlock(&p.m);
			for (size_t i = 0; i < k; i++) {
				consume(arg, ready[i]);
				if (tick)
					tick(arg, ++done);
			}
			pthread_mutex_lock(&p.m);
			continue;
		}
		if (p.walk_done && p.consumed == p.produced)
			break;
		if (started == 0 && p.taken < p.produced) {
			slot *w = &p.ring[p.taken++ % p.window];
			pthread_mutex_unlock(&p.m);
			void *res = work(arg, w->it);
			pthread_mutex_lock(&p.m);
			w->result = res;
			w->done = true;
			continue;
		}
		struct timespec ts;
		deadline_in(&ts, 200);
		p.consumer_waits = true;
		pthread_cond_timedwait(&p.cv_done, &p.m, &ts);
		p.consumer_waits = false;
		if (tick) {
			uint64_t done = p.consumed;
			pthread_mutex_unlock(&p.m);
			tick(arg, done);
			pthread_mutex_lock(&p.m);
		}
	}
	pthread_mutex_unlock(&p.m);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	pthread_join(prod, NULL);
	if (p.walk_rc != DKIMARC_OK) {
		cli_error("the walk stopped: %s", p.walk_err);
		ret = -1;
	}
out:
	pthread_cond_destroy(&p.cv_space);
	pthread_cond_destroy(&p.cv_done);
	pthread_cond_destroy(&p.cv_work);
	pthread_mutex_destroy(&p.m);
	free(p.ring);
	return ret;
}
