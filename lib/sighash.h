/*
 * What signatures hash, shared by DKIM-Signature, ARC-Message-Signature and
 * ARC-Seal: header digests, and the body hash registry that lets every
 * signature with the same (body canonicalization, hash, l=) share one pass.
 */
#ifndef DKIMARC_SIGHASH_H
#define DKIMARC_SIGHASH_H

#include "msg.h"
#include "sig.h"

/*
 * Header digest of a DKIM-Signature or AMS at hdr->f[self]: the fields h=
 * selects (bottom-up, RFC 6376 §5.4.2), then the signature field itself with
 * b= emptied and no final CRLF (§3.7). used is scratch of hdr->n entries.
 * Of sp, only hash, hcanon, headers, nheaders, b_off and b_end are read, so
 * that the signer can hash a signature it is making (see sign.c).
 * Returns DKIMARC_OK, DKIMARC_ENOMEM or DKIMARC_ECRYPTO.
 */
DA_HIDDEN int da_sig_header_digest(const da_header *hdr, size_t self, const da_sigparams *sp,
                                   bool *used, unsigned char *out, unsigned int *outlen);

/*
 * ARC-Seal digest (RFC 8617 §5.1.1): the fields hdr->f[fields[0..n)] in that
 * order, relaxed, each with CRLF; then the seal hdr->f[self] with b= emptied
 * and no final CRLF. Of sp, only hash, hcanon (relaxed for a seal), b_off
 * and b_end are read, so that the sealer can hash a seal it is making.
 */
DA_HIDDEN int da_seal_digest(const da_header *hdr, const size_t *fields, size_t n, size_t self,
                             const da_sigparams *sp, unsigned char *out, unsigned int *outlen);

/* Body hashes of one message, one per distinct (canonicalization, hash, l=). */
typedef struct {
	da_bodyhash **h; /* each allocated apart: a hasher's canonicalizer points at it */
	size_t n, cap;
} da_bhreg;

/* Index of the body hash sp needs, created when new; -1 when out of memory. */
DA_HIDDEN int da_bhreg_index(da_bhreg *r, const da_sigparams *sp);
DA_HIDDEN void da_bhreg_update(da_bhreg *r, const char *p, size_t n);
/* Returns 0, or -1 when hashing failed. */
DA_HIDDEN int da_bhreg_final(da_bhreg *r);
DA_HIDDEN void da_bhreg_free(da_bhreg *r);

#endif
