// SPDX-License-Identifier: MIT
/* Video encoders behind one small interface. Input is YUV planes with
 * what changed since the previous frame (software H.264 and HEVC), packed
 * RGB (lossless, and any encoder through encoder_encode), or for VA-API
 * the captured buffer itself; output is one payload for a VIDEO_FRAME. Choosing between VA-API and software is
 * vaapi_choose's job: here ENCODER_AUTO means software. */
#ifndef KMSCAST_ENCODER_H
#define KMSCAST_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/proto.h"

enum encoder_kind { ENCODER_AUTO, ENCODER_SOFTWARE, ENCODER_VAAPI };

struct encoder_options {
	enum proto_codec codec; /* LOSSLESS, H264, HEVC */
	enum encoder_kind kind;
	uint32_t width, height;
	unsigned fps;
	int crf;                 /* 0: default (23); a QP but for x265; ignored with bitrate */
	unsigned bitrate_kbps;   /* 0: constant quality (crf) */
	const char *render_node; /* for vaapi */
	bool vaapi_low_power;    /* vaapi: only the low-power entrypoint exists */
	bool chroma420;          /* software: 4:2:0 for a viewer that cannot take 4:4:4 */
};

struct capture_buffer;

struct encoder;

int encoder_create(const struct encoder_options *opts, struct encoder **out, char *err,
		   size_t err_len);
void encoder_destroy(struct encoder *e);

/* rgb images handed to encoder_encode are followed by this many readable
 * bytes: swscale's SIMD reads up to 16 past the end of its input. */
#define ENCODER_RGB_SLACK 64

/* Encodes one frame (rgb: width * height * 3 bytes and ENCODER_RGB_SLACK);
 * key forces a keyframe (IDR). *data stays valid until the next call.
 * *is_key reports what was produced. */
int encoder_encode(struct encoder *e, const uint8_t *rgb, bool key, const uint8_t **data,
		   size_t *len, bool *is_key);

struct damage;
struct yuv_image;

/* One frame for encoder_encode_frame: the planes (software H.264, HEVC)
 * or packed RGB (lossless), and the tiles that changed since the frame
 * before (NULL: all of them). libx264 is told which macroblocks did not
 * change; the lossless codec sends the tiles that did. */
struct encoder_frame {
	const struct yuv_image *yuv;
	const uint8_t *rgb;
	const struct damage *damage;
};

int encoder_encode_frame(struct encoder *e, const struct encoder_frame *f, bool key,
			 const uint8_t **data, size_t *len, bool *is_key);

/* Whether the encoder takes YUV planes (and which chroma), else RGB or
 * buffers. */
bool encoder_takes_yuv(const struct encoder *e, bool *chroma420);

/* Whether the encoder takes captured buffers (encoder_encode_buffer:
 * VA-API, zero-copy) rather than RGB. */
bool encoder_takes_buffers(const struct encoder *e);
int encoder_encode_buffer(struct encoder *e, const struct capture_buffer *buf, bool key,
			  const uint8_t **data, size_t *len, bool *is_key, char *err,
			  size_t err_len);

/* "lossless (zstd)", "libx264", ... */
const char *encoder_name(const struct encoder *e);

int encoder_kind_parse(const char *s, enum encoder_kind *kind);

#endif
