/*
 * opendkim_zsign: signs a message with libopendkim, copied header fields
 * (z=, RFC 6376 §3.5) included, for the forensic test (run_forensic.py): an
 * independent signer of the z= tags that dkimarc's diagnosis reads.
 *
 * Usage: opendkim_zsign KEY.pem SELECTOR DOMAIN simple|relaxed MESSAGE
 * Prints the DKIM-Signature field (CRLF line ends), to put on top of MESSAGE.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opendkim/dkim.h>

static char *slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf = NULL;
	size_t cap = 0, n = 0, got;

	if (!f)
		return NULL;
	do {
		if (cap - n < 4096) {
			char *nb = realloc(buf, cap = cap ? cap * 2 : 65536);
			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
		}
		got = fread(buf + n, 1, cap - n - 1, f);
		n += got;
	} while (got > 0);
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int main(int argc, char **argv)
{
	size_t keylen, msglen, siglen;
	char *key, *msg;
	unsigned char *sig;
	unsigned int flags = DKIM_LIBFLAGS_ZTAGS;
	DKIM_STAT st;
	DKIM_LIB *lib;
	DKIM *dkim;
	dkim_canon_t c;

	if (argc != 6) {
		fprintf(stderr,
		        "usage: opendkim_zsign KEY.pem SELECTOR DOMAIN simple|relaxed MSG\n");
		return 2;
	}
	c = strcmp(argv[4], "relaxed") == 0 ? DKIM_CANON_RELAXED : DKIM_CANON_SIMPLE;
	if (!(key = slurp(argv[1], &keylen)) || !(msg = slurp(argv[5], &msglen))) {
		perror("opendkim_zsign: read");
		return 2;
	}
	lib = dkim_init(NULL, NULL);
	if (!lib || dkim_options(lib, DKIM_OP_SETOPT, DKIM_OPTS_FLAGS, &flags, sizeof flags) !=
	                DKIM_STAT_OK) {
		fprintf(stderr, "opendkim_zsign: cannot set up libopendkim\n");
		return 2;
	}
	dkim = dkim_sign(lib, (const unsigned char *)"zsign", NULL, (dkim_sigkey_t)key,
	                 (const unsigned char *)argv[2], (const unsigned char *)argv[3], c, c,
	                 DKIM_SIGN_RSASHA256, -1, &st);
	if (!dkim || dkim_chunk(dkim, (unsigned char *)msg, msglen) != DKIM_STAT_OK ||
	    dkim_chunk(dkim, NULL, 0) != DKIM_STAT_OK || dkim_eom(dkim, NULL) != DKIM_STAT_OK ||
	    dkim_getsighdr_d(dkim, strlen("DKIM-Signature: "), &sig, &siglen) != DKIM_STAT_OK) {
		fprintf(stderr, "opendkim_zsign: signing failed: %s\n",
		        dkim ? dkim_geterror(dkim) : dkim_getresultstr(st));
		return 1;
	}
	/* libopendkim folds with LF alone; mail on the wire uses CRLF. */
	fputs("DKIM-Signature: ", stdout);
	for (size_t i = 0; i < siglen; i++) {
		if (sig[i] == '\n' && (i == 0 || sig[i - 1] != '\r'))
			putchar('\r');
		putchar(sig[i]);
	}
	fputs("\r\n", stdout);
	dkim_free(dkim);
	dkim_close(lib);
	free(key);
	free(msg);
	return 0;
}
