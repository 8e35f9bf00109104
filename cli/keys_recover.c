/*
 * `dkimarc keys recover`: the RSA public keys a corpus was signed with,
 * recovered from its signatures alone (docs/keys.md, "Recovering keys"), into
 * a JSON Lines archive whose records say "source":"recovered" and which
 * signatures each key was recovered from. The library computes each
 * signature's header digest (explain) and does the arithmetic
 * (dkimarc_rsa_recover); here the corpus is read, the signatures grouped by
 * key name and size, the groups recovered in parallel, and the keys compared
 * with an archive or DNS when asked.
 */
#include "cli.h"
#include "keyopts.h"
#include "scan.h"

#include <dkimarc.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#define CHUNK        (64 * 1024)
#define B_PREFIX     16   /* characters of b= kept to name a signature (RFC 6008's 8, and more) */
#define MAX_LISTED   1000 /* signatures listed per record; an archive line stays under 1 MiB */
#define PROGRESS_SEC 0.5

/* One RSA signature of the corpus. */
struct rsig {
	char *file;    /* the item's path ("-": standard input) */
	int64_t index; /* mbox message number, -1 outside an mbox */
	size_t signo;  /* 1-based, header order */
	char b[B_PREFIX + 1];
	unsigned char *sig, *digest;
	size_t sig_len, digest_len;
	int state;  /* 0 not explained yet; 1 a recovered key verifies it; 2 that key made it,
	               over header fields changed since */
	size_t key; /* the result it belongs to, when state is 1 or 2 */
};

/* A key recovered from a group. */
struct result {
	char *record;    /* "v=DKIM1; k=rsa; p=..." */
	char fp[65];     /* its fingerprint */
	size_t verified; /* signatures it verifies */
	size_t changed;  /* signatures it made over header fields changed since */
	unsigned bits;   /* key size: 8 times the signature's bytes */
	char *compared;  /* JSON array of comparisons, or NULL */
	char *said;      /* the comparison for people, or NULL */
	bool corroborated, differs;
};

/* The signatures of one key name and size: one job. */
struct group {
	char *name; /* "sel._domainkey.example.com", lower case */
	size_t sig_len;
	struct rsig *s;
	size_t n, cap;
	struct result *r;
	size_t nr;
	int rc;        /* a library error, or 0 */
	char err[256]; /* its message */
	bool done, running;
};

/* Names whose signatures are Ed25519. */
struct ed {
	char *name;
	size_t n;
};

struct run {
	struct group *g;
	size_t ng, capg;
	struct ed *ed;
	size_t ned, caped;
	size_t messages, signed_messages, problems, unusable;
	bool failed;
	char *buf;
	FILE *own; /* the output file: never read as a message */
	unsigned max_pairs;
	/* the pool */
	pthread_mutex_t m;
	pthread_cond_t cv;
	size_t next, finished;
	size_t *order; /* groups by size, largest first */
	size_t nwork;
};

void keys_recover_usage(FILE *out)
{
	fputs("usage: dkimarc keys recover [-o FILE [--append|--force]] [--jobs N] [--tries N]\n"
	      "                            [--keys FILE]... [--dns] [--no-progress] PATH...\n"
	      "\n"
	      "recover  finds, for every RSA key (s=, d=) that signed two messages or more,\n"
	      "         its public key from the signatures alone, and writes one record per\n"
	      "         key to a JSON Lines archive, with \"source\":\"recovered\" and the\n"
	      "         signatures it was recovered from. 'dkimarc verify --keys FILE' then\n"
	      "         gives the messages those keys verify the verdict 'consistent' (one\n"
	      "         key holder signed them all), or 'confirmed' where an archive or DNS\n"
	      "         record holds the same key. Takes tens of seconds per key (about 15 s\n"
	      "         for 1024 bits, 35 s for 2048; see docs/keys.md); Ed25519 keys cannot\n"
	      "         be recovered. PATH is read as 'dkimarc scan' reads it ('-': standard\n"
	      "         input); only headers are read. What was recovered, compared or not\n"
	      "         is said on standard error.\n"
	      "\n"
	      "options:\n"
	      "  -o, --output FILE  the archive to write (default '-': standard output)\n"
	      "  --append, --force  add to, or replace, an existing FILE\n"
	      "  --jobs N      keys worked on at once (default: the number of cores)\n"
	      "  --tries N     pairs of signatures tried per key at e=65537 before giving\n"
	      "                up (default 6; each costs a full gcd)\n"
	      "  --keys FILE, --dns  compare each key with the records at its name in an\n"
	      "                archive (may be repeated) or in DNS (--dns-server, --dns-timeout\n"
	      "                and --dns-tries as for pin): the same key corroborates it;\n"
	      "                another key means the key was rotated since, or the mail was\n"
	      "                signed with a key that was never the domain's\n"
	      "  --keys-vector FILE  as --keys, for a test vector's tab-separated dns.txt\n"
	      "  --no-progress no progress line on standard error (drawn only on a terminal)\n"
	      "\n"
	      "exit status: 0 a key recovered and written, 1 none recovered (FILE not\n"
	      "             created), 2 usage or input error\n",
	      out);
}

/* ---- text helpers -------------------------------------------------------------- */

/* A JSON string of s; bytes that are not UTF-8 (a file name may hold them) as \xNN text. */
static void json_put(FILE *f, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	fputc('"', f);
	while (*p) {
		size_t n = cli_utf8_seq(p);
		if (n == 0) {
			fprintf(f, "\\\\x%02X", *p++);
		} else if (*p == '"' || *p == '\\') {
			fprintf(f, "\\%c", *p++);
		} else if (*p < 0x20 || *p == 0x7f) {
			fprintf(f, "\\u%04x", *p++);
		} else {
			fwrite(p, 1, n, f);
			p += n;
		}
	}
	fputc('"', f);
}

static char *xstrdup(const char *s)
{
	char *d = strdup(s);
	if (!d) {
		cli_error("out of memory");
		exit(EXIT_USAGE);
	}
	return d;
}

static void *xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);
	if (!q) {
		cli_error("out of memory");
		exit(EXIT_USAGE);
	}
	return q;
}

static void *xmemdup(const void *p, size_t n)
{
	void *q = xrealloc(NULL, n);
	memcpy(q, p, n);
	return q;
}

/* ---- gathering the signatures -------------------------------------------------- */

static struct group *group_get(struct run *r, const char *name, size_t sig_len)
{
	for (size_t i = 0; i < r->ng; i++)
		if (r->g[i].sig_len == sig_len && strcmp(r->g[i].name, name) == 0)
			return &r->g[i];
	if (r->ng == r->capg) {
		r->capg = r->capg ? 2 * r->capg : 16;
		r->g = xrealloc(r->g, r->capg * sizeof *r->g);
	}
	struct group *g = &r->g[r->ng++];
	memset(g, 0, sizeof *g);
	g->name = xstrdup(name);
	g->sig_len = sig_len;
	return g;
}

static void ed_add(struct run *r, const char *name)
{
	for (size_t i = 0; i < r->ned; i++)
		if (strcmp(r->ed[i].name, name) == 0) {
			r->ed[i].n++;
			return;
		}
	if (r->ned == r->caped) {
		r->caped = r->caped ? 2 * r->caped : 8;
		r->ed = xrealloc(r->ed, r->caped * sizeof *r->ed);
	}
	r->ed[r->ned++] = (struct ed){xstrdup(name), 1};
}

/* "sel._domainkey.dom", lower case, into out; false when d= or s= is missing. */
static bool key_name(const dkimarc_sig *s, char *out, size_t len)
{
	const char *d = dkimarc_sig_domain(s), *sel = dkimarc_sig_selector(s);
	if (!d || !sel || snprintf(out, len, "%s._domainkey.%s", sel, d) >= (int)len)
		return false;
	for (char *p = out; *p; p++)
		if (*p >= 'A' && *p <= 'Z')
			*p = (char)(*p - 'A' + 'a');
	return true;
}

/* Takes the RSA signatures of one report (header digests included: explain is on). */
static void take_report(struct run *r, const dkimarc_report *rep, const char *file, int64_t index)
{
	size_t n = dkimarc_report_sig_count(rep);
	if (n)
		r->signed_messages++;
	for (size_t i = 0; i < n; i++) {
		const dkimarc_sig *s = dkimarc_report_sig(rep, i);
		const char *alg = dkimarc_sig_algorithm(s);
		char name[600];
		if (!alg || !key_name(s, name, sizeof name))
			continue;
		if (strcmp(alg, "ed25519-sha256") == 0) {
			ed_add(r, name);
			continue;
		}
		if (strcmp(alg, "rsa-sha256") != 0 && strcmp(alg, "rsa-sha1") != 0)
			continue;
		size_t dlen = 0, slen = 0;
		const unsigned char *dg = dkimarc_sig_header_digest(s, &dlen);
		const unsigned char *sg = dkimarc_sig_signature(s, &slen);
		const char *b = dkimarc_sig_b(s);
		if (!dg || !sg || !b || slen < 64 || slen > 1024) {
			r->unusable++; /* malformed: no digest was computed */
			continue;
		}
		struct group *g = group_get(r, name, slen);
		if (g->n == g->cap) {
			g->cap = g->cap ? 2 * g->cap : 8;
			g->s = xrealloc(g->s, g->cap * sizeof *g->s);
		}
		struct rsig *x = &g->s[g->n++];
		memset(x, 0, sizeof *x);
		x->file = xstrdup(file);
		x->index = index;
		x->signo = i + 1;
		snprintf(x->b, sizeof x->b, "%s", b);
		x->sig = xmemdup(sg, slen);
		x->sig_len = slen;
		x->digest = xmemdup(dg, dlen);
		x->digest_len = dlen;
	}
}

/* Reads one message's header and takes its signatures; -1 after printing why. */
static int read_message(struct run *r, const dkimarc_ctx *ctx, dkimarc_msgreader *mr, int fd,
                        const char *file, int64_t index)
{
	dkimarc_verifier *v = NULL;
	dkimarc_report *rep = NULL;
	int rc = dkimarc_verifier_new(ctx, &v);

	/* The header digests are known at the blank line: the body is not needed. */
	while (rc == DKIMARC_OK && !dkimarc_verifier_header_done(v)) {
		size_t n = 0;
		if (mr) {
			rc = dkimarc_msgreader_read(mr, r->buf, CHUNK, &n);
		} else {
			ssize_t got = read(fd, r->buf, CHUNK);
			if (got < 0 && errno == EINTR)
				continue;
			if (got < 0) {
				cli_error("cannot read %s: %s", file, strerror(errno));
				dkimarc_verifier_free(v);
				return -1;
			}
			n = (size_t)got;
		}
		if (rc != DKIMARC_OK || n == 0)
			break;
		rc = dkimarc_verifier_write(v, r->buf, n);
	}
	if (rc == DKIMARC_OK)
		rc = dkimarc_verifier_finish(v, &rep);
	if (rc != DKIMARC_OK) {
		cli_error("%s: %s", file,
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		dkimarc_verifier_free(v);
		return -1;
	}
	r->messages++;
	take_report(r, rep, file, index);
	dkimarc_report_free(rep);
	dkimarc_verifier_free(v);
	return 0;
}

struct walk_arg {
	struct run *r;
	const dkimarc_ctx *ctx;
};

static int read_item(void *arg, dkimarc_msgreader *mr, const char *path, int64_t index)
{
	struct walk_arg *w = arg;
	return read_message(w->r, w->ctx, mr, -1, path, index);
}

static void read_corpus(struct run *r, const dkimarc_ctx *ctx, char **paths, size_t npaths,
                        struct progress *pg)
{
	struct walk_arg w = {r, ctx};
	for (size_t i = 0; i < npaths; i++)
		if (strcmp(paths[i], "-") == 0 &&
		    read_message(r, ctx, NULL, STDIN_FILENO, "-", -1) < 0)
			r->failed = true;
	if (keys_walk(paths, npaths, r->own, pg, read_item, &w, &r->problems))
		r->failed = true;
}

/* ---- recovering ------------------------------------------------------------------ */

/*
 * Recovers every key a group holds: a key from the signatures not yet
 * explained, then again from those it leaves (a selector reused after a key
 * change holds two keys), until fewer than two are left or none yields a key.
 */
static void recover_group(struct run *r, struct group *g)
{
	dkimarc_rsa_sample *smp = xrealloc(NULL, g->n * sizeof *smp);
	size_t *idx = xrealloc(NULL, g->n * sizeof *idx);
	unsigned char *used = xrealloc(NULL, g->n);

	for (;;) {
		size_t m = 0;
		for (size_t i = 0; i < g->n; i++) {
			if (g->s[i].state != 0)
				continue;
			smp[m] = (dkimarc_rsa_sample){g->s[i].sig, g->sig_len, g->s[i].digest,
			                              g->s[i].digest_len};
			idx[m++] = i;
		}
		if (m < 2)
			break;
		char *rec = NULL;
		int rc = dkimarc_rsa_recover(smp, m, 0, r->max_pairs, used, &rec);
		if (rc != DKIMARC_OK) {
			g->rc = rc;
			snprintf(g->err, sizeof g->err, "%s", dkimarc_last_error());
			break;
		}
		if (!rec)
			break;
		struct result res = {.record = rec, .bits = (unsigned)(8 * g->sig_len)};
		if (dkimarc_record_fingerprint(rec, strlen(rec), res.fp) != DKIMARC_OK)
			res.fp[0] = '\0';
		for (size_t i = 0; i < m; i++) {
			if (used[i] == 1 || used[i] == 2) {
				g->s[idx[i]].state = used[i];
				g->s[idx[i]].key = g->nr;
				res.verified += used[i] == 1;
				res.changed += used[i] == 2;
			}
		}
		g->r = xrealloc(g->r, (g->nr + 1) * sizeof *g->r);
		g->r[g->nr++] = res;
	}
	free(smp);
	free(idx);
	free(used);
}

static void *worker(void *arg)
{
	struct run *r = arg;
	for (;;) {
		pthread_mutex_lock(&r->m);
		size_t i = r->next < r->nwork ? r->order[r->next++] : SIZE_MAX;
		if (i != SIZE_MAX)
			r->g[i].running = true;
		pthread_mutex_unlock(&r->m);
		if (i == SIZE_MAX)
			return NULL;
		recover_group(r, &r->g[i]);
		pthread_mutex_lock(&r->m);
		r->g[i].running = false;
		r->g[i].done = true;
		r->finished++;
		pthread_cond_signal(&r->cv);
		pthread_mutex_unlock(&r->m);
	}
}

/* Runs the groups with two signatures or more on jobs threads; progress on a terminal. */
static void recover_all(struct run *r, unsigned jobs, bool progress)
{
	r->order = xrealloc(NULL, r->ng * sizeof *r->order);
	for (size_t i = 0; i < r->ng; i++)
		if (r->g[i].n >= 2)
			r->order[r->nwork++] = i;
	/* Largest keys first: the slowest jobs start early, and the run ends sooner. */
	for (size_t i = 1; i < r->nwork; i++)
		for (size_t j = i;
		     j > 0 && r->g[r->order[j]].sig_len > r->g[r->order[j - 1]].sig_len; j--) {
			size_t t = r->order[j];
			r->order[j] = r->order[j - 1];
			r->order[j - 1] = t;
		}
	if (r->nwork == 0)
		return;
	if (jobs > r->nwork)
		jobs = (unsigned)r->nwork;
	pthread_t *th = xrealloc(NULL, jobs * sizeof *th);
	unsigned started = 0;
	pthread_mutex_init(&r->m, NULL);
	pthread_cond_init(&r->cv, NULL);
	for (; started < jobs; started++)
		if (pthread_create(&th[started], NULL, worker, r) != 0)
			break;
	if (started == 0)
		worker(r); /* no thread to be had: here */
	double t0 = progress_now();
	pthread_mutex_lock(&r->m);
	while (r->finished < r->nwork) {
		if (progress) {
			size_t running = 0;
			const char *one = NULL;
			for (size_t i = 0; i < r->ng; i++)
				if (r->g[i].running) {
					running++;
					one = r->g[i].name;
				}
			unsigned long el = (unsigned long)(progress_now() - t0);
			fprintf(stderr,
			        "\r\033[Krecovering keys: %zu of %zu done, %zu running%s%s%s, "
			        "%lu:%02lu elapsed",
			        r->finished, r->nwork, running, one ? " (" : "", one ? one : "",
			        one ? (running > 1 ? ", ...)" : ")") : "", el / 60, el % 60);
			fflush(stderr);
		}
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += (long)(PROGRESS_SEC * 1e9);
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&r->cv, &r->m, &ts);
	}
	pthread_mutex_unlock(&r->m);
	for (unsigned i = 0; i < started; i++)
		pthread_join(th[i], NULL);
	if (progress) {
		fputs("\r\033[K", stderr);
		fflush(stderr);
	}
	free(th);
	pthread_mutex_destroy(&r->m);
	pthread_cond_destroy(&r->cv);
}

/* ---- comparing with an archive or DNS ----------------------------------------------- */

/* Appends ",\"s\"" (or the first) to a JSON array being built in *arr. */
static void arr_add(char **arr, const char *s)
{
	char *lit = json_string_lit(s);
	size_t n = *arr ? strlen(*arr) : 0;
	if (!lit) {
		cli_error("out of memory");
		exit(EXIT_USAGE);
	}
	*arr = xrealloc(*arr, n + strlen(lit) + 2);
	sprintf(*arr + n, "%s%s", n ? "," : "", lit);
	free(lit);
}

/* Appends a line to *said (lines end with '\n'). */
static void say_add(char **said, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void say_add(char **said, const char *fmt, ...)
{
	char buf[1024];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	size_t n = *said ? strlen(*said) : 0;
	*said = xrealloc(*said, n + strlen(buf) + 2);
	sprintf(*said + n, "%s\n", buf);
}

/* One recovered key against what a source holds at its name. */
static void compare_one(struct result *res, int rc, const dkimarc_answer *ans)
{
	char *same = NULL, *other = NULL;
	if (rc != DKIMARC_OK)
		say_add(&res->said, "not compared: %s", dkimarc_last_error());
	else if (dkimarc_answer_status(ans) != DKIMARC_LOOKUP_FOUND)
		say_add(&res->said, "not compared: %s%s",
		        dkimarc_answer_status(ans) == DKIMARC_LOOKUP_TEMPFAIL
		            ? "a temporary failure, try again later: "
		            : "",
		        dkimarc_answer_why(ans));
	for (size_t i = 0; rc == DKIMARC_OK && i < dkimarc_answer_count(ans); i++) {
		const dkimarc_keyrec *kr = dkimarc_answer_record(ans, i);
		const char *org = kr->origin ? kr->origin : "?";
		char fp[65];
		/* A recovered record is nobody's word for the key. */
		if (kr->source && strcmp(kr->source, "recovered") == 0)
			continue;
		if (dkimarc_record_fingerprint(kr->txt, kr->txt_len, fp) != DKIMARC_OK) {
			say_add(&res->said, "%s holds no usable key (%s)", org,
			        dkimarc_last_error());
		} else if (strcmp(fp, res->fp) == 0) {
			arr_add(&same, org);
			say_add(&res->said, "corroborated: %s holds the same key", org);
		} else {
			arr_add(&other, org);
			say_add(
			    &res->said,
			    "another key at %s: the key was rotated since these mails were signed, "
			    "or they were signed with a key that was never the domain's (forged)",
			    org);
		}
	}
	size_t len = 64 + (same ? strlen(same) : 0) + (other ? strlen(other) : 0);
	res->compared = xrealloc(NULL, len);
	snprintf(res->compared, len, ",\"corroborated_by\":[%s],\"differs_from\":[%s]",
	         same ? same : "", other ? other : "");
	free(same);
	free(other);
}

/* What the archives or DNS hold at the name of each recovered key. */
static void compare_all(struct run *r, dkimarc_keysrc *src)
{
	for (size_t gi = 0; gi < r->ng; gi++) {
		struct group *g = &r->g[gi];
		if (!g->nr)
			continue;
		dkimarc_answer *ans = NULL;
		int rc = dkimarc_keysrc_lookup(src, g->name, &ans);
		for (size_t k = 0; k < g->nr; k++)
			compare_one(&g->r[k], rc, ans);
		dkimarc_answer_free(ans);
	}
}

/* ---- output --------------------------------------------------------------------------- */

static void put_record(FILE *f, const struct group *g, size_t k)
{
	const struct result *res = &g->r[k];
	fputs("{\"name\":", f);
	json_put(f, g->name);
	fputs(",\"txt\":", f);
	json_put(f, res->record);
	fprintf(f,
	        ",\"source\":\"recovered\",\"bits\":%u,\"fingerprint\":\"%s\",\"signatures\":%zu",
	        res->bits, res->fp, res->verified);
	fputs(",\"recovered_from\":[", f);
	size_t listed = 0;
	for (size_t i = 0; i < g->n && listed < MAX_LISTED; i++) {
		const struct rsig *x = &g->s[i];
		if (x->state != 1 || x->key != k)
			continue;
		fputs(listed++ ? ",{\"file\":" : "{\"file\":", f);
		json_put(f, x->file);
		if (x->index >= 0)
			fprintf(f, ",\"index\":%" PRId64, x->index);
		else
			fputs(",\"index\":null", f);
		fprintf(f, ",\"signature\":%zu,\"b\":", x->signo);
		json_put(f, x->b);
		fputc('}', f);
	}
	fputc(']', f);
	if (res->compared)
		fputs(res->compared, f);
	fputs("}\n", f);
}

/* What was found, for people, on standard error; returns the number of keys recovered. */
static size_t say_results(const struct run *r)
{
	size_t keys = 0;
	for (size_t gi = 0; gi < r->ng; gi++) {
		const struct group *g = &r->g[gi];
		size_t left = 0;
		for (size_t i = 0; i < g->n; i++)
			left += g->s[i].state == 0;
		for (size_t k = 0; k < g->nr; k++) {
			const struct result *res = &g->r[k];
			keys++;
			fprintf(stderr, "dkimarc: %s: %u-bit RSA key recovered from %s", g->name,
			        res->bits, cli_count(0, res->verified, "signature", NULL));
			if (res->changed)
				fprintf(stderr,
				        "; it also made %s over header fields that changed since",
				        cli_count(1, res->changed, "signature", NULL));
			fprintf(stderr, "\ndkimarc:   fingerprint %s\n", res->fp);
			for (const char *p = res->said; p && *p;) {
				const char *e = strchr(p, '\n');
				fprintf(stderr, "dkimarc:   %.*s\n", (int)(e - p), p);
				p = e + 1;
			}
		}
		if (g->rc)
			cli_error("%s: recovery failed: %s", g->name, g->err);
		else if (g->n < 2)
			cli_error(
			    "%s: only one %u-bit RSA signature: two or more are needed to recover "
			    "a key",
			    g->name, (unsigned)(8 * g->sig_len));
		else if (g->nr == 0)
			cli_error(
			    "%s: no key recovered from %s of %u bits: no two of them verify with "
			    "one key (their signed header fields changed, or each was made with "
			    "another key)",
			    g->name, cli_count(0, g->n, "signature", NULL),
			    (unsigned)(8 * g->sig_len));
		else if (left == 1)
			cli_error("%s: 1 more signature is not explained by the key%s recovered",
			          g->name, g->nr > 1 ? "s" : "");
		else if (left > 1)
			cli_error(
			    "%s: %zu more signatures yield no key (their signed header fields "
			    "changed, or each was made with another key)",
			    g->name, left);
	}
	for (size_t i = 0; i < r->ned; i++)
		cli_error("%s: Ed25519 public keys cannot be recovered from signatures (%s)",
		          r->ed[i].name, cli_count(0, r->ed[i].n, "signature", NULL));
	return keys;
}

/* ---- the command ------------------------------------------------------------------------- */

static unsigned default_jobs(void)
{
	long n = sysconf(_SC_NPROCESSORS_ONLN);
	return n < 1 ? 1 : n > 256 ? 256 : (unsigned)n;
}

static int number_opt(int argc, char **argv, int *i, const char *opt, const char *val, unsigned max,
                      unsigned *out)
{
	if (!val) {
		if (*i + 1 >= argc)
			return cli_usage_error("option '%s' needs a number", opt);
		val = argv[++*i];
	}
	char *end;
	errno = 0;
	unsigned long n = strtoul(val, &end, 10);
	if (val[0] < '0' || val[0] > '9' || *end || errno || n < 1 || n > max)
		return cli_usage_error("option '%s' needs a number from 1 to %u, not '%s'", opt,
		                       max, val);
	*out = (unsigned)n;
	return 0;
}

static void run_free(struct run *r)
{
	for (size_t gi = 0; gi < r->ng; gi++) {
		struct group *g = &r->g[gi];
		for (size_t i = 0; i < g->n; i++) {
			free(g->s[i].file);
			free(g->s[i].sig);
			free(g->s[i].digest);
		}
		for (size_t k = 0; k < g->nr; k++) {
			dkimarc_free(g->r[k].record);
			free(g->r[k].compared);
			free(g->r[k].said);
		}
		free(g->s);
		free(g->r);
		free(g->name);
	}
	free(r->g);
	for (size_t i = 0; i < r->ned; i++)
		free(r->ed[i].name);
	free(r->ed);
	free(r->order);
	free(r->buf);
}

/* Groups in name order, then by key size, so that equal corpora give equal archives. */
static int by_group(const void *a, const void *b)
{
	const struct group *x = a, *y = b;
	int c = strcmp(x->name, y->name);
	return c ? c : x->sig_len < y->sig_len ? -1 : x->sig_len > y->sig_len;
}

int keys_recover(int argc, char **argv)
{
	struct keyopts ko = {0};
	struct run r = {0};
	const char *out = "-";
	bool append = false, force = false, opts_done = false, no_progress = false;
	unsigned jobs = 0;
	char **paths = calloc((size_t)argc + 1, sizeof *paths);
	size_t npaths = 0;
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL, *dns = NULL;
	char *tmp = NULL;
	FILE *f = NULL;
	int st = EXIT_USAGE;

	if (!paths) {
		cli_error("out of memory");
		return EXIT_USAGE;
	}
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		int k;
		if (opts_done || a[0] != '-' || a[1] == '\0') {
			paths[npaths++] = argv[i];
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			keys_recover_usage(stdout);
			st = 0;
			goto done;
		} else if (strcmp(a, "--append") == 0) {
			append = true;
		} else if (strcmp(a, "--force") == 0) {
			force = true;
		} else if (strcmp(a, "--no-progress") == 0) {
			no_progress = true;
		} else if (strcmp(a, "-o") == 0 || cli_opt_is(a, "--output", &val)) {
			if (a[1] == 'o' || !val) {
				if (i + 1 >= argc) {
					cli_usage_error("option '%s' needs a FILE argument", a);
					goto done;
				}
				val = argv[++i];
			}
			if (!*val) {
				cli_usage_error("option '%s' needs a FILE ('-': standard output)",
				                a);
				goto done;
			}
			out = val;
		} else if (strcmp(a, "-j") == 0 || cli_opt_is(a, "--jobs", &val)) {
			if (number_opt(argc, argv, &i, "--jobs", a[1] == 'j' ? NULL : val, 256,
			               &jobs))
				goto done;
		} else if (cli_opt_is(a, "--tries", &val)) {
			if (number_opt(argc, argv, &i, "--tries", val, 1000, &r.max_pairs))
				goto done;
		} else if ((k = keyopts_parse(&ko, argc, argv, &i)) != 0) {
			if (k < 0)
				goto done;
		} else {
			cli_usage_error("unknown option '%s' for 'keys recover'", a);
			goto done;
		}
	}
	if (npaths == 0) {
		cli_usage_error(
		    "'keys recover' needs at least one PATH (a message file or folder)");
		goto done;
	}
	if (append && force) {
		cli_usage_error("--append and --force exclude each other");
		goto done;
	}
	if (!jobs)
		jobs = default_jobs();
	/* Sources to compare with: only when asked (keyopts_build alone would ask DNS). */
	if ((ko.nkeys || ko.dns) && keyopts_build(&ko, &src, &dns) != 0)
		goto done;
	if (!(f = archive_out_open(out, append, force, &tmp)))
		goto done;
	r.own = f != stdout ? f : NULL;
	/* No key source: the digests are all that is wanted, and nothing is looked up. */
	if (dkimarc_ctx_new(&ctx) != DKIMARC_OK || dkimarc_ctx_set_explain(ctx, 1) != DKIMARC_OK ||
	    !(r.buf = malloc(CHUNK))) {
		cli_error("out of memory");
		archive_out_close(f, out, tmp, false);
		goto done;
	}
	bool tty = !no_progress && isatty(STDERR_FILENO);
	struct progress pg;
	progress_init(&pg, tty, 0);
	read_corpus(&r, ctx, paths, npaths, &pg);
	if (r.ng > 1)
		qsort(r.g, r.ng, sizeof *r.g, by_group);
	size_t nsig = 0;
	for (size_t i = 0; i < r.ng; i++)
		nsig += r.g[i].n;
	fprintf(stderr, "dkimarc: %s read, %zu signed; %s of %s to recover from\n",
	        cli_count(0, r.messages, "message", NULL), r.signed_messages,
	        cli_count(1, nsig, "RSA signature", NULL), cli_count(2, r.ng, "key name", NULL));
	if (r.unusable)
		cli_error("%s left out: malformed, or of a key under 512 bits",
		          cli_count(0, r.unusable, "RSA signature", NULL));
	recover_all(&r, jobs, tty);
	if (src)
		compare_all(&r, src);
	size_t keys = say_results(&r);
	for (size_t gi = 0; gi < r.ng; gi++)
		for (size_t k = 0; k < r.g[gi].nr; k++)
			put_record(f, &r.g[gi], k);
	bool failed = r.failed;
	for (size_t gi = 0; gi < r.ng; gi++)
		failed |= r.g[gi].rc != 0;
	if (archive_out_close(f, out, tmp, keys > 0 || append) < 0) {
		st = EXIT_USAGE;
		goto done;
	}
	fprintf(stderr, "dkimarc: %s recovered%s%s\n", cli_count(0, keys, "key", NULL),
	        keys && strcmp(out, "-") != 0 ? " into " : "",
	        keys && strcmp(out, "-") != 0 ? out : "");
	st = failed ? EXIT_USAGE : keys ? EXIT_CONFIRMED : EXIT_NOT_CONFIRMED;
done:
	dkimarc_ctx_free(ctx);
	dkimarc_keysrc_free(src);
	run_free(&r);
	keyopts_free(&ko);
	free(paths);
	return st;
}
