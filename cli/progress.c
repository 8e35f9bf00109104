/* A progress line on standard error, drawn only on a terminal. */
#include "scan.h"

#include <stdio.h>
#include <time.h>

double progress_now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

void progress_init(struct progress *p, bool on, uint64_t total)
{
	p->on = on;
	p->start = progress_now();
	p->last = 0;
	p->total = total;
}

/* 1234567 -> "1,234,567" */
static const char *grouped(uint64_t v, char buf[32])
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%llu", (unsigned long long)v), o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

void progress_draw(struct progress *p, const char *label, uint64_t done, bool force)
{
	char a[32], b[32], bar[24];
	double now, el, rate;

	if (!p->on)
		return;
	now = progress_now();
	if (!force && now - p->last < 0.2)
		return;
	p->last = now;
	el = now - p->start;
	rate = el > 0 ? (double)done / el : 0;
	if (p->total) {
		uint64_t t = p->total > done ? p->total : done;
		size_t fill = (size_t)(20.0 * (double)done / (double)t);
		for (size_t i = 0; i < 20; i++)
			bar[i] = i < fill ? '#' : '-';
		bar[20] = '\0';
		fprintf(stderr, "\r\033[K%s [%s] %s/%s  %.0f/s", label, bar, grouped(done, a),
		        grouped(t, b), rate);
		if (rate > 0 && t > done) {
			unsigned long eta = (unsigned long)((double)(t - done) / rate + 0.5);
			fprintf(stderr, "  ETA %lu:%02lu:%02lu", eta / 3600, eta / 60 % 60,
			        eta % 60);
		}
	} else {
		fprintf(stderr, "\r\033[K%s %s  %.0f/s", label, grouped(done, a), rate);
	}
	fflush(stderr);
}

void progress_clear(struct progress *p)
{
	if (!p->on)
		return;
	fputs("\r\033[K", stderr);
	fflush(stderr);
}
