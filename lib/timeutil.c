/* Time parsing for archives and the CLI: unix times and RFC 3339 dates. */
#include "internal.h"

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

/*
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
 * days_from_civil). Done by hand because timegm() is not standard C and
 * mktime() depends on the local time zone.
 */
static int64_t days_from_civil(int64_t y, unsigned m, unsigned d)
{
	y -= m <= 2;
	const int64_t era = (y >= 0 ? y : y - 399) / 400;
	const unsigned yoe = (unsigned)(y - era * 400);
	const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;

	return era * 146097 + (int64_t)doe - 719468;
}

static bool is_leap(unsigned y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned days_in_month(unsigned y, unsigned m)
{
	static const unsigned char dim[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

/* Reads exactly n decimal digits; returns false if any is not a digit. */
static bool digits(const char **p, int n, unsigned *out)
{
	unsigned v = 0;

	for (int i = 0; i < n; i++) {
		char c = (*p)[i];

		if (c < '0' || c > '9')
			return false;
		v = v * 10 + (unsigned)(c - '0');
	}
	*p += n;
	*out = v;
	return true;
}

static bool expect(const char **p, char c)
{
	if (**p != c)
		return false;
	(*p)++;
	return true;
}

static int64_t parse_unix(const char *s)
{
	int64_t v = 0;

	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		if (v > (INT64_MAX - (*s - '0')) / 10)
			return -1;
		v = v * 10 + (*s - '0');
	}
	return v;
}

int64_t dkimarc_parse_time(const char *s)
{
	const char *p = s;
	unsigned y, mo, d, h = 0, mi = 0, sec = 0, oh, om;
	int64_t off = 0, t;
	bool all_digits = true;

	if (s == NULL || *s == '\0')
		return -1;
	for (const char *q = s; *q; q++)
		if (*q < '0' || *q > '9')
			all_digits = false;
	if (all_digits)
		return parse_unix(s);

	if (!digits(&p, 4, &y) || !expect(&p, '-') || !digits(&p, 2, &mo) || !expect(&p, '-') ||
	    !digits(&p, 2, &d))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo))
		return -1;
	if (*p != '\0') {
		/* RFC 3339 allows lower case t/z and a space as the separator. */
		if (*p != 'T' && *p != 't' && *p != ' ')
			return -1;
		p++;
		if (!digits(&p, 2, &h) || !expect(&p, ':') || !digits(&p, 2, &mi) ||
		    !expect(&p, ':') || !digits(&p, 2, &sec))
			return -1;
		/* Unix time has no leap seconds, so :60 is refused, not folded. */
		if (h > 23 || mi > 59 || sec > 59)
			return -1;
		if (*p == '.') {
			/* Fractions are dropped: keys are dated to the second. */
			p++;
			if (*p < '0' || *p > '9')
				return -1;
			while (*p >= '0' && *p <= '9')
				p++;
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-') {
			int sign = *p == '-' ? -1 : 1;

			p++;
			if (!digits(&p, 2, &oh) || !expect(&p, ':') || !digits(&p, 2, &om))
				return -1;
			if (oh > 23 || om > 59)
				return -1;
			off = sign * (int64_t)(oh * 3600 + om * 60);
		} else {
			/* A time without a zone is ambiguous. */
			return -1;
		}
		if (*p != '\0')
			return -1;
	}
	t = days_from_civil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - off;
	/* Times before 1970 would be negative and collide with the error value. */
	return t < 0 ? -1 : t;
}

int dkimarc_format_time(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	out[0] = '\0';
	if (t < 0 || (int64_t)tt != t || !gmtime_r(&tt, &tm) ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		out[0] = '\0';
		return -1;
	}
	return 0;
}
