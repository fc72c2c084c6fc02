// SPDX-License-Identifier: MIT
#include <drm_fourcc.h>
#include <string.h>

#include "kmscast/damage.h"
#include "kmscast/format.h"
#include "kmscast/paint.h"
#include "tst.h"

#define W 40 /* tiles of 16: 3 x 2, the last ones partial */
#define H 20

static uint8_t px[H][W * 4];

static int marks_what_changed(void)
{
	struct damage *d;
	uint32_t x0, n;

	memset(px, 7, sizeof(px));
	CHECK_EQ_INT(damage_create(W, H, &d), 0);
	CHECK_EQ_INT(d->tw, 3);
	CHECK_EQ_INT(d->th, 2);
	/* A first scan sees every tile. */
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 1), 6);
	damage_clear(d);
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 1), 0);
	/* One pixel in the partial corner tile. */
	px[18][35 * 4] ^= 1;
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 1), 1);
	CHECK(damage_at(d, 2, 1));
	CHECK(!damage_at(d, 1, 1));
	/* Marks add up until cleared. */
	px[0][0] ^= 1;
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 1), 2);
	CHECK(damage_run(d, 0, 0, &x0, &n));
	CHECK_EQ_INT(x0, 0);
	CHECK_EQ_INT(n, 1);
	CHECK(!damage_run(d, 0, 1, &x0, &n));
	damage_clear(d);
	CHECK_EQ_INT(d->n_damaged, 0);
	damage_destroy(d);
	return 0;
}

static int samples_rows_when_idle(void)
{
	struct damage *d;

	memset(px, 1, sizeof(px));
	CHECK_EQ_INT(damage_create(W, H, &d), 0);
	damage_scan(d, &px[0][0], W * 4, 4, 0, 1);
	damage_clear(d);
	px[3][20 * 4] ^= 0xff; /* row 3, tile 1 */
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 8), 0); /* rows 0, 8, 16 */
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 3, 8), 1); /* rows 3, 11, 19 */
	CHECK(damage_at(d, 1, 0));
	damage_destroy(d);
	return 0;
}

static int forgets_torn_tiles(void)
{
	struct damage *d;

	memset(px, 2, sizeof(px));
	CHECK_EQ_INT(damage_create(W, H, &d), 0);
	damage_scan(d, &px[0][0], W * 4, 4, 0, 1);
	damage_clear(d);
	px[1][1] ^= 1;
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 1), 1);
	/* The read tore: the tile is converted again at the next full scan
	 * even though it shows what it showed. */
	damage_forget(d);
	damage_clear(d);
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 8), 0);
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 1), 1);
	CHECK(damage_at(d, 0, 0));
	damage_clear(d);
	CHECK_EQ_INT(damage_scan(d, &px[0][0], W * 4, 4, 0, 1), 0);
	damage_all(d);
	CHECK_EQ_INT(d->n_damaged, 6);
	damage_destroy(d);
	return 0;
}

/* A cursor's rectangle: clipped at every edge, and off the frame nothing. */
static int marks_rectangles(void)
{
	struct damage *d;

	CHECK_EQ_INT(damage_create(W, H, &d), 0);
	damage_clear(d);
	damage_mark_rect(d, -5, -5, 6, 6); /* pixel (0, 0) only */
	CHECK_EQ_INT(d->n_damaged, 1);
	CHECK(damage_at(d, 0, 0));
	CHECK(damage_rect_marked(d, 15, 15, 1, 1));
	CHECK(!damage_rect_marked(d, 16, 0, 24, 20));
	CHECK(!damage_rect_marked(d, -10, -10, 10, 10)); /* ends before (0, 0) */
	damage_mark_rect(d, 31, 15, 64, 64); /* tiles (1..2, 0..1), clipped */
	CHECK_EQ_INT(d->n_damaged, 5);
	CHECK(!damage_at(d, 0, 1));
	damage_mark_rect(d, W, 0, 8, 8); /* right of the frame */
	damage_mark_rect(d, 0, H, 8, 8); /* below it */
	damage_mark_rect(d, 0, 0, 0, 8); /* empty */
	CHECK_EQ_INT(d->n_damaged, 5);
	CHECK(!damage_rect_marked(d, W, 0, 8, 8));
	damage_destroy(d);
	return 0;
}

/* kmscast-paint's desktop scene, drawn by its fast renderer as an
 * XRGB8888 scanout buffer: the map after frame k+1 marks exactly the tiles
 * where the scene's reference (paint_pixel) differs from frame k, and
 * they all lie where the window was or is or in the code's changed cells. */
static int maps_the_desktop_scene(void)
{
	enum { SW = 640, SH = 480 };
	static uint8_t buf[SH][SW * 4];
	const struct format_info *fmt = format_lookup(DRM_FORMAT_XRGB8888);
	struct paint_scene *scene = paint_scene_create(SW, SH, fmt);
	struct damage *d, *want;

	CHECK(scene != NULL);
	CHECK_EQ_INT(damage_create(SW, SH, &d), 0);
	CHECK_EQ_INT(damage_create(SW, SH, &want), 0);
	for (uint32_t k = 100; k < 104; k++) {
		paint_scene_render(scene, k, &buf[0][0], SW * 4);
		damage_scan(d, &buf[0][0], SW * 4, 4, 0, 1);
		damage_clear(d);
		paint_scene_render(scene, k + 1, &buf[0][0], SW * 4);
		damage_scan(d, &buf[0][0], SW * 4, 4, 0, 1);

		damage_clear(want);
		for (uint32_t y = 0; y < SH; y++)
			for (uint32_t x = 0; x < SW; x++) {
				struct rgb8 a = paint_pixel(k, SW, SH, x, y);
				struct rgb8 b = paint_pixel(k + 1, SW, SH, x, y);
				if (memcmp(&a, &b, sizeof(a)))
					damage_mark_rect(want, x, y, 1, 1);
			}
		CHECK(want->n_damaged > 0);
		CHECK_EQ_INT(d->n_damaged, want->n_damaged);
		CHECK(memcmp(d->tiles, want->tiles, (size_t)d->tw * d->th) == 0);

		damage_clear(want);
		struct paint_rect r0 = paint_window_rect(k, SW, SH);
		struct paint_rect r1 = paint_window_rect(k + 1, SW, SH);
		damage_mark_rect(want, r0.x, r0.y, r0.w, r0.h);
		damage_mark_rect(want, r1.x, r1.y, r1.w, r1.h);
		for (uint32_t i = 0; i < PAINT_CODE_BITS; i++)
			if (((k ^ (k + 1)) >> i) & 1)
				damage_mark_rect(want, i * PAINT_CODE_CELL, 0, PAINT_CODE_CELL,
						 PAINT_BAR_HEIGHT);
		for (size_t t = 0; t < (size_t)d->tw * d->th; t++)
			CHECK(!d->tiles[t] || want->tiles[t]);
		CHECK(d->n_damaged < d->tw * d->th / 4); /* most of a desktop stands still */
		damage_clear(d);
	}
	damage_destroy(want);
	damage_destroy(d);
	paint_scene_destroy(scene);
	return 0;
}

TST_MAIN("damage", TST_CASE(marks_what_changed), TST_CASE(samples_rows_when_idle),
	 TST_CASE(forgets_torn_tiles), TST_CASE(marks_rectangles), TST_CASE(maps_the_desktop_scene))
