/* Options shared by the commands that sign (sign, seal): key, names, tags. */
#ifndef DKIMARC_CLI_SIGNOPTS_H
#define DKIMARC_CLI_SIGNOPTS_H

#include <dkimarc.h>
#include <stdbool.h>
#include <stdio.h>

struct signopts {
	const char *domain, *selector, *key, *alg, *canon, *headers, *exact_headers;
	const char *timestamp, *expire, *identity, *output;
	bool oversign, body_length, allow_sha1, allow_weak, crlf, no_fold;
};

/*
 * If argv[*i] is one of the options, consumes it (and its value, advancing
 * *i) and returns 1; returns 0 when it is not one; -1 after a usage error.
 */
int signopts_parse(struct signopts *o, int argc, char **argv, int *i);
/*
 * Checks the required options, loads the key and makes the signer in *out.
 * cmd names the command in messages. Returns 0, or EXIT_USAGE after printing why.
 */
int signopts_build(const struct signopts *o, const char *cmd, dkimarc_signer **out);
/* Usage lines for the options common to sign and seal. */
void signopts_usage(FILE *out);

#endif
