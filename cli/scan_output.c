/* `dkimarc scan`: one line per item, for people (text) and for tables (CSV). */
#include "scan.h"

#include "cli.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

/* Growable string; on out of memory it keeps failing and yields NULL. */
struct sb {
	char *p;
	size_t len, cap;
	bool failed;
};

static void sb_add(struct sb *b, const char *s, size_t n)
{
	if (b->failed)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 256;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p) {
			b->failed = true;
			return;
		}
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void sb_str(struct sb *b, const char *s)
{
	sb_add(b, s, strlen(s));
}

/* Text for a terminal: control characters (a file name may hold a newline) as \xNN. */
static void sb_safe(struct sb *b, const char *s)
{
	for (const char *p = s; *p;) {
		size_t n = 0;
		while (p[n] && ((unsigned char)p[n] >= 0x20 && p[n] != 0x7f))
			n++;
		sb_add(b, p, n);
		p += n;
		if (*p) {
			char esc[8];
			snprintf(esc, sizeof esc, "\\x%02X", (unsigned char)*p++);
			sb_add(b, esc, 4);
		}
	}
}

static void sb_fmt(struct sb *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void sb_fmt(struct sb *b, const char *fmt, ...)
{
	char buf[64];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	if (n > 0)
		sb_add(b, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf - 1);
}

static char *sb_done(struct sb *b)
{
	if (b->failed || !b->p) {
		free(b->p);
		return NULL;
	}
	return b->p;
}

/* ---- the deciding signature ------------------------------------------------ */

/*
 * docs/verdicts.md: aligned pass, pass, pass beyond l=, verifying with a recovered key only,
 * weak key, changed, the rest.
 */
static int rank(const dkimarc_sig *s)
{
	dkimarc_result res = dkimarc_sig_result(s);
	dkimarc_reason why = dkimarc_sig_reason(s);
	bool recovered = res == DKIMARC_RES_NEUTRAL && why == DKIMARC_REASON_KEY_RECOVERED;
	if (res == DKIMARC_RES_PASS || recovered) {
		if (dkimarc_sig_flags(s) & DKIMARC_FLAG_BODY_BEYOND_LENGTH)
			return 2;
		if (recovered)
			return 3;
		return dkimarc_sig_aligned(s) ? 0 : 1;
	}
	if (res == DKIMARC_RES_FAIL) {
		if (why == DKIMARC_REASON_KEY_TOO_WEAK || why == DKIMARC_REASON_KEY_SMALL_FACTOR)
			return 4;
		if (why == DKIMARC_REASON_BODY_HASH_MISMATCH ||
		    why == DKIMARC_REASON_SIGNATURE_MISMATCH)
			return 5;
	}
	return 6;
}

const dkimarc_sig *deciding_sig(const dkimarc_report *r)
{
	const dkimarc_sig *best = NULL;
	int br = 7;
	for (size_t i = 0; i < dkimarc_report_sig_count(r); i++) {
		const dkimarc_sig *s = dkimarc_report_sig(r, i);
		int k = rank(s);
		if (k < br) {
			br = k;
			best = s;
		}
	}
	return best;
}

const char *verdict_reason_code(const dkimarc_report *r)
{
	return dkimarc_reason_str(dkimarc_report_verdict_code(r));
}

/* ---- text -------------------------------------------------------------------- */

static void location(struct sb *b, const dkimarc_corpus_item *it)
{
	sb_safe(b, dkimarc_corpus_item_path(it));
	if (dkimarc_corpus_item_index(it) >= 0)
		sb_fmt(b, "#%" PRId64, dkimarc_corpus_item_index(it));
	if (dkimarc_corpus_item_offset(it) >= 0)
		sb_fmt(b, " (offset %" PRId64 ")", dkimarc_corpus_item_offset(it));
}

char *render_text(const dkimarc_corpus_item *it, const dkimarc_report *r)
{
	struct sb b = {0};
	const char *note = dkimarc_corpus_item_note(it);

	location(&b, it);
	if (r) {
		sb_str(&b, ": ");
		sb_str(&b, dkimarc_verdict_str(dkimarc_report_verdict(r)));
		if (dkimarc_report_verdict_reason(r)) {
			sb_str(&b, ": ");
			sb_safe(&b, dkimarc_report_verdict_reason(r));
		}
	} else {
		dkimarc_item_kind k = dkimarc_corpus_item_kind(it);
		bool skipped = k == DKIMARC_ITEM_EMPTY || k == DKIMARC_ITEM_NOT_MAIL ||
		               k == DKIMARC_ITEM_SKIPPED;
		sb_str(&b, skipped ? ": skipped (" : ": NOT VERIFIED (");
		sb_str(&b, dkimarc_item_kind_str(k));
		sb_str(&b, "): ");
		sb_safe(&b, dkimarc_corpus_item_problem(it));
	}
	if (note) {
		sb_str(&b, " [note: ");
		sb_safe(&b, note);
		sb_str(&b, "]");
	}
	sb_str(&b, "\n");
	return sb_done(&b);
}

/* ---- CSV (RFC 4180) ---------------------------------------------------------- */

const char *csv_header(void)
{
	return "file,index,offset,verdict,problem,from_domain,date,domain,selector,result,reason,"
	       "signatures,flags,detail,note\r\n";
}

/* A field; bytes that are not UTF-8 (a file name may hold any) become U+FFFD, as in the
 * JSON output, so that the file is text a spreadsheet reads. */
static void csv_field(struct sb *b, const char *s, bool last)
{
	bool quote = s && strpbrk(s, ",\"\r\n");
	if (quote)
		sb_str(b, "\"");
	for (const unsigned char *p = (const unsigned char *)s; p && *p;) {
		size_t n = cli_utf8_seq(p);
		if (n == 0) {
			sb_str(b, "\xef\xbf\xbd");
			p++;
			continue;
		}
		if (*p == '"')
			sb_str(b, "\"");
		sb_add(b, (const char *)p, n);
		p += n;
	}
	if (quote)
		sb_str(b, "\"");
	sb_str(b, last ? "\r\n" : ",");
}

static void csv_int(struct sb *b, int64_t v)
{
	if (v >= 0)
		sb_fmt(b, "%" PRId64, v);
	sb_str(b, ",");
}

char *render_csv(const dkimarc_corpus_item *it, const dkimarc_report *r)
{
	struct sb b = {0};
	const dkimarc_sig *s = r ? deciding_sig(r) : NULL;

	csv_field(&b, dkimarc_corpus_item_path(it), false);
	csv_int(&b, dkimarc_corpus_item_index(it));
	csv_int(&b, dkimarc_corpus_item_offset(it));
	csv_field(&b, r ? dkimarc_verdict_str(dkimarc_report_verdict(r)) : NULL, false);
	csv_field(&b, r ? NULL : dkimarc_item_kind_str(dkimarc_corpus_item_kind(it)), false);
	csv_field(&b, r ? dkimarc_report_from_domain(r) : NULL, false);
	char date[32] = ""; /* the Date field, RFC 3339 UTC as every report writes times */
	if (r)
		dkimarc_format_time(dkimarc_report_date(r), date);
	csv_field(&b, date, false);
	csv_field(&b, s ? dkimarc_sig_domain(s) : NULL, false);
	csv_field(&b, s ? dkimarc_sig_selector(s) : NULL, false);
	csv_field(&b, s ? dkimarc_result_str(dkimarc_sig_result(s)) : NULL, false);
	csv_field(&b, r ? verdict_reason_code(r) : NULL, false);
	csv_int(&b, r ? (int64_t)dkimarc_report_sig_count(r) : -1);
	if (r) {
		bool first = true;
		uint32_t fl = dkimarc_report_flags(r);
		for (unsigned i = 0; i < 32; i++) {
			const char *name = (fl & (1u << i)) ? dkimarc_flag_str(1u << i) : NULL;
			if (!name)
				continue;
			if (!first)
				sb_str(&b, ";");
			sb_str(&b, name); /* flag names need no quoting */
			first = false;
		}
	}
	sb_str(&b, ",");
	csv_field(&b, r ? dkimarc_report_verdict_reason(r) : dkimarc_corpus_item_problem(it),
	          false);
	csv_field(&b, dkimarc_corpus_item_note(it), true);
	return sb_done(&b);
}
