/* `dkimarc scan`: the parts shared by its files (scan*.c, progress.c). */
#ifndef DKIMARC_CLI_SCAN_H
#define DKIMARC_CLI_SCAN_H

#include <dkimarc.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* Exit status when some input could not be read or verified. */
enum { EXIT_INCOMPLETE = 3 };

/* ---- scan_pool.c: items verified in parallel, results in walk order ------- */

/* Runs in a worker: turns an item (its to free) into a result for consume. */
typedef void *(*pool_work_fn)(void *arg, dkimarc_corpus_item *it);
/* Runs in the calling thread, in walk order, once per item. */
typedef void (*pool_consume_fn)(void *arg, void *result);
/* Called by the calling thread about 5 times a second: done so far. */
typedef void (*pool_tick_fn)(void *arg, uint64_t done);

/*
 * Walks c on a producer thread, hands the items to `jobs` workers and
 * passes the results to consume in walk order, holding at most a window
 * of items in memory. Returns 0, or -1 after printing why (the walk failed).
 */
int pool_run(dkimarc_corpus *c, unsigned jobs, pool_work_fn work, pool_consume_fn consume,
             pool_tick_fn tick, void *arg);

/* ---- progress.c: a progress line on a terminal ------------------------------ */

struct progress {
	bool on;        /* stderr is a terminal and not --no-progress */
	double start;   /* monotonic seconds */
	double last;    /* last drawn */
	uint64_t total; /* messages expected, 0 if unknown */
};

void progress_init(struct progress *p, bool on, uint64_t total);
/* Draws "label done/total rate ETA" at most 5 times a second. */
void progress_draw(struct progress *p, const char *label, uint64_t done, bool force);
/* Erases the line. */
void progress_clear(struct progress *p);
double progress_now(void);

/* ---- scan_summary.c: the tally and its renderings ---------------------------- */

/* What one item adds to the tally. */
struct facts {
	dkimarc_item_kind kind;
	dkimarc_verdict verdict; /* messages */
	char *domain;            /* d= of the deciding signature, or NULL */
	const char *reason;      /* reason code of a message not confirmed (static) */
	uint32_t flags;          /* the message's DKIMARC_FLAG_* bits */
};

struct tally;

struct tally *tally_new(void);
/* Adds one item; returns -1 on out of memory. */
int tally_add(struct tally *t, const struct facts *f);
/* Items not read or not verified (unreadable, too large, malformed mbox). */
uint64_t tally_incomplete(const struct tally *t);
/* Messages the library failed on (out of memory, crypto library): errors, not verdicts. */
uint64_t tally_errors(const struct tally *t);
uint64_t tally_messages(const struct tally *t);
bool tally_all_confirmed(const struct tally *t);
void tally_print(const struct tally *t, FILE *out);
/* Returns 0, or -1 when the file could not be written (errno set). run: the
 * run object (dkimarc_ctx_describe_json()), written last as "run". */
int tally_write_json(const struct tally *t, const char *path, int exit_status, const char *run);
void tally_free(struct tally *t);
/* v with thousands separators ("71,848"), in buf. */
const char *count_str(uint64_t v, char buf[32]);

/* ---- scan_output.c: per-item lines --------------------------------------------- */

/* The signature that decided the verdict, as docs/verdicts.md orders them; or NULL. */
const dkimarc_sig *deciding_sig(const dkimarc_report *r);
/* Reason code summarising why a message is not confirmed. */
const char *verdict_reason_code(const dkimarc_report *r);
/* One line for people, with newline; malloc'd. */
char *render_text(const dkimarc_corpus_item *it, const dkimarc_report *r);
/* One CSV record, with CRLF; malloc'd. */
char *render_csv(const dkimarc_corpus_item *it, const dkimarc_report *r);
/* The CSV header record. */
const char *csv_header(void);

#endif
