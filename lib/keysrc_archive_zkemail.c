/* Archive format (e): the zk-email archive's answers, one JSON array. */
#include "keysrc_archive.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
int da_ar_parse_zkemail(loader *ld)
{
	json_error_t jerr;
	json_t *arr;
	int rc = DKIMARC_OK;

	if (ld->len > MAX_ZK)
		return da_fail(DKIMARC_ELIMIT, "%s: a JSON archive over 512 MiB", ld->file);
	arr = json_loadb(ld->buf, ld->len, JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
	if (arr == NULL)
		return da_ar_fail_at(ld, (unsigned long)(jerr.line > 0 ? jerr.line : 1),
		                     "invalid JSON: %s", jerr.text);
	if (!json_is_array(arr)) {
		json_decref(arr);
		return da_ar_fail_at(ld, 1, "expected a JSON array of keys");
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
			why = da_ar_name_norm(full, (size_t)n, name);
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
		rc = da_ar_store_txt(ld, name, json_string_value(jv), json_string_length(jv), i + 1,
		                     &pv);
	}
	json_decref(arr);
	return rc;
}
