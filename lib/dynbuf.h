/*
 * One growable text buffer with a size cap, for everything the libraries
 * build piece by piece (reports, JSON, Authentication-Results, archive
 * tokens). The first failure sticks: later additions do nothing, so a writer
 * checks once, at the end. Inline, because both libraries (the core and the
 * corpus reader) build text and the corpus library cannot call the core's
 * hidden functions.
 */
#ifndef DKIMARC_DYNBUF_H
#define DKIMARC_DYNBUF_H

#include "dkimarc/common.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Without a cap of its own, no buffer grows past this: far above any report or key. */
#define DA_DYN_MAX_DEFAULT ((size_t)256 << 20)

/*
 * The cap of text that renders what is already in memory (a report, a
 * header field, JSON): its size follows from data the context's limits
 * bounded where it came in, and a caller may raise those limits, so any cap
 * of its own could refuse a true report. Only memory bounds it.
 */
#define DA_DYN_NO_CAP SIZE_MAX

typedef struct {
	char *p;         /* NUL-terminated once anything was added */
	size_t len, cap; /* bytes held (the NUL not counted), bytes allocated */
	size_t max;      /* the most len may reach; 0: DA_DYN_MAX_DEFAULT */
	int err;         /* DKIMARC_OK, or the first failure: DKIMARC_ENOMEM or DKIMARC_ELIMIT */
} da_dyn;

#define DA_DYN_INIT                                                                                \
	{                                                                                          \
		NULL, 0, 0, 0, DKIMARC_OK                                                          \
	}

static inline void da_dyn_init(da_dyn *b, size_t max)
{
	*b = (da_dyn)DA_DYN_INIT;
	b->max = max;
}

/* Room for more bytes and the NUL; sets b->err and returns it when there is none. */
static inline int da_dyn_reserve(da_dyn *b, size_t more)
{
	size_t max = b->max ? b->max : DA_DYN_MAX_DEFAULT;
	if (max > SIZE_MAX / 4)
		max = SIZE_MAX / 4; /* so that doubling cannot wrap */
	if (b->err != DKIMARC_OK)
		return b->err;
	if (more > max || b->len > max - more)
		return b->err = DKIMARC_ELIMIT;
	if (b->len + more < b->cap)
		return DKIMARC_OK;
	size_t cap = b->cap ? b->cap : max < 256 ? max + 1 : 256; /* never past the cap */
	while (cap <= b->len + more)
		cap = cap > (max + 1) / 2 ? max + 1 : cap * 2;
	char *np = realloc(b->p, cap);
	if (np == NULL)
		return b->err = DKIMARC_ENOMEM;
	b->p = np;
	b->cap = cap;
	return DKIMARC_OK;
}

static inline int da_dyn_add(da_dyn *b, const void *s, size_t n)
{
	if (da_dyn_reserve(b, n) != DKIMARC_OK)
		return b->err;
	if (n)
		memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
	return DKIMARC_OK;
}

static inline int da_dyn_addc(da_dyn *b, char c)
{
	return da_dyn_add(b, &c, 1);
}

static inline int da_dyn_adds(da_dyn *b, const char *s)
{
	return da_dyn_add(b, s, strlen(s));
}

static inline int da_dyn_vaddf(da_dyn *b, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

static inline int da_dyn_vaddf(da_dyn *b, const char *fmt, va_list ap)
{
	va_list again;
	if (b->err != DKIMARC_OK)
		return b->err;
	va_copy(again, ap);
	size_t room = b->cap > b->len ? b->cap - b->len : 0;
	int n = vsnprintf(room ? b->p + b->len : NULL, room, fmt, ap);
	if (n >= 0 && (size_t)n >= room && da_dyn_reserve(b, (size_t)n) == DKIMARC_OK)
		vsnprintf(b->p + b->len, (size_t)n + 1, fmt, again);
	va_end(again);
	if (n < 0)
		b->err = DKIMARC_ENOMEM; /* vsnprintf fails only on a bad format or no memory */
	if (b->err != DKIMARC_OK) {
		if (b->p)
			b->p[b->len] = '\0';
		return b->err;
	}
	b->len += (size_t)n;
	return DKIMARC_OK;
}

static inline int da_dyn_addf(da_dyn *b, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static inline int da_dyn_addf(da_dyn *b, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int rc = da_dyn_vaddf(b, fmt, ap);
	va_end(ap);
	return rc;
}

/* Records a failure met outside the buffer (a piece that could not be made); the first sticks. */
static inline int da_dyn_fail(da_dyn *b, int err)
{
	if (b->err == DKIMARC_OK)
		b->err = err;
	return b->err;
}

/* Empties the buffer for reuse, keeping its memory and its cap; clears a failure. */
static inline void da_dyn_reset(da_dyn *b)
{
	b->len = 0;
	b->err = DKIMARC_OK;
	if (b->p)
		b->p[0] = '\0';
}

/* Releases the memory; the bytes are wiped first, as they may hold secrets. */
static inline void da_dyn_free(da_dyn *b)
{
	if (b->p) {
		explicit_bzero(b->p, b->cap);
		free(b->p);
	}
	size_t max = b->max;
	da_dyn_init(b, max);
}

/*
 * The text as a malloc'd string ("" when nothing was added), or NULL after a
 * failure (b->err says which, and the buffer is freed). The buffer is left
 * empty, ready for reuse.
 */
static inline char *da_dyn_take(da_dyn *b)
{
	if (b->err != DKIMARC_OK) {
		int err = b->err;
		da_dyn_free(b);
		b->err = err;
		return NULL;
	}
	char *s = b->p ? b->p : calloc(1, 1);
	size_t max = b->max;
	da_dyn_init(b, max); /* the memory is the caller's now */
	if (s == NULL)
		b->err = DKIMARC_ENOMEM;
	return s;
}

#endif
