/*
 * What changed since a DKIM signature was made (docs/forensics.md). Runs
 * only for a failing signature (or one passing with content after l=), on
 * copies: the header as a new field table pointing at modified copies of
 * single fields, the body as modified copies of the kept body. Each known
 * transit step that leaves evidence is undone on a copy and the signature
 * checked again. Work is bounded: MAX_VARIANTS header digests, a few passes
 * over a body of at most ctx->diagnose_max bytes.
 *
 * This file: the budget, the checks, the findings and the verdict on them;
 * the header steps are in diagnose_header.c, the body steps in diagnose_body.c.
 */
#include "diagnose.h"
#include "crypto.h"
#include "forensic.h"
#include "keymatch.h"
#include "pkcache.h"
#include "qp.h"
#include "sighash.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Notes that a step could not be tried for want of memory or crypto; returns -1. */
int da_dg_failed(diag *d, int status)
{
	if (!d->err)
		d->err = status;
	return -1;
}

/* ---- text ------------------------------------------------------------------ */

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p, size_t left)
{
	size_t n;
	if (p[0] < 0x80)
		return 1;
	n = p[0] >= 0xc2 && p[0] <= 0xdf   ? 2
	    : p[0] >= 0xe0 && p[0] <= 0xef ? 3
	    : p[0] >= 0xf0 && p[0] <= 0xf4 ? 4
	                                   : 0;
	if (n == 0 || n > left)
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

/*
 * Quotes message text for a finding: at most max bytes, on one line, valid
 * UTF-8 kept, other bytes and line ends shown as '?' and ' '.
 */
const char *da_dg_excerpt(char *out, size_t outlen, const char *p, size_t n, size_t max)
{
	size_t o = 0, i = 0;
	while (i < n && i < max && o + 8 < outlen) {
		unsigned char c = (unsigned char)p[i];
		size_t k = c >= 0x80 ? utf8_len((const unsigned char *)p + i, n - i) : 1;
		if (c == '\r' || c == '\n' || c == '\t') {
			if (o == 0 || out[o - 1] != ' ')
				out[o++] = ' ';
			i++;
		} else if (k == 0 || c < 0x20 || c == 0x7f) {
			out[o++] = '?';
			i++;
		} else {
			memcpy(out + o, p + i, k);
			o += k;
			i += k;
		}
	}
	if (i < n && o + 4 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
	return out;
}

void da_dg_add_tried(char *buf, size_t len, const char *what)
{
	size_t n = strlen(buf);
	snprintf(buf + n, len - n, "%s%s", n ? ", " : "", what);
}

step *da_dg_new_step(diag *d, bool body, dkimarc_finding kind, const char *field, int fixes,
                     const char *fmt, ...)
{
	size_t *n = body ? &d->nbody : &d->nhead;
	step *s = body ? &d->body[*n] : &d->head[*n];
	va_list ap;
	if (*n >= MAX_STEPS)
		return NULL;
	(*n)++;
	s->kind = kind;
	snprintf(s->field, sizeof s->field, "%s", field ? field : "");
	s->fixes = fixes;
	va_start(ap, fmt);
	vsnprintf(s->what, sizeof s->what, fmt, ap);
	va_end(ap);
	return s;
}

/* ---- checking copies ------------------------------------------------------- */

/* Takes n bytes of hashing from the message's budget; false (and noted) when spent. */
bool da_dg_spend(diag *d, uint64_t n)
{
	da_keep *k = d->f->body;
	if (!k)
		return true;
	if (k->work + n > DA_DIAGNOSE_BUDGET(k->over ? 0 : k->n)) {
		d->work_hit = true;
		return false;
	}
	k->work += n;
	return true;
}

/* 1: a header digest is the one the key signed; 0: not; -1: cannot tell. */
static int digest_signed(diag *d, const unsigned char *dig, unsigned int dl)
{
	if (d->rec.made == DA_MADE_THIS_KEY && d->rec.hash == d->sp->hash)
		return dl == d->rec.digest_len && memcmp(dig, d->rec.digest, dl) == 0;
	if (!d->pk)
		return -1;
	int ok = da_verify_digest(d->pk, d->prep, d->sp->key_type, d->sp->hash, dig, dl, d->sp->b,
	                          d->sp->b_len);
	return ok < 0 ? da_dg_failed(d, ok) : ok;
}

/* Whether the signature verifies over the header h (a modified copy). */
int da_dg_header_signed_sp(diag *d, const da_header *h, const da_sigparams *sp)
{
	unsigned char dig[EVP_MAX_MD_SIZE];
	unsigned int dl = 0;
	bool *used;
	int rc;

	if (d->variants >= MAX_VARIANTS) {
		d->budget_hit = true;
		return -1;
	}
	if (!da_dg_spend(d, d->header_bytes))
		return -1;
	d->variants++;
	if (!(used = calloc(h->n, sizeof *used)))
		return da_dg_failed(d, DKIMARC_ENOMEM);
	rc = da_sig_header_digest(h, d->f->self, sp, used, dig, &dl);
	free(used);
	return rc == DKIMARC_OK ? digest_signed(d, dig, dl) : da_dg_failed(d, rc);
}

/* Whether a body (a modified copy, CRLF) hashes to bh=. */
int da_dg_body_signed(diag *d, const char *p, size_t n)
{
	da_bodyhash bh;
	int ok;
	if (da_bodyhash_init(&bh, d->sp->bcanon, d->sp->hash, d->sp->l) != 0)
		return da_dg_failed(d, da_crypto_status());
	da_bodyhash_update(&bh, p, n);
	if (da_bodyhash_final(&bh) != 0) {
		da_bodyhash_clear(&bh);
		return da_dg_failed(d, da_crypto_status());
	}
	ok = bh.digest_len == d->sp->bh_len && memcmp(bh.digest, d->sp->bh, bh.digest_len) == 0;
	da_bodyhash_clear(&bh);
	return ok;
}

/* ---- findings (forensic.h): only the diagnosis adds them ------------------- */

void da_finding_add(struct da_sigx *x, dkimarc_finding kind, const char *field, int undo,
                    const char *fmt, ...)
{
	char buf[2048];
	va_list ap;

	if (x->nf == x->capf) {
		size_t cap = x->capf ? x->capf * 2 : 4;
		da_finding *nf = realloc(x->f, cap * sizeof *nf);
		if (!nf) {
			x->nomem = true;
			return;
		}
		x->f = nf;
		x->capf = cap;
	}
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	da_finding *d = &x->f[x->nf];
	d->kind = kind;
	d->undo = undo;
	d->text = da_strdup(buf);
	d->field = field ? da_strdup(field) : NULL;
	if (!d->text || (field && !d->field)) {
		free(d->text);
		free(d->field);
		x->nomem = true;
		return;
	}
	x->nf++;
}

/* ---- the diagnosis ------------------------------------------------------------- */

static const char *undo_text(const step *s, bool other_ok, bool other_fixed, bool body)
{
	if (s->fixes < 0)
		return "";
	if (s->kind == DKIMARC_FINDING_COPIED_HEADER_DIFFERS)
		return !s->fixes  ? "; with the copies of z= put back, the signature still fails"
		       : other_ok ? "; with the copies of z= put back, the signature verifies"
		       : other_fixed
		           ? "; with the copies of z= put back (and the body step above), "
		             "the signature verifies"
		           : "; with the copies of z= put back, the signed header fields "
		             "verify, but the body still differs";
	if (!s->fixes)
		return body ? "; undoing it does not give the signed body"
		            : "; undoing it does not make the signature verify";
	if (other_ok)
		return "; undone, the signature verifies";
	if (other_fixed)
		return body ? "; undone (with the header step below), the signature verifies"
		            : "; undone (with the body step above), the signature verifies";
	return body ? "; undone, the body hash matches, but the signed header fields still differ"
	            : "; undone, the signed header fields verify, but the body still differs";
}

static void emit(diag *d, bool hdr_ok, bool body_ok)
{
	bool body_fixed = false, head_fixed = false;
	for (size_t i = 0; i < d->nbody; i++)
		body_fixed |= d->body[i].fixes == 1;
	for (size_t i = 0; i < d->nhead; i++)
		head_fixed |= d->head[i].fixes == 1;
	for (int part = 0; part < 2; part++) {
		bool body = part == 0;
		step *s = body ? d->body : d->head;
		size_t n = body ? d->nbody : d->nhead;
		for (size_t i = 0; i < n; i++) {
			bool verifies = s[i].fixes == 1 &&
			                (body ? hdr_ok || head_fixed : body_ok || body_fixed);
			int undo = s[i].fixes < 0 ? -1 : verifies;
			da_finding_add(d->x, s[i].kind, s[i].field[0] ? s[i].field : NULL, undo,
			               "%s%s", s[i].what,
			               undo_text(&s[i], body ? hdr_ok : body_ok,
			                         body ? head_fixed : body_fixed, body));
		}
	}
}

/* The raw offset of the line holding canonical body byte l, for quoting what follows. */
typedef struct {
	uint64_t count;
} counter;

static void count_sink(void *arg, const char *p, size_t n)
{
	(void)p;
	((counter *)arg)->count += n;
}

static size_t raw_offset(const da_sigparams *sp, const char *p, size_t n, uint64_t l)
{
	da_body_canon bc;
	counter c = {0};
	size_t i = 0;
	da_body_canon_init(&bc, sp->bcanon, count_sink, &c);
	while (i < n) {
		const char *nl = memchr(p + i, '\n', n - i);
		size_t e = nl ? (size_t)(nl - p) + 1 : n;
		da_body_canon_update(&bc, p + i, e - i);
		if (c.count > l)
			return i;
		i = e;
	}
	return n;
}

static void beyond_length(diag *d, const dkimarc_sig *o)
{
	const da_keep *k = d->f->body;
	char ex[EXCERPT * 4 + 8] = "";
	if (k && !k->over && k->p) {
		size_t at = raw_offset(d->sp, k->p, k->n, (uint64_t)d->sp->l);
		da_dg_excerpt(ex, sizeof ex, k->p + at, k->n - at, EXCERPT);
	}
	da_finding_add(d->x, DKIMARC_FINDING_FOOTER_BEYOND_LENGTH, NULL, 1,
	               "the signature covers only the first %lld canonical bytes of the body "
	               "(l=), and they verify; %llu more follow that nobody signed%s%s%s",
	               (long long)d->sp->l,
	               (unsigned long long)(o->body_bytes - (uint64_t)d->sp->l),
	               ex[0] ? ", beginning \"" : "", ex, ex[0] ? "\"" : "");
}

/* "; none of the known transit steps explains it (tried: ...)" when nothing fixed a part. */
static const char *none_fixed(char *buf, size_t len, const step *s, size_t n, const char *tried)
{
	for (size_t i = 0; i < n; i++)
		if (s[i].fixes == 1)
			return "";
	if (!tried[0])
		return "";
	snprintf(buf, len, "; no known transit step explains it (tried: %s)", tried);
	return buf;
}

int da_diagnose(const da_sigfacts *f, dkimarc_sig *o)
{
	diag *d;
	long *sel;
	char tail[400];
	bool fail =
	    o->result == DKIMARC_RES_FAIL && (o->reason == DKIMARC_REASON_BODY_HASH_MISMATCH ||
	                                      o->reason == DKIMARC_REASON_SIGNATURE_MISMATCH ||
	                                      o->reason == DKIMARC_REASON_KEY_MISMATCH);
	bool beyond = o->result == DKIMARC_RES_PASS && (o->flags & DKIMARC_FLAG_BODY_BEYOND_LENGTH);

	if (!o->fx || (!fail && !beyond))
		return DKIMARC_OK;
	if (!(d = calloc(1, sizeof *d)))
		return DKIMARC_ENOMEM;
	d->f = f;
	d->sp = f->sp;
	d->x = o->fx;
	for (size_t i = 0; i < f->hdr->n; i++)
		d->header_bytes += f->hdr->f[i].len + 2;
	if (beyond) {
		beyond_length(d, o);
		free(d);
		return DKIMARC_OK;
	}
	bool body_ok = o->body_hash_ok == 1;
	if (o->reason == DKIMARC_REASON_KEY_MISMATCH) {
		char size[160] = "";
		size_t kb = (o->key_bits + 7) / 8;
		if (kb && d->sp->b_len != kb)
			snprintf(
			    size, sizeof size,
			    " b= is %zu bytes long, where this %u-bit key's signatures are %zu: "
			    "a key of another size made it.",
			    d->sp->b_len, o->key_bits, kb);
		da_finding_add(
		    d->x, DKIMARC_FINDING_KEY_MISMATCH, NULL, -1,
		    "the key used did not make this signature: its RSA public operation does not "
		    "give a PKCS#1 v1.5 digest from b=.%s The key at %s._domainkey.%s was replaced "
		    "since signing (or b= was damaged); the key published when the mail was "
		    "signed would decide. %s",
		    size, d->sp->selector, d->sp->domain,
		    body_ok ? "The body still hashes to bh=, but bh= is only a claim of the "
		              "signature, which this key does not vouch for."
		            : "The body does not hash to bh= either.");
		free(d);
		return DKIMARC_OK;
	}

	/* The key, from the record the result was judged with. */
	if (o->has_key) {
		da_keyrec kr;
		char err[256];
		unsigned bits;
		dkimarc_reason why =
		    da_keyrec_parse(o->key.txt, o->key.txt_len, &kr, err, sizeof err);
		if (why == DKIMARC_REASON_OK) {
			if (!kr.revoked)
				d->pk = da_pkcache_get(f->ctx->pkcache, &kr, &bits, &d->prep, &why,
				                       err, sizeof err);
			da_keyrec_clear(&kr);
		}
		if (da_reason_status(why))
			da_dg_failed(d, da_reason_status(why));
	}
	int rc = d->err ? d->err
	                : da_rsa_recover(d->pk, d->sp->key_type, d->sp->b, d->sp->b_len, &d->rec);
	if (rc) {
		EVP_PKEY_free(d->pk);
		free(d);
		return rc;
	}
	int hdr_ok = digest_signed(d, f->hdigest, f->hdigest_len);
	bool body_kept = f->body && !f->body->over;

	/* Steps first (on copies), so that the summaries can say what was tried. */
	if (hdr_ok == 0 && !(sel = calloc(d->sp->nheaders + 1, sizeof *sel)))
		da_dg_failed(d, DKIMARC_ENOMEM);
	else if (hdr_ok == 0) {
		da_dg_selected(d, sel);
		if (!d->err)
			da_dg_try_ztag(d, sel);
		if (!d->err)
			da_dg_try_subject_tag(d, sel);
		if (!d->err)
			da_dg_try_refolding(d, sel);
		free(sel);
	}
	if (!body_ok && body_kept && !d->err)
		da_dg_try_body(d);
	if (d->err) {
		rc = d->err;
		EVP_PKEY_free(d->pk);
		free(d);
		return rc;
	}

	if (!body_ok) {
		const char *canon = d->sp->bcanon == DA_CANON_RELAXED ? "relaxed" : "simple";
		unsigned long long total = f->bh ? (unsigned long long)f->bh->total : 0;
		const char *none = none_fixed(tail, sizeof tail, d->body, d->nbody, d->tried_body);
		if (d->sp->l >= 0)
			da_finding_add(d->x, DKIMARC_FINDING_BODY_CHANGED, NULL, -1,
			               "the body changed after signing: its first l=%lld canonical "
			               "bytes (%s body canonicalization; %llu present) differ from "
			               "those signed%s",
			               (long long)d->sp->l, canon, total, none);
		else
			da_finding_add(d->x, DKIMARC_FINDING_BODY_CHANGED, NULL, -1,
			               "the body changed after signing: it is %llu canonical bytes "
			               "now (%s body canonicalization); the signature covers the "
			               "whole body and does not record its length (no l=)%s",
			               total, canon, none);
		if (hdr_ok == 1)
			da_finding_add(
			    d->x, DKIMARC_FINDING_HEADERS_INTACT, NULL, -1,
			    "the signed header fields are intact: the signature over them "
			    "verifies with this key; only the body changed");
	}
	if (hdr_ok == 0) {
		const char *none = none_fixed(tail, sizeof tail, d->head, d->nhead, d->tried_head);
		const char *what =
		    d->rec.made == DA_MADE_THIS_KEY && d->rec.hash && d->rec.hash != d->sp->hash
		        ? "signed header fields changed, or the signer hashed with another "
		          "algorithm than a= says: this key made the signature, over a digest of "
		          "another kind"
		    : d->rec.made == DA_MADE_THIS_KEY
		        ? "signed header fields changed: this key made the signature (RSA "
		          "recovery gives a well-formed digest), over header content other than "
		          "the present one"
		        : "the signature does not verify over the signed header fields: they "
		          "changed, or another key made the signature (an Ed25519 signature "
		          "cannot tell these apart)";
		da_finding_add(d->x, DKIMARC_FINDING_HEADERS_CHANGED, NULL, -1, "%s%s%s",
		               body_ok ? "the body is intact (it hashes to bh=); " : "", what,
		               none);
	}
	if (!body_ok && !body_kept)
		da_finding_add(d->x, DKIMARC_FINDING_NOT_TRIED, NULL, -1,
		               "the body is over the diagnosis limit of %llu bytes: body steps "
		               "(appended footer, re-encoding, line ends) were not tried",
		               (unsigned long long)f->ctx->diagnose_max);
	emit(d, hdr_ok == 1, body_ok);
	if (d->budget_hit)
		da_finding_add(d->x, DKIMARC_FINDING_NOT_TRIED, NULL, -1,
		               "the limit of %d header variants was reached: some header steps "
		               "were not tried",
		               MAX_VARIANTS);
	if (d->work_hit)
		da_finding_add(d->x, DKIMARC_FINDING_NOT_TRIED, NULL, -1,
		               "the diagnosis of this message reached its work limit (64 MiB "
		               "and 12 times the body hashed): some steps were not tried");
	EVP_PKEY_free(d->pk);
	free(d);
	return DKIMARC_OK;
}
