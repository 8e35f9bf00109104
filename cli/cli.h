/* Shared between the dkimarc command's files; uses only the public API. */
#ifndef DKIMARC_CLI_H
#define DKIMARC_CLI_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses of every command. */
enum { EXIT_CONFIRMED = 0, EXIT_NOT_CONFIRMED = 1, EXIT_USAGE = 2 };

/* Prints "dkimarc: " + the message to stderr. */
void cli_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* Prints an error naming the problem, then "see dkimarc --help"; returns EXIT_USAGE. */
int cli_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* True when arg is "--name" (*val = NULL) or "--name=value" (*val = value). */
bool cli_opt_is(const char *arg, const char *name, const char **val);

/* `dkimarc verify ...`: argv[0] is "verify". */
int cmd_verify(int argc, char **argv);
void verify_usage(FILE *out);

#endif
