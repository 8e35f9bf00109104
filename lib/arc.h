/*
 * ARC (RFC 8617): the ARC sets of a message read at the end of its header,
 * and the chain validated once the body is hashed. The AMS and AS go through
 * the DKIM core: same tag parser, header selection, body hash registry, key
 * fetch and crypto.
 */
#ifndef DKIMARC_ARC_H
#define DKIMARC_ARC_H

#include "ctx.h"
#include "msg.h"
#include "sig.h"
#include "sighash.h"

#define DA_ARC_MAX_INSTANCES 50 /* RFC 8617 §4.2.1 */

typedef struct da_arc da_arc;

/*
 * Reads the ARC fields of a split header: instances, AMS and AS tags, and
 * AARs, and judges the chain's structure (RFC 8617 §5.2 before any
 * signature). When the structure holds, computes the AMS and AS header
 * digests (now, so the header need not outlive this call); when it fails,
 * nothing is hashed and no ARC signature will be verified. *out is NULL
 * when the header has no ARC field. Returns DKIMARC_OK, DKIMARC_ENOMEM or
 * DKIMARC_ECRYPTO.
 */
DA_HIDDEN int da_arc_begin(const da_header *hdr, da_bhreg *reg, da_arc **out);
/*
 * Before the body: applies ctx's limit on ARC sets (DKIMARC_LIMIT_ARC_SETS)
 * and, for a chain to verify, registers each AMS's body hash in the reg
 * given to da_arc_begin. Until it runs, nothing is verified. a may be NULL.
 * Returns DKIMARC_OK or DKIMARC_ENOMEM.
 */
DA_HIDDEN int da_arc_plan(da_arc *a, const dkimarc_ctx *ctx);

/* The well-formed AMS and AS whose keys da_arc_finish will fetch (after da_arc_plan). */
DA_HIDDEN size_t da_arc_sig_count(const da_arc *a);
DA_HIDDEN const da_sigparams *da_arc_sig(const da_arc *a, size_t i);

/*
 * Once reg's hashes are final: checks every AMS and AS and validates the
 * chain (RFC 8617 §5.2) into out (cleared first). a may be NULL: no ARC.
 * date is the message's Date (-1), at the verification time. Returns
 * DKIMARC_OK, or DKIMARC_ENOMEM / DKIMARC_ECRYPTO: out then means nothing
 * (a failure is never an ams_fail or seal_fail).
 */
DA_HIDDEN int da_arc_finish(const da_arc *a, const dkimarc_ctx *ctx, const da_bhreg *reg,
                            int64_t date, int64_t at, da_arc_report *out);

/* The result for a message whose header was not read (a header limit); or DKIMARC_ENOMEM. */
DA_HIDDEN int da_arc_not_evaluated(da_arc_report *out, const char *why);

DA_HIDDEN void da_arc_free(da_arc *a);

/*
 * For sealers (RFC 8617 §5.1.2): the chain validation status a new ARC set
 * must carry in cv= (DKIMARC_ARC_NONE when the message has no ARC set yet),
 * and in *next the instance the new set takes, or 0 when no set may be added
 * (50 already, or an i= beyond 50). From a finished report (for a whole
 * message: da_arc_message_cv in sign.h).
 */
DA_HIDDEN dkimarc_arc_result da_arc_report_cv(const dkimarc_report *r, unsigned *next);

#endif
