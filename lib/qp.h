/*
 * Quoted-printable (RFC 2045 §6.7) of whole bodies, for the diagnosis: a
 * body re-encoded in transit is decoded or encoded again on a copy.
 */
#ifndef DKIMARC_QP_H
#define DKIMARC_QP_H

#include "internal.h"

/*
 * Encodes a body (CRLF line ends) as common encoders write it: CRLF kept as
 * hard line breaks; '=', controls, bytes over 126, and SP or HTAB before a
 * hard break as "=XX"; soft breaks ("=" CRLF) keeping lines within 76
 * columns; never an "=XX" split. Writes at most cap bytes of the encoding to
 * out (out may be NULL when cap is 0) and returns the length of the whole
 * encoding, so that one call sizes a buffer and a second fills it; SIZE_MAX
 * when a body that long could not be encoded in memory. Nothing else (no
 * NUL) is written.
 */
DA_HIDDEN size_t da_qp_encode(const char *p, size_t n, char *out, size_t cap);

/* The encoding in a new buffer of exactly *outlen bytes (one more when 0); NULL: memory. */
DA_HIDDEN char *da_qp_encode_dup(const char *p, size_t n, size_t *outlen);

/* Decodes "=XX" (upper-case hex) and soft breaks; any other byte is kept. NULL: memory. */
DA_HIDDEN char *da_qp_decode_dup(const char *p, size_t n, size_t *outlen);

#endif
