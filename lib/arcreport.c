/* The ARC part of a report: names of codes, accessors, lifetime. */
#include "internal.h"

#include <stdlib.h>
#include <string.h>

static const char *const arc_result_names[] = {
    [DKIMARC_ARC_NONE] = "none",
    [DKIMARC_ARC_PASS] = "pass",
    [DKIMARC_ARC_FAIL] = "fail",
};

static const char *const arc_reason_names[DKIMARC_ARC_REASON_COUNT_] = {
    [DKIMARC_ARC_REASON_OK] = "ok",
    [DKIMARC_ARC_REASON_NO_ARC] = "no_arc",
    [DKIMARC_ARC_REASON_TOO_MANY_INSTANCES] = "too_many_instances",
    [DKIMARC_ARC_REASON_INSTANCE_INVALID] = "instance_invalid",
    [DKIMARC_ARC_REASON_DUPLICATE] = "duplicate",
    [DKIMARC_ARC_REASON_MISSING] = "missing",
    [DKIMARC_ARC_REASON_CV_FAIL] = "cv_fail",
    [DKIMARC_ARC_REASON_CV_INVALID] = "cv_invalid",
    [DKIMARC_ARC_REASON_AMS_FAIL] = "ams_fail",
    [DKIMARC_ARC_REASON_SEAL_FAIL] = "seal_fail",
    [DKIMARC_ARC_REASON_LIMIT_EXCEEDED] = "limit_exceeded",
};

const char *dkimarc_arc_result_str(dkimarc_arc_result r)
{
	if ((unsigned)r >= sizeof arc_result_names / sizeof arc_result_names[0])
		return "unknown";
	return arc_result_names[r];
}

const char *dkimarc_arc_reason_str(dkimarc_arc_reason r)
{
	if ((unsigned)r >= DKIMARC_ARC_REASON_COUNT_ || !arc_reason_names[r])
		return "unknown";
	return arc_reason_names[r];
}

void da_arc_report_clear(da_arc_report *a)
{
	for (size_t i = 0; i < a->ninst; i++) {
		dkimarc_arc_instance *in = &a->inst[i];
		da_sig_clear(&in->seal);
		da_sig_clear(&in->ams);
		free(in->cv);
		free(in->authserv_id);
		for (size_t k = 0; k < in->naar_results; k++)
			free(in->aar_results[k]);
		free(in->aar_results);
	}
	free(a->inst);
	free(a->reason_text);
	memset(a, 0, sizeof *a);
}

dkimarc_arc_result dkimarc_report_arc_result(const dkimarc_report *r)
{
	return r ? r->arc.result : DKIMARC_ARC_NONE;
}

dkimarc_arc_reason dkimarc_report_arc_reason(const dkimarc_report *r)
{
	return r ? r->arc.reason : DKIMARC_ARC_REASON_NO_ARC;
}

const char *dkimarc_report_arc_reason_text(const dkimarc_report *r)
{
	return r ? r->arc.reason_text : NULL;
}

unsigned dkimarc_report_arc_oldest_pass(const dkimarc_report *r)
{
	return r ? r->arc.oldest_pass : 0;
}

unsigned dkimarc_report_arc_failed_instance(const dkimarc_report *r)
{
	return r ? r->arc.failed_instance : 0;
}

size_t dkimarc_report_arc_count(const dkimarc_report *r)
{
	return r ? r->arc.ninst : 0;
}

const dkimarc_arc_instance *dkimarc_report_arc_instance(const dkimarc_report *r, size_t i)
{
	return r && i < r->arc.ninst ? &r->arc.inst[i] : NULL;
}

unsigned dkimarc_arc_instance_number(const dkimarc_arc_instance *a)
{
	return a ? a->instance : 0;
}

/* The sealer's signature, or the AMS when there is no single seal. */
static const dkimarc_sig *signer(const dkimarc_arc_instance *a)
{
	if (!a)
		return NULL;
	return a->has_seal ? &a->seal : a->has_ams ? &a->ams : NULL;
}

const char *dkimarc_arc_instance_domain(const dkimarc_arc_instance *a)
{
	const dkimarc_sig *s = signer(a);
	return s ? s->domain : NULL;
}

const char *dkimarc_arc_instance_selector(const dkimarc_arc_instance *a)
{
	const dkimarc_sig *s = signer(a);
	return s ? s->selector : NULL;
}

const char *dkimarc_arc_instance_algorithm(const dkimarc_arc_instance *a)
{
	const dkimarc_sig *s = signer(a);
	return s ? s->algorithm : NULL;
}

const char *dkimarc_arc_instance_cv(const dkimarc_arc_instance *a)
{
	return a ? a->cv : NULL;
}

const dkimarc_sig *dkimarc_arc_instance_seal(const dkimarc_arc_instance *a)
{
	return a && a->has_seal ? &a->seal : NULL;
}

const dkimarc_sig *dkimarc_arc_instance_ams(const dkimarc_arc_instance *a)
{
	return a && a->has_ams ? &a->ams : NULL;
}

dkimarc_result dkimarc_arc_instance_seal_result(const dkimarc_arc_instance *a)
{
	return a && a->has_seal ? a->seal.result : DKIMARC_RES_NONE;
}

dkimarc_result dkimarc_arc_instance_ams_result(const dkimarc_arc_instance *a)
{
	return a && a->has_ams ? a->ams.result : DKIMARC_RES_NONE;
}

const char *dkimarc_arc_instance_authserv_id(const dkimarc_arc_instance *a)
{
	return a ? a->authserv_id : NULL;
}

size_t dkimarc_arc_instance_aar_count(const dkimarc_arc_instance *a)
{
	return a ? a->naar_results : 0;
}

const char *dkimarc_arc_instance_aar_result(const dkimarc_arc_instance *a, size_t i)
{
	return a && i < a->naar_results ? a->aar_results[i] : NULL;
}
