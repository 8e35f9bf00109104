/* Internal interfaces between the files of lib/. Nothing here is public. */
#ifndef DKIMARC_INTERNAL_H
#define DKIMARC_INTERNAL_H

#include "dkimarc.h"
#include "utf8.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DA_HIDDEN __attribute__((visibility("hidden")))

/* ---- error.c: per-thread last error ------------------------------------- */

/* Records a formatted message for dkimarc_last_error() and returns status. */
DA_HIDDEN int da_fail(int status, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
DA_HIDDEN void da_clear_error(void);

/* ---- free.c: text handed to the caller (outbuf.h) ------------------------ */

/*
 * The end of a public function that returns text in *out: with rc
 * DKIMARC_OK, makes *out a buffer for dkimarc_free() (DKIMARC_ENOMEM when
 * that fails); with another rc, sets *out NULL. Returns the status.
 */
DA_HIDDEN int da_give(int rc, char **out);
/*
 * A step that returns a dkimarc_reason (parsing a signature or a key record,
 * decoding or fetching a key) says that it failed inside, on memory or in the
 * crypto library, with one of these. They are never results: the caller
 * returns da_reason_status() and no report carries them (issue 16).
 */
#define DA_REASON_ENOMEM  ((dkimarc_reason)-1)
#define DA_REASON_ECRYPTO ((dkimarc_reason)-2)

/* DKIMARC_ENOMEM or DKIMARC_ECRYPTO for those; DKIMARC_OK for a reason that is a result. */
static inline int da_reason_status(dkimarc_reason r)
{
	return r == DA_REASON_ENOMEM    ? DKIMARC_ENOMEM
	       : r == DA_REASON_ECRYPTO ? DKIMARC_ECRYPTO
	                                : 0;
}

/* The sentinel for an error status (DKIMARC_ECRYPTO, else DKIMARC_ENOMEM). */
static inline dkimarc_reason da_status_reason(int status)
{
	return status == DKIMARC_ECRYPTO ? DA_REASON_ECRYPTO : DA_REASON_ENOMEM;
}

/* ---- jsondump.c: jansson values as text --------------------------------- */

struct json_t;
/* json_dumps(), but NULL whenever a write failed (never text with bytes missing); free(). */
DA_HIDDEN char *da_json_dumps(const struct json_t *j, size_t flags);
/* da_utf8_valid(): whether s is UTF-8 as jansson takes it (utf8.h). */

/* ---- tags.c: RFC 6376 §3.2 tag=value lists ------------------------------ */

#define DA_MAX_TAGS 128

typedef struct {
	const char *name; /* points into the input */
	size_t name_len;
	const char *val; /* leading/trailing FWS trimmed, inner FWS kept */
	size_t val_len;
	size_t val_off; /* offset of the (untrimmed) value start in the input */
	size_t val_end; /* offset just past the untrimmed value (at ';' or end) */
} da_tag;

typedef struct {
	da_tag tags[DA_MAX_TAGS];
	size_t n;
} da_taglist;

/*
 * Parses a tag list. Returns 0, or -1 with a human reason in err (duplicate
 * tag, tag without '=', invalid character, too many tags).
 */
DA_HIDDEN int da_tags_parse(const char *s, size_t len, da_taglist *out, char *err, size_t errlen);
/* The tag named exactly name (case-sensitive), or NULL. */
DA_HIDDEN const da_tag *da_tags_get(const da_taglist *tl, const char *name);
/* Copies v without any whitespace (SP, HTAB, CR, LF) into out (>= n bytes); returns length. */
DA_HIDDEN size_t da_strip_ws(const char *v, size_t n, char *out);

/* ---- keyrec.c: RFC 6376 §3.6.1 key records ------------------------------ */

enum { DA_KEY_RSA = 1, DA_KEY_ED25519 = 2 };
enum { DA_HASH_SHA1 = 1, DA_HASH_SHA256 = 2 };

typedef struct {
	int key_type;       /* DA_KEY_* (k=, default rsa) */
	unsigned hashes;    /* DA_HASH_* bits allowed by h= (all if absent) */
	bool revoked;       /* p= empty */
	bool testing;       /* t=y */
	bool strict;        /* t=s */
	bool service_email; /* s= absent, "*", or lists "email" */
	unsigned char *pk;  /* decoded p= (malloc'd), NULL if revoked */
	size_t pk_len;
} da_keyrec;

/*
 * Parses a key record. Returns DKIMARC_REASON_OK, or DKIMARC_REASON_KEY_SYNTAX
 * with a human reason in err (bad v=, unknown k=, p= not base64, ...).
 * A revoked key (empty p=) parses OK with revoked set. Out of memory:
 * DA_REASON_ENOMEM.
 */
DA_HIDDEN dkimarc_reason da_keyrec_parse(const char *txt, size_t len, da_keyrec *out, char *err,
                                         size_t errlen);
DA_HIDDEN void da_keyrec_clear(da_keyrec *k);

/* ---- base64.c: strict base64 through OpenSSL ----------------------------- */

/*
 * Strict base64: whitespace already removed; padding checked. malloc'd out.
 * Returns 0, -1 when s is not base64, or -2 when out of memory.
 */
DA_HIDDEN int da_b64_decode(const char *s, size_t n, unsigned char **out, size_t *outlen);
/* Base64 with padding, no line breaks; malloc'd, NUL-terminated; NULL when out of memory. */
DA_HIDDEN char *da_b64_encode(const unsigned char *p, size_t n);

/* ---- canon.c: RFC 6376 §3.4 canonicalization, streaming ----------------- */

typedef enum { DA_CANON_SIMPLE = 0, DA_CANON_RELAXED = 1 } da_canon;

/* Receives canonical output in runs (never byte by byte). */
typedef void (*da_sink)(void *arg, const char *p, size_t n);

/*
 * Canonicalizes one header field: field is its raw bytes from the name to
 * the end of the last line, folding kept, without the final CRLF. Emits
 * the canonical field, followed by CRLF when crlf is true.
 */
DA_HIDDEN void da_canon_header(da_canon c, const char *field, size_t len, bool crlf, da_sink sink,
                               void *arg);

/* Streaming body canonicalizer; state is a few counters, no buffers. */
typedef struct {
	da_canon canon;
	da_sink sink;
	void *arg;
	uint64_t pending_crlf; /* empty lines held back until non-empty content */
	bool pending_wsp;      /* relaxed: whitespace held back within a line */
	bool cr;               /* last byte seen was CR (may pair with next LF) */
	bool line_has_data;    /* current line has content */
	bool any;              /* any content emitted */
} da_body_canon;

DA_HIDDEN void da_body_canon_init(da_body_canon *bc, da_canon c, da_sink sink, void *arg);
/* Body bytes as stored (CRLF line ends); chunks may split anywhere. */
DA_HIDDEN void da_body_canon_update(da_body_canon *bc, const char *p, size_t n);
DA_HIDDEN void da_body_canon_final(da_body_canon *bc);

/* A body hash: canonicalizer + digest limited to l= bytes. */
typedef struct {
	da_body_canon bc;
	EVP_MD_CTX *md;
	int64_t limit;  /* l=, or -1 for the whole body */
	uint64_t total; /* canonical body length, whole body */
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len;
} da_bodyhash;

/* hash is DA_HASH_SHA1 or DA_HASH_SHA256. Returns 0 or -1 (OpenSSL failure). */
DA_HIDDEN int da_bodyhash_init(da_bodyhash *bh, da_canon c, int hash, int64_t limit);
DA_HIDDEN void da_bodyhash_update(da_bodyhash *bh, const char *p, size_t n);
DA_HIDDEN int da_bodyhash_final(da_bodyhash *bh);
DA_HIDDEN void da_bodyhash_clear(da_bodyhash *bh);

/* ---- keysrc.c: key source plumbing -------------------------------------- */

struct dkimarc_keysrc {
	const dkimarc_keysrc_ops *ops;
	void *impl;
};

struct dkimarc_answer {
	dkimarc_lookup_status status;
	dkimarc_keyrec *recs; /* strings deep-copied, owned */
	size_t n, cap;
	char *why;
	const char *kind; /* kind of the source that answered (a chain's member), static */
};

DA_HIDDEN int da_answer_new(dkimarc_answer **out);
/*
 * A key source around the library's own ops and impl, in *out. On failure
 * impl stays the caller's (dkimarc_keysrc_new_custom() takes it either way).
 */
DA_HIDDEN int da_keysrc_wrap(dkimarc_keysrc **out, const dkimarc_keysrc_ops *ops, void *impl);

/* keysrc_archive.c: what an archive line says of a recovered key (docs/keys.md). */
typedef struct {
	size_t signatures; /* signatures the key verified when it was recovered; 0 unknown */
	char **b;          /* the start of b= of each signature listed in "recovered_from" */
	size_t nb;
} da_recinfo;

/*
 * The recovered record loaded from file:line into src (an archive, or a chain
 * or prefetching source holding one); NULL when there is none.
 */
DA_HIDDEN const da_recinfo *da_archive_recinfo(const dkimarc_keysrc *src, const char *file,
                                               unsigned long line);

/* ---- report.c: report objects; sigrep.c: da_sig_clear; keysrc.c: strings */

struct dkimarc_sig {
	dkimarc_result result;
	dkimarc_reason reason;
	char *reason_text;
	uint32_t flags;
	char *domain, *selector, *algorithm, *auid, *canon;
	unsigned key_bits;
	char *key_source; /* "archive keys.zone:12 (source ...)" */
	char *key_choice; /* why this record among several */
	bool has_key;
	dkimarc_keyrec key; /* deep copy of the record used */
	char **headers;     /* h= names as written */
	size_t nheaders;
	int64_t l, t, x;     /* -1 when absent */
	uint64_t body_bytes; /* canonical body length seen */
	int body_hash_ok;    /* -1 not checked, 0 mismatch, 1 match */
	bool aligned;
	bool key_made;      /* the key is proven to have made b= (verified, or RSA recovery) */
	bool verified;      /* b= and bh= check out with the key, whatever the result */
	struct da_sigx *fx; /* forensic extras (forensic.h), or NULL */
};

/* arcreport.c: one ARC set and the chain, as reported (filled by arc.c). */
struct dkimarc_arc_instance {
	unsigned instance;
	char *cv;              /* seal's cv=: none, pass, fail; NULL otherwise */
	dkimarc_sig seal, ams; /* valid when has_seal / has_ams */
	bool has_seal, has_ams;
	char *authserv_id;  /* NULL when no single readable AAR */
	char **aar_results; /* "dkim=pass header.d=..." */
	size_t naar_results;
};

typedef struct {
	dkimarc_arc_result result;
	dkimarc_arc_reason reason;
	char *reason_text;
	unsigned oldest_pass;     /* 0 unless pass */
	unsigned failed_instance; /* 0 when not one instance */
	struct dkimarc_arc_instance *inst;
	size_t ninst;
} da_arc_report;

DA_HIDDEN void da_arc_report_clear(da_arc_report *a);

struct dkimarc_report {
	dkimarc_verdict verdict;
	dkimarc_reason verdict_code; /* why, as a stable code */
	char *verdict_reason;
	uint32_t flags;
	char *from_domain;
	dkimarc_sig *sigs;
	size_t nsigs;
	int64_t at;
	da_arc_report arc;
	int64_t date; /* the Date field, unix time; -1 when absent or unreadable */
	const char
	    *unsigned_fields[16]; /* display fields a confirmation leaves uncovered (static) */
	size_t nunsigned;
};

DA_HIDDEN void da_sig_clear(dkimarc_sig *s);
/* str.c */
DA_HIDDEN char *da_strndup(const char *s, size_t n);
DA_HIDDEN char *da_strdup(const char *s);
/* free() for text the library owns but shows through a const pointer (the
 * strings of dkimarc_keyrec and the like: read-only for the caller only). */
DA_HIDDEN void da_free_const(const void *p);
DA_HIDDEN int da_keyrec_copy(dkimarc_keyrec *dst, const dkimarc_keyrec *src);
DA_HIDDEN void da_keyrec_free_strings(dkimarc_keyrec *k);

/* ---- forensics: sigx.c, keysrc.c, keyprefetch.c ---------------------------- */

DA_HIDDEN void da_sigx_free(struct da_sigx *x);
/* Member i of a chain source; NULL when src is not a chain or i is out of range. */
DA_HIDDEN dkimarc_keysrc *da_keysrc_chain_member(const dkimarc_keysrc *src, size_t i);
/* The source a prefetching source wraps; NULL when src is not one. */
DA_HIDDEN dkimarc_keysrc *da_keysrc_prefetch_inner(const dkimarc_keysrc *src);

#endif
