/* mbox reading (mbox.c): separators found by GMime's parser, >From un-quoting. */
#ifndef DKIMARC_MBOX_H
#define DKIMARC_MBOX_H

#include "corpus_internal.h"

/* Longest line taken as an mbox separator; longer "From " lines are body text. */
#define DA_MBOX_SEP_MAX 1024

/*
 * True when line[0..len) (without its line end) is an mbox From_ separator:
 * "From ", a sender, and a date with a time (h:mm) and a four-digit year, as
 * every mbox writer puts it. Body lines that merely begin with "From " (an
 * mbox writer that did not quote them) are not separators.
 */
DA_HIDDEN bool da_mbox_is_separator(const char *line, size_t len);

typedef struct da_mbox da_mbox;

/* One message of an mbox, as byte offsets into the file. */
typedef struct {
	uint64_t index;          /* 0-based position in the file */
	uint64_t sep;            /* offset of its "From " separator line */
	uint64_t start;          /* first byte of the message, after the separator line */
	uint64_t end;            /* one past its last byte (the blank line before the next
	                            separator is the mbox's, not the message's) */
	uint64_t rejected;       /* lines inside beginning "From " not taken as separators */
	uint64_t first_rejected; /* offset of the first of them */
	uint64_t gap;            /* bytes before the separator that belong to no message */
} da_mbox_msg;

/*
 * Opens the mbox at path for reading message by message. fd is an open
 * descriptor for it, positioned at 0, which the reader takes over (closed
 * also on failure). Returns DKIMARC_OK or a status with dc_fail set.
 */
DA_HIDDEN int da_mbox_open(const char *path, int fd, da_mbox **out);
/*
 * The next message: 1 with *out filled, 0 at the end of the file, or a
 * negative status (dc_fail set) when the rest of the file cannot be split;
 * the reader is then at its end.
 */
DA_HIDDEN int da_mbox_next(da_mbox *mb, da_mbox_msg *out);
/* Where the reader is: the end of the last message returned. */
DA_HIDDEN uint64_t da_mbox_offset(const da_mbox *mb);
DA_HIDDEN void da_mbox_close(da_mbox *mb);

/* Streaming un-quoting of ">From " lines; chunks may split anywhere. */
typedef struct {
	int mode;     /* dkimarc_mbox_quoting */
	int state;    /* where in a line we are */
	size_t match; /* bytes of "From " matched after the held '>' */
} da_unquote;

DA_HIDDEN void da_unquote_init(da_unquote *u, int mode);
/* Filters in[0..n) into out, which holds n + 8 bytes; returns the bytes written. */
DA_HIDDEN size_t da_unquote_run(da_unquote *u, const char *in, size_t n, char *out);
/* Ends the input: writes what was held back (at most 8 bytes); returns the count. */
DA_HIDDEN size_t da_unquote_end(da_unquote *u, char *out);

#endif
