/*
 * One signature's entry in a report (dkimarc_sig), a DKIM signature's or an
 * ARC set's alike: its lifetime. Below report.c and arcreport.c, which both
 * clear entries, so that neither needs the other for it.
 */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

void da_sig_clear(dkimarc_sig *s)
{
	if (!s)
		return;
	free(s->reason_text);
	free(s->domain);
	free(s->selector);
	free(s->algorithm);
	free(s->auid);
	free(s->canon);
	free(s->key_source);
	free(s->key_choice);
	/* Safe on a zeroed key too, so a half-filled sig can be cleared. */
	da_keyrec_free_strings(&s->key);
	for (size_t i = 0; i < s->nheaders; i++)
		free(s->headers[i]);
	free(s->headers);
	da_sigx_free(s->fx);
	memset(s, 0, sizeof *s);
}
