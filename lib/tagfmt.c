/*
 * Writing tag=value header fields, folded so that lib/tags.c reads them back:
 * folds are CRLF TAB, placed between tags, inside base64 values and after the
 * colons of h=, where RFC 6376's grammar allows FWS.
 */
#include "tagfmt.h"

#include <stdlib.h>
#include <string.h>

/* A breakable value starts on the current line only when this much room remains. */
#define MIN_START 16
/* The last line of a folded base64 value holds at least this much. */
#define TAIL_MIN 8

static void put(da_fieldfmt *f, const char *p, size_t n)
{
	da_dyn_add(&f->out, p, n);
	f->col += n;
}

static void fold(da_fieldfmt *f)
{
	put(f, "\r\n\t", 3);
	f->col = 8;
}

void da_ff_init(da_fieldfmt *f, const char *name, size_t width)
{
	memset(f, 0, sizeof *f);
	da_dyn_init(&f->out, DA_DYN_NO_CAP);
	f->width = width ? width : SIZE_MAX / 2;
	put(f, name, strlen(name));
	put(f, ":", 1);
}

/* The separator before a tag whose first unbreakable run is need columns. */
static void separate(da_fieldfmt *f, size_t need)
{
	if (f->ntags++ > 0)
		put(f, ";", 1);
	if (f->ntags > 1 && f->col + 1 + need > f->width)
		fold(f);
	else
		put(f, " ", 1);
}

/* Writes val, folding where brk allows so that lines keep within the width. */
static void value(da_fieldfmt *f, const char *val, size_t n, int brk)
{
	size_t i = 0;

	while (i < n) {
		size_t run;

		if (brk == DA_BRK_ANY) {
			/* Leave a column for the ';' that may follow. */
			if (f->col + 1 >= f->width)
				fold(f);
			run = n - i;
			if (run > f->width - 1 - f->col) {
				run = f->width - 1 - f->col;
				/* No stub of a few characters on a line of its own. */
				if (n - i - run < TAIL_MIN && run > TAIL_MIN)
					run -= TAIL_MIN - (n - i - run);
			}
			put(f, val + i, run);
			i += run;
			if (i < n)
				fold(f);
			continue;
		} else if (brk == DA_BRK_COLON) {
			const char *c = memchr(val + i, ':', n - i);

			run = c ? (size_t)(c - (val + i)) + 1 : n - i;
			if (f->col + run + 1 > f->width && f->col > 8)
				fold(f);
		} else {
			run = n - i;
		}
		put(f, val + i, run);
		i += run;
	}
}

void da_ff_tag(da_fieldfmt *f, const char *tag, const char *val, int brk)
{
	size_t tl = strlen(tag), vl = strlen(val);
	size_t need = tl + 1 + vl + 1;

	/*
	 * A value that fits on a line of its own goes there whole: a fold inside
	 * h= or bh= would become a space under relaxed canonicalization, and
	 * other signers' output would no longer hash the same.
	 */
	if (brk != DA_BRK_NONE && need > f->width - 8)
		need = tl + 1 + MIN_START;
	separate(f, need);
	put(f, tag, tl);
	put(f, "=", 1);
	value(f, val, vl, brk);
}

void da_ff_b(da_fieldfmt *f, size_t vlen)
{
	char *ph = malloc(vlen + 1);

	if (ph == NULL) {
		da_dyn_fail(&f->out, DKIMARC_ENOMEM);
		return;
	}
	memset(ph, 'A', vlen);
	ph[vlen] = '\0';
	/* b= starts a line unless it fits whole: the signature stands out. */
	separate(f, vlen + 3 + 1 > f->width - f->col ? f->width : vlen + 3);
	put(f, "b=", 2);
	f->b_off = f->out.len;
	value(f, ph, vlen, DA_BRK_ANY);
	f->b_end = f->out.len;
	free(ph);
}

void da_ff_fill_b(da_fieldfmt *f, const char *b64)
{
	if (f->out.err != DKIMARC_OK)
		return;
	for (size_t i = f->b_off; i < f->b_end && *b64; i++) {
		char c = f->out.p[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			f->out.p[i] = *b64++;
	}
}

int da_ff_status(const da_fieldfmt *f)
{
	return f->out.err != DKIMARC_OK ? -1 : 0;
}

void da_ff_free(da_fieldfmt *f)
{
	da_dyn_free(&f->out);
	memset(f, 0, sizeof *f);
}
