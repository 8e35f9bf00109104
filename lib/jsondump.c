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

bool da_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		unsigned char c = *p;
		size_t n = c < 0x80                 ? 1
		           : c >= 0xc2 && c <= 0xdf ? 2
		           : c >= 0xe0 && c <= 0xef ? 3
		           : c >= 0xf0 && c <= 0xf4 ? 4
		                                    : 0;
		uint32_t cp = n == 1 ? c : n == 2 ? c & 0x1fu : n == 3 ? c & 0x0fu : c & 0x07u;
		if (n == 0)
			return false;
		for (size_t i = 1; i < n; i++) {
			if ((p[i] & 0xc0) != 0x80)
				return false; /* a NUL ends the string here too */
			cp = (cp << 6) | (p[i] & 0x3fu);
		}
		/* Overlong forms, surrogates, beyond U+10FFFF. */
		if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
		    (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		p += n;
	}
	return true;
}
