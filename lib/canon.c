/*
 * RFC 6376 §3.4 canonicalization and body hashing, shared by DKIM and ARC.
 *
 * Hot path: bytes are scanned in tight loops and handed to the sink in runs
 * as long as the input allows. The body canonicalizer keeps no data between
 * calls: what it cannot decide yet (empty lines, whitespace, a CR that may
 * pair with the next chunk's LF) is held as counters and flags.
 */
#include "crypto.h"
#include "internal.h"

#include <string.h>
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

/* Bytes that stop a verbatim run: WSP, and CR (it may start a line end). */
static const unsigned char stop[256] = {[' '] = 1, ['\t'] = 1, ['\r'] = 1};

#define CRLF4  "\r\n\r\n\r\n\r\n"
#define CRLF32 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4 CRLF4
/* Held-back empty lines are emitted from here, many per sink call. */
static const char crlfs[] = CRLF32 CRLF32 CRLF32 CRLF32;

/* ---- header fields ------------------------------------------------------- */

/* Collects the lowercased field name (and colon) so it leaves in one run. */
typedef struct {
	char b[128];
	size_t n;
	da_sink sink;
	void *arg;
} lowbuf;

static void lower_put(void *arg, const char *p, size_t n)
{
	lowbuf *lb = arg;

	while (n > 0) {
		size_t k = sizeof lb->b - lb->n;

		if (k == 0) {
			lb->sink(lb->arg, lb->b, lb->n);
			lb->n = 0;
			k = sizeof lb->b;
		}
		if (k > n)
			k = n;
		for (size_t i = 0; i < k; i++) {
			unsigned char ch = (unsigned char)p[i];

			lb->b[lb->n + i] = (char)((unsigned)(ch - 'A') < 26u ? ch + 32 : ch);
		}
		lb->n += k;
		p += k;
		n -= k;
	}
}

/*
 * Relaxed form of a name or value: CRLF pairs deleted (they neither make
 * nor break whitespace), WSP runs become one SP, leading and trailing WSP
 * dropped. Bare CR and LF are ordinary bytes.
 */
static void relaxed_part(const char *p, size_t n, da_sink out, void *arg)
{
	const char *end = p + n, *i = p, *s;
	bool wsp = false, have = false;

	while (i < end) {
		/* Skip separators: WSP, and CRLF pairs (transparent). */
		if (*i == ' ' || *i == '\t') {
			wsp = true;
			i++;
			continue;
		}
		if (*i == '\r' && i + 1 < end && i[1] == '\n') {
			i += 2;
			continue;
		}
		/* A run of content, keeping single SPs between content bytes. */
		s = i++;
		for (;;) {
			while (i < end && !stop[(unsigned char)*i])
				i++;
			if (i == end)
				break;
			if (*i == '\r') {
				if (i + 1 < end && i[1] == '\n')
					break;
				i++;
				continue;
			}
			if (*i == ' ' && i + 1 < end && !stop[(unsigned char)i[1]]) {
				i += 2;
				continue;
			}
			break;
		}
		if (wsp && have)
			out(arg, " ", 1);
		out(arg, s, (size_t)(i - s));
		have = true;
		wsp = false;
	}
}

void da_canon_header(da_canon c, const char *field, size_t len, bool crlf, da_sink sink, void *arg)
{
	if (c == DA_CANON_SIMPLE) {
		if (len > 0)
			sink(arg, field, len);
	} else {
		const char *colon = memchr(field, ':', len);

		if (colon == NULL) {
			/* Malformed: no name; canonicalize it all as a value. */
			relaxed_part(field, len, sink, arg);
		} else {
			lowbuf lb = {.n = 0, .sink = sink, .arg = arg};
			size_t nl = (size_t)(colon - field);

			relaxed_part(field, nl, lower_put, &lb);
			lower_put(&lb, ":", 1);
			sink(arg, lb.b, lb.n);
			relaxed_part(colon + 1, len - nl - 1, sink, arg);
		}
	}
	if (crlf)
		sink(arg, "\r\n", 2);
}

/* ---- body ---------------------------------------------------------------- */

void da_body_canon_init(da_body_canon *bc, da_canon c, da_sink sink, void *arg)
{
	memset(bc, 0, sizeof *bc);
	bc->canon = c;
	bc->sink = sink;
	bc->arg = arg;
}

/*
 * Output of one update call. Canonical runs can be short (relaxed cuts at
 * every fixed-up whitespace run), and a sink call into a digest costs more
 * than copying a short run, so short runs are gathered here first. It lives
 * on the stack for one call only: nothing is held between calls but the
 * counters in da_body_canon.
 */
typedef struct {
	da_body_canon *bc;
	size_t n;
	char b[1024];
} outbuf;

static void out_flush(outbuf *o)
{
	if (o->n > 0) {
		o->bc->sink(o->bc->arg, o->b, o->n);
		o->n = 0;
	}
}

static void out_put(outbuf *o, const char *p, size_t n)
{
	if (n > sizeof o->b - o->n) {
		out_flush(o);
		if (n > sizeof o->b / 4) {
			o->bc->sink(o->bc->arg, p, n); /* long run: no copy */
			return;
		}
	}
	memcpy(o->b + o->n, p, n);
	o->n += n;
}

/* Emits content: whatever was held back is now proven interior. */
static void emit(outbuf *o, const char *p, size_t n)
{
	da_body_canon *bc = o->bc;

	if (n == 0)
		return;
	while (bc->pending_crlf > 0) {
		uint64_t m = (sizeof crlfs - 1) / 2;

		if (m > bc->pending_crlf)
			m = bc->pending_crlf;
		out_put(o, crlfs, (size_t)m * 2);
		bc->pending_crlf -= m;
	}
	if (bc->pending_wsp) {
		out_put(o, " ", 1);
		bc->pending_wsp = false;
	}
	out_put(o, p, n);
	bc->any = true;
	bc->line_has_data = true;
}

static void line_end(da_body_canon *bc)
{
	bc->pending_wsp = false; /* WSP at the end of a line is ignored */
	bc->pending_crlf++;
	bc->line_has_data = false;
}

/*
 * Settles a CR held from the previous chunk: with an LF it ends a line,
 * otherwise it was an ordinary byte. Returns bytes of p consumed.
 */
static size_t settle_cr(outbuf *o, const char *p)
{
	o->bc->cr = false;
	if (*p == '\n') {
		line_end(o->bc);
		return 1;
	}
	emit(o, "\r", 1);
	return 0;
}

/* Simple: output is the input minus trailing CRLFs, so only a tail waits. */
static void simple_update(outbuf *o, const char *p, const char *end)
{
	da_body_canon *bc = o->bc;
	const char *t = end;
	uint64_t tail = 0;
	bool tcr = false;

	if (t > p && t[-1] == '\r') {
		tcr = true;
		t--;
	}
	/* CRLF pairs never overlap, so a backward match is a real line end. */
	while (t - p >= 2 && t[-1] == '\n' && t[-2] == '\r') {
		t -= 2;
		tail++;
	}
	emit(o, p, (size_t)(t - p));
	if (tail > 0) {
		bc->pending_crlf += tail;
		bc->line_has_data = false;
	}
	bc->cr = tcr;
}

#if defined(__SSE2__)
/*
 * Most text is already relaxed-canonical: single spaces between words, line
 * ends right after content. Returns the first position at or after i (at
 * most end - 16) where that may not hold: an HTAB, a space followed by
 * WSP or CR, or a CR that starts an empty line (perhaps a trailing one).
 * start is the chunk's first byte, where the line state is unknown.
 * Bare CRs and single spaces need no change and are skipped 16 at a time.
 */
static const char *relaxed_skip(const char *start, const char *i, const char *end)
{
	const __m128i sp = _mm_set1_epi8(' '), tab = _mm_set1_epi8('\t'), cr = _mm_set1_epi8('\r'),
	              lf = _mm_set1_epi8('\n');
	const char *s0 = i;

	/* A line end at i starts an empty line: the pair check below only sees
	 * LF-then-CR inside the window. */
	if (i < end && *i == '\r' && (i == start || i[-1] == '\n'))
		return i;
	while (end - i >= 17) {
		__m128i a = _mm_loadu_si128((const __m128i *)(const void *)i);
		__m128i b = _mm_loadu_si128((const __m128i *)(const void *)(i + 1));
		__m128i bcr = _mm_cmpeq_epi8(b, cr);
		__m128i bws = _mm_or_si128(_mm_cmpeq_epi8(b, sp), _mm_cmpeq_epi8(b, tab));
		__m128i bad = _mm_or_si128(
		    _mm_cmpeq_epi8(a, tab),
		    _mm_or_si128(_mm_and_si128(_mm_cmpeq_epi8(a, sp), _mm_or_si128(bws, bcr)),
		                 _mm_and_si128(_mm_cmpeq_epi8(a, lf), bcr)));
		unsigned m = (unsigned)_mm_movemask_epi8(bad);
		if (m) {
			i += __builtin_ctz(m);
			break;
		}
		i += 16;
	}
	/* Never stop just past a CR or a CRLF: whether a line end may stay in
	 * the run depends on what follows it, which the byte loop decides. */
	if (i > s0 && i[-1] == '\r')
		i--;
	else if (i - s0 >= 2 && i[-1] == '\n' && i[-2] == '\r')
		i -= 2;
	return i;
}
#endif

static void relaxed_update(outbuf *o, const char *p, const char *end)
{
	da_body_canon *bc = o->bc;
	const char *run = p, *i = p, *j;

	while (i < end) {
#if defined(__SSE2__)
		/* Not at a run start with whitespace held from the last chunk:
		 * there a leading space would double it. */
		if (i > run || !bc->pending_wsp)
			i = relaxed_skip(p, i, end);
#endif
		while (i < end && !stop[(unsigned char)*i])
			i++;
		if (i == end)
			break;
		if (*i == '\r') {
			if (i + 1 == end) {
				emit(o, run, (size_t)(i - run));
				bc->cr = true;
				return;
			}
			if (i[1] != '\n') {
				i++; /* bare CR: ordinary byte */
				continue;
			}
			/* After content, and the next line starts with content:
			 * keep the CRLF in the run so lines leave in one piece. */
			if (i > run && i + 2 < end && !stop[(unsigned char)i[2]]) {
				i += 2;
				continue;
			}
			emit(o, run, (size_t)(i - run));
			line_end(bc);
			run = i = i + 2;
			continue;
		}
		/* A WSP run [i, j). */
		for (j = i + 1; j < end && (*j == ' ' || *j == '\t'); j++)
			;
		if (j < end && !stop[(unsigned char)*j]) {
			/* Followed by content: interior whitespace. */
			if (i == run && bc->pending_wsp) {
				run = i = j; /* continues whitespace held earlier */
				continue;
			}
			if (*i == ' ') {
				if (j == i + 1) {
					i = j; /* already canonical */
					continue;
				}
				emit(o, run, (size_t)(i + 1 - run));
				run = i = j;
				continue;
			}
		}
		/* Trailing, before a CR, at the chunk end, or starting with HTAB. */
		emit(o, run, (size_t)(i - run));
		bc->pending_wsp = true;
		run = i = j;
	}
	emit(o, run, (size_t)(end - run));
}

void da_body_canon_update(da_body_canon *bc, const char *p, size_t n)
{
	const char *end = p + n;
	outbuf o;

	if (n == 0)
		return;
	o.bc = bc;
	o.n = 0;
	if (bc->cr)
		p += settle_cr(&o, p);
	if (bc->canon == DA_CANON_SIMPLE)
		simple_update(&o, p, end);
	else
		relaxed_update(&o, p, end);
	out_flush(&o);
}

void da_body_canon_final(da_body_canon *bc)
{
	outbuf o;

	o.bc = bc;
	o.n = 0;
	if (bc->cr) {
		bc->cr = false;
		emit(&o, "\r", 1); /* a CR at the very end is an ordinary byte */
	}
	/*
	 * Exactly one CRLF ends the canonical body. Relaxed maps an empty body
	 * to the empty string, not CRLF (RFC 6376 erratum 3192, as RFC 8463
	 * implementations do); simple always yields at least CRLF.
	 */
	if (bc->canon == DA_CANON_SIMPLE || bc->any)
		out_put(&o, "\r\n", 2);
	out_flush(&o);
	bc->pending_crlf = 0;
	bc->pending_wsp = false;
	bc->line_has_data = false;
}

/* ---- body hash ----------------------------------------------------------- */

/* Counts every canonical byte, hashes only the first `limit` of them. */
static void bodyhash_sink(void *arg, const char *p, size_t n)
{
	da_bodyhash *bh = arg;
	uint64_t before = bh->total;

	bh->total += n;
	if (bh->limit >= 0) {
		uint64_t lim = (uint64_t)bh->limit;

		if (before >= lim)
			return;
		if (n > lim - before)
			n = (size_t)(lim - before);
	}
	/* A failed update drops the context so that final reports it. */
	if (bh->md != NULL && EVP_DigestUpdate(bh->md, p, n) != 1) {
		EVP_MD_CTX_free(bh->md);
		bh->md = NULL;
	}
}

/* bh must stay at this address until cleared: the sink points to it. */
int da_bodyhash_init(da_bodyhash *bh, da_canon c, int hash, int64_t limit)
{
	const EVP_MD *md;

	memset(bh, 0, sizeof *bh);
	if (hash != DA_HASH_SHA256 && hash != DA_HASH_SHA1)
		return -1;
	md = da_hash_md(hash);
	bh->limit = limit < 0 ? -1 : limit;
	da_body_canon_init(&bh->bc, c, bodyhash_sink, bh);
	bh->md = EVP_MD_CTX_new();
	if (bh->md == NULL || EVP_DigestInit_ex(bh->md, md, NULL) != 1) {
		da_bodyhash_clear(bh);
		return -1;
	}
	return 0;
}

void da_bodyhash_update(da_bodyhash *bh, const char *p, size_t n)
{
	da_body_canon_update(&bh->bc, p, n);
}

int da_bodyhash_final(da_bodyhash *bh)
{
	da_body_canon_final(&bh->bc);
	if (bh->md == NULL || EVP_DigestFinal_ex(bh->md, bh->digest, &bh->digest_len) != 1) {
		bh->digest_len = 0;
		return -1;
	}
	return 0;
}

void da_bodyhash_clear(da_bodyhash *bh)
{
	EVP_MD_CTX_free(bh->md);
	bh->md = NULL;
}
