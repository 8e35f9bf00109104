/* `dkimarc verify`: verifies messages from files or standard input. */
#include "cli.h"
#include "keyopts.h"

#include <dkimarc.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Read size: big enough to be quick, small enough that memory stays flat. */
#define CHUNK (64 * 1024)
/* Bodies kept to say what changed in a failing signature (docs/forensics.md). */
#define DIAGNOSE_MAX (16 * 1024 * 1024)

struct verify_opts {
	struct keyopts ko;
	const char **files;
	size_t nfiles;
	const char *at;
	bool json;
	bool strict;
	const char *ar;          /* --ar AUTHSERV-ID */
	bool explain;            /* --explain */
	const char *explain_dir; /* --explain-dir DIR */
	bool no_diagnose;        /* --no-diagnose */
	unsigned arc_sets;       /* --arc-sets N, 0 = the library's default */
};

void verify_usage(FILE *out)
{
	fputs("usage: dkimarc verify [--keys FILE]... [--dns] [--dns-server ADDR[:PORT]]...\n"
	      "                      [--json] [--strict] [--at TIME] [--explain]\n"
	      "                      [--explain-dir DIR] [--ar AUTHSERV-ID] [--no-diagnose]\n"
	      "                      [--arc-sets N] [FILE|-]...\n"
	      "\n"
	      "Verifies the DKIM signatures of each message FILE (standard input for '-' or\n"
	      "when no FILE is given) and prints one verdict per message: confirmed,\n"
	      "confirmed-third-party, weak, altered, unverifiable or unsigned.\n"
	      "Each message's ARC chain (RFC 8617) is reported beside the verdict:\n"
	      "none, pass or fail, with what each hop saw; it never changes the verdict.\n"
	      "\n"
	      "options:\n",
	      out);
	keyopts_usage(out);
	fputs("  --json        print one JSON object per message (JSON Lines)\n"
	      "  --strict      RFC-strict policy: rsa-sha1 gives a policy result and an\n"
	      "                expired x= fails the signature\n"
	      "  --at TIME     judge expiry and timestamps as of TIME: 2017-05-05T12:00:00Z,\n"
	      "                2017-05-05 or unix seconds (default: now)\n"
	      "  --explain     for each signature, print the exact bytes its header hash\n"
	      "                covers, the body hash summary and openssl commands that\n"
	      "                check it again (not with --json)\n"
	      "  --explain-dir DIR  write those bytes, the signature, the key (PEM) and a\n"
	      "                verify.sh for each signature to DIR/mN-sK/\n"
	      "  --ar AUTHSERV-ID  print an Authentication-Results field (RFC 8601) per\n"
	      "                message instead of the report; with --json, add it to the\n"
	      "                object as \"authentication_results\"\n"
	      "  --no-diagnose do not keep bodies to say what changed in failing signatures\n"
	      "                (by default bodies up to 16 MiB are kept while verified)\n"
	      "  --arc-sets N  evaluate ARC chains of up to N sets, 1 to 50 (default 8); a\n"
	      "                longer chain is reported not evaluated, and costs no key lookup\n"
	      "  -h, --help    show this help\n"
	      "  --            end of options; later arguments are files\n"
	      "\n"
	      "exit status: 0 every message confirmed (or confirmed-third-party),\n"
	      "             1 some message not confirmed, 2 usage or input error\n",
	      out);
}

/* Returns -1 to go on, or an exit status (help printed, or usage error). */
static int parse_args(int argc, char **argv, struct verify_opts *o)
{
	bool opts_done = false;
	int st;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			o->files[o->nfiles++] = a;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			verify_usage(stdout);
			return 0;
		} else if ((st = keyopts_parse(&o->ko, argc, argv, &i)) != 0) {
			if (st < 0)
				return EXIT_USAGE;
		} else if (cli_opt_is(a, "--at", &val)) {
			if (!val) {
				if (i + 1 >= argc)
					return cli_usage_error(
					    "option '--at' needs a TIME argument");
				val = argv[++i];
			}
			if (val[0] == '\0')
				return cli_usage_error(
				    "option '--at' needs a non-empty TIME argument");
			o->at = val;
		} else if (cli_opt_is(a, "--json", &val) || cli_opt_is(a, "--strict", &val) ||
		           cli_opt_is(a, "--explain", &val) ||
		           cli_opt_is(a, "--no-diagnose", &val)) {
			if (val)
				return cli_usage_error("option '%.*s' takes no value",
				                       (int)(strchr(a, '=') - a), a);
			if (a[2] == 'j')
				o->json = true;
			else if (a[2] == 's')
				o->strict = true;
			else if (a[2] == 'e')
				o->explain = true;
			else
				o->no_diagnose = true;
		} else if (cli_opt_is(a, "--arc-sets", &val)) {
			char *end;
			if (!val) {
				if (i + 1 >= argc)
					return cli_usage_error("option '--arc-sets' needs a value");
				val = argv[++i];
			}
			unsigned long n = strtoul(val, &end, 10);
			if (val[0] < '0' || val[0] > '9' || *end || n < 1 || n > 50)
				return cli_usage_error(
				    "--arc-sets wants a number from 1 to 50, not '%s'", val);
			o->arc_sets = (unsigned)n;
		} else if (cli_opt_is(a, "--ar", &val) || cli_opt_is(a, "--explain-dir", &val)) {
			const char *name = a[2] == 'a' ? "--ar" : "--explain-dir";
			if (!val) {
				if (i + 1 >= argc)
					return cli_usage_error("option '%s' needs a value", name);
				val = argv[++i];
			}
			if (val[0] == '\0')
				return cli_usage_error("option '%s' needs a non-empty value", name);
			if (a[2] == 'a')
				o->ar = val;
			else
				o->explain_dir = val;
		} else {
			return cli_usage_error("unknown option '%s'", a);
		}
	}
	return -1;
}

/* Builds the context; prints the reason and returns NULL on failure. */
static dkimarc_ctx *make_ctx(const struct verify_opts *o, int64_t at)
{
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL;
	int rc;

	rc = dkimarc_ctx_new(&ctx);
	if (rc != DKIMARC_OK)
		goto fail;
	if (keyopts_build(&o->ko, &src) != 0) {
		dkimarc_ctx_free(ctx);
		return NULL;
	}
	if (src && (rc = dkimarc_ctx_set_keysrc(ctx, src)) != DKIMARC_OK) {
		dkimarc_keysrc_free(src);
		goto fail;
	}
	rc = dkimarc_ctx_set_strict(ctx, o->strict);
	if (rc == DKIMARC_OK && o->arc_sets)
		rc = dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, o->arc_sets);
	if (rc == DKIMARC_OK && at >= 0)
		rc = dkimarc_ctx_set_time(ctx, at);
	/* Messages are files here, so keeping a body for the diagnosis is affordable. */
	if (rc == DKIMARC_OK && !o->no_diagnose)
		rc = dkimarc_ctx_set_diagnose(ctx, DIAGNOSE_MAX);
	if (rc == DKIMARC_OK && (o->explain || o->explain_dir))
		rc = dkimarc_ctx_set_explain(ctx, 1);
	if (rc != DKIMARC_OK)
		goto fail;
	return ctx;
fail:
	cli_error("cannot set up verification: %s",
	          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
	if (ctx)
		dkimarc_ctx_free(ctx);
	return NULL;
}

/*
 * Streams one input through a verifier. Returns 0 with *out set, or -1 after
 * printing why (unreadable input, library failure).
 */
static int verify_input(const dkimarc_ctx *ctx, const char *path, char *buf, dkimarc_report **out)
{
	bool is_stdin = strcmp(path, "-") == 0;
	const char *name = is_stdin ? "standard input" : path;
	dkimarc_verifier *v = NULL;
	int fd, rc, ret = -1;

	*out = NULL;
	fd = is_stdin ? STDIN_FILENO : open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		cli_error("cannot read %s: %s \xe2\x80\x94 check the path and permissions", name,
		          strerror(errno));
		return -1;
	}
	rc = dkimarc_verifier_new(ctx, &v);
	if (rc != DKIMARC_OK) {
		cli_error("%s: %s", name, dkimarc_last_error());
		goto done;
	}
	for (;;) {
		ssize_t n = read(fd, buf, CHUNK);
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			/* EISDIR lands here: open() accepts a directory. */
			cli_error("cannot read %s: %s \xe2\x80\x94 check the path and permissions",
			          name, strerror(errno));
			goto done;
		}
		if (n == 0)
			break;
		rc = dkimarc_verifier_write(v, buf, (size_t)n);
		if (rc != DKIMARC_OK) {
			cli_error("%s: %s", name,
			          *dkimarc_last_error() ? dkimarc_last_error()
			                                : dkimarc_strerror(rc));
			goto done;
		}
	}
	rc = dkimarc_verifier_finish(v, out);
	if (rc != DKIMARC_OK) {
		cli_error("%s: %s", name,
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		*out = NULL;
		goto done;
	}
	ret = 0;
done:
	if (v)
		dkimarc_verifier_free(v);
	if (!is_stdin)
		close(fd);
	return ret;
}

/* What every report of the run shares. */
struct run {
	const struct verify_opts *o;
	const char *run_json; /* dkimarc_ctx_describe_json() */
	FILE *devnull;        /* --explain-dir with --json: the files only */
};

/* A JSON line: the report, then "authentication_results" (--ar) and "run". */
static char *json_line(const struct run *run, const dkimarc_report *r, const char *path,
                       const char *ar)
{
	char *s = NULL, *lit = NULL, *t;

	if (dkimarc_report_json(r, path, &s) != DKIMARC_OK)
		return NULL;
	if (ar) {
		lit = json_string_lit(ar);
		t = lit ? json_add_member(s, "authentication_results", lit) : NULL;
		free(s);
		free(lit);
		if (!(s = t))
			return NULL;
	}
	t = json_add_member(s, "run", run->run_json);
	free(s);
	return t;
}

/* Prints one report; returns 0 or -1 after printing why. */
static int print_report(const struct run *run, const dkimarc_report *r, const char *path,
                        size_t msgno, bool first)
{
	const struct verify_opts *o = run->o;
	char *s = NULL, *ar = NULL;
	int rc = DKIMARC_OK;

	if (o->ar && (rc = dkimarc_report_authres(r, o->ar, &ar)) != DKIMARC_OK) {
		cli_error("%s: %s", path, dkimarc_last_error());
		return -1;
	}
	if (o->json)
		s = json_line(run, r, path, ar);
	else if (!o->ar)
		rc = dkimarc_report_text(r, path, &s);
	if (rc != DKIMARC_OK || (!s && !(o->ar && !o->json))) {
		cli_error("%s: cannot render the report: %s", path, dkimarc_strerror(rc));
		free(ar);
		return -1;
	}
	if (o->json) {
		/* JSON Lines: one object per message. */
		fputs(s, stdout);
		putchar('\n');
	} else if (o->ar) {
		/* The field as it goes on top of the message; several messages named as head(1)
		 * does. */
		if (o->nfiles > 1)
			printf("%s==> %s <==\n", first ? "" : "\n", path);
		fputs(ar, stdout);
	} else {
		/* Text reports are separated by a blank line. */
		if (!first)
			putchar('\n');
		fputs(s, stdout);
	}
	free(s);
	free(ar);
	if (o->explain || o->explain_dir) {
		FILE *out = o->json || o->ar ? run->devnull : stdout;
		if (explain_report(out, r, msgno, o->explain_dir) < 0)
			rc = -1;
	}
	/* Flush per message so a pipeline sees results as they come. */
	fflush(stdout);
	return rc == DKIMARC_OK ? 0 : -1;
}

int cmd_verify(int argc, char **argv)
{
	static const char *stdin_only[] = {"-"};
	struct verify_opts o = {0};
	dkimarc_ctx *ctx = NULL;
	int64_t at = -1;
	char *buf = NULL;
	bool all_confirmed = true, failed = false;
	struct run run = {&o, NULL, NULL};
	char *run_json = NULL;
	int64_t tfirst = -1, tlast = -1;
	int st;

	o.files = calloc((size_t)argc, sizeof *o.files);
	if (!o.files) {
		cli_error("out of memory");
		st = EXIT_USAGE;
		goto out;
	}
	st = parse_args(argc, argv, &o);
	if (st >= 0)
		goto out;
	if (o.at) {
		at = dkimarc_parse_time(o.at);
		if (at < 0) {
			st = cli_usage_error("invalid time '%s' for --at (expected "
			                     "2017-05-05T12:00:00Z, 2017-05-05 or unix seconds)",
			                     o.at);
			goto out;
		}
	}
	if (o.nfiles == 0) {
		free(o.files);
		o.files = stdin_only;
		o.nfiles = 1;
	}
	buf = malloc(CHUNK);
	if (!buf) {
		cli_error("out of memory");
		st = EXIT_USAGE;
		goto out;
	}
	if (o.explain && (o.json || o.ar)) {
		st = cli_usage_error(
		    "--explain prints text; with --json or --ar, use --explain-dir");
		goto out;
	}
	ctx = make_ctx(&o, at);
	if (!ctx) {
		st = EXIT_USAGE;
		goto out;
	}
	if (dkimarc_ctx_describe_json(ctx, &run_json) != DKIMARC_OK ||
	    (o.explain_dir && (o.json || o.ar) && !(run.devnull = fopen("/dev/null", "w")))) {
		cli_error("cannot set up the run: %s", dkimarc_last_error());
		st = EXIT_USAGE;
		goto out;
	}
	run.run_json = run_json;

	size_t shown = 0;
	for (size_t i = 0; i < o.nfiles; i++) {
		dkimarc_report *r;
		dkimarc_verdict v;

		if (verify_input(ctx, o.files[i], buf, &r) < 0) {
			failed = true;
			continue;
		}
		v = dkimarc_report_verdict(r);
		if (v != DKIMARC_VERDICT_CONFIRMED && v != DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY)
			all_confirmed = false;
		if (print_report(&run, r, o.files[i], i + 1, shown == 0) < 0)
			failed = true;
		else
			shown++;
		int64_t t = dkimarc_report_time(r);
		tfirst = tfirst < 0 ? t : tfirst;
		tlast = t;
		dkimarc_report_free(r);
	}
	/* Text reports end with what a rerun needs (JSON lines carry it in "run"). */
	if (shown && !o.json && !o.ar) {
		putchar('\n');
		if (run_print_text(stdout, ctx, tfirst, tlast) < 0)
			failed = true;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write output: %s", strerror(errno));
		failed = true;
	}
	st = failed ? EXIT_USAGE : all_confirmed ? EXIT_CONFIRMED : EXIT_NOT_CONFIRMED;
out:
	if (ctx)
		dkimarc_ctx_free(ctx);
	free(run_json);
	if (run.devnull)
		fclose(run.devnull);
	free(buf);
	keyopts_free(&o.ko);
	if (o.files != stdin_only)
		free(o.files);
	return st;
}
