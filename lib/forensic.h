/*
 * Forensic extras of a DKIM signature's report (docs/forensics.md): what the
 * signature carried (b=, bh=), what it was hashed from (explain), and what
 * changed since it was made (diagnose). Attached by the verifier once the
 * signature is judged; they never change the judgement.
 */
#ifndef DKIMARC_FORENSIC_H
#define DKIMARC_FORENSIC_H

#include "ctx.h"
#include "dynbuf.h"
#include "msg.h"
#include "sig.h"

typedef struct {
	dkimarc_finding kind;
	char *field; /* header field concerned, or NULL */
	char *text;
	int undo; /* 1: verifies once undone, 0: does not, -1: nothing to undo */
} da_finding;

struct da_sigx {
	char *b64, *bh64;  /* b= and bh= as written, whitespace removed */
	char *bh_computed; /* base64 of the body hash computed, or NULL */
	char *hashed;      /* explain: header hash input, or NULL */
	size_t hashed_len;
	unsigned char digest[EVP_MAX_MD_SIZE]; /* explain: header digest */
	size_t digest_len;
	unsigned char *sig; /* explain: b= decoded */
	size_t sig_len;
	da_finding *f;
	size_t nf, capf;
	bool nomem; /* a finding could not be added: the verification fails (ENOMEM) */
};

/*
 * Work the diagnosis of one message may do, all its signatures together, in
 * bytes hashed or copied: the body steps of one signature (12 passes over the
 * kept body) and 64 MiB more, so that hostile signatures cannot multiply it.
 */
#define DA_DIAGNOSE_BUDGET(body) (64ull * 1024 * 1024 + 12ull * (body))

/* Body bytes a verifier keeps for diagnosis (line ends as verified: CRLF). */
typedef struct {
	char *p;
	size_t n, cap;
	bool over;     /* longer than the context allows: dropped */
	bool nomem;    /* dropped for want of memory: the verification fails (ENOMEM) */
	uint64_t work; /* bytes hashed by the diagnosis so far (DA_DIAGNOSE_BUDGET) */
} da_keep;

/*
 * Appends body bytes, up to max in all; past it the copy is dropped for good.
 * Out of memory, it is dropped too, with nomem set.
 */
DA_HIDDEN void da_keep_add(da_keep *k, const char *p, size_t n, uint64_t max);
DA_HIDDEN void da_keep_free(da_keep *k);

/* What one signature was checked from, for the forensic passes. */
typedef struct {
	const dkimarc_ctx *ctx;
	const da_header *hdr; /* the header as verified */
	size_t self;          /* the DKIM-Signature's index in hdr */
	const da_sigparams *sp;
	const unsigned char *hdigest;
	unsigned int hdigest_len;
	const da_bodyhash *bh; /* its body hash, final */
	da_keep *body;         /* kept body, or NULL when diagnosis is off */
} da_sigfacts;

/*
 * Gives the report's signature o its extras: b=, bh= and the computed body
 * hash always; the header hash input with ctx->explain; the diagnosis with
 * ctx->diagnose_max for a failing signature. Returns DKIMARC_OK, or
 * DKIMARC_ENOMEM / DKIMARC_ECRYPTO: a report missing a part it should have
 * would differ silently from the true one, so a failure fails the
 * verification.
 */
DA_HIDDEN int da_forensic_attach(const da_sigfacts *f, dkimarc_sig *o);

/* diagnose.c: adds findings to o->fx (allocated by the caller); status as above. */
DA_HIDDEN int da_diagnose(const da_sigfacts *f, dkimarc_sig *o);
/* diagnose.c: adds one finding; text is formatted. Out of memory, sets x->nomem. */
DA_HIDDEN void da_finding_add(struct da_sigx *x, dkimarc_finding kind, const char *field, int undo,
                              const char *fmt, ...) __attribute__((format(printf, 5, 6)));

/* For report.c: adds the findings as text lines to b, each starting with indent. */
DA_HIDDEN void da_findings_text(const dkimarc_sig *s, const char *indent, da_dyn *b);

#endif
