/*
 * ARC sealing (RFC 8617 §5.1): the next ARC set for a message. The chain's
 * cv comes from the ARC validator (arc.c); the AMS is a DKIM signature made
 * by the signer's code (sign.c); the AS hashes the ARC sets in instance
 * order with the same canonicalization code. Tags are written in
 * alphabetical order, as ValiMail's reference sealer does, so that its
 * signing vectors reproduce byte for byte.
 */
#include "aar.h"
#include "arc.h"
#include "dynbuf.h"
#include "sighash.h"
#include "sign.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

enum { K_AAR, K_AMS, K_AS, K_COUNT };

static const char *const kind_name[K_COUNT] = {"ARC-Authentication-Results",
                                               "ARC-Message-Signature", "ARC-Seal"};

int dkimarc_signer_set_authserv_id(dkimarc_signer *s, const char *id)
{
	char *d;

	if (s == NULL || id == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_authserv_id: NULL argument");
	/* An RFC 2045 token: what an authserv-id is in practice (a host name). */
	if (id[0] == '\0' || strlen(id) > 255)
		return da_fail(DKIMARC_EINVAL, "the authserv-id must be 1 to 255 characters");
	for (const char *p = id; *p; p++)
		if ((unsigned char)*p <= 0x20 || (unsigned char)*p >= 0x7f ||
		    strchr("()<>@,;:\\\"/[]?=", *p) != NULL)
			return da_fail(DKIMARC_EINVAL, "authserv-id '%.60s' is not a token", id);
	d = da_strdup(id);
	if (d == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	free(s->srvid);
	s->srvid = d;
	return DKIMARC_OK;
}

int dkimarc_signer_set_cv(dkimarc_signer *s, const char *cv)
{
	char *d = NULL;

	if (s == NULL)
		return da_fail(DKIMARC_EINVAL, "dkimarc_signer_set_cv: NULL signer");
	if (cv != NULL && strcmp(cv, "none") != 0 && strcmp(cv, "pass") != 0 &&
	    strcmp(cv, "fail") != 0 && strcmp(cv, "ar") != 0)
		return da_fail(DKIMARC_EINVAL, "cv '%.20s' is not none, pass, fail or ar", cv);
	if (cv != NULL && (d = da_strdup(cv)) == NULL)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	free(s->cv);
	s->cv = d;
	return DKIMARC_OK;
}

/* ---- the Authentication-Results to copy ------------------------------------ */

static bool is_ws(char c)
{
	return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

/* Offset just past the first ';' outside comments and quoted strings, or n. */
static size_t after_id(const char *v, size_t n)
{
	size_t depth = 0;
	bool quoted = false;

	for (size_t i = 0; i < n; i++) {
		if (v[i] == '\\' && (quoted || depth > 0)) {
			i++;
		} else if (quoted) {
			quoted = v[i] != '"';
		} else if (v[i] == '(') {
			depth++;
		} else if (v[i] == ')' && depth > 0) {
			depth--;
		} else if (depth == 0 && v[i] == '"') {
			quoted = true;
		} else if (depth == 0 && v[i] == ';') {
			return i + 1;
		}
	}
	return n;
}

/*
 * The ARC-Authentication-Results field (no final CRLF): "i=N; authserv-id;"
 * then the results of every Authentication-Results field for the authserv-id,
 * top to bottom, as written (comments and folding kept, trailing ';' and
 * whitespace dropped), one per line.
 */
static int make_aar(const dkimarc_signer *s, const da_header *hdr, unsigned inst, char **out)
{
	da_dyn sb;
	char num[16];
	size_t found = 0, segs = 0;
	int rc = DKIMARC_OK;

	/* No cap: it copies Authentication-Results fields of a header already read. */
	da_dyn_init(&sb, DA_DYN_NO_CAP);
	*out = NULL;
	for (size_t i = 0; i < hdr->n && rc == DKIMARC_OK; i++) {
		const da_field *f = &hdr->f[i];
		const char *v = f->raw + f->value_off;
		size_t n = f->len - f->value_off, a, b;
		da_aar ar;

		if (!da_field_is(f, "Authentication-Results"))
			continue;
		memset(&ar, 0, sizeof ar);
		if (da_aar_parse(v, n, &ar) != DKIMARC_OK) {
			rc = da_fail(DKIMARC_ENOMEM, "out of memory");
			break;
		}
		if (ar.authserv_id == NULL || strcasecmp(ar.authserv_id, s->srvid) != 0) {
			da_aar_clear(&ar);
			continue;
		}
		if (found++ == 0) {
			snprintf(num, sizeof num, "%u", inst);
			da_dyn_adds(&sb, kind_name[K_AAR]);
			da_dyn_adds(&sb, ": i=");
			da_dyn_adds(&sb, num);
			da_dyn_adds(&sb, "; ");
			da_dyn_adds(&sb, ar.authserv_id);
			da_dyn_adds(&sb, ";");
		}
		da_aar_clear(&ar);
		a = after_id(v, n);
		b = n;
		for (;;) {
			while (a < b && is_ws(v[a]))
				a++;
			while (b > a && is_ws(v[b - 1]))
				b--;
			if (b > a && v[b - 1] == ';') {
				b--;
				continue;
			}
			break;
		}
		if (b == a)
			continue; /* no results in this field */
		da_dyn_adds(&sb, segs++ == 0 ? " " : ";\r\n\t");
		da_dyn_add(&sb, v + a, b - a);
	}
	if (rc == DKIMARC_OK && found == 0)
		rc = da_fail(DKIMARC_EINVAL,
		             "no Authentication-Results field for authserv-id %s: the ARC set "
		             "records this hop's results, so authenticate first",
		             s->srvid);
	if (rc == DKIMARC_OK && segs == 0)
		da_dyn_adds(&sb, " none"); /* RFC 8601 §2.2: no results */
	if (rc == DKIMARC_OK && !(*out = da_dyn_take(&sb)))
		rc = da_fail(sb.err, "out of memory");
	da_dyn_free(&sb);
	return rc;
}

/*
 * The arc= result that the authserv-id's Authentication-Results record (what
 * this hop's validator found on receipt): DA_CV_*, or 0 when there is none.
 * Several arc= results, or one other than none/pass, count as fail.
 */
static int ar_cv(const dkimarc_signer *s, const da_header *hdr, int *cv)
{
	size_t found = 0;

	*cv = 0;
	for (size_t i = 0; i < hdr->n; i++) {
		const da_field *f = &hdr->f[i];
		da_aar ar;

		if (!da_field_is(f, "Authentication-Results"))
			continue;
		if (da_aar_parse(f->raw + f->value_off, f->len - f->value_off, &ar) != DKIMARC_OK)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		if (ar.authserv_id != NULL && strcasecmp(ar.authserv_id, s->srvid) == 0) {
			for (size_t k = 0; k < ar.n; k++) {
				const char *r = ar.results[k];

				if (strncasecmp(r, "arc=", 4) != 0)
					continue;
				r += 4;
				*cv = found++ > 0                      ? DA_CV_FAIL
				      : strncasecmp(r, "pass", 4) == 0 ? DA_CV_PASS
				      : strncasecmp(r, "none", 4) == 0 ? DA_CV_NONE
				                                       : DA_CV_FAIL;
			}
		}
		da_aar_clear(&ar);
	}
	return DKIMARC_OK;
}

/* ---- the sets already on the message --------------------------------------- */

/* An ARC field's i=, read as the validator reads it; 0 when unreadable. */
static int64_t field_instance(const da_field *f, int kind)
{
	int64_t inst = 0;
	int why;
	char val[4];

	return da_arc_instance(f->raw + f->value_off, f->len - f->value_off, kind == K_AAR, &inst,
	                       &why, val, sizeof val)
	           ? inst
	           : 0;
}

/*
 * Header indexes of the ARC sets 1..top, three per set in sealing order
 * (AAR, AMS, AS). Every set must be whole: a chain that is not cannot be
 * sealed with cv=pass.
 */
static int earlier_sets(const da_header *hdr, unsigned top, size_t *idx)
{
	size_t count[DA_ARC_MAX_INSTANCES + 1][K_COUNT];

	memset(count, 0, sizeof count);
	for (size_t i = 0; i < hdr->n; i++) {
		for (int k = 0; k < K_COUNT; k++) {
			if (!da_field_is(&hdr->f[i], kind_name[k]))
				continue;
			int64_t inst = field_instance(&hdr->f[i], k);

			if (inst >= 1 && inst <= (int64_t)top && count[inst][k]++ == 0)
				idx[3 * (size_t)(inst - 1) + (size_t)k] = i;
		}
	}
	for (unsigned i = 1; i <= top; i++)
		for (int k = 0; k < K_COUNT; k++)
			if (count[i][k] != 1)
				return da_fail(
				    DKIMARC_EINVAL,
				    "ARC set %u has %zu %s fields, not one: the chain is "
				    "broken; seal it with cv=fail",
				    i, count[i][k], kind_name[k]);
	return DKIMARC_OK;
}

/* ---- sealing ---------------------------------------------------------------- */

/* Reads a field we wrote back with the ARC parser, as a validator will. */
static int self_check(da_sigkind kind, const da_fieldfmt *f, const char *name)
{
	da_sigparams sp;
	char err[256];
	dkimarc_reason r =
	    da_arc_sig_parse(kind, f->out.p, f->out.len, strlen(name) + 1, &sp, err, sizeof err);
	if (da_reason_status(r)) {
		da_sigparams_clear(&sp);
		return da_fail(da_reason_status(r), "out of memory");
	}
	bool same = r == DKIMARC_REASON_OK && sp.b_off == f->b_off && sp.b_end == f->b_end;

	da_sigparams_clear(&sp);
	if (!same)
		return da_fail(DKIMARC_EINVAL, "the %s written does not read back: %s", name,
		               r == DKIMARC_REASON_OK ? "b= moved" : err);
	return DKIMARC_OK;
}

int da_arc_message_cv(const dkimarc_ctx *ctx, const char *msg, size_t len, dkimarc_arc_result *cv,
                      unsigned *next)
{
	dkimarc_report *r = NULL;
	int rc = dkimarc_verify(ctx, msg, len, &r);
	if (rc)
		return rc;
	*cv = da_arc_report_cv(r, next);
	dkimarc_report_free(r);
	return DKIMARC_OK;
}

/*
 * The chain's state for the new set: *stop when the latest ARC-Seal already
 * says cv=fail (RFC 8617 §5.1 step 1: no set is added), else the cv= to
 * write and the instance to take.
 */
static int chain_state(const dkimarc_signer *s, const dkimarc_ctx *ctx, const da_header *hdr,
                       const char *buf, size_t len, int *cv, unsigned *next, bool *stop)
{
	dkimarc_report *r = NULL;
	dkimarc_ctx *tmp = NULL;
	dkimarc_arc_result res;
	size_t nsets;
	const char *last_cv;
	bool over;
	char why[300];
	int rc;

	*stop = false;
	if (ctx == NULL && s->cv == NULL)
		return da_fail(DKIMARC_EINVAL,
		               "validating the ARC chain needs a context with keys (or set a cv)");
	/* With a given cv, only the instances are needed: no keys. */
	if (ctx == NULL && (rc = dkimarc_ctx_new(&tmp)) != DKIMARC_OK)
		return rc;
	rc = dkimarc_verify(ctx ? ctx : tmp, buf, len, &r);
	dkimarc_ctx_free(tmp);
	if (rc != DKIMARC_OK)
		return rc;
	res = da_arc_report_cv(r, next);
	over = dkimarc_report_arc_reason(r) == DKIMARC_ARC_REASON_LIMIT_EXCEEDED;
	if (over)
		snprintf(why, sizeof why, "%s", dkimarc_report_arc_reason_text(r));
	nsets = dkimarc_report_arc_count(r);
	last_cv = nsets ? dkimarc_arc_instance_cv(dkimarc_report_arc_instance(r, nsets - 1)) : NULL;
	*stop = last_cv != NULL && strcmp(last_cv, "fail") == 0;
	dkimarc_report_free(r);
	if (*stop)
		return DKIMARC_OK;
	if (*next == 0 && over)
		return da_fail(DKIMARC_ELIMIT, "the ARC chain cannot be validated: %s", why);
	if (*next == 0)
		return da_fail(DKIMARC_EINVAL,
		               "the message already carries %d ARC sets, the most RFC 8617 "
		               "§4.2.1 allows",
		               DA_ARC_MAX_INSTANCES);
	if (s->cv == NULL) {
		*cv = res == DKIMARC_ARC_PASS   ? DA_CV_PASS
		      : res == DKIMARC_ARC_NONE ? DA_CV_NONE
		                                : DA_CV_FAIL;
		return DKIMARC_OK;
	}
	if (strcmp(s->cv, "ar") == 0) {
		if ((rc = ar_cv(s, hdr, cv)) != DKIMARC_OK)
			return rc;
		if (*cv == 0 && *next != 1)
			return da_fail(
			    DKIMARC_EINVAL,
			    "the Authentication-Results for %s record no arc= result, and "
			    "the message has an ARC chain",
			    s->srvid);
		if (*cv == 0)
			*cv = DA_CV_NONE;
	} else {
		*cv = strcmp(s->cv, "none") == 0   ? DA_CV_NONE
		      : strcmp(s->cv, "pass") == 0 ? DA_CV_PASS
		                                   : DA_CV_FAIL;
	}
	if (*cv == DA_CV_NONE && *next != 1)
		return da_fail(DKIMARC_EINVAL,
		               "cv=none is only for the first ARC set; this is set %u", *next);
	if (*cv == DA_CV_PASS && *next == 1)
		return da_fail(DKIMARC_EINVAL,
		               "cv=pass needs an ARC chain to pass; the message has none");
	return DKIMARC_OK;
}

/* The text is handed over by dkimarc_seal(), below. */
static int seal_impl(const dkimarc_signer *s, const dkimarc_ctx *ctx, const char *buf, size_t len,
                     char **fields)
{
	da_inmsg m;
	da_header h2 = {0};
	da_fieldfmt ams, as;
	const char **names = NULL;
	size_t n = 0, *idx = NULL;
	char *aar = NULL, *bh = NULL, *hlist = NULL, inst_s[16], t_s[24], x_s[24], cbuf[16];
	uint64_t total;
	int64_t t, x;
	unsigned next = 0;
	int cv = 0, rc;
	bool stop = false;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int dlen;
	const char *why = NULL;

	if (fields != NULL)
		*fields = NULL;
	if (s == NULL || fields == NULL || (buf == NULL && len > 0))
		return da_fail(DKIMARC_EINVAL, "dkimarc_seal: NULL argument");
	if (s->srvid == NULL)
		return da_fail(DKIMARC_EINVAL,
		               "sealing needs the authserv-id whose results to copy");
	if (s->auid != NULL || s->body_length)
		return da_fail(DKIMARC_EINVAL, "i= and l= are DKIM options: in ARC, i= is the "
		                               "instance and l= is not used");
	if (s->hash == DA_HASH_SHA1)
		return da_fail(DKIMARC_EINVAL, "ARC does not allow rsa-sha1 (RFC 8301 §3.1)");
	if (s->key.type == DA_KEY_RSA && s->key.bits < DA_SIGN_RSA_MIN_BITS &&
	    !(s->allow & DKIMARC_SIGN_ALLOW_WEAK_KEY))
		return da_fail(DKIMARC_EINVAL, "a %u-bit RSA key is too weak (RFC 8301 §3.2)",
		               s->key.bits);
	for (size_t i = 0; i < s->nnames; i++)
		if (strcasecmp(s->names[i], "arc-seal") == 0)
			return da_fail(DKIMARC_EINVAL,
			               "an ARC-Message-Signature must not sign ARC-Seal (RFC 8617 "
			               "§4.1.2)");
	if (buf == NULL)
		buf = "";
	memset(&ams, 0, sizeof ams);
	memset(&as, 0, sizeof as);
	rc = da_inmsg_open(&m, buf, len);
	if (rc != DKIMARC_OK)
		goto out;
	if ((rc = chain_state(s, ctx, &m.hdr, buf, len, &cv, &next, &stop)) != DKIMARC_OK)
		goto out;
	if (stop) {
		/* Nothing to add: the chain was already marked failed. */
		if ((*fields = da_strdup("")) == NULL)
			rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = make_aar(s, &m.hdr, next, &aar)) != DKIMARC_OK)
		goto out;

	/* The AMS sees the header with the new AAR on top, as validators will. */
	if ((h2.f = malloc((m.hdr.n + 3) * sizeof *h2.f)) == NULL) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}
	{
		da_header one = {0};

		rc = da_header_split(aar, strlen(aar), 1, (uint64_t)-1, &one, &why);
		if (rc != DKIMARC_OK || one.n != 1) {
			da_header_free(&one);
			rc = da_fail(DKIMARC_ENOMEM, "out of memory");
			goto out;
		}
		h2.f[0] = one.f[0];
		da_header_free(&one);
	}
	memcpy(h2.f + 1, m.hdr.f, m.hdr.n * sizeof *h2.f);
	h2.n = m.hdr.n + 1;
	h2.cap = m.hdr.n + 3; /* room for the new AMS and AS, hashed by the AS */

	if ((rc = da_sign_names(s, &h2, "dkim-signature", &names, &n)) != DKIMARC_OK ||
	    (rc = da_sign_bodyhash(s, &m, &bh, &total)) != DKIMARC_OK ||
	    (rc = da_sign_times(s, &t, &x)) != DKIMARC_OK)
		goto out;
	(void)total;
	if ((hlist = da_sign_join(names, n)) == NULL) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}
	snprintf(inst_s, sizeof inst_s, "%u", next);
	snprintf(t_s, sizeof t_s, "%lld", (long long)t);
	snprintf(x_s, sizeof x_s, "%lld", (long long)x);
	size_t blen = (da_privkey_sig_len(&s->key) + 2) / 3 * 4;

	da_ff_init(&ams, kind_name[K_AMS], s->fold);
	da_ff_tag(&ams, "a", da_sign_alg(s), DA_BRK_NONE);
	da_ff_b(&ams, blen);
	da_ff_tag(&ams, "bh", bh, DA_BRK_ANY);
	da_ff_tag(&ams, "c", da_sign_canon(s, cbuf), DA_BRK_NONE);
	da_ff_tag(&ams, "d", s->domain, DA_BRK_NONE);
	da_ff_tag(&ams, "h", hlist, DA_BRK_COLON);
	da_ff_tag(&ams, "i", inst_s, DA_BRK_NONE);
	da_ff_tag(&ams, "s", s->selector, DA_BRK_NONE);
	if (t >= 0)
		da_ff_tag(&ams, "t", t_s, DA_BRK_NONE);
	if (x >= 0)
		da_ff_tag(&ams, "x", x_s, DA_BRK_NONE);
	if (da_ff_status(&ams) != 0) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = da_sign_header_digest(s, &h2, names, n, &ams, digest, &dlen)) != DKIMARC_OK ||
	    (rc = da_sign_fill(s, digest, dlen, &ams)) != DKIMARC_OK ||
	    (rc = self_check(DA_SIG_AMS, &ams, kind_name[K_AMS])) != DKIMARC_OK)
		goto out;

	/* The AS: the sets in instance order, ours last, its own b= empty (§5.1.1). */
	da_ff_init(&as, kind_name[K_AS], s->fold);
	da_ff_tag(&as, "a", da_sign_alg(s), DA_BRK_NONE);
	da_ff_b(&as, blen);
	da_ff_tag(&as, "cv",
	          cv == DA_CV_PASS   ? "pass"
	          : cv == DA_CV_NONE ? "none"
	                             : "fail",
	          DA_BRK_NONE);
	da_ff_tag(&as, "d", s->domain, DA_BRK_NONE);
	da_ff_tag(&as, "i", inst_s, DA_BRK_NONE);
	da_ff_tag(&as, "s", s->selector, DA_BRK_NONE);
	if (t >= 0)
		da_ff_tag(&as, "t", t_s, DA_BRK_NONE);
	if (da_ff_status(&as) != 0) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}
	/* §5.1.2: a failed chain is sealed as if this set were the only one. */
	unsigned below = cv == DA_CV_FAIL ? 0 : next - 1;

	idx = calloc(3 * (size_t)below + 2, sizeof *idx);
	if (idx == NULL) {
		rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		goto out;
	}
	if ((rc = earlier_sets(&m.hdr, below, idx)) != DKIMARC_OK)
		goto out;
	/* The verifier's seal digest, over h2 with the new AMS and AS below it. */
	h2.f[h2.n] = da_sign_field(&ams);
	h2.f[h2.n + 1] = da_sign_field(&as);
	for (size_t i = 0; i < 3 * (size_t)below; i++)
		idx[i]++; /* from m.hdr to h2, where the new AAR is on top */
	idx[3 * (size_t)below] = 0;
	idx[3 * (size_t)below + 1] = h2.n;
	{
		da_header all = {.f = h2.f, .n = h2.n + 2, .cap = h2.n + 2};
		da_sigparams sp;

		memset(&sp, 0, sizeof sp);
		sp.hash = DA_HASH_SHA256;
		sp.hcanon = DA_CANON_RELAXED;
		sp.b_off = as.b_off;
		sp.b_end = as.b_end;
		rc = da_seal_digest(&all, idx, 3 * (size_t)below + 2, h2.n + 1, &sp, digest, &dlen);
		if (rc != DKIMARC_OK) {
			rc = da_fail(rc, rc == DKIMARC_ENOMEM
			                     ? "out of memory"
			                     : "OpenSSL failed hashing the ARC sets");
			goto out;
		}
	}
	if ((rc = da_sign_fill(s, digest, dlen, &as)) != DKIMARC_OK ||
	    (rc = self_check(DA_SIG_AS, &as, kind_name[K_AS])) != DKIMARC_OK)
		goto out;

	/* AS, AMS, AAR: the order they go on top of the header. */
	{
		da_dyn out;
		char *conv;

		da_dyn_init(&out, DA_DYN_NO_CAP);

		da_dyn_adds(&out, as.out.p);
		da_dyn_adds(&out, "\r\n");
		da_dyn_adds(&out, ams.out.p);
		da_dyn_adds(&out, "\r\n");
		da_dyn_adds(&out, aar);
		da_dyn_adds(&out, "\r\n");
		conv = out.err ? NULL : da_inmsg_line_ends(&m, out.p);
		da_dyn_free(&out);
		if (conv == NULL)
			rc = da_fail(DKIMARC_ENOMEM, "out of memory");
		*fields = conv;
	}
out:
	da_ff_free(&ams);
	da_ff_free(&as);
	free(h2.f);
	free(idx);
	free(names);
	free(hlist);
	free(bh);
	free(aar);
	da_inmsg_close(&m);
	return rc;
}

int dkimarc_seal(const dkimarc_signer *s, const dkimarc_ctx *ctx, const char *buf, size_t len,
                 char **fields)
{
	return da_give(seal_impl(s, ctx, buf, len, fields), fields);
}
