/* Video encoders behind one small interface. Input is a packed RGB frame
 * (width*height*3); output is one payload for a VIDEO_FRAME. */
#ifndef KMSCAST_ENCODER_H
#define KMSCAST_ENCODER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/proto.h"

enum encoder_kind { ENCODER_AUTO, ENCODER_SOFTWARE, ENCODER_VAAPI };

struct encoder_options {
	enum proto_codec codec;  /* LOSSLESS, H264, HEVC */
	enum encoder_kind kind;
	uint32_t width, height;
	unsigned fps;
	int crf;                 /* 0: default (23); ignored with bitrate */
	unsigned bitrate_kbps;   /* 0: constant quality (crf) */
	const char *render_node; /* for vaapi; NULL: none known */
};

struct encoder;

/* Creates the encoder. With ENCODER_AUTO, *note (if not NULL) gets one line
 * saying which implementation was chosen and why, for the log. */
int encoder_create(const struct encoder_options *opts, struct encoder **out, char *note,
		   size_t note_len, char *err, size_t err_len);
void encoder_destroy(struct encoder *e);

/* Encodes one frame; key forces a keyframe (IDR). *data stays valid until
 * the next call. *is_key reports what was produced. */
int encoder_encode(struct encoder *e, const uint8_t *rgb, bool key, const uint8_t **data,
		   size_t *len, bool *is_key);

/* "lossless (zstd)", "libx264", ... */
const char *encoder_name(const struct encoder *e);

int encoder_kind_parse(const char *s, enum encoder_kind *kind);

#endif
