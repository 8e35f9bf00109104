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
 */
#include "abiver.h"
#include "dns.h"

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

/* EDNS payload: the 2020 DNS flag day value, which avoids IP fragmentation. */
#define EDNS_PAYLOAD 1232
#define SERVER_BUF   64 /* "[1234:...:ffff]:65535" */
#define WHY_BUF      640
#define SWEEP_MS     1000
/* Tempfails are remembered 5 minutes at most (RFC 2308 §7.1). */
#define MAX_TEMPFAIL_TTL 300

/* A blocking lookup's slot, on its own stack. */
typedef struct {
	bool done;
	int rc;
	dkimarc_answer *ans;
} sync_wait;

/* One lookup waiting for a name. */
typedef struct waiter {
	struct waiter *next;
	sync_wait *sync; /* blocking lookup, or NULL */
	dkimarc_dns_callback cb;
	void *arg;
	char *name;          /* asynchronous: the callback's copy */
	dkimarc_answer *ans; /* asynchronous: the answer, once done */
} waiter;

/* The outcome of a lookup, as cached. */
typedef struct {
	dkimarc_lookup_status status;
	char *why;
	da_dns_txt *txt;
	size_t ntxt;
	int dnssec;
	char origin[SERVER_BUF + 8];
	int64_t fetched_at;
	bool nomem; /* memory ran out here, not in DNS: an error for the lookup, never cached */
} result;

struct dns;

typedef struct entry {
	struct entry *next;  /* hash chain */
	struct entry *qnext; /* queue of names waiting for a free slot */
	struct dns *d;
	char *name;
	uint64_t hash;
	bool inflight;
	waiter *waiters, **wtail;
	/* The walk while in flight: the name asked now, names already asked. */
	char *seen[DA_DNS_MAX_CHAIN + 1];
	size_t nseen, cnames;
	bool ad_all;
	uint32_t ttl;
	bool has_ttl;
	/* Once done. */
	bool cached;
	result res;
	int64_t expires; /* monotonic ms */
} entry;

typedef struct dns {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	ares_channel ch;
	bool ch_ok;
	dkimarc_dns_options opt;
	char *servers;
	entry **slots;
	size_t nslots, nentries, ncached, ninflight;
	size_t nwire;          /* queries handed to c-ares, not yet ended */
	entry *qhead, **qtail; /* in flight, but not sent yet */
	bool pumping;
	dkimarc_dns_socket *socks;
	size_t nsocks, capsocks;
	waiter *done, **done_tail; /* asynchronous callbacks to run */
	int wake[2];
	unsigned drivers;
	char cur_server[SERVER_BUF]; /* the server whose socket is being read */
	int last_rcode;              /* RCODE of the answer read last, -1 none */
	struct tcp_track {
		int fd;
		unsigned pos, len; /* bytes of the current message seen, its length */
		unsigned char lenbuf[2];
	} * tcp;
	size_t ntcp, captcp;
	int64_t last_sweep;
	bool closing; /* being freed: no new queries */
	dkimarc_dns_stats stats;
	uint64_t fails[DKIMARC_DNS_FAIL_COUNT_]; /* stats.tempfail by kind */
} dns;

static const dkimarc_keysrc_ops dns_ops;

/* ---- small helpers ------------------------------------------------------ */

static int64_t now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ull;
	}
	return h;
}

static void fmt_addr(const struct sockaddr *sa, char *buf, size_t n)
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

static dns *dns_of(dkimarc_keysrc *src)
{
	return (src && src->ops == &dns_ops) ? src->impl : NULL;
}

static void wake_drivers(dns *d)
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
	char *text = NULL;
	size_t len = 0;

	if (ares_get_servers_ports(ch, &list) != ARES_SUCCESS)
		return da_strdup("?");
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
		fmt_addr((struct sockaddr *)&ss, buf, sizeof buf);
		char *t = realloc(text, len + strlen(buf) + 3);
		if (t == NULL) {
			free(text);
			text = NULL;
			break;
		}
		text = t;
		len += (size_t)sprintf(text + len, "%s%s", len ? ", " : "", buf);
	}
	ares_free_data(list);
	return text ? text : da_strdup("none");
}

/* ---- sockets ------------------------------------------------------------ */

/* c-ares tells us which sockets to wait on (called with the lock held). */
static void sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
	dns *d = data;
	size_t i;

	for (i = 0; i < d->nsocks && d->socks[i].fd != fd; i++)
		;
	if (!readable && !writable) {
		if (i < d->nsocks)
			d->socks[i] = d->socks[--d->nsocks];
		return;
	}
	if (i == d->nsocks) {
		if (d->nsocks == d->capsocks) {
			size_t cap = d->capsocks ? d->capsocks * 2 : 8;
			dkimarc_dns_socket *s = realloc(d->socks, cap * sizeof *s);
			if (s == NULL)
				return; /* the query times out instead */
			d->socks = s;
			d->capsocks = cap;
		}
		d->nsocks++;
	}
	d->socks[i].fd = fd;
	d->socks[i].events = (readable ? DKIMARC_DNS_READ : 0) | (writable ? DKIMARC_DNS_WRITE : 0);
}

/*
 * Our socket functions for c-ares. They do what c-ares would (non-blocking,
 * close-on-exec, no SIGPIPE, TCP_NODELAY) and let us see the RCODE of each
 * answer as it is read: c-ares 1.18 reports a SERVFAIL or REFUSED from the
 * last server as "connection refused", and a user deserves the real reason.
 */
static ares_socket_t sock_open(int domain, int type, int protocol, void *data)
{
	dns *d = data;
	int fd = socket(domain, type | SOCK_NONBLOCK | SOCK_CLOEXEC, protocol);

	if (fd >= 0 && type == SOCK_DGRAM) {
		/* Room for a window of answers; the kernel caps it at rmem_max. */
		int size = 1 << 20;
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
	}
	if (fd >= 0 && type == SOCK_STREAM) {
		int one = 1;
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
		if (d->ntcp == d->captcp) {
			size_t cap = d->captcp ? d->captcp * 2 : 4;
			struct tcp_track *t = realloc(d->tcp, cap * sizeof *t);
			if (t == NULL) {
				close(fd);
				errno = ENOMEM;
				return ARES_SOCKET_BAD;
			}
			d->tcp = t;
			d->captcp = cap;
		}
		d->tcp[d->ntcp++] = (struct tcp_track){.fd = fd};
	}
	return fd;
}

static int sock_close(ares_socket_t fd, void *data)
{
	dns *d = data;

	for (size_t i = 0; i < d->ntcp; i++)
		if (d->tcp[i].fd == fd)
			d->tcp[i] = d->tcp[--d->ntcp];
	return close(fd);
}

static int sock_connect(ares_socket_t fd, const struct sockaddr *sa, ares_socklen_t len, void *data)
{
	(void)data;
	return connect(fd, sa, len);
}

static ares_ssize_t sock_recvfrom(ares_socket_t fd, void *buf, size_t len, int flags,
                                  struct sockaddr *from, ares_socklen_t *fromlen, void *data)
{
	dns *d = data;
	ssize_t n = recvfrom(fd, buf, len, flags, from, fromlen);
	const unsigned char *p = buf;
	struct sockaddr_storage ss;
	socklen_t sl = sizeof ss;
	size_t i;

	if (n < 0 && errno == ECONNREFUSED) {
		/* An ICMP refusal: name the refusing server, forget older RCODEs. */
		int e = errno;
		d->last_rcode = -1;
		if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
			fmt_addr((struct sockaddr *)&ss, d->cur_server, sizeof d->cur_server);
		errno = e;
	}
	if (n <= 0)
		return n;
	/*
	 * The answer's sender, now: c-ares may close a socket and open another
	 * under the same number within one ares_process_fd call.
	 */
	if (from != NULL && fromlen != NULL && *fromlen > 0)
		fmt_addr(from, d->cur_server, sizeof d->cur_server);
	else if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0)
		fmt_addr((struct sockaddr *)&ss, d->cur_server, sizeof d->cur_server);
	for (i = 0; i < d->ntcp && d->tcp[i].fd != fd; i++)
		;
	if (i == d->ntcp) {
		/* UDP: one datagram, one answer. */
		if (n >= 4)
			d->last_rcode = p[3] & 0x0f;
		return n;
	}
	/* TCP: follow the stream of length-prefixed messages byte by byte. */
	struct tcp_track *t = &d->tcp[i];
	for (ssize_t k = 0; k < n; k++) {
		if (t->pos < 2) {
			t->lenbuf[t->pos++] = p[k];
			t->len = (unsigned)t->lenbuf[0] << 8 | t->lenbuf[1];
		} else {
			if (t->pos == 5)
				d->last_rcode = p[k] & 0x0f;
			t->pos++;
		}
		if (t->pos >= 2 && t->pos == t->len + 2)
			t->pos = 0;
	}
	return n;
}

static ares_ssize_t sock_sendv(ares_socket_t fd, const struct iovec *iov, int n, void *data)
{
	/* msghdr wants a mutable array; a short send of the first ones is a valid answer. */
	struct iovec v[16];
	size_t k = n > 0 ? ((size_t)n < 16 ? (size_t)n : 16) : 0;
	for (size_t i = 0; i < k; i++)
		v[i] = iov[i];
	struct msghdr m = {.msg_iov = v, .msg_iovlen = k};

	(void)data;
	return sendmsg(fd, &m, MSG_NOSIGNAL);
}

static const struct ares_socket_functions sock_funcs = {
    .asocket = sock_open,
    .aclose = sock_close,
    .aconnect = sock_connect,
    .arecvfrom = sock_recvfrom,
    .asendv = sock_sendv,
};

/*
 * Processes one socket (fd -1: only expired timeouts); sock_recvfrom notes
 * who sent each answer it reads, and nothing read before is credited.
 */
static void process_fd(dns *d, int fd, int events)
{
	d->cur_server[0] = '\0';
	d->last_rcode = -1;
	ares_process_fd(d->ch, fd >= 0 && (events & DKIMARC_DNS_READ) ? fd : ARES_SOCKET_BAD,
	                fd >= 0 && (events & DKIMARC_DNS_WRITE) ? fd : ARES_SOCKET_BAD);
	d->cur_server[0] = '\0';
	d->last_rcode = -1;
}

/* ---- the table of names ------------------------------------------------- */

static entry *find(dns *d, const char *name, uint64_t h)
{
	for (entry *e = d->slots[h & (d->nslots - 1)]; e; e = e->next)
		if (e->hash == h && strcmp(e->name, name) == 0)
			return e;
	return NULL;
}

static void grow(dns *d)
{
	size_t n = d->nslots * 2;
	entry **s = calloc(n, sizeof *s);

	if (s == NULL)
		return; /* longer chains, still correct */
	for (size_t i = 0; i < d->nslots; i++) {
		for (entry *e = d->slots[i], *next; e; e = next) {
			next = e->next;
			e->next = s[e->hash & (n - 1)];
			s[e->hash & (n - 1)] = e;
		}
	}
	free(d->slots);
	d->slots = s;
	d->nslots = n;
}

static void result_clear(result *r)
{
	for (size_t i = 0; i < r->ntxt; i++)
		free(r->txt[i].data);
	free(r->txt);
	free(r->why);
	memset(r, 0, sizeof *r);
}

static void walk_clear(entry *e)
{
	for (size_t i = 0; i < e->nseen; i++)
		free(e->seen[i]);
	e->nseen = e->cnames = 0;
}

static void unlink_entry(dns *d, entry *e)
{
	entry **pp = &d->slots[e->hash & (d->nslots - 1)];

	while (*pp != e)
		pp = &(*pp)->next;
	*pp = e->next;
	d->nentries--;
	if (e->cached)
		d->ncached--;
}

static void entry_free(entry *e)
{
	walk_clear(e);
	result_clear(&e->res);
	free(e->name);
	free(e);
}

/* Drops expired cache entries; at most once a second, it walks the table. */
static void sweep(dns *d, int64_t now)
{
	if (now - d->last_sweep < SWEEP_MS)
		return;
	d->last_sweep = now;
	for (size_t i = 0; i < d->nslots; i++) {
		for (entry *e = d->slots[i], *next; e; e = next) {
			next = e->next;
			if (!e->inflight && e->expires <= now) {
				unlink_entry(d, e);
				entry_free(e);
			}
		}
	}
}

/* ---- answers ------------------------------------------------------------ */

static int fill_answer(const result *r, dkimarc_answer *ans)
{
	if (r->nomem)
		return da_fail(DKIMARC_ENOMEM, "out of memory during a DNS lookup");
	if (r->status != DKIMARC_LOOKUP_FOUND)
		return dkimarc_answer_fail(ans, r->status, r->why);
	for (size_t i = 0; i < r->ntxt; i++) {
		dkimarc_keyrec k = {
		    .version = DKIMARC_KEYREC_VERSION,
		    .txt = r->txt[i].data,
		    .txt_len = r->txt[i].len,
		    .origin = r->origin,
		    .first_seen = -1,
		    .last_seen = -1,
		    .fetched_at = r->fetched_at,
		    .dnssec = r->dnssec,
		};
		int rc = dkimarc_answer_add(ans, &k);
		if (rc != DKIMARC_OK)
			return rc;
	}
	return DKIMARC_OK;
}

/* Hands a finished result to one waiter (lock held; no user code runs). */
static void serve(dns *d, waiter *w, const result *r)
{
	if (w->sync != NULL) {
		w->sync->rc = fill_answer(r, w->sync->ans);
		w->sync->done = true;
		return;
	}
	if (da_answer_new(&w->ans) == DKIMARC_OK && fill_answer(r, w->ans) != DKIMARC_OK) {
		dkimarc_answer_free(w->ans);
		w->ans = NULL;
	}
	w->next = NULL;
	*d->done_tail = w;
	d->done_tail = &w->next;
}

/* Runs queued callbacks; called with the lock held, which it drops meanwhile. */
static void deliver(dns *d)
{
	while (d->done != NULL) {
		waiter *list = d->done;
		d->done = NULL;
		d->done_tail = &d->done;
		pthread_mutex_unlock(&d->mu);
		for (waiter *w = list, *next; w; w = next) {
			next = w->next;
			w->cb(w->arg, w->name, w->ans);
			free(w->name);
			free(w);
		}
		pthread_mutex_lock(&d->mu);
	}
}

static uint32_t clamp_ttl(const dns *d, uint32_t t)
{
	if (t < d->opt.ttl_floor)
		t = d->opt.ttl_floor;
	if (t > d->opt.ttl_ceiling)
		t = d->opt.ttl_ceiling;
	return t;
}

/*
 * Ends a lookup: records the result, serves every waiter, and keeps the
 * entry as a cache entry or drops it.
 */
static void finish(dns *d, entry *e, dkimarc_lookup_status st, dkimarc_dns_failure kind,
                   const char *why, da_dns_parsed *p, bool nomem)
{
	result *r = &e->res;
	uint32_t ttl;
	int64_t now = now_ms();

	sweep(d, now); /* before e is done, so it cannot sweep e */
	r->status = st;
	r->fetched_at = (int64_t)time(NULL);
	snprintf(r->origin, sizeof r->origin, "dns %s", d->cur_server[0] ? d->cur_server : "?");
	r->dnssec = e->ad_all ? 1 : 0;
	if (st == DKIMARC_LOOKUP_FOUND) {
		r->txt = p->txt;
		r->ntxt = p->ntxt;
		p->txt = NULL;
		p->ntxt = 0;
		d->stats.found++;
	} else {
		r->why = da_strdup(why);
		r->nomem = nomem || !r->why;
		if (r->nomem) {
			/* Not a DNS failure: neither counted as one nor remembered. */
		} else if (st == DKIMARC_LOOKUP_NOT_FOUND) {
			d->stats.not_found++;
		} else {
			d->stats.tempfail++;
			d->fails[kind]++;
		}
	}
	if (r->nomem)
		ttl = 0;
	else if (st == DKIMARC_LOOKUP_TEMPFAIL)
		ttl =
		    d->opt.tempfail_ttl < MAX_TEMPFAIL_TTL ? d->opt.tempfail_ttl : MAX_TEMPFAIL_TTL;
	else
		ttl = clamp_ttl(d, e->has_ttl ? e->ttl : 0);
	e->expires = now + (int64_t)ttl * 1000;
	e->inflight = false;
	d->ninflight--;
	walk_clear(e);

	for (waiter *w = e->waiters, *next; w; w = next) {
		next = w->next;
		serve(d, w, r);
	}
	e->waiters = NULL;
	e->wtail = &e->waiters;

	if (ttl > 0 && d->ncached < d->opt.cache_max) {
		e->cached = true;
		d->ncached++;
	} else {
		unlink_entry(d, e);
		entry_free(e);
	}
	pthread_cond_broadcast(&d->cv);
}

static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen);

/* Sends a TXT query for the entry's current name (lock held). */
static int send_query(dns *d, entry *e, const char *qname)
{
	unsigned char *q = NULL;
	int qlen = 0;

	if (ares_create_query(qname, 1 /* IN */, 16 /* TXT */, 0, 1, &q, &qlen, EDNS_PAYLOAD) !=
	    ARES_SUCCESS)
		return -1;
	/* AD=1 asks a validating resolver to report validation (RFC 6840 §5.7). */
	q[3] |= 0x20;
	d->stats.queries++;
	d->nwire++;
	ares_send(d->ch, q, qlen, on_answer, e);
	ares_free_string(q);
	wake_drivers(d);
	return 0;
}

/*
 * Sends queued names while fewer than max_parallel queries are out. A burst
 * of thousands at once would overflow the UDP receive buffer, and lost
 * answers cost whole timeouts.
 */
static void pump(dns *d)
{
	if (d->pumping)
		return; /* c-ares called back from inside ares_send: the outer loop goes on */
	d->pumping = true;
	while (d->qhead != NULL && (d->closing || d->nwire < d->opt.max_parallel)) {
		entry *e = d->qhead;
		d->qhead = e->qnext;
		if (d->qhead == NULL)
			d->qtail = &d->qhead;
		if (d->closing)
			finish(d, e, DKIMARC_LOOKUP_TEMPFAIL, DKIMARC_DNS_FAIL_OTHER,
			       "lookup cancelled (the key source was freed)", NULL, false);
		else if (send_query(d, e, e->name) < 0) /* the name is valid: memory */
			finish(d, e, DKIMARC_LOOKUP_TEMPFAIL, DKIMARC_DNS_FAIL_OTHER,
			       "cannot build the DNS query", NULL, true);
	}
	d->pumping = false;
}

static const char *status_text(int status)
{
	switch (status) {
	case ARES_ESERVFAIL:
		return "SERVFAIL";
	case ARES_EREFUSED:
		return "REFUSED";
	case ARES_ENOTIMP:
		return "NOTIMP";
	case ARES_EFORMERR:
		return "FORMERR";
	case ARES_ECONNREFUSED:
		return "connection refused";
	case ARES_EBADRESP:
		return "malformed answer";
	default:
		return ares_strerror(status);
	}
}

/* c-ares' callback for one query (lock held). */
static void on_answer(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
	entry *e = arg;
	dns *d = e->d;
	const char *qname = e->nseen ? e->seen[e->nseen - 1] : e->name;
	const char *srv = d->cur_server[0] ? d->cur_server : "?";
	dkimarc_lookup_status st = DKIMARC_LOOKUP_TEMPFAIL;
	dkimarc_dns_failure kind = DKIMARC_DNS_FAIL_OTHER;
	char why[WHY_BUF], err[256];
	da_dns_parsed p;
	int rc;
	bool nomem = status == ARES_ENOMEM; /* ours, not the resolver's */

	(void)timeouts;
	memset(&p, 0, sizeof p);
	d->nwire--;
	if (status == ARES_EDESTRUCTION) {
		snprintf(why, sizeof why, "%s: lookup cancelled (the key source was freed)",
		         e->name);
		goto done;
	}
	if (status == ARES_ETIMEOUT) {
		kind = DKIMARC_DNS_FAIL_TIMEOUT;
		snprintf(why, sizeof why, "%s: no answer from %s after %u tries (timeout %u ms)",
		         qname, d->servers, d->opt.tries, d->opt.timeout_ms);
		goto done;
	}
	if (status != ARES_SUCCESS) {
		/* c-ares 1.18 ends a query refused by every server as ECONNREFUSED. */
		if (status == ARES_ECONNREFUSED && d->last_rcode == DA_RCODE_SERVFAIL)
			status = ARES_ESERVFAIL;
		else if (status == ARES_ECONNREFUSED && d->last_rcode == DA_RCODE_REFUSED)
			status = ARES_EREFUSED;
		else if (status == ARES_ECONNREFUSED && d->last_rcode == 4)
			status = ARES_ENOTIMP;
		kind = status == ARES_ESERVFAIL      ? DKIMARC_DNS_FAIL_SERVFAIL
		       : status == ARES_EREFUSED     ? DKIMARC_DNS_FAIL_REFUSED
		       : status == ARES_ECONNREFUSED ? DKIMARC_DNS_FAIL_UNREACHABLE
		                                     : DKIMARC_DNS_FAIL_OTHER;
		snprintf(why, sizeof why, "%s: %s from %s", qname, status_text(status),
		         d->cur_server[0] ? d->cur_server : d->servers);
		goto done;
	}
	rc = da_dns_parse(abuf, alen > 0 ? (size_t)alen : 0, qname, d->opt.max_txt_bytes, &p, err,
	                  sizeof err);
	if (rc != 0) {
		nomem = rc == DA_DNS_NOMEM;
		snprintf(why, sizeof why, "%s: %s answer from %s: %s", qname,
		         rc == DA_DNS_TOO_BIG ? "refused the" : "cannot read the", srv, err);
		goto done;
	}
	if (p.tc) {
		snprintf(why, sizeof why, "%s: the answer from %s is truncated even over TCP",
		         qname, srv);
		goto done;
	}
	e->ad_all = e->ad_all && p.ad;
	if (p.has_ttl && (!e->has_ttl || p.ttl < e->ttl))
		e->ttl = p.ttl;
	e->has_ttl = e->has_ttl || p.has_ttl;
	e->cnames += p.cnames;
	if (p.rcode == DA_RCODE_NXDOMAIN) {
		st = DKIMARC_LOOKUP_NOT_FOUND;
		snprintf(why, sizeof why, "%s: no such name (NXDOMAIN from %s)", qname, srv);
	} else if (p.rcode != DA_RCODE_NOERROR) {
		kind = p.rcode == DA_RCODE_SERVFAIL  ? DKIMARC_DNS_FAIL_SERVFAIL
		       : p.rcode == DA_RCODE_REFUSED ? DKIMARC_DNS_FAIL_REFUSED
		                                     : DKIMARC_DNS_FAIL_OTHER;
		snprintf(why, sizeof why, "%s: DNS error code %d from %s", qname, p.rcode, srv);
	} else if (p.ntxt > 0) {
		st = DKIMARC_LOOKUP_FOUND;
		why[0] = '\0';
	} else if (p.loop != NULL) {
		st = DKIMARC_LOOKUP_NOT_FOUND;
		snprintf(why, sizeof why, "%s: CNAME loop at %s (answer from %s)", e->name, p.loop,
		         srv);
	} else if (p.next != NULL) {
		bool loop = strcmp(p.next, e->name) == 0;
		for (size_t i = 0; i < e->nseen; i++)
			loop = loop || strcmp(p.next, e->seen[i]) == 0;
		st = DKIMARC_LOOKUP_NOT_FOUND;
		if (loop) {
			snprintf(why, sizeof why, "%s: CNAME loop at %s (answer from %s)", e->name,
			         p.next, srv);
		} else if (e->cnames > DA_DNS_MAX_CHAIN || e->nseen == DA_DNS_MAX_CHAIN + 1) {
			snprintf(why, sizeof why, "%s: CNAME chain longer than %d names", e->name,
			         DA_DNS_MAX_CHAIN);
		} else if (d->closing) {
			st = DKIMARC_LOOKUP_TEMPFAIL;
			snprintf(why, sizeof why, "%s: lookup cancelled (the key source was freed)",
			         e->name);
		} else {
			/* The answer stopped at a CNAME: ask its target ourselves. */
			e->seen[e->nseen++] = p.next;
			p.next = NULL;
			if (send_query(d, e, e->seen[e->nseen - 1]) == 0) {
				da_dns_parsed_clear(&p);
				pump(d);
				return;
			}
			st = DKIMARC_LOOKUP_TEMPFAIL;
			nomem = true; /* the target was read as a valid name */
			snprintf(why, sizeof why, "%s: cannot build a query for CNAME target %s",
			         e->name, e->seen[e->nseen - 1]);
		}
	} else {
		st = DKIMARC_LOOKUP_NOT_FOUND;
		snprintf(why, sizeof why, "%s: no TXT record (NODATA from %s)", qname, srv);
	}
done:
	finish(d, e, st, kind, why, &p, nomem);
	da_dns_parsed_clear(&p);
	pump(d);
}

/*
 * Starts or joins the lookup of name (valid, lower case) for w, or serves it
 * from the cache. Lock held. Returns a status; on failure w is not queued.
 */
static int start(dns *d, const char *name, waiter *w)
{
	uint64_t h = hash_name(name);
	entry *e = find(d, name, h);
	int64_t now = now_ms();

	if (d->closing)
		return da_fail(DKIMARC_ESTATE, "the DNS key source is being freed");
	d->stats.lookups++;
	if (e != NULL && !e->inflight && e->expires > now) {
		d->stats.cache_hits++;
		serve(d, w, &e->res);
		return DKIMARC_OK;
	}
	if (e != NULL && e->inflight) {
		d->stats.joined++;
		w->next = NULL;
		*e->wtail = w;
		e->wtail = &w->next;
		return DKIMARC_OK;
	}
	if (e != NULL) {
		unlink_entry(d, e);
		entry_free(e);
	}
	if (w->sync == NULL && d->ninflight >= d->opt.max_inflight)
		return da_fail(DKIMARC_ELIMIT, "%zu names are already in flight (max_inflight)",
		               d->ninflight);
	e = calloc(1, sizeof *e);
	if (e == NULL || (e->name = da_strdup(name)) == NULL) {
		free(e);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	e->d = d;
	e->hash = h;
	e->inflight = true;
	e->ad_all = true;
	e->waiters = w;
	w->next = NULL;
	e->wtail = &w->next;
	e->next = d->slots[h & (d->nslots - 1)];
	d->slots[h & (d->nslots - 1)] = e;
	if (++d->nentries > d->nslots)
		grow(d);
	d->ninflight++;
	*d->qtail = e;
	d->qtail = &e->qnext;
	/* The answer may come at once (c-ares failing early): e may be gone after. */
	pump(d);
	return DKIMARC_OK;
}

/*
 * One round of driving the channel: poll its sockets (and the wake pipe) for
 * up to the next c-ares timeout, capped at max_ms when >= 0, then process.
 * Lock held on entry and exit; dropped while polling.
 */
static void drive_round(dns *d, int max_ms)
{
	struct pollfd small[17], *p = small;
	size_t n = d->nsocks;
	struct timeval tv, *tvp;
	int ms, r;

	if (n + 1 > sizeof small / sizeof small[0]) {
		p = malloc((n + 1) * sizeof *p);
		if (p == NULL) {
			p = small;
			n = sizeof small / sizeof small[0] - 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		p[i].fd = d->socks[i].fd;
		p[i].events = (short)(((d->socks[i].events & DKIMARC_DNS_READ) ? POLLIN : 0) |
		                      ((d->socks[i].events & DKIMARC_DNS_WRITE) ? POLLOUT : 0));
		p[i].revents = 0;
	}
	p[n].fd = d->wake[0];
	p[n].events = POLLIN;
	p[n].revents = 0;
	tvp = ares_timeout(d->ch, NULL, &tv);
	ms = tvp ? (int)(tvp->tv_sec * 1000 + (tvp->tv_usec + 999) / 1000) : -1;
	/* Never sleep unbounded: a lost wake-up then costs at most a second. */
	if (ms < 0 || ms > 1000)
		ms = 1000;
	if (max_ms >= 0 && ms > max_ms)
		ms = max_ms;
	d->drivers++;
	pthread_mutex_unlock(&d->mu);
	r = poll(p, (nfds_t)n + 1, ms);
	pthread_mutex_lock(&d->mu);
	d->drivers--;
	if (r > 0) {
		if (p[n].revents) {
			char buf[64];
			while (read(d->wake[0], buf, sizeof buf) > 0)
				;
		}
		for (size_t i = 0; i < n; i++) {
			short re = p[i].revents;
			if (re == 0 || (re & POLLNVAL))
				continue;
			process_fd(d, p[i].fd,
			           ((re & (POLLIN | POLLERR | POLLHUP)) ? DKIMARC_DNS_READ : 0) |
			               ((re & POLLOUT) ? DKIMARC_DNS_WRITE : 0));
		}
	}
	process_fd(d, -1, 0); /* timeouts */
	if (p != small)
		free(p);
	pthread_cond_broadcast(&d->cv);
}

/* Lower-cases name and drops one final dot into buf; false if not a DNS name. */
static bool norm_name(const char *name, char *buf)
{
	size_t n = name ? strlen(name) : 0;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n == 0 || n > DA_DNS_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++)
		buf[i] = (name[i] >= 'A' && name[i] <= 'Z') ? (char)(name[i] - 'A' + 'a') : name[i];
	buf[n] = '\0';
	return da_dns_name_ok(buf);
}

/* ---- the key-source interface ------------------------------------------- */

static int dns_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	dns *d = impl;
	sync_wait sw = {.ans = ans};
	waiter w = {.sync = &sw};
	char why[WHY_BUF], buf[DA_DNS_MAX_NAME + 1];
	int rc;

	if (!norm_name(name, buf)) {
		snprintf(why, sizeof why, "'%.300s' is not a DNS name that can be asked", name);
		return dkimarc_answer_fail(ans, DKIMARC_LOOKUP_NOT_FOUND, why);
	}
	pthread_mutex_lock(&d->mu);
	rc = start(d, buf, &w);
	while (rc == DKIMARC_OK && !sw.done) {
		if (d->drivers == 0) {
			drive_round(d, -1);
			deliver(d);
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
	pump(d); /* names never sent end too */
	deliver(d);
	pthread_mutex_unlock(&d->mu);
	for (size_t i = 0; d->slots && i < d->nslots; i++) {
		for (entry *e = d->slots[i], *next; e; e = next) {
			next = e->next;
			entry_free(e);
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
	char *csv = NULL;
	size_t len = 0;

	for (size_t i = 0; i < o->nservers; i++) {
		char buf[SERVER_BUF];
		const char *s = o->servers[i];
		if (s == NULL || parse_server(s, buf, sizeof buf) < 0) {
			free(csv);
			*rc = da_fail(DKIMARC_EINVAL,
			              "invalid DNS server '%.100s': expected IP, IP:PORT or "
			              "[IPv6]:PORT",
			              s ? s : "(null)");
			return NULL;
		}
		char *c = realloc(csv, len + strlen(buf) + 2);
		if (c == NULL) {
			free(csv);
			*rc = da_fail(DKIMARC_ENOMEM, "out of memory");
			return NULL;
		}
		csv = c;
		len += (size_t)sprintf(csv + len, "%s%s", len ? "," : "", buf);
	}
	return csv;
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
	ao.sock_state_cb = sock_state;
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
	ares_set_socket_functions(d->ch, &sock_funcs, d);
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

/* ---- the asynchronous interface ----------------------------------------- */

int dkimarc_dns_submit(dkimarc_keysrc *src, const char *name, dkimarc_dns_callback cb, void *arg)
{
	dns *d = dns_of(src);
	char buf[DA_DNS_MAX_NAME + 1];
	waiter *w;
	int rc;

	if (d == NULL || cb == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_dns_submit: not a DNS key source");
	if (!norm_name(name, buf))
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
	rc = start(d, buf, w);
	if (rc != DKIMARC_OK) {
		free(w->name);
		free(w);
	}
	deliver(d);
	pthread_mutex_unlock(&d->mu);
	return rc;
}

size_t dkimarc_dns_sockets(dkimarc_keysrc *src, dkimarc_dns_socket *out, size_t max)
{
	dns *d = dns_of(src);
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
	dns *d = dns_of(src);
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
	dns *d = dns_of(src);
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
				process_fd(d, s.fd, s.events);
		}
		process_fd(d, -1, 0);
		pthread_cond_broadcast(&d->cv);
	}
	deliver(d);
	pthread_mutex_unlock(&d->mu);
	return DKIMARC_OK;
}

int dkimarc_dns_poll(dkimarc_keysrc *src, int timeout_ms)
{
	dns *d = dns_of(src);
	int n;

	if (d == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_dns_poll: not a DNS key source");
	pthread_mutex_lock(&d->mu);
	if (d->ninflight > 0 && d->ch_ok)
		drive_round(d, timeout_ms);
	deliver(d);
	n = d->ninflight > INT32_MAX ? INT32_MAX : (int)d->ninflight;
	pthread_mutex_unlock(&d->mu);
	return n;
}

size_t dkimarc_dns_pending(dkimarc_keysrc *src)
{
	dns *d = dns_of(src);
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
	dns *d = dns_of(src);
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
	dns *d = dns_of(src);
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
	dns *d = dns_of(src);
	return d ? d->servers : NULL;
}

int64_t da_dns_cache_ttl(dkimarc_keysrc *src, const char *name)
{
	dns *d = dns_of(src);
	char buf[DA_DNS_MAX_NAME + 1];
	int64_t left = -1;

	if (d == NULL || !norm_name(name, buf))
		return -1;
	pthread_mutex_lock(&d->mu);
	entry *e = find(d, buf, hash_name(buf));
	if (e != NULL && !e->inflight) {
		left = (e->expires - now_ms() + 999) / 1000;
		if (left < 0)
			left = 0;
	}
	pthread_mutex_unlock(&d->mu);
	return left;
}
