/* Key findings from outside the key, by fingerprint (keymarks.h). */
#include "keymarks.h"

#include <stdlib.h>
#include <string.h>

int da_keymarks_add(da_keymarks *m, const unsigned char fp[32], dkimarc_reason r, int64_t published,
                    const char *text)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? 2 * m->cap : 16;
		da_keymark *v = realloc(m->v, cap * sizeof *v);
		if (!v)
			return -1;
		m->v = v;
		m->cap = cap;
	}
	da_keymark *k = &m->v[m->n];
	memcpy(k->fp, fp, 32);
	k->reason = r;
	k->published = published;
	if (!(k->text = da_strdup(text)))
		return -1;
	m->n++;
	return 0;
}

static int cmp_mark(const void *a, const void *b)
{
	const da_keymark *x = a, *y = b;
	int c = memcmp(x->fp, y->fp, 32);
	if (c)
		return c;
	if (x->reason != y->reason)
		return x->reason < y->reason ? -1 : 1;
	/* The earliest publication first: it is the one that counts. */
	int64_t px = x->published < 0 ? INT64_MIN : x->published;
	int64_t py = y->published < 0 ? INT64_MIN : y->published;
	return px < py ? -1 : px > py;
}

void da_keymarks_sort(da_keymarks *m)
{
	if (m->n > 1)
		qsort(m->v, m->n, sizeof *m->v, cmp_mark);
}

const da_keymark *da_keymarks_find(const da_keymarks *m, const unsigned char fp[32],
                                   dkimarc_reason r)
{
	size_t lo = 0, hi = m ? m->n : 0;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const da_keymark *k = &m->v[mid];
		int c = memcmp(k->fp, fp, 32);
		if (c < 0 || (c == 0 && k->reason < r))
			lo = mid + 1;
		else
			hi = mid;
	}
	if (m && lo < m->n && memcmp(m->v[lo].fp, fp, 32) == 0 && m->v[lo].reason == r)
		return &m->v[lo];
	return NULL;
}

void da_keymarks_free(da_keymarks *m)
{
	if (!m)
		return;
	for (size_t i = 0; i < m->n; i++)
		free(m->v[i].text);
	free(m->v);
	free(m);
}
