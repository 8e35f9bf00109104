/* The reader's view of a header against DKIM's (view.h). */
#include "view.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*
 * The fields these checks count, with what each is: allowed once (RFC 5322
 * §3.6, RFC 2045), or compared between the two readings (display).
 */
enum { ONCE = 1, DISPLAY = 2 };
static const struct {
	const char *name;
	size_t len;
	unsigned what;
} tracked[] = {
#define T(s, w)                                                                                    \
	{                                                                                          \
		s, sizeof s - 1, w                                                                 \
	}
    T("From", ONCE | DISPLAY),
    T("Sender", ONCE | DISPLAY),
    T("Reply-To", ONCE | DISPLAY),
    T("To", ONCE | DISPLAY),
    T("Cc", ONCE | DISPLAY),
    T("Bcc", ONCE),
    T("Subject", ONCE | DISPLAY),
    T("Date", ONCE | DISPLAY),
    T("Message-ID", ONCE),
    T("In-Reply-To", ONCE),
    T("References", ONCE),
    T("MIME-Version", ONCE | DISPLAY),
    T("Content-Type", ONCE | DISPLAY),
    T("Content-Transfer-Encoding", ONCE | DISPLAY),
#undef T
};

/* The order in which unsigned fields are named: what people read first. */
static const char *const named_order[] = {
    "Subject", "To",         "Cc",           "Date",         "Reply-To",
    "Sender",  "Message-ID", "MIME-Version", "Content-Type", "Content-Transfer-Encoding",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

static bool is_wsp(char c)
{
	return c == ' ' || c == '\t';
}

/* RFC 5322 ftext: printable US-ASCII but the colon. */
static bool is_ftext(unsigned char c)
{
	return c >= 33 && c <= 126 && c != ':';
}

#define NT (sizeof tracked / sizeof tracked[0])

typedef struct {
	size_t count, top, top_uncovered; /* indexes; hdr->n when none */
} census_t;

/* One pass over the header: for each tracked name, how often and where. */
static void census(const da_header *hdr, const bool *covered, census_t *c)
{
	for (size_t k = 0; k < NT; k++)
		c[k] = (census_t){0, hdr->n, hdr->n};
	for (size_t i = 0; i < hdr->n; i++) {
		const da_field *f = &hdr->f[i];
		if (!f->has_colon)
			continue;
		for (size_t k = 0; k < NT; k++) {
			if (f->name_len != tracked[k].len ||
			    strncasecmp(f->raw, tracked[k].name, tracked[k].len) != 0)
				continue;
			if (c[k].count++ == 0)
				c[k].top = i;
			if (!(covered && covered[i]) && c[k].top_uncovered == hdr->n)
				c[k].top_uncovered = i;
			break;
		}
	}
}

static size_t tracked_index(const char *name)
{
	for (size_t k = 0; k < NT; k++)
		if (strcmp(tracked[k].name, name) == 0)
			return k;
	return NT;
}

size_t da_view_line(const char *h, const da_field *f)
{
	size_t line = 1;
	for (const char *p = h; p < f->raw; p++)
		line += *p == '\n';
	return line;
}

/* A field's name is all ftext and meets the colon directly. */
static da_view_problem name_problem(const da_field *f, bool first)
{
	if (!f->has_colon)
		return first && f->len && is_wsp(f->raw[0]) ? DA_VIEW_LEADING_WSP
		                                            : DA_VIEW_NO_COLON;
	if (first && is_wsp(f->raw[0]))
		return DA_VIEW_LEADING_WSP;
	if (f->name_len == 0 || f->name_len + 1 != f->value_off)
		return DA_VIEW_BAD_NAME;
	for (size_t i = 0; i < f->name_len; i++)
		if (!is_ftext((unsigned char)f->raw[i]))
			return DA_VIEW_BAD_NAME;
	return DA_VIEW_OK;
}

static bool has_bare_cr(const da_field *f)
{
	const char *p = f->raw, *end = f->raw + f->len;
	while ((p = memchr(p, '\r', (size_t)(end - p))) != NULL) {
		if (p + 1 == end || p[1] != '\n')
			return true;
		p += 2;
	}
	return false;
}

bool da_view_malformed(const da_header *hdr, const bool *covered, da_view_hit *hit)
{
	for (size_t i = 0; i < hdr->n; i++) {
		const da_field *f = &hdr->f[i];
		da_view_problem p = name_problem(f, i == 0);
		if (p == DA_VIEW_OK && !(covered && covered[i]) && has_bare_cr(f))
			p = DA_VIEW_BARE_CR;
		if (p != DA_VIEW_OK) {
			hit->problem = p;
			hit->field = i;
			hit->name = NULL;
			return true;
		}
	}
	return false;
}

bool da_view_added(const da_header *hdr, const bool *covered, da_view_hit *hit)
{
	census_t c[NT];
	census(hdr, covered, c);
	bool found = false;
	for (size_t k = 0; k < NT; k++) {
		/* The topmost such field of all names is the one to name. */
		if (c[k].count > 1 && c[k].top_uncovered < hdr->n &&
		    (!found || c[k].top_uncovered < hit->field)) {
			found = true;
			hit->problem = DA_VIEW_OK;
			hit->field = c[k].top_uncovered;
			hit->name = tracked[k].name;
		}
	}
	return found;
}

/* One field as a reader splits it: [start, end) in the header block. */
typedef struct {
	size_t start, end, name_len;
} rfield;

/* The reader's topmost field named name, or false. */
static bool reader_top(const char *h, const rfield *rf, size_t n, const char *name, rfield *out)
{
	size_t nl = strlen(name);
	for (size_t i = 0; i < n; i++) {
		if (rf[i].name_len == nl && strncasecmp(h + rf[i].start, name, nl) == 0) {
			*out = rf[i];
			return true;
		}
	}
	return false;
}

static const da_field *dkim_top(const da_header *hdr, const char *name, size_t *idx)
{
	for (size_t i = 0; i < hdr->n; i++) {
		if (da_field_is(&hdr->f[i], name)) {
			*idx = i;
			return &hdr->f[i];
		}
	}
	return NULL;
}

/* The first field a reader sees with the given name, compared with DKIM's topmost. */
static bool compare_tops(const char *h, const rfield *rf, size_t nrf, const da_header *hdr,
                         da_view_hit *hit)
{
	for (size_t k = 0; k < NT; k++) {
		if (!(tracked[k].what & DISPLAY))
			continue;
		rfield r;
		size_t idx = 0;
		bool in_reader = reader_top(h, rf, nrf, tracked[k].name, &r);
		const da_field *d = dkim_top(hdr, tracked[k].name, &idx);
		if (!in_reader && !d)
			continue;
		if (in_reader && d && r.start == (size_t)(d->raw - h) &&
		    r.end == (size_t)(d->raw - h) + d->len)
			continue;
		hit->problem = DA_VIEW_OK;
		hit->field = d ? idx : hdr->n;
		hit->name = tracked[k].name;
		return true;
	}
	return false;
}

int da_view_differs(const char *h, size_t len, const da_header *hdr, da_view_hit *hit)
{
	/* Without a bare CR, readers and DKIM cut the same lines (bare LF is CRLF here). */
	bool cr = false;
	for (const char *p = h; (p = memchr(p, '\r', (size_t)(h + len - p))) != NULL; p++) {
		if (p + 1 == h + len || p[1] != '\n') {
			cr = true;
			break;
		}
	}
	if (!cr) {
		/* Same lines; readers show the topmost instance, which the name checks cover. */
		return 0;
	}

	/* Split as readers do: CRLF, LF or a bare CR ends a line. */
	rfield stack[64], *rf = stack;
	size_t nrf = 0, cap = sizeof stack / sizeof stack[0];
	bool early = false, dyn = false;
	int ret = 0;
	size_t pos = 0;
	while (pos < len) {
		size_t e = pos;
		while (e < len && h[e] != '\r' && h[e] != '\n')
			e++;
		size_t next =
		    e < len ? e + ((h[e] == '\r' && e + 1 < len && h[e + 1] == '\n') ? 2 : 1) : len;
		if (e == pos) {
			early = true; /* an empty line: the reader's body starts here */
			break;
		}
		if (is_wsp(h[pos])) {
			if (nrf == 0) {
				early = true;
				break;
			}
			rf[nrf - 1].end = e;
		} else {
			size_t n = 0;
			while (pos + n < e && is_ftext((unsigned char)h[pos + n]))
				n++;
			if (n == 0 || pos + n == e || h[pos + n] != ':') {
				early = true; /* not a field: the reader's header ends */
				break;
			}
			if (nrf == cap) {
				size_t nc = cap * 2;
				rfield *g =
				    dyn ? realloc(rf, nc * sizeof *rf) : malloc(nc * sizeof *rf);
				if (!g) {
					ret = DKIMARC_ENOMEM; /* an error, never a verdict */
					goto out;
				}
				if (!dyn)
					memcpy(g, stack, sizeof stack);
				rf = g;
				dyn = true;
				cap = nc;
			}
			rf[nrf++] = (rfield){.start = pos, .end = e, .name_len = n};
		}
		pos = next;
	}
	if (early) {
		hit->problem = DA_VIEW_OK;
		hit->field = hdr->n;
		hit->name = "body";
		ret = 1;
	} else {
		ret = compare_tops(h, rf, nrf, hdr, hit);
	}
out:
	if (dyn)
		free(rf);
	return ret;
}

size_t da_view_unsigned(const da_header *hdr, const bool *covered, const char **names, size_t max)
{
	census_t c[NT];
	census(hdr, covered, c);
	size_t n = 0;
	for (size_t j = 0; j < N(named_order) && n < max; j++) {
		size_t k = tracked_index(named_order[j]);
		if (k < NT && c[k].count == 1 && c[k].top_uncovered == c[k].top)
			names[n++] = tracked[k].name;
	}
	return n;
}
