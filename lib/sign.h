/* The signer, shared by DKIM signing (sign.c) and ARC sealing (seal.c). */
#ifndef DKIMARC_SIGN_H
#define DKIMARC_SIGN_H

#include "inmsg.h"
#include "privkey.h"
#include "tagfmt.h"

struct dkimarc_signer {
	dkimarc_privkey key; /* its own reference to the EVP_PKEY */
	char *domain, *selector;
	int hash; /* DA_HASH_* */
	da_canon hc, bc;
	char **names; /* header set or exact h=; NULL for the default set */
	size_t nnames;
	bool exact, oversign, body_length;
	int64_t t; /* >= 0, DKIMARC_TIME_NOW or DKIMARC_TIME_NONE */
	int64_t x; /* -1 none */
	bool x_rel;
	char *auid; /* i=, dkim-quoted-printable */
	unsigned allow;
	unsigned fold; /* line width, or 0: not folded */
	char *srvid;   /* authserv-id for sealing */
	char *cv;      /* forced cv=, or NULL to validate */
};

/* "rsa-sha256" etc. for the signer's key and hash. */
DA_HIDDEN const char *da_sign_alg(const dkimarc_signer *s);
/* "relaxed/relaxed" etc.; buf holds at least 16 bytes. */
DA_HIDDEN const char *da_sign_canon(const dkimarc_signer *s, char *buf);

/*
 * The h= names for a message's header: the exact list, or every field of the
 * set (extra adds names to the default set, e.g. DKIM-Signature for ARC) in
 * header order, then From (and with oversign every signed name) once more.
 * names are lower case in the set mode. *out is malloc'd, its strings
 * borrowed from s or static. Returns DKIMARC_OK, DKIMARC_ELIMIT (more than
 * the verifier reads) or DKIMARC_ENOMEM, with da_fail set.
 */
DA_HIDDEN int da_sign_names(const dkimarc_signer *s, const da_header *hdr, const char *extra,
                            const char ***out, size_t *n);
/* Joins names with ':'; malloc'd, or NULL. */
DA_HIDDEN char *da_sign_join(const char *const *names, size_t n);
/* The body hash in base64 (malloc'd) and the canonical body length. */
DA_HIDDEN int da_sign_bodyhash(const dkimarc_signer *s, const da_inmsg *m, char **b64,
                               uint64_t *total);
/* t= (or -1 for none) and x= (or -1) for a signing now. */
DA_HIDDEN int da_sign_times(const dkimarc_signer *s, int64_t *t, int64_t *x);
/*
 * The header hash for the new field f (its b= placeholder taken out): the
 * fields names select in hdr, canonicalized by the signer's c=, then f;
 * computed by the verifier's da_sig_header_digest (sighash.c).
 */
DA_HIDDEN int da_sign_header_digest(const dkimarc_signer *s, const da_header *hdr,
                                    const char **names, size_t n, const da_fieldfmt *f,
                                    unsigned char *digest, unsigned int *dlen);
/* The field f is writing, as the verifier's header parser would split it. */
DA_HIDDEN da_field da_sign_field(const da_fieldfmt *f);
/*
 * Signs digest with the signer's key and writes the signature over f's b=
 * placeholder. Returns DKIMARC_OK or a status with da_fail set.
 */
DA_HIDDEN int da_sign_fill(const dkimarc_signer *s, const unsigned char *digest, size_t dlen,
                           da_fieldfmt *f);

/*
 * seal.c: da_arc_report_cv (arc.h) for a whole message in memory, verified
 * with ctx; DKIMARC_OK or an error status. In the sealer, not in arc.c, so
 * that the validator does not call back into the verifier (dkim.c).
 */
DA_HIDDEN int da_arc_message_cv(const dkimarc_ctx *ctx, const char *msg, size_t len,
                                dkimarc_arc_result *cv, unsigned *next);

#endif
