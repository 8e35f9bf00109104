/* The per-thread error message: dkimarc_set_error() for code built on dkimarc. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

/* cmocka.h needs the headers above. */
#include <cmocka.h>

#include <pthread.h>
#include <string.h>

#include "dkimarc.h"

static void set_error_sets_the_message_and_returns_the_status(void **state)
{
	(void)state;
	assert_int_equal(dkimarc_set_error(DKIMARC_EIO, "keys.zone: gone"), DKIMARC_EIO);
	assert_string_equal(dkimarc_last_error(), "keys.zone: gone");
	/* No message: the status's own text. */
	assert_int_equal(dkimarc_set_error(DKIMARC_ENOMEM, NULL), DKIMARC_ENOMEM);
	assert_string_equal(dkimarc_last_error(), dkimarc_strerror(DKIMARC_ENOMEM));
	/* The library's own failures overwrite it as before. */
	dkimarc_ctx *ctx = NULL;
	assert_int_equal(dkimarc_ctx_set_time(ctx, 0), DKIMARC_EINVAL);
	assert_string_not_equal(dkimarc_last_error(), dkimarc_strerror(DKIMARC_ENOMEM));
}

static void long_messages_are_cut_not_overrun(void **state)
{
	char big[2000];
	(void)state;
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	assert_int_equal(dkimarc_set_error(DKIMARC_ELIMIT, big), DKIMARC_ELIMIT);
	assert_int_equal(strlen(dkimarc_last_error()), 511);
	assert_memory_equal(dkimarc_last_error(), big, 511);
}

static void *other_thread(void *arg)
{
	(void)arg;
	dkimarc_set_error(DKIMARC_EIO, "other thread");
	return NULL;
}

static void the_message_is_per_thread(void **state)
{
	pthread_t t;
	(void)state;
	dkimarc_set_error(DKIMARC_EFORMAT, "this thread");
	assert_int_equal(pthread_create(&t, NULL, other_thread, NULL), 0);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_string_equal(dkimarc_last_error(), "this thread");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(set_error_sets_the_message_and_returns_the_status),
	    cmocka_unit_test(long_messages_are_cut_not_overrun),
	    cmocka_unit_test(the_message_is_per_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
