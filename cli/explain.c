/*
 * `dkimarc verify --explain` and `--explain-dir`: for each DKIM signature,
 * the exact bytes its header digest was computed from, the body hash
 * summary, and shell commands that check the signature again with openssl
 * (docs/forensics.md, "Check it yourself").
 */
#include "cli.h"

#include <dkimarc.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* "sha256" or "sha1" for a= (only these two exist in DKIM). */
static const char *digest_name(const char *alg)
{
	return alg && strcmp(alg, "rsa-sha1") == 0 ? "sha1" : "sha256";
}

static int is_ed25519(const char *alg)
{
	return alg && strcmp(alg, "ed25519-sha256") == 0;
}

/* Shows one line of the hashed bytes: control bytes as \xNN, its CRLF as the text \r\n. */
static void show_line(FILE *out, const char *p, size_t n, int crlf)
{
	fputs("        | ", out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c < 0x20 || c == 0x7f)
			fprintf(out, "\\x%02x", c);
		else
			fputc(c, out);
	}
	fputs(crlf ? "\\r\\n\n" : "\n", out);
}

/* One printf command appending a line of the hashed bytes, exact to the byte. */
static void printf_line(FILE *out, const char *p, size_t n, int crlf, int first)
{
	fputs("printf -- '", out);
	for (size_t i = 0; i < n; i++) {
		unsigned char c = (unsigned char)p[i];
		if (c == '\'')
			fputs("'\\''", out);
		else if (c == '\\')
			fputs("\\\\", out);
		else if (c == '%')
			fputs("%%", out);
		else if (c < 0x20 || c >= 0x7f)
			fprintf(out, "\\%03o", c);
		else
			fputc(c, out);
	}
	fprintf(out, "%s' %sheaders.canon\n", crlf ? "\\r\\n" : "", first ? ">" : ">>");
}

/* Calls fn for each CRLF-ended line of the block, and the unterminated last one. */
static void each_line(const char *h, size_t len, FILE *out,
                      void (*fn)(FILE *, const char *, size_t, int, int))
{
	size_t start = 0;
	int first = 1;
	for (size_t i = 0; i + 1 < len; i++) {
		if (h[i] == '\r' && h[i + 1] == '\n') {
			fn(out, h + start, i - start, 1, first);
			first = 0;
			start = i + 2;
			i++;
		}
	}
	if (start < len || first)
		fn(out, h + start, len - start, 0, first);
}

static void show_adapter(FILE *out, const char *p, size_t n, int crlf, int first)
{
	(void)first;
	show_line(out, p, n, crlf);
}

static void verify_commands(FILE *out, const char *alg)
{
	const char *dg = digest_name(alg);
	fprintf(out, "openssl dgst -%s -binary headers.canon >headers.%s\n", dg, dg);
	if (is_ed25519(alg))
		/* RFC 8463: PureEd25519 over the SHA-256 digest itself. */
		fprintf(out,
		        "openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in headers.%s "
		        "-sigfile sig.bin\n",
		        dg);
	else
		fprintf(out,
		        "openssl pkeyutl -verify -pubin -inkey key.pem -pkeyopt digest:%s "
		        "-in headers.%s -sigfile sig.bin\n",
		        dg, dg);
}

static int write_file(const char *dir, const char *name, const void *p, size_t n)
{
	char path[4096];
	FILE *f;
	snprintf(path, sizeof path, "%s/%s", dir, name);
	if (!(f = fopen(path, "wb")) || fwrite(p, 1, n, f) != n || fclose(f) != 0) {
		cli_error("cannot write %s: %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

/* ABOUT: which message and signature a folder is about, for whoever opens it later. */
static int write_about(const char *sub, const char *file, size_t msgno, size_t k,
                       const dkimarc_sig *s, bool pem, bool sig)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	if (!f) {
		cli_error("out of memory");
		return -1;
	}
	fprintf(f, "dkimarc verify --explain-dir: message %zu, signature %zu\n", msgno, k + 1);
	fputs("message: ", f);
	cli_put_safe(f, strcmp(file, "-") == 0 ? "standard input" : file);
	fprintf(f, "\nsignature: DKIM-Signature %zu from the top of its header, d=", k + 1);
	cli_put_safe(f, dkimarc_sig_domain(s) ? dkimarc_sig_domain(s) : "?");
	fputs(" s=", f);
	cli_put_safe(f, dkimarc_sig_selector(s) ? dkimarc_sig_selector(s) : "?");
	fputs(" a=", f);
	cli_put_safe(f, dkimarc_sig_algorithm(s) ? dkimarc_sig_algorithm(s) : "?");
	fprintf(f, "\nresult: %s (%s)\n", dkimarc_result_str(dkimarc_sig_result(s)),
	        dkimarc_reason_str(dkimarc_sig_reason(s)));
	fputs("files: headers.canon, the exact bytes the header hash covers", f);
	if (sig)
		fputs("; sig.bin, the signature (b=) decoded", f);
	if (pem)
		fputs("; key.pem, the public key used", f);
	if (pem && sig)
		fputs("; verify.sh, checks the signature over headers.canon with openssl", f);
	fputs("\n", f);
	int rc = fclose(f) == 0 ? write_file(sub, "ABOUT", text, len) : -1;
	free(text);
	return rc;
}

/* Writes the files of one signature, an ABOUT and a verify.sh that checks them. */
static int explain_files(FILE *out, const char *dir, const char *file, size_t msgno, size_t k,
                         const dkimarc_sig *s, const char *pem)
{
	char sub[4096], script[1024];
	size_t hl = 0, sl = 0;
	const char *h = dkimarc_sig_hashed_headers(s, &hl);
	const unsigned char *sig = dkimarc_sig_signature(s, &sl);
	const char *alg = dkimarc_sig_algorithm(s);

	snprintf(sub, sizeof sub, "%s/m%zu-s%zu", dir, msgno, k + 1);
	if ((mkdir(dir, 0777) != 0 && errno != EEXIST) ||
	    (mkdir(sub, 0777) != 0 && errno != EEXIST)) {
		cli_error("cannot create %s: %s", sub, strerror(errno));
		return -1;
	}
	if (write_file(sub, "headers.canon", h ? h : "", hl) < 0 ||
	    (sig && write_file(sub, "sig.bin", sig, sl) < 0) ||
	    (pem && write_file(sub, "key.pem", pem, strlen(pem)) < 0) ||
	    write_about(sub, file, msgno, k, s, pem != NULL, sig != NULL) < 0)
		return -1;
	const char *dg = digest_name(alg);
	int n = snprintf(
	    script, sizeof script,
	    "#!/bin/sh\n# dkimarc explain: message %zu, signature %zu (d=%s s=%s a=%s)\n"
	    "cd \"$(dirname \"$0\")\" || exit 2\n"
	    "openssl dgst -%s -binary headers.canon >headers.%s || exit 2\n",
	    msgno, k + 1, dkimarc_sig_domain(s) ? dkimarc_sig_domain(s) : "?",
	    dkimarc_sig_selector(s) ? dkimarc_sig_selector(s) : "?", alg ? alg : "?", dg, dg);
	if (is_ed25519(alg))
		snprintf(script + n, sizeof script - (size_t)n,
		         "exec openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in headers.%s "
		         "-sigfile sig.bin\n",
		         dg);
	else
		snprintf(script + n, sizeof script - (size_t)n,
		         "exec openssl pkeyutl -verify -pubin -inkey key.pem -pkeyopt digest:%s "
		         "-in headers.%s -sigfile sig.bin\n",
		         dg, dg);
	if (pem && sig && write_file(sub, "verify.sh", script, strlen(script)) < 0)
		return -1;
	fprintf(out, "      files: %s/ (ABOUT, headers.canon%s%s)\n", sub, sig ? ", sig.bin" : "",
	        pem && sig ? ", key.pem, verify.sh: run sh verify.sh there" : "");
	return 0;
}

/* Prints the explanation of one signature; with dir, also writes its files. */
static int explain_sig(FILE *out, const dkimarc_sig *s, const char *file, size_t msgno, size_t k,
                       const char *dir)
{
	size_t hl = 0, dl = 0;
	const char *h = dkimarc_sig_hashed_headers(s, &hl);
	const unsigned char *dig = dkimarc_sig_header_digest(s, &dl);
	const char *alg = dkimarc_sig_algorithm(s), *b = dkimarc_sig_b(s);
	const char *bh = dkimarc_sig_bh(s), *bhc = dkimarc_sig_bh_computed(s);
	int64_t l = dkimarc_sig_body_length(s);
	const char *canon = dkimarc_sig_canonicalization(s);
	dkimarc_result res = dkimarc_sig_result(s);
	char *pem = NULL;
	int rc = 0;

	fprintf(out, "  explain [%zu] d=%s s=%s a=%s c=%s: %s (%s)\n", k + 1,
	        dkimarc_sig_domain(s) ? dkimarc_sig_domain(s) : "?",
	        dkimarc_sig_selector(s) ? dkimarc_sig_selector(s) : "?", alg ? alg : "?",
	        canon ? canon : "?", dkimarc_result_str(res),
	        dkimarc_reason_str(dkimarc_sig_reason(s)));
	if (!h) {
		fputs("      nothing was hashed: the signature could not be parsed, or was not "
		      "evaluated\n",
		      out);
		return 0;
	}
	fprintf(out,
	        "      header hash input, %zu bytes (RFC 6376 §3.7; \\r\\n marks each CRLF, the "
	        "last line has none):\n",
	        hl);
	each_line(h, hl, out, show_adapter);
	fprintf(out, "      header digest, %s: ", digest_name(alg));
	for (size_t i = 0; i < dl; i++)
		fprintf(out, "%02x", dig[i]);
	fputc('\n', out);
	fprintf(out, "      body hash input: %s body canonicalization, ",
	        canon && strchr(canon, '/') ? strchr(canon, '/') + 1 : "?");
	if (l >= 0)
		fprintf(out, "the first l=%lld", (long long)l);
	else
		fputs("the whole body (no l=), ", out);
	fprintf(out, "%s of %llu canonical bytes\n", l >= 0 ? "" : "all",
	        (unsigned long long)dkimarc_sig_body_bytes(s));
	fprintf(out, "      bh= claimed:  %s\n", bh ? bh : "?");
	fprintf(out, "      bh= computed: %s (%s)\n", bhc ? bhc : "not computed",
	        bhc && bh && strcmp(bh, bhc) == 0 ? "match" : "mismatch");
	if (dkimarc_sig_key_pem(s, &pem) != DKIMARC_OK || !b) {
		fprintf(out, "      no key to check against: %s\n",
		        dkimarc_sig_reason_text(s) ? dkimarc_sig_reason_text(s) : "?");
		dkimarc_free(pem);
		return dir ? explain_files(out, dir, file, msgno, k, s, NULL) : 0;
	}
	fprintf(out, "      key: %s, %u bits\n",
	        dkimarc_sig_key_source(s) ? dkimarc_sig_key_source(s) : "?",
	        dkimarc_sig_key_bits(s));
	fprintf(out, "      to check the signature over these bytes yourself, run in bash "
	             "(openssl says \"Signature Verified Successfully\" when it holds; the body "
	             "is covered through bh=, compared above):\n");
	fprintf(out, "# --- dkimarc explain: message %zu, signature %zu ---\n", msgno, k + 1);
	fputs("cd \"$(mktemp -d)\" && echo \"working in $PWD\"\n", out);
	fputs("printf '%s\\n'", out);
	for (const char *p = pem, *nl; *p; p = nl + 1) {
		nl = strchr(p, '\n');
		if (!nl)
			nl = p + strlen(p) - 1;
		fprintf(out, " '%.*s'", (int)(nl - p), p);
	}
	fputs(" >key.pem\n", out);
	each_line(h, hl, out, printf_line);
	fprintf(out, "printf '%%s' '%s' | base64 -d >sig.bin\n", b);
	verify_commands(out, alg);
	fprintf(out, "# --- end ---\n");
	if (dir)
		rc = explain_files(out, dir, file, msgno, k, s, pem);
	dkimarc_free(pem);
	return rc;
}

int explain_report(FILE *out, const dkimarc_report *r, const char *file, size_t msgno,
                   const char *dir)
{
	int rc = 0;
	for (size_t k = 0; k < dkimarc_report_sig_count(r); k++)
		if (explain_sig(out, dkimarc_report_sig(r, k), file, msgno, k, dir) < 0)
			rc = -1;
	return rc;
}
