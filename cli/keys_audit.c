/*
 * `dkimarc keys audit`: every key of the archives and, with PATH, every key a
 * corpus needs, checked for the findings that let anyone sign with it
 * (docs/keys.md "Auditing keys"), with when each key was in use.
 */
#include "keys_audit.h"

#include "cli.h"
#include "keyopts.h"

#include <dkimarc.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

void keys_audit_usage(FILE *out)
{
	fputs("usage: dkimarc keys audit [--keys FILE]... [--dns] [--revealed FILE]...\n"
	      "                          [--json[=FILE]] [PATH...]\n"
	      "\n"
	      "audit checks every key of the archives (--keys) and, with PATH, every key\n"
	      "the messages there were signed with (from the archives, or DNS with --dns or\n"
	      "without --keys), for what lets anyone sign with it:\n"
	      "  key_too_weak           RSA under 1024 bits\n"
	      "  key_small_factor       a prime modulus, or a factor below 2^20\n"
	      "  key_fermat             primes so close that Fermat's method factors the\n"
	      "                         modulus (4096 steps)\n"
	      "  key_roca               the ROCA fingerprint (Infineon RSALib, CVE-2017-15361)\n"
	      "  key_shared_prime       a prime shared with another key of the run (batch GCD)\n"
	      "  key_bad_exponent       an RSA exponent even, 1, or below 3\n"
	      "  key_private_in_dns     the record's p= holds the private key\n"
	      "  key_private_published  the private key is in a --revealed file\n"
	      "Each key is printed with its algorithm, size, SHA-256 fingerprint of its\n"
	      "SubjectPublicKeyInfo, where it was found, and a sentence per finding. With\n"
	      "PATH, also the first and last signing time (t=) and Date of the messages it\n"
	      "verifies, and for each domain its selectors in time order. To audit keys\n"
	      "recovered from the corpus, pass the output of 'dkimarc keys recover' with\n"
	      "--keys.\n"
	      "\n"
	      "options:\n"
	      "  --keys FILE   an archive whose keys to audit, and to verify PATH with (any\n"
	      "                format 'dkimarc verify' reads); may be repeated\n"
	      "  --keys-vector FILE  as --keys, for a test vector's tab-separated dns.txt\n"
	      "  --dns         with --keys: ask DNS for the keys PATH needs that the archives\n"
	      "                lack (any --dns-* option implies it)\n",
	      out);
	keyopts_dns_usage(out);
	fputs("  --revealed FILE  PEM private keys that were made public, each block after\n"
	      "                an optional '# published: DATE' line (docs/keys.md); may be\n"
	      "                repeated\n"
	      "  --json[=FILE] one JSON object per key (JSON Lines), or into FILE\n"
	      "  -h, --help    show this help\n"
	      "\n"
	      "exit status: 0 no key has a finding, 1 some key has one, 2 usage or input\n"
	      "             error (an archive, revealed file or PATH that cannot be read)\n",
	      out);
}

struct audit_run {
	struct keyopts ko;
	const char *json; /* --json[=FILE]: "-" for standard output */
	char **paths;
	size_t npaths;
	bool failed;
	size_t messages, problems;
};

/* ---- output ------------------------------------------------------------------------ */

static void put_json_str(FILE *f, const char *s)
{
	char *lit = s ? json_string_lit(s) : NULL;
	fputs(lit ? lit : "null", f);
	free(lit);
}

static void put_json_time(FILE *f, int64_t t)
{
	char buf[32];
	if (dkimarc_format_time(t, buf) == 0)
		fprintf(f, "\"%s\"", buf);
	else
		fputs("null", f);
}

static void print_json(FILE *f, const dkimarc_audit_key *k)
{
	static const struct {
		const char *name;
		dkimarc_audit_time t;
	} times[] = {
	    {"first_signed", DKIMARC_AUDIT_FIRST_SIGNED},
	    {"last_signed", DKIMARC_AUDIT_LAST_SIGNED},
	    {"first_date", DKIMARC_AUDIT_FIRST_DATE},
	    {"last_date", DKIMARC_AUDIT_LAST_DATE},
	    {"first_seen", DKIMARC_AUDIT_FIRST_SEEN},
	    {"last_seen", DKIMARC_AUDIT_LAST_SEEN},
	};
	fputs("{\"name\":", f);
	put_json_str(f, dkimarc_audit_key_name(k));
	fputs(",\"domain\":", f);
	put_json_str(f, dkimarc_audit_key_domain(k));
	fputs(",\"selector\":", f);
	put_json_str(f, dkimarc_audit_key_selector(k));
	fputs(",\"algorithm\":", f);
	put_json_str(f, dkimarc_audit_key_algorithm(k));
	if (dkimarc_audit_key_bits(k))
		fprintf(f, ",\"bits\":%u", dkimarc_audit_key_bits(k));
	else
		fputs(",\"bits\":null", f);
	fputs(",\"fingerprint\":", f);
	put_json_str(f, dkimarc_audit_key_fingerprint(k));
	fputs(",\"findings\":[", f);
	for (size_t i = 0; i < dkimarc_audit_key_finding_count(k); i++) {
		fputs(i ? ",\"" : "\"", f);
		fputs(dkimarc_reason_str(dkimarc_audit_key_finding(k, i)), f);
		fputc('"', f);
	}
	fputs("],\"finding_texts\":[", f);
	for (size_t i = 0; i < dkimarc_audit_key_finding_count(k); i++) {
		if (i)
			fputc(',', f);
		put_json_str(f, dkimarc_audit_key_finding_text(k, i));
	}
	fputs("],\"error\":", f);
	put_json_str(f, dkimarc_audit_key_error(k));
	fputs(",\"origins\":[", f);
	for (size_t i = 0; i < dkimarc_audit_key_origin_count(k); i++) {
		if (i)
			fputc(',', f);
		put_json_str(f, dkimarc_audit_key_origin(k, i));
	}
	fprintf(f, "],\"signatures\":%llu", (unsigned long long)dkimarc_audit_key_signatures(k));
	for (size_t i = 0; i < sizeof times / sizeof times[0]; i++) {
		fprintf(f, ",\"%s\":", times[i].name);
		put_json_time(f, dkimarc_audit_key_time(k, times[i].t));
	}
	fputs("}\n", f);
}

/* "2017-05-05T12:00:00Z .. 2018-01-01T00:00:00Z", "?" for an unknown end. */
static const char *span(int64_t a, int64_t b, char *buf, size_t n)
{
	char ta[32], tb[32];
	snprintf(buf, n, "%s .. %s", dkimarc_format_time(a, ta) == 0 ? ta : "?",
	         dkimarc_format_time(b, tb) == 0 ? tb : "?");
	return buf;
}

static void print_text(FILE *f, const dkimarc_audit_key *k, bool corpus)
{
	char buf[80];
	fputs(dkimarc_audit_key_name(k), f);
	if (dkimarc_audit_key_error(k)) {
		fputs("  not a usable key: ", f);
		cli_put_safe(f, dkimarc_audit_key_error(k));
		fputc('\n', f);
	} else {
		fprintf(f, "  %s, %u bits\n", dkimarc_audit_key_algorithm(k),
		        dkimarc_audit_key_bits(k));
		fprintf(f, "  fingerprint: sha256 %s\n", dkimarc_audit_key_fingerprint(k));
	}
	for (size_t i = 0; i < dkimarc_audit_key_origin_count(k); i++) {
		fputs(i ? "  also: " : "  found: ", f);
		cli_put_safe(f, dkimarc_audit_key_origin(k, i));
		fputc('\n', f);
	}
	if (corpus) {
		uint64_t n = dkimarc_audit_key_signatures(k);
		if (n == 0) {
			fputs("  in use: no signature in the messages verifies with it\n", f);
		} else {
			fprintf(f, "  in use: %s", cli_count(0, n, "signature", NULL));
			int64_t t0 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_FIRST_SIGNED);
			int64_t d0 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_FIRST_DATE);
			if (t0 >= 0)
				fprintf(f, "; signed (t=) %s",
				        span(t0,
				             dkimarc_audit_key_time(k, DKIMARC_AUDIT_LAST_SIGNED),
				             buf, sizeof buf));
			if (d0 >= 0)
				fprintf(f, "; Date %s",
				        span(d0, dkimarc_audit_key_time(k, DKIMARC_AUDIT_LAST_DATE),
				             buf, sizeof buf));
			fputc('\n', f);
		}
	}
	size_t nf = dkimarc_audit_key_finding_count(k);
	if (!dkimarc_audit_key_error(k) && nf == 0)
		fputs("  no finding\n", f);
	for (size_t i = 0; i < nf; i++) {
		fprintf(f, "  %s: ", dkimarc_reason_str(dkimarc_audit_key_finding(k, i)));
		cli_put_safe(f, dkimarc_audit_key_finding_text(k, i));
		fputc('\n', f);
	}
}

/* For each domain, its selectors in the order of first use (the audit's order). */
static void print_domains(FILE *f, const dkimarc_audit *a)
{
	char buf[80];
	const char *dom = NULL;
	fputs("\nselectors by domain, in the order of first use (t=, else Date):\n", f);
	for (size_t i = 0; i < dkimarc_audit_key_count(a); i++) {
		const dkimarc_audit_key *k = dkimarc_audit_key_at(a, i);
		const char *d = dkimarc_audit_key_domain(k);
		if (!d || dkimarc_audit_key_signatures(k) == 0)
			continue;
		if (!dom || strcmp(dom, d) != 0) {
			fprintf(f, "%s\n", d);
			dom = d;
		}
		int64_t t0 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_FIRST_SIGNED);
		int64_t t1 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_LAST_SIGNED);
		if (t0 < 0) {
			t0 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_FIRST_DATE);
			t1 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_LAST_DATE);
		}
		const char *fp = dkimarc_audit_key_fingerprint(k);
		fprintf(f, "  %-20s %s  %s  sha256 %.16s\n", dkimarc_audit_key_selector(k),
		        span(t0, t1, buf, sizeof buf),
		        cli_count(0, dkimarc_audit_key_signatures(k), "signature", NULL),
		        fp ? fp : "-");
	}
}

/* ---- the corpus -------------------------------------------------------------------- */

static void walk(struct audit_run *ar, const dkimarc_ctx *ctx, dkimarc_audit *a)
{
	dkimarc_corpus *c = NULL;
	dkimarc_corpus_item *it = NULL;
	int rc = dkimarc_corpus_new(&c);
	for (size_t i = 0; rc == DKIMARC_OK && i < ar->npaths; i++)
		rc = dkimarc_corpus_add_path(c, ar->paths[i]);
	if (rc != DKIMARC_OK) {
		cli_error("cannot read the messages: %s", dkimarc_last_error());
		ar->failed = true;
		dkimarc_corpus_free(c);
		return;
	}
	while (dkimarc_corpus_next(c, &it) == DKIMARC_OK && it) {
		dkimarc_item_kind kind = dkimarc_corpus_item_kind(it);
		dkimarc_report *r = NULL;
		const char *path = dkimarc_corpus_item_path(it);
		if (kind == DKIMARC_ITEM_MESSAGE &&
		    (rc = dkimarc_corpus_item_verify(ctx, it, &r)) != DKIMARC_OK) {
			cli_error("cannot verify %s: %s", path,
			          *dkimarc_last_error() ? dkimarc_last_error()
			                                : dkimarc_strerror(rc));
			if (rc != DKIMARC_EFORMAT)
				ar->failed = true;
			ar->problems++;
		} else if (kind != DKIMARC_ITEM_MESSAGE) {
			/* Never skipped silently; only what could hold mail is an error. */
			ar->problems++;
			cli_error("%s %s: %s",
			          kind == DKIMARC_ITEM_UNREADABLE || kind == DKIMARC_ITEM_TOO_LARGE
			              ? "cannot read"
			              : "skipped",
			          path, dkimarc_corpus_item_problem(it));
			if (kind == DKIMARC_ITEM_UNREADABLE || kind == DKIMARC_ITEM_TOO_LARGE)
				ar->failed = true;
		} else {
			ar->messages++;
			if (dkimarc_audit_add_report(a, r) != DKIMARC_OK) {
				cli_error("%s", dkimarc_last_error());
				ar->failed = true;
			}
		}
		dkimarc_report_free(r);
		dkimarc_corpus_item_free(it);
		it = NULL;
	}
	dkimarc_corpus_free(c);
}

/* ---- the command ------------------------------------------------------------------- */

static int parse(struct audit_run *ar, int argc, char **argv)
{
	bool opts_done = false;
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		int k;
		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (strcmp(a, "-") == 0)
				return cli_usage_error(
				    "'keys audit' reads PATHs, not standard input");
			ar->paths[ar->npaths++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			keys_audit_usage(stdout);
			return 0;
		} else if (cli_opt_is(a, "--json", &val)) {
			if (cli_json_opt(argc, argv, &i, val, &ar->json))
				return EXIT_USAGE;
		} else if ((k = keyopts_parse(&ar->ko, argc, argv, &i)) != 0 ||
		           (k = keyopts_parse_revealed(&ar->ko, argc, argv, &i)) != 0) {
			if (k < 0)
				return EXIT_USAGE;
		} else {
			return cli_usage_error("unknown option '%s' for 'keys audit'", a);
		}
	}
	if (ar->ko.nkeys == 0 && ar->npaths == 0)
		return cli_usage_error(
		    "'keys audit' needs keys to audit: --keys FILE, or a PATH of messages");
	return -1;
}

int cmd_keys_audit(int argc, char **argv)
{
	struct audit_run ar = {0};
	dkimarc_keysrc *src = NULL, *dns = NULL;
	dkimarc_ctx *ctx = NULL;
	dkimarc_audit *a = NULL;
	FILE *out = stdout;
	int st = EXIT_USAGE;

	ar.paths = calloc((size_t)argc, sizeof *ar.paths);
	if (!ar.paths) {
		cli_error("out of memory");
		goto done;
	}
	if ((st = parse(&ar, argc, argv)) >= 0)
		goto done;
	st = EXIT_USAGE;
	/* Without PATH nothing is verified: the archives alone, never DNS. */
	if (ar.npaths == 0 && ar.ko.dns) {
		cli_usage_error("--dns needs a PATH: DNS cannot list a domain's keys");
		goto done;
	}
	if (keyopts_build(&ar.ko, &src, &dns) != 0)
		goto done;
	if (dkimarc_audit_new(&a) != DKIMARC_OK ||
	    (src && dkimarc_audit_add_keysrc(a, src) != DKIMARC_OK)) {
		cli_error("%s", dkimarc_last_error());
		goto done;
	}
	for (size_t i = 0; i < ar.ko.nrevealed; i++) {
		if (dkimarc_audit_load_revealed(a, ar.ko.revealed[i]) != DKIMARC_OK) {
			cli_error("%s", dkimarc_last_error());
			goto done;
		}
	}
	if (ar.npaths) {
		if (dkimarc_ctx_new(&ctx) != DKIMARC_OK ||
		    dkimarc_ctx_set_keysrc(ctx, src) != DKIMARC_OK) {
			cli_error("cannot set up verification: %s", dkimarc_last_error());
			goto done;
		}
		src = NULL;
		walk(&ar, ctx, a);
	}
	if (dkimarc_audit_run(a) != DKIMARC_OK) {
		cli_error("%s", dkimarc_last_error());
		goto done;
	}
	if (ar.json && strcmp(ar.json, "-") != 0 && !(out = fopen(ar.json, "w"))) {
		cli_error("cannot write the JSON output to %s: %s", ar.json, strerror(errno));
		out = stdout;
		goto done;
	}
	size_t with = 0, unusable = 0, n = dkimarc_audit_key_count(a);
	for (size_t i = 0; i < n; i++) {
		const dkimarc_audit_key *k = dkimarc_audit_key_at(a, i);
		with += dkimarc_audit_key_finding_count(k) > 0;
		unusable += dkimarc_audit_key_error(k) != NULL;
		if (ar.json) {
			print_json(out, k);
		} else {
			if (i)
				fputc('\n', out);
			print_text(out, k, ar.npaths > 0);
		}
	}
	if (!ar.json && ar.npaths)
		print_domains(out, a);
	fprintf(stderr, "dkimarc: %s audited, %zu with findings, %zu not usable",
	        cli_count(0, n, "key", NULL), with, unusable);
	if (ar.npaths)
		fprintf(stderr, "; %s read, %s skipped", cli_count(1, ar.messages, "message", NULL),
		        cli_count(2, ar.problems, "item", NULL));
	fputc('\n', stderr);
	bool bad = fflush(out) != 0 || ferror(out);
	if (out != stdout)
		bad |= fclose(out) != 0;
	out = stdout;
	if (bad) {
		cli_error("cannot write output: %s", strerror(errno));
		ar.failed = true;
	}
	st = ar.failed ? EXIT_USAGE : with ? EXIT_NOT_CONFIRMED : 0;
done:
	if (out != stdout)
		fclose(out);
	dkimarc_audit_free(a);
	dkimarc_ctx_free(ctx);
	dkimarc_keysrc_free(src);
	keyopts_free(&ar.ko);
	free(ar.paths);
	return st;
}
