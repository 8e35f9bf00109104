/*
 * ARC-Authentication-Results values (RFC 8617 §4.1.1): "i=N;" followed by
 * an Authentication-Results payload (RFC 8601 §2.2), read far enough to
 * show what a hop saw: its authserv-id and its method results.
 */
#ifndef DKIMARC_AAR_H
#define DKIMARC_AAR_H

#include "internal.h"

/* Method results kept per AAR at most; a field is also bounded by the field limit. */
#define DA_AAR_MAX_RESULTS 64

typedef struct {
	char *authserv_id; /* NULL when unreadable */
	char **results;    /* "dkim=pass header.d=example.com": no comments, spaces collapsed */
	size_t n;
} da_aar;

/* An i= value saturates here: read whole, it never overflows. */
#define DA_ARC_INST_MAX 1000000000000LL

/*
 * Reads the leading [CFWS] "i" [CFWS] "=" [CFWS] 1*DIGIT [CFWS] ";". Returns
 * 1 with *inst (saturating at 10^12; may be 0) and *payload (offset after the
 * ';'), or 0 when the value does not start that way.
 */
DA_HIDDEN int da_aar_instance(const char *v, size_t n, int64_t *inst, size_t *payload);

/*
 * The instance of an ARC field's value v[0..n): an AAR's leading i= (as
 * above) or an AMS's or AS's i= tag, found even when the tag list is
 * otherwise broken. The one reading of i= for the validator (arc.c) and the
 * sealer (seal.c). Returns 1 with *inst (saturating; may be 0), or 0 with
 * *why (0 absent, 1 not digits) and val the value as written (for messages;
 * vallen > 0).
 */
DA_HIDDEN int da_arc_instance(const char *v, size_t n, bool aar, int64_t *inst, int *why, char *val,
                              size_t vallen);

/* Parses the payload v[0..n). Returns DKIMARC_OK or DKIMARC_ENOMEM. */
DA_HIDDEN int da_aar_parse(const char *v, size_t n, da_aar *out);
DA_HIDDEN void da_aar_clear(da_aar *a);

#endif
