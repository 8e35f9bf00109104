/* Strict base64 (RFC 4648 §4 alphabet) decoding through OpenSSL. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>

static bool is_b64char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	       c == '+' || c == '/';
}

/*
 * Non-zero bits in the last character before the padding ("QR==" for "A")
 * are accepted, as most DKIM implementations do; the decoded bytes ignore
 * them.
 */
int da_b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen)
{
	const unsigned char *u = (const unsigned char *)s;
	unsigned char *buf;
	size_t pad = 0;
	int got;

	*out = NULL;
	*outlen = 0;
	if (n % 4 != 0 || n > INT_MAX)
		return -1;
	if (n > 0 && u[n - 1] == '=')
		pad = (u[n - 2] == '=') ? 2 : 1;
	for (size_t i = 0; i < n - pad; i++)
		if (!is_b64char(u[i]))
			return -1;

	buf = malloc(n / 4 * 3 + 1);
	if (buf == NULL)
		return -1;
	if (n == 0) {
		*out = buf;
		return 0;
	}
	/* EVP_DecodeBlock decodes '=' as zero bits, so its count includes them. */
	got = EVP_DecodeBlock(buf, u, (int)n);
	if (got < 0 || (size_t)got != n / 4 * 3) {
		free(buf);
		return -1;
	}
	*out = buf;
	*outlen = (size_t)got - pad;
	return 0;
}

char *da_b64_encode(const unsigned char *p, size_t n)
{
	if (n > (SIZE_MAX - 1) / 4 * 3 - 3 || n > INT_MAX)
		return NULL;
	char *out = malloc((n + 2) / 3 * 4 + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n); /* NUL-terminates */
	return out;
}
