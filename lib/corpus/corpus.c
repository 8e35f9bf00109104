/*
 * Corpus walking: paths to items (messages and reported problems), and the
 * readers that give a message item's bytes. Folders are walked depth first
 * in byte order of names, so a walk is the same on every run. The items and
 * their readers are in item.c, an item's JSON in item_json.c.
 */
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

/* ---- small helpers ------------------------------------------------------- */

static char *join(const char *dir, const char *name)
{
	size_t a = strlen(dir), b = strlen(name);
	bool slash = a > 0 && dir[a - 1] == '/';
	char *p = malloc(a + b + 2);
	if (!p)
		return NULL;
	memcpy(p, dir, a);
	if (!slash)
		p[a++] = '/';
	memcpy(p + a, name, b + 1);
	return p;
}

static char *vformat(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));

static char *vformat(const char *fmt, va_list ap)
{
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(NULL, 0, fmt, ap2);
	va_end(ap2);
	char *s = n < 0 ? NULL : malloc((size_t)n + 1);
	if (s)
		vsnprintf(s, (size_t)n + 1, fmt, ap);
	return s;
}

char *dc_format(const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	char *s = vformat(fmt, ap);
	va_end(ap);
	return s;
}

static int new_item(dkimarc_corpus *c, const char *path, dkimarc_item_kind kind,
                    dkimarc_corpus_item **out)
{
	dkimarc_corpus_item *it = calloc(1, sizeof *it);
	if (!it || !(it->path = dc_strdup(path))) {
		free(it);
		return dc_fail(DKIMARC_ENOMEM, "out of memory walking %s", path);
	}
	it->kind = kind;
	it->index = -1;
	it->offset = -1;
	it->quoting = DKIMARC_MBOX_NONE;
	it->max = c->max;
	*out = it;
	return DKIMARC_OK;
}

int dc_problem(dkimarc_corpus *c, const char *path, dkimarc_item_kind kind,
               dkimarc_corpus_item **out, const char *fmt, ...)
{
	va_list ap;
	int rc = new_item(c, path, kind, out);
	if (rc != DKIMARC_OK)
		return rc;
	va_start(ap, fmt);
	(*out)->problem = vformat(fmt, ap);
	va_end(ap);
	if (!(*out)->problem) {
		dkimarc_corpus_item_free(*out);
		*out = NULL;
		return dc_fail(DKIMARC_ENOMEM, "out of memory walking %s", path);
	}
	return DKIMARC_OK;
}

/*
 * What a failed call makes of a file: unreadable, unless memory ran out,
 * which says nothing of the file: then an error item (issue 16).
 */
dkimarc_item_kind dc_unreadable(int err)
{
	return err == ENOMEM ? DKIMARC_ITEM_ERROR : DKIMARC_ITEM_UNREADABLE;
}

/* The same for a reader's status. */
int dc_io_status(int err)
{
	return err == ENOMEM ? DKIMARC_ENOMEM : DKIMARC_EIO;
}

static const char *type_name(mode_t m)
{
	if (S_ISFIFO(m))
		return "a FIFO";
	if (S_ISSOCK(m))
		return "a socket";
	if (S_ISCHR(m) || S_ISBLK(m))
		return "a device";
	return "not a regular file";
}

/* ---- folders seen -------------------------------------------------------- */

static size_t dk_hash(dev_t d, ino_t i)
{
	uint64_t h = (uint64_t)d * 0x9e3779b97f4a7c15ull ^ (uint64_t)i * 0xc2b2ae3d27d4eb4full;
	return (size_t)(h ^ (h >> 31));
}

/* Records a folder; returns 1 if new, 0 if seen before, -1 out of memory. */
static int mark_seen(dkimarc_corpus *c, dev_t dev, ino_t ino)
{
	if ((c->nseen + 1) * 2 > c->capseen) {
		size_t cap = c->capseen ? c->capseen * 2 : 64;
		dirkey *t = calloc(cap, sizeof *t);
		if (!t)
			return -1;
		for (size_t i = 0; i < c->capseen; i++) {
			if (!c->seen[i].used)
				continue;
			size_t j = dk_hash(c->seen[i].dev, c->seen[i].ino) & (cap - 1);
			while (t[j].used)
				j = (j + 1) & (cap - 1);
			t[j] = c->seen[i];
		}
		free(c->seen);
		c->seen = t;
		c->capseen = cap;
	}
	size_t j = dk_hash(dev, ino) & (c->capseen - 1);
	while (c->seen[j].used) {
		if (c->seen[j].dev == dev && c->seen[j].ino == ino)
			return 0;
		j = (j + 1) & (c->capseen - 1);
	}
	c->seen[j] = (dirkey){dev, ino, true};
	c->nseen++;
	return 1;
}

/* ---- setup --------------------------------------------------------------- */

int dkimarc_corpus_new(dkimarc_corpus **out)
{
	if (!out)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_new: out is NULL");
	*out = calloc(1, sizeof **out);
	if (!*out)
		return dc_fail(DKIMARC_ENOMEM, "out of memory");
	(*out)->quoting = DKIMARC_MBOX_MBOXRD;
	(*out)->max = DEFAULT_MAX_MESSAGE;
	return DKIMARC_OK;
}

static int check_setup(const dkimarc_corpus *c, const char *fn)
{
	if (!c)
		return dc_fail(DKIMARC_EINVAL, "%s: corpus is NULL", fn);
	if (c->started)
		return dc_fail(DKIMARC_ESTATE, "%s: the walk has started", fn);
	return DKIMARC_OK;
}

int dkimarc_corpus_add_path(dkimarc_corpus *c, const char *path)
{
	int rc = check_setup(c, "dkimarc_corpus_add_path");
	if (rc != DKIMARC_OK)
		return rc;
	if (!path || !*path)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_add_path: empty path");
	char **r = realloc(c->roots, (c->nroots + 1) * sizeof *r);
	if (!r)
		return dc_fail(DKIMARC_ENOMEM, "out of memory");
	c->roots = r;
	if (!(c->roots[c->nroots] = dc_strdup(path)))
		return dc_fail(DKIMARC_ENOMEM, "out of memory");
	c->nroots++;
	return DKIMARC_OK;
}

int dkimarc_corpus_set_mbox_quoting(dkimarc_corpus *c, dkimarc_mbox_quoting q)
{
	int rc = check_setup(c, "dkimarc_corpus_set_mbox_quoting");
	if (rc != DKIMARC_OK)
		return rc;
	if (q != DKIMARC_MBOX_MBOXRD && q != DKIMARC_MBOX_MBOXO && q != DKIMARC_MBOX_NONE)
		return dc_fail(DKIMARC_EINVAL, "unknown mbox quoting %d", (int)q);
	c->quoting = q;
	return DKIMARC_OK;
}

int dkimarc_corpus_set_follow_symlinks(dkimarc_corpus *c, int follow)
{
	int rc = check_setup(c, "dkimarc_corpus_set_follow_symlinks");
	if (rc != DKIMARC_OK)
		return rc;
	c->follow = follow != 0;
	return DKIMARC_OK;
}

int dkimarc_corpus_set_max_message_bytes(dkimarc_corpus *c, uint64_t max)
{
	int rc = check_setup(c, "dkimarc_corpus_set_max_message_bytes");
	if (rc != DKIMARC_OK)
		return rc;
	if (max == 0)
		return dc_fail(DKIMARC_EINVAL, "the message size limit must be at least 1 byte");
	c->max = max;
	return DKIMARC_OK;
}

int dkimarc_corpus_exclude_fd(dkimarc_corpus *c, int fd)
{
	struct stat st;
	int rc = check_setup(c, "dkimarc_corpus_exclude_fd");
	if (rc != DKIMARC_OK)
		return rc;
	if (fd < 0)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_exclude_fd: fd < 0");
	if (fstat(fd, &st) != 0)
		return dc_fail(DKIMARC_EIO, "cannot stat descriptor %d: %s", fd, strerror(errno));
	dirkey *t = realloc(c->excluded, (c->nexcluded + 1) * sizeof *t);
	if (!t)
		return dc_fail(DKIMARC_ENOMEM, "out of memory");
	c->excluded = t;
	c->excluded[c->nexcluded++] = (dirkey){st.st_dev, st.st_ino, true};
	return DKIMARC_OK;
}

static bool is_excluded(const dkimarc_corpus *c, const struct stat *st)
{
	for (size_t i = 0; i < c->nexcluded; i++)
		if (c->excluded[i].dev == st->st_dev && c->excluded[i].ino == st->st_ino)
			return true;
	return false;
}

static void pop_frame(dkimarc_corpus *c)
{
	frame *f = &c->stack[--c->depth];
	for (size_t i = 0; i < f->n; i++)
		free(f->names[i]);
	free(f->names);
	free(f->path);
}

static void close_mbox(dkimarc_corpus *c)
{
	da_mbox_close(c->mb);
	c->mb = NULL;
	free(c->mb_path);
	c->mb_path = NULL;
	c->mb_pending = false;
}

void dkimarc_corpus_free(dkimarc_corpus *c)
{
	if (!c)
		return;
	close_mbox(c);
	while (c->depth)
		pop_frame(c);
	free(c->stack);
	for (size_t i = 0; i < c->nroots; i++)
		free(c->roots[i]);
	free(c->roots);
	free(c->root_real);
	free(c->seen);
	free(c->excluded);
	free(c);
}

/* ---- folders --------------------------------------------------------------- */

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static bool is_subdir(const char *dir, const char *name)
{
	struct stat st;
	char *p = join(dir, name);
	bool r = p && stat(p, &st) == 0 && S_ISDIR(st.st_mode);
	free(p);
	return r;
}

/*
 * Enters a folder: reads and sorts its names. Returns DKIMARC_OK (pushed),
 * 1 when it could not be read (*out is the problem item), or an error.
 */
static int push_dir(dkimarc_corpus *c, const char *path, bool maildir_box,
                    dkimarc_corpus_item **out)
{
	DIR *d = opendir(path);
	char **names = NULL;
	size_t n = 0, cap = 0;
	struct dirent *e;
	int rc;

	if (!d) {
		int err = errno;
		rc = dc_problem(c, path, dc_unreadable(err), out, "cannot open the folder: %s",
		                strerror(err));
		return rc == DKIMARC_OK ? 1 : rc;
	}
	for (;;) {
		errno = 0;
		e = readdir(d);
		if (!e)
			break;
		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		if (n == cap) {
			size_t nc = cap ? cap * 2 : 32;
			char **t = realloc(names, nc * sizeof *t);
			if (!t)
				goto nomem;
			names = t;
			cap = nc;
		}
		if (!(names[n] = dc_strdup(e->d_name)))
			goto nomem;
		n++;
	}
	if (errno) {
		int err = errno;
		closedir(d);
		for (size_t i = 0; i < n; i++)
			free(names[i]);
		free(names);
		rc = dc_problem(c, path, dc_unreadable(err), out, "cannot read the folder: %s",
		                strerror(err));
		return rc == DKIMARC_OK ? 1 : rc;
	}
	closedir(d);
	if (n > 1)
		qsort(names, n, sizeof *names, cmp_names);
	if (c->depth == c->cap) {
		size_t nc = c->cap ? c->cap * 2 : 8;
		frame *t = realloc(c->stack, nc * sizeof *t);
		if (!t)
			goto nomem_closed;
		c->stack = t;
		c->cap = nc;
	}
	frame *f = &c->stack[c->depth];
	memset(f, 0, sizeof *f);
	if (!(f->path = dc_strdup(path)))
		goto nomem_closed;
	f->names = names;
	f->n = n;
	f->maildir_box = maildir_box;
	f->maildir = !maildir_box && is_subdir(path, "cur") && is_subdir(path, "new");
	c->depth++;
	return DKIMARC_OK;
nomem:
	closedir(d);
nomem_closed:
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
	return dc_fail(DKIMARC_ENOMEM, "out of memory walking %s", path);
}

/* ---- files ------------------------------------------------------------------ */

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

/*
 * A header field name then ':', on the first line. RFC 5322 allows any
 * printable name, but names in use are letters, digits, '-' and '_' (RFC
 * 3864 §4.1); so a JSON Lines key archive ({"name":...) is not taken for mail.
 */
static bool looks_like_header(const char *p, size_t n)
{
	size_t i = 0;
	while (i < n && ((p[i] >= 'a' && p[i] <= 'z') || (p[i] >= 'A' && p[i] <= 'Z') ||
	                 (p[i] >= '0' && p[i] <= '9') || p[i] == '-' || p[i] == '_'))
		i++;
	return i > 0 && i < n && p[i] == ':';
}

bool dc_looks_like_mail(const char *head, size_t n)
{
	/* A leading "From " envelope line is skipped, as the verifier does. */
	size_t env = da_envelope_line(head, n, false);
	if (env == DA_NEED_MORE)
		return false;
	n -= env;
	head += env;
	return looks_like_header(head, n);
}

/*
 * A whole file as one message item, or too large to be one. unseen: the walk
 * did not read it; whoever opens it checks that it begins like mail.
 */
static int file_message(dkimarc_corpus *c, const char *path, const struct stat *st, bool unseen,
                        dkimarc_corpus_item **out)
{
	if ((uint64_t)st->st_size > c->max)
		return dc_problem(c, path, DKIMARC_ITEM_TOO_LARGE, out,
		                  "the message is %" PRIu64 " bytes, over the limit of %" PRIu64
		                  " bytes; not verified",
		                  (uint64_t)st->st_size, c->max);
	int rc = new_item(c, path, DKIMARC_ITEM_MESSAGE, out);
	if (rc == DKIMARC_OK) {
		(*out)->whole = true;
		(*out)->unseen = unseen;
		(*out)->size = (uint64_t)st->st_size;
	}
	return rc;
}

/* The head of a file, as much as the classification looks at. */
ssize_t dc_read_head(int fd, char head[HEAD_BYTES])
{
	ssize_t k;
	do
		k = pread(fd, head, HEAD_BYTES, 0);
	while (k < 0 && errno == EINTR);
	return k;
}

/*
 * A regular file (fd open on it): an mbox (opened, nothing returned yet:
 * *out stays NULL), or one item. Takes fd over.
 */
static int classify_file(dkimarc_corpus *c, const char *path, int fd, const struct stat *st,
                         bool maildir_box, dkimarc_corpus_item **out)
{
	char head[HEAD_BYTES];
	ssize_t k;
	int rc;

	if (st->st_size == 0) {
		close(fd);
		return dc_problem(c, path, DKIMARC_ITEM_EMPTY, out, "empty file");
	}
	k = dc_read_head(fd, head);
	if (k < 0) {
		int err = errno;
		close(fd);
		return dc_problem(c, path, dc_unreadable(err), out, "cannot read: %s",
		                  strerror(err));
	}
	size_t n = (size_t)k;
	const char *nl = memchr(head, '\n', n);
	size_t first = nl ? (size_t)(nl - head) : n;
	if (!maildir_box && !ends_with_ci(path, ".eml") && nl &&
	    da_mbox_is_separator(head, first)) {
		if (!(c->mb_path = dc_strdup(path))) {
			close(fd);
			return dc_fail(DKIMARC_ENOMEM, "out of memory walking %s", path);
		}
		rc = da_mbox_open(path, fd, &c->mb);
		if (rc != DKIMARC_OK) {
			free(c->mb_path);
			c->mb_path = NULL;
		}
		return rc;
	}
	close(fd);
	if (!dc_looks_like_mail(head, n))
		return dc_problem(c, path, DKIMARC_ITEM_NOT_MAIL, out, "%s", NOT_MAIL_TEXT);
	return file_message(c, path, st, false, out);
}

/*
 * A file that can only be one message, by its name (.eml) or its place (a
 * maildir): the walk needs no more than its size, and leaves opening it and
 * checking that it begins like mail to whoever reads it. In a scan that is
 * a worker thread, not the one thread that walks.
 */
static int named_message(dkimarc_corpus *c, const char *path, const struct stat *st,
                         dkimarc_corpus_item **out)
{
	if (st->st_size == 0)
		return dc_problem(c, path, DKIMARC_ITEM_EMPTY, out, "empty file");
	return file_message(c, path, st, true, out);
}

static int open_file(dkimarc_corpus *c, const char *path, bool maildir_box,
                     dkimarc_corpus_item **out)
{
	struct stat st;
	/* O_NONBLOCK: a FIFO put in place after the check must not hang the walk. */
	int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (fd < 0) {
		int err = errno;
		return dc_problem(c, path, dc_unreadable(err), out, "cannot open: %s",
		                  strerror(err));
	}
	if (fstat(fd, &st) != 0) {
		int err = errno;
		close(fd);
		return dc_problem(c, path, dc_unreadable(err), out, "cannot stat: %s",
		                  strerror(err));
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return dc_problem(c, path, DKIMARC_ITEM_UNREADABLE, out,
		                  "%s, not a regular file; not read", type_name(st.st_mode));
	}
	return classify_file(c, path, fd, &st, maildir_box, out);
}

/* ---- the walk ------------------------------------------------------------------ */

bool dc_inside(const char *real, const char *root)
{
	size_t n = strlen(root);
	if (n == 1 && root[0] == '/')
		return true;
	return strncmp(real, root, n) == 0 && (real[n] == '\0' || real[n] == '/');
}

/*
 * One entry of a folder (or a root path when root is true). Sets *out to an
 * item, or leaves it NULL when the entry was entered (folder or mbox).
 */
static int visit(dkimarc_corpus *c, const char *path, bool root, bool maildir_box,
                 dkimarc_corpus_item **out)
{
	struct stat st;
	int rc;

	*out = NULL;
	if (lstat(path, &st) != 0) {
		int err = errno;
		return dc_problem(c, path, dc_unreadable(err), out, "cannot read: %s",
		                  strerror(err));
	}
	if (S_ISLNK(st.st_mode)) {
		char *real = realpath(path, NULL);
		if (!real) {
			int err = errno;
			if (err == ENOENT)
				return dc_problem(c, path, DKIMARC_ITEM_UNREADABLE, out,
				                  "dangling symlink: its target does not exist");
			return dc_problem(c, path, dc_unreadable(err), out,
			                  "cannot follow the symlink: %s", strerror(err));
		}
		if (!root && !c->follow && c->root_real && !dc_inside(real, c->root_real)) {
			rc = dc_problem(c, path, DKIMARC_ITEM_SKIPPED, out,
			                "symlink to %s, out of the scanned folder; not followed",
			                real);
			free(real);
			return rc;
		}
		free(real);
		if (stat(path, &st) != 0) {
			int err = errno;
			return dc_problem(c, path, dc_unreadable(err), out, "cannot read: %s",
			                  strerror(err));
		}
	}
	if (S_ISDIR(st.st_mode)) {
		int seen = mark_seen(c, st.st_dev, st.st_ino);
		if (seen < 0)
			return dc_fail(DKIMARC_ENOMEM, "out of memory walking %s", path);
		if (seen == 0)
			return dc_problem(
			    c, path, DKIMARC_ITEM_SKIPPED, out,
			    "folder already walked (reached again through a symlink)");
		if (root) {
			free(c->root_real);
			c->root_real = realpath(path, NULL);
			if (!c->root_real) {
				int err = errno;
				return dc_problem(c, path, dc_unreadable(err), out,
				                  "cannot resolve the folder: %s", strerror(err));
			}
		}
		bool box = false;
		if (c->depth && c->stack[c->depth - 1].maildir) {
			const char *base = strrchr(path, '/');
			base = base ? base + 1 : path;
			box = strcmp(base, "cur") == 0 || strcmp(base, "new") == 0 ||
			      strcmp(base, "tmp") == 0;
		}
		rc = push_dir(c, path, box, out);
		return rc == 1 ? DKIMARC_OK : rc;
	}
	if (!S_ISREG(st.st_mode))
		return dc_problem(c, path, DKIMARC_ITEM_UNREADABLE, out,
		                  "%s, not a regular file; not read", type_name(st.st_mode));
	if (is_excluded(c, &st))
		return DKIMARC_OK; /* the caller's own output: not part of the corpus */
	if (maildir_box || ends_with_ci(path, ".eml"))
		return named_message(c, path, &st, out);
	return open_file(c, path, maildir_box, out);
}

/* The next item of the open mbox, or NULL (*out) when it has ended. */
static int mbox_item(dkimarc_corpus *c, dkimarc_corpus_item **out)
{
	da_mbox_msg *m = &c->msg;
	int rc;

	*out = NULL;
	if (!c->mb_pending) {
		rc = da_mbox_next(c->mb, m);
		if (rc == 0) {
			close_mbox(c);
			return DKIMARC_OK;
		}
		if (rc < 0) {
			if (rc == DKIMARC_ENOMEM)
				return rc;
			uint64_t at = da_mbox_offset(c->mb);
			rc = dc_problem(c, c->mb_path, DKIMARC_ITEM_MBOX_MALFORMED, out, "%s",
			                dkimarc_last_error());
			if (rc == DKIMARC_OK)
				(*out)->offset = (int64_t)at;
			close_mbox(c);
			return rc;
		}
		if (m->gap) {
			c->mb_pending = true;
			rc = dc_problem(c, c->mb_path, DKIMARC_ITEM_MBOX_MALFORMED, out,
			                "%" PRIu64 " byte%s before offset %" PRIu64
			                " belong%s to no message; not verified",
			                m->gap, m->gap == 1 ? "" : "s", m->sep,
			                m->gap == 1 ? "s" : "");
			if (rc == DKIMARC_OK)
				(*out)->offset = (int64_t)(m->sep - m->gap);
			return rc;
		}
	}
	c->mb_pending = false;
	uint64_t size = m->end - m->start;
	if (size == 0)
		rc = dc_problem(c, c->mb_path, DKIMARC_ITEM_EMPTY, out, "empty mbox message");
	else if (size > c->max)
		rc = dc_problem(c, c->mb_path, DKIMARC_ITEM_TOO_LARGE, out,
		                "the message is %" PRIu64 " bytes, over the limit of %" PRIu64
		                " bytes; not verified",
		                size, c->max);
	else
		rc = new_item(c, c->mb_path, DKIMARC_ITEM_MESSAGE, out);
	if (rc != DKIMARC_OK)
		return rc;
	dkimarc_corpus_item *it = *out;
	it->index = (int64_t)m->index + 1; /* from 1, as mutt and mailx number them */
	it->offset = (int64_t)m->sep;
	if (it->kind == DKIMARC_ITEM_MESSAGE) {
		it->start = m->start;
		it->size = size;
		it->quoting = c->quoting;
	}
	if (m->rejected) {
		it->note =
		    dc_format("%" PRIu64 " line%s beginning \"From \" inside, the first at offset "
		              "%" PRIu64 ", %s not taken as mbox separator%s: no sender and date",
		              m->rejected, m->rejected == 1 ? "" : "s", m->first_rejected,
		              m->rejected == 1 ? "was" : "were", m->rejected == 1 ? "" : "s");
		if (!it->note) {
			dkimarc_corpus_item_free(it);
			*out = NULL;
			return dc_fail(DKIMARC_ENOMEM, "out of memory");
		}
	}
	return DKIMARC_OK;
}

int dkimarc_corpus_next(dkimarc_corpus *c, dkimarc_corpus_item **out)
{
	int rc;

	if (!out)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_next: out is NULL");
	*out = NULL;
	if (!c)
		return dc_fail(DKIMARC_EINVAL, "dkimarc_corpus_next: corpus is NULL");
	c->started = true;
	for (;;) {
		if (c->mb) {
			rc = mbox_item(c, out);
			if (rc != DKIMARC_OK || *out)
				return rc;
			continue;
		}
		if (c->depth) {
			frame *f = &c->stack[c->depth - 1];
			if (f->i == f->n) {
				pop_frame(c);
				continue;
			}
			char *path = join(f->path, f->names[f->i++]);
			if (!path)
				return dc_fail(DKIMARC_ENOMEM, "out of memory walking %s", f->path);
			rc = visit(c, path, false, f->maildir_box, out);
			free(path);
			if (rc != DKIMARC_OK || *out)
				return rc;
			continue;
		}
		if (c->next_root == c->nroots)
			return DKIMARC_OK;
		free(c->root_real);
		c->root_real = NULL;
		rc = visit(c, c->roots[c->next_root++], true, false, out);
		if (rc != DKIMARC_OK || *out)
			return rc;
	}
}
