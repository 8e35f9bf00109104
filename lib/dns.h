/* Internal interfaces of the live DNS key source (keysrc_dns.c, dns_parse.c). */
#ifndef DKIMARC_DNS_H
#define DKIMARC_DNS_H

#include "internal.h"

#define DA_DNS_MAX_NAME    253   /* a name in text, without the final dot */
#define DA_DNS_MAX_MSG     65535 /* the largest DNS message (TCP length prefix) */
#define DA_DNS_MAX_RECORDS 64    /* TXT records kept per name */
#define DA_DNS_MAX_CHAIN   8     /* CNAMEs followed per lookup */

/* DNS RCODEs we tell apart (RFC 1035 §4.1.1, RFC 2136). */
enum { DA_RCODE_NOERROR = 0, DA_RCODE_SERVFAIL = 2, DA_RCODE_NXDOMAIN = 3, DA_RCODE_REFUSED = 5 };

/* One TXT record: its character-strings concatenated. */
typedef struct {
	char *data; /* malloc'd, NUL-terminated (data may hold NULs) */
	size_t len;
} da_dns_txt;

/* What one raw answer says about a name. */
typedef struct {
	int rcode;
	bool tc, ad;
	da_dns_txt *txt; /* TXT records at the end of the CNAME chain, answer order */
	size_t ntxt;
	size_t txt_bytes; /* their total length */
	char *next;       /* the chain ends in a CNAME whose target has no data here: ask it */
	char *loop;       /* the CNAME chain returns to this name */
	size_t cnames;    /* CNAMEs followed in this answer */
	uint32_t ttl;     /* minimum TTL of the records used, or the negative TTL (RFC 2308) */
	bool has_ttl;     /* false: the answer gave no TTL (no records, no SOA) */
} da_dns_parsed;

/* Parse results other than 0. */
enum { DA_DNS_MALFORMED = -1, DA_DNS_TOO_BIG = -2, DA_DNS_NOMEM = -3 };

/*
 * Reads a raw DNS answer to a TXT query for qname (lower case, no final
 * dot): header flags, the CNAME chain from qname, the TXT records at its
 * end, their TTLs, the negative TTL from an SOA in the authority section.
 * TXT data over max_txt bytes in all, or more than DA_DNS_MAX_RECORDS
 * records, gives DA_DNS_TOO_BIG. Returns 0 or a DA_DNS_* code with a human
 * reason in err. Clear out with da_dns_parsed_clear either way.
 */
DA_HIDDEN int da_dns_parse(const unsigned char *buf, size_t len, const char *qname, size_t max_txt,
                           da_dns_parsed *out, char *err, size_t errlen);
DA_HIDDEN void da_dns_parsed_clear(da_dns_parsed *p);

/*
 * Checks that name is a DNS name we will ask for: 1..253 bytes, labels of
 * 1..63 bytes of printable ASCII without '\\' or white space.
 */
DA_HIDDEN bool da_dns_name_ok(const char *name);

/*
 * Seconds left before name's cache entry expires (0 if expired), or -1 when
 * it is not cached or still in flight. For tests.
 */
DA_HIDDEN int64_t da_dns_cache_ttl(dkimarc_keysrc *src, const char *name);

#endif
