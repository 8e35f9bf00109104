/*
 * Well-formed UTF-8 (RFC 3629): the one decoder of sequence lengths for
 * both libraries (inline, as dynbuf.h). Overlong forms, surrogates and code
 * points past U+10FFFF are not UTF-8.
 */
#ifndef DKIMARC_UTF8_H
#define DKIMARC_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Length of the well-formed sequence at p (at most left bytes), 0 when there is none. */
static inline size_t da_utf8_len(const unsigned char *p, size_t left)
{
	unsigned char c = p[0];
	size_t n;
	uint32_t cp;
	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf)
		n = 2, cp = c & 0x1fu;
	else if (c >= 0xe0 && c <= 0xef)
		n = 3, cp = c & 0x0fu;
	else if (c >= 0xf0 && c <= 0xf4)
		n = 4, cp = c & 0x07u;
	else
		return 0;
	if (n > left)
		return 0;
	for (size_t i = 1; i < n; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0; /* a NUL ends a C string here too */
		cp = (cp << 6) | (p[i] & 0x3fu);
	}
	if ((n == 3 && cp < 0x800) || (n == 4 && cp < 0x10000) || cp > 0x10ffff ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

/* Whether the C string s is all UTF-8. */
static inline bool da_utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		/* A sequence cut by the NUL fails at its continuation bytes: 4 is safe. */
		size_t n = da_utf8_len(p, 4);
		if (n == 0)
			return false;
		p += n;
	}
	return true;
}

#endif
