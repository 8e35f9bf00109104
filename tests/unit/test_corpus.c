/* Corpus walking: order, recognition, problems reported, readers, JSON. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <sys/stat.h>
#include <unistd.h>

#include "internal.h"

static char root[256];

static void mk(const char *rel)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	assert_true(mkdir(p, 0755) == 0 || errno == EEXIST);
}

static void put(const char *rel, const char *data, size_t len)
{
	char p[512];
	snprintf(p, sizeof p, "%s/%s", root, rel);
	FILE *f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(data, 1, len, f), len);
	assert_int_equal(fclose(f), 0);
}

static void puts_(const char *rel, const char *s)
{
	put(rel, s, strlen(s));
}

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	long n = ftell(f);
	fseek(f, 0, SEEK_SET);
	char *p = malloc((size_t)n + 1);
	assert_int_equal(fread(p, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	p[n] = '\0';
	*len = (size_t)n;
	return p;
}

static char *sample(const char *name, size_t *len)
{
	char p[512];
	snprintf(p, sizeof p, "%s/vectors/sample/%s", SRCDIR, name);
	return slurp(p, len);
}

static int setup(void **state)
{
	(void)state;
	snprintf(root, sizeof root, "/tmp/dkimarc-test-corpus-XXXXXX");
	assert_non_null(mkdtemp(root));
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	char cmd[600];
	snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
	assert_int_equal(system(cmd), 0);
	return 0;
}

/* One walk's items, flattened for checking. */
typedef struct {
	dkimarc_item_kind kind;
	char path[512];
	int64_t index, offset;
	uint64_t size;
	bool has_note;
	char problem[512];
} walked;

static size_t walk(dkimarc_corpus *c, walked *out, size_t max)
{
	size_t n = 0;
	dkimarc_corpus_item *it;
	for (;;) {
		assert_int_equal(dkimarc_corpus_next(c, &it), DKIMARC_OK);
		if (!it)
			break;
		assert_true(n < max);
		walked *g = &out[n++];
		g->kind = dkimarc_corpus_item_kind(it);
		snprintf(g->path, sizeof g->path, "%s",
		         dkimarc_corpus_item_path(it) + strlen(root));
		g->index = dkimarc_corpus_item_index(it);
		g->offset = dkimarc_corpus_item_offset(it);
		g->size = dkimarc_corpus_item_size(it);
		g->has_note = dkimarc_corpus_item_note(it) != NULL;
		snprintf(g->problem, sizeof g->problem, "%s",
		         dkimarc_corpus_item_problem(it) ? dkimarc_corpus_item_problem(it) : "");
		assert_true((g->kind == DKIMARC_ITEM_MESSAGE) == (g->problem[0] == '\0'));
		dkimarc_corpus_item_free(it);
	}
	return n;
}

static dkimarc_corpus *corpus_of(const char *rel)
{
	dkimarc_corpus *c = NULL;
	char p[512];
	snprintf(p, sizeof p, "%s%s%s", root, *rel ? "/" : "", rel);
	assert_int_equal(dkimarc_corpus_new(&c), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_add_path(c, p), DKIMARC_OK);
	return c;
}

static const char MSG[] = "From: a@example.com\r\nSubject: x\r\n\r\nbody\r\n";
static const char SEP[] = "From a@example.com Thu Jan  5 10:00:00 2017\n";

static void nested_folders_in_byte_order(void **state)
{
	(void)state;
	mk("t");
	mk("t/a");
	mk("t/c");
	mk("t/c/d");
	mk("t/c/d/e");
	puts_("t/b.eml", MSG);
	puts_("t/a.eml", MSG);
	puts_("t/a/x.eml", MSG);
	puts_("t/c/d/e/deep", MSG); /* no extension: recognised by content */
	puts_("t/B.eml", MSG);      /* upper case sorts first in byte order */
	walked g[16];
	dkimarc_corpus *c = corpus_of("t");
	size_t n = walk(c, g, 16);
	dkimarc_corpus_free(c);
	static const char *const want[] = {"/t/B.eml", "/t/a/x.eml", "/t/a.eml", "/t/b.eml",
	                                   "/t/c/d/e/deep"};
	assert_int_equal(n, 5);
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(g[i].path, want[i]);
		assert_int_equal(g[i].kind, DKIMARC_ITEM_MESSAGE);
		assert_int_equal(g[i].index, -1);
		assert_int_equal(g[i].offset, -1);
		assert_int_equal(g[i].size, sizeof MSG - 1);
	}
}

static void maildir_eml_and_mbox_recognised(void **state)
{
	(void)state;
	char mbox[1024];
	mk("m");
	mk("m/Maildir");
	mk("m/Maildir/cur");
	mk("m/Maildir/new");
	mk("m/Maildir/tmp");
	/* A maildir entry or .eml starting with an envelope line is one message, not an mbox. */
	snprintf(mbox, sizeof mbox, "%s%s\n%s%s", SEP, MSG, SEP, MSG);
	puts_("m/Maildir/cur/1493000000.M1P2.host:2,S", mbox);
	puts_("m/Maildir/new/1493000001.M1P2.host", MSG);
	puts_("m/Maildir/tmp/1493000002.M1P2.host", MSG);
	puts_("m/saved.eml", mbox);
	puts_("m/archive", mbox);
	puts_("m/archive.mbox", mbox);
	walked g[16];
	dkimarc_corpus *c = corpus_of("m");
	size_t n = walk(c, g, 16);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 8);
	assert_string_equal(g[0].path, "/m/Maildir/cur/1493000000.M1P2.host:2,S");
	assert_int_equal(g[0].index, -1);
	assert_int_equal(g[0].size, strlen(mbox));
	assert_string_equal(g[1].path, "/m/Maildir/new/1493000001.M1P2.host");
	assert_string_equal(g[2].path, "/m/Maildir/tmp/1493000002.M1P2.host");
	assert_string_equal(g[3].path, "/m/archive");
	assert_int_equal(g[3].index, 1); /* counted from 1 */
	assert_int_equal(g[3].offset, 0);
	assert_int_equal(g[3].size, sizeof MSG - 1);
	assert_string_equal(g[4].path, "/m/archive");
	assert_int_equal(g[4].index, 2);
	assert_int_equal(g[4].offset, (int64_t)(strlen(SEP) + sizeof MSG - 1 + 1));
	assert_string_equal(g[5].path, "/m/archive.mbox");
	assert_string_equal(g[7].path, "/m/saved.eml");
	assert_int_equal(g[7].index, -1);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(g[i].kind, DKIMARC_ITEM_MESSAGE);
}

static void problems_are_items(void **state)
{
	(void)state;
	char p[512];
	mk("p");
	puts_("p/empty.eml", "");
	puts_("p/notes.txt", "just some notes\n");
	put("p/image.png", "\x89PNG\r\n\x1a\n\0\0", 10);
	puts_("p/ok.eml", MSG);
	snprintf(p, sizeof p, "%s/p/fifo.eml", root);
	assert_int_equal(mkfifo(p, 0644), 0);
	snprintf(p, sizeof p, "%s/p/dangling.eml", root);
	assert_int_equal(symlink("/nonexistent/dkimarc/x.eml", p), 0);
	walked g[16];
	dkimarc_corpus *c = corpus_of("p");
	size_t n = walk(c, g, 16);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 6);
	assert_string_equal(g[0].path, "/p/dangling.eml");
	assert_int_equal(g[0].kind, DKIMARC_ITEM_UNREADABLE);
	assert_non_null(strstr(g[0].problem, "dangling"));
	assert_string_equal(g[1].path, "/p/empty.eml");
	assert_int_equal(g[1].kind, DKIMARC_ITEM_EMPTY);
	assert_string_equal(g[2].path, "/p/fifo.eml"); /* never opened: no hang */
	assert_int_equal(g[2].kind, DKIMARC_ITEM_UNREADABLE);
	assert_non_null(strstr(g[2].problem, "FIFO"));
	assert_int_equal(g[3].kind, DKIMARC_ITEM_NOT_MAIL);
	assert_int_equal(g[4].kind, DKIMARC_ITEM_NOT_MAIL);
	assert_int_equal(g[5].kind, DKIMARC_ITEM_MESSAGE);

	/* A path that does not exist is reported, not an error. */
	c = corpus_of("no-such-path");
	n = walk(c, g, 16);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].kind, DKIMARC_ITEM_UNREADABLE);
}

/* Key archives sit beside mail in a case folder: none of their formats is taken for a message. */
static void key_archives_are_not_mail(void **state)
{
	(void)state;
	mk("k");
	puts_("k/a.jsonl", "{\"name\":\"sel._domainkey.example.com\",\"txt\":\"v=DKIM1; p=\"}\n");
	puts_("k/b.zone", "sel._domainkey.example.com. IN TXT \"v=DKIM1; p=\"\n");
	puts_("k/c.keytable", "sel._domainkey.example.com example.com:sel:/etc/k.pem\n");
	puts_("k/d.txt", "X_Old-Header1: v\r\n\r\nbody\r\n");
	walked g[8];
	dkimarc_corpus *c = corpus_of("k");
	size_t n = walk(c, g, 8);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 4);
	assert_int_equal(g[0].kind, DKIMARC_ITEM_NOT_MAIL);
	assert_int_equal(g[1].kind, DKIMARC_ITEM_NOT_MAIL);
	assert_int_equal(g[2].kind, DKIMARC_ITEM_NOT_MAIL);
	assert_int_equal(g[3].kind, DKIMARC_ITEM_MESSAGE);
}

static void symlinks_stay_in_the_tree(void **state)
{
	(void)state;
	char p[512], target[512];
	mk("s");
	mk("s/tree");
	mk("s/tree/sub");
	mk("s/outside");
	puts_("s/outside/secret.eml", MSG);
	puts_("s/tree/sub/real.eml", MSG);
	snprintf(p, sizeof p, "%s/s/tree/link-out.eml", root);
	snprintf(target, sizeof target, "%s/s/outside/secret.eml", root);
	assert_int_equal(symlink(target, p), 0);
	snprintf(p, sizeof p, "%s/s/tree/link-in.eml", root);
	assert_int_equal(symlink("sub/real.eml", p), 0);
	snprintf(p, sizeof p, "%s/s/tree/sub/loop", root);
	assert_int_equal(symlink("..", p), 0);

	walked g[16];
	dkimarc_corpus *c = corpus_of("s/tree");
	size_t n = walk(c, g, 16);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 4);
	assert_string_equal(g[0].path, "/s/tree/link-in.eml");
	assert_int_equal(g[0].kind, DKIMARC_ITEM_MESSAGE);
	assert_string_equal(g[1].path, "/s/tree/link-out.eml");
	assert_int_equal(g[1].kind, DKIMARC_ITEM_SKIPPED);
	assert_string_equal(g[2].path, "/s/tree/sub/loop");
	assert_int_equal(g[2].kind, DKIMARC_ITEM_SKIPPED); /* the tree again */
	assert_string_equal(g[3].path, "/s/tree/sub/real.eml");

	c = corpus_of("s/tree");
	assert_int_equal(dkimarc_corpus_set_follow_symlinks(c, 1), DKIMARC_OK);
	n = walk(c, g, 16);
	assert_int_equal(dkimarc_corpus_set_follow_symlinks(c, 0), DKIMARC_ESTATE);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 4);
	assert_int_equal(g[1].kind, DKIMARC_ITEM_MESSAGE);

	/* A symlink given as the path itself is followed. */
	c = corpus_of("s/tree/link-out.eml");
	n = walk(c, g, 16);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 1);
	assert_int_equal(g[0].kind, DKIMARC_ITEM_MESSAGE);
}

static void size_limit_never_truncates(void **state)
{
	(void)state;
	char big[4096], mbox[8192];
	size_t n = (size_t)snprintf(big, sizeof big, "From: a@example.com\r\n\r\n");
	memset(big + n, 'x', 300);
	big[n + 300] = '\0';
	snprintf(mbox, sizeof mbox, "%s%s\n\n%s%s", SEP, big, SEP, MSG);
	mk("z");
	puts_("z/big.eml", big);
	puts_("z/box", mbox);
	walked g[8];
	dkimarc_corpus *c = corpus_of("z");
	assert_int_equal(dkimarc_corpus_set_max_message_bytes(c, 0), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_corpus_set_max_message_bytes(c, 200), DKIMARC_OK);
	n = walk(c, g, 8);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 3);
	assert_int_equal(g[0].kind, DKIMARC_ITEM_TOO_LARGE);
	assert_non_null(strstr(g[0].problem, "over the limit of 200 bytes"));
	assert_int_equal(g[1].kind, DKIMARC_ITEM_TOO_LARGE); /* box#1 */
	assert_int_equal(g[1].index, 1);
	assert_int_equal(g[1].offset, 0);
	assert_int_equal(g[2].kind, DKIMARC_ITEM_MESSAGE); /* box#2: the walk goes on */
	assert_int_equal(g[2].index, 2);
}

static void mbox_separator_problems_noted(void **state)
{
	(void)state;
	char mbox[2048];
	/* "From nobody" has no date: it does not split, and the message says so. */
	snprintf(mbox, sizeof mbox, "%s%s\nFrom nobody\n%s\n%s%s", SEP, MSG, MSG, SEP, MSG);
	mk("x");
	puts_("x/box", mbox);
	walked g[8];
	dkimarc_corpus *c = corpus_of("x/box");
	size_t n = walk(c, g, 8);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 2);
	assert_true(g[0].has_note);
	assert_false(g[1].has_note);
	assert_int_equal(g[1].index, 2);
}

/* A caller's own output files are left out of the walk, by device and inode, whatever
 * the name they are reached by; other files are walked as before. */
static void own_output_left_out(void **state)
{
	(void)state;
	char p[512], q[512];
	mk("o");
	puts_("o/a.eml", MSG);
	puts_("o/out.jsonl", "{\"file\":\"o/a.eml\"}\n");
	puts_("o/summary", MSG); /* looks like mail: left out all the same */
	snprintf(p, sizeof p, "%s/o/out.jsonl", root);
	snprintf(q, sizeof q, "%s/o/link-to-out", root);
	assert_int_equal(symlink(p, q), 0);
	snprintf(q, sizeof q, "%s/o/hard-link.eml", root);
	assert_int_equal(link(p, q), 0);
	int out = open(p, O_RDONLY);
	snprintf(p, sizeof p, "%s/o/summary", root);
	int sum = open(p, O_RDONLY);
	assert_true(out >= 0 && sum >= 0);

	walked g[8];
	dkimarc_corpus *c = corpus_of("o");
	assert_int_equal(dkimarc_corpus_exclude_fd(c, -1), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_corpus_exclude_fd(NULL, out), DKIMARC_EINVAL);
	assert_int_equal(dkimarc_corpus_exclude_fd(c, out), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_exclude_fd(c, sum), DKIMARC_OK);
	size_t n = walk(c, g, 8);
	assert_int_equal(dkimarc_corpus_exclude_fd(c, out), DKIMARC_ESTATE);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 1);
	assert_string_equal(g[0].path, "/o/a.eml");

	/* Without the exclusions the same folder gives every file. */
	c = corpus_of("o");
	n = walk(c, g, 8);
	dkimarc_corpus_free(c);
	assert_int_equal(n, 5);
	/* A path given directly is left out too. */
	c = corpus_of("o/out.jsonl");
	assert_int_equal(dkimarc_corpus_exclude_fd(c, out), DKIMARC_OK);
	assert_int_equal(walk(c, g, 8), 0);
	dkimarc_corpus_free(c);
	close(out);
	close(sum);
}

/* Reads an item's bytes through a reader. */
static char *read_item(const dkimarc_corpus_item *it, size_t *len)
{
	dkimarc_msgreader *r = NULL;
	char buf[100], *out = NULL;
	size_t o = 0, n;
	assert_int_equal(dkimarc_corpus_item_open(it, &r), DKIMARC_OK);
	do {
		assert_int_equal(dkimarc_msgreader_read(r, buf, sizeof buf, &n), DKIMARC_OK);
		out = realloc(out, o + n + 1);
		memcpy(out + o, buf, n);
		o += n;
	} while (n);
	dkimarc_msgreader_free(r);
	*len = o;
	return out;
}

static void readers_give_exact_bytes_and_verify(void **state)
{
	(void)state;
	size_t len, mlen;
	char *msg = sample("confirmed-rsa.eml", &len);
	FILE *f;
	char p[512];
	mk("r");
	snprintf(p, sizeof p, "%s/r/box", root);
	f = fopen(p, "wb");
	fputs(SEP, f);
	fwrite(msg, 1, len, f);
	fputs(">From a quoted line\n\n", f);
	fputs(SEP, f);
	fwrite(msg, 1, len, f);
	fclose(f);

	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL;
	char keys[512];
	snprintf(keys, sizeof keys, "%s/vectors/sample/keys.zone", SRCDIR);
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(src, keys), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);

	for (int q = DKIMARC_MBOX_MBOXRD; q <= DKIMARC_MBOX_NONE; q++) {
		dkimarc_corpus *c = corpus_of("r/box");
		dkimarc_corpus_item *it;
		assert_int_equal(dkimarc_corpus_set_mbox_quoting(c, (dkimarc_mbox_quoting)q),
		                 DKIMARC_OK);
		for (int i = 0; i < 2; i++) {
			assert_int_equal(dkimarc_corpus_next(c, &it), DKIMARC_OK);
			char *got = read_item(it, &mlen);
			const char *extra = i                        ? ""
			                    : q == DKIMARC_MBOX_NONE ? ">From a quoted line\n"
			                                             : "From a quoted line\n";
			assert_int_equal(mlen, len + strlen(extra));
			assert_memory_equal(got, msg, len);
			assert_memory_equal(got + len, extra, strlen(extra));
			free(got);
			dkimarc_report *r = NULL;
			assert_int_equal(dkimarc_corpus_item_verify(ctx, it, &r), DKIMARC_OK);
			/* The quoted line belongs to the body: only the second message is intact.
			 */
			assert_int_equal(dkimarc_report_verdict(r),
			                 i ? DKIMARC_VERDICT_CONFIRMED : DKIMARC_VERDICT_ALTERED);
			dkimarc_report_free(r);
			dkimarc_corpus_item_free(it);
		}
		dkimarc_corpus_free(c);
	}
	dkimarc_ctx_free(ctx);
	free(msg);
}

/*
 * Verifying it fails with rc, saying why; reported as the walk would, it is a
 * problem of that kind with that text.
 */
static void verify_fails_as(dkimarc_corpus_item *it, int rc, dkimarc_item_kind kind,
                            const char *why)
{
	dkimarc_ctx *ctx = NULL;
	dkimarc_report *rep = NULL;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_item_verify(ctx, it, &rep), rc);
	assert_null(rep);
	char msg[512];
	snprintf(msg, sizeof msg, "%s", dkimarc_last_error());
	dkimarc_ctx_free(ctx);
	assert_int_equal(dkimarc_corpus_item_set_problem(it, kind, msg), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_item_kind(it), kind);
	assert_non_null(strstr(dkimarc_corpus_item_problem(it), why));
}

static void files_changed_after_the_walk(void **state)
{
	(void)state;
	char big[600];
	mk("w");
	puts_("w/grows.eml", MSG);
	char mbox[512];
	snprintf(mbox, sizeof mbox, "%s%s", SEP, MSG);
	puts_("w/box", mbox);
	dkimarc_corpus *c = corpus_of("w");
	dkimarc_corpus_item *box = NULL, *grows = NULL;
	assert_int_equal(dkimarc_corpus_set_max_message_bytes(c, 500), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_next(c, &box), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_next(c, &grows), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_add_path(c, "x"), DKIMARC_ESTATE);
	dkimarc_corpus_free(c);

	/* The mbox shrank: reading its message fails, it does not come back short. */
	puts_("w/box", SEP);
	dkimarc_msgreader *r = NULL;
	char buf[256];
	size_t n;
	assert_int_equal(dkimarc_corpus_item_open(box, &r), DKIMARC_OK);
	assert_int_equal(dkimarc_msgreader_read(r, buf, sizeof buf, &n), DKIMARC_EIO);
	dkimarc_msgreader_free(r);

	/* The file grew past the limit: ELIMIT, never a truncated message. */
	memset(big, 'x', sizeof big);
	memcpy(big, "Subject: ", 9);
	put("w/grows.eml", big, sizeof big);
	verify_fails_as(grows, DKIMARC_ELIMIT, DKIMARC_ITEM_TOO_LARGE, "grew past");
	assert_int_equal(dkimarc_corpus_item_set_problem(grows, DKIMARC_ITEM_MESSAGE, "x"),
	                 DKIMARC_EINVAL);
	assert_int_equal(dkimarc_corpus_item_open(grows, &r), DKIMARC_EINVAL);
	dkimarc_corpus_item_free(box);
	dkimarc_corpus_item_free(grows);
}

/* A .eml is taken on its name by the walk; reading it is what finds it is not mail. */
/*
 * A named message is read with one first read of up to 64 KB (READ_CHUNK),
 * which the verifier takes as it is, and the rest into the same buffer: at
 * and around that size, and well past it, every byte arrives (a signature
 * over the whole body confirms) and the reader gives the file exactly.
 */
static void named_messages_of_every_size_read_whole(void **state)
{
	(void)state;
	char p[512];
	dkimarc_privkey *key = NULL;
	dkimarc_signer *sg = NULL;
	snprintf(p, sizeof p, "%s/vectors/sample/private/example.com.mail2024.pem", SRCDIR);
	assert_int_equal(dkimarc_privkey_load(&key, p), DKIMARC_OK);
	assert_int_equal(dkimarc_signer_new(&sg, key, "example.com", "mail2024"), DKIMARC_OK);
	dkimarc_privkey_free(key);
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL;
	snprintf(p, sizeof p, "%s/vectors/sample/keys.zone", SRCDIR);
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_new(&src), DKIMARC_OK);
	assert_int_equal(dkimarc_keysrc_archive_load(src, p), DKIMARC_OK);
	assert_int_equal(dkimarc_ctx_set_keysrc(ctx, src), DKIMARC_OK);
	mk("sizes");
	static const char head[] = "From: a@example.com\r\nTo: b@example.org\r\nSubject: s\r\n"
	                           "Date: Thu, 5 Jan 2017 10:00:00 +0000\r\n\r\n";
	const size_t sizes[] = {65535, 65536, 65537, 131072, 200003};
	for (size_t k = 0; k < sizeof sizes / sizeof *sizes; k++) {
		/* A message of about sizes[k] bytes once signed: lines of one letter each. */
		size_t n = sizes[k] - 600, o = 0;
		char *m = malloc(n + 1);
		assert_non_null(m);
		o = (size_t)snprintf(m, n, "%s", head);
		for (size_t line = 0; o + 2 <= n; line++) {
			size_t w = 70 < n - o - 2 ? 70 : n - o - 2;
			memset(m + o, 'a' + (int)(line % 26), w);
			o += w;
			memcpy(m + o, "\r\n", 2);
			o += 2;
		}
		char *field = NULL;
		assert_int_equal(dkimarc_sign(sg, m, o, &field), DKIMARC_OK);
		size_t flen = strlen(field);
		char *whole = malloc(flen + o);
		assert_non_null(whole);
		memcpy(whole, field, flen);
		memcpy(whole + flen, m, o);
		dkimarc_free(field);
		free(m);
		snprintf(p, sizeof p, "sizes/m%zu.eml", k);
		put(p, whole, flen + o);

		dkimarc_corpus *c = corpus_of(p);
		dkimarc_corpus_item *it = NULL;
		assert_int_equal(dkimarc_corpus_next(c, &it), DKIMARC_OK);
		dkimarc_corpus_free(c);
		size_t got_len;
		char *got = read_item(it, &got_len);
		assert_int_equal(got_len, flen + o);
		assert_memory_equal(got, whole, got_len);
		free(got);
		dkimarc_report *r = NULL;
		assert_int_equal(dkimarc_corpus_item_verify(ctx, it, &r), DKIMARC_OK);
		assert_int_equal(dkimarc_report_verdict(r), DKIMARC_VERDICT_CONFIRMED);
		dkimarc_report_free(r);
		dkimarc_corpus_item_free(it);
		free(whole);
	}
	dkimarc_signer_free(sg);
	dkimarc_ctx_free(ctx);
}

static void named_messages_checked_when_read(void **state)
{
	(void)state;
	mk("n");
	put("n/image.eml", "\x89PNG\r\n\x1a\n\0\0", 10);
	puts_("n/later-empty.eml", MSG);
	dkimarc_corpus *c = corpus_of("n");
	dkimarc_corpus_item *img = NULL, *gone = NULL, *end = NULL;
	assert_int_equal(dkimarc_corpus_next(c, &img), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_next(c, &gone), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_next(c, &end), DKIMARC_OK);
	assert_null(end);
	dkimarc_corpus_free(c);
	assert_int_equal(dkimarc_corpus_item_kind(img), DKIMARC_ITEM_MESSAGE);
	assert_int_equal(dkimarc_corpus_item_size(img), 10);

	dkimarc_msgreader *r = NULL;
	assert_int_equal(dkimarc_corpus_item_open(img, &r), DKIMARC_EFORMAT);
	assert_null(r);
	assert_non_null(strstr(dkimarc_last_error(), "does not begin like a mail message"));
	verify_fails_as(img, DKIMARC_EFORMAT, DKIMARC_ITEM_NOT_MAIL, "does not begin like");

	/* Emptied after the walk: a read error, not "not mail". */
	puts_("n/later-empty.eml", "");
	verify_fails_as(gone, DKIMARC_EIO, DKIMARC_ITEM_UNREADABLE, "empty now");
	dkimarc_corpus_item_free(img);
	dkimarc_corpus_item_free(gone);
}

static void json_carries_location(void **state)
{
	(void)state;
	char mbox[1024];
	snprintf(mbox, sizeof mbox, "%s%s\nFrom nobody\n\n%s%s", SEP, MSG, SEP, MSG);
	mk("j");
	puts_("j/box", mbox);
	puts_("j/z.txt", "not mail\n");
	dkimarc_corpus *c = corpus_of("j");
	dkimarc_ctx *ctx = NULL;
	assert_int_equal(dkimarc_ctx_new(&ctx), DKIMARC_OK);
	for (int i = 0; i < 3; i++) {
		dkimarc_corpus_item *it;
		dkimarc_report *r = NULL;
		char *s = NULL;
		assert_int_equal(dkimarc_corpus_next(c, &it), DKIMARC_OK);
		if (i < 2) {
			assert_int_equal(dkimarc_corpus_item_json(it, NULL, &s), DKIMARC_EINVAL);
			assert_int_equal(dkimarc_corpus_item_verify(ctx, it, &r), DKIMARC_OK);
		}
		assert_int_equal(dkimarc_corpus_item_json(it, r, &s), DKIMARC_OK);
		json_error_t err;
		json_t *o = json_loads(s, 0, &err);
		assert_non_null(o);
		size_t nk = json_object_size(o);
		assert_true(strncmp(s, "{\"file\":", 8) == 0);
		assert_true(strstr(s, "\"file\":") < strstr(s, "\"index\":"));
		assert_true(strstr(s, "\"index\":") < strstr(s, "\"offset\":"));
		if (i < 2) {
			assert_int_equal(json_integer_value(json_object_get(o, "index")), i + 1);
			assert_int_equal(json_integer_value(json_object_get(o, "offset")),
			                 i ? (json_int_t)(strstr(mbox + 1, "From a@") - mbox) : 0);
			assert_string_equal(json_string_value(json_object_get(o, "verdict")),
			                    "unsigned");
			assert_true(json_is_array(json_object_get(o, "signatures")));
			assert_true(i ? json_is_null(json_object_get(o, "note"))
			              : json_is_string(json_object_get(o, "note")));
			assert_true(strstr(s, "\"note\":") > strstr(s, "\"signatures\":"));
		} else {
			assert_int_equal(nk, 6);
			assert_true(json_is_null(json_object_get(o, "index")));
			assert_true(json_is_null(json_object_get(o, "offset")));
			assert_string_equal(json_string_value(json_object_get(o, "problem")),
			                    "not_mail");
			assert_true(json_is_string(json_object_get(o, "problem_text")));
		}
		/* _ext: the same text with "file" as given and the members after "note". */
		const dkimarc_json_member m[] = {{"run", "{\"v\":1}"}, {"ar", "\"x\""}};
		char *e = NULL, want[8192];
		assert_int_equal(dkimarc_corpus_item_json_ext(it, r, "-", m, 2, &e), DKIMARC_OK);
		const char *rest = strchr(s + strlen("{\"file\":\""), '"') + 1;
		snprintf(want, sizeof want, "{\"file\":\"-\"%.*s,\"run\":{\"v\":1},\"ar\":\"x\"}",
		         (int)strlen(rest) - 1, rest);
		assert_string_equal(e, want);
		dkimarc_free(e);
		const dkimarc_json_member bad = {"run", "{"};
		assert_int_equal(dkimarc_corpus_item_json_ext(it, r, NULL, &bad, 1, &e),
		                 DKIMARC_EINVAL);
		assert_null(e);
		/* A name the item has already is refused, message or problem alike. */
		const dkimarc_json_member again[] = {{"note", "1"}, {"offset", "2"}};
		for (size_t k = 0; k < 2; k++) {
			assert_int_equal(
			    dkimarc_corpus_item_json_ext(it, r, NULL, &again[k], 1, &e),
			    DKIMARC_EINVAL);
			assert_null(e);
		}
		const dkimarc_json_member twice[] = {{"x", "1"}, {"x", "2"}};
		assert_int_equal(dkimarc_corpus_item_json_ext(it, r, NULL, twice, 2, &e),
		                 DKIMARC_EINVAL);
		json_decref(o);
		dkimarc_free(s);
		dkimarc_report_free(r);
		dkimarc_corpus_item_free(it);
	}
	dkimarc_ctx_free(ctx);
	dkimarc_corpus_free(c);
}

static void kind_names(void **state)
{
	(void)state;
	assert_string_equal(dkimarc_item_kind_str(DKIMARC_ITEM_MESSAGE), "message");
	assert_string_equal(dkimarc_item_kind_str(DKIMARC_ITEM_MBOX_MALFORMED), "mbox_malformed");
	assert_string_equal(dkimarc_item_kind_str(DKIMARC_ITEM_SKIPPED), "skipped");
	assert_string_equal(dkimarc_item_kind_str(DKIMARC_ITEM_ERROR), "error");
	assert_string_equal(dkimarc_item_kind_str((dkimarc_item_kind)99), "unknown");
}

/* A message the library failed on is an "error" item, as scan reports it (issue 16). */
static void library_failure_is_an_error_item(void **state)
{
	(void)state;
	mk("e");
	puts_("e/m.eml", MSG);
	dkimarc_corpus *c = corpus_of("e");
	dkimarc_corpus_item *it = NULL;
	char *json = NULL;
	assert_int_equal(dkimarc_corpus_next(c, &it), DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_item_kind(it), DKIMARC_ITEM_MESSAGE);
	assert_int_equal(dkimarc_corpus_item_set_problem(it, DKIMARC_ITEM_ERROR, "out of memory"),
	                 DKIMARC_OK);
	assert_int_equal(dkimarc_corpus_item_kind(it), DKIMARC_ITEM_ERROR);
	assert_int_equal(dkimarc_corpus_item_json(it, NULL, &json), DKIMARC_OK);
	assert_non_null(strstr(json, "\"problem\":\"error\",\"problem_text\":\"out of memory\""));
	assert_int_equal(dkimarc_corpus_item_set_problem(it, (dkimarc_item_kind)8, "x"),
	                 DKIMARC_EINVAL);
	dkimarc_free(json);
	dkimarc_corpus_item_free(it);
	dkimarc_corpus_free(c);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(nested_folders_in_byte_order),
	    cmocka_unit_test(maildir_eml_and_mbox_recognised),
	    cmocka_unit_test(problems_are_items),
	    cmocka_unit_test(key_archives_are_not_mail),
	    cmocka_unit_test(symlinks_stay_in_the_tree),
	    cmocka_unit_test(size_limit_never_truncates),
	    cmocka_unit_test(mbox_separator_problems_noted),
	    cmocka_unit_test(own_output_left_out),
	    cmocka_unit_test(readers_give_exact_bytes_and_verify),
	    cmocka_unit_test(files_changed_after_the_walk),
	    cmocka_unit_test(named_messages_of_every_size_read_whole),
	    cmocka_unit_test(named_messages_checked_when_read),
	    cmocka_unit_test(json_carries_location),
	    cmocka_unit_test(kind_names),
	    cmocka_unit_test(library_failure_is_an_error_item),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
