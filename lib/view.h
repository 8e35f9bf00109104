/*
 * What a mail reader shows of a header, against what the signatures cover
 * (docs/verdicts.md, "What confirmed promises"). Readers split header lines
 * at CRLF, LF and bare CR, end the header at the first line that is not a
 * field, and show the topmost instance of a field; DKIM splits at LF only
 * and signs instances from the bottom. These checks find where the two
 * readings part.
 */
#ifndef DKIMARC_VIEW_H
#define DKIMARC_VIEW_H

#include "msg.h"

/* A field's problem as a reader would see it (da_view_malformed). */
typedef enum {
	DA_VIEW_OK = 0,
	DA_VIEW_NO_COLON,    /* a line that is neither a field nor a continuation */
	DA_VIEW_BAD_NAME,    /* a byte outside RFC 5322 ftext, or WSP, in the name */
	DA_VIEW_LEADING_WSP, /* the header's first line starts with white space */
	DA_VIEW_BARE_CR,     /* a CR not before LF, in a field no passing signature covers */
} da_view_problem;

/* Where a check found its problem, for the verdict's sentence. */
typedef struct {
	da_view_problem problem;
	size_t field;     /* index in the header */
	size_t line;      /* 1-based line number of the field's first line in the header */
	const char *name; /* the field name concerned (static), for added and differs */
} da_view_hit;

/*
 * The first field whose lines readers split otherwise: no colon, a bad
 * name, leading white space, or a bare CR in a field that covered (hdr->n
 * entries, may be NULL) does not mark. Returns true and fills *hit.
 */
DA_HIDDEN bool da_view_malformed(const da_header *hdr, const bool *covered, da_view_hit *hit);

/*
 * A field RFC 5322 §3.6 or RFC 2045 allows once that occurs more than once
 * with an instance covered does not mark. Returns true and fills *hit
 * (name, and the topmost uncovered instance).
 */
DA_HIDDEN bool da_view_added(const da_header *hdr, const bool *covered, da_view_hit *hit);

/*
 * Splits the header block h[0..len) (the bytes hdr was split from) as a
 * reader does, and compares the topmost From, To, Cc, Subject, Date,
 * Reply-To, Sender, MIME-Version, Content-Type and Content-Transfer-Encoding
 * and where the body starts with DKIM's reading. Returns 1 at the first
 * difference (*hit names the field, or "body" when a reader's header ends
 * before DKIM's), 0 when there is none, DKIMARC_ENOMEM when it cannot tell.
 */
DA_HIDDEN int da_view_differs(const char *h, size_t len, const da_header *hdr, da_view_hit *hit);

/*
 * Display fields present once that covered does not mark, topmost first:
 * up to max static names into names. Returns the count.
 */
DA_HIDDEN size_t da_view_unsigned(const da_header *hdr, const bool *covered, const char **names,
                                  size_t max);

/* A field's line number (1-based) in the header block that starts at h. */
DA_HIDDEN size_t da_view_line(const char *h, const da_field *f);

#endif
