/* Helpers shared by the C benchmark harnesses; see benchutil.h. */
#include "benchutil.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char *buf;

	if (f == NULL)
		return NULL;
	if (fstat(fileno(f), &st) != 0 || st.st_size < 0) {
		fclose(f);
		return NULL;
	}
	/* One byte more, so that a file that grew is noticed. */
	buf = malloc((size_t)st.st_size + 1);
	if (buf == NULL) {
		fclose(f);
		return NULL;
	}
	*len = fread(buf, 1, (size_t)st.st_size + 1, f);
	if (ferror(f) || *len != (size_t)st.st_size) {
		free(buf);
		fclose(f);
		errno = errno ? errno : EIO;
		return NULL;
	}
	fclose(f);
	return buf;
}

int bench_load(const char *list, struct bench_corpus *c)
{
	FILE *f = fopen(list, "r");
	char line[4096];
	size_t cap = 0;

	memset(c, 0, sizeof(*c));
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", list, strerror(errno));
		return -1;
	}
	while (fgets(line, sizeof(line), f) != NULL) {
		size_t n = strcspn(line, "\r\n");
		struct bench_msg *m;

		line[n] = '\0';
		if (n == 0 || line[0] == '#')
			continue;
		if (c->n == cap) {
			cap = cap ? cap * 2 : 1024;
			m = realloc(c->m, cap * sizeof(*m));
			if (m == NULL)
				goto oom;
			c->m = m;
		}
		m = &c->m[c->n];
		m->path = strdup(line);
		if (m->path == NULL)
			goto oom;
		m->buf = slurp(line, &m->len);
		if (m->buf == NULL) {
			fprintf(stderr, "%s: %s\n", line, strerror(errno));
			free(m->path);
			fclose(f);
			bench_free(c);
			return -1;
		}
		c->bytes += m->len;
		c->n++;
	}
	fclose(f);
	return 0;
oom:
	fprintf(stderr, "out of memory reading %s\n", list);
	fclose(f);
	bench_free(c);
	return -1;
}

void bench_free(struct bench_corpus *c)
{
	for (size_t i = 0; i < c->n; i++) {
		free(c->m[i].path);
		free(c->m[i].buf);
	}
	free(c->m);
	memset(c, 0, sizeof(*c));
}

void bench_now(struct bench_clock *t)
{
	struct timespec ts;
	struct rusage ru;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	t->wall = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
	t->cpu = (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
	getrusage(RUSAGE_SELF, &ru);
	t->user = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6;
	t->sys = (double)ru.ru_stime.tv_sec + (double)ru.ru_stime.tv_usec / 1e6;
}

void bench_diff(const struct bench_clock *a, const struct bench_clock *b, struct bench_clock *out)
{
	out->wall = b->wall - a->wall;
	out->cpu = b->cpu - a->cpu;
	out->user = b->user - a->user;
	out->sys = b->sys - a->sys;
}

static long status_kb(const char *key)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t klen = strlen(key);
	long v = -1;

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, key, klen) == 0) {
			v = strtol(line + klen, NULL, 10);
			break;
		}
	fclose(f);
	return v;
}

long bench_rss_kb(void)
{
	return status_kb("VmRSS:");
}

long bench_peak_rss_kb(void)
{
	return status_kb("VmHWM:");
}

/* Writes s as a JSON string; the names written here are plain ASCII, quotes escaped anyway. */
static void json_str(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s != NULL && *s != '\0'; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if ((unsigned char)*s >= 0x20)
			fputc(*s, f);
	}
	fputc('"', f);
}

int bench_write_stats(const char *path, const struct bench_corpus *c, const struct bench_stats *s)
{
	FILE *f = bench_open_out(path);

	fputs("{\"verifier\": ", f);
	json_str(f, s->verifier);
	fputs(", \"label\": ", f);
	json_str(f, s->label);
	fputs(", \"version\": ", f);
	json_str(f, s->version);
	fprintf(f, ", \"messages\": %zu, \"bytes\": %llu, \"signatures\": %zu, \"passes\": [", c->n,
	        (unsigned long long)c->bytes, s->signatures);
	for (int i = 0; i < s->npasses; i++)
		fprintf(f, "%s{\"wall\": %.6f, \"cpu\": %.6f, \"user\": %.6f, \"sys\": %.6f}",
		        i ? ", " : "", s->passes[i].wall, s->passes[i].cpu, s->passes[i].user,
		        s->passes[i].sys);
	fprintf(f, "], \"rss_loaded_kb\": %ld, \"rss_peak_kb\": %ld}\n", s->rss_loaded_kb,
	        s->rss_peak_kb);
	if (f != stdout ? fclose(f) != 0 : fflush(f) != 0) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		return -1;
	}
	return 0;
}

FILE *bench_open_out(const char *path)
{
	FILE *f;

	if (strcmp(path, "-") == 0)
		return stdout;
	f = fopen(path, "w");
	if (f == NULL) {
		fprintf(stderr, "%s: %s\n", path, strerror(errno));
		exit(2);
	}
	return f;
}
