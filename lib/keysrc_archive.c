/*
 * The archive key source: key records read from files (OpenDKIM key files,
 * DNS zone files, our JSON Lines provenance format, the test vectors'
 * tab-separated dns.txt, the zk-email archive's JSON), kept in a hash table keyed by lower-case
 * name. Loading is single-threaded; lookups only read, so they are thread-safe. The formats and the
 * detection rule are described in docs/keys.md.
 */
#include "internal.h"
#include "keymarks.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Guards against hostile archives. */
#define MAX_LINE    (1024 * 1024) /* a physical line, or a zone record across lines */
#define MAX_TXT     (64 * 1024)   /* one record's TXT data */
#define MAX_NAME    253           /* DNS name, without the final dot */
#define MAX_CHARSTR 255           /* one character-string in a zone file */

enum mark { MARK_NONE = 0, MARK_NXDOMAIN, MARK_SERVFAIL, MARK_TIMEOUT };

static const char *const mark_names[] = {"", "NXDOMAIN", "SERVFAIL", "TIMEOUT"};

/* Everything stored under one name. */
typedef struct {
	char *name;
	uint64_t hash;
	dkimarc_keyrec *recs; /* txt, origin, source owned; file points into archive.files */
	size_t n, cap;
	enum mark mark; /* a simulated DNS failure from the vector format */
	const char *mark_file;
	unsigned long mark_line;
} entry;

/* A recovered record's provenance, by the line it was loaded from. */
typedef struct {
	const char *file; /* shared with archive.files */
	unsigned long line;
	da_recinfo info;
} recovered;

typedef struct {
	entry **slots; /* open addressing, linear probing; size a power of two */
	size_t nslots, nentries;
	size_t nrecs;
	char **files;       /* names of loaded files, shared by their records */
	char (*sha256)[65]; /* hex SHA-256 of each loaded file's bytes, for reports */
	size_t nfiles, files_cap;
	recovered *rv; /* the recovered records, in load order */
	size_t nrv, caprv;
} archive;

/* One change made by the current load, so a failed load can be undone. */
typedef struct {
	entry *e;
	bool mark;
} undo;

typedef struct {
	archive *a;
	const char *file;
	const char *buf;
	size_t len, pos;
	unsigned long lineno;
	undo *log;
	size_t nlog, logcap;
} loader;

/* A growing byte buffer. */
typedef struct {
	char *p;
	size_t n, cap;
} dbuf;

static int dbuf_put(dbuf *b, const char *s, size_t n)
{
	if (b->cap - b->n < n) {
		size_t cap = b->cap ? b->cap : 256;
		char *p;

		while (cap - b->n < n)
			cap *= 2;
		p = realloc(b->p, cap);
		if (p == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		b->p = p;
		b->cap = cap;
	}
	if (n > 0)
		memcpy(b->p + b->n, s, n);
	b->n += n;
	return DKIMARC_OK;
}

static int dbuf_putc(dbuf *b, char c)
{
	return dbuf_put(b, &c, 1);
}

static int fail_at(const loader *ld, unsigned long line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail_at(const loader *ld, unsigned long line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return da_fail(DKIMARC_EFORMAT, "%s:%lu: %s", ld->file, line, msg);
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static char lower(char c)
{
	return (c >= 'A' && c <= 'Z') ? (char)(c - 'A' + 'a') : c;
}

/* Case-insensitive comparison of s[0..n) with a NUL-terminated word. */
static bool word_eq(const char *s, size_t n, const char *w)
{
	size_t i;

	for (i = 0; i < n && w[i]; i++)
		if (lower(s[i]) != lower(w[i]))
			return false;
	return i == n && w[i] == '\0';
}

/* Shown in messages: at most 60 bytes of the offending text. */
static int show_len(size_t n)
{
	return n > 60 ? 60 : (int)n;
}

/* ---- names and the hash table ------------------------------------------- */

static bool name_char(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || is_digit(c) || c == '-' ||
	       c == '_' || c == '*' || c == '/';
}

/*
 * Lower-cases a name into out (MAX_NAME + 1 bytes), dropping a final dot.
 * Returns NULL, or why the name is unacceptable.
 */
static const char *name_norm(const char *s, size_t n, char *out)
{
	size_t label = 0;

	if (n > 0 && s[n - 1] == '.')
		n--;
	if (n == 0)
		return "empty name";
	if (n > MAX_NAME)
		return "name longer than 253 bytes";
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '.') {
			if (label == 0)
				return "empty label in name";
			label = 0;
		} else if (!name_char(s[i])) {
			return "invalid character in name";
		} else if (++label > 63) {
			return "label longer than 63 bytes in name";
		}
		out[i] = lower(s[i]);
	}
	if (label == 0)
		return "empty label in name";
	out[n] = '\0';
	return NULL;
}

static uint64_t hash_name(const char *s)
{
	uint64_t h = 14695981039346656037ULL; /* FNV-1a */

	for (; *s; s++) {
		h ^= (unsigned char)*s;
		h *= 1099511628211ULL;
	}
	return h;
}

static entry *find(const archive *a, const char *name)
{
	uint64_t h;

	if (a->nslots == 0)
		return NULL;
	h = hash_name(name);
	for (size_t i = h & (a->nslots - 1);; i = (i + 1) & (a->nslots - 1)) {
		entry *e = a->slots[i];

		if (e == NULL)
			return NULL;
		if (e->hash == h && strcmp(e->name, name) == 0)
			return e;
	}
}

static void place(entry **slots, size_t nslots, entry *e)
{
	size_t i = e->hash & (nslots - 1);

	while (slots[i] != NULL)
		i = (i + 1) & (nslots - 1);
	slots[i] = e;
}

static int get_entry(archive *a, const char *name, entry **out)
{
	entry *e = find(a, name);

	if (e != NULL) {
		*out = e;
		return DKIMARC_OK;
	}
	/* Keep the load factor under 0.7 so probes stay short. */
	if ((a->nentries + 1) * 10 > a->nslots * 7) {
		size_t nslots = a->nslots ? a->nslots * 2 : 64;
		entry **slots = calloc(nslots, sizeof *slots);

		if (slots == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		for (size_t i = 0; i < a->nslots; i++)
			if (a->slots[i])
				place(slots, nslots, a->slots[i]);
		free(a->slots);
		a->slots = slots;
		a->nslots = nslots;
	}
	e = calloc(1, sizeof *e);
	if (e == NULL || (e->name = da_strdup(name)) == NULL) {
		free(e);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	e->hash = hash_name(name);
	place(a->slots, a->nslots, e);
	a->nentries++;
	*out = e;
	return DKIMARC_OK;
}

static void rec_free(dkimarc_keyrec *r)
{
	/* file is shared with archive.files, so not freed here. */
	da_free_const(r->txt);
	da_free_const(r->origin);
	da_free_const(r->source);
}

static void recinfo_free(da_recinfo *ri)
{
	for (size_t i = 0; i < ri->nb; i++)
		free(ri->b[i]);
	free(ri->b);
	memset(ri, 0, sizeof *ri);
}

static void archive_free(void *impl)
{
	archive *a = impl;

	for (size_t i = 0; i < a->nrv; i++)
		recinfo_free(&a->rv[i].info);
	free(a->rv);

	for (size_t i = 0; i < a->nslots; i++) {
		entry *e = a->slots[i];

		if (e == NULL)
			continue;
		for (size_t j = 0; j < e->n; j++)
			rec_free(&e->recs[j]);
		free(e->recs);
		free(e->name);
		free(e);
	}
	free(a->slots);
	for (size_t i = 0; i < a->nfiles; i++)
		free(a->files[i]);
	free(a->files);
	free(a->sha256);
	free(a);
}

/* ---- storing, with undo ------------------------------------------------- */

static int log_reserve(loader *ld)
{
	if (ld->nlog == ld->logcap) {
		size_t cap = ld->logcap ? ld->logcap * 2 : 64;
		undo *l = realloc(ld->log, cap * sizeof *l);

		if (l == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		ld->log = l;
		ld->logcap = cap;
	}
	return DKIMARC_OK;
}

static void rollback(loader *ld)
{
	while (ld->nlog > 0) {
		undo *u = &ld->log[--ld->nlog];

		if (u->mark) {
			u->e->mark = MARK_NONE;
		} else {
			rec_free(&u->e->recs[--u->e->n]);
			ld->a->nrecs--;
		}
	}
	/* Emptied entries stay in the table; lookups treat them as absent. */
}

typedef struct {
	const char *source;
	int64_t first_seen, last_seen, fetched_at;
	int dnssec;
	bool entry; /* line is an entry number of a JSON array, not a line */
} provenance;

static const provenance no_provenance = {NULL, -1, -1, -1, -1, false};

/* name is already normalized. */
static int store_txt(loader *ld, const char *name, const char *txt, size_t txt_len,
                     unsigned long line, const provenance *pv)
{
	dkimarc_keyrec r = {.version = DKIMARC_KEYREC_VERSION};
	entry *e;
	int rc, olen;

	if (txt_len > MAX_TXT)
		return fail_at(ld, line, "TXT data for %s is longer than 64 KiB", name);
	if ((rc = log_reserve(ld)) != DKIMARC_OK || (rc = get_entry(ld->a, name, &e)) != DKIMARC_OK)
		return rc;
	if (e->mark != MARK_NONE)
		return fail_at(ld, line, "%s has TXT data here but is %s at %s:%lu", name,
		               mark_names[e->mark], e->mark_file, e->mark_line);
	if (e->n == e->cap) {
		size_t cap = e->cap ? e->cap * 2 : 1;
		dkimarc_keyrec *recs = realloc(e->recs, cap * sizeof *recs);

		if (recs == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		e->recs = recs;
		e->cap = cap;
	}
	olen = snprintf(NULL, 0, pv->entry ? "%s entry %lu" : "%s:%lu", ld->file, line);
	r.txt = da_strndup(txt ? txt : "", txt_len);
	char *origin = malloc((size_t)olen + 1);
	r.origin = origin;
	r.source = pv->source ? da_strdup(pv->source) : NULL;
	if (r.txt == NULL || r.origin == NULL || (pv->source && r.source == NULL)) {
		rec_free(&r);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	snprintf(origin, (size_t)olen + 1, pv->entry ? "%s entry %lu" : "%s:%lu", ld->file, line);
	r.txt_len = txt_len;
	r.file = ld->file;
	r.line = pv->entry ? 0 : line;
	r.first_seen = pv->first_seen;
	r.last_seen = pv->last_seen;
	r.fetched_at = pv->fetched_at;
	r.dnssec = pv->dnssec;
	e->recs[e->n++] = r;
	ld->a->nrecs++;
	ld->log[ld->nlog++] = (undo){e, false};
	return DKIMARC_OK;
}

static int store_mark(loader *ld, const char *name, enum mark m, unsigned long line)
{
	entry *e;
	int rc;

	if ((rc = log_reserve(ld)) != DKIMARC_OK || (rc = get_entry(ld->a, name, &e)) != DKIMARC_OK)
		return rc;
	if (e->n > 0)
		return fail_at(ld, line, "%s is %s here but has TXT data at %s", name,
		               mark_names[m], e->recs[0].origin);
	if (e->mark != MARK_NONE && e->mark != m)
		return fail_at(ld, line, "%s is %s here but %s at %s:%lu", name, mark_names[m],
		               mark_names[e->mark], e->mark_file, e->mark_line);
	if (e->mark == m)
		return DKIMARC_OK; /* the same fact twice; the first place is kept */
	e->mark = m;
	e->mark_file = ld->file;
	e->mark_line = line;
	ld->log[ld->nlog++] = (undo){e, true};
	return DKIMARC_OK;
}

/* ---- reading lines and strings ------------------------------------------ */

/* Next physical line, without its LF or CRLF: 1, 0 at the end, or an error. */
static int next_line(loader *ld, const char **line, size_t *len)
{
	const char *s, *nl;
	size_t n;

	if (ld->pos >= ld->len)
		return 0;
	s = ld->buf + ld->pos;
	nl = memchr(s, '\n', ld->len - ld->pos);
	n = nl ? (size_t)(nl - s) : ld->len - ld->pos;
	ld->pos += n + (nl != NULL);
	ld->lineno++;
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > MAX_LINE)
		return fail_at(ld, ld->lineno, "line longer than 1 MiB");
	if (memchr(s, '\0', n) != NULL)
		return fail_at(ld, ld->lineno, "NUL byte in line");
	*line = s;
	*len = n;
	return 1;
}

static bool blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_ws(s[i]))
			return false;
	return true;
}

/* An RFC 1035 escape at s[*i] == '\\': \DDD (decimal byte) or \X (X itself). */
static int read_escape(loader *ld, const char *s, size_t n, size_t *i, dbuf *b)
{
	size_t j = *i + 1;

	if (j >= n)
		return fail_at(ld, ld->lineno, "backslash at end of line");
	if (is_digit(s[j])) {
		unsigned v = 0;

		for (size_t k = 0; k < 3; k++) {
			if (j + k >= n || !is_digit(s[j + k]))
				return fail_at(ld, ld->lineno,
				               "bad escape: \\DDD needs three decimal digits");
			v = v * 10 + (unsigned)(s[j + k] - '0');
		}
		if (v > 255)
			return fail_at(ld, ld->lineno, "bad escape \\%u: more than 255", v);
		*i = j + 3;
		return dbuf_putc(b, (char)v);
	}
	*i = j + 1;
	return dbuf_putc(b, s[j]);
}

/* A quoted string whose opening quote is at s[*i]; leaves *i after the closing one. */
static int read_quoted(loader *ld, const char *s, size_t n, size_t *i, dbuf *b)
{
	size_t j = *i + 1;
	int rc;

	while (j < n && s[j] != '"') {
		if (s[j] == '\\') {
			if ((rc = read_escape(ld, s, n, &j, b)) != DKIMARC_OK)
				return rc;
		} else {
			size_t k = j;

			while (k < n && s[k] != '"' && s[k] != '\\')
				k++;
			if ((rc = dbuf_put(b, s + j, k - j)) != DKIMARC_OK)
				return rc;
			j = k;
		}
	}
	if (j >= n)
		return fail_at(ld, ld->lineno, "unbalanced quote");
	*i = j + 1;
	return DKIMARC_OK;
}

/* ---- (a) OpenDKIM key-file lines ---------------------------------------- */

static int parse_keyfile(loader *ld)
{
	const char *s;
	size_t n;
	dbuf txt = {0};
	int rc;

	while ((rc = next_line(ld, &s, &n)) == 1) {
		char name[MAX_NAME + 1];
		const char *why;
		size_t i = 0, name_end;

		while (i < n && is_ws(s[i]))
			i++;
		if (i == n || s[i] == '#')
			continue;
		name_end = i;
		while (name_end < n && !is_ws(s[name_end]))
			name_end++;
		if ((why = name_norm(s + i, name_end - i, name)) != NULL) {
			rc = fail_at(ld, ld->lineno, "%s: '%.*s'", why, show_len(name_end - i),
			             s + i);
			break;
		}
		i = name_end;
		while (i < n && is_ws(s[i]))
			i++;
		while (n > i && is_ws(s[n - 1]))
			n--;
		if (i == n) {
			rc = fail_at(ld, ld->lineno, "no record text after the name %s", name);
			break;
		}
		txt.n = 0;
		if (s[i] != '"') {
			rc = dbuf_put(&txt, s + i, n - i);
		} else {
			/* One or more quoted strings, concatenated. */
			while (i < n) {
				if (s[i] != '"') {
					rc = fail_at(ld, ld->lineno,
					             "text after a quoted string: '%.*s'",
					             show_len(n - i), s + i);
					break;
				}
				if ((rc = read_quoted(ld, s, n, &i, &txt)) != DKIMARC_OK)
					break;
				while (i < n && is_ws(s[i]))
					i++;
			}
		}
		if (rc == DKIMARC_OK)
			rc = store_txt(ld, name, txt.p ? txt.p : "", txt.n, ld->lineno,
			               &no_provenance);
		if (rc != DKIMARC_OK)
			break;
	}
	free(txt.p);
	return rc < 0 ? rc : DKIMARC_OK;
}

/* ---- (d) the test vectors' tab-separated format ------------------------- */

static int parse_vector(loader *ld)
{
	const char *s;
	size_t n;
	int rc;

	while ((rc = next_line(ld, &s, &n)) == 1) {
		char name[MAX_NAME + 1];
		const char *t1, *t2, *type, *why;
		size_t tlen;

		if (blank(s, n) || s[0] == '#')
			continue;
		t1 = memchr(s, '\t', n);
		if (t1 == NULL)
			return fail_at(ld, ld->lineno, "expected NAME<TAB>TYPE[<TAB>DATA]");
		if ((why = name_norm(s, (size_t)(t1 - s), name)) != NULL)
			return fail_at(ld, ld->lineno, "%s: '%.*s'", why,
			               show_len((size_t)(t1 - s)), s);
		type = t1 + 1;
		t2 = memchr(type, '\t', (size_t)(s + n - type));
		tlen = (size_t)((t2 ? t2 : s + n) - type);
		if (tlen == 3 && memcmp(type, "TXT", 3) == 0) {
			if (t2 == NULL)
				return fail_at(ld, ld->lineno, "TXT without a <TAB>DATA field");
			rc = store_txt(ld, name, t2 + 1, (size_t)(s + n - t2 - 1), ld->lineno,
			               &no_provenance);
		} else {
			enum mark m = MARK_NONE;

			for (int k = MARK_NXDOMAIN; k <= MARK_TIMEOUT; k++)
				if (tlen == strlen(mark_names[k]) &&
				    memcmp(type, mark_names[k], tlen) == 0)
					m = (enum mark)k;
			if (m == MARK_NONE)
				return fail_at(ld, ld->lineno,
				               "unknown type '%.*s' (expected TXT, NXDOMAIN, "
				               "SERVFAIL or TIMEOUT)",
				               show_len(tlen), type);
			if (t2 != NULL)
				return fail_at(ld, ld->lineno, "unexpected data after %s",
				               mark_names[m]);
			rc = store_mark(ld, name, m, ld->lineno);
		}
		if (rc != DKIMARC_OK)
			return rc;
	}
	return rc < 0 ? rc : DKIMARC_OK;
}

/* ---- (c) JSON Lines with provenance ------------------------------------- */

/* An optional time member: RFC 3339 string or non-negative integer. */
static int json_time(loader *ld, json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	*out = -1;
	if (v == NULL || json_is_null(v))
		return DKIMARC_OK;
	if (json_is_integer(v) && json_integer_value(v) >= 0) {
		*out = (int64_t)json_integer_value(v);
		return DKIMARC_OK;
	}
	if (json_is_string(v) && (*out = dkimarc_parse_time(json_string_value(v))) >= 0)
		return DKIMARC_OK;
	if (json_is_string(v))
		return fail_at(ld, ld->lineno, "\"%s\": bad time \"%.60s\"", key,
		               json_string_value(v));
	return fail_at(ld, ld->lineno,
	               "\"%s\" must be an RFC 3339 string or a non-negative unix time", key);
}

/* A recovered record's "signatures" and "recovered_from" (docs/keys.md), kept by line. */
static int json_recovered(loader *ld, json_t *obj)
{
	json_t *jn = json_object_get(obj, "signatures");
	json_t *jl = json_object_get(obj, "recovered_from");
	archive *a = ld->a;
	da_recinfo ri = {0};

	if (jn && !json_is_null(jn) && !(json_is_integer(jn) && json_integer_value(jn) >= 0))
		return fail_at(ld, ld->lineno, "\"signatures\" must be a non-negative integer");
	if (jl && !json_is_null(jl) && !json_is_array(jl))
		return fail_at(ld, ld->lineno, "\"recovered_from\" must be an array");
	size_t nl = json_is_array(jl) ? json_array_size(jl) : 0;
	if (nl && !(ri.b = calloc(nl, sizeof *ri.b)))
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	for (size_t i = 0; i < nl; i++) {
		json_t *e = json_array_get(jl, i), *jb = json_object_get(e, "b");
		if (!json_is_object(e) || (jb && !json_is_null(jb) && !json_is_string(jb))) {
			recinfo_free(&ri);
			return fail_at(ld, ld->lineno,
			               "\"recovered_from\" entry %zu is not an object with a "
			               "string \"b\"",
			               i + 1);
		}
		if (json_is_string(jb) && !(ri.b[ri.nb++] = da_strdup(json_string_value(jb)))) {
			recinfo_free(&ri);
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		}
	}
	ri.signatures = json_is_integer(jn) ? (size_t)json_integer_value(jn) : nl;
	if (a->nrv == a->caprv) {
		size_t cap = a->caprv ? 2 * a->caprv : 4;
		recovered *rv = realloc(a->rv, cap * sizeof *rv);
		if (!rv) {
			recinfo_free(&ri);
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		}
		a->rv = rv;
		a->caprv = cap;
	}
	a->rv[a->nrv++] = (recovered){ld->file, ld->lineno, ri};
	return DKIMARC_OK;
}

static int json_record(loader *ld, json_t *obj)
{
	json_t *jname = json_object_get(obj, "name");
	json_t *jtxt = json_object_get(obj, "txt");
	json_t *jsrc = json_object_get(obj, "source");
	json_t *jsec = json_object_get(obj, "dnssec");
	provenance pv = no_provenance;
	char name[MAX_NAME + 1];
	const char *why, *s;
	int rc;

	if (!json_is_object(obj))
		return fail_at(ld, ld->lineno, "expected a JSON object");
	if (!json_is_string(jname))
		return fail_at(ld, ld->lineno, "\"name\" missing or not a string");
	if (!json_is_string(jtxt))
		return fail_at(ld, ld->lineno, "\"txt\" missing or not a string");
	s = json_string_value(jname);
	if ((why = name_norm(s, json_string_length(jname), name)) != NULL)
		return fail_at(ld, ld->lineno, "%s: \"%.60s\"", why, s);
	if (jsrc != NULL && !json_is_null(jsrc)) {
		if (!json_is_string(jsrc))
			return fail_at(ld, ld->lineno, "\"source\" is not a string");
		pv.source = json_string_value(jsrc);
		if (strlen(pv.source) != json_string_length(jsrc))
			return fail_at(ld, ld->lineno, "\"source\" contains a NUL character");
	}
	if ((rc = json_time(ld, obj, "first_seen", &pv.first_seen)) != DKIMARC_OK ||
	    (rc = json_time(ld, obj, "last_seen", &pv.last_seen)) != DKIMARC_OK ||
	    (rc = json_time(ld, obj, "fetched_at", &pv.fetched_at)) != DKIMARC_OK)
		return rc;
	if (pv.first_seen >= 0 && pv.last_seen >= 0 && pv.first_seen > pv.last_seen)
		return fail_at(ld, ld->lineno, "\"first_seen\" is after \"last_seen\"");
	if (jsec == NULL || json_is_null(jsec))
		pv.dnssec = -1;
	else if (json_is_boolean(jsec))
		pv.dnssec = json_is_true(jsec);
	else if (json_is_string(jsec) &&
	         strcmp(json_string_value(jsec), "validated-by-resolver") == 0)
		pv.dnssec = 1;
	else if (json_is_string(jsec) && strcmp(json_string_value(jsec), "unvalidated") == 0)
		pv.dnssec = 0;
	else
		return fail_at(ld, ld->lineno,
		               "\"dnssec\" must be true, false, \"validated-by-resolver\" or "
		               "\"unvalidated\"");
	if ((rc = store_txt(ld, name, json_string_value(jtxt), json_string_length(jtxt), ld->lineno,
	                    &pv)) != DKIMARC_OK)
		return rc;
	return pv.source && strcmp(pv.source, "recovered") == 0 ? json_recovered(ld, obj)
	                                                        : DKIMARC_OK;
}

static int parse_jsonl(loader *ld)
{
	const char *s;
	size_t n;
	int rc;

	while ((rc = next_line(ld, &s, &n)) == 1) {
		json_error_t jerr;
		json_t *obj;

		if (blank(s, n))
			continue;
		/* NUL allowed in "txt" (records may hold any bytes); names are checked. */
		obj = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
		if (obj == NULL)
			return fail_at(ld, ld->lineno, "invalid JSON: %s", jerr.text);
		rc = json_record(ld, obj);
		json_decref(obj);
		if (rc != DKIMARC_OK)
			return rc;
	}
	return rc < 0 ? rc : DKIMARC_OK;
}

/* ---- (e) the zk-email archive's answers ------------------------------------ */

#define MAX_ZK    (512u << 20) /* one JSON document, read whole */
#define ZK_SOURCE "zk-email archive"

/* A member that is a time string or null: "2024-03-05T10:11:12.345Z". */
static int zk_time(loader *ld, size_t item, json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);

	*out = -1;
	if (v == NULL || json_is_null(v))
		return DKIMARC_OK;
	if (json_is_string(v) && (*out = dkimarc_parse_time(json_string_value(v))) >= 0)
		return DKIMARC_OK;
	return da_fail(DKIMARC_EFORMAT, "%s: entry %zu: \"%s\" is not a time", ld->file, item, key);
}

/*
 * What the zk-email project's archive answers for GET /api/key?domain=...: a
 * JSON array of {"domain", "selector", "value", "firstSeenAt", "lastSeenAt"}.
 * Its first and last sightings become first_seen and last_seen.
 */
static int parse_zkemail(loader *ld)
{
	json_error_t jerr;
	json_t *arr;
	int rc = DKIMARC_OK;

	if (ld->len > MAX_ZK)
		return da_fail(DKIMARC_ELIMIT, "%s: a JSON archive over 512 MiB", ld->file);
	arr = json_loadb(ld->buf, ld->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (arr == NULL)
		return fail_at(ld, (unsigned long)(jerr.line > 0 ? jerr.line : 1),
		               "invalid JSON: %s", jerr.text);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return fail_at(ld, 1, "expected a JSON array of keys");
	}
	for (size_t i = 0; rc == DKIMARC_OK && i < json_array_size(arr); i++) {
		json_t *o = json_array_get(arr, i);
		json_t *jd = json_object_get(o, "domain"), *js = json_object_get(o, "selector");
		json_t *jv = json_object_get(o, "value");
		provenance pv = no_provenance;
		char full[2 * MAX_NAME + 16], name[MAX_NAME + 1];
		const char *why;

		pv.source = ZK_SOURCE;
		pv.entry = true;
		if (!json_is_object(o) || !json_is_string(jd) || !json_is_string(js) ||
		    !json_is_string(jv)) {
			rc = da_fail(DKIMARC_EFORMAT,
			             "%s: entry %zu: expected an object with \"domain\", "
			             "\"selector\" and \"value\" strings",
			             ld->file, i + 1);
			break;
		}
		int n = snprintf(full, sizeof full, "%s._domainkey.%s", json_string_value(js),
		                 json_string_value(jd));
		if (n < 0 || (size_t)n >= sizeof full ||
		    strlen(json_string_value(js)) != json_string_length(js) ||
		    strlen(json_string_value(jd)) != json_string_length(jd))
			why = "name too long or holding a NUL";
		else
			why = name_norm(full, (size_t)n, name);
		if (why != NULL) {
			rc = da_fail(DKIMARC_EFORMAT, "%s: entry %zu: %s: \"%.60s\"", ld->file,
			             i + 1, why, full);
			break;
		}
		if ((rc = zk_time(ld, i + 1, o, "firstSeenAt", &pv.first_seen)) != DKIMARC_OK ||
		    (rc = zk_time(ld, i + 1, o, "lastSeenAt", &pv.last_seen)) != DKIMARC_OK)
			break;
		if (pv.first_seen >= 0 && pv.last_seen >= 0 && pv.first_seen > pv.last_seen) {
			rc = da_fail(DKIMARC_EFORMAT,
			             "%s: entry %zu: firstSeenAt is after lastSeenAt", ld->file,
			             i + 1);
			break;
		}
		rc = store_txt(ld, name, json_string_value(jv), json_string_length(jv), i + 1, &pv);
	}
	json_decref(arr);
	return rc;
}

/* ---- (b) DNS zone files (RFC 1035 §5) ----------------------------------- */

typedef struct {
	size_t off, len; /* decoded bytes in zone.text */
	bool quoted, escaped;
} ztok;

typedef struct {
	char origin[MAX_NAME + 1];
	bool has_origin;
	char owner[MAX_NAME + 1];
	bool has_owner;
	dbuf text; /* decoded tokens of the current record */
	dbuf txt;  /* TXT data being assembled */
	ztok *toks;
	size_t ntok, tokcap;
	int depth;
	unsigned long paren_line, rec_line;
	bool owner_omitted, in_record;
	size_t rec_bytes;
} zone;

static const char *const rr_types[] = {
    "A",    "NS",      "MD",         "MF",    "CNAME",      "SOA",   "MB",       "MG",
    "MR",   "NULL",    "WKS",        "PTR",   "HINFO",      "MINFO", "MX",       "TXT",
    "RP",   "AFSDB",   "X25",        "ISDN",  "RT",         "NSAP",  "SIG",      "KEY",
    "PX",   "GPOS",    "AAAA",       "LOC",   "NXT",        "SRV",   "NAPTR",    "KX",
    "CERT", "A6",      "DNAME",      "APL",   "DS",         "SSHFP", "IPSECKEY", "RRSIG",
    "NSEC", "DNSKEY",  "DHCID",      "NSEC3", "NSEC3PARAM", "TLSA",  "SMIMEA",   "HIP",
    "CDS",  "CDNSKEY", "OPENPGPKEY", "CSYNC", "ZONEMD",     "SVCB",  "HTTPS",    "SPF",
    "NID",  "L32",     "L64",        "LP",    "EUI48",      "EUI64", "URI",      "CAA",
    "DLV",
};

static bool is_rr_type(const char *s, size_t n)
{
	for (size_t i = 0; i < sizeof rr_types / sizeof rr_types[0]; i++)
		if (word_eq(s, n, rr_types[i]))
			return true;
	/* RFC 3597 generic type names: TYPE123 */
	if (n > 4 && word_eq(s, 4, "TYPE")) {
		for (size_t i = 4; i < n; i++)
			if (!is_digit(s[i]))
				return false;
		return n <= 9;
	}
	return false;
}

static bool is_class(const char *s, size_t n)
{
	return word_eq(s, n, "IN") || word_eq(s, n, "CH") || word_eq(s, n, "CS") ||
	       word_eq(s, n, "HS");
}

/* A TTL: decimal seconds, or BIND units such as 1h30m. */
static bool is_ttl(const char *s, size_t n)
{
	bool units = false, digit = false;

	if (n == 0 || !is_digit(s[0]))
		return false;
	for (size_t i = 0; i < n; i++) {
		if (is_digit(s[i])) {
			digit = true;
		} else if (digit && s[i] && strchr("smhdwSMHDW", s[i]) != NULL) {
			digit = false;
			units = true;
		} else {
			return false;
		}
	}
	return !(units && digit);
}

/* Resolves an owner or $ORIGIN argument against the current origin. */
static int zone_name(loader *ld, zone *z, const ztok *t, char *out, bool allow_root)
{
	const char *s = z->text.p + t->off;
	char full[2 * MAX_NAME + 4];
	const char *why;
	size_t n = t->len;

	if (t->quoted || t->escaped)
		return fail_at(ld, z->rec_line, "quoted or escaped names are not supported: '%.*s'",
		               show_len(n), s);
	if (n == 1 && s[0] == '@') {
		if (!z->has_origin)
			return fail_at(ld, z->rec_line, "'@' used before any $ORIGIN");
		if (z->origin[0] == '\0' && !allow_root)
			return fail_at(ld, z->rec_line, "'@' is the root here, not a usable name");
		strcpy(out, z->origin);
		return DKIMARC_OK;
	}
	if (n > MAX_NAME + 1)
		return fail_at(ld, z->rec_line, "name longer than 253 bytes: '%.*s'", show_len(n),
		               s);
	if (n == 1 && s[0] == '.' && allow_root) {
		out[0] = '\0';
		return DKIMARC_OK;
	}
	memcpy(full, s, n);
	if (s[n - 1] != '.') {
		if (!z->has_origin)
			return fail_at(ld, z->rec_line, "relative name '%.*s' with no $ORIGIN",
			               show_len(n), s);
		if (z->origin[0] != '\0') {
			full[n++] = '.';
			strcpy(full + n, z->origin);
			n += strlen(z->origin);
		}
	}
	if ((why = name_norm(full, n, out)) != NULL)
		return fail_at(ld, z->rec_line, "%s: '%.*s'", why, show_len(n), full);
	return DKIMARC_OK;
}

static int zone_directive(loader *ld, zone *z)
{
	const ztok *t = &z->toks[0];
	const char *s = z->text.p + t->off;

	if (word_eq(s, t->len, "$ORIGIN")) {
		char origin[MAX_NAME + 1];
		int rc;

		if (z->ntok != 2)
			return fail_at(ld, z->rec_line, "$ORIGIN takes exactly one name");
		rc = zone_name(ld, z, &z->toks[1], origin, true);
		if (rc != DKIMARC_OK)
			return rc;
		strcpy(z->origin, origin);
		z->has_origin = true;
		return DKIMARC_OK;
	}
	if (word_eq(s, t->len, "$TTL")) {
		if (z->ntok != 2 || z->toks[1].quoted ||
		    !is_ttl(z->text.p + z->toks[1].off, z->toks[1].len))
			return fail_at(ld, z->rec_line, "$TTL takes one TTL value");
		return DKIMARC_OK;
	}
	return fail_at(ld, z->rec_line, "unsupported directive %.*s", show_len(t->len), s);
}

static int zone_record(loader *ld, zone *z)
{
	const ztok *t;
	bool ttl = false, has_class = false;
	size_t i = 0;
	int rc;

	t = &z->toks[0];
	if (!z->owner_omitted && !t->quoted && t->len > 0 && z->text.p[t->off] == '$')
		return zone_directive(ld, z);
	if (z->owner_omitted) {
		if (!z->has_owner)
			return fail_at(ld, z->rec_line, "no owner name, and no previous record");
	} else {
		if ((rc = zone_name(ld, z, t, z->owner, false)) != DKIMARC_OK)
			return rc;
		z->has_owner = true;
		i = 1;
	}
	/* TTL and class, both optional, in either order. */
	for (; i < z->ntok && !z->toks[i].quoted; i++) {
		const char *s = z->text.p + z->toks[i].off;
		size_t n = z->toks[i].len;

		if (!ttl && is_digit(s[0])) {
			if (!is_ttl(s, n))
				return fail_at(ld, z->rec_line, "bad TTL '%.*s'", show_len(n), s);
			ttl = true;
		} else if (!has_class && is_class(s, n)) {
			if (!word_eq(s, n, "IN"))
				return fail_at(ld, z->rec_line,
				               "class %.*s not supported (only IN)", (int)n, s);
			has_class = true;
		} else {
			break;
		}
	}
	if (i >= z->ntok)
		return fail_at(ld, z->rec_line, "missing record type");
	t = &z->toks[i++];
	if (t->quoted || !is_rr_type(z->text.p + t->off, t->len))
		return fail_at(ld, z->rec_line, "unknown record type '%.*s'", show_len(t->len),
		               z->text.p + t->off);
	if (word_eq(z->text.p + t->off, t->len, "TYPE16"))
		return fail_at(ld, z->rec_line, "TYPE16 (generic TXT) is not supported; write TXT");
	if (!word_eq(z->text.p + t->off, t->len, "TXT"))
		return DKIMARC_OK; /* other types are only skipped */
	if (i >= z->ntok)
		return fail_at(ld, z->rec_line, "TXT record without data");
	z->txt.n = 0;
	for (; i < z->ntok; i++) {
		t = &z->toks[i];
		if (t->len > MAX_CHARSTR)
			return fail_at(ld, z->rec_line,
			               "character-string of %zu bytes (at most 255; split it)",
			               t->len);
		if ((rc = dbuf_put(&z->txt, z->text.p + t->off, t->len)) != DKIMARC_OK)
			return rc;
	}
	return store_txt(ld, z->owner, z->txt.p, z->txt.n, z->rec_line, &no_provenance);
}

static int zone_push(zone *z, size_t off, bool quoted, bool escaped)
{
	if (z->ntok == z->tokcap) {
		size_t cap = z->tokcap ? z->tokcap * 2 : 16;
		ztok *t = realloc(z->toks, cap * sizeof *t);

		if (t == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		z->toks = t;
		z->tokcap = cap;
	}
	z->toks[z->ntok++] = (ztok){off, z->text.n - off, quoted, escaped};
	return DKIMARC_OK;
}

/* Splits one physical line into the current record's tokens. */
static int zone_tokenize(loader *ld, zone *z, const char *s, size_t n)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		char c = s[i];
		size_t off = z->text.n;
		bool escaped = false;

		if (is_ws(c)) {
			i++;
		} else if (c == ';') {
			break;
		} else if (c == '(') {
			if (z->depth > 0)
				return fail_at(ld, ld->lineno, "nested parenthesis");
			z->depth = 1;
			z->paren_line = ld->lineno;
			i++;
		} else if (c == ')') {
			if (z->depth == 0)
				return fail_at(ld, ld->lineno,
				               "unbalanced parenthesis: ')' without '('");
			z->depth = 0;
			i++;
		} else if (c == '"') {
			if ((rc = read_quoted(ld, s, n, &i, &z->text)) != DKIMARC_OK ||
			    (rc = zone_push(z, off, true, false)) != DKIMARC_OK)
				return rc;
		} else {
			while (i < n && !is_ws(s[i]) && !strchr(";()\"", s[i])) {
				if (s[i] == '\\') {
					escaped = true;
					rc = read_escape(ld, s, n, &i, &z->text);
				} else {
					rc = dbuf_putc(&z->text, s[i++]);
				}
				if (rc != DKIMARC_OK)
					return rc;
			}
			if ((rc = zone_push(z, off, false, escaped)) != DKIMARC_OK)
				return rc;
		}
	}
	return DKIMARC_OK;
}

static int parse_zone(loader *ld)
{
	zone z;
	const char *s;
	size_t n;
	int rc;

	memset(&z, 0, sizeof z);
	/* Tokens point into z.text even when all are empty: never at NULL. */
	if ((rc = dbuf_putc(&z.text, '\0')) != DKIMARC_OK)
		return rc;
	z.text.n = 0;
	while ((rc = next_line(ld, &s, &n)) == 1) {
		if (!z.in_record) {
			z.rec_line = ld->lineno;
			z.owner_omitted = n > 0 && is_ws(s[0]);
			z.rec_bytes = 0;
		}
		z.rec_bytes += n;
		if (z.rec_bytes > MAX_LINE) {
			rc = fail_at(ld, z.rec_line, "record longer than 1 MiB");
			break;
		}
		if ((rc = zone_tokenize(ld, &z, s, n)) != DKIMARC_OK)
			break;
		if (z.depth > 0) {
			z.in_record = true;
			continue;
		}
		z.in_record = false;
		if (z.ntok > 0 && (rc = zone_record(ld, &z)) != DKIMARC_OK)
			break;
		z.ntok = 0;
		z.text.n = 0;
	}
	if (rc == 0 && z.depth > 0)
		rc = fail_at(ld, z.paren_line, "unbalanced parenthesis: '(' is never closed");
	free(z.text.p);
	free(z.txt.p);
	free(z.toks);
	return rc < 0 ? rc : DKIMARC_OK;
}

/* ---- format detection --------------------------------------------------- */

enum format { FMT_KEYFILE, FMT_ZONE, FMT_JSONL, FMT_VECTOR, FMT_ZKEMAIL };

/* name<TAB>TXT<TAB>data (data not quoted) or name<TAB>NXDOMAIN|SERVFAIL|TIMEOUT */
static bool vector_line(const char *s, size_t n)
{
	const char *t1 = memchr(s, '\t', n), *type, *t2;
	size_t tlen;

	if (t1 == NULL || t1 == s || memchr(s, ' ', (size_t)(t1 - s)) != NULL)
		return false;
	type = t1 + 1;
	t2 = memchr(type, '\t', (size_t)(s + n - type));
	tlen = (size_t)((t2 ? t2 : s + n) - type);
	if (tlen == 3 && memcmp(type, "TXT", 3) == 0)
		/* A quoted string after TXT is zone syntax with tabs. */
		return t2 != NULL && (t2 + 1 == s + n || t2[1] != '"');
	return t2 == NULL && ((tlen == 8 && memcmp(type, "NXDOMAIN", 8) == 0) ||
	                      (tlen == 8 && memcmp(type, "SERVFAIL", 8) == 0) ||
	                      (tlen == 7 && memcmp(type, "TIMEOUT", 7) == 0));
}

/* $ORIGIN/$TTL, a '(' outside quotes, or owner [ttl] [class] TXT "..." / owner [ttl] IN TYPE */
static bool zone_line(const char *s, size_t n)
{
	size_t i = 0, tok = 0;
	bool in_q = false, has_class = false;

	if (word_eq(s, n < 7 ? n : 7, "$ORIGIN") || word_eq(s, n < 4 ? n : 4, "$TTL"))
		return true;
	for (size_t k = 0; k < n; k++) {
		if (s[k] == '"' && (k == 0 || s[k - 1] != '\\'))
			in_q = !in_q;
		else if (!in_q && s[k] == ';')
			break;
		else if (!in_q && s[k] == '(')
			return true;
	}
	if (!is_ws(s[0])) {
		while (i < n && !is_ws(s[i]))
			i++;
	}
	for (; tok < 3; tok++) {
		size_t start;

		while (i < n && is_ws(s[i]))
			i++;
		start = i;
		while (i < n && !is_ws(s[i]))
			i++;
		if (start == i)
			return false;
		if (word_eq(s + start, i - start, "TXT")) {
			while (i < n && is_ws(s[i]))
				i++;
			return i < n && s[i] == '"';
		}
		if (has_class && is_rr_type(s + start, i - start))
			return true;
		if (word_eq(s + start, i - start, "IN"))
			has_class = true;
		else if (!is_ttl(s + start, i - start))
			return false;
	}
	return false;
}

static enum format detect(const char *buf, size_t len)
{
	size_t pos = 0;
	bool zone_hint = false;

	while (pos < len && (is_ws(buf[pos]) || buf[pos] == '\r' || buf[pos] == '\n'))
		pos++;
	if (pos < len && buf[pos] == '{')
		return FMT_JSONL;
	if (pos < len && buf[pos] == '[')
		return FMT_ZKEMAIL;
	for (pos = 0; pos < len;) {
		const char *s = buf + pos, *nl = memchr(s, '\n', len - pos);
		size_t n = nl ? (size_t)(nl - s) : len - pos, i = 0;

		pos += n + (nl != NULL);
		if (n > 0 && s[n - 1] == '\r')
			n--;
		while (i < n && is_ws(s[i]))
			i++;
		if (i == n || s[i] == '#' || s[i] == ';')
			continue;
		if (vector_line(s, n))
			return FMT_VECTOR;
		if (!zone_hint && zone_line(s, n))
			zone_hint = true;
	}
	return zone_hint ? FMT_ZONE : FMT_KEYFILE;
}

/* ---- the key source ----------------------------------------------------- */

static int archive_lookup(void *impl, const char *name, dkimarc_answer *ans)
{
	const archive *a = impl;
	char key[MAX_NAME + 1];
	size_t n = strlen(name);
	const entry *e = NULL;
	char *why;
	int len, rc;

	if (n > 0 && name[n - 1] == '.')
		n--;
	if (n <= MAX_NAME) {
		for (size_t i = 0; i < n; i++)
			key[i] = lower(name[i]);
		key[n] = '\0';
		e = find(a, key);
	}
	if (e != NULL && e->n > 0) {
		for (size_t i = 0; i < e->n; i++)
			if ((rc = dkimarc_answer_add(ans, &e->recs[i])) != DKIMARC_OK)
				return rc;
		return DKIMARC_OK;
	}
	if (e != NULL && e->mark != MARK_NONE)
		len = snprintf(NULL, 0, "%s (from archive %s:%lu)", mark_names[e->mark],
		               e->mark_file, e->mark_line);
	else
		len = snprintf(NULL, 0, "no record for %s in the archive(s)", name);
	why = malloc((size_t)len + 1);
	if (why == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	if (e != NULL && e->mark != MARK_NONE)
		snprintf(why, (size_t)len + 1, "%s (from archive %s:%lu)", mark_names[e->mark],
		         e->mark_file, e->mark_line);
	else
		snprintf(why, (size_t)len + 1, "no record for %s in the archive(s)", name);
	rc = dkimarc_answer_fail(ans,
	                         (e != NULL && e->mark >= MARK_SERVFAIL) ? DKIMARC_LOOKUP_TEMPFAIL
	                                                                 : DKIMARC_LOOKUP_NOT_FOUND,
	                         why);
	free(why);
	return rc;
}

static const dkimarc_keysrc_ops archive_ops = {
    .version = DKIMARC_KEYSRC_OPS_VERSION,
    .lookup = archive_lookup,
    .free = archive_free,
    .kind = "archive",
};

static archive *as_archive(const dkimarc_keysrc *src)
{
	return (src != NULL && src->ops == &archive_ops) ? src->impl : NULL;
}

int dkimarc_keysrc_archive_new(dkimarc_keysrc **out)
{
	archive *a;
	int rc;

	if (out == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_keysrc_archive_new: out is NULL");
	*out = NULL;
	a = calloc(1, sizeof *a);
	if (a == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	rc = da_keysrc_wrap(out, &archive_ops, a);
	if (rc != DKIMARC_OK)
		free(a);
	return rc;
}

int da_archive_foreach(const dkimarc_keysrc *src, da_record_fn fn, void *arg)
{
	const archive *a = as_archive(src);
	int rc;

	for (size_t i = 0; a && i < a->nslots; i++) {
		const entry *e = a->slots[i];

		for (size_t j = 0; e && j < e->n; j++)
			if ((rc = fn(arg, e->name, &e->recs[j])) != 0)
				return rc;
	}
	return 0;
}

size_t dkimarc_keysrc_archive_count(const dkimarc_keysrc *src)
{
	const archive *a = as_archive(src);

	return a ? a->nrecs : 0;
}

/* The archive's bytes as read, hashed before any parsing (a BOM included). */
static int file_sha256(const char *data, size_t len, char out[65])
{
	unsigned char d[EVP_MAX_MD_SIZE];
	unsigned int n = 0;

	if (EVP_Digest(data ? data : "", len, d, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	for (unsigned int i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", d[i]);
	return 0;
}

/* The i-th archive file within src (an archive, chain or prefetch), or NULL. */
static const archive *archive_of_file(const dkimarc_keysrc *src, size_t *i)
{
	const archive *a = as_archive(src);
	const dkimarc_keysrc *m;

	if (a) {
		if (*i < a->nfiles)
			return a;
		*i -= a->nfiles;
		return NULL;
	}
	if ((m = da_keysrc_prefetch_inner(src)) != NULL)
		return archive_of_file(m, i);
	for (size_t k = 0; (m = da_keysrc_chain_member(src, k)) != NULL; k++)
		if ((a = archive_of_file(m, i)) != NULL)
			return a;
	return NULL;
}

const da_recinfo *da_archive_recinfo(const dkimarc_keysrc *src, const char *file,
                                     unsigned long line)
{
	const archive *a = as_archive(src);
	const dkimarc_keysrc *m;
	const da_recinfo *ri;

	if (!file)
		return NULL;
	if (a) {
		for (size_t i = 0; i < a->nrv; i++)
			if (a->rv[i].line == line && strcmp(a->rv[i].file, file) == 0)
				return &a->rv[i].info;
		return NULL;
	}
	if ((m = da_keysrc_prefetch_inner(src)) != NULL)
		return da_archive_recinfo(m, file, line);
	for (size_t k = 0; (m = da_keysrc_chain_member(src, k)) != NULL; k++)
		if ((ri = da_archive_recinfo(m, file, line)) != NULL)
			return ri;
	return NULL;
}

size_t dkimarc_keysrc_archive_file_count(const dkimarc_keysrc *src)
{
	size_t n = 0;

	while (archive_of_file(src, &(size_t){n}))
		n++;
	return n;
}

const char *dkimarc_keysrc_archive_file(const dkimarc_keysrc *src, size_t i)
{
	const archive *a = archive_of_file(src, &i);

	return a ? a->files[i] : NULL;
}

const char *dkimarc_keysrc_archive_file_sha256(const dkimarc_keysrc *src, size_t i)
{
	const archive *a = archive_of_file(src, &i);

	return a ? a->sha256[i] : NULL;
}

int dkimarc_keysrc_archive_load_mem(dkimarc_keysrc *src, const char *name, const char *data,
                                    size_t len)
{
	archive *a = as_archive(src);
	loader ld;
	char *file;
	int rc;

	if (a == NULL || name == NULL || (data == NULL && len > 0))
		return da_fail(DKIMARC_EINVAL, "archive load: invalid argument");
	if (a->nfiles == a->files_cap) {
		size_t cap = a->files_cap ? a->files_cap * 2 : 4;
		char **f = realloc(a->files, cap * sizeof *f);

		if (f == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		a->files = f;
		char(*h)[65] = realloc(a->sha256, cap * sizeof *h);
		if (h == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		a->sha256 = h;
		a->files_cap = cap;
	}
	if (file_sha256(data, len, a->sha256[a->nfiles]) != 0)
		return da_fail(DKIMARC_ECRYPTO, "OpenSSL failed hashing %s", name);
	if ((file = da_strdup(name)) == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	/* A UTF-8 byte order mark is not content. */
	if (len >= 3 && memcmp(data, "\xEF\xBB\xBF", 3) == 0) {
		data += 3;
		len -= 3;
	}
	memset(&ld, 0, sizeof ld);
	size_t nrv = a->nrv;
	ld.a = a;
	ld.file = file;
	ld.buf = data ? data : "";
	ld.len = len;
	switch (detect(ld.buf, len)) {
	case FMT_JSONL:
		rc = parse_jsonl(&ld);
		break;
	case FMT_VECTOR:
		rc = parse_vector(&ld);
		break;
	case FMT_ZKEMAIL:
		rc = parse_zkemail(&ld);
		break;
	case FMT_ZONE:
		rc = parse_zone(&ld);
		break;
	default:
		rc = parse_keyfile(&ld);
		break;
	}
	if (rc != DKIMARC_OK) {
		/* All or nothing: a bad line leaves the source as it was. */
		rollback(&ld);
		while (a->nrv > nrv)
			recinfo_free(&a->rv[--a->nrv].info);
		free(file);
	} else {
		a->files[a->nfiles++] = file;
	}
	free(ld.log);
	return rc;
}

int dkimarc_keysrc_archive_load(dkimarc_keysrc *src, const char *path)
{
	struct stat st;
	char *buf = NULL;
	void *map = NULL;
	size_t len = 0;
	int fd, rc;

	if (as_archive(src) == NULL || path == NULL)
		return da_fail(DKIMARC_EINVAL, "archive load: invalid argument");
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return da_fail(DKIMARC_EIO, "cannot open %s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0) {
		rc = da_fail(DKIMARC_EIO, "cannot read %s: %s", path, strerror(errno));
		goto out;
	}
	if (S_ISDIR(st.st_mode)) {
		rc = da_fail(DKIMARC_EIO, "cannot read %s: %s", path, strerror(EISDIR));
		goto out;
	}
	/* Regular files are mapped, not copied: the archive may be large. */
	if (S_ISREG(st.st_mode) && st.st_size > 0) {
		if ((uintmax_t)st.st_size > SIZE_MAX) {
			rc = da_fail(DKIMARC_ELIMIT, "%s: file too large", path);
			goto out;
		}
		len = (size_t)st.st_size;
		map = mmap(NULL, len, PROT_READ, MAP_PRIVATE, fd, 0);
		if (map == MAP_FAILED) {
			map = NULL;
			len = 0;
		}
	}
	if (map == NULL) {
		/* Pipes and the like, or mmap refused: read it all. */
		size_t cap = 0;

		for (;;) {
			ssize_t got;

			if (cap - len < 65536) {
				char *b = realloc(buf, cap ? cap * 2 : 65536);

				if (b == NULL) {
					rc = da_fail(DKIMARC_ENOMEM, "out of memory reading %s",
					             path);
					goto out;
				}
				buf = b;
				cap = cap ? cap * 2 : 65536;
			}
			got = read(fd, buf + len, cap - len);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				rc = da_fail(DKIMARC_EIO, "cannot read %s: %s", path,
				             strerror(errno));
				goto out;
			}
			if (got == 0)
				break;
			len += (size_t)got;
		}
	}
	rc = dkimarc_keysrc_archive_load_mem(src, path, map ? map : buf, len);
out:
	if (map != NULL)
		munmap(map, len);
	free(buf);
	close(fd);
	return rc;
}
