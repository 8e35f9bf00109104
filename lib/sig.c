/* DKIM-Signature tags, validated per RFC 6376 §3.5 and §6.1.1. */
#include "sig.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static bool val_is(const da_tag *t, const char *s)
{
	size_t n = strlen(s);
	return t->val_len == n && memcmp(t->val, s, n) == 0;
}

/* Domain or selector: dot-separated labels of letters, digits, '-' and '_'. */
bool da_valid_name(const char *s, size_t n)
{
	if (n == 0 || n > 253)
		return false;
	size_t label = 0;
	for (size_t i = 0; i < n; i++) {
		char c = s[i];
		if (c == '.') {
			if (label == 0)
				return false;
			label = 0;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
		if (++label > 63)
			return false;
	}
	return label > 0; /* no trailing dot */
}

static char *lower_dup(const char *s, size_t n)
{
	char *d = da_strndup(s, n);
	if (d)
		for (char *p = d; *p; p++)
			if (*p >= 'A' && *p <= 'Z')
				*p = (char)(*p + 32);
	return d;
}

/* Decimal of at most maxdig digits; saturates rather than overflowing. */
static bool parse_digits(const da_tag *t, size_t maxdig, int64_t *out)
{
	if (t->val_len == 0 || t->val_len > maxdig)
		return false;
	int64_t v = 0;
	for (size_t i = 0; i < t->val_len; i++) {
		char c = t->val[i];
		if (c < '0' || c > '9')
			return false;
		if (v > (INT64_MAX - 9) / 10)
			v = INT64_MAX;
		else
			v = v * 10 + (c - '0');
	}
	*out = v;
	return true;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/*
 * dkim-quoted-printable (RFC 6376 §2.11) decoded into a new string, whitespace
 * dropped. NULL with *why set when s is not valid: an '=' that does not begin
 * a hex-octet "=XX" (lower-case hex is accepted, as RFC 2045 §6.7 allows on
 * receipt), or an octet that decodes to a control character, which no
 * address holds (RFC 5321 §4.1.2). NULL with *why NULL: out of memory.
 */
static char *qp_decode(const char *s, size_t n, const char **why)
{
	char *d = malloc(n + 1);
	size_t o = 0;
	*why = NULL;
	if (!d)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c == ' ' || c == '\t' || c == '\r' || c == '\n')
			continue;
		if (c == '=') {
			if (i + 2 >= n || hexval(s[i + 1]) < 0 || hexval(s[i + 2]) < 0) {
				*why = "is not valid dkim-quoted-printable (RFC 6376 §2.11): "
				       "an '=' is not followed by two hex digits";
				break;
			}
			c = (unsigned char)(hexval(s[i + 1]) * 16 + hexval(s[i + 2]));
			i += 2;
		}
		if (c < 0x20 || c == 0x7f) {
			*why = "decodes to a control character, which no address holds";
			break;
		}
		d[o++] = (char)c;
	}
	if (*why) {
		free(d);
		return NULL;
	}
	d[o] = '\0';
	return d;
}

/* 0, -1 when the value is not base64, -2 when out of memory (da_b64_decode). */
static int decode_b64_tag(const da_tag *t, unsigned char **out, size_t *outlen)
{
	char *tmp = malloc(t->val_len + 1);
	if (!tmp)
		return -2;
	size_t n = da_strip_ws(t->val, t->val_len, tmp);
	int rc = da_b64_decode(tmp, n, out, outlen);
	free(tmp);
	return rc;
}

/* lax (an AMS): empty names are skipped, as ARC signers and verifiers do. */
static bool is_fws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static dkimarc_reason parse_headers(const da_tag *t, bool lax, da_sigparams *sp, char *err,
                                    size_t errlen)
{
	size_t cap = 1;
	for (size_t i = 0; i < t->val_len; i++)
		cap += t->val[i] == ':';
	if (cap > DA_MAX_SIGNED_HEADERS) {
		snprintf(err, errlen, "h= lists more than %d header fields", DA_MAX_SIGNED_HEADERS);
		return DKIMARC_REASON_SIG_SYNTAX;
	}
	sp->headers = calloc(cap, sizeof *sp->headers);
	if (!sp->headers)
		return DA_REASON_ENOMEM;
	size_t start = 0;
	for (size_t i = 0; i <= t->val_len; i++) {
		if (i < t->val_len && t->val[i] != ':')
			continue;
		size_t a = start, b = i;
		/* FWS only: strchr() would also match the NUL, trimming "from\0". */
		while (a < b && is_fws(t->val[a]))
			a++;
		while (b > a && is_fws(t->val[b - 1]))
			b--;
		if (a == b && lax) {
			start = i + 1;
			continue;
		}
		if (a == b) {
			snprintf(err, errlen, "h= has an empty header name");
			return DKIMARC_REASON_SIG_SYNTAX;
		}
		for (size_t k = a; k < b; k++) {
			unsigned char c = (unsigned char)t->val[k];
			if (c <= 0x20 || c >= 0x7f) {
				snprintf(err, errlen, "h= has an invalid header name");
				return DKIMARC_REASON_SIG_SYNTAX;
			}
		}
		if (!(sp->headers[sp->nheaders] = da_strndup(t->val + a, b - a)))
			return DA_REASON_ENOMEM;
		sp->nheaders++;
		start = i + 1;
	}
	return DKIMARC_REASON_OK;
}

static bool has_header(const da_sigparams *sp, const char *name)
{
	for (size_t k = 0; k < sp->nheaders; k++)
		if (sp->headers[k] && strcasecmp(sp->headers[k], name) == 0)
			return true;
	return false;
}

static dkimarc_reason parse(da_sigkind kind, const char *raw, size_t len, size_t value_off,
                            da_sigparams *sp, char *err, size_t errlen)
{
	bool arc = kind != DA_SIG_DKIM;

	memset(sp, 0, sizeof *sp);
	sp->kind = kind;
	sp->l = sp->t = sp->x = -1;
	da_taglist *tl = malloc(sizeof *tl);
	if (!tl)
		return DA_REASON_ENOMEM;
	dkimarc_reason r = DKIMARC_REASON_OK;
	int b64;
	const char *qp_why = NULL; /* why i= is not dkim-quoted-printable */
	char terr[160];
	if (da_tags_parse(raw + value_off, len - value_off, tl, terr, sizeof terr) != 0) {
		snprintf(err, errlen, "malformed tag list: %s", terr);
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	const da_tag *v = da_tags_get(tl, "v"), *a = da_tags_get(tl, "a"),
	             *b = da_tags_get(tl, "b"), *bh = da_tags_get(tl, "bh"),
	             *d = da_tags_get(tl, "d"), *h = da_tags_get(tl, "h"),
	             *s = da_tags_get(tl, "s"), *c = da_tags_get(tl, "c"),
	             *i = da_tags_get(tl, "i"), *l = da_tags_get(tl, "l"),
	             *q = da_tags_get(tl, "q"), *t = da_tags_get(tl, "t"),
	             *x = da_tags_get(tl, "x"), *cv = da_tags_get(tl, "cv");

	/* Facts first, so that even a broken signature reports what it claims. */
	if ((d && !(sp->domain = lower_dup(d->val, d->val_len))) ||
	    (s && !(sp->selector = lower_dup(s->val, s->val_len))) ||
	    (a && !(sp->alg = da_strndup(a->val, a->val_len))))
		goto nomem;
	if (i && !arc) {
		/* Shown decoded; as written when it cannot be (the signature fails below). */
		sp->auid = qp_decode(i->val, i->val_len, &qp_why);
		if (!sp->auid && qp_why)
			sp->auid = da_strndup(i->val, i->val_len);
		if (!sp->auid)
			goto nomem;
	}
	if (c && kind != DA_SIG_AS && !(sp->canon = da_strndup(c->val, c->val_len)))
		goto nomem;
	if (cv && kind == DA_SIG_AS)
		sp->cv = val_is(cv, "none")   ? DA_CV_NONE
		         : val_is(cv, "pass") ? DA_CV_PASS
		         : val_is(cv, "fail") ? DA_CV_FAIL
		                              : 0;
	if (b) {
		sp->b_off = value_off + b->val_off;
		sp->b_end = value_off + b->val_end;
	}

	if (!v && !arc) {
		snprintf(err, errlen, "v= is missing");
		r = DKIMARC_REASON_SIG_MISSING_TAG;
		goto out;
	}
	if (!arc && !val_is(v, "1")) {
		snprintf(err, errlen, "v=%.*s is not version 1",
		         (int)(v->val_len > 20 ? 20 : v->val_len), v->val);
		r = DKIMARC_REASON_SIG_VERSION;
		goto out;
	}
	const struct {
		const da_tag *tag;
		const char *name;
	} req[] = {{a, "a"}, {b, "b"}, {bh, "bh"}, {d, "d"},
	           {h, "h"}, {s, "s"}, {i, "i"},   {cv, "cv"}};
	for (size_t k = 0; k < sizeof req / sizeof req[0]; k++) {
		const char *nm = req[k].name;
		/* DKIM: a b bh d h s; AMS adds i; AS: a b cv d i s. */
		if ((!arc && (nm[0] == 'i' || nm[0] == 'c')) ||
		    (kind == DA_SIG_AMS && nm[0] == 'c') ||
		    (kind == DA_SIG_AS && (strcmp(nm, "bh") == 0 || nm[0] == 'h')))
			continue;
		if (!req[k].tag) {
			snprintf(err, errlen, "required tag %s= is missing", req[k].name);
			r = DKIMARC_REASON_SIG_MISSING_TAG;
			goto out;
		}
	}
	if (val_is(a, "rsa-sha256")) {
		sp->key_type = DA_KEY_RSA;
		sp->hash = DA_HASH_SHA256;
	} else if (val_is(a, "rsa-sha1") && arc) {
		snprintf(err, errlen, "a=rsa-sha1 is not allowed in ARC (RFC 8301 §3.1)");
		r = DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED;
		goto out;
	} else if (val_is(a, "rsa-sha1")) {
		sp->key_type = DA_KEY_RSA;
		sp->hash = DA_HASH_SHA1;
	} else if (val_is(a, "ed25519-sha256")) {
		sp->key_type = DA_KEY_ED25519;
		sp->hash = DA_HASH_SHA256;
	} else {
		snprintf(err, errlen, "algorithm a=%.*s is not supported",
		         (int)(a->val_len > 40 ? 40 : a->val_len), a->val);
		r = DKIMARC_REASON_SIG_ALGORITHM_UNSUPPORTED;
		goto out;
	}
	sp->hcanon = sp->bcanon = DA_CANON_SIMPLE;
	if (kind == DA_SIG_AS) {
		/* RFC 8617 §5.1.1: a seal always hashes relaxed; it has no body. */
		sp->hcanon = DA_CANON_RELAXED;
		if (h) {
			snprintf(err, errlen, "an ARC-Seal must not have h= (RFC 8617 §4.1.3)");
			r = DKIMARC_REASON_SIG_SYNTAX;
			goto out;
		}
		if (!sp->cv) {
			snprintf(err, errlen, "cv=%.*s is not none, pass or fail",
			         (int)(cv->val_len > 20 ? 20 : cv->val_len), cv->val);
			r = DKIMARC_REASON_SIG_SYNTAX;
			goto out;
		}
	} else if (c) {
		const char *slash = memchr(c->val, '/', c->val_len);
		size_t hl = slash ? (size_t)(slash - c->val) : c->val_len;
		const char *bp = slash ? slash + 1 : NULL;
		size_t bl = slash ? c->val_len - hl - 1 : 0;
		bool ok = true;
		if (hl == 6 && memcmp(c->val, "simple", 6) == 0)
			sp->hcanon = DA_CANON_SIMPLE;
		else if (hl == 7 && memcmp(c->val, "relaxed", 7) == 0)
			sp->hcanon = DA_CANON_RELAXED;
		else
			ok = false;
		if (bp) {
			if (bl == 6 && memcmp(bp, "simple", 6) == 0)
				sp->bcanon = DA_CANON_SIMPLE;
			else if (bl == 7 && memcmp(bp, "relaxed", 7) == 0)
				sp->bcanon = DA_CANON_RELAXED;
			else
				ok = false;
		}
		if (!ok) {
			snprintf(err, errlen, "unknown canonicalization c=%.*s",
			         (int)(c->val_len > 40 ? 40 : c->val_len), c->val);
			r = DKIMARC_REASON_SIG_SYNTAX;
			goto out;
		}
	}
	free(sp->canon);
	sp->canon = kind == DA_SIG_AS ? NULL : malloc(16);
	if (sp->canon)
		snprintf(sp->canon, 16, "%s/%s", sp->hcanon ? "relaxed" : "simple",
		         sp->bcanon ? "relaxed" : "simple");
	else if (kind != DA_SIG_AS)
		goto nomem;
	if ((b64 = decode_b64_tag(b, &sp->b, &sp->b_len)) == -2)
		goto nomem;
	if (b64 != 0 || sp->b_len == 0) {
		snprintf(err, errlen, "b= is not valid base64");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (kind != DA_SIG_AS && (b64 = decode_b64_tag(bh, &sp->bh, &sp->bh_len)) == -2)
		goto nomem;
	if (kind != DA_SIG_AS && (b64 != 0 || sp->bh_len == 0)) {
		snprintf(err, errlen, "bh= is not valid base64");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (!da_valid_name(d->val, d->val_len)) {
		snprintf(err, errlen, "d= is not a valid domain name");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (!da_valid_name(s->val, s->val_len)) {
		snprintf(err, errlen, "s= is not a valid selector");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (h && (r = parse_headers(h, kind == DA_SIG_AMS, sp, err, errlen)) != DKIMARC_REASON_OK)
		goto fail;
	if (!arc && !has_header(sp, "from")) {
		snprintf(err, errlen, "h= does not include From (RFC 6376 §5.4)");
		r = DKIMARC_REASON_SIG_FROM_NOT_SIGNED;
		goto out;
	}
	if (kind == DA_SIG_AMS && has_header(sp, "arc-seal")) {
		snprintf(err, errlen,
		         "h= lists ARC-Seal, which an AMS must not sign (RFC 8617 §4.1.2)");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (arc) {
		int64_t inst;
		if (!parse_digits(i, 12, &inst)) {
			snprintf(err, errlen, "i= is not an instance number");
			r = DKIMARC_REASON_SIG_SYNTAX;
			goto out;
		}
		if (!(sp->auid_domain = da_strdup(sp->domain)))
			goto nomem;
	} else if (i) {
		if (qp_why) {
			snprintf(err, errlen, "i= %s", qp_why);
			r = DKIMARC_REASON_SIG_SYNTAX;
			goto out;
		}
		char *at = sp->auid ? strrchr(sp->auid, '@') : NULL;
		if (!at || !da_valid_name(at + 1, strlen(at + 1))) {
			snprintf(err, errlen, "i= is not an identity with a domain");
			r = DKIMARC_REASON_SIG_SYNTAX;
			goto out;
		}
		if (!(sp->auid_domain = lower_dup(at + 1, strlen(at + 1))))
			goto nomem;
		size_t an = strlen(sp->auid_domain), dn = strlen(sp->domain);
		bool within = an == dn ? strcmp(sp->auid_domain, sp->domain) == 0
		                       : an > dn && sp->auid_domain[an - dn - 1] == '.' &&
		                             strcmp(sp->auid_domain + an - dn, sp->domain) == 0;
		if (!within) {
			snprintf(err, errlen, "i= domain %s is not d=%s or a subdomain of it",
			         sp->auid_domain, sp->domain);
			r = DKIMARC_REASON_SIG_AUID_MISMATCH;
			goto out;
		}
	} else if (!(sp->auid_domain = da_strdup(sp->domain))) {
		goto nomem;
	}
	if (q) {
		/* A list of query methods; we can only use dns/txt. */
		bool dns = false;
		size_t st = 0;
		for (size_t k = 0; k <= q->val_len; k++) {
			if (k < q->val_len && q->val[k] != ':')
				continue;
			size_t a0 = st, b0 = k;
			while (a0 < b0 && is_fws(q->val[a0]))
				a0++;
			while (b0 > a0 && is_fws(q->val[b0 - 1]))
				b0--;
			if (b0 - a0 >= 7 && memcmp(q->val + a0, "dns/txt", 7) == 0 &&
			    (b0 - a0 == 7 || q->val[a0 + 7] == '/'))
				dns = true;
			st = k + 1;
		}
		if (!dns) {
			snprintf(err, errlen, "q= does not offer dns/txt");
			r = DKIMARC_REASON_SIG_SYNTAX;
			goto out;
		}
	}
	if (l && kind != DA_SIG_AS && !parse_digits(l, 76, &sp->l)) {
		snprintf(err, errlen, "l= is not a decimal body length of at most 76 digits");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (t && !parse_digits(t, 12, &sp->t)) {
		snprintf(err, errlen, "t= is not a timestamp of at most 12 digits");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (x && !parse_digits(x, 12, &sp->x)) {
		snprintf(err, errlen, "x= is not a timestamp of at most 12 digits");
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
	if (sp->t >= 0 && sp->x >= 0 && sp->x <= sp->t) {
		snprintf(err, errlen, "x= (%lld) is not after t= (%lld)", (long long)sp->x,
		         (long long)sp->t);
		r = DKIMARC_REASON_SIG_SYNTAX;
		goto out;
	}
out:
	free(tl);
	return r;
fail:
	if (r != DA_REASON_ENOMEM)
		goto out;
nomem:
	snprintf(err, errlen, "out of memory");
	free(tl);
	return DA_REASON_ENOMEM;
}

dkimarc_reason da_sig_parse(const char *raw, size_t len, size_t value_off, da_sigparams *sp,
                            char *err, size_t errlen)
{
	return parse(DA_SIG_DKIM, raw, len, value_off, sp, err, errlen);
}

dkimarc_reason da_arc_sig_parse(da_sigkind kind, const char *raw, size_t len, size_t value_off,
                                da_sigparams *sp, char *err, size_t errlen)
{
	return parse(kind, raw, len, value_off, sp, err, errlen);
}

void da_sigparams_clear(da_sigparams *sp)
{
	free(sp->domain);
	free(sp->selector);
	free(sp->auid);
	free(sp->alg);
	free(sp->canon);
	free(sp->auid_domain);
	for (size_t i = 0; i < sp->nheaders; i++)
		da_free_const(sp->headers[i]);
	free(sp->headers);
	free(sp->b);
	free(sp->bh);
	memset(sp, 0, sizeof *sp);
}
