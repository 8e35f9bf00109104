/*
 * A message in memory, read for signing by the verifier's rules (lib/dkim.c),
 * so that what is signed is what a verifier will hash: the same mbox "From "
 * skip, line-end rule (msg.h) and header/body boundary.
 */
#include "inmsg.h"

#include <stdlib.h>
#include <string.h>

int da_inmsg_open(da_inmsg *m, const char *buf, size_t len)
{
	size_t hstart, hend = len, i;
	const char *h, *why = NULL;
	size_t hlen;
	int rc;

	memset(m, 0, sizeof *m);
	m->buf = buf;
	m->len = len;
	m->body_off = len;
	hstart = da_envelope_line(buf, len, true);
	/* Line ends written back (da_inmsg_line_ends) follow the first line's. */
	const char *nl = hstart < len ? memchr(buf + hstart, '\n', len - hstart) : NULL;
	if (nl != NULL) {
		i = (size_t)(nl - buf);
		m->lf = !(i > hstart && buf[i - 1] == '\r');
	}
	size_t body = da_blank_line(buf, hstart, hstart, len, &hend);
	if (body)
		m->body_off = body;
	else
		hend = len;
	h = buf + hstart;
	hlen = hend - hstart;
	if (hlen > DA_INMSG_MAX_HEADER)
		return da_fail(DKIMARC_ELIMIT, "the header is over %d bytes", DA_INMSG_MAX_HEADER);
	/* The verifier's one rule: a bare LF is read as CRLF, in header and body. */
	size_t extra = 0, o = 0;
	for (i = 0; i < hlen; i++)
		extra += h[i] == '\n' && (i == 0 || h[i - 1] != '\r');
	if (extra) {
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
	const char *p = m->buf + m->body_off, *end = m->buf + m->len, *run = p;

	/* A CR before each bare LF; the text between passes in runs. */
	for (const char *q = p; q < end && (q = memchr(q, '\n', (size_t)(end - q))) != NULL; q++) {
		if (q > m->buf + m->body_off ? q[-1] == '\r' : false)
			continue;
		if (q > run)
			sink(arg, run, (size_t)(q - run));
		sink(arg, "\r", 1);
		run = q;
	}
	if (end > run)
		sink(arg, run, (size_t)(end - run));
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
