/*
 * Raw DNS answers to TXT queries (RFC 1035 §4): header flags, the CNAME
 * chain, TXT records and TTLs. We read the answer ourselves rather than
 * through ares_parse_txt_reply because we need the AD bit, the TTLs, the
 * SOA of negative answers, and TXT records only at the chain's end.
 */
#include "dns.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define T_CNAME 5
#define T_SOA   6
#define T_TXT   16
#define C_IN    1

/* A name in text: at most 255 wire bytes, each byte at most 4 text bytes. */
#define NAME_BUF 1100

/* RFC 2181 §8: a TTL with the top bit set is read as zero. */
static uint32_t get_ttl(const unsigned char *p)
{
	uint32_t t = (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
	return (t & 0x80000000u) ? 0 : t;
}

static unsigned get16(const unsigned char *p)
{
	return (unsigned)p[0] << 8 | p[1];
}

/*
 * Reads the name at *off into out (lower case; bytes that are not plain
 * printable label characters as \DDD, so they never match a query name) and
 * moves *off past it. Compression pointers must point backwards, which
 * rules out loops. Returns 0 or -1 (malformed).
 */
static int read_name(const unsigned char *b, size_t len, size_t *off, char *out)
{
	size_t pos = *off, end = 0, o = 0, wire = 1;
	bool jumped = false;

	for (;;) {
		if (pos >= len)
			return -1;
		unsigned c = b[pos];
		if ((c & 0xc0) == 0xc0) {
			if (pos + 1 >= len)
				return -1;
			size_t ptr = (size_t)(c & 0x3f) << 8 | b[pos + 1];
			if (ptr >= pos)
				return -1;
			if (!jumped)
				end = pos + 2;
			jumped = true;
			pos = ptr;
			continue;
		}
		if (c & 0xc0)
			return -1; /* obsolete extended label types */
		if (c == 0) {
			if (!jumped)
				end = pos + 1;
			break;
		}
		if (pos + 1 + c > len)
			return -1;
		wire += c + 1;
		if (wire > 255)
			return -1;
		if (o)
			out[o++] = '.';
		for (size_t i = 0; i < c; i++) {
			unsigned char ch = b[pos + 1 + i];
			if (ch >= 'A' && ch <= 'Z')
				ch = (unsigned char)(ch - 'A' + 'a');
			if (ch > ' ' && ch < 0x7f && ch != '.' && ch != '\\')
				out[o++] = (char)ch;
			else
				o += (size_t)snprintf(out + o, 5, "\\%03u", ch);
		}
		pos += 1 + c;
	}
	out[o] = '\0';
	*off = end;
	return 0;
}

/* One resource record's fixed part, read at *off; *off moves past it. */
typedef struct {
	char owner[NAME_BUF];
	unsigned type, cls;
	uint32_t ttl;
	size_t rd, rdlen; /* rdata offset and length */
} rr;

static int read_rr(const unsigned char *b, size_t len, size_t *off, rr *r)
{
	if (read_name(b, len, off, r->owner) < 0 || len - *off < 10)
		return -1;
	const unsigned char *p = b + *off;
	r->type = get16(p);
	r->cls = get16(p + 2);
	r->ttl = get_ttl(p + 4);
	r->rdlen = get16(p + 8);
	r->rd = *off + 10;
	if (r->rdlen > len - r->rd)
		return -1;
	*off = r->rd + r->rdlen;
	return 0;
}

static int fail(char *err, size_t errlen, int code, const char *msg)
{
	snprintf(err, errlen, "%s", msg);
	return code;
}

static void take_ttl(da_dns_parsed *out, uint32_t ttl)
{
	if (!out->has_ttl || ttl < out->ttl)
		out->ttl = ttl;
	out->has_ttl = true;
}

/* Appends one TXT rdata (character-strings) to out. */
static int add_txt(const unsigned char *b, const rr *r, size_t max_txt, da_dns_parsed *out,
                   char *err, size_t errlen)
{
	size_t n = 0;

	/* First the length, so limits are checked before anything is copied. */
	for (size_t p = r->rd; p < r->rd + r->rdlen;) {
		size_t sl = b[p];
		if (sl > r->rd + r->rdlen - p - 1)
			return fail(err, errlen, DA_DNS_MALFORMED,
			            "a TXT string runs past its record");
		n += sl;
		p += 1 + sl;
	}
	if (out->ntxt >= DA_DNS_MAX_RECORDS) {
		snprintf(err, errlen, "more than %d TXT records at the name", DA_DNS_MAX_RECORDS);
		return DA_DNS_TOO_BIG;
	}
	if (n > max_txt || out->txt_bytes + n > max_txt) {
		snprintf(err, errlen, "the TXT data at the name exceeds the %zu-byte limit",
		         max_txt);
		return DA_DNS_TOO_BIG;
	}
	da_dns_txt *t = realloc(out->txt, (out->ntxt + 1) * sizeof *t);
	if (t == NULL)
		return fail(err, errlen, DA_DNS_NOMEM, "out of memory");
	out->txt = t;
	char *d = malloc(n + 1);
	if (d == NULL)
		return fail(err, errlen, DA_DNS_NOMEM, "out of memory");
	size_t o = 0;
	for (size_t p = r->rd; p < r->rd + r->rdlen;) {
		size_t sl = b[p];
		memcpy(d + o, b + p + 1, sl);
		o += sl;
		p += 1 + sl;
	}
	d[n] = '\0';
	t[out->ntxt].data = d;
	t[out->ntxt].len = n;
	out->ntxt++;
	out->txt_bytes += n;
	take_ttl(out, r->ttl);
	return 0;
}

int da_dns_parse(const unsigned char *b, size_t len, const char *qname, size_t max_txt,
                 da_dns_parsed *out, char *err, size_t errlen)
{
	char cur[NAME_BUF], seen[DA_DNS_MAX_CHAIN + 1][NAME_BUF];
	size_t nseen = 0, off, an_start, ns_start;
	unsigned qd, an, ns;
	rr *r = NULL;
	int rc = DA_DNS_MALFORMED;

	memset(out, 0, sizeof *out);
	if (len < 12)
		return fail(err, errlen, rc, "answer shorter than a DNS header");
	if (len > DA_DNS_MAX_MSG)
		return fail(err, errlen, DA_DNS_TOO_BIG, "answer longer than 65535 bytes");
	if (!(b[2] & 0x80))
		return fail(err, errlen, rc, "not a DNS response (QR bit clear)");
	out->tc = (b[2] & 0x02) != 0;
	out->ad = (b[3] & 0x20) != 0;
	out->rcode = b[3] & 0x0f;
	qd = get16(b + 4);
	an = get16(b + 6);
	ns = get16(b + 8);
	if (strlen(qname) >= sizeof cur)
		return fail(err, errlen, rc, "query name too long");
	r = malloc(sizeof *r);
	if (r == NULL)
		return fail(err, errlen, DA_DNS_NOMEM, "out of memory");

	/* Skip the question; check the answer and authority sections are whole. */
	off = 12;
	for (unsigned i = 0; i < qd; i++) {
		if (read_name(b, len, &off, r->owner) < 0 || len - off < 4) {
			snprintf(err, errlen, "malformed question section");
			goto out;
		}
		off += 4;
	}
	an_start = off;
	for (unsigned i = 0; i < an; i++)
		if (read_rr(b, len, &off, r) < 0) {
			snprintf(err, errlen, "malformed answer section (record %u of %u)", i + 1,
			         an);
			goto out;
		}
	ns_start = off;
	for (unsigned i = 0; i < ns; i++)
		if (read_rr(b, len, &off, r) < 0) {
			snprintf(err, errlen, "malformed authority section");
			goto out;
		}

	/* Follow the chain from qname through the answer section. */
	strcpy(cur, qname);
	strcpy(seen[nseen++], qname);
	for (;;) {
		bool have_cname = false;
		uint32_t cname_ttl = 0;
		char target[NAME_BUF];

		off = an_start;
		for (unsigned i = 0; i < an; i++) {
			read_rr(b, len, &off, r); /* checked above */
			if (r->cls != C_IN || strcmp(r->owner, cur) != 0)
				continue;
			if (r->type == T_TXT) {
				rc = add_txt(b, r, max_txt, out, err, errlen);
				if (rc != 0)
					goto out;
			} else if (r->type == T_CNAME && !have_cname) {
				size_t t = r->rd;
				/* A CNAME to the root leads to no key: malformed here. */
				if (read_name(b, len, &t, target) < 0 || t != r->rd + r->rdlen ||
				    target[0] == '\0') {
					snprintf(err, errlen, "malformed CNAME record");
					rc = DA_DNS_MALFORMED;
					goto out;
				}
				have_cname = true;
				cname_ttl = r->ttl;
			}
		}
		if (out->ntxt > 0 || !have_cname)
			break;
		take_ttl(out, cname_ttl);
		out->cnames++;
		for (size_t i = 0; i < nseen; i++) {
			if (strcmp(seen[i], target) == 0) {
				out->loop = da_strdup(target);
				rc = out->loop ? 0 : DA_DNS_NOMEM;
				goto out;
			}
		}
		if (nseen == DA_DNS_MAX_CHAIN + 1) {
			/* Longer than we follow: the caller sees the hop count. */
			out->next = da_strdup(target);
			rc = out->next ? 0 : DA_DNS_NOMEM;
			goto out;
		}
		strcpy(seen[nseen++], target);
		strcpy(cur, target);
	}

	/* A negative answer's TTL (RFC 2308 §5): the SOA's TTL, capped by its MINIMUM. */
	bool soa = false;
	if (out->ntxt == 0) {
		off = ns_start;
		for (unsigned i = 0; i < ns; i++) {
			read_rr(b, len, &off, r);
			if (r->type != T_SOA || r->cls != C_IN)
				continue;
			size_t t = r->rd;
			char tmp[NAME_BUF];
			if (read_name(b, len, &t, tmp) < 0 || read_name(b, len, &t, tmp) < 0 ||
			    t + 20 != r->rd + r->rdlen) {
				snprintf(err, errlen, "malformed SOA record");
				rc = DA_DNS_MALFORMED;
				goto out;
			}
			uint32_t min = get_ttl(b + t + 16);
			take_ttl(out, min < r->ttl ? min : r->ttl);
			soa = true;
			break;
		}
		/*
		 * A chain that stops at a CNAME target with nothing about it, not
		 * even an SOA, is a partial answer (an authoritative server for the
		 * first zone only): the target must be asked itself.
		 */
		if (out->cnames > 0 && !soa && out->rcode == DA_RCODE_NOERROR) {
			out->next = da_strdup(cur);
			rc = out->next ? 0 : DA_DNS_NOMEM;
			goto out;
		}
	}
	rc = 0;
out:
	free(r);
	return rc;
}

void da_dns_parsed_clear(da_dns_parsed *p)
{
	if (p == NULL)
		return;
	for (size_t i = 0; i < p->ntxt; i++)
		free(p->txt[i].data);
	free(p->txt);
	free(p->next);
	free(p->loop);
	memset(p, 0, sizeof *p);
}

bool da_dns_name_ok(const char *name)
{
	size_t n = name ? strlen(name) : 0, label = 0;

	if (n == 0 || n > DA_DNS_MAX_NAME)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)name[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (c <= ' ' || c >= 0x7f || c == '\\' || ++label > 63)
			return false;
	}
	return label > 0;
}
