/* `dkimarc verify`'s inputs, walked by the library's corpus reader as scan walks them. */
#include "input.h"

#include "cli.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define CHUNK (64 * 1024)

static const char *name_of(const char *given)
{
	return strcmp(given, "-") == 0 ? "standard input" : given;
}

/*
 * Copies a stream to a temporary file, so that the corpus reader, which
 * reads files, sees it as it sees any other. Returns its path (malloc'd) or
 * NULL after printing why.
 */
static char *spool(int fd, const char *given)
{
	const char *dir = getenv("TMPDIR");
	char *path, *buf = malloc(CHUNK);
	size_t n;
	int out = -1;

	if (!dir || !*dir)
		dir = "/tmp";
	n = strlen(dir) + sizeof "/dkimarc-input-XXXXXX";
	path = malloc(n);
	if (!path || !buf) {
		cli_error("out of memory");
		goto fail;
	}
	snprintf(path, n, "%s/dkimarc-input-XXXXXX", dir);
	out = mkstemp(path);
	if (out < 0) {
		cli_error("cannot keep a copy of %s in %s: %s", name_of(given), dir,
		          strerror(errno));
		goto fail;
	}
	for (;;) {
		ssize_t got = read(fd, buf, CHUNK);
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			cli_error("cannot read %s: %s", name_of(given), strerror(errno));
			goto fail_unlink;
		}
		if (got == 0)
			break;
		for (ssize_t off = 0; off < got;) {
			ssize_t w = write(out, buf + off, (size_t)(got - off));
			if (w < 0 && errno == EINTR)
				continue;
			if (w < 0) {
				cli_error("cannot keep a copy of %s in %s: %s", name_of(given), dir,
				          strerror(errno));
				goto fail_unlink;
			}
			off += w;
		}
	}
	if (close(out) != 0) {
		out = -1;
		cli_error("cannot keep a copy of %s in %s: %s", name_of(given), dir,
		          strerror(errno));
		goto fail_unlink;
	}
	free(buf);
	return path;
fail_unlink:
	unlink(path);
fail:
	if (out >= 0)
		close(out);
	free(path);
	free(buf);
	return NULL;
}

/* The path to walk: the file itself, or a copy of a stream (*copy set). -1 after printing why. */
static int locate(const char *given, char **copy)
{
	int fd = STDIN_FILENO;
	struct stat st;

	*copy = NULL;
	if (strcmp(given, "-") != 0) {
		/* O_NONBLOCK: opening a FIFO does not wait for a writer; cleared to read it. */
		fd = open(given, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
		if (fd < 0) {
			cli_error("cannot read %s: %s \xe2\x80\x94 check the path and permissions",
			          given, strerror(errno));
			return -1;
		}
	}
	if (fstat(fd, &st) != 0) {
		cli_error("cannot read %s: %s", name_of(given), strerror(errno));
		goto fail;
	}
	if (S_ISDIR(st.st_mode)) {
		cli_error("cannot read %s: it is a folder \xe2\x80\x94 'dkimarc scan' verifies "
		          "folders",
		          given);
		goto fail;
	}
	if (fd != STDIN_FILENO && S_ISREG(st.st_mode)) {
		close(fd);
		return 0;
	}
	if (fd != STDIN_FILENO)
		(void)fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK);
	*copy = spool(fd, given);
	if (fd != STDIN_FILENO)
		close(fd);
	return *copy ? 0 : -1;
fail:
	if (fd != STDIN_FILENO)
		close(fd);
	return -1;
}

int input_open(struct input *in, const char *given, dkimarc_mbox_quoting quoting)
{
	int rc;

	*in = (struct input){.given = given, .display = given};
	if (locate(given, &in->spool) < 0)
		return -1;
	rc = dkimarc_corpus_new(&in->c);
	if (rc == DKIMARC_OK)
		rc = dkimarc_corpus_add_path(in->c, in->spool ? in->spool : given);
	if (rc == DKIMARC_OK)
		rc = dkimarc_corpus_set_mbox_quoting(in->c, quoting);
	/* Messages stream through the verifier: no size needs refusing. */
	if (rc == DKIMARC_OK)
		rc = dkimarc_corpus_set_max_message_bytes(in->c, UINT64_MAX);
	if (rc != DKIMARC_OK) {
		cli_error("%s: %s", name_of(given),
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		input_close(in);
		return -1;
	}
	return 0;
}

int input_next(struct input *in, dkimarc_corpus_item **out)
{
	int rc = dkimarc_corpus_next(in->c, out);
	if (rc != DKIMARC_OK) {
		cli_error("%s: %s", name_of(in->given),
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		*out = NULL;
		return -1;
	}
	return 0;
}

void input_close(struct input *in)
{
	dkimarc_corpus_free(in->c);
	in->c = NULL;
	if (in->spool)
		unlink(in->spool);
	free(in->spool);
	in->spool = NULL;
}

char *input_item_name(const struct input *in, const dkimarc_corpus_item *it)
{
	int64_t index = dkimarc_corpus_item_index(it), offset = dkimarc_corpus_item_offset(it);
	size_t n = strlen(in->display) + 48;
	char *s = malloc(n);

	if (!s)
		return NULL;
	if (index >= 0)
		snprintf(s, n, "%s#%" PRId64, in->display, index);
	else if (offset >= 0)
		snprintf(s, n, "%s (offset %" PRId64 ")", in->display, offset);
	else
		snprintf(s, n, "%s", in->display);
	return s;
}

char *input_item_json(const struct input *in, const dkimarc_corpus_item *it,
                      const dkimarc_report *r, const dkimarc_json_member *trail, size_t ntrail)
{
	char *s = NULL;
	/* A stream's copy has a temporary name that is no one's business: "file" is what was given.
	 */
	int rc =
	    dkimarc_corpus_item_json_ext(it, r, in->spool ? in->display : NULL, trail, ntrail, &s);

	if (rc != DKIMARC_OK) {
		cli_error("%s: cannot render the report: %s", name_of(in->given),
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		return NULL;
	}
	return s;
}
