// SPDX-License-Identifier: MIT
#include "kmscast/paint.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

struct paint_scene {
	enum paint_kind kind;
	uint32_t w, h;
	const struct format_info *fmt;
	uint8_t *background; /* packed in fmt, pitch w * cpp */
};

#define TITLE_HEIGHT 20

/* 0, 1, ... range, range - 1, ... 0: a bounce that stays inside [0, range]. */
static uint32_t triangle(uint32_t t, uint32_t range)
{
	uint32_t p;

	if (range == 0) {
		return 0;
	}
	p = t % (2 * range);
	return p <= range ? p : 2 * range - p;
}

static struct rgb8 rgb(uint32_t r, uint32_t g, uint32_t b)
{
	struct rgb8 c = {(uint8_t)r, (uint8_t)g, (uint8_t)b};
	return c;
}

/* Desktop wallpaper under a taskbar: smooth gradients plus a fine texture,
 * and a column of "icons" so there is detail an encoder has to keep. */
static struct rgb8 background_pixel(uint32_t w, uint32_t h, uint32_t x, uint32_t y)
{
	if (y < PAINT_BAR_HEIGHT) {
		uint32_t v = 40 + ((x / 4 + y) & 7);
		return rgb(v, v, v + 8);
	}
	if (x >= 16 && x < 64 && (y - PAINT_BAR_HEIGHT) % 72 >= 16 &&
	    (y - PAINT_BAR_HEIGHT) % 72 < 64) {
		uint32_t ix = x - 16, iy = (y - PAINT_BAR_HEIGHT) % 72 - 16;
		return rgb(200 + (ix & 31), 160 + (iy & 63), 40 + ((ix ^ iy) & 31));
	}
	return rgb(16 + y * 96 / h, 64 + x * 64 / w, 120 + ((x ^ y) & 15) + (y * 48 / h));
}

struct paint_rect paint_window_rect(uint32_t k, uint32_t w, uint32_t h)
{
	struct paint_rect r;

	r.w = w * 2 / 5;
	r.h = (h - PAINT_BAR_HEIGHT) * 2 / 5;
	r.x = triangle(k * 5, w - r.w);
	r.y = PAINT_BAR_HEIGHT + triangle(k * 3, h - PAINT_BAR_HEIGHT - r.h);
	return r;
}

/* (lx, ly) relative to the window; content scrolls by k. */
static struct rgb8 window_pixel(uint32_t k, const struct paint_rect *r, uint32_t lx, uint32_t ly)
{
	if (lx == 0 || ly == 0 || lx == r->w - 1 || ly == r->h - 1) {
		return rgb(20, 20, 30);
	}
	if (ly < TITLE_HEIGHT) {
		if (lx + 18 < r->w && lx + 30 >= r->w && ly >= 4 && ly < 16) {
			return rgb(230, 70, 60);
		}
		return rgb(50, 90 + ly * 4, 200);
	}
	{
		uint32_t sy = ly + 2 * k;
		uint32_t line = sy / 12;
		uint32_t in_line = sy % 12;
		/* lines of "text": short dark runs whose length depends on the line */
		uint32_t len = 40 + (line * 37) % (r->w > 80 ? r->w - 60 : 20);
		if (in_line >= 3 && in_line < 9 && lx >= 8 && lx < len &&
		    ((lx / 6 + line) % 5) != 0) {
			return rgb(30 + (line & 7) * 8, 30, 40 + (lx & 15));
		}
		return rgb(236 - (in_line & 3), 236, 228 + ((lx + sy) & 7));
	}
}

static struct rgb8 code_pixel(uint32_t k, uint32_t x, uint32_t y)
{
	uint32_t bit = (k >> (x / PAINT_CODE_CELL)) & 1;

	if (y >= PAINT_CODE_CELL) {
		bit ^= 1;
	}
	return bit ? rgb(255, 255, 255) : rgb(0, 0, 0);
}

/* Video: gradients that move at different speeds under 4 bits of noise
 * that is new every frame, and blue's low bit flips with k, so that no
 * pixel is ever what it was the frame before. */
static struct rgb8 video_pixel(uint32_t k, uint32_t x, uint32_t y)
{
	uint32_t n = x * 0x9e3779b1u ^ y * 0x85ebca77u ^ k * 0xc2b2ae3du;

	n ^= n >> 15;
	n *= 0x2c1b3c6du;
	n ^= n >> 12;
	uint32_t r = ((x + 2 * k) & 0xff) / 2 + 40 + (n & 15);
	uint32_t g = ((y + k) & 0xff) / 2 + 40 + ((n >> 4) & 15);
	uint32_t b = ((((x + y + 3 * k) & 0xff) / 2 + 40 + ((n >> 8) & 15)) & ~1u) | (k & 1);
	return rgb(r, g, b);
}

struct rgb8 paint_pixel_of(enum paint_kind kind, uint32_t k, uint32_t w, uint32_t h, uint32_t x,
			   uint32_t y)
{
	if (kind == PAINT_VIDEO) {
		if (y < PAINT_BAR_HEIGHT && x < PAINT_MIN_WIDTH)
			return code_pixel(k & PAINT_K_MASK, x, y);
		return video_pixel(k, x, y);
	}
	return paint_pixel(k, w, h, x, y);
}

struct rgb8 paint_pixel(uint32_t k, uint32_t w, uint32_t h, uint32_t x, uint32_t y)
{
	struct paint_rect r;

	if (y < PAINT_BAR_HEIGHT && x < PAINT_MIN_WIDTH) {
		return code_pixel(k & PAINT_K_MASK, x, y);
	}
	r = paint_window_rect(k, w, h);
	if (x >= r.x && x < r.x + r.w && y >= r.y && y < r.y + r.h) {
		return window_pixel(k, &r, x - r.x, y - r.y);
	}
	return background_pixel(w, h, x, y);
}

uint32_t paint_cursor_pixel(uint32_t x, uint32_t y)
{
	/* An arrow: a right triangle with a black outline and a stem. */
	if (x < 2 * PAINT_CURSOR_SIZE / 4 && y < 3 * PAINT_CURSOR_SIZE / 4 && x <= y * 2 / 3) {
		if (x == 0 || x >= y * 2 / 3 - 1 || y == 3 * PAINT_CURSOR_SIZE / 4 - 1) {
			return 0xff000000u;
		}
		return 0xffffffffu;
	}
	if (x >= 10 && x < 18 && y >= 40 && y < 60 && x + 30 <= y) {
		return 0xff202020u;
	}
	return 0;
}

void paint_cursor_pos(uint32_t k, uint32_t w, uint32_t h, int32_t *x, int32_t *y)
{
	*x = (int32_t)triangle(k * 7, w - PAINT_CURSOR_SIZE / 2);
	*y = (int32_t)(PAINT_BAR_HEIGHT +
		       triangle(k * 4, h - PAINT_BAR_HEIGHT - PAINT_CURSOR_SIZE / 2));
}

static int read_bit(const uint8_t *rgb, size_t pitch, uint32_t i, uint32_t row)
{
	const uint8_t *p = rgb + (size_t)(row * PAINT_CODE_CELL + PAINT_CODE_CELL / 2) * pitch +
			   (size_t)(i * PAINT_CODE_CELL + PAINT_CODE_CELL / 2) * 3;
	unsigned luma = (77u * p[0] + 150u * p[1] + 29u * p[2]) >> 8;

	return luma >= 128;
}

int paint_read_k(const uint8_t *rgb, uint32_t w, uint32_t h, size_t pitch, uint32_t *k)
{
	uint32_t v = 0;

	if (w < PAINT_MIN_WIDTH || h < PAINT_BAR_HEIGHT) {
		return -EINVAL;
	}
	for (uint32_t i = 0; i < PAINT_CODE_BITS; i++) {
		int b = read_bit(rgb, pitch, i, 0);
		if (b == read_bit(rgb, pitch, i, 1)) {
			return -EINVAL;
		}
		v |= (uint32_t)b << i;
	}
	*k = v;
	return 0;
}

struct paint_scene *paint_scene_create(uint32_t w, uint32_t h, const struct format_info *fmt)
{
	return paint_scene_create_of(PAINT_DESKTOP, w, h, fmt);
}

struct paint_scene *paint_scene_create_of(enum paint_kind kind, uint32_t w, uint32_t h,
					  const struct format_info *fmt)
{
	struct paint_scene *scene;

	if (w < PAINT_MIN_WIDTH || h < PAINT_MIN_HEIGHT || w > 16384 || h > 16384) {
		errno = EINVAL;
		return NULL;
	}
	scene = calloc(1, sizeof(*scene));
	if (!scene) {
		return NULL;
	}
	scene->kind = kind;
	scene->w = w;
	scene->h = h;
	scene->fmt = fmt;
	scene->background = malloc((size_t)w * h * fmt->cpp);
	if (!scene->background) {
		free(scene);
		return NULL;
	}
	for (uint32_t y = 0; y < h; y++) {
		uint8_t *row = scene->background + (size_t)y * w * fmt->cpp;
		for (uint32_t x = 0; x < w; x++) {
			format_pack(fmt, background_pixel(w, h, x, y), row + (size_t)x * fmt->cpp);
		}
	}
	return scene;
}

void paint_scene_destroy(struct paint_scene *scene)
{
	if (!scene) {
		return;
	}
	free(scene->background);
	free(scene);
}

void paint_scene_render(const struct paint_scene *scene, uint32_t k, uint8_t *dst, size_t pitch)
{
	const struct format_info *fmt = scene->fmt;
	size_t row_bytes = (size_t)scene->w * fmt->cpp;
	struct paint_rect r = paint_window_rect(k, scene->w, scene->h);

	if (scene->kind == PAINT_VIDEO) {
		for (uint32_t y = 0; y < scene->h; y++) {
			uint8_t *row = dst + (size_t)y * pitch;
			for (uint32_t x = 0; x < scene->w; x++)
				format_pack(fmt,
					    y < PAINT_BAR_HEIGHT && x < PAINT_MIN_WIDTH
						    ? code_pixel(k & PAINT_K_MASK, x, y)
						    : video_pixel(k, x, y),
					    row + (size_t)x * fmt->cpp);
		}
		return;
	}
	for (uint32_t y = 0; y < scene->h; y++) {
		uint8_t *row = dst + (size_t)y * pitch;
		memcpy(row, scene->background + (size_t)y * row_bytes, row_bytes);
		if (y < PAINT_BAR_HEIGHT) {
			for (uint32_t x = 0; x < PAINT_MIN_WIDTH; x++) {
				format_pack(fmt, code_pixel(k & PAINT_K_MASK, x, y),
					    row + (size_t)x * fmt->cpp);
			}
		} else if (y >= r.y && y < r.y + r.h) {
			for (uint32_t x = r.x; x < r.x + r.w; x++) {
				format_pack(fmt, window_pixel(k, &r, x - r.x, y - r.y),
					    row + (size_t)x * fmt->cpp);
			}
		}
	}
}

void paint_frame_rgb8(uint32_t k, uint32_t w, uint32_t h, uint8_t *rgb)
{
	paint_frame_rgb8_of(PAINT_DESKTOP, k, w, h, rgb);
}

void paint_frame_rgb8_of(enum paint_kind kind, uint32_t k, uint32_t w, uint32_t h, uint8_t *rgb)
{
	for (uint32_t y = 0; y < h; y++) {
		for (uint32_t x = 0; x < w; x++) {
			struct rgb8 c = paint_pixel_of(kind, k, w, h, x, y);
			uint8_t *p = rgb + ((size_t)y * w + x) * 3;
			p[0] = c.r;
			p[1] = c.g;
			p[2] = c.b;
		}
	}
}
