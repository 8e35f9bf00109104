/*
 * RFC 5322 §3.4 address lists (From, To, Cc, ...) read the way a mail reader
 * reads them, with every value that readers may read another way flagged.
 */
#ifndef DKIMARC_ADDR_H
#define DKIMARC_ADDR_H

#include "internal.h"

typedef struct {
	char *local;  /* local-part as the reader shows it: quotes and quoted pairs resolved;
	                 malloc'd */
	char *domain; /* lower case (ASCII), trailing dot dropped; malloc'd; NULL when none */
} da_mailbox;

typedef struct {
	da_mailbox *m; /* every mailbox, group members included, in order; no cap */
	size_t n, cap;
	bool ambiguous; /* the value does not read exactly one way */
	char why[160];  /* human sentence on the first ambiguity */
} da_addrlist;

/*
 * Parses an address-list field value (folding included; the bytes after the
 * colon). Returns DKIMARC_OK or DKIMARC_ENOMEM (out is then freed).
 *
 * When out->ambiguous is false, the value follows RFC 5322 §3.4 (with the
 * obsolete forms of §4.4 that readers agree on, RFC 6532 UTF-8, RFC 6854
 * groups) and out->m holds exactly the mailboxes readers show, each with a
 * local part and a domain. When it is true, the mailboxes found may still be
 * listed, but the value must align with nothing.
 *
 * n == 0 without ambiguity is possible (an empty value, "Undisclosed
 * recipients:;"): such a From has no mailbox and so aligns with nothing.
 */
DA_HIDDEN int da_addrlist_parse(const char *v, size_t n, da_addrlist *out);
DA_HIDDEN void da_addrlist_free(da_addrlist *l);

#endif
