/*
 * mbox files, message by message. GMime's parser, in mbox mode, finds the
 * separators; the messages are then read from the file itself, byte for
 * byte, by offset (never GMime's re-serialisation).
 *
 * GMime does not see the file as it is but through a view (DaMboxView) of
 * the same length: the first byte after each separator line becomes a line
 * end, so every message looks header-less, and "From " lines that are not
 * real separators lose their capital F. GMime then holds no header and
 * builds no MIME tree: parsing the file as stored took 2 GB of memory for a
 * 32 MB message of a million parts and for 200 MB of header lines; through
 * the view memory stays flat, and only true separators split messages.
 */
#include "mbox.h"

#include <errno.h>
#include <gmime/gmime.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- separators ------------------------------------------------------------ */

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

bool da_mbox_is_separator(const char *line, size_t len)
{
	bool have_time = false, have_year = false;

	if (len < 5 || len > DA_MBOX_SEP_MAX || memcmp(line, "From ", 5) != 0)
		return false;
	for (size_t i = 5; i < len; i++) {
		if (line[i] == '\r' && i + 1 == len)
			break;
		/* h:mm or hh:mm, not inside a longer number */
		if (line[i] == ':' && is_digit(line[i - 1]) &&
		    !(is_digit(line[i - 2]) && is_digit(line[i - 3])) && i + 2 < len &&
		    is_digit(line[i + 1]) && is_digit(line[i + 2]) &&
		    (i + 3 == len || !is_digit(line[i + 3])))
			have_time = true;
		/* a year 1900..2099 standing alone */
		if (i + 4 <= len && (line[i] == '1' || line[i] == '2') &&
		    ((line[i] == '1' && line[i + 1] == '9') ||
		     (line[i] == '2' && line[i + 1] == '0')) &&
		    is_digit(line[i + 2]) && is_digit(line[i + 3]) && !is_digit(line[i - 1]) &&
		    (i + 4 == len || !is_digit(line[i + 4])))
			have_year = true;
	}
	return have_time && have_year;
}

/* ---- the view GMime parses ------------------------------------------------- */

/*
 * The hidden "From " lines of each message the view has entered, until the
 * message is returned. GMime reads a few KiB ahead, so only the messages in
 * that window wait here: each has a separator line of 20 bytes or more.
 */
#define MAX_RUNS 1024

typedef struct {
	uint64_t sep;   /* offset of the message's separator */
	uint64_t count; /* "From " lines hidden inside it */
	uint64_t first; /* offset of the first */
} rejrun;

typedef struct {
	GMimeStreamFs parent;
	bool line_start;       /* the next byte begins a line */
	bool hide_next;        /* ... and it is the first line of a message */
	bool lower_next;       /* the next byte follows a line end the view made up */
	rejrun runs[MAX_RUNS]; /* a ring: messages entered, not yet returned */
	size_t head, nruns;
} DaMboxView;

typedef struct {
	GMimeStreamFsClass parent_class;
} DaMboxViewClass;

DA_HIDDEN GType da_mbox_view_get_type(void);
G_DEFINE_TYPE(DaMboxView, da_mbox_view, GMIME_TYPE_STREAM_FS)

/*
 * Reads the line that starts at file offset off into line (up to
 * DA_MBOX_SEP_MAX + 1 bytes), using buf[i..n) when it holds it. Returns the
 * line's length without the LF, or DA_MBOX_SEP_MAX + 1 when longer.
 */
static size_t peek_line(int fd, const char *buf, size_t i, size_t n, uint64_t off, char *line)
{
	const char *p = buf + i, *nl;
	size_t have = n - i;

	nl = memchr(p, '\n', have < DA_MBOX_SEP_MAX + 1 ? have : DA_MBOX_SEP_MAX + 1);
	if (nl)
		return (size_t)(nl - p);
	if (have >= DA_MBOX_SEP_MAX + 1)
		return DA_MBOX_SEP_MAX + 1;
	/* The line runs past this buffer: read ahead without moving the stream. */
	ssize_t k;
	do
		k = pread(fd, line, DA_MBOX_SEP_MAX + 1, (off_t)off);
	while (k < 0 && errno == EINTR);
	if (k <= 0)
		return have;
	nl = memchr(line, '\n', (size_t)k);
	if (nl)
		return (size_t)(nl - line);
	return k < DA_MBOX_SEP_MAX + 1 ? (size_t)k : DA_MBOX_SEP_MAX + 1;
}

static const char *line_at(const char *buf, size_t i, size_t n, size_t len, const char *peeked)
{
	return i + len <= n ? buf + i : peeked;
}

/* A separator seen: the lines hidden from here on are its message's. */
static void enter_message(DaMboxView *v, uint64_t sep)
{
	if (v->nruns == MAX_RUNS) /* cannot happen with GMime's read-ahead; stay bounded */
		return;
	v->runs[(v->head + v->nruns++) % MAX_RUNS] = (rejrun){sep, 0, 0};
}

static void record_rejected(DaMboxView *v, uint64_t off)
{
	if (v->nruns == 0)
		return;
	rejrun *r = &v->runs[(v->head + v->nruns - 1) % MAX_RUNS];
	if (r->count++ == 0)
		r->first = off;
}

static ssize_t view_read(GMimeStream *s, char *buf, size_t len)
{
	DaMboxView *v = (DaMboxView *)s;
	int fd = GMIME_STREAM_FS(s)->fd;
	uint64_t base = (uint64_t)s->position;
	ssize_t n = GMIME_STREAM_CLASS(da_mbox_view_parent_class)->read(s, buf, len);

	/* GMime takes a "From " that starts its buffer for a separator, even mid-line. */
	if (n > 0 && !v->line_start && buf[0] == 'F')
		buf[0] = 'f';
	for (ssize_t i = 0; i < n; i++) {
		if (!v->line_start) {
			const char *nl = memchr(buf + i, '\n', (size_t)(n - i));
			if (!nl)
				break;
			i = nl - buf;
			v->line_start = true;
			continue;
		}
		if (v->lower_next) {
			/* A line start in the view only, mid-line in the file: no separator. */
			v->lower_next = false;
			v->line_start = buf[i] == '\n';
			if (buf[i] == 'F')
				buf[i] = 'f';
			continue;
		}
		v->line_start = buf[i] == '\n';
		if (buf[i] == '\n') {
			v->hide_next = false;
			continue;
		}
		bool sep = false, from = false;
		if (buf[i] == 'F') {
			char peeked[DA_MBOX_SEP_MAX + 1];
			size_t ll =
			    peek_line(fd, buf, (size_t)i, (size_t)n, base + (uint64_t)i, peeked);
			const char *line = line_at(buf, (size_t)i, (size_t)n, ll, peeked);
			from = ll >= 5 && memcmp(line, "From ", 5) == 0;
			sep = from && da_mbox_is_separator(line, ll);
		}
		if (sep) {
			enter_message(v, base + (uint64_t)i);
			v->hide_next = true;
			continue;
		}
		if (from)
			record_rejected(v, base + (uint64_t)i);
		if (v->hide_next) {
			/* An empty header: GMime reads the message as all body. */
			if (buf[i] != '\r') {
				buf[i] = '\n';
				v->line_start = true;
				v->lower_next = true;
			}
		} else if (from) {
			buf[i] = 'f';
		}
		v->hide_next = false;
	}
	return n;
}

static gint64 view_seek(GMimeStream *s, gint64 offset, GMimeSeekWhence whence)
{
	DaMboxView *v = (DaMboxView *)s;
	gint64 r = GMIME_STREAM_CLASS(da_mbox_view_parent_class)->seek(s, offset, whence);
	char prev = '\n';
	ssize_t k = 0;

	/* Sequential reading is all the parser does; after a seek, find our place again. */
	if (r > 0)
		do
			k = pread(GMIME_STREAM_FS(s)->fd, &prev, 1, (off_t)(r - 1));
		while (k < 0 && errno == EINTR);
	if (r >= 0) {
		v->line_start = r == 0 || (k == 1 && prev == '\n');
		v->hide_next = false;
		v->lower_next = false;
		/* Messages from here on will be entered again when read again. */
		while (v->nruns && v->runs[(v->head + v->nruns - 1) % MAX_RUNS].sep >= (uint64_t)r)
			v->nruns--;
	}
	return r;
}

static void da_mbox_view_class_init(DaMboxViewClass *k)
{
	GMIME_STREAM_CLASS(k)->read = view_read;
	GMIME_STREAM_CLASS(k)->seek = view_seek;
}

static void da_mbox_view_init(DaMboxView *v)
{
	v->line_start = true;
}

/* ---- reader ------------------------------------------------------------------ */

struct da_mbox {
	DaMboxView *view;
	GMimeParser *parser;
	int fd;
	uint64_t index;
	uint64_t pos; /* end of the last message (where the next separator should be) */
	bool done;
};

static pthread_once_t gmime_once = PTHREAD_ONCE_INIT;

static void gmime_init(void)
{
	g_mime_init();
}

int da_mbox_open(const char *path, int fd, da_mbox **out)
{
	da_mbox *mb;

	*out = NULL;
	pthread_once(&gmime_once, gmime_init);
	mb = calloc(1, sizeof *mb);
	if (!mb) {
		close(fd);
		return dc_fail(DKIMARC_ENOMEM, "out of memory opening %s", path);
	}
	mb->fd = fd;
	mb->view = g_object_new(da_mbox_view_get_type(), NULL);
	GMIME_STREAM_FS(mb->view)->fd = fd;
	GMIME_STREAM_FS(mb->view)->owner = TRUE; /* closes fd when finalized */
	GMIME_STREAM_FS(mb->view)->eos = FALSE;
	g_mime_stream_construct(GMIME_STREAM(mb->view), 0, -1);
	mb->parser = g_mime_parser_new_with_stream(GMIME_STREAM(mb->view));
	g_mime_parser_set_format(mb->parser, GMIME_FORMAT_MBOX);
	/* Content stays in the file (the view is seekable): nothing is copied. */
	g_mime_parser_set_persist_stream(mb->parser, TRUE);
	*out = mb;
	return DKIMARC_OK;
}

uint64_t da_mbox_offset(const da_mbox *mb)
{
	return mb->pos;
}

void da_mbox_close(da_mbox *mb)
{
	if (!mb)
		return;
	if (mb->parser)
		g_object_unref(mb->parser);
	if (mb->view)
		g_object_unref(mb->view);
	free(mb);
}

static int read_at(int fd, char *buf, size_t n, uint64_t off)
{
	size_t got = 0;
	while (got < n) {
		ssize_t k = pread(fd, buf + got, n - got, (off_t)(off + got));
		if (k < 0 && errno == EINTR)
			continue;
		if (k <= 0)
			return -1;
		got += (size_t)k;
	}
	return 0;
}

/* Takes the count of hidden "From " lines of the message at sep. */
static void claim_rejected(DaMboxView *v, da_mbox_msg *m)
{
	while (v->nruns) {
		rejrun *r = &v->runs[v->head];
		if (r->sep > m->sep)
			break;
		if (r->sep == m->sep) {
			m->rejected = r->count;
			m->first_rejected = r->first;
		}
		v->head = (v->head + 1) % MAX_RUNS;
		v->nruns--;
	}
}

/*
 * GMime ended on a separator line with nothing after it: an empty message,
 * so that the line is reported rather than dropped. Returns as da_mbox_next.
 */
static int trailing_separator(da_mbox *mb, da_mbox_msg *out)
{
	struct stat st;
	char line[DA_MBOX_SEP_MAX + 2];
	size_t n;

	if (fstat(mb->fd, &st) != 0 || (uint64_t)st.st_size <= mb->pos)
		return 0;
	n = (uint64_t)st.st_size - mb->pos < sizeof line ? (size_t)st.st_size - mb->pos
	                                                 : sizeof line;
	const char *nl = read_at(mb->fd, line, n, mb->pos) == 0 ? memchr(line, '\n', n) : NULL;
	size_t ll = nl ? (size_t)(nl - line) : 0;
	if (ll && line[ll - 1] == '\r')
		ll--;
	if (!nl || !da_mbox_is_separator(line, ll))
		return dc_fail(
		    DKIMARC_EFORMAT, "the last %llu byte%s, from offset %llu, %s not a message",
		    (unsigned long long)st.st_size - mb->pos, st.st_size - mb->pos == 1 ? "" : "s",
		    (unsigned long long)mb->pos, st.st_size - mb->pos == 1 ? "is" : "are");
	out->index = mb->index++;
	out->sep = mb->pos;
	out->start = mb->pos + (uint64_t)(nl - line) + 1;
	out->end = (uint64_t)st.st_size;
	mb->pos = out->end;
	return 1;
}

int da_mbox_next(da_mbox *mb, da_mbox_msg *out)
{
	GMimeMessage *msg;
	gint64 sep, start, end;

	memset(out, 0, sizeof *out);
	if (mb->done || g_mime_parser_eos(mb->parser)) {
		mb->done = true;
		return 0;
	}
	msg = g_mime_parser_construct_message(mb->parser, NULL);
	if (!msg) {
		mb->done = true;
		if (g_mime_parser_eos(mb->parser))
			return trailing_separator(mb, out);
		return dc_fail(DKIMARC_EFORMAT,
		               "no mbox separator could be read at offset %llu; the rest of the "
		               "file is not split into messages",
		               (unsigned long long)mb->pos);
	}
	g_object_unref(msg);
	sep = g_mime_parser_get_mbox_marker_offset(mb->parser);
	start = g_mime_parser_get_headers_begin(mb->parser);
	end = g_mime_parser_tell(mb->parser);
	if (sep < 0 || start < sep + 5 || end < start || (uint64_t)sep < mb->pos) {
		mb->done = true;
		return dc_fail(DKIMARC_EFORMAT,
		               "the mbox parser lost its place at offset %llu; the rest of the "
		               "file is not split into messages",
		               (unsigned long long)mb->pos);
	}
	out->index = mb->index++;
	out->sep = (uint64_t)sep;
	out->start = (uint64_t)start;
	out->end = (uint64_t)end;
	out->gap = (uint64_t)sep - mb->pos;
	mb->pos = (uint64_t)end;

	/* Drop the blank line mbox writers put before the next separator: the last line
	 * end, when it follows another. */
	char tail[3];
	uint64_t len = out->end - out->start;
	if (len >= 3 && read_at(mb->fd, tail, 3, out->end - 3) == 0 &&
	    memcmp(tail, "\n\r\n", 3) == 0)
		out->end -= 2;
	else if (len >= 2 && read_at(mb->fd, tail + 1, 2, out->end - 2) == 0 && tail[1] == '\n' &&
	         tail[2] == '\n')
		out->end -= 1;
	claim_rejected(mb->view, out);
	return 1;
}

/* ---- >From un-quoting ------------------------------------------------------- */

enum { U_LINE_START, U_MID_LINE, U_GT_RUN, U_MATCH };

void da_unquote_init(da_unquote *u, int mode)
{
	u->mode = mode;
	u->state = U_LINE_START;
	u->match = 0;
}

/* Emits the held '>' and the part of "From " matched so far. */
static size_t release(da_unquote *u, char *out)
{
	out[0] = '>';
	memcpy(out + 1, "From ", u->match);
	size_t n = 1 + u->match;
	u->match = 0;
	return n;
}

size_t da_unquote_run(da_unquote *u, const char *in, size_t n, char *out)
{
	size_t o = 0;

	if (u->mode == DKIMARC_MBOX_NONE) {
		memcpy(out, in, n);
		return n;
	}
	for (size_t i = 0; i < n; i++) {
		char c = in[i];
		switch (u->state) {
		case U_MID_LINE: {
			/* Copy to the end of the line in one go. */
			const char *nl = memchr(in + i, '\n', n - i);
			size_t k = nl ? (size_t)(nl - (in + i)) + 1 : n - i;
			memcpy(out + o, in + i, k);
			o += k;
			i += k - 1;
			if (nl)
				u->state = U_LINE_START;
			continue;
		}
		case U_LINE_START:
			if (c == '>') {
				u->state = U_GT_RUN; /* hold it back */
				continue;
			}
			break;
		case U_GT_RUN:
			if (c == '>' && u->mode == DKIMARC_MBOX_MBOXRD) {
				out[o++] = '>'; /* all '>' alike: the held one can come last */
				continue;
			}
			if (c == 'F') {
				u->state = U_MATCH;
				u->match = 1;
				continue;
			}
			o += release(u, out + o);
			break;
		case U_MATCH:
			if (c == "From "[u->match]) {
				if (++u->match == 5) {
					memcpy(out + o, "From ", 5); /* the held '>' is dropped */
					o += 5;
					u->match = 0;
					u->state = U_MID_LINE;
				}
				continue;
			}
			o += release(u, out + o);
			break;
		}
		out[o++] = c;
		u->state = c == '\n' ? U_LINE_START : U_MID_LINE;
	}
	return o;
}

size_t da_unquote_end(da_unquote *u, char *out)
{
	size_t o = 0;
	if (u->state == U_GT_RUN || u->state == U_MATCH)
		o = release(u, out);
	u->state = U_LINE_START;
	return o;
}
