/* ARC-Authentication-Results: instance and payload (aar.h). */
#include "aar.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool is_sp(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Skips whitespace, folding and (nested) comments with quoted-pairs (RFC 5322 §3.2.2). */
static size_t skip_cfws(const char *v, size_t n, size_t i)
{
	while (i < n) {
		if (is_sp(v[i])) {
			i++;
			continue;
		}
		if (v[i] != '(')
			break;
		size_t depth = 0;
		for (; i < n; i++) {
			if (v[i] == '\\' && i + 1 < n) {
				i++;
			} else if (v[i] == '(') {
				depth++;
			} else if (v[i] == ')' && --depth == 0) {
				i++;
				break;
			}
		}
	}
	return i;
}

/* Reads the digits from v[i] on (saturating at DA_ARC_INST_MAX); returns where they end. */
static size_t digits(const char *v, size_t i, size_t n, int64_t *inst)
{
	int64_t x = 0;
	for (; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		x = x >= DA_ARC_INST_MAX ? DA_ARC_INST_MAX : x * 10 + (v[i] - '0');
	*inst = x;
	return i;
}

int da_aar_instance(const char *v, size_t n, int64_t *inst, size_t *payload)
{
	size_t i = skip_cfws(v, n, 0);
	if (i >= n || (v[i] != 'i' && v[i] != 'I'))
		return 0;
	i = skip_cfws(v, n, i + 1);
	if (i >= n || v[i] != '=')
		return 0;
	i = skip_cfws(v, n, i + 1);
	if (i >= n || v[i] < '0' || v[i] > '9')
		return 0;
	int64_t x;
	i = skip_cfws(v, n, digits(v, i, n, &x));
	if (i >= n || v[i] != ';')
		return 0;
	*inst = x;
	*payload = i + 1;
	return 1;
}

/*
 * The i= tag of an AMS or AS, found even when the tag list is otherwise
 * broken (so that a malformed signature is reported in its instance): the
 * first tag named i, its value all digits between FWS.
 */
static int tag_instance(const char *v, size_t n, int64_t *inst, int *why, char *val, size_t vallen)
{
	size_t a = 0;
	while (a <= n) {
		const char *semi = memchr(v + a, ';', n - a);
		size_t b = semi ? (size_t)(semi - v) : n;
		size_t i = a;
		while (i < b && is_sp(v[i]))
			i++;
		if (i < b && v[i] == 'i') {
			size_t j = i + 1;
			while (j < b && is_sp(v[j]))
				j++;
			if (j < b && v[j] == '=') {
				size_t s = j + 1, e = b;
				while (s < e && is_sp(v[s]))
					s++;
				while (e > s && is_sp(v[e - 1]))
					e--;
				size_t m = e - s < vallen - 1 ? e - s : vallen - 1;
				memcpy(val, v + s, m);
				val[m] = '\0';
				if (e == s || digits(v, s, e, inst) != e) {
					*why = 1;
					return 0;
				}
				return 1;
			}
		}
		a = b + 1;
	}
	*why = 0;
	val[0] = '\0';
	return 0;
}

int da_arc_instance(const char *v, size_t n, bool aar, int64_t *inst, int *why, char *val,
                    size_t vallen)
{
	size_t payload;
	if (!aar)
		return tag_instance(v, n, inst, why, val, vallen);
	*why = 0;
	val[0] = '\0';
	return da_aar_instance(v, n, inst, &payload);
}

/*
 * Copies v without comments (each becomes a space), folding as spaces, and
 * whitespace runs outside quoted strings collapsed to one space.
 */
static char *clean(const char *v, size_t n)
{
	char *o = malloc(n + 1);
	size_t k = 0;
	bool space = false;
	if (!o)
		return NULL;
	for (size_t i = 0; i < n;) {
		if (is_sp(v[i]) || v[i] == '(') {
			size_t j = skip_cfws(v, n, i);
			i = j > i ? j : i + 1;
			space = true;
			continue;
		}
		if (space && k > 0)
			o[k++] = ' ';
		space = false;
		if (v[i] == '"') {
			/* A quoted string, kept as written (it may hold ';' and spaces). */
			o[k++] = v[i++];
			while (i < n && v[i] != '"') {
				if (v[i] == '\\' && i + 1 < n)
					o[k++] = v[i++];
				o[k++] = v[i++];
			}
			if (i < n)
				o[k++] = v[i++];
			continue;
		}
		o[k++] = v[i++];
	}
	o[k] = '\0';
	return o;
}

/* Next ';'-separated segment of s (outside quoted strings), trimmed; NULL at the end. */
static char *next_segment(char **cursor)
{
	char *s = *cursor, *p;
	bool quoted = false;
	if (!s)
		return NULL;
	for (p = s; *p; p++) {
		if (*p == '\\' && quoted && p[1])
			p++;
		else if (*p == '"')
			quoted = !quoted;
		else if (*p == ';' && !quoted)
			break;
	}
	*cursor = *p ? p + 1 : NULL;
	*p = '\0';
	while (*s == ' ')
		s++;
	size_t len = strlen(s);
	while (len > 0 && s[len - 1] == ' ')
		s[--len] = '\0';
	return s;
}

/* The authserv-id: the first token (a quoted string is unquoted); a version may follow. */
static char *authserv_id(const char *seg)
{
	if (*seg == '"') {
		char *o = malloc(strlen(seg) + 1);
		size_t k = 0;
		if (!o)
			return NULL;
		for (const char *p = seg + 1; *p && *p != '"'; p++) {
			if (*p == '\\' && p[1])
				p++;
			o[k++] = *p;
		}
		o[k] = '\0';
		return o;
	}
	size_t len = strcspn(seg, " ");
	return len ? da_strndup(seg, len) : NULL;
}

int da_aar_parse(const char *v, size_t n, da_aar *out)
{
	memset(out, 0, sizeof *out);
	char *buf = clean(v, n), *cursor = buf, *seg;
	if (!buf)
		return DKIMARC_ENOMEM;
	int rc = DKIMARC_OK;
	seg = next_segment(&cursor);
	if (seg && *seg) {
		out->authserv_id = authserv_id(seg);
		if (!out->authserv_id)
			rc = DKIMARC_ENOMEM;
	}
	while (rc == DKIMARC_OK && (seg = next_segment(&cursor)) != NULL) {
		/* "none" says the hop ran no method (RFC 8601 §2.2 no-result). */
		if (!*seg || strcasecmp(seg, "none") == 0)
			continue;
		if (out->n == DA_AAR_MAX_RESULTS)
			break;
		if (!out->results) {
			out->results = calloc(DA_AAR_MAX_RESULTS, sizeof *out->results);
			if (!out->results) {
				rc = DKIMARC_ENOMEM;
				break;
			}
		}
		out->results[out->n] = da_strdup(seg);
		if (!out->results[out->n]) {
			rc = DKIMARC_ENOMEM;
			break;
		}
		out->n++;
	}
	free(buf);
	if (rc)
		da_aar_clear(out);
	return rc;
}

void da_aar_clear(da_aar *a)
{
	free(a->authserv_id);
	for (size_t i = 0; i < a->n; i++)
		free(a->results[i]);
	free(a->results);
	memset(a, 0, sizeof *a);
}
