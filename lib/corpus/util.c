/* The corpus library's error and string helpers (corpus_internal.h). */
#include "corpus_internal.h"
#include "outbuf.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int dc_fail(int status, const char *fmt, ...)
{
	char msg[512];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return dkimarc_set_error(status, msg);
}

char *dc_strdup(const char *s)
{
	return s ? strdup(s) : NULL;
}

int dc_give(int rc, char **out)
{
	int r = da_outbuf_give(rc, out);

	return rc == DKIMARC_OK && r != DKIMARC_OK ? dc_fail(r, "out of memory") : r;
}
