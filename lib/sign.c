/*
 * DKIM signing (RFC 6376 §5, RFC 8463): the signer object and dkimarc_sign().
 * It reads the message as the verifier does (inmsg.c), hashes with the
 * verifier's canonicalization, header selection and digest (sighash.c), and
 * signs the field in its final folded form with b= empty, then writes b=.
 */
#include "sign.h"
#include "crypto.h"
#include "sig.h"
#include "sighash.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#define MAX_TIME 999999999999LL /* t= and x= have at most 12 digits */

/* RFC 6376 §5.4.1's list, with the fields OpenDKIM and dkimpy add; lower case. */
static const char *const default_set[] = {
    "from",
    "sender",
    "reply-to",
    "subject",
    "date",
    "message-id",
    "to",
    "cc",
    "mime-version",
    "content-type",
    "content-transfer-encoding",
    "content-id",
    "content-description",
    "resent-date",
    "resent-from",
    "resent-sender",
    "resent-to",
    "resent-cc",
    "resent-message-id",
    "in-reply-to",
    "references",
    "list-id",
    "list-help",
    "list-unsubscribe",
    "list-unsubscribe-post",
    "list-subscribe",
    "list-post",
    "list-owner",
    "list-archive",
};
#define NDEFAULT (sizeof default_set / sizeof default_set[0])

/* Field names: printable ASCII except ':' (RFC 5322 ftext). */
static bool valid_field_name(const char *s, size_t n)
{
	if (n == 0)
		return false;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c <= 0x20 || c >= 0x7f || c == ':')
			return false;
	}
	return true;
}

int dkimarc_signer_new(dkimarc_signer **out, const dkimarc_privkey *key, const char *domain,
                       const char *selector)
{
	dkimarc_signer *s;

	if (out == NULL || key == NULL || domain == NULL || selector == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_new: NULL argument");
	*out = NULL;
	if (!da_valid_name(domain, strlen(domain)))
		return da_fail(DKIMARC_EINVAL, "domain '%.100s' is not a valid DNS name", domain);
	if (!da_valid_name(selector, strlen(selector)))
		return da_fail(DKIMARC_EINVAL, "selector '%.100s' is not a valid DNS name",
		               selector);
	if (strlen(selector) + strlen(domain) + sizeof "._domainkey." > 254)
		return da_fail(DKIMARC_EINVAL, "selector._domainkey.domain is too long for DNS");
	if (key->type == DA_KEY_RSA && key->bits > DA_RSA_MAX_BITS)
		return da_fail(DKIMARC_EINVAL,
		               "a %u-bit RSA key: verifiers refuse keys over %d bits", key->bits,
		               DA_RSA_MAX_BITS);
	s = calloc(1, sizeof *s);
	if (s == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	s->domain = da_strdup(domain);
	s->selector = da_strdup(selector);
	if (s->domain == NULL || s->selector == NULL || EVP_PKEY_up_ref(key->pk) != 1) {
		free(s->domain);
		free(s->selector);
		free(s);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	s->key = *key;
	s->hash = DA_HASH_SHA256;
	s->hc = s->bc = DA_CANON_RELAXED;
	s->t = DKIMARC_TIME_NOW;
	s->x = -1;
	s->fold = DA_FOLD_WIDTH;
	*out = s;
	return DKIMARC_OK;
}

int dkimarc_signer_allow(dkimarc_signer *s, unsigned flags)
{
	if (s == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_allow: NULL signer");
	if (flags & ~(DKIMARC_SIGN_ALLOW_SHA1 | DKIMARC_SIGN_ALLOW_WEAK_KEY))
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_allow: unknown flag 0x%x", flags);
	s->allow = flags;
	return DKIMARC_OK;
}

int dkimarc_signer_set_algorithm(dkimarc_signer *s, const char *alg)
{
	int type, hash;

	if (s == NULL || alg == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_algorithm: NULL argument");
	if (strcmp(alg, "rsa-sha256") == 0) {
		type = DA_KEY_RSA;
		hash = DA_HASH_SHA256;
	} else if (strcmp(alg, "ed25519-sha256") == 0) {
		type = DA_KEY_ED25519;
		hash = DA_HASH_SHA256;
	} else if (strcmp(alg, "rsa-sha1") == 0) {
		if (!(s->allow & DKIMARC_SIGN_ALLOW_SHA1))
			return da_fail(
			    DKIMARC_EINVAL,
			    "rsa-sha1 is forbidden for signing (RFC 8301 §3.1); allow it "
			    "explicitly to make legacy vectors");
		type = DA_KEY_RSA;
		hash = DA_HASH_SHA1;
	} else {
		return da_fail(DKIMARC_EINVAL,
		               "unknown algorithm '%.40s' (rsa-sha256, ed25519-sha256 or rsa-sha1)",
		               alg);
	}
	if (type != s->key.type)
		return da_fail(DKIMARC_EINVAL, "algorithm %s does not fit the key, which is %s",
		               alg, s->key.type == DA_KEY_RSA ? "RSA" : "Ed25519");
	s->hash = hash;
	return DKIMARC_OK;
}

static int canon_word(const char *p, size_t n, da_canon *c)
{
	if (n == 6 && memcmp(p, "simple", 6) == 0)
		*c = DA_CANON_SIMPLE;
	else if (n == 7 && memcmp(p, "relaxed", 7) == 0)
		*c = DA_CANON_RELAXED;
	else
		return -1;
	return 0;
}

int dkimarc_signer_set_canonicalization(dkimarc_signer *s, const char *c)
{
	const char *slash;
	da_canon hc, bc = DA_CANON_SIMPLE;

	if (s == NULL || c == NULL)
		return da_fail(DKIMARC_EINVAL,
		               "dkimarc_signer_set_canonicalization: NULL argument");
	slash = strchr(c, '/');
	/* RFC 6376 §3.5: one word names the header algorithm; the body's is simple. */
	if (canon_word(c, slash ? (size_t)(slash - c) : strlen(c), &hc) != 0 ||
	    (slash && canon_word(slash + 1, strlen(slash + 1), &bc) != 0))
		return da_fail(DKIMARC_EINVAL,
		               "unknown canonicalization '%.40s' (relaxed/relaxed, "
		               "relaxed/simple, simple/relaxed or simple/simple)",
		               c);
	s->hc = hc;
	s->bc = bc;
	return DKIMARC_OK;
}

static void free_names(char **names, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(names[i]);
	free(names);
}

int dkimarc_signer_set_headers(dkimarc_signer *s, const char *list, int exact)
{
	char **names = NULL;
	size_t n = 0, cap = 1;
	bool from = false;

	if (s == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_headers: NULL signer");
	if (list == NULL) {
		free_names(s->names, s->nnames);
		s->names = NULL;
		s->nnames = 0;
		s->exact = false;
		return DKIMARC_OK;
	}
	for (const char *p = list; *p; p++)
		cap += *p == ':';
	if (cap > DA_MAX_SIGNED_HEADERS)
		return da_fail(DKIMARC_EINVAL, "more than %d header names; verifiers read no more",
		               DA_MAX_SIGNED_HEADERS);
	names = calloc(cap, sizeof *names);
	if (names == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	for (const char *p = list;;) {
		const char *e = strchr(p, ':');
		size_t a = 0, b = e ? (size_t)(e - p) : strlen(p);

		while (a < b && (p[a] == ' ' || p[a] == '\t'))
			a++;
		while (b > a && (p[b - 1] == ' ' || p[b - 1] == '\t'))
			b--;
		if (!valid_field_name(p + a, b - a)) {
			free_names(names, n);
			return da_fail(DKIMARC_EINVAL,
			               "'%.*s' in the header list is not a field name",
			               (int)(b - a > 60 ? 60 : b - a), p + a);
		}
		names[n] = da_strndup(p + a, b - a);
		if (names[n] == NULL) {
			free_names(names, n);
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		}
		if (!exact)
			for (char *q = names[n]; *q; q++)
				if (*q >= 'A' && *q <= 'Z')
					*q = (char)(*q + 32);
		from |= strcasecmp(names[n], "from") == 0;
		n++;
		if (e == NULL)
			break;
		p = e + 1;
	}
	if (!from) {
		free_names(names, n);
		return da_fail(DKIMARC_EINVAL,
		               "the header list must include From (RFC 6376 §5.4); verifiers "
		               "reject signatures without it");
	}
	free_names(s->names, s->nnames);
	s->names = names;
	s->nnames = n;
	s->exact = exact != 0;
	return DKIMARC_OK;
}

int dkimarc_signer_set_fold(dkimarc_signer *s, unsigned width)
{
	if (s == NULL || (width != 0 && (width < DA_FOLD_WIDTH_MIN || width > 998)))
		return da_fail(DKIMARC_EINVAL, "fold width %u: 0, or %d to 998", width,
		               DA_FOLD_WIDTH_MIN);
	s->fold = width;
	return DKIMARC_OK;
}

int dkimarc_signer_set_oversign(dkimarc_signer *s, int all)
{
	if (s == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_oversign: NULL signer");
	s->oversign = all != 0;
	return DKIMARC_OK;
}

int dkimarc_signer_set_body_length(dkimarc_signer *s, int on)
{
	if (s == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_body_length: NULL signer");
	s->body_length = on != 0;
	return DKIMARC_OK;
}

int dkimarc_signer_set_timestamp(dkimarc_signer *s, int64_t t)
{
	if (s == NULL || t < DKIMARC_TIME_NONE || t > MAX_TIME)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_timestamp: invalid argument");
	s->t = t;
	return DKIMARC_OK;
}

int dkimarc_signer_set_expiration(dkimarc_signer *s, int64_t x, int relative)
{
	if (s == NULL || x < -1 || x > MAX_TIME || (relative && x == 0))
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_expiration: invalid argument");
	s->x = x;
	s->x_rel = relative != 0 && x >= 0;
	return DKIMARC_OK;
}

/* dkim-quoted-printable (RFC 6376 §2.11): ';', '=', WSP, controls, 8-bit as =XX. */
static char *qp_encode(const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	size_t n = strlen(s), o = 0;
	char *d = malloc(3 * n + 1);

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c > 0x20 && c < 0x7f && c != ';' && c != '=') {
			d[o++] = (char)c;
		} else {
			d[o++] = '=';
			d[o++] = hex[c >> 4];
			d[o++] = hex[c & 15];
		}
	}
	d[o] = '\0';
	return d;
}

int dkimarc_signer_set_identity(dkimarc_signer *s, const char *auid)
{
	const char *at;
	size_t an, dn;

	if (s == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_identity: NULL signer");
	if (auid == NULL) {
		free(s->auid);
		s->auid = NULL;
		return DKIMARC_OK;
	}
	at = strrchr(auid, '@');
	if (at == NULL || !da_valid_name(at + 1, strlen(at + 1)))
		return da_fail(DKIMARC_EINVAL, "identity '%.100s' is not [user]@domain", auid);
	an = strlen(at + 1);
	dn = strlen(s->domain);
	if (!(an == dn
	          ? strcasecmp(at + 1, s->domain) == 0
	          : an > dn && at[an - dn] == '.' && strcasecmp(at + 1 + an - dn, s->domain) == 0))
		return da_fail(DKIMARC_EINVAL,
		               "identity domain %s is neither d=%s nor a subdomain of it (RFC 6376 "
		               "§3.5)",
		               at + 1, s->domain);
	char *qp = qp_encode(auid);

	if (qp == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	free(s->auid);
	s->auid = qp;
	return DKIMARC_OK;
}

void dkimarc_signer_free(dkimarc_signer *s)
{
	if (s == NULL)
		return;
	EVP_PKEY_free(s->key.pk);
	free(s->domain);
	free(s->selector);
	free_names(s->names, s->nnames);
	free(s->auid);
	free(s->srvid);
	free(s->cv);
	free(s);
}

/* ---- shared with seal.c ---------------------------------------------------- */

const char *da_sign_alg(const dkimarc_signer *s)
{
	if (s->key.type == DA_KEY_ED25519)
		return "ed25519-sha256";
	return s->hash == DA_HASH_SHA1 ? "rsa-sha1" : "rsa-sha256";
}

const char *da_sign_canon(const dkimarc_signer *s, char *buf)
{
	snprintf(buf, 16, "%s/%s", s->hc == DA_CANON_RELAXED ? "relaxed" : "simple",
	         s->bc == DA_CANON_RELAXED ? "relaxed" : "simple");
	return buf;
}

static bool in_set(const dkimarc_signer *s, const char *extra, const da_field *f, const char **name)
{
	const char *const *set = s->names ? (const char *const *)s->names : default_set;
	size_t n = s->names ? s->nnames : NDEFAULT;

	for (size_t i = 0; i < n; i++) {
		if (da_field_is(f, set[i])) {
			*name = set[i];
			return true;
		}
	}
	if (extra != NULL && da_field_is(f, extra)) {
		*name = extra;
		return true;
	}
	return false;
}

int da_sign_names(const dkimarc_signer *s, const da_header *hdr, const char *extra,
                  const char ***out, size_t *n)
{
	const char **names;
	size_t k = 0, listed;

	*out = NULL;
	*n = 0;
	if (s->exact) {
		names = malloc((s->nnames ? s->nnames : 1) * sizeof *names);
		if (names == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		for (size_t i = 0; i < s->nnames; i++)
			names[i] = s->names[i];
		*out = names;
		*n = s->nnames;
		return DKIMARC_OK;
	}
	names = malloc(DA_MAX_SIGNED_HEADERS * sizeof *names);
	if (names == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	for (size_t i = 0; i < hdr->n; i++) {
		const char *name;

		if (!in_set(s, extra, &hdr->f[i], &name))
			continue;
		if (k == DA_MAX_SIGNED_HEADERS)
			goto limit;
		names[k++] = name;
	}
	/* Once more, in order of first appearance: nothing of that name can be added. */
	listed = k;
	for (size_t i = 0; i < listed; i++) {
		bool seen = false;

		for (size_t j = 0; j < i && !seen; j++)
			seen = strcmp(names[j], names[i]) == 0;
		if (seen || !(s->oversign || strcmp(names[i], "from") == 0))
			continue;
		if (k == DA_MAX_SIGNED_HEADERS)
			goto limit;
		names[k++] = names[i];
	}
	*out = names;
	*n = k;
	return DKIMARC_OK;
limit:
	free(names);
	return da_fail(DKIMARC_ELIMIT,
	               "more than %d header fields to sign; verifiers read no more names in h=",
	               DA_MAX_SIGNED_HEADERS);
}

char *da_sign_join(const char *const *names, size_t n)
{
	size_t len = 1, o = 0;
	char *d;

	for (size_t i = 0; i < n; i++)
		len += strlen(names[i]) + 1;
	d = malloc(len);
	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		size_t l = strlen(names[i]);

		if (i > 0)
			d[o++] = ':';
		memcpy(d + o, names[i], l);
		o += l;
	}
	d[o] = '\0';
	return d;
}

static void bh_sink(void *arg, const char *p, size_t n)
{
	da_bodyhash_update(arg, p, n);
}

int da_sign_bodyhash(const dkimarc_signer *s, const da_inmsg *m, char **b64, uint64_t *total)
{
	da_bodyhash bh;

	*b64 = NULL;
	if (da_bodyhash_init(&bh, s->bc, s->hash, -1) != 0)
		return da_fail(DKIMARC_ECRYPTO, "OpenSSL could not start a digest");
	da_inmsg_body(m, bh_sink, &bh);
	if (da_bodyhash_final(&bh) != 0) {
		da_bodyhash_clear(&bh);
		return da_fail(DKIMARC_ECRYPTO, "OpenSSL failed hashing the body");
	}
	*total = bh.total;
	*b64 = da_b64_encode(bh.digest, bh.digest_len);
	da_bodyhash_clear(&bh);
	return *b64 ? DKIMARC_OK : da_fail(DKIMARC_ENOMEM, "out of memory");
}

int da_sign_times(const dkimarc_signer *s, int64_t *t, int64_t *x)
{
	int64_t now = (int64_t)time(NULL);

	*t = s->t >= 0 ? s->t : s->t == DKIMARC_TIME_NOW ? now : -1;
	*x = s->x < 0 ? -1 : s->x_rel ? (*t >= 0 ? *t : now) + s->x : s->x;
	if (*x > MAX_TIME)
		return da_fail(DKIMARC_EINVAL, "x= would have more than 12 digits");
	if (*t >= 0 && *x >= 0 && *x <= *t)
		return da_fail(DKIMARC_EINVAL,
		               "expiration x=%lld is not after the timestamp t=%lld", (long long)*x,
		               (long long)*t);
	return DKIMARC_OK;
}

int da_sign_fill(const dkimarc_signer *s, const unsigned char *digest, size_t dlen, da_fieldfmt *f)
{
	size_t cap = da_privkey_sig_len(&s->key), slen = 0;
	unsigned char *sig = malloc(cap);
	char *b64;
	int rc;

	if (sig == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	rc = da_privkey_sign(&s->key, s->hash, digest, dlen, sig, &slen);
	if (rc != DKIMARC_OK) {
		free(sig);
		return rc;
	}
	b64 = da_b64_encode(sig, slen);
	free(sig);
	if (b64 == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	da_ff_fill_b(f, b64);
	free(b64);
	return DKIMARC_OK;
}

da_field da_sign_field(const da_fieldfmt *f)
{
	const char *colon = memchr(f->out.p, ':', f->out.len);
	size_t nl = colon ? (size_t)(colon - f->out.p) : 0;

	return (da_field){.raw = f->out.p,
	                  .len = f->out.len,
	                  .name_len = nl,
	                  .value_off = colon ? nl + 1 : 0,
	                  .has_colon = colon != NULL};
}

int da_sign_header_digest(const dkimarc_signer *s, const da_header *hdr, const char **names,
                          size_t n, const da_fieldfmt *f, unsigned char *digest, unsigned int *dlen)
{
	/* The verifier's digest, with the new field below the header: never selected. */
	da_header all = {.n = hdr->n + 1, .cap = hdr->n + 1};
	bool *used = malloc((hdr->n + 1) * sizeof *used);
	da_sigparams sp;
	int rc;

	all.f = malloc((hdr->n + 1) * sizeof *all.f);
	if (all.f == NULL || used == NULL) {
		free(all.f);
		free(used);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	if (hdr->n > 0)
		memcpy(all.f, hdr->f, hdr->n * sizeof *all.f);
	all.f[hdr->n] = da_sign_field(f);
	memset(&sp, 0, sizeof sp);
	sp.hash = s->hash;
	sp.hcanon = s->hc;
	sp.headers = names; /* only read */
	sp.nheaders = n;
	sp.b_off = f->b_off;
	sp.b_end = f->b_end;
	rc = da_sig_header_digest(&all, hdr->n, &sp, used, digest, dlen);
	free(all.f);
	free(used);
	if (rc != DKIMARC_OK)
		return da_fail(rc, rc == DKIMARC_ENOMEM ? "out of memory"
		                                        : "OpenSSL failed hashing the header");
	return DKIMARC_OK;
}

/* ---- DKIM-Signature ------------------------------------------------------ */

/* Reads the field back with the verifier's parser: what we write, it must read. */
static int self_check(const da_fieldfmt *f)
{
	const size_t voff = sizeof "DKIM-Signature:" - 1;
	da_sigparams sp;
	char err[256];
	dkimarc_reason r = da_sig_parse(f->out.p, f->out.len, voff, &sp, err, sizeof err);
	if (da_reason_status(r)) {
		da_sigparams_clear(&sp);
		return da_fail(da_reason_status(r), "out of memory");
	}
	bool same = r == DKIMARC_REASON_OK && sp.b_off == f->b_off && sp.b_end == f->b_end;

	da_sigparams_clear(&sp);
	if (!same)
		return da_fail(DKIMARC_EINVAL, "the signature written does not read back: %s",
		               r == DKIMARC_REASON_OK ? "b= moved" : err);
	return DKIMARC_OK;
}

/* Refuses what RFC 8301 forbids unless the caller allowed it. */
static int check_allowed(const dkimarc_signer *s)
{
	if (s->hash == DA_HASH_SHA1 && !(s->allow & DKIMARC_SIGN_ALLOW_SHA1))
		return da_fail(DKIMARC_EINVAL, "rsa-sha1 is forbidden for signing (RFC 8301 §3.1)");
	if (s->key.type == DA_KEY_RSA && s->key.bits < DA_SIGN_RSA_MIN_BITS &&
	    (!(s->allow & DKIMARC_SIGN_ALLOW_WEAK_KEY) || s->key.bits < 512))
		return da_fail(DKIMARC_EINVAL,
		               "a %u-bit RSA key is too weak: RFC 8301 §3.2 requires at least "
		               "1024 bits (2048 recommended)",
		               s->key.bits);
	return DKIMARC_OK;
}

/* The text is handed over by dkimarc_sign(), below. */
static int sign_impl(const dkimarc_signer *s, const char *buf, size_t len, char **field)
{
	da_inmsg m;
	da_fieldfmt f;
	const char **names = NULL;
	size_t n = 0;
	char *bh = NULL, *hlist = NULL, num[32], cbuf[16];
	uint64_t total = 0;
	int64_t t, x;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen = 0;
	bool from = false;
	int rc;

	if (field != NULL)
		*field = NULL;
	if (s == NULL || field == NULL || (buf == NULL && len > 0))
		return da_fail(DKIMARC_EINVAL, "dkimarc_sign: NULL argument");
	if ((rc = check_allowed(s)) != DKIMARC_OK)
		return rc;
	memset(&f, 0, sizeof f);
	rc = da_inmsg_open(&m, buf ? buf : "", len);
	if (rc != DKIMARC_OK)
		goto out;
	for (size_t i = 0; i < m.hdr.n && !from; i++)
		from = da_field_is(&m.hdr.f[i], "From");
	if (!from && !s->exact) {
		rc = da_fail(DKIMARC_EINVAL,
		             "the message has no From field, which a signature must cover; give "
		             "an exact header list to sign it anyway");
		goto out;
	}
	if ((rc = da_sign_names(s, &m.hdr, NULL, &names, &n)) != DKIMARC_OK ||
	    (rc = da_sign_bodyhash(s, &m, &bh, &total)) != DKIMARC_OK ||
	    (rc = da_sign_times(s, &t, &x)) != DKIMARC_OK)
		goto out;
	hlist = da_sign_join(names, n);
	if (hlist == NULL) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}

	da_ff_init(&f, "DKIM-Signature", s->fold);
	da_ff_tag(&f, "v", "1", DA_BRK_NONE);
	da_ff_tag(&f, "a", da_sign_alg(s), DA_BRK_NONE);
	da_ff_tag(&f, "c", da_sign_canon(s, cbuf), DA_BRK_NONE);
	da_ff_tag(&f, "d", s->domain, DA_BRK_NONE);
	da_ff_tag(&f, "s", s->selector, DA_BRK_NONE);
	if (s->auid != NULL)
		da_ff_tag(&f, "i", s->auid, DA_BRK_NONE);
	if (t >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)t);
		da_ff_tag(&f, "t", num, DA_BRK_NONE);
	}
	if (x >= 0) {
		snprintf(num, sizeof num, "%lld", (long long)x);
		da_ff_tag(&f, "x", num, DA_BRK_NONE);
	}
	if (s->body_length) {
		snprintf(num, sizeof num, "%llu", (unsigned long long)total);
		da_ff_tag(&f, "l", num, DA_BRK_NONE);
	}
	da_ff_tag(&f, "h", hlist, DA_BRK_COLON);
	da_ff_tag(&f, "bh", bh, DA_BRK_ANY);
	da_ff_b(&f, (da_privkey_sig_len(&s->key) + 2) / 3 * 4);
	if (da_ff_status(&f) != 0) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}
	/* Sign what is emitted: the folded field with b= empty. */
	if ((rc = da_sign_header_digest(s, &m.hdr, names, n, &f, digest, &dlen)) != DKIMARC_OK ||
	    (rc = da_sign_fill(s, digest, dlen, &f)) != DKIMARC_OK ||
	    (rc = self_check(&f)) != DKIMARC_OK)
		goto out;
	*field = da_inmsg_line_ends(&m, f.out.p);
	if (*field != NULL) {
		/* The field's own line end, in the message's convention. */
		size_t fl = strlen(*field);
		char *nf = realloc(*field, fl + 3);

		if (nf == NULL) {
			free(*field);
			*field = NULL;
		} else {
			memcpy(nf + fl, m.lf ? "\n" : "\r\n", m.lf ? 2 : 3);
			*field = nf;
		}
	}
	if (*field == NULL)
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
out:
	da_ff_free(&f);
	da_inmsg_close(&m);
	free(names);
	free(bh);
	free(hlist);
	return rc;
}

int dkimarc_sign(const dkimarc_signer *s, const char *buf, size_t len, char **field)
{
	return da_give(sign_impl(s, buf, len, field), field);
}
