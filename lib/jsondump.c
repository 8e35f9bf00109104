/*
 * JSON text from jansson values, all or nothing. json_dumps() ignores the
 * failure of its own buffer while writing an object key (jansson 2.14), so
 * out of memory it can return text with bytes missing; here every write is
 * checked, and one that fails fails the whole dump. And what jansson takes
 * as a string: a NULL from json_string() is bad UTF-8 or no memory, which
 * callers must tell apart.
 */
#include "dynbuf.h"
#include "internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

static int add(const char *s, size_t n, void *arg)
{
	return da_dyn_add(arg, s, n) == DKIMARC_OK ? 0 : -1;
}

char *da_json_dumps(const struct json_t *j, size_t flags)
{
	da_dyn b;

	/* No cap: callers read NULL as out of memory, and the values are in memory already. */
	da_dyn_init(&b, DA_DYN_NO_CAP);
	if (json_dump_callback(j, add, &b, flags) != 0 || !b.p) {
		da_dyn_free(&b);
		return NULL;
	}
	return da_dyn_take(&b);
}
