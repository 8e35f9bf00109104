/*
 * A signature's key (RFC 6376 §6.1.2): looked up through the context's key
 * source, one record chosen among several, checked against the signature,
 * and decoded; with where it came from and why it was chosen. Shared by
 * DKIM-Signature, ARC-Message-Signature and ARC-Seal.
 */
#ifndef DKIMARC_KEYFETCH_H
#define DKIMARC_KEYFETCH_H

#include "ctx.h"
#include "sig.h"

/* A key recovered from signatures, when the record used is one (keyanchor.h). */
typedef struct {
	bool recovered; /* the record used has "source":"recovered" */
	size_t n;       /* signatures the archive says it was recovered from; 0 unknown */
	bool self;      /* this signature is one of those listed */
	char *other;    /* why the domain's own record did not serve ("the record at ... holds
	                   another key"), or NULL when there is none */
} da_recovered_use;

typedef struct {
	EVP_PKEY *pkey;          /* the usable key, or NULL */
	const da_rsa_prep *prep; /* pkey made ready (borrowed from the context), or NULL */
	unsigned bits;           /* key size, whenever it could be read */
	dkimarc_reason defect;   /* a key finding (key_small_factor ...): anyone can sign */
	char defect_err[400];    /* why, when defect is set */
	uint32_t flags;          /* DKIMARC_FLAG_KEY_TESTING, _KEY_OUTSIDE_WINDOW */
	char *source;            /* provenance ("archive keys.zone:12"), or NULL */
	char *choice;            /* why this record among several, or NULL */
	bool has_rec;            /* rec holds a deep copy of the record used */
	dkimarc_keyrec rec;
	da_recovered_use ru; /* a recovered key's facts */
} da_key;

/*
 * Fetches and checks the key for sp (selector, domain, algorithm, i=). The
 * record is chosen by the signature's t=, else by date (the Date field; -1
 * when unknown). Returns DKIMARC_REASON_OK with k->pkey set (and k->defect
 * when anyone could sign with it), or the reason the key is unusable, with
 * *res (permerror or temperror) and err set; k's facts are filled as far as
 * they got either way. DA_REASON_ENOMEM or DA_REASON_ECRYPTO when it failed
 * inside (memory, the crypto library, a key source out of memory): never a
 * result. Clear k with da_key_clear.
 */
DA_HIDDEN dkimarc_reason da_key_fetch(const dkimarc_ctx *ctx, const da_sigparams *sp, int64_t date,
                                      da_key *k, dkimarc_result *res, char *err, size_t errlen);
DA_HIDDEN void da_key_clear(da_key *k);

#endif
