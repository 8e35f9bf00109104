/*
 * The layouts of the versioned public structures. A new version only adds
 * members at the end: it adds a size to the structure's row here (the old
 * sizes stay, written up to their last member rather than as sizeof) and
 * raises the header's _VERSION macro. The asserts fail the build when a
 * member is added without its size, or a size without its macro.
 */
#include "abiver.h"

#include <stdalign.h>

/* Bytes of type up to and including member. */
#define THROUGH(type, member) (offsetof(type, member) + sizeof(((type *)0)->member))
#define ROWS(a)               (sizeof(a) / sizeof(a)[0])
/* rows has a size per version; latest, the last version's, covers every member. */
#define CHECK(type, rows, version, latest)                                                         \
	_Static_assert(ROWS(rows) == (version) + 1, #type ": a size per version");                 \
	_Static_assert(sizeof(type) - (latest) < alignof(type),                                    \
	               #type ": the latest version holds every member")

#define KEYREC_V1 THROUGH(dkimarc_keyrec, dnssec)
static const size_t keyrec_v[] = {0, KEYREC_V1};
CHECK(dkimarc_keyrec, keyrec_v, DKIMARC_KEYREC_VERSION, KEYREC_V1);

#define KEYSRC_OPS_V1 THROUGH(dkimarc_keysrc_ops, kind)
static const size_t keysrc_ops_v[] = {0, KEYSRC_OPS_V1};
CHECK(dkimarc_keysrc_ops, keysrc_ops_v, DKIMARC_KEYSRC_OPS_VERSION, KEYSRC_OPS_V1);

#define DNS_OPTIONS_V1 THROUGH(dkimarc_dns_options, max_parallel)
static const size_t dns_options_v[] = {0, DNS_OPTIONS_V1};
CHECK(dkimarc_dns_options, dns_options_v, DKIMARC_DNS_OPTIONS_VERSION, DNS_OPTIONS_V1);

#define DNS_SOCKET_V1 THROUGH(dkimarc_dns_socket, events)
static const size_t dns_socket_v[] = {0, DNS_SOCKET_V1};
CHECK(dkimarc_dns_socket, dns_socket_v, DKIMARC_DNS_SOCKET_VERSION, DNS_SOCKET_V1);

#define DNS_STATS_V1 THROUGH(dkimarc_dns_stats, tempfail)
static const size_t dns_stats_v[] = {0, DNS_STATS_V1};
CHECK(dkimarc_dns_stats, dns_stats_v, DKIMARC_DNS_STATS_VERSION, DNS_STATS_V1);

size_t da_abi_size(da_abi_struct which, unsigned v, const char *fn)
{
	static const struct {
		const char *name;
		const size_t *sizes; /* [v]: bytes of version v */
		unsigned latest;
	} all[] = {
	    [DA_ABI_KEYREC] = {"dkimarc_keyrec", keyrec_v, DKIMARC_KEYREC_VERSION},
	    [DA_ABI_KEYSRC_OPS] = {"dkimarc_keysrc_ops", keysrc_ops_v, DKIMARC_KEYSRC_OPS_VERSION},
	    [DA_ABI_DNS_OPTIONS] = {"dkimarc_dns_options", dns_options_v,
	                            DKIMARC_DNS_OPTIONS_VERSION},
	    [DA_ABI_DNS_SOCKET] = {"dkimarc_dns_socket", dns_socket_v, DKIMARC_DNS_SOCKET_VERSION},
	    [DA_ABI_DNS_STATS] = {"dkimarc_dns_stats", dns_stats_v, DKIMARC_DNS_STATS_VERSION},
	};

	if (v >= 1 && v <= all[which].latest)
		return all[which].sizes[v];
	da_fail(DKIMARC_EINVAL, "%s: %s version %u is not one this library knows (1 to %u)%s", fn,
	        all[which].name, v, all[which].latest,
	        v > all[which].latest ? "; the program was built for a newer libdkimarc" : "");
	return 0;
}
