/*
 * `dkimarc keys list|pin`: the keys a set of mails needs, and pinning them
 * from live DNS into a JSON Lines provenance archive (docs/dns.md).
 */
#include "cli.h"
#include "keyopts.h"
#include "keys_audit.h"

#include <dkimarc.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK (64 * 1024)
/* Names in flight at once while pinning: plenty for speed, gentle on the resolver. */
#define PIN_WINDOW 200

void keys_usage(FILE *out)
{
	fputs("usage: dkimarc keys list [--json[=FILE]] PATH...\n"
	      "       dkimarc keys pin [--dns-server ADDR[:PORT]]... [--dns-timeout MS]\n"
	      "                        [--dns-tries N] -o FILE [--append|--force] PATH...\n"
	      "       dkimarc keys audit [--keys FILE]... [--dns] [--revealed FILE]...\n"
	      "                          [--json[=FILE]] [PATH...]\n"
	      "       dkimarc keys recover [options] PATH...   (below)\n"
	      "\n"
	      "list  prints the DKIM keys (selector, domain) that the messages need, with\n"
	      "      the number of messages that need each, most needed first.\n"
	      "pin   looks each of those keys up once in DNS and writes the records with\n"
	      "      their provenance (source, fetched_at, dnssec) to a JSON Lines archive\n"
	      "      FILE, for 'dkimarc verify --keys FILE' now or years later.\n"
	      "audit checks keys for what lets anyone sign with them (weak, factorable,\n"
	      "shared primes, published private keys): see 'dkimarc keys audit --help'.\n"
	      "\n"
	      "PATH is a message file, an mbox, a maildir or a folder, read as\n"
	      "'dkimarc scan' reads them (see 'dkimarc help scan'), or '-' for standard\n"
	      "input. Only headers are read.\n"
	      "\n"
	      "options:\n"
	      "  --json[=FILE] list: one JSON object per key (JSON Lines), or into FILE;\n"
	      "                '--json FILE' takes FILE when it ends in .json or .jsonl\n"
	      "  -o, --output FILE  pin: the archive to write ('-': standard output)\n"
	      "  --append      pin: add to an existing FILE\n"
	      "  --force       pin: replace an existing FILE\n",
	      out);
	keyopts_dns_usage(out);
	fputs("  -h, --help    show this help\n"
	      "\n"
	      "exit status: 0 done (pin: the archive written; keys not found in DNS are\n"
	      "               named on standard error),\n"
	      "             1 pin: no record to pin, or a record that could not be written\n"
	      "               (not UTF-8; the others are),\n"
	      "             2 usage or input error, or dkimarc failed (out of memory):\n"
	      "               no archive written,\n"
	      "             4 pin: some key could not be fetched for now (timeout, SERVFAIL,\n"
	      "               REFUSED, no resolver reachable): no archive written, FILE left\n"
	      "               as it was; run again later. list asks nothing of DNS and never\n"
	      "               exits 4;\n"
	      "             the first of 2, 4, 1 that applies\n",
	      out);
	fputs("\n", out);
	keys_recover_usage(out);
}

/* ---- a name -> count table -------------------------------------------------- */

struct key {
	char *name;
	size_t count;
	dkimarc_answer *ans; /* pin: the answer */
};

struct table {
	struct key *keys; /* open addressing; size a power of two */
	size_t nslots, n;
};

static uint64_t hash(const char *s)
{
	uint64_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct key *table_slot(struct table *t, const char *name)
{
	size_t i = hash(name) & (t->nslots - 1);
	while (t->keys[i].name && strcmp(t->keys[i].name, name) != 0)
		i = (i + 1) & (t->nslots - 1);
	return &t->keys[i];
}

static int table_add(struct table *t, const char *name)
{
	if (2 * (t->n + 1) > t->nslots) {
		struct table g = {calloc(t->nslots ? 2 * t->nslots : 64, sizeof *g.keys),
		                  t->nslots ? 2 * t->nslots : 64, t->n};
		if (!g.keys)
			return -1;
		for (size_t i = 0; i < t->nslots; i++)
			if (t->keys[i].name)
				*table_slot(&g, t->keys[i].name) = t->keys[i];
		free(t->keys);
		*t = g;
	}
	struct key *k = table_slot(t, name);
	if (!k->name) {
		if (!(k->name = strdup(name)))
			return -1;
		t->n++;
	}
	k->count++;
	return 0;
}

/* The keys, packed and sorted: most needed first, then by name. */
static int by_count(const void *a, const void *b)
{
	const struct key *x = a, *y = b;
	if (x->count != y->count)
		return x->count < y->count ? 1 : -1;
	return strcmp(x->name, y->name);
}

static int by_name(const void *a, const void *b)
{
	return strcmp(((const struct key *)a)->name, ((const struct key *)b)->name);
}

static void table_pack(struct table *t, int (*cmp)(const void *, const void *))
{
	size_t j = 0;
	for (size_t i = 0; i < t->nslots; i++)
		if (t->keys[i].name)
			t->keys[j++] = t->keys[i];
	t->nslots = 0; /* no longer a hash table */
	if (j > 0)
		qsort(t->keys, j, sizeof *t->keys, cmp);
}

static void table_free(struct table *t)
{
	size_t n = t->nslots ? t->nslots : t->n;
	for (size_t i = 0; i < n; i++) {
		free(t->keys[i].name);
		dkimarc_answer_free(t->keys[i].ans);
	}
	free(t->keys);
}

/* ---- reading messages ------------------------------------------------------ */

struct scan {
	const dkimarc_ctx *ctx;
	struct table keys;
	char *buf;
	size_t messages, signed_messages, problems;
	bool failed;
	FILE *own; /* list --json=FILE: written here, never read as a message */
};

/* Feeds a verifier until its header is done; returns 0 or -1 (message printed). */
static int read_header(struct scan *s, dkimarc_verifier *v, dkimarc_msgreader *mr, int fd,
                       const char *name)
{
	dkimarc_report *r = NULL;
	int rc = DKIMARC_OK;

	while (!dkimarc_verifier_header_done(v)) {
		size_t n = 0;
		if (mr) {
			rc = dkimarc_msgreader_read(mr, s->buf, CHUNK, &n);
		} else {
			ssize_t got = read(fd, s->buf, CHUNK);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				cli_error("cannot read %s: %s", name, strerror(errno));
				return -1;
			}
			n = (size_t)got;
		}
		if (rc == DKIMARC_OK && n == 0) {
			/* A header without a body ends at the end of the message. */
			rc = dkimarc_verifier_finish(v, &r);
			dkimarc_report_free(r);
			break;
		}
		if (rc == DKIMARC_OK)
			rc = dkimarc_verifier_write(v, s->buf, n);
		if (rc != DKIMARC_OK)
			break;
	}
	if (rc != DKIMARC_OK) {
		cli_error("%s: %s", name,
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		return -1;
	}
	return 0;
}

/* Counts the keys one message's signatures need (known once its header is read). */
static void count_message(struct scan *s, dkimarc_msgreader *mr, int fd, const char *name)
{
	dkimarc_verifier *v = NULL;

	if (dkimarc_verifier_new(s->ctx, &v) != DKIMARC_OK || read_header(s, v, mr, fd, name)) {
		if (!v)
			cli_error("%s: %s", name, dkimarc_last_error());
		s->failed = true;
		dkimarc_verifier_free(v);
		return;
	}
	s->messages++;
	if (dkimarc_verifier_key_count(v) > 0)
		s->signed_messages++;
	for (size_t i = 0; i < dkimarc_verifier_key_count(v); i++) {
		if (table_add(&s->keys, dkimarc_verifier_key_name(v, i)) < 0) {
			cli_error("out of memory");
			s->failed = true;
		}
	}
	dkimarc_verifier_free(v);
}

static int count_item(void *arg, dkimarc_msgreader *mr, const char *path, int64_t index)
{
	(void)index;
	count_message(arg, mr, -1, path);
	return 0;
}

/* Walks the paths as `dkimarc scan` does (folders, maildirs, mbox files). */
static void scan_corpus(struct scan *s, char **paths, size_t npaths)
{
	if (keys_walk(paths, npaths, s->own, NULL, count_item, s, &s->problems))
		s->failed = true;
}

/* Reads every PATH; returns 0 or EXIT_USAGE. */
static int scan_all(struct scan *s, char **paths, size_t npaths)
{
	dkimarc_ctx *ctx = NULL;

	/* No key source: only headers are read, nothing is looked up. */
	if (dkimarc_ctx_new(&ctx) != DKIMARC_OK || !(s->buf = malloc(CHUNK))) {
		cli_error("out of memory");
		dkimarc_ctx_free(ctx);
		return EXIT_USAGE;
	}
	s->ctx = ctx;
	for (size_t i = 0; i < npaths; i++)
		if (strcmp(paths[i], "-") == 0)
			count_message(s, NULL, STDIN_FILENO, "standard input");
	scan_corpus(s, paths, npaths);
	dkimarc_ctx_free(ctx);
	s->ctx = NULL;
	free(s->buf);
	s->buf = NULL;
	return 0;
}

/* ---- JSON output (no JSON library in the CLI) -------------------------------- */

/* Length of the UTF-8 sequence at p (RFC 3629), or 0 if it is not valid. */
static size_t utf8_len(const unsigned char *p, size_t n)
{
	if (p[0] < 0x80)
		return 1;
	size_t len = p[0] >= 0xf0 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (len == 0 || len > n || p[0] > 0xf4)
		return 0;
	for (size_t i = 1; i < len; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	    (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f))
		return 0; /* overlong, surrogate, or beyond U+10FFFF */
	return len;
}

/* Writes s as a JSON string; -1 (nothing written) if it is not valid UTF-8. */
static int json_str(FILE *f, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;

	for (size_t i = 0, l; i < n; i += l)
		if (!(l = utf8_len(s + i, n - i)))
			return -1;
	fputc('"', f);
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '"' || s[i] == '\\')
			fprintf(f, "\\%c", s[i]);
		else if (s[i] < 0x20 || s[i] == 0x7f)
			fprintf(f, "\\u%04x", s[i]);
		else
			fputc(s[i], f);
	}
	fputc('"', f);
	return 0;
}

/* ---- list -------------------------------------------------------------------- */

/* Splits "sel._domainkey.dom" at the first "._domainkey." into its parts. */
static void split_name(const char *name, const char **dom, int *sel_len)
{
	const char *p = strstr(name, "._domainkey.");
	*sel_len = p ? (int)(p - name) : 0;
	*dom = p ? p + 12 : name;
}

static int keys_list(char **paths, size_t npaths, const char *json)
{
	struct scan s = {0};
	FILE *out = stdout;
	if (json && strcmp(json, "-") != 0 && !(out = fopen(json, "w"))) {
		cli_error("cannot write the JSON output to %s: %s", json, strerror(errno));
		return EXIT_USAGE;
	}
	s.own = out != stdout ? out : NULL;
	int st = scan_all(&s, paths, npaths);
	if (st) {
		if (out != stdout)
			fclose(out);
		return st;
	}
	table_pack(&s.keys, by_count);
	for (size_t i = 0; i < s.keys.n; i++) {
		const struct key *k = &s.keys.keys[i];
		const char *dom;
		int sl;
		split_name(k->name, &dom, &sl);
		if (json) {
			fputs("{\"name\":", out);
			if (json_str(out, k->name, strlen(k->name)) < 0)
				fputs("null", out);
			fputs(",\"selector\":", out);
			if (json_str(out, k->name, (size_t)sl) < 0)
				fputs("null", out);
			fputs(",\"domain\":", out);
			if (json_str(out, dom, strlen(dom)) < 0)
				fputs("null", out);
			fprintf(out, ",\"messages\":%zu}\n", k->count);
		} else {
			printf("%7zu  %-20.*s  %s\n", k->count, sl, k->name, dom);
		}
	}
	fprintf(stderr, "dkimarc: %s read, %zu signed, %s; %s skipped\n",
	        cli_count(0, s.messages, "message", NULL), s.signed_messages,
	        cli_count(1, s.keys.n, "distinct key", NULL),
	        cli_count(2, s.problems, "item", NULL));
	table_free(&s.keys);
	bool bad = fflush(out) != 0 || ferror(out);
	if (out != stdout)
		bad |= fclose(out) != 0;
	if (bad) {
		cli_error("cannot write output: %s", strerror(errno));
		return EXIT_USAGE;
	}
	return s.failed ? EXIT_USAGE : 0;
}

/* ---- pin --------------------------------------------------------------------- */

static void pin_answer(void *arg, const char *name, dkimarc_answer *ans)
{
	struct key *k = arg;
	(void)name;
	k->ans = ans;
}

/* One archive line per record (docs/keys.md); -1 if the TXT is not UTF-8. */
static int pin_line(FILE *f, const char *name, const dkimarc_keyrec *r)
{
	char t[32];

	fputs("{\"name\":", f);
	json_str(f, name, strlen(name));
	fputs(",\"txt\":", f);
	/* JSON holds text: bytes that are not UTF-8 cannot be kept exactly. */
	if (json_str(f, r->txt, r->txt_len) < 0) {
		fputs("null}\n", f);
		return -1;
	}
	if (r->origin) {
		fputs(",\"source\":", f);
		json_str(f, r->origin, strlen(r->origin));
	}
	if (r->fetched_at >= 0) {
		if (dkimarc_format_time(r->fetched_at, t) != 0)
			snprintf(t, sizeof t, "?");
		fprintf(f, ",\"fetched_at\":\"%s\"", t);
	}
	if (r->dnssec >= 0)
		fprintf(f, ",\"dnssec\":\"%s\"",
		        r->dnssec ? "validated-by-resolver" : "unvalidated");
	fputs("}\n", f);
	return 0;
}

static int keys_pin(const struct keyopts *ko, char **paths, size_t npaths, const char *out,
                    bool append, bool force)
{
	struct scan s = {0};
	dkimarc_keysrc *dns = NULL;
	size_t found = 0, records = 0, missing = 0, tempfail = 0, unwritable = 0, errors = 0;
	char *tmp = NULL;
	FILE *f = NULL;
	int st;

	if ((st = scan_all(&s, paths, npaths)) != 0)
		return st;
	if (s.failed) {
		table_free(&s.keys);
		return EXIT_USAGE;
	}
	if ((st = keyopts_build_dns(ko, &dns)) != 0) {
		table_free(&s.keys);
		return st;
	}
	table_pack(&s.keys, by_name);

	/* Every name once, a window of them in flight, driven by our own loop. */
	size_t next = 0;
	while (next < s.keys.n || dkimarc_dns_pending(dns) > 0) {
		while (next < s.keys.n && dkimarc_dns_pending(dns) < PIN_WINDOW) {
			struct key *k = &s.keys.keys[next++];
			int rc = dkimarc_dns_submit(dns, k->name, pin_answer, k);
			if (rc != DKIMARC_OK)
				cli_error("%s: %s", k->name, dkimarc_last_error());
		}
		if (dkimarc_dns_poll(dns, -1) < 0) {
			cli_error("DNS: %s", dkimarc_last_error());
			break;
		}
	}

	/* What the lookups found, before anything is written. */
	for (size_t i = 0; i < s.keys.n; i++) {
		const struct key *k = &s.keys.keys[i];
		if (!k->ans) {
			/* No answer: the lookup failed inside dkimarc (said above, or memory). */
			errors++;
			continue;
		}
		dkimarc_lookup_status ls = dkimarc_answer_status(k->ans);
		if (ls == DKIMARC_LOOKUP_FOUND) {
			found++;
			records += dkimarc_answer_count(k->ans);
		} else if (ls == DKIMARC_LOOKUP_NOT_FOUND) {
			missing++;
			cli_error("not found: %s", dkimarc_answer_why(k->ans));
		} else {
			tempfail++;
			cli_error("not pinned (temporary failure, try again): %s",
			          k->ans ? dkimarc_answer_why(k->ans) : k->name);
		}
	}
	fprintf(stderr,
	        "dkimarc: %s needed by %s, asked of %s: %s found (%s), %zu not found, %zu failed "
	        "temporarily\n",
	        cli_count(0, s.keys.n, "key", NULL),
	        cli_count(1, s.signed_messages, "message", NULL), dkimarc_dns_servers(dns),
	        cli_count(2, found, "key", NULL), cli_count(3, records, "record", NULL), missing,
	        tempfail);

	/*
	 * An archive missing the keys that failed would later say key_not_found for
	 * them, as if they never existed: all or nothing, and an empty one is no use.
	 */
	char untouched[PATH_MAX + 64];
	struct stat sb;
	if (strcmp(out, "-") == 0)
		snprintf(untouched, sizeof untouched, "nothing written to standard output");
	else
		snprintf(untouched, sizeof untouched, "%s %s", out,
		         stat(out, &sb) == 0 ? "left as it was" : "not created");
	if (errors) {
		/* A failure of dkimarc is an error, not a key DNS could not give. */
		cli_error("%s could not be looked up (out of memory): no archive written (%s)",
		          cli_count(0, errors, "key", NULL), untouched);
		st = EXIT_USAGE;
		goto done;
	}
	if (tempfail) {
		char tail[PATH_MAX + 128];
		snprintf(tail, sizeof tail, "no archive written (%s): run again later", untouched);
		if (tempfail_count(dns) > 0)
			tempfail_say(dns, tail);
		else
			cli_error("%s could not be fetched; %s",
			          cli_count(0, tempfail, "key", NULL), tail);
		st = EXIT_PROVISIONAL;
		goto done;
	}
	if (records == 0) {
		cli_error("no key record to pin: %s", untouched);
		st = EXIT_NOT_CONFIRMED;
		goto done;
	}
	f = archive_out_open(out, append, force, &tmp);
	if (!f) {
		st = EXIT_USAGE;
		goto done;
	}
	records = 0;
	for (size_t i = 0; i < s.keys.n; i++) {
		const struct key *k = &s.keys.keys[i];
		if (!k->ans || dkimarc_answer_status(k->ans) != DKIMARC_LOOKUP_FOUND)
			continue;
		for (size_t j = 0; j < dkimarc_answer_count(k->ans); j++) {
			if (pin_line(f, k->name, dkimarc_answer_record(k->ans, j)) < 0) {
				cli_error("%s: record %zu is not UTF-8 text and cannot be pinned "
				          "exactly; not written",
				          k->name, j + 1);
				unwritable++;
			} else {
				records++;
			}
		}
	}
	if (archive_out_close(f, out, tmp, true) < 0) {
		st = EXIT_USAGE;
		goto done;
	}
	fprintf(stderr, "dkimarc: %s pinned into %s\n", cli_count(0, records, "record", NULL),
	        strcmp(out, "-") == 0 ? "standard output" : out);
	if (unwritable)
		st = EXIT_NOT_CONFIRMED;
done:
	dkimarc_keysrc_free(dns);
	table_free(&s.keys);
	return st;
}

/* ---- the command -------------------------------------------------------------- */

int cmd_keys(int argc, char **argv)
{
	struct keyopts ko = {0};
	const char *out = NULL;
	const char *json = NULL; /* --json[=FILE] */
	bool append = false, force = false, opts_done = false;
	char **paths = NULL;
	size_t npaths = 0;
	int st = EXIT_USAGE;

	if (argc < 2) {
		keys_usage(stderr);
		return EXIT_USAGE;
	}
	const char *sub = argv[1];
	if (strcmp(sub, "-h") == 0 || strcmp(sub, "--help") == 0) {
		keys_usage(stdout);
		return 0;
	}
	if (strcmp(sub, "audit") == 0)
		return cmd_keys_audit(argc - 1, argv + 1);
	if (strcmp(sub, "recover") == 0)
		return keys_recover(argc - 1, argv + 1);
	bool pin = strcmp(sub, "pin") == 0;
	if (!pin && strcmp(sub, "list") != 0)
		return cli_usage_error(
		    "unknown 'keys' command '%s' (expected list, pin, audit or recover)", sub);
	if (!(paths = calloc((size_t)argc, sizeof *paths))) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	for (int i = 2; i < argc; i++) {
		const char *a = argv[i], *val;
		int k;
		if (opts_done || a[0] != '-' || a[1] == '\0') {
			paths[npaths++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			keys_usage(stdout);
			st = 0;
			goto done;
		} else if (!pin && cli_opt_is(a, "--json", &val)) {
			if (cli_json_opt(argc, argv, &i, val, &json))
				goto done;
		} else if (pin && strcmp(a, "--append") == 0) {
			append = true;
		} else if (pin && strcmp(a, "--force") == 0) {
			force = true;
		} else if (pin && (strcmp(a, "-o") == 0 || cli_opt_is(a, "--output", &val))) {
			if (a[1] == 'o' || !val) {
				if (i + 1 >= argc) {
					cli_usage_error("option '%s' needs a FILE argument", a);
					goto done;
				}
				val = argv[++i];
			}
			out = val;
		} else if (pin && (k = keyopts_parse(&ko, argc, argv, &i)) != 0) {
			if (k < 0)
				goto done;
			if (ko.nkeys) {
				cli_usage_error("'keys pin' asks DNS; --keys does not apply");
				goto done;
			}
		} else {
			cli_usage_error("unknown option '%s' for 'keys %s'", a, sub);
			goto done;
		}
	}
	if (npaths == 0) {
		cli_usage_error("'keys %s' needs at least one PATH (a message file or folder)",
		                sub);
		goto done;
	}
	if (pin && (!out || !*out)) {
		cli_usage_error("'keys pin' needs -o FILE, the archive to write");
		goto done;
	}
	if (append && force) {
		cli_usage_error("--append and --force exclude each other");
		goto done;
	}
	st =
	    pin ? keys_pin(&ko, paths, npaths, out, append, force) : keys_list(paths, npaths, json);
done:
	keyopts_free(&ko);
	free(paths);
	return st;
}
