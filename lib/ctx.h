/* Context layout, shared by the verifier files. */
#ifndef DKIMARC_CTX_H
#define DKIMARC_CTX_H

#include "internal.h"

#include "pkcache.h"

#include <libpsl.h>

struct dkimarc_ctx {
	bool strict;
	int64_t at; /* -1 = now */
	uint64_t limits[DKIMARC_LIMIT_COUNT_];
	dkimarc_keysrc *keysrc;
	const psl_ctx_t *psl;         /* psl_owned, or libpsl's built-in list */
	psl_ctx_t *psl_owned;         /* the one loaded here, freed with the context */
	da_pkcache *pkcache;          /* thread-safe memo, not configuration */
	uint64_t diagnose_max;        /* body bytes kept for diagnosis; 0 = off (diagnose.c) */
	bool explain;                 /* keep header hash inputs (sigx.c) */
	struct da_keymarks *keymarks; /* shared primes, revealed keys (keymarks.h), or NULL */
};

#endif
