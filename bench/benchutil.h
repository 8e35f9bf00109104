/*
 * What the C benchmark harnesses share: a corpus read into memory before the
 * clock starts, per-pass CPU and wall time, peak memory, and the stats file
 * that bench/report.py reads. Not part of the library.
 */
#ifndef DKIMARC_BENCHUTIL_H
#define DKIMARC_BENCHUTIL_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct bench_msg {
	char *path; /* as listed */
	char *buf;  /* the whole file */
	size_t len;
};

struct bench_corpus {
	struct bench_msg *m;
	size_t n;
	uint64_t bytes;
};

/* Reads every file named in list (one path a line) into memory; -1 with a message on error. */
int bench_load(const char *list, struct bench_corpus *c);
void bench_free(struct bench_corpus *c);

/*
 * Wall (CLOCK_MONOTONIC), this process's CPU time (CLOCK_PROCESS_CPUTIME_ID,
 * precise) and its split into user and system seconds (getrusage, which the
 * kernel apportions by ticks: only meaningful over seconds).
 */
struct bench_clock {
	double wall, cpu, user, sys;
};

void bench_now(struct bench_clock *t);
/* b - a, into out. */
void bench_diff(const struct bench_clock *a, const struct bench_clock *b, struct bench_clock *out);

/* Resident memory now and at its peak so far, in KiB (/proc/self/status). */
long bench_rss_kb(void);
long bench_peak_rss_kb(void);

/* What a harness measured, for bench_write_stats(). */
struct bench_stats {
	const char *verifier; /* short name: "dkimarc", "opendkim" */
	const char *label;    /* what was measured, for people */
	const char *version;
	size_t signatures; /* signatures seen in one pass */
	const struct bench_clock *passes;
	int npasses;
	long rss_loaded_kb; /* after reading the corpus, before verifying */
	long rss_peak_kb;
};

/* Writes the stats as one JSON object to path; -1 with a message on error. */
int bench_write_stats(const char *path, const struct bench_corpus *c, const struct bench_stats *s);

/* Opens path for writing ("-": standard output); exits with a message on failure. */
FILE *bench_open_out(const char *path);

#endif
