/*
 * Quoted-printable for the diagnosis (lib/qp.h). The encoder counts and
 * writes in one routine, so the buffer it fills is sized by the same code
 * that fills it: no hand-computed worst case to get wrong.
 */
#include "qp.h"

#include <stdint.h>
#include <stdlib.h>

#define QP_COLUMNS 75 /* content per line; the soft break's '=' makes 76 */

static void put(char *out, size_t cap, size_t *o, const char *s, size_t k)
{
	for (size_t i = 0; i < k; i++, (*o)++)
		if (*o < cap)
			out[*o] = s[i];
}

size_t da_qp_encode(const char *p, size_t n, char *out, size_t cap)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t o = 0, col = 0;

	/* At most 3 bytes per byte plus a 3-byte soft break per 25: under 4n. */
	if (n > SIZE_MAX / 4)
		return SIZE_MAX;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\r' && i + 1 < n && p[i + 1] == '\n') {
			put(out, cap, &o, "\r\n", 2);
			i++;
			col = 0;
			continue;
		}
		bool eol = i + 1 == n || (p[i + 1] == '\r' && i + 2 < n && p[i + 2] == '\n');
		bool lit = (c >= 33 && c <= 126 && c != '=') || ((c == ' ' || c == '\t') && !eol);
		size_t w = lit ? 1 : 3;
		if (col + w > QP_COLUMNS) {
			put(out, cap, &o, "=\r\n", 3);
			col = 0;
		}
		if (lit) {
			put(out, cap, &o, (const char *)&c, 1);
		} else {
			char esc[3] = {'=', hex[c >> 4], hex[c & 15]};
			put(out, cap, &o, esc, 3);
		}
		col += w;
	}
	return o;
}

char *da_qp_encode_dup(const char *p, size_t n, size_t *outlen)
{
	size_t len = da_qp_encode(p, n, NULL, 0);
	char *out;
	if (len == SIZE_MAX || !(out = malloc(len ? len : 1)))
		return NULL;
	da_qp_encode(p, n, out, len);
	*outlen = len;
	return out;
}

static int hexv(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'A' && c <= 'F' ? c - 'A' + 10 : -1;
}

char *da_qp_decode_dup(const char *p, size_t n, size_t *outlen)
{
	char *out = malloc(n ? n : 1); /* decoding never lengthens */
	size_t o = 0;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '=' && i + 2 < n && p[i + 1] == '\r' && p[i + 2] == '\n') {
			i += 2; /* soft line break */
		} else if (p[i] == '=' && i + 2 < n && hexv(p[i + 1]) >= 0 && hexv(p[i + 2]) >= 0) {
			out[o++] = (char)(hexv(p[i + 1]) * 16 + hexv(p[i + 2]));
			i += 2;
		} else {
			out[o++] = p[i];
		}
	}
	*outlen = o;
	return out;
}
