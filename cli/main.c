/* The dkimarc command: dispatches to subcommands. */
#include "cli.h"

#include <dkimarc.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

size_t cli_utf8_seq(const unsigned char *p)
{
	size_t n = p[0] < 0x80   ? 1
	           : p[0] < 0xc2 ? 0
	           : p[0] < 0xe0 ? 2
	           : p[0] < 0xf0 ? 3
	           : p[0] < 0xf5 ? 4
	                         : 0;
	for (size_t i = 1; i < n; i++)
		if ((p[i] & 0xc0) != 0x80)
			return 0;
	if (n > 2 && ((p[0] == 0xe0 && p[1] < 0xa0) || (p[0] == 0xed && p[1] > 0x9f) ||
	              (p[0] == 0xf0 && p[1] < 0x90) || (p[0] == 0xf4 && p[1] > 0x8f)))
		return 0;
	return n;
}

void cli_put_safe(FILE *out, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	while (*p) {
		size_t n = cli_utf8_seq(p);
		if (n == 0 || *p < 0x20 || *p == 0x7f) {
			fprintf(out, "\\x%02X", *p++);
		} else {
			fwrite(p, 1, n, out);
			p += n;
		}
	}
}

/* Messages carry file names and bytes of the input (a key file may be binary): on a
 * terminal, control bytes and bytes that are not UTF-8 are shown as \xNN. */
static void vmessage(const char *fmt, va_list ap, const char *end)
{
	char small[512] = "", *buf = small;
	va_list ap2;
	va_copy(ap2, ap);
	int n = vsnprintf(small, sizeof small, fmt, ap);
	if (n >= (int)sizeof small && (buf = malloc((size_t)n + 1)))
		vsnprintf(buf, (size_t)n + 1, fmt, ap2);
	va_end(ap2);
	fputs("dkimarc: ", stderr);
	cli_put_safe(stderr, buf ? buf : small);
	fputs(end, stderr);
	if (buf != small)
		free(buf);
}

void cli_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, "\n");
	va_end(ap);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vmessage(fmt, ap, "; see dkimarc --help\n");
	va_end(ap);
	return EXIT_USAGE;
}

static bool ends_with_ci(const char *s, const char *suffix)
{
	size_t a = strlen(s), b = strlen(suffix);
	return a >= b && strcasecmp(s + a - b, suffix) == 0;
}

bool cli_json_name(const char *word)
{
	return word[0] != '-' && (ends_with_ci(word, ".json") || ends_with_ci(word, ".jsonl") ||
	                          ends_with_ci(word, ".ndjson"));
}

int cli_json_opt(int argc, char **argv, int *i, const char *val, const char **file)
{
	if (val) {
		if (!*val)
			return cli_usage_error(
			    "option '--json=' needs a FILE ('-': standard output)");
		*file = val;
	} else if (*i + 1 < argc && cli_json_name(argv[*i + 1])) {
		const char *w = argv[*i + 1];
		/*
		 * The word is taken for the output only if that cannot destroy
		 * anything: a new or empty file, or dkimarc's own earlier output. A
		 * key archive in JSON Lines ({"name":...) is never overwritten so.
		 */
		FILE *f = fopen(w, "rb");
		if (f) {
			char head[8];
			size_t n = fread(head, 1, sizeof head, f);
			fclose(f);
			if (n > 0 && (n < 8 || memcmp(head, "{\"file\":", 8) != 0))
				return cli_usage_error("'--json %s': %s exists and is not "
				                       "dkimarc's JSON output, so it "
				                       "is not overwritten; write --json=%s to "
				                       "replace it, or --json=- %s "
				                       "to read it as input",
				                       w, w, w, w);
		}
		*file = argv[++*i];
	} else {
		*file = "-";
	}
	return 0;
}

const char *cli_count(unsigned slot, uint64_t n, const char *one, const char *many)
{
	static _Thread_local char buf[4][96];
	char *b = buf[slot % 4];
	if (n == 1)
		snprintf(b, sizeof buf[0], "1 %s", one);
	else if (many)
		snprintf(b, sizeof buf[0], "%" PRIu64 " %s", n, many);
	else
		snprintf(b, sizeof buf[0], "%" PRIu64 " %ss", n, one);
	return b;
}

bool cli_opt_is(const char *arg, const char *name, const char **val)
{
	size_t n = strlen(name);
	if (strncmp(arg, name, n) != 0)
		return false;
	if (arg[n] == '\0') {
		*val = NULL;
		return true;
	}
	if (arg[n] == '=') {
		*val = arg + n + 1;
		return true;
	}
	return false;
}

/* Every subcommand: one row here, one file cli/<name>.c. */
static const struct command {
	const char *name;
	int (*run)(int argc, char **argv);
	void (*usage)(FILE *out);
	const char *summary;
} commands[] = {
    {"verify", cmd_verify, verify_usage,
     "verify the DKIM signatures of messages and give each a verdict"},
    {"scan", cmd_scan, scan_usage,
     "verify a corpus (folders, maildirs, mbox files) and split it by verdict"},
    {"keys", cmd_keys, keys_usage,
     "list the keys messages need, pin them from DNS, audit them, or recover them from "
     "signatures"},
    {"sign", cmd_sign, sign_usage, "add a DKIM-Signature to a message"},
    {"seal", cmd_seal, seal_usage, "add the next ARC set (RFC 8617) to a message"},
    {"keygen", cmd_keygen, keygen_usage,
     "generate a signing key and print its DNS and archive records"},
};

#define NCOMMANDS (sizeof commands / sizeof commands[0])

static void usage(FILE *out)
{
	fputs("usage: dkimarc <command> [options] [args]\n"
	      "       dkimarc --version\n"
	      "       dkimarc --help | help [command]\n"
	      "\n"
	      "Verifies DKIM and ARC signatures against archived keys or live DNS.\n"
	      "\n"
	      "commands:\n",
	      out);
	for (size_t i = 0; i < NCOMMANDS; i++)
		fprintf(out, "  %-9s %s\n", commands[i].name, commands[i].summary);
	fputs("  help      show help for a command\n"
	      "\n"
	      "Run 'dkimarc help <command>' for a command's options.\n",
	      out);
}

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < NCOMMANDS; i++)
		if (strcmp(commands[i].name, name) == 0)
			return &commands[i];
	return NULL;
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage_error("help takes one command name, got %d", argc - 1);
	if (strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	const struct command *c = find_command(argv[1]);
	if (!c)
		return cli_usage_error("unknown command '%s'", argv[1]);
	c->usage(stdout);
	return 0;
}

int main(int argc, char **argv)
{
	const char *cmd;

	if (argc < 2) {
		usage(stderr);
		return EXIT_USAGE;
	}
	cmd = argv[1];
	if (strcmp(cmd, "--version") == 0) {
		printf("dkimarc %s\n", dkimarc_version());
		return 0;
	}
	if (strcmp(cmd, "--help") == 0 || strcmp(cmd, "-h") == 0)
		return cmd_help(1, argv + 1);
	if (strcmp(cmd, "help") == 0)
		return cmd_help(argc - 1, argv + 1);
	const struct command *c = find_command(cmd);
	if (c)
		return c->run(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return cli_usage_error("unknown option '%s'", cmd);
	return cli_usage_error("unknown command '%s'", cmd);
}
