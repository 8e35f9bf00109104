/* Header splitting and the few RFC 5322 field parsers the verdict needs. */
#include "msg.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

static int push(da_header *h, const da_field *f)
{
	if (h->n == h->cap) {
		size_t nc = h->cap ? h->cap * 2 : 32;
		da_field *nf = realloc(h->f, nc * sizeof *nf);
		if (!nf)
			return DKIMARC_ENOMEM;
		h->f = nf;
		h->cap = nc;
	}
	h->f[h->n++] = *f;
	return DKIMARC_OK;
}

static void field_name(da_field *f)
{
	const char *c = memchr(f->raw, ':', f->len);
	if (!c) {
		f->has_colon = false;
		f->name_len = 0;
		f->value_off = 0;
		return;
	}
	size_t n = (size_t)(c - f->raw);
	f->has_colon = true;
	f->value_off = n + 1;
	while (n > 0 && is_wsp(f->raw[n - 1]))
		n--;
	f->name_len = n;
}

int da_header_split(const char *h, size_t len, uint64_t max_fields, uint64_t max_field_bytes,
                    da_header *out, const char **why)
{
	size_t pos = 0;
	da_field cur = {0};
	bool open = false;
	out->n = 0;
	while (pos < len) {
		const char *nl = memchr(h + pos, '\n', len - pos);
		size_t line_end = nl ? (size_t)(nl - h) + 1 : len; /* past the LF */
		/* A continuation line (starting with WSP) extends the open field. */
		if (!(open && is_wsp(h[pos]))) {
			if (open) {
				field_name(&cur);
				if (push(out, &cur))
					return DKIMARC_ENOMEM;
			}
			if (out->n >= max_fields) {
				*why = "header fields";
				return DKIMARC_ELIMIT;
			}
			cur.raw = h + pos;
			open = true;
		}
		cur.len = line_end - (size_t)(cur.raw - h);
		if (cur.len > max_field_bytes) {
			*why = "bytes per header field";
			return DKIMARC_ELIMIT;
		}
		pos = line_end;
	}
	if (open) {
		/* Drop the final line end from the field. */
		if (cur.len && cur.raw[cur.len - 1] == '\n') {
			cur.len--;
			if (cur.len && cur.raw[cur.len - 1] == '\r')
				cur.len--;
		}
		field_name(&cur);
		if (push(out, &cur))
			return DKIMARC_ENOMEM;
	}
	/* Every field but the last still carries its CRLF: trim it. */
	for (size_t i = 0; i + 1 < out->n; i++) {
		da_field *f = &out->f[i];
		if (f->len && f->raw[f->len - 1] == '\n') {
			f->len--;
			if (f->len && f->raw[f->len - 1] == '\r')
				f->len--;
		}
	}
	return DKIMARC_OK;
}

void da_header_free(da_header *h)
{
	free(h->f);
	h->f = NULL;
	h->n = h->cap = 0;
}

/* ---- message boundaries --------------------------------------------------- */

size_t da_blank_line(const char *src, size_t start, size_t from, size_t len, size_t *hend)
{
	size_t i = from;
	if (i == start && i < len && src[i] == '\n') {
		*hend = i;
		return i + 1;
	}
	if (i == start && i + 1 < len && src[i] == '\r' && src[i + 1] == '\n') {
		*hend = i;
		return i + 2;
	}
	/*
	 * The blank line is a LF followed by LF or CRLF. Mail readers take a bare
	 * LF for a line end; if we did not, text that they show as body would be
	 * header here, and an empty signed body would still match its bh=
	 * (vectors/adversarial/mixed-line-ends-*).
	 */
	for (; i + 1 < len; i++) {
		const char *nl = memchr(src + i, '\n', len - i - 1);
		if (!nl)
			break;
		i = (size_t)(nl - src);
		if (src[i + 1] == '\n') {
			*hend = i + 1;
			return i + 2;
		}
		if (src[i + 1] == '\r' && i + 2 < len && src[i + 2] == '\n') {
			*hend = i + 1;
			return i + 3;
		}
	}
	return 0;
}

/* ---- Date ---------------------------------------------------------------- */

static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	int64_t era = (y >= 0 ? y : y - 399) / 400;
	unsigned yoe = (unsigned)(y - era * 400);
	unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static bool read_num(const char **p, const char *end, int maxdig, long *out)
{
	const char *s = *p;
	long v = 0;
	int n = 0;
	while (s < end && *s >= '0' && *s <= '9' && n < maxdig) {
		v = v * 10 + (*s - '0');
		s++;
		n++;
	}
	if (!n)
		return false;
	*p = s;
	*out = v;
	return true;
}

static void skip_cfws(const char **p, const char *end)
{
	int depth = 0;
	while (*p < end) {
		char c = **p;
		if (depth) {
			if (c == '(')
				depth++;
			else if (c == ')')
				depth--;
		} else if (c == '(') {
			depth = 1;
		} else if (!(is_wsp(c) || c == '\r' || c == '\n')) {
			return;
		}
		(*p)++;
	}
}

int64_t da_parse_rfc5322_date(const char *v, size_t n)
{
	static const char months[] = "janfebmaraprmayjunjulaugsepoctnovdec";
	const char *p = v, *end = v + n;
	long day, year, hh, mm, ss = 0;
	skip_cfws(&p, end);
	/* Optional day-of-week. */
	const char *comma = memchr(p, ',', (size_t)(end - p));
	if (comma && comma - p <= 10)
		p = comma + 1;
	skip_cfws(&p, end);
	if (!read_num(&p, end, 2, &day))
		return -1;
	skip_cfws(&p, end);
	if (end - p < 3)
		return -1;
	int mon = -1;
	for (int i = 0; i < 12; i++)
		if (strncasecmp(p, months + 3 * i, 3) == 0)
			mon = i + 1;
	if (mon < 0)
		return -1;
	p += 3;
	skip_cfws(&p, end);
	const char *ys = p;
	if (!read_num(&p, end, 4, &year))
		return -1;
	if (p - ys == 2)
		year += year < 50 ? 2000 : 1900;
	else if (p - ys == 3)
		year += 1900;
	skip_cfws(&p, end);
	if (!read_num(&p, end, 2, &hh) || p >= end || *p != ':')
		return -1;
	p++;
	if (!read_num(&p, end, 2, &mm))
		return -1;
	if (p < end && *p == ':') {
		p++;
		if (!read_num(&p, end, 2, &ss))
			return -1;
	}
	skip_cfws(&p, end);
	long off = 0;
	if (p < end && (*p == '+' || *p == '-')) {
		int sign = *p == '-' ? -1 : 1;
		p++;
		long z;
		const char *zs = p;
		if (!read_num(&p, end, 4, &z) || p - zs != 4)
			return -1;
		off = sign * ((z / 100) * 3600 + (z % 100) * 60);
	}
	if (day < 1 || day > 31 || hh > 23 || mm > 59 || ss > 60)
		return -1;
	return days_from_civil(year, (unsigned)mon, (unsigned)day) * 86400 + hh * 3600 + mm * 60 +
	       ss - off;
}
