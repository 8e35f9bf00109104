/**
 * @file
 * ARC (RFC 8617): the Authenticated Received Chain as every report carries it.
 *
 * Part of the dkimarc API: <dkimarc.h> includes every part; see docs/api.md.
 */
#ifndef DKIMARC_PUBLIC_ARC_H
#define DKIMARC_PUBLIC_ARC_H

#include "report.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* ARC (RFC 8617)                                                       */
/* ------------------------------------------------------------------ */

/*
 * Every report also carries the message's Authenticated Received Chain,
 * validated per RFC 8617 §5.2 with the same key source, canonicalization and
 * crypto as DKIM (see docs/arc.md). ARC never changes the DKIM verdict. The
 * strings and objects below live as long as the report; all accessors are
 * safe to call from any thread holding the report, and accept NULL.
 */

/** Chain validation status (RFC 8617 cv). */
typedef enum {
	DKIMARC_ARC_NONE = 0, /**< no ARC header fields */
	DKIMARC_ARC_PASS,     /**< the chain validates */
	DKIMARC_ARC_FAIL,     /**< the chain is broken; the reason says where */
} dkimarc_arc_result;

/** Why the chain got its result; dkimarc_arc_reason_str() gives the JSON name. */
typedef enum {
	DKIMARC_ARC_REASON_NO_ARC = 0,         /**< none: no ARC header fields */
	DKIMARC_ARC_REASON_OK,                 /**< pass */
	DKIMARC_ARC_REASON_TOO_MANY_INSTANCES, /**< an i= above 50 (RFC 8617 §4.2.1) */
	DKIMARC_ARC_REASON_INSTANCE_INVALID,   /**< an ARC field's i= missing, not a number, or 0 */
	DKIMARC_ARC_REASON_DUPLICATE,          /**< two AS, AMS or AAR fields with one i= */
	DKIMARC_ARC_REASON_MISSING,            /**< an instance 1..N lacks its AS, AMS or AAR */
	DKIMARC_ARC_REASON_CV_FAIL,            /**< an ARC-Seal says cv=fail: a hop saw it broken */
	DKIMARC_ARC_REASON_CV_INVALID,         /**< cv=pass at i=1, or cv=none above i=1 */
	DKIMARC_ARC_REASON_AMS_FAIL,           /**< the latest ARC-Message-Signature fails */
	DKIMARC_ARC_REASON_SEAL_FAIL,          /**< an ARC-Seal fails */
	DKIMARC_ARC_REASON_LIMIT_EXCEEDED,     /**< the header exceeded a limit; not evaluated */
	DKIMARC_ARC_REASON_COUNT_
} dkimarc_arc_reason;

/** One ARC set (the AAR, AMS and AS sharing an i=). */
typedef struct dkimarc_arc_instance dkimarc_arc_instance;

/** Name of a chain result: "none", "pass", "fail" ("unknown" when out of range). */
DKIMARC_API const char *dkimarc_arc_result_str(dkimarc_arc_result r);
/** JSON name of a chain reason: "ok", "no_arc", ... ("unknown" when out of range). */
DKIMARC_API const char *dkimarc_arc_reason_str(dkimarc_arc_reason r);

/** The chain's result; DKIMARC_ARC_NONE for NULL. */
DKIMARC_API dkimarc_arc_result dkimarc_report_arc_result(const dkimarc_report *r);
/** Why the chain got its result; DKIMARC_ARC_REASON_NO_ARC for NULL. */
DKIMARC_API dkimarc_arc_reason dkimarc_report_arc_reason(const dkimarc_report *r);
/** Human sentence for the chain's result, naming the failing field; NULL for NULL. */
DKIMARC_API const char *dkimarc_report_arc_reason_text(const dkimarc_report *r);
/**
 * On a pass: the lowest instance whose AMS still validates, with every AMS
 * above it validating too (RFC 8617 §5.2 "oldest-pass"); 1 when the message
 * is unchanged since the first hop. 0 unless the chain passes.
 */
DKIMARC_API unsigned dkimarc_report_arc_oldest_pass(const dkimarc_report *r);
/** On a fail: the instance where the chain broke; 0 when it is not one instance. */
DKIMARC_API unsigned dkimarc_report_arc_failed_instance(const dkimarc_report *r);
/** Number of ARC sets found with a usable i= (1..50). */
DKIMARC_API size_t dkimarc_report_arc_count(const dkimarc_report *r);
/** ARC set i (0-based, ascending instance order), or NULL when out of range. */
DKIMARC_API const dkimarc_arc_instance *dkimarc_report_arc_instance(const dkimarc_report *r,
                                                                    size_t i);

/** The set's i= (1..50); 0 for NULL. */
DKIMARC_API unsigned dkimarc_arc_instance_number(const dkimarc_arc_instance *a);
/** The sealer's domain: the ARC-Seal's d= (the AMS's when no single seal), or NULL. */
DKIMARC_API const char *dkimarc_arc_instance_domain(const dkimarc_arc_instance *a);
/** The sealer's selector: the ARC-Seal's s= (the AMS's when no single seal), or NULL. */
DKIMARC_API const char *dkimarc_arc_instance_selector(const dkimarc_arc_instance *a);
/** The sealer's algorithm: the ARC-Seal's a= (the AMS's when no single seal), or NULL. */
DKIMARC_API const char *dkimarc_arc_instance_algorithm(const dkimarc_arc_instance *a);
/** The seal's cv= ("none", "pass" or "fail"), or NULL when absent or another value. */
DKIMARC_API const char *dkimarc_arc_instance_cv(const dkimarc_arc_instance *a);
/**
 * The ARC-Seal as a signature object (use the dkimarc_sig_* accessors:
 * result, reason, key source, ...); NULL when the set has none, or more than
 * one. A result of DKIMARC_RES_NONE means it was not checked; the reason
 * text says why.
 */
DKIMARC_API const dkimarc_sig *dkimarc_arc_instance_seal(const dkimarc_arc_instance *a);
/** The ARC-Message-Signature as a signature object; NULL when none, or more than one. */
DKIMARC_API const dkimarc_sig *dkimarc_arc_instance_ams(const dkimarc_arc_instance *a);
/** The seal's result; DKIMARC_RES_NONE when there is no single seal. */
DKIMARC_API dkimarc_result dkimarc_arc_instance_seal_result(const dkimarc_arc_instance *a);
/** The AMS's result; DKIMARC_RES_NONE when there is no single AMS. */
DKIMARC_API dkimarc_result dkimarc_arc_instance_ams_result(const dkimarc_arc_instance *a);
/** The ARC-Authentication-Results' authserv-id; NULL when no single readable AAR. */
DKIMARC_API const char *dkimarc_arc_instance_authserv_id(const dkimarc_arc_instance *a);
/** Number of method results in the AAR (0 when none or no single readable AAR). */
DKIMARC_API size_t dkimarc_arc_instance_aar_count(const dkimarc_arc_instance *a);
/**
 * AAR method result i, without comments and with whitespace collapsed, e.g.
 * "dkim=pass header.d=example.com"; NULL when out of range.
 */
DKIMARC_API const char *dkimarc_arc_instance_aar_result(const dkimarc_arc_instance *a, size_t i);

#ifdef __cplusplus
}
#endif
#endif
