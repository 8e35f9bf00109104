/* DKIM-Signature tags, validated per RFC 6376 §3.5 and §6.1.1. */
#ifndef DKIMARC_SIG_H
#define DKIMARC_SIG_H

#include "internal.h"

/* h= names at most: selection is O(names x fields), so it must be bounded. */
#define DA_MAX_SIGNED_HEADERS 256

/* Which field a tag list comes from: the rules differ a little (RFC 8617 §4.1). */
typedef enum { DA_SIG_DKIM = 0, DA_SIG_AMS, DA_SIG_AS } da_sigkind;

typedef struct {
	da_sigkind kind;
	int key_type; /* DA_KEY_* from a= */
	int hash;     /* DA_HASH_* from a= */
	da_canon hcanon, bcanon;
	char *domain, *selector, *auid, *alg, *canon; /* owned; NULL when absent */
	char *auid_domain;                            /* domain part of i= (decoded) */
	const char **headers;                         /* h= names, owned */
	size_t nheaders;
	unsigned char *b, *bh; /* decoded */
	size_t b_len, bh_len;
	int64_t l, t, x;     /* -1 when absent; l saturates at INT64_MAX */
	size_t b_off, b_end; /* region of b='s value within the field's raw bytes */
	int cv;              /* ARC-Seal: DA_CV_*; 0 when absent or unreadable */
} da_sigparams;

enum { DA_CV_NONE = 1, DA_CV_PASS, DA_CV_FAIL };

/*
 * Parses the DKIM-Signature whose value starts at value_off in the raw
 * field. Returns DKIMARC_REASON_OK or the reason it is unusable (with err);
 * facts are filled as far as they could be read either way. Out of memory:
 * DA_REASON_ENOMEM, never a reason.
 */
DA_HIDDEN dkimarc_reason da_sig_parse(const char *raw, size_t len, size_t value_off,
                                      da_sigparams *sp, char *err, size_t errlen);
/*
 * As da_sig_parse, for an ARC-Message-Signature or ARC-Seal: no v=; i= is
 * the instance (digits); rsa-sha1 refused (RFC 8301 §3.1); an AMS's h= may
 * be empty, need not list From and must not list ARC-Seal; an AS has cv=,
 * no h=, and always relaxed header canonicalization.
 */
DA_HIDDEN dkimarc_reason da_arc_sig_parse(da_sigkind kind, const char *raw, size_t len,
                                          size_t value_off, da_sigparams *sp, char *err,
                                          size_t errlen);
DA_HIDDEN void da_sigparams_clear(da_sigparams *sp);
/* A d= or s= value: dot-separated labels of letters, digits, '-' and '_'. */
DA_HIDDEN bool da_valid_name(const char *s, size_t n);

#endif
