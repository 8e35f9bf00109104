/*
 * opendkim_verify: verifies messages with libopendkim, for the differential
 * test (run_diff.py). Keys come from a file in OpenDKIM's "file" query
 * format (one "selector._domainkey.domain<WSP>key record" per line).
 *
 * Usage: opendkim_verify --keys KEYFILE FILE...
 *
 * Prints one tab-separated line per signature, in header order (top first):
 *   file  index  d=  s=  result  bh  keybits  sigflags  canonlen  error
 * result is pass, fail, permerror or temperror; bh is match, mismatch or
 * untested; canonlen is the number of canonicalized body bytes libopendkim
 * hashed (-1 if unknown); error is libopendkim's text for the signature's
 * error code. A
 * message libopendkim cannot take at all gives one line with index "-".
 */
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

static char *read_file(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0;

	if (f == NULL)
		return NULL;
	for (;;) {
		if (cap - n < 65536) {
			char *nb;

			cap = cap ? cap * 2 : 131072;
			nb = realloc(buf, cap);
			if (nb == NULL) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		size_t got = fread(buf + n, 1, cap - n, f);

		n += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		free(buf);
		fclose(f);
		return NULL;
	}
	fclose(f);
	*len = n;
	return buf;
}

static const char *sig_result(DKIM_SIGINFO *sig)
{
	if (DKIM_SIG_CHECK(sig))
		return "pass";
	switch (dkim_sig_geterror(sig)) {
	case DKIM_SIGERROR_OK:
	case DKIM_SIGERROR_BADSIG:
		return "fail";
	case DKIM_SIGERROR_KEYFAIL:
		return "temperror";
	default:
		return "permerror";
	}
}

static const char *bh_str(int bh)
{
	switch (bh) {
	case DKIM_SIGBH_MATCH:
		return "match";
	case DKIM_SIGBH_MISMATCH:
		return "mismatch";
	default:
		return "untested";
	}
}

static const char *str_or_dash(const unsigned char *s)
{
	return s != NULL ? (const char *)s : "-";
}

static int verify_file(DKIM_LIB *lib, const char *path)
{
	DKIM_STAT st;
	DKIM *dkim;
	DKIM_SIGINFO **sigs = NULL;
	int nsigs = 0;
	size_t len = 0;
	char *msg = read_file(path, &len);

	if (msg == NULL) {
		printf("%s\t-\t-\t-\tpermerror\tuntested\t0\t0\t-1\tcannot read: %s\n", path,
		       strerror(errno));
		return -1;
	}
	dkim = dkim_verify(lib, (const unsigned char *)path, NULL, &st);
	if (dkim == NULL) {
		printf("%s\t-\t-\t-\tpermerror\tuntested\t0\t0\t-1\tdkim_verify: %s\n", path,
		       dkim_getresultstr(st));
		free(msg);
		return -1;
	}
	st = dkim_chunk(dkim, (unsigned char *)msg, len);
	if (st == DKIM_STAT_OK)
		st = dkim_chunk(dkim, NULL, 0);
	if (st == DKIM_STAT_OK || st == DKIM_STAT_NOSIG)
		(void)dkim_eom(dkim, NULL);
	if (dkim_getsiglist(dkim, &sigs, &nsigs) != DKIM_STAT_OK || nsigs == 0) {
		const char *err = dkim_geterror(dkim);

		printf("%s\t-\t-\t-\tpermerror\tuntested\t0\t0\t-1\t%s: %s\n", path,
		       dkim_getresultstr(st), err != NULL ? err : "");
		dkim_free(dkim);
		free(msg);
		return 0;
	}
	for (int i = 0; i < nsigs; i++) {
		unsigned int bits = 0;
		ssize_t canonlen = -1;
		const char *err = dkim_sig_geterrorstr(dkim_sig_geterror(sigs[i]));

		if (dkim_sig_getkeysize(sigs[i], &bits) != DKIM_STAT_OK)
			bits = 0;
		if (dkim_sig_getcanonlen(dkim, sigs[i], NULL, &canonlen, NULL) != DKIM_STAT_OK)
			canonlen = -1;
		printf("%s\t%d\t%s\t%s\t%s\t%s\t%u\t0x%02x\t%zd\t%s\n", path, i,
		       str_or_dash(dkim_sig_getdomain(sigs[i])),
		       str_or_dash(dkim_sig_getselector(sigs[i])), sig_result(sigs[i]),
		       bh_str(dkim_sig_getbh(sigs[i])), bits, dkim_sig_getflags(sigs[i]), canonlen,
		       err != NULL ? err : "-");
	}
	dkim_free(dkim);
	free(msg);
	return 0;
}

static int set_opt(DKIM_LIB *lib, dkim_opts_t opt, void *val, size_t len)
{
	if (dkim_options(lib, DKIM_OP_SETOPT, opt, val, len) != DKIM_STAT_OK) {
		fprintf(stderr, "opendkim_verify: dkim_options(%d) failed\n", (int)opt);
		return -1;
	}
	return 0;
}

int main(int argc, char **argv)
{
	char *keys = NULL; /* libopendkim takes the path as void * */
	int first = 1, rc = 0;
	DKIM_LIB *lib;
	dkim_query_t qtype = DKIM_QUERY_FILE;
	unsigned int flags = DKIM_LIBFLAGS_FIXCRLF;

	if (argc >= 3 && strcmp(argv[1], "--keys") == 0) {
		keys = argv[2];
		first = 3;
	}
	if (keys == NULL || first >= argc) {
		fprintf(stderr, "usage: opendkim_verify --keys KEYFILE FILE...\n");
		return 2;
	}
	lib = dkim_init(NULL, NULL);
	if (lib == NULL) {
		fprintf(stderr, "opendkim_verify: dkim_init failed\n");
		return 2;
	}
	if (set_opt(lib, DKIM_OPTS_QUERYMETHOD, &qtype, sizeof(qtype)) != 0 ||
	    set_opt(lib, DKIM_OPTS_QUERYINFO, keys, strlen(keys)) != 0 ||
	    set_opt(lib, DKIM_OPTS_FLAGS, &flags, sizeof(flags)) != 0) {
		dkim_close(lib);
		return 2;
	}
	printf("#\tlibopendkim 0x%08x\ted25519=%d\n", (unsigned)dkim_libversion(),
	       dkim_libfeature(lib, DKIM_FEATURE_ED25519) ? 1 : 0);
	for (int i = first; i < argc; i++)
		if (verify_file(lib, argv[i]) != 0)
			rc = 1;
	dkim_close(lib);
	return rc;
}
