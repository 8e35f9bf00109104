/*
 * failmalloc: an LD_PRELOAD shim that makes one chosen allocation, or one
 * chosen OpenSSL call made by libdkimarc, fail (issue 16: a failure inside
 * the library is an error, never a verdict). In the spirit of curl's torture
 * tests: run_torture.py runs a command once to count, then once per N with
 * the Nth failing.
 *
 * Environment:
 *   TORTURE_ALLOC=N   the Nth counted allocation returns NULL (0: none fails)
 *   TORTURE_CRYPTO=N  the Nth counted OpenSSL call from libdkimarc fails
 *   TORTURE_OUT=FILE  at exit, "allocs CRYPTO_CALLS ALLOC_FAILED CRYPTO_FAILED\n"
 *   TORTURE_FROM_START=1  count from the first allocation, not from the start signal
 *
 * Counting starts at the first call of dkimarc_corpus_new() or
 * dkimarc_verifier_new() (the CLI has read its options and keys), or when a
 * driver calls torture_start(): the loader's and the setup's allocations
 * would otherwise be most runs. Allocations made from GLib and GMime are not
 * counted: GLib aborts when its allocator fails, by design.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <link.h>
#include <openssl/evp.h>
#include <openssl/rsa.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define EXPORT __attribute__((visibility("default")))

/* The driver's interface (torture_driver.c declares them weak). */
EXPORT void torture_start(void);
EXPORT void torture_arm(long alloc_n, long crypto_n);
EXPORT int torture_injected(void);
/* Interposed; glibc declares memalign in malloc.h only, and these are dkimarc's. */
EXPORT void *memalign(size_t align, size_t n);
EXPORT int dkimarc_corpus_new(void **out);
EXPORT int dkimarc_verifier_new(const void *ctx, void **out);

/* ---- the real allocator --------------------------------------------------- */

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);

/* dlsym() may allocate while the real functions are looked up: from here. */
static _Alignas(16) char boot[65536];
static size_t boot_used;
static int resolving;

static bool in_boot(const void *p)
{
	return (const char *)p >= boot && (const char *)p < boot + sizeof boot;
}

static void *boot_alloc(size_t n)
{
	size_t *p;
	n = (n + 15) & ~(size_t)15;
	if (boot_used + n + 16 > sizeof boot)
		return NULL;
	p = (size_t *)(boot + boot_used + 8);
	p[-1] = n;
	boot_used += n + 16;
	return p;
}

static void resolve(void)
{
	if (real_malloc || resolving)
		return;
	resolving = 1;
	real_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
	real_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
	real_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
	real_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
	real_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
	real_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
	real_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
	resolving = 0;
}

/* ---- which calls count ---------------------------------------------------- */

typedef struct {
	uintptr_t lo, hi;
} range;

static range skip[32], ours[8]; /* GLib's and GMime's code; libdkimarc's */
static int nskip, nours;
static atomic_int started;
static long alloc_at, crypto_at;
static atomic_long allocs, cryptos;
static atomic_int alloc_failed, crypto_failed;

static int note_ranges(struct dl_phdr_info *info, size_t size, void *arg)
{
	static const char *const glib[] = {"libglib-2.0", "libgobject-2.0", "libgio-2.0",
	                                   "libgmodule-2.0", "libgmime-3.0"};
	const char *name = info->dlpi_name ? info->dlpi_name : "";
	range *set = NULL;
	int *n = NULL, cap = 0;
	(void)size;
	(void)arg;
	for (size_t i = 0; i < sizeof glib / sizeof glib[0]; i++)
		if (strstr(name, glib[i]))
			set = skip, n = &nskip, cap = 32;
	if (strstr(name, "libdkimarc.so"))
		set = ours, n = &nours, cap = 8;
	for (int i = 0; set && i < info->dlpi_phnum; i++) {
		const ElfW(Phdr) *ph = &info->dlpi_phdr[i];
		if (ph->p_type != PT_LOAD || !(ph->p_flags & PF_X) || *n >= cap)
			continue;
		set[*n].lo = info->dlpi_addr + ph->p_vaddr;
		set[*n].hi = set[*n].lo + ph->p_memsz;
		(*n)++;
	}
	return 0;
}

static bool within(const range *set, int n, const void *caller)
{
	uintptr_t a = (uintptr_t)caller;
	for (int i = 0; i < n; i++)
		if (a >= set[i].lo && a < set[i].hi)
			return true;
	return false;
}

static long env_long(const char *name)
{
	const char *s = getenv(name);
	return s ? strtol(s, NULL, 10) : 0;
}

EXPORT void torture_start(void)
{
	if (atomic_exchange(&started, 1))
		return;
	dl_iterate_phdr(note_ranges, NULL);
}

/* For a driver that forks a run per N: counts from zero, failing call n of each kind. */
EXPORT void torture_arm(long alloc_n, long crypto_n)
{
	torture_start();
	atomic_store(&allocs, 0);
	atomic_store(&cryptos, 0);
	atomic_store(&alloc_failed, 0);
	atomic_store(&crypto_failed, 0);
	alloc_at = alloc_n;
	crypto_at = crypto_n;
}

/* Whether a failure was injected since the last torture_arm(). */
EXPORT int torture_injected(void)
{
	return atomic_load(&alloc_failed) || atomic_load(&crypto_failed);
}

/* True when this allocation, made from caller, is the one to fail. */
static bool fail_alloc(const void *caller)
{
	if (!atomic_load_explicit(&started, memory_order_relaxed) || within(skip, nskip, caller))
		return false;
	long n = atomic_fetch_add(&allocs, 1) + 1;
	if (n != alloc_at)
		return false;
	atomic_store(&alloc_failed, 1);
	errno = ENOMEM;
	return true;
}

static bool fail_crypto(const void *caller)
{
	if (!atomic_load_explicit(&started, memory_order_relaxed) || !within(ours, nours, caller))
		return false;
	long n = atomic_fetch_add(&cryptos, 1) + 1;
	if (n != crypto_at)
		return false;
	atomic_store(&crypto_failed, 1);
	return true;
}

__attribute__((constructor)) static void init(void)
{
	resolve();
	alloc_at = env_long("TORTURE_ALLOC");
	crypto_at = env_long("TORTURE_CRYPTO");
	if (env_long("TORTURE_FROM_START"))
		torture_start();
}

/* Written with write(2): nothing here may allocate. */
__attribute__((destructor)) static void report(void)
{
	const char *path = getenv("TORTURE_OUT");
	char buf[128];
	if (!path)
		return;
	int n = snprintf(buf, sizeof buf, "%ld %ld %d %d\n", atomic_load(&allocs),
	                 atomic_load(&cryptos), atomic_load(&alloc_failed),
	                 atomic_load(&crypto_failed));
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) {
		if (write(fd, buf, (size_t)n) != n)
			n = -1;
		close(fd);
	}
}

/* ---- the allocator -------------------------------------------------------- */

EXPORT void *malloc(size_t n)
{
	if (!real_malloc) {
		resolve();
		if (!real_malloc)
			return boot_alloc(n);
	}
	return fail_alloc(__builtin_return_address(0)) ? NULL : real_malloc(n);
}

EXPORT void *calloc(size_t a, size_t b)
{
	if (!real_calloc) {
		resolve();
		if (!real_calloc) {
			void *p = b && a > SIZE_MAX / b ? NULL : boot_alloc(a * b);
			return p; /* boot is zeroed and never reused */
		}
	}
	return fail_alloc(__builtin_return_address(0)) ? NULL : real_calloc(a, b);
}

EXPORT void *realloc(void *p, size_t n)
{
	if (in_boot(p)) {
		void *q = malloc(n);
		size_t old = ((size_t *)p)[-1];
		if (q)
			memcpy(q, p, old < n ? old : n);
		return q;
	}
	if (!real_realloc)
		resolve();
	/* realloc(p, 0) frees: never a failure to inject. */
	if (n && fail_alloc(__builtin_return_address(0)))
		return NULL;
	return real_realloc(p, n);
}

EXPORT void *reallocarray(void *p, size_t a, size_t b)
{
	if (b && a > SIZE_MAX / b) {
		errno = ENOMEM;
		return NULL;
	}
	if (in_boot(p))
		return realloc(p, a * b);
	if (a && b && fail_alloc(__builtin_return_address(0)))
		return NULL;
	return real_realloc(p, a * b);
}

EXPORT void free(void *p)
{
	if (!p || in_boot(p))
		return;
	if (!real_free)
		resolve();
	real_free(p);
}

EXPORT int posix_memalign(void **out, size_t align, size_t n)
{
	if (!real_posix_memalign)
		resolve();
	if (fail_alloc(__builtin_return_address(0)))
		return ENOMEM;
	return real_posix_memalign(out, align, n);
}

EXPORT void *aligned_alloc(size_t align, size_t n)
{
	if (!real_aligned_alloc)
		resolve();
	return fail_alloc(__builtin_return_address(0)) ? NULL : real_aligned_alloc(align, n);
}

EXPORT void *memalign(size_t align, size_t n)
{
	if (!real_memalign)
		resolve();
	return fail_alloc(__builtin_return_address(0)) ? NULL : real_memalign(align, n);
}

/* Sanitizers implement these without calling malloc: counted here instead. */
EXPORT char *strdup(const char *s)
{
	size_t n = strlen(s) + 1;
	if (fail_alloc(__builtin_return_address(0)))
		return NULL;
	char *d = real_malloc ? real_malloc(n) : malloc(n);
	return d ? memcpy(d, s, n) : NULL;
}

EXPORT char *strndup(const char *s, size_t max)
{
	size_t n = strnlen(s, max);
	if (fail_alloc(__builtin_return_address(0)))
		return NULL;
	char *d = real_malloc ? real_malloc(n + 1) : malloc(n + 1);
	if (!d)
		return NULL;
	memcpy(d, s, n);
	d[n] = '\0';
	return d;
}

/* ---- the start signal: the library's entry points --------------------------- */

#define START_AT(name, params, args)                                                               \
	EXPORT int name params                                                                     \
	{                                                                                          \
		static int(*real) params;                                                          \
		if (!real)                                                                         \
			*(void **)&real = dlsym(RTLD_NEXT, #name);                                 \
		torture_start();                                                                   \
		return real args;                                                                  \
	}

START_AT(dkimarc_corpus_new, (void **out), (out))
START_AT(dkimarc_verifier_new, (const void *ctx, void **out), (ctx, out))

/* ---- OpenSSL calls made by libdkimarc -------------------------------------- */

/*
 * Only calls whose failure the input cannot cause: an allocation, a context,
 * an operation on a key already decoded. (Decoding a key fails on bad input
 * as on an internal error; those are exercised by the allocator above.)
 */
#define CRYPTO_CALL(ret, name, params, args, failure)                                              \
	EXPORT ret name params                                                                     \
	{                                                                                          \
		static ret(*real) params;                                                          \
		if (!real)                                                                         \
			*(void **)&real = dlsym(RTLD_NEXT, #name);                                 \
		if (fail_crypto(__builtin_return_address(0)))                                      \
			return failure;                                                            \
		return real args;                                                                  \
	}

CRYPTO_CALL(int, EVP_PKEY_verify,
            (EVP_PKEY_CTX * c, const unsigned char *sig, size_t sl, const unsigned char *d,
             size_t dl),
            (c, sig, sl, d, dl), -1)
CRYPTO_CALL(int, EVP_PKEY_verify_init, (EVP_PKEY_CTX * c), (c), 0)
CRYPTO_CALL(int, EVP_PKEY_verify_recover,
            (EVP_PKEY_CTX * c, unsigned char *out, size_t *ol, const unsigned char *sig, size_t sl),
            (c, out, ol, sig, sl), -1)
CRYPTO_CALL(int, EVP_PKEY_verify_recover_init, (EVP_PKEY_CTX * c), (c), 0)
CRYPTO_CALL(int, EVP_DigestVerify,
            (EVP_MD_CTX * c, const unsigned char *sig, size_t sl, const unsigned char *d,
             size_t dl),
            (c, sig, sl, d, dl), -1)
CRYPTO_CALL(int, EVP_DigestVerifyInit,
            (EVP_MD_CTX * c, EVP_PKEY_CTX **pc, const EVP_MD *md, ENGINE *e, EVP_PKEY *pk),
            (c, pc, md, e, pk), 0)
CRYPTO_CALL(EVP_PKEY_CTX *, EVP_PKEY_CTX_new, (EVP_PKEY * pk, ENGINE *e), (pk, e), NULL)
CRYPTO_CALL(EVP_PKEY_CTX *, EVP_PKEY_CTX_dup, (const EVP_PKEY_CTX *c), (c), NULL)
CRYPTO_CALL(int, EVP_PKEY_CTX_set_rsa_padding, (EVP_PKEY_CTX * c, int pad), (c, pad), 0)
CRYPTO_CALL(int, EVP_PKEY_CTX_set_signature_md, (EVP_PKEY_CTX * c, const EVP_MD *md), (c, md), 0)
CRYPTO_CALL(int, EVP_PKEY_get_bn_param, (const EVP_PKEY *pk, const char *n, BIGNUM **bn),
            (pk, n, bn), 0)
CRYPTO_CALL(int, EVP_PKEY_get_raw_public_key, (const EVP_PKEY *pk, unsigned char *p, size_t *n),
            (pk, p, n), 0)
CRYPTO_CALL(int, EVP_PKEY_up_ref, (EVP_PKEY * pk), (pk), 0)
CRYPTO_CALL(EVP_MD_CTX *, EVP_MD_CTX_new, (void), (), NULL)
CRYPTO_CALL(int, EVP_MD_CTX_copy_ex, (EVP_MD_CTX * o, const EVP_MD_CTX *i), (o, i), 0)
CRYPTO_CALL(int, EVP_DigestInit_ex, (EVP_MD_CTX * c, const EVP_MD *md, ENGINE *e), (c, md, e), 0)
CRYPTO_CALL(int, EVP_DigestUpdate, (EVP_MD_CTX * c, const void *d, size_t n), (c, d, n), 0)
CRYPTO_CALL(int, EVP_DigestFinal_ex, (EVP_MD_CTX * c, unsigned char *md, unsigned int *n),
            (c, md, n), 0)
CRYPTO_CALL(int, EVP_Digest,
            (const void *d, size_t n, unsigned char *md, unsigned int *mn, const EVP_MD *t,
             ENGINE *e),
            (d, n, md, mn, t, e), 0)
