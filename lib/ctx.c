/* The verification context: options, limits, key source, PSL. Read-only once set up. */
#include "ctx.h"
#include "keymarks.h"

#include <libpsl.h>
#include <stdlib.h>

static const uint64_t limit_defaults[DKIMARC_LIMIT_COUNT_] = {
    [DKIMARC_LIMIT_SIGNATURES] = 16,
    [DKIMARC_LIMIT_HEADER_FIELDS] = 2000,
    [DKIMARC_LIMIT_FIELD_BYTES] = 64 * 1024,
    [DKIMARC_LIMIT_HEADER_BYTES] = 1024 * 1024,
    [DKIMARC_LIMIT_MESSAGE_BYTES] = 256 * 1024 * 1024,
    [DKIMARC_LIMIT_ARC_SETS] = 8,
};

int dkimarc_ctx_new(dkimarc_ctx **out)
{
	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_ctx_new: out is NULL");
	dkimarc_ctx *c = calloc(1, sizeof *c);
	if (!c)
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	c->at = -1;
	c->pkcache = da_pkcache_new();
	if (!c->pkcache) {
		free(c);
		return da_fail(DKIMARC_ENOMEM, "out of memory");
	}
	for (int i = 0; i < DKIMARC_LIMIT_COUNT_; i++)
		c->limits[i] = limit_defaults[i];
	/* Debian's list (package publicsuffix) first; the built-in one if the
	 * library has it. Without either, alignment needs an exact match. */
	c->psl_owned = psl_latest(NULL);
	c->psl = c->psl_owned ? c->psl_owned : psl_builtin();
	*out = c;
	return DKIMARC_OK;
}

int dkimarc_ctx_set_strict(dkimarc_ctx *ctx, int strict)
{
	if (!ctx)
		return da_fail(DKIMARC_EINVAL, "ctx is NULL");
	ctx->strict = strict != 0;
	return DKIMARC_OK;
}

int dkimarc_ctx_set_time(dkimarc_ctx *ctx, int64_t at)
{
	if (!ctx || at < -1)
		return da_fail(DKIMARC_EINVAL, "invalid time");
	ctx->at = at;
	return DKIMARC_OK;
}

int dkimarc_ctx_set_limit(dkimarc_ctx *ctx, dkimarc_limit which, uint64_t value)
{
	if (!ctx || (int)which < 0 || which >= DKIMARC_LIMIT_COUNT_ || value == 0)
		return da_fail(DKIMARC_EINVAL, "invalid limit");
	ctx->limits[which] = value;
	return DKIMARC_OK;
}

uint64_t dkimarc_ctx_limit(const dkimarc_ctx *ctx, dkimarc_limit which)
{
	if (!ctx || (int)which < 0 || which >= DKIMARC_LIMIT_COUNT_)
		return 0;
	return ctx->limits[which];
}

int dkimarc_ctx_set_keysrc(dkimarc_ctx *ctx, dkimarc_keysrc *src)
{
	if (!ctx) {
		dkimarc_keysrc_free(src); /* taken, as on success: the caller frees nothing */
		return da_fail(DKIMARC_EINVAL, "ctx is NULL");
	}
	if (ctx->keysrc && ctx->keysrc != src)
		dkimarc_keysrc_free(ctx->keysrc);
	ctx->keysrc = src;
	return DKIMARC_OK;
}

void dkimarc_ctx_free(dkimarc_ctx *ctx)
{
	if (!ctx)
		return;
	dkimarc_keysrc_free(ctx->keysrc);
	if (ctx->psl_owned)
		psl_free(ctx->psl_owned);
	da_pkcache_free(ctx->pkcache);
	da_keymarks_free(ctx->keymarks);
	free(ctx);
}
