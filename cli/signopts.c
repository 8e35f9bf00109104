/* Options shared by sign and seal. */
#include "signopts.h"

#include "cli.h"

#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Options that take a value, and where each goes. */
static const char **valued(struct signopts *o, const char *name)
{
	static const struct {
		const char *name;
		size_t off;
	} opts[] = {
	    {"--domain", offsetof(struct signopts, domain)},
	    {"--selector", offsetof(struct signopts, selector)},
	    {"--key", offsetof(struct signopts, key)},
	    {"--algorithm", offsetof(struct signopts, alg)},
	    {"--canon", offsetof(struct signopts, canon)},
	    {"--headers", offsetof(struct signopts, headers)},
	    {"--exact-headers", offsetof(struct signopts, exact_headers)},
	    {"--timestamp", offsetof(struct signopts, timestamp)},
	    {"--expire", offsetof(struct signopts, expire)},
	    {"--identity", offsetof(struct signopts, identity)},
	    {"--output", offsetof(struct signopts, output)},
	};

	for (size_t k = 0; k < sizeof opts / sizeof opts[0]; k++)
		if (strcmp(opts[k].name, name) == 0)
			return (const char **)((char *)o + opts[k].off);
	return NULL;
}

int signopts_parse(struct signopts *o, int argc, char **argv, int *i)
{
	static const char *const flags[] = {"--oversign",       "--body-length", "--allow-sha1",
	                                    "--allow-weak-key", "--crlf",        "--no-fold"};
	bool *flag_dst[] = {&o->oversign,   &o->body_length, &o->allow_sha1,
	                    &o->allow_weak, &o->crlf,        &o->no_fold};
	const char *a = argv[*i], *val = NULL;
	char name[32];
	const char *eq = strchr(a, '=');
	size_t nl = eq ? (size_t)(eq - a) : strlen(a);
	const char **dst;

	if (strcmp(a, "-o") == 0) {
		if (*i + 1 >= argc) {
			cli_usage_error("option '-o' needs a FILE argument");
			return -1;
		}
		o->output = argv[++*i];
		return 1;
	}
	if (nl >= sizeof name)
		return 0;
	memcpy(name, a, nl);
	name[nl] = '\0';
	for (size_t k = 0; k < sizeof flags / sizeof flags[0]; k++) {
		if (strcmp(name, flags[k]) == 0) {
			if (eq) {
				cli_usage_error("option '%s' takes no value", name);
				return -1;
			}
			*flag_dst[k] = true;
			return 1;
		}
	}
	dst = valued(o, name);
	if (dst == NULL)
		return 0;
	if (eq) {
		val = eq + 1;
	} else {
		if (*i + 1 >= argc) {
			cli_usage_error("option '%s' needs a value", name);
			return -1;
		}
		val = argv[++*i];
	}
	if (val[0] == '\0') {
		cli_usage_error("option '%s' needs a non-empty value", name);
		return -1;
	}
	*dst = val;
	return 1;
}

/* "+90", "+30m", "+12h", "+7d", "+2w": seconds after t=. */
static int64_t parse_duration(const char *s)
{
	char *end;
	long long v;

	errno = 0;
	v = strtoll(s, &end, 10);
	if (errno != 0 || end == s || v <= 0 || *s < '0' || *s > '9')
		return -1;
	int64_t mul = 1;

	switch (*end) {
	case '\0':
	case 's':
		break;
	case 'm':
		mul = 60;
		break;
	case 'h':
		mul = 3600;
		break;
	case 'd':
		mul = 86400;
		break;
	case 'w':
		mul = 604800;
		break;
	default:
		return -1;
	}
	if (*end != '\0' && end[1] != '\0')
		return -1;
	if (v > 999999999999LL / mul)
		return -1;
	return v * mul;
}

static int lib_error(const char *what, int rc)
{
	cli_error("%s: %s", what,
	          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
	return EXIT_USAGE;
}

int signopts_build(const struct signopts *o, const char *cmd, dkimarc_signer **out)
{
	dkimarc_privkey *key = NULL;
	dkimarc_signer *s = NULL;
	int rc;

	*out = NULL;
	if (!o->domain || !o->selector || !o->key)
		return cli_usage_error("%s needs --domain, --selector and --key", cmd);
	if (o->headers && o->exact_headers)
		return cli_usage_error("give --headers or --exact-headers, not both");
	rc = dkimarc_privkey_load(&key, o->key);
	if (rc != DKIMARC_OK)
		return lib_error("cannot use the key", rc);
	rc = dkimarc_signer_new(&s, key, o->domain, o->selector);
	dkimarc_privkey_free(key);
	if (rc != DKIMARC_OK)
		return lib_error("cannot sign", rc);
	unsigned allow = (o->allow_sha1 ? DKIMARC_SIGN_ALLOW_SHA1 : 0) |
	                 (o->allow_weak ? DKIMARC_SIGN_ALLOW_WEAK_KEY : 0);

	if ((rc = dkimarc_signer_allow(s, allow)) != DKIMARC_OK)
		goto fail;
	if (o->alg && (rc = dkimarc_signer_set_algorithm(s, o->alg)) != DKIMARC_OK)
		goto fail;
	if (o->canon && (rc = dkimarc_signer_set_canonicalization(s, o->canon)) != DKIMARC_OK)
		goto fail;
	if (o->headers && (rc = dkimarc_signer_set_headers(s, o->headers, 0)) != DKIMARC_OK)
		goto fail;
	if (o->exact_headers &&
	    (rc = dkimarc_signer_set_headers(s, o->exact_headers, 1)) != DKIMARC_OK)
		goto fail;
	if ((rc = dkimarc_signer_set_oversign(s, o->oversign)) != DKIMARC_OK ||
	    (o->no_fold && (rc = dkimarc_signer_set_fold(s, 0)) != DKIMARC_OK) ||
	    (rc = dkimarc_signer_set_body_length(s, o->body_length)) != DKIMARC_OK)
		goto fail;
	if (o->identity && (rc = dkimarc_signer_set_identity(s, o->identity)) != DKIMARC_OK)
		goto fail;
	if (o->timestamp) {
		int64_t t = strcmp(o->timestamp, "none") == 0  ? DKIMARC_TIME_NONE
		            : strcmp(o->timestamp, "now") == 0 ? DKIMARC_TIME_NOW
		                                               : dkimarc_parse_time(o->timestamp);

		if (t == -1 && strcmp(o->timestamp, "now") != 0) {
			dkimarc_signer_free(s);
			return cli_usage_error("invalid --timestamp '%s' (unix seconds, "
			                       "2017-05-05T12:00:00Z, 2017-05-05, now or none)",
			                       o->timestamp);
		}
		if ((rc = dkimarc_signer_set_timestamp(s, t)) != DKIMARC_OK)
			goto fail;
	}
	if (o->expire) {
		bool rel = o->expire[0] == '+';
		int64_t x = rel ? parse_duration(o->expire + 1) : dkimarc_parse_time(o->expire);

		if (x < 0) {
			dkimarc_signer_free(s);
			return cli_usage_error("invalid --expire '%s' (a time as for --timestamp, "
			                       "or +N with s, m, h, d or w after t=)",
			                       o->expire);
		}
		if ((rc = dkimarc_signer_set_expiration(s, x, rel)) != DKIMARC_OK)
			goto fail;
	}
	*out = s;
	return 0;
fail:
	dkimarc_signer_free(s);
	return lib_error("cannot sign", rc);
}

void signopts_usage(FILE *out)
{
	fputs("  --domain D            signing domain (d=)\n"
	      "  --selector S          selector (s=): the key is at S._domainkey.D\n"
	      "  --key KEYFILE         private key: PEM (RSA PKCS#1 or PKCS#8, Ed25519) or\n"
	      "                        a base64 Ed25519 seed (dkimpy, OpenDKIM)\n"
	      "  --algorithm A         rsa-sha256 or ed25519-sha256 (default: the key's);\n"
	      "                        rsa-sha1 with --allow-sha1 only\n"
	      "  --canon C             header/body canonicalization (default relaxed/relaxed)\n"
	      "  --headers LIST        colon-separated names to sign instead of the default\n"
	      "                        set; every field of those names is signed\n"
	      "  --exact-headers LIST  write h= exactly as LIST (order, repeats, absent names)\n"
	      "  --oversign            list every signed name once more than it occurs, so\n"
	      "                        none can be added (From always is)\n"
	      "  --timestamp T         t= as unix seconds or 2017-05-05T12:00:00Z, for\n"
	      "                        reproducible output; 'none' leaves t= out (default now)\n"
	      "  --expire T|+N[smhdw]  x= at time T, or N seconds/minutes/... after t=\n"
	      "  --crlf                write CRLF line ends (default: the input's own)\n"
	      "  --no-fold             write each field on one line (default: fold at 78)\n"
	      "  -o, --output FILE     write to FILE (replaced whole) instead of stdout\n"
	      "  --allow-weak-key      accept an RSA key of 512 to 1023 bits (test vectors)\n",
	      out);
}
