/* The dkimarc command: dispatches to subcommands. */
#include "cli.h"

#include <dkimarc.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

void cli_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dkimarc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

int cli_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs("dkimarc: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("; see dkimarc --help\n", stderr);
	return EXIT_USAGE;
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
     "list the keys messages need, or pin them from DNS into an archive"},
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
