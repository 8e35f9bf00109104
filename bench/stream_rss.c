/*
 * stream_rss: memory and speed of the streaming verifier as a message grows.
 *
 *   stream_rss BYTES [CHUNK]
 *
 * Makes a message with a body of about BYTES (lines of 76 base64 characters,
 * CRLF), never held in memory: it is generated twice, chunk by chunk. The
 * first time its SHA-256 is taken (bh=) and the header is signed with a fresh
 * Ed25519 key by the few lines of signer below (relaxed/relaxed over fields
 * written in their relaxed form already, RFC 6376 §3.4.2, RFC 8463); the
 * second time it is fed to dkimarc_verifier_write() in CHUNK-byte pieces
 * (default 65536), with the key in an archive in memory. A valid signature
 * is what makes the verifier hash the whole body, and its pass proves it did.
 *
 * Prints one JSON line: body bytes, result and reason, the body bytes the
 * verifier hashed, wall and CPU seconds of the SHA-256 pass alone and of the
 * verification, resident memory before verifying and at its peak (KiB).
 * Exit status 0 when the signature passes having hashed the whole body, 1
 * when not, 2 on a setup error.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <dkimarc.h>
#include <openssl/evp.h>

#include "benchutil.h"

#define LINE      78 /* 76 characters and CRLF */
#define BLOCK_LNS 13443

static char block[BLOCK_LNS * LINE];

/* One MiB of lines, repeated: what the bytes are does not matter to hashing, only that
 * they are not trivially the same. */
static void make_block(void)
{
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint64_t x = 0x9e3779b97f4a7c15u;

	for (size_t l = 0; l < BLOCK_LNS; l++) {
		char *p = block + l * LINE;

		for (size_t i = 0; i < LINE - 2; i++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			p[i] = b64[x & 63];
		}
		p[LINE - 2] = '\r';
		p[LINE - 1] = '\n';
	}
}

/* Copies body bytes [off, off + n) into buf. */
static void body_at(uint64_t off, char *buf, size_t n)
{
	while (n > 0) {
		size_t at = (size_t)(off % sizeof(block));
		size_t k = sizeof(block) - at < n ? sizeof(block) - at : n;

		memcpy(buf, block + at, k);
		buf += k;
		off += k;
		n -= k;
	}
}

static char *b64(const unsigned char *p, size_t n)
{
	char *out = malloc(4 * ((n + 2) / 3) + 1);

	if (out != NULL)
		EVP_EncodeBlock((unsigned char *)out, p, (int)n);
	return out;
}

static void die(const char *what)
{
	fprintf(stderr, "stream_rss: %s: %s\n", what, dkimarc_last_error());
	exit(2);
}

int main(int argc, char **argv)
{
	uint64_t want = argc > 1 ? strtoull(argv[1], NULL, 0) : 0;
	size_t chunk = argc > 2 ? strtoul(argv[2], NULL, 0) : 65536;
	uint64_t body_len = (want < LINE ? 1 : want / LINE) * LINE;
	unsigned char digest[32], sig[64], pub[32];
	size_t siglen = sizeof(sig), publen = sizeof(pub);
	char hdr[2048], sigfield[1024], rec[128], *buf, *bh, *bsig, *line;
	struct bench_clock t0, t1, t2;
	EVP_PKEY *key;
	EVP_MD_CTX *md;
	dkimarc_ctx *ctx;
	dkimarc_keysrc *src;
	dkimarc_verifier *v;
	dkimarc_report *r;
	int n;

	if (argc < 2 || want == 0 || chunk < 1) {
		fputs("usage: stream_rss BYTES [CHUNK]\n", stderr);
		return 2;
	}
	buf = malloc(chunk);
	md = EVP_MD_CTX_new();
	key = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (buf == NULL || md == NULL || key == NULL ||
	    !EVP_PKEY_get_raw_public_key(key, pub, &publen)) {
		fputs("stream_rss: setup failed\n", stderr);
		return 2;
	}
	make_block();

	/* First generation: the body hash, timed (SHA-256 alone, for comparison). */
	bench_now(&t0);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	for (uint64_t off = 0; off < body_len; off += chunk) {
		size_t k = body_len - off < chunk ? (size_t)(body_len - off) : chunk;

		body_at(off, buf, k);
		EVP_DigestUpdate(md, buf, k);
	}
	EVP_DigestFinal_ex(md, digest, NULL);
	bench_now(&t1);
	bh = b64(digest, 32);

	/* The header, in relaxed form already: canonical = lower-case name, no space after ':'. */
	n = snprintf(sigfield, sizeof(sigfield),
	             "v=1; a=ed25519-sha256; c=relaxed/relaxed; d=stream.example; s=big; "
	             "t=1700000000; h=from:to:subject:date:message-id; bh=%s; b=",
	             bh);
	snprintf(hdr, sizeof(hdr),
	         "from:Stream Bench <bench@stream.example>\r\n"
	         "to:reader@stream.example\r\n"
	         "subject:a streamed message of %llu bytes\r\n"
	         "date:Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	         "message-id:<stream-%llu@stream.example>\r\n"
	         "dkim-signature:%s",
	         (unsigned long long)body_len, (unsigned long long)body_len, sigfield);
	EVP_DigestInit_ex(md, EVP_sha256(), NULL);
	EVP_DigestUpdate(md, hdr, strlen(hdr));
	EVP_DigestFinal_ex(md, digest, NULL);
	EVP_MD_CTX_reset(md);
	if (!EVP_DigestSignInit(md, NULL, NULL, NULL, key) ||
	    !EVP_DigestSign(md, sig, &siglen, digest, sizeof(digest))) {
		fputs("stream_rss: signing failed\n", stderr);
		return 2;
	}
	bsig = b64(sig, siglen);
	if (bh == NULL || bsig == NULL || n < 0 || (size_t)n + strlen(bsig) >= sizeof(sigfield))
		return 2;
	strcat(sigfield, bsig);
	snprintf(hdr, sizeof(hdr),
	         "DKIM-Signature: %s\r\n"
	         "From: Stream Bench <bench@stream.example>\r\n"
	         "To: reader@stream.example\r\n"
	         "Subject: a streamed message of %llu bytes\r\n"
	         "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
	         "Message-ID: <stream-%llu@stream.example>\r\n"
	         "MIME-Version: 1.0\r\n"
	         "Content-Type: text/plain; charset=us-ascii\r\n"
	         "\r\n",
	         sigfield, (unsigned long long)body_len, (unsigned long long)body_len);

	char *p = b64(pub, publen);

	snprintf(rec, sizeof(rec), "v=DKIM1; k=ed25519; p=%s", p ? p : "");
	free(p);
	if (dkimarc_ctx_new(&ctx) != DKIMARC_OK || dkimarc_keysrc_archive_new(&src) != DKIMARC_OK)
		die("context");
	if (dkimarc_record_archive("big._domainkey.stream.example", rec, "stream_rss", &line) !=
	        DKIMARC_OK ||
	    dkimarc_keysrc_archive_load_mem(src, "stream_rss", line, strlen(line)) != DKIMARC_OK)
		die("key archive");
	dkimarc_free(line);
	dkimarc_ctx_set_keysrc(ctx, src);
	long rss_before = bench_rss_kb();

	/* Second generation: through the streaming verifier. */
	bench_now(&t1);
	if (dkimarc_verifier_new(ctx, &v) != DKIMARC_OK ||
	    dkimarc_verifier_write(v, hdr, strlen(hdr)) != DKIMARC_OK)
		die("verifier");
	for (uint64_t off = 0; off < body_len; off += chunk) {
		size_t k = body_len - off < chunk ? (size_t)(body_len - off) : chunk;

		body_at(off, buf, k);
		if (dkimarc_verifier_write(v, buf, k) != DKIMARC_OK)
			die("verifier_write");
	}
	if (dkimarc_verifier_finish(v, &r) != DKIMARC_OK)
		die("verifier_finish");
	bench_now(&t2);

	const dkimarc_sig *s = dkimarc_report_sig(r, 0);
	dkimarc_result res = dkimarc_sig_result(s);
	uint64_t hashed = dkimarc_sig_body_bytes(s);
	int ok = res == DKIMARC_RES_PASS && hashed == body_len;
	struct bench_clock hash, verify;

	bench_diff(&t0, &t1, &hash);
	bench_diff(&t1, &t2, &verify);
	printf("{\"bytes\": %llu, \"message_bytes\": %llu, \"chunk\": %zu, \"result\": \"%s\", "
	       "\"reason\": \"%s\", \"body_bytes_hashed\": %llu, \"sha256_wall\": %.6f, "
	       "\"sha256_cpu\": %.6f, \"verify_wall\": %.6f, \"verify_cpu\": %.6f, "
	       "\"rss_before_kb\": %ld, \"rss_peak_kb\": %ld, \"ok\": %s}\n",
	       (unsigned long long)body_len, (unsigned long long)(body_len + strlen(hdr)), chunk,
	       dkimarc_result_str(res), dkimarc_reason_str(dkimarc_sig_reason(s)),
	       (unsigned long long)hashed, hash.wall, hash.cpu, verify.wall, verify.cpu, rss_before,
	       bench_peak_rss_kb(), ok ? "true" : "false");

	dkimarc_report_free(r);
	dkimarc_verifier_free(v);
	dkimarc_ctx_free(ctx);
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(key);
	free(bh);
	free(bsig);
	free(buf);
	return ok ? 0 : 1;
}
