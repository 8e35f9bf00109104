/*
 * Differential harness for lib/addr.c: reads one address-list value per
 * line (hex-encoded bytes) on stdin and prints one JSON object per line:
 *   {"amb": bool, "why": str, "ours": [[local, domain], ...], "gmime": [[local, domain], ...]}
 * Strings carry bytes as code points U+0000..U+00FF (latin-1), so that any
 * byte survives JSON; run_addr.py turns them back into bytes. GMime's
 * addr-spec is split at its '@' and its local part unquoted, so both sides
 * show the local part as a reader does.
 */
#include <gmime/gmime.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addr.h"

/* Bytes as latin-1 code points, UTF-8 encoded for jansson. */
static json_t *bytes_str(const char *s, size_t n)
{
	char *u = malloc(2 * n + 1);
	size_t k = 0;

	if (!u)
		abort();
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c < 0x80) {
			u[k++] = (char)c;
		} else {
			u[k++] = (char)(0xc0 | (c >> 6));
			u[k++] = (char)(0x80 | (c & 0x3f));
		}
	}
	json_t *j = json_stringn(u, k);
	free(u);
	if (!j)
		abort();
	return j;
}

static json_t *pair(const char *l, size_t ln, const char *d, size_t dn)
{
	json_t *a = json_array();
	json_array_append_new(a, bytes_str(l, ln));
	json_array_append_new(a, d ? bytes_str(d, dn) : json_null());
	return a;
}

/* A GMime addr-spec, split where GMime found its '@', the local part unquoted. */
static json_t *gmime_pair(InternetAddressMailbox *mb)
{
	const char *addr = internet_address_mailbox_get_addr(mb);
	const char *at = mb->at >= 0 ? addr + mb->at : NULL;

	size_t ln = at ? (size_t)(at - addr) : strlen(addr);
	char *local = malloc(ln + 1);
	size_t k = 0;
	if (!local)
		abort();
	for (size_t i = 0; i < ln; i++) {
		if (addr[i] == '\\' && i + 1 < ln)
			i++;
		else if (addr[i] == '"')
			continue;
		local[k++] = addr[i];
	}
	json_t *j = pair(local, k, at ? at + 1 : NULL, at ? strlen(at + 1) : 0);
	free(local);
	return j;
}

static void gmime_list(InternetAddressList *l, json_t *out)
{
	int n = internet_address_list_length(l);

	for (int i = 0; i < n; i++) {
		InternetAddress *a = internet_address_list_get_address(l, i);
		if (INTERNET_ADDRESS_IS_GROUP(a))
			gmime_list(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)),
			           out);
		else
			json_array_append_new(out, gmime_pair(INTERNET_ADDRESS_MAILBOX(a)));
	}
}

static int hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;

	g_mime_init();
	while ((len = getline(&line, &cap, stdin)) >= 0) {
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			len--;
		size_t n = (size_t)len / 2;
		char *v = malloc(n + 1);
		if (!v)
			abort();
		for (size_t i = 0; i < n; i++) {
			int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);
			if (hi < 0 || lo < 0) {
				fprintf(stderr, "addr_readers: not hex: %s\n", line);
				return 2;
			}
			v[i] = (char)(hi * 16 + lo);
		}
		v[n] = '\0';

		da_addrlist l;
		if (da_addrlist_parse(v, n, &l) != DKIMARC_OK) {
			fprintf(stderr, "addr_readers: out of memory\n");
			return 2;
		}
		json_t *o = json_object();
		json_object_set_new(o, "amb", json_boolean(l.ambiguous));
		json_object_set_new(o, "why", json_string(l.ambiguous ? l.why : ""));
		json_t *ours = json_array();
		for (size_t i = 0; i < l.n; i++)
			json_array_append_new(
			    ours, pair(l.m[i].local, strlen(l.m[i].local), l.m[i].domain,
			               l.m[i].domain ? strlen(l.m[i].domain) : 0));
		json_object_set_new(o, "ours", ours);
		da_addrlist_free(&l);

		/* GMime reads a C string: a NUL ends the value there (we call that ambiguous). */
		json_t *gm = json_array();
		InternetAddressList *il = internet_address_list_parse(NULL, v);
		if (il) {
			gmime_list(il, gm);
			g_object_unref(il);
		}
		json_object_set_new(o, "gmime", gm);
		char *s = json_dumps(o, JSON_COMPACT | JSON_ENSURE_ASCII);
		if (!s)
			abort();
		puts(s);
		free(s);
		json_decref(o);
		free(v);
	}
	free(line);
	g_mime_shutdown();
	return 0;
}
