/*
 * `dkimarc scan`: verifies a corpus (folders, maildirs, mbox files) in
 * parallel. Two walks: the first reads every header to gather the key names
 * the corpus needs, which are then fetched once (dkimarc_keysrc_prefetch_new);
 * the second verifies with those answers in memory, so no worker waits on a
 * key source. Results come out in walk order, identical for any --jobs.
 */
#include "scan.h"

#include "cli.h"
#include "keyopts.h"
#include "scan_html.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

struct scan_opts {
	struct keyopts ko;
	const char **paths; /* as given; "-" expanded */
	size_t npaths;
	char **owned; /* paths read from standard input */
	size_t nowned;
	unsigned jobs;
	const char *json; /* "-" for standard output */
	const char *csv;  /* idem */
	const char *summary_json;
	const char *html; /* --html FILE */
	const char *at;
	int own[6]; /* descriptors on the files this scan writes: never walked */
	size_t nown;
	dkimarc_mbox_quoting quoting;
	uint64_t max_size;
	bool follow, strict, quiet, no_progress, nul;
};

void scan_usage(FILE *out)
{
	fputs("usage: dkimarc scan [--keys FILE]... [--keys-vector FILE]... [--jobs N]\n"
	      "                    [--json[=FILE] | --csv FILE]\n"
	      "                    [--summary-json FILE] [--mbox-quoting=mboxrd|mboxo|none]\n"
	      "                    [options] PATH...\n"
	      "\n"
	      "Verifies every message of a corpus and splits it by verdict. A PATH may be a\n"
	      "folder (walked recursively), a maildir, an mbox file or a single message; '-'\n"
	      "reads a list of paths from standard input, one per line. Each message gets one\n"
	      "line, in walk order; files that are not mail or cannot be read get one too. A\n"
	      "summary follows: verdicts, confirmed mail per signing domain, reasons.\n"
	      "\n"
	      "options:\n",
	      out);
	keyopts_usage(out);
	fputs("  --jobs N          verify on N threads (default: the number of cores)\n"
	      "  --json[=FILE]     one JSON object per item (JSON Lines), on standard output or\n"
	      "                    into FILE; the summary then goes to standard error.\n"
	      "                    '--json FILE' takes FILE when its name ends in .json,\n"
	      "                    .jsonl or .ndjson; any other word after --json is a PATH\n"
	      "  --csv FILE        one CSV record per item into FILE ('-': standard output)\n"
	      "  --summary-json FILE  the summary as JSON into FILE\n"
	      "  --html FILE       a self-contained HTML report into FILE: charts of the\n"
	      "                    summary, confirmed mail by Date and domain, every item\n"
	      "                    (every FILE also as --option=FILE; the files a scan\n"
	      "                    writes are never read as part of the corpus)\n"
	      "  --mbox-quoting=Q  how '>From ' lines in mbox files are read back: mboxrd\n"
	      "                    (default: one '>' removed from '>From ', '>>From ', ...),\n"
	      "                    mboxo (only '>From '), none (bytes as stored)\n"
	      "  --follow-symlinks follow symlinks that lead out of a folder being walked\n"
	      "  --max-size BYTES  largest message read (K, M, G suffixes; default 256M);\n"
	      "                    larger ones are reported, never truncated\n"
	      "  --null, -0        paths on standard input are separated by NUL, not newline\n"
	      "  --strict          RFC-strict policy (see dkimarc verify --help)\n"
	      "  --at TIME         judge expiry and timestamps as of TIME (default: now)\n"
	      "  --quiet, -q       no line per message, only the summary (text output)\n"
	      "  --no-progress     no progress line on standard error (drawn only on a\n"
	      "                    terminal anyway)\n"
	      "  -h, --help        show this help\n"
	      "\n"
	      "exit status: 0 every message confirmed (or confirmed-third-party),\n"
	      "             1 some message not confirmed,\n"
	      "             2 usage or setup error (nothing scanned), or dkimarc failed on\n"
	      "               some message (out of memory, crypto library): reported as\n"
	      "               an error, the rest was scanned,\n"
	      "             3 some input could not be read or verified (unreadable, too\n"
	      "               large, malformed mbox); the rest was scanned,\n"
	      "             4 some verdict rests on a key DNS could not give for now\n"
	      "               (timeout, SERVFAIL, REFUSED, no resolver reachable): it is\n"
	      "               provisional, run again later (said on standard error);\n"
	      "             the first of 2, 3, 4, 1 that applies\n",
	      out);
}

/* ---- options ------------------------------------------------------------------- */

static int need_value(int argc, char **argv, int *i, const char *name, const char **val)
{
	if (*val)
		return **val ? 0 : cli_usage_error("option '%s' needs a non-empty value", name);
	if (*i + 1 >= argc)
		return cli_usage_error("option '%s' needs a value", name);
	*val = argv[++*i];
	if (!**val)
		return cli_usage_error("option '%s' needs a non-empty value", name);
	return 0;
}

static int parse_size(const char *s, uint64_t *out)
{
	char *end;
	errno = 0;
	unsigned long long v = strtoull(s, &end, 10);
	if (errno || end == s || *s == '-')
		return -1;
	uint64_t mul = 1;
	if (*end == 'K' || *end == 'k')
		mul = 1024;
	else if (*end == 'M' || *end == 'm')
		mul = 1024 * 1024;
	else if (*end == 'G' || *end == 'g')
		mul = 1024ull * 1024 * 1024;
	if (mul != 1)
		end++;
	if (*end || v == 0 || v > UINT64_MAX / mul)
		return -1;
	*out = v * mul;
	return 0;
}

static int add_path(struct scan_opts *o, const char *p)
{
	const char **np = realloc(o->paths, (o->npaths + 1) * sizeof *np);
	if (!np) {
		cli_error("out of memory");
		return -1;
	}
	o->paths = np;
	o->paths[o->npaths++] = p;
	return 0;
}

/* Reads the list of paths on standard input (one per line, or NUL-separated). */
static int read_stdin_paths(struct scan_opts *o)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	if (isatty(STDIN_FILENO))
		fprintf(stderr, "dkimarc: reading paths from standard input, %s (Ctrl-D to end)\n",
		        o->nul ? "NUL-separated" : "one per line");
	while ((n = getdelim(&line, &cap, o->nul ? '\0' : '\n', stdin)) >= 0) {
		if (!o->nul && n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		if (!o->nul && n > 0 && line[n - 1] == '\r')
			line[--n] = '\0';
		if (n == 0 || line[0] == '\0')
			continue;
		char **no = realloc(o->owned, (o->nowned + 1) * sizeof *no);
		char *copy = strdup(line);
		if (!no || !copy) {
			free(copy);
			if (no)
				o->owned = no;
			free(line);
			cli_error("out of memory");
			return -1;
		}
		o->owned = no;
		o->owned[o->nowned++] = copy;
		if (add_path(o, copy) < 0) {
			free(line);
			return -1;
		}
	}
	free(line);
	if (ferror(stdin)) {
		cli_error("cannot read the list of paths on standard input: %s", strerror(errno));
		return -1;
	}
	return 0;
}

/* Returns -1 to go on, or an exit status. */
static int parse_args(int argc, char **argv, struct scan_opts *o)
{
	bool opts_done = false, want_stdin = false;
	int st;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (strcmp(a, "-") == 0) {
				if (want_stdin)
					return cli_usage_error("'-' may be given only once");
				want_stdin = true;
				/* Placeholder, expanded in place below. */
			}
			if (add_path(o, a) < 0)
				return EXIT_USAGE;
			continue;
		}
		if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			scan_usage(stdout);
			return 0;
		} else if ((st = keyopts_parse(&o->ko, argc, argv, &i)) != 0 ||
		           (st = keyopts_parse_revealed(&o->ko, argc, argv, &i)) != 0) {
			if (st < 0)
				return EXIT_USAGE;
		} else if (cli_opt_is(a, "--jobs", &val) || strcmp(a, "-j") == 0) {
			if (need_value(argc, argv, &i, "--jobs", &val))
				return EXIT_USAGE;
			char *end;
			long n = strtol(val, &end, 10);
			if (*end || n < 1 || n > 256)
				return cli_usage_error(
				    "--jobs wants a number from 1 to 256, not '%s'", val);
			o->jobs = (unsigned)n;
		} else if (cli_opt_is(a, "--json", &val)) {
			if (cli_json_opt(argc, argv, &i, val, &o->json))
				return EXIT_USAGE;
		} else if (cli_opt_is(a, "--csv", &val)) {
			if (need_value(argc, argv, &i, "--csv", &val))
				return EXIT_USAGE;
			o->csv = val;
		} else if (cli_opt_is(a, "--summary-json", &val)) {
			if (need_value(argc, argv, &i, "--summary-json", &val))
				return EXIT_USAGE;
			o->summary_json = val;
		} else if (cli_opt_is(a, "--html", &val)) {
			if (need_value(argc, argv, &i, "--html", &val))
				return EXIT_USAGE;
			o->html = val;
		} else if (cli_opt_is(a, "--mbox-quoting", &val)) {
			if (need_value(argc, argv, &i, "--mbox-quoting", &val))
				return EXIT_USAGE;
			if (strcmp(val, "mboxrd") == 0)
				o->quoting = DKIMARC_MBOX_MBOXRD;
			else if (strcmp(val, "mboxo") == 0)
				o->quoting = DKIMARC_MBOX_MBOXO;
			else if (strcmp(val, "none") == 0)
				o->quoting = DKIMARC_MBOX_NONE;
			else
				return cli_usage_error(
				    "--mbox-quoting is mboxrd, mboxo or none, not "
				    "'%s'",
				    val);
		} else if (cli_opt_is(a, "--max-size", &val)) {
			if (need_value(argc, argv, &i, "--max-size", &val))
				return EXIT_USAGE;
			if (parse_size(val, &o->max_size) < 0)
				return cli_usage_error(
				    "--max-size wants a size in bytes (e.g. 300M), "
				    "not '%s'",
				    val);
		} else if (cli_opt_is(a, "--at", &val)) {
			if (need_value(argc, argv, &i, "--at", &val))
				return EXIT_USAGE;
			o->at = val;
		} else if (strcmp(a, "--follow-symlinks") == 0) {
			o->follow = true;
		} else if (strcmp(a, "--strict") == 0) {
			o->strict = true;
		} else if (strcmp(a, "--quiet") == 0 || strcmp(a, "-q") == 0) {
			o->quiet = true;
		} else if (strcmp(a, "--no-progress") == 0) {
			o->no_progress = true;
		} else if (strcmp(a, "--null") == 0 || strcmp(a, "-0") == 0) {
			o->nul = true;
		} else {
			return cli_usage_error("unknown option '%s'", a);
		}
	}
	if (o->npaths == 0)
		return cli_usage_error("scan needs a PATH (a folder, maildir, mbox or message), "
		                       "or '-' to read paths from standard input");
	if (o->json && o->csv && strcmp(o->json, "-") == 0 && strcmp(o->csv, "-") == 0)
		return cli_usage_error("--json and --csv cannot both write to standard output");
	if (want_stdin) {
		/* Expand "-" where it stood: paths before it, those read, paths after. */
		const char **given = o->paths;
		size_t ngiven = o->npaths;
		o->paths = NULL;
		o->npaths = 0;
		for (size_t i = 0; i < ngiven; i++) {
			int rc = strcmp(given[i], "-") == 0 ? read_stdin_paths(o)
			                                    : add_path(o, given[i]);
			if (rc < 0) {
				free(given);
				return EXIT_USAGE;
			}
		}
		free(given);
		if (o->npaths == 0)
			return cli_usage_error("no path on standard input");
	}
	return -1;
}

/* ---- setup --------------------------------------------------------------------- */

static int new_corpus(const struct scan_opts *o, dkimarc_corpus **out)
{
	dkimarc_corpus *c = NULL;
	int rc = dkimarc_corpus_new(&c);
	for (size_t i = 0; rc == DKIMARC_OK && i < o->npaths; i++)
		rc = dkimarc_corpus_add_path(c, o->paths[i]);
	if (rc == DKIMARC_OK)
		rc = dkimarc_corpus_set_mbox_quoting(c, o->quoting);
	if (rc == DKIMARC_OK)
		rc = dkimarc_corpus_set_follow_symlinks(c, o->follow);
	if (rc == DKIMARC_OK && o->max_size)
		rc = dkimarc_corpus_set_max_message_bytes(c, o->max_size);
	for (size_t i = 0; rc == DKIMARC_OK && i < o->nown; i++)
		rc = dkimarc_corpus_exclude_fd(c, o->own[i]);
	if (rc != DKIMARC_OK) {
		cli_error("cannot set up the scan: %s", dkimarc_last_error());
		dkimarc_corpus_free(c);
		return -1;
	}
	*out = c;
	return 0;
}

static int new_ctx(const struct scan_opts *o, int64_t at, dkimarc_ctx **out)
{
	dkimarc_ctx *ctx = NULL;
	int rc = dkimarc_ctx_new(&ctx);
	if (rc == DKIMARC_OK)
		rc = dkimarc_ctx_set_strict(ctx, o->strict);
	if (rc == DKIMARC_OK && at >= 0)
		rc = dkimarc_ctx_set_time(ctx, at);
	if (rc != DKIMARC_OK) {
		cli_error("cannot set up verification: %s",
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		dkimarc_ctx_free(ctx);
		return -1;
	}
	*out = ctx;
	return 0;
}

/* ---- first walk: the key names ----------------------------------------------------- */

struct names {
	char **v; /* open addressing set */
	size_t n, cap;
	bool failed;
};

static size_t str_hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static void names_add(struct names *s, const char *name)
{
	if (s->failed)
		return;
	if ((s->n + 1) * 2 > s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 256;
		char **v = calloc(cap, sizeof *v);
		if (!v) {
			s->failed = true;
			return;
		}
		for (size_t i = 0; i < s->cap; i++) {
			if (!s->v[i])
				continue;
			size_t j = str_hash(s->v[i]) & (cap - 1);
			while (v[j])
				j = (j + 1) & (cap - 1);
			v[j] = s->v[i];
		}
		free(s->v);
		s->v = v;
		s->cap = cap;
	}
	size_t j = str_hash(name) & (s->cap - 1);
	while (s->v[j]) {
		if (strcmp(s->v[j], name) == 0)
			return;
		j = (j + 1) & (s->cap - 1);
	}
	if (!(s->v[j] = strdup(name))) {
		s->failed = true;
		return;
	}
	s->n++;
}

struct gather {
	const dkimarc_ctx *ctx;
	struct names names;
	uint64_t items; /* what the second walk will count to */
	struct progress *pg;
};

/* Worker: the key names in one message's header (a NULL-terminated array). */
static void *gather_work(void *arg, dkimarc_corpus_item *it)
{
	struct gather *g = arg;
	dkimarc_msgreader *rd = NULL;
	dkimarc_verifier *v = NULL;
	char **res = NULL;
	char *buf = NULL;

	if (dkimarc_corpus_item_kind(it) != DKIMARC_ITEM_MESSAGE)
		goto out;
	res = calloc(1, sizeof *res); /* an empty list: a message */
	buf = malloc(CHUNK);
	if (!res || !buf || dkimarc_corpus_item_open(it, &rd) != DKIMARC_OK ||
	    dkimarc_verifier_new(g->ctx, &v) != DKIMARC_OK)
		goto out; /* the second walk reports what is wrong */
	while (!dkimarc_verifier_header_done(v)) {
		size_t n;
		if (dkimarc_msgreader_read(rd, buf, CHUNK, &n) != DKIMARC_OK || n == 0 ||
		    dkimarc_verifier_write(v, buf, n) != DKIMARC_OK)
			goto out;
	}
	size_t k = dkimarc_verifier_key_count(v);
	char **r = calloc(k + 1, sizeof *r);
	if (!r)
		goto out;
	free(res);
	res = r;
	for (size_t i = 0; i < k; i++)
		if (!(res[i] = strdup(dkimarc_verifier_key_name(v, i))))
			break;
out:
	dkimarc_verifier_free(v);
	dkimarc_msgreader_free(rd);
	dkimarc_corpus_item_free(it);
	free(buf);
	return res;
}

static void gather_consume(void *arg, void *result)
{
	struct gather *g = arg;
	char **res = result;
	g->items++;
	if (!res)
		return;
	for (char **p = res; *p; p++) {
		names_add(&g->names, *p);
		free(*p);
	}
	free(res);
}

static void gather_tick(void *arg, uint64_t done)
{
	struct gather *g = arg;
	(void)done;
	progress_draw(g->pg, "reading headers", g->items, false);
}

/* ---- second walk: verification ----------------------------------------------------- */

struct verify_run {
	const dkimarc_ctx *ctx;
	const struct scan_opts *o;
	FILE *json, *csv, *text;
	struct tally *tally;
	struct html *html;   /* --html */
	dkimarc_audit *keys; /* --html: the keys in use, for its timeline */
	struct progress *pg;
	bool tty_out; /* the progress line shares the terminal with standard output */
	bool write_failed, nomem;
	uint64_t provisional; /* verdicts resting on a temporary lookup failure */
};

struct result {
	struct facts f;
	char *json;       /* dkimarc_corpus_item_json()'s: dkimarc_free() */
	char *csv, *text; /* malloc'd */
	char *html;       /* its row of the HTML report */
	int64_t date;     /* the message's Date, for the HTML timeline */
	bool nomem;
	bool provisional; /* report_provisional() */
};

static void *verify_work(void *arg, dkimarc_corpus_item *it)
{
	struct verify_run *vr = arg;
	struct result *res = calloc(1, sizeof *res);
	dkimarc_report *r = NULL;

	if (!res) {
		dkimarc_corpus_item_free(it);
		return NULL;
	}
	if (dkimarc_corpus_item_kind(it) == DKIMARC_ITEM_MESSAGE) {
		int rc = dkimarc_corpus_item_verify(vr->ctx, it, &r);
		if (rc != DKIMARC_OK) {
			/* A failure of the library is an error for this item, never a verdict. */
			dkimarc_item_kind k = rc == DKIMARC_ELIMIT    ? DKIMARC_ITEM_TOO_LARGE
			                      : rc == DKIMARC_EFORMAT ? DKIMARC_ITEM_NOT_MAIL
			                      : rc == DKIMARC_EIO     ? DKIMARC_ITEM_UNREADABLE
			                                              : DKIMARC_ITEM_ERROR;
			const char *why =
			    *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc);
			if (dkimarc_corpus_item_set_problem(it, k, why) != DKIMARC_OK)
				res->nomem = true;
			r = NULL;
		}
	}
	res->f.kind = dkimarc_corpus_item_kind(it);
	if (r) {
		const dkimarc_sig *s = deciding_sig(r);
		res->f.verdict = dkimarc_report_verdict(r);
		res->f.reason = verdict_reason_code(r);
		res->f.flags = dkimarc_report_flags(r);
		if (s && dkimarc_sig_domain(s) && !(res->f.domain = strdup(dkimarc_sig_domain(s))))
			res->nomem = true;
	}
	if (vr->json && dkimarc_corpus_item_json(it, r, &res->json) != DKIMARC_OK)
		res->nomem = true;
	if (vr->csv && !(res->csv = render_csv(it, r)))
		res->nomem = true;
	if (vr->text && !(res->text = render_text(it, r)))
		res->nomem = true;
	res->date = r ? dkimarc_report_date(r) : -1;
	res->provisional = r && report_provisional(r);
	if (vr->html && !(res->html = html_row(it, r)))
		res->nomem = true;
	if (vr->keys && r && dkimarc_audit_add_report(vr->keys, r) != DKIMARC_OK)
		res->nomem = true;
	dkimarc_report_free(r);
	dkimarc_corpus_item_free(it);
	return res;
}

static void put(struct verify_run *vr, FILE *f, const char *s, bool newline)
{
	if (!f || !s)
		return;
	if (fputs(s, f) == EOF || (newline && fputc('\n', f) == EOF))
		vr->write_failed = true;
}

static void verify_consume(void *arg, void *result)
{
	struct verify_run *vr = arg;
	struct result *res = result;
	if (!res || res->nomem) {
		vr->nomem = true;
		if (!res)
			return;
	}
	if (tally_add(vr->tally, &res->f) < 0)
		vr->nomem = true;
	vr->provisional += res->provisional;
	if (vr->html && html_add(vr->html, &res->f, res->date, res->html) < 0)
		vr->nomem = true;
	if (vr->tty_out &&
	    (res->text || (vr->json == stdout && res->json) || (vr->csv == stdout && res->csv)))
		progress_clear(vr->pg); /* keep the bar off the lines the terminal shows */
	put(vr, vr->json, res->json, true);
	put(vr, vr->csv, res->csv, false);
	put(vr, vr->text, res->text, false);
	dkimarc_free(res->json);
	free(res->csv);
	free(res->text);
	free(res->f.domain);
	free(res);
}

static void verify_tick(void *arg, uint64_t done)
{
	struct verify_run *vr = arg;
	progress_draw(vr->pg, "verifying", done, false);
}

/* ---- the command ------------------------------------------------------------------- */

#define OUT_BUF (256u * 1024)

/* *buf: the file's stream buffer, if one could be had; free it after fclose. */
static FILE *open_out(const char *path, const char *what, char **buf)
{
	if (strcmp(path, "-") == 0)
		return stdout;
	FILE *f = fopen(path, "w");
	if (!f)
		cli_error("cannot write the %s to %s: %s", what, path, strerror(errno));
	else if ((*buf = malloc(OUT_BUF)))
		setvbuf(f, *buf, _IOFBF, OUT_BUF); /* a corpus's records: few large writes */
	return f;
}

static bool close_out(FILE *f, const char *path)
{
	if (!f)
		return true;
	bool ok = fflush(f) == 0 && !ferror(f);
	if (f != stdout)
		ok = fclose(f) == 0 && ok;
	if (!ok)
		cli_error("cannot write %s: %s", path, strerror(errno));
	return ok;
}

/* Records fd as one of the scan's own files when it is a regular file. */
static void own_file(struct scan_opts *o, int fd)
{
	struct stat st;
	if (fd >= 0 && fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
	    o->nown < sizeof o->own / sizeof o->own[0])
		o->own[o->nown++] = fd;
}

/* Opens a descriptor on a file the scan writes by name later (--html, --summary-json);
 * create: make it now, so that an unwritable path fails before the scan. -1 after
 * printing why. */
static int open_own(const char *path, const char *what, bool create)
{
	int fd = create ? open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOCTTY, 0666)
	                : open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0)
		cli_error("cannot write the %s to %s: %s", what, path, strerror(errno));
	return fd;
}

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

int cmd_scan(int argc, char **argv)
{
	struct scan_opts o = {.quoting = DKIMARC_MBOX_MBOXRD};
	struct gather g = {0};
	struct verify_run vr = {0};
	struct progress pg;
	dkimarc_corpus *c = NULL;
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL, *dns = NULL; /* dns: inside src, for its counters */
	int64_t at = -1;
	int st;

	double t0 = progress_now(), t_fetch = 0, t_verify = 0;
	int64_t started = (int64_t)time(NULL);
	char *run_json = NULL;
	char *json_buf = NULL, *csv_buf = NULL; /* after their streams are closed */
	int html_fd = -1, summary_fd = -1;

	st = parse_args(argc, argv, &o);
	if (st >= 0)
		goto out;
	st = EXIT_USAGE;
	if (!o.jobs)
		o.jobs = default_jobs();
	if (o.at && (at = dkimarc_parse_time(o.at)) < 0) {
		cli_usage_error("invalid time '%s' for --at (expected 2017-05-05T12:00:00Z, "
		                "2017-05-05 or unix seconds)",
		                o.at);
		goto out;
	}
	if (keyopts_build(&o.ko, &src, &dns) != 0)
		goto out;
	if (new_ctx(&o, at, &ctx) < 0)
		goto out;
	progress_init(&pg, !o.no_progress && isatty(STDERR_FILENO), 0);

	/*
	 * The outputs before any walk: a path that cannot be written fails now, not
	 * after the scan, and the files this run writes (standard output and error
	 * too, when redirected to files) are left out of the corpus, so that a run
	 * inside the folder does not read the last run's output.
	 */
	vr.tally = tally_new();
	if (!vr.tally) {
		cli_error("out of memory");
		goto out;
	}
	if (o.json && !(vr.json = open_out(o.json, "JSON output", &json_buf)))
		goto out;
	if (o.html && (!(vr.html = html_open(o.html)) ||
	               (html_fd = open_own(o.html, "HTML report", false)) < 0))
		goto out;
	if (o.html && dkimarc_audit_new(&vr.keys) != DKIMARC_OK) {
		cli_error("out of memory");
		goto out;
	}
	if (o.csv && !(vr.csv = open_out(o.csv, "CSV output", &csv_buf)))
		goto out;
	if (o.summary_json && strcmp(o.summary_json, "-") != 0 &&
	    (summary_fd = open_own(o.summary_json, "summary", true)) < 0)
		goto out;
	own_file(&o, vr.json ? fileno(vr.json) : -1);
	own_file(&o, vr.csv ? fileno(vr.csv) : -1);
	own_file(&o, html_fd);
	own_file(&o, summary_fd);
	own_file(&o, STDOUT_FILENO);
	own_file(&o, STDERR_FILENO);

	/*
	 * First walk: which keys does the corpus need? Only worth its reading of
	 * every header when keys come from DNS, whose lookups it sends all at once;
	 * archives answer from memory as each message is verified.
	 */
	bool gather = src && keyopts_uses_dns(&o.ko);
	g.ctx = ctx;
	g.pg = &pg;
	if (gather && (new_corpus(&o, &c) < 0 ||
	               pool_run(c, o.jobs, gather_work, gather_consume, gather_tick, &g) < 0))
		goto out;
	dkimarc_corpus_free(c);
	c = NULL;
	if (g.names.failed) {
		cli_error("out of memory gathering key names");
		goto out;
	}
	t_fetch = progress_now();
	if (gather) {
		const char **list = malloc((g.names.n ? g.names.n : 1) * sizeof *list);
		size_t k = 0;
		if (!list) {
			cli_error("out of memory");
			goto out;
		}
		for (size_t i = 0; i < g.names.cap; i++)
			if (g.names.v[i])
				list[k++] = g.names.v[i];
		progress_clear(&pg);
		if (pg.on)
			fprintf(stderr, "fetching %s...", cli_count(0, k, "key", NULL));
		dkimarc_keysrc *pf = NULL;
		/* Lookups wait on the network, not the CPU: more of them than cores. */
		int rc = dkimarc_keysrc_prefetch_new(&pf, src, list, k, o.jobs * 8);
		src = NULL;
		free(list);
		if (rc != DKIMARC_OK) {
			progress_clear(&pg);
			cli_error("cannot fetch the keys: %s", dkimarc_last_error());
			goto out;
		}
		/* The context takes pf, also on failure. */
		if (dkimarc_ctx_set_keysrc(ctx, pf) != DKIMARC_OK) {
			cli_error("cannot set up verification: %s", dkimarc_last_error());
			goto out;
		}
	} else if (src) {
		int rc = dkimarc_ctx_set_keysrc(ctx, src);
		src = NULL; /* the context took it, also on failure */
		if (rc != DKIMARC_OK) {
			cli_error("cannot set up verification: %s", dkimarc_last_error());
			goto out;
		}
	}

	/* Shared primes over every key fetched or archived; revealed private keys. */
	if (keyopts_setup_checks(&o.ko, ctx) != 0)
		goto out;

	/* Second walk: verify. */
	vr.ctx = ctx;
	vr.o = &o;
	vr.pg = &pg;
	bool machine_on_stdout = vr.json == stdout || vr.csv == stdout;
	if (!o.json && !o.csv && !o.quiet)
		vr.text = stdout;
	if (vr.csv)
		put(&vr, vr.csv, csv_header(), false);
	vr.tty_out = pg.on && isatty(STDOUT_FILENO);
	t_verify = progress_now();
	progress_init(&pg, pg.on, g.items);
	if (new_corpus(&o, &c) < 0 ||
	    pool_run(c, o.jobs, verify_work, verify_consume, verify_tick, &vr) < 0) {
		progress_clear(&pg);
		goto out;
	}
	double t_end = progress_now();
	progress_clear(&pg);
	if (vr.nomem) {
		cli_error("out of memory during the scan; its output is incomplete");
		goto out;
	}

	if (tally_errors(vr.tally))
		cli_error("dkimarc failed on %s (out of memory or a crypto library failure): "
		          "reported as errors, not verified",
		          cli_count(0, tally_errors(vr.tally), "item", NULL));
	st = tally_errors(vr.tally)                          ? EXIT_USAGE
	     : tally_incomplete(vr.tally)                    ? EXIT_INCOMPLETE
	     : tempfail_count(dns) > 0 && vr.provisional > 0 ? EXIT_PROVISIONAL
	     : tally_all_confirmed(vr.tally)                 ? EXIT_CONFIRMED
	                                                     : EXIT_NOT_CONFIRMED;
	bool ok = close_out(vr.json, o.json) && close_out(vr.csv, o.csv) && !vr.write_failed;
	vr.json = vr.csv = NULL;
	tally_print(vr.tally, machine_on_stdout ? stderr : stdout);
	/* What a rerun needs: after the summary, in the summary JSON and in the HTML. */
	int64_t began = at >= 0 ? at : started, ended = at >= 0 ? at : (int64_t)time(NULL);
	fputc('\n', machine_on_stdout ? stderr : stdout);
	if (run_print_text(machine_on_stdout ? stderr : stdout, ctx, began, ended) < 0)
		ok = false;
	else if (dkimarc_ctx_describe_json(ctx, &run_json) != DKIMARC_OK) {
		cli_error("cannot describe the run: %s", dkimarc_last_error());
		ok = false;
	}
	if (vr.keys) {
		/* The key audit in the HTML report: its failure is an error, not a clean audit. */
		if (dkimarc_audit_run(vr.keys) == DKIMARC_OK)
			html_set_keys(vr.html, vr.keys);
		else {
			cli_error("cannot audit the keys: %s", dkimarc_last_error());
			ok = false;
		}
	}
	if (vr.html &&
	    html_finish(vr.html, ctx, o.paths, o.npaths, st, started, (int64_t)time(NULL)) < 0)
		ok = false;
	if (pg.on && gather)
		fprintf(stderr,
		        "\n%s in %.1f s on %s (reading headers %.1f s, fetching keys %.1f s, "
		        "verifying %.1f s)\n",
		        cli_count(0, tally_messages(vr.tally), "message", NULL), t_end - t0,
		        cli_count(1, o.jobs, "thread", NULL), t_fetch - t0, t_verify - t_fetch,
		        t_end - t_verify);
	else if (pg.on)
		fprintf(stderr, "\n%s in %.1f s on %s\n",
		        cli_count(0, tally_messages(vr.tally), "message", NULL), t_end - t0,
		        cli_count(1, o.jobs, "thread", NULL));
	if (o.summary_json && run_json &&
	    tally_write_json(vr.tally, o.summary_json, st, run_json) < 0) {
		cli_error("cannot write the summary to %s: %s", o.summary_json, strerror(errno));
		ok = false;
	}
	if (fflush(stdout) != 0 || ferror(stdout))
		ok = false;
	tempfail_say_verdicts(dns, vr.provisional); /* last, where it is seen */
	if (!ok)
		st = EXIT_USAGE;
out:
	if (vr.json && vr.json != stdout)
		fclose(vr.json);
	if (vr.csv && vr.csv != stdout)
		fclose(vr.csv);
	free(json_buf);
	free(csv_buf);
	if (html_fd >= 0)
		close(html_fd);
	if (summary_fd >= 0)
		close(summary_fd);
	tally_free(vr.tally);
	html_free(vr.html);
	dkimarc_audit_free(vr.keys);
	dkimarc_free(run_json);
	for (size_t i = 0; i < g.names.cap; i++)
		free(g.names.v[i]);
	free(g.names.v);
	dkimarc_corpus_free(c);
	dkimarc_ctx_free(ctx);
	dkimarc_keysrc_free(src);
	keyopts_free(&o.ko);
	for (size_t i = 0; i < o.nowned; i++)
		free(o.owned[i]);
	free(o.owned);
	free(o.paths);
	return st;
}
