/* RFC 6376 §3.6.1 key records (with RFC 8463's ed25519 key type). */
#include "internal.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static dkimarc_reason syntax(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static dkimarc_reason syntax(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (err != NULL && errlen > 0) {
		va_start(ap, fmt);
		vsnprintf(err, errlen, fmt, ap);
		va_end(ap);
	}
	return DKIMARC_REASON_KEY_SYNTAX;
}

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static bool val_is(const da_tag *t, const char *want)
{
	size_t n = strlen(want);

	return t->val_len == n && memcmp(t->val, want, n) == 0;
}

/* Calls fn for each ':'-separated item of a tag value, FWS trimmed, empty items skipped. */
static void each_item(const da_tag *t, void (*fn)(void *arg, const char *p, size_t n), void *arg)
{
	const char *p = t->val, *end = t->val + t->val_len;

	while (p <= end) {
		const char *c = memchr(p, ':', (size_t)(end - p));
		const char *e = c != NULL ? c : end;
		const char *q = p;

		while (q < e && is_ws(*q))
			q++;
		while (e > q && is_ws(e[-1]))
			e--;
		if (e > q)
			fn(arg, q, (size_t)(e - q));
		if (c == NULL)
			break;
		p = c + 1;
	}
}

static bool item_is(const char *p, size_t n, const char *want)
{
	return strlen(want) == n && memcmp(p, want, n) == 0;
}

static void hash_item(void *arg, const char *p, size_t n)
{
	unsigned *h = arg;

	/* Unknown hash names are ignored (§3.6.1: x-key-h-tag). */
	if (item_is(p, n, "sha1"))
		*h |= DA_HASH_SHA1;
	else if (item_is(p, n, "sha256"))
		*h |= DA_HASH_SHA256;
}

static void service_item(void *arg, const char *p, size_t n)
{
	bool *email = arg;

	if (item_is(p, n, "*") || item_is(p, n, "email"))
		*email = true;
}

static void flag_item(void *arg, const char *p, size_t n)
{
	da_keyrec *k = arg;

	/* Unknown flags are ignored (§3.6.1: x-key-t-flag). */
	if (item_is(p, n, "y"))
		k->testing = true;
	else if (item_is(p, n, "s"))
		k->strict = true;
}

static dkimarc_reason parse_p(const da_tag *p, da_keyrec *out, char *err, size_t errlen)
{
	char *b64;
	size_t n;

	/* Real records carry spaces (and folding) inside p=: drop them all. */
	b64 = malloc(p->val_len + 1);
	if (b64 == NULL)
		return DA_REASON_ENOMEM;
	n = da_strip_ws(p->val, p->val_len, b64);
	if (n == 0) {
		free(b64);
		out->revoked = true;
		return DKIMARC_REASON_OK;
	}
	int rc = da_b64_decode(b64, n, &out->pk, &out->pk_len);
	free(b64);
	if (rc == -2)
		return DA_REASON_ENOMEM;
	return rc == 0 ? DKIMARC_REASON_OK : syntax(err, errlen, "p= is not valid base64");
}

dkimarc_reason da_keyrec_parse(const char *txt, size_t len, da_keyrec *out, char *err,
                               size_t errlen)
{
	da_taglist tags, *tl = &tags;
	const da_tag *t;
	char why[160];
	dkimarc_reason r;

	memset(out, 0, sizeof *out);
	out->key_type = DA_KEY_RSA;
	out->hashes = DA_HASH_SHA1 | DA_HASH_SHA256;
	out->service_email = true;
	if (err != NULL && errlen > 0)
		err[0] = '\0';

	if (da_tags_parse(txt, len, tl, why, sizeof why) != 0) {
		r = syntax(err, errlen, "key record: %s", why);
		goto done;
	}

	t = da_tags_get(tl, "v");
	if (t != NULL && t != &tl->tags[0]) {
		r = syntax(err, errlen, "v= is not the first tag of the key record");
		goto done;
	}
	if (t != NULL && !val_is(t, "DKIM1")) {
		r = syntax(err, errlen, "key record version v=%.*s is not DKIM1",
		           t->val_len > 32 ? 32 : (int)t->val_len, t->val);
		goto done;
	}

	t = da_tags_get(tl, "k");
	if (t != NULL) {
		if (val_is(t, "rsa")) {
			out->key_type = DA_KEY_RSA;
		} else if (val_is(t, "ed25519")) {
			out->key_type = DA_KEY_ED25519;
		} else {
			r = syntax(err, errlen, "unknown key type k=%.*s",
			           t->val_len > 32 ? 32 : (int)t->val_len, t->val);
			goto done;
		}
	}

	t = da_tags_get(tl, "h");
	if (t != NULL) {
		out->hashes = 0;
		each_item(t, hash_item, &out->hashes);
	}

	t = da_tags_get(tl, "s");
	if (t != NULL) {
		out->service_email = false;
		each_item(t, service_item, &out->service_email);
	}

	t = da_tags_get(tl, "t");
	if (t != NULL)
		each_item(t, flag_item, out);

	t = da_tags_get(tl, "p");
	if (t == NULL) {
		r = syntax(err, errlen, "key record has no p= tag");
		goto done;
	}
	r = parse_p(t, out, err, errlen);

done:
	if (r != DKIMARC_REASON_OK)
		da_keyrec_clear(out);
	return r;
}

void da_keyrec_clear(da_keyrec *k)
{
	if (k == NULL)
		return;
	free(k->pk);
	memset(k, 0, sizeof *k);
}
