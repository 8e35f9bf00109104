/*
 * The archive key source: key records read from files (OpenDKIM key files,
 * DNS zone files, our JSON Lines provenance format, the zk-email archive's
 * JSON, and on request only the test vectors' tab-separated dns.txt), kept in a hash table keyed by
 * lower-case name. Loading is single-threaded; lookups only read, so they are thread-safe. The
 * formats and the detection rule are described in docs/keys.md. This file holds the loading and
 * the lookups; each format's reader is in keysrc_archive_FORMAT.c.
 */
#include "keysrc_archive.h"
#include "keymarks.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

/* Adds to one of the loader's text buffers; a failure says where. */
int da_ar_put(const loader *ld, da_dyn *b, const char *s, size_t n)
{
	if (da_dyn_add(b, s, n) == DKIMARC_OK)
		return DKIMARC_OK;
	if (b->err == DKIMARC_ELIMIT)
		return da_fail(DKIMARC_ELIMIT, "%s:%lu: decoded text longer than %zu bytes",
		               ld->file, ld->lineno, b->max);
	return da_fail(b->err, "out of memory");
}

int da_ar_putc(const loader *ld, da_dyn *b, char c)
{
	return da_ar_put(ld, b, &c, 1);
}

int da_ar_fail_at(const loader *ld, unsigned long line, const char *fmt, ...)
{
	char msg[400];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	return da_fail(DKIMARC_EFORMAT, "%s:%lu: %s", ld->file, line, msg);
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
const char *da_ar_name_norm(const char *s, size_t n, char *out)
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

void da_ar_recinfo_free(da_recinfo *ri)
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
		da_ar_recinfo_free(&a->rv[i].info);
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
		free(a->files[i].name);
	free(a->files);
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

/* name is already normalized. */
int da_ar_store_txt(loader *ld, const char *name, const char *txt, size_t txt_len,
                    unsigned long line, const provenance *pv)
{
	dkimarc_keyrec r = {.version = DKIMARC_KEYREC_VERSION};
	entry *e;
	int rc, olen;

	if (txt_len > MAX_TXT)
		return da_ar_fail_at(ld, line, "TXT data for %s is longer than 64 KiB", name);
	if ((rc = log_reserve(ld)) != DKIMARC_OK || (rc = get_entry(ld->a, name, &e)) != DKIMARC_OK)
		return rc;
	if (e->mark != MARK_NONE)
		return da_ar_fail_at(ld, line, "%s has TXT data here but is %s at %s:%lu", name,
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

int da_ar_store_mark(loader *ld, const char *name, enum mark m, unsigned long line)
{
	entry *e;
	int rc;

	if ((rc = log_reserve(ld)) != DKIMARC_OK || (rc = get_entry(ld->a, name, &e)) != DKIMARC_OK)
		return rc;
	if (e->n > 0)
		return da_ar_fail_at(ld, line, "%s is %s here but has TXT data at %s", name,
		                     mark_names[m], e->recs[0].origin);
	if (e->mark != MARK_NONE && e->mark != m)
		return da_ar_fail_at(ld, line, "%s is %s here but %s at %s:%lu", name,
		                     mark_names[m], mark_names[e->mark], e->mark_file,
		                     e->mark_line);
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
int da_ar_next_line(loader *ld, const char **line, size_t *len)
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
		return da_ar_fail_at(ld, ld->lineno, "line longer than 1 MiB");
	if (memchr(s, '\0', n) != NULL)
		return da_ar_fail_at(ld, ld->lineno, "NUL byte in line");
	*line = s;
	*len = n;
	return 1;
}

bool da_ar_blank(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!is_ws(s[i]))
			return false;
	return true;
}

/* An RFC 1035 escape at s[*i] == '\\': \DDD (decimal byte) or \X (X itself). */
int da_ar_read_escape(loader *ld, const char *s, size_t n, size_t *i, da_dyn *b)
{
	size_t j = *i + 1;

	if (j >= n)
		return da_ar_fail_at(ld, ld->lineno, "backslash at end of line");
	if (is_digit(s[j])) {
		unsigned v = 0;

		for (size_t k = 0; k < 3; k++) {
			if (j + k >= n || !is_digit(s[j + k]))
				return da_ar_fail_at(
				    ld, ld->lineno, "bad escape: \\DDD needs three decimal digits");
			v = v * 10 + (unsigned)(s[j + k] - '0');
		}
		if (v > 255)
			return da_ar_fail_at(ld, ld->lineno, "bad escape \\%u: more than 255", v);
		*i = j + 3;
		return da_ar_putc(ld, b, (char)v);
	}
	*i = j + 1;
	return da_ar_putc(ld, b, s[j]);
}

/* A quoted string whose opening quote is at s[*i]; leaves *i after the closing one. */
int da_ar_read_quoted(loader *ld, const char *s, size_t n, size_t *i, da_dyn *b)
{
	size_t j = *i + 1;
	int rc;

	while (j < n && s[j] != '"') {
		if (s[j] == '\\') {
			if ((rc = da_ar_read_escape(ld, s, n, &j, b)) != DKIMARC_OK)
				return rc;
		} else {
			size_t k = j;

			while (k < n && s[k] != '"' && s[k] != '\\')
				k++;
			if ((rc = da_ar_put(ld, b, s + j, k - j)) != DKIMARC_OK)
				return rc;
			j = k;
		}
	}
	if (j >= n)
		return da_ar_fail_at(ld, ld->lineno, "unbalanced quote");
	*i = j + 1;
	return DKIMARC_OK;
}

/* ---- format detection --------------------------------------------------- */

enum format { FMT_KEYFILE, FMT_ZONE, FMT_JSONL, FMT_VECTOR, FMT_ZKEMAIL };

/*
 * The format of an archive from its content; *line is the first line in the
 * vector format when that is the answer (a format detected only to be refused).
 */
static enum format detect(const char *buf, size_t len, unsigned long *line)
{
	size_t pos = 0;
	bool zone_hint = false;
	unsigned long lineno = 0;

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
		lineno++;
		if (n > 0 && s[n - 1] == '\r')
			n--;
		while (i < n && is_ws(s[i]))
			i++;
		if (i == n || s[i] == '#' || s[i] == ';')
			continue;
		if (da_ar_vector_line(s, n)) {
			*line = lineno;
			return FMT_VECTOR;
		}
		if (!zone_hint && da_ar_zone_line(s, n))
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

	return a ? a->files[i].name : NULL;
}

const char *dkimarc_keysrc_archive_file_sha256(const dkimarc_keysrc *src, size_t i)
{
	const archive *a = archive_of_file(src, &i);

	return a ? a->files[i].sha256 : NULL;
}

bool da_archive_file_is_vector(const dkimarc_keysrc *src, size_t i)
{
	const archive *a = archive_of_file(src, &i);

	return a && a->files[i].vector;
}

/*
 * The test vectors' format can make lookups fail as DNS would (SERVFAIL,
 * TIMEOUT), so it is read only when the caller says the file is one (vector);
 * detected in any other load, it is refused rather than read as another format.
 */
static int load_mem(dkimarc_keysrc *src, const char *name, const char *data, size_t len,
                    bool vector)
{
	archive *a = as_archive(src);
	unsigned long vline = 0;
	loader ld;
	char *file;
	int rc;

	if (a == NULL || name == NULL || (data == NULL && len > 0))
		return da_fail(DKIMARC_EINVAL, "archive load: invalid argument");
	if (a->nfiles == a->files_cap) {
		size_t cap = a->files_cap ? a->files_cap * 2 : 4;
		struct arfile *f = realloc(a->files, cap * sizeof *f);

		if (f == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		a->files = f;
		a->files_cap = cap;
	}
	if (file_sha256(data, len, a->files[a->nfiles].sha256) != 0)
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
	switch (vector ? FMT_VECTOR : detect(ld.buf, len, &vline)) {
	case FMT_JSONL:
		rc = da_ar_parse_jsonl(&ld);
		break;
	case FMT_VECTOR:
		if (vector)
			rc = da_ar_parse_vector(&ld);
		else
			rc = da_ar_fail_at(
			    &ld, vline,
			    "looks like a test-vector file (NAME<TAB>TXT<TAB>DATA or "
			    "NAME<TAB>NXDOMAIN|SERVFAIL|TIMEOUT), which can make up DNS failures "
			    "and is read only when asked for: load it with "
			    "dkimarc_keysrc_archive_load_vector() (dkimarc: --keys-vector FILE)");
		break;
	case FMT_ZKEMAIL:
		rc = da_ar_parse_zkemail(&ld);
		break;
	case FMT_ZONE:
		rc = da_ar_parse_zone(&ld);
		break;
	default:
		rc = da_ar_parse_keyfile(&ld);
		break;
	}
	if (rc != DKIMARC_OK) {
		/* All or nothing: a bad line leaves the source as it was. */
		rollback(&ld);
		while (a->nrv > nrv)
			da_ar_recinfo_free(&a->rv[--a->nrv].info);
		free(file);
	} else {
		a->files[a->nfiles].vector = vector;
		a->files[a->nfiles++].name = file;
	}
	free(ld.log);
	return rc;
}

int dkimarc_keysrc_archive_load_mem(dkimarc_keysrc *src, const char *name, const char *data,
                                    size_t len)
{
	return load_mem(src, name, data, len, false);
}

int dkimarc_keysrc_archive_load_vector_mem(dkimarc_keysrc *src, const char *name, const char *data,
                                           size_t len)
{
	return load_mem(src, name, data, len, true);
}

static int load_path(dkimarc_keysrc *src, const char *path, bool vector)
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
	rc = load_mem(src, path, map ? map : buf, len, vector);
out:
	if (map != NULL)
		munmap(map, len);
	free(buf);
	close(fd);
	return rc;
}

int dkimarc_keysrc_archive_load(dkimarc_keysrc *src, const char *path)
{
	return load_path(src, path, false);
}

int dkimarc_keysrc_archive_load_vector(dkimarc_keysrc *src, const char *path)
{
	return load_path(src, path, true);
}
