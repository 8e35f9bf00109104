/* From per-signature results to one message verdict (docs/verdicts.md). */
#ifndef DKIMARC_VERDICT_H
#define DKIMARC_VERDICT_H

#include "addr.h"
#include "internal.h"
#include "msg.h"

typedef struct {
	bool lf;      /* stored with bare LF line ends only */
	bool mixed;   /* both CRLF and bare LF line ends */
	size_t nfrom; /* From fields in the header */
	bool from_ambiguous;
	const da_addrlist *from; /* the topmost From's mailboxes, or NULL */
	const char *from_why;    /* why From does not read one way, or NULL */
	bool limit_hit;          /* a header limit stopped parsing */
	const char *limit_why;
	const da_header *hdr; /* the header as verified; NULL past a limit */
	const char *hblock;   /* the bytes hdr was split from */
	size_t hblock_len;
	const bool *const *cov; /* per signature of the report: the fields it covers, or NULL */
} da_msgfacts;

/*
 * Sets r->verdict, r->verdict_code, r->verdict_reason and r->flags from
 * r->sigs and mf. Returns DKIMARC_OK or DKIMARC_ENOMEM.
 */
DA_HIDDEN int da_verdict_decide(dkimarc_report *r, const da_msgfacts *mf);

#endif
