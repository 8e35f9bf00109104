/* What a report needs to be rerun (docs/json.md "run"): added to JSON lines and text reports. */
#include "cli.h"

#include <dkimarc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

char *json_string_lit(const char *s)
{
	size_t n = strlen(s), o = 0;
	char *out = malloc(n * 6 + 3);

	if (!out)
		return NULL;
	out[o++] = '"';
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			out[o++] = '\\';
			out[o++] = (char)c;
		} else if (c == '\n') {
			memcpy(out + o, "\\n", 2);
			o += 2;
		} else if (c == '\r') {
			memcpy(out + o, "\\r", 2);
			o += 2;
		} else if (c == '\t') {
			memcpy(out + o, "\\t", 2);
			o += 2;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, 7, "\\u%04x", c);
		} else {
			out[o++] = (char)c;
		}
	}
	out[o++] = '"';
	out[o] = '\0';
	return out;
}

static void put_time(FILE *out, int64_t t)
{
	char buf[32];

	if (dkimarc_format_time(t, buf) == 0)
		fputs(buf, out);
	else
		fputs("?", out);
}

int run_print_text(FILE *out, const dkimarc_ctx *ctx, int64_t first, int64_t last)
{
	char *text = NULL;
	int rc = dkimarc_ctx_describe_text(ctx, &text);

	if (rc != DKIMARC_OK) {
		cli_error("cannot describe the run: %s", dkimarc_strerror(rc));
		return -1;
	}
	/* "dkimarc X.Y.Z" first, then one indented fact per line. */
	char *line = text, *nl;
	fputs("run: ", out);
	for (int k = 0; (nl = strchr(line, '\n')) != NULL; k++) {
		if (k)
			fputs("  ", out);
		fwrite(line, 1, (size_t)(nl - line + 1), out);
		line = nl + 1;
	}
	fputs("  judged at: ", out);
	put_time(out, first);
	if (last != first) {
		fputs(" to ", out);
		put_time(out, last);
	}
	fputc('\n', out);
	dkimarc_free(text);
	return 0;
}
