/**
 * @file
 * Corpus reading: folders, maildirs and mbox files walked into items to
 * verify. Its functions live in a library of their own, libdkimarc-corpus
 * (pkg-config dkimarc-corpus, CMake dkimarc::corpus), which links GMime;
 * the verifying core, libdkimarc, does not.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_CORPUS_H
#define DKIMARC_PUBLIC_CORPUS_H

#include "verify.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Corpus reading: folders, maildir, mbox                               */
/* ------------------------------------------------------------------ */

/*
 * A corpus is a list of paths walked in a fixed order: each path in the
 * order added; a folder recursively, entries sorted by name (byte order),
 * depth first; an mbox message by message. What each path is (folder,
 * maildir, mbox, single message) is recognised from the file system and
 * the content, without flags. Every file or message gives one item: a
 * message to verify, or a problem (unreadable, too large, not mail...)
 * that is reported, never skipped silently. See docs/scan.md.
 *
 * Threads: a corpus belongs to one thread; the items it gives are
 * independent objects that may be passed to, read and freed in any thread.
 */

/** How ">From " lines inside mbox messages are read back (docs/scan.md). */
typedef enum {
	DKIMARC_MBOX_MBOXRD = 0, /**< ">From ", ">>From ", ...: one '>' removed (default) */
	DKIMARC_MBOX_MBOXO = 1,  /**< only ">From " becomes "From " */
	DKIMARC_MBOX_NONE = 2,   /**< the bytes as stored */
} dkimarc_mbox_quoting;

/** What a corpus item is. */
typedef enum {
	DKIMARC_ITEM_MESSAGE = 0,        /**< a message, to verify */
	DKIMARC_ITEM_UNREADABLE = 1,     /**< cannot be opened or read (permissions, dangling
	                                      symlink, FIFO or device, I/O error) */
	DKIMARC_ITEM_TOO_LARGE = 2,      /**< a message over the size limit: not read */
	DKIMARC_ITEM_MBOX_MALFORMED = 3, /**< part of an mbox that is not a message */
	DKIMARC_ITEM_EMPTY = 4,          /**< an empty file or an empty mbox message */
	DKIMARC_ITEM_NOT_MAIL = 5,       /**< a file that does not begin like a message */
	DKIMARC_ITEM_SKIPPED = 6,        /**< not followed: a symlink out of the scanned tree,
	                                      or a folder already walked (a loop) */
	DKIMARC_ITEM_ERROR = 7,          /**< an item the library failed on (out of memory,
	                                      crypto library): an error, not a verdict */
} dkimarc_item_kind;

/** A walk over paths. Opaque. */
typedef struct dkimarc_corpus dkimarc_corpus;
/** One file, mbox message or problem found by a walk. Opaque. */
typedef struct dkimarc_corpus_item dkimarc_corpus_item;
/** The bytes of one message item, as they are to be verified. Opaque. */
typedef struct dkimarc_msgreader dkimarc_msgreader;

/**
 * Makes an empty corpus in *out (free with dkimarc_corpus_free()): mbox
 * quoting mboxrd, symlinks out of the tree not followed, messages up to
 * 256 MiB. Errors: DKIMARC_EINVAL (NULL out), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_new(dkimarc_corpus **out);
/**
 * Adds a path (copied): a folder, a maildir, an mbox or a single message. A
 * path that does not exist is reported as an unreadable item by the walk.
 * Call before the first dkimarc_corpus_next(). Errors: DKIMARC_EINVAL (NULL
 * or empty path), DKIMARC_ESTATE (walk started), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_add_path(dkimarc_corpus *c, const char *path);
/** Sets how mbox messages are un-quoted. Errors: DKIMARC_EINVAL, DKIMARC_ESTATE. */
DKIMARC_API int dkimarc_corpus_set_mbox_quoting(dkimarc_corpus *c, dkimarc_mbox_quoting q);
/**
 * Non-zero: follow symlinks that lead out of the folder given as a path (by
 * default they are reported as DKIMARC_ITEM_SKIPPED). Symlinks inside the
 * tree and paths given directly are always followed; a folder is never
 * walked twice. Errors: DKIMARC_EINVAL, DKIMARC_ESTATE.
 */
DKIMARC_API int dkimarc_corpus_set_follow_symlinks(dkimarc_corpus *c, int follow);
/**
 * Largest message read, in bytes as stored (default 256 MiB); a larger one
 * is an item DKIMARC_ITEM_TOO_LARGE, never truncated. Errors: DKIMARC_EINVAL
 * (NULL, 0), DKIMARC_ESTATE.
 */
DKIMARC_API int dkimarc_corpus_set_max_message_bytes(dkimarc_corpus *c, uint64_t max);
/**
 * Leaves the file open on fd out of the walk, wherever and under whatever
 * name it is met (the same file by device and inode), without an item: for
 * the files a caller writes while it walks, such as a scan's own output
 * inside the corpus, so that a second run does not read the first one's.
 * Errors: DKIMARC_EINVAL (NULL, fd < 0), DKIMARC_EIO (fd cannot be
 * fstat'd), DKIMARC_ENOMEM, DKIMARC_ESTATE.
 */
DKIMARC_API int dkimarc_corpus_exclude_fd(dkimarc_corpus *c, int fd);
/**
 * The next item of the walk in *out (free with dkimarc_corpus_item_free()),
 * or NULL at the end. Problems with the files are items, not errors. A file
 * that can only be a message, by its name (.eml) or its place (a maildir), is
 * a message item on its size alone: whether it can be opened and begins like
 * mail is found when it is read (dkimarc_corpus_item_open()), so that the
 * walk, which a scan does on one thread, never reads it. Errors:
 * DKIMARC_EINVAL, DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_next(dkimarc_corpus *c, dkimarc_corpus_item **out);
/** Frees a corpus (items already given stay valid). Accepts NULL. */
DKIMARC_API void dkimarc_corpus_free(dkimarc_corpus *c);

/** Stable name of an item kind: "message", "unreadable", "too_large", ...; static. */
DKIMARC_API const char *dkimarc_item_kind_str(dkimarc_item_kind k);
/** What the item is; DKIMARC_ITEM_UNREADABLE for NULL. */
DKIMARC_API dkimarc_item_kind dkimarc_corpus_item_kind(const dkimarc_corpus_item *it);
/** The file's path: the corpus path joined with the names walked. Owned by it. */
DKIMARC_API const char *dkimarc_corpus_item_path(const dkimarc_corpus_item *it);
/**
 * Number of the message in its mbox, counting from 1 as mail readers (mutt,
 * mailx) do: the same number the scan's text, JSON, CSV and HTML show;
 * -1 when not in an mbox.
 */
DKIMARC_API int64_t dkimarc_corpus_item_index(const dkimarc_corpus_item *it);
/**
 * Byte offset of the message's "From " separator in its mbox (for an mbox
 * problem, where the bad part starts); -1 when not in an mbox.
 */
DKIMARC_API int64_t dkimarc_corpus_item_offset(const dkimarc_corpus_item *it);
/** Size of the message in bytes as stored (before un-quoting); 0 for problems. */
DKIMARC_API uint64_t dkimarc_corpus_item_size(const dkimarc_corpus_item *it);
/** For a problem, a sentence saying what and why (owned by it); NULL for a message. */
DKIMARC_API const char *dkimarc_corpus_item_problem(const dkimarc_corpus_item *it);
/**
 * A remark on a message that a reader should know (owned by it), e.g. lines
 * beginning "From " inside an mbox message that were not taken as
 * separators; NULL when none.
 */
DKIMARC_API const char *dkimarc_corpus_item_note(const dkimarc_corpus_item *it);
/**
 * Turns a message item into a problem found while reading it, so that it is
 * reported as one: e.g. DKIMARC_ITEM_UNREADABLE after
 * dkimarc_corpus_item_verify() failed with DKIMARC_EIO, DKIMARC_ITEM_TOO_LARGE
 * after DKIMARC_ELIMIT, DKIMARC_ITEM_NOT_MAIL after DKIMARC_EFORMAT,
 * DKIMARC_ITEM_ERROR after DKIMARC_ENOMEM or DKIMARC_ECRYPTO. text
 * (copied) says why. Errors: DKIMARC_EINVAL (NULL, kind
 * DKIMARC_ITEM_MESSAGE), DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_item_set_problem(dkimarc_corpus_item *it, dkimarc_item_kind kind,
                                                const char *text);
/** Frees an item. Accepts NULL. */
DKIMARC_API void dkimarc_corpus_item_free(dkimarc_corpus_item *it);

/**
 * Opens a message item for reading its bytes: the file, or the mbox
 * message un-quoted as the corpus says. Free *out with
 * dkimarc_msgreader_free(). Errors: DKIMARC_EINVAL (not a message item),
 * DKIMARC_EIO (cannot open), DKIMARC_EFORMAT (a file taken for a message on
 * its name or place does not begin like mail: report the item as
 * DKIMARC_ITEM_NOT_MAIL with dkimarc_corpus_item_set_problem()),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_item_open(const dkimarc_corpus_item *it, dkimarc_msgreader **out);
/**
 * Reads up to cap (>= 64) bytes into buf; *n is 0 at the end of the message.
 * Errors: DKIMARC_EINVAL, DKIMARC_EIO (read error, or the file changed),
 * DKIMARC_ELIMIT (a file grew past the size limit while read: nothing is
 * truncated silently).
 */
DKIMARC_API int dkimarc_msgreader_read(dkimarc_msgreader *r, char *buf, size_t cap, size_t *n);
/** Frees a reader. Accepts NULL. */
DKIMARC_API void dkimarc_msgreader_free(dkimarc_msgreader *r);
/**
 * Verifies a message item, streaming its bytes through a verifier (memory
 * stays flat). On DKIMARC_OK *out is a report to free. Errors: those of
 * dkimarc_corpus_item_open(), dkimarc_msgreader_read() and the verifier.
 * Thread-safe for distinct items (the context is shared read-only).
 */
DKIMARC_API int dkimarc_corpus_item_verify(const dkimarc_ctx *ctx, const dkimarc_corpus_item *it,
                                           dkimarc_report **out);
/**
 * Renders an item as one line of JSON (no newline) into *out (release it
 * with dkimarc_free()): for a
 * message, report r as dkimarc_report_json() does, with "index" and "offset"
 * (null outside an mbox) after "file" and a final "note"; for a problem (r
 * NULL), {"file","index","offset","problem","problem_text","note"}. See
 * docs/scan.md. Errors: DKIMARC_EINVAL (no report for a message),
 * DKIMARC_ENOMEM.
 */
DKIMARC_API int dkimarc_corpus_item_json(const dkimarc_corpus_item *it, const dkimarc_report *r,
                                         char **out);
/**
 * As dkimarc_corpus_item_json(), with file (when not NULL) as the value of
 * "file" instead of the item's path (a stream copied to a temporary file is
 * reported under the name the user gave), and the ntrail members of trail
 * (dkimarc_report_json_ext()) at the end of the object, after "note".
 * Errors: as dkimarc_report_json_ext().
 */
DKIMARC_API int dkimarc_corpus_item_json_ext(const dkimarc_corpus_item *it, const dkimarc_report *r,
                                             const char *file, const dkimarc_json_member *trail,
                                             size_t ntrail, char **out);

#ifdef __cplusplus
}
#endif
#endif
