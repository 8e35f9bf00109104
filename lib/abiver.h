/*
 * Versions of the public structures callers fill or read (docs/abi.md): what
 * each version of each holds, so that the library reads and writes no more
 * of a caller's structure than the version it was compiled with.
 */
#ifndef DKIMARC_ABIVER_H
#define DKIMARC_ABIVER_H

#include "internal.h"

typedef enum {
	DA_ABI_KEYREC,
	DA_ABI_KEYSRC_OPS,
	DA_ABI_DNS_OPTIONS,
	DA_ABI_DNS_SOCKET,
	DA_ABI_DNS_STATS,
} da_abi_struct;

/*
 * The bytes version v of the structure holds (through its last member), or
 * 0 when v is 0 or newer than this library: da_fail() then says so, naming
 * fn, the function the structure was given to.
 */
DA_HIDDEN size_t da_abi_size(da_abi_struct which, unsigned v, const char *fn);

#endif
