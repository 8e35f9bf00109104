/* The live DNS source's names in flight: the table, the queries, their answers, and
 * the rounds that drive the channel. */
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

/* ---- the table of names ------------------------------------------------- */

entry *da_kdns_find(dns *d, const char *name, uint64_t h)
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

void da_kdns_entry_free(entry *e)
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
				da_kdns_entry_free(e);
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
void da_kdns_deliver(dns *d)
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
	int64_t now = da_kdns_now_ms();

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
		da_kdns_entry_free(e);
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
	da_kdns_wake_drivers(d);
	return 0;
}

/*
 * Sends queued names while fewer than max_parallel queries are out. A burst
 * of thousands at once would overflow the UDP receive buffer, and lost
 * answers cost whole timeouts.
 */
void da_kdns_pump(dns *d)
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
				da_kdns_pump(d);
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
	da_kdns_pump(d);
}

/*
 * Starts or joins the lookup of name (valid, lower case) for w, or serves it
 * from the cache. Lock held. Returns a status; on failure w is not queued.
 */
int da_kdns_start(dns *d, const char *name, waiter *w)
{
	uint64_t h = da_kdns_hash_name(name);
	entry *e = da_kdns_find(d, name, h);
	int64_t now = da_kdns_now_ms();

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
		da_kdns_entry_free(e);
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
	da_kdns_pump(d);
	return DKIMARC_OK;
}

/*
 * One round of driving the channel: poll its sockets (and the wake pipe) for
 * up to the next c-ares timeout, capped at max_ms when >= 0, then process.
 * Lock held on entry and exit; dropped while polling.
 */
void da_kdns_drive_round(dns *d, int max_ms)
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
			da_kdns_process_fd(
			    d, p[i].fd,
			    ((re & (POLLIN | POLLERR | POLLHUP)) ? DKIMARC_DNS_READ : 0) |
			        ((re & POLLOUT) ? DKIMARC_DNS_WRITE : 0));
		}
	}
	da_kdns_process_fd(d, -1, 0); /* timeouts */
	if (p != small)
		free(p);
	pthread_cond_broadcast(&d->cv);
}

/* Lower-cases name and drops one final dot into buf; false if not a DNS name. */
bool da_kdns_norm_name(const char *name, char *buf)
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
