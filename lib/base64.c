/* Strict base64 (RFC 4648 §4 alphabet) decoding through OpenSSL. */
#include "internal.h"

#include <limits.h>
#include <stdlib.h>

/* The alphabet as a table: signatures and keys are checked a byte at a time. */
static const bool b64char[256] = {
    ['A'] = 1, ['B'] = 1, ['C'] = 1, ['D'] = 1, ['E'] = 1, ['F'] = 1, ['G'] = 1, ['H'] = 1,
    ['I'] = 1, ['J'] = 1, ['K'] = 1, ['L'] = 1, ['M'] = 1, ['N'] = 1, ['O'] = 1, ['P'] = 1,
    ['Q'] = 1, ['R'] = 1, ['S'] = 1, ['T'] = 1, ['U'] = 1, ['V'] = 1, ['W'] = 1, ['X'] = 1,
    ['Y'] = 1, ['Z'] = 1, ['a'] = 1, ['b'] = 1, ['c'] = 1, ['d'] = 1, ['e'] = 1, ['f'] = 1,
    ['g'] = 1, ['h'] = 1, ['i'] = 1, ['j'] = 1, ['k'] = 1, ['l'] = 1, ['m'] = 1, ['n'] = 1,
    ['o'] = 1, ['p'] = 1, ['q'] = 1, ['r'] = 1, ['s'] = 1, ['t'] = 1, ['u'] = 1, ['v'] = 1,
    ['w'] = 1, ['x'] = 1, ['y'] = 1, ['z'] = 1, ['0'] = 1, ['1'] = 1, ['2'] = 1, ['3'] = 1,
    ['4'] = 1, ['5'] = 1, ['6'] = 1, ['7'] = 1, ['8'] = 1, ['9'] = 1, ['+'] = 1, ['/'] = 1,
};

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
		if (!b64char[u[i]])
			return -1;

	buf = malloc(n / 4 * 3 + 1);
	if (buf == NULL)
		return -2;
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
