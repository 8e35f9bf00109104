/* Key-source options shared by the commands that verify. */
#include "keyopts.h"

#include "cli.h"

#include <stdlib.h>
#include <string.h>

int keyopts_parse(struct keyopts *o, int argc, char **argv, int *i)
{
	const char *a = argv[*i], *val;
	if (!cli_opt_is(a, "--keys", &val))
		return 0;
	if (!val) {
		if (*i + 1 >= argc) {
			cli_usage_error("option '--keys' needs a FILE argument");
			return -1;
		}
		val = argv[++*i];
	}
	if (val[0] == '\0') {
		cli_usage_error("option '--keys' needs a non-empty FILE argument");
		return -1;
	}
	const char **nk = realloc(o->keys, (o->nkeys + 1) * sizeof *nk);
	if (!nk) {
		cli_error("out of memory");
		return -1;
	}
	o->keys = nk;
	o->keys[o->nkeys++] = val;
	return 1;
}

int keyopts_build(const struct keyopts *o, dkimarc_keysrc **out)
{
	dkimarc_keysrc *src = NULL;
	*out = NULL;
	if (!o->nkeys) {
		cli_error("no --keys given and live DNS is not available in this build; "
		          "every signature will be unverifiable");
		return 0;
	}
	int rc = dkimarc_keysrc_archive_new(&src);
	for (size_t i = 0; rc == DKIMARC_OK && i < o->nkeys; i++) {
		rc = dkimarc_keysrc_archive_load(src, o->keys[i]);
		if (rc != DKIMARC_OK) {
			if (*dkimarc_last_error())
				cli_error("%s", dkimarc_last_error());
			else
				cli_error("cannot load keys from %s: %s", o->keys[i],
				          dkimarc_strerror(rc));
			dkimarc_keysrc_free(src);
			return EXIT_USAGE;
		}
	}
	if (rc != DKIMARC_OK) {
		cli_error("cannot create the key archive: %s", dkimarc_strerror(rc));
		return EXIT_USAGE;
	}
	*out = src;
	return 0;
}

void keyopts_usage(FILE *out)
{
	fputs("  --keys FILE   load keys from an archive FILE (DNS zone file, OpenDKIM key\n"
	      "                file, JSON Lines or tab-separated records); may be repeated\n",
	      out);
}

void keyopts_free(struct keyopts *o)
{
	free(o->keys);
	o->keys = NULL;
	o->nkeys = 0;
}
