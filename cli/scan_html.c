/*
 * `dkimarc scan --html FILE`: one self-contained HTML page (docs/scan.md) a
 * newsroom can publish beside its story: the run (what a rerun needs), the
 * verdicts as a chart, confirmed mail over time (by Date) and by signing
 * domain, why the rest is not confirmed, and a searchable table of every
 * item. Charts are inline SVG drawn here, so the figures show without
 * JavaScript; the only script filters the table. Nothing is fetched from the
 * network (a Content-Security-Policy says so to the browser). The figures
 * are counted as scan_summary.c counts them; tests/forensic/run_scan_html.py
 * checks the page against --summary-json in a real browser.
 *
 * Memory: rows go to a temporary file as the scan runs; kept in memory are
 * the per-day counts, the domains and the reason codes.
 */
#include "scan_html.h"

#include "cli.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define NVERDICTS 7
#define NKINDS    8
#define CHART_TOP 20
#define MIN_DATE  315532800 /* 1980-01-01: earlier Dates are forged or broken clocks */
#define DAY       86400

static const dkimarc_verdict verdict_order[NVERDICTS] = {
    DKIMARC_VERDICT_CONFIRMED,  DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY,
    DKIMARC_VERDICT_CONSISTENT, DKIMARC_VERDICT_WEAK,
    DKIMARC_VERDICT_ALTERED,    DKIMARC_VERDICT_UNVERIFIABLE,
    DKIMARC_VERDICT_UNSIGNED,
};

static const char *const verdict_color[NVERDICTS] = {
    [DKIMARC_VERDICT_CONFIRMED] = "#2e7d32",    [DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY] = "#00838f",
    [DKIMARC_VERDICT_WEAK] = "#ef6c00",         [DKIMARC_VERDICT_ALTERED] = "#c62828",
    [DKIMARC_VERDICT_UNVERIFIABLE] = "#757575", [DKIMARC_VERDICT_UNSIGNED] = "#9e9e9e",
    [DKIMARC_VERDICT_CONSISTENT] = "#5e35b1",
};

struct count {
	char *key; /* a domain (lower case) or a reason code */
	uint64_t a, b;
};

/* A sorted array of counts: few distinct keys, looked up by binary search. */
struct counts {
	struct count *v;
	size_t n, cap;
};

struct day {
	int64_t day; /* unix days */
	uint64_t conf, third;
};

struct html {
	char *path;
	FILE *rows; /* temporary file */
	uint64_t items, messages, verdicts[NVERDICTS], kinds[NKINDS];
	struct counts doms, reasons;
	struct counts codes; /* every message's verdict code, "ok" too: for the legend */
	uint32_t flags;      /* every flag some message has: for the legend */
	struct day *days;
	size_t ndays, capdays;
	uint64_t undated, out_of_range; /* confirmed mail without a usable Date */
	const dkimarc_audit *keys;      /* the keys in use, or NULL */
};

void html_set_keys(struct html *h, const dkimarc_audit *a)
{
	h->keys = a;
}

/* ---- counting ---------------------------------------------------------------- */

static struct count *count_get(struct counts *c, const char *key)
{
	size_t lo = 0, hi = c->n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int k = strcmp(c->v[mid].key, key);
		if (k == 0)
			return &c->v[mid];
		if (k < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (c->n == c->cap) {
		size_t cap = c->cap ? c->cap * 2 : 32;
		struct count *nv = realloc(c->v, cap * sizeof *nv);
		if (!nv)
			return NULL;
		c->v = nv;
		c->cap = cap;
	}
	char *k = strdup(key);
	if (!k)
		return NULL;
	memmove(&c->v[lo + 1], &c->v[lo], (c->n - lo) * sizeof *c->v);
	c->v[lo] = (struct count){k, 0, 0};
	c->n++;
	return &c->v[lo];
}

static struct day *day_get(struct html *h, int64_t day)
{
	size_t lo = 0, hi = h->ndays;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (h->days[mid].day == day)
			return &h->days[mid];
		if (h->days[mid].day < day)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (h->ndays == h->capdays) {
		size_t cap = h->capdays ? h->capdays * 2 : 64;
		struct day *nd = realloc(h->days, cap * sizeof *nd);
		if (!nd)
			return NULL;
		h->days = nd;
		h->capdays = cap;
	}
	memmove(&h->days[lo + 1], &h->days[lo], (h->ndays - lo) * sizeof *h->days);
	h->days[lo] = (struct day){day, 0, 0};
	h->ndays++;
	return &h->days[lo];
}

struct html *html_open(const char *path)
{
	struct html *h = calloc(1, sizeof *h);
	FILE *probe;

	if (!h || !(h->path = strdup(path)) || !(h->rows = tmpfile())) {
		cli_error("cannot prepare the HTML report: %s", strerror(errno));
		html_free(h);
		return NULL;
	}
	/* Fail now, not after an hour of scanning. */
	if (!(probe = fopen(path, "a"))) {
		cli_error("cannot write the HTML report %s: %s", path, strerror(errno));
		html_free(h);
		return NULL;
	}
	fclose(probe);
	return h;
}

int html_add(struct html *h, const struct facts *f, int64_t date, char *row)
{
	int rc = 0;

	h->items++;
	if ((unsigned)f->kind < NKINDS)
		h->kinds[f->kind]++;
	if (row) {
		char n[32];
		fprintf(h->rows, "<tr data-v=\"%s\"><td class=\"n\">%s</td>%s</tr>\n",
		        f->kind == DKIMARC_ITEM_MESSAGE ? dkimarc_verdict_str(f->verdict)
		                                        : "not-verified",
		        count_str(h->items, n), row);
		free(row);
	} else {
		rc = -1;
	}
	if (f->kind != DKIMARC_ITEM_MESSAGE)
		return rc;
	h->messages++;
	h->flags |= f->flags;
	if (f->reason && !count_get(&h->codes, f->reason))
		return -1;
	if ((unsigned)f->verdict < NVERDICTS)
		h->verdicts[f->verdict]++;
	bool conf = f->verdict == DKIMARC_VERDICT_CONFIRMED;
	bool third = f->verdict == DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY;
	if ((conf || third) && f->domain) {
		char *low = strdup(f->domain);
		struct count *c = NULL;
		if (low) {
			for (char *p = low; *p; p++)
				if (*p >= 'A' && *p <= 'Z')
					*p = (char)(*p - 'A' + 'a');
			c = count_get(&h->doms, low);
			free(low);
		}
		if (!c)
			return -1;
		if (conf)
			c->a++;
		else
			c->b++;
	}
	if (conf || third) {
		struct day *d;
		if (date < 0)
			h->undated++;
		else if (date < MIN_DATE || date > (int64_t)time(NULL) + 366 * DAY)
			h->out_of_range++;
		else if (!(d = day_get(h, date / DAY)))
			return -1;
		else if (conf)
			d->conf++;
		else
			d->third++;
	}
	if (f->reason && strcmp(f->reason, "ok") != 0) {
		struct count *c = count_get(&h->reasons, f->reason);
		if (!c)
			return -1;
		c->a++;
	}
	return rc;
}

/* ---- HTML text --------------------------------------------------------------- */

/* Escapes text for HTML; bytes that are not UTF-8 become U+FFFD, controls are shown as
 * \xNN, but for line breaks in a block of lines (lines). */
static void esc_text(FILE *f, const char *s, bool lines)
{
	const unsigned char *p = (const unsigned char *)(s ? s : "");
	while (*p) {
		size_t n = 1;
		if (*p >= 0x80) {
			n = *p >= 0xc2 && *p <= 0xdf   ? 2
			    : *p >= 0xe0 && *p <= 0xef ? 3
			    : *p >= 0xf0 && *p <= 0xf4 ? 4
			                               : 0;
			for (size_t i = 1; i < n; i++)
				if ((p[i] & 0xc0) != 0x80)
					n = 0;
		}
		if (n == 0) {
			fputs("\xef\xbf\xbd", f);
			p++;
			continue;
		}
		switch (*p) {
		case '&':
			fputs("&amp;", f);
			break;
		case '<':
			fputs("&lt;", f);
			break;
		case '>':
			fputs("&gt;", f);
			break;
		case '"':
			fputs("&quot;", f);
			break;
		case '\'':
			fputs("&#39;", f);
			break;
		default:
			if (lines && *p == '\n')
				fputc('\n', f);
			else if (*p < 0x20 || *p == 0x7f)
				fprintf(f, "\\x%02x", *p);
			else
				fwrite(p, 1, n, f);
		}
		p += n;
	}
}

static void esc(FILE *f, const char *s)
{
	esc_text(f, s, false);
}

enum date_form { DATE_DAY, DATE_MINUTE, DATE_ISO };

static char *fmt_date(int64_t t, char *buf, size_t n, enum date_form form)
{
	time_t tt = (time_t)t;
	struct tm tm;
	if (t < 0 || !gmtime_r(&tt, &tm) ||
	    !strftime(buf, n,
	              form == DATE_DAY      ? "%Y-%m-%d"
	              : form == DATE_MINUTE ? "%Y-%m-%d %H:%M"
	                                    : "%Y-%m-%dT%H:%M:%SZ",
	              &tm))
		snprintf(buf, n, "?");
	return buf;
}

char *html_row(const dkimarc_corpus_item *it, const dkimarc_report *r)
{
	char *buf = NULL, when[32] = "";
	size_t len = 0;
	FILE *f = open_memstream(&buf, &len);
	const dkimarc_sig *s = r ? deciding_sig(r) : NULL;
	int64_t index = dkimarc_corpus_item_index(it);

	if (!f)
		return NULL;
	fputs("<td>", f);
	esc(f, dkimarc_corpus_item_path(it));
	if (index >= 0)
		fprintf(f, "#%" PRId64, index); /* numbered from 1, as in the JSON and CSV */
	if (r) {
		int64_t d = dkimarc_report_date(r);
		dkimarc_verdict vd = dkimarc_report_verdict(r);
		const char *v = dkimarc_verdict_str(vd);
		if (d >= 0)
			fmt_date(d, when, sizeof when, DATE_MINUTE);
		fprintf(f, "</td><td class=\"v %s\">%s</td><td>", v, v);
		esc(f, verdict_reason_code(r));
		/* A confirmation says what it does not cover (docs/verdicts.md). */
		for (size_t i = 0; i < dkimarc_report_unsigned_count(r); i++) {
			fputs(i ? ", " : "<br><span class=\"unsigned\">not signed: ", f);
			esc(f, dkimarc_report_unsigned_field(r, i));
			if (i + 1 == dkimarc_report_unsigned_count(r))
				fputs("</span>", f);
		}
		fputs("</td><td>", f);
		if (s && dkimarc_sig_domain(s)) {
			esc(f, dkimarc_sig_domain(s));
			/* Only a confirmed verdict verified the domain; elsewhere it is a claim. */
			if (vd != DKIMARC_VERDICT_CONFIRMED &&
			    vd != DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY)
				fputs(" <span class=\"claimed\">(claimed, not verified)</span>", f);
		}
		fputs("</td><td class=\"flags\">", f);
		uint32_t fl = dkimarc_report_flags(r);
		for (unsigned i = 0; i < 32; i++) {
			const char *name = (fl & (1u << i)) ? dkimarc_flag_str(1u << i) : NULL;
			if (name)
				fprintf(f, "<span class=\"flag\">%s</span> ", name);
		}
		fprintf(f, "</td><td>%s</td>", when);
	} else {
		fputs("</td><td class=\"v not-verified\">not verified</td><td>", f);
		esc(f, dkimarc_item_kind_str(dkimarc_corpus_item_kind(it)));
		fputs("</td><td></td><td></td><td></td>", f);
	}
	if (fclose(f) != 0) {
		free(buf);
		return NULL;
	}
	return buf;
}

/* ---- charts -------------------------------------------------------------------- */

struct bar {
	const char *label;
	uint64_t a, b; /* two stacked parts */
	const char *ca, *cb;
	const char *id; /* attribute on the value text, for tests and scripts */
};

/* Horizontal bars, label on the left, value on the right. */
static void hbars(FILE *f, const char *title, const struct bar *bars, size_t n)
{
	uint64_t max = 1;
	for (size_t i = 0; i < n; i++)
		if (bars[i].a + bars[i].b > max)
			max = bars[i].a + bars[i].b;
	int w = 760, lw = 230, bw = w - lw - 110, rh = 24;
	fprintf(f,
	        "<svg class=\"chart\" role=\"img\" viewBox=\"0 0 %d %zu\" width=\"%d\" "
	        "height=\"%zu\"><title>",
	        w, n * (size_t)rh + 8, w, n * (size_t)rh + 8);
	esc(f, title);
	fputs("</title>", f);
	for (size_t i = 0; i < n; i++) {
		int y = 4 + (int)i * rh;
		double wa = (double)bw * (double)bars[i].a / (double)max;
		double wb = (double)bw * (double)bars[i].b / (double)max;
		fprintf(f, "<text x=\"%d\" y=\"%d\" text-anchor=\"end\">", lw - 8, y + 16);
		esc(f, bars[i].label);
		fputs("</text>", f);
		fprintf(f, "<rect x=\"%d\" y=\"%d\" width=\"%.1f\" height=\"%d\" fill=\"%s\"/>", lw,
		        y + 3, wa, rh - 8, bars[i].ca);
		if (bars[i].b)
			fprintf(f,
			        "<rect x=\"%.1f\" y=\"%d\" width=\"%.1f\" height=\"%d\" "
			        "fill=\"%s\"/>",
			        lw + wa, y + 3, wb, rh - 8, bars[i].cb);
		char num[32];
		fprintf(f, "<text x=\"%.1f\" y=\"%d\"%s%s%s>%s</text>", lw + wa + wb + 6, y + 16,
		        bars[i].id ? " id=\"" : "", bars[i].id ? bars[i].id : "",
		        bars[i].id ? "\"" : "", count_str(bars[i].a + bars[i].b, num));
	}
	fputs("</svg>\n", f);
}

/* Confirmed mail over time: per day, month or year, by the span of the Dates. */
static void timeline(FILE *f, const struct html *h)
{
	char a[32], b[32];
	if (!h->ndays) {
		fputs("<p>No confirmed message has a usable Date.</p>\n", f);
		return;
	}
	int64_t first = h->days[0].day, last = h->days[h->ndays - 1].day;
	int unit = last - first <= 92 ? 0 : last - first <= 3660 ? 1 : 2; /* day, month, year */
	/* Buckets: consecutive, so that gaps show as gaps. */
	struct tm t0, t1;
	time_t s0 = (time_t)(first * DAY), s1 = (time_t)(last * DAY);
	gmtime_r(&s0, &t0);
	gmtime_r(&s1, &t1);
	size_t nb = unit == 0 ? (size_t)(last - first + 1)
	            : unit == 1
	                ? (size_t)((t1.tm_year - t0.tm_year) * 12 + t1.tm_mon - t0.tm_mon + 1)
	                : (size_t)(t1.tm_year - t0.tm_year + 1);
	uint64_t(*bk)[2] = calloc(nb, sizeof *bk), max = 1, total = 0;
	if (!bk)
		return;
	for (size_t i = 0; i < h->ndays; i++) {
		time_t s = (time_t)(h->days[i].day * DAY);
		struct tm tm;
		gmtime_r(&s, &tm);
		size_t k = unit == 0 ? (size_t)(h->days[i].day - first)
		           : unit == 1
		               ? (size_t)((tm.tm_year - t0.tm_year) * 12 + tm.tm_mon - t0.tm_mon)
		               : (size_t)(tm.tm_year - t0.tm_year);
		bk[k][0] += h->days[i].conf;
		bk[k][1] += h->days[i].third;
		total += h->days[i].conf + h->days[i].third;
	}
	for (size_t k = 0; k < nb; k++)
		if (bk[k][0] + bk[k][1] > max)
			max = bk[k][0] + bk[k][1];
	int w = 900, ht = 220, l = 110, bot = 30, plot = ht - bot - 10;
	char n1[32], n2[32], n3[32];
	double bw = (double)(w - l - 10) / (double)nb;
	if (bw > 40)
		bw = 40; /* a few buckets: bars, not walls */
	fprintf(f,
	        "<svg class=\"chart\" id=\"timeline\" role=\"img\" viewBox=\"0 0 %d %d\" "
	        "width=\"%d\" height=\"%d\"><title>confirmed mail by Date, per %s</title>",
	        w, ht, w, ht,
	        unit == 0   ? "day"
	        : unit == 1 ? "month"
	                    : "year");
	fprintf(f, "<line x1=\"%d\" y1=\"%d\" x2=\"%d\" y2=\"%d\" stroke=\"#999\"/>", l, ht - bot,
	        w - 10, ht - bot);
	/* Counts with separators and a unit: an axis label of 2017 messages must not read
	 * as the year 2017 beside the dates. */
	fprintf(f, "<text class=\"axis\" x=\"%d\" y=\"16\" text-anchor=\"end\">%s message%s</text>",
	        l - 6, count_str(max, n1), max == 1 ? "" : "s");
	fprintf(f, "<text class=\"axis\" x=\"%d\" y=\"%d\" text-anchor=\"end\">0 messages</text>",
	        l - 6, ht - bot);
	for (size_t k = 0; k < nb; k++) {
		/* The bucket's first day, for its label. */
		struct tm tm = t0;
		if (unit == 0) {
			time_t s = (time_t)((first + (int64_t)k) * DAY);
			gmtime_r(&s, &tm);
		} else {
			tm.tm_mday = 1;
			tm.tm_hour = tm.tm_min = tm.tm_sec = 0;
			if (unit == 1) {
				tm.tm_mon = t0.tm_mon + (int)k;
				tm.tm_year = t0.tm_year + tm.tm_mon / 12;
				tm.tm_mon %= 12;
			} else {
				tm.tm_mon = 0;
				tm.tm_year = t0.tm_year + (int)k;
			}
		}
		strftime(a, sizeof a, unit == 0 ? "%Y-%m-%d" : unit == 1 ? "%Y-%m" : "%Y", &tm);
		double x = l + bw * (double)k;
		double ha = (double)plot * (double)bk[k][0] / (double)max;
		double hb = (double)plot * (double)bk[k][1] / (double)max;
		fprintf(
		    f,
		    "<g><title>%s: %s confirmed, %s third-party</title>"
		    "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/>"
		    "<rect x=\"%.2f\" y=\"%.2f\" width=\"%.2f\" height=\"%.2f\" fill=\"%s\"/></g>",
		    a, count_str(bk[k][0], n1), count_str(bk[k][1], n2), x, ht - bot - ha,
		    bw * 0.85, ha, verdict_color[DKIMARC_VERDICT_CONFIRMED], x, ht - bot - ha - hb,
		    bw * 0.85, hb, verdict_color[DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY]);
		if (k == 0 || k == nb - 1 || (nb > 4 && k == nb / 2))
			fprintf(f, "<text x=\"%.2f\" y=\"%d\" text-anchor=\"%s\">%s</text>", x,
			        ht - 10,
			        k == 0        ? "start"
			        : k == nb - 1 ? "end"
			                      : "middle",
			        a);
	}
	fputs("</svg>\n", f);
	fprintf(f,
	        "<p><span style=\"color:%s\">&#9632;</span> confirmed &nbsp; <span "
	        "style=\"color:%s\">&#9632;</span> confirmed-third-party</p>\n",
	        verdict_color[DKIMARC_VERDICT_CONFIRMED],
	        verdict_color[DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY]);
	fprintf(f,
	        "<p><span id=\"dated\">%s</span> confirmed messages by their Date, "
	        "%s to %s (UTC); <span id=\"undated\">%s</span> without a readable Date, "
	        "<span id=\"out-of-range\">%s</span> dated before 1980 or more than a year "
	        "after the scan. A Date is what the sender's software wrote; it is evidence only "
	        "where a verifying signature covers it.</p>\n",
	        count_str(total, n1), fmt_date(first * DAY, a, sizeof a, DATE_DAY),
	        fmt_date(last * DAY, b, sizeof b, DATE_DAY), count_str(h->undated, n2),
	        count_str(h->out_of_range, n3));
	free(bk);
}

/* ---- the page ------------------------------------------------------------------- */

static int cmp_dom(const void *x, const void *y)
{
	const struct count *a = x, *b = y;
	if (a->a + a->b != b->a + b->b)
		return a->a + a->b > b->a + b->b ? -1 : 1;
	return strcmp(a->key, b->key);
}

static const char *pct(uint64_t n, uint64_t of, char *buf)
{
	snprintf(buf, 16, "%.2f%%", of ? 100.0 * (double)n / (double)of : 0.0);
	return buf;
}

static const char style[] =
    "body{font:15px/1.45 system-ui,sans-serif;margin:2em auto;max-width:70em;padding:0 1em;"
    "color:#222}h1{font-size:1.6em}h2{font-size:1.2em;margin-top:2em;border-bottom:1px solid "
    "#ddd}table{border-collapse:collapse}td,th{padding:.2em .7em;border-bottom:1px solid "
    "#eee;text-align:left}td.n,th.n{text-align:right}svg.chart{max-width:100%;height:auto;"
    "font-size:13px}svg text{fill:#333}.v{font-weight:600}.confirmed{color:#2e7d32}"
    ".confirmed-third-party{color:#00838f}.consistent{color:#5e35b1}.weak{color:#ef6c00}"
    ".altered{color:#c62828}"
    ".unverifiable{color:#757575}.unsigned,.not-verified{color:#9e9e9e}#mails{font-size:"
    "13px;width:100%}#mails td:nth-child(2){word-break:break-all}#mails td:nth-child(7){"
    "white-space:nowrap}.flag{font-size:11px;color:#555;white-space:nowrap}.claimed{"
    "color:#b45309;font-size:11px}dl.legend dt{font-weight:600;font-family:monospace;"
    "margin-top:.4em}dl.legend dd{margin-left:1.5em}td.means{color:#444;font-size:13px}"
    ".run{font:13px monospace;"
    "white-space:pre-wrap;background:#f6f6f6;padding:.7em}.filter{margin:.5em 0}"
    "p.cap{color:#555}";

/* Filters the table as one types; "#q=text&v=verdict" in the address does the same. */
static const char script[] =
    "(function(){var q=document.getElementById('q'),v=document.getElementById('vsel'),"
    "rows=document.getElementById('mails').tBodies[0].rows,n=document.getElementById('shown');"
    "function apply(){var t=q.value.toLowerCase(),w=v.value,c=0;for(var i=0;i<rows.length;"
    "i++){var r=rows[i],ok=(!w||r.getAttribute('data-v')===w)&&(!t||r.textContent."
    "toLowerCase().indexOf(t)>=0);r.style.display=ok?'':'none';if(ok)c++;}"
    "n.textContent=c.toLocaleString('en-US');}"
    "q.addEventListener('input',apply);v.addEventListener('change',apply);"
    "location.hash.slice(1).split('&').forEach(function(kv){var p=kv.split('='),"
    "val=decodeURIComponent(p.slice(1).join('='));if(p[0]==='q')q.value=val;"
    "if(p[0]==='v')v.value=val;});apply();})();";

/* What each code and flag in the table of items means: those that appear, no others. */
static void legend(FILE *f, const struct html *h)
{
	fputs("<h3 id=\"legend\">What the codes and flags mean</h3>\n"
	      "<h4>The reason column</h4>\n<dl class=\"legend\" id=\"legend-reasons\">\n",
	      f);
	for (size_t i = 0; i < h->codes.n; i++) { /* sorted by name */
		const char *means = legend_code(h->codes.v[i].key);
		fputs("<dt>", f);
		esc(f, h->codes.v[i].key);
		fputs("</dt><dd>", f);
		esc(f, means ? means : "");
		fputs("</dd>\n", f);
	}
	for (int k = 1; k < NKINDS; k++) {
		const char *s = dkimarc_item_kind_str((dkimarc_item_kind)k);
		if (h->kinds[k])
			fprintf(f, "<dt>%s</dt><dd>Not verified. %s</dd>\n", s, legend_code(s));
	}
	fputs("</dl>\n", f);
	if (!h->flags)
		return;
	fputs("<h4>The flags column</h4>\n<p>Flags point at what a signature leaves open, even "
	      "on confirmed mail.</p>\n<dl class=\"legend\" id=\"legend-flags\">\n",
	      f);
	for (unsigned bit = 0; bit < 32; bit++) {
		const char *name = dkimarc_flag_str(1u << bit), *means = legend_flag(bit);
		if ((h->flags & (1u << bit)) && name)
			fprintf(f, "<dt>%s</dt><dd>%s</dd>\n", name, means ? means : "");
	}
	fputs("</dl>\n", f);
}

int html_finish(struct html *h, const dkimarc_ctx *ctx, const char *const *paths, size_t npaths,
                int exit_status, int64_t started, int64_t ended)
{
	char a[32], b[32], n1[32], n2[32], *run = NULL;
	FILE *f = fopen(h->path, "w");
	struct bar bars[CHART_TOP > NVERDICTS ? CHART_TOP : NVERDICTS];
	char ids[NVERDICTS][40];

	if (!f) {
		cli_error("cannot write the HTML report %s: %s", h->path, strerror(errno));
		return -1;
	}
	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
	      "style-src 'unsafe-inline'; script-src 'unsafe-inline'\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
	      "<title>dkimarc scan report</title>\n<style>",
	      f);
	fputs(style, f);
	fputs("</style></head><body>\n<h1>Which mails are authentic: a DKIM verification "
	      "report</h1>\n",
	      f);
	fprintf(f,
	        "<p><span id=\"n-messages\">%s</span> message%s verified, "
	        "<span id=\"n-items\">%s</span> item%s in all. A mail is "
	        "<b>confirmed</b> when a domain's DKIM signature over it verifies: that domain's "
	        "mail system signed exactly these bytes. It does not say who wrote it. The other "
	        "verdicts do not say a mail is forged: what each one means is in the table "
	        "below, and every code and flag of the page is explained under "
	        "<a href=\"#legend\">What the codes and flags mean</a>.</p>\n",
	        count_str(h->messages, n1), h->messages == 1 ? "" : "s", count_str(h->items, n2),
	        h->items == 1 ? "" : "s");
	fprintf(f,
	        "<p>Made with dkimarc %s, scan of %s to %s (UTC); the keys, policy and options "
	        "are at the end, under <a href=\"#run\">How this report was made</a>.</p>\n",
	        dkimarc_version(), fmt_date(started, a, sizeof a, DATE_MINUTE),
	        fmt_date(ended, b, sizeof b, DATE_MINUTE));

	/* The verdicts. */
	fputs("<h2>Verdicts</h2>\n", f);
	for (size_t i = 0; i < NVERDICTS; i++) {
		dkimarc_verdict v = verdict_order[i];
		snprintf(ids[i], sizeof ids[i], "bar-%s", dkimarc_verdict_str(v));
		bars[i] = (struct bar){dkimarc_verdict_str(v), h->verdicts[v], 0,
		                       verdict_color[v],       NULL,           ids[i]};
	}
	hbars(f, "messages by verdict", bars, NVERDICTS);
	fputs("<table id=\"verdicts\"><tr><th>verdict</th><th class=\"n\">messages</th>"
	      "<th class=\"n\">share</th><th>what it means</th></tr>\n",
	      f);
	for (size_t i = 0; i < NVERDICTS; i++) {
		dkimarc_verdict v = verdict_order[i];
		const char *s = dkimarc_verdict_str(v);
		fprintf(f,
		        "<tr><td class=\"v %s\">%s</td><td class=\"n\" id=\"v-%s\">%s</td>"
		        "<td class=\"n\">%s</td><td class=\"means\" id=\"means-%s\">%s</td></tr>\n",
		        s, s, s, count_str(h->verdicts[v], n1), pct(h->verdicts[v], h->messages, a),
		        s, legend_verdict(v));
	}
	fputs("</table>\n", f);
	bool any = false;
	for (int k = 1; k < NKINDS; k++)
		any |= h->kinds[k] != 0;
	fputs("<h3>Items not verified</h3>\n", f);
	if (!any)
		fputs("<p>None: every item was a message, and every message was read.</p>\n", f);
	else
		fputs("<table id=\"not-verified\"><tr><th>problem</th><th class=\"n\">items</th>"
		      "<th>what it means</th></tr>\n",
		      f);
	for (int k = 1; any && k < NKINDS; k++) {
		const char *s = dkimarc_item_kind_str((dkimarc_item_kind)k);
		if (h->kinds[k])
			fprintf(f,
			        "<tr><td>%s</td><td class=\"n\" id=\"nv-%s\">%s</td>"
			        "<td class=\"means\">%s</td></tr>\n",
			        s, s, count_str(h->kinds[k], n1), legend_code(s));
	}
	if (any)
		fputs("</table>\n", f);

	/* Confirmed mail over time and by domain; the keys in use over time. */
	fputs("<h2>Confirmed mail by Date</h2>\n", f);
	timeline(f, h);
	if (h->keys) {
		fputs("<h2>Keys in use, by domain</h2>\n", f);
		html_keys_timeline(f, h->keys);
	}
	fputs("<h2>Confirmed mail by signing domain</h2>\n", f);
	if (h->doms.n > 1) /* none when no message is confirmed: v is NULL then */
		qsort(h->doms.v, h->doms.n, sizeof *h->doms.v, cmp_dom);
	size_t nd = h->doms.n < CHART_TOP ? h->doms.n : CHART_TOP;
	for (size_t i = 0; i < nd; i++)
		bars[i] = (struct bar){h->doms.v[i].key,
		                       h->doms.v[i].a,
		                       h->doms.v[i].b,
		                       verdict_color[DKIMARC_VERDICT_CONFIRMED],
		                       verdict_color[DKIMARC_VERDICT_CONFIRMED_THIRD_PARTY],
		                       NULL};
	if (nd)
		hbars(f, "confirmed mail by signing domain", bars, nd);
	fputs("<p class=\"cap\">The domain whose signature verified (d= of the deciding "
	      "signature); third-party: not the sender's domain (a list or mail service "
	      "signed).</p>\n<table id=\"domains\"><tr><th>domain</th>"
	      "<th class=\"n\">confirmed</th><th class=\"n\">third-party</th></tr>\n",
	      f);
	for (size_t i = 0; i < h->doms.n; i++) {
		fputs("<tr data-domain=\"", f);
		esc(f, h->doms.v[i].key);
		fputs("\"><td>", f);
		esc(f, h->doms.v[i].key);
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"n\">%s</td></tr>\n",
		        count_str(h->doms.v[i].a, n1), count_str(h->doms.v[i].b, n2));
	}
	fputs("</table>\n", f);

	/* Why the rest is not confirmed. */
	fputs("<h2>Why messages are not confirmed</h2>\n", f);
	if (h->reasons.n > 1)
		qsort(h->reasons.v, h->reasons.n, sizeof *h->reasons.v, cmp_dom);
	size_t nr = h->reasons.n < CHART_TOP ? h->reasons.n : CHART_TOP;
	for (size_t i = 0; i < nr; i++)
		bars[i] = (struct bar){h->reasons.v[i].key,
		                       h->reasons.v[i].a,
		                       0,
		                       verdict_color[DKIMARC_VERDICT_ALTERED],
		                       NULL,
		                       NULL};
	if (nr)
		hbars(f, "messages not confirmed, by reason", bars, nr);
	fputs("<table id=\"reasons\"><tr><th>reason</th><th class=\"n\">messages</th>"
	      "<th>what it means</th></tr>\n",
	      f);
	for (size_t i = 0; i < h->reasons.n; i++) {
		const char *means = legend_code(h->reasons.v[i].key);
		fputs("<tr data-reason=\"", f);
		esc(f, h->reasons.v[i].key);
		fputs("\"><td>", f);
		esc(f, h->reasons.v[i].key);
		fprintf(f, "</td><td class=\"n\">%s</td><td class=\"means\">",
		        count_str(h->reasons.v[i].a, n1));
		esc(f, means ? means : "");
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);

	/* Every item. */
	fputs("<h2>Every item</h2>\n<div class=\"filter\"><label>search <input id=\"q\" "
	      "type=\"search\" placeholder=\"file, domain, reason, date\"></label> <label>verdict "
	      "<select id=\"vsel\"><option value=\"\">all</option>",
	      f);
	for (size_t i = 0; i < NVERDICTS; i++)
		fprintf(f, "<option>%s</option>", dkimarc_verdict_str(verdict_order[i]));
	fprintf(f,
	        "<option>not-verified</option></select></label> <span id=\"shown\">%s</span> of "
	        "%s shown</div>\n",
	        count_str(h->items, n1), count_str(h->items, n2));
	fputs("<p>Messages of an mbox file are numbered from 1 (<i>file</i>#1 is its first "
	      "message), as mail programs number them and as the scan's JSON and CSV output "
	      "do. The signing domain is verified only for confirmed messages; for the others "
	      "it is what the signature claims.</p>\n",
	      f);
	fputs("<table id=\"mails\"><thead><tr><th>#</th><th>file</th><th>verdict</th>"
	      "<th>reason</th><th>signing domain</th><th>flags</th><th>Date (UTC)</th></tr>"
	      "</thead><tbody>\n",
	      f);
	rewind(h->rows);
	char chunk[65536];
	size_t got;
	while ((got = fread(chunk, 1, sizeof chunk, h->rows)) > 0)
		fwrite(chunk, 1, got, f);
	fputs("</tbody></table>\n", f);
	legend(f, h);

	/* What a rerun needs. */
	fputs("<h2>How this report was made</h2>\n<div class=\"run\" id=\"run\">", f);
	if (dkimarc_ctx_describe_text(ctx, &run) == DKIMARC_OK)
		esc_text(f, run, true); /* its lines are lines of the block */
	dkimarc_free(run);
	fputs("scanned:", f);
	for (size_t i = 0; i < npaths; i++) {
		fputc(' ', f);
		esc(f, paths[i]);
	}
	fprintf(f, "\nscan: %s to %s, exit status %d</div>\n",
	        fmt_date(started, a, sizeof a, DATE_ISO), fmt_date(ended, b, sizeof b, DATE_ISO),
	        exit_status);
	fputs("<p>Made by dkimarc. Run again with the same dkimarc version, key archives (by "
	      "their SHA-256) and options, the scan gives the same figures.</p>\n<script>",
	      f);
	fputs(script, f);
	fputs("</script>\n</body></html>\n", f);
	bool bad = ferror(f) != 0 || ferror(h->rows) != 0;
	if (fclose(f) != 0 || bad) {
		cli_error("cannot write the HTML report %s: %s", h->path,
		          strerror(errno ? errno : EIO));
		return -1;
	}
	return 0;
}

void html_free(struct html *h)
{
	if (!h)
		return;
	if (h->rows)
		fclose(h->rows);
	for (size_t i = 0; i < h->doms.n; i++)
		free(h->doms.v[i].key);
	free(h->doms.v);
	for (size_t i = 0; i < h->reasons.n; i++)
		free(h->reasons.v[i].key);
	free(h->reasons.v);
	for (size_t i = 0; i < h->codes.n; i++)
		free(h->codes.v[i].key);
	free(h->codes.v);
	free(h->days);
	free(h->path);
	free(h);
}
