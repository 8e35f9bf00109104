/* Shared between the dkimarc command's files; uses only the public API. */
#ifndef DKIMARC_CLI_H
#define DKIMARC_CLI_H

#include <dkimarc.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

/*
 * Exit statuses of every command. When several apply, the first of 2, 3
 * (scan), 4, 1 wins: an input or usage error says the most, a provisional
 * run (verdicts that rest on temporary DNS failures) more than a verdict.
 */
enum { EXIT_CONFIRMED = 0, EXIT_NOT_CONFIRMED = 1, EXIT_USAGE = 2, EXIT_PROVISIONAL = 4 };

/* Prints "dkimarc: " + the message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints an error naming the problem, then "see dkimarc --help"; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when arg is "--name" (*val = NULL) or "--name=value" (*val = value). */
bool cli_opt_is(const char *arg, const char *name, const char **val);
/* "1 message", "2 messages": one or many by n (many: one + "s" when NULL). Returns a
 * static buffer per call site's slot (0..3), for up to four in one printf. */
const char *cli_count(unsigned slot, uint64_t n, const char *one, const char *many);
/* Length of the valid UTF-8 sequence (RFC 3629) at p, NUL-terminated, or 0. */
size_t cli_utf8_seq(const unsigned char *p);
/* Writes s, with control bytes and bytes that are not UTF-8 as \xNN. */
void cli_put_safe(FILE *out, const char *s);

/*
 * --json[=FILE], the same in every command: "--json=FILE" writes to FILE ("-":
 * standard output); a bare "--json" takes the next word as FILE only when its
 * name ends in .json, .jsonl or .ndjson (never a message or corpus, so never
 * read by mistake), and otherwise writes to standard output, leaving the word
 * to be read. *i moves past a word taken. Returns 0, or EXIT_USAGE after
 * printing why.
 */
int cli_json_opt(int argc, char **argv, int *i, const char *val, const char **file);
/* True when word names a JSON output file by the rule above. */
bool cli_json_name(const char *word);

/* runmeta.c: what a rerun needs, added to reports (docs/json.md "run"). */
/* A JSON string literal of s, malloc'd; NULL when out of memory. */
char *json_string_lit(const char *s);
/* Prints the "run:" block that ends a text report; first/last: times judged at. 0 or -1. */
int run_print_text(FILE *out, const dkimarc_ctx *ctx, int64_t first, int64_t last);

/* tempfail.c: verdicts that rest on temporary DNS failures (exit status 4). */
/* Whether r's verdict or ARC result rests on a key lookup that failed temporarily. */
bool report_provisional(const dkimarc_report *r);
/* Keys the DNS source dns (NULL: none) could not fetch: its temporary failures. */
uint64_t tempfail_count(dkimarc_keysrc *dns);
/*
 * Says on standard error how many keys could not be fetched and why, from
 * dns's counters ("37 keys could not be fetched: 30 timeouts, 7 SERVFAIL
 * (resolvers ...); " then tail). Nothing when none failed.
 */
void tempfail_say(dkimarc_keysrc *dns, const char *tail);
/* The tail for verdicts: how many are provisional, and to run again later. */
void tempfail_say_verdicts(dkimarc_keysrc *dns, uint64_t provisional);

/* explain.c: `verify --explain`, for each signature of r (msgno: 1-based input number,
 * file: its name, "-" for standard input); with dir, the files too, and an ABOUT file
 * naming the message and signature in each folder. Returns 0 or -1 after printing why. */
int explain_report(FILE *out, const dkimarc_report *r, const char *file, size_t msgno,
                   const char *dir);

/* `dkimarc verify ...`: argv[0] is "verify". */
int cmd_verify(int argc, char **argv);
void verify_usage(FILE *out);

/* `dkimarc scan ...`: argv[0] is "scan". */
int cmd_scan(int argc, char **argv);
void scan_usage(FILE *out);

/* `dkimarc keys list|pin ...`: argv[0] is "keys". */
int cmd_keys(int argc, char **argv);
void keys_usage(FILE *out);
/* keys_recover.c: `dkimarc keys recover ...`: argv[0] is "recover". */
int keys_recover(int argc, char **argv);
void keys_recover_usage(FILE *out);

/* `dkimarc sign ...`: argv[0] is "sign". */
int cmd_sign(int argc, char **argv);
void sign_usage(FILE *out);

/* `dkimarc seal ...`: argv[0] is "seal". */
int cmd_seal(int argc, char **argv);
void seal_usage(FILE *out);

/* `dkimarc keygen ...`: argv[0] is "keygen". */
int cmd_keygen(int argc, char **argv);
void keygen_usage(FILE *out);

#endif
