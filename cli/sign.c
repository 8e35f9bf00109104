/* `dkimarc sign`: adds a DKIM-Signature to a message. */
#include "cli.h"
#include "msgio.h"
#include "signopts.h"

#include <dkimarc.h>
#include <stdlib.h>
#include <string.h>

void sign_usage(FILE *out)
{
	fputs("usage: dkimarc sign --domain D --selector S --key KEYFILE [options] [FILE|-]\n"
	      "\n"
	      "Signs the message FILE (standard input for '-' or when no FILE is given) and\n"
	      "writes it with its new DKIM-Signature field on top. Bare-LF input is signed as\n"
	      "the CRLF mail it stands for and written back with LF (or CRLF with --crlf).\n"
	      "\n"
	      "options:\n",
	      out);
	signopts_usage(out);
	fputs("  --body-length         write l= with the body's length\n"
	      "  --identity I          i= (user@domain or @domain, within d=)\n"
	      "  --allow-sha1          permit --algorithm rsa-sha1 (legacy vectors only)\n"
	      "  -h, --help            show this help\n"
	      "\n"
	      "exit status: 0 signed, 1 the message cannot be signed (e.g. no From field),\n"
	      "             2 usage, key or input/output error\n",
	      out);
}

int cmd_sign(int argc, char **argv)
{
	struct signopts o = {0};
	const char *file = NULL;
	dkimarc_signer *s = NULL;
	char *buf = NULL, *field = NULL;
	size_t len = 0;
	bool opts_done = false;
	int st, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (file)
				return cli_usage_error("sign takes one message, got '%s' and '%s'",
				                       file, a);
			file = a;
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			sign_usage(stdout);
			return 0;
		} else if ((st = signopts_parse(&o, argc, argv, &i)) != 0) {
			if (st < 0)
				return EXIT_USAGE;
		} else {
			return cli_usage_error("unknown option '%s'", a);
		}
	}
	if ((st = signopts_build(&o, "sign", &s)) != 0)
		return st;
	st = EXIT_USAGE;
	if (msgio_read(file ? file : "-", &buf, &len) != 0)
		goto out;
	if (o.crlf && msgio_to_crlf(&buf, &len) != 0)
		goto out;
	rc = dkimarc_sign(s, buf, len, &field);
	if (rc != DKIMARC_OK) {
		cli_error("cannot sign %s: %s", file && strcmp(file, "-") ? file : "standard input",
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		st =
		    rc == DKIMARC_ENOMEM || rc == DKIMARC_ECRYPTO ? EXIT_USAGE : EXIT_NOT_CONFIRMED;
		goto out;
	}
	if (msgio_write(o.output, field, buf, len) != 0)
		goto out;
	st = 0;
out:
	dkimarc_free(field);
	free(buf);
	dkimarc_signer_free(s);
	return st;
}
