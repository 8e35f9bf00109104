/*
 * Keys recovered from signatures (`dkimarc keys recover`, docs/keys.md): an
 * archive record with "source":"recovered" holds a key that made other
 * signatures of a corpus, which nothing ties to the signing domain. The
 * verifier uses such a key only for a DKIM-Signature that the domain's own
 * records (archive or DNS) cannot account for, and a signature that verifies
 * with it alone is `consistent`, not `confirmed` (docs/verdicts.md). When an
 * own record holds the same key, that record is used and the recovered one
 * is named beside it.
 */
#ifndef DKIMARC_KEYANCHOR_H
#define DKIMARC_KEYANCHOR_H

#include "keyfetch.h"

/* Whether a record was recovered from signatures. */
DA_HIDDEN bool da_rec_is_recovered(const dkimarc_keyrec *r);
/* Moves an answer's recovered records after the others; returns how many there are. */
DA_HIDDEN size_t da_anchor_partition(dkimarc_answer *ans);
/*
 * Picks the record for sp in an answer whose last nrec records are recovered
 * ones, idx being the own record chosen among the others (-1: none, or they
 * were ambiguous): idx when its key made b=, else a recovered record whose key
 * made b=, else idx (or the first recovered record when there is no other).
 * Adds to k->choice what was compared and fills k->ru for a recovered pick.
 * The pick into *pick; returns 0, or DKIMARC_ENOMEM / DKIMARC_ECRYPTO (a
 * failure inside, never a pick).
 */
DA_HIDDEN int da_anchor_pick(const dkimarc_ctx *ctx, const da_sigparams *sp,
                             const dkimarc_answer *ans, size_t nrec, int idx, da_key *k, int *pick);
/* The provenance sentence of a recovered record: "archive FILE:LINE (recovered from ...)". */
DA_HIDDEN char *da_anchor_source(const dkimarc_keyrec *r, const da_recovered_use *ru);

#endif
