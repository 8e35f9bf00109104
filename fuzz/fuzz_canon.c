/*
 * Canonicalization (RFC 6376 §3.4), simple and relaxed, body and header.
 *
 * Properties checked for both algorithms:
 *  - the streaming body canonicalizer fed in random chunks gives exactly
 *    what one call gives;
 *  - both equal a plain line-by-line reference written from the RFC text;
 *  - a body hash with l= hashes exactly the first l canonical bytes and
 *    counts all of them;
 *  - header canonicalization equals its reference too.
 *
 * Input: byte 0 bit 0 says whether l= is set, byte 1 gives its value; the
 * rest is the body (and, for the header checks, a header field).
 */
#include "fuzz.h"
#include "internal.h"

#include <openssl/evp.h>
#include <string.h>

static int is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* ---- references ---------------------------------------------------------- */

/* Relaxed line or field part: WSP runs become one SP; trailing WSP goes. */
static void ref_collapse(const char *p, size_t n, bool trim_leading, fuzz_buf *out)
{
	size_t k = 0;

	if (trim_leading)
		while (k < n && is_wsp(p[k]))
			k++;
	while (k < n) {
		if (is_wsp(p[k])) {
			while (k < n && is_wsp(p[k]))
				k++;
			if (k < n)
				fuzz_buf_put(out, " ", 1);
		} else {
			fuzz_buf_put(out, p + k, 1);
			k++;
		}
	}
}

/* Lines end at CRLF only; a bare CR or LF is an ordinary byte. */
static void ref_body(da_canon c, const char *p, size_t n, fuzz_buf *out)
{
	fuzz_buf line = {0};
	size_t i = 0, empty = 0;
	bool any = false;

	while (i < n) {
		size_t e = i;

		while (e < n && !(p[e] == '\r' && e + 1 < n && p[e + 1] == '\n'))
			e++;
		line.n = 0;
		if (c == DA_CANON_SIMPLE)
			fuzz_buf_put(&line, p + i, e - i);
		else
			ref_collapse(p + i, e - i, false, &line);
		if (line.n == 0) {
			empty++; /* kept back: trailing empty lines are dropped */
		} else {
			for (; empty > 0; empty--)
				fuzz_buf_put(out, "\r\n", 2);
			fuzz_buf_put(out, line.p, line.n);
			fuzz_buf_put(out, "\r\n", 2); /* also ends an unterminated last line */
			any = true;
		}
		i = e < n ? e + 2 : e;
	}
	/* An empty body: CRLF for simple, nothing for relaxed (erratum 3192). */
	if (c == DA_CANON_SIMPLE && !any)
		fuzz_buf_put(out, "\r\n", 2);
	fuzz_buf_free(&line);
}

/* Deletes CRLF pairs, left to right, as unfolding does. */
static void ref_unfold(const char *p, size_t n, fuzz_buf *out)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] == '\r' && i + 1 < n && p[i + 1] == '\n') {
			i++;
			continue;
		}
		fuzz_buf_put(out, p + i, 1);
	}
}

static void ref_header_relaxed(const char *f, size_t n, fuzz_buf *out)
{
	const char *colon = memchr(f, ':', n);
	fuzz_buf u = {0};

	if (colon == NULL) {
		ref_unfold(f, n, &u);
		ref_collapse(u.p, u.n, true, out);
	} else {
		size_t nl = (size_t)(colon - f), start = out->n;

		ref_unfold(f, nl, &u);
		ref_collapse(u.p, u.n, true, out);
		for (size_t i = start; i < out->n; i++)
			if (out->p[i] >= 'A' && out->p[i] <= 'Z')
				out->p[i] = (char)(out->p[i] + 32);
		fuzz_buf_put(out, ":", 1);
		u.n = 0;
		ref_unfold(colon + 1, n - nl - 1, &u);
		ref_collapse(u.p, u.n, true, out);
	}
	fuzz_buf_put(out, "\r\n", 2);
	fuzz_buf_free(&u);
}

/* ---- checks -------------------------------------------------------------- */

static void check_body(da_canon c, const char *p, size_t n, fuzz_rng *rng)
{
	fuzz_buf one = {0}, chunked = {0}, ref = {0};
	da_body_canon bc;

	da_body_canon_init(&bc, c, fuzz_buf_put, &one);
	da_body_canon_update(&bc, p, n);
	da_body_canon_final(&bc);

	da_body_canon_init(&bc, c, fuzz_buf_put, &chunked);
	for (size_t i = 0; i < n;) {
		size_t k = fuzz_chunk(rng, n - i);

		if ((fuzz_rng_next(rng) & 15) == 0)
			da_body_canon_update(&bc, p + i, 0); /* empty writes are harmless */
		da_body_canon_update(&bc, p + i, k);
		i += k;
	}
	da_body_canon_final(&bc);

	ref_body(c, p, n, &ref);
	FUZZ_CHECK(one.n == chunked.n && (one.n == 0 || memcmp(one.p, chunked.p, one.n) == 0));
	FUZZ_CHECK(one.n == ref.n && (one.n == 0 || memcmp(one.p, ref.p, one.n) == 0));
	fuzz_buf_free(&one);
	fuzz_buf_free(&chunked);
	fuzz_buf_free(&ref);
}

static void check_bodyhash(da_canon c, const char *p, size_t n, int64_t l, fuzz_rng *rng)
{
	fuzz_buf ref = {0};
	da_bodyhash bh;
	unsigned char want[EVP_MAX_MD_SIZE];
	unsigned int wlen = 0;

	FUZZ_CHECK(da_bodyhash_init(&bh, c, DA_HASH_SHA256, l) == 0);
	for (size_t i = 0; i < n;) {
		size_t k = fuzz_chunk(rng, n - i);

		da_bodyhash_update(&bh, p + i, k);
		i += k;
	}
	FUZZ_CHECK(da_bodyhash_final(&bh) == 0);

	ref_body(c, p, n, &ref);
	size_t hashed = l >= 0 && (uint64_t)l < ref.n ? (size_t)l : ref.n;
	FUZZ_CHECK(EVP_Digest(ref.p ? ref.p : "", hashed, want, &wlen, EVP_sha256(), NULL) == 1);
	FUZZ_CHECK(bh.total == ref.n);
	FUZZ_CHECK(bh.digest_len == wlen && memcmp(bh.digest, want, wlen) == 0);
	da_bodyhash_clear(&bh);
	fuzz_buf_free(&ref);
}

static void check_header(const char *f, size_t n)
{
	fuzz_buf got = {0}, ref = {0};

	da_canon_header(DA_CANON_SIMPLE, f, n, true, fuzz_buf_put, &got);
	FUZZ_CHECK(got.n == n + 2 && (n == 0 || memcmp(got.p, f, n) == 0));
	got.n = 0;
	da_canon_header(DA_CANON_RELAXED, f, n, true, fuzz_buf_put, &got);
	ref_header_relaxed(f, n, &ref);
	FUZZ_CHECK(got.n == ref.n && memcmp(got.p, ref.p, ref.n) == 0);
	fuzz_buf_free(&got);
	fuzz_buf_free(&ref);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	fuzz_rng rng;

	if (size < 2)
		return 0;
	fuzz_rng_seed(&rng, data, size);
	int64_t l = data[0] & 1 ? (int64_t)data[1] * ((data[0] >> 1) + 1) : -1;
	const char *p = (const char *)data + 2;
	size_t n = size - 2;

	check_body(DA_CANON_SIMPLE, p, n, &rng);
	check_body(DA_CANON_RELAXED, p, n, &rng);
	check_bodyhash(DA_CANON_SIMPLE, p, n, l, &rng);
	check_bodyhash(DA_CANON_RELAXED, p, n, l, &rng);
	check_header(p, n);
	return 0;
}
