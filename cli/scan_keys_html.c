/*
 * The scan report's key timeline (`dkimarc scan --html`): for each signing
 * domain, its keys (selectors) in the order they were first used, each a bar
 * from its first to its last signing time (t=, else the Date) over the
 * messages it verifies; keys with a finding (keys audit) in the weak colour.
 */
#include "scan_html.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_ROWS 400 /* keys drawn; the table below lists them all */

static void esc(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '<')
			fputs("&lt;", f);
		else if (*s == '>')
			fputs("&gt;", f);
		else if (*s == '&')
			fputs("&amp;", f);
		else if (*s == '"')
			fputs("&quot;", f);
		else if ((unsigned char)*s < 0x20)
			fputc('?', f);
		else
			fputc(*s, f);
	}
}

/* The key's span of use: t= when its signatures have one, else the Date. */
static bool use_span(const dkimarc_audit_key *k, int64_t *t0, int64_t *t1)
{
	*t0 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_FIRST_SIGNED);
	*t1 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_LAST_SIGNED);
	if (*t0 < 0) {
		*t0 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_FIRST_DATE);
		*t1 = dkimarc_audit_key_time(k, DKIMARC_AUDIT_LAST_DATE);
	}
	return dkimarc_audit_key_signatures(k) > 0 && *t0 >= 0;
}

static const char *day(int64_t t, char *buf, size_t n)
{
	time_t s = (time_t)t;
	struct tm tm;
	if (t < 0 || !gmtime_r(&s, &tm) || !strftime(buf, n, "%Y-%m-%d", &tm))
		snprintf(buf, n, "?");
	return buf;
}

static void findings(FILE *f, const dkimarc_audit_key *k)
{
	for (size_t i = 0; i < dkimarc_audit_key_finding_count(k); i++)
		fprintf(f, "%s%s", i ? " " : "",
		        dkimarc_reason_str(dkimarc_audit_key_finding(k, i)));
}

void html_keys_timeline(FILE *f, const dkimarc_audit *a)
{
	int64_t lo = -1, hi = -1, t0, t1;
	size_t nk = dkimarc_audit_key_count(a), rows = 0, ndom = 0;
	const char *dom = NULL;
	char d0[32], d1[32];

	for (size_t i = 0; i < nk; i++) {
		const dkimarc_audit_key *k = dkimarc_audit_key_at(a, i);
		if (!use_span(k, &t0, &t1))
			continue;
		lo = lo < 0 || t0 < lo ? t0 : lo;
		hi = t1 > hi ? t1 : hi;
		if (!dom || strcmp(dom, dkimarc_audit_key_domain(k) ? dkimarc_audit_key_domain(k)
		                                                    : "") != 0) {
			dom = dkimarc_audit_key_domain(k) ? dkimarc_audit_key_domain(k) : "";
			ndom++;
		}
		rows++;
	}
	if (!rows) {
		fputs("<p>No signature verified with a key, so no key was in use.</p>\n", f);
		return;
	}
	size_t drawn = rows + ndom < MAX_ROWS ? rows + ndom : MAX_ROWS;
	int w = 900, l = 260, rh = 16, top = 10, bot = 26, ht = top + (int)drawn * rh + bot;
	double span = hi > lo ? (double)(hi - lo) : 1;
	fprintf(f,
	        "<svg class=\"chart\" id=\"key-timeline\" role=\"img\" viewBox=\"0 0 %d %d\" "
	        "width=\"%d\" height=\"%d\"><title>keys in use, by domain</title>",
	        w, ht, w, ht);
	int y = top;
	size_t row = 0;
	dom = NULL;
	for (size_t i = 0; i < nk && row < drawn; i++) {
		const dkimarc_audit_key *k = dkimarc_audit_key_at(a, i);
		const char *kd = dkimarc_audit_key_domain(k) ? dkimarc_audit_key_domain(k) : "";
		if (!use_span(k, &t0, &t1))
			continue;
		if (!dom || strcmp(dom, kd) != 0) {
			dom = kd;
			fprintf(f, "<text x=\"4\" y=\"%d\" font-weight=\"bold\">", y + rh - 4);
			esc(f, kd);
			fputs("</text>", f);
			y += rh;
			if (++row >= drawn)
				break;
		}
		bool bad = dkimarc_audit_key_finding_count(k) > 0;
		double x0 = l + (w - l - 10) * (double)(t0 - lo) / span;
		double x1 = l + (w - l - 10) * (double)(t1 - lo) / span;
		fputs("<g><title>", f);
		esc(f, dkimarc_audit_key_selector(k));
		fprintf(f, ": %s to %s, %llu signature%s", day(t0, d0, sizeof d0),
		        day(t1, d1, sizeof d1), (unsigned long long)dkimarc_audit_key_signatures(k),
		        dkimarc_audit_key_signatures(k) == 1 ? "" : "s");
		if (bad) {
			fputs("; ", f);
			findings(f, k);
		}
		fprintf(f, "</title><text x=\"16\" y=\"%d\">", y + rh - 4);
		esc(f, dkimarc_audit_key_selector(k));
		fprintf(f,
		        "</text><rect class=\"key-bar%s\" x=\"%.2f\" y=\"%d\" width=\"%.2f\" "
		        "height=\"%d\" fill=\"%s\"/></g>",
		        bad ? " weak" : "", x0, y + 3, x1 - x0 < 3 ? 3 : x1 - x0, rh - 6,
		        bad ? "#ef6c00" : "#2e7d32");
		y += rh;
		row++;
	}
	fprintf(f, "<text x=\"%d\" y=\"%d\">%s</text>", l, ht - 8, day(lo, d0, sizeof d0));
	fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">%s</text>", w - 10, ht - 8,
	        day(hi, d1, sizeof d1));
	fputs("</svg>\n", f);
	fputs(
	    "<p class=\"cap\">Each bar runs from the first to the last signing time (t=, else the "
	    "Date) of the messages whose signature verifies with that key; orange: a key with a "
	    "finding that lets anyone sign with it (its code is in the table; the legend below "
	    "explains it).</p>\n"
	    "<table id=\"keys\"><tr><th>domain</th><th>selector</th><th>key (SHA-256)</th>"
	    "<th>first used</th><th>last used</th><th class=\"n\">signatures</th>"
	    "<th>findings</th></tr>\n",
	    f);
	for (size_t i = 0; i < nk; i++) {
		const dkimarc_audit_key *k = dkimarc_audit_key_at(a, i);
		const char *fp = dkimarc_audit_key_fingerprint(k);
		if (!use_span(k, &t0, &t1))
			continue;
		fputs("<tr><td>", f);
		esc(f, dkimarc_audit_key_domain(k));
		fputs("</td><td>", f);
		esc(f, dkimarc_audit_key_selector(k));
		fprintf(f,
		        "</td><td title=\"%s\">%.16s</td><td>%s</td><td>%s</td><td "
		        "class=\"n\">%llu</td>"
		        "<td>",
		        fp ? fp : "", fp ? fp : "-", day(t0, d0, sizeof d0), day(t1, d1, sizeof d1),
		        (unsigned long long)dkimarc_audit_key_signatures(k));
		findings(f, k);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
}
