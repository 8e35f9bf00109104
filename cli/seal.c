/* `dkimarc seal`: adds the next ARC set to a message. */
#include "cli.h"
#include "keyopts.h"
#include "msgio.h"
#include "signopts.h"

#include <dkimarc.h>
#include <stdlib.h>
#include <string.h>

void seal_usage(FILE *out)
{
	fputs("usage: dkimarc seal --domain D --selector S --key KEYFILE --authserv-id ID\n"
	      "                    [options] [FILE|-]\n"
	      "\n"
	      "Adds the next ARC set (RFC 8617) to the message FILE (standard input for '-'\n"
	      "or when no FILE is given) and writes it with ARC-Seal, ARC-Message-Signature\n"
	      "and ARC-Authentication-Results on top. The AAR copies the results of the\n"
	      "message's Authentication-Results fields for authserv-id ID; the seal's cv= is\n"
	      "what validating the message's existing ARC chain gives, with the keys below\n"
	      "(live DNS when no --keys is given).\n"
	      "\n"
	      "options:\n"
	      "  --authserv-id ID      whose Authentication-Results to record (required)\n"
	      "  --cv none|pass|fail   write this cv= instead of validating the chain\n"
	      "                        (for test vectors, or when validated elsewhere)\n"
	      "  --cv ar               take cv= from the arc= result in ID's\n"
	      "                        Authentication-Results: what this hop found on\n"
	      "                        receipt, before it changed the message\n",
	      out);
	signopts_usage(out);
	keyopts_usage(out);
	fputs("  -h, --help            show this help\n"
	      "\n"
	      "exit status: 0 sealed (or nothing to add: the chain already ends in\n"
	      "             cv=fail, and the message is written unchanged),\n"
	      "             1 the message cannot be sealed (e.g. no\n"
	      "             Authentication-Results for ID), 2 usage, key or input/output error\n",
	      out);
}

int cmd_seal(int argc, char **argv)
{
	struct signopts o = {0};
	struct keyopts ko = {0};
	const char *file = NULL, *srvid = NULL, *cv = NULL;
	dkimarc_signer *s = NULL;
	dkimarc_ctx *ctx = NULL;
	dkimarc_keysrc *src = NULL;
	char *buf = NULL, *fields = NULL;
	size_t len = 0;
	bool opts_done = false;
	int st = EXIT_USAGE, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val;
		int k;

		if (opts_done || a[0] != '-' || a[1] == '\0') {
			if (file) {
				st = cli_usage_error("seal takes one message, got '%s' and '%s'",
				                     file, a);
				goto out;
			}
			file = a;
		} else if (strcmp(a, "--") == 0) {
			opts_done = true;
		} else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			seal_usage(stdout);
			st = 0;
			goto out;
		} else if (cli_opt_is(a, "--authserv-id", &val) || cli_opt_is(a, "--cv", &val)) {
			bool is_cv = a[2] == 'c';

			if (!val) {
				if (i + 1 >= argc) {
					st = cli_usage_error("option '%s' needs a value", a);
					goto out;
				}
				val = argv[++i];
			}
			*(is_cv ? &cv : &srvid) = val;
		} else if ((k = signopts_parse(&o, argc, argv, &i)) != 0) {
			if (k < 0)
				goto out;
		} else if ((k = keyopts_parse(&ko, argc, argv, &i)) != 0) {
			if (k < 0)
				goto out;
		} else {
			st = cli_usage_error("unknown option '%s'", a);
			goto out;
		}
	}
	if (!srvid) {
		st = cli_usage_error("seal needs --authserv-id");
		goto out;
	}
	if ((st = signopts_build(&o, "seal", &s)) != 0)
		goto out;
	st = EXIT_USAGE;
	if ((rc = dkimarc_signer_set_authserv_id(s, srvid)) != DKIMARC_OK ||
	    (rc = dkimarc_signer_set_cv(s, cv)) != DKIMARC_OK) {
		cli_error("cannot seal: %s", dkimarc_last_error());
		goto out;
	}
	if (!cv) {
		if ((rc = dkimarc_ctx_new(&ctx)) != DKIMARC_OK) {
			cli_error("cannot set up validation: %s", dkimarc_strerror(rc));
			goto out;
		}
		dkimarc_keysrc *dns;
		if (keyopts_build(&ko, &src, &dns) != 0)
			goto out;
		/* The context takes src, also on failure. */
		if (src && dkimarc_ctx_set_keysrc(ctx, src) != DKIMARC_OK) {
			cli_error("cannot set up validation: %s", dkimarc_last_error());
			goto out;
		}
		/* A hop must judge any chain it extends: all 50 sets RFC 8617 allows. */
		if (dkimarc_ctx_set_limit(ctx, DKIMARC_LIMIT_ARC_SETS, 50) != DKIMARC_OK) {
			cli_error("cannot set up validation: %s", dkimarc_last_error());
			goto out;
		}
	}
	if (msgio_read(file ? file : "-", &buf, &len) != 0)
		goto out;
	if (o.crlf && msgio_to_crlf(&buf, &len) != 0)
		goto out;
	rc = dkimarc_seal(s, ctx, buf, len, &fields);
	if (rc != DKIMARC_OK) {
		cli_error("cannot seal %s: %s", file && strcmp(file, "-") ? file : "standard input",
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		st =
		    rc == DKIMARC_ENOMEM || rc == DKIMARC_ECRYPTO ? EXIT_USAGE : EXIT_NOT_CONFIRMED;
		goto out;
	}
	if (fields[0] == '\0')
		cli_error("%s: the latest ARC-Seal already says cv=fail, so no ARC set is added "
		          "(RFC 8617 section 5.1); the message is written unchanged",
		          file && strcmp(file, "-") ? file : "standard input");
	if (msgio_write(o.output, fields, buf, len) != 0)
		goto out;
	st = 0;
out:
	dkimarc_free(fields);
	free(buf);
	dkimarc_ctx_free(ctx);
	dkimarc_signer_free(s);
	keyopts_free(&ko);
	return st;
}
