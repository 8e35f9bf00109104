/* `dkimarc scan --html FILE`: one self-contained page for a newsroom (docs/scan.md). */
#ifndef DKIMARC_CLI_SCAN_HTML_H
#define DKIMARC_CLI_SCAN_HTML_H

#include "scan.h"

struct html;

/* Starts a report for path, written by html_finish(); NULL after printing why. */
struct html *html_open(const char *path);
/* One item's table row, made in a worker from its item and report (r NULL for a
 * problem); malloc'd, NULL when out of memory. */
char *html_row(const dkimarc_corpus_item *it, const dkimarc_report *r);
/* Adds an item in walk order: what the summary counts, its Date (-1), its row (taken
 * over, may be NULL after out of memory). Returns 0, or -1 when out of memory. */
int html_add(struct html *h, const struct facts *f, int64_t date, char *row);
/* Writes the page: the run, the summary and its charts, the timeline, the table.
 * started/ended: unix times of the scan. Returns 0, or -1 after printing why. */
int html_finish(struct html *h, const dkimarc_ctx *ctx, const char *const *paths, size_t npaths,
                int exit_status, int64_t started, int64_t ended);
void html_free(struct html *h);
/* The keys in use (an audit that has run), drawn by html_finish as a timeline; NULL: none. */
void html_set_keys(struct html *h, const dkimarc_audit *a);

/* ---- scan_keys_html.c: the key timeline ------------------------------------------- */

/* For each domain, its keys in the order of first use, each a bar of its span of use. */
void html_keys_timeline(FILE *f, const dkimarc_audit *a);

/* ---- scan_legend.c: plain words for the page's legend ---------------------------- */

/* What a verdict means, in a few sentences. */
const char *legend_verdict(dkimarc_verdict v);
/* What a verdict code ("key_not_found") or problem ("not_mail") means; NULL if unknown. */
const char *legend_code(const char *code);
/* What the flag of bit number bit means; NULL if unknown. */
const char *legend_flag(unsigned bit);

#endif
