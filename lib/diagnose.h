/* The diagnosis's parts (diagnose*.c): its state and what they share. */
#ifndef DKIMARC_DIAGNOSE_H
#define DKIMARC_DIAGNOSE_H

#include "crypto.h"
#include "forensic.h"
#include "keymatch.h"
#include "sighash.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define MAX_VARIANTS  128         /* header digests recomputed per signature */
#define FOOTER_WINDOW (64 * 1024) /* cuts tried at line ends this close to the end */
#define FOOTER_CUTS   4096        /* ... and at most this many */
#define EXCERPT       72          /* bytes of message text quoted in a finding */
#define MAX_STEPS     24

/* A step tried on a copy: what it undoes, and whether its part then verifies. */
typedef struct {
	dkimarc_finding kind;
	char field[80];
	char what[900];
	int fixes; /* 1 fixed its part (body or header), 0 not */
} step;

typedef struct {
	const da_sigfacts *f;
	const da_sigparams *sp;
	struct da_sigx *x;
	EVP_PKEY *pk;            /* NULL when no usable key */
	const da_rsa_prep *prep; /* pk made ready, from the context's cache; or NULL */
	da_recovered rec;
	int variants;
	uint64_t header_bytes; /* what one header variant costs to hash, at most */
	bool budget_hit, work_hit;
	step body[MAX_STEPS], head[MAX_STEPS];
	size_t nbody, nhead;
	char tried_body[300], tried_head[300];
	int err; /* DKIMARC_ENOMEM or DKIMARC_ECRYPTO: the diagnosis, and the verification, fail */
} diag;

/* diagnose.c: the budget, text for findings, the checks on copies. */
DA_HIDDEN int da_dg_failed(diag *d, int status);
DA_HIDDEN const char *da_dg_excerpt(char *out, size_t outlen, const char *p, size_t n, size_t max);
DA_HIDDEN void da_dg_add_tried(char *buf, size_t len, const char *what);
DA_HIDDEN step *da_dg_new_step(diag *d, bool body, dkimarc_finding kind, const char *field,
                               int fixes, const char *fmt, ...)
    __attribute__((format(printf, 6, 7)));
DA_HIDDEN bool da_dg_spend(diag *d, uint64_t n);
DA_HIDDEN int da_dg_header_signed_sp(diag *d, const da_header *h, const da_sigparams *sp);
DA_HIDDEN int da_dg_body_signed(diag *d, const char *p, size_t n);
/* diagnose_header.c and diagnose_body.c: the steps. */
DA_HIDDEN void da_dg_selected(diag *d, long *idx);
DA_HIDDEN size_t da_dg_normalize(const char *v, size_t n, char *out);
DA_HIDDEN void da_dg_try_ztag(diag *d, const long *sel);
DA_HIDDEN void da_dg_try_subject_tag(diag *d, const long *sel);
DA_HIDDEN void da_dg_try_refolding(diag *d, const long *sel);
DA_HIDDEN void da_dg_try_body(diag *d);

#endif
