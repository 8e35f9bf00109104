/*
 * What the files of the corpus library (libdkimarc-corpus) share. It links
 * the core through its public API only: the core's own helpers are hidden
 * symbols of libdkimarc, so the few the corpus needs are its own here.
 */
#ifndef DKIMARC_CORPUS_INTERNAL_H
#define DKIMARC_CORPUS_INTERNAL_H

#include "internal.h" /* DA_HIDDEN, the public types; none of its functions */

/*
 * Records a formatted message for dkimarc_last_error() (through
 * dkimarc_set_error(), so the core's per-thread message is the one set) and
 * returns status.
 */
DA_HIDDEN int dc_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* strdup(), NULL for NULL. */
DA_HIDDEN char *dc_strdup(const char *s);
/* The core's da_give(): text in *out handed over for dkimarc_free() (outbuf.h). */
DA_HIDDEN int dc_give(int rc, char **out);

#endif
