/* The growable buffer (lib/dynbuf.h): contents, the cap, failures that stick. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dynbuf.h"

/* Many small pieces of every kind give the same bytes as one snprintf of them all. */
static void test_pieces_match_snprintf(void **state)
{
	(void)state;
	da_dyn b = DA_DYN_INIT;
	char want[64];
	size_t total = 0;
	char *all = malloc(1 << 20);
	assert_non_null(all);
	for (int i = 0; i < 20000; i++) {
		int n = snprintf(want, sizeof want, "%d:%s;", i, i % 3 ? "ab" : "");
		memcpy(all + total, want, (size_t)n);
		total += (size_t)n;
		switch (i % 4) {
		case 0:
			assert_int_equal(da_dyn_addf(&b, "%d:%s;", i, i % 3 ? "ab" : ""),
			                 DKIMARC_OK);
			break;
		case 1:
			assert_int_equal(da_dyn_adds(&b, want), DKIMARC_OK);
			break;
		case 2:
			for (int k = 0; k < n; k++)
				assert_int_equal(da_dyn_addc(&b, want[k]), DKIMARC_OK);
			break;
		default:
			assert_int_equal(da_dyn_add(&b, want, (size_t)n), DKIMARC_OK);
		}
		assert_int_equal(b.len, total);
		assert_int_equal(b.p[b.len], '\0');
	}
	assert_memory_equal(b.p, all, total);
	char *s = da_dyn_take(&b);
	assert_non_null(s);
	assert_int_equal(strlen(s), total);
	assert_null(b.p);
	assert_int_equal(b.len, 0);
	free(s);
	free(all);
}

/* A formatted piece longer than the room left grows the buffer and is whole. */
static void test_long_format(void **state)
{
	(void)state;
	da_dyn b = DA_DYN_INIT;
	char big[5000];
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(da_dyn_adds(&b, "<"), DKIMARC_OK);
	assert_int_equal(da_dyn_addf(&b, "%s|%s", big, big), DKIMARC_OK);
	assert_int_equal(b.len, 1 + 2 * (sizeof big - 1) + 1);
	assert_int_equal(b.p[0], '<');
	assert_int_equal(b.p[sizeof big], '|');
	assert_int_equal(b.p[b.len - 1], 'x');
	da_dyn_free(&b);
}

/* The cap: reaching it exactly is fine, one byte more is ELIMIT, and the failure sticks. */
static void test_cap(void **state)
{
	(void)state;
	da_dyn b;
	da_dyn_init(&b, 10);
	assert_int_equal(da_dyn_add(&b, "0123456789", 10), DKIMARC_OK);
	assert_int_equal(b.len, 10);
	assert_int_equal(da_dyn_addc(&b, 'x'), DKIMARC_ELIMIT);
	assert_int_equal(b.len, 10);
	assert_string_equal(b.p, "0123456789");
	/* Sticks, even for an addition that would fit. */
	assert_int_equal(da_dyn_add(&b, "", 0), DKIMARC_ELIMIT);
	assert_int_equal(da_dyn_addf(&b, "%d", 1), DKIMARC_ELIMIT);
	assert_null(da_dyn_take(&b));
	assert_int_equal(b.err, DKIMARC_ELIMIT);
	assert_null(b.p);
	/* A reset clears it; the cap stays. */
	da_dyn_reset(&b);
	assert_int_equal(da_dyn_addf(&b, "%s", "01234567890"), DKIMARC_ELIMIT);
	da_dyn_reset(&b);
	assert_int_equal(da_dyn_addf(&b, "%s", "0123456789"), DKIMARC_OK);
	da_dyn_free(&b);
	/* A size that would wrap is refused, not wrapped. */
	da_dyn_init(&b, SIZE_MAX);
	assert_int_equal(da_dyn_add(&b, "a", 1), DKIMARC_OK);
	assert_int_equal(da_dyn_reserve(&b, SIZE_MAX), DKIMARC_ELIMIT);
	da_dyn_free(&b);
}

/* Reuse: reset keeps the memory, so a second message costs no allocation. */
static void test_reset_reuses(void **state)
{
	(void)state;
	da_dyn b = DA_DYN_INIT;
	assert_int_equal(da_dyn_addf(&b, "%0500d", 7), DKIMARC_OK);
	char *p = b.p;
	size_t cap = b.cap;
	da_dyn_reset(&b);
	assert_int_equal(b.len, 0);
	assert_string_equal(b.p, "");
	assert_int_equal(da_dyn_addf(&b, "%0400d", 8), DKIMARC_OK);
	assert_ptr_equal(b.p, p);
	assert_int_equal(b.cap, cap);
	da_dyn_free(&b);
	/* Nothing added: take gives "", not NULL. */
	char *s = da_dyn_take(&b);
	assert_non_null(s);
	assert_string_equal(s, "");
	free(s);
}

/* A failure met outside the buffer sticks like its own: the text is never handed over. */
static void test_outside_failure(void **state)
{
	(void)state;
	da_dyn b;
	da_dyn_init(&b, DA_DYN_NO_CAP);
	assert_int_equal(da_dyn_adds(&b, "part one"), DKIMARC_OK);
	assert_int_equal(da_dyn_fail(&b, DKIMARC_ENOMEM), DKIMARC_ENOMEM);
	assert_int_equal(da_dyn_adds(&b, "part two"), DKIMARC_ENOMEM);
	assert_string_equal(b.p, "part one");
	/* The first failure is the one reported. */
	assert_int_equal(da_dyn_fail(&b, DKIMARC_ELIMIT), DKIMARC_ENOMEM);
	assert_null(da_dyn_take(&b));
	assert_int_equal(b.err, DKIMARC_ENOMEM);
	da_dyn_reset(&b);
	assert_int_equal(da_dyn_addf(&b, "%d", 42), DKIMARC_OK);
	char *s = da_dyn_take(&b);
	assert_string_equal(s, "42");
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_pieces_match_snprintf),
	    cmocka_unit_test(test_long_format),
	    cmocka_unit_test(test_cap),
	    cmocka_unit_test(test_reset_reuses),
	    cmocka_unit_test(test_outside_failure),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
