// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "kmscast/lossless.h"
#include "tst.h"

#define W 200
#define H 130 /* edge tiles are clipped on both axes */

static void scene(uint8_t *rgb, unsigned k)
{
	for (size_t i = 0; i < (size_t)W * H * 3; i++)
		rgb[i] = (uint8_t)(i * 7 + (i / 3 % W > 150 ? k * 13 : 0));
}

static int round_trip(void)
{
	struct lossless_enc *e;
	struct lossless_dec *d;
	uint8_t *rgb = malloc(W * H * 3);
	const uint8_t *p;
	const char *why = NULL;
	size_t n;
	unsigned changed;

	CHECK_EQ_INT(lossless_enc_create(W, H, 1, &e), 0);
	CHECK_EQ_INT(lossless_dec_create(W, H, &d), 0);
	for (unsigned k = 0; k < 5; k++) {
		scene(rgb, k);
		CHECK_EQ_INT(lossless_encode(e, rgb, false, &p, &n, &changed), 0);
		/* First frame is a key (all 4x3 tiles); then only the two right columns move. */
		CHECK_EQ_INT(changed, k == 0 ? 12 : 6);
		CHECK_EQ_INT(lossless_decode(d, p, n, &why), 0);
		CHECK_MEM(lossless_canvas(d), rgb, W * H * 3);
	}
	CHECK_EQ_INT(lossless_encode(e, rgb, false, &p, &n, &changed), 0);
	CHECK_EQ_INT(changed, 0); /* nothing moved: an empty refresh */
	CHECK_EQ_INT(lossless_decode(d, p, n, &why), 0);
	CHECK_EQ_INT(lossless_encode(e, rgb, true, &p, &n, &changed), 0);
	CHECK_EQ_INT(changed, 12);
	lossless_enc_destroy(e);
	lossless_dec_destroy(d);
	free(rgb);
	return 0;
}

static int rejects_malformed(void)
{
	struct lossless_enc *e;
	struct lossless_dec *d, *fresh;
	uint8_t *rgb = malloc(W * H * 3), buf[70000];
	const uint8_t *p;
	const char *why = NULL;
	size_t n;
	unsigned changed;

	scene(rgb, 0);
	CHECK_EQ_INT(lossless_enc_create(W, H, 1, &e), 0);
	CHECK_EQ_INT(lossless_dec_create(W, H, &d), 0);
	CHECK_EQ_INT(lossless_dec_create(W, H, &fresh), 0);
	CHECK_EQ_INT(lossless_encode(e, rgb, false, &p, &n, &changed), 0);
	CHECK(n < sizeof(buf));
	memcpy(buf, p, n);
	CHECK_EQ_INT(lossless_decode(d, buf, 5, &why), -EINVAL);
	CHECK(strcmp(why, "lossless frame shorter than its header") == 0);
	buf[5]++;
	CHECK_EQ_INT(lossless_decode(d, buf, n, &why), -EINVAL);
	CHECK(strcmp(why, "lossless frame size differs from the stream's") == 0);
	buf[5]--;
	buf[11]--;
	CHECK_EQ_INT(lossless_decode(d, buf, n, &why), -EINVAL);
	CHECK(strcmp(why, "lossless tile count does not match its bitmap") == 0);
	buf[11]++;
	buf[LOSSLESS_HEADER + 1] |= 0x80; /* tile 15 of 12 */
	CHECK_EQ_INT(lossless_decode(d, buf, n, &why), -EINVAL);
	CHECK(strcmp(why, "lossless bitmap names a tile past the frame") == 0);
	buf[LOSSLESS_HEADER + 1] &= 0x7f;
	CHECK_EQ_INT(lossless_decode(d, buf, n - 3, &why), -EINVAL); /* cut zstd */
	CHECK_EQ_INT(lossless_decode(d, buf, n, &why), 0);
	/* A delta before any key. */
	scene(rgb, 1);
	CHECK_EQ_INT(lossless_encode(e, rgb, false, &p, &n, &changed), 0);
	CHECK_EQ_INT(lossless_decode(fresh, p, n, &why), -EPROTO);
	lossless_enc_destroy(e);
	lossless_dec_destroy(d);
	lossless_dec_destroy(fresh);
	free(rgb);
	return 0;
}

TST_MAIN("lossless", TST_CASE(round_trip), TST_CASE(rejects_malformed))
