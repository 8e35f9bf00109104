/*
 * opendkim_bench: how fast libopendkim (Debian's libopendkim11) verifies a
 * corpus, for comparison with dkimarc_bench on the same messages.
 *
 *   opendkim_bench --keys KEYFILE [--lookup file|memory] [--passes N]
 *                  [--results FILE] [--stats FILE] LIST
 *
 * KEYFILE holds OpenDKIM key-file lines ("sel._domainkey.domain record").
 * With --lookup file (the default) libopendkim reads it itself
 * (DKIM_QUERY_FILE, as `opendkim -o` and a milter configured with a key file
 * do); with --lookup memory the records are read once and handed over by a
 * dkim_set_key_lookup() callback, which shows what the file method costs.
 * Messages are read into memory first and fed whole to dkim_chunk(); every
 * signature is evaluated (no DKIM_LIBFLAGS_VERIFYONE). Output as
 * dkimarc_bench's; a signature whose algorithm this build of libopendkim
 * lacks is "unsupported".
 */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <opendkim/dkim.h>

#include "benchutil.h"

struct key {
	char *name; /* "sel._domainkey.domain", lower case */
	char *txt;
};

static struct key *keys;
static size_t nkeys;

static int load_keys(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[16384];
	size_t cap = 0;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp, *end;

		line[strcspn(line, "\r\n")] = '\0';
		sp = strpbrk(line, " \t");
		if (line[0] == '#' || sp == NULL)
			continue;
		*sp++ = '\0';
		sp += strspn(sp, " \t");
		end = line + strlen(line);
		if (end > line && end[-1] == '.')
			end[-1] = '\0';
		for (char *p = line; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p - 'A' + 'a');
		if (nkeys == cap) {
			cap = cap ? cap * 2 : 64;
			keys = realloc(keys, cap * sizeof(*keys));
			if (keys == NULL)
				return -1;
		}
		keys[nkeys].name = strdup(line);
		keys[nkeys].txt = strdup(sp);
		if (keys[nkeys].name == NULL || keys[nkeys].txt == NULL)
			return -1;
		nkeys++;
	}
	fclose(f);
	return 0;
}

/* The memory lookup: a linear scan over a few dozen keys costs nothing beside a verification. */
static DKIM_CBSTAT lookup_memory(DKIM *dkim, DKIM_SIGINFO *sig, u_char *buf, size_t buflen)
{
	const char *d = (const char *)dkim_sig_getdomain(sig);
	const char *s = (const char *)dkim_sig_getselector(sig);
	char name[512];

	(void)dkim;
	if (d == NULL || s == NULL)
		return DKIM_CBSTAT_NOTFOUND;
	snprintf(name, sizeof(name), "%s._domainkey.%s", s, d);
	for (size_t i = 0; i < nkeys; i++)
		if (strcasecmp(keys[i].name, name) == 0) {
			size_t n = strlen(keys[i].txt);

			if (n >= buflen)
				return DKIM_CBSTAT_ERROR;
			memcpy(buf, keys[i].txt, n + 1);
			return DKIM_CBSTAT_CONTINUE;
		}
	return DKIM_CBSTAT_NOTFOUND;
}

static const char *sig_result(DKIM_SIGINFO *sig, bool ed25519)
{
	dkim_alg_t alg = DKIM_SIGN_UNKNOWN;

	if (DKIM_SIG_CHECK(sig))
		return "pass";
	if (!ed25519 && dkim_sig_getsignalg(sig, &alg) == DKIM_STAT_OK &&
	    alg == DKIM_SIGN_ED25519SHA256)
		return "unsupported";
	switch (dkim_sig_geterror(sig)) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_BADSIG:
		return "fail";
	case DKIM_SIGERROR_KEYFAIL:
		return "temperror";
	default:
		return "permerror";
	}
}

static size_t verify_one(DKIM_LIB *lib, const struct bench_msg *m, FILE *out, bool ed25519)
{
	DKIM_STAT st;
	DKIM *dkim;
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;

	dkim = dkim_verify(lib, (const unsigned char *)m->path, NULL, &st);
	if (dkim == NULL) {
		if (out != NULL)
			fprintf(out, "%s\t-\t-\t-\terror\tdkim_verify: %s\n", m->path,
			        dkim_getresultstr(st));
		return 0;
	}
	st = dkim_chunk(dkim, (unsigned char *)m->buf, m->len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		(void)dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		if (out != NULL)
			fprintf(out, "%s\t-\t-\t-\tnone\t%s\n", m->path, dkim_getresultstr(st));
		dkim_free(dkim);
		return 0;
	}
	for (int i = 0; out != NULL && i < nsigs; i++) {
		const unsigned char *d = dkim_sig_getdomain(sigs[i]);
		const unsigned char *s = dkim_sig_getselector(sigs[i]);
		const char *err = dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i]));

		fprintf(out, "%s\t%d\t%s\t%s\t%s\t%s\n", m->path, i, d ? (const char *)d : "-",
		        s ? (const char *)s : "-", sig_result(sigs[i], ed25519), err ? err : "-");
	}
	dkim_free(dkim);
	return (size_t)nsigs;
}

static int set_opt(DKIM_LIB *lib, dkim_opts_t opt, void *val, size_t len)
{
	if (dkim_options(lib, DKIM_OP_SETOPT, opt, val, len) != DKIM_STAT_OK) {
		fprintf(stderr, "opendkim_bench: dkim_options(%d) failed\n", (int)opt);
		return -1;
	}
	return 0;
}

static int usage(void)
{
	fputs("usage: opendkim_bench --keys KEYFILE [--lookup file|memory] [--passes N] "
	      "[--results FILE] [--stats FILE] LIST\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	char *keyfile = NULL; /* libopendkim takes the path as void * */
	const char *results = NULL, *stats = NULL, *list = NULL;
	const char *lookup = "file";
	int passes = 3;
	size_t nsig = 0;
	struct bench_corpus c;
	struct bench_clock *times;
	DKIM_LIB *lib;
	dkim_query_t qtype = DKIM_QUERY_FILE;
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;
	FILE *out = NULL;
	char version[64], label[96];
	bool ed25519;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (i + 1 < argc && strcmp(a, "--keys") == 0)
			keyfile = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--lookup") == 0)
			lookup = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--passes") == 0)
			passes = atoi(argv[++i]);
		else if (i + 1 < argc && strcmp(a, "--results") == 0)
			results = argv[++i];
		else if (i + 1 < argc && strcmp(a, "--stats") == 0)
			stats = argv[++i];
		else if (a[0] != '-' && list == NULL)
			list = a;
		else
			return usage();
	}
	if (keyfile == NULL || list == NULL || passes < 1 ||
	    (strcmp(lookup, "file") != 0 && strcmp(lookup, "memory") != 0))
		return usage();

	lib = dkim_init(NULL, NULL);
	if (lib == NULL) {
		fprintf(stderr, "opendkim_bench: dkim_init failed\n");
		return 2;
	}
	if (set_opt(lib, DKIM_OPTS_FLAGS, &flags, sizeof(flags)) != 0)
		return 2;
	if (strcmp(lookup, "file") == 0) {
		if (set_opt(lib, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof(qtype)) != 0 ||
		    set_opt(lib, DKIM_OPTS_QUERYINFO, keyfile, strlen(keyfile)) != 0)
			return 2;
	} else if (load_keys(keyfile) != 0 || dkim_set_key_lookup(lib, lookup_memory) != 0) {
		fprintf(stderr, "opendkim_bench: cannot read %s\n", keyfile);
		return 2;
	}
	ed25519 = dkim_libfeature(lib, DKIM_FEATURE_ED25519);
	if (bench_load(list, &c) != 0)
		return 2;
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
			size_t n = verify_one(lib, &c.m[i], p == 0 ? out : NULL, ed25519);

			if (p == 0)
				nsig += n;
		}
		bench_now(&t1);
		bench_diff(&t0, &t1, &times[p]);
		if (p == 0 && out != NULL && out != stdout)
			fclose(out);
	}

	uint32_t v = dkim_libversion();

	snprintf(version, sizeof(version), "%u.%u.%u%s", v >> 24, (v >> 16) & 0xff, (v >> 8) & 0xff,
	         ed25519 ? "" : " (no Ed25519)");
	snprintf(label, sizeof(label), "libopendkim, keys %s",
	         strcmp(lookup, "file") == 0 ? "from the key file (DKIM_QUERY_FILE)"
	                                     : "from memory (lookup callback)");
	struct bench_stats s = {
	    .verifier = strcmp(lookup, "file") == 0 ? "opendkim" : "opendkim-memkeys",
	    .label = label,
	    .version = version,
	    .signatures = nsig,
	    .passes = times,
	    .npasses = passes,
	    .rss_loaded_kb = rss_loaded,
	    .rss_peak_kb = bench_peak_rss_kb(),
	};
	int rc = stats != NULL && bench_write_stats(stats, &c, &s) != 0 ? 2 : 0;

	free(times);
	bench_free(&c);
	dkim_close(lib);
	return rc;
}
