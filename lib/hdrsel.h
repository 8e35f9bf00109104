/* Header field selection by h= (RFC 6376 §5.4.2), shared by verifying and signing. */
#ifndef DKIMARC_HDRSEL_H
#define DKIMARC_HDRSEL_H

#include "msg.h"

/*
 * Feeds sink the canonical form, each followed by CRLF, of the fields that
 * the names select: for each name in order, the bottom-most field of that
 * name not yet used; a name with no such field selects nothing (so naming a
 * field once more than it occurs "oversigns" it). used has h->n entries:
 * the caller marks fields that must never be selected (the signature
 * itself), and selected fields are marked as they are taken. No name is
 * NULL: skipping one would hash other bytes than were signed.
 */
DA_HIDDEN void da_headers_canon(const da_header *h, const char *const *names, size_t n, da_canon c,
                                bool *used, da_sink sink, void *arg);

/*
 * Feeds sink a signature field as its signer hashed it (RFC 6376 §3.7): raw
 * bytes (no final CRLF) with the b= value, [b_off, b_end), removed, then
 * canonicalized, with no CRLF after it. Returns 0, or -1 when out of memory.
 */
DA_HIDDEN int da_sigfield_canon(da_canon c, const char *raw, size_t len, size_t b_off, size_t b_end,
                                da_sink sink, void *arg);

#endif
