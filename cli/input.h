/*
 * `dkimarc verify`'s inputs, read as `dkimarc scan` reads them: a file is one
 * message, an mbox one item per message, and what is not mail a problem
 * item (the library's corpus reader decides; docs/scan.md).
 */
#ifndef DKIMARC_CLI_INPUT_H
#define DKIMARC_CLI_INPUT_H

#include <dkimarc.h>

struct input {
	const char *given;   /* as on the command line; "-" for standard input */
	char *spool;         /* a stream's bytes copied to a temporary file, or NULL */
	dkimarc_corpus *c;   /* the walk over the file (or its copy) */
	const char *display; /* the name reports carry: given, "-" for standard input */
};

/*
 * Opens an input: a regular file is walked in place; standard input, a pipe
 * or a device is first copied to a temporary file. A folder is refused.
 * Returns 0, or -1 after printing why (the input is then closed).
 */
int input_open(struct input *in, const char *given, dkimarc_mbox_quoting quoting);
/* The next item in *out (free it), or NULL at the end. 0, or -1 after printing why. */
int input_next(struct input *in, dkimarc_corpus_item **out);
/* Frees the walk and removes the temporary copy. */
void input_close(struct input *in);

/*
 * The item's name for people, as scan prints it: "FILE", "FILE#N" for
 * message N (0-based) of an mbox, "FILE (offset N)" for a part of an mbox
 * that is not a message. malloc'd; NULL when out of memory.
 */
char *input_item_name(const struct input *in, const dkimarc_corpus_item *it);
/*
 * The item as scan --json prints it (dkimarc_corpus_item_json()), with
 * "file" as given and the ntrail members of trail at the end: the
 * library's text, released with dkimarc_free(); NULL after printing why.
 */
char *input_item_json(const struct input *in, const dkimarc_corpus_item *it,
                      const dkimarc_report *r, const dkimarc_json_member *trail, size_t ntrail);

#endif
