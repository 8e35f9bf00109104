/* The corpus walk's state, its items and their readers (corpus.c, item.c, item_json.c). */
#ifndef DKIMARC_CORPUS_WALK_H
#define DKIMARC_CORPUS_WALK_H

#include "corpus_internal.h"
#include "mbox.h"
#include "msg.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/types.h>

#define DEFAULT_MAX_MESSAGE (256u * 1024 * 1024)
#define HEAD_BYTES          (DA_MBOX_SEP_MAX + 1)
#define NOT_MAIL_TEXT       "does not begin like a mail message (no header field on its first line)"
#define READ_CHUNK          (64 * 1024)

struct dkimarc_corpus_item {
	dkimarc_item_kind kind;
	char *path;
	int64_t index;  /* number in the mbox, from 1 as mail readers count; -1 */
	int64_t offset; /* separator offset, -1 */
	uint64_t start; /* first byte in the file */
	uint64_t size;  /* bytes as stored */
	bool whole;     /* a file read to its end (size is what it had when walked) */
	bool unseen;    /* named as a message; whether it begins like one is checked on open */
	int quoting;
	uint64_t max;
	char *problem;
	char *note;
};

struct dkimarc_msgreader {
	int fd;
	char *path;
	bool whole;
	uint64_t pos, left; /* mbox: where to read next, bytes still to read */
	uint64_t total, max;
	uint64_t size; /* a whole file: its size when opened */
	bool unquote, ended;
	bool at_end; /* a whole file: a short read reached size; no read needed to see the end */
	da_unquote uq;
	char *raw;
	/*
	 * A whole file's first bytes (up to READ_CHUNK), read to see that it begins
	 * like mail: given out first. A small file is then read with one call.
	 */
	char *head;
	size_t headn, headpos;
};

/* One folder being walked. */
typedef struct {
	char *path;
	char **names;
	size_t n, i;
	bool maildir;     /* has cur/ and new/ */
	bool maildir_box; /* is a maildir's cur/, new/ or tmp/: files are messages */
} frame;

/* Folders walked, as (device, inode), so that none is walked twice. */
typedef struct {
	dev_t dev;
	ino_t ino;
	bool used;
} dirkey;

struct dkimarc_corpus {
	char **roots;
	size_t nroots, next_root;
	int quoting;
	bool follow;
	uint64_t max;
	bool started;
	char *root_real; /* realpath of the folder being walked */
	frame *stack;
	size_t depth, cap;
	dirkey *seen;
	size_t nseen, capseen;
	dirkey *excluded; /* files the caller writes: never items */
	size_t nexcluded;
	da_mbox *mb;
	char *mb_path;
	bool mb_pending; /* msg below waits behind a gap item */
	da_mbox_msg msg;
};

/* corpus.c's helpers that the items share. */
DA_HIDDEN char *dc_format(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
DA_HIDDEN int dc_problem(dkimarc_corpus *c, const char *path, dkimarc_item_kind kind,
                         dkimarc_corpus_item **out, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));
DA_HIDDEN dkimarc_item_kind dc_unreadable(int err);
DA_HIDDEN int dc_io_status(int err);
DA_HIDDEN bool dc_looks_like_mail(const char *head, size_t n);
DA_HIDDEN ssize_t dc_read_head(int fd, char head[HEAD_BYTES]);
DA_HIDDEN bool dc_inside(const char *real, const char *root);

#endif
