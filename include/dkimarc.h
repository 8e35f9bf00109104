/**
 * @file
 * dkimarc: DKIM (RFC 6376, 8301, 8463) and ARC (RFC 8617) verification
 * against live DNS or archived keys.
 *
 * This header includes every part of the API; a program may include only the
 * parts it uses:
 *
 * - dkimarc/common.h: version, status codes, errors, time utilities;
 * - dkimarc/keysrc.h: key sources and key records;
 * - dkimarc/dns.h: the live DNS key source;
 * - dkimarc/report.h: reports, verdicts, reasons, flags, forensic facts;
 * - dkimarc/arc.h: the ARC chain of a report;
 * - dkimarc/verify.h: the context and the verifiers;
 * - dkimarc/sign.h: private keys, signing and sealing;
 * - dkimarc/corpus.h: walking folders, maildirs and mbox files, in its own
 *   library (libdkimarc-corpus);
 * - dkimarc/audit.h: key findings, key audits and key recovery.
 *
 * The conventions every part follows (errors, threads, ownership, ABI) are
 * those of dkimarc/common.h; see also docs/api.md and docs/abi.md.
 */
#ifndef DKIMARC_H
#define DKIMARC_H

#include "dkimarc/arc.h"
#include "dkimarc/audit.h"
#include "dkimarc/common.h"
#include "dkimarc/corpus.h"
#include "dkimarc/dns.h"
#include "dkimarc/keysrc.h"
#include "dkimarc/report.h"
#include "dkimarc/sign.h"
#include "dkimarc/verify.h"

#endif
