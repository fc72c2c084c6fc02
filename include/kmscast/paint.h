// SPDX-License-Identifier: MIT
/* The deterministic test scene of kmscast-paint: frame k is a pure function of
 * (k, width, height, x, y), so any test can recompute what should be on screen.
 *
 * It looks like a desktop: a static textured background, a taskbar, and a
 * textured window that moves (and scrolls its content) with k. Frame number k
 * is written in the top-left corner as PAINT_CODE_BITS black/white cells,
 * followed by a row of their complements, so a reader can tell a real frame
 * from garbage and a lossy codec still leaves it readable. */
#ifndef KMSCAST_PAINT_H
#define KMSCAST_PAINT_H

#include <stddef.h>
#include <stdint.h>

#include "kmscast/format.h"

#define PAINT_CODE_BITS 24
#define PAINT_CODE_CELL 16
#define PAINT_BAR_HEIGHT (2 * PAINT_CODE_CELL)
/* The smallest mode the scene fits in. */
#define PAINT_MIN_WIDTH (PAINT_CODE_BITS * PAINT_CODE_CELL)
#define PAINT_MIN_HEIGHT 200
#define PAINT_K_MASK ((1u << PAINT_CODE_BITS) - 1)

#define PAINT_CURSOR_SIZE 64

/* The scenes: a desktop (a window moving over a still background, most of
 * the screen unchanged), and video (every pixel changes every frame, with
 * noise an encoder cannot skip: what damage tracking cannot help). Both
 * carry the frame code. */
enum paint_kind { PAINT_DESKTOP, PAINT_VIDEO };

struct paint_rect {
	uint32_t x, y, w, h;
};

/* The colour of pixel (x, y) of frame k at size w x h. */
struct rgb8 paint_pixel(uint32_t k, uint32_t w, uint32_t h, uint32_t x, uint32_t y);
/* The same for either scene. */
struct rgb8 paint_pixel_of(enum paint_kind kind, uint32_t k, uint32_t w, uint32_t h, uint32_t x,
			   uint32_t y);
/* All of frame k as packed rgb8 (w * 3 bytes a row), pixel by pixel with
 * paint_pixel: the reference that tests compare against. */
void paint_frame_rgb8(uint32_t k, uint32_t w, uint32_t h, uint8_t *rgb);
void paint_frame_rgb8_of(enum paint_kind kind, uint32_t k, uint32_t w, uint32_t h, uint8_t *rgb);
/* Where the moving window is in frame k. */
struct paint_rect paint_window_rect(uint32_t k, uint32_t w, uint32_t h);

/* Cursor image, ARGB8888 (straight alpha, 0 or 255), hotspot at (0, 0). */
uint32_t paint_cursor_pixel(uint32_t x, uint32_t y);
/* Top-left of the cursor on the screen in frame k. */
void paint_cursor_pos(uint32_t k, uint32_t w, uint32_t h, int32_t *x, int32_t *y);

/* Reads k back from an rgb8 image (3 bytes per pixel, the given pitch).
 * Returns 0 and sets *k, or -EINVAL when no valid code is there. */
int paint_read_k(const uint8_t *rgb, uint32_t w, uint32_t h, size_t pitch, uint32_t *k);

/* A fast renderer of the same scene into a buffer of one format: the static
 * background is packed once, each frame redraws only the code and window. */
struct paint_scene;

/* Returns NULL with errno set (EINVAL for a size below the minimum). */
struct paint_scene *paint_scene_create(uint32_t w, uint32_t h, const struct format_info *fmt);
struct paint_scene *paint_scene_create_of(enum paint_kind kind, uint32_t w, uint32_t h,
					  const struct format_info *fmt);
void paint_scene_destroy(struct paint_scene *scene);
/* Draws all of frame k into dst. */
void paint_scene_render(const struct paint_scene *scene, uint32_t k, uint8_t *dst, size_t pitch);

#endif
