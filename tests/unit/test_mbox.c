/* mbox reading: separators, exact message bytes, un-quoting, flat memory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <dirent.h>
#include <fcntl.h>
#include <sys/resource.h>
#include <unistd.h>

#include "mbox.h"

/* ---- helpers ------------------------------------------------------------------ */

static char *tmp_path(const char *tag)
{
	static char path[256];
	snprintf(path, sizeof path, "/tmp/dkimarc-test-mbox-%d-%s", (int)getpid(), tag);
	return path;
}

static void write_all(const char *path, const char *data, size_t len)
{
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	assert_non_null(p);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static da_mbox *open_mbox(const char *path)
{
	da_mbox *mb = NULL;
	int fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(da_mbox_open(path, fd, &mb), DKIMARC_OK);
	return mb;
}

/* The message's bytes, un-quoted in mode, read in chunks of `chunk` bytes. */
static char *message_bytes(const char *path, const da_mbox_msg *m, int mode, size_t chunk,
                           size_t *len)
{
	size_t n = (size_t)(m->end - m->start), o = 0;
	char *raw = malloc(n + 1), *out = malloc(n + 16);
	int fd = open(path, O_RDONLY);
	da_unquote u;
	assert_true(fd >= 0 && raw && out);
	assert_int_equal(pread(fd, raw, n, (off_t)m->start), (ssize_t)n);
	close(fd);
	da_unquote_init(&u, mode);
	for (size_t i = 0; i < n; i += chunk) {
		size_t k = n - i < chunk ? n - i : chunk;
		o += da_unquote_run(&u, raw + i, k, out + o);
	}
	o += da_unquote_end(&u, out + o);
	free(raw);
	*len = o;
	return out;
}

/* ---- separators ------------------------------------------------------------------ */

static void separator_lines(void **state)
{
	(void)state;
	static const char *const yes[] = {
	    "From MAILER-DAEMON Fri Jul  8 12:08:34 2011",
	    "From - Thu Jan  1 00:00:00 2017",
	    "From a@b.example Sat, 1 Jan 2017 10:00:00 +0000",
	    "From someone@example.com Thu May  4 9:05 2017",
	    "From a@b Thu Jan  1 00:00:00 2017\r",
	};
	static const char *const no[] = {
	    "From the middle",
	    "From: someone@example.com",
	    "From what I heard, the venue is confirmed.",
	    "From 2017 onwards",  /* a year, no time */
	    "From 10:30 to noon", /* a time, no year */
	    "From x 123:45 2017", /* not a time: three digits */
	    "From x 12:345 2017", /* not a time */
	    "From x 10:30 20170", /* not a year */
	    "Fromage 10:30 2017",
	    ">From a@b Thu Jan  1 00:00:00 2017",
	    "From",
	};
	for (size_t i = 0; i < sizeof yes / sizeof yes[0]; i++)
		assert_true(da_mbox_is_separator(yes[i], strlen(yes[i])));
	for (size_t i = 0; i < sizeof no / sizeof no[0]; i++)
		assert_false(da_mbox_is_separator(no[i], strlen(no[i])));

	/* Longer than DA_MBOX_SEP_MAX: never a separator. */
	char *lng = malloc(DA_MBOX_SEP_MAX + 40);
	assert_non_null(lng);
	strcpy(lng, "From a@b Thu Jan  1 00:00:00 2017 ");
	size_t n = strlen(lng);
	memset(lng + n, 'x', DA_MBOX_SEP_MAX + 40 - n);
	assert_true(da_mbox_is_separator(lng, DA_MBOX_SEP_MAX));
	assert_false(da_mbox_is_separator(lng, DA_MBOX_SEP_MAX + 1));
	free(lng);
}

/* ---- un-quoting -------------------------------------------------------------------- */

static void unquote_modes_any_split(void **state)
{
	(void)state;
	static const struct {
		const char *in, *rd, *o;
	} t[] = {
	    {">From here\n", "From here\n", "From here\n"},
	    {">>From here\n", ">From here\n", ">>From here\n"},
	    {">>>From x\r\n", ">>From x\r\n", ">>>From x\r\n"},
	    {"a >From x\n", "a >From x\n", "a >From x\n"},
	    {">Fro\n>From\n", ">Fro\n>From\n", ">Fro\n>From\n"}, /* "From" needs its space */
	    {">>quote\n>\n>", ">>quote\n>\n>", ">>quote\n>\n>"},
	    {"x\n>From a\n>>From b\n", "x\nFrom a\n>From b\n", "x\nFrom a\n>>From b\n"},
	    {">From", ">From", ">From"}, /* cut short at the end */
	};
	for (size_t i = 0; i < sizeof t / sizeof t[0]; i++) {
		size_t n = strlen(t[i].in);
		for (int mode = DKIMARC_MBOX_MBOXRD; mode <= DKIMARC_MBOX_NONE; mode++) {
			const char *want = mode == DKIMARC_MBOX_MBOXRD  ? t[i].rd
			                   : mode == DKIMARC_MBOX_MBOXO ? t[i].o
			                                                : t[i].in;
			/* Every chunk size, so holds across chunk boundaries are exercised. */
			for (size_t chunk = 1; chunk <= n; chunk++) {
				char out[128];
				size_t o = 0;
				da_unquote u;
				da_unquote_init(&u, mode);
				for (size_t k = 0; k < n; k += chunk)
					o += da_unquote_run(&u, t[i].in + k,
					                    n - k < chunk ? n - k : chunk, out + o);
				o += da_unquote_end(&u, out + o);
				assert_int_equal(o, strlen(want));
				assert_memory_equal(out, want, o);
			}
		}
	}
}

/* ---- whole mbox files ----------------------------------------------------------------- */

typedef struct {
	char *data;
	size_t len;
} blob;

/* The bundled sample messages, in name order. */
static size_t sample_messages(blob *out, size_t max)
{
	char dir[512];
	snprintf(dir, sizeof dir, "%s/vectors/sample", SRCDIR);
	DIR *d = opendir(dir);
	struct dirent *e;
	char *names[64];
	size_t n = 0;
	assert_non_null(d);
	while ((e = readdir(d)) && n < 64) {
		size_t l = strlen(e->d_name);
		if (l > 4 && strcmp(e->d_name + l - 4, ".eml") == 0)
			names[n++] = strdup(e->d_name);
	}
	closedir(d);
	for (size_t i = 0; i < n; i++)
		for (size_t j = i + 1; j < n; j++)
			if (strcmp(names[j], names[i]) < 0) {
				char *t = names[i];
				names[i] = names[j];
				names[j] = t;
			}
	assert_true(n >= 5 && n <= max);
	for (size_t i = 0; i < n; i++) {
		char p[1024];
		snprintf(p, sizeof p, "%s/%s", dir, names[i]);
		out[i].data = slurp(p, &out[i].len);
		free(names[i]);
	}
	return n;
}

/* Appends msg to f as an mboxrd writer does; returns the separator's offset. */
static long mboxrd_append(FILE *f, const char *msg, size_t len, const char *eol)
{
	long off = ftell(f);
	fprintf(f, "From sender@example.com Thu May  4 10:00:00 2017%s", eol);
	const char *p = msg, *end = msg + len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		const char *q = p;
		while (q < p + n && *q == '>')
			q++;
		if ((size_t)(p + n - q) >= 5 && memcmp(q, "From ", 5) == 0)
			fputc('>', f);
		fwrite(p, 1, n, f);
		p += n;
	}
	if (len && msg[len - 1] != '\n')
		fputs(eol, f);
	fputs(eol, f);
	return off;
}

static void exact_bytes_of_each_message(void **state)
{
	(void)state;
	blob msgs[64];
	size_t n = sample_messages(msgs, 64);
	/* Body lines an mbox writer must quote, and one already quoted. */
	static const char extra[] = "From what I heard\r\n>From the minutes\r\n>>From x\r\n";
	const char *path = tmp_path("exact");
	long offs[64];

	for (size_t i = 1; i < n; i += 2) {
		char *m = malloc(msgs[i].len + sizeof extra);
		assert_non_null(m);
		memcpy(m, msgs[i].data, msgs[i].len);
		memcpy(m + msgs[i].len, extra, sizeof extra);
		free(msgs[i].data);
		msgs[i].data = m;
		msgs[i].len += sizeof extra - 1;
	}
	for (int crlf = 0; crlf <= 1; crlf++) {
		FILE *f = fopen(path, "wb");
		assert_non_null(f);
		for (size_t i = 0; i < n; i++)
			offs[i] = mboxrd_append(f, msgs[i].data, msgs[i].len, crlf ? "\r\n" : "\n");
		assert_int_equal(fclose(f), 0);

		da_mbox *mb = open_mbox(path);
		da_mbox_msg m;
		for (size_t i = 0; i < n; i++) {
			assert_int_equal(da_mbox_next(mb, &m), 1);
			assert_int_equal(m.index, i);
			assert_int_equal(m.sep, (uint64_t)offs[i]);
			assert_int_equal(m.rejected, 0);
			assert_int_equal(m.gap, 0);
			size_t len;
			char *got = message_bytes(path, &m, DKIMARC_MBOX_MBOXRD, 7, &len);
			assert_int_equal(len, msgs[i].len);
			assert_memory_equal(got, msgs[i].data, len);
			free(got);
			/* mboxo leaves the stored ">>From" and ">>>From" lines as they are. */
			got = message_bytes(path, &m, DKIMARC_MBOX_MBOXO, 4096, &len);
			assert_int_equal(len, msgs[i].len + (i % 2 ? 2 : 0));
			free(got);
		}
		assert_int_equal(da_mbox_next(mb, &m), 0);
		assert_int_equal(da_mbox_next(mb, &m), 0);
		da_mbox_close(mb);
	}
	for (size_t i = 0; i < n; i++)
		free(msgs[i].data);
	unlink(path);
}

static void body_from_lines_do_not_split(void **state)
{
	(void)state;
	/* A writer that did not quote, and a separator without a date. */
	static const char mbox[] = "From a@example.com Thu Jan  5 10:00:00 2017\n"
	                           "From: a@example.com\n\nbody\n\nFrom the middle of it\n"
	                           "From nobody\nmore\n\n"
	                           "From b@example.com Thu Jan  5 11:00:00 2017\n"
	                           "From: b@example.com\n\nsecond\n";
	const char *path = tmp_path("split");
	write_all(path, mbox, sizeof mbox - 1);
	da_mbox *mb = open_mbox(path);
	da_mbox_msg m;

	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.sep, 0);
	assert_int_equal(m.start, strlen("From a@example.com Thu Jan  5 10:00:00 2017\n"));
	assert_int_equal(m.rejected, 2);
	assert_int_equal(m.first_rejected, (uint64_t)(strstr(mbox, "From the") - mbox));
	const char *second = strstr(mbox, "From b@");
	assert_int_equal(m.end, (uint64_t)(second - mbox) - 1); /* the blank line is the mbox's */
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.index, 1);
	assert_int_equal(m.sep, (uint64_t)(second - mbox));
	assert_int_equal(m.end, sizeof mbox - 1);
	assert_int_equal(m.rejected, 0);
	assert_int_equal(da_mbox_next(mb, &m), 0);
	da_mbox_close(mb);
	unlink(path);
}

/* More hidden lines than the view keeps: all counted, for the right message. */
static void many_unquoted_from_lines_counted(void **state)
{
	(void)state;
	const char *path = tmp_path("many");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("From a@b Thu Jan  5 10:00:00 2017\nFrom: a@b\n\n", f);
	long first = ftell(f);
	for (int i = 0; i < 5000; i++)
		fputs("From x\n", f);
	fputs("\nFrom b@c Thu Jan  5 10:00:00 2017\nFrom: b@c\n\nFrom y\n", f);
	assert_int_equal(fclose(f), 0);
	da_mbox *mb = open_mbox(path);
	da_mbox_msg m;
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.rejected, 5000);
	assert_int_equal(m.first_rejected, (uint64_t)first);
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.rejected, 1);
	assert_int_equal(da_mbox_next(mb, &m), 0);
	da_mbox_close(mb);
	unlink(path);
}

static void empty_and_headerless_messages(void **state)
{
	(void)state;
	static const char mbox[] = "From a@b Thu Jan  5 10:00:00 2017\n"
	                           "From b@c Thu Jan  5 10:00:00 2017\n"
	                           "\nno header here\n"
	                           "From c@d Thu Jan  5 10:00:00 2017\n"
	                           "Subject: x\n"
	                           "From d@e Thu Jan  5 10:00:00 2017\n";
	const char *path = tmp_path("empty");
	write_all(path, mbox, sizeof mbox - 1);
	da_mbox *mb = open_mbox(path);
	da_mbox_msg m;
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.end - m.start, 0);
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.end - m.start, strlen("\nno header here\n"));
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.end - m.start, strlen("Subject: x\n"));
	/* A last separator with nothing after it is an empty message, not nothing. */
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.index, 3);
	assert_int_equal(m.sep, (uint64_t)(strstr(mbox, "From d@") - mbox));
	assert_int_equal(m.end - m.start, 0);
	assert_int_equal(da_mbox_next(mb, &m), 0);
	da_mbox_close(mb);
	unlink(path);
}

/* A last separator line cut short (no line end) is reported, not dropped. */
static void separator_cut_at_the_end(void **state)
{
	(void)state;
	static const char mbox[] = "From a@b Thu Jan  5 10:00:00 2017\nFrom: a@b\n\nbody\n\n"
	                           "From c@d Thu Jan  5 10:00:00 2017";
	const char *path = tmp_path("cut");
	write_all(path, mbox, sizeof mbox - 1);
	da_mbox *mb = open_mbox(path);
	da_mbox_msg m;
	const char *cut = strstr(mbox + 1, "From c@d");
	assert_int_equal(da_mbox_next(mb, &m), 1);
	assert_int_equal(m.end, (uint64_t)(cut - mbox) - 1);
	assert_int_equal(da_mbox_next(mb, &m), DKIMARC_EFORMAT);
	assert_non_null(strstr(dkimarc_last_error(), "are not a message"));
	assert_int_equal(da_mbox_offset(mb), (uint64_t)(cut - mbox));
	assert_int_equal(da_mbox_next(mb, &m), 0);
	da_mbox_close(mb);
	unlink(path);
}

static long max_rss_kb(void)
{
	struct rusage ru;
	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_maxrss;
}

/* Content that made GMime, parsing the file as stored, take gigabytes. */
static void memory_stays_flat(void **state)
{
	(void)state;
	const char *path = tmp_path("flat");
	FILE *f = fopen(path, "wb");
	assert_non_null(f);
	fputs("From a@b Thu Jan  5 10:00:00 2017\nFrom: a@b\nMIME-Version: 1.0\n"
	      "Content-Type: multipart/mixed; boundary=\"b\"\n\n",
	      f);
	for (int i = 0; i < 300000; i++)
		fputs("--b\nContent-Type: text/plain\n\nx\n", f);
	fputs("--b--\n\nFrom b@c Thu Jan  5 10:00:00 2017\nFrom: b@c\n", f);
	for (int i = 0; i < 300000; i++)
		fputs("X-Junk: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n", f);
	fputs("\nbody\n\nFrom c@d Thu Jan  5 10:00:00 2017\nX-Long: ", f);
	for (int i = 0; i < 20000; i++)
		fputs("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"
		      "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		      f);
	fputs("\n\nbody\n", f);
	assert_int_equal(fclose(f), 0);

	long before = max_rss_kb();
	da_mbox *mb = open_mbox(path);
	da_mbox_msg m;
	uint64_t sizes[3];
	for (int i = 0; i < 3; i++) {
		assert_int_equal(da_mbox_next(mb, &m), 1);
		sizes[i] = m.end - m.start;
	}
	assert_int_equal(da_mbox_next(mb, &m), 0);
	da_mbox_close(mb);
	/* ~9 MB, ~17 MB and ~2.6 MB messages; parsing them as stored took gigabytes. */
	assert_true(sizes[0] > 9000000 && sizes[1] > 17000000 && sizes[2] > 2600000);
	assert_true(max_rss_kb() - before < 48 * 1024);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(separator_lines),
	    cmocka_unit_test(unquote_modes_any_split),
	    cmocka_unit_test(exact_bytes_of_each_message),
	    cmocka_unit_test(body_from_lines_do_not_split),
	    cmocka_unit_test(many_unquoted_from_lines_counted),
	    cmocka_unit_test(empty_and_headerless_messages),
	    cmocka_unit_test(separator_cut_at_the_end),
	    cmocka_unit_test(memory_stays_flat),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
