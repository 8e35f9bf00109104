/* A message held in memory, read for signing exactly as the verifier reads it. */
#ifndef DKIMARC_INMSG_H
#define DKIMARC_INMSG_H

#include "msg.h"

/* The verifier's default header limits (docs/limits.md). */
#define DA_INMSG_MAX_FIELDS      2000
#define DA_INMSG_MAX_FIELD_BYTES (64 * 1024)
#define DA_INMSG_MAX_HEADER      (1024 * 1024)

typedef struct {
	const char *buf; /* the caller's bytes, not copied */
	size_t len;
	bool lf;         /* bare-LF line ends, read as CRLF */
	char *hconv;     /* LF mode: the header converted to CRLF */
	size_t body_off; /* where the body starts in buf (len when there is none) */
	da_header hdr;   /* the header's fields, CRLF form */
} da_inmsg;

/*
 * Reads buf as lib/dkim.c does: skips an mbox "From " first line, takes the
 * line-end convention from the first line, splits the header at the first
 * empty line (all header when there is none). Returns DKIMARC_OK, or
 * DKIMARC_ELIMIT / DKIMARC_ENOMEM with da_fail set; close it either way.
 */
DA_HIDDEN int da_inmsg_open(da_inmsg *m, const char *buf, size_t len);
/* Feeds the body to sink in CRLF form (bare LFs read as CRLF in LF mode). */
DA_HIDDEN void da_inmsg_body(const da_inmsg *m, da_sink sink, void *arg);
DA_HIDDEN void da_inmsg_close(da_inmsg *m);
/* Copies s with each CRLF made LF when m is in LF mode; malloc'd, or NULL. */
DA_HIDDEN char *da_inmsg_line_ends(const da_inmsg *m, const char *s);

#endif
