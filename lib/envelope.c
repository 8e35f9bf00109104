/*
 * The leading mbox envelope line ("From sender date") that every reader of a
 * message skips: verifier, signer and corpus. A file of its own because the
 * corpus library (libdkimarc-corpus) compiles it too: it cannot call the
 * core's hidden symbols, and it must draw the line where the verifier does.
 */
#include "msg.h"

#include <string.h>

size_t da_envelope_line(const char *p, size_t n, bool final)
{
	if (n < 5)
		return final || memcmp(p, "From ", n) != 0 ? 0 : DA_NEED_MORE;
	if (memcmp(p, "From ", 5) != 0)
		return 0;
	size_t k = 5;
	while (k < n && (p[k] == ' ' || p[k] == '\t'))
		k++;
	if (k == n)
		return final ? 0 : DA_NEED_MORE;
	if (p[k] == ':')
		return 0; /* "From :": a header field */
	const char *nl = memchr(p + k, '\n', n - k);
	if (!nl)
		return final ? 0 : DA_NEED_MORE;
	return (size_t)(nl - p) + 1;
}
