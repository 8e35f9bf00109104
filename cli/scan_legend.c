/*
 * `dkimarc scan --html`: what each verdict, code, flag and problem means, in
 * plain words, for an editor who reads the page without docs/verdicts.md.
 * Tables follow the library's enums in order; the static assertions fail the
 * build when an enum grows and its sentence is missing here.
 */
#include "scan_html.h"

#include <string.h>

#define LEN(a) (sizeof(a) / sizeof((a)[0]))

static const char *const verdicts[] = {
    /* confirmed */
    "A DKIM signature of the sender's domain (the domain in the From address, or its "
    "parent organisation) verifies: that domain's mail system signed this mail, and what a "
    "mail reader shows (sender, recipients, subject, date, text) is what it signed. It does "
    "not say which person wrote it.",
    /* confirmed-third-party */
    "A DKIM signature verifies, but it is another domain's than the sender's: a mailing "
    "list or a mail service signed it. That domain's system handled exactly this mail; it "
    "does not show that the sender's domain sent it.",
    /* weak */
    "A signature verifies, but only with a key anyone may have signed with: an RSA key "
    "under 1,024 bits, which can be broken, or a key that can be factored or whose private "
    "key is known. It proves nothing either way.",
    /* altered */
    "Signed, but the mail changed after it was signed (its text or a signed header field), "
    "or text was added after the part the signature covers, or a second sender field was "
    "added. It does not say who changed it: mail systems such as mailing lists change mail "
    "too.",
    /* unverifiable */
    "Signed, but the signature could not be checked, most often because the signing key is "
    "no longer published or was replaced. Neither authentic nor forged, as far as DKIM can "
    "tell.",
    /* unsigned */
    "No DKIM signature at all: common for older mail and for mail within one organisation. "
    "It does not mean forged.",
    /* consistent */
    "The signature verifies with a key worked out from other signatures in this collection "
    "of mail: one key holder signed all of these mails, unchanged. No archive or DNS record "
    "shows that the key was the signing domain's, so this does not confirm who sent it.",
};
_Static_assert(LEN(verdicts) == DKIMARC_VERDICT_CONSISTENT + 1, "a sentence per verdict");

static const char *const reasons[] = {
    /* ok */ "The signature verifies.",
    /* body_hash_mismatch */ "The text of the mail (its body) is not the text that was signed.",
    /* signature_mismatch */
    "The text is as signed, but a signed header field (sender, recipients, subject, date, "
    "...) changed, or another key made the signature.",
    /* key_not_found */
    "No key was found for the signature, in the key archives or in DNS: usually a key the "
    "domain has since withdrawn.",
    /* key_revoked */
    "The domain has revoked the key (it publishes it empty): the signature cannot be "
    "checked any more.",
    /* key_syntax */ "The key the domain publishes is malformed or unusable.",
    /* key_too_weak */ "The key is an RSA key under 1,024 bits: too weak to prove anything.",
    /* key_too_large */ "The key is larger than 8,192 bits, more than is checked.",
    /* key_hash_not_allowed */ "The key forbids the hash algorithm the signature uses.",
    /* key_type_mismatch */ "The key is of another type than the signature names.",
    /* key_service_mismatch */ "The key is published for another service than email.",
    /* key_strict_subdomain */
    "The key may not sign for subdomains, and the signature is for a subdomain.",
    /* key_ambiguous */
    "Several different keys are published under the signature's name; none can be chosen.",
    /* sig_syntax */ "The signature is malformed.",
    /* sig_missing_tag */ "The signature lacks a part every DKIM signature must have.",
    /* sig_version */ "The signature has a version DKIM does not define.",
    /* sig_algorithm_unsupported */ "The signature uses an algorithm DKIM does not define.",
    /* sig_from_not_signed */
    "The signature does not cover the sender field (From), so it says nothing about the "
    "sender.",
    /* sig_auid_mismatch */ "The identity in the signature (i=) is outside its own domain.",
    /* sig_body_length_exceeds */
    "The signature claims to cover more text than the mail has.",
    /* sig_expired */
    "The signature's expiry date had passed when it was checked (strict policy).",
    /* policy_rsa_sha1 */
    "The signature uses rsa-sha1, an outdated algorithm refused by the strict policy.",
    /* dns_tempfail */
    "Looking the key up in DNS failed for a while (no answer); a later run may succeed.",
    /* limit_exceeded */
    "The mail exceeds a safety limit (too many signatures or header lines); not checked.",
    /* key_mismatch */
    "The key found did not make this signature: the domain has replaced its key since. "
    "A key archive from the time of the mail would settle it.",
    /* key_small_factor */
    "The RSA key is broken (its modulus is prime or has a small factor): anyone could sign "
    "with it.",
    /* header_malformed */
    "A header line is malformed so that mail readers may show it otherwise than it was "
    "signed.",
    /* unsigned_field_added */
    "A second Subject, To, Date or similar field was added without a signature; a mail "
    "reader may show the added one.",
    /* display_differs */ "What a mail reader shows is not what was signed.",
    /* multiple_from */
    "The mail has more than one sender field (From); a reader may show an unsigned one.",
    /* body_beyond_length */
    "The signature covers only the first part of the text, and more text follows it.",
    /* no_signature */ "The mail has no DKIM signature.",
    /* key_fermat */
    "The RSA key is broken (its two primes are so close that they are easily found): anyone "
    "could sign with it.",
    /* key_roca */
    "The RSA key was made by a flawed chip library (ROCA, 2017) and can be broken: anyone "
    "could sign with it.",
    /* key_shared_prime */
    "The RSA key shares a prime with another key, so both can be broken: anyone could sign "
    "with it.",
    /* key_bad_exponent */ "The RSA key's public exponent is unusable, so the key proves nothing.",
    /* key_private_in_dns */
    "The key record published the private key itself: anyone could sign with it.",
    /* key_private_published */
    "The private key has since been made public: anyone could sign with it now.",
    /* key_recovered */
    "The signature verifies only with a key recovered from other signatures of this "
    "collection, which no archive or DNS record ties to the signing domain.",
};
_Static_assert(LEN(reasons) == DKIMARC_REASON_COUNT_, "a sentence per reason code");

static const char *const flags[] = {
    /* from_unsigned */
    "The sender field (From) is not covered by the signature: it could have been changed.",
    /* from_not_oversigned */
    "A second sender field could be added above the signed one without breaking the "
    "signature.",
    /* subject_unsigned */
    "The Subject is not covered by the signature: it could have been added or changed.",
    /* subject_not_oversigned */
    "A second Subject could be added above the signed one without breaking the signature.",
    /* date_unsigned */
    "The Date is not covered by the signature: it could have been added or changed.",
    /* date_not_oversigned */
    "A second Date could be added above the signed one without breaking the signature.",
    /* to_unsigned */
    "The To field is not covered by the signature: it could have been added or changed.",
    /* to_not_oversigned */
    "A second To field could be added above the signed one without breaking the signature.",
    /* cc_unsigned */
    "The Cc field is not covered by the signature: it could have been added or changed.",
    /* cc_not_oversigned */
    "A second Cc field could be added above the signed one without breaking the signature.",
    /* body_beyond_length */
    "The signature covers only the first part of the text, and more text follows it.",
    /* multiple_from */ "The mail has more than one sender field (From).",
    /* expired */
    "The signature's expiry date had passed when it was checked; archived mail outlives "
    "it, so this alone is no sign of forgery.",
    /* key_testing */ "The domain marked its key as being tested.",
    /* rsa_sha1 */ "The signature uses rsa-sha1, an outdated algorithm.",
    /* timestamp_future */ "The signature is dated after the time it was checked.",
    /* timestamp_far_from_date */
    "The signature's time and the mail's Date are more than a day apart.",
    /* lf_line_endings */
    "The file was stored with Unix line ends; it was checked with the line ends mail is "
    "sent with, as is usual for saved mail.",
    /* key_outside_window */
    "The key archive had several keys under this name and none was seen at the "
    "signature's time; the nearest was used.",
    /* from_missing */ "The mail has no sender field (From).",
    /* from_ambiguous */ "The sender field can be read in more than one way.",
    /* mixed_line_endings */ "The file mixes two kinds of line ends.",
    /* header_malformed */ "A header line that mail readers may split differently.",
    /* unsigned_field_added */
    "A second Subject, To, Date or similar field was added without a signature.",
    /* display_differs */ "What a mail reader shows is not what was signed.",
    /* signed_after_key_last_seen */
    "The signature's time is after the last time the archive saw its key published.",
};
_Static_assert(LEN(flags) == DKIMARC_FLAG_COUNT_, "a sentence per flag");

static const char *const problems[] = {
    /* message */ "",
    /* unreadable */
    "The file could not be read (permissions, a broken link, a special file, a read error).",
    /* too_large */ "The message is larger than the size limit of the scan; not checked.",
    /* mbox_malformed */ "Part of an mbox file belongs to no message; not checked.",
    /* empty */ "An empty file, or an empty message in an mbox.",
    /* not_mail */ "Not an email: an image, notes, an index file, ...",
    /* skipped */
    "A link that leads out of the scanned folder, or a folder reached twice; not followed.",
    /* error */ "dkimarc failed on this message (out of memory, crypto library); run it again.",
};
_Static_assert(LEN(problems) == DKIMARC_ITEM_ERROR + 1, "a sentence per problem");

const char *legend_verdict(dkimarc_verdict v)
{
	return (unsigned)v < LEN(verdicts) ? verdicts[v] : "";
}

const char *legend_code(const char *code)
{
	for (unsigned i = 0; i < LEN(reasons); i++)
		if (strcmp(code, dkimarc_reason_str((dkimarc_reason)i)) == 0)
			return reasons[i];
	for (unsigned k = 1; k < LEN(problems); k++)
		if (strcmp(code, dkimarc_item_kind_str((dkimarc_item_kind)k)) == 0)
			return problems[k];
	return NULL;
}

const char *legend_flag(unsigned bit)
{
	return bit < LEN(flags) ? flags[bit] : NULL;
}
