/* From per-signature results to one message verdict (docs/verdicts.md). */
#ifndef DKIMARC_VERDICT_H
#define DKIMARC_VERDICT_H

#include "internal.h"

typedef struct {
	bool lf;        /* stored with bare LF line ends */
	size_t nfrom;   /* From fields in the header */
	bool limit_hit; /* a header limit stopped parsing */
	const char *limit_why;
} da_msgfacts;

/* Sets r->verdict, r->verdict_reason and r->flags from r->sigs and mf. */
DA_HIDDEN void da_verdict_decide(dkimarc_report *r, const da_msgfacts *mf);

#endif
