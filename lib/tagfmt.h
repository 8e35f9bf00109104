/* Writing tag=value header fields (RFC 6376 §3.2), folded, with a b= placeholder. */
#ifndef DKIMARC_TAGFMT_H
#define DKIMARC_TAGFMT_H

#include "dynbuf.h"
#include "internal.h"

#define DA_FOLD_WIDTH     78 /* RFC 5322 §2.1.1: lines SHOULD stay within 78 characters */
#define DA_FOLD_WIDTH_MIN 40 /* narrower leaves no room for a tag and its value */

/* Where a value may be folded: nowhere, anywhere (base64), after a ':' (h=). */
enum { DA_BRK_NONE, DA_BRK_ANY, DA_BRK_COLON };

typedef struct {
	da_dyn out;   /* the field so far (out.p, out.len); no cap: h= lists header names */
	size_t width; /* fold before this column; SIZE_MAX / 2: never */
	size_t col;   /* column of the next byte, a leading TAB counting 8 */
	size_t ntags;
	size_t b_off, b_end; /* the b= value region, as lib/tags.c delimits it */
} da_fieldfmt;

/* Starts the field "name:", folded within width columns (0: not folded). */
DA_HIDDEN void da_ff_init(da_fieldfmt *f, const char *name, size_t width);
/* Appends "; tag=value" (or " tag=value" first), folding before it or within it. */
DA_HIDDEN void da_ff_tag(da_fieldfmt *f, const char *tag, const char *val, int brk);
/* Appends b= with a placeholder of vlen base64 characters, folded like a value. */
DA_HIDDEN void da_ff_b(da_fieldfmt *f, size_t vlen);
/* Writes the vlen base64 characters of b64 over the placeholder, keeping the folds. */
DA_HIDDEN void da_ff_fill_b(da_fieldfmt *f, const char *b64);
/* Returns 0, or -1 when an allocation failed along the way. */
DA_HIDDEN int da_ff_status(const da_fieldfmt *f);
DA_HIDDEN void da_ff_free(da_fieldfmt *f);

#endif
