// SPDX-License-Identifier: MIT
/* Tile-by-tile conversion equals the whole-frame reference to the byte:
 * format_to_rgb8, the edge repeated to an even size, then swscale from
 * RGB24 (the path the encoder took before damage tracking). */
#include <drm_fourcc.h>
#include <errno.h>
#include <libavutil/pixfmt.h>
#include <libswscale/swscale.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/damage.h"
#include "kmscast/format.h"
#include "kmscast/yuvconv.h"
#include "tst.h"

static uint32_t seed = 1;
static uint8_t rnd(void)
{
	seed = seed * 1103515245u + 12345u;
	return (uint8_t)(seed >> 16);
}

/* The reference: w x h of px (pitch) in fmt, with ov blended in RGB. */
static int reference(const struct format_info *fmt, const uint8_t *px, size_t pitch, uint32_t w,
		     uint32_t h, bool c420, const struct yuv_overlay *ov, struct yuv_image *out)
{
	uint32_t ew = (w + 1) & ~1u, eh = (h + 1) & ~1u;
	/* calloc: swscale reads a few bytes past its input, into the slack. */
	uint8_t *rgb = malloc((size_t)w * h * 3), *pad = calloc(1, (size_t)ew * eh * 3 + 64);

	if (!rgb || !pad || yuv_image_alloc(out, w, h, c420) < 0)
		return -ENOMEM;
	format_to_rgb8(fmt, px, pitch, w, h, rgb);
	if (ov)
		format_blend_cursor(rgb, w, h, ov->x, ov->y, ov->argb, ov->w, ov->h, ov->pitch);
	for (uint32_t y = 0; y < eh; y++) {
		const uint8_t *s = rgb + (size_t)(y < h ? y : h - 1) * w * 3;
		memcpy(pad + (size_t)y * ew * 3, s, (size_t)w * 3);
		if (ew > w)
			memcpy(pad + ((size_t)y * ew + w) * 3, s + (size_t)(w - 1) * 3, 3);
	}
	struct SwsContext *s = sws_getContext(
		(int)ew, (int)eh, AV_PIX_FMT_RGB24, (int)ew, (int)eh,
		c420 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P,
		(c420 ? SWS_AREA : SWS_POINT) | SWS_ACCURATE_RND, NULL, NULL, NULL);
	const uint8_t *src[1] = {pad};
	int stride[1] = {(int)ew * 3};
	sws_scale(s, src, stride, 0, (int)eh, out->plane, out->stride);
	sws_freeContext(s);
	free(rgb);
	free(pad);
	return 0;
}

/* The planes' w x h (and chroma) parts are equal. */
static int same(const struct yuv_image *a, const struct yuv_image *b)
{
	for (int p = 0; p < 3; p++) {
		uint32_t pw = p && a->chroma420 ? a->w / 2 : a->w;
		uint32_t ph = p && a->chroma420 ? a->h / 2 : a->h;
		for (uint32_t y = 0; y < ph; y++)
			if (memcmp(a->plane[p] + (size_t)y * a->stride[p],
				   b->plane[p] + (size_t)y * b->stride[p], pw) != 0) {
				fprintf(stderr, "  plane %d row %u differs\n", p, y);
				return 0;
			}
	}
	return 1;
}

static int check(uint32_t fourcc, uint32_t w, uint32_t h, bool c420, bool overlay)
{
	const struct format_info *fmt = format_lookup(fourcc);
	size_t pitch = (size_t)w * fmt->cpp + 8;
	uint8_t *px = malloc(pitch * h);
	uint8_t argb[20 * 12 * 4];
	struct yuv_overlay ov = {.x = (int32_t)w - 13, .y = 5, .w = 20, .h = 12, .pitch = 80,
				 .argb = argb};
	struct damage *d;
	struct yuvconv *c;
	struct yuv_image ref, img;

	for (size_t i = 0; i < pitch * h; i++)
		px[i] = rnd();
	for (size_t i = 0; i < sizeof(argb); i += 4) {
		uint8_t a = rnd();
		argb[i] = rnd() % (a + 1); /* premultiplied */
		argb[i + 1] = rnd() % (a + 1);
		argb[i + 2] = rnd() % (a + 1);
		argb[i + 3] = a;
	}
	CHECK_EQ_INT(damage_create(w, h, &d), 0);
	CHECK_EQ_INT(yuvconv_create(fmt, w, h, c420, &c), 0);
	CHECK_EQ_INT(yuv_image_alloc(&img, w, h, c420), 0);
	/* Everything, once. */
	damage_scan(d, px, pitch, fmt->cpp, 0, 1);
	CHECK_EQ_INT(yuvconv_damaged(c, d, px, pitch, overlay ? &ov : NULL, &img), 0);
	CHECK_EQ_INT(reference(fmt, px, pitch, w, h, c420, overlay ? &ov : NULL, &ref), 0);
	CHECK(same(&ref, &img));
	yuv_image_free(&ref);
	/* Then a few pixels change: only their tiles are converted again. */
	damage_clear(d);
	for (int k = 0; k < 5; k++) {
		uint32_t x = rnd() % w, y = rnd() % h;
		for (unsigned b = 0; b < fmt->cpp; b++)
			px[y * pitch + x * fmt->cpp + b] ^= 0x5a;
	}
	CHECK(damage_scan(d, px, pitch, fmt->cpp, 0, 1) <= 5);
	CHECK_EQ_INT(yuvconv_damaged(c, d, px, pitch, overlay ? &ov : NULL, &img), 0);
	CHECK_EQ_INT(reference(fmt, px, pitch, w, h, c420, overlay ? &ov : NULL, &ref), 0);
	CHECK(same(&ref, &img));
	yuv_image_free(&ref);
	yuv_image_free(&img);
	yuvconv_destroy(c);
	damage_destroy(d);
	free(px);
	return 0;
}

static int whole_tiles(void)
{
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB8888, 256, 64, false, false), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB8888, 256, 64, true, false), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_XBGR8888, 128, 32, false, false), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_ARGB8888, 128, 32, true, false), 0);
	return 0;
}

static int edges_and_odd_sizes(void)
{
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB8888, 40, 20, false, false), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB8888, 37, 21, true, false), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB8888, 37, 21, false, false), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_XBGR8888, 1, 1, true, false), 0);
	return 0;
}

static int formats_through_rgb24(void)
{
	CHECK_EQ_INT(check(DRM_FORMAT_RGB565, 48, 33, false, false), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB2101010, 48, 33, true, false), 0);
	return 0;
}

static int overlay_blended(void)
{
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB8888, 64, 48, false, true), 0);
	CHECK_EQ_INT(check(DRM_FORMAT_XRGB8888, 63, 47, true, true), 0);
	return 0;
}

TST_MAIN("yuvconv", TST_CASE(whole_tiles), TST_CASE(edges_and_odd_sizes),
	 TST_CASE(formats_through_rgb24), TST_CASE(overlay_blended))
