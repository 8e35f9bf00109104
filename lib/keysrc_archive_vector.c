/*
 * Archive format (d): the test vectors' tab-separated dns.txt, read only on
 * request, and the test that tells it, so that other loads refuse it.
 */
#include "keysrc_archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- (d) the test vectors' tab-separated format ------------------------- */

int da_ar_parse_vector(loader *ld)
{
	const char *s;
	size_t n;
	int rc;

	while ((rc = da_ar_next_line(ld, &s, &n)) == 1) {
		char name[MAX_NAME + 1];
		const char *t1, *t2, *type, *why;
		size_t tlen;

		if (da_ar_blank(s, n) || s[0] == '#')
			continue;
		t1 = memchr(s, '\t', n);
		if (t1 == NULL)
			return da_ar_fail_at(ld, ld->lineno, "expected NAME<TAB>TYPE[<TAB>DATA]");
		if ((why = da_ar_name_norm(s, (size_t)(t1 - s), name)) != NULL)
			return da_ar_fail_at(ld, ld->lineno, "%s: '%.*s'", why,
			                     show_len((size_t)(t1 - s)), s);
		type = t1 + 1;
		t2 = memchr(type, '\t', (size_t)(s + n - type));
		tlen = (size_t)((t2 ? t2 : s + n) - type);
		if (tlen == 3 && memcmp(type, "TXT", 3) == 0) {
			if (t2 == NULL)
				return da_ar_fail_at(ld, ld->lineno,
				                     "TXT without a <TAB>DATA field");
			rc = da_ar_store_txt(ld, name, t2 + 1, (size_t)(s + n - t2 - 1), ld->lineno,
			                     &no_provenance);
		} else {
			enum mark m = MARK_NONE;

			for (int k = MARK_NXDOMAIN; k <= MARK_TIMEOUT; k++)
				if (tlen == strlen(mark_names[k]) &&
				    memcmp(type, mark_names[k], tlen) == 0)
					m = (enum mark)k;
			if (m == MARK_NONE)
				return da_ar_fail_at(ld, ld->lineno,
				                     "unknown type '%.*s' (expected TXT, NXDOMAIN, "
				                     "SERVFAIL or TIMEOUT)",
				                     show_len(tlen), type);
			if (t2 != NULL)
				return da_ar_fail_at(ld, ld->lineno, "unexpected data after %s",
				                     mark_names[m]);
			rc = da_ar_store_mark(ld, name, m, ld->lineno);
		}
		if (rc != DKIMARC_OK)
			return rc;
	}
	return rc < 0 ? rc : DKIMARC_OK;
}

/* name<TAB>TXT<TAB>data (data not quoted) or name<TAB>NXDOMAIN|SERVFAIL|TIMEOUT */
bool da_ar_vector_line(const char *s, size_t n)
{
	const char *t1 = memchr(s, '\t', n), *type, *t2;
	size_t tlen;

	if (t1 == NULL || t1 == s || memchr(s, ' ', (size_t)(t1 - s)) != NULL)
		return false;
	type = t1 + 1;
	t2 = memchr(type, '\t', (size_t)(s + n - type));
	tlen = (size_t)((t2 ? t2 : s + n) - type);
	if (tlen == 3 && memcmp(type, "TXT", 3) == 0)
		/* A quoted string after TXT is zone syntax with tabs. */
		return t2 != NULL && (t2 + 1 == s + n || t2[1] != '"');
	return t2 == NULL && ((tlen == 8 && memcmp(type, "NXDOMAIN", 8) == 0) ||
	                      (tlen == 8 && memcmp(type, "SERVFAIL", 8) == 0) ||
	                      (tlen == 7 && memcmp(type, "TIMEOUT", 7) == 0));
}
