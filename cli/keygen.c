/* `dkimarc keygen`: makes a signing key and the records that publish it. */
#include "cli.h"

#include <dkimarc.h>
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

void keygen_usage(FILE *out)
{
	fputs("usage: dkimarc keygen --algorithm rsa|ed25519 [--bits N] --selector S --domain D\n"
	      "                      [-o KEYFILE] [--format pem|seed] [--force]\n"
	      "\n"
	      "Generates a private key, writes it to KEYFILE (mode 0600; default S.private),\n"
	      "and prints the key record two ways: a DNS zone-file line to publish, and a\n"
	      "key archive line (JSON Lines) for dkimarc --keys.\n"
	      "\n"
	      "options:\n"
	      "  --algorithm A      rsa (RSA, for rsa-sha256) or ed25519 (ed25519-sha256)\n"
	      "  --bits N           RSA key size, 1024 to 8192 (default 2048)\n"
	      "  --selector S       selector the key is published under\n"
	      "  --domain D         signing domain\n"
	      "  -o, --output FILE  where to write the private key\n"
	      "  --format F         pem (PKCS#8, default) or seed (Ed25519 only: the base64\n"
	      "                     seed that dkimpy and OpenDKIM read)\n"
	      "  --force            replace KEYFILE if it exists\n"
	      "  -h, --help         show this help\n"
	      "\n"
	      "exit status: 0 key written, 2 usage or output error\n",
	      out);
}

static int lib_error(const char *what, int rc)
{
	cli_error("%s: %s", what,
	          *dkimarc_last_error() ? dkimarc_last_error() : dkimarc_strerror(rc));
	return EXIT_USAGE;
}

/* Writes the secret with mode 0600, never over an existing file unless force. */
static int write_key(const char *path, const char *text, bool force)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | (force ? O_TRUNC : O_EXCL), 0600);
	size_t n = strlen(text), done = 0;

	if (fd < 0) {
		if (errno == EEXIST)
			cli_error("%s exists; not replacing a key (use --force)", path);
		else
			cli_error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	if (force)
		(void)fchmod(fd, 0600);
	while (done < n) {
		ssize_t w = write(fd, text + done, n - done);

		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0) {
			cli_error("cannot write %s: %s", path, strerror(errno));
			close(fd);
			return -1;
		}
		done += (size_t)w;
	}
	if (fsync(fd) != 0 || close(fd) != 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int cmd_keygen(int argc, char **argv)
{
	const char *alg = NULL, *bits_s = NULL, *sel = NULL, *dom = NULL, *out = NULL;
	const char *format = "pem";
	bool force = false;
	dkimarc_keytype type;
	unsigned bits = 0;
	dkimarc_privkey *key = NULL;
	dkimarc_signer *check = NULL;
	char *secret = NULL, *line = NULL, *rec = NULL, *zone = NULL, *arch = NULL, *name = NULL;
	char *defpath = NULL;
	int st = EXIT_USAGE, rc;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i], *val = NULL;
		const char **dst = NULL;

		if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
			keygen_usage(stdout);
			return 0;
		}
		if (cli_opt_is(a, "--force", &val)) {
			if (val)
				return cli_usage_error("option '--force' takes no value");
			force = true;
			continue;
		}
		if (cli_opt_is(a, "--algorithm", &val))
			dst = &alg;
		else if (cli_opt_is(a, "--bits", &val))
			dst = &bits_s;
		else if (cli_opt_is(a, "--selector", &val))
			dst = &sel;
		else if (cli_opt_is(a, "--domain", &val))
			dst = &dom;
		else if (cli_opt_is(a, "--output", &val) || strcmp(a, "-o") == 0)
			dst = &out;
		else if (cli_opt_is(a, "--format", &val))
			dst = &format;
		else
			return cli_usage_error("unknown %s '%s'",
			                       a[0] == '-' ? "option" : "argument", a);
		if (val == NULL) {
			if (i + 1 >= argc)
				return cli_usage_error("option '%s' needs a value", a);
			val = argv[++i];
		}
		if (val[0] == '\0')
			return cli_usage_error("option '%s' needs a non-empty value", a);
		*dst = val;
	}
	if (!alg || !sel || !dom)
		return cli_usage_error("keygen needs --algorithm, --selector and --domain");
	if (strcmp(alg, "rsa") == 0 || strcmp(alg, "rsa-sha256") == 0)
		type = DKIMARC_KEYTYPE_RSA;
	else if (strcmp(alg, "ed25519") == 0 || strcmp(alg, "ed25519-sha256") == 0)
		type = DKIMARC_KEYTYPE_ED25519;
	else
		return cli_usage_error("unknown --algorithm '%s' (rsa or ed25519)", alg);
	if (bits_s) {
		char *end;
		unsigned long v = strtoul(bits_s, &end, 10);

		if (*end != '\0' || bits_s[0] < '0' || bits_s[0] > '9' || v > 65536)
			return cli_usage_error("invalid --bits '%s'", bits_s);
		if (type == DKIMARC_KEYTYPE_ED25519 && v != 256)
			return cli_usage_error(
			    "--bits is for RSA keys; Ed25519 keys have 256 bits");
		bits = (unsigned)v;
	}
	if (strcmp(format, "pem") != 0 && strcmp(format, "seed") != 0)
		return cli_usage_error("unknown --format '%s' (pem or seed)", format);
	if (strcmp(format, "seed") == 0 && type != DKIMARC_KEYTYPE_ED25519)
		return cli_usage_error("--format seed is for Ed25519 keys");

	if ((rc = dkimarc_privkey_generate(&key, type, bits)) != DKIMARC_OK) {
		st = lib_error("cannot generate the key", rc);
		goto done;
	}
	/* The names must be ones dkimarc sign accepts. */
	if ((rc = dkimarc_signer_new(&check, key, dom, sel)) != DKIMARC_OK) {
		st = lib_error("cannot make a key for these names", rc);
		goto done;
	}
	rc = strcmp(format, "seed") == 0 ? dkimarc_privkey_seed(key, &secret)
	                                 : dkimarc_privkey_pem(key, &secret);
	if (rc == DKIMARC_OK)
		rc = dkimarc_privkey_record(key, &rec);
	if (rc != DKIMARC_OK) {
		st = lib_error("cannot write the key", rc);
		goto done;
	}
	size_t nn = strlen(sel) + strlen(dom) + sizeof "._domainkey.";

	name = malloc(nn);
	defpath = malloc(strlen(sel) + sizeof ".private");
	if (!name || !defpath) {
		cli_error("out of memory");
		goto done;
	}
	snprintf(name, nn, "%s._domainkey.%s", sel, dom);
	sprintf(defpath, "%s.private", sel);
	if ((rc = dkimarc_record_zone(name, rec, &zone)) != DKIMARC_OK ||
	    (rc = dkimarc_record_archive(name, rec, "dkimarc keygen", &arch)) != DKIMARC_OK) {
		st = lib_error("cannot write the records", rc);
		goto done;
	}
	if (strcmp(format, "seed") == 0) {
		/* One line, as dkimpy writes it. */
		size_t n = strlen(secret);

		if (!(line = malloc(n + 2))) {
			cli_error("out of memory");
			goto done;
		}
		memcpy(line, secret, n);
		memcpy(line + n, "\n", 2);
	}
	if (write_key(out ? out : defpath, line ? line : secret, force) != 0)
		goto done;
	fputs(zone, stdout);
	fputs(arch, stdout);
	if (fflush(stdout) != 0) {
		cli_error("cannot write the records: %s", strerror(errno));
		goto done;
	}
	fprintf(stderr, "dkimarc: wrote the %u-bit %s private key to %s; publish the TXT record\n",
	        dkimarc_privkey_bits(key), type == DKIMARC_KEYTYPE_RSA ? "RSA" : "Ed25519",
	        out ? out : defpath);
	st = 0;
done:
	dkimarc_free(secret); /* wiped, as a secret must be */
	if (line) {
		explicit_bzero(line, strlen(line));
		free(line);
	}
	dkimarc_free(rec);
	dkimarc_free(zone);
	dkimarc_free(arch);
	free(name);
	free(defpath);
	dkimarc_signer_free(check);
	dkimarc_privkey_free(key);
	return st;
}
