/* Header field selection by h= (RFC 6376 §5.4.2): one implementation for signers and verifiers. */
#include "hdrsel.h"

#include <stdlib.h>
#include <string.h>

void da_headers_canon(const da_header *h, const char *const *names, size_t n, da_canon c,
                      bool *used, da_sink sink, void *arg)
{
	for (size_t i = 0; i < n; i++) {
		/* Bottom-up: the last unused instance of the name. */
		for (size_t j = h->n; j-- > 0;) {
			if (used[j] || !da_field_is(&h->f[j], names[i]))
				continue;
			used[j] = true;
			da_canon_header(c, h->f[j].raw, h->f[j].len, true, sink, arg);
			break;
		}
	}
}

int da_sigfield_canon(da_canon c, const char *raw, size_t len, size_t b_off, size_t b_end,
                      da_sink sink, void *arg)
{
	char *tmp = malloc(len + 1);

	if (tmp == NULL)
		return -1;
	memcpy(tmp, raw, b_off);
	memcpy(tmp + b_off, raw + b_end, len - b_end);
	da_canon_header(c, tmp, len - (b_end - b_off), false, sink, arg);
	free(tmp);
	return 0;
}
