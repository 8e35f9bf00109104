/* Per-thread last error (libgit2's model): one message per thread. */
#include "internal.h"

#include <stdio.h>

static _Thread_local char last_error[512];

int da_fail(int status, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_error, sizeof last_error, fmt, ap);
	va_end(ap);
	return status;
}

void da_clear_error(void)
{
	last_error[0] = '\0';
}

const char *dkimarc_last_error(void)
{
	return last_error;
}

int dkimarc_set_error(int status, const char *msg)
{
	snprintf(last_error, sizeof last_error, "%s", msg ? msg : dkimarc_strerror(status));
	return status;
}

const char *dkimarc_strerror(int status)
{
	switch (status) {
	case DKIMARC_OK:
		return "success";
	case DKIMARC_ENOMEM:
		return "out of memory";
	case DKIMARC_EINVAL:
		return "invalid argument";
	case DKIMARC_EIO:
		return "input/output error";
	case DKIMARC_EFORMAT:
		return "malformed input";
	case DKIMARC_ELIMIT:
		return "limit exceeded";
	case DKIMARC_ESTATE:
		return "call not valid in this state";
	case DKIMARC_ECRYPTO:
		return "crypto library failure";
	default:
		return "unknown error";
	}
}

const char *dkimarc_version(void)
{
	return DKIMARC_VERSION_STRING;
}
