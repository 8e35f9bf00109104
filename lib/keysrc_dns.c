/*
 * The live DNS key source on c-ares: one channel, one cache and one table of
 * names in flight, all behind one mutex, so that the blocking lookup of the
 * key-source interface may be called from many threads at once while an
 * event loop drives the same channel asynchronously.
 *
 * The library starts no thread. A blocking lookup waits for its name by
 * driving the channel itself (poll on c-ares' sockets, then process) when no
 * other thread is doing so, and otherwise sleeps on a condition variable that
 * every driving round signals. A thread that sends a query while another
 * polls wakes it through a pipe, so the poller picks up the new socket.
 *
 * c-ares calls us back with the lock held; we never call user code then:
 * asynchronous callbacks are queued and run once the lock is released.
 *
 * This file: options, creating and freeing the source, the blocking lookup.
 * keysrc_dns_sock.c holds the sockets, keysrc_dns_query.c the names in flight
 * and their answers, keysrc_dns_async.c the event-loop interface.
 */
#include "keysrc_dns.h"
#include "abiver.h"
#include "dns.h"
#include "dynbuf.h"

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

static const dkimarc_keysrc_ops dns_ops;

/* ---- small helpers ------------------------------------------------------ */

int64_t da_kdns_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

uint64_t da_kdns_hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

void da_kdns_fmt_addr(const struct sockaddr *sa, char *buf, size_t n)
{
	char ip[INET6_ADDRSTRLEN];

	if (sa->sa_family == AF_INET) {
		const struct sockaddr_in *a = (const void *)sa;
		inet_ntop(AF_INET, &a->sin_addr, ip, sizeof ip);
		snprintf(buf, n, "%s:%u", ip, ntohs(a->sin_port));
	} else if (sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *a = (const void *)sa;
		inet_ntop(AF_INET6, &a->sin6_addr, ip, sizeof ip);
		snprintf(buf, n, "[%s]:%u", ip, ntohs(a->sin6_port));
	} else {
		snprintf(buf, n, "?");
	}
}

dns *da_kdns_dns_of(dkimarc_keysrc *src)
{
	return (src && src->ops == &dns_ops) ? src->impl : NULL;
}

void da_kdns_wake_drivers(dns *d)
{
	if (d->drivers > 0) {
		char c = 0;
		ssize_t r = write(d->wake[1], &c, 1);
		(void)r; /* a full pipe already wakes */
	}
}

/* ---- options ------------------------------------------------------------ */

int dkimarc_dns_options_init(dkimarc_dns_options *o, unsigned int version)
{
	/* The defaults are the header's, so that the macro and the function agree. */
	const dkimarc_dns_options def = DKIMARC_DNS_OPTIONS_INIT;
	size_t size;

	if (o == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_dns_options_init: o is NULL");
	if ((size = da_abi_size(DA_ABI_DNS_OPTIONS, version, "dkimarc_dns_options_init")) == 0)
		return DKIMARC_EINVAL;
	memcpy(o, &def, size);
	o->version = version;
	return DKIMARC_OK;
}

/*
 * Parses "IPv4", "IPv4:port", "IPv6", "[IPv6]", "[IPv6]:port" into the
 * form c-ares reads ("1.2.3.4:53", "[::1]:53"). Returns 0 or -1.
 */
static int parse_server(const char *s, char *out, size_t outlen)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *port = NULL;
	unsigned char bin[sizeof(struct in6_addr)];
	bool v6;
	size_t hl;

	if (s[0] == '[') {
		const char *e = strchr(s, ']');
		if (e == NULL || (e[1] != '\0' && e[1] != ':'))
			return -1;
		hl = (size_t)(e - s - 1);
		if (hl == 0 || hl >= sizeof host)
			return -1;
		memcpy(host, s + 1, hl);
		host[hl] = '\0';
		port = e[1] == ':' ? e + 2 : NULL;
		v6 = true;
	} else {
		const char *c = strchr(s, ':');
		v6 = c != NULL && strchr(c + 1, ':') != NULL;
		hl = (!v6 && c) ? (size_t)(c - s) : strlen(s);
		if (hl == 0 || hl >= sizeof host)
			return -1;
		memcpy(host, s, hl);
		host[hl] = '\0';
		port = (!v6 && c) ? c + 1 : NULL;
	}
	if (inet_pton(v6 ? AF_INET6 : AF_INET, host, bin) != 1)
		return -1;
	unsigned long p = 53;
	if (port != NULL) {
		char *end;
		if (*port < '0' || *port > '9' || strlen(port) > 5)
			return -1;
		p = strtoul(port, &end, 10);
		if (*end != '\0' || p == 0 || p > 65535)
			return -1;
	}
	snprintf(out, outlen, v6 ? "[%s]:%lu" : "%s:%lu", host, p);
	return 0;
}

/* "a:53, b:53" from the channel's servers (resolv.conf or ours). */
static char *servers_text(ares_channel ch)
{
	struct ares_addr_port_node *list = NULL;
	da_dyn text;

	da_dyn_init(&text, DA_DYN_NO_CAP); /* the resolvers c-ares was given */
	int st = ares_get_servers_ports(ch, &list);
	if (st != ARES_SUCCESS)
		return st == ARES_ENOMEM ? NULL : da_strdup("?"); /* NULL: out of memory */
	for (struct ares_addr_port_node *p = list; p; p = p->next) {
		char buf[SERVER_BUF];
		struct sockaddr_storage ss;
		memset(&ss, 0, sizeof ss);
		if (p->family == AF_INET) {
			struct sockaddr_in *a = (void *)&ss;
			a->sin_family = AF_INET;
			a->sin_addr = p->addr.addr4;
			a->sin_port = htons((uint16_t)(p->udp_port ? p->udp_port : 53));
		} else {
			struct sockaddr_in6 *a = (void *)&ss;
			a->sin6_family = AF_INET6;
			memcpy(&a->sin6_addr, &p->addr.addr6, sizeof a->sin6_addr);
			a->sin6_port = htons((uint16_t)(p->udp_port ? p->udp_port : 53));
		}
		da_kdns_fmt_addr((struct sockaddr *)&ss, buf, sizeof buf);
		da_dyn_addf(&text, "%s%s", text.len ? ", " : "", buf);
	}
	ares_free_data(list);
	/* Out of memory is NULL, an error, never another list. */
	if (text.err == DKIMARC_OK && text.len == 0)
		return da_strdup("none");
	return da_dyn_take(&text);
}

/* ---- the key-source interface ------------------------------------------- */

static int dns_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	dns *d = impl;
	sync_wait sw = {.ans = ans};
	waiter w = {.sync = &sw};
	char why[WHY_BUF], buf[DA_DNS_MAX_NAME + 1];
	int rc;

	if (!da_kdns_norm_name(name, buf)) {
		snprintf(why, sizeof why, "'%.300s' is not a DNS name that can be asked", name);
		return dkimarc_answer_fail(ans, DKIMARC_LOOKUP_NOT_FOUND, why);
	}
	pthread_mutex_lock(&d->mu);
	rc = da_kdns_start(d, buf, &w);
	while (rc == DKIMARC_OK && !sw.done) {
		if (d->drivers == 0) {
			da_kdns_drive_round(d, -1);
			da_kdns_deliver(d);
		} else {
			pthread_cond_wait(&d->cv, &d->mu);
		}
	}
	pthread_mutex_unlock(&d->mu);
	if (rc == DKIMARC_OK && sw.rc != DKIMARC_OK)
		rc = da_fail(sw.rc, "out of memory");
	return rc;
}

static void dns_free(void *impl)
{
	dns *d = impl;

	pthread_mutex_lock(&d->mu);
	d->closing = true;
	/* c-ares ends every query with ARES_EDESTRUCTION: callbacks get TEMPFAIL. */
	if (d->ch_ok)
		ares_destroy(d->ch);
	d->ch_ok = false;
	da_kdns_pump(d); /* names never sent end too */
	da_kdns_deliver(d);
	pthread_mutex_unlock(&d->mu);
	for (size_t i = 0; d->slots && i < d->nslots; i++) {
		for (entry *e = d->slots[i], *next; e; e = next) {
			next = e->next;
			da_kdns_entry_free(e);
		}
	}
	free(d->slots);
	free(d->socks);
	free(d->tcp);
	free(d->servers);
	if (d->wake[0] >= 0)
		close(d->wake[0]);
	if (d->wake[1] >= 0)
		close(d->wake[1]);
	pthread_cond_destroy(&d->cv);
	pthread_mutex_destroy(&d->mu);
	free(d);
}

static const dkimarc_keysrc_ops dns_ops = {
    .version = DKIMARC_KEYSRC_OPS_VERSION,
    .lookup = dns_lookup,
    .free = dns_free,
    .kind = "dns",
};

static pthread_once_t ares_once = PTHREAD_ONCE_INIT;
static int ares_init_status;

static void ares_global_init(void)
{
	/* Needed only on some platforms; process-wide, done once, never undone. */
	ares_init_status = ares_library_init(ARES_LIB_INIT_ALL);
}

/* Validates opts->servers into a c-ares CSV list; NULL with the error set. */
static char *servers_csv(const dkimarc_dns_options *o, int *rc)
{
	da_dyn csv;

	da_dyn_init(&csv, DA_DYN_NO_CAP); /* the servers the caller listed */
	for (size_t i = 0; i < o->nservers; i++) {
		char buf[SERVER_BUF];
		const char *s = o->servers[i];
		if (s == NULL || parse_server(s, buf, sizeof buf) < 0) {
			da_dyn_free(&csv);
			*rc = da_fail(DKIMARC_EINVAL,
			              "invalid DNS server '%.100s': expected IP, IP:PORT or "
			              "[IPv6]:PORT",
			              s ? s : "(null)");
			return NULL;
		}
		da_dyn_addf(&csv, "%s%s", csv.len ? "," : "", buf);
	}
	char *text = da_dyn_take(&csv);
	if (text == NULL)
		*rc = da_fail(csv.err, "out of memory");
	return text;
}

int dkimarc_keysrc_dns_new(dkimarc_keysrc **out, const dkimarc_dns_options *opts)
{
	dkimarc_dns_options o;
	struct ares_options ao;
	char *csv = NULL;
	dns *d = NULL;
	int rc = DKIMARC_OK, st;

	if (out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_dns_new: out is NULL");
	*out = NULL;
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	if (opts != NULL) {
		/* An older caller's smaller options: what they lack keeps its default. */
		size_t size =
		    da_abi_size(DA_ABI_DNS_OPTIONS, opts->version, "dkimarc_keysrc_dns_new");
		if (size == 0)
			return DKIMARC_EINVAL;
		memcpy(&o, opts, size);
		o.version = DKIMARC_DNS_OPTIONS_VERSION;
	}
	if (o.timeout_ms == 0 || o.timeout_ms > 600000)
		return da_fail(DKIMARC_EINVAL, "DNS timeout must be 1..600000 ms, not %u",
		               o.timeout_ms);
	if (o.tries == 0 || o.tries > 100)
		return da_fail(DKIMARC_EINVAL, "DNS tries must be 1..100, not %u", o.tries);
	if (o.ttl_floor > o.ttl_ceiling)
		return da_fail(DKIMARC_EINVAL, "DNS TTL floor %u is above the ceiling %u",
		               o.ttl_floor, o.ttl_ceiling);
	if (o.max_txt_bytes == 0 || o.max_inflight == 0 || o.max_parallel == 0 ||
	    (o.nservers > 0 && !o.servers))
		return da_fail(DKIMARC_EINVAL, "invalid DNS options");
	if (o.nservers > 0 && (csv = servers_csv(&o, &rc)) == NULL)
		return rc;
	o.servers = NULL; /* not kept: c-ares has them */

	d = calloc(1, sizeof *d);
	if (d == NULL) {
		free(csv);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	d->opt = o;
	d->wake[0] = d->wake[1] = -1;
	d->done_tail = &d->done;
	d->qtail = &d->qhead;
	d->nslots = 64;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	d->slots = calloc(d->nslots, sizeof *d->slots);
	if (d->slots == NULL) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto fail;
	}
	if (pipe(d->wake) < 0 || fcntl(d->wake[0], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(d->wake[1], F_SETFL, O_NONBLOCK) < 0 ||
	    fcntl(d->wake[0], F_SETFD, FD_CLOEXEC) < 0 ||
	    fcntl(d->wake[1], F_SETFD, FD_CLOEXEC) < 0) {
		rc = da_fail(DKIMARC_EIO, "cannot make a pipe: %s", strerror(errno));
		goto fail;
	}
	pthread_once(&ares_once, ares_global_init);
	if (ares_init_status != ARES_SUCCESS) {
		rc = da_fail(DKIMARC_EIO, "c-ares: %s", ares_strerror(ares_init_status));
		goto fail;
	}
	memset(&ao, 0, sizeof ao);
	ao.flags = ARES_FLAG_EDNS | ARES_FLAG_NOSEARCH | ARES_FLAG_NOALIASES;
	ao.timeout = (int)o.timeout_ms;
	ao.tries = (int)o.tries;
	ao.sock_state_cb = da_kdns_sock_state;
	ao.sock_state_cb_data = d;
	ao.ednspsz = EDNS_PAYLOAD;
	st = ares_init_options(&d->ch, &ao,
	                       ARES_OPT_FLAGS | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES |
	                           ARES_OPT_SOCK_STATE_CB | ARES_OPT_EDNSPSZ);
	if (st != ARES_SUCCESS) {
		rc = da_fail(st == ARES_ENOMEM ? DKIMARC_ENOMEM : DKIMARC_EIO,
		             "cannot set up the DNS resolver (c-ares): %s", ares_strerror(st));
		goto fail;
	}
	d->ch_ok = true;
	if (csv != NULL && (st = ares_set_servers_ports_csv(d->ch, csv)) != ARES_SUCCESS) {
		rc = da_fail(DKIMARC_EINVAL, "c-ares refused the DNS servers '%s': %s", csv,
		             ares_strerror(st));
		goto fail;
	}
	ares_set_socket_functions(d->ch, &da_kdns_sock_funcs, d);
	d->last_rcode = -1;
	d->servers = servers_text(d->ch);
	if (d->servers == NULL) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto fail;
	}
	rc = da_keysrc_wrap(out, &dns_ops, d);
	if (rc != DKIMARC_OK)
		goto fail;
	free(csv);
	return DKIMARC_OK;
fail:
	free(csv);
	dns_free(d);
	return rc;
}
