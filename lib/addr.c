/*
 * Address lists per RFC 5322 §3.4 (§3.2.2-3.2.5 lexical tokens, §4.4
 * obsolete forms, RFC 6532 UTF-8, RFC 6854 groups in From), in one pass:
 * a lexer that skips CFWS and yields atoms, quoted strings, domain literals
 * and specials, and a parser with one token of look-ahead.
 *
 * Anything outside the grammar, and the corners of it where real readers
 * (GMime, Python's email package; tests/addr/) resolve a value differently,
 * sets `ambiguous`: a From that does not read one way must align with
 * nothing. The rules are deliberately strict; tests/addr/ checks that every
 * value we read one way is read that way by both readers.
 */
#include "addr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

typedef enum { T_END, T_ATOM, T_QSTR, T_DLIT, T_CHAR } tkind;

typedef struct {
	tkind k;
	unsigned char c; /* T_CHAR: the byte */
	size_t off, len; /* in the value; quotes and brackets included */
	bool ew;         /* T_ATOM, T_QSTR: contains "=?" (an RFC 2047 encoded-word, maybe) */
	bool addrlike;   /* T_QSTR: contains '@', '<' or '>' */
	bool cfws;       /* CFWS before it */
	bool folded;     /* T_QSTR, T_DLIT: folding inside */
	bool bad8;       /* a byte that is not UTF-8 inside */
} tok;

typedef struct {
	const char *v;
	size_t n, pos;
	tok la; /* the look-ahead token */
	da_addrlist *out;
	char *buf; /* n + 1 bytes: the local part, then the domain, of the mailbox at hand */
	size_t blen;
	size_t run_from, run_to; /* memo of word_run() */
	bool bad8;               /* the token being read has a byte that is not UTF-8 */
	bool nomem;
} parser;

static void flag(parser *p, size_t off, const char *what)
{
	if (p->out->ambiguous)
		return;
	p->out->ambiguous = true;
	snprintf(p->out->why, sizeof p->out->why, "%s (byte %zu of the value)", what, off);
}

/* RFC 5322 atext, plus the bytes of RFC 6532 UTF-8 (checked by da_utf8_len). */
static bool is_atext(unsigned char c)
{
	/* Bit c of these: ALPHA, DIGIT and !#$%&'*+-/=?^_`{|}~. */
	static const uint64_t lo = 0xa3ffacfa00000000ull, hi = 0x7fffffffc7fffffeull;

	if (c >= 0x80)
		return true;
	return ((c < 64 ? lo >> c : hi >> (c - 64)) & 1) != 0;
}

/* A control byte other than HTAB: readers drop, keep or stop at it. */
static bool is_ctl(unsigned char c)
{
	return (c < 0x20 && c != '\t') || c == 0x7f;
}

/*
 * One byte of text inside a quoted string, comment or domain literal at
 * p->pos: checks it and returns how many bytes it spans.
 */
static size_t text_byte(parser *p)
{
	const unsigned char *s = (const unsigned char *)p->v + p->pos;
	size_t left = p->n - p->pos;

	if (s[0] == '\0') {
		flag(p, p->pos, "a NUL byte");
		return 1;
	}
	if (is_ctl(s[0])) {
		flag(p, p->pos, "a control byte");
		return 1;
	}
	if (s[0] >= 0x80) {
		size_t l = da_utf8_len(s, left);
		if (l == 0) {
			p->bad8 = true;
			return 1;
		}
		return l;
	}
	return 1;
}

/*
 * At a CR or LF: folding (CRLF then WSP) is skipped; any other line break
 * is one that readers take for the end of the field, or not.
 */
static void line_break(parser *p)
{
	const char *v = p->v;
	size_t i = p->pos;

	if (v[i] == '\r' && i + 2 < p->n && v[i + 1] == '\n' &&
	    (v[i + 2] == ' ' || v[i + 2] == '\t')) {
		p->pos += 2;
		return;
	}
	flag(p, i, "a line break that is not folding");
	p->pos++;
}

/* A quoted pair at p->pos ('\\'); returns its length. */
static size_t quoted_pair(parser *p)
{
	size_t at = p->pos;

	if (at + 1 >= p->n) {
		flag(p, at, "a backslash at the end of the value");
		return 1;
	}
	unsigned char c = (unsigned char)p->v[at + 1];
	if (c == '\r' || c == '\n' || is_ctl(c) || c == '\0') {
		flag(p, at, "a quoted pair of a control byte");
		return 2;
	}
	p->pos++;
	size_t l = text_byte(p);
	p->pos--;
	return 1 + l;
}

/* A comment at p->pos ('('), nested comments and quoted pairs included (§3.2.2). */
static void comment(parser *p)
{
	size_t start = p->pos, depth = 0;

	while (p->pos < p->n) {
		char c = p->v[p->pos];
		switch (c) {
		case '(':
			/* Python's email package recurses per level and fails near 500. */
			if (++depth == 33)
				flag(p, p->pos, "comments nested deeper than 32");
			p->pos++;
			break;
		case ')':
			p->pos++;
			if (--depth == 0)
				return;
			break;
		case '\\':
			p->pos += quoted_pair(p);
			break;
		case '\r':
		case '\n':
			line_break(p);
			break;
		default:
			p->pos += text_byte(p);
			break;
		}
	}
	flag(p, start, "an unterminated comment");
}

/* Skips CFWS (§3.2.2). */
static void skip_cfws(parser *p)
{
	while (p->pos < p->n) {
		char c = p->v[p->pos];
		if (c == ' ' || c == '\t')
			p->pos++;
		else if (c == '\r' || c == '\n')
			line_break(p);
		else if (c == '(')
			comment(p);
		else
			break;
	}
}

/* ---- RFC 2047 encoded-words, as Python's email package finds them -------- */

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* Charsets in which only the bytes CR and LF decode to CR and LF. */
static bool ascii_compatible(const char *cs, size_t n)
{
	static const char *const names[] = {
	    "utf-8",      "utf8",           "us-ascii",  "ascii",       "latin1",  "latin-1",
	    "koi8-r",     "koi8-u",         "gb2312",    "gbk",         "gb18030", "big5",
	    "big5-hkscs", "shift_jis",      "shift-jis", "sjis",        "cp932",   "euc-jp",
	    "euc-kr",     "ks_c_5601-1987", "cp949",     "iso-2022-jp", "tis-620", "windows-874",
	    "cp874",      "unknown-8bit"};
	static const char *const prefixes[] = {"iso-8859-", "windows-125", "cp125"};

	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (strlen(names[i]) == n && strncasecmp(cs, names[i], n) == 0)
			return true;
	for (size_t i = 0; i < sizeof prefixes / sizeof prefixes[0]; i++) {
		size_t pl = strlen(prefixes[i]);
		if (n <= pl || n > pl + 2 || strncasecmp(cs, prefixes[i], pl) != 0)
			continue;
		bool digits = true;
		for (size_t k = pl; k < n; k++)
			digits &= cs[k] >= '0' && cs[k] <= '9';
		if (digits)
			return true;
	}
	return false;
}

/* Strict base64 (padding optional, as Python adds it) that decodes to neither CR nor LF. */
static bool b64_without_line_break(const char *s, size_t n)
{
	size_t pad = 0;

	while (pad < 2 && pad < n && s[n - 1 - pad] == '=')
		pad++;
	size_t data = n - pad;
	if (data % 4 == 1)
		return false;
	for (size_t i = 0; i < data; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '+' || c == '/'))
			return false;
	}
	for (size_t i = 0; i < data; i += 4) {
		unsigned char in[4] = {'=', '=', '=', '='}, out[3];
		size_t k = data - i < 4 ? data - i : 4;
		memcpy(in, s + i, k);
		if (EVP_DecodeBlock(out, in, 4) != 3)
			return false;
		for (size_t j = 0; j + 1 < k; j++) /* k characters carry k - 1 bytes */
			if (out[j] == '\r' || out[j] == '\n')
				return false;
	}
	return true;
}

/*
 * Python's email package reads "=?" at the start of an atom, or inside a
 * quoted string, as an encoded-word running to the next "?=" (or the one
 * after, when "=XX" follows), wherever that is: across white space, specials
 * and quotes, if what lies between reads charset?q-or-b?text. Such a word
 * that ends past limit makes Python split the value elsewhere than RFC 5322;
 * one that decodes to CR or LF makes it raise. Returns why the word at s is
 * trouble, or NULL. Stops at a third '?', so scans stay short.
 */
static const char *ew_trouble(const parser *p, size_t s, size_t limit)
{
	const char *v = p->v;
	size_t n = p->n, q[2], nq = 0, e = n, i;

	for (i = s + 2; i < n; i++) {
		if (v[i] != '?')
			continue;
		if (i + 1 < n && v[i + 1] == '=')
			break;
		if (nq == 2)
			return NULL;
		q[nq++] = i;
	}
	if (i >= n)
		return NULL; /* no "?=": an atom */
	e = i;
	if (nq < 2 && e + 3 < n && is_hex(v[e + 2]) && is_hex(v[e + 3])) {
		q[nq++] = e;
		for (i = e + 2; i < n; i++) {
			if (v[i] != '?')
				continue;
			if (i + 1 < n && v[i + 1] == '=')
				break;
			if (nq == 2)
				return NULL;
			q[nq++] = i;
		}
		e = i;
	}
	if (nq != 2 || q[1] != q[0] + 2)
		return NULL;
	char cte = v[q[0] + 1];
	if (cte != 'q' && cte != 'Q' && cte != 'b' && cte != 'B')
		return NULL;
	/* Python takes it for an encoded-word. */
	if ((e < n ? e + 2 : n) > limit)
		return "an encoded-word that runs past its word";
	const char *cs = v + s + 2;
	size_t csn = q[0] - (s + 2);
	const char *star = memchr(cs, '*', csn);
	if (star)
		csn = (size_t)(star - cs);
	if (!ascii_compatible(cs, csn))
		return "an encoded-word in a charset that may decode to a line break";
	const char *text = v + q[1] + 1;
	size_t tn = e - (q[1] + 1);
	if (cte == 'b' || cte == 'B')
		return b64_without_line_break(text, tn) ? NULL
		                                        : "an encoded-word that decodes to a line "
		                                          "break, or is not strict base64";
	for (size_t k = 0; k + 2 < tn; k++)
		if (text[k] == '=' && text[k + 1] == '0' &&
		    (text[k + 2] == 'a' || text[k + 2] == 'A' || text[k + 2] == 'd' ||
		     text[k + 2] == 'D'))
			return "an encoded-word that decodes to a line break";
	return NULL;
}

/* End of the run of atoms, dots and white space from s: where a phrase's encoded-word must end. */
static size_t word_run(parser *p, size_t s)
{
	if (s >= p->run_from && s < p->run_to)
		return p->run_to;
	size_t i = s;
	while (i < p->n) {
		unsigned char c = (unsigned char)p->v[i];
		if (!(is_atext(c) || c == '.' || c == ' ' || c == '\t' || c == '\r' || c == '\n'))
			break;
		i++;
	}
	p->run_from = s;
	p->run_to = i;
	return i;
}

static void check_ew(parser *p, size_t s, size_t limit)
{
	const char *why = ew_trouble(p, s, limit);

	if (why)
		flag(p, s, why);
}

/* The quoted string or domain literal at p->pos, up to the closing byte. */
static void delimited(parser *p, tok *t, char close)
{
	p->pos++;
	while (p->pos < p->n) {
		unsigned char c = (unsigned char)p->v[p->pos];
		if (c == (unsigned char)close) {
			p->pos++;
			return;
		}
		if (c == '\\') {
			if (close == ']')
				flag(p, p->pos, "a quoted pair in a domain literal");
			p->pos += quoted_pair(p);
		} else if (c == '\r' || c == '\n') {
			t->folded = true;
			line_break(p);
		} else if (close == ']' && (c == '[' || c == ' ' || c == '\t')) {
			flag(p, p->pos, "white space or '[' in a domain literal");
			p->pos++;
		} else {
			if (c == '@' || c == '<' || c == '>')
				t->addrlike = true;
			if (c == '=' && p->pos + 1 < p->n && p->v[p->pos + 1] == '?')
				t->ew = true;
			p->pos += c >= 0x20 && c < 0x7f ? 1 : text_byte(p);
		}
	}
	flag(p, t->off,
	     close == '"' ? "an unterminated quoted string" : "an unterminated domain literal");
}

static void lex(parser *p, tok *t)
{
	size_t start = p->pos;

	skip_cfws(p);
	memset(t, 0, sizeof *t);
	p->bad8 = false; /* in a comment, no matter: readers agree on the address */
	t->cfws = p->pos > start;
	t->off = p->pos;
	if (p->pos >= p->n) {
		t->k = T_END;
		return;
	}
	unsigned char c = (unsigned char)p->v[p->pos];
	if (c == '"') {
		t->k = T_QSTR;
		delimited(p, t, '"');
		if (t->ew) {
			size_t close =
			    p->pos - 1; /* the closing quote (a flagged one when unterminated) */
			for (size_t i = t->off + 1; i + 1 < close; i++)
				if (p->v[i] == '=' && p->v[i + 1] == '?')
					check_ew(p, i, close);
		}
	} else if (c == '[') {
		t->k = T_DLIT;
		delimited(p, t, ']');
	} else if (is_atext(c)) {
		t->k = T_ATOM;
		if (c == '=' && p->pos + 1 < p->n && p->v[p->pos + 1] == '?')
			check_ew(p, p->pos, word_run(p, p->pos));
		while (p->pos < p->n && is_atext((unsigned char)p->v[p->pos])) {
			const unsigned char *s = (const unsigned char *)p->v + p->pos;
			if (s[0] == '=' && p->pos + 1 < p->n && s[1] == '?')
				t->ew = true;
			if (s[0] < 0x80) {
				p->pos++;
				continue;
			}
			size_t l = da_utf8_len(s, p->n - p->pos);
			if (l == 0) {
				p->bad8 = true;
				l = 1;
			}
			p->pos += l;
		}
	} else {
		t->k = T_CHAR;
		t->c = c;
		if (c == '\0')
			flag(p, p->pos, "a NUL byte");
		else if (is_ctl(c))
			flag(p, p->pos, "a control byte");
		p->pos++;
	}
	t->len = p->pos - t->off;
	t->bad8 = p->bad8;
}

static const tok *peek(parser *p)
{
	return &p->la;
}

static void next(parser *p)
{
	lex(p, &p->la);
}

static bool is_char(const tok *t, char c)
{
	return t->k == T_CHAR && t->c == (unsigned char)c;
}

/* Appends a word's text as a reader shows it: quotes dropped, quoted pairs and folding resolved. */
static void append(parser *p, const tok *t)
{
	const char *s = p->v + t->off;
	size_t n = t->len;

	if (t->k == T_QSTR) {
		s++;
		n = n >= 2 && s[n - 2] == '"' ? n - 2 : n - 1;
		for (size_t i = 0; i < n; i++) {
			if (s[i] == '\\' && i + 1 < n)
				i++;
			else if (s[i] == '\r' || s[i] == '\n')
				continue;
			p->buf[p->blen++] = s[i];
		}
		return;
	}
	memcpy(p->buf + p->blen, s, n);
	p->blen += n;
}

/*
 * A run of words and dots: a display name (phrase, obs-phrase) or a local
 * part (dot-atom, quoted string, obs-local-part), which only the token after
 * it tells. Its text joined without CFWS goes to p->buf as a local part.
 */
typedef struct {
	size_t off;          /* where it starts */
	size_t words;        /* atoms and quoted strings */
	bool dot_atom_shape; /* word *("." word): a possible local part */
	bool lead_dot;       /* starts with '.' */
	bool trail_dot;      /* ends with '.' */
	bool ew;             /* an atom holds "=?" */
	bool addrlike;       /* a quoted string holds '@', '<' or '>' */
	bool folded;         /* a quoted string is folded */
	bool bad8;           /* a byte that is not UTF-8 */
} phrase;

static void read_phrase(parser *p, phrase *ph)
{
	enum { NONE, WORD, DOT } last = NONE;

	memset(ph, 0, sizeof *ph);
	ph->off = peek(p)->off;
	ph->dot_atom_shape = true;
	p->blen = 0;
	for (;;) {
		const tok *t = peek(p);
		if (t->k == T_ATOM || t->k == T_QSTR) {
			if (last == WORD)
				ph->dot_atom_shape = false;
			ph->words++;
			ph->ew |= t->ew;
			ph->addrlike |= t->addrlike;
			ph->folded |= t->folded;
			ph->bad8 |= t->bad8;
			append(p, t);
			last = WORD;
		} else if (is_char(t, '.')) {
			if (last != WORD)
				ph->dot_atom_shape = false;
			if (last == NONE)
				ph->lead_dot = true;
			p->buf[p->blen++] = '.';
			last = DOT;
		} else {
			break;
		}
		next(p);
	}
	if (last == DOT) {
		ph->dot_atom_shape = false;
		ph->trail_dot = true;
	}
}

static bool has_ew_start(const char *s, size_t n)
{
	for (size_t i = 0; i + 1 < n; i++)
		if (s[i] == '=' && s[i + 1] == '?')
			return true;
	return false;
}

/* Checks the phrase just read as the local part before '@'. */
static void check_local(parser *p, const phrase *ph)
{
	if (ph->words == 0)
		flag(p, ph->off, "an empty local part");
	else if (!ph->dot_atom_shape)
		flag(p, ph->off, "a local part that is not words separated by dots");
	else if (ph->ew || has_ew_start(p->buf, p->blen)) /* "\\=?" reads "=?" too */
		flag(p, ph->off, "an encoded-word in an address");
	else if (ph->folded) /* GMime keeps the CRLF, Python drops it */
		flag(p, ph->off, "a folded quoted string in a local part");
	else if (ph->bad8) /* GMime converts from a fallback charset, Python keeps the bytes */
		flag(p, ph->off, "a local part that is not UTF-8");
	else if (p->blen == 0)
		flag(p, ph->off, "an empty local part");
}

/* The domain after '@' (§3.4.1, obs-domain), appended to p->buf after the local part. */
static void read_domain(parser *p)
{
	const tok *t = peek(p);

	if (t->bad8)
		flag(p, t->off, "a domain that is not UTF-8");
	if (t->k == T_DLIT) {
		append(p, t);
		next(p);
		return;
	}
	if (t->k != T_ATOM) {
		flag(p, t->off, "no domain after '@'");
		return;
	}
	for (;;) {
		t = peek(p);
		if (t->ew)
			flag(p, t->off, "an encoded-word in an address");
		if (t->bad8)
			flag(p, t->off, "a domain that is not UTF-8");
		append(p, t);
		next(p);
		if (!is_char(peek(p), '.'))
			return;
		size_t dot = peek(p)->off;
		p->buf[p->blen++] = '.';
		next(p);
		if (peek(p)->k != T_ATOM) {
			flag(p, dot, "a domain that ends with a dot");
			return;
		}
	}
}

static char *dup_lower(const char *s, size_t n, bool lower)
{
	char *d = malloc(n + 1);

	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++)
		d[i] = lower && s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] + 32) : s[i];
	d[n] = '\0';
	return d;
}

/* Records the mailbox in p->buf: local part [0, llen), domain [llen, blen). */
static void emit(parser *p, size_t llen, size_t off)
{
	da_addrlist *l = p->out;
	const char *d = p->buf + llen;
	size_t dn = p->blen - llen;

	if (p->nomem)
		return;
	while (dn && d[dn - 1] == '.')
		dn--;
	/* A NUL or control byte would cut the C string short ("example.com\0.evil.test"). */
	for (size_t i = 0; i < dn; i++)
		if ((unsigned char)d[i] < 0x21 || d[i] == 0x7f) {
			flag(p, off, "a control byte in a domain");
			dn = 0;
			break;
		}
	if (memchr(p->buf, '\0', llen))
		flag(p, off, "a NUL byte");
	if (l->n == l->cap) {
		size_t nc = l->cap ? l->cap * 2 : 4;
		da_mailbox *nm = realloc(l->m, nc * sizeof *nm);
		if (!nm) {
			p->nomem = true;
			return;
		}
		l->m = nm;
		l->cap = nc;
	}
	da_mailbox *m = &l->m[l->n];
	m->local = dup_lower(p->buf, llen, false);
	m->domain = dn ? dup_lower(d, dn, true) : NULL;
	if (!m->local || (dn && !m->domain)) {
		free(m->local);
		free(m->domain);
		p->nomem = true;
		return;
	}
	l->n++;
}

/* After '<': [obs-route] addr-spec '>' (§3.4, §4.4). */
static void read_angle(parser *p)
{
	size_t lt = peek(p)->off;

	next(p);
	if (is_char(peek(p), ',')) /* obs-domain-list allows it; GMime drops the address */
		flag(p, peek(p)->off, "a route that starts with ','");
	if (is_char(peek(p), '@') || is_char(peek(p), ',')) {
		while (is_char(peek(p), ',') || is_char(peek(p), '@')) {
			bool at = is_char(peek(p), '@');
			next(p);
			if (at) {
				p->blen = 0;
				read_domain(p);
			}
		}
		if (is_char(peek(p), ':'))
			next(p);
		else
			flag(p, peek(p)->off, "a route without ':' in an angle-addr");
	}
	if (is_char(peek(p), '>')) {
		flag(p, lt, "an empty angle-addr");
		next(p);
		return;
	}
	phrase ph;
	read_phrase(p, &ph);
	if (!is_char(peek(p), '@')) {
		flag(p, peek(p)->off, "an angle-addr without '@'");
	} else {
		check_local(p, &ph);
		size_t llen = p->blen;
		next(p);
		read_domain(p);
		emit(p, llen, ph.off);
	}
	if (is_char(peek(p), '>')) {
		next(p);
		return;
	}
	flag(p, peek(p)->off,
	     peek(p)->k == T_END ? "an unterminated angle-addr"
	                         : "more than an address inside '<' '>'");
	while (peek(p)->k != T_END && !is_char(peek(p), '>'))
		next(p);
	if (peek(p)->k != T_END)
		next(p);
}

/* Skips to the end of the element after an error: the next ',' (or ';' in a group). */
static void recover(parser *p, bool in_group)
{
	while (peek(p)->k != T_END && !is_char(peek(p), ',') &&
	       !(in_group && is_char(peek(p), ';')))
		next(p);
}

/* After a mailbox: only ',' (or ';' ending its group) or the end may follow. */
static void end_of_mailbox(parser *p, bool in_group, bool angle)
{
	const tok *t = peek(p);

	if (t->k == T_END || is_char(t, ',') || (in_group && is_char(t, ';')))
		return;
	if (is_char(t, '<'))
		flag(p, t->off,
		     angle ? "two angle-addrs in one mailbox"
		           : "an addr-spec followed by an angle-addr");
	else
		flag(p, t->off, "text after an address");
	recover(p, in_group);
}

static void read_address(parser *p, bool in_group);

/* After the group's display name and ':': [group-list] ';' (§3.4, RFC 6854). */
static void read_group(parser *p)
{
	/* Python's email package raises on "name:;" followed by CFWS. */
	bool bare = is_char(peek(p), ';') && !peek(p)->cfws;

	for (;;) {
		const tok *t = peek(p);
		if (is_char(t, ';')) {
			next(p);
			if (bare && peek(p)->cfws)
				flag(p, t->off,
				     "an empty group \"name:;\" followed by white space");
			return;
		}
		if (t->k == T_END) {
			flag(p, t->off, "a group without ';'");
			return;
		}
		if (is_char(t, ','))
			next(p); /* obs-group-list, obs-mbox-list: empty elements */
		else
			read_address(p, true);
	}
}

/* One address: mailbox or group. Consumes at least one token unless at ',', ';' or the end. */
static void read_address(parser *p, bool in_group)
{
	phrase ph;

	read_phrase(p, &ph);
	const tok *t = peek(p);
	/* Python's email package raises on a phrase ending in '.' right before '<' or ':'. */
	if (ph.trail_dot && !t->cfws && (is_char(t, '<') || is_char(t, ':')))
		flag(p, t->off, "a display name that ends with a dot right before '<' or ':'");
	if (is_char(t, '<')) {
		if (ph.lead_dot)
			flag(p, ph.off, "a display name that starts with a dot");
		read_angle(p);
		end_of_mailbox(p, in_group, true);
	} else if (is_char(t, '@')) {
		check_local(p, &ph);
		size_t llen = p->blen;
		next(p);
		read_domain(p);
		emit(p, llen, ph.off);
		end_of_mailbox(p, in_group, false);
	} else if (is_char(t, ':') && ph.words > 0) {
		if (in_group)
			flag(p, t->off, "a group inside a group");
		else if (ph.addrlike || ph.ew)
			flag(p, ph.off, "a group name that looks like an address");
		else if (ph.lead_dot)
			flag(p, ph.off, "a display name that starts with a dot");
		next(p);
		if (in_group) {
			recover(p, true);
			return;
		}
		read_group(p);
		const tok *e = peek(p);
		if (e->k != T_END && !is_char(e, ',')) {
			flag(p, e->off, "text after a group");
			recover(p, false);
		}
	} else if (ph.words > 0 || ph.lead_dot) {
		flag(p, ph.off, "a name without an address");
		recover(p, in_group);
	} else if (t->k != T_END && !is_char(t, ',') && !(in_group && is_char(t, ';'))) {
		flag(p, t->off, "a stray character");
		next(p);
		recover(p, in_group);
	}
}

int da_addrlist_parse(const char *v, size_t n, da_addrlist *out)
{
	parser p = {.v = v, .n = n, .out = out};

	memset(out, 0, sizeof *out);
	p.buf = malloc(n + 1);
	if (!p.buf)
		return DKIMARC_ENOMEM;
	next(&p);
	while (peek(&p)->k != T_END && !p.nomem) {
		if (is_char(peek(&p), ','))
			next(&p); /* obs-addr-list: empty elements */
		else if (is_char(peek(&p), ';')) {
			flag(&p, peek(&p)->off, "';' outside a group");
			next(&p);
		} else
			read_address(&p, false);
	}
	free(p.buf);
	if (p.nomem) {
		da_addrlist_free(out);
		return DKIMARC_ENOMEM;
	}
	return DKIMARC_OK;
}

void da_addrlist_free(da_addrlist *l)
{
	for (size_t i = 0; i < l->n; i++) {
		free(l->m[i].local);
		free(l->m[i].domain);
	}
	free(l->m);
	l->m = NULL;
	l->n = l->cap = 0;
}
