/* Whole-message input and output for the commands that add header fields (sign, seal). */
#ifndef DKIMARC_CLI_MSGIO_H
#define DKIMARC_CLI_MSGIO_H

#include <stdbool.h>
#include <stddef.h>

/* Messages are held whole to be rewritten; larger ones are refused. */
#define MSGIO_MAX_BYTES (256u * 1024 * 1024)

/*
 * Reads path ("-" for standard input) into *buf (malloc'd, NUL-terminated).
 * Returns 0, or -1 after printing why.
 */
int msgio_read(const char *path, char **buf, size_t *len);
/* Makes every bare LF of *buf a CRLF, in place of *buf. Returns 0, or -1 after printing why. */
int msgio_to_crlf(char **buf, size_t *len);
/*
 * Writes fields and then the message to out (NULL or "-" for standard
 * output), the fields after an mbox "From " first line if there is one. A
 * file is written beside out and renamed over it, so it is never left half
 * written. Returns 0, or -1 after printing why.
 */
int msgio_write(const char *out, const char *fields, const char *buf, size_t len);

#endif
