// SPDX-License-Identifier: MIT
#include "kmscast/format.h"

#include <ctype.h>
#include <drm_fourcc.h>
#include <string.h>

static const struct format_info formats[] = {
	{DRM_FORMAT_XRGB8888, "XRGB8888", 4},
	{DRM_FORMAT_ARGB8888, "ARGB8888", 4},
	{DRM_FORMAT_XBGR8888, "XBGR8888", 4},
	{DRM_FORMAT_ABGR8888, "ABGR8888", 4},
	{DRM_FORMAT_RGB565, "RGB565", 2},
	{DRM_FORMAT_XRGB2101010, "XRGB2101010", 4},
	{0, NULL, 0},
};

const struct format_info *format_all(void) { return formats; }

const struct format_info *format_lookup(uint32_t fourcc)
{
	for (const struct format_info *f = formats; f->fourcc; f++) {
		if (f->fourcc == fourcc) {
			return f;
		}
	}
	return NULL;
}

const struct format_info *format_by_name(const char *name)
{
	for (const struct format_info *f = formats; f->fourcc; f++) {
		size_t i = 0;
		while (f->name[i] && name[i] && toupper((unsigned char)name[i]) == f->name[i]) {
			i++;
		}
		if (!f->name[i] && !name[i]) {
			return f;
		}
	}
	return NULL;
}

const char *format_fourcc_str(uint32_t fourcc, char buf[5])
{
	for (int i = 0; i < 4; i++) {
		char c = (char)((fourcc >> (8 * i)) & 0xff);
		buf[i] = isprint((unsigned char)c) ? c : '?';
	}
	buf[4] = '\0';
	return buf;
}

static void put_le32(uint8_t *dst, uint32_t v)
{
	dst[0] = (uint8_t)v;
	dst[1] = (uint8_t)(v >> 8);
	dst[2] = (uint8_t)(v >> 16);
	dst[3] = (uint8_t)(v >> 24);
}

static uint32_t get_le32(const uint8_t *src)
{
	return (uint32_t)src[0] | (uint32_t)src[1] << 8 | (uint32_t)src[2] << 16 |
	       (uint32_t)src[3] << 24;
}

/* 8 -> 10 bits with the top bits replicated, so 0xff maps to 0x3ff. */
static uint32_t expand10(uint8_t v) { return (uint32_t)v << 2 | (uint32_t)v >> 6; }

void format_pack(const struct format_info *info, struct rgb8 c, uint8_t *dst)
{
	uint32_t r = c.r, g = c.g, b = c.b;

	switch (info->fourcc) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888: put_le32(dst, 0xffu << 24 | r << 16 | g << 8 | b); break;
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888: put_le32(dst, 0xffu << 24 | b << 16 | g << 8 | r); break;
	case DRM_FORMAT_RGB565: {
		uint32_t v = (r >> 3) << 11 | (g >> 2) << 5 | (b >> 3);
		dst[0] = (uint8_t)v;
		dst[1] = (uint8_t)(v >> 8);
		break;
	}
	case DRM_FORMAT_XRGB2101010:
		put_le32(dst, 3u << 30 | expand10(c.r) << 20 | expand10(c.g) << 10 | expand10(c.b));
		break;
	default: break;
	}
}

struct rgb8 format_unpack(const struct format_info *info, const uint8_t *src)
{
	struct rgb8 c = {0, 0, 0};
	uint32_t v;

	switch (info->fourcc) {
	case DRM_FORMAT_XRGB8888:
	case DRM_FORMAT_ARGB8888:
		v = get_le32(src);
		c.r = (uint8_t)(v >> 16);
		c.g = (uint8_t)(v >> 8);
		c.b = (uint8_t)v;
		break;
	case DRM_FORMAT_XBGR8888:
	case DRM_FORMAT_ABGR8888:
		v = get_le32(src);
		c.b = (uint8_t)(v >> 16);
		c.g = (uint8_t)(v >> 8);
		c.r = (uint8_t)v;
		break;
	case DRM_FORMAT_RGB565: {
		uint32_t r5, g6, b5;
		v = (uint32_t)src[0] | (uint32_t)src[1] << 8;
		r5 = v >> 11 & 0x1f;
		g6 = v >> 5 & 0x3f;
		b5 = v & 0x1f;
		c.r = (uint8_t)(r5 << 3 | r5 >> 2);
		c.g = (uint8_t)(g6 << 2 | g6 >> 4);
		c.b = (uint8_t)(b5 << 3 | b5 >> 2);
		break;
	}
	case DRM_FORMAT_XRGB2101010:
		v = get_le32(src);
		c.r = (uint8_t)(v >> 22);
		c.g = (uint8_t)(v >> 12);
		c.b = (uint8_t)(v >> 2);
		break;
	default: break;
	}
	return c;
}

struct rgb8 format_quantize(const struct format_info *info, struct rgb8 c)
{
	uint8_t px[4];

	format_pack(info, c, px);
	return format_unpack(info, px);
}

void format_to_rgb8(const struct format_info *info, const uint8_t *src, size_t src_pitch,
		    uint32_t width, uint32_t height, uint8_t *dst)
{
	/* The 8-bit 32 bpp formats are nearly every scanout: bytes moved
	 * directly (little-endian XRGB is B, G, R, X in memory), without a
	 * switch per pixel. */
	int r = -1, b = -1;
	if (info->fourcc == DRM_FORMAT_XRGB8888 || info->fourcc == DRM_FORMAT_ARGB8888)
		r = 2, b = 0;
	else if (info->fourcc == DRM_FORMAT_XBGR8888 || info->fourcc == DRM_FORMAT_ABGR8888)
		r = 0, b = 2;
	for (uint32_t y = 0; y < height; y++) {
		const uint8_t *s = src + (size_t)y * src_pitch;
		uint8_t *d = dst + (size_t)y * width * 3;
		if (r >= 0) {
			for (uint32_t x = 0; x < width; x++, s += 4, d += 3) {
				d[0] = s[r];
				d[1] = s[1];
				d[2] = s[b];
			}
			continue;
		}
		for (uint32_t x = 0; x < width; x++) {
			struct rgb8 c = format_unpack(info, s + (size_t)x * info->cpp);
			d[0] = c.r;
			d[1] = c.g;
			d[2] = c.b;
			d += 3;
		}
	}
}

void format_blend_cursor(uint8_t *rgb, uint32_t w, uint32_t h, int64_t x, int64_t y,
			 const uint8_t *argb, uint32_t cw, uint32_t ch, uint32_t pitch)
{
	for (uint32_t r = 0; r < ch; r++) {
		int64_t iy = y + r;
		if (iy < 0 || iy >= h)
			continue;
		for (uint32_t c = 0; c < cw; c++) {
			int64_t ix = x + c;
			const uint8_t *s = argb + (size_t)r * pitch + (size_t)c * 4;
			unsigned a = s[3];
			if (ix < 0 || ix >= w || a == 0)
				continue;
			uint8_t *d = rgb + ((size_t)iy * w + (size_t)ix) * 3;
			for (int k = 0; k < 3; k++)
				d[k] = (uint8_t)((s[2 - k] * 255u + d[k] * (255u - a) + 127) / 255);
		}
	}
}
