/*
 * What a rerun needs to know about a context: version, policy, time, limits,
 * key sources (archives by name and SHA-256, DNS by resolver), forensic
 * options. Reports carry it so that a finding can be reproduced.
 */
#include "ctx.h"
#include "dynbuf.h"
#include "keymarks.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_DEPTH 8 /* chains of chains: a bound, not a limit anyone meets */

static const char *const limit_names[DKIMARC_LIMIT_COUNT_] = {
    [DKIMARC_LIMIT_SIGNATURES] = "signatures",
    [DKIMARC_LIMIT_HEADER_FIELDS] = "header_fields",
    [DKIMARC_LIMIT_FIELD_BYTES] = "field_bytes",
    [DKIMARC_LIMIT_HEADER_BYTES] = "header_bytes",
    [DKIMARC_LIMIT_MESSAGE_BYTES] = "message_bytes",
    [DKIMARC_LIMIT_ARC_SETS] = "arc_sets",
};

static bool is_kind(const dkimarc_keysrc *src, const char *kind)
{
	return src->ops && src->ops->kind && strcmp(src->ops->kind, kind) == 0;
}

/* Calls fn for each source that answers, in lookup order; wrappers are transparent. */
typedef void (*src_fn)(void *arg, dkimarc_keysrc *src);

static void walk(dkimarc_keysrc *src, src_fn fn, void *arg, int depth)
{
	dkimarc_keysrc *m;

	if (!src || depth > MAX_DEPTH)
		return;
	if ((m = da_keysrc_prefetch_inner(src)) != NULL) {
		walk(m, fn, arg, depth + 1);
		return;
	}
	if (da_keysrc_chain_member(src, 0) || is_kind(src, "chain")) {
		for (size_t i = 0; (m = da_keysrc_chain_member(src, i)) != NULL; i++)
			walk(m, fn, arg, depth + 1);
		return;
	}
	fn(arg, src);
}

/* ---- JSON ---------------------------------------------------------------- */

typedef struct {
	json_t *arr;
	bool ok;
} jwalk;

static void json_src(void *arg, dkimarc_keysrc *src)
{
	jwalk *w = arg;
	json_t *o = NULL;

	if (is_kind(src, "archive")) {
		json_t *files = json_array();
		for (size_t i = 0; files && i < dkimarc_keysrc_archive_file_count(src); i++) {
			const char *name = dkimarc_keysrc_archive_file(src, i);
			/* A file name that is not UTF-8 is null; a NULL from jansson, no memory. */
			json_t *f = name && da_utf8_valid(name)
			                ? json_pack("{s:s, s:s}", "file", name, "sha256",
			                            dkimarc_keysrc_archive_file_sha256(src, i))
			                : json_pack("{s:n, s:s}", "file", "sha256",
			                            dkimarc_keysrc_archive_file_sha256(src, i));
			/* Only then: the run of any other archive reads as it always did. */
			if (f && da_archive_file_is_vector(src, i) &&
			    json_object_set_new(f, "format", json_string("test-vector")) != 0)
				w->ok = false;
			if (!f || json_array_append_new(files, f) != 0)
				w->ok = false;
		}
		o = json_pack("{s:s, s:I, s:o*}", "kind", "archive", "records",
		              (json_int_t)dkimarc_keysrc_archive_count(src), "files", files);
	} else if (is_kind(src, "dns")) {
		const char *servers = dkimarc_dns_servers(src);
		o = json_pack("{s:s, s:s?}", "kind", "dns", "servers", servers);
	} else {
		o = json_pack("{s:s}", "kind", src->ops->kind ? src->ops->kind : "custom");
	}
	if (!o || json_array_append_new(w->arr, o) != 0)
		w->ok = false;
}

static json_t *jtime(int64_t t)
{
	char buf[32];

	if (dkimarc_format_time(t, buf) != 0)
		return json_null();
	return json_string(buf);
}

/* The text is handed over by dkimarc_ctx_describe_json(), below. */
static int ctx_describe_json_impl(const dkimarc_ctx *ctx, char **out)
{
	jwalk w = {json_array(), true};
	json_t *limits = json_object(), *root;
	char *text;

	if (!out || !ctx) {
		json_decref(w.arr);
		json_decref(limits);
		return da_fail(DKIMARC_EINVAL, "dkimarc_ctx_describe_json: NULL argument");
	}
	*out = NULL;
	if (!w.arr || !limits)
		w.ok = false;
	for (int i = 0; limits && i < DKIMARC_LIMIT_COUNT_; i++)
		if (json_object_set_new(limits, limit_names[i],
		                        json_integer((json_int_t)ctx->limits[i])) != 0)
			w.ok = false;
	if (w.arr)
		walk(ctx->keysrc, json_src, &w, 0);
	root = json_pack(
	    "{s:s, s:b, s:o, s:o*, s:o*, s:o, s:b}", "dkimarc", dkimarc_version(), "strict",
	    ctx->strict, "at", jtime(ctx->at), "limits", limits, "keys", w.arr, "diagnose",
	    ctx->diagnose_max ? json_integer((json_int_t)ctx->diagnose_max) : json_null(),
	    "explain", ctx->explain);
	text = root && w.ok ? da_json_dumps(root, JSON_PRESERVE_ORDER | JSON_COMPACT) : NULL;
	json_decref(root);
	if (!text)
		return da_fail(DKIMARC_ENOMEM, "out of memory describing the context");
	*out = text;
	return DKIMARC_OK;
}

int dkimarc_ctx_describe_json(const dkimarc_ctx *ctx, char **out)
{
	return da_give(ctx_describe_json_impl(ctx, out), out);
}

/* ---- text ------------------------------------------------------------------ */

/* Names from the command line go to terminals: control bytes shown, not obeyed. */
static void tsafe(da_dyn *b, const char *s)
{
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c < 0x20 || c == 0x7f)
			da_dyn_addf(b, "\\x%02x", c);
		else
			da_dyn_addc(b, (char)c);
	}
}

static void text_src(void *arg, dkimarc_keysrc *src)
{
	da_dyn *b = arg;

	if (is_kind(src, "archive")) {
		size_t n = dkimarc_keysrc_archive_file_count(src);
		size_t nrec = dkimarc_keysrc_archive_count(src);
		da_dyn_addf(b, "keys: archive of %zu record%s from %zu file%s\n", nrec,
		            nrec == 1 ? "" : "s", n, n == 1 ? "" : "s");
		for (size_t i = 0; i < n; i++) {
			da_dyn_adds(b, "keys: archive file ");
			tsafe(b, dkimarc_keysrc_archive_file(src, i));
			da_dyn_addf(b, " sha256 %s%s\n", dkimarc_keysrc_archive_file_sha256(src, i),
			            da_archive_file_is_vector(src, i)
			                ? " (test-vector format: --keys-vector)"
			                : "");
		}
	} else if (is_kind(src, "dns")) {
		const char *servers = dkimarc_dns_servers(src);
		da_dyn_adds(b, "keys: live DNS, resolvers ");
		tsafe(b, servers ? servers : "?");
		da_dyn_adds(b, " (each key's fetch time is in its report)\n");
	} else {
		da_dyn_addf(b, "keys: a %s source\n", src->ops->kind ? src->ops->kind : "custom");
	}
}

/* The text is handed over by dkimarc_ctx_describe_text(), below. */
static int ctx_describe_text_impl(const dkimarc_ctx *ctx, char **out)
{
	da_dyn b;
	char when[32];

	da_dyn_init(&b, DA_DYN_NO_CAP); /* a few lines per key source */
	if (!out || !ctx)
		return da_fail(DKIMARC_EINVAL, "dkimarc_ctx_describe_text: NULL argument");
	*out = NULL;
	da_dyn_addf(&b, "dkimarc %s\n", dkimarc_version());
	da_dyn_adds(&b, ctx->strict
	                    ? "policy: --strict (RFC 8301: rsa-sha1 refused, an expired x= fails)\n"
	                    : "policy: default (rsa-sha1 and an expired x= pass, flagged)\n");
	if (dkimarc_format_time(ctx->at, when) == 0)
		da_dyn_addf(&b, "time: as of %s (--at)\n", when);
	else
		da_dyn_adds(&b, "time: the time of each verification\n");
	da_dyn_addf(&b,
	            "limits: %llu signatures, %llu header fields, %llu bytes per field, %llu "
	            "header bytes, %llu message bytes, %llu ARC sets\n",
	            (unsigned long long)ctx->limits[DKIMARC_LIMIT_SIGNATURES],
	            (unsigned long long)ctx->limits[DKIMARC_LIMIT_HEADER_FIELDS],
	            (unsigned long long)ctx->limits[DKIMARC_LIMIT_FIELD_BYTES],
	            (unsigned long long)ctx->limits[DKIMARC_LIMIT_HEADER_BYTES],
	            (unsigned long long)ctx->limits[DKIMARC_LIMIT_MESSAGE_BYTES],
	            (unsigned long long)ctx->limits[DKIMARC_LIMIT_ARC_SETS]);
	if (ctx->keysrc)
		walk(ctx->keysrc, text_src, &b, 0);
	else
		da_dyn_adds(&b, "keys: none (every signature is unverifiable)\n");
	if (ctx->diagnose_max)
		da_dyn_addf(&b, "diagnosis: on, bodies up to %llu bytes\n",
		            (unsigned long long)ctx->diagnose_max);
	if (!(*out = da_dyn_take(&b)))
		return da_fail(b.err, "out of memory describing the context");
	return DKIMARC_OK;
}

int dkimarc_ctx_describe_text(const dkimarc_ctx *ctx, char **out)
{
	return da_give(ctx_describe_text_impl(ctx, out), out);
}
