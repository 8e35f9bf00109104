/*
 * The address-list parser (da_addrlist_parse), as run on From.
 *
 * Input: an address-list field value (the bytes after "From:").
 *
 * Properties: no crash or leak; the same bytes parse the same way twice;
 * domains are lower case, non-empty and free of NUL and control bytes; an
 * ambiguous result says why. A value read one way has no NUL, control byte
 * or line break other than folding, and each of its mailboxes has a local
 * part and a domain; written back as "local@domain, ..." it reads one way,
 * as the same mailboxes; and GMime (internet_address_list_parse) reads
 * exactly those mailboxes too.
 */
#include "addr.h"
#include "fuzz.h"

#include <gmime/gmime.h>
#include <string.h>

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	g_mime_init();
	return 0;
}

static bool is_dot_atom(const char *s)
{
	static const char specials[] = "()<>[]:;@\\,.\" \t";
	bool dot_ok = false;

	if (*s == '\0')
		return false;
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '.') {
			if (!dot_ok)
				return false;
			dot_ok = false;
		} else if (c < 0x21 || c == 0x7f || strchr(specials, c)) {
			return false;
		} else {
			dot_ok = true;
		}
	}
	return dot_ok;
}

/* "local@domain, ..." with the local parts quoted where RFC 5322 needs it. */
static void render(const da_addrlist *l, fuzz_buf *b)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *loc = l->m[i].local;
		if (i)
			fuzz_buf_put(b, ", ", 2);
		if (is_dot_atom(loc)) {
			fuzz_buf_put(b, loc, strlen(loc));
		} else {
			fuzz_buf_put(b, "\"", 1);
			for (const char *s = loc; *s; s++) {
				if (*s == '"' || *s == '\\')
					fuzz_buf_put(b, "\\", 1);
				fuzz_buf_put(b, s, 1);
			}
			fuzz_buf_put(b, "\"", 1);
		}
		fuzz_buf_put(b, "@", 1);
		fuzz_buf_put(b, l->m[i].domain, strlen(l->m[i].domain));
	}
}

static bool same_list(const da_addrlist *a, const da_addrlist *b)
{
	if (a->n != b->n || a->ambiguous != b->ambiguous || strcmp(a->why, b->why) != 0)
		return false;
	for (size_t i = 0; i < a->n; i++) {
		if (strcmp(a->m[i].local, b->m[i].local) != 0)
			return false;
		if ((a->m[i].domain == NULL) != (b->m[i].domain == NULL))
			return false;
		if (a->m[i].domain && strcmp(a->m[i].domain, b->m[i].domain) != 0)
			return false;
	}
	return true;
}

/* GMime's mailboxes, groups flattened, appended to out as (local unquoted, domain) pairs. */
static void gmime_list(InternetAddressList *il, char ***out, size_t *n, size_t *cap)
{
	int len = internet_address_list_length(il);

	for (int i = 0; i < len; i++) {
		InternetAddress *a = internet_address_list_get_address(il, i);
		if (INTERNET_ADDRESS_IS_GROUP(a)) {
			gmime_list(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
			           out, n, cap);
			continue;
		}
		InternetAddressMailbox *mb = INTERNET_ADDRESS_MAILBOX(a);
		const char *addr = internet_address_mailbox_get_addr(mb);
		/* GMime's own split: a domain literal may hold '@' too. */
		const char *at = mb->at >= 0 ? addr + mb->at : NULL;
		size_t ln = at ? (size_t)(at - addr) : strlen(addr);
		char *local = malloc(ln + 1), *dom = strdup(at ? at + 1 : "");
		FUZZ_CHECK(local && dom);
		size_t k = 0;
		for (size_t j = 0; j < ln; j++) {
			if (addr[j] == '\\' && j + 1 < ln)
				j++;
			else if (addr[j] == '"')
				continue;
			local[k++] = addr[j];
		}
		local[k] = '\0';
		if (*n + 2 > *cap) {
			*cap = *cap ? *cap * 2 : 16;
			*out = realloc(*out, *cap * sizeof **out);
			FUZZ_CHECK(*out);
		}
		(*out)[(*n)++] = local;
		(*out)[(*n)++] = dom;
	}
}

/*
 * Equal but for ASCII case, label by label. GMime shows an A-label ("xn--...")
 * as the Unicode it decodes to (for a label that is not canonical punycode,
 * one that encodes back to another A-label): such a label of ours matches any.
 */
static bool same_domain(const char *ours, const char *gm)
{
	for (;;) {
		const char *oe = strchr(ours, '.'), *ge = strchr(gm, '.');
		size_t on = oe ? (size_t)(oe - ours) : strlen(ours);
		size_t gn = ge ? (size_t)(ge - gm) : strlen(gm);
		bool alabel = on >= 4 && g_ascii_strncasecmp(ours, "xn--", 4) == 0;
		if (!alabel && (on != gn || g_ascii_strncasecmp(ours, gm, on) != 0))
			return false;
		if (!oe || !ge)
			return !oe && !ge;
		ours = oe + 1;
		gm = ge + 1;
	}
}

static void gmime_agrees(const uint8_t *data, size_t size, const da_addrlist *l)
{
	char *s = malloc(size + 1);
	FUZZ_CHECK(s);
	memcpy(s, data, size);
	s[size] = '\0';
	char **g = NULL;
	size_t gn = 0, gcap = 0;
	InternetAddressList *il = internet_address_list_parse(NULL, s);
	if (il) {
		gmime_list(il, &g, &gn, &gcap);
		g_object_unref(il);
	}
	if (gn != 2 * l->n)
		fprintf(stderr, "GMime reads %zu mailboxes, dkimarc %zu\n", gn / 2, l->n);
	FUZZ_CHECK(gn == 2 * l->n);
	for (size_t i = 0; i < l->n; i++) {
		const char *loc = g[2 * i], *dom = g[2 * i + 1];
		bool ok = strcmp(loc, l->m[i].local) == 0 && same_domain(l->m[i].domain, dom);
		if (!ok)
			fprintf(stderr, "GMime reads %s @ %s, dkimarc %s @ %s\n", loc, dom,
			        l->m[i].local, l->m[i].domain);
		FUZZ_CHECK(ok);
	}
	for (size_t i = 0; i < gn; i++)
		free(g[i]);
	free(g);
	free(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *v = (const char *)data;
	da_addrlist l, again;

	FUZZ_CHECK(da_addrlist_parse(v, size, &l) == DKIMARC_OK);
	FUZZ_CHECK(l.n <= l.cap && (l.n == 0 || l.m != NULL));
	FUZZ_CHECK(l.ambiguous == (l.why[0] != '\0'));
	for (size_t i = 0; i < l.n; i++) {
		FUZZ_CHECK(l.m[i].local != NULL);
		const char *d = l.m[i].domain;
		if (d == NULL)
			continue;
		FUZZ_CHECK(d[0] != '\0' && d[strlen(d) - 1] != '.');
		for (; *d; d++)
			FUZZ_CHECK(!(*d >= 'A' && *d <= 'Z') && (unsigned char)*d > 0x20 &&
			           *d != 0x7f);
	}

	/* Deterministic: the same bytes, elsewhere in memory, read the same way. */
	uint8_t *copy = malloc(size ? size : 1);
	FUZZ_CHECK(copy);
	memcpy(copy, data, size);
	FUZZ_CHECK(da_addrlist_parse((const char *)copy, size, &again) == DKIMARC_OK);
	FUZZ_CHECK(same_list(&l, &again));
	da_addrlist_free(&again);
	free(copy);

	if (!l.ambiguous) {
		/* Only folding breaks lines; no NUL or other control byte. */
		for (size_t i = 0; i < size; i++) {
			unsigned char c = data[i];
			if (c == '\r')
				FUZZ_CHECK(i + 2 < size && data[i + 1] == '\n' &&
				           (data[i + 2] == ' ' || data[i + 2] == '\t'));
			else if (c == '\n')
				FUZZ_CHECK(i > 0 && data[i - 1] == '\r');
			else
				FUZZ_CHECK(c == '\t' || (c >= 0x20 && c != 0x7f));
		}
		size_t ats = 0;
		for (size_t i = 0; i < size; i++)
			ats += data[i] == '@';
		FUZZ_CHECK(l.n <= ats);
		for (size_t i = 0; i < l.n; i++)
			FUZZ_CHECK(l.m[i].local[0] != '\0' && l.m[i].domain != NULL);

		/* The mailboxes, written plainly, read one way as themselves. */
		fuzz_buf b = {0};
		render(&l, &b);
		FUZZ_CHECK(da_addrlist_parse(b.p ? b.p : "", b.n, &again) == DKIMARC_OK);
		if (again.ambiguous)
			fprintf(stderr, "rendered %.*s: %s\n", (int)b.n, b.p, again.why);
		FUZZ_CHECK(!again.ambiguous && again.n == l.n);
		for (size_t i = 0; i < l.n; i++) {
			FUZZ_CHECK(strcmp(again.m[i].local, l.m[i].local) == 0);
			FUZZ_CHECK(strcmp(again.m[i].domain, l.m[i].domain) == 0);
		}
		da_addrlist_free(&again);
		fuzz_buf_free(&b);

		/* A real reader agrees (Python's email package: tests/addr/). */
		gmime_agrees(data, size, &l);
	}
	da_addrlist_free(&l);
	return 0;
}
