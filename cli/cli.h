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

/* `dkimarc scan ...`: argv[0] is "scan". */
int cmd_scan(int argc, char **argv);
void scan_usage(FILE *out);

/* `dkimarc keys list|pin ...`: argv[0] is "keys". */
int cmd_keys(int argc, char **argv);
void keys_usage(FILE *out);

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
