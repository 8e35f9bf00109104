/*
 * `dkimarc scan`: the tally of a scan and its two renderings, a table for
 * people and JSON (--summary-json). Both list the same figures, in an order
 * fixed by counts then names, so equal scans give equal summaries.
 */
#include "scan.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#define NVERDICTS   7
#define NKINDS      8
#define TOP_DOMAINS 20
#define TOP_REASONS 10

struct dom {
	char *name; /* lower case */
	uint64_t confirmed, third;
};

struct reason {
	const char *code; /* static */
	uint64_t n;
};

struct tally {
	uint64_t items, messages;
	uint64_t verdicts[NVERDICTS];
	uint64_t kinds[NKINDS];
	struct dom *doms; /* open addressing */
	size_t ndoms, capdoms;
	struct reason reasons[64];
	size_t nreasons;
};

static const dkimarc_verdict verdict_order[NVERDICTS] = {
    DKIMARC_VERDICT_CONFIRMED,  DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY,
    DKIMARC_VERDICT_CONSISTENT, DKIMARC_VERDICT_WEAK,
    DKIMARC_VERDICT_ALTERED,    DKIMARC_VERDICT_UNVERIFIABLE,
    DKIMARC_VERDICT_UNSIGNED,
};

struct tally *tally_new(void)
{
	return calloc(1, sizeof(struct tally));
}

void tally_free(struct tally *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->capdoms; i++)
		free(t->doms[i].name);
	free(t->doms);
	free(t);
}

static size_t hash(const char *s)
{
	size_t h = 1469598103934665603ull;
	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

static struct dom *dom_get(struct tally *t, const char *d)
{
	if ((t->ndoms + 1) * 2 > t->capdoms) {
		size_t cap = t->capdoms ? t->capdoms * 2 : 64;
		struct dom *n = calloc(cap, sizeof *n);
		if (!n)
			return NULL;
		for (size_t i = 0; i < t->capdoms; i++) {
			if (!t->doms[i].name)
				continue;
			size_t j = hash(t->doms[i].name) & (cap - 1);
			while (n[j].name)
				j = (j + 1) & (cap - 1);
			n[j] = t->doms[i];
		}
		free(t->doms);
		t->doms = n;
		t->capdoms = cap;
	}
	size_t j = hash(d) & (t->capdoms - 1);
	while (t->doms[j].name) {
		if (strcmp(t->doms[j].name, d) == 0)
			return &t->doms[j];
		j = (j + 1) & (t->capdoms - 1);
	}
	if (!(t->doms[j].name = strdup(d)))
		return NULL;
	t->ndoms++;
	return &t->doms[j];
}

int tally_add(struct tally *t, const struct facts *f)
{
	t->items++;
	if ((unsigned)f->kind < NKINDS)
		t->kinds[f->kind]++;
	if (f->kind != DKIMARC_ITEM_MESSAGE)
		return 0;
	t->messages++;
	if ((unsigned)f->verdict < NVERDICTS)
		t->verdicts[f->verdict]++;
	bool conf = f->verdict == DKIMARC_VERDICT_CONFIRMED;
	if ((conf || f->verdict == DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY) && f->domain) {
		char *low = strdup(f->domain);
		if (!low)
			return -1;
		for (char *c = low; *c; c++)
			if (*c >= 'A' && *c <= 'Z')
				*c = (char)(*c - 'A' + 'a');
		struct dom *d = dom_get(t, low);
		free(low);
		if (!d)
			return -1;
		if (conf)
			d->confirmed++;
		else
			d->third++;
	}
	if (f->reason && strcmp(f->reason, "ok") != 0) {
		size_t i = 0;
		while (i < t->nreasons && strcmp(t->reasons[i].code, f->reason) != 0)
			i++;
		if (i == t->nreasons) {
			if (i == sizeof t->reasons / sizeof t->reasons[0])
				return 0; /* reason codes are a small fixed set */
			t->reasons[t->nreasons++] = (struct reason){f->reason, 0};
		}
		t->reasons[i].n++;
	}
	return 0;
}

uint64_t tally_incomplete(const struct tally *t)
{
	return t->kinds[DKIMARC_ITEM_UNREADABLE] + t->kinds[DKIMARC_ITEM_TOO_LARGE] +
	       t->kinds[DKIMARC_ITEM_MBOX_MALFORMED];
}

uint64_t tally_errors(const struct tally *t)
{
	return t->kinds[DKIMARC_ITEM_ERROR];
}

uint64_t tally_messages(const struct tally *t)
{
	return t->messages;
}

bool tally_all_confirmed(const struct tally *t)
{
	return t->verdicts[DKIMARC_VERDICT_CONFIRMED] +
	           t->verdicts[DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY] ==
	       t->messages;
}

/* ---- order --------------------------------------------------------------------- */

static int cmp_dom(const void *a, const void *b)
{
	const struct dom *x = *(const struct dom *const *)a, *y = *(const struct dom *const *)b;
	uint64_t tx = x->confirmed + x->third, ty = y->confirmed + y->third;
	if (tx != ty)
		return tx > ty ? -1 : 1;
	return strcmp(x->name, y->name);
}

static int cmp_reason(const void *a, const void *b)
{
	const struct reason *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->code, y->code);
}

/* Domains sorted (caller frees the array), or NULL when none or out of memory. */
static struct dom **sorted_doms(const struct tally *t)
{
	struct dom **v = t->ndoms ? malloc(t->ndoms * sizeof *v) : NULL;
	size_t k = 0;
	if (!v)
		return NULL;
	for (size_t i = 0; i < t->capdoms; i++)
		if (t->doms[i].name)
			v[k++] = &t->doms[i];
	qsort(v, k, sizeof *v, cmp_dom);
	return v;
}

static void sorted_reasons(const struct tally *t, struct reason *out)
{
	memcpy(out, t->reasons, t->nreasons * sizeof *out);
	qsort(out, t->nreasons, sizeof *out, cmp_reason);
}

static double share(uint64_t n, uint64_t of)
{
	return of ? (double)n / (double)of : 0.0;
}

/* ---- table ------------------------------------------------------------------------ */

const char *count_str(uint64_t v, char buf[32])
{
	char tmp[32];
	int n = snprintf(tmp, sizeof tmp, "%" PRIu64, v), o = 0;
	for (int i = 0; i < n; i++) {
		if (i && (n - i) % 3 == 0)
			buf[o++] = ',';
		buf[o++] = tmp[i];
	}
	buf[o] = '\0';
	return buf;
}

void tally_print(const struct tally *t, FILE *out)
{
	char a[32], b[32];
	struct reason rs[64];
	struct dom **ds;

	fprintf(out, "\nsummary: %s message%s verified, %s item%s in all\n\n",
	        count_str(t->messages, a), t->messages == 1 ? "" : "s", count_str(t->items, b),
	        t->items == 1 ? "" : "s");
	fprintf(out, "  %-24s %12s %8s\n", "verdict", "messages", "share");
	for (size_t i = 0; i < NVERDICTS; i++) {
		dkimarc_verdict v = verdict_order[i];
		fprintf(out, "  %-24s %12s %7.2f%%\n", dkimarc_verdict_str(v),
		        count_str(t->verdicts[v], a), 100.0 * share(t->verdicts[v], t->messages));
	}
	bool any = false;
	for (int k = 1; k < NKINDS; k++)
		any |= t->kinds[k] != 0;
	if (any) {
		fprintf(out, "\n  %-24s %12s\n", "not verified", "items");
		for (int k = 1; k < NKINDS; k++)
			if (t->kinds[k])
				fprintf(out, "  %-24s %12s\n",
				        dkimarc_item_kind_str((dkimarc_item_kind)k),
				        count_str(t->kinds[k], a));
	}
	ds = sorted_doms(t);
	if (ds) {
		fprintf(out, "\n  %-36s %10s %12s\n", "confirmed mail by signing domain",
		        "confirmed", "third-party");
		size_t n = t->ndoms < TOP_DOMAINS ? t->ndoms : TOP_DOMAINS;
		for (size_t i = 0; i < n; i++)
			fprintf(out, "  %-36s %10s %12s\n", ds[i]->name,
			        count_str(ds[i]->confirmed, a), count_str(ds[i]->third, b));
		if (t->ndoms > n)
			fprintf(out, "  (%zu more domain%s in --summary-json)\n", t->ndoms - n,
			        t->ndoms - n == 1 ? "" : "s");
		free(ds);
	}
	if (t->nreasons) {
		sorted_reasons(t, rs);
		fprintf(out, "\n  %-36s %10s\n", "why messages are not confirmed", "messages");
		size_t n = t->nreasons < TOP_REASONS ? t->nreasons : TOP_REASONS;
		for (size_t i = 0; i < n; i++)
			fprintf(out, "  %-36s %10s\n", rs[i].code, count_str(rs[i].n, a));
	}
}

/* ---- JSON ------------------------------------------------------------------------- */

/* Length of a valid UTF-8 sequence at p, or 0. */
static size_t utf8_len(const unsigned char *p)
{
	if (p[0] < 0x80)
		return 1;
	size_t n = p[0] >= 0xf0 && p[0] <= 0xf4 ? 4 : p[0] >= 0xe0 ? 3 : p[0] >= 0xc2 ? 2 : 0;
	if (n == 0 || (p[0] >= 0xf5))
		return 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	return n;
}

static void json_str(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p) {
		size_t n = utf8_len(p);
		if (n == 0) {
			fputs("\\ufffd", f);
			p++;
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

int tally_write_json(const struct tally *t, const char *path, int exit_status, const char *run)
{
	FILE *f = strcmp(path, "-") == 0 ? stdout : fopen(path, "w");
	struct reason rs[64];
	struct dom **ds;

	if (!f)
		return -1;
	fprintf(f, "{\"messages\":%" PRIu64 ",\"items\":%" PRIu64 ",\"verdicts\":{", t->messages,
	        t->items);
	for (size_t i = 0; i < NVERDICTS; i++) {
		dkimarc_verdict v = verdict_order[i];
		fprintf(f, "%s\"%s\":{\"count\":%" PRIu64 ",\"share\":%.6f}", i ? "," : "",
		        dkimarc_verdict_str(v), t->verdicts[v], share(t->verdicts[v], t->messages));
	}
	fputs("},\"not_verified\":{", f);
	for (int k = 1; k < NKINDS; k++)
		fprintf(f, "%s\"%s\":%" PRIu64, k > 1 ? "," : "",
		        dkimarc_item_kind_str((dkimarc_item_kind)k), t->kinds[k]);
	fputs("},\"signing_domains\":[", f);
	ds = sorted_doms(t);
	for (size_t i = 0; ds && i < t->ndoms; i++) {
		fputs(i ? ",{\"domain\":" : "{\"domain\":", f);
		json_str(f, ds[i]->name);
		fprintf(f, ",\"confirmed\":%" PRIu64 ",\"confirmed_third_party\":%" PRIu64 "}",
		        ds[i]->confirmed, ds[i]->third);
	}
	free(ds);
	fputs("],\"reasons\":[", f);
	sorted_reasons(t, rs);
	for (size_t i = 0; i < t->nreasons; i++)
		fprintf(f, "%s{\"reason\":\"%s\",\"messages\":%" PRIu64 "}", i ? "," : "",
		        rs[i].code, rs[i].n);
	fprintf(f, "],\"exit_status\":%d,\"run\":%s}\n", exit_status, run);
	if (f == stdout)
		return fflush(f) == 0 && !ferror(f) ? 0 : -1;
	bool bad = ferror(f) != 0;
	if (fclose(f) != 0 || bad) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return 0;
}
