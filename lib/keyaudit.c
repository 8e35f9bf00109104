/*
 * An audit of keys (dkimarc.h, `dkimarc keys audit`): every key of the
 * archives and of verified messages, each checked once with the checks the
 * verifier runs (keycheck.h), against revealed private keys, and all RSA
 * moduli together with a batch GCD; with when each key was in use.
 */
#include "abiver.h"
#include "batchgcd.h"
#include "crypto.h"
#include "keycheck.h"
#include "keymarks.h"

#include <openssl/core_names.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_ORIGINS 16 /* provenance lines kept per key */

struct dkimarc_audit_key {
	char *name, *domain, *selector; /* domain and selector point into split */
	char *split;
	uint64_t hash;
	int key_type;      /* DA_KEY_*, 0 when the record does not parse */
	unsigned char *id; /* identity beside the name: the decoded p=, or the text */
	size_t id_len;
	char *txt; /* the first record's text, to decode at run */
	size_t txt_len;
	char *error;
	unsigned bits;
	char fp_hex[65];
	unsigned char fp[32];
	bool has_fp;
	char *origins[MAX_ORIGINS];
	size_t norigins;
	int64_t first_seen, last_seen;
	da_findings fs;
	uint64_t sigs;
	int64_t t_first, t_last, d_first, d_last;
};

typedef struct {
	unsigned char fp[32];
	char *text;
} revealed;

struct dkimarc_audit {
	pthread_mutex_t lock;
	dkimarc_audit_key **keys;
	size_t n, cap;
	dkimarc_audit_key **slots; /* open addressing over keys, by name and identity */
	size_t nslots;
	revealed *rev;
	size_t nrev, revcap;
	bool ran;
};

int dkimarc_audit_new(dkimarc_audit **out)
{
	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_audit_new: out is NULL");
	dkimarc_audit *a = calloc(1, sizeof *a);
	if (!a || pthread_mutex_init(&a->lock, NULL) != 0) {
		free(a);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	*out = a;
	return DKIMARC_OK;
}

static void key_free(dkimarc_audit_key *k)
{
	if (!k)
		return;
	free(k->name);
	free(k->split);
	free(k->id);
	free(k->txt);
	free(k->error);
	for (size_t i = 0; i < k->norigins; i++)
		free(k->origins[i]);
	free(k);
}

void dkimarc_audit_free(dkimarc_audit *a)
{
	if (!a)
		return;
	for (size_t i = 0; i < a->n; i++)
		key_free(a->keys[i]);
	free(a->keys);
	free(a->slots);
	for (size_t i = 0; i < a->nrev; i++)
		free(a->rev[i].text);
	free(a->rev);
	pthread_mutex_destroy(&a->lock);
	free(a);
}

/* ---- keys by name and identity ------------------------------------------------------ */

static uint64_t fnv(uint64_t h, const void *p, size_t n)
{
	const unsigned char *b = p;
	for (size_t i = 0; i < n; i++)
		h = (h ^ b[i]) * 1099511628211ull;
	return h;
}

static dkimarc_audit_key **slot(dkimarc_audit_key **slots, size_t nslots, uint64_t h,
                                const char *name, int type, const void *id, size_t id_len)
{
	for (size_t i = h & (nslots - 1);; i = (i + 1) & (nslots - 1)) {
		dkimarc_audit_key *k = slots[i];
		if (!k || (k->hash == h && k->key_type == type && k->id_len == id_len &&
		           strcmp(k->name, name) == 0 && memcmp(k->id, id, id_len) == 0))
			return &slots[i];
	}
}

static int grow(dkimarc_audit *a)
{
	if (a->n == a->cap) {
		size_t cap = a->cap ? 2 * a->cap : 64;
		dkimarc_audit_key **v = realloc(a->keys, cap * sizeof *v);
		if (!v)
			return -1;
		a->keys = v;
		a->cap = cap;
	}
	if (2 * (a->n + 1) > a->nslots) {
		size_t ns = a->nslots ? 2 * a->nslots : 128;
		dkimarc_audit_key **s = calloc(ns, sizeof *s);
		if (!s)
			return -1;
		for (size_t i = 0; i < a->n; i++) {
			dkimarc_audit_key *k = a->keys[i];
			*slot(s, ns, k->hash, k->name, k->key_type, k->id, k->id_len) = k;
		}
		free(a->slots);
		a->slots = s;
		a->nslots = ns;
	}
	return 0;
}

/* "sel._domainkey.example.com" split at its first "._domainkey.". */
static int set_name(dkimarc_audit_key *k, const char *name)
{
	if (!(k->name = da_strdup(name)) || !(k->split = da_strdup(name)))
		return -1;
	for (char *c = k->name; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	strcpy(k->split, k->name);
	char *p = strstr(k->split, "._domainkey.");
	if (p) {
		*p = '\0';
		k->selector = k->split;
		k->domain = p + 12;
	}
	return 0;
}

static int add_origin(dkimarc_audit_key *k, const char *origin)
{
	if (!origin)
		return 0;
	for (size_t i = 0; i < k->norigins; i++)
		if (strcmp(k->origins[i], origin) == 0)
			return 0;
	if (k->norigins == MAX_ORIGINS)
		return 0;
	if (!(k->origins[k->norigins] = da_strdup(origin)))
		return -1;
	k->norigins++;
	return 0;
}

/*
 * The key for name and record text (found or added), with origin and the
 * record's window; NULL in *out for a revoked record. Returns 0 or -1.
 * Called with the lock held.
 */
static int find_add(dkimarc_audit *a, const char *name, const char *txt, size_t txt_len,
                    const char *origin, int64_t first_seen, int64_t last_seen,
                    dkimarc_audit_key **out)
{
	char lname[300], err[300];
	da_keyrec kr = {0};
	*out = NULL;
	snprintf(lname, sizeof lname, "%s", name);
	for (char *c = lname; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	bool parsed = da_keyrec_parse(txt, txt_len, &kr, err, sizeof err) == DKIMARC_REASON_OK;
	if (parsed && kr.revoked) {
		da_keyrec_clear(&kr);
		return 0;
	}
	int type = parsed ? kr.key_type : 0;
	const void *id = parsed ? (const void *)kr.pk : (const void *)txt;
	size_t id_len = parsed ? kr.pk_len : txt_len;
	uint64_t h =
	    fnv(fnv(1469598103934665603ull ^ (uint64_t)type, lname, strlen(lname)), id, id_len);
	int rc = -1;
	if (grow(a) != 0)
		goto out;
	dkimarc_audit_key **sl = slot(a->slots, a->nslots, h, lname, type, id, id_len);
	dkimarc_audit_key *k = *sl;
	if (!k) {
		if (!(k = calloc(1, sizeof *k)))
			goto out;
		k->hash = h;
		k->key_type = type;
		k->first_seen = k->last_seen = -1;
		k->t_first = k->t_last = k->d_first = k->d_last = -1;
		k->id_len = id_len;
		if (set_name(k, lname) != 0 || !(k->id = malloc(id_len ? id_len : 1)) ||
		    !(k->txt = da_strndup(txt, txt_len)) ||
		    (!parsed && !(k->error = da_strdup(err)))) {
			key_free(k);
			goto out;
		}
		memcpy(k->id, id, id_len);
		k->txt_len = txt_len;
		*sl = k;
		a->keys[a->n++] = k;
	}
	if (first_seen >= 0 && (k->first_seen < 0 || first_seen < k->first_seen))
		k->first_seen = first_seen;
	if (last_seen >= 0 && last_seen > k->last_seen)
		k->last_seen = last_seen;
	if (add_origin(k, origin) != 0)
		goto out;
	*out = k;
	rc = 0;
out:
	da_keyrec_clear(&kr);
	return rc;
}

/* "archive keys.jsonl:3 (from dns 192.0.2.53), seen 2016-01-01..2017-01-01" */
static void origin_text(const dkimarc_keyrec *r, char *buf, size_t n)
{
	char t1[32], t2[32];
	/* DNS origins name their source ("dns 192.0.2.53"); archive ones are FILE:LINE. */
	int o = snprintf(buf, n, "%s%s", r->file ? "archive " : "", r->origin ? r->origin : "?");
	if (r->source && o > 0 && (size_t)o < n)
		o += snprintf(buf + o, n - (size_t)o, " (from %s)", r->source);
	if ((r->first_seen >= 0 || r->last_seen >= 0) && o > 0 && (size_t)o < n)
		snprintf(buf + o, n - (size_t)o, ", seen %s..%s",
		         dkimarc_format_time(r->first_seen, t1) == 0 ? t1 : "?",
		         dkimarc_format_time(r->last_seen, t2) == 0 ? t2 : "?");
}

static int add_rec(dkimarc_audit *a, const char *name, const dkimarc_keyrec *rec)
{
	char origin[900];
	dkimarc_audit_key *k;
	origin_text(rec, origin, sizeof origin);
	pthread_mutex_lock(&a->lock);
	int rc = find_add(a, name, rec->txt ? rec->txt : "", rec->txt_len, origin, rec->first_seen,
	                  rec->last_seen, &k);
	pthread_mutex_unlock(&a->lock);
	return rc == 0 ? DKIMARC_OK : da_fail(DKIMARC_ENOMEM, "out of memory");
}

int dkimarc_audit_add_record(dkimarc_audit *a, const char *name, const dkimarc_keyrec *rec)
{
	if (!a || !name || !rec)
		return da_fail(DKIMARC_EINVAL, "dkimarc_audit_add_record: invalid argument");
	if (a->ran)
		return da_fail(DKIMARC_ESTATE, "the audit has run");
	/* A caller-filled record: read only what its version holds (docs/abi.md). */
	dkimarc_keyrec full = DKIMARC_KEYREC_INIT;
	size_t size = da_abi_size(DA_ABI_KEYREC, rec->version, "dkimarc_audit_add_record");
	if (size == 0)
		return DKIMARC_EINVAL;
	memcpy(&full, rec, size);
	return add_rec(a, name, &full);
}

static int each_rec(void *arg, const char *name, const dkimarc_keyrec *rec)
{
	return add_rec(arg, name, rec);
}

int dkimarc_audit_add_keysrc(dkimarc_audit *a, const dkimarc_keysrc *src)
{
	if (!a || !src)
		return da_fail(DKIMARC_EINVAL, "dkimarc_audit_add_keysrc: invalid argument");
	if (a->ran)
		return da_fail(DKIMARC_ESTATE, "the audit has run");
	return da_keysrc_foreach(src, each_rec, a);
}

static void minmax(int64_t v, int64_t *lo, int64_t *hi)
{
	if (v < 0)
		return;
	if (*lo < 0 || v < *lo)
		*lo = v;
	if (v > *hi)
		*hi = v;
}

static int add_sig(dkimarc_audit *a, const dkimarc_sig *s, int64_t date)
{
	char name[600], origin[900];
	dkimarc_audit_key *k;
	if (!s->has_key || !s->domain || !s->selector)
		return 0;
	snprintf(name, sizeof name, "%s._domainkey.%s", s->selector, s->domain);
	origin_text(&s->key, origin, sizeof origin);
	if (find_add(a, name, s->key.txt ? s->key.txt : "", s->key.txt_len, origin,
	             s->key.first_seen, s->key.last_seen, &k) != 0)
		return -1;
	if (k && s->verified) {
		k->sigs++;
		minmax(s->t, &k->t_first, &k->t_last);
		minmax(date, &k->d_first, &k->d_last);
	}
	return 0;
}

int dkimarc_audit_add_report(dkimarc_audit *a, const dkimarc_report *r)
{
	if (!a || !r)
		return da_fail(DKIMARC_EINVAL, "dkimarc_audit_add_report: invalid argument");
	int rc = 0;
	pthread_mutex_lock(&a->lock);
	if (a->ran) {
		pthread_mutex_unlock(&a->lock);
		return da_fail(DKIMARC_ESTATE, "the audit has run");
	}
	for (size_t i = 0; rc == 0 && i < r->nsigs; i++)
		rc = add_sig(a, &r->sigs[i], r->date);
	for (size_t i = 0; rc == 0 && i < r->arc.ninst; i++) {
		const struct dkimarc_arc_instance *in = &r->arc.inst[i];
		if (in->has_seal)
			rc = add_sig(a, &in->seal, r->date);
		if (rc == 0 && in->has_ams)
			rc = add_sig(a, &in->ams, r->date);
	}
	pthread_mutex_unlock(&a->lock);
	return rc == 0 ? DKIMARC_OK : da_fail(DKIMARC_ENOMEM, "out of memory");
}

/* ---- revealed keys ------------------------------------------------------------------ */

static int add_revealed(void *arg, const unsigned char fp[32], int64_t published,
                        const char *source, const char *file, unsigned long line)
{
	dkimarc_audit *a = arg;
	char text[900], when[32];
	if (a->nrev == a->revcap) {
		size_t cap = a->revcap ? 2 * a->revcap : 16;
		revealed *v = realloc(a->rev, cap * sizeof *v);
		if (!v)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		a->rev = v;
		a->revcap = cap;
	}
	if (published >= 0 && dkimarc_format_time(published, when) == 0)
		snprintf(text, sizeof text,
		         "the private key was published on %.10s (%s%s%s:%lu): anyone can sign "
		         "with it since, and write any t= and Date",
		         when, source ? source : "", source ? ", " : "", file, line);
	else
		snprintf(text, sizeof text,
		         "the private key has been published (%s%s%s:%lu): anyone can sign with "
		         "it, and write any t= and Date",
		         source ? source : "", source ? ", " : "", file, line);
	memcpy(a->rev[a->nrev].fp, fp, 32);
	if (!(a->rev[a->nrev].text = da_strdup(text)))
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	a->nrev++;
	return 0;
}

int dkimarc_audit_load_revealed(dkimarc_audit *a, const char *path)
{
	char *data;
	size_t len;
	if (!a || !path)
		return da_fail(DKIMARC_EINVAL, "dkimarc_audit_load_revealed: invalid argument");
	if (a->ran)
		return da_fail(DKIMARC_ESTATE, "the audit has run");
	int rc = da_read_file(path, &data, &len);
	if (rc != DKIMARC_OK)
		return rc;
	size_t before = a->nrev;
	rc = da_revealed_parse(path, data, len, add_revealed, a);
	free(data);
	if (rc != DKIMARC_OK)
		while (a->nrev > before)
			free(a->rev[--a->nrev].text);
	return rc;
}

/* ---- the run ---------------------------------------------------------------------- */

/* Decodes k and runs its own checks; its modulus into n (RSA; n left 0 otherwise). */
static int check_key(dkimarc_audit_key *k, mpz_t n)
{
	char err[400];
	da_keyrec kr;
	unsigned bits = 0;
	dkimarc_reason why = DKIMARC_REASON_OK;
	if (k->error)
		return 0;
	if (da_keyrec_parse(k->txt, k->txt_len, &kr, err, sizeof err) != DKIMARC_REASON_OK) {
		k->error = da_strdup(err);
		return k->error ? 0 : -1;
	}
	EVP_PKEY *pk = da_pkey_decode_findings(&kr, &bits, &why, &k->fs, err, sizeof err);
	da_keyrec_clear(&kr);
	k->bits = bits;
	if (!pk) {
		k->fs.n = 0;
		k->error = da_strdup(err);
		return k->error ? 0 : -1;
	}
	if (da_pkey_fingerprint(pk, k->fp) == 0) {
		k->has_fp = true;
		for (int i = 0; i < 32; i++)
			snprintf(k->fp_hex + 2 * i, 3, "%02x", k->fp[i]);
	}
	if (k->key_type == DA_KEY_RSA && bits < DA_RSA_MIN_BITS)
		da_findings_add(&k->fs, false, DKIMARC_REASON_KEY_TOO_WEAK,
		                "the RSA key has only %u bits: RFC 8301 accepts no key under 1024 "
		                "bits, and such keys can be factored",
		                bits);
	BIGNUM *bn = NULL;
	int rc = 0;
	if (k->key_type == DA_KEY_RSA && EVP_PKEY_get_bn_param(pk, OSSL_PKEY_PARAM_RSA_N, &bn))
		rc = da_bn_to_mpz(bn, n);
	BN_free(bn);
	EVP_PKEY_free(pk);
	return rc;
}

typedef struct {
	mpz_t n;
	size_t key; /* index in a->keys */
} modulus;

static int by_modulus(const void *x, const void *y)
{
	return mpz_cmp(((const modulus *)x)->n, ((const modulus *)y)->n);
}

/* The batch GCD over every RSA modulus of the audit, one per distinct modulus. */
static int shared_primes(dkimarc_audit *a, modulus *m, size_t nm)
{
	if (nm < 2)
		return 0;
	qsort(m, nm, sizeof *m, by_modulus);
	mpz_t *d = malloc(nm * sizeof *d);
	size_t *of = malloc(nm * sizeof *of), *first = malloc(nm * sizeof *first), nd = 0;
	da_shared *sh = malloc(nm * sizeof *sh);
	int rc = -1;
	if (!d || !of || !first || !sh)
		goto out;
	for (size_t i = 0; i < nm; i++) {
		if (nd == 0 || mpz_cmp(d[nd - 1], m[i].n) != 0) {
			first[nd] = m[i].key;
			mpz_init_set(d[nd++], m[i].n);
		}
		of[i] = nd - 1;
	}
	da_batch_gcd(d, nd, sh);
	for (size_t i = 0; i < nm; i++) {
		const da_shared *s = &sh[of[i]];
		char label[900], text[1400];
		if (!s->shared)
			continue;
		const dkimarc_audit_key *p = s->npartners ? a->keys[first[s->partners[0]]] : NULL;
		if (p)
			snprintf(label, sizeof label, "%s (%s)", p->name,
			         p->norigins ? p->origins[0] : "?");
		da_shared_text(text, sizeof text, p ? label : "another key of the audit",
		               s->npartners > 1 ? s->npartners - 1 : 0);
		da_findings_add(&a->keys[m[i].key]->fs, false, DKIMARC_REASON_KEY_SHARED_PRIME,
		                "%s", text);
	}
	for (size_t j = 0; j < nd; j++)
		mpz_clear(d[j]);
	rc = 0;
out:
	free(d);
	free(of);
	free(first);
	free(sh);
	return rc;
}

/* The time a key was first used, for the order: t=, else Date, else first seen. */
static int64_t first_use(const dkimarc_audit_key *k)
{
	return k->t_first >= 0 ? k->t_first : k->d_first >= 0 ? k->d_first : k->first_seen;
}

static int by_timeline(const void *x, const void *y)
{
	const dkimarc_audit_key *a = *(dkimarc_audit_key *const *)x;
	const dkimarc_audit_key *b = *(dkimarc_audit_key *const *)y;
	int c = strcmp(a->domain ? a->domain : a->name, b->domain ? b->domain : b->name);
	if (c)
		return c;
	int64_t ta = first_use(a), tb = first_use(b);
	if (ta != tb)
		return ta < 0 ? 1 : tb < 0 ? -1 : ta < tb ? -1 : 1;
	if ((c = strcmp(a->name, b->name)) != 0)
		return c;
	return strcmp(a->fp_hex, b->fp_hex);
}

int dkimarc_audit_run(dkimarc_audit *a)
{
	if (!a)
		return da_fail(DKIMARC_EINVAL, "dkimarc_audit_run: a is NULL");
	if (a->ran)
		return da_fail(DKIMARC_ESTATE, "the audit has run");
	a->ran = true;
	modulus *m = malloc((a->n ? a->n : 1) * sizeof *m);
	size_t nm = 0;
	int rc = m ? 0 : -1;
	for (size_t i = 0; rc == 0 && i < a->n; i++) {
		dkimarc_audit_key *k = a->keys[i];
		mpz_init(m[nm].n);
		rc = check_key(k, m[nm].n);
		if (rc == 0 && mpz_sgn(m[nm].n) > 0) {
			m[nm++].key = i;
		} else {
			mpz_clear(m[nm].n);
		}
		for (size_t j = 0; rc == 0 && k->has_fp && j < a->nrev; j++)
			if (memcmp(a->rev[j].fp, k->fp, 32) == 0)
				da_findings_add(&k->fs, true, DKIMARC_REASON_KEY_PRIVATE_PUBLISHED,
				                "%s", a->rev[j].text);
	}
	if (rc == 0)
		rc = shared_primes(a, m, nm);
	for (size_t i = 0; i < nm; i++)
		mpz_clear(m[i].n);
	free(m);
	if (rc == 0 && a->n > 1)
		qsort(a->keys, a->n, sizeof *a->keys, by_timeline);
	return rc == 0 ? DKIMARC_OK : da_fail(DKIMARC_ENOMEM, "out of memory");
}

/* ---- accessors -------------------------------------------------------------------- */

size_t dkimarc_audit_key_count(const dkimarc_audit *a)
{
	return a ? a->n : 0;
}

const dkimarc_audit_key *dkimarc_audit_key_at(const dkimarc_audit *a, size_t i)
{
	return a && i < a->n ? a->keys[i] : NULL;
}

const char *dkimarc_audit_key_name(const dkimarc_audit_key *k)
{
	return k ? k->name : NULL;
}

const char *dkimarc_audit_key_domain(const dkimarc_audit_key *k)
{
	return k ? k->domain : NULL;
}

const char *dkimarc_audit_key_selector(const dkimarc_audit_key *k)
{
	return k ? k->selector : NULL;
}

const char *dkimarc_audit_key_algorithm(const dkimarc_audit_key *k)
{
	if (!k || k->error || !k->key_type)
		return NULL;
	return k->key_type == DA_KEY_ED25519 ? "ed25519" : "rsa";
}

unsigned dkimarc_audit_key_bits(const dkimarc_audit_key *k)
{
	return k ? k->bits : 0;
}

const char *dkimarc_audit_key_fingerprint(const dkimarc_audit_key *k)
{
	return k && k->has_fp ? k->fp_hex : NULL;
}

const char *dkimarc_audit_key_error(const dkimarc_audit_key *k)
{
	return k ? k->error : NULL;
}

size_t dkimarc_audit_key_origin_count(const dkimarc_audit_key *k)
{
	return k ? k->norigins : 0;
}

const char *dkimarc_audit_key_origin(const dkimarc_audit_key *k, size_t i)
{
	return k && i < k->norigins ? k->origins[i] : NULL;
}

size_t dkimarc_audit_key_finding_count(const dkimarc_audit_key *k)
{
	return k ? k->fs.n : 0;
}

dkimarc_reason dkimarc_audit_key_finding(const dkimarc_audit_key *k, size_t i)
{
	return k && i < k->fs.n ? k->fs.f[i].reason : DKIMARC_REASON_OK;
}

const char *dkimarc_audit_key_finding_text(const dkimarc_audit_key *k, size_t i)
{
	return k && i < k->fs.n ? k->fs.f[i].text : NULL;
}

uint64_t dkimarc_audit_key_signatures(const dkimarc_audit_key *k)
{
	return k ? k->sigs : 0;
}

int64_t dkimarc_audit_key_time(const dkimarc_audit_key *k, dkimarc_audit_time which)
{
	if (!k)
		return -1;
	switch (which) {
	case DKIMARC_AUDIT_FIRST_SIGNED:
		return k->t_first;
	case DKIMARC_AUDIT_LAST_SIGNED:
		return k->t_last;
	case DKIMARC_AUDIT_FIRST_DATE:
		return k->d_first;
	case DKIMARC_AUDIT_LAST_DATE:
		return k->d_last;
	case DKIMARC_AUDIT_FIRST_SEEN:
		return k->first_seen;
	case DKIMARC_AUDIT_LAST_SEEN:
		return k->last_seen;
	}
	return -1;
}
