/*
 * A DKIM signature's forensic extras (forensic.h): attached after judging,
 * read through the dkimarc_sig_* accessors, rendered in JSON and text.
 */
#include "crypto.h"
#include "forensic.h"
#include "hdrsel.h"

#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- context options ------------------------------------------------------ */

int dkimarc_ctx_set_diagnose(dkimarc_ctx *ctx, uint64_t max_body)
{
	if (!ctx)
		return da_fail(DKIMARC_EINVAL, "ctx is NULL");
	ctx->diagnose_max = max_body;
	return DKIMARC_OK;
}

int dkimarc_ctx_set_explain(dkimarc_ctx *ctx, int on)
{
	if (!ctx)
		return da_fail(DKIMARC_EINVAL, "ctx is NULL");
	ctx->explain = on != 0;
	return DKIMARC_OK;
}

/* ---- the kept body ---------------------------------------------------------- */

void da_keep_add(da_keep *k, const char *p, size_t n, uint64_t max)
{
	if (k->over || n == 0)
		return;
	if ((uint64_t)k->n + n > max) {
		da_keep_free(k);
		k->over = true;
		return;
	}
	if (k->n + n > k->cap) {
		size_t cap = k->cap ? k->cap : 65536;
		while (cap < k->n + n)
			cap *= 2;
		if ((uint64_t)cap > max)
			cap = (size_t)max;
		char *np = realloc(k->p, cap);
		if (!np) {
			da_keep_free(k);
			k->over = k->nomem = true;
			return;
		}
		k->p = np;
		k->cap = cap;
	}
	memcpy(k->p + k->n, p, n);
	k->n += n;
}

void da_keep_free(da_keep *k)
{
	free(k->p);
	k->p = NULL;
	k->n = k->cap = 0;
}

/* ---- attaching ------------------------------------------------------------- */

/* Collects the hashed bytes (da_md_sink); a failure sticks in the buffer. */
static void mem_sink(void *arg, const char *p, size_t n)
{
	da_dyn_add(arg, p, n);
}

/* A tag value as written in the raw field, whitespace removed. */
static char *raw_tag(const da_field *fl, size_t off, size_t end)
{
	if (end <= off || end > fl->len)
		return NULL;
	char *out = malloc(end - off + 1);
	if (out)
		out[da_strip_ws(fl->raw + off, end - off, out)] = '\0';
	return out;
}

/* The header hash input, as sighash.c feeds it to the digest. */
static int capture_hashed(const da_sigfacts *f, struct da_sigx *x)
{
	const da_field *fl = &f->hdr->f[f->self];
	bool *used = calloc(f->hdr->n ? f->hdr->n : 1, sizeof *used);
	da_dyn m;

	/* At most the header, which the context's limits bound. */
	da_dyn_init(&m, DA_DYN_NO_CAP);

	if (!used)
		return DKIMARC_ENOMEM;
	used[f->self] = true;
	da_headers_canon(f->hdr, f->sp->headers, f->sp->nheaders, f->sp->hcanon, used, mem_sink,
	                 &m);
	if (da_sigfield_canon(f->sp->hcanon, fl->raw, fl->len, f->sp->b_off, f->sp->b_end, mem_sink,
	                      &m) != 0)
		da_dyn_fail(&m, DKIMARC_ENOMEM);
	free(used);
	x->hashed_len = m.len;
	if (!(x->hashed = da_dyn_take(&m)))
		return m.err;
	if (f->hdigest_len <= sizeof x->digest) {
		memcpy(x->digest, f->hdigest, f->hdigest_len);
		x->digest_len = f->hdigest_len;
	}
	if (f->sp->b_len) {
		if (!(x->sig = malloc(f->sp->b_len)))
			return DKIMARC_ENOMEM;
		memcpy(x->sig, f->sp->b, f->sp->b_len);
		x->sig_len = f->sp->b_len;
	}
	return DKIMARC_OK;
}

int da_forensic_attach(const da_sigfacts *f, dkimarc_sig *o)
{
	const da_field *fl = &f->hdr->f[f->self];
	struct da_sigx *x = calloc(1, sizeof *x);
	int rc = DKIMARC_OK;

	if (!x)
		return DKIMARC_ENOMEM;
	o->fx = x;
	bool has_b = f->sp->b_end > f->sp->b_off && f->sp->b_end <= fl->len;
	if ((has_b && !(x->b64 = raw_tag(fl, f->sp->b_off, f->sp->b_end))) ||
	    (f->sp->bh_len && !(x->bh64 = da_b64_encode(f->sp->bh, f->sp->bh_len))) ||
	    (f->bh && f->bh->digest_len &&
	     !(x->bh_computed = da_b64_encode(f->bh->digest, f->bh->digest_len))))
		return DKIMARC_ENOMEM;
	if (f->ctx->explain)
		rc = capture_hashed(f, x);
	if (!rc && f->ctx->diagnose_max)
		rc = da_diagnose(f, o);
	return rc ? rc : x->nomem ? DKIMARC_ENOMEM : DKIMARC_OK;
}

void da_sigx_free(struct da_sigx *x)
{
	if (!x)
		return;
	free(x->b64);
	free(x->bh64);
	free(x->bh_computed);
	free(x->hashed);
	free(x->sig);
	for (size_t i = 0; i < x->nf; i++) {
		free(x->f[i].field);
		free(x->f[i].text);
	}
	free(x->f);
	free(x);
}

/* ---- accessors ----------------------------------------------------------- */

static const char *const finding_names[DKIMARC_FINDING_COUNT_] = {
    [DKIMARC_FINDING_BODY_CHANGED] = "body_changed",
    [DKIMARC_FINDING_HEADERS_INTACT] = "headers_intact",
    [DKIMARC_FINDING_HEADERS_CHANGED] = "headers_changed",
    [DKIMARC_FINDING_KEY_MISMATCH] = "key_mismatch",
    [DKIMARC_FINDING_COPIED_HEADER_DIFFERS] = "copied_header_differs",
    [DKIMARC_FINDING_SUBJECT_TAG] = "subject_tag",
    [DKIMARC_FINDING_FOOTER_BEYOND_LENGTH] = "footer_beyond_length",
    [DKIMARC_FINDING_FOOTER_APPENDED] = "footer_appended",
    [DKIMARC_FINDING_HEADER_REFOLDED] = "header_refolded",
    [DKIMARC_FINDING_BODY_REENCODED] = "body_reencoded",
    [DKIMARC_FINDING_LINE_ENDINGS] = "line_endings",
    [DKIMARC_FINDING_DOT_STUFFING] = "dot_stuffing",
    [DKIMARC_FINDING_NOT_TRIED] = "not_tried",
};

const char *dkimarc_finding_str(dkimarc_finding f)
{
	if ((unsigned)f >= DKIMARC_FINDING_COUNT_)
		return "unknown";
	return finding_names[f];
}

static const da_finding *finding(const dkimarc_sig *s, size_t i)
{
	return s && s->fx && i < s->fx->nf ? &s->fx->f[i] : NULL;
}

size_t dkimarc_sig_finding_count(const dkimarc_sig *s)
{
	return s && s->fx ? s->fx->nf : 0;
}

dkimarc_finding dkimarc_sig_finding_kind(const dkimarc_sig *s, size_t i)
{
	const da_finding *d = finding(s, i);
	return d ? d->kind : DKIMARC_FINDING_NONE;
}

const char *dkimarc_sig_finding_field(const dkimarc_sig *s, size_t i)
{
	const da_finding *d = finding(s, i);
	return d ? d->field : NULL;
}

const char *dkimarc_sig_finding_text(const dkimarc_sig *s, size_t i)
{
	const da_finding *d = finding(s, i);
	return d ? d->text : NULL;
}

int dkimarc_sig_finding_undo(const dkimarc_sig *s, size_t i)
{
	const da_finding *d = finding(s, i);
	return d ? d->undo : -1;
}

const char *dkimarc_sig_b(const dkimarc_sig *s)
{
	return s && s->fx ? s->fx->b64 : NULL;
}

const char *dkimarc_sig_bh(const dkimarc_sig *s)
{
	return s && s->fx ? s->fx->bh64 : NULL;
}

const char *dkimarc_sig_bh_computed(const dkimarc_sig *s)
{
	return s && s->fx ? s->fx->bh_computed : NULL;
}

const char *dkimarc_sig_hashed_headers(const dkimarc_sig *s, size_t *len)
{
	const char *p = s && s->fx ? s->fx->hashed : NULL;
	if (len)
		*len = p ? s->fx->hashed_len : 0;
	return p;
}

const unsigned char *dkimarc_sig_header_digest(const dkimarc_sig *s, size_t *len)
{
	bool have = s && s->fx && s->fx->hashed && s->fx->digest_len;
	if (len)
		*len = have ? s->fx->digest_len : 0;
	return have ? s->fx->digest : NULL;
}

const unsigned char *dkimarc_sig_signature(const dkimarc_sig *s, size_t *len)
{
	const unsigned char *p = s && s->fx ? s->fx->sig : NULL;
	if (len)
		*len = p ? s->fx->sig_len : 0;
	return p;
}

/* The text is handed over by dkimarc_sig_key_pem(), below. */
static int sig_key_pem_impl(const dkimarc_sig *s, char **out)
{
	da_keyrec kr;
	char err[256];
	unsigned bits;
	dkimarc_reason why = DKIMARC_REASON_OK;
	EVP_PKEY *pk = NULL;
	BIO *bio;
	char *data, *copy = NULL;
	long n;

	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_sig_key_pem: out is NULL");
	*out = NULL;
	if (!s || !s->has_key)
		return da_fail(DKIMARC_EINVAL, "the signature has no key record");
	why = da_keyrec_parse(s->key.txt, s->key.txt_len, &kr, err, sizeof err);
	if (da_reason_status(why))
		return da_fail(da_reason_status(why), "%s",
		               dkimarc_strerror(da_reason_status(why)));
	if (why != DKIMARC_REASON_OK)
		return da_fail(DKIMARC_EINVAL, "the key record is not usable: %s", err);
	if (!kr.revoked)
		pk = da_pkey_decode(&kr, &bits, &why, err, sizeof err);
	da_keyrec_clear(&kr);
	if (!pk && da_reason_status(why))
		return da_fail(da_reason_status(why), "%s",
		               dkimarc_strerror(da_reason_status(why)));
	if (!pk)
		return da_fail(DKIMARC_EINVAL, "the key record holds no usable key");
	bio = BIO_new(BIO_s_mem());
	if (bio && PEM_write_bio_PUBKEY(bio, pk) == 1 && (n = BIO_get_mem_data(bio, &data)) > 0)
		copy = da_strndup(data, (size_t)n);
	BIO_free(bio);
	EVP_PKEY_free(pk);
	if (!copy)
		return da_fail(DKIMARC_ECRYPTO, "OpenSSL could not write the key as PEM");
	*out = copy;
	return DKIMARC_OK;
}

int dkimarc_sig_key_pem(const dkimarc_sig *s, char **out)
{
	return da_give(sig_key_pem_impl(s, out), out);
}

/* ---- rendering for report.c ----------------------------------------------------- */

void da_findings_text(const dkimarc_sig *s, const char *indent, da_dyn *b)
{
	for (size_t i = 0; s->fx && i < s->fx->nf; i++) {
		const da_finding *d = &s->fx->f[i];
		da_dyn_adds(b, indent);
		da_dyn_adds(b, "what changed: ");
		/* Control bytes from the message are shown, not obeyed. */
		for (const char *p = d->text; *p; p++) {
			unsigned char c = (unsigned char)*p;
			if (c < 0x20 || c == 0x7f)
				da_dyn_addf(b, "\\x%02x", c);
			else
				da_dyn_addc(b, (char)c);
		}
		da_dyn_adds(b, "\n");
	}
}
