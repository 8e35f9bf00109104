/*
 * Key archive readers: OpenDKIM key files, DNS zone files, JSON Lines and the
 * zk-email archive's JSON, detected from content (dkimarc_keysrc_archive_load_mem),
 * and the vectors' tab-separated format, read on request
 * (dkimarc_keysrc_archive_load_vector_mem); each input is loaded both ways, then
 * looked up.
 *
 * Properties: a failed load changes nothing (the record count is as before
 * and says so in dkimarc_last_error); every answer record is well-formed;
 * names are found whatever their case and with a final dot; a record
 * recovered from signatures keeps its provenance (da_archive_recinfo); only
 * the vector format makes up DNS failures: no lookup in what a plain load
 * read answers a temporary failure.
 */
#include "fuzz.h"
#include "internal.h"

#include <string.h>

/* A record already in the source before the fuzzed load (an OpenDKIM key-file line). */
static const char base[] = "base._domainkey.example.com v=DKIM1; p=\n";

static void check_answer(const dkimarc_answer *a)
{
	dkimarc_lookup_status st = dkimarc_answer_status(a);
	size_t n = dkimarc_answer_count(a);

	FUZZ_CHECK(st == DKIMARC_LOOKUP_FOUND || st == DKIMARC_LOOKUP_NOT_FOUND ||
	           st == DKIMARC_LOOKUP_TEMPFAIL);
	FUZZ_CHECK((st == DKIMARC_LOOKUP_FOUND) == (n > 0));
	for (size_t i = 0; i < n; i++) {
		const dkimarc_keyrec *r = dkimarc_answer_record(a, i);
		FUZZ_CHECK(r != NULL && r->txt != NULL && r->origin != NULL);
		FUZZ_CHECK(r->txt[r->txt_len] == '\0');
		FUZZ_CHECK(r->dnssec >= -1 && r->dnssec <= 1);
		FUZZ_CHECK(r->first_seen >= -1 && r->last_seen >= -1 && r->fetched_at >= -1);
	}
	FUZZ_CHECK(dkimarc_answer_record(a, n) == NULL);
}

/* Looks up each whitespace-separated word of the input that could be a name. */
static void lookups(dkimarc_keysrc *src, const char *s, size_t n, bool vector)
{
	char name[300];
	int done = 0;

	for (size_t i = 0; i < n && done < 16;) {
		while (i < n &&
		       (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' || s[i] == '"'))
			i++;
		size_t st = i;
		while (i < n && !(s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r' ||
		                  s[i] == '"'))
			i++;
		size_t len = i - st;
		if (len == 0 || len >= sizeof name || memchr(s + st, '\0', len) != NULL)
			continue;
		memcpy(name, s + st, len);
		name[len] = '\0';
		dkimarc_answer *a = NULL;
		if (dkimarc_keysrc_lookup(src, name, &a) == DKIMARC_OK) {
			check_answer(a);
			FUZZ_CHECK(vector || dkimarc_answer_status(a) != DKIMARC_LOOKUP_TEMPFAIL);
			/* A recovered record's provenance is kept by its line. */
			for (size_t k = 0; k < dkimarc_answer_count(a); k++) {
				const dkimarc_keyrec *r = dkimarc_answer_record(a, k);
				if (r->source && strcmp(r->source, "recovered") == 0 && r->file)
					FUZZ_CHECK(da_archive_recinfo(src, r->file, r->line) !=
					           NULL);
			}
			dkimarc_answer_free(a);
		}
		done++;
	}
}

static void one_load(const uint8_t *data, size_t size, bool vector)
{
	dkimarc_keysrc *src = NULL;
	dkimarc_answer *a = NULL;

	FUZZ_CHECK(dkimarc_keysrc_archive_new(&src) == DKIMARC_OK);
	FUZZ_CHECK(dkimarc_keysrc_archive_load_mem(src, "base", base, sizeof base - 1) ==
	           DKIMARC_OK);
	FUZZ_CHECK(dkimarc_keysrc_archive_count(src) == 1);

	int rc = vector
	             ? dkimarc_keysrc_archive_load_vector_mem(src, "fuzz", (const char *)data, size)
	             : dkimarc_keysrc_archive_load_mem(src, "fuzz", (const char *)data, size);
	size_t count = dkimarc_keysrc_archive_count(src);
	if (rc != DKIMARC_OK) {
		FUZZ_CHECK(rc == DKIMARC_EFORMAT || rc == DKIMARC_ELIMIT);
		FUZZ_CHECK(dkimarc_last_error()[0] != '\0');
		FUZZ_CHECK(count == 1); /* rolled back */
	} else {
		FUZZ_CHECK(count >= 1);
	}
	/* The earlier record survives either load. */
	FUZZ_CHECK(dkimarc_keysrc_lookup(src, "BASE._domainkey.Example.COM.", &a) == DKIMARC_OK);
	check_answer(a);
	FUZZ_CHECK(dkimarc_answer_count(a) >= 1);
	dkimarc_answer_free(a);

	lookups(src, (const char *)data, size, vector);
	dkimarc_keysrc_free(src);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	one_load(data, size, false);
	one_load(data, size, true);
	return 0;
}
