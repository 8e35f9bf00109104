/*
 * dkimarc_bench: how fast libdkimarc verifies a corpus, over the public API.
 *
 *   dkimarc_bench --keys ARCHIVE [--passes N] [--chunk BYTES] [--results FILE]
 *                 [--stats FILE] LIST
 *
 * Reads every message named in LIST into memory, loads the key archive, then
 * verifies the whole corpus N times (default 3) on one thread: with
 * dkimarc_verify() on the message in memory, or with --chunk through the
 * streaming verifier in chunks of that size (as a reader of files would feed
 * it). Each pass is timed (wall and CPU); --stats writes them as JSON for
 * bench/report.py. The results of the first pass go to --results, one line
 * per signature:
 *   file  index  d=  s=  result  reason
 * result is pass, fail, policy, permerror, temperror or none (unsigned).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkimarc.h>

#include "benchutil.h"

static const char *result_word(dkimarc_result r)
{
	switch (r) {
	case DKIMARC_RES_PASS:
		return "pass";
	case DKIMARC_RES_POLICY:
		return "policy";
	case DKIMARC_RES_TEMPERROR:
		return "temperror";
	case DKIMARC_RES_PERMERROR:
		return "permerror";
	case DKIMARC_RES_NONE:
		return "none";
	default:
		return "fail";
	}
}

static int verify_one(const dkimarc_ctx *ctx, const struct bench_msg *m, size_t chunk,
                      dkimarc_report **r)
{
	dkimarc_verifier *v;
	int st;

	if (chunk == 0)
		return dkimarc_verify(ctx, m->buf, m->len, r);
	st = dkimarc_verifier_new(ctx, &v);
	for (size_t off = 0; st == DKIMARC_OK && off < m->len; off += chunk)
		st = dkimarc_verifier_write(v, m->buf + off,
		                            m->len - off < chunk ? m->len - off : chunk);
	if (st == DKIMARC_OK)
		st = dkimarc_verifier_finish(v, r);
	dkimarc_verifier_free(v);
	return st;
}

static void print_report(FILE *out, const char *path, const dkimarc_report *r)
{
	size_t n = dkimarc_report_sig_count(r);

	if (n == 0)
		fprintf(out, "%s\t-\t-\t-\tnone\tunsigned\n", path);
	for (size_t i = 0; i < n; i++) {
		const dkimarc_sig *s = dkimarc_report_sig(r, i);
		const char *d = dkimarc_sig_domain(s), *sel = dkimarc_sig_selector(s);

		fprintf(out, "%s\t%zu\t%s\t%s\t%s\t%s\n", path, i, d ? d : "-", sel ? sel : "-",
		        result_word(dkimarc_sig_result(s)),
		        dkimarc_reason_str(dkimarc_sig_reason(s)));
	}
}

static int usage(void)
{
	fputs("usage: dkimarc_bench --keys ARCHIVE [--passes N] [--chunk BYTES] "
	      "[--results FILE] [--stats FILE] LIST\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	const char *keys = NULL, *results = NULL, *stats = NULL, *list = NULL;
	int passes = 3;
	size_t chunk = 0, nsig = 0;
	struct bench_corpus c;
	struct bench_clock *times;
	dkimarc_ctx *ctx;
	dkimarc_keysrc *src;
	FILE *out = NULL;
	char label[96];

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && strcmp(a, "--keys") == 0)
			keys = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--passes") == 0)
			passes = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(a, "--chunk") == 0)
			chunk = (size_t)strtoul(argv[++i], NULL, 10);
		else if (i + 1 < argc && strcmp(a, "--results") == 0)
			results = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--stats") == 0)
			stats = argv[++i];
		else if (a[0] != '-' && list == NULL)
			list = a;
		else
			return usage();
	}
	if (keys == NULL || list == NULL || passes < 1)
		return usage();

	if (dkimarc_ctx_new(&ctx) != DKIMARC_OK || dkimarc_keysrc_archive_new(&src) != DKIMARC_OK) {
		fprintf(stderr, "dkimarc_bench: %s\n", dkimarc_last_error());
		return 2;
	}
	if (dkimarc_keysrc_archive_load(src, keys) != DKIMARC_OK) {
		fprintf(stderr, "dkimarc_bench: %s\n", dkimarc_last_error());
		dkimarc_keysrc_free(src);
		dkimarc_ctx_free(ctx);
		return 2;
	}
	dkimarc_ctx_set_keysrc(ctx, src);
	if (bench_load(list, &c) != 0) {
		dkimarc_ctx_free(ctx);
		return 2;
	}
	long rss_loaded = bench_rss_kb();

	times = calloc((size_t)passes, sizeof(*times));
	if (times == NULL)
		return 2;
	if (results != NULL)
		out = bench_open_out(results);
	for (int p = 0; p < passes; p++) {
		struct bench_clock t0, t1;

		bench_now(&t0);
		for (size_t i = 0; i < c.n; i++) {
			dkimarc_report *r;
			int st = verify_one(ctx, &c.m[i], chunk, &r);

			if (st != DKIMARC_OK) {
				fprintf(stderr, "dkimarc_bench: %s: %s\n", c.m[i].path,
				        dkimarc_last_error());
				if (p == 0 && out != NULL)
					fprintf(out, "%s\t-\t-\t-\terror\t%s\n", c.m[i].path,
					        dkimarc_strerror(st));
				continue;
			}
			if (p == 0) {
				nsig += dkimarc_report_sig_count(r);
				if (out != NULL)
					print_report(out, c.m[i].path, r);
			}
			dkimarc_report_free(r);
		}
		bench_now(&t1);
		bench_diff(&t0, &t1, &times[p]);
		if (p == 0 && out != NULL && out != stdout)
			fclose(out);
	}

	if (chunk)
		snprintf(label, sizeof(label), "libdkimarc, streaming verifier, %zu-byte chunks",
		         chunk);
	else
		snprintf(label, sizeof(label),
		         "libdkimarc, dkimarc_verify() on messages in memory");
	struct bench_stats s = {
	    .verifier = chunk ? "dkimarc-stream" : "dkimarc",
	    .label = label,
	    .version = dkimarc_version(),
	    .signatures = nsig,
	    .passes = times,
	    .npasses = passes,
	    .rss_loaded_kb = rss_loaded,
	    .rss_peak_kb = bench_peak_rss_kb(),
	};
	int rc = stats != NULL && bench_write_stats(stats, &c, &s) != 0 ? 2 : 0;

	free(times);
	bench_free(&c);
	dkimarc_ctx_free(ctx);
	return rc;
}
