/* Header digests and the shared body hash registry (see sighash.h). */
#include "sighash.h"

#include "crypto.h"
#include "hdrsel.h"

#include <stdlib.h>
#include <string.h>

/*
 * The one digest sink for header hashes, the signer's and sealer's too (they
 * call the functions below): a failed update sticks until the end, so that
 * it surfaces as an error, never as a wrong digest.
 */
typedef struct {
	EVP_MD_CTX *md;
	bool failed;
} mdsink;

static void md_sink(void *arg, const char *p, size_t n)
{
	mdsink *m = arg;
	if (!m->failed && EVP_DigestUpdate(m->md, p, n) != 1)
		m->failed = true;
}

static int md_start(mdsink *m, int hash)
{
	m->failed = false;
	if (!(m->md = EVP_MD_CTX_new()))
		return DKIMARC_ENOMEM;
	if (EVP_DigestInit_ex(m->md, da_hash_md(hash), NULL) != 1) {
		EVP_MD_CTX_free(m->md);
		return da_crypto_status();
	}
	return DKIMARC_OK;
}

/* Hashes the signature field with its b= value cut out, no CRLF, and finishes. */
static int md_finish_with_self(mdsink *m, const da_field *f, const da_sigparams *sp,
                               unsigned char *out, unsigned int *outlen)
{
	int rc = DKIMARC_OK;
	if (da_sigfield_canon(sp->hcanon, f->raw, f->len, sp->b_off, sp->b_end, md_sink, m))
		rc = DKIMARC_ENOMEM;
	else if (m->failed || EVP_DigestFinal_ex(m->md, out, outlen) != 1)
		rc = da_crypto_status();
	EVP_MD_CTX_free(m->md);
	return rc;
}

int da_sig_header_digest(const da_header *hdr, size_t self, const da_sigparams *sp, bool *used,
                         unsigned char *out, unsigned int *outlen)
{
	mdsink m;
	int rc = md_start(&m, sp->hash);
	if (rc)
		return rc;
	memset(used, 0, hdr->n * sizeof *used);
	used[self] = true; /* a signature never covers itself */
	da_headers_canon(hdr, sp->headers, sp->nheaders, sp->hcanon, used, md_sink, &m);
	return md_finish_with_self(&m, &hdr->f[self], sp, out, outlen);
}

int da_seal_digest(const da_header *hdr, const size_t *fields, size_t n, size_t self,
                   const da_sigparams *sp, unsigned char *out, unsigned int *outlen)
{
	mdsink m;
	int rc = md_start(&m, sp->hash);
	if (rc)
		return rc;
	for (size_t i = 0; i < n; i++)
		da_canon_header(DA_CANON_RELAXED, hdr->f[fields[i]].raw, hdr->f[fields[i]].len,
		                true, md_sink, &m);
	return md_finish_with_self(&m, &hdr->f[self], sp, out, outlen);
}

int da_bhreg_index(da_bhreg *r, const da_sigparams *sp)
{
	for (size_t i = 0; i < r->n; i++) {
		const da_bodyhash *b = r->h[i];
		if (b->bc.canon == sp->bcanon && b->limit == sp->l &&
		    EVP_MD_CTX_get0_md(b->md) == da_hash_md(sp->hash))
			return (int)i;
	}
	if (r->n == r->cap) {
		size_t nc = r->cap ? r->cap * 2 : 4;
		da_bodyhash **nh = realloc(r->h, nc * sizeof *nh);
		if (!nh)
			return -1;
		r->h = nh;
		r->cap = nc;
	}
	da_bodyhash *b = malloc(sizeof *b);
	if (!b)
		return -1;
	if (da_bodyhash_init(b, sp->bcanon, sp->hash, sp->l) != 0) {
		free(b);
		return -1;
	}
	r->h[r->n] = b;
	return (int)r->n++;
}

void da_bhreg_update(da_bhreg *r, const char *p, size_t n)
{
	for (size_t i = 0; i < r->n; i++)
		da_bodyhash_update(r->h[i], p, n);
}

int da_bhreg_final(da_bhreg *r)
{
	for (size_t i = 0; i < r->n; i++)
		if (da_bodyhash_final(r->h[i]) != 0)
			return -1;
	return 0;
}

void da_bhreg_free(da_bhreg *r)
{
	for (size_t i = 0; i < r->n; i++) {
		da_bodyhash_clear(r->h[i]);
		free(r->h[i]);
	}
	free(r->h);
	memset(r, 0, sizeof *r);
}
