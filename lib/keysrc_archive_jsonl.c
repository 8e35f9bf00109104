/* Archive format (c): JSON Lines with provenance (docs/keys.md). */
#include "keysrc_archive.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
		return da_ar_fail_at(ld, ld->lineno, "\"%s\": bad time \"%.60s\"", key,
		                     json_string_value(v));
	return da_ar_fail_at(ld, ld->lineno,
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
		return da_ar_fail_at(ld, ld->lineno,
		                     "\"signatures\" must be a non-negative integer");
	if (jl && !json_is_null(jl) && !json_is_array(jl))
		return da_ar_fail_at(ld, ld->lineno, "\"recovered_from\" must be an array");
	size_t nl = json_is_array(jl) ? json_array_size(jl) : 0;
	if (nl && !(ri.b = calloc(nl, sizeof *ri.b)))
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	for (size_t i = 0; i < nl; i++) {
		json_t *e = json_array_get(jl, i), *jb = json_object_get(e, "b");
		if (!json_is_object(e) || (jb && !json_is_null(jb) && !json_is_string(jb))) {
			da_ar_recinfo_free(&ri);
			return da_ar_fail_at(ld, ld->lineno,
			                     "\"recovered_from\" entry %zu is not an object with a "
			                     "string \"b\"",
			                     i + 1);
		}
		if (json_is_string(jb) && !(ri.b[ri.nb++] = da_strdup(json_string_value(jb)))) {
			da_ar_recinfo_free(&ri);
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		}
	}
	ri.signatures = json_is_integer(jn) ? (size_t)json_integer_value(jn) : nl;
	if (a->nrv == a->caprv) {
		size_t cap = a->caprv ? 2 * a->caprv : 4;
		recovered *rv = realloc(a->rv, cap * sizeof *rv);
		if (!rv) {
			da_ar_recinfo_free(&ri);
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
		return da_ar_fail_at(ld, ld->lineno, "expected a JSON object");
	if (!json_is_string(jname))
		return da_ar_fail_at(ld, ld->lineno, "\"name\" missing or not a string");
	if (!json_is_string(jtxt))
		return da_ar_fail_at(ld, ld->lineno, "\"txt\" missing or not a string");
	s = json_string_value(jname);
	if ((why = da_ar_name_norm(s, json_string_length(jname), name)) != NULL)
		return da_ar_fail_at(ld, ld->lineno, "%s: \"%.60s\"", why, s);
	if (jsrc != NULL && !json_is_null(jsrc)) {
		if (!json_is_string(jsrc))
			return da_ar_fail_at(ld, ld->lineno, "\"source\" is not a string");
		pv.source = json_string_value(jsrc);
		if (strlen(pv.source) != json_string_length(jsrc))
			return da_ar_fail_at(ld, ld->lineno, "\"source\" contains a NUL character");
	}
	if ((rc = json_time(ld, obj, "first_seen", &pv.first_seen)) != DKIMARC_OK ||
	    (rc = json_time(ld, obj, "last_seen", &pv.last_seen)) != DKIMARC_OK ||
	    (rc = json_time(ld, obj, "fetched_at", &pv.fetched_at)) != DKIMARC_OK)
		return rc;
	if (pv.first_seen >= 0 && pv.last_seen >= 0 && pv.first_seen > pv.last_seen)
		return da_ar_fail_at(ld, ld->lineno, "\"first_seen\" is after \"last_seen\"");
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
		return da_ar_fail_at(ld, ld->lineno,
		                     "\"dnssec\" must be true, false, \"validated-by-resolver\" or "
		                     "\"unvalidated\"");
	if ((rc = da_ar_store_txt(ld, name, json_string_value(jtxt), json_string_length(jtxt),
	                          ld->lineno, &pv)) != DKIMARC_OK)
		return rc;
	return pv.source && strcmp(pv.source, "recovered") == 0 ? json_recovered(ld, obj)
	                                                        : DKIMARC_OK;
}

int da_ar_parse_jsonl(loader *ld)
{
	const char *s;
	size_t n;
	int rc;

	while ((rc = da_ar_next_line(ld, &s, &n)) == 1) {
		json_error_t jerr;
		json_t *obj;

		if (da_ar_blank(s, n))
			continue;
		/* NUL allowed in "txt" (records may hold any bytes); names are checked. */
		obj = json_loadb(s, n, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
		if (obj == NULL)
			return da_ar_fail_at(ld, ld->lineno, "invalid JSON: %s", jerr.text);
		rc = json_record(ld, obj);
		json_decref(obj);
		if (rc != DKIMARC_OK)
			return rc;
	}
	return rc < 0 ? rc : DKIMARC_OK;
}
