/* Corpus items: what they say, and the readers that give a message item's bytes. */
#include "corpus_walk.h"
#include "mbox.h"
#include "msg.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glib.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* ---- items ------------------------------------------------------------------- */

const char *dkimarc_item_kind_str(dkimarc_item_kind k)
{
	static const char *const names[] = {"message", "unreadable", "too_large", "mbox_malformed",
	                                    "empty",   "not_mail",   "skipped",   "error"};
	if ((unsigned)k >= sizeof names / sizeof names[0])
		return "unknown";
	return names[k];
}

dkimarc_item_kind dkimarc_corpus_item_kind(const dkimarc_corpus_item *it)
{
	return it ? it->kind : DKIMARC_ITEM_UNREADABLE;
}

const char *dkimarc_corpus_item_path(const dkimarc_corpus_item *it)
{
	return it ? it->path : NULL;
}

int64_t dkimarc_corpus_item_index(const dkimarc_corpus_item *it)
{
	return it ? it->index : -1;
}

int64_t dkimarc_corpus_item_offset(const dkimarc_corpus_item *it)
{
	return it ? it->offset : -1;
}

uint64_t dkimarc_corpus_item_size(const dkimarc_corpus_item *it)
{
	return it && it->kind == DKIMARC_ITEM_MESSAGE ? it->size : 0;
}

const char *dkimarc_corpus_item_problem(const dkimarc_corpus_item *it)
{
	return it ? it->problem : NULL;
}

const char *dkimarc_corpus_item_note(const dkimarc_corpus_item *it)
{
	return it ? it->note : NULL;
}

int dkimarc_corpus_item_set_problem(dkimarc_corpus_item *it, dkimarc_item_kind kind,
                                    const char *text)
{
	if (!it || kind == DKIMARC_ITEM_MESSAGE || (unsigned)kind > DKIMARC_ITEM_ERROR)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_set_problem: invalid argument");
	char *t = dc_strdup(text ? text : dkimarc_item_kind_str(kind));
	if (!t)
		return dc_fail(DKIMARC_ENOMEM, "out of memory");
	free(it->problem);
	it->problem = t;
	it->kind = kind;
	return DKIMARC_OK;
}

void dkimarc_corpus_item_free(dkimarc_corpus_item *it)
{
	if (!it)
		return;
	free(it->path);
	free(it->problem);
	free(it->note);
	free(it);
}

/* ---- reading a message ---------------------------------------------------------- */

int dkimarc_corpus_item_open(const dkimarc_corpus_item *it, dkimarc_msgreader **out)
{
	dkimarc_msgreader *r;
	struct stat st;

	if (!out)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_open: out is NULL");
	*out = NULL;
	if (!it || it->kind != DKIMARC_ITEM_MESSAGE)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_open: not a message item");
	r = calloc(1, sizeof *r);
	if (!r || !(r->path = dc_strdup(it->path))) {
		free(r);
		return dc_fail(DKIMARC_ENOMEM, "out of memory");
	}
	r->fd = open(it->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (r->fd < 0) {
		int err = errno;
		dkimarc_msgreader_free(r);
		return dc_fail(dc_io_status(err), "cannot open %s: %s", it->path, strerror(err));
	}
	if (fstat(r->fd, &st) != 0 || !S_ISREG(st.st_mode)) {
		dkimarc_msgreader_free(r);
		return dc_fail(DKIMARC_EIO, "%s is no longer a regular file", it->path);
	}
	r->size = (uint64_t)st.st_size;
	if (it->unseen) {
		/* read(), not pread(): the bytes are the message's first, given out first. */
		ssize_t k;
		if (!(r->head = malloc(READ_CHUNK))) {
			dkimarc_msgreader_free(r);
			return dc_fail(DKIMARC_ENOMEM, "out of memory");
		}
		do
			k = read(r->fd, r->head, READ_CHUNK);
		while (k < 0 && errno == EINTR);
		if (k <= 0) {
			int err = errno;
			dkimarc_msgreader_free(r);
			if (k == 0)
				return dc_fail(DKIMARC_EIO, "%s is empty now: changed since walked",
				               it->path);
			return dc_fail(dc_io_status(err), "cannot read %s: %s", it->path,
			               strerror(err));
		}
		if (!dc_looks_like_mail(r->head, (size_t)k < HEAD_BYTES ? (size_t)k : HEAD_BYTES)) {
			dkimarc_msgreader_free(r);
			return dc_fail(DKIMARC_EFORMAT, "%s", NOT_MAIL_TEXT);
		}
		r->headn = (size_t)k;
		r->total = (uint64_t)k;
		if (r->total > it->max) {
			dkimarc_msgreader_free(r);
			return dc_fail(DKIMARC_ELIMIT,
			               "%s grew past the limit of %" PRIu64 " bytes while read; "
			               "not verified",
			               it->path, it->max);
		}
		r->at_end = k < READ_CHUNK && r->total == r->size;
	}
	r->whole = it->whole;
	r->pos = it->start;
	r->left = it->size;
	r->max = it->max;
	r->unquote = !it->whole && it->quoting != DKIMARC_MBOX_NONE;
	if (r->unquote) {
		da_unquote_init(&r->uq, it->quoting);
		if (!(r->raw = malloc(READ_CHUNK))) {
			dkimarc_msgreader_free(r);
			return dc_fail(DKIMARC_ENOMEM, "out of memory");
		}
	}
	*out = r;
	return DKIMARC_OK;
}

/* Reads raw bytes: the file to its end, or the rest of the mbox range. */
static int read_raw(dkimarc_msgreader *r, char *buf, size_t cap, size_t *n)
{
	ssize_t k;

	*n = 0;
	if (r->whole) {
		if (r->headpos < r->headn) {
			size_t m = r->headn - r->headpos < cap ? r->headn - r->headpos : cap;
			memcpy(buf, r->head + r->headpos, m);
			r->headpos += m;
			*n = m;
			return DKIMARC_OK;
		}
		/*
		 * A regular file's read comes up short only at its end: when that end is
		 * the size it had when opened, one more read to see 0 bytes costs a
		 * system call per message and says nothing new.
		 */
		if (r->at_end)
			return DKIMARC_OK;
		do
			k = read(r->fd, buf, cap);
		while (k < 0 && errno == EINTR);
		if (k < 0)
			return dc_fail(dc_io_status(errno), "cannot read %s: %s", r->path,
			               strerror(errno));
		r->total += (uint64_t)k;
		r->at_end = k > 0 && (size_t)k < cap && r->total == r->size;
		if (r->total > r->max)
			return dc_fail(DKIMARC_ELIMIT,
			               "%s grew past the limit of %" PRIu64 " bytes while read; "
			               "not verified",
			               r->path, r->max);
		*n = (size_t)k;
		return DKIMARC_OK;
	}
	if (r->left == 0)
		return DKIMARC_OK;
	size_t want = r->left < cap ? (size_t)r->left : cap;
	do
		k = pread(r->fd, buf, want, (off_t)r->pos);
	while (k < 0 && errno == EINTR);
	if (k < 0)
		return dc_fail(dc_io_status(errno), "cannot read %s: %s", r->path, strerror(errno));
	if (k == 0)
		return dc_fail(DKIMARC_EIO,
		               "%s ends before the message at %" PRIu64
		               " does: the file changed since it was walked",
		               r->path, r->pos);
	r->pos += (uint64_t)k;
	r->left -= (uint64_t)k;
	*n = (size_t)k;
	return DKIMARC_OK;
}

int dkimarc_msgreader_read(dkimarc_msgreader *r, char *buf, size_t cap, size_t *n)
{
	int rc;

	if (!n)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_msgreader_read: n is NULL");
	*n = 0;
	if (!r || !buf || cap < 64)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_msgreader_read: bad arguments");
	if (r->ended)
		return DKIMARC_OK;
	if (!r->unquote) {
		rc = read_raw(r, buf, cap, n);
		if (rc == DKIMARC_OK && *n == 0)
			r->ended = true;
		return rc;
	}
	/* Un-quoting may drop bytes: loop until some come out or the input ends. */
	while (*n == 0) {
		size_t got, room = cap - 8;
		rc = read_raw(r, r->raw, room < READ_CHUNK ? room : READ_CHUNK, &got);
		if (rc != DKIMARC_OK)
			return rc;
		if (got == 0) {
			*n = da_unquote_end(&r->uq, buf);
			r->ended = true;
			return DKIMARC_OK;
		}
		*n = da_unquote_run(&r->uq, r->raw, got, buf);
	}
	return DKIMARC_OK;
}

void dkimarc_msgreader_free(dkimarc_msgreader *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	free(r->raw);
	free(r->head);
	free(r->path);
	free(r);
}

int dkimarc_corpus_item_verify(const dkimarc_ctx *ctx, const dkimarc_corpus_item *it,
                               dkimarc_report **out)
{
	dkimarc_msgreader *rd = NULL;
	dkimarc_verifier *v = NULL;
	char *buf = NULL, *own = NULL;
	int rc;

	if (!out)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_verify: out is NULL");
	*out = NULL;
	if (!ctx)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_item_verify: ctx is NULL");
	rc = dkimarc_corpus_item_open(it, &rd);
	if (rc != DKIMARC_OK)
		return rc;
	rc = dkimarc_verifier_new(ctx, &v);
	/* The bytes read at opening go in as they are, with no copy. */
	if (rc == DKIMARC_OK && rd->headpos < rd->headn) {
		rc = dkimarc_verifier_write(v, rd->head + rd->headpos, rd->headn - rd->headpos);
		rd->headpos = rd->headn;
	}
	/* The rest is read into that buffer again once it is given out, or into one of ours. */
	if (rc == DKIMARC_OK && !rd->at_end && !(buf = rd->head) &&
	    !(buf = own = malloc(READ_CHUNK)))
		rc = dc_fail(DKIMARC_ENOMEM, "out of memory");
	while (rc == DKIMARC_OK && buf) {
		size_t n;
		rc = dkimarc_msgreader_read(rd, buf, READ_CHUNK, &n);
		if (rc != DKIMARC_OK || n == 0)
			break;
		rc = dkimarc_verifier_write(v, buf, n);
	}
	if (rc == DKIMARC_OK)
		rc = dkimarc_verifier_finish(v, out);
	dkimarc_verifier_free(v);
	dkimarc_msgreader_free(rd);
	free(own);
	return rc;
}
