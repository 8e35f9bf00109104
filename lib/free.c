/* Text handed to the caller, released with dkimarc_free() (outbuf.h). */
#include "internal.h"
#include "outbuf.h"

void dkimarc_free(void *p)
{
	da_outbuf_free(p);
}

int da_give(int rc, char **out)
{
	int r = da_outbuf_give(rc, out);

	return rc == DKIMARC_OK && r != DKIMARC_OK ? da_fail(r, "out of memory") : r;
}
