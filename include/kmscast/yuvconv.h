// SPDX-License-Identifier: MIT
/* Scanout pixels to an encoder's YUV planes, tile by damaged tile.
 *
 * swscale converts straight from the scanout format (BGR0 for XRGB8888,
 * RGB0 for XBGR8888) with BT.601 limited range, as the whole-frame RGB24
 * path did: converted per 16x16 tile, or per run of tiles, its output is
 * equal to the whole frame's to the byte (4:4:4 point sampled, 4:2:0 by
 * 2x2 area; test_yuvconv checks it). Edge tiles of a size that is not a
 * multiple of 16 are first copied with their last column and row repeated,
 * as the encoder's even size wants. Formats swscale does not read the same
 * way (RGB565, XRGB2101010) go through an RGB24 tile. */
#ifndef KMSCAST_YUVCONV_H
#define KMSCAST_YUVCONV_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/damage.h"
#include "kmscast/format.h"

/* Planes at whole tiles; the encoder reads w x h of them. */
struct yuv_image {
	uint32_t w, h; /* the frame's size rounded up to even */
	bool chroma420;
	uint8_t *plane[3];
	int stride[3];
	uint8_t *mem;
};

int yuv_image_alloc(struct yuv_image *img, uint32_t w, uint32_t h, bool chroma420);
void yuv_image_free(struct yuv_image *img);

/* An image blended over the tiles it covers while they are converted
 * (the cursor, for clients that want it in the video): premultiplied
 * ARGB8888, at x, y in frame pixels. */
struct yuv_overlay {
	int32_t x, y;
	uint32_t w, h, pitch;
	const uint8_t *argb;
};

struct yuvconv;

/* A converter of frames of w x h in fmt. 0 or -errno. */
int yuvconv_create(const struct format_info *fmt, uint32_t w, uint32_t h, bool chroma420,
		   struct yuvconv **out);
void yuvconv_destroy(struct yuvconv *c);
/* Converts the tiles d marks of px (pitch bytes a row) into img, with
 * ov blended into those it covers. 0 or -ENOMEM. */
int yuvconv_damaged(struct yuvconv *c, const struct damage *d, const uint8_t *px, size_t pitch,
		    const struct yuv_overlay *ov, struct yuv_image *img);

#endif
