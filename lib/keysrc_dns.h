/* The live DNS key source's parts (keysrc_dns*.c): its state and what they share. */
#ifndef DKIMARC_KEYSRC_DNS_H
#define DKIMARC_KEYSRC_DNS_H

#include "dns.h"

#include <ares.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>

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

/* c-ares's socket calls, routed through us (keysrc_dns_sock.c). */
DA_HIDDEN extern const struct ares_socket_functions da_kdns_sock_funcs;

DA_HIDDEN int64_t da_kdns_now_ms(void);
DA_HIDDEN uint64_t da_kdns_hash_name(const char *s);
DA_HIDDEN void da_kdns_fmt_addr(const struct sockaddr *sa, char *buf, size_t n);
DA_HIDDEN dns *da_kdns_dns_of(dkimarc_keysrc *src);
DA_HIDDEN void da_kdns_wake_drivers(dns *d);
DA_HIDDEN void da_kdns_sock_state(void *data, ares_socket_t fd, int readable, int writable);
DA_HIDDEN void da_kdns_process_fd(dns *d, int fd, int events);
DA_HIDDEN entry *da_kdns_find(dns *d, const char *name, uint64_t h);
DA_HIDDEN void da_kdns_entry_free(entry *e);
DA_HIDDEN void da_kdns_deliver(dns *d);
DA_HIDDEN void da_kdns_pump(dns *d);
DA_HIDDEN int da_kdns_start(dns *d, const char *name, waiter *w);
DA_HIDDEN void da_kdns_drive_round(dns *d, int max_ms);
DA_HIDDEN bool da_kdns_norm_name(const char *name, char *buf);

#endif
