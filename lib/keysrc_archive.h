/* The archive key source's parts (keysrc_archive*.c): its tables, the loader, and
 * what the format readers share. */
#ifndef DKIMARC_KEYSRC_ARCHIVE_H
#define DKIMARC_KEYSRC_ARCHIVE_H

#include "dynbuf.h"
#include "internal.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Guards against hostile archives. */
#define MAX_LINE    (1024 * 1024) /* a physical line, or a zone record across lines */
#define MAX_TXT     (64 * 1024)   /* one record's TXT data */
#define MAX_NAME    253           /* DNS name, without the final dot */
#define MAX_CHARSTR 255           /* one character-string in a zone file */
/*
 * Cap of the loader's text buffers (a TXT being assembled, a zone record's
 * decoded tokens). They hold what is decoded from one line or zone record,
 * which the loader bounds at MAX_LINE first, so the cap is never the limit an
 * archive meets; the 64 KiB limit of a TXT stays in da_ar_store_txt, with its
 * message naming the record.
 */
#define MAX_DECODED MAX_LINE

enum mark { MARK_NONE = 0, MARK_NXDOMAIN, MARK_SERVFAIL, MARK_TIMEOUT };

static const char *const mark_names[] = {"", "NXDOMAIN", "SERVFAIL", "TIMEOUT"};

/* Everything stored under one name. */
typedef struct {
	char *name;
	uint64_t hash;
	dkimarc_keyrec *recs; /* txt, origin, source owned; file points into archive.files */
	size_t n, cap;
	enum mark mark; /* a simulated DNS failure from the vector format */
	const char *mark_file;
	unsigned long mark_line;
} entry;

/* A recovered record's provenance, by the line it was loaded from. */
typedef struct {
	const char *file; /* shared with archive.files */
	unsigned long line;
	da_recinfo info;
} recovered;

typedef struct {
	entry **slots; /* open addressing, linear probing; size a power of two */
	size_t nslots, nentries;
	size_t nrecs;
	struct arfile {
		char *name;      /* shared by the file's records */
		char sha256[65]; /* hex SHA-256 of its bytes, for reports */
		bool vector;     /* loaded as a test vector's (a rerun must say so) */
	} * files;               /* the files loaded, in order */
	size_t nfiles, files_cap;
	recovered *rv; /* the recovered records, in load order */
	size_t nrv, caprv;
} archive;

/* One change made by the current load, so a failed load can be undone. */
typedef struct {
	entry *e;
	bool mark;
} undo;

typedef struct {
	archive *a;
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned long lineno;
	undo *log;
	size_t nlog, logcap;
} loader;

typedef struct {
	const char *source;
	int64_t first_seen, last_seen, fetched_at;
	int dnssec;
	bool entry; /* line is an entry number of a JSON array, not a line */
} provenance;

static const provenance no_provenance = {NULL, -1, -1, -1, -1, false};

static inline bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static inline bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static inline char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of s[0..n) with a NUL-terminated word. */
static inline bool word_eq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n && w[i]; i++)
		if (lower(s[i]) != lower(w[i]))
			return false;
	return i == n && w[i] == '\0';
}

/* Shown in messages: at most 60 bytes of the offending text. */
static inline int show_len(size_t n)
{
	return n > 60 ? 60 : (int)n;
}

/* Buffers, messages, storing with undo, reading lines and strings (keysrc_archive.c). */
DA_HIDDEN int da_ar_put(const loader *ld, da_dyn *b, const char *s, size_t n);
DA_HIDDEN int da_ar_putc(const loader *ld, da_dyn *b, char c);
DA_HIDDEN int da_ar_fail_at(const loader *ld, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
DA_HIDDEN const char *da_ar_name_norm(const char *s, size_t n, char *out);
DA_HIDDEN void da_ar_recinfo_free(da_recinfo *ri);
DA_HIDDEN int da_ar_store_txt(loader *ld, const char *name, const char *txt, size_t txt_len,
                              unsigned long line, const provenance *pv);
DA_HIDDEN int da_ar_store_mark(loader *ld, const char *name, enum mark m, unsigned long line);
DA_HIDDEN int da_ar_next_line(loader *ld, const char **line, size_t *len);
DA_HIDDEN bool da_ar_blank(const char *s, size_t n);
DA_HIDDEN int da_ar_read_escape(loader *ld, const char *s, size_t n, size_t *i, da_dyn *b);
DA_HIDDEN int da_ar_read_quoted(loader *ld, const char *s, size_t n, size_t *i, da_dyn *b);
/* The format readers, one file each; the *_line tests serve detection. */
DA_HIDDEN int da_ar_parse_keyfile(loader *ld);
DA_HIDDEN int da_ar_parse_vector(loader *ld);
DA_HIDDEN bool da_ar_vector_line(const char *s, size_t n);
DA_HIDDEN int da_ar_parse_jsonl(loader *ld);
DA_HIDDEN int da_ar_parse_zkemail(loader *ld);
DA_HIDDEN int da_ar_parse_zone(loader *ld);
DA_HIDDEN bool da_ar_zone_line(const char *s, size_t n);

#endif
