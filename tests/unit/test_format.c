// SPDX-License-Identifier: MIT
#include <drm_fourcc.h>
#include <stdlib.h>

#include "kmscast/format.h"
#include "tst.h"

static int pack_bytes(const char *name, struct rgb8 c, const uint8_t *want)
{
	const struct format_info *f = format_by_name(name);
	uint8_t px[4] = {0};

	CHECK(f != NULL);
	format_pack(f, c, px);
	CHECK_MEM(px, want, f->cpp);
	return 0;
}

static int byte_layouts(void)
{
	struct rgb8 c = {0x12, 0x34, 0x56};
	struct rgb8 red = {0xff, 0, 0}, half = {0x80, 0, 0}, white = {255, 255, 255};

	CHECK(!pack_bytes("XRGB8888", c, (const uint8_t[]){0x56, 0x34, 0x12, 0xff}));
	CHECK(!pack_bytes("ARGB8888", c, (const uint8_t[]){0x56, 0x34, 0x12, 0xff}));
	CHECK(!pack_bytes("XBGR8888", c, (const uint8_t[]){0x12, 0x34, 0x56, 0xff}));
	CHECK(!pack_bytes("ABGR8888", c, (const uint8_t[]){0x12, 0x34, 0x56, 0xff}));
	CHECK(!pack_bytes("RGB565", red, (const uint8_t[]){0x00, 0xf8}));
	CHECK(!pack_bytes("RGB565", c, (const uint8_t[]){0xaa, 0x11}));
	CHECK(!pack_bytes("XRGB2101010", white, (const uint8_t[]){0xff, 0xff, 0xff, 0xff}));
	CHECK(!pack_bytes("XRGB2101010", half, (const uint8_t[]){0x00, 0x00, 0x20, 0xe0}));
	return 0;
}

/* 8-bit formats round-trip every colour exactly; RGB565 is idempotent after
 * one quantization and keeps the top bits. */
static int round_trips(void)
{
	for (const struct format_info *f = format_all(); f->fourcc; f++) {
		for (unsigned v = 0; v < 256; v++) {
			struct rgb8 c = {(uint8_t)v, (uint8_t)(255 - v), (uint8_t)(v * 7)};
			struct rgb8 q = format_quantize(f, c);
			struct rgb8 qq = format_quantize(f, q);

			CHECK_MEM(&q, &qq, sizeof(q));
			if (f->fourcc == DRM_FORMAT_RGB565) {
				CHECK_EQ_INT(q.r >> 3, c.r >> 3);
				CHECK_EQ_INT(q.g >> 2, c.g >> 2);
				CHECK_EQ_INT(q.b >> 3, c.b >> 3);
			} else {
				CHECK_MEM(&q, &c, sizeof(q));
			}
		}
	}
	return 0;
}

static int names(void)
{
	char buf[5];

	CHECK(format_by_name("xrgb8888") == format_lookup(DRM_FORMAT_XRGB8888));
	CHECK(format_by_name("RGB565")->cpp == 2);
	CHECK(format_by_name("XRGB8888x") == NULL);
	CHECK(format_by_name("XRGB888") == NULL);
	CHECK(format_by_name("") == NULL);
	CHECK(format_lookup(DRM_FORMAT_NV12) == NULL);
	CHECK(strcmp(format_fourcc_str(DRM_FORMAT_NV12, buf), "NV12") == 0);
	CHECK(strcmp(format_fourcc_str(0x01414141u, buf), "AAA?") == 0);
	return 0;
}

/* Rows with padding at their end: only width pixels are read per row. */
static int to_rgb8_honours_pitch(void)
{
	const struct format_info *f = format_by_name("XBGR8888");
	uint8_t src[2 * 16];
	uint8_t dst[2 * 3 * 3];
	const uint8_t want[] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18};

	memset(src, 0xee, sizeof(src));
	for (unsigned y = 0; y < 2; y++) {
		for (unsigned x = 0; x < 3; x++) {
			unsigned i = (y * 3 + x) * 3 + 1;
			struct rgb8 c = {(uint8_t)i, (uint8_t)(i + 1), (uint8_t)(i + 2)};
			format_pack(f, c, src + y * 16 + x * 4);
		}
	}
	format_to_rgb8(f, src, 16, 3, 2, dst);
	CHECK_MEM(dst, want, sizeof(want));
	return 0;
}

/* The whole-row paths equal format_unpack pixel by pixel, in every format. */
static int to_rgb8_equals_unpack(void)
{
	static const char *names[] = {"XRGB8888", "ARGB8888", "XBGR8888", "ABGR8888", "RGB565",
				      "XRGB2101010"};
	uint8_t src[4 * 40], dst[4 * 10 * 3];
	uint32_t x = 12345;

	for (size_t i = 0; i < sizeof(src); i++) {
		x = x * 1103515245u + 12345u;
		src[i] = (uint8_t)(x >> 16);
	}
	for (size_t k = 0; k < sizeof(names) / sizeof(names[0]); k++) {
		const struct format_info *f = format_by_name(names[k]);
		CHECK(f != NULL);
		format_to_rgb8(f, src, 40, 10, 4, dst);
		for (unsigned y = 0; y < 4; y++)
			for (unsigned p = 0; p < 10; p++) {
				struct rgb8 c = format_unpack(f, src + y * 40 + p * f->cpp);
				const uint8_t *d = dst + (y * 10 + p) * 3;
				CHECK(d[0] == c.r && d[1] == c.g && d[2] == c.b);
			}
	}
	return 0;
}

TST_MAIN("format", TST_CASE(byte_layouts), TST_CASE(round_trips), TST_CASE(names),
	 TST_CASE(to_rgb8_honours_pitch), TST_CASE(to_rgb8_equals_unpack))
