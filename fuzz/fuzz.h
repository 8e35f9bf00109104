/*
 * Shared by the libFuzzer targets (fuzz_*.c). Each target is one file that
 * defines LLVMFuzzerTestOneInput; fuzz/CMakeLists.txt builds every such file
 * with clang and libFuzzer, and tests/fuzz/CMakeLists.txt builds the same
 * files with standalone.c to replay the seeds and fuzz/regress/ in ctest.
 */
#ifndef DKIMARC_FUZZ_H
#define DKIMARC_FUZZ_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
/* Optional; weak so that targets without it link with standalone.c. */
int LLVMFuzzerInitialize(int *argc, char ***argv) __attribute__((weak));

/* A broken invariant is a crash, so that libFuzzer saves the input. */
#define FUZZ_CHECK(cond)                                                                           \
	do {                                                                                       \
		if (!(cond)) {                                                                     \
			fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__,       \
			        #cond);                                                            \
			abort();                                                                   \
		}                                                                                  \
	} while (0)

/* Deterministic chunk sizes and choices derived from the input itself. */
typedef struct {
	uint64_t s;
} fuzz_rng;

static inline void fuzz_rng_seed(fuzz_rng *r, const uint8_t *data, size_t size)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (size_t i = 0; i < size; i++)
		h = (h ^ data[i]) * 1099511628211ull;
	r->s = h | 1;
}

static inline uint64_t fuzz_rng_next(fuzz_rng *r)
{
	r->s ^= r->s << 13;
	r->s ^= r->s >> 7;
	r->s ^= r->s << 17;
	return r->s;
}

/* A chunk length in 1..max, mostly small so that splits land everywhere. */
static inline size_t fuzz_chunk(fuzz_rng *r, size_t max)
{
	uint64_t x = fuzz_rng_next(r);
	size_t n = (x & 3) == 0 ? (size_t)(x >> 8) % 4096 + 1 : (size_t)(x >> 8) % 8 + 1;

	return n > max ? max : n;
}

/* A growing byte buffer, usable as a da_sink. */
typedef struct {
	char *p;
	size_t n, cap;
} fuzz_buf;

static inline void fuzz_buf_put(void *arg, const char *p, size_t n)
{
	fuzz_buf *b = arg;

	if (n == 0)
		return;
	if (b->cap - b->n < n) {
		size_t cap = b->cap ? b->cap : 256;

		while (cap - b->n < n)
			cap *= 2;
		b->p = realloc(b->p, cap);
		FUZZ_CHECK(b->p != NULL);
		b->cap = cap;
	}
	for (size_t i = 0; i < n; i++)
		b->p[b->n + i] = p[i];
	b->n += n;
}

static inline void fuzz_buf_free(fuzz_buf *b)
{
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

#endif
