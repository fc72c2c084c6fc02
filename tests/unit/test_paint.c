// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/paint.h"
#include "tst.h"

/* The fast renderer draws exactly what the reference function says. */
static int render_matches_reference_at(uint32_t w, uint32_t h)
{
	static const uint32_t ks[] = {0, 1, 77, 12345, PAINT_K_MASK};

	for (const struct format_info *f = format_all(); f->fourcc; f++) {
		struct paint_scene *s = paint_scene_create(w, h, f);
		size_t pitch = (size_t)w * f->cpp + 64;
		uint8_t *buf = malloc(pitch * h);

		CHECK(s && buf);
		for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
			paint_scene_render(s, ks[i], buf, pitch);
			for (uint32_t y = 0; y < h; y++) {
				for (uint32_t x = 0; x < w; x++) {
					struct rgb8 got = format_unpack(f, buf + y * pitch + x * f->cpp);
					struct rgb8 want = format_quantize(f, paint_pixel(ks[i], w, h, x, y));
					if (memcmp(&got, &want, sizeof(got)) != 0) {
						fprintf(stderr, "  %s k=%u (%u,%u)\n", f->name, ks[i], x, y);
						CHECK(0);
					}
				}
			}
		}
		free(buf);
		paint_scene_destroy(s);
	}
	return 0;
}

static int render_matches_reference(void)
{
	CHECK(!render_matches_reference_at(640, 480));
	CHECK(!render_matches_reference_at(PAINT_MIN_WIDTH, PAINT_MIN_HEIGHT));
	return 0;
}

static uint8_t *reference_rgb(uint32_t k, uint32_t w, uint32_t h, const struct format_info *f)
{
	uint8_t *img = malloc((size_t)w * h * 3);

	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			struct rgb8 c = paint_pixel(k, w, h, x, y);
			if (f) {
				c = format_quantize(f, c);
			}
			memcpy(img + ((size_t)y * w + x) * 3, &c, 3);
		}
	}
	return img;
}

static int frame_number_reads_back(void)
{
	static const uint32_t ks[] = {0, 1, 2, 1000, 0xabcdef, PAINT_K_MASK};
	uint32_t w = 640, h = 240, k;

	for (size_t i = 0; i < sizeof(ks) / sizeof(ks[0]); i++) {
		uint8_t *img = reference_rgb(ks[i], w, h, format_by_name("RGB565"));
		CHECK_EQ_INT(paint_read_k(img, w, h, (size_t)w * 3, &k), 0);
		CHECK_EQ_INT(k, ks[i]);
		free(img);
	}
	return 0;
}

static int garbage_has_no_frame_number(void)
{
	uint32_t w = 640, h = 240, k = 99;
	uint8_t *img = calloc((size_t)w * h, 3);

	CHECK_EQ_INT(paint_read_k(img, w, h, (size_t)w * 3, &k), -EINVAL);
	memset(img, 0xff, (size_t)w * h * 3);
	CHECK_EQ_INT(paint_read_k(img, w, h, (size_t)w * 3, &k), -EINVAL);
	CHECK_EQ_INT(k, 99);
	CHECK_EQ_INT(paint_read_k(img, PAINT_MIN_WIDTH - 1, h, (size_t)w * 3, &k), -EINVAL);
	free(img);
	return 0;
}

/* The window stays on screen below the taskbar and moves every frame, and the
 * frames differ outside the frame-number cells too. */
static int window_moves_inside_screen(void)
{
	uint32_t w = 1024, h = 768;

	for (uint32_t k = 0; k < 5000; k++) {
		struct paint_rect r = paint_window_rect(k, w, h), n = paint_window_rect(k + 1, w, h);
		int32_t cx, cy;

		CHECK(r.x + r.w <= w && r.y >= PAINT_BAR_HEIGHT && r.y + r.h <= h);
		CHECK(r.x != n.x || r.y != n.y);
		paint_cursor_pos(k, w, h, &cx, &cy);
		CHECK(cx >= 0 && cy >= 0 && (uint32_t)cx < w && (uint32_t)cy < h);
	}
	{
		uint8_t *a = reference_rgb(10, 640, 480, NULL), *b = reference_rgb(11, 640, 480, NULL);
		size_t row = 640 * 3, bar = PAINT_BAR_HEIGHT * row;
		CHECK(memcmp(a + bar, b + bar, 640 * 480 * 3 - bar) != 0);
		free(a);
		free(b);
	}
	return 0;
}

static int cursor_image_has_shape(void)
{
	unsigned opaque = 0, transparent = 0;

	for (uint32_t y = 0; y < PAINT_CURSOR_SIZE; y++) {
		for (uint32_t x = 0; x < PAINT_CURSOR_SIZE; x++) {
			uint32_t a = paint_cursor_pixel(x, y) >> 24;
			CHECK(a == 0 || a == 255);
			opaque += a == 255;
			transparent += a == 0;
		}
	}
	CHECK(opaque > 300 && transparent > 2000);
	CHECK_EQ_INT(paint_cursor_pixel(0, 0), 0xff000000u);
	return 0;
}

static int scene_rejects_bad_sizes(void)
{
	const struct format_info *f = format_by_name("XRGB8888");

	errno = 0;
	CHECK(paint_scene_create(PAINT_MIN_WIDTH - 1, 480, f) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(paint_scene_create(640, PAINT_MIN_HEIGHT - 1, f) == NULL && errno == EINVAL);
	errno = 0;
	CHECK(paint_scene_create(16385, 480, f) == NULL && errno == EINVAL);
	return 0;
}

/* The video scene: the fast renderer is the reference, the frame code
 * reads back, and no pixel outside the code is what it was a frame ago. */
static int video_changes_every_pixel(void)
{
	const struct format_info *f = format_by_name("XRGB8888");
	uint32_t w = 400, h = 240;
	struct paint_scene *s = paint_scene_create_of(PAINT_VIDEO, w, h, f);
	size_t pitch = (size_t)w * 4;
	uint8_t *a = malloc(pitch * h), *b = malloc(pitch * h), *rgb = malloc((size_t)w * h * 3);
	uint32_t k;

	CHECK(s && a && b && rgb);
	paint_scene_render(s, 41, a, pitch);
	paint_scene_render(s, 42, b, pitch);
	for (uint32_t y = 0; y < h; y++)
		for (uint32_t x = 0; x < w; x++) {
			struct rgb8 got = format_unpack(f, b + y * pitch + x * 4);
			struct rgb8 want = paint_pixel_of(PAINT_VIDEO, 42, w, h, x, y);
			CHECK(memcmp(&got, &want, sizeof(got)) == 0);
			if (y >= PAINT_BAR_HEIGHT || x >= PAINT_MIN_WIDTH)
				CHECK(memcmp(a + y * pitch + x * 4, b + y * pitch + x * 4, 4) != 0);
		}
	paint_frame_rgb8_of(PAINT_VIDEO, 42, w, h, rgb);
	CHECK_EQ_INT(paint_read_k(rgb, w, h, (size_t)w * 3, &k), 0);
	CHECK_EQ_INT(k, 42);
	free(a);
	free(b);
	free(rgb);
	paint_scene_destroy(s);
	return 0;
}

TST_MAIN("paint", TST_CASE(render_matches_reference), TST_CASE(frame_number_reads_back),
	 TST_CASE(garbage_has_no_frame_number), TST_CASE(window_moves_inside_screen),
	 TST_CASE(cursor_image_has_shape), TST_CASE(scene_rejects_bad_sizes),
	 TST_CASE(video_changes_every_pixel))
