/* Key-source options shared by the commands that verify. */
#include "keyopts.h"

#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/* Reads the value of a numeric --dns-* option into *out (1..max). */
static int dns_number(const char *opt, const char *val, unsigned long max, unsigned *out)
{
	char *end;
	errno = 0;
	unsigned long v = strtoul(val, &end, 10);
	if (val[0] < '0' || val[0] > '9' || *end || errno || v == 0 || v > max) {
		cli_usage_error("option '%s' needs a number from 1 to %lu, not '%s'", opt, max,
		                val);
		return -1;
	}
	*out = (unsigned)v;
	return 1;
}

/* The --dns options; same contract as keyopts_parse. */
static int dns_parse(struct keyopts *o, int argc, char **argv, int *i)
{
	static const char *const with_value[] = {"--dns-server", "--dns-timeout", "--dns-tries"};
	const char *a = argv[*i], *val;
	size_t k;

	if (cli_opt_is(a, "--dns", &val)) {
		if (val)
			return cli_usage_error("option '--dns' takes no value"), -1;
		o->dns = true;
		return 1;
	}
	for (k = 0; k < 3 && !cli_opt_is(a, with_value[k], &val); k++)
		;
	if (k == 3)
		return 0;
	if (!val) {
		if (*i + 1 >= argc)
			return cli_usage_error("option '%s' needs a value", with_value[k]), -1;
		val = argv[++*i];
	}
	o->dns = true; /* naming a resolver or its timing asks for DNS */
	if (k == 1)
		return dns_number(with_value[k], val, 600000, &o->dns_timeout_ms);
	if (k == 2)
		return dns_number(with_value[k], val, 100, &o->dns_tries);
	if (val[0] == '\0')
		return cli_usage_error("option '--dns-server' needs an address"), -1;
	const char **ns = realloc(o->servers, (o->nservers + 1) * sizeof *ns);
	if (!ns) {
		cli_error("out of memory");
		return -1;
	}
	o->servers = ns;
	o->servers[o->nservers++] = val;
	return 1;
}

int keyopts_parse(struct keyopts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *val, *opt = "--keys";
	int st = dns_parse(o, argc, argv, i);
	if (st != 0)
		return st;
	/* The test vectors' format can make up DNS failures: read only when named. */
	bool vector = cli_opt_is(a, "--keys-vector", &val);
	if (vector)
		opt = "--keys-vector";
	else if (!cli_opt_is(a, "--keys", &val))
		return 0;
	if (!val) {
		if (*i + 1 >= argc) {
			cli_usage_error("option '%s' needs a FILE argument", opt);
			return -1;
		}
		val = argv[++*i];
	}
	if (val[0] == '\0') {
		cli_usage_error("option '%s' needs a non-empty FILE argument", opt);
		return -1;
	}
	struct keyfile *nk = realloc(o->keys, (o->nkeys + 1) * sizeof *nk);
	if (!nk) {
		cli_error("out of memory");
		return -1;
	}
	o->keys = nk;
	o->keys[o->nkeys++] = (struct keyfile){val, vector};
	return 1;
}

int keyopts_parse_revealed(struct keyopts *o, int argc, char **argv, int *i)
{
	const char *val;
	if (!cli_opt_is(argv[*i], "--revealed", &val))
		return 0;
	if (!val && *i + 1 < argc)
		val = argv[++*i];
	if (!val || !*val) {
		cli_usage_error("option '--revealed' needs a FILE argument");
		return -1;
	}
	const char **nr = realloc(o->revealed, (o->nrevealed + 1) * sizeof *nr);
	if (!nr) {
		cli_error("out of memory");
		return -1;
	}
	o->revealed = nr;
	o->revealed[o->nrevealed++] = val;
	return 1;
}

int keyopts_setup_checks(const struct keyopts *o, dkimarc_ctx *ctx)
{
	for (size_t i = 0; i < o->nrevealed; i++) {
		if (dkimarc_ctx_load_revealed(ctx, o->revealed[i]) != DKIMARC_OK) {
			cli_error("%s", dkimarc_last_error());
			return EXIT_USAGE;
		}
	}
	if (dkimarc_ctx_check_shared_primes(ctx) != DKIMARC_OK) {
		cli_error("cannot check the keys for shared primes: %s", dkimarc_last_error());
		return EXIT_USAGE;
	}
	return 0;
}

int keyopts_build_dns(const struct keyopts *o, dkimarc_keysrc **out)
{
	dkimarc_dns_options opt;
	dkimarc_dns_options_init(&opt, DKIMARC_DNS_OPTIONS_VERSION);
	opt.servers = o->servers;
	opt.nservers = o->nservers;
	if (o->dns_timeout_ms)
		opt.timeout_ms = o->dns_timeout_ms;
	if (o->dns_tries)
		opt.tries = o->dns_tries;
	int rc = dkimarc_keysrc_dns_new(out, &opt);
	if (rc != DKIMARC_OK) {
		cli_error("cannot set up DNS lookups: %s",
		          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
		return EXIT_USAGE;
	}
	return 0;
}

/* Archives only when --keys (or --keys-vector) alone: then nothing is sent to the network. */
bool keyopts_uses_dns(const struct keyopts *o)
{
	return o->dns || o->nkeys == 0;
}

int keyopts_build(const struct keyopts *o, dkimarc_keysrc **out, dkimarc_keysrc **dnsp)
{
	dkimarc_keysrc *src = NULL, *dns = NULL;
	*out = *dnsp = NULL;
	if (!o->nkeys) {
		int st = keyopts_build_dns(o, out);
		*dnsp = *out;
		return st;
	}
	if (keyopts_uses_dns(o) && keyopts_build_dns(o, &dns) != 0)
		return EXIT_USAGE;
	int rc = dkimarc_keysrc_archive_new(&src);
	for (size_t i = 0; rc == DKIMARC_OK && i < o->nkeys; i++) {
		size_t before = dkimarc_keysrc_archive_count(src);
		const struct keyfile *k = &o->keys[i];
		rc = k->vector ? dkimarc_keysrc_archive_load_vector(src, k->path)
		               : dkimarc_keysrc_archive_load(src, k->path);
		/* An empty archive (a pin that fetched nothing) would make every key not found. */
		if (rc == DKIMARC_OK && dkimarc_keysrc_archive_count(src) == before)
			cli_error(
			    "warning: %s holds no key record; keys looked up in it will not be "
			    "found there",
			    k->path);
		if (rc != DKIMARC_OK) {
			if (*dkimarc_last_error())
				cli_error("%s", dkimarc_last_error());
			else
				cli_error("cannot load keys from %s: %s", k->path,
				          dkimarc_strerror(rc));
			dkimarc_keysrc_free(src);
			dkimarc_keysrc_free(dns);
			return EXIT_USAGE;
		}
	}
	if (rc != DKIMARC_OK) {
		cli_error("cannot create the key archive: %s", dkimarc_strerror(rc));
		dkimarc_keysrc_free(dns);
		return EXIT_USAGE;
	}
	if (dns) {
		/* Archives first; DNS only for what they lack. */
		dkimarc_keysrc *both[2] = {src, dns};
		rc = dkimarc_keysrc_chain_new(&src, both, 2);
		if (rc != DKIMARC_OK) {
			cli_error("cannot chain key sources: %s", dkimarc_strerror(rc));
			return EXIT_USAGE;
		}
	}
	*out = src;
	*dnsp = dns;
	return 0;
}

void keyopts_dns_usage(FILE *out)
{
	fputs("  --dns-server ADDR[:PORT]  ask this resolver (IPv4, IPv6 as [ADDR]:PORT);\n"
	      "                may be repeated, tried in order (default: /etc/resolv.conf)\n"
	      "  --dns-timeout MS  wait MS milliseconds for the first try, doubling after\n"
	      "                (default 2000)\n"
	      "  --dns-tries N tries per resolver before a temporary failure (default 2)\n",
	      out);
}

void keyopts_usage(FILE *out)
{
	fputs("  --keys FILE   load keys from an archive FILE (DNS zone file, OpenDKIM key\n"
	      "                file, JSON Lines, zk-email JSON); may be repeated.\n"
	      "                With --keys alone, nothing is sent to the network\n"
	      "  --keys-vector FILE  as --keys, for a test vector's dns.txt (NAME<TAB>TXT<TAB>\n"
	      "                DATA, NXDOMAIN, SERVFAIL or TIMEOUT lines, which make up DNS\n"
	      "                answers and failures); --keys refuses such a file\n"
	      "  --dns         with --keys: ask DNS for the keys the archives lack (without\n"
	      "                --keys, keys always come from DNS); any --dns-* option\n"
	      "                implies --dns\n"
	      "  --revealed FILE  private keys that were made public (PEM, each block after\n"
	      "                an optional '# published: DATE' line): a signature by one is\n"
	      "                weak (key_private_published); may be repeated\n",
	      out);
	keyopts_dns_usage(out);
}

void keyopts_free(struct keyopts *o)
{
	free(o->keys);
	o->keys = NULL;
	o->nkeys = 0;
	free(o->servers);
	o->servers = NULL;
	o->nservers = 0;
	free(o->revealed);
	o->revealed = NULL;
	o->nrevealed = 0;
}
