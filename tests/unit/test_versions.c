/*
 * The ABI that can grow (docs/abi.md): versioned structures read and written
 * no further than their version holds, unknown versions refused; every
 * constructor that takes an object takes it also on failure; text handed
 * over is released with dkimarc_free(), and nothing else is.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "dkimarc.h"

/* Bytes of type up to and including member: what version 1 of it holds. */
#define THROUGH(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))

static void assert_contains(const char *s, const char *part)
{
	if (!s || !strstr(s, part))
		fail_msg("'%s' does not contain '%s'", s ? s : "(null)", part);
}

/* ---- a custom key source that counts what is done to it ---------------- */

static int freed;

static int one_record(void *impl, const char *name, dkimarc_answer *ans)
{
	dkimarc_keyrec r = DKIMARC_KEYREC_INIT;
	(void)impl;
	(void)name;
	r.txt = "v=DKIM1; p=";
	r.txt_len = 11;
	r.origin = "test";
	return dkimarc_answer_add(ans, &r);
}

static void count_free(void *impl)
{
	(void)impl;
	freed++;
}

static dkimarc_keysrc *counted_source(const dkimarc_keysrc_ops *ops)
{
	dkimarc_keysrc *src = NULL;
	assert_int_equal(dkimarc_keysrc_new_custom(&src, ops, &freed), DKIMARC_OK);
	return src;
}

static const dkimarc_keysrc_ops ops_v1 = {DKIMARC_KEYSRC_OPS_VERSION, one_record, count_free,
                                          "counted"};

/* ---- versioned structures ------------------------------------------------ */

static void keyrec_of_an_older_smaller_layout_is_read_no_further(void **state)
{
	dkimarc_answer *ans = NULL;
	dkimarc_keysrc *src = counted_source(&ops_v1);
	(void)state;

	/*
	 * Exactly the bytes version 1 holds, without the padding after its last
	 * member: AddressSanitizer fails the test if the library reads one more.
	 */
	size_t v1 = THROUGH(dkimarc_keyrec, dnssec);
	dkimarc_keyrec full = DKIMARC_KEYREC_INIT;
	full.version = 1;
	full.txt = "v=DKIM1; k=ed25519; p=";
	full.txt_len = strlen(full.txt);
	full.origin = "old program";
	full.dnssec = 1;
	void *r = malloc(v1);
	assert_non_null(r);
	memcpy(r, &full, v1);

	assert_int_equal(dkimarc_keysrc_lookup(src, "x", &ans), DKIMARC_OK);
	assert_int_equal(dkimarc_answer_add(ans, r), DKIMARC_OK);
	free(r);
	assert_int_equal(dkimarc_answer_count(ans), 2);
	const dkimarc_keyrec *got = dkimarc_answer_record(ans, 1);
	/* What the library gives is of its own version, whatever the caller's. */
	assert_int_equal(got->version, DKIMARC_KEYREC_VERSION);
	assert_string_equal(got->txt, "v=DKIM1; k=ed25519; p=");
	assert_string_equal(got->origin, "old program");
	assert_int_equal(got->dnssec, 1);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void keyrec_of_an_unknown_version_is_refused(void **state)
{
	dkimarc_answer *ans = NULL;
	dkimarc_keysrc *src = counted_source(&ops_v1);
	dkimarc_keyrec r = DKIMARC_KEYREC_INIT;
	(void)state;

	r.txt = "v=DKIM1; p=";
	r.txt_len = 11;
	assert_int_equal(dkimarc_keysrc_lookup(src, "x", &ans), DKIMARC_OK);
	r.version = 0; /* never set */
	assert_int_equal(dkimarc_answer_add(ans, &r), DKIMARC_EINVAL);
	assert_contains(dkimarc_last_error(), "dkimarc_keyrec version 0");
	r.version = DKIMARC_KEYREC_VERSION + 1; /* from a newer header */
	assert_int_equal(dkimarc_answer_add(ans, &r), DKIMARC_EINVAL);
	assert_contains(dkimarc_last_error(), "newer libdkimarc");
	assert_int_equal(dkimarc_answer_count(ans), 1);
	dkimarc_answer_free(ans);
	dkimarc_keysrc_free(src);
}

static void keysrc_ops_of_an_unknown_version_are_refused_and_impl_taken(void **state)
{
	dkimarc_keysrc_ops newer = ops_v1;
	dkimarc_keysrc *src = (dkimarc_keysrc *)&newer;
	(void)state;

	newer.version = DKIMARC_KEYSRC_OPS_VERSION + 1;
	freed = 0;
	assert_int_equal(dkimarc_keysrc_new_custom(&src, &newer, &freed), DKIMARC_EINVAL);
	assert_null(src);
	assert_contains(dkimarc_last_error(), "dkimarc_keysrc_ops version");
	assert_int_equal(freed, 1); /* taken on failure as on success */
	newer.version = 0;
	assert_int_equal(dkimarc_keysrc_new_custom(&src, &newer, &freed), DKIMARC_EINVAL);
	assert_int_equal(freed, 2);
}

static void dns_options_init_writes_only_the_version_asked_for(void **state)
{
	dkimarc_dns_options want = DKIMARC_DNS_OPTIONS_INIT;
	(void)state;

	/* Exactly as large as version 1: ASan fails the test on a write past it. */
	dkimarc_dns_options *o = malloc(THROUGH(dkimarc_dns_options, max_parallel));
	assert_non_null(o);
	assert_int_equal(dkimarc_dns_options_init(o, 1), DKIMARC_OK);
	assert_int_equal(o->version, 1);
	assert_int_equal(o->timeout_ms, 2000); /* the documented defaults */
	assert_int_equal(o->tries, 2);
	assert_int_equal(o->ttl_floor, 60);
	assert_int_equal(o->ttl_ceiling, 86400);
	assert_int_equal(o->tempfail_ttl, 30);
	assert_int_equal(o->cache_max, 100000);
	assert_int_equal(o->max_txt_bytes, 65536);
	assert_int_equal(o->max_inflight, 10000);
	assert_int_equal(o->max_parallel, 64);
	assert_null(o->servers);
	/* The macro says the same. */
	assert_int_equal(want.timeout_ms, o->timeout_ms);
	assert_int_equal(want.tempfail_ttl, o->tempfail_ttl);
	assert_int_equal(want.max_parallel, o->max_parallel);
	free(o);

	dkimarc_dns_options x;
	memset(&x, 0x5a, sizeof x);
	assert_int_equal(dkimarc_dns_options_init(&x, 0), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_dns_options_init(&x, DKIMARC_DNS_OPTIONS_VERSION + 1),
	                 DKIMARC_EINVAL);
	assert_int_equal(x.tries, 0x5a5a5a5a); /* untouched */
	assert_int_equal(dkimarc_dns_options_init(NULL, 1), DKIMARC_EINVAL);
}

static dkimarc_keysrc *dns_source(void)
{
	/* Nothing is sent: a source only asks when a name is looked up. */
	const char *servers[] = {"127.0.0.1:9"};
	dkimarc_dns_options o = DKIMARC_DNS_OPTIONS_INIT;
	dkimarc_keysrc *src = NULL;

	o.servers = servers;
	o.nservers = 1;
	if (dkimarc_keysrc_dns_new(&src, &o) != DKIMARC_OK)
		fail_msg("dkimarc_keysrc_dns_new: %s", dkimarc_last_error());
	return src;
}

static void dns_structures_check_their_version(void **state)
{
	dkimarc_keysrc *src = dns_source();
	(void)state;

	dkimarc_dns_options o = DKIMARC_DNS_OPTIONS_INIT;
	dkimarc_keysrc *bad = NULL;
	o.version = DKIMARC_DNS_OPTIONS_VERSION + 1;
	assert_int_equal(dkimarc_keysrc_dns_new(&bad, &o), DKIMARC_EINVAL);
	assert_contains(dkimarc_last_error(), "dkimarc_dns_options version");
	assert_null(bad);

	/* Counters: as many as the version holds, into exactly that much memory. */
	dkimarc_dns_stats *st = malloc(THROUGH(dkimarc_dns_stats, tempfail));
	assert_non_null(st);
	memset(st, 0x5a, THROUGH(dkimarc_dns_stats, tempfail));
	st->version = 1;
	assert_int_equal(dkimarc_dns_get_stats(src, st), DKIMARC_OK);
	assert_int_equal(st->version, 1);
	assert_int_equal(st->lookups, 0);
	assert_int_equal(st->tempfail, 0);
	st->version = 0;
	assert_int_equal(dkimarc_dns_get_stats(src, st), DKIMARC_EINVAL);
	free(st);

	/* Sockets: arrays of out[0]'s version. */
	dkimarc_dns_socket s[4] = {DKIMARC_DNS_SOCKET_INIT};
	assert_true(dkimarc_dns_sockets(src, s, 4) <= 4);
	s[0].version = DKIMARC_DNS_SOCKET_VERSION + 1;
	assert_int_equal(dkimarc_dns_sockets(src, s, 4), 0);
	assert_contains(dkimarc_last_error(), "dkimarc_dns_socket version");
	assert_int_equal(dkimarc_dns_process(src, s, 1), DKIMARC_EINVAL);
	dkimarc_dns_socket none = DKIMARC_DNS_SOCKET_INIT;
	assert_int_equal(dkimarc_dns_process(src, &none, 1), DKIMARC_OK); /* fd -1: nothing */
	assert_int_equal(dkimarc_dns_process(src, NULL, 0), DKIMARC_OK);
	dkimarc_keysrc_free(src);
}

/* ---- ownership: taken on failure as on success ------------------------- */

static void ctx_set_keysrc_takes_the_source_also_on_failure(void **state)
{
	dkimarc_ctx *ctx = NULL;
	(void)state;

	freed = 0;
	assert_int_equal(dkimarc_ctx_set_keysrc(NULL, counted_source(&ops_v1)), DKIMARC_EINVAL);
	assert_int_equal(freed, 1);
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, counted_source(&ops_v1)), DKIMARC_OK);
	assert_int_equal(freed, 1);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, counted_source(&ops_v1)), DKIMARC_OK);
	assert_int_equal(freed, 2); /* the previous one */
	dkimarc_ctx_free(ctx);
	assert_int_equal(freed, 3);
}

static void chain_and_prefetch_take_their_sources_also_on_failure(void **state)
{
	dkimarc_keysrc *s[2], *out = NULL;
	const char *names[] = {"a", NULL};
	(void)state;

	freed = 0;
	s[0] = counted_source(&ops_v1);
	s[1] = counted_source(&ops_v1);
	assert_int_equal(dkimarc_keysrc_chain_new(NULL, s, 2), DKIMARC_EINVAL);
	assert_int_equal(freed, 2);
	assert_int_equal(dkimarc_keysrc_prefetch_new(&out, counted_source(&ops_v1), names, 2, 1),
	                 DKIMARC_EINVAL); /* a NULL name */
	assert_null(out);
	assert_int_equal(freed, 3);
	assert_int_equal(dkimarc_keysrc_prefetch_new(NULL, counted_source(&ops_v1), NULL, 0, 1),
	                 DKIMARC_EINVAL);
	assert_int_equal(freed, 4);
}

/* ---- text handed over --------------------------------------------------- */

static void text_is_released_with_dkimarc_free(void **state)
{
	dkimarc_privkey *k = NULL;
	char *pem = NULL, *rec = NULL, *zone = NULL;
	(void)state;

	dkimarc_free(NULL);
	assert_int_equal(dkimarc_privkey_generate(&k, DKIMARC_KEYTYPE_ED25519, 0), DKIMARC_OK);
	assert_int_equal(dkimarc_privkey_pem(k, &pem), DKIMARC_OK);
	assert_contains(pem, "-----BEGIN PRIVATE KEY-----");
	assert_int_equal(dkimarc_privkey_record(k, &rec), DKIMARC_OK);
	assert_int_equal(dkimarc_record_zone("s._domainkey.example.com", rec, &zone), DKIMARC_OK);
	assert_contains(zone, "s._domainkey.example.com. IN TXT");
	/* Aligned for anything, as malloc's. */
	assert_int_equal((uintptr_t)pem % _Alignof(max_align_t), 0);
	dkimarc_free(pem);
	dkimarc_free(rec);
	dkimarc_free(zone);
	dkimarc_privkey_free(k);
}

/* Runs f in a child; true when the child was killed or failed (abort, ASan). */
static int child_fails(void (*f)(void))
{
	pid_t pid = fork();
	int st = 0;
	if (pid == 0) {
		/* Keep the child's report short; its failure is the expected outcome. */
		int null = open("/dev/null", O_WRONLY);
		if (null >= 0)
			dup2(null, 2);
		f();
		_exit(0);
	}
	assert_true(pid > 0);
	assert_int_equal(waitpid(pid, &st, 0), pid);
	return WIFSIGNALED(st) || (WIFEXITED(st) && WEXITSTATUS(st) != 0);
}

static void free_malloced(void)
{
	char *p = malloc(64);
	strcpy(p, "not the library's");
	dkimarc_free(p);
}

static void free_library_text_with_free(void)
{
	char *rec = NULL;
	if (dkimarc_record_zone("s._domainkey.example.com", "v=DKIM1; p=", &rec) != DKIMARC_OK)
		_exit(0); /* not the failure looked for */
	free(rec);
}

static void the_two_allocators_are_not_mixed_up(void **state)
{
	(void)state;
	/* Either mistake stops the program rather than corrupting the heap quietly. */
	assert_true(child_fails(free_malloced));
	assert_true(child_fails(free_library_text_with_free));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(keyrec_of_an_older_smaller_layout_is_read_no_further),
	    cmocka_unit_test(keyrec_of_an_unknown_version_is_refused),
	    cmocka_unit_test(keysrc_ops_of_an_unknown_version_are_refused_and_impl_taken),
	    cmocka_unit_test(dns_options_init_writes_only_the_version_asked_for),
	    cmocka_unit_test(dns_structures_check_their_version),
	    cmocka_unit_test(ctx_set_keysrc_takes_the_source_also_on_failure),
	    cmocka_unit_test(chain_and_prefetch_take_their_sources_also_on_failure),
	    cmocka_unit_test(text_is_released_with_dkimarc_free),
	    cmocka_unit_test(the_two_allocators_are_not_mixed_up),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
