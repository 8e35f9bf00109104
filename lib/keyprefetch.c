/*
 * A key source filled ahead: the names a corpus needs are looked up once,
 * in parallel, before verification starts; then every lookup of those names
 * is a binary search in memory, so no verifying thread waits on DNS.
 *
 * The fetch is the one place that talks to the inner source in bulk
 * (fetch_all). A live DNS source gets every name submitted at once and
 * answers on its own event loop (dkimarc_dns_submit/_poll: many queries in
 * flight, one thread); any other source (archives, chains) gets blocking
 * lookups on a few threads.
 */
#include "internal.h"
#include "keymarks.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define MAX_FETCH_THREADS 64

typedef struct {
	char *name;
	dkimarc_answer *ans;
} entry;

typedef struct {
	dkimarc_keysrc *inner;
	entry *e; /* sorted by name, no duplicates */
	size_t n;
} prefetch;

/* ---- lookups ------------------------------------------------------------- */

static int cmp_entry(const void *a, const void *b)
{
	return strcmp(((const entry *)a)->name, ((const entry *)b)->name);
}

/* bsearch's comparison of a name (the key) with an entry. */
static int cmp_name(const void *key, const void *b)
{
	return strcmp(key, ((const entry *)b)->name);
}

/* Copies a stored answer into the verifier's, naming the source that gave it. */
static int copy_answer(const dkimarc_answer *from, dkimarc_answer *to)
{
	int rc = DKIMARC_OK;
	if (from->status != DKIMARC_LOOKUP_FOUND)
		rc = dkimarc_answer_fail(to, from->status, from->why);
	for (size_t i = 0; rc == DKIMARC_OK && i < from->n; i++)
		rc = dkimarc_answer_add(to, &from->recs[i]);
	to->kind = from->kind;
	return rc;
}

/* Asks the inner source, as dkimarc_keysrc_lookup() would. */
static int inner_lookup(dkimarc_keysrc *inner, const char *name, dkimarc_answer *ans)
{
	int rc = inner->ops->lookup(inner->impl, name, ans);
	if (rc == DKIMARC_OK && !ans->kind)
		ans->kind = inner->ops->kind;
	return rc;
}

static int pf_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	prefetch *p = impl;
	const entry *e = p->n ? bsearch(name, p->e, p->n, sizeof *p->e, cmp_name) : NULL;

	if (e)
		return copy_answer(e->ans, ans);
	return inner_lookup(p->inner, name, ans);
}

static void pf_free(void *impl)
{
	prefetch *p = impl;
	if (!p)
		return;
	for (size_t i = 0; i < p->n; i++) {
		free(p->e[i].name);
		dkimarc_answer_free(p->e[i].ans);
	}
	free(p->e);
	dkimarc_keysrc_free(p->inner);
	free(p);
}

static const dkimarc_keysrc_ops pf_ops = {DKIMARC_KEYSRC_OPS_VERSION, pf_lookup, pf_free,
                                          "prefetch"};

dkimarc_keysrc *da_keysrc_prefetch_inner(const dkimarc_keysrc *src)
{
	return src && src->ops == &pf_ops ? ((const prefetch *)src->impl)->inner : NULL;
}

int da_prefetch_foreach(const dkimarc_keysrc *src, da_record_fn fn, void *arg)
{
	const prefetch *p = src && src->ops == &pf_ops ? src->impl : NULL;
	int rc;
	for (size_t i = 0; p && i < p->n; i++)
		for (size_t j = 0; p->e[i].ans && j < p->e[i].ans->n; j++)
			if ((rc = fn(arg, p->e[i].name, &p->e[i].ans->recs[j])) != 0)
				return rc;
	return 0;
}

/* ---- the fetch ------------------------------------------------------------- */

typedef struct {
	prefetch *p;
	pthread_mutex_t lock;
	size_t next;
	int rc;
	char err[256];
} fetch_job;

static void *fetch_worker(void *arg)
{
	fetch_job *j = arg;
	for (;;) {
		pthread_mutex_lock(&j->lock);
		size_t i = j->next++;
		bool stop = i >= j->p->n || j->rc != DKIMARC_OK;
		pthread_mutex_unlock(&j->lock);
		if (stop)
			return NULL;
		entry *e = &j->p->e[i];
		int rc = da_answer_new(&e->ans);
		if (rc == DKIMARC_OK)
			rc = inner_lookup(j->p->inner, e->name, e->ans);
		if (rc != DKIMARC_OK) {
			pthread_mutex_lock(&j->lock);
			if (j->rc == DKIMARC_OK) {
				j->rc = rc;
				snprintf(j->err, sizeof j->err, "looking up %s: %s", e->name,
				         *dkimarc_last_error() ? dkimarc_last_error()
				                               : dkimarc_strerror(rc));
			}
			pthread_mutex_unlock(&j->lock);
			return NULL;
		}
	}
}

/* ---- asynchronous: a DNS source's own event loop ------------------------------ */

typedef struct {
	entry *e;
	bool *nomem;
} async_arg;

static void on_answer(void *arg, const char *name, dkimarc_answer *ans)
{
	async_arg *a = arg;
	(void)name;
	if (!ans)
		*a->nomem = true;
	else if (!ans->kind)
		ans->kind = "dns";
	a->e->ans = ans;
}

/* Every name submitted at once (as many as the source takes), answers as they come. */
static int fetch_dns(prefetch *p)
{
	async_arg *args = calloc(p->n ? p->n : 1, sizeof *args);
	bool nomem = false;
	int rc = DKIMARC_OK;

	if (!args)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	for (size_t i = 0; rc == DKIMARC_OK && i < p->n; i++) {
		args[i] = (async_arg){&p->e[i], &nomem};
		rc = dkimarc_dns_submit(p->inner, p->e[i].name, on_answer, &args[i]);
		if (rc == DKIMARC_ELIMIT) {
			/* The source's in-flight limit: let some finish, then go on. */
			int left = dkimarc_dns_poll(p->inner, -1);
			rc = left < 0 ? left : DKIMARC_OK;
			if (rc == DKIMARC_OK)
				i--;
		} else if (rc == DKIMARC_EINVAL) {
			/* Not a name DNS can ask for: the answer a lookup would give. */
			rc = da_answer_new(&p->e[i].ans);
			if (rc == DKIMARC_OK)
				rc = inner_lookup(p->inner, p->e[i].name, p->e[i].ans);
		}
	}
	while (rc == DKIMARC_OK) {
		int left = dkimarc_dns_poll(p->inner, -1);
		if (left < 0)
			rc = left;
		if (left <= 0)
			break;
	}
	if (rc == DKIMARC_OK && nomem)
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
	for (size_t i = 0; rc == DKIMARC_OK && i < p->n; i++)
		if (!p->e[i].ans)
			rc = da_fail(DKIMARC_EIO, "no DNS answer came for %s", p->e[i].name);
	free(args);
	return rc;
}

/* ---- blocking lookups on a few threads ---------------------------------------- */

/* Looks every entry up; on failure the message names the name. */
static int fetch_all(prefetch *p, unsigned parallel)
{
	/* A DNS source resolves the whole batch on its own event loop. */
	if (p->inner->ops->kind && strcmp(p->inner->ops->kind, "dns") == 0)
		return fetch_dns(p);

	fetch_job j = {.p = p, .rc = DKIMARC_OK};
	pthread_t th[MAX_FETCH_THREADS];
	size_t nth = parallel ? parallel : 1, started = 0;

	if (nth > MAX_FETCH_THREADS)
		nth = MAX_FETCH_THREADS;
	if (nth > p->n)
		nth = p->n;
	pthread_mutex_init(&j.lock, NULL);
	if (nth <= 1) {
		fetch_worker(&j);
		goto out;
	}
	for (; started < nth; started++)
		if (pthread_create(&th[started], NULL, fetch_worker, &j) != 0)
			break;
	if (started == 0)
		fetch_worker(&j); /* no thread to be had: do it here */
	for (size_t i = 0; i < started; i++)
		pthread_join(th[i], NULL);
out:
	pthread_mutex_destroy(&j.lock);
	if (j.rc != DKIMARC_OK)
		return da_fail(j.rc, "%s", j.err);
	return DKIMARC_OK;
}

int dkimarc_keysrc_prefetch_new(dkimarc_keysrc **out, dkimarc_keysrc *inner,
                                const char *const *names, size_t n, unsigned parallel)
{
	prefetch *p = NULL;
	size_t m = 0;
	int rc;

	if (out)
		*out = NULL;
	if (!out || !inner || (n && !names)) {
		dkimarc_keysrc_free(inner);
		return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_prefetch_new: invalid argument");
	}
	p = calloc(1, sizeof *p);
	if (!p || (n && !(p->e = calloc(n, sizeof *p->e)))) {
		free(p);
		dkimarc_keysrc_free(inner);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	p->inner = inner;
	for (size_t i = 0; i < n; i++) {
		if (!names[i]) {
			p->n = m; /* the names copied so far are freed with it */
			pf_free(p);
			return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_prefetch_new: NULL name");
		}
		/* Names are looked up lower case, as the verifier asks for them. */
		char *s = da_strdup(names[i]);
		if (!s) {
			p->n = m;
			pf_free(p);
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		}
		for (char *c = s; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		p->e[m++].name = s;
	}
	p->n = m;
	if (m > 1) {
		qsort(p->e, m, sizeof *p->e, cmp_entry);
		size_t k = 1;
		for (size_t i = 1; i < m; i++) {
			if (strcmp(p->e[i].name, p->e[k - 1].name) == 0)
				free(p->e[i].name);
			else
				p->e[k++] = p->e[i];
		}
		p->n = k;
	}
	rc = fetch_all(p, parallel);
	if (rc == DKIMARC_OK)
		rc = da_keysrc_wrap(out, &pf_ops, p);
	if (rc != DKIMARC_OK) {
		pf_free(p);
		return rc;
	}
	return DKIMARC_OK;
}
