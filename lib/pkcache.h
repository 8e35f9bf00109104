/*
 * Decoded public keys, remembered per context. Decoding an RSA key costs more
 * than verifying with it (d2i ~90 µs vs ~15 µs for RSA-2048), and a corpus
 * reuses a few keys thousands of times. Thread-safe; bounded.
 */
#ifndef DKIMARC_PKCACHE_H
#define DKIMARC_PKCACHE_H

#include "internal.h"

#define DA_PKCACHE_MAX 65536 /* entries; past this, keys are decoded each time */

typedef struct da_pkcache da_pkcache;

DA_HIDDEN da_pkcache *da_pkcache_new(void);
DA_HIDDEN void da_pkcache_free(da_pkcache *c);
/*
 * Like da_pkey_decode, through the cache: returns a new reference (free it
 * with EVP_PKEY_free) or NULL with *reason and err. c may be NULL.
 */
DA_HIDDEN EVP_PKEY *da_pkcache_get(da_pkcache *c, const da_keyrec *k, unsigned *bits,
                                   dkimarc_reason *reason, char *err, size_t errlen);

#endif
