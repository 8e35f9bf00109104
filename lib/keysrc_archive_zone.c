/* Archive format (b): DNS zone files (RFC 1035 §5), and their detection. */
#include "keysrc_archive.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
	da_dyn text; /* decoded tokens of the current record */
	da_dyn txt;  /* TXT data being assembled */
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
		return da_ar_fail_at(ld, z->rec_line,
		                     "quoted or escaped names are not supported: '%.*s'",
		                     show_len(n), s);
	if (n == 1 && s[0] == '@') {
		if (!z->has_origin)
			return da_ar_fail_at(ld, z->rec_line, "'@' used before any $ORIGIN");
		if (z->origin[0] == '\0' && !allow_root)
			return da_ar_fail_at(ld, z->rec_line,
			                     "'@' is the root here, not a usable name");
		strcpy(out, z->origin);
		return DKIMARC_OK;
	}
	if (n > MAX_NAME + 1)
		return da_ar_fail_at(ld, z->rec_line, "name longer than 253 bytes: '%.*s'",
		                     show_len(n), s);
	if (n == 1 && s[0] == '.' && allow_root) {
		out[0] = '\0';
		return DKIMARC_OK;
	}
	memcpy(full, s, n);
	if (s[n - 1] != '.') {
		if (!z->has_origin)
			return da_ar_fail_at(ld, z->rec_line,
			                     "relative name '%.*s' with no $ORIGIN", show_len(n),
			                     s);
		if (z->origin[0] != '\0') {
			full[n++] = '.';
			strcpy(full + n, z->origin);
			n += strlen(z->origin);
		}
	}
	if ((why = da_ar_name_norm(full, n, out)) != NULL)
		return da_ar_fail_at(ld, z->rec_line, "%s: '%.*s'", why, show_len(n), full);
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
			return da_ar_fail_at(ld, z->rec_line, "$ORIGIN takes exactly one name");
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
			return da_ar_fail_at(ld, z->rec_line, "$TTL takes one TTL value");
		return DKIMARC_OK;
	}
	return da_ar_fail_at(ld, z->rec_line, "unsupported directive %.*s", show_len(t->len), s);
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
			return da_ar_fail_at(ld, z->rec_line,
			                     "no owner name, and no previous record");
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
				return da_ar_fail_at(ld, z->rec_line, "bad TTL '%.*s'", show_len(n),
				                     s);
			ttl = true;
		} else if (!has_class && is_class(s, n)) {
			if (!word_eq(s, n, "IN"))
				return da_ar_fail_at(ld, z->rec_line,
				                     "class %.*s not supported (only IN)", (int)n,
				                     s);
			has_class = true;
		} else {
			break;
		}
	}
	if (i >= z->ntok)
		return da_ar_fail_at(ld, z->rec_line, "missing record type");
	t = &z->toks[i++];
	if (t->quoted || !is_rr_type(z->text.p + t->off, t->len))
		return da_ar_fail_at(ld, z->rec_line, "unknown record type '%.*s'",
		                     show_len(t->len), z->text.p + t->off);
	if (word_eq(z->text.p + t->off, t->len, "TYPE16"))
		return da_ar_fail_at(ld, z->rec_line,
		                     "TYPE16 (generic TXT) is not supported; write TXT");
	if (!word_eq(z->text.p + t->off, t->len, "TXT"))
		return DKIMARC_OK; /* other types are only skipped */
	if (i >= z->ntok)
		return da_ar_fail_at(ld, z->rec_line, "TXT record without data");
	da_dyn_reset(&z->txt);
	for (; i < z->ntok; i++) {
		t = &z->toks[i];
		if (t->len > MAX_CHARSTR)
			return da_ar_fail_at(
			    ld, z->rec_line,
			    "character-string of %zu bytes (at most 255; split it)", t->len);
		if ((rc = da_ar_put(ld, &z->txt, z->text.p + t->off, t->len)) != DKIMARC_OK)
			return rc;
	}
	return da_ar_store_txt(ld, z->owner, z->txt.p, z->txt.len, z->rec_line, &no_provenance);
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
	z->toks[z->ntok++] = (ztok){off, z->text.len - off, quoted, escaped};
	return DKIMARC_OK;
}

/* Splits one physical line into the current record's tokens. */
static int zone_tokenize(loader *ld, zone *z, const char *s, size_t n)
{
	size_t i = 0;
	int rc;

	while (i < n) {
		char c = s[i];
		size_t off = z->text.len;
		bool escaped = false;

		if (is_ws(c)) {
			i++;
		} else if (c == ';') {
			break;
		} else if (c == '(') {
			if (z->depth > 0)
				return da_ar_fail_at(ld, ld->lineno, "nested parenthesis");
			z->depth = 1;
			z->paren_line = ld->lineno;
			i++;
		} else if (c == ')') {
			if (z->depth == 0)
				return da_ar_fail_at(ld, ld->lineno,
				                     "unbalanced parenthesis: ')' without '('");
			z->depth = 0;
			i++;
		} else if (c == '"') {
			if ((rc = da_ar_read_quoted(ld, s, n, &i, &z->text)) != DKIMARC_OK ||
			    (rc = zone_push(z, off, true, false)) != DKIMARC_OK)
				return rc;
		} else {
			while (i < n && !is_ws(s[i]) && !strchr(";()\"", s[i])) {
				if (s[i] == '\\') {
					escaped = true;
					rc = da_ar_read_escape(ld, s, n, &i, &z->text);
				} else {
					rc = da_ar_putc(ld, &z->text, s[i++]);
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

int da_ar_parse_zone(loader *ld)
{
	zone z;
	const char *s;
	size_t n;
	int rc;

	memset(&z, 0, sizeof z);
	da_dyn_init(&z.text, MAX_DECODED);
	da_dyn_init(&z.txt, MAX_DECODED);
	/* Tokens point into z.text even when all are empty: never at NULL. */
	if ((rc = da_ar_put(ld, &z.text, "", 0)) != DKIMARC_OK)
		return rc;
	while ((rc = da_ar_next_line(ld, &s, &n)) == 1) {
		if (!z.in_record) {
			z.rec_line = ld->lineno;
			z.owner_omitted = n > 0 && is_ws(s[0]);
			z.rec_bytes = 0;
		}
		z.rec_bytes += n;
		if (z.rec_bytes > MAX_LINE) {
			rc = da_ar_fail_at(ld, z.rec_line, "record longer than 1 MiB");
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
		da_dyn_reset(&z.text);
	}
	if (rc == 0 && z.depth > 0)
		rc = da_ar_fail_at(ld, z.paren_line, "unbalanced parenthesis: '(' is never closed");
	da_dyn_free(&z.text);
	da_dyn_free(&z.txt);
	free(z.toks);
	return rc < 0 ? rc : DKIMARC_OK;
}

/* $ORIGIN/$TTL, a '(' outside quotes, or owner [ttl] [class] TXT "..." / owner [ttl] IN TYPE */
bool da_ar_zone_line(const char *s, size_t n)
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
