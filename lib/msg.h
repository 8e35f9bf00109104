/* A message's header: fields split with their folding kept, zero-copy. */
#ifndef DKIMARC_MSG_H
#define DKIMARC_MSG_H

#include "internal.h"

#include <string.h>
#include <strings.h>

typedef struct {
	const char *raw; /* from the name to the end of the last line, no final CRLF */
	size_t len;
	size_t name_len;  /* name without WSP before the colon; 0 when no colon */
	size_t value_off; /* offset of the value (just after the colon) in raw */
	bool has_colon;
} da_field;

typedef struct {
	da_field *f;
	size_t n, cap;
} da_header;

/*
 * Splits a CRLF header block (fields, each ending in CRLF; the last one may
 * lack it) into fields. Returns DKIMARC_OK, DKIMARC_ENOMEM, or DKIMARC_ELIMIT
 * (too many fields, or a field too long) with *why naming the limit.
 */
DA_HIDDEN int da_header_split(const char *h, size_t len, uint64_t max_fields,
                              uint64_t max_field_bytes, da_header *out, const char **why);
DA_HIDDEN void da_header_free(da_header *h);
/*
 * True when the field's name equals name, ignoring ASCII case. Inline: it
 * runs for every field times every name looked for, mostly with constant
 * names whose length the compiler knows.
 */
static inline bool da_field_is(const da_field *f, const char *name)
{
	size_t n = strlen(name);
	return f->has_colon && f->name_len == n && strncasecmp(f->raw, name, n) == 0;
}

/*
 * Domains of the mailboxes in a From value (lower case, trailing dot
 * dropped). Returns the count found (at most max), each malloc'd.
 */
DA_HIDDEN size_t da_from_domains(const char *v, size_t n, char **out, size_t max);

/* RFC 5322 date-time to unix time; -1 when it cannot be read. */
DA_HIDDEN int64_t da_parse_rfc5322_date(const char *v, size_t n);

#endif
