/* Key-source options shared by the commands that verify (verify, scan, keys). */
#ifndef DKIMARC_CLI_KEYOPTS_H
#define DKIMARC_CLI_KEYOPTS_H

#include <dkimarc.h>
#include <stdbool.h>
#include <stdio.h>

struct keyopts {
	struct keyfile {
		const char *path;
		bool vector; /* given with --keys-vector */
	} * keys;            /* --keys FILE and --keys-vector FILE, in order */
	size_t nkeys;
	bool dns;             /* --dns, or implied by another --dns-* option */
	const char **servers; /* --dns-server ADDR[:PORT], in order */
	size_t nservers;
	unsigned dns_timeout_ms; /* --dns-timeout MS, 0 = default */
	unsigned dns_tries;      /* --dns-tries N, 0 = default */
	const char **revealed;   /* --revealed FILE, in order (verify, scan, keys audit) */
	size_t nrevealed;
};

/*
 * If argv[*i] is a key-source option, consumes it (and its value, advancing
 * *i) and returns 1; returns 0 when it is not one; returns -1 after printing
 * a usage error.
 */
int keyopts_parse(struct keyopts *o, int argc, char **argv, int *i);
/*
 * Builds the key source the options ask for into *out (NULL when none), and
 * sets *dns to the DNS source inside it (owned by *out; NULL when none), whose
 * counters say what failed. An archive file that holds no key record loads
 * with a warning. Returns 0, or EXIT_USAGE after printing why.
 */
int keyopts_build(const struct keyopts *o, dkimarc_keysrc **out, dkimarc_keysrc **dns);
/* Whether the source keyopts_build makes asks DNS (--dns, or no --keys). */
bool keyopts_uses_dns(const struct keyopts *o);
/*
 * Builds a DNS key source from the --dns-* options alone (for commands that
 * only ask DNS). Returns 0, or EXIT_USAGE after printing why.
 */
int keyopts_build_dns(const struct keyopts *o, dkimarc_keysrc **out);
/*
 * --revealed FILE (commands that verify): same contract as keyopts_parse.
 */
int keyopts_parse_revealed(struct keyopts *o, int argc, char **argv, int *i);
/*
 * The checks of keys beyond each key's own, on a context whose key source is
 * set: the revealed files loaded, and a batch GCD over the keys the source
 * holds (docs/keys.md). Returns 0, or EXIT_USAGE after printing why.
 */
int keyopts_setup_checks(const struct keyopts *o, dkimarc_ctx *ctx);

/* The DNS options' lines for a command's usage text. */
void keyopts_dns_usage(FILE *out);
/* The options' lines for a command's usage text. */
void keyopts_usage(FILE *out);
void keyopts_free(struct keyopts *o);

/*
 * The archive file OUT that `keys pin` and `keys recover` write: "-" is
 * standard output; --append adds to it; otherwise a file that exists is
 * refused unless force, and the new one is written to *tmp and renamed over
 * OUT by archive_out_close() when ok. NULL after printing why.
 */
FILE *archive_out_open(const char *out, bool append, bool force, char **tmp);
/* Flushes and closes f, renames *tmp when ok; -1 after printing a write error. */
int archive_out_close(FILE *f, const char *out, char *tmp, bool ok);

struct progress;
/* Called by keys_walk() for each message: its reader, path and mbox index (-1 if none). */
typedef int (*keys_walk_fn)(void *arg, dkimarc_msgreader *mr, const char *path, int64_t index);
/*
 * Walks the paths ("-" left to the caller) as `dkimarc scan` does, calling fn
 * for each message; items that are not mail are said on standard error and
 * counted in *problems. own, if not NULL, is the file being written, never
 * read. Draws progress on pg (may be NULL). Returns true when something
 * failed (unreadable, out of memory, fn < 0).
 */
bool keys_walk(char **paths, size_t npaths, FILE *own, struct progress *pg, keys_walk_fn fn,
               void *arg, size_t *problems);

#endif
