/* A report as text, for people. */
#include "dynbuf.h"
#include "forensic.h"
#include "internal.h"

#include <jansson.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* ---- text ----------------------------------------------------------------- */

/*
 * Message-derived text goes to terminals: control bytes are shown as \xNN so
 * a signature cannot move the cursor or fake lines of the report.
 */
static void sb_safe(da_dyn *b, const char *s, const char *if_null)
{
	if (!s) {
		da_dyn_adds(b, if_null);
		return;
	}
	for (const char *p = s; *p;) {
		size_t run = 0;
		while (p[run] && (unsigned char)p[run] >= 0x20 && (unsigned char)p[run] != 0x7f)
			run++;
		da_dyn_add(b, p, run);
		p += run;
		if (*p) {
			da_dyn_addf(b, "\\x%02x", (unsigned char)*p);
			p++;
		}
	}
}

static void sb_flags(da_dyn *b, const char *indent, uint32_t flags)
{
	const char *sep = "";

	if (!flags)
		return;
	da_dyn_adds(b, indent);
	da_dyn_adds(b, "flags: ");
	for (unsigned i = 0; i < DKIMARC_FLAG_COUNT_; i++) {
		if (flags & (1u << i)) {
			da_dyn_adds(b, sep);
			da_dyn_adds(b, dkimarc_flag_str(1u << i));
			sep = ", ";
		}
	}
	da_dyn_adds(b, "\n");
}

static void sb_time_tag(da_dyn *b, const char *tag, int64_t t)
{
	char buf[32];

	da_dyn_addf(b, " %s=%lld", tag, (long long)t);
	if (dkimarc_format_time(t, buf) == 0)
		da_dyn_addf(b, " (%s)", buf);
}

/* " d=... s=... a=..." of a signature or seal, "?" for what it lacks; then its key size. */
static void sb_dsa(da_dyn *b, const dkimarc_sig *s, bool canon)
{
	da_dyn_adds(b, " d=");
	sb_safe(b, s->domain, "?");
	da_dyn_adds(b, " s=");
	sb_safe(b, s->selector, "?");
	da_dyn_adds(b, " a=");
	sb_safe(b, s->algorithm, "?");
	if (canon) {
		da_dyn_adds(b, " c=");
		sb_safe(b, s->canon, "?");
	}
	if (s->key_bits)
		da_dyn_addf(b, " %u-bit key", s->key_bits);
	da_dyn_adds(b, "\n");
}

/* An indented "label: value" line, when there is a value. */
static void sb_line(da_dyn *b, const char *indent, const char *label, const char *value)
{
	if (!value)
		return;
	da_dyn_adds(b, indent);
	da_dyn_adds(b, label);
	sb_safe(b, value, "");
	da_dyn_adds(b, "\n");
}

static void text_sig(da_dyn *b, const dkimarc_sig *s, size_t index)
{
	const char *ind = "      ";

	da_dyn_addf(b, "  [%zu] %s ", index + 1, dkimarc_result_str(s->result));
	sb_dsa(b, s, true);

	da_dyn_adds(b, ind);
	if (s->reason_text) {
		sb_safe(b, s->reason_text, "");
		da_dyn_adds(b, "  ");
	}
	da_dyn_addf(b, "(%s)\n", dkimarc_reason_str(s->reason));

	sb_line(b, ind, "key: ", s->key_source);
	if (s->has_key && s->key.fetched_at >= 0) {
		char when[32];
		if (dkimarc_format_time(s->key.fetched_at, when) == 0)
			da_dyn_addf(b, "%skey fetched at %s\n", ind, when);
	}
	sb_line(b, ind, "key choice: ", s->key_choice);
	if (s->l >= 0 || s->t >= 0 || s->x >= 0) {
		da_dyn_adds(b, ind);
		da_dyn_adds(b, "tags:");
		if (s->l >= 0)
			da_dyn_addf(b, " l=%lld (body %llu byte%s)", (long long)s->l,
			            (unsigned long long)s->body_bytes,
			            s->body_bytes == 1 ? "" : "s");
		if (s->t >= 0)
			sb_time_tag(b, "t", s->t);
		if (s->x >= 0)
			sb_time_tag(b, "x", s->x);
		da_dyn_adds(b, "\n");
	}
	sb_flags(b, ind, s->flags);
	da_findings_text(s, ind, b); /* a failure sticks: no report without them */
}

static void text_arcsig(da_dyn *b, const char *what, const dkimarc_sig *s)
{
	const char *ind = "        ";

	da_dyn_addf(b, "      %s %s", what, dkimarc_result_str(s->result));
	if (s->result != DKIMARC_RES_NONE)
		da_dyn_addf(b, " (%s)", dkimarc_reason_str(s->reason));
	sb_dsa(b, s, false);
	if (s->result != DKIMARC_RES_PASS)
		sb_line(b, ind, "", s->reason_text);
	sb_line(b, ind, "key: ", s->key_source);
	sb_flags(b, ind, s->flags);
}

/* Printed only when the message has ARC header fields. */
static void text_arc(da_dyn *b, const da_arc_report *a)
{
	if (a->result == DKIMARC_ARC_NONE && a->reason == DKIMARC_ARC_REASON_NO_ARC)
		return;
	da_dyn_addf(b, "  ARC %s (%s)", dkimarc_arc_result_str(a->result),
	            dkimarc_arc_reason_str(a->reason));
	if (a->reason_text) {
		da_dyn_adds(b, " \xe2\x80\x94 ");
		sb_safe(b, a->reason_text, "");
	}
	da_dyn_adds(b, "\n");
	for (size_t i = 0; i < a->ninst; i++) {
		const dkimarc_arc_instance *in = &a->inst[i];

		da_dyn_addf(b, "    i=%u", in->instance);
		if (in->cv) {
			da_dyn_adds(b, " cv=");
			sb_safe(b, in->cv, "");
		}
		da_dyn_adds(b, "\n");
		if (in->has_seal)
			text_arcsig(b, "seal", &in->seal);
		else
			da_dyn_adds(b, "      seal: none, or more than one\n");
		if (in->has_ams)
			text_arcsig(b, "AMS ", &in->ams);
		else
			da_dyn_adds(b, "      AMS: none, or more than one\n");
		if (in->authserv_id) {
			da_dyn_adds(b, "      AAR ");
			sb_safe(b, in->authserv_id, "");
			da_dyn_adds(b, ":");
			for (size_t k = 0; k < in->naar_results; k++) {
				da_dyn_adds(b, k ? "; " : " ");
				sb_safe(b, in->aar_results[k], "");
			}
			da_dyn_adds(b, "\n");
		}
	}
}

/* The text is handed over by dkimarc_report_text(), below. */
static int report_text_impl(const dkimarc_report *r, const char *file, char **out)
{
	da_dyn b;
	const char *v;

	da_dyn_init(&b, DA_DYN_NO_CAP);
	if (!out)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_text: out is NULL");
	*out = NULL;
	if (!r)
		return da_fail(DKIMARC_EINVAL, "dkimarc_report_text: report is NULL");

	if (file) {
		sb_safe(&b, file, "");
		da_dyn_adds(&b, ": ");
	}
	for (v = dkimarc_verdict_str(r->verdict); *v; v++) {
		char c = *v >= 'a' && *v <= 'z' ? (char)(*v - 'a' + 'A') : *v;
		da_dyn_addc(&b, c);
	}
	if (r->verdict_reason) {
		da_dyn_adds(&b, " \xe2\x80\x94 "); /* em dash */
		sb_safe(&b, r->verdict_reason, "");
	}
	da_dyn_adds(&b, "\n");
	sb_flags(&b, "  ", r->flags);
	for (size_t i = 0; i < r->nsigs; i++)
		text_sig(&b, &r->sigs[i], i);
	text_arc(&b, &r->arc);

	if (!(*out = da_dyn_take(&b)))
		return da_fail(b.err, "out of memory rendering the report");
	return DKIMARC_OK;
}

int dkimarc_report_text(const dkimarc_report *r, const char *file, char **out)
{
	return da_give(report_text_impl(r, file, out), out);
}
