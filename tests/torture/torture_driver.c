/*
 * The library side of the failing-allocator test (run under failmalloc.so):
 * sets up a context once, then for N = 1, 2, ... forks a child in which the
 * Nth allocation (or OpenSSL call) fails, verifies the message with one of
 * the public APIs and renders the report (JSON, text, Authentication-Results).
 * Each child must give exactly what a run without failures gives, or fail
 * with DKIMARC_ENOMEM or DKIMARC_ECRYPTO; never another report, never a crash.
 * Forking after the setup makes a run cost a fork, not a process start.
 *
 *   torture_driver [--crypto] [--stride S] [--only N] [--diagnose] [--explain]
 *                  [--at T] --keys FILE|--keys-vector FILE MODE MESSAGE
 *   MODE: oneshot (dkimarc_verify), stream (dkimarc_verifier_*, 61-byte writes)
 *   --keys-vector: FILE is a test vector's tab-separated dns.txt
 *
 * Prints one line per failing N and a summary; exits 1 on any failure.
 * --only N runs N alone and prints what it gave.
 */
#include <dkimarc.h>
#include <errno.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

/* From failmalloc.so; absent when it is not preloaded. */
extern void torture_arm(long alloc_at, long crypto_at) __attribute__((weak));
extern int torture_injected(void) __attribute__((weak));

struct opts {
	const char *keys, *mode, *file;
	bool vector, crypto, diagnose, explain;
	long stride, only;
	int64_t at;
};

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;
	if (!f)
		return NULL;
	do {
		if (n == cap) {
			char *nb = realloc(buf, cap = cap ? 2 * cap : 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n, f);
		n += got;
	} while (got > 0);
	fclose(f);
	*len = n;
	return buf;
}

/* Verifies msg with the API mode names; DKIMARC_OK and *out, or an error status. */
static int verify(const dkimarc_ctx *ctx, const char *mode, const char *msg, size_t len,
                  dkimarc_report **out)
{
	*out = NULL;
	if (strcmp(mode, "oneshot") == 0)
		return dkimarc_verify(ctx, msg, len, out);
	dkimarc_verifier *v = NULL;
	int rc = dkimarc_verifier_new(ctx, &v);
	for (size_t off = 0; !rc && off < len; off += 61)
		rc = dkimarc_verifier_write(v, msg + off, len - off < 61 ? len - off : 61);
	if (!rc)
		rc = dkimarc_verifier_finish(v, out);
	if (!rc && !*out)
		rc = DKIMARC_EINVAL; /* never: finish gives a report or an error */
	dkimarc_verifier_free(v);
	return rc;
}

/*
 * One run, in a child: writes to fd "STATUS INJECTED\n" then the rendered
 * report (STATUS 0) or the error's name and message.
 */
static void child(const struct opts *o, const dkimarc_ctx *ctx, const char *msg, size_t len, long n,
                  int fd)
{
	dkimarc_report *r = NULL;
	char *json = NULL, *text = NULL, *ar = NULL, head[64];
	int rc;

	torture_arm(o->crypto ? 0 : n, o->crypto ? n : 0);
	rc = verify(ctx, o->mode, msg, len, &r);
	if (!rc)
		rc = dkimarc_report_json(r, o->file, &json);
	if (!rc)
		rc = dkimarc_report_text(r, o->file, &text);
	if (!rc)
		rc = dkimarc_report_authres(r, "mx.example", &ar);
	const char *err = rc ? dkimarc_last_error() : "";
	int injected = torture_injected();
	torture_arm(0, 0); /* what follows must not fail */
	FILE *f = fdopen(fd, "w");
	if (!f)
		_exit(3);
	snprintf(head, sizeof head, "%d %d\n", rc, injected);
	fputs(head, f);
	if (rc)
		fprintf(f, "%s: %s\n", dkimarc_strerror(rc), err);
	else
		fprintf(f, "%s\n%s%s", json, text, ar);
	fclose(f);
	dkimarc_free(json);
	dkimarc_free(text);
	dkimarc_free(ar);
	dkimarc_report_free(r);
	/* exit(): a sanitizer checks for leaks of the run that failed. */
	exit(0);
}

/* Runs child n; returns its output (malloc'd) and sets *status (waitpid's). */
static char *run(const struct opts *o, const dkimarc_ctx *ctx, const char *msg, size_t len, long n,
                 int *status)
{
	int p[2];
	char *out = NULL;
	size_t cap = 0, used = 0;
	if (pipe(p) != 0)
		return NULL;
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0)
		return NULL;
	if (pid == 0) {
		close(p[0]);
		child(o, ctx, msg, len, n, p[1]);
	}
	close(p[1]);
	for (;;) {
		if (used + 4096 + 1 > cap) {
			char *nb = realloc(out, cap = cap ? 2 * cap : 65536);
			if (!nb)
				break;
			out = nb;
		}
		ssize_t got = read(p[0], out + used, cap - used - 1);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		used += (size_t)got;
	}
	close(p[0]);
	if (out)
		out[used] = '\0';
	while (waitpid(pid, status, 0) < 0 && errno == EINTR)
		;
	return out;
}

static int usage(void)
{
	fputs("usage: torture_driver [--crypto] [--stride S] [--only N] [--diagnose] [--explain]\n"
	      "                      [--at T] --keys FILE|--keys-vector FILE oneshot|stream\n"
	      "                      MESSAGE\n",
	      stderr);
	return 2;
}

int main(int argc, char **argv)
{
	struct opts o = {.stride = 1, .at = -1};
	int i;
	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--crypto") == 0)
			o.crypto = true;
		else if (strcmp(argv[i], "--diagnose") == 0)
			o.diagnose = true;
		else if (strcmp(argv[i], "--explain") == 0)
			o.explain = true;
		else if (strcmp(argv[i], "--stride") == 0 && i + 1 < argc)
			o.stride = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--only") == 0 && i + 1 < argc)
			o.only = strtol(argv[++i], NULL, 10);
		else if (strcmp(argv[i], "--at") == 0 && i + 1 < argc)
			o.at = dkimarc_parse_time(argv[++i]);
		else if (strcmp(argv[i], "--keys") == 0 && i + 1 < argc)
			o.keys = argv[++i], o.vector = false;
		else if (strcmp(argv[i], "--keys-vector") == 0 && i + 1 < argc)
			o.keys = argv[++i], o.vector = true;
		else
			return usage();
	}
	if (argc - i != 2 || !o.keys || o.stride < 1 ||
	    (strcmp(argv[i], "oneshot") != 0 && strcmp(argv[i], "stream") != 0))
		return usage();
	o.mode = argv[i];
	o.file = argv[i + 1];
	if (!torture_arm || !torture_injected) {
		fputs("torture_driver: run it with LD_PRELOAD=failmalloc.so\n", stderr);
		return 2;
	}

	size_t len;
	char *msg = slurp(o.file, &len);
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL;
	if (!msg || dkimarc_ctx_new(&ctx) || dkimarc_keysrc_archive_new(&src) ||
	    (o.vector ? dkimarc_keysrc_archive_load_vector(src, o.keys)
	              : dkimarc_keysrc_archive_load(src, o.keys)) ||
	    dkimarc_ctx_set_keysrc(ctx, src) || (o.at >= 0 && dkimarc_ctx_set_time(ctx, o.at)) ||
	    (o.diagnose && dkimarc_ctx_set_diagnose(ctx, 1 << 20)) ||
	    (o.explain && dkimarc_ctx_set_explain(ctx, 1))) {
		fprintf(stderr, "torture_driver: setup: %s\n", dkimarc_last_error());
		return 2;
	}

	int status;
	if (o.only > 0) {
		char *out = run(&o, ctx, msg, len, o.only, &status);
		printf("%s\nstatus %d\n", out ? out : "(no output)", status);
		free(out);
		free(msg);
		dkimarc_ctx_free(ctx);
		return 0;
	}
	char *truth = run(&o, ctx, msg, len, 0, &status);
	if (!truth || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    strncmp(truth, "0 0\n", 4)) {
		fprintf(stderr, "torture_driver: the run without failures failed: %s\n",
		        truth ? truth : "(no output)");
		return 1;
	}
	long runs = 0, errors = 0, bad = 0;
	for (long n = 1;; n += o.stride) {
		char *out = run(&o, ctx, msg, len, n, &status);
		runs++;
		const char *why = NULL;
		int rc = 0, injected = 0;
		if (!out)
			why = "no output";
		else if (WIFSIGNALED(status))
			why = "crashed";
		else if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
			why = "exited with a failure (sanitizer?)";
		else if (sscanf(out, "%d %d", &rc, &injected) != 2)
			why = "garbled output";
		else if (rc == 0 && strcmp(strchr(out, '\n'), strchr(truth, '\n')) != 0)
			why = "a report that differs from the true one";
		else if (rc != 0 && rc != DKIMARC_ENOMEM && rc != DKIMARC_ECRYPTO)
			why = "an error other than ENOMEM or ECRYPTO";
		else if (rc != 0 && !injected)
			why = "an error, with no failure injected";
		if (why) {
			bad++;
			fprintf(stderr, "FAIL %s %s %s=%ld: %s", o.mode, o.file,
			        o.crypto ? "crypto" : "alloc", n, why);
			if (out && WIFEXITED(status) && rc == 0 && injected) {
				const char *g = strchr(out, '\n') + 1, *w = strchr(truth, '\n') + 1;
				size_t k = 0;
				while (g[k] && g[k] == w[k])
					k++;
				size_t from = k > 60 ? k - 60 : 0;
				fprintf(stderr,
				        ", from byte %zu:\n  got:  %.140s\n  want: %.140s\n", k,
				        g + from, w + from);
			} else {
				fprintf(stderr, " (%s)\n", out ? out : "");
			}
		}
		errors += rc != 0;
		free(out);
		if (!why && !injected)
			break; /* the run made fewer calls than n: all were tried */
		if (bad >= 20)
			break;
	}
	printf("%s %s %s: %ld runs, %ld errors, %ld wrong\n", o.mode, o.file,
	       o.crypto ? "crypto" : "alloc", runs, errors, bad);
	free(truth);
	free(msg);
	dkimarc_ctx_free(ctx);
	return bad ? 1 : 0;
}
