/*
 * Raw DNS answers (da_dns_parse): what the live DNS key source reads from
 * the network, i.e. from whoever answers. Input: byte 0 picks the name
 * asked for and the TXT size limit; the rest is the answer.
 *
 * Properties: the result is one of the documented codes; a parsed answer
 * keeps at most DA_DNS_MAX_RECORDS records and at most the limit in TXT
 * bytes, each record NUL-terminated, the total matching its parts.
 */
#include "dns.h"
#include "fuzz.h"

#include <string.h>

static const char *const names[] = {
    "sel._domainkey.example.com",
    "brisbane._domainkey.example.com",
    "test._domainkey.football.example.com",
    "adv._domainkey.example.com",
};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	const char *qname = names[data[0] & 3];
	size_t max_txt = data[0] & 4 ? 300 : 65536;
	da_dns_parsed p;
	char err[256];

	memset(&p, 0, sizeof p);
	err[0] = '\0';
	int rc = da_dns_parse(data + 1, size - 1, qname, max_txt, &p, err, sizeof err);
	FUZZ_CHECK(rc == 0 || rc == DA_DNS_MALFORMED || rc == DA_DNS_TOO_BIG || rc == DA_DNS_NOMEM);
	if (rc != 0) {
		FUZZ_CHECK(err[0] != '\0');
	} else {
		size_t total = 0;

		FUZZ_CHECK(p.ntxt <= DA_DNS_MAX_RECORDS);
		FUZZ_CHECK(p.cnames <= DA_DNS_MAX_CHAIN + 1);
		for (size_t i = 0; i < p.ntxt; i++) {
			FUZZ_CHECK(p.txt[i].data != NULL && p.txt[i].data[p.txt[i].len] == '\0');
			total += p.txt[i].len;
		}
		FUZZ_CHECK(total == p.txt_bytes && total <= max_txt);
		/* Names come out escaped (\DDD), at most 255 wire bytes. */
		if (p.next != NULL)
			FUZZ_CHECK(p.next[0] != '\0' && strlen(p.next) <= 4 * 255);
		if (p.loop != NULL)
			FUZZ_CHECK(p.loop[0] != '\0' && strlen(p.loop) <= 4 * 255);
	}
	da_dns_parsed_clear(&p);
	return 0;
}
