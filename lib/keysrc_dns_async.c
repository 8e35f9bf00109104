/* The live DNS source's asynchronous interface, for a caller's event loop. */
#include "abiver.h"
#include "keysrc_dns.h"

#include <ares.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* ---- the asynchronous interface ----------------------------------------- */

int dkimarc_dns_submit(dkimarc_keysrc *src, const char *name, dkimarc_dns_callback cb, void *arg)
{
	dns *d = da_kdns_dns_of(src);
	char buf[DA_DNS_MAX_NAME + 1];
	waiter *w;
	int rc;

	if (d == NULL || cb == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_dns_submit: not a DNS key source");
	if (!da_kdns_norm_name(name, buf))
		return da_fail(DKIMARC_EINVAL, "'%.300s' is not a DNS name that can be asked",
		               name ? name : "(null)");
	w = calloc(1, sizeof *w);
	if (w == NULL || (w->name = da_strdup(buf)) == NULL) {
		free(w);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	w->cb = cb;
	w->arg = arg;
	pthread_mutex_lock(&d->mu);
	rc = da_kdns_start(d, buf, w);
	if (rc != DKIMARC_OK) {
		free(w->name);
		free(w);
	}
	da_kdns_deliver(d);
	pthread_mutex_unlock(&d->mu);
	return rc;
}

size_t dkimarc_dns_sockets(dkimarc_keysrc *src, dkimarc_dns_socket *out, size_t max)
{
	dns *d = da_kdns_dns_of(src);
	unsigned version = out && max ? out->version : 0;
	size_t n, size = 0;

	if (d == NULL)
		return 0;
	/* The caller's array is of out[0]'s version, element by element. */
	if (version && (size = da_abi_size(DA_ABI_DNS_SOCKET, version, "dkimarc_dns_sockets")) == 0)
		return 0;
	pthread_mutex_lock(&d->mu);
	n = d->nsocks;
	for (size_t i = 0; size && i < n && i < max; i++) {
		dkimarc_dns_socket s = d->socks[i];
		s.version = version;
		memcpy((char *)out + i * size, &s, size);
	}
	pthread_mutex_unlock(&d->mu);
	return n;
}

int dkimarc_dns_timeout(dkimarc_keysrc *src)
{
	dns *d = da_kdns_dns_of(src);
	struct timeval tv, *tvp;
	int ms;

	if (d == NULL)
		return -1;
	pthread_mutex_lock(&d->mu);
	tvp = d->ninflight ? ares_timeout(d->ch, NULL, &tv) : NULL;
	ms = tvp ? (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000)
	         : (d->ninflight ? 1000 : -1);
	pthread_mutex_unlock(&d->mu);
	return ms;
}

int dkimarc_dns_process(dkimarc_keysrc *src, const dkimarc_dns_socket *ready, size_t n)
{
	dns *d = da_kdns_dns_of(src);
	size_t size = 0;

	if (d == NULL || (ready == NULL && n > 0))
		return da_fail(DKIMARC_EINVAL, "dkimarc_dns_process: invalid argument");
	/* The caller's array is of ready[0]'s version, element by element. */
	if (n > 0 &&
	    (size = da_abi_size(DA_ABI_DNS_SOCKET, ready->version, "dkimarc_dns_process")) == 0)
		return DKIMARC_EINVAL;
	pthread_mutex_lock(&d->mu);
	if (d->ch_ok) {
		for (size_t i = 0; i < n; i++) {
			dkimarc_dns_socket s = DKIMARC_DNS_SOCKET_INIT;
			memcpy(&s, (const char *)ready + i * size, size);
			if (s.fd >= 0 && s.events)
				da_kdns_process_fd(d, s.fd, s.events);
		}
		da_kdns_process_fd(d, -1, 0);
		pthread_cond_broadcast(&d->cv);
	}
	da_kdns_deliver(d);
	pthread_mutex_unlock(&d->mu);
	return DKIMARC_OK;
}

int dkimarc_dns_poll(dkimarc_keysrc *src, int timeout_ms)
{
	dns *d = da_kdns_dns_of(src);
	int n;

	if (d == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_dns_poll: not a DNS key source");
	pthread_mutex_lock(&d->mu);
	if (d->ninflight > 0 && d->ch_ok)
		da_kdns_drive_round(d, timeout_ms);
	da_kdns_deliver(d);
	n = d->ninflight > INT32_MAX ? INT32_MAX : (int)d->ninflight;
	pthread_mutex_unlock(&d->mu);
	return n;
}

size_t dkimarc_dns_pending(dkimarc_keysrc *src)
{
	dns *d = da_kdns_dns_of(src);
	size_t n;

	if (d == NULL)
		return 0;
	pthread_mutex_lock(&d->mu);
	n = d->ninflight;
	pthread_mutex_unlock(&d->mu);
	return n;
}

int dkimarc_dns_get_stats(dkimarc_keysrc *src, dkimarc_dns_stats *out)
{
	dns *d = da_kdns_dns_of(src);
	dkimarc_dns_stats st;
	unsigned version;
	size_t size;

	if (d == NULL || out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_dns_get_stats: invalid argument");
	version = out->version;
	if ((size = da_abi_size(DA_ABI_DNS_STATS, version, "dkimarc_dns_get_stats")) == 0)
		return DKIMARC_EINVAL;
	pthread_mutex_lock(&d->mu);
	st = d->stats;
	pthread_mutex_unlock(&d->mu);
	/* As many counters as the caller's version holds. */
	st.version = version;
	memcpy(out, &st, size);
	return DKIMARC_OK;
}

uint64_t dkimarc_dns_tempfail_count(dkimarc_keysrc *src, dkimarc_dns_failure kind)
{
	dns *d = da_kdns_dns_of(src);
	uint64_t n;

	if (d == NULL || (unsigned)kind >= DKIMARC_DNS_FAIL_COUNT_)
		return 0;
	pthread_mutex_lock(&d->mu);
	n = d->fails[kind];
	pthread_mutex_unlock(&d->mu);
	return n;
}

const char *dkimarc_dns_servers(dkimarc_keysrc *src)
{
	dns *d = da_kdns_dns_of(src);
	return d ? d->servers : NULL;
}

int64_t da_dns_cache_ttl(dkimarc_keysrc *src, const char *name)
{
	dns *d = da_kdns_dns_of(src);
	char buf[DA_DNS_MAX_NAME + 1];
	int64_t left = -1;

	if (d == NULL || !da_kdns_norm_name(name, buf))
		return -1;
	pthread_mutex_lock(&d->mu);
	entry *e = da_kdns_find(d, buf, da_kdns_hash_name(buf));
	if (e != NULL && !e->inflight) {
		left = (e->expires - da_kdns_now_ms() + 999) / 1000;
		if (left < 0)
			left = 0;
	}
	pthread_mutex_unlock(&d->mu);
	return left;
}
