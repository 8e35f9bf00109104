/*
 * JSON text from jansson values, all or nothing. json_dumps() ignores the
 * failure of its own buffer while writing an object key (jansson 2.14), so
 * out of memory it can return text with bytes missing; here every write is
 * checked, and one that fails fails the whole dump. And what jansson takes
 * as a string: a NULL from json_string() is bad UTF-8 or no memory, which
 * callers must tell apart.
 */
#include "internal.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
	char *p;
	size_t n, cap;
	bool failed;
} dumpbuf;

static int add(const char *s, size_t n, void *arg)
{
	dumpbuf *b = arg;
	if (b->failed)
		return -1;
	if (b->n + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 1024;
		while (cap < b->n + n + 1)
			cap *= 2;
		char *np = realloc(b->p, cap);
		if (!np) {
			b->failed = true;
			return -1;
		}
		b->p = np;
		b->cap = cap;
	}
	memcpy(b->p + b->n, s, n);
	b->n += n;
	b->p[b->n] = '\0';
	return 0;
}

char *da_json_dumps(const struct json_t *j, size_t flags)
{
	dumpbuf b = {0};
	if (json_dump_callback(j, add, &b, flags) != 0 || b.failed || !b.p) {
		free(b.p);
		return NULL;
	}
	return b.p;
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
