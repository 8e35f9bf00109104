/* `dkimarc keys audit` (cli/keys_audit.c), dispatched from cli/keys.c. */
#ifndef DKIMARC_CLI_KEYS_AUDIT_H
#define DKIMARC_CLI_KEYS_AUDIT_H

#include <stdio.h>

/* argv[0] is "audit". */
int cmd_keys_audit(int argc, char **argv);
void keys_audit_usage(FILE *out);

#endif
