/* Canonicalization and body hashing (RFC 6376 §3.4, §3.7). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "internal.h"

/* ---- capture sink -------------------------------------------------------- */

typedef struct {
	char *buf;
	size_t len, cap;
	size_t calls;
} capture;

static void cap_init(capture *c, size_t cap)
{
	c->buf = malloc(cap ? cap : 1);
	assert_non_null(c->buf);
	c->len = 0;
	c->cap = cap;
	c->calls = 0;
}

static void cap_free(capture *c)
{
	free(c->buf);
	c->buf = NULL;
}

static void cap_sink(void *arg, const char *p, size_t n)
{
	capture *c = arg;

	if (n == 0)
		fail_msg("sink called with an empty run");
	if (n > c->cap - c->len)
		fail_msg("canonical output longer than expected (%zu + %zu > %zu)", c->len, n,
		         c->cap);
	memcpy(c->buf + c->len, p, n);
	c->len += n;
	c->calls++;
}

#define assert_bytes(got, gotlen, want, wantlen)                                                   \
	do {                                                                                       \
		if ((gotlen) != (wantlen) || memcmp((got), (want), (wantlen)) != 0)                \
			fail_msg("canonical output differs: got %zu bytes, want %zu",              \
			         (size_t)(gotlen), (size_t)(wantlen));                             \
	} while (0)

/* ---- helpers ------------------------------------------------------------- */

static void header_canon(da_canon c, const char *f, size_t n, bool crlf, capture *out)
{
	cap_init(out, n + 3);
	da_canon_header(c, f, n, crlf, cap_sink, out);
}

static void assert_header(da_canon c, const char *in, const char *want)
{
	capture out;

	header_canon(c, in, strlen(in), true, &out);
	assert_bytes(out.buf, out.len, want, strlen(want));
	cap_free(&out);
}

/* Feeds the body in chunks of the given sizes (cycled; 0 = empty update). */
static void body_canon_chunks(da_canon c, const char *b, size_t n, const size_t *sizes,
                              size_t nsizes, capture *out)
{
	da_body_canon bc;
	size_t off = 0, k = 0;

	cap_init(out, n + 3);
	da_body_canon_init(&bc, c, cap_sink, out);
	while (off < n) {
		size_t m = sizes[k++ % nsizes];

		if (m > n - off)
			m = n - off;
		da_body_canon_update(&bc, b + off, m);
		off += m;
	}
	da_body_canon_final(&bc);
}

static void body_canon(da_canon c, const char *b, size_t n, capture *out)
{
	size_t whole = n ? n : 1;

	body_canon_chunks(c, b, n, &whole, 1, out);
}

/* Checks one chunk, byte at a time, and every split into two chunks. */
static void assert_body(da_canon c, const char *in, size_t n, const char *want, size_t wn)
{
	static const size_t one = 1;
	capture out;

	body_canon(c, in, n, &out);
	assert_bytes(out.buf, out.len, want, wn);
	cap_free(&out);
	body_canon_chunks(c, in, n, &one, 1, &out);
	assert_bytes(out.buf, out.len, want, wn);
	cap_free(&out);
	for (size_t cut = 0; cut <= n; cut++) {
		size_t sizes[2] = {cut, n - cut ? n - cut : 1};

		body_canon_chunks(c, in, n, sizes, 2, &out);
		assert_bytes(out.buf, out.len, want, wn);
		cap_free(&out);
	}
}

#define BODY(c, in, want) assert_body((c), (in), sizeof(in) - 1, (want), sizeof(want) - 1)

static void b64(const unsigned char *d, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, d, (int)n);
}

static void assert_bodyhash_b64(da_canon c, int hash, const char *body, size_t n, const char *want)
{
	da_bodyhash bh;
	char got[128];

	assert_int_equal(da_bodyhash_init(&bh, c, hash, -1), 0);
	da_bodyhash_update(&bh, body, n);
	assert_int_equal(da_bodyhash_final(&bh), 0);
	b64(bh.digest, bh.digest_len, got);
	assert_string_equal(got, want);
	da_bodyhash_clear(&bh);
}

/* ---- RFC 6376 §3.4.6 example --------------------------------------------- */

static const char ex_body[] = " C \r\nD \t E\r\n\r\n\r\n";

static void test_rfc_example_relaxed_headers(void **state)
{
	(void)state;
	assert_header(DA_CANON_RELAXED, "A: X", "a:X\r\n");
	assert_header(DA_CANON_RELAXED, "B : Y\t\r\n\tZ  ", "b:Y Z\r\n");
}

static void test_rfc_example_simple_headers_unchanged(void **state)
{
	(void)state;
	assert_header(DA_CANON_SIMPLE, "A: X", "A: X\r\n");
	assert_header(DA_CANON_SIMPLE, "B : Y\t\r\n\tZ  ", "B : Y\t\r\n\tZ  \r\n");
}

static void test_rfc_example_relaxed_body(void **state)
{
	(void)state;
	BODY(DA_CANON_RELAXED, ex_body, " C\r\nD E\r\n");
}

static void test_rfc_example_simple_body_drops_trailing_empty_lines(void **state)
{
	(void)state;
	BODY(DA_CANON_SIMPLE, ex_body, " C \r\nD \t E\r\n");
}

/* ---- empty bodies and known digests --------------------------------------- */

static void test_empty_body_simple_is_crlf(void **state)
{
	(void)state;
	BODY(DA_CANON_SIMPLE, "", "\r\n");
	BODY(DA_CANON_SIMPLE, "\r\n", "\r\n");
	BODY(DA_CANON_SIMPLE, "\r\n\r\n\r\n", "\r\n");
	assert_bodyhash_b64(DA_CANON_SIMPLE, DA_HASH_SHA256, "", 0,
	                    "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	assert_bodyhash_b64(DA_CANON_SIMPLE, DA_HASH_SHA256, "\r\n\r\n", 4,
	                    "frcCV1k9oG9oKj3dpUqdJg1PxRT2RSN/XKdLCPjaYaY=");
	/* SHA-1 of CRLF, the well-known rsa-sha1 empty body hash. */
	assert_bodyhash_b64(DA_CANON_SIMPLE, DA_HASH_SHA1, "", 0, "uoq1oCgLlTqpdDX/iUbLy7J1Wic=");
}

static void test_empty_body_relaxed_is_empty_string(void **state)
{
	(void)state;
	BODY(DA_CANON_RELAXED, "", "");
	BODY(DA_CANON_RELAXED, "\r\n", "");
	BODY(DA_CANON_RELAXED, "\r\n\r\n\r\n", "");
	BODY(DA_CANON_RELAXED, " \t \r\n\t\r\n  ", "");
	assert_bodyhash_b64(DA_CANON_RELAXED, DA_HASH_SHA256, "", 0,
	                    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	assert_bodyhash_b64(DA_CANON_RELAXED, DA_HASH_SHA256, " \r\n\r\n", 5,
	                    "47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=");
	/* SHA-1 of the empty string. */
	assert_bodyhash_b64(DA_CANON_RELAXED, DA_HASH_SHA1, "", 0, "2jmj7l5rSw0yVb/vlWAYkK/YBwk=");
}

/* RFC 6376 Appendix A.2: bh= of the example message, simple body. */
static const char a_body[] = "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n";

static void test_appendix_a_body_hash(void **state)
{
	(void)state;
	assert_bodyhash_b64(DA_CANON_SIMPLE, DA_HASH_SHA256, a_body, sizeof a_body - 1,
	                    "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	/* No WSP to fold and no trailing empty lines: relaxed is the same. */
	assert_bodyhash_b64(DA_CANON_RELAXED, DA_HASH_SHA256, a_body, sizeof a_body - 1,
	                    "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
	/* Trailing empty lines added in transit do not change either. */
	assert_bodyhash_b64(
	    DA_CANON_SIMPLE, DA_HASH_SHA256,
	    "Hi.\r\n\r\nWe lost the game. Are you hungry yet?\r\n\r\nJoe.\r\n\r\n\r\n",
	    sizeof a_body - 1 + 4, "2jUSOH9NhtVGCQWNr9BrIAPreKQjO6Sn7XIkfJVOzv8=");
}

/* ---- body details ---------------------------------------------------------- */

static void test_body_without_final_crlf_gets_one(void **state)
{
	(void)state;
	BODY(DA_CANON_SIMPLE, "abc", "abc\r\n");
	BODY(DA_CANON_SIMPLE, "abc\r\n\r\nx", "abc\r\n\r\nx\r\n");
	BODY(DA_CANON_SIMPLE, "abc ", "abc \r\n");
	BODY(DA_CANON_RELAXED, "abc", "abc\r\n");
	BODY(DA_CANON_RELAXED, "abc  ", "abc\r\n");
	BODY(DA_CANON_RELAXED, "a\r\nb \t", "a\r\nb\r\n");
	BODY(DA_CANON_RELAXED, "a\r\n\r\n \t", "a\r\n");
}

static void test_relaxed_drops_whitespace_only_trailing_lines(void **state)
{
	(void)state;
	BODY(DA_CANON_RELAXED, "a\r\n \t \r\n\t\r\n", "a\r\n");
	BODY(DA_CANON_RELAXED, "a\r\n \r\n\r\n  \r\n", "a\r\n");
	/* Interior whitespace-only lines become empty lines but stay. */
	BODY(DA_CANON_RELAXED, "a\r\n \t\r\nb\r\n", "a\r\n\r\nb\r\n");
	/* Simple keeps them: they are not empty. */
	BODY(DA_CANON_SIMPLE, "a\r\n \t \r\n\r\n", "a\r\n \t \r\n");
}

static void test_relaxed_folds_inner_whitespace(void **state)
{
	(void)state;
	BODY(DA_CANON_RELAXED, "a  b\t\tc \t d\r\n", "a b c d\r\n");
	BODY(DA_CANON_RELAXED, "\t\tlead\r\n", " lead\r\n");
	BODY(DA_CANON_RELAXED, "x\r\n\r\n\r\n  y\r\n", "x\r\n\r\n\r\n y\r\n");
}

static void test_bare_cr_and_lf_are_ordinary_bytes(void **state)
{
	(void)state;
	BODY(DA_CANON_SIMPLE, "a\rb\nc\r\n", "a\rb\nc\r\n");
	BODY(DA_CANON_SIMPLE, "abc\r", "abc\r\r\n");
	BODY(DA_CANON_SIMPLE, "a\n\n", "a\n\n\r\n");
	BODY(DA_CANON_SIMPLE, "a\r\n\n\r\n", "a\r\n\n\r\n");
	BODY(DA_CANON_SIMPLE, "\r\r\n\r\n", "\r\r\n");
	BODY(DA_CANON_RELAXED, "a \r b\n\r\n", "a \r b\n\r\n");
	BODY(DA_CANON_RELAXED, "a\t\r\t\r\n", "a \r\r\n");
	BODY(DA_CANON_RELAXED, "abc \r", "abc \r\r\n");
	BODY(DA_CANON_RELAXED, "a\n\n", "a\n\n\r\n");
	BODY(DA_CANON_RELAXED, "\n", "\n\r\n");
	BODY(DA_CANON_RELAXED, "\r", "\r\r\n");
	BODY(DA_CANON_RELAXED, "a\r\n\r\r\n\r\n", "a\r\n\r\r\n");
	BODY(DA_CANON_RELAXED, "a\r\r\n", "a\r\r\n");
}

static void test_leading_empty_lines_are_kept(void **state)
{
	(void)state;
	BODY(DA_CANON_SIMPLE, "\r\n\r\nx\r\n", "\r\n\r\nx\r\n");
	BODY(DA_CANON_RELAXED, "\r\n \r\nx\r\n", "\r\n\r\nx\r\n");
}

static void test_many_held_empty_lines_are_emitted_in_runs(void **state)
{
	enum { N = 1000 };
	static char in[N * 2 + 2], want[N * 2 + 4];

	(void)state;
	in[0] = 'a';
	for (size_t i = 0; i < N; i++)
		memcpy(in + 1 + 2 * i, "\r\n", 2);
	in[1 + 2 * N] = 'b';
	memcpy(want, in, sizeof in);
	memcpy(want + sizeof in, "\r\n", 2);
	for (int c = 0; c <= 1; c++) {
		capture out;

		body_canon((da_canon)c, in, sizeof in, &out);
		assert_bytes(out.buf, out.len, want, sizeof in + 2);
		/* 1000 CRLFs need far fewer than 1000 sink calls. */
		assert_true(out.calls < 20);
		cap_free(&out);
	}
}

static void test_body_lines_leave_in_one_run(void **state)
{
	static const char line[] = "hello world, this is a line of text\r\n";
	enum { N = 1000 };
	static char in[N * (sizeof line - 1)];

	(void)state;
	for (size_t i = 0; i < N; i++)
		memcpy(in + i * (sizeof line - 1), line, sizeof line - 1);
	for (int c = 0; c <= 1; c++) {
		capture out;

		body_canon((da_canon)c, in, sizeof in, &out);
		assert_bytes(out.buf, out.len, in, sizeof in);
		/* Already canonical text: the run, then the final CRLF. */
		assert_true(out.calls <= 2);
		cap_free(&out);
	}
}

static void test_rfc_example_body_byte_by_byte_with_empty_updates(void **state)
{
	static const size_t sizes[] = {1, 0, 1, 0, 0};
	capture out;

	(void)state;
	body_canon_chunks(DA_CANON_RELAXED, ex_body, sizeof ex_body - 1, sizes, 5, &out);
	assert_bytes(out.buf, out.len, " C\r\nD E\r\n", 9);
	cap_free(&out);
}

/* ---- headers ---------------------------------------------------------------- */

static void test_relaxed_header_details(void **state)
{
	(void)state;
	assert_header(DA_CANON_RELAXED, "Subject:  Hello\r\n\t World \r\n  again  ",
	              "subject:Hello World again\r\n");
	assert_header(DA_CANON_RELAXED, "DKIM-Signature: v=1; a=rsa-sha256",
	              "dkim-signature:v=1; a=rsa-sha256\r\n");
	assert_header(DA_CANON_RELAXED, "Subject \t: x", "subject:x\r\n");
	assert_header(DA_CANON_RELAXED, "X:   ", "x:\r\n");
	assert_header(DA_CANON_RELAXED, "X:", "x:\r\n");
	assert_header(DA_CANON_RELAXED, "X:\r\n a", "x:a\r\n");
	/* Only the name is lowercased, and only ASCII letters. */
	assert_header(DA_CANON_RELAXED, "X-\xc3\x89Z: Mixed \xc3\x89",
	              "x-\xc3\x89z:Mixed \xc3\x89\r\n");
	/* A colon in the value is an ordinary byte. */
	assert_header(DA_CANON_RELAXED, "To: a : b", "to:a : b\r\n");
	/* A CRLF not followed by WSP is deleted too and does not become SP. */
	assert_header(DA_CANON_RELAXED, "X: a\r\nb", "x:ab\r\n");
}

static void test_relaxed_header_keeps_bare_cr_and_lf(void **state)
{
	(void)state;
	assert_header(DA_CANON_RELAXED, "X: a\nb", "x:a\nb\r\n");
	assert_header(DA_CANON_RELAXED, "X: a \r b", "x:a \r b\r\n");
	assert_header(DA_CANON_RELAXED, "X: a\r", "x:a\r\r\n");
}

static void test_header_without_colon_is_canonicalized_as_value(void **state)
{
	(void)state;
	assert_header(DA_CANON_RELAXED, "NoColon  Here\t", "NoColon Here\r\n");
	assert_header(DA_CANON_SIMPLE, "NoColon  Here\t", "NoColon  Here\t\r\n");
	assert_header(DA_CANON_RELAXED, "", "\r\n");
	assert_header(DA_CANON_RELAXED, " \t", "\r\n");
}

static void test_header_without_crlf_flag(void **state)
{
	capture out;

	(void)state;
	header_canon(DA_CANON_RELAXED, "B : Y\t\r\n\tZ  ", 12, false, &out);
	assert_bytes(out.buf, out.len, "b:Y Z", 5);
	cap_free(&out);
	header_canon(DA_CANON_SIMPLE, "A: X", 4, false, &out);
	assert_bytes(out.buf, out.len, "A: X", 4);
	cap_free(&out);
}

static void test_relaxed_header_long_name(void **state)
{
	char in[600], want[600];
	size_t n = 0;
	capture out;

	(void)state;
	/* Longer than any internal staging of the name. */
	for (size_t i = 0; i < 300; i++)
		in[n++] = (char)('A' + i % 26);
	memcpy(in + n, " : V", 4);
	n += 4;
	for (size_t i = 0; i < 300; i++)
		want[i] = (char)('a' + i % 26);
	memcpy(want + 300, ":V\r\n", 5);
	header_canon(DA_CANON_RELAXED, in, n, true, &out);
	assert_bytes(out.buf, out.len, want, (size_t)304);
	cap_free(&out);
}

/* ---- body hash and l= ------------------------------------------------------- */

static void sha256(const char *p, size_t n, unsigned char *d)
{
	unsigned int len;

	assert_int_equal(EVP_Digest(p, n, d, &len, EVP_sha256(), NULL), 1);
	assert_int_equal(len, 32);
}

static void test_length_limit_hashes_prefix_and_counts_all(void **state)
{
	const size_t n = sizeof a_body - 1; /* canonical form is the body itself */
	const int64_t limits[] = {0, 1, 10, (int64_t)n - 1, (int64_t)n, (int64_t)n + 1, 1000};

	(void)state;
	for (size_t i = 0; i < sizeof limits / sizeof *limits; i++) {
		da_bodyhash bh;
		unsigned char want[32];
		size_t pre = (size_t)limits[i] < n ? (size_t)limits[i] : n;

		sha256(a_body, pre, want);
		assert_int_equal(da_bodyhash_init(&bh, DA_CANON_SIMPLE, DA_HASH_SHA256, limits[i]),
		                 0);
		/* Feed with added trailing empty lines, in uneven chunks. */
		da_bodyhash_update(&bh, a_body, 7);
		da_bodyhash_update(&bh, a_body + 7, n - 7 - 1);
		da_bodyhash_update(&bh, a_body + n - 1, 1);
		da_bodyhash_update(&bh, "\r\n\r\n", 4);
		assert_int_equal(da_bodyhash_final(&bh), 0);
		assert_int_equal(bh.digest_len, 32);
		assert_memory_equal(bh.digest, want, 32);
		assert_int_equal(bh.total, n);
		da_bodyhash_clear(&bh);
	}
}

static void test_length_limit_on_relaxed_body(void **state)
{
	da_bodyhash bh;
	unsigned char want[32];

	(void)state;
	/* Canonical " C\r\nD E\r\n" is 9 bytes; l=5 covers " C\r\nD". */
	sha256(" C\r\nD", 5, want);
	assert_int_equal(da_bodyhash_init(&bh, DA_CANON_RELAXED, DA_HASH_SHA256, 5), 0);
	da_bodyhash_update(&bh, ex_body, sizeof ex_body - 1);
	assert_int_equal(da_bodyhash_final(&bh), 0);
	assert_memory_equal(bh.digest, want, 32);
	assert_int_equal(bh.total, 9);
	da_bodyhash_clear(&bh);
}

static void test_bodyhash_rejects_unknown_hash(void **state)
{
	da_bodyhash bh;

	(void)state;
	assert_int_equal(da_bodyhash_init(&bh, DA_CANON_SIMPLE, 99, -1), -1);
	da_bodyhash_clear(&bh);
}

static void test_bodyhash_clear_is_safe_when_zeroed_or_repeated(void **state)
{
	da_bodyhash bh;

	(void)state;
	memset(&bh, 0, sizeof bh);
	da_bodyhash_clear(&bh);
	assert_int_equal(da_bodyhash_init(&bh, DA_CANON_RELAXED, DA_HASH_SHA1, -1), 0);
	da_bodyhash_clear(&bh);
	da_bodyhash_clear(&bh);
	assert_null(bh.md);
}

/* ---- reference implementation and property tests ---------------------------- */

static bool is_wsp(char ch)
{
	return ch == ' ' || ch == '\t';
}

/*
 * Line by line, straight from RFC 6376 §3.4.3/§3.4.4: split on CRLF, treat
 * a final unterminated line as a line, canonicalize each line, then cut the
 * output after the last non-empty line. out must hold n + 2 bytes.
 */
static size_t ref_body(da_canon c, const char *b, size_t n, char *out)
{
	size_t o = 0, keep = 0, pos = 0;

	while (pos < n) {
		size_t e = pos, start = o;
		bool term = false;

		while (e < n) {
			if (e + 1 < n && b[e] == '\r' && b[e + 1] == '\n') {
				term = true;
				break;
			}
			e++;
		}
		if (c == DA_CANON_SIMPLE) {
			memcpy(out + o, b + pos, e - pos);
			o += e - pos;
		} else {
			bool inws = false;

			for (size_t k = pos; k < e; k++) {
				if (is_wsp(b[k])) {
					if (!inws)
						out[o++] = ' ';
					inws = true;
				} else {
					out[o++] = b[k];
					inws = false;
				}
			}
			if (inws)
				o--; /* the line's trailing WSP */
		}
		bool nonempty = o > start;
		out[o++] = '\r';
		out[o++] = '\n';
		if (nonempty)
			keep = o;
		pos = term ? e + 2 : e;
	}
	o = keep;
	if (c == DA_CANON_SIMPLE && o == 0) {
		out[o++] = '\r';
		out[o++] = '\n';
	}
	return o;
}

/* Squeezes WSP runs to SP and trims both ends; lowercases if asked. */
static size_t ref_squeeze(const char *s, size_t n, bool lower, char *out)
{
	size_t o = 0;

	for (size_t k = 0; k < n; k++) {
		if (is_wsp(s[k])) {
			if (o > 0 && out[o - 1] != ' ')
				out[o++] = ' ';
			continue;
		}
		char ch = s[k];
		if (lower && ch >= 'A' && ch <= 'Z')
			ch = (char)(ch - 'A' + 'a');
		out[o++] = ch;
	}
	if (o > 0 && out[o - 1] == ' ')
		o--;
	return o;
}

/* RFC 6376 §3.4.2 in order: unfold (drop CRLFs), squeeze, trim, lowercase. */
static size_t ref_header(const char *f, size_t n, char *out)
{
	char *u = malloc(n + 1);
	size_t un = 0, o;
	const char *colon;

	assert_non_null(u);
	for (size_t k = 0; k < n; k++) {
		if (f[k] == '\r' && k + 1 < n && f[k + 1] == '\n') {
			k++;
			continue;
		}
		u[un++] = f[k];
	}
	colon = memchr(u, ':', un);
	if (colon == NULL) {
		o = ref_squeeze(u, un, false, out);
	} else {
		size_t nl = (size_t)(colon - u);

		o = ref_squeeze(u, nl, true, out);
		out[o++] = ':';
		o += ref_squeeze(colon + 1, un - nl - 1, false, out + o);
	}
	free(u);
	return o;
}

static uint64_t rng_state;

static uint64_t rnd(void)
{
	/* splitmix64: deterministic, good enough to explore inputs */
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static size_t rnd_below(size_t n)
{
	return (size_t)(rnd() % n);
}

/* Random text weighted to the interesting bytes: SP, HTAB, CR, LF, CRLF. */
static size_t random_text(char *b, size_t max, const char *extra, size_t nextra)
{
	size_t n = rnd_below(max + 1), o = 0;

	while (o < n) {
		size_t r = rnd_below(100);

		if (r < 18 && o + 2 <= n) {
			b[o++] = '\r';
			b[o++] = '\n';
		} else if (r < 38) {
			b[o++] = ' ';
		} else if (r < 48) {
			b[o++] = '\t';
		} else if (r < 56) {
			b[o++] = '\r';
		} else if (r < 63) {
			b[o++] = '\n';
		} else if (r < 78) {
			b[o++] = 'a';
		} else if (r < 93) {
			b[o++] = 'b';
		} else {
			b[o++] = extra[rnd_below(nextra)];
		}
	}
	return n;
}

enum { ROUNDS = 4000, MAXBODY = 300 };

static void check_body_feeds(da_canon c, const char *b, size_t n)
{
	static const size_t maxes[] = {1, 2, 3, 5, 17, 64, 700, 3000};
	char *want = malloc(n + 3);
	size_t wn, sizes[64], ns = 0;
	capture one, out;

	assert_non_null(want);
	wn = ref_body(c, b, n, want);

	body_canon(c, b, n, &one);
	assert_bytes(one.buf, one.len, want, wn);

	/* Random chunk sizes, with occasional empty updates. */
	size_t max = maxes[rnd_below(sizeof maxes / sizeof *maxes)];
	for (ns = 0; ns < 64; ns++)
		sizes[ns] = rnd_below(8) == 0 ? 0 : 1 + rnd_below(max);
	sizes[0] = 1 + rnd_below(max);
	body_canon_chunks(c, b, n, sizes, ns, &out);
	assert_bytes(out.buf, out.len, one.buf, one.len);
	cap_free(&out);

	/* Chunks ending right after every CR (up to 63): each CRLF is split. */
	size_t last = 0;
	ns = 0;
	for (size_t k = 0; k < n && ns < 63; k++) {
		if (b[k] == '\r') {
			sizes[ns++] = k + 1 - last;
			last = k + 1;
		}
	}
	sizes[ns++] = n > last ? n - last : 1;
	body_canon_chunks(c, b, n, sizes, ns, &out);
	assert_bytes(out.buf, out.len, want, wn);
	cap_free(&out);

	/* Byte at a time. */
	size_t oneb = 1;
	body_canon_chunks(c, b, n, &oneb, 1, &out);
	assert_bytes(out.buf, out.len, want, wn);
	cap_free(&out);

	cap_free(&one);
	free(want);
}

static void test_streaming_matches_one_chunk_and_reference(void **state)
{
	char b[MAXBODY];

	(void)state;
	rng_state = 6376;
	for (int r = 0; r < ROUNDS; r++) {
		size_t n = random_text(b, sizeof b, "xZ:\x00\xff", 5);

		check_body_feeds(DA_CANON_SIMPLE, b, n);
		check_body_feeds(DA_CANON_RELAXED, b, n);
	}
}

/* Long bodies mixing clean text lines (long runs) with random snippets. */
static size_t random_long_body(char *b, size_t max)
{
	static const char words[] = "lorem ipsum dolor sit amet consectetur adipiscing elit ";
	size_t n = 0;

	while (n < max / 2 && rnd_below(12) != 0) {
		size_t k;

		if (rnd_below(2) == 0) {
			k = rnd_below(1500);
			for (size_t w = 0; w < k && n + 2 < max; w++)
				b[n++] = words[(w + k) % (sizeof words - 1)];
			if (n + 2 <= max && rnd_below(4) != 0) {
				b[n++] = '\r';
				b[n++] = '\n';
			}
		} else {
			n += random_text(b + n, (max - n) < 80 ? max - n : 80, "x", 1);
		}
	}
	return n;
}

static void test_streaming_matches_reference_on_long_bodies(void **state)
{
	enum { MAXLONG = 20000 };
	char *b = malloc(MAXLONG);

	(void)state;
	assert_non_null(b);
	rng_state = 8301;
	for (int r = 0; r < 300; r++) {
		size_t n = random_long_body(b, MAXLONG);

		check_body_feeds(DA_CANON_SIMPLE, b, n);
		check_body_feeds(DA_CANON_RELAXED, b, n);
	}
	free(b);
}

static void test_bodyhash_matches_reference_under_random_limits(void **state)
{
	char b[MAXBODY], ref[MAXBODY + 3];

	(void)state;
	rng_state = 8463;
	for (int r = 0; r < ROUNDS; r++) {
		size_t n = random_text(b, sizeof b, "xy", 2);
		da_canon c = (da_canon)(r & 1);
		size_t rn = ref_body(c, b, n, ref);
		int64_t limit = rnd_below(3) == 0 ? -1 : (int64_t)rnd_below(rn + 4);
		size_t pre = limit < 0 || (size_t)limit > rn ? rn : (size_t)limit;
		unsigned char want[32];
		da_bodyhash bh;

		sha256(ref, pre, want);
		assert_int_equal(da_bodyhash_init(&bh, c, DA_HASH_SHA256, limit), 0);
		for (size_t off = 0; off < n;) {
			size_t m = 1 + rnd_below(9);

			if (m > n - off)
				m = n - off;
			da_bodyhash_update(&bh, b + off, m);
			off += m;
		}
		assert_int_equal(da_bodyhash_final(&bh), 0);
		assert_memory_equal(bh.digest, want, 32);
		assert_int_equal(bh.total, rn);
		da_bodyhash_clear(&bh);
	}
}

static void test_relaxed_header_matches_reference(void **state)
{
	char f[120], want[130];
	capture out;

	(void)state;
	rng_state = 5322;
	for (int r = 0; r < ROUNDS; r++) {
		size_t n = random_text(f, sizeof f, "::XyZ-\xc3", 7);
		size_t wn = ref_header(f, n, want);

		header_canon(DA_CANON_RELAXED, f, n, false, &out);
		assert_bytes(out.buf, out.len, want, wn);
		cap_free(&out);
		header_canon(DA_CANON_SIMPLE, f, n, false, &out);
		assert_bytes(out.buf, out.len, f, n);
		cap_free(&out);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_rfc_example_relaxed_headers),
	    cmocka_unit_test(test_rfc_example_simple_headers_unchanged),
	    cmocka_unit_test(test_rfc_example_relaxed_body),
	    cmocka_unit_test(test_rfc_example_simple_body_drops_trailing_empty_lines),
	    cmocka_unit_test(test_empty_body_simple_is_crlf),
	    cmocka_unit_test(test_empty_body_relaxed_is_empty_string),
	    cmocka_unit_test(test_appendix_a_body_hash),
	    cmocka_unit_test(test_body_without_final_crlf_gets_one),
	    cmocka_unit_test(test_relaxed_drops_whitespace_only_trailing_lines),
	    cmocka_unit_test(test_relaxed_folds_inner_whitespace),
	    cmocka_unit_test(test_bare_cr_and_lf_are_ordinary_bytes),
	    cmocka_unit_test(test_leading_empty_lines_are_kept),
	    cmocka_unit_test(test_many_held_empty_lines_are_emitted_in_runs),
	    cmocka_unit_test(test_body_lines_leave_in_one_run),
	    cmocka_unit_test(test_rfc_example_body_byte_by_byte_with_empty_updates),
	    cmocka_unit_test(test_relaxed_header_details),
	    cmocka_unit_test(test_relaxed_header_keeps_bare_cr_and_lf),
	    cmocka_unit_test(test_header_without_colon_is_canonicalized_as_value),
	    cmocka_unit_test(test_header_without_crlf_flag),
	    cmocka_unit_test(test_relaxed_header_long_name),
	    cmocka_unit_test(test_length_limit_hashes_prefix_and_counts_all),
	    cmocka_unit_test(test_length_limit_on_relaxed_body),
	    cmocka_unit_test(test_bodyhash_rejects_unknown_hash),
	    cmocka_unit_test(test_bodyhash_clear_is_safe_when_zeroed_or_repeated),
	    cmocka_unit_test(test_streaming_matches_one_chunk_and_reference),
	    cmocka_unit_test(test_streaming_matches_reference_on_long_bodies),
	    cmocka_unit_test(test_bodyhash_matches_reference_under_random_limits),
	    cmocka_unit_test(test_relaxed_header_matches_reference),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
