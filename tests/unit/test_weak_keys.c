/*
 * Keys that would let anyone sign are refused: Ed25519 public keys of small
 * order, in every encoding. Such a key verifies the forged signature R = a
 * small-order point, S = 0 for many messages (all of them for the identity)
 * under RFC 8032's equation, and OpenSSL 3 accepts it
 * (vectors/adversarial/ed25519-identity-key and -order8-key show it end to
 * end).
 *
 * The y-coordinates below were computed from the curve equation (the eight
 * points whose order divides 8 have y = 1, -1, 0 and two values of order 8),
 * plus the non-canonical encodings y + p of y = 0 and 1; libsodium's
 * crypto_core_ed25519_is_valid_point() rejects each (checked in
 * vectors/adversarial/make_cases.py).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "crypto.h"

static const char *const small_order_y[] = {
    "0000000000000000000000000000000000000000000000000000000000000000", /* 0, order 4 */
    "0100000000000000000000000000000000000000000000000000000000000000", /* 1, order 1 */
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p-1, order 2 */
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05", /* order 8 */
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a", /* order 8 */
    "edffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p = 0 */
    "eeffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f", /* p+1 = 1 */
};

/* Valid keys: RFC 8032 7.1 tests 1 (also RFC 8463 A.2's key), 2 and 3. */
static const char *const valid_keys[] = {
    "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a",
    "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c",
    "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025",
};

static void hex32(const char *h, unsigned char *out)
{
	for (int i = 0; i < 32; i++) {
		unsigned v;
		assert_int_equal(sscanf(h + 2 * i, "%2x", &v), 1);
		out[i] = (unsigned char)v;
	}
}

static dkimarc_reason decode(const unsigned char *pk, char *err, size_t errlen)
{
	char rec[128], b64[64];
	da_keyrec k;
	unsigned bits;
	dkimarc_reason why = DKIMARC_REASON_OK;

	EVP_EncodeBlock((unsigned char *)b64, pk, 32);
	snprintf(rec, sizeof rec, "v=DKIM1; k=ed25519; p=%s", b64);
	assert_int_equal(da_keyrec_parse(rec, strlen(rec), &k, err, errlen), DKIMARC_REASON_OK);
	EVP_PKEY *p = da_pkey_decode(&k, &bits, &why, err, errlen);
	da_keyrec_clear(&k);
	if (p != NULL) {
		EVP_PKEY_free(p);
		return DKIMARC_REASON_OK;
	}
	return why;
}

static void small_order_keys_are_refused(void **state)
{
	(void)state;
	unsigned char pk[32];
	char err[200];

	for (size_t i = 0; i < sizeof small_order_y / sizeof small_order_y[0]; i++) {
		for (int sign = 0; sign < 2; sign++) {
			hex32(small_order_y[i], pk);
			pk[31] |= (unsigned char)(sign << 7);
			err[0] = '\0';
			assert_int_equal(decode(pk, err, sizeof err), DKIMARC_REASON_KEY_SYNTAX);
			/* y = 0 with the sign bit, x = 0: OpenSSL may refuse it first. */
			assert_true(strstr(err, "small order") != NULL ||
			            strstr(err, "rejected") != NULL);
		}
	}
}

static void valid_keys_are_kept(void **state)
{
	(void)state;
	unsigned char pk[32];
	char err[200];

	for (size_t i = 0; i < sizeof valid_keys / sizeof valid_keys[0]; i++) {
		hex32(valid_keys[i], pk);
		assert_int_equal(decode(pk, err, sizeof err), DKIMARC_REASON_OK);
	}
	/* One bit away from a small-order encoding is a different point. */
	hex32(small_order_y[3], pk);
	pk[0] ^= 0x02;
	dkimarc_reason r = decode(pk, err, sizeof err);
	assert_true(r == DKIMARC_REASON_OK || strstr(err, "small order") == NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(small_order_keys_are_refused),
	    cmocka_unit_test(valid_keys_are_kept),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
