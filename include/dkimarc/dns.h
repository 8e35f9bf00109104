/**
 * @file
 * The live DNS key source (c-ares): blocking or driven from the caller's
 * event loop.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_DNS_H
#define DKIMARC_PUBLIC_DNS_H

#include "keysrc.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Live DNS key source (c-ares)                                         */
/* ------------------------------------------------------------------ */

/*
 * A key source that asks DNS for TXT records through c-ares; see docs/dns.md.
 * NXDOMAIN and NODATA answer NOT_FOUND; SERVFAIL, REFUSED, timeouts after the
 * configured tries, malformed answers and answers over the size limits answer
 * TEMPFAIL. Each record carries origin "dns SERVER" (the server that answered),
 * fetched_at and dnssec (the answer's AD bit: 1 validated by the resolver, 0
 * not). A cache serves all lookups of the source, and a name has at most one
 * query in flight however many lookups wait for it.
 *
 * The source is used in two ways, which may be mixed:
 *  - blocking, as any key source (dkimarc_keysrc_lookup, or set on a context
 *    for the verifier): safe from any number of threads at once;
 *  - asynchronous and caller-driven, in the c-ares model: dkimarc_dns_submit()
 *    a name with a callback, wait on dkimarc_dns_sockets() for up to
 *    dkimarc_dns_timeout() milliseconds in your own event loop, then call
 *    dkimarc_dns_process(); or let dkimarc_dns_poll() do one such round.
 * The library starts no thread. Callbacks run in the thread that calls
 * dkimarc_dns_submit (for cached answers), _process, _poll, or a blocking
 * lookup, never with an internal lock held: they may submit again.
 */

/** The layout of dkimarc_dns_options this header describes. */
#define DKIMARC_DNS_OPTIONS_VERSION 1
/** Initializer of a dkimarc_dns_options: this version, the defaults of dkimarc_dns_options_init().
 */
#define DKIMARC_DNS_OPTIONS_INIT                                                                   \
	{                                                                                          \
		DKIMARC_DNS_OPTIONS_VERSION, NULL, 0, 2000, 2, 60, 86400, 30, 100000, 65536,       \
		    10000, 64                                                                      \
	}

/**
 * Options of a DNS key source; start from DKIMARC_DNS_OPTIONS_INIT or
 * dkimarc_dns_options_init(). Versioned as dkimarc_keyrec is (keysrc.h).
 */
typedef struct dkimarc_dns_options {
	unsigned int version; /**< DKIMARC_DNS_OPTIONS_VERSION (the layout) */
	/**
	 * Resolvers to ask, in order: "192.0.2.53", "127.0.0.1:5353",
	 * "2001:db8::53", "[2001:db8::53]:5353". NULL (or nservers 0): the
	 * nameservers of /etc/resolv.conf. Strings are copied.
	 */
	const char *const *servers;
	size_t nservers; /**< number of strings in servers */
	/** Time to wait for the first try, in ms (c-ares doubles it each later round). */
	unsigned timeout_ms;
	/** Tries per server before giving up with TEMPFAIL (>= 1). */
	unsigned tries;
	/** Answers (positive and negative) are cached for their TTL, at least this (s). */
	uint32_t ttl_floor;
	/** ... and at most this (s). */
	uint32_t ttl_ceiling;
	/** Seconds a temporary failure is remembered for the name (0: not at all). */
	uint32_t tempfail_ttl;
	/** Names kept in the cache at most; when full, new answers are not cached. */
	size_t cache_max;
	/** TXT bytes per name, all records together; more is TEMPFAIL. */
	size_t max_txt_bytes;
	/** Names in flight at most through dkimarc_dns_submit (DKIMARC_ELIMIT beyond). */
	size_t max_inflight;
	/** Queries out on the network at once; names beyond wait their turn. */
	size_t max_parallel;
} dkimarc_dns_options;

/**
 * Fills o, of the layout version (pass DKIMARC_DNS_OPTIONS_VERSION), with
 * that version and the defaults: servers from /etc/resolv.conf, timeout
 * 2000 ms, 2 tries, TTL floor 60 s and ceiling 86400 s, tempfail_ttl 30 s,
 * cache of 100000 names, 65536 TXT bytes per name, 10000 names in flight,
 * 64 queries out at once. Writes no more than that version holds.
 * Thread-safe. Errors: DKIMARC_EINVAL (NULL o, a version the library does
 * not know).
 */
DKIMARC_API int dkimarc_dns_options_init(dkimarc_dns_options *o, unsigned int version);
/**
 * Creates a DNS key source (kind "dns"). opts may be NULL for the defaults;
 * an older version of them has the defaults for what it lacks.
 * Fails with DKIMARC_EINVAL for a malformed server address or option, or
 * an opts->version the library does not know (the message names it), DKIMARC_EIO when c-ares cannot
 * be set up (no resolver configuration), DKIMARC_ENOMEM. Free with dkimarc_keysrc_free(), which
 * cancels lookups still in flight: their callbacks run with TEMPFAIL. No
 * lookup may be running in another thread then.
 */
DKIMARC_API int dkimarc_keysrc_dns_new(dkimarc_keysrc **out, const dkimarc_dns_options *opts);

/**
 * Receives the answer for name (lower case, as submitted). The callback owns
 * ans and frees it with dkimarc_answer_free(); ans is NULL only when memory
 * ran out building it.
 */
typedef void (*dkimarc_dns_callback)(void *arg, const char *name, dkimarc_answer *ans);

/**
 * Starts looking name up ("sel._domainkey.example.com"; case and a final dot
 * do not matter). A cached answer is delivered before this returns; otherwise
 * the callback runs when the answer arrives, from _process, _poll or a
 * blocking lookup. A name already in flight is not asked again. Fails with
 * DKIMARC_EINVAL (src is not a DNS source, or name is not a DNS name),
 * DKIMARC_ELIMIT (max_inflight names in flight), DKIMARC_ENOMEM; the callback
 * is then not called. Thread-safe.
 */
DKIMARC_API int dkimarc_dns_submit(dkimarc_keysrc *src, const char *name, dkimarc_dns_callback cb,
                                   void *arg);

#define DKIMARC_DNS_READ  1 /**< wait until the socket is readable */
#define DKIMARC_DNS_WRITE 2 /**< wait until the socket is writable */

/** The layout of dkimarc_dns_socket this header describes. */
#define DKIMARC_DNS_SOCKET_VERSION 1
/** Initializer of a dkimarc_dns_socket: this version, no socket. */
#define DKIMARC_DNS_SOCKET_INIT                                                                    \
	{                                                                                          \
		DKIMARC_DNS_SOCKET_VERSION, -1, 0                                                  \
	}

/**
 * A socket to wait on, and what to wait for (DKIMARC_DNS_* bits). The
 * functions below take arrays of them, whose layout is that of the first
 * element's version: set it (`dkimarc_dns_socket s[64] =
 * {DKIMARC_DNS_SOCKET_INIT};` sets s[0]).
 */
typedef struct dkimarc_dns_socket {
	unsigned int version; /**< DKIMARC_DNS_SOCKET_VERSION (the layout) */
	int fd;               /**< the socket */
	int events;           /**< DKIMARC_DNS_READ and/or DKIMARC_DNS_WRITE */
} dkimarc_dns_socket;

/**
 * Copies up to max of the source's open sockets and the events to wait for
 * into out, each element of out[0]'s version (set it first when max > 0);
 * returns how many there are (which may exceed max). The set changes after
 * each call into the source. Returns 0 and writes nothing when src is not a
 * DNS source or out[0].version is one the library does not know
 * (dkimarc_last_error() then says so). Thread-safe.
 */
DKIMARC_API size_t dkimarc_dns_sockets(dkimarc_keysrc *src, dkimarc_dns_socket *out, size_t max);
/**
 * Milliseconds until dkimarc_dns_process must be called even if no socket
 * is ready (0: now), or -1 when nothing is in flight. Thread-safe.
 */
DKIMARC_API int dkimarc_dns_timeout(dkimarc_keysrc *src);
/**
 * Processes the sockets that became ready (events: the DKIMARC_DNS_* bits
 * seen; the elements of ready[0]'s version), then expired timeouts (n may be
 * 0 for timeouts alone), then runs the callbacks of finished lookups.
 * Thread-safe. Errors: DKIMARC_EINVAL (not a DNS source, NULL ready with
 * n > 0, a ready[0].version the library does not know).
 */
DKIMARC_API int dkimarc_dns_process(dkimarc_keysrc *src, const dkimarc_dns_socket *ready, size_t n);
/**
 * One round of a simple event loop: waits with poll(2) for the sockets, up
 * to timeout_ms (-1: until the next c-ares timeout), processes them and runs
 * callbacks. Returns the number of names still in flight (>= 0) or a
 * negative status. Returns 0 at once when nothing is in flight.
 */
DKIMARC_API int dkimarc_dns_poll(dkimarc_keysrc *src, int timeout_ms);
/** Names in flight. */
DKIMARC_API size_t dkimarc_dns_pending(dkimarc_keysrc *src);

/** The layout of dkimarc_dns_stats this header describes. */
#define DKIMARC_DNS_STATS_VERSION 1
/** Initializer of a dkimarc_dns_stats: this version, every counter 0. */
#define DKIMARC_DNS_STATS_INIT                                                                     \
	{                                                                                          \
		DKIMARC_DNS_STATS_VERSION, 0, 0, 0, 0, 0, 0, 0                                     \
	}

/** Counters since the source was made. */
typedef struct dkimarc_dns_stats {
	unsigned int version; /**< DKIMARC_DNS_STATS_VERSION (the layout) */
	uint64_t lookups;     /**< names asked for, blocking and asynchronous */
	uint64_t cache_hits;  /**< answered from the cache */
	uint64_t joined;      /**< joined a query already in flight for the name */
	uint64_t queries;     /**< queries sent (CNAME targets included, c-ares retries not) */
	uint64_t found;       /**< names resolved from the network with records */
	uint64_t not_found;   /**< names resolved from the network: NXDOMAIN, NODATA */
	uint64_t tempfail;    /**< names that failed temporarily */
} dkimarc_dns_stats;

/**
 * Copies the counters into out, as many as out->version holds (set it first:
 * DKIMARC_DNS_STATS_INIT). Thread-safe. Errors: DKIMARC_EINVAL (src not a DNS
 * source, NULL out, an out->version the library does not know).
 */
DKIMARC_API int dkimarc_dns_get_stats(dkimarc_keysrc *src, dkimarc_dns_stats *out);

/** What made a lookup fail temporarily; see dkimarc_dns_tempfail_count(). */
typedef enum {
	DKIMARC_DNS_FAIL_TIMEOUT = 0, /**< no answer from any resolver after the configured tries */
	DKIMARC_DNS_FAIL_SERVFAIL,    /**< the resolver answered SERVFAIL */
	DKIMARC_DNS_FAIL_REFUSED,     /**< the resolver answered REFUSED */
	DKIMARC_DNS_FAIL_UNREACHABLE, /**< no resolver could be reached (connection refused) */
	DKIMARC_DNS_FAIL_OTHER,       /**< a malformed, truncated or oversized answer, another
	                                   error code, a lookup cancelled */
	DKIMARC_DNS_FAIL_COUNT_
} dkimarc_dns_failure;

/**
 * Names that failed temporarily with this kind of failure since the source
 * was made; the kinds add up to dkimarc_dns_stats.tempfail. 0 when src is not
 * a DNS source or kind is unknown. Thread-safe.
 */
DKIMARC_API uint64_t dkimarc_dns_tempfail_count(dkimarc_keysrc *src, dkimarc_dns_failure kind);
/**
 * The resolvers asked, "127.0.0.1:5353, [::1]:53" (from the options or
 * /etc/resolv.conf), or NULL when src is not a DNS source. Lives as long as src.
 */
DKIMARC_API const char *dkimarc_dns_servers(dkimarc_keysrc *src);

#ifdef __cplusplus
}
#endif
#endif
