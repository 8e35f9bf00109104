/* The prefetched key source: every name fetched once, then served from memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <pthread.h>

#include "internal.h"

/* A source that counts its lookups: "a.*" found, "t.*" tempfail, others absent. */
typedef struct {
	pthread_mutex_t m;
	unsigned calls;
	char last[128];
} counting;

static int count_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	counting *c = impl;
	pthread_mutex_lock(&c->m);
	c->calls++;
	snprintf(c->last, sizeof c->last, "%s", name);
	pthread_mutex_unlock(&c->m);
	if (name[0] == 'a') {
		dkimarc_keyrec r = {.version = DKIMARC_KEYREC_VERSION,
		                    .txt = "v=DKIM1; p=AAAA",
		                    .txt_len = 15,
		                    .origin = "test:1",
		                    .first_seen = -1,
		                    .last_seen = -1,
		                    .fetched_at = -1,
		                    .dnssec = -1};
		int rc = dkimarc_answer_add(ans, &r);
		r.txt = "v=DKIM1; p=BBBB";
		r.origin = "test:2";
		return rc == DKIMARC_OK ? dkimarc_answer_add(ans, &r) : rc;
	}
	if (name[0] == 't')
		return dkimarc_answer_fail(ans, DKIMARC_LOOKUP_TEMPFAIL, "timed out");
	if (name[0] == 'e')
		return da_fail(DKIMARC_ENOMEM, "out of memory in the test source");
	return dkimarc_answer_fail(ans, DKIMARC_LOOKUP_NOT_FOUND, "no such name");
}

static const dkimarc_keysrc_ops count_ops = {DKIMARC_KEYSRC_OPS_VERSION, count_lookup, NULL,
                                             "counting"};

static dkimarc_keysrc *counting_source(counting *c)
{
	dkimarc_keysrc *s = NULL;
	memset(c, 0, sizeof *c);
	pthread_mutex_init(&c->m, NULL);
	assert_int_equal(dkimarc_keysrc_new_custom(&s, &count_ops, c), DKIMARC_OK);
	return s;
}

static void fetched_once_then_from_memory(void **state)
{
	(void)state;
	counting c;
	dkimarc_keysrc *pf = NULL;
	const char *names[] = {"a1._domainkey.x", "t._domainkey.x", "A1._domainkey.X",
	                       "n._domainkey.x", "a1._domainkey.x"};
	for (unsigned par = 1; par <= 8; par *= 8) {
		assert_int_equal(
		    dkimarc_keysrc_prefetch_new(&pf, counting_source(&c), names, 5, par),
		    DKIMARC_OK);
		assert_int_equal(c.calls, 3); /* duplicates and case variants fetched once */
		for (int round = 0; round < 3; round++) {
			for (size_t i = 0; i < 5; i++) {
				dkimarc_answer *a = NULL;
				assert_int_equal(dkimarc_keysrc_lookup(pf, names[i], &a),
				                 DKIMARC_OK);
				if (names[i][0] == 'a' || names[i][0] == 'A') {
					assert_int_equal(dkimarc_answer_status(a),
					                 DKIMARC_LOOKUP_FOUND);
					assert_int_equal(dkimarc_answer_count(a), 2);
					assert_string_equal(dkimarc_answer_record(a, 1)->origin,
					                    "test:2");
				} else if (names[i][0] == 't') {
					assert_int_equal(dkimarc_answer_status(a),
					                 DKIMARC_LOOKUP_TEMPFAIL);
					assert_string_equal(dkimarc_answer_why(a), "timed out");
				} else {
					assert_int_equal(dkimarc_answer_status(a),
					                 DKIMARC_LOOKUP_NOT_FOUND);
					assert_string_equal(dkimarc_answer_why(a), "no such name");
				}
				dkimarc_answer_free(a);
			}
		}
		assert_int_equal(c.calls, 3); /* nothing more asked of the source */

		/* A name not fetched goes to the source. */
		dkimarc_answer *a = NULL;
		assert_int_equal(dkimarc_keysrc_lookup(pf, "other._domainkey.x", &a), DKIMARC_OK);
		assert_int_equal(c.calls, 4);
		assert_string_equal(c.last, "other._domainkey.x");
		dkimarc_answer_free(a);
		dkimarc_keysrc_free(pf);
		pthread_mutex_destroy(&c.m);
	}
}

static void failures_and_empty_lists(void **state)
{
	(void)state;
	counting c;
	dkimarc_keysrc *pf = NULL;
	const char *bad[] = {"a._domainkey.x", "e._domainkey.x"};
	assert_int_equal(dkimarc_keysrc_prefetch_new(&pf, counting_source(&c), bad, 2, 4),
	                 DKIMARC_ENOMEM);
	assert_null(pf);
	assert_non_null(strstr(dkimarc_last_error(), "e._domainkey.x"));
	pthread_mutex_destroy(&c.m);

	assert_int_equal(dkimarc_keysrc_prefetch_new(&pf, counting_source(&c), NULL, 0, 4),
	                 DKIMARC_OK);
	assert_int_equal(c.calls, 0);
	dkimarc_answer *a = NULL;
	assert_int_equal(dkimarc_keysrc_lookup(pf, "a._domainkey.x", &a), DKIMARC_OK);
	assert_int_equal(dkimarc_answer_status(a), DKIMARC_LOOKUP_FOUND);
	dkimarc_answer_free(a);
	dkimarc_keysrc_free(pf);
	pthread_mutex_destroy(&c.m);

	assert_int_equal(dkimarc_keysrc_prefetch_new(NULL, NULL, NULL, 0, 1), DKIMARC_EINVAL);
}

/* A verification through a prefetched archive gives the archive's result. */
static void verifies_like_the_archive(void **state)
{
	(void)state;
	char path[512];
	FILE *f;
	snprintf(path, sizeof path, "%s/vectors/sample/confirmed-rsa.eml", SRCDIR);
	f = fopen(path, "rb");
	assert_non_null(f);
	char msg[65536];
	size_t n = fread(msg, 1, sizeof msg, f);
	fclose(f);

	dkimarc_keysrc *arch = NULL, *pf = NULL;
	dkimarc_ctx *ctx = NULL;
	dkimarc_verifier *v = NULL;
	dkimarc_report *r = NULL;
	snprintf(path, sizeof path, "%s/vectors/sample/keys.zone", SRCDIR);
	assert_int_equal(dkimarc_keysrc_archive_new(&arch), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(arch, path), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	/* What the archive itself says. */
	dkimarc_keysrc *plain = NULL;
	dkimarc_ctx *pctx = NULL;
	assert_int_equal(dkimarc_keysrc_archive_new(&plain), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(plain, path), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_new(&pctx), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(pctx, plain), DKIMARC_OK);
	assert_int_equal(dkimarc_verify(pctx, msg, n, &r), DKIMARC_OK);
	char want[256];
	snprintf(want, sizeof want, "%s", dkimarc_sig_key_source(dkimarc_report_sig(r, 0)));
	dkimarc_report_free(r);
	dkimarc_ctx_free(pctx);
	assert_int_equal(dkimarc_verifier_new(ctx, &v), DKIMARC_OK);
	assert_int_equal(dkimarc_verifier_write(v, msg, n), DKIMARC_OK);
	assert_true(dkimarc_verifier_header_done(v));
	assert_int_equal(dkimarc_verifier_key_count(v), 1);
	const char *name = dkimarc_verifier_key_name(v, 0);
	assert_int_equal(dkimarc_keysrc_prefetch_new(&pf, arch, &name, 1, 2), DKIMARC_OK);
	dkimarc_verifier_free(v);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, pf), DKIMARC_OK);
	assert_int_equal(dkimarc_verify(ctx, msg, n, &r), DKIMARC_OK);
	assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
	/* Provenance is the archive's, not the prefetch's. */
	assert_string_equal(dkimarc_sig_key_source(dkimarc_report_sig(r, 0)), want);
	assert_true(strncmp(want, "archive ", 8) == 0);
	dkimarc_report_free(r);
	dkimarc_ctx_free(ctx);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(fetched_once_then_from_memory),
	    cmocka_unit_test(failures_and_empty_lists),
	    cmocka_unit_test(verifies_like_the_archive),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
