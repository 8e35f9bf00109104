/* Tag-list parser (RFC 6376 §3.2): da_tags_parse, da_tags_get, da_strip_ws. */
#include "fuzz.h"
#include "internal.h"

#include <string.h>

static int is_fws_byte(unsigned char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void check_tag(const char *s, size_t len, const da_taglist *tl, size_t k)
{
	const da_tag *t = &tl->tags[k];
	char name[256];

	/* Name: an ALPHA then ALNUM / '_', inside the input. */
	FUZZ_CHECK(t->name >= s && t->name_len > 0 && t->name + t->name_len <= s + len);
	for (size_t i = 0; i < t->name_len; i++) {
		unsigned char c = (unsigned char)t->name[i];
		FUZZ_CHECK((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		           (i > 0 && ((c >= '0' && c <= '9') || c == '_')));
	}
	/* Value: inside [val_off, val_end), no ';', no FWS at either end. */
	FUZZ_CHECK(t->val_off <= t->val_end && t->val_end <= len);
	FUZZ_CHECK(t->val >= s + t->val_off && t->val + t->val_len <= s + t->val_end);
	FUZZ_CHECK(s[t->val_off - 1] == '=');
	FUZZ_CHECK(t->val_end == len || s[t->val_end] == ';');
	FUZZ_CHECK(memchr(t->val, ';', t->val_len) == NULL);
	if (t->val_len > 0) {
		FUZZ_CHECK(!is_fws_byte((unsigned char)t->val[0]));
		FUZZ_CHECK(!is_fws_byte((unsigned char)t->val[t->val_len - 1]));
	}
	/* No duplicates, so lookup by name finds exactly this tag. */
	if (t->name_len < sizeof name) {
		memcpy(name, t->name, t->name_len);
		name[t->name_len] = '\0';
		FUZZ_CHECK(da_tags_get(tl, name) == t);
	}
	/* Whitespace removal keeps every other byte, in order. */
	char *out = malloc(t->val_len + 1);
	FUZZ_CHECK(out != NULL);
	size_t n = da_strip_ws(t->val, t->val_len, out), j = 0;
	FUZZ_CHECK(n <= t->val_len);
	for (size_t i = 0; i < t->val_len; i++)
		if (!is_fws_byte((unsigned char)t->val[i]))
			FUZZ_CHECK(j < n && out[j++] == t->val[i]);
	FUZZ_CHECK(j == n);
	free(out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;
	da_taglist *tl = malloc(sizeof *tl);
	char err[160];

	FUZZ_CHECK(tl != NULL);
	if (da_tags_parse(s, size, tl, err, sizeof err) == 0) {
		FUZZ_CHECK(tl->n <= DA_MAX_TAGS);
		for (size_t k = 0; k < tl->n; k++)
			check_tag(s, size, tl, k);
	} else {
		FUZZ_CHECK(err[0] != '\0' && memchr(err, '\0', sizeof err) != NULL);
	}
	/* A tiny error buffer must still be terminated, never overrun. */
	char small[4];
	if (da_tags_parse(s, size, tl, small, sizeof small) != 0)
		FUZZ_CHECK(memchr(small, '\0', sizeof small) != NULL);
	free(tl);
	return 0;
}
