/*
 * The live DNS key source: the answer parser on hand-made packets, then the
 * source against tests/dns/faultdns.py, a DNS server this test starts on
 * 127.0.0.1 (and stops): answers, failures, CNAMEs, truncation to TCP, the
 * AD bit, the cache and its TTLs, one query per name in flight, threads, and
 * a caller-driven event loop. Query counts come from the server's own log.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dns.h"

#include <dirent.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define KEY  "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="
#define KEY2 "v=DKIM1; k=ed25519; p=ZHVtbXkga2V5IGZvciB0ZXN0cyBvbmx5IDMyIGJ5dGU="

/* ---- packets for the parser ---------------------------------------------- */

typedef struct {
	unsigned char b[70000];
	size_t n;
} pkt;

static void u8(pkt *p, unsigned v)
{
	p->b[p->n++] = (unsigned char)v;
}

static void u16(pkt *p, unsigned v)
{
	u8(p, v >> 8);
	u8(p, v & 0xff);
}

static void u32(pkt *p, uint32_t v)
{
	u16(p, v >> 16);
	u16(p, v & 0xffff);
}

static void dname(pkt *p, const char *name)
{
	while (*name) {
		const char *dot = strchr(name, '.');
		size_t l = dot ? (size_t)(dot - name) : strlen(name);
		u8(p, (unsigned)l);
		memcpy(p->b + p->n, name, l);
		p->n += l;
		name += l + (dot != NULL);
	}
	u8(p, 0);
}

/* Header and question for qname; the section counts are patched by the caller. */
static void start(pkt *p, const char *qname, int rcode, bool tc, bool ad, unsigned an, unsigned ns)
{
	p->n = 0;
	u16(p, 0x1234);
	u8(p, 0x81 | (tc ? 0x02 : 0)); /* QR, RD */
	u8(p, 0x80 | (ad ? 0x20 : 0) | (unsigned)rcode);
	u16(p, 1);
	u16(p, an);
	u16(p, ns);
	u16(p, 0);
	dname(p, qname);
	u16(p, 16);
	u16(p, 1);
}

static void rr_head(pkt *p, const char *owner, unsigned type, uint32_t ttl)
{
	if (owner)
		dname(p, owner);
	else
		u16(p, 0xc00c); /* pointer to the question's name */
	u16(p, type);
	u16(p, 1);
	u32(p, ttl);
}

static void rr_txt(pkt *p, const char *owner, uint32_t ttl, const char *const *s, size_t n)
{
	size_t len = 0;
	rr_head(p, owner, 16, ttl);
	for (size_t i = 0; i < n; i++)
		len += 1 + strlen(s[i]);
	u16(p, (unsigned)len);
	for (size_t i = 0; i < n; i++) {
		u8(p, (unsigned)strlen(s[i]));
		memcpy(p->b + p->n, s[i], strlen(s[i]));
		p->n += strlen(s[i]);
	}
}

static void rr_cname(pkt *p, const char *owner, uint32_t ttl, const char *target)
{
	rr_head(p, owner, 5, ttl);
	size_t at = p->n;
	u16(p, 0);
	dname(p, target);
	p->b[at] = (unsigned char)((p->n - at - 2) >> 8);
	p->b[at + 1] = (unsigned char)((p->n - at - 2) & 0xff);
}

static void rr_soa(pkt *p, uint32_t ttl, uint32_t minimum)
{
	rr_head(p, "example.com", 6, ttl);
	size_t at = p->n;
	u16(p, 0);
	dname(p, "ns.example.com");
	dname(p, "host.example.com");
	u32(p, 1);
	u32(p, 3600);
	u32(p, 600);
	u32(p, 86400);
	u32(p, minimum);
	p->b[at] = (unsigned char)((p->n - at - 2) >> 8);
	p->b[at + 1] = (unsigned char)((p->n - at - 2) & 0xff);
}

#define Q "sel._domainkey.example.com"

static pkt P;

static int parse(da_dns_parsed *out, size_t max_txt, char *err)
{
	return da_dns_parse(P.b, P.n, Q, max_txt, out, err, 200);
}

static void test_parse_multistring_ttl_ad(void **state)
{
	(void)state;
	static const char *const s[] = {"v=DKIM1; k=ed25519; ",
	                                "p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="};
	da_dns_parsed r;
	char err[200];

	start(&P, Q, 0, false, true, 2, 0);
	rr_txt(&P, NULL, 3000, s, 2);
	rr_txt(&P, "Sel._DomainKey.Example.COM", 0x80000005u, s + 1, 1); /* top bit: TTL 0 */
	assert_int_equal(parse(&r, 65536, err), 0);
	assert_int_equal(r.rcode, 0);
	assert_true(r.ad);
	assert_false(r.tc);
	assert_int_equal(r.ntxt, 2);
	assert_int_equal(r.txt[0].len, strlen(KEY));
	assert_memory_equal(r.txt[0].data, KEY, strlen(KEY));
	assert_string_equal(r.txt[1].data, s[1]);
	assert_true(r.has_ttl);
	assert_int_equal(r.ttl, 0);
	da_dns_parsed_clear(&r);
}

static void test_parse_cname_chain(void **state)
{
	(void)state;
	static const char *const k[] = {KEY}, *const other[] = {"v=spf1 -all"};
	da_dns_parsed r;
	char err[200];

	/* TXT at an unrelated owner is not ours; the chain's end is. */
	start(&P, Q, 0, false, false, 4, 0);
	rr_txt(&P, "unrelated.example.com", 10, other, 1);
	rr_cname(&P, NULL, 500, "a.example.net");
	rr_cname(&P, "a.example.net", 400, "b.example.org");
	rr_txt(&P, "b.example.org", 700, k, 1);
	assert_int_equal(parse(&r, 65536, err), 0);
	assert_int_equal(r.ntxt, 1);
	assert_string_equal(r.txt[0].data, KEY);
	assert_int_equal(r.cnames, 2);
	assert_int_equal(r.ttl, 400);
	assert_null(r.next);
	assert_null(r.loop);
	da_dns_parsed_clear(&r);

	/* The chain stops at a CNAME whose target has nothing here: ask it. */
	start(&P, Q, 0, false, false, 1, 0);
	rr_cname(&P, NULL, 500, "keys.esp.example");
	assert_int_equal(parse(&r, 65536, err), 0);
	assert_int_equal(r.ntxt, 0);
	assert_non_null(r.next);
	assert_string_equal(r.next, "keys.esp.example");
	da_dns_parsed_clear(&r);

	/* ... unless an SOA says the target has no data (NODATA). */
	start(&P, Q, 0, false, false, 1, 1);
	rr_cname(&P, NULL, 500, "keys.esp.example");
	rr_soa(&P, 3600, 45);
	assert_int_equal(parse(&r, 65536, err), 0);
	assert_null(r.next);
	assert_int_equal(r.ttl, 45);
	da_dns_parsed_clear(&r);

	/* A loop inside one answer. */
	start(&P, Q, 0, false, false, 2, 0);
	rr_cname(&P, NULL, 500, "x.example.net");
	rr_cname(&P, "x.example.net", 500, Q);
	assert_int_equal(parse(&r, 65536, err), 0);
	assert_non_null(r.loop);
	assert_string_equal(r.loop, Q);
	da_dns_parsed_clear(&r);
}

static void test_parse_negative(void **state)
{
	(void)state;
	da_dns_parsed r;
	char err[200];

	/* RFC 2308 §5: min(SOA TTL, SOA MINIMUM). */
	start(&P, Q, 3, false, false, 0, 1);
	rr_soa(&P, 120, 3600);
	assert_int_equal(parse(&r, 65536, err), 0);
	assert_int_equal(r.rcode, 3);
	assert_int_equal(r.ntxt, 0);
	assert_int_equal(r.ttl, 120);
	da_dns_parsed_clear(&r);

	start(&P, Q, 0, false, false, 0, 0);
	assert_int_equal(parse(&r, 65536, err), 0);
	assert_false(r.has_ttl);
	assert_int_equal(r.ntxt, 0);
	da_dns_parsed_clear(&r);
}

static void test_parse_malformed_and_limits(void **state)
{
	(void)state;
	static const char *const k[] = {KEY};
	da_dns_parsed r;
	char err[200];

	start(&P, Q, 0, false, false, 1, 0);
	rr_txt(&P, NULL, 10, k, 1);
	size_t whole = P.n;
	/* Cut anywhere: never read past the end, always malformed. */
	for (size_t cut = 0; cut < whole; cut++) {
		P.n = cut;
		assert_int_not_equal(parse(&r, 65536, err), 0);
		da_dns_parsed_clear(&r);
	}
	P.n = whole;
	assert_int_equal(parse(&r, 65536, err), 0);
	da_dns_parsed_clear(&r);

	/* A string length running past its record. */
	P.b[whole - strlen(KEY) - 1] = 200;
	assert_int_equal(parse(&r, 65536, err), DA_DNS_MALFORMED);
	da_dns_parsed_clear(&r);

	/* A compression pointer to itself, and one pointing forward. */
	start(&P, Q, 0, false, false, 1, 0);
	size_t at = P.n;
	u16(&P, 0xc000 | (unsigned)at);
	assert_int_equal(parse(&r, 65536, err), DA_DNS_MALFORMED);
	da_dns_parsed_clear(&r);
	P.b[at + 1] = (unsigned char)(at + 4);
	assert_int_equal(parse(&r, 65536, err), DA_DNS_MALFORMED);
	da_dns_parsed_clear(&r);

	/* Not a response. */
	start(&P, Q, 0, false, false, 0, 0);
	P.b[2] &= 0x7f;
	assert_int_equal(parse(&r, 65536, err), DA_DNS_MALFORMED);
	da_dns_parsed_clear(&r);

	/* TXT over the byte limit; more records than kept. */
	start(&P, Q, 0, false, false, 1, 0);
	rr_txt(&P, NULL, 10, k, 1);
	assert_int_equal(parse(&r, strlen(KEY) - 1, err), DA_DNS_TOO_BIG);
	assert_non_null(strstr(err, "limit"));
	da_dns_parsed_clear(&r);
	assert_int_equal(parse(&r, strlen(KEY), err), 0);
	da_dns_parsed_clear(&r);
	start(&P, Q, 0, false, false, DA_DNS_MAX_RECORDS + 1, 0);
	for (int i = 0; i <= DA_DNS_MAX_RECORDS; i++)
		rr_txt(&P, NULL, 10, k, 1);
	assert_int_equal(parse(&r, 1 << 20, err), DA_DNS_TOO_BIG);
	da_dns_parsed_clear(&r);
}

static void test_name_ok(void **state)
{
	(void)state;
	char long_label[80], long_name[300];
	assert_true(da_dns_name_ok("sel._domainkey.example.com"));
	assert_false(da_dns_name_ok(""));
	assert_false(da_dns_name_ok("a..b"));
	assert_false(da_dns_name_ok(".a"));
	assert_false(da_dns_name_ok("a b.c"));
	assert_false(da_dns_name_ok("a\\.b"));
	memset(long_label, 'a', 64);
	long_label[64] = '\0';
	assert_false(da_dns_name_ok(long_label));
	long_label[63] = '\0';
	assert_true(da_dns_name_ok(long_label));
	memset(long_name, 'a', sizeof long_name);
	for (size_t i = 60; i < 254; i += 61)
		long_name[i] = '.';
	long_name[254] = '\0';
	assert_false(da_dns_name_ok(long_name));
	long_name[253] = '\0';
	assert_true(da_dns_name_ok(long_name));
}

/* ---- the test server -------------------------------------------------------- */

static pid_t srv_pid = -1;
static int srv_in = -1, srv_port;
static char srv_log[128];

static int start_server(void **state)
{
	int in[2], out[2];
	char line[32];
	size_t n = 0;

	(void)state;
	snprintf(srv_log, sizeof srv_log, "/tmp/dkimarc-test-dns-%ld.log", (long)getpid());
	unlink(srv_log);
	if (pipe(in) < 0 || pipe(out) < 0)
		return -1;
	srv_pid = fork();
	if (srv_pid == 0) {
		dup2(in[0], 0);
		dup2(out[1], 1);
		close(in[1]);
		close(out[0]);
		execl("/usr/bin/python3", "python3", SRCDIR "/tests/dns/faultdns.py", "--log",
		      srv_log, "--lifetime", "240", (char *)NULL);
		_exit(127);
	}
	close(in[0]);
	close(out[1]);
	srv_in = in[1];
	/* The port on one line; give up after 20 s rather than hang. */
	struct pollfd pf = {.fd = out[0], .events = POLLIN};
	while (n < sizeof line - 1 && poll(&pf, 1, 20000) > 0) {
		if (read(out[0], line + n, 1) != 1 || line[n] == '\n')
			break;
		n++;
	}
	line[n] = '\0';
	close(out[0]);
	srv_port = atoi(line);
	if (srv_port <= 0) {
		fprintf(stderr, "faultdns.py did not start\n");
		return -1;
	}
	return 0;
}

static int stop_server(void **state)
{
	(void)state;
	if (srv_pid > 0) {
		close(srv_in);
		kill(srv_pid, SIGTERM);
		waitpid(srv_pid, NULL, 0);
	}
	unlink(srv_log);
	return 0;
}

/* Queries the server has seen for name ("udp", "tcp" or NULL for both). */
static int seen(const char *name, const char *transport)
{
	FILE *f = fopen(srv_log, "r");
	char line[512], tr[8], nm[400], ty[16];
	int n = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof line, f))
		if (sscanf(line, "%7s %399s %15s", tr, nm, ty) == 3 && strcmp(nm, name) == 0 &&
		    (!transport || strcmp(tr, transport) == 0))
			n++;
	fclose(f);
	return n;
}

static char server[32];

static dkimarc_keysrc *make_src(dkimarc_dns_options *o)
{
	dkimarc_dns_options def;
	const char *servers[1] = {server};
	dkimarc_keysrc *src = NULL;

	snprintf(server, sizeof server, "127.0.0.1:%d", srv_port);
	if (!o) {
		dkimarc_dns_options_init(&def, DKIMARC_DNS_OPTIONS_VERSION);
		o = &def;
	}
	if (!o->servers) {
		o->servers = servers;
		o->nservers = 1;
	}
	if (dkimarc_keysrc_dns_new(&src, o) != DKIMARC_OK)
		fail_msg("dkimarc_keysrc_dns_new: %s", dkimarc_last_error());
	return src;
}

static dkimarc_answer *look(dkimarc_keysrc *src, const char *name)
{
	dkimarc_answer *a = NULL;
	if (dkimarc_keysrc_lookup(src, name, &a) != DKIMARC_OK)
		fail_msg("lookup %s: %s", name, dkimarc_last_error());
	return a;
}

static void assert_why(const dkimarc_answer *a, dkimarc_lookup_status st, const char *needle)
{
	if (dkimarc_answer_status(a) != st || !strstr(dkimarc_answer_why(a), needle))
		fail_msg("expected status %d with '%s', got %d: %s", st, needle,
		         dkimarc_answer_status(a), dkimarc_answer_why(a));
}

/* ---- answers ------------------------------------------------------------------ */

static void test_found_with_provenance(void **state)
{
	(void)state;
	dkimarc_keysrc *src = make_src(NULL);
	char origin[64];
	int64_t t0 = (int64_t)time(NULL);
	dkimarc_answer *a = look(src, "OK.Fault.Test.");

	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	assert_int_equal(dkimarc_answer_count(a), 1);
	const dkimarc_keyrec *r = dkimarc_answer_record(a, 0);
	assert_string_equal(r->txt, KEY);
	snprintf(origin, sizeof origin, "dns 127.0.0.1:%d", srv_port);
	assert_string_equal(r->origin, origin);
	assert_int_equal(r->dnssec, 0);
	assert_true(r->fetched_at >= t0 && r->fetched_at <= (int64_t)time(NULL));
	assert_int_equal(r->first_seen, -1);
	assert_null(r->file);
	dkimarc_answer_free(a);
	assert_string_equal(dkimarc_dns_servers(src), server);
	dkimarc_keysrc_free(src);
}

static void test_multistring_big_tcp(void **state)
{
	(void)state;
	dkimarc_keysrc *src = make_src(NULL);
	dkimarc_answer *a = look(src, "multi.fault.test");
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	assert_string_equal(dkimarc_answer_record(a, 0)->txt, KEY);
	dkimarc_answer_free(a);

	/* 20 kB: truncated over UDP, so asked again over TCP. */
	a = look(src, "big.fault.test");
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	const dkimarc_keyrec *r = dkimarc_answer_record(a, 0);
	assert_int_equal(r->txt_len, strlen("v=DKIM1; k=ed25519; n=; p=") + 20000 + 44);
	assert_non_null(strstr(r->txt, "; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo="));
	dkimarc_answer_free(a);
	assert_int_equal(seen("big.fault.test", "udp"), 1);
	assert_int_equal(seen("big.fault.test", "tcp"), 1);

	/* A small answer with TC set: TCP too. */
	a = look(src, "tc.fault.test");
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	assert_string_equal(dkimarc_answer_record(a, 0)->txt, KEY);
	dkimarc_answer_free(a);
	assert_int_equal(seen("tc.fault.test", "tcp"), 1);

	/* NUL bytes are kept. */
	a = look(src, "nul.fault.test");
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	assert_int_equal(dkimarc_answer_record(a, 0)->txt_len,
	                 strlen("v=DKIM1; n=a") + 1 + strlen("b; p=") + 44);
	dkimarc_answer_free(a);

	/* The byte limit applies to what arrives over TCP as well. */
	dkimarc_keysrc_free(src);
	dkimarc_dns_options o;
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.max_txt_bytes = 4096;
	src = make_src(&o);
	a = look(src, "big.fault.test");
	assert_why(a, DKIMARC_LOOKUP_TEMPFAIL, "4096-byte limit");
	dkimarc_answer_free(a);
	a = look(src, "many.fault.test");
	assert_why(a, DKIMARC_LOOKUP_TEMPFAIL, "more than 64 TXT records");
	dkimarc_answer_free(a);
	dkimarc_keysrc_free(src);
}

static void test_not_found_and_tempfail(void **state)
{
	(void)state;
	dkimarc_dns_options o;
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.timeout_ms = 100;
	o.tries = 2;
	dkimarc_keysrc *src = make_src(&o);
	dkimarc_answer *a;

	a = look(src, "nxdomain.fault.test");
	assert_why(a, DKIMARC_LOOKUP_NOT_FOUND, "NXDOMAIN");
	dkimarc_answer_free(a);
	a = look(src, "nodata.fault.test");
	assert_why(a, DKIMARC_LOOKUP_NOT_FOUND, "NODATA");
	dkimarc_answer_free(a);
	a = look(src, "servfail.fault.test");
	assert_why(a, DKIMARC_LOOKUP_TEMPFAIL, "SERVFAIL from 127.0.0.1:");
	dkimarc_answer_free(a);
	a = look(src, "refused.fault.test");
	assert_why(a, DKIMARC_LOOKUP_TEMPFAIL, "REFUSED from 127.0.0.1:");
	dkimarc_answer_free(a);
	a = look(src, "badrr.fault.test");
	assert_why(a, DKIMARC_LOOKUP_TEMPFAIL, "cannot read the answer");
	dkimarc_answer_free(a);

	/* Silence: TEMPFAIL after exactly the configured tries. */
	int before = seen("timeout.fault.test", NULL);
	a = look(src, "timeout.fault.test");
	assert_why(a, DKIMARC_LOOKUP_TEMPFAIL, "after 2 tries");
	dkimarc_answer_free(a);
	assert_int_equal(seen("timeout.fault.test", NULL) - before, 2);

	/* Not a name we can ask: nothing is sent. */
	a = look(src, "a..b");
	assert_why(a, DKIMARC_LOOKUP_NOT_FOUND, "not a DNS name");
	dkimarc_answer_free(a);

	dkimarc_dns_stats st = DKIMARC_DNS_STATS_INIT;
	assert_int_equal(dkimarc_dns_get_stats(src, &st), DKIMARC_OK);
	assert_int_equal(st.not_found, 2);
	assert_int_equal(st.tempfail, 4);
	/* Each failure by its kind, for a caller to say what went wrong. */
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_SERVFAIL), 1);
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_REFUSED), 1);
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_TIMEOUT), 1);
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_OTHER), 1); /* badrr */
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_UNREACHABLE), 0);
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_COUNT_), 0);
	assert_int_equal(dkimarc_dns_tempfail_count(NULL, DKIMARC_DNS_FAIL_TIMEOUT), 0);
	dkimarc_keysrc_free(src);
}

static void test_cnames(void **state)
{
	(void)state;
	dkimarc_keysrc *src = make_src(NULL);
	dkimarc_answer *a;

	a = look(src, "cname.fault.test");
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	assert_string_equal(dkimarc_answer_record(a, 0)->txt, KEY);
	dkimarc_answer_free(a);

	/* Only the CNAME came back: the target is asked next. */
	int before = seen("target.fault.test", NULL);
	a = look(src, "partial.fault.test");
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	assert_string_equal(dkimarc_answer_record(a, 0)->txt, KEY);
	dkimarc_answer_free(a);
	assert_int_equal(seen("target.fault.test", NULL) - before, 1);

	a = look(src, "loop.fault.test");
	assert_why(a, DKIMARC_LOOKUP_NOT_FOUND, "CNAME loop");
	dkimarc_answer_free(a);
	/* A loop across queries ends too: loopa, loopb, then back to loopa. */
	a = look(src, "loopa.fault.test");
	assert_why(a, DKIMARC_LOOKUP_NOT_FOUND, "CNAME loop");
	dkimarc_answer_free(a);
	assert_int_equal(seen("loopa.fault.test", NULL), 1);
	assert_int_equal(seen("loopb.fault.test", NULL), 1);
	a = look(src, "chain.fault.test");
	assert_why(a, DKIMARC_LOOKUP_NOT_FOUND, "CNAME chain longer than 8");
	dkimarc_answer_free(a);
	dkimarc_keysrc_free(src);
}

static void test_several_records_and_ad(void **state)
{
	(void)state;
	dkimarc_keysrc *src = make_src(NULL);
	dkimarc_answer *a;

	a = look(src, "several.fault.test");
	assert_int_equal(dkimarc_answer_count(a), 2);
	assert_string_equal(dkimarc_answer_record(a, 0)->txt, "v=spf1 -all");
	assert_string_equal(dkimarc_answer_record(a, 1)->txt, KEY);
	dkimarc_answer_free(a);
	a = look(src, "ambiguous.fault.test");
	assert_int_equal(dkimarc_answer_count(a), 2);
	assert_string_equal(dkimarc_answer_record(a, 1)->txt, KEY2);
	dkimarc_answer_free(a);
	a = look(src, "ad.fault.test");
	assert_int_equal(dkimarc_answer_record(a, 0)->dnssec, 1);
	dkimarc_answer_free(a);
	dkimarc_keysrc_free(src);
}

/* Several TXT records through the verifier: the one DKIM key, or key_ambiguous. */
static void test_verifier_choice(void **state)
{
	(void)state;
	/* An Ed25519 signature whose key lives at SEL._domainkey.fault.test. */
	static const char msg[] = "DKIM-Signature: v=1; a=ed25519-sha256; c=relaxed/relaxed;\r\n"
	                          " d=fault.test; i=@fault.test;\r\n"
	                          " q=dns/txt; s=%s; t=1528637909; h=from : to :\r\n"
	                          " subject : date : message-id : from : subject : date;\r\n"
	                          " bh=2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=;\r\n"
	                          " b="
	                          "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"
	                          "AAAAAAAAAAAAAAAAAAAAAA==\r\n"
	                          "From: Joe SixPack <joe@fault.test>\r\n"
	                          "\r\n"
	                          "Hi.\r\n";
	static const struct {
		const char *sel;
		dkimarc_reason reason;
		const char *text;
	} cases[] = {
	    {"ambiguous", DKIMARC_REASON_KEY_AMBIGUOUS, "parse as different DKIM keys"},
	    {"servfail", DKIMARC_REASON_DNS_TEMPFAIL, "SERVFAIL"},
	    {"nxdomain", DKIMARC_REASON_KEY_NOT_FOUND, "NXDOMAIN"},
	};
	dkimarc_ctx *ctx;
	char buf[1024];

	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	dkimarc_keysrc *src = make_src(NULL);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		dkimarc_report *r;
		snprintf(buf, sizeof buf, msg, cases[i].sel);
		assert_int_equal(dkimarc_verify(ctx, buf, strlen(buf), &r), DKIMARC_OK);
		const dkimarc_sig *s = dkimarc_report_sig(r, 0);
		if (dkimarc_sig_reason(s) != cases[i].reason ||
		    !strstr(dkimarc_sig_reason_text(s), cases[i].text))
			fail_msg("%s: got %s: %s", cases[i].sel,
			         dkimarc_reason_str(dkimarc_sig_reason(s)),
			         dkimarc_sig_reason_text(s));
		dkimarc_report_free(r);
	}
	dkimarc_ctx_free(ctx);
}

/* ---- the cache ---------------------------------------------------------------- */

static void test_cache_ttls(void **state)
{
	(void)state;
	dkimarc_dns_options o;
	dkimarc_answer *a;

	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.ttl_floor = 60;
	o.ttl_ceiling = 200;
	dkimarc_keysrc *src = make_src(&o);

	/* TTL 5 raised to the floor; 300 lowered to the ceiling; NXDOMAIN's 90 kept. */
	dkimarc_answer_free(look(src, "ttl5.fault.test"));
	int64_t t = da_dns_cache_ttl(src, "ttl5.fault.test");
	assert_true(t > 55 && t <= 60);
	dkimarc_answer_free(look(src, "ok.fault.test"));
	t = da_dns_cache_ttl(src, "ok.fault.test");
	assert_true(t > 195 && t <= 200);
	dkimarc_answer_free(look(src, "nxdomain.fault.test"));
	t = da_dns_cache_ttl(src, "nxdomain.fault.test");
	assert_true(t > 85 && t <= 90);
	/* Through a CNAME, the smallest TTL of the chain (target's 100). */
	dkimarc_answer_free(look(src, "cname.fault.test"));
	t = da_dns_cache_ttl(src, "cname.fault.test");
	assert_true(t > 95 && t <= 100);

	/* Cached: asking again sends nothing, for found and not found alike. */
	int ok = seen("ok.fault.test", NULL), nx = seen("nxdomain.fault.test", NULL);
	for (int i = 0; i < 3; i++) {
		a = look(src, "ok.fault.test");
		assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
		dkimarc_answer_free(a);
		a = look(src, "nxdomain.fault.test");
		assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_NOT_FOUND);
		dkimarc_answer_free(a);
	}
	assert_int_equal(seen("ok.fault.test", NULL), ok);
	assert_int_equal(seen("nxdomain.fault.test", NULL), nx);
	dkimarc_dns_stats st = DKIMARC_DNS_STATS_INIT;
	dkimarc_dns_get_stats(src, &st);
	assert_int_equal(st.cache_hits, 6);
	dkimarc_keysrc_free(src);

	/* A ceiling of 0 caches nothing; a tempfail_ttl of 0 neither. */
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.ttl_floor = o.ttl_ceiling = 0;
	o.tempfail_ttl = 0;
	o.tries = 1; /* c-ares asks again after a SERVFAIL while tries remain */
	src = make_src(&o);
	ok = seen("ok.fault.test", NULL);
	int sf = seen("servfail.fault.test", NULL);
	for (int i = 0; i < 2; i++) {
		dkimarc_answer_free(look(src, "ok.fault.test"));
		dkimarc_answer_free(look(src, "servfail.fault.test"));
	}
	assert_int_equal(seen("ok.fault.test", NULL) - ok, 2);
	assert_int_equal(seen("servfail.fault.test", NULL) - sf, 2);
	assert_int_equal(da_dns_cache_ttl(src, "ok.fault.test"), -1);
	dkimarc_keysrc_free(src);

	/* Temporary failures are remembered for tempfail_ttl. */
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.tempfail_ttl = 30;
	o.tries = 1;
	src = make_src(&o);
	sf = seen("servfail.fault.test", NULL);
	for (int i = 0; i < 3; i++) {
		a = look(src, "servfail.fault.test");
		assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_TEMPFAIL);
		dkimarc_answer_free(a);
	}
	assert_int_equal(seen("servfail.fault.test", NULL) - sf, 1);
	dkimarc_keysrc_free(src);

	/* An entry expires: with a 1 s ceiling, asked again after it. */
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.ttl_floor = 0;
	o.ttl_ceiling = 1;
	src = make_src(&o);
	ok = seen("ok.fault.test", NULL);
	dkimarc_answer_free(look(src, "ok.fault.test"));
	dkimarc_answer_free(look(src, "ok.fault.test"));
	assert_int_equal(seen("ok.fault.test", NULL) - ok, 1);
	struct timespec ts = {1, 200000000};
	nanosleep(&ts, NULL);
	dkimarc_answer_free(look(src, "ok.fault.test"));
	assert_int_equal(seen("ok.fault.test", NULL) - ok, 2);
	dkimarc_keysrc_free(src);
}

/* ---- threads: one query per name however many wait ---------------------------- */

#define NTHREADS 8
#define NNAMES   40

static dkimarc_keysrc *thr_src;

static void *thr_main(void *arg)
{
	long id = (long)arg;
	char name[64];
	long bad = 0;

	for (int k = 0; k <= NNAMES; k++) {
		int i = (int)((k + id * 5) % (NNAMES + 1));
		if (i == NNAMES)
			snprintf(name, sizeof name, "slow.fault.test");
		else
			snprintf(name, sizeof name, "thr%d.bench.test", i);
		dkimarc_answer *a = NULL;
		if (dkimarc_keysrc_lookup(thr_src, name, &a) != DKIMARC_OK ||
		    dkimarc_answer_status(a) != DKIMARC_LOOKUP_FOUND ||
		    strcmp(dkimarc_answer_record(a, 0)->txt, KEY) != 0)
			bad++;
		dkimarc_answer_free(a);
	}
	return (void *)bad;
}

static void test_threads_dedup(void **state)
{
	(void)state;
	pthread_t t[NTHREADS];
	char name[64];

	thr_src = make_src(NULL);
	int slow = seen("slow.fault.test", NULL);
	for (long i = 0; i < NTHREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, thr_main, (void *)i), 0);
	for (int i = 0; i < NTHREADS; i++) {
		void *bad;
		pthread_join(t[i], &bad);
		assert_int_equal((long)bad, 0);
	}
	for (int i = 0; i < NNAMES; i++) {
		snprintf(name, sizeof name, "thr%d.bench.test", i);
		assert_int_equal(seen(name, NULL), 1);
	}
	assert_int_equal(seen("slow.fault.test", NULL) - slow, 1);
	dkimarc_dns_stats st = DKIMARC_DNS_STATS_INIT;
	dkimarc_dns_get_stats(thr_src, &st);
	assert_int_equal(st.lookups, NTHREADS * (NNAMES + 1));
	assert_int_equal(st.queries, NNAMES + 1);
	assert_int_equal(st.cache_hits + st.joined, (NTHREADS - 1) * (NNAMES + 1));
	dkimarc_keysrc_free(thr_src);
}

/* ---- a caller-driven event loop ------------------------------------------------ */

struct tally {
	int calls, found;
	char last[64];
};

static void on_answer(void *arg, const char *name, dkimarc_answer *ans)
{
	struct tally *t = arg;
	t->calls++;
	if (ans && dkimarc_answer_status(ans) == DKIMARC_LOOKUP_FOUND &&
	    strcmp(dkimarc_answer_record(ans, 0)->txt, KEY) == 0)
		t->found++;
	snprintf(t->last, sizeof t->last, "%s", name);
	dkimarc_answer_free(ans);
}

static int threads_now(void)
{
	DIR *d = opendir("/proc/self/task");
	int n = 0;
	struct dirent *e;
	while (d && (e = readdir(d)))
		n += e->d_name[0] != '.';
	if (d)
		closedir(d);
	return n;
}

static void test_async_own_loop(void **state)
{
	(void)state;
	dkimarc_keysrc *src = make_src(NULL);
	struct tally t = {0};
	char name[64];
	int threads = threads_now(), rounds = 0;

	for (int rep = 0; rep < 2; rep++) {
		for (int i = 0; i < 50; i++) {
			snprintf(name, sizeof name, "Async%d.Bench.Test", i);
			assert_int_equal(dkimarc_dns_submit(src, name, on_answer, &t), DKIMARC_OK);
		}
	}
	assert_int_equal(dkimarc_dns_pending(src), 50);
	while (dkimarc_dns_pending(src) > 0) {
		dkimarc_dns_socket socks[64] = {DKIMARC_DNS_SOCKET_INIT}, ready[64];
		struct pollfd pf[64];
		size_t n = dkimarc_dns_sockets(src, socks, 64), nr = 0;
		assert_true(n <= 64);
		for (size_t i = 0; i < n; i++) {
			pf[i].fd = socks[i].fd;
			pf[i].events =
			    (short)(((socks[i].events & DKIMARC_DNS_READ) ? POLLIN : 0) |
			            ((socks[i].events & DKIMARC_DNS_WRITE) ? POLLOUT : 0));
		}
		int ms = dkimarc_dns_timeout(src);
		assert_true(ms >= 0);
		poll(pf, n, ms);
		for (size_t i = 0; i < n; i++)
			if (pf[i].revents)
				ready[nr++] = (dkimarc_dns_socket){
				    DKIMARC_DNS_SOCKET_VERSION, pf[i].fd,
				    ((pf[i].revents & (POLLIN | POLLERR | POLLHUP))
				         ? DKIMARC_DNS_READ
				         : 0) |
				        ((pf[i].revents & POLLOUT) ? DKIMARC_DNS_WRITE : 0)};
		assert_int_equal(dkimarc_dns_process(src, ready, nr), DKIMARC_OK);
		/* The library has started no thread of its own. */
		assert_int_equal(threads_now(), threads);
		assert_true(++rounds < 2000);
	}
	assert_int_equal(t.calls, 100);
	assert_int_equal(t.found, 100);
	assert_int_equal(dkimarc_dns_timeout(src), -1);
	for (int i = 0; i < 50; i++) {
		snprintf(name, sizeof name, "async%d.bench.test", i);
		assert_int_equal(seen(name, NULL), 1);
	}
	/* A cached answer arrives before submit returns. */
	assert_int_equal(dkimarc_dns_submit(src, "async7.bench.test.", on_answer, &t), DKIMARC_OK);
	assert_int_equal(t.calls, 101);
	assert_string_equal(t.last, "async7.bench.test");
	dkimarc_dns_stats st = DKIMARC_DNS_STATS_INIT;
	dkimarc_dns_get_stats(src, &st);
	assert_int_equal(st.queries, 50);
	assert_int_equal(st.joined, 50);
	assert_int_equal(st.cache_hits, 1);

	/* dkimarc_dns_poll drives the same loop. */
	assert_int_equal(dkimarc_dns_submit(src, "pollme.bench.test", on_answer, &t), DKIMARC_OK);
	while (dkimarc_dns_poll(src, -1) > 0)
		assert_true(++rounds < 4000);
	assert_int_equal(t.calls, 102);
	assert_int_equal(dkimarc_dns_poll(src, -1), 0);

	/* Invalid submissions fail without a callback. */
	assert_int_equal(dkimarc_dns_submit(src, "bad name", on_answer, &t), DKIMARC_EINVAL);
	assert_int_equal(t.calls, 102);
	dkimarc_keysrc_free(src);

	/* The archive is not a DNS source. */
	dkimarc_keysrc *arch;
	assert_int_equal(dkimarc_keysrc_archive_new(&arch), DKIMARC_OK);
	assert_int_equal(dkimarc_dns_submit(arch, "a.b", on_answer, &t), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_dns_timeout(arch), -1);
	dkimarc_keysrc_free(arch);
}

/* Freeing the source ends lookups in flight: their callbacks say so. */
static void test_free_cancels(void **state)
{
	(void)state;
	dkimarc_keysrc *src = make_src(NULL);
	struct tally t = {0};
	assert_int_equal(dkimarc_dns_submit(src, "slow.fault.test", on_answer, &t), DKIMARC_OK);
	assert_int_equal(t.calls, 0);
	dkimarc_keysrc_free(src);
	assert_int_equal(t.calls, 1);
	assert_int_equal(t.found, 0);
}

/* ---- servers and options -------------------------------------------------------- */

static void test_failover_and_options(void **state)
{
	(void)state;
	/* A port nobody listens on (refused), then the test server. */
	int s = socket(AF_INET, SOCK_DGRAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof sa;
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof sa), 0);
	getsockname(s, (struct sockaddr *)&sa, &sl);
	close(s);
	char dead[32], good[32], origin[48];
	snprintf(dead, sizeof dead, "127.0.0.1:%u", ntohs(sa.sin_port));
	snprintf(good, sizeof good, "127.0.0.1:%d", srv_port);
	const char *servers[] = {dead, good};
	dkimarc_dns_options o;
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.servers = servers;
	o.nservers = 2;
	o.timeout_ms = 300;
	dkimarc_keysrc *src = make_src(&o);
	dkimarc_answer *a = look(src, "ok.fault.test");
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	snprintf(origin, sizeof origin, "dns %s", good);
	assert_string_equal(dkimarc_answer_record(a, 0)->origin, origin);
	dkimarc_answer_free(a);
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_UNREACHABLE), 0);
	dkimarc_keysrc_free(src);

	/* The dead resolver alone: unreachable, and said so at once (no timeout). */
	o.servers = servers;
	o.nservers = 1;
	o.timeout_ms = 5000;
	src = make_src(&o);
	struct timespec t0, t1;
	clock_gettime(CLOCK_MONOTONIC, &t0);
	a = look(src, "ok.fault.test");
	clock_gettime(CLOCK_MONOTONIC, &t1);
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_TEMPFAIL);
	dkimarc_answer_free(a);
	assert_true(t1.tv_sec - t0.tv_sec < 4);
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_UNREACHABLE), 1);
	assert_int_equal(dkimarc_dns_tempfail_count(src, DKIMARC_DNS_FAIL_TIMEOUT), 0);
	dkimarc_keysrc_free(src);

	/* Malformed options are refused, with the culprit named. */
	static const char *const bad[] = {
	    "127.0.0.1:0", "127.0.0.1:65536", "localhost",     "1.2.3",
	    "[::1",        "::1]:53",         "127.0.0.1:53x", ""};
	for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
		o.servers = &bad[i];
		o.nservers = 1;
		src = NULL;
		assert_int_equal(dkimarc_keysrc_dns_new(&src, &o), DKIMARC_EINVAL);
		assert_null(src);
		assert_non_null(strstr(dkimarc_last_error(), "invalid DNS server"));
	}
	static const char *const okv[] = {"127.0.0.1", "[::1]:5353", "::1", "[::1]"};
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.servers = okv;
	o.nservers = 4;
	assert_int_equal(dkimarc_keysrc_dns_new(&src, &o), DKIMARC_OK);
	assert_string_equal(dkimarc_dns_servers(src),
	                    "127.0.0.1:53, [::1]:5353, [::1]:53, [::1]:53");
	dkimarc_keysrc_free(src);
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.ttl_floor = 10;
	o.ttl_ceiling = 5;
	assert_int_equal(dkimarc_keysrc_dns_new(&src, &o), DKIMARC_EINVAL);
	dkimarc_dns_options_init(&o, DKIMARC_DNS_OPTIONS_VERSION);
	o.tries = 0;
	assert_int_equal(dkimarc_keysrc_dns_new(&src, &o), DKIMARC_EINVAL);
	/* The defaults read /etc/resolv.conf (whatever it holds) and send nothing. */
	assert_int_equal(dkimarc_keysrc_dns_new(&src, NULL), DKIMARC_OK);
	assert_non_null(dkimarc_dns_servers(src));
	assert_int_equal(dkimarc_dns_pending(src), 0);
	dkimarc_keysrc_free(src);
}

int main(void)
{
	const struct CMUnitTest parser[] = {
	    cmocka_unit_test(test_parse_multistring_ttl_ad),
	    cmocka_unit_test(test_parse_cname_chain),
	    cmocka_unit_test(test_parse_negative),
	    cmocka_unit_test(test_parse_malformed_and_limits),
	    cmocka_unit_test(test_name_ok),
	};
	const struct CMUnitTest live[] = {
	    cmocka_unit_test(test_found_with_provenance),
	    cmocka_unit_test(test_multistring_big_tcp),
	    cmocka_unit_test(test_not_found_and_tempfail),
	    cmocka_unit_test(test_cnames),
	    cmocka_unit_test(test_several_records_and_ad),
	    cmocka_unit_test(test_verifier_choice),
	    cmocka_unit_test(test_cache_ttls),
	    cmocka_unit_test(test_threads_dedup),
	    cmocka_unit_test(test_async_own_loop),
	    cmocka_unit_test(test_free_cancels),
	    cmocka_unit_test(test_failover_and_options),
	};
	/* A dead server must fail the test, not hang it. */
	alarm(180);
	int failed = cmocka_run_group_tests_name("dns parser", parser, NULL, NULL);
	return failed + cmocka_run_group_tests_name("dns live", live, start_server, stop_server);
}
