/* A report as text, for people. */
#include "forensic.h"
#include "internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- text ----------------------------------------------------------------- */

typedef struct {
	char *p;
	size_t len, cap;
	bool failed;
} strbuf;

static void sb_reserve(strbuf *b, size_t more)
{
	size_t cap;
	char *np;

	if (b->failed || b->len + more + 1 <= b->cap)
		return;
	cap = b->cap ? b->cap : 256;
	while (cap < b->len + more + 1)
		cap *= 2;
	np = realloc(b->p, cap);
	if (!np) {
		b->failed = true;
		return;
	}
	b->p = np;
	b->cap = cap;
}

static void sb_add(strbuf *b, const char *s, size_t n)
{
	sb_reserve(b, n);
	if (b->failed)
		return;
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_puts(strbuf *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

static void sb_printf(strbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_printf(strbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0) {
		b->failed = true;
		return;
	}
	sb_reserve(b, (size_t)n);
	if (b->failed)
		return;
	va_start(ap, fmt);
	vsnprintf(b->p + b->len, (size_t)n + 1, fmt, ap);
	va_end(ap);
	b->len += (size_t)n;
}

/*
 * Message-derived text goes to terminals: control bytes are shown as \xNN so
 * a signature cannot move the cursor or fake lines of the report.
 */
static void sb_safe(strbuf *b, const char *s, const char *if_null)
{
	if (!s) {
		sb_puts(b, if_null);
		return;
	}
	for (const char *p = s; *p;) {
		size_t run = 0;
		while (p[run] && (unsigned char)p[run] >= 0x20 && (unsigned char)p[run] != 0x7f)
			run++;
		sb_add(b, p, run);
		p += run;
		if (*p) {
			sb_printf(b, "\\x%02x", (unsigned char)*p);
			p++;
		}
	}
}

static void sb_flags(strbuf *b, const char *indent, uint32_t flags)
{
	const char *sep = "";

	if (!flags)
		return;
	sb_puts(b, indent);
	sb_puts(b, "flags: ");
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++) {
		if (flags & (1u << i)) {
			sb_puts(b, sep);
			sb_puts(b, dkimarc_flag_str(1u << i));
			sep = ", ";
		}
	}
	sb_puts(b, "\n");
}

static void sb_time_tag(strbuf *b, const char *tag, int64_t t)
{
	char buf[32];

	sb_printf(b, " %s=%lld", tag, (long long)t);
	if (dkimarc_format_time(t, buf) == 0)
		sb_printf(b, " (%s)", buf);
}

static void text_sig(strbuf *b, const dkimarc_sig *s, size_t index)
{
	const char *ind = "      ";

	sb_printf(b, "  [%zu] %s ", index + 1, dkimarc_result_str(s->result));
	sb_puts(b, " d=");
	sb_safe(b, s->domain, "?");
	sb_puts(b, " s=");
	sb_safe(b, s->selector, "?");
	sb_puts(b, " a=");
	sb_safe(b, s->algorithm, "?");
	sb_puts(b, " c=");
	sb_safe(b, s->canon, "?");
	if (s->key_bits)
		sb_printf(b, " %u-bit key", s->key_bits);
	sb_puts(b, "\n");

	sb_puts(b, ind);
	if (s->reason_text) {
		sb_safe(b, s->reason_text, "");
		sb_puts(b, "  ");
	}
	sb_printf(b, "(%s)\n", dkimarc_reason_str(s->reason));

	if (s->key_source) {
		sb_puts(b, ind);
		sb_puts(b, "key: ");
		sb_safe(b, s->key_source, "");
		sb_puts(b, "\n");
	}
	if (s->has_key && s->key.fetched_at >= 0) {
		char when[32];
		if (dkimarc_format_time(s->key.fetched_at, when) == 0)
			sb_printf(b, "%skey fetched at %s\n", ind, when);
	}
	if (s->key_choice) {
		sb_puts(b, ind);
		sb_puts(b, "key choice: ");
		sb_safe(b, s->key_choice, "");
		sb_puts(b, "\n");
	}
	if (s->l >= 0 || s->t >= 0 || s->x >= 0) {
		sb_puts(b, ind);
		sb_puts(b, "tags:");
		if (s->l >= 0)
			sb_printf(b, " l=%lld (body %llu byte%s)", (long long)s->l,
			          (unsigned long long)s->body_bytes, s->body_bytes == 1 ? "" : "s");
		if (s->t >= 0)
			sb_time_tag(b, "t", s->t);
		if (s->x >= 0)
			sb_time_tag(b, "x", s->x);
		sb_puts(b, "\n");
	}
	sb_flags(b, ind, s->flags);
	char *what = da_findings_text(s, ind); /* control bytes already escaped */
	if (what) {
		sb_puts(b, what);
		free(what);
	} else if (dkimarc_sig_finding_count(s)) {
		b->failed = true; /* out of memory: a report without them would be another */
	}
}

static void text_arcsig(strbuf *b, const char *what, const dkimarc_sig *s)
{
	const char *ind = "        ";

	sb_printf(b, "      %s %s", what, dkimarc_result_str(s->result));
	if (s->result != DKIMARC_RES_NONE)
		sb_printf(b, " (%s)", dkimarc_reason_str(s->reason));
	sb_puts(b, " d=");
	sb_safe(b, s->domain, "?");
	sb_puts(b, " s=");
	sb_safe(b, s->selector, "?");
	sb_puts(b, " a=");
	sb_safe(b, s->algorithm, "?");
	if (s->key_bits)
		sb_printf(b, " %u-bit key", s->key_bits);
	sb_puts(b, "\n");
	if (s->result != DKIMARC_RES_PASS && s->reason_text) {
		sb_puts(b, ind);
		sb_safe(b, s->reason_text, "");
		sb_puts(b, "\n");
	}
	if (s->key_source) {
		sb_puts(b, ind);
		sb_puts(b, "key: ");
		sb_safe(b, s->key_source, "");
		sb_puts(b, "\n");
	}
	sb_flags(b, ind, s->flags);
}

/* Printed only when the message has ARC header fields. */
static void text_arc(strbuf *b, const da_arc_report *a)
{
	if (a->result == DKIMARC_ARC_NONE && a->reason == DKIMARC_ARC_REASON_NO_ARC)
		return;
	sb_printf(b, "  ARC %s (%s)", dkimarc_arc_result_str(a->result),
	          dkimarc_arc_reason_str(a->reason));
	if (a->reason_text) {
		sb_puts(b, " \xe2\x80\x94 ");
		sb_safe(b, a->reason_text, "");
	}
	sb_puts(b, "\n");
	for (size_t i = 0; i < a->ninst; i++) {
		const dkimarc_arc_instance *in = &a->inst[i];

		sb_printf(b, "    i=%u", in->instance);
		if (in->cv) {
			sb_puts(b, " cv=");
			sb_safe(b, in->cv, "");
		}
		sb_puts(b, "\n");
		if (in->has_seal)
			text_arcsig(b, "seal", &in->seal);
		else
			sb_puts(b, "      seal: none, or more than one\n");
		if (in->has_ams)
			text_arcsig(b, "AMS ", &in->ams);
		else
			sb_puts(b, "      AMS: none, or more than one\n");
		if (in->authserv_id) {
			sb_puts(b, "      AAR ");
			sb_safe(b, in->authserv_id, "");
			sb_puts(b, ":");
			for (size_t k = 0; k < in->naar_results; k++) {
				sb_puts(b, k ? "; " : " ");
				sb_safe(b, in->aar_results[k], "");
			}
			sb_puts(b, "\n");
		}
	}
}

/* The text is handed over by dkimarc_report_text(), below. */
static int report_text_impl(const dkimarc_report *r, const char *file, char **out)
{
	strbuf b = {0};
	const char *v;

	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_text: out is NULL");
	*out = NULL;
	if (!r)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_text: report is NULL");

	if (file) {
		sb_safe(&b, file, "");
		sb_puts(&b, ": ");
	}
	for (v = dkimarc_verdict_str(r->verdict); *v; v++) {
		char c = *v >= 'a' && *v <= 'z' ? (char)(*v - 'a' + 'A') : *v;
		sb_add(&b, &c, 1);
	}
	if (r->verdict_reason) {
		sb_puts(&b, " \xe2\x80\x94 "); /* em dash */
		sb_safe(&b, r->verdict_reason, "");
	}
	sb_puts(&b, "\n");
	sb_flags(&b, "  ", r->flags);
	for (size_t i = 0; i < r->nsigs; i++)
		text_sig(&b, &r->sigs[i], i);
	text_arc(&b, &r->arc);

	if (b.failed || !b.p) {
		free(b.p);
		return da_fail(DKIMARC_ENOMEM, "out of memory rendering the report");
	}
	*out = b.p;
	return DKIMARC_OK;
}

int dkimarc_report_text(const dkimarc_report *r, const char *file, char **out)
{
	return da_give(report_text_impl(r, file, out), out);
}
