/*
 * Judging one signature once its hashes are known: flags, body hash, key,
 * crypto, and the result with its reason. One implementation for
 * DKIM-Signature, ARC-Message-Signature and ARC-Seal.
 */
#ifndef DKIMARC_SIGCHECK_H
#define DKIMARC_SIGCHECK_H

#include "ctx.h"
#include "sig.h"

/*
 * Copies what the signature claims (d=, s=, a=, i=, c=, h=, l=, t=, x=) into
 * o. Returns DKIMARC_OK or DKIMARC_ENOMEM (o then holds what was copied).
 */
DA_HIDDEN int da_sig_facts(dkimarc_sig *o, const da_sigparams *sp);
/* Sets o's result, reason and text. Returns DKIMARC_OK or DKIMARC_ENOMEM. */
DA_HIDDEN int da_sig_set_result(dkimarc_sig *o, dkimarc_result res, dkimarc_reason reason,
                                const char *text);

/*
 * Judges a well-formed signature: hdigest is its header digest; bh its body
 * hash (NULL for an ARC-Seal, which signs no body); date the message's Date
 * (-1 when unknown); at the verification time. Sets o's result, reason,
 * text, flags, key facts and body facts. Returns DKIMARC_OK, or
 * DKIMARC_ENOMEM / DKIMARC_ECRYPTO when it failed inside (memory, the crypto
 * library, the key source out of memory): o's result then means nothing.
 */
DA_HIDDEN int da_sig_judge(const dkimarc_ctx *ctx, const da_sigparams *sp,
                           const unsigned char *hdigest, unsigned int hdigest_len,
                           const da_bodyhash *bh, int64_t date, int64_t at, dkimarc_sig *o);

#endif
