/* Every record a key source holds without asking the network (keymarks.h). */
#include "keymarks.h"

int da_keysrc_foreach(const dkimarc_keysrc *src, da_record_fn fn, void *arg)
{
	const dkimarc_keysrc *m;
	int rc;
	if (!src)
		return 0;
	if ((rc = da_archive_foreach(src, fn, arg)) != 0 ||
	    (rc = da_prefetch_foreach(src, fn, arg)) != 0)
		return rc;
	if ((m = da_keysrc_prefetch_inner(src)) != NULL &&
	    (rc = da_keysrc_foreach(m, fn, arg)) != 0)
		return rc;
	for (size_t i = 0; (m = da_keysrc_chain_member(src, i)) != NULL; i++)
		if ((rc = da_keysrc_foreach(m, fn, arg)) != 0)
			return rc;
	return 0;
}
