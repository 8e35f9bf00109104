/*
 * A streaming JSON writer into a da_dyn, for the reports written once per
 * message: building a jansson tree for each and then dumping it cost more
 * than verifying the message. The text is what jansson writes with
 * JSON_COMPACT | JSON_PRESERVE_ORDER (tests/unit/test_jsonw.c compares the
 * two), so that output does not change with the writer. Bytes that are not
 * UTF-8 become U+FFFD, as jansson would refuse them. Inline, for both
 * libraries (see dynbuf.h).
 */
#ifndef DKIMARC_JSONW_H
#define DKIMARC_JSONW_H

#include "dkimarc/report.h"
#include "dynbuf.h"
#include "utf8.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdint.h>

#define DA_JW_DEPTH 16 /* the reports nest 6 deep */

typedef struct {
	da_dyn *b;
	unsigned depth;
	bool first[DA_JW_DEPTH + 1]; /* nothing written yet at this level */
	bool key;                    /* a key was written: its value comes next, no comma */
} da_jw;

static inline void da_jw_init(da_jw *w, da_dyn *b)
{
	w->b = b;
	w->depth = 0;
	w->first[0] = true;
	w->key = false;
}

/* The comma before a value or key, unless it is the first of its container. */
static inline void da_jw_sep(da_jw *w)
{
	if (w->key)
		w->key = false;
	else if (!w->first[w->depth])
		da_dyn_addc(w->b, ',');
	w->first[w->depth] = false;
}

/* A string's quoted and escaped text, without the separator. */
static inline void da_jw_quote(da_dyn *b, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s, *end = p + len;
	da_dyn_addc(b, '"');
	while (p < end) {
		const unsigned char *run = p;
		while (p < end && *p >= 0x20 && *p < 0x80 && *p != '"' && *p != '\\')
			p++;
		da_dyn_add(b, run, (size_t)(p - run));
		if (p == end)
			break;
		unsigned char c = *p;
		if (c >= 0x80) {
			size_t n = da_utf8_len(p, (size_t)(end - p));
			if (n == 0) {
				da_dyn_add(b, "\xef\xbf\xbd", 3);
				n = 1;
			} else {
				da_dyn_add(b, p, n);
			}
			p += n;
			continue;
		}
		char esc[8];
		const char *e = c == '"'    ? "\\\""
		                : c == '\\' ? "\\\\"
		                : c == '\b' ? "\\b"
		                : c == '\f' ? "\\f"
		                : c == '\n' ? "\\n"
		                : c == '\r' ? "\\r"
		                : c == '\t' ? "\\t"
		                            : NULL;
		if (e == NULL) {
			snprintf(esc, sizeof esc, "\\u%04X", c);
			e = esc;
		}
		da_dyn_adds(b, e);
		p++;
	}
	da_dyn_addc(b, '"');
}

/* An object's or array's opening bracket, one level deeper. */
static inline void da_jw_open(da_jw *w, char bracket)
{
	da_jw_sep(w);
	da_dyn_addc(w->b, bracket);
	if (w->depth < DA_JW_DEPTH)
		w->first[++w->depth] = true;
	else
		da_dyn_fail(w->b, DKIMARC_ELIMIT); /* deeper than any report: a bug, not data */
}

static inline void da_jw_begin_obj(da_jw *w)
{
	da_jw_open(w, '{');
}

static inline void da_jw_begin_arr(da_jw *w)
{
	da_jw_open(w, '[');
}

static inline void da_jw_end_obj(da_jw *w)
{
	da_dyn_addc(w->b, '}');
	if (w->depth > 0)
		w->depth--;
}

static inline void da_jw_end_arr(da_jw *w)
{
	da_dyn_addc(w->b, ']');
	if (w->depth > 0)
		w->depth--;
}

/* An object member's name; its value is written next. */
static inline void da_jw_key(da_jw *w, const char *k)
{
	da_jw_sep(w);
	da_jw_quote(w->b, k, strlen(k));
	da_dyn_addc(w->b, ':');
	w->key = true;
}

static inline void da_jw_null(da_jw *w)
{
	da_jw_sep(w);
	da_dyn_add(w->b, "null", 4);
}

/* A string, or null for NULL. */
static inline void da_jw_str(da_jw *w, const char *s)
{
	if (s == NULL) {
		da_jw_null(w);
		return;
	}
	da_jw_sep(w);
	da_jw_quote(w->b, s, strlen(s));
}

static inline void da_jw_int(da_jw *w, int64_t v)
{
	char num[24];
	da_jw_sep(w);
	int n = snprintf(num, sizeof num, "%" PRId64, v);
	da_dyn_add(w->b, num, (size_t)n);
}

static inline void da_jw_bool(da_jw *w, bool v)
{
	da_jw_sep(w);
	da_dyn_adds(w->b, v ? "true" : "false");
}

/* A value that is already JSON text (checked by the caller), written as it is. */
static inline void da_jw_raw(da_jw *w, const char *json)
{
	da_jw_sep(w);
	da_dyn_adds(w->b, json);
}

/* Member shorthands. */
static inline void da_jw_kstr(da_jw *w, const char *k, const char *s)
{
	da_jw_key(w, k);
	da_jw_str(w, s);
}

static inline void da_jw_kint(da_jw *w, const char *k, int64_t v)
{
	da_jw_key(w, k);
	da_jw_int(w, v);
}

/* A count or time where a negative value means absent: null then. */
static inline void da_jw_kint_opt(da_jw *w, const char *k, int64_t v)
{
	da_jw_key(w, k);
	if (v < 0)
		da_jw_null(w);
	else
		da_jw_int(w, v);
}

static inline void da_jw_knull(da_jw *w, const char *k)
{
	da_jw_key(w, k);
	da_jw_null(w);
}

/*
 * Whether text is exactly one JSON value (RFC 8259), surrounding white space
 * allowed: a check of the JSON a caller hands in to be written as it is, so
 * that a mistake there is an error, not a corrupt line among thousands.
 * Syntax only, without allocation; depth is bounded.
 */
static inline bool da_jw_valid_value(const char **pp, unsigned depth);

static inline void da_jw_skip_ws(const char **pp)
{
	while (**pp == ' ' || **pp == '\t' || **pp == '\n' || **pp == '\r')
		(*pp)++;
}

static inline bool da_jw_valid_string(const char **pp)
{
	const unsigned char *p = (const unsigned char *)*pp;
	if (*p++ != '"')
		return false;
	for (;;) {
		unsigned char c = *p;
		if (c == '"')
			break;
		if (c < 0x20)
			return false; /* a control byte, or the end of the text */
		if (c == '\\') {
			c = *++p;
			if (c == 'u') {
				for (int i = 1; i <= 4; i++)
					if (!strchr("0123456789abcdefABCDEF", p[i]) || p[i] == '\0')
						return false;
				p += 5;
			} else if (c && strchr("\"\\/bfnrt", c)) {
				p++;
			} else {
				return false;
			}
		} else if (c >= 0x80) {
			size_t n = da_utf8_len(p, 4);
			if (n == 0)
				return false;
			p += n;
		} else {
			p++;
		}
	}
	*pp = (const char *)p + 1;
	return true;
}

static inline bool da_jw_valid_number(const char **pp)
{
	const char *p = *pp;
	if (*p == '-')
		p++;
	if (*p == '0')
		p++;
	else if (*p >= '1' && *p <= '9')
		while (*p >= '0' && *p <= '9')
			p++;
	else
		return false;
	if (*p == '.') {
		if (!(*++p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '+' || *p == '-')
			p++;
		if (!(*p >= '0' && *p <= '9'))
			return false;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	*pp = p;
	return true;
}

static inline bool da_jw_valid_value(const char **pp, unsigned depth)
{
	da_jw_skip_ws(pp);
	const char *p = *pp;
	if (*p == '"')
		return da_jw_valid_string(pp);
	if (*p == '{' || *p == '[') {
		char close = *p == '{' ? '}' : ']';
		if (depth >= 64)
			return false;
		(*pp)++;
		da_jw_skip_ws(pp);
		if (**pp == close) {
			(*pp)++;
			return true;
		}
		for (;;) {
			if (close == '}') {
				da_jw_skip_ws(pp);
				if (!da_jw_valid_string(pp))
					return false;
				da_jw_skip_ws(pp);
				if (*(*pp)++ != ':')
					return false;
			}
			if (!da_jw_valid_value(pp, depth + 1))
				return false;
			da_jw_skip_ws(pp);
			char c = *(*pp)++;
			if (c == close)
				return true;
			if (c != ',')
				return false;
		}
	}
	static const char *const lit[] = {"true", "false", "null"};
	for (size_t i = 0; i < 3; i++) {
		size_t n = strlen(lit[i]);
		if (strncmp(p, lit[i], n) == 0) {
			*pp = p + n;
			return true;
		}
	}
	return da_jw_valid_number(pp);
}

static inline bool da_jw_valid(const char *text)
{
	const char *p = text;
	if (text == NULL || !da_jw_valid_value(&p, 0))
		return false;
	da_jw_skip_ws(&p);
	return *p == '\0';
}

/*
 * Members a caller adds to an object of ours (dkimarc_json_member): lists a
 * and b in that order, each a name and exactly one JSON value, no name of
 * the object's own (own, nown of them) and none twice. False with why
 * (fn's words) in msg when one is not.
 */
static inline bool da_jw_members_ok(const char *fn, const char *const *own, size_t nown,
                                    const dkimarc_json_member *a, size_t na,
                                    const dkimarc_json_member *b, size_t nb, char *msg,
                                    size_t msglen)
{
	if ((na && !a) || (nb && !b)) {
		snprintf(msg, msglen, "%s: members are NULL", fn);
		return false;
	}
	for (size_t i = 0; i < na + nb; i++) {
		const dkimarc_json_member *m = i < na ? &a[i] : &b[i - na];
		if (!m->name || !m->value) {
			snprintf(msg, msglen, "%s: a member without %s", fn,
			         m->name ? "a value" : "a name");
			return false;
		}
		if (!da_jw_valid(m->value)) {
			snprintf(msg, msglen, "%s: the value of \"%s\" is not one JSON value", fn,
			         m->name);
			return false;
		}
		for (size_t k = 0; k < nown; k++)
			if (strcmp(m->name, own[k]) == 0) {
				snprintf(msg, msglen,
				         "%s: \"%s\" is a member of the object already", fn,
				         own[k]);
				return false;
			}
		for (size_t j = 0; j < i; j++)
			if (strcmp((j < na ? &a[j] : &b[j - na])->name, m->name) == 0) {
				snprintf(msg, msglen, "%s: \"%s\" is given twice", fn, m->name);
				return false;
			}
	}
	return true;
}

#endif
