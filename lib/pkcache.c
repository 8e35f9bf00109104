/* Decoded public keys, remembered per context (see pkcache.h). */
#include "pkcache.h"

#include "crypto.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define NBUCKETS 4096

typedef struct entry {
	struct entry *next;
	uint64_t hash;
	int key_type;
	size_t len;
	EVP_PKEY *pkey;
	da_rsa_prep *prep; /* RSA keys; NULL if it could not be made */
	unsigned bits;
	dkimarc_reason defect; /* a key finding: anyone can sign with it */
	char *defect_err;      /* why, when defect is set */
	unsigned char fp[32];  /* SHA-256 of the SubjectPublicKeyInfo */
	bool has_fp;
	unsigned char pk[]; /* the decoded p= bytes */
} entry;

/* A parsed record, by its text. */
typedef struct recentry {
	struct recentry *next;
	uint64_t hash;
	da_pkinfo info; /* info.pkey holds the cache's own reference */
	size_t len;
	char txt[];
} recentry;

struct da_pkcache {
	pthread_mutex_t lock;
	size_t count;
	entry *buckets[NBUCKETS];
	size_t nrecs;
	recentry *recs[NBUCKETS];
};

da_pkcache *da_pkcache_new(void)
{
	da_pkcache *c = calloc(1, sizeof *c);
	if (c && pthread_mutex_init(&c->lock, NULL) != 0) {
		free(c);
		return NULL;
	}
	return c;
}

void da_pkcache_free(da_pkcache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < NBUCKETS; i++) {
		for (entry *e = c->buckets[i], *n; e; e = n) {
			n = e->next;
			da_rsa_prep_free(e->prep);
			EVP_PKEY_free(e->pkey);
			free(e->defect_err);
			free(e);
		}
		for (recentry *r = c->recs[i], *n; r; r = n) {
			n = r->next;
			EVP_PKEY_free(r->info.pkey);
			free(r);
		}
	}
	pthread_mutex_destroy(&c->lock);
	free(c);
}

/* FNV-1a: the input is a public key, so no need for a keyed hash. */
static uint64_t hash_of(int type, const unsigned char *p, size_t n)
{
	uint64_t h = 1469598103934665603ull ^ (uint64_t)type;
	for (size_t i = 0; i < n; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

static entry *find(da_pkcache *c, uint64_t h, const da_keyrec *k)
{
	for (entry *e = c->buckets[h % NBUCKETS]; e; e = e->next)
		if (e->hash == h && e->key_type == k->key_type && e->len == k->pk_len &&
		    memcmp(e->pk, k->pk, k->pk_len) == 0)
			return e;
	return NULL;
}

/* Reports an entry's defect; the key stays the caller's. */
static void defect_out(dkimarc_reason d, const char *text, dkimarc_reason *defect, char *err,
                       size_t errlen)
{
	*defect = d;
	if (d != DKIMARC_REASON_OK)
		snprintf(err, errlen, "%s", text ? text : "the key is unsafe");
}

/* da_pkcache_get, with a key anyone can sign with returned too (da_pkey_decode_any). */
static EVP_PKEY *get_any(da_pkcache *c, const da_keyrec *k, unsigned *bits,
                         const da_rsa_prep **prep, dkimarc_reason *reason, dkimarc_reason *defect,
                         char *err, size_t errlen, unsigned char *fp, bool *has_fp)
{
	*prep = NULL;
	*defect = DKIMARC_REASON_OK;
	*has_fp = false;
	if (!c || !k->pk) {
		EVP_PKEY *pk = da_pkey_decode_any(k, bits, reason, defect, err, errlen);
		*has_fp = pk && da_pkey_fingerprint(pk, fp) == 0;
		return pk;
	}
	uint64_t h = hash_of(k->key_type, k->pk, k->pk_len);
	pthread_mutex_lock(&c->lock);
	entry *e = find(c, h, k);
	if (e && EVP_PKEY_up_ref(e->pkey) == 1) {
		*bits = e->bits;
		*prep = e->prep;
		defect_out(e->defect, e->defect_err, defect, err, errlen);
		memcpy(fp, e->fp, 32);
		*has_fp = e->has_fp;
		pthread_mutex_unlock(&c->lock);
		return e->pkey;
	}
	pthread_mutex_unlock(&c->lock);

	/*
	 * Decode outside the lock; failures are not remembered (they are rare).
	 * A key anyone can sign with is, with its defect: the check that finds
	 * it costs a modular exponentiation, once per key.
	 */
	EVP_PKEY *pk = da_pkey_decode_any(k, bits, reason, defect, err, errlen);
	if (!pk)
		return NULL;
	*has_fp = da_pkey_fingerprint(pk, fp) == 0;
	entry *ne = malloc(sizeof *ne + k->pk_len);
	if (!ne)
		return pk;
	ne->hash = h;
	ne->key_type = k->key_type;
	ne->len = k->pk_len;
	ne->bits = *bits;
	ne->pkey = pk;
	ne->defect = *defect;
	ne->defect_err = *defect != DKIMARC_REASON_OK ? da_strdup(err) : NULL;
	memcpy(ne->fp, fp, 32);
	ne->has_fp = *has_fp;
	/* Made before the entry is shared: nothing in it changes afterwards. */
	ne->prep = k->key_type == DA_KEY_RSA ? da_rsa_prep_new(pk) : NULL;
	memcpy(ne->pk, k->pk, k->pk_len);
	pthread_mutex_lock(&c->lock);
	if (c->count >= DA_PKCACHE_MAX || find(c, h, k) || EVP_PKEY_up_ref(pk) != 1 ||
	    (ne->defect != DKIMARC_REASON_OK && !ne->defect_err)) {
		pthread_mutex_unlock(&c->lock);
		da_rsa_prep_free(ne->prep);
		free(ne->defect_err);
		free(ne);
		return pk;
	}
	ne->next = c->buckets[h % NBUCKETS];
	c->buckets[h % NBUCKETS] = ne;
	c->count++;
	*prep = ne->prep;
	pthread_mutex_unlock(&c->lock);
	return pk;
}

EVP_PKEY *da_pkcache_get(da_pkcache *c, const da_keyrec *k, unsigned *bits,
                         const da_rsa_prep **prep, dkimarc_reason *reason, char *err, size_t errlen)
{
	dkimarc_reason defect;
	unsigned char fp[32];
	bool has_fp;
	EVP_PKEY *pk = get_any(c, k, bits, prep, reason, &defect, err, errlen, fp, &has_fp);
	if (pk && defect != DKIMARC_REASON_OK) {
		EVP_PKEY_free(pk);
		*prep = NULL;
		*reason = defect;
		return NULL;
	}
	return pk;
}

void da_pkinfo_clear(da_pkinfo *pi)
{
	EVP_PKEY_free(pi->pkey);
	memset(pi, 0, sizeof *pi);
}

static recentry *find_rec(da_pkcache *c, uint64_t h, const char *txt, size_t len)
{
	for (recentry *r = c->recs[h % NBUCKETS]; r; r = r->next)
		if (r->hash == h && r->len == len && memcmp(r->txt, txt, len) == 0)
			return r;
	return NULL;
}

/* Copies a remembered record out, with a reference of the caller's own. */
static bool rec_out(const recentry *r, da_pkinfo *out)
{
	*out = r->info;
	if (out->pkey && EVP_PKEY_up_ref(out->pkey) != 1) {
		out->pkey = NULL;
		return false;
	}
	return true;
}

dkimarc_reason da_pkcache_record(da_pkcache *c, const char *txt, size_t len, da_pkinfo *out,
                                 char *err, size_t errlen)
{
	memset(out, 0, sizeof *out);
	uint64_t h = hash_of(0x7478, (const unsigned char *)txt, len);
	if (c) {
		pthread_mutex_lock(&c->lock);
		recentry *r = find_rec(c, h, txt, len);
		bool ok = r && rec_out(r, out);
		pthread_mutex_unlock(&c->lock);
		if (ok)
			return DKIMARC_REASON_OK;
	}
	da_keyrec kr;
	dkimarc_reason why = da_keyrec_parse(txt, len, &kr, err, errlen);
	if (why != DKIMARC_REASON_OK)
		return why;
	out->decode = DKIMARC_REASON_OK;
	if (!kr.revoked) {
		dkimarc_reason defect = DKIMARC_REASON_OK;
		out->pkey = get_any(c, &kr, &out->bits, &out->prep, &out->decode, &defect,
		                    out->decode_err, sizeof out->decode_err, out->fp, &out->has_fp);
		if (out->pkey)
			out->decode = defect;
		else if (out->decode == DKIMARC_REASON_OK)
			out->decode = DKIMARC_REASON_KEY_SYNTAX;
	}
	out->tags = kr;
	out->tags.pk = NULL;
	out->tags.pk_len = 0;
	da_keyrec_clear(&kr);
	/* A failure of the library is not a fact about the record: never remembered. */
	if (da_reason_status(out->decode)) {
		why = out->decode;
		da_pkinfo_clear(out);
		return why;
	}
	if (!c)
		return DKIMARC_REASON_OK;
	recentry *ne = malloc(sizeof *ne + len);
	if (!ne)
		return DKIMARC_REASON_OK;
	ne->hash = h;
	ne->len = len;
	memcpy(ne->txt, txt, len);
	ne->info = *out;
	pthread_mutex_lock(&c->lock);
	if (c->nrecs >= DA_PKCACHE_MAX || find_rec(c, h, txt, len) ||
	    (ne->info.pkey && EVP_PKEY_up_ref(ne->info.pkey) != 1)) {
		pthread_mutex_unlock(&c->lock);
		free(ne);
		return DKIMARC_REASON_OK;
	}
	ne->next = c->recs[h % NBUCKETS];
	c->recs[h % NBUCKETS] = ne;
	c->nrecs++;
	pthread_mutex_unlock(&c->lock);
	return DKIMARC_REASON_OK;
}
