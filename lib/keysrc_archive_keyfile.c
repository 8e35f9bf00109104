/* Archive format (a): OpenDKIM key-file lines, "selector._domainkey.domain TXT-data". */
#include "keysrc_archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- (a) OpenDKIM key-file lines ---------------------------------------- */

int da_ar_parse_keyfile(loader *ld)
{
	const char *s;
	size_t n;
	da_dyn txt;
	int rc;

	da_dyn_init(&txt, MAX_DECODED);
	while ((rc = da_ar_next_line(ld, &s, &n)) == 1) {
		char name[MAX_NAME + 1];
		const char *why;
		size_t i = 0, name_end;

		while (i < n && is_ws(s[i]))
			i++;
		if (i == n || s[i] == '#')
			continue;
		name_end = i;
		while (name_end < n && !is_ws(s[name_end]))
			name_end++;
		if ((why = da_ar_name_norm(s + i, name_end - i, name)) != NULL) {
			rc = da_ar_fail_at(ld, ld->lineno, "%s: '%.*s'", why,
			                   show_len(name_end - i), s + i);
			break;
		}
		i = name_end;
		while (i < n && is_ws(s[i]))
			i++;
		while (n > i && is_ws(s[n - 1]))
			n--;
		if (i == n) {
			rc =
			    da_ar_fail_at(ld, ld->lineno, "no record text after the name %s", name);
			break;
		}
		da_dyn_reset(&txt);
		if (s[i] != '"') {
			rc = da_ar_put(ld, &txt, s + i, n - i);
		} else {
			/* One or more quoted strings, concatenated. */
			while (i < n) {
				if (s[i] != '"') {
					rc = da_ar_fail_at(ld, ld->lineno,
					                   "text after a quoted string: '%.*s'",
					                   show_len(n - i), s + i);
					break;
				}
				if ((rc = da_ar_read_quoted(ld, s, n, &i, &txt)) != DKIMARC_OK)
					break;
				while (i < n && is_ws(s[i]))
					i++;
			}
		}
		if (rc == DKIMARC_OK)
			rc = da_ar_store_txt(ld, name, txt.p ? txt.p : "", txt.len, ld->lineno,
			                     &no_provenance);
		if (rc != DKIMARC_OK)
			break;
	}
	da_dyn_free(&txt);
	return rc < 0 ? rc : DKIMARC_OK;
}
