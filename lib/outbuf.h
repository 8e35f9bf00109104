/*
 * Text handed to the caller, to release with dkimarc_free(): a header in
 * front of the bytes holds their size, so that dkimarc_free() wipes all of
 * them (private keys, PEMs) before it frees them, and knows the pointer for
 * one of ours. Inline, because both libraries hand text over (the corpus
 * library cannot call the core's hidden functions) and the layout must be
 * one.
 */
#ifndef DKIMARC_OUTBUF_H
#define DKIMARC_OUTBUF_H

#include "dkimarc/common.h"

#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#define DA_OUTBUF_MAGIC 0x64614f42u /* "daOB" */

typedef union {
	max_align_t align; /* the text after the header stays aligned for anything */
	struct {
		size_t size; /* bytes after the header, the final NUL included */
		uint32_t magic;
	} h;
} da_outbuf_hdr;

/*
 * Moves the malloc'd string s into a buffer for dkimarc_free(): returns the
 * copy, or NULL when out of memory. s is wiped and freed either way; NULL
 * gives NULL.
 */
static inline char *da_outbuf_take(char *s)
{
	if (s == NULL)
		return NULL;
	size_t n = strlen(s) + 1;
	da_outbuf_hdr *h = n <= SIZE_MAX - sizeof *h ? malloc(sizeof *h + n) : NULL;
	char *out = NULL;
	if (h != NULL) {
		/* All zero: free() given our pointer by mistake finds no heap chunk size. */
		memset(h, 0, sizeof *h);
		h->h.size = n;
		h->h.magic = DA_OUTBUF_MAGIC;
		out = (char *)(h + 1);
		memcpy(out, s, n);
	}
	explicit_bzero(s, n);
	free(s);
	return out;
}

/* dkimarc_free(): wipes and frees a buffer of da_outbuf_take(); aborts on any other pointer. */
static inline void da_outbuf_free(void *p)
{
	if (p == NULL)
		return;
	da_outbuf_hdr *h = (da_outbuf_hdr *)p - 1;
	if (h->h.magic != DA_OUTBUF_MAGIC)
		abort(); /* not ours, or freed twice: as free() does for a pointer it never gave */
	explicit_bzero(h, sizeof *h + h->h.size);
	free(h);
}

/*
 * For a public function's result, called with what it returned: with rc
 * DKIMARC_OK, moves *out (a malloc'd string, or NULL) into a buffer for
 * dkimarc_free() and returns DKIMARC_OK, or DKIMARC_ENOMEM (*out NULL) when
 * that fails: the caller then sets the message. With another rc, *out is
 * NULL and rc is returned: the function freed what it had made.
 */
static inline int da_outbuf_give(int rc, char **out)
{
	if (out == NULL)
		return rc;
	if (rc != DKIMARC_OK) {
		*out = NULL;
		return rc;
	}
	if (*out == NULL)
		return rc;
	*out = da_outbuf_take(*out);
	return *out != NULL ? DKIMARC_OK : DKIMARC_ENOMEM;
}

#endif
