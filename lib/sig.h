/* DKIM-Signature tags, validated per RFC 6376 §3.5 and §6.1.1. */
#ifndef DKIMARC_SIG_H
#define DKIMARC_SIG_H

#include "internal.h"

/* h= names at most: selection is O(names x fields), so it must be bounded. */
#define DA_MAX_SIGNED_HEADERS 256

typedef struct {
	int key_type; /* DA_KEY_* from a= */
	int hash;     /* DA_HASH_* from a= */
	da_canon hcanon, bcanon;
	char *domain, *selector, *auid, *alg, *canon; /* owned; NULL when absent */
	char *auid_domain;                            /* domain part of i= (decoded) */
	char **headers;                               /* h= names, owned */
	size_t nheaders;
	unsigned char *b, *bh; /* decoded */
	size_t b_len, bh_len;
	int64_t l, t, x;     /* -1 when absent; l saturates at INT64_MAX */
	size_t b_off, b_end; /* region of b='s value within the field's raw bytes */
} da_sigparams;

/*
 * Parses the DKIM-Signature whose value starts at value_off in the raw
 * field. Returns DKIMARC_REASON_OK or the reason it is unusable (with err);
 * facts are filled as far as they could be read either way.
 */
DA_HIDDEN dkimarc_reason da_sig_parse(const char *raw, size_t len, size_t value_off,
                                      da_sigparams *sp, char *err, size_t errlen);
DA_HIDDEN void da_sigparams_clear(da_sigparams *sp);

#endif
