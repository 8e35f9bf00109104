/*
 * A message in memory, read for signing by the verifier's rules (lib/dkim.c),
 * so that what is signed is what a verifier will hash: the same mbox "From "
 * skip, line-end detection from the first line, and header/body boundary.
 */
#include "inmsg.h"

#include <stdlib.h>
#include <string.h>

int da_inmsg_open(da_inmsg *m, const char *buf, size_t len)
{
	size_t hstart = 0, hend = len, i;
	const char *h, *why = NULL;
	size_t hlen;
	int rc;

	memset(m, 0, sizeof *m);
	m->buf = buf;
	m->len = len;
	m->body_off = len;
	if (len >= 5 && memcmp(buf, "From ", 5) == 0) {
		const char *nl = memchr(buf, '\n', len);

		if (nl != NULL)
			hstart = (size_t)(nl - buf) + 1;
	}
	const char *nl = hstart < len ? memchr(buf + hstart, '\n', len - hstart) : NULL;

	if (nl != NULL) {
		i = (size_t)(nl - buf);
		m->lf = !(i > hstart && buf[i - 1] == '\r');
	}
	if (m->lf) {
		if (hstart < len && buf[hstart] == '\n') {
			hend = hstart;
			m->body_off = hstart + 1;
		} else {
			for (i = hstart; i + 1 < len; i++) {
				if (buf[i] == '\n' && buf[i + 1] == '\n') {
					hend = i + 1;
					m->body_off = i + 2;
					break;
				}
			}
		}
	} else if (hstart + 1 < len && buf[hstart] == '\r' && buf[hstart + 1] == '\n') {
		hend = hstart;
		m->body_off = hstart + 2;
	} else {
		for (i = hstart; i + 3 < len; i++) {
			if (buf[i] == '\r' && memcmp(buf + i, "\r\n\r\n", 4) == 0) {
				hend = i + 2;
				m->body_off = i + 4;
				break;
			}
		}
	}
	h = buf + hstart;
	hlen = hend - hstart;
	if (hlen > DA_INMSG_MAX_HEADER)
		return da_fail(DKIMARC_ELIMIT, "the header is over %d bytes", DA_INMSG_MAX_HEADER);
	if (m->lf) {
		size_t extra = 0, o = 0;

		for (i = 0; i < hlen; i++)
			extra += h[i] == '\n' && (i == 0 || h[i - 1] != '\r');
		m->hconv = malloc(hlen + extra + 1);
		if (m->hconv == NULL)
			return da_fail(DKIMARC_ENOMEM, "out of memory");
		for (i = 0; i < hlen; i++) {
			if (h[i] == '\n' && (i == 0 || h[i - 1] != '\r'))
				m->hconv[o++] = '\r';
			m->hconv[o++] = h[i];
		}
		h = m->hconv;
		hlen = o;
	}
	rc = da_header_split(h, hlen, DA_INMSG_MAX_FIELDS, DA_INMSG_MAX_FIELD_BYTES, &m->hdr, &why);
	if (rc == DKIMARC_ELIMIT)
		return da_fail(rc, "the header is over the limit of %s", why);
	if (rc != DKIMARC_OK)
		return da_fail(rc, "out of memory");
	return DKIMARC_OK;
}

void da_inmsg_body(const da_inmsg *m, da_sink sink, void *arg)
{
	const char *p = m->buf + m->body_off, *end = m->buf + m->len;
	bool prev_cr = false;

	if (!m->lf) {
		if (p < end)
			sink(arg, p, (size_t)(end - p));
		return;
	}
	/* A CR before each bare LF; the text between passes in runs. */
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		bool had_cr;

		if (nl == NULL) {
			sink(arg, p, (size_t)(end - p));
			return;
		}
		had_cr = nl > p ? nl[-1] == '\r' : prev_cr;
		if (nl > p)
			sink(arg, p, (size_t)(nl - p));
		sink(arg, had_cr ? "\n" : "\r\n", had_cr ? 1 : 2);
		prev_cr = false;
		p = nl + 1;
	}
}

void da_inmsg_close(da_inmsg *m)
{
	da_header_free(&m->hdr);
	free(m->hconv);
	m->hconv = NULL;
}

char *da_inmsg_line_ends(const da_inmsg *m, const char *s)
{
	size_t n = strlen(s), o = 0;
	char *d = malloc(n + 1);

	if (d == NULL)
		return NULL;
	for (size_t i = 0; i < n; i++) {
		if (m->lf && s[i] == '\r' && s[i + 1] == '\n')
			continue;
		d[o++] = s[i];
	}
	d[o] = '\0';
	return d;
}
