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

static void usage(FILE *out)
{
	fputs("usage: dkimarc <command> [options] [args]\n"
	      "       dkimarc --version\n"
	      "       dkimarc --help | help [command]\n"
	      "\n"
	      "Verifies DKIM signatures (RFC 6376, 8301, 8463) against archived keys.\n"
	      "\n"
	      "commands:\n"
	      "  verify    verify the DKIM signatures of messages and give each a verdict\n"
	      "  help      show help for a command\n"
	      "\n",
	      out);
	verify_usage(out);
}

static int cmd_help(int argc, char **argv)
{
	if (argc < 2) {
		usage(stdout);
		return 0;
	}
	if (argc > 2)
		return cli_usage_error("help takes one command name, got %d", argc - 1);
	if (strcmp(argv[1], "verify") == 0) {
		verify_usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	return cli_usage_error("unknown command '%s'", argv[1]);
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
	if (strcmp(cmd, "verify") == 0)
		return cmd_verify(argc - 1, argv + 1);
	if (cmd[0] == '-')
		return cli_usage_error("unknown option '%s'", cmd);
	return cli_usage_error("unknown command '%s'", cmd);
}
