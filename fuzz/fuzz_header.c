/*
 * Header splitter (da_header_split) and what reads single fields: From
 * domains, the Date parser and both header canonicalizations.
 *
 * Input: byte 0 picks the limits (so that limit paths are reached with small
 * inputs); the rest is a CRLF header block.
 */
#include "addr.h"
#include "fuzz.h"
#include "msg.h"

#include <string.h>

static void count_sink(void *arg, const char *p, size_t n)
{
	(void)p;
	*(size_t *)arg += n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	uint64_t max_fields = data[0] & 0x80 ? (data[0] & 0x0f) + 1 : 2000;
	uint64_t max_field_bytes = data[0] & 0x40 ? (uint64_t)(data[0] & 0x3f) * 4 + 1 : 65536;
	const char *h = (const char *)data + 1;
	size_t len = size - 1;
	da_header hdr = {0};
	const char *why = NULL;
	int rc = da_header_split(h, len, max_fields, max_field_bytes, &hdr, &why);

	if (rc == DKIMARC_ELIMIT) {
		FUZZ_CHECK(why != NULL);
		da_header_free(&hdr);
		return 0;
	}
	FUZZ_CHECK(rc == DKIMARC_OK);
	FUZZ_CHECK(hdr.n <= max_fields);
	const char *prev_end = h;
	for (size_t i = 0; i < hdr.n; i++) {
		const da_field *f = &hdr.f[i];

		/* Fields are in order, inside the input, and do not overlap. */
		FUZZ_CHECK(f->raw >= prev_end && f->raw + f->len <= h + len);
		FUZZ_CHECK(f->len <= max_field_bytes);
		/* Only a line end separates a field from the next one. */
		for (const char *p = prev_end; p < f->raw; p++)
			FUZZ_CHECK(*p == '\r' || *p == '\n');
		/* A field after the first never starts with WSP (that is a continuation). */
		if (i > 0 && f->len > 0)
			FUZZ_CHECK(f->raw[0] != ' ' && f->raw[0] != '\t');
		prev_end = f->raw + f->len;
		if (f->has_colon) {
			FUZZ_CHECK(f->value_off >= 1 && f->value_off <= f->len);
			FUZZ_CHECK(f->raw[f->value_off - 1] == ':' && f->name_len < f->value_off);
			FUZZ_CHECK(memchr(f->raw, ':', f->value_off - 1) == NULL);
		} else {
			FUZZ_CHECK(memchr(f->raw, ':', f->len) == NULL);
		}

		const char *v = f->raw + f->value_off;
		size_t vn = f->len - f->value_off;
		da_addrlist al = {0};
		FUZZ_CHECK(da_addrlist_parse(v, vn, &al) == DKIMARC_OK);
		for (size_t k = 0; k < al.n; k++) {
			const char *dom = al.m[k].domain;
			if (!dom)
				continue;
			FUZZ_CHECK(dom[0] != '\0');
			for (const char *p = dom; *p; p++)
				FUZZ_CHECK(!(*p >= 'A' && *p <= 'Z'));
		}
		da_addrlist_free(&al);
		(void)da_parse_rfc5322_date(v, vn);

		/* Simple is the bytes themselves; relaxed never grows a field by more than ":\r\n".
		 */
		size_t sn = 0, rn = 0;
		da_canon_header(DA_CANON_SIMPLE, f->raw, f->len, true, count_sink, &sn);
		FUZZ_CHECK(sn == f->len + 2);
		da_canon_header(DA_CANON_RELAXED, f->raw, f->len, true, count_sink, &rn);
		FUZZ_CHECK(rn <= f->len + 3);
	}
	/* Whatever follows the last field is its line end. */
	for (const char *p = prev_end; p < h + len; p++)
		FUZZ_CHECK(*p == '\r' || *p == '\n');
	da_header_free(&hdr);
	return 0;
}
