/* `dkimarc verify`: verifies messages from files or standard input. */
#include "cli.h"
#include "input.h"
#include "keyopts.h"

#include <dkimarc.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Bodies kept to say what changed in a failing signature (docs/forensics.md). */
#define DIAGNOSE_MAX (16 * 1024 * 1024)

struct verify_opts {
	struct keyopts ko;
	const char **files;
	size_t nfiles;
	const char *at;
	bool json;
	const char *json_file; /* --json[=FILE]: "-" for standard output */
	bool strict;
	const char *ar;               /* --ar AUTHSERV-ID */
	bool explain;                 /* --explain */
	const char *explain_dir;      /* --explain-dir DIR */
	bool no_diagnose;             /* --no-diagnose */
	dkimarc_mbox_quoting quoting; /* --mbox-quoting */
	unsigned arc_sets;            /* --arc-sets N, 0 = the library's default */
};

void verify_usage(FILE *out)
{
	fputs("usage: dkimarc verify [--keys FILE]... [--keys-vector FILE]... [--dns]\n"
	      "                      [--dns-server ADDR[:PORT]]...\n"
	      "                      [--json[=FILE]] [--strict] [--at TIME] [--explain]\n"
	      "                      [--explain-dir DIR] [--ar AUTHSERV-ID] [--no-diagnose]\n"
	      "                      [--mbox-quoting=mboxrd|mboxo|none] [--arc-sets N]\n"
	      "                      [FILE|-]...\n"
	      "\n"
	      "Verifies the DKIM signatures of each message FILE (standard input for '-' or\n"
	      "when no FILE is given) and prints one verdict per message: confirmed,\n"
	      "confirmed-third-party, consistent, weak, altered, unverifiable or unsigned\n"
	      "(consistent: the signature verifies with a key recovered from the corpus by\n"
	      "'dkimarc keys recover', which no archive or DNS record ties to the domain).\n"
	      "A FILE is read as 'dkimarc scan' reads it: an mbox gives one report per\n"
	      "message, named FILE#0, FILE#1, ... (0-based, as scan numbers them); a file\n"
	      "that is empty or not mail is reported as such (empty, not_mail), not verified.\n"
	      "Each message's ARC chain (RFC 8617) is reported beside the verdict:\n"
	      "none, pass or fail, with what each hop saw; it never changes the verdict.\n"
	      "\n"
	      "options:\n",
	      out);
	keyopts_usage(out);
	fputs("  --json[=FILE] print one JSON object per message (JSON Lines), or write them\n"
	      "                to FILE; '--json FILE' takes FILE when its name ends in .json,\n"
	      "                .jsonl or .ndjson (any other word is a message FILE)\n"
	      "  --strict      RFC-strict policy: rsa-sha1 gives a policy result and an\n"
	      "                expired x= fails the signature\n"
	      "  --at TIME     judge expiry and timestamps as of TIME: 2017-05-05T12:00:00Z,\n"
	      "                2017-05-05 or unix seconds (default: now)\n"
	      "  --explain     for each signature, print the exact bytes its header hash\n"
	      "                covers, the body hash summary and openssl commands that\n"
	      "                check it again (not with --json)\n"
	      "  --explain-dir DIR  write those bytes, the signature, the key (PEM), a\n"
	      "                verify.sh and an ABOUT naming the message file and the\n"
	      "                signature, for each signature, to DIR/mN-sK/\n"
	      "  --ar AUTHSERV-ID  print an Authentication-Results field (RFC 8601) per\n"
	      "                message instead of the report; with --json, add it to the\n"
	      "                object as \"authentication_results\"\n"
	      "  --no-diagnose do not keep bodies to say what changed in failing signatures\n"
	      "                (by default bodies up to 16 MiB are kept while verified)\n"
	      "  --mbox-quoting=Q  how '>From ' lines in an mbox are read back: mboxrd\n"
	      "                (default), mboxo or none, as for 'dkimarc scan'\n"
	      "  --arc-sets N  evaluate ARC chains of up to N sets, 1 to 50 (default 8); a\n"
	      "                longer chain is reported not evaluated, and costs no key lookup\n"
	      "  -h, --help    show this help\n"
	      "  --            end of options; later arguments are files\n"
	      "\n"
	      "exit status: 0 every message confirmed (or confirmed-third-party),\n"
	      "             1 some message not confirmed (consistent is not confirmed),\n"
	      "             2 usage or input error: an input that cannot be read, is empty\n"
	      "               or is not mail (the other inputs are still verified),\n"
	      "             4 some verdict rests on a key DNS could not give for now\n"
	      "               (timeout, SERVFAIL, REFUSED, no resolver reachable): it is\n"
	      "               provisional, run again later (said on standard error);\n"
	      "             the first of 2, 4, 1 that applies\n",
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
		} else if ((st = keyopts_parse(&o->ko, argc, argv, &i)) != 0 ||
		           (st = keyopts_parse_revealed(&o->ko, argc, argv, &i)) != 0) {
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
		} else if (cli_opt_is(a, "--json", &val)) {
			if (cli_json_opt(argc, argv, &i, val, &o->json_file))
				return EXIT_USAGE;
			o->json = true;
		} else if (cli_opt_is(a, "--strict", &val) || cli_opt_is(a, "--explain", &val) ||
		           cli_opt_is(a, "--no-diagnose", &val)) {
			if (val)
				return cli_usage_error("option '%.*s' takes no value",
				                       (int)(strchr(a, '=') - a), a);
			if (a[2] == 's')
				o->strict = true;
			else if (a[2] == 'e')
				o->explain = true;
			else
				o->no_diagnose = true;
		} else if (cli_opt_is(a, "--mbox-quoting", &val)) {
			if (!val) {
				if (i + 1 >= argc)
					return cli_usage_error(
					    "option '--mbox-quoting' needs a value");
				val = argv[++i];
			}
			if (strcmp(val, "mboxrd") == 0)
				o->quoting = DKIMARC_MBOX_MBOXRD;
			else if (strcmp(val, "mboxo") == 0)
				o->quoting = DKIMARC_MBOX_MBOXO;
			else if (strcmp(val, "none") == 0)
				o->quoting = DKIMARC_MBOX_NONE;
			else
				return cli_usage_error(
				    "--mbox-quoting is mboxrd, mboxo or none, not '%s'", val);
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

/*
 * Builds the context, and *dns, the DNS source in it (or NULL); prints the
 * reason and returns NULL on failure.
 */
static dkimarc_ctx *make_ctx(const struct verify_opts *o, int64_t at, dkimarc_keysrc **dns)
{
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL;
	int rc;

	rc = dkimarc_ctx_new(&ctx);
	if (rc != DKIMARC_OK)
		goto fail;
	if (keyopts_build(&o->ko, &src, dns) != 0) {
		dkimarc_ctx_free(ctx);
		return NULL;
	}
	/* The context takes src, also on failure. */
	if (src && (rc = dkimarc_ctx_set_keysrc(ctx, src)) != DKIMARC_OK)
		goto fail;
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
	/* Shared primes over the keys of the archives; revealed private keys. */
	if (keyopts_setup_checks(&o->ko, ctx) != 0) {
		dkimarc_ctx_free(ctx);
		return NULL;
	}
	return ctx;
fail:
	cli_error("cannot set up verification: %s",
	          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
	if (ctx)
		dkimarc_ctx_free(ctx);
	return NULL;
}

/* What every report of the run shares, and what it has come to. */
struct run {
	const struct verify_opts *o;
	const dkimarc_ctx *ctx;
	const char *run_json; /* dkimarc_ctx_describe_json() */
	FILE *devnull;        /* --explain-dir with --json: the files only */
	FILE *json;           /* --json: standard output or FILE */
	size_t items;         /* items seen, messages and problems */
	size_t shown;         /* items printed */
	uint64_t provisional; /* verdicts that rest on a temporary lookup failure */
	bool all_confirmed, failed;
	int64_t tfirst, tlast; /* the times judged at */
};

/*
 * A JSON line: the item as scan prints it (a report, or a problem when r is
 * NULL), then "authentication_results" (--ar) and "run"; for dkimarc_free().
 */
static char *json_line(const struct run *run, const struct input *in, const dkimarc_corpus_item *it,
                       const dkimarc_report *r, const char *ar)
{
	dkimarc_json_member m[2];
	size_t n = 0;
	char *lit = NULL, *s;

	if (ar) {
		if (!(lit = json_string_lit(ar))) {
			cli_error("out of memory");
			return NULL;
		}
		m[n++] = (dkimarc_json_member){"authentication_results", lit};
	}
	m[n++] = (dkimarc_json_member){"run", run->run_json};
	s = input_item_json(in, it, r, m, n);
	free(lit);
	return s;
}

/* Writes s for a terminal: control characters (a file name may hold a newline) as \xNN. */
static void put_safe(FILE *out, const char *s)
{
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02X", c);
		else
			fputc(c, out);
	}
}

/* Prints one report; returns 0 or -1 after printing why. */
static int print_report(struct run *run, const struct input *in, const dkimarc_corpus_item *it,
                        const dkimarc_report *r, const char *name)
{
	const struct verify_opts *o = run->o;
	const char *note = dkimarc_corpus_item_note(it);
	char *s = NULL, *ar = NULL;
	int rc = DKIMARC_OK;

	if (o->ar && (rc = dkimarc_report_authres(r, o->ar, &ar)) != DKIMARC_OK) {
		cli_error("%s: %s", name, dkimarc_last_error());
		return -1;
	}
	if (o->json)
		s = json_line(run, in, it, r, ar);
	else if (!o->ar)
		rc = dkimarc_report_text(r, name, &s);
	if (rc != DKIMARC_OK || (!s && !(o->ar && !o->json))) {
		/* A NULL line with no status: json_line() said why already, or memory ran out. */
		cli_error("%s: cannot render the report: %s", name,
		          dkimarc_strerror(rc ? rc : DKIMARC_ENOMEM));
		dkimarc_free(ar);
		return -1;
	}
	if (o->json) {
		/* JSON Lines: one object per message. */
		fputs(s, run->json);
		fputc('\n', run->json);
		fflush(run->json);
	} else if (o->ar) {
		/* The field as it goes on top of the message; several messages named as head(1)
		 * does. */
		if (o->nfiles > 1 || dkimarc_corpus_item_index(it) >= 0) {
			fputs(run->shown ? "\n==> " : "==> ", stdout);
			put_safe(stdout, name);
			fputs(" <==\n", stdout);
		}
		fputs(ar, stdout);
	} else {
		/* Text reports are separated by a blank line. */
		if (run->shown)
			putchar('\n');
		fputs(s, stdout);
		if (note) {
			fputs("  note: ", stdout);
			put_safe(stdout, note);
			putchar('\n');
		}
	}
	dkimarc_free(s);
	dkimarc_free(ar);
	if (o->explain || o->explain_dir) {
		FILE *out = o->json || o->ar ? run->devnull : stdout;
		if (explain_report(out, r, name, run->items, o->explain_dir) < 0)
			rc = -1;
	}
	/* Flush per message so a pipeline sees results as they come. */
	fflush(stdout);
	return rc == DKIMARC_OK ? 0 : -1;
}

/*
 * Prints an item that is not a message to verify (empty, not mail, a broken
 * part of an mbox) as scan names it: a JSON line, or a line in place of a
 * report (on standard error with --ar alone). Returns 0 or -1.
 */
static int print_problem(struct run *run, const struct input *in, const dkimarc_corpus_item *it,
                         const char *name)
{
	const char *kind = dkimarc_item_kind_str(dkimarc_corpus_item_kind(it));
	const char *text = dkimarc_corpus_item_problem(it);
	FILE *out = run->o->ar && !run->o->json ? stderr : stdout;

	if (run->o->json) {
		char *s = json_line(run, in, it, NULL, NULL);
		if (!s)
			return -1;
		fputs(s, run->json);
		fputc('\n', run->json);
		fflush(run->json);
		dkimarc_free(s);
	} else {
		if (out == stdout && run->shown)
			putchar('\n');
		if (out == stderr)
			fputs("dkimarc: ", stderr);
		put_safe(out, name);
		fprintf(out, ": NOT VERIFIED (%s) \xe2\x80\x94 ", kind);
		put_safe(out, text ? text : "");
		fputc('\n', out);
	}
	fflush(out);
	return 0;
}

/* Verifies one item, or reports it as a problem; tallies it into run. */
static void verify_item(struct run *run, const struct input *in, dkimarc_corpus_item *it)
{
	dkimarc_report *r = NULL;
	char *name = input_item_name(in, it);
	int rc = DKIMARC_OK, shown;

	if (!name) {
		cli_error("out of memory");
		run->failed = true;
		return;
	}
	run->items++;
	if (dkimarc_corpus_item_kind(it) == DKIMARC_ITEM_MESSAGE)
		rc = dkimarc_corpus_item_verify(run->ctx, it, &r);
	if (rc == DKIMARC_EFORMAT || rc == DKIMARC_EIO || rc == DKIMARC_ELIMIT) {
		/* What reading found, named as scan names it (docs/scan.md). */
		dkimarc_item_kind k = rc == DKIMARC_EFORMAT ? DKIMARC_ITEM_NOT_MAIL
		                      : rc == DKIMARC_EIO   ? DKIMARC_ITEM_UNREADABLE
		                                            : DKIMARC_ITEM_TOO_LARGE;
		rc = dkimarc_corpus_item_set_problem(it, k, dkimarc_last_error());
	}
	if (rc != DKIMARC_OK) {
		/* A failure of the library is an error, never a verdict. */
		cli_error("%s: %s", name,
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		run->failed = true;
		free(name);
		return;
	}
	if (!r && dkimarc_corpus_item_kind(it) == DKIMARC_ITEM_ERROR) {
		/* Reading it failed inside (memory): an error, as a verification would. */
		cli_error("%s: %s", name, dkimarc_corpus_item_problem(it));
		run->failed = true;
		free(name);
		return;
	}
	if (!r) {
		shown = print_problem(run, in, it, name);
		run->failed = true; /* not mail, empty, unreadable: an input error */
	} else {
		dkimarc_verdict v = dkimarc_report_verdict(r);
		if (v != DKIMARC_VERDICT_CONFIRMED && v != DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY)
			run->all_confirmed = false;
		if (report_provisional(r))
			run->provisional++;
		shown = print_report(run, in, it, r, name);
		int64_t t = dkimarc_report_time(r);
		run->tfirst = run->tfirst < 0 ? t : run->tfirst;
		run->tlast = t;
		dkimarc_report_free(r);
	}
	if (shown < 0)
		run->failed = true;
	else
		run->shown++;
	free(name);
}

/* Verifies every item of one input (a message file, an mbox, standard input). */
static void verify_input(struct run *run, const char *given)
{
	struct input in;
	dkimarc_corpus_item *it;

	if (input_open(&in, given, run->o->quoting) < 0) {
		run->failed = true;
		return;
	}
	for (;;) {
		if (input_next(&in, &it) < 0)
			run->failed = true;
		if (!it)
			break;
		verify_item(run, &in, it);
		dkimarc_corpus_item_free(it);
	}
	input_close(&in);
}

int cmd_verify(int argc, char **argv)
{
	static const char *stdin_only[] = {"-"};
	struct verify_opts o = {0};
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *dns = NULL; /* inside ctx: its counters */
	int64_t at = -1;
	struct run run = {
	    .o = &o, .json = stdout, .all_confirmed = true, .tfirst = -1, .tlast = -1};
	char *run_json = NULL;
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
	if (o.explain && (o.json || o.ar)) {
		st = cli_usage_error(
		    "--explain prints text; with --json or --ar, use --explain-dir");
		goto out;
	}
	ctx = make_ctx(&o, at, &dns);
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
	/* The output file must not be one of the inputs: opening it would empty it. */
	struct stat os, is;
	if (o.json && strcmp(o.json_file, "-") != 0 && stat(o.json_file, &os) == 0) {
		for (size_t i = 0; i < o.nfiles; i++) {
			if (strcmp(o.files[i], "-") != 0 && stat(o.files[i], &is) == 0 &&
			    is.st_dev == os.st_dev && is.st_ino == os.st_ino) {
				st = cli_usage_error("--json=%s would overwrite an input",
				                     o.json_file);
				goto out;
			}
		}
	}
	if (o.json && strcmp(o.json_file, "-") != 0 && !(run.json = fopen(o.json_file, "w"))) {
		cli_error("cannot write the JSON output to %s: %s", o.json_file, strerror(errno));
		st = EXIT_USAGE;
		goto out;
	}

	/* No FILE and a terminal: say what it waits for, rather than hang silently. */
	if (o.files == stdin_only && isatty(STDIN_FILENO))
		fputs("dkimarc: reading the message from standard input (Ctrl-D to end)\n", stderr);
	run.ctx = ctx;
	for (size_t i = 0; i < o.nfiles; i++)
		verify_input(&run, o.files[i]);
	/* Text reports end with what a rerun needs (JSON lines carry it in "run"). */
	if (run.tfirst >= 0 && !o.json && !o.ar) {
		putchar('\n');
		if (run_print_text(stdout, ctx, run.tfirst, run.tlast) < 0)
			run.failed = true;
	}
	if (fflush(stdout) != 0 || ferror(stdout)) {
		cli_error("cannot write output: %s", strerror(errno));
		run.failed = true;
	}
	if (run.json != stdout) {
		bool bad = ferror(run.json) != 0;
		if (fclose(run.json) != 0 || bad) {
			cli_error("cannot write %s: %s", o.json_file, strerror(errno));
			run.failed = true;
		}
		run.json = stdout;
	}
	/* Said last, where it is seen; only live DNS failures can go away on a rerun. */
	tempfail_say_verdicts(dns, run.provisional);
	bool provisional = tempfail_count(dns) > 0 && run.provisional > 0;
	st = run.failed          ? EXIT_USAGE
	     : provisional       ? EXIT_PROVISIONAL
	     : run.all_confirmed ? EXIT_CONFIRMED
	                         : EXIT_NOT_CONFIRMED;
out:
	if (ctx)
		dkimarc_ctx_free(ctx);
	dkimarc_free(run_json);
	if (run.devnull)
		fclose(run.devnull);
	if (run.json && run.json != stdout)
		fclose(run.json);
	keyopts_free(&o.ko);
	if (o.files != stdin_only)
		free(o.files);
	return st;
}
