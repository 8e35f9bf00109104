/*
 * Findings about a key that come from outside the key: a prime it shares
 * with another key (batchgcd.h), its private key made public (revealed.c).
 * A context holds them by key fingerprint (SHA-256 of the
 * SubjectPublicKeyInfo), made at setup and only read afterwards; keyfetch.c
 * consults them for every signature. Also the readers that give the keys to
 * check: every record a key source holds without asking the network
 * (keyenum.c), and revealed key files (revealed.c).
 */
#ifndef DKIMARC_KEYMARKS_H
#define DKIMARC_KEYMARKS_H

#include "internal.h"

typedef struct {
	unsigned char fp[32];
	dkimarc_reason reason; /* key_shared_prime or key_private_published */
	int64_t published;     /* key_private_published: when, or -1 when not said */
	char *text;            /* the finding's sentence */
} da_keymark;

typedef struct da_keymarks {
	da_keymark *v; /* sorted by fp once da_keymarks_sort() ran */
	size_t n, cap;
} da_keymarks;

/* Adds a mark (text copied). Returns 0 or -1 (memory). */
DA_HIDDEN int da_keymarks_add(da_keymarks *m, const unsigned char fp[32], dkimarc_reason r,
                              int64_t published, const char *text);
DA_HIDDEN void da_keymarks_sort(da_keymarks *m);
/* The mark of reason r for the key fp, or NULL; m sorted. */
DA_HIDDEN const da_keymark *da_keymarks_find(const da_keymarks *m, const unsigned char fp[32],
                                             dkimarc_reason r);
DA_HIDDEN void da_keymarks_free(da_keymarks *m);

/* ---- keyenum.c ------------------------------------------------------------------- */

typedef int (*da_record_fn)(void *arg, const char *name, const dkimarc_keyrec *rec);
/*
 * Calls fn for every record src holds without asking the network: every
 * archive's records, the answers a prefetching source fetched, through
 * chains. Stops at fn's first non-zero return and returns it; 0 otherwise.
 */
DA_HIDDEN int da_keysrc_foreach(const dkimarc_keysrc *src, da_record_fn fn, void *arg);
/* The archive's part (keysrc_archive.c); 0 when src is not an archive. */
DA_HIDDEN int da_archive_foreach(const dkimarc_keysrc *src, da_record_fn fn, void *arg);
/*
 * Whether archive file i (numbered as dkimarc_keysrc_archive_file()) was
 * loaded as a test vector's (dkimarc_keysrc_archive_load_vector()): a rerun
 * must load it so (runinfo.c).
 */
DA_HIDDEN bool da_archive_file_is_vector(const dkimarc_keysrc *src, size_t i);
/* The prefetching source's part (keyprefetch.c); 0 when src is not one. */
DA_HIDDEN int da_prefetch_foreach(const dkimarc_keysrc *src, da_record_fn fn, void *arg);

/* ---- revealed.c ------------------------------------------------------------------ */

/*
 * One private key of a revealed file: its public key's fingerprint, the
 * publication date said before it (-1 when none), the source said (or NULL),
 * its file and line.
 */
typedef int (*da_revealed_fn)(void *arg, const unsigned char fp[32], int64_t published,
                              const char *source, const char *file, unsigned long line);
/*
 * Reads a revealed-keys file (docs/keys.md): PEM private keys, with
 * "# published: DATE" and "# source: TEXT" lines for the keys after them.
 * Returns 0, fn's non-zero return, or a DKIMARC_E* status with the message
 * naming file and line (EFORMAT: a block that is not a usable private key).
 */
DA_HIDDEN int da_revealed_parse(const char *file, const char *data, size_t len, da_revealed_fn fn,
                                void *arg);
/* Reads path whole (at most 64 MiB) into *data (free it). DKIMARC_OK or an error. */
DA_HIDDEN int da_read_file(const char *path, char **data, size_t *len);

#endif
