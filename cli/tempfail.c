/*
 * Temporary DNS failures (timeouts, SERVFAIL, REFUSED, an unreachable
 * resolver): a verdict that rests on one may change when asked again, so a
 * run says so at its end and exits 4 (docs/dns.md).
 */
#include "cli.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

static bool sig_tempfail(const dkimarc_sig *s)
{
	return s && dkimarc_sig_reason(s) == DKIMARC_REASON_DNS_TEMPFAIL;
}

bool report_provisional(const dkimarc_report *r)
{
	bool dkim = false, arc = false;

	/* A confirmed verdict stands whatever the other signatures would say. */
	if (dkimarc_report_verdict(r) != DKIMARC_VERDICT_CONFIRMED)
		for (size_t i = 0; i < dkimarc_report_sig_count(r); i++)
			dkim = dkim || sig_tempfail(dkimarc_report_sig(r, i));
	if (dkimarc_report_arc_result(r) != DKIMARC_ARC_PASS)
		for (size_t i = 0; i < dkimarc_report_arc_count(r); i++) {
			const dkimarc_arc_instance *a = dkimarc_report_arc_instance(r, i);
			arc = arc || sig_tempfail(dkimarc_arc_instance_seal(a)) ||
			      sig_tempfail(dkimarc_arc_instance_ams(a));
		}
	return dkim || arc;
}

uint64_t tempfail_count(dkimarc_keysrc *dns)
{
	dkimarc_dns_stats st = DKIMARC_DNS_STATS_INIT;

	return dns && dkimarc_dns_get_stats(dns, &st) == DKIMARC_OK ? st.tempfail : 0;
}

void tempfail_say(dkimarc_keysrc *dns, const char *tail)
{
	static const char *const kinds[DKIMARC_DNS_FAIL_COUNT_][2] = {
	    [DKIMARC_DNS_FAIL_TIMEOUT] = {"timeout", "timeouts"},
	    [DKIMARC_DNS_FAIL_SERVFAIL] = {"SERVFAIL", "SERVFAIL"},
	    [DKIMARC_DNS_FAIL_REFUSED] = {"REFUSED", "REFUSED"},
	    [DKIMARC_DNS_FAIL_UNREACHABLE] = {"with no resolver reachable",
	                                      "with no resolver reachable"},
	    [DKIMARC_DNS_FAIL_OTHER] = {"other failure", "other failures"},
	};
	uint64_t n = tempfail_count(dns);
	const char *sep = ": ";

	if (n == 0)
		return;
	fprintf(stderr, "dkimarc: %" PRIu64 " key%s could not be fetched", n, n == 1 ? "" : "s");
	for (int k = 0; k < DKIMARC_DNS_FAIL_COUNT_; k++) {
		uint64_t c = dkimarc_dns_tempfail_count(dns, (dkimarc_dns_failure)k);
		if (c == 0)
			continue;
		fprintf(stderr, "%s%" PRIu64 " %s", sep, c, kinds[k][c != 1]);
		sep = ", ";
	}
	fprintf(stderr, " (resolver%s %s); %s\n", strchr(dkimarc_dns_servers(dns), ',') ? "s" : "",
	        dkimarc_dns_servers(dns), tail);
}

void tempfail_say_verdicts(dkimarc_keysrc *dns, uint64_t provisional)
{
	char tail[160];

	if (provisional == 0)
		snprintf(tail, sizeof tail, "no verdict rests on them");
	else if (provisional == 1)
		snprintf(
		    tail, sizeof tail,
		    "the verdict of 1 message rests on them and is provisional: run again later");
	else
		snprintf(tail, sizeof tail,
		         "the verdicts of %" PRIu64 " messages rest on them and are provisional: "
		         "run again later",
		         provisional);
	tempfail_say(dns, tail);
}
