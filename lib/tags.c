/* RFC 6376 §3.2 tag=value lists, as used by DKIM-Signature and key records. */
#include "internal.h"

#include <stdio.h>
#include <string.h>

/* Longest tag name quoted in an error message. */
#define NAME_QUOTE_MAX 32

static void set_err(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static bool is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static bool is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

/* VALCHAR = %x21-3A / %x3C-7E: printable ASCII except ';'. */
static bool is_valchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e && c != ';';
}

/*
 * Length of one unit of folding whitespace at s[i] (before end): a WSP byte,
 * or CRLF followed by a WSP byte (the CRLF alone; the WSP is the next unit).
 * 0 when s[i] starts no FWS, so a bare CR or LF is left for the caller to
 * reject.
 */
static size_t fws_unit(const unsigned char *s, size_t i, size_t end)
{
	if (i >= end)
		return 0;
	if (is_wsp(s[i]))
		return 1;
	if (s[i] == '\r' && end - i >= 3 && s[i + 1] == '\n' && is_wsp(s[i + 2]))
		return 2;
	return 0;
}

static size_t skip_fws(const unsigned char *s, size_t i, size_t end)
{
	size_t n;

	while ((n = fws_unit(s, i, end)) > 0)
		i += n;
	return i;
}

static int name_len_for_msg(size_t n)
{
	return n > NAME_QUOTE_MAX ? NAME_QUOTE_MAX : (int)n;
}

/* Parses one non-empty tag-spec s[a..b) into t. */
static int parse_spec(const unsigned char *s, size_t a, size_t b, da_tag *t, char *err,
                      size_t errlen)
{
	size_t i = skip_fws(s, a, b);
	size_t name_start = i, v_first = 0, v_last = 0;
	bool any = false;
	int nl;

	if (s[i] == '=') {
		set_err(err, errlen, "empty tag name at offset %zu", i);
		return -1;
	}
	if (!is_alpha(s[i])) {
		set_err(err, errlen, "invalid character 0x%02x at start of tag name (offset %zu)",
		        s[i], i);
		return -1;
	}
	while (i < b && (is_alpha(s[i]) || is_digit(s[i]) || s[i] == '_'))
		i++;
	t->name = (const char *)s + name_start;
	t->name_len = i - name_start;
	nl = name_len_for_msg(t->name_len);

	i = skip_fws(s, i, b);
	if (i >= b) {
		set_err(err, errlen, "tag '%.*s' has no '='", nl, t->name);
		return -1;
	}
	if (s[i] != '=' && is_valchar(s[i])) {
		set_err(err, errlen, "tag '%.*s' has no '=' (found '%c')", nl, t->name, s[i]);
		return -1;
	}
	if (s[i] != '=') {
		set_err(err, errlen, "invalid character 0x%02x after tag name '%.*s'", s[i], nl,
		        t->name);
		return -1;
	}
	i++;
	t->val_off = i;
	t->val_end = b;

	/* Validate the value, remembering where the first and last tval bytes are. */
	while (i < b) {
		size_t n = fws_unit(s, i, b);

		if (n > 0) {
			i += n;
			continue;
		}
		if (!is_valchar(s[i])) {
			set_err(err, errlen, "invalid character 0x%02x in value of tag '%.*s'",
			        s[i], nl, t->name);
			return -1;
		}
		if (!any)
			v_first = i;
		any = true;
		i++;
		v_last = i;
	}
	if (any) {
		t->val = (const char *)s + v_first;
		t->val_len = v_last - v_first;
	} else {
		t->val = (const char *)s + t->val_off;
		t->val_len = 0;
	}
	return 0;
}

int da_tags_parse(const char *str, size_t len, da_taglist *out, char *err, size_t errlen)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t a = 0;

	out->n = 0;
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (len == 0)
		return 0;

	for (;;) {
		const unsigned char *semi = memchr(s + a, ';', len - a);
		size_t b = semi != NULL ? (size_t)(semi - s) : len;
		da_tag *t;

		if (skip_fws(s, a, b) == b) {
			/* Only the segment after a final ';' (or a blank input) may be empty. */
			if (b == len)
				return 0;
			set_err(err, errlen, "empty tag-spec at offset %zu", a);
			return -1;
		}
		if (out->n == DA_MAX_TAGS) {
			set_err(err, errlen, "too many tags (more than %d)", DA_MAX_TAGS);
			return -1;
		}
		t = &out->tags[out->n];
		if (parse_spec(s, a, b, t, err, errlen) != 0)
			return -1;
		for (size_t k = 0; k < out->n; k++) {
			const da_tag *o = &out->tags[k];

			if (o->name_len == t->name_len &&
			    memcmp(o->name, t->name, t->name_len) == 0) {
				set_err(err, errlen, "duplicate tag '%.*s'",
				        name_len_for_msg(t->name_len), t->name);
				return -1;
			}
		}
		out->n++;
		if (b == len)
			return 0;
		a = b + 1;
	}
}

const da_tag *da_tags_get(const da_taglist *tl, const char *name)
{
	size_t n = strlen(name);

	for (size_t i = 0; i < tl->n; i++) {
		const da_tag *t = &tl->tags[i];

		if (t->name_len == n && memcmp(t->name, name, n) == 0)
			return t;
	}
	return NULL;
}

size_t da_strip_ws(const char *v, size_t n, char *out)
{
	size_t o = 0;

	for (size_t i = 0; i < n; i++) {
		char c = v[i];

		if (c != ' ' && c != '\t' && c != '\r' && c != '\n')
			out[o++] = c;
	}
	return o;
}
