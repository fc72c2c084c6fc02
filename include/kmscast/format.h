// SPDX-License-Identifier: MIT
/* Pixel formats kmscast reads and writes: DRM fourccs <-> one 8-bit RGB layout. */
#ifndef KMSCAST_FORMAT_H
#define KMSCAST_FORMAT_H

#include <stddef.h>
#include <stdint.h>

/* The one 8-bit layout every consumer (PNG, lossless, compare) works in:
 * bytes R, G, B in memory order, 3 bytes per pixel. */
struct rgb8 {
	uint8_t r, g, b;
};

struct format_info {
	uint32_t fourcc;
	const char *name; /* "XRGB8888", the spelling of --format */
	unsigned cpp;     /* bytes per pixel */
};

/* NULL for formats kmscast cannot convert. */
const struct format_info *format_lookup(uint32_t fourcc);
/* Case-insensitive lookup by name; NULL if unknown. */
const struct format_info *format_by_name(const char *name);
/* Every format kmscast converts, terminated by an entry with fourcc 0. */
const struct format_info *format_all(void);

/* Four printable characters of any fourcc (non-printables as '?'), for
 * messages about formats we do not support. buf must hold 5 bytes. */
const char *format_fourcc_str(uint32_t fourcc, char buf[5]);

/* Pack one pixel (alpha fully opaque) into dst, which has info->cpp bytes,
 * little-endian as DRM formats are defined. */
void format_pack(const struct format_info *info, struct rgb8 c, uint8_t *dst);
/* The inverse: expand a stored pixel to 8-bit RGB (low bits replicated). */
struct rgb8 format_unpack(const struct format_info *info, const uint8_t *src);
/* What an 8-bit colour becomes after a round trip through the format. */
struct rgb8 format_quantize(const struct format_info *info, struct rgb8 c);

/* Convert width x height pixels from a buffer in the given format and pitch
 * into packed rgb8 rows (dst pitch = width * 3). */
void format_to_rgb8(const struct format_info *info, const uint8_t *src, size_t src_pitch,
		    uint32_t width, uint32_t height, uint8_t *dst);

/* Blends a premultiplied ARGB8888 image (B G R A bytes, rows pitch bytes
 * apart) of cw x ch over packed rgb8 of w x h at (x, y), clipping at the
 * edges; KMS cursor planes blend this way by default. */
void format_blend_cursor(uint8_t *rgb, uint32_t w, uint32_t h, int64_t x, int64_t y,
			 const uint8_t *argb, uint32_t cw, uint32_t ch, uint32_t pitch);

#endif
