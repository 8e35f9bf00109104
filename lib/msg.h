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
 * The boundaries every reader of a message shares (verifier, signer, corpus):
 *
 * da_envelope_line: the length (through its LF) of a leading mbox envelope
 * line, "From sender date", which is skipped; 0 when p does not start with
 * one; DA_NEED_MORE when more bytes are needed to tell (final: there are
 * none). "From :" (white space, then a colon) is a header field, not one:
 * mail readers show it as From.
 *
 * da_blank_line: looks for the blank line that ends the header in
 * src[from..len), from a line start: a LF followed by LF or CRLF, or an
 * empty first line (start marks where the header starts). Returns where the
 * body starts and sets *hend (the header's end), or 0 when none is there yet.
 */
#define DA_NEED_MORE ((size_t)-1)
DA_HIDDEN size_t da_envelope_line(const char *p, size_t n, bool final);
DA_HIDDEN size_t da_blank_line(const char *src, size_t start, size_t from, size_t len,
                               size_t *hend);

/* RFC 5322 date-time to unix time; -1 when it cannot be read. */
DA_HIDDEN int64_t da_parse_rfc5322_date(const char *v, size_t n);

#endif
