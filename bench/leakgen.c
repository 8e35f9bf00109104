/*
 * leakgen: writes a synthetic leaked mail corpus, its ground truth and its
 * key archive, signing with dkimarc's own signer (the public API only).
 *
 *     leakgen [--count N | --scale K] [--seed S] [--keys DIR] OUTDIR
 *
 * The default is the size of the 2017 MacronLeaks corpus, 71,848 mails of
 * which exactly 21,075 are confirmable by DKIM; --scale 10 makes a tenth
 * with the same proportions. OUTDIR gets:
 *
 *   leak/       the corpus: .eml files in nested folders (some with bare LF
 *               line ends), mbox files (mboxrd quoting) and maildirs
 *   truth.tsv   one line per message (and per non-mail file): where it is
 *               and the verdict and reason dkimarc scan must give
 *   keys.zone   the key archive: current keys, revoked keys (empty p=) and
 *               weak keys; rotated-away keys are absent
 *
 * The output depends only on N, the seed and the keys (RSA PKCS#1 v1.5 and
 * Ed25519 signatures are deterministic), so two runs are byte-identical.
 * See docs/performance.md.
 */
#include <dkimarc.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#ifndef LEAKGEN_KEYDIR
#define LEAKGEN_KEYDIR "bench/leak-keys"
#endif

#define FULL_SIZE        71848
#define FULL_CONFIRMABLE 21075

/* ---- random numbers (splitmix64: tiny, and the same on every platform) ---- */

static uint64_t rng_state;

static uint64_t rnd(void)
{
	uint64_t z = (rng_state += 0x9e3779b97f4a7c15ull);
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* Uniform in [0, n). */
static uint64_t below(uint64_t n)
{
	return n ? rnd() % n : 0;
}

/* True with probability pct percent. */
static bool chance(unsigned pct)
{
	return below(100) < pct;
}

#define PICK(arr) ((arr)[below(sizeof(arr) / sizeof((arr)[0]))])

/* ---- byte buffers ------------------------------------------------------------ */

typedef struct {
	char *p;
	size_t len, cap;
} buf;

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void die(const char *fmt, ...)
{
	va_list ap;
	fputs("leakgen: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void badd(buf *b, const char *s, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap < b->len + n + 1)
			cap *= 2;
		char *p = realloc(b->p, cap);
		if (!p)
			die("out of memory");
		b->p = p;
		b->cap = cap;
	}
	memcpy(b->p + b->len, s, n);
	b->len += n;
	b->p[b->len] = '\0';
}

static void bstr(buf *b, const char *s)
{
	badd(b, s, strlen(s));
}

static void bfmt(buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bfmt(buf *b, const char *fmt, ...)
{
	char tmp[2048];
	va_list ap;
	va_start(ap, fmt);
	int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof tmp)
		die("internal: formatted text too long");
	badd(b, tmp, (size_t)n);
}

/* ---- keys ----------------------------------------------------------------------- */

enum { K_CURRENT, K_ROTATED, K_REVOKED, K_WEAK };

typedef struct {
	const char *domain, *selector;
	int status;
	dkimarc_privkey *key;
} keyspec;

static keyspec keys[] = {
    {"campaign.example", "mail2016", K_CURRENT, NULL},
    {"campaign.example", "ed2017", K_CURRENT, NULL},
    {"campaign.example", "k2015", K_ROTATED, NULL},
    {"campaign.example", "old2014", K_REVOKED, NULL},
    {"webmail.example", "s2048", K_CURRENT, NULL},
    {"webmail.example", "ed1", K_CURRENT, NULL},
    {"webmail.example", "s2014", K_ROTATED, NULL},
    {"isp-one.example", "dkim", K_CURRENT, NULL},
    {"isp-one.example", "legacy512", K_WEAK, NULL},
    {"isp-two.example", "mx", K_CURRENT, NULL},
    {"isp-two.example", "mx2015", K_REVOKED, NULL},
    {"isp-two.example", "old768", K_WEAK, NULL},
    {"esp-mailer.example", "esp", K_CURRENT, NULL},
    {"lists.example", "list", K_CURRENT, NULL},
};

#define NKEYS (sizeof keys / sizeof keys[0])

static keyspec *key_of(const char *domain, const char *selector)
{
	for (size_t i = 0; i < NKEYS; i++)
		if (strcmp(keys[i].domain, domain) == 0 && strcmp(keys[i].selector, selector) == 0)
			return &keys[i];
	die("internal: no key %s/%s", selector, domain);
}

static void load_keys(const char *dir, FILE *zone)
{
	fputs("; leakgen key archive: what an investigator collected for the leak's\n"
	      "; signing domains. Rotated-away keys are absent; revoked ones have p=.\n",
	      zone);
	for (size_t i = 0; i < NKEYS; i++) {
		char path[4096], name[512];
		char *rec = NULL, *line = NULL;
		const char *txt;
		keyspec *k = &keys[i];

		snprintf(path, sizeof path, "%s/%s.%s.pem", dir, k->domain, k->selector);
		if (dkimarc_privkey_load(&k->key, path) != DKIMARC_OK)
			die("%s", dkimarc_last_error());
		if (k->status == K_ROTATED)
			continue;
		snprintf(name, sizeof name, "%s._domainkey.%s", k->selector, k->domain);
		if (k->status == K_REVOKED) {
			txt = dkimarc_privkey_type(k->key) == DKIMARC_KEYTYPE_ED25519
			          ? "v=DKIM1; k=ed25519; p="
			          : "v=DKIM1; k=rsa; p=";
		} else if (dkimarc_privkey_record(k->key, &rec) != DKIMARC_OK) {
			die("%s", dkimarc_last_error());
		} else {
			txt = rec;
		}
		if (dkimarc_record_zone(name, txt, &line) != DKIMARC_OK)
			die("cannot write the record for %s: %s", name, dkimarc_last_error());
		fputs(line, zone);
		dkimarc_free(line);
		dkimarc_free(rec);
	}
}

/* ---- what the leak holds --------------------------------------------------------- */

enum {
	C_CONFIRMED,
	C_THIRD_PARTY,
	C_ALTERED_BODY,
	C_ALTERED_HEADER,
	C_BODY_LENGTH,
	C_INJECTED_FROM,
	C_ROTATED_KEY,
	C_REVOKED_KEY,
	C_WEAK_KEY,
	C_UNSIGNED,
	NCAT
};

static const struct {
	const char *name, *verdict, *reason;
	unsigned full; /* count at full size; unsigned takes the rest */
} cats[NCAT] = {
    {"confirmed", "confirmed", "ok", FULL_CONFIRMABLE},
    {"third-party-signer", "confirmed-third-party", "ok", 6400},
    {"altered-body", "altered", "body_hash_mismatch", 3100},
    {"altered-header", "altered", "signature_mismatch", 1900},
    {"body-length-extended", "altered", "body_beyond_length", 450},
    {"injected-from", "altered", "multiple_from", 260},
    {"rotated-key", "unverifiable", "key_not_found", 11800},
    {"revoked-key", "unverifiable", "key_revoked", 1700},
    {"weak-key", "weak", "key_too_weak", 900},
    {"unsigned", "unsigned", "no_signature", 0},
};

static const char *const owners[] = {"alice.martin", "bruno.leroy",  "claire.dubois",
                                     "david.moreau", "emma.laurent", "francois.girard",
                                     "helene.roux",  "julien.fabre"};

static const char *const first_names[] = {
    "Alice", "Bruno", "Claire", "David",   "Emma", "Francois", "Helene", "Julien", "Karim",
    "Lea",   "Marc",  "Nadia",  "Olivier", "Paul", "Sophie",   "Thomas", "Ines",   "Yann"};
static const char *const last_names[] = {"Martin", "Leroy",   "Dubois",  "Moreau",  "Laurent",
                                         "Girard", "Roux",    "Fabre",   "Bernard", "Petit",
                                         "Durand", "Lefevre", "Mercier", "Blanc",   "Garnier"};
static const char *const words[] = {
    "meeting",  "agenda",   "budget",     "campaign", "press",    "statement", "draft",
    "deadline", "report",   "volunteers", "schedule", "venue",    "program",   "debate",
    "strategy", "analysis", "figures",    "minutes",  "proposal", "contract",  "invoice",
    "travel",   "tomorrow", "Monday",     "Friday",   "the",      "a",         "and",
    "for",      "with",     "please",     "review",   "attached", "document",  "team",
    "reunion",  "demain",   "rapport",    "equipe",   "dossier",  "projet",    "bien",
    "merci",    "pour",     "avec",       "votre",    "notre",    "nous",      "vous",
    "les",      "des",      "une",        "sur",      "dans",     "est",       "sont"};
static const char *const subjects[] = {"Re: agenda for Monday",
                                       "Budget update",
                                       "Press statement draft",
                                       "Fwd: invoice",
                                       "Reunion demain",
                                       "Compte rendu",
                                       "Travel plans",
                                       "Volunteers list",
                                       "Re: Re: venue",
                                       "Debate prep",
                                       "Newsletter",
                                       "Your order",
                                       "Contract review",
                                       "Minutes of the meeting",
                                       "Dossier de presse"};

static const char *const sender_domains[] = {"campaign.example", "campaign.example",
                                             "campaign.example", "webmail.example",
                                             "isp-one.example",  "isp-two.example"};

/* ---- message text ---------------------------------------------------------------- */

static void person(buf *b, const char *domain)
{
	const char *f = PICK(first_names), *l = PICK(last_names);
	char local[128];
	snprintf(local, sizeof local, "%s.%s", f, l);
	for (char *c = local; *c; c++)
		if (*c >= 'A' && *c <= 'Z')
			*c = (char)(*c - 'A' + 'a');
	bfmt(b, "%s %s <%s@%s>", f, l, local, domain);
}

static void sentence(buf *b)
{
	size_t n = 6 + below(12);
	for (size_t i = 0; i < n; i++) {
		const char *w = PICK(words);
		if (i == 0) {
			char cap[64];
			snprintf(cap, sizeof cap, "%s", w);
			if (cap[0] >= 'a' && cap[0] <= 'z')
				cap[0] = (char)(cap[0] - 'a' + 'A');
			bstr(b, cap);
		} else {
			bstr(b, " ");
			bstr(b, w);
		}
	}
	bstr(b, ".");
}

/* Plain text paragraphs, CRLF, lines under 78 columns. */
static void text_body(buf *b, bool from_line, bool quoted_from_line)
{
	size_t paras = 1 + below(4);
	bstr(b, "Hello,\r\n\r\n");
	for (size_t p = 0; p < paras; p++) {
		buf para = {0};
		size_t n = 1 + below(4);
		for (size_t i = 0; i < n; i++) {
			if (i)
				bstr(&para, " ");
			sentence(&para);
		}
		/* wrap at 72 columns */
		size_t col = 0, start = 0;
		for (size_t i = 0; i <= para.len; i++) {
			if (i == para.len || para.p[i] == ' ') {
				size_t wl = i - start;
				if (col && col + 1 + wl > 72) {
					bstr(b, "\r\n");
					col = 0;
				} else if (col) {
					bstr(b, " ");
					col++;
				}
				badd(b, para.p + start, wl);
				col += wl;
				start = i + 1;
			}
		}
		bstr(b, "\r\n\r\n");
		free(para.p);
		if (p == 0 && from_line)
			bstr(b, "From what I heard, the venue is confirmed.\r\n\r\n");
		if (p == 0 && quoted_from_line)
			bstr(b, ">From the minutes: agreed.\r\n\r\n");
	}
	bstr(b, "Regards,\r\n");
}

static void b64_lines(buf *b, size_t bytes)
{
	static const char tbl[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t chars = (bytes + 2) / 3 * 4;
	for (size_t i = 0; i < chars; i++) {
		char c = tbl[below(64)];
		badd(b, &c, 1);
		if (i % 76 == 75 || i + 1 == chars)
			bstr(b, "\r\n");
	}
}

typedef struct {
	uint64_t seq;
	int cat;
	int64_t when;
	char from_domain[64];
	char sender[256]; /* local@domain, for the mbox From_ line */
	buf head;         /* header fields, CRLF, without the blank line */
	buf body;
	bool single_part;
	const char *signer; /* d= that decides a confirmed verdict */
} message;

static void date_field(buf *b, int64_t t)
{
	char d[64];
	time_t tt = (time_t)t;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(d, sizeof d, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	bfmt(b, "Date: %s\r\n", d);
}

static void compose(message *m, const char *from_domain, bool list)
{
	buf *h = &m->head;
	char boundary[64];

	snprintf(m->from_domain, sizeof m->from_domain, "%s", from_domain);
	bstr(h, "From: ");
	size_t at = h->len;
	person(h, from_domain);
	{
		const char *lt = strchr(h->p + at, '<'), *gt = strchr(h->p + at, '>');
		snprintf(m->sender, sizeof m->sender, "%.*s", (int)(gt - lt - 1), lt + 1);
	}
	bstr(h, "\r\nTo: ");
	person(h, "campaign.example");
	bstr(h, "\r\n");
	if (chance(30)) {
		bstr(h, "Cc: ");
		person(h, PICK(sender_domains));
		bstr(h, "\r\n");
	}
	bfmt(h, "Subject: %s\r\n", PICK(subjects));
	date_field(h, m->when);
	bfmt(h, "Message-ID: <%" PRIu64 ".%08" PRIx64 "@%s>\r\n", m->seq, rnd() & 0xffffffffu,
	     from_domain);
	if (list)
		bfmt(h, "List-Id: <news.%s>\r\nList-Unsubscribe: <mailto:leave@%s>\r\n",
		     from_domain, from_domain);
	bstr(h, "MIME-Version: 1.0\r\n");

	bool from_line = chance(4), quoted = chance(1);
	unsigned kind = (unsigned)below(100);
	snprintf(boundary, sizeof boundary, "=_leak_%08" PRIx64, rnd() & 0xffffffffu);
	m->single_part = kind < 70;
	if (m->single_part) {
		bstr(h, "Content-Type: text/plain; charset=\"utf-8\"\r\n"
		        "Content-Transfer-Encoding: 8bit\r\n");
		text_body(&m->body, from_line, quoted);
	} else if (kind < 94) {
		bfmt(h, "Content-Type: multipart/alternative; boundary=\"%s\"\r\n", boundary);
		bfmt(&m->body, "--%s\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\n",
		     boundary);
		text_body(&m->body, from_line, quoted);
		bfmt(&m->body, "\r\n--%s\r\nContent-Type: text/html; charset=\"utf-8\"\r\n\r\n",
		     boundary);
		bstr(&m->body, "<html><body><p>");
		sentence(&m->body);
		bfmt(&m->body, "</p></body></html>\r\n--%s--\r\n", boundary);
	} else {
		bfmt(h, "Content-Type: multipart/mixed; boundary=\"%s\"\r\n", boundary);
		bfmt(&m->body, "--%s\r\nContent-Type: text/plain; charset=\"utf-8\"\r\n\r\n",
		     boundary);
		text_body(&m->body, from_line, quoted);
		bfmt(&m->body,
		     "\r\n--%s\r\nContent-Type: application/pdf; name=\"doc%" PRIu64 ".pdf\"\r\n"
		     "Content-Transfer-Encoding: base64\r\nContent-Disposition: attachment\r\n\r\n",
		     boundary, m->seq);
		b64_lines(&m->body, 2048 + below(24 * 1024));
		bfmt(&m->body, "--%s--\r\n", boundary);
	}
}

/* ---- signing ----------------------------------------------------------------------- */

typedef struct {
	const char *canon;
	bool exact_from_once; /* h= lists From once: a second From can be added above */
	bool body_length;
	bool expire;
} signopts;

/* Signs head+body with key; prepends the DKIM-Signature to m->head. */
static void sign(message *m, keyspec *k, const signopts *o)
{
	dkimarc_signer *s = NULL;
	char *field = NULL;
	buf whole = {0}, nh = {0};

	if (dkimarc_signer_new(&s, k->key, k->domain, k->selector) != DKIMARC_OK ||
	    (k->status == K_WEAK && dkimarc_signer_allow(s, DKIMARC_SIGN_ALLOW_WEAK_KEY)) ||
	    dkimarc_signer_set_canonicalization(s, o->canon) != DKIMARC_OK ||
	    dkimarc_signer_set_timestamp(s, m->when) != DKIMARC_OK ||
	    (o->exact_from_once &&
	     dkimarc_signer_set_headers(s,
	                                "from:to:subject:date:message-id:mime-version:"
	                                "content-type",
	                                1) != DKIMARC_OK) ||
	    (o->body_length && dkimarc_signer_set_body_length(s, 1) != DKIMARC_OK) ||
	    (o->expire && dkimarc_signer_set_expiration(s, 30 * 86400, 1) != DKIMARC_OK))
		die("cannot set up the signer for %s/%s: %s", k->selector, k->domain,
		    dkimarc_last_error());
	badd(&whole, m->head.p, m->head.len);
	bstr(&whole, "\r\n");
	badd(&whole, m->body.p, m->body.len);
	if (dkimarc_sign(s, whole.p, whole.len, &field) != DKIMARC_OK)
		die("cannot sign message %" PRIu64 ": %s", m->seq, dkimarc_last_error());
	bstr(&nh, field);
	badd(&nh, m->head.p, m->head.len);
	free(m->head.p);
	m->head = nh;
	dkimarc_free(field);
	free(whole.p);
	dkimarc_signer_free(s);
}

static const char *pick_canon(void)
{
	unsigned r = (unsigned)below(10);
	return r < 6 ? "relaxed/relaxed" : r < 9 ? "relaxed/simple" : "simple/simple";
}

/* The key a sender domain signs with today, and sometimes a second one. */
static void sign_current(message *m, const char *domain, bool dual_ok, const signopts *o)
{
	if (strcmp(domain, "campaign.example") == 0) {
		if (dual_ok && chance(25))
			sign(m, key_of(domain, "ed2017"), o);
		sign(m, key_of(domain, "mail2016"), o);
	} else if (strcmp(domain, "webmail.example") == 0) {
		if (dual_ok && chance(40))
			sign(m, key_of(domain, "ed1"), o);
		sign(m, key_of(domain, "s2048"), o);
	} else if (strcmp(domain, "isp-one.example") == 0) {
		sign(m, key_of(domain, "dkim"), o);
	} else {
		sign(m, key_of(domain, "mx"), o);
	}
}

/* Replaces the first occurrence of what in b (which must hold it). */
static void replace_in(buf *b, const char *what, const char *with)
{
	char *at = strstr(b->p, what);
	if (!at)
		die("internal: '%s' not found to alter", what);
	buf n = {0};
	badd(&n, b->p, (size_t)(at - b->p));
	bstr(&n, with);
	bstr(&n, at + strlen(what));
	free(b->p);
	*b = n;
}

/* Builds message m of category cat: composed, signed, then tampered with. */
static void build(message *m)
{
	signopts o = {.canon = pick_canon(), .expire = chance(8)};
	const char *dom = PICK(sender_domains);

	switch (m->cat) {
	case C_CONFIRMED:
		compose(m, dom, false);
		sign_current(m, dom, true, &o);
		if (chance(5)) /* relayed through a mailing service as well */
			sign(m, key_of("esp-mailer.example", "esp"), &o);
		m->signer = dom;
		break;
	case C_THIRD_PARTY: {
		static const char *const list_from[] = {"news.example", "shop.example",
		                                        "campaign.example", "partner.example"};
		keyspec *k = chance(50) ? key_of("esp-mailer.example", "esp")
		                        : key_of("lists.example", "list");
		compose(m, PICK(list_from), true);
		sign(m, k, &o);
		m->signer = k->domain;
		break;
	}
	case C_ALTERED_BODY:
		compose(m, dom, false);
		sign_current(m, dom, true, &o);
		replace_in(&m->body, "Hello,", "Hello again,");
		break;
	case C_ALTERED_HEADER:
		compose(m, dom, false);
		sign_current(m, dom, true, &o);
		if (chance(50))
			replace_in(&m->head, "\r\nSubject: ", "\r\nSubject: [changed] ");
		else
			replace_in(&m->head, "\r\nDate: ",
			           "\r\nDate: Mon, 01 May 2017 09:00:00 +0000\r\nX-Old-");
		break;
	case C_BODY_LENGTH:
		compose(m, dom, false);
		o.body_length = true;
		sign_current(m, dom, false, &o);
		bstr(&m->body, "\r\nP.S. Please wire the deposit to the new account today.\r\n");
		break;
	case C_INJECTED_FROM: {
		compose(m, dom, false);
		o.exact_from_once = true;
		sign_current(m, dom, false, &o);
		buf nh = {0};
		bstr(&nh, "From: ");
		person(&nh, "campaign.example");
		bstr(&nh, "\r\n");
		badd(&nh, m->head.p, m->head.len);
		free(m->head.p);
		m->head = nh;
		break;
	}
	case C_ROTATED_KEY:
		if (chance(70)) {
			compose(m, "campaign.example", false);
			sign(m, key_of("campaign.example", "k2015"), &o);
		} else {
			compose(m, "webmail.example", false);
			sign(m, key_of("webmail.example", "s2014"), &o);
		}
		break;
	case C_REVOKED_KEY:
		if (chance(60)) {
			compose(m, "campaign.example", false);
			sign(m, key_of("campaign.example", "old2014"), &o);
		} else {
			compose(m, "isp-two.example", false);
			sign(m, key_of("isp-two.example", "mx2015"), &o);
		}
		break;
	case C_WEAK_KEY:
		if (chance(50)) {
			compose(m, "isp-one.example", false);
			sign(m, key_of("isp-one.example", "legacy512"), &o);
		} else {
			compose(m, "isp-two.example", false);
			sign(m, key_of("isp-two.example", "old768"), &o);
		}
		break;
	default: {
		static const char *const any[] = {"campaign.example", "campaign.example",
		                                  "partner.example",  "gov.example",
		                                  "webmail.example",  "isp-one.example"};
		compose(m, PICK(any), false);
		break;
	}
	}
}

/* The header the receiving server adds on top, after any signature. */
static void received(buf *out, const message *m)
{
	char d[64];
	time_t tt = (time_t)(m->when + 2 + (int64_t)below(30));
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(d, sizeof d, "%a, %d %b %Y %H:%M:%S +0000", &tm);
	bfmt(out, "Return-Path: <%s>\r\n", m->sender);
	bfmt(out,
	     "Received: from mx.%s (mx.%s [192.0.2.%u])\r\n\tby mx.campaign.example with "
	     "ESMTPS id %08" PRIx64 "\r\n\tfor <team@campaign.example>; %s\r\n",
	     m->from_domain, m->from_domain, (unsigned)(1 + below(250)), rnd() & 0xffffffffu, d);
}

/* ---- storage ------------------------------------------------------------------------ */

static const char *outdir;

static void mkdirs(const char *path)
{
	char tmp[4096];
	snprintf(tmp, sizeof tmp, "%s", path);
	for (char *p = tmp + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
			die("cannot make %s: %s", tmp, strerror(errno));
		*p = '/';
	}
	if (mkdir(tmp, 0755) != 0 && errno != EEXIST)
		die("cannot make %s: %s", tmp, strerror(errno));
}

static void write_file(const char *rel, const char *data, size_t len)
{
	char path[4096];
	snprintf(path, sizeof path, "%s/%s", outdir, rel);
	char *slash = strrchr(path, '/');
	*slash = '\0';
	mkdirs(path);
	*slash = '/';
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, len, f) != len || fclose(f) != 0)
		die("cannot write %s: %s", path, strerror(errno));
}

/* CRLF to LF. */
static void to_lf(buf *b)
{
	size_t o = 0;
	for (size_t i = 0; i < b->len; i++)
		if (!(b->p[i] == '\r' && i + 1 < b->len && b->p[i + 1] == '\n'))
			b->p[o++] = b->p[i];
	b->len = o;
	b->p[o] = '\0';
}

/* One mbox file per owner and year; mboxrd quoting; most with LF line ends. */
typedef struct {
	FILE *f;
	char rel[256];
	uint64_t count;
	bool crlf;
} mbox;

static mbox mboxes[sizeof owners / sizeof owners[0]][2];

static void mbox_append(size_t owner, int year, const message *m, const buf *msg, FILE *truth,
                        const char *verdict, const char *reason, const char *signer)
{
	mbox *mb = &mboxes[owner][year - 2016];
	if (!mb->f) {
		char path[4096];
		snprintf(mb->rel, sizeof mb->rel, "leak/%s/Archives/%d.mbox", owners[owner], year);
		snprintf(path, sizeof path, "%s/leak/%s/Archives", outdir, owners[owner]);
		mkdirs(path);
		snprintf(path, sizeof path, "%s/%s", outdir, mb->rel);
		if (!(mb->f = fopen(path, "wb")))
			die("cannot write %s: %s", path, strerror(errno));
		mb->crlf = owner % 4 == 3; /* a Windows mail client's export */
	}
	buf data = {0};
	badd(&data, msg->p, msg->len);
	if (!mb->crlf)
		to_lf(&data);
	long off = ftell(mb->f);
	char d[64];
	time_t tt = (time_t)m->when;
	struct tm tm;
	gmtime_r(&tt, &tm);
	strftime(d, sizeof d, "%a %b %e %H:%M:%S %Y", &tm);
	fprintf(mb->f, "From %s %s%s", m->sender, d, mb->crlf ? "\r\n" : "\n");
	/* mboxrd: every line matching ^>*From gets one more '>' */
	const char *p = data.p, *end = data.p + data.len;
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) + 1 : (size_t)(end - p);
		const char *q = p;
		while (q < p + n && *q == '>')
			q++;
		if ((size_t)(p + n - q) >= 5 && memcmp(q, "From ", 5) == 0)
			fputc('>', mb->f);
		fwrite(p, 1, n, mb->f);
		p += n;
	}
	fputs(mb->crlf ? "\r\n" : "\n", mb->f);
	fprintf(truth, "%s\t%" PRIu64 "\t%ld\t%s\t%s\t%s\t%s\n", mb->rel, ++mb->count, off, verdict,
	        reason, cats[m->cat].name, signer);
	free(data.p);
}

/* ---- main ------------------------------------------------------------------------------ */

static void usage(FILE *out)
{
	fputs("usage: leakgen [--count N | --scale K] [--seed S] [--keys DIR] OUTDIR\n"
	      "\n"
	      "Writes a synthetic leaked mail corpus signed with dkimarc's signer: OUTDIR/leak/,\n"
	      "its ground truth OUTDIR/truth.tsv and key archive OUTDIR/keys.zone. Default:\n"
	      "71,848 mails, exactly 21,075 confirmable (the 2017 proportions); --scale K\n"
	      "makes 1/K of it. OUTDIR must not exist or be empty.\n",
	      out);
}

int main(int argc, char **argv)
{
	uint64_t n = FULL_SIZE, seed = 2017;
	const char *keydir = LEAKGEN_KEYDIR;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];
		if ((strcmp(a, "--count") == 0 || strcmp(a, "--scale") == 0 ||
		     strcmp(a, "--seed") == 0 || strcmp(a, "--keys") == 0) &&
		    i + 1 < argc) {
			const char *v = argv[++i];
			char *end;
			uint64_t x = strtoull(v, &end, 10);
			if (strcmp(a, "--keys") == 0) {
				keydir = v;
				continue;
			}
			if (*end || !*v || (x == 0 && strcmp(a, "--seed") != 0))
				die("%s wants a positive number, not '%s'", a, v);
			if (strcmp(a, "--count") == 0)
				n = x;
			else if (strcmp(a, "--scale") == 0)
				n = (FULL_SIZE + x / 2) / x;
			else
				seed = x;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			usage(stdout);
			return 0;
		} else if (a[0] != '-' && !outdir) {
			outdir = a;
		} else {
			usage(stderr);
			return 2;
		}
	}
	if (!outdir) {
		usage(stderr);
		return 2;
	}
	rng_state = seed;
	mkdirs(outdir);

	/* Exact counts per category, then a shuffled order. */
	uint64_t count[NCAT], assigned = 0;
	for (int c = 0; c < NCAT; c++) {
		count[c] = c == C_UNSIGNED ? 0 : (n * cats[c].full + FULL_SIZE / 2) / FULL_SIZE;
		assigned += count[c];
	}
	if (assigned > n)
		die("--count %" PRIu64 " is too small for the proportions", n);
	count[C_UNSIGNED] = n - assigned;
	unsigned char *order = malloc(n ? n : 1);
	if (!order)
		die("out of memory");
	for (uint64_t i = 0, c = 0; c < NCAT; c++)
		for (uint64_t k = 0; k < count[c]; k++)
			order[i++] = (unsigned char)c;
	for (uint64_t i = n; i > 1; i--) {
		uint64_t j = below(i);
		unsigned char t = order[i - 1];
		order[i - 1] = order[j];
		order[j] = t;
	}

	char path[4096];
	snprintf(path, sizeof path, "%s/keys.zone", outdir);
	FILE *zone = fopen(path, "w");
	if (!zone)
		die("cannot write %s: %s", path, strerror(errno));
	load_keys(keydir, zone);
	if (fclose(zone) != 0)
		die("cannot write %s", path);
	snprintf(path, sizeof path, "%s/truth.tsv", outdir);
	FILE *truth = fopen(path, "w");
	if (!truth)
		die("cannot write %s: %s", path, strerror(errno));
	fputs("# file\tindex\toffset\tverdict\treason\tcategory\tsigner\n", truth);

	const int64_t t0 = 1456790400; /* 2016-03-01 */
	const int64_t t1 = 1493856000; /* 2017-05-04 */
	for (uint64_t i = 0; i < n; i++) {
		message m = {.seq = i, .cat = order[i]};
		m.when = t0 + (int64_t)below((uint64_t)(t1 - t0));
		build(&m);

		buf msg = {0};
		received(&msg, &m);
		badd(&msg, m.head.p, m.head.len);
		bstr(&msg, "\r\n");
		badd(&msg, m.body.p, m.body.len);

		const char *verdict = cats[m.cat].verdict, *reason = cats[m.cat].reason;
		const char *signer = m.signer ? m.signer : "-";
		size_t owner = (size_t)below(sizeof owners / sizeof owners[0]);
		int year = m.when < 1483228800 ? 2016 : 2017;
		unsigned where = (unsigned)below(100);
		char rel[512];
		if (where < 25) {
			mbox_append(owner, year, &m, &msg, truth, verdict, reason, signer);
		} else if (where < 40) {
			snprintf(rel, sizeof rel,
			         "leak/%s/Maildir/%s/%" PRId64 ".M%" PRIu64 "P%u.leakgen,S=%zu:2,S",
			         owners[owner], chance(20) ? "new" : "cur", m.when, i,
			         (unsigned)(1000 + below(30000)), msg.len);
			write_file(rel, msg.p, msg.len);
			fprintf(truth, "%s\t-\t-\t%s\t%s\t%s\t%s\n", rel, verdict, reason,
			        cats[m.cat].name, signer);
		} else {
			static const char *const folders[] = {"Inbox",         "Inbox",
			                                      "Sent",          "Archives/2016",
			                                      "Archives/2017", "Inbox/Press"};
			snprintf(rel, sizeof rel, "leak/%s/%s/%06" PRIu64 ".eml", owners[owner],
			         PICK(folders), i);
			if (chance(12))
				to_lf(&msg); /* saved by a Unix tool: bare LF */
			write_file(rel, msg.p, msg.len);
			fprintf(truth, "%s\t-\t-\t%s\t%s\t%s\t%s\n", rel, verdict, reason,
			        cats[m.cat].name, signer);
		}
		free(msg.p);
		free(m.head.p);
		free(m.body.p);
	}
	/* A leak also carries files that are not mail. */
	for (uint64_t k = 0; k < (n + 9999) / 10000; k++) {
		char rel[256];
		snprintf(rel, sizeof rel, "leak/%s/Documents/notes-%" PRIu64 ".txt",
		         owners[k % (sizeof owners / sizeof owners[0])], k);
		const char text[] = "Notes for the debate\n- budget\n- schedule\n";
		write_file(rel, text, sizeof text - 1);
		fprintf(truth, "%s\t-\t-\t-\tnot_mail\tnot-mail\t-\n", rel);
	}
	for (size_t o = 0; o < sizeof owners / sizeof owners[0]; o++)
		for (int y = 0; y < 2; y++)
			if (mboxes[o][y].f && fclose(mboxes[o][y].f) != 0)
				die("cannot write %s", mboxes[o][y].rel);
	if (fclose(truth) != 0)
		die("cannot write the ground truth");
	for (size_t i = 0; i < NKEYS; i++)
		dkimarc_privkey_free(keys[i].key);
	free(order);
	fprintf(stderr, "leakgen: %" PRIu64 " mails (%" PRIu64 " confirmable) in %s/leak\n", n,
	        count[C_CONFIRMED], outdir);
	return 0;
}
