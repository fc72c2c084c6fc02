// SPDX-License-Identifier: MIT
/* VA-API: what the card's render node can do (the probe), the pure
 * decision between VA-API and software encoding, and the zero-copy
 * encoder: a captured dmabuf is imported as a VA surface (cached per
 * fb_id), converted to NV12 (P010 for 10-bit) by VA video processing and
 * encoded by libavcodec's *_vaapi encoder, so no pixel passes the CPU. */
#ifndef KMSCAST_VAAPI_H
#define KMSCAST_VAAPI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/capture.h"
#include "kmscast/encoder.h"
#include "kmscast/proto.h"

enum vaapi_codec { VAAPI_H264, VAAPI_HEVC, VAAPI_AV1, VAAPI_N_CODECS };

struct vaapi_probe {
	char card[64];            /* /dev/dri/cardN as given */
	char render[64];          /* its render node, "" if none was found */
	char driver[32];          /* the kernel driver */
	char vendor[160];         /* vaQueryVendorString, "" before vaInitialize */
	bool initialized;         /* vaInitialize succeeded */
	char why[320];            /* why not, when !initialized */
	bool vpp;                 /* VAEntrypointVideoProc */
	bool enc[VAAPI_N_CODECS]; /* some profile has EncSlice or EncSliceLP */
	bool lowpower[VAAPI_N_CODECS];
	bool lavc[VAAPI_N_CODECS]; /* libavcodec has the *_vaapi encoder */
};

/* The render node (/dev/dri/renderD*) of a card, from sysfs. 0 or -ENOENT. */
int vaapi_render_node(const char *card, char *out, size_t len);

/* Fills *p for card; never fails (the reasons land in p->why). */
void vaapi_probe(const char *card, struct vaapi_probe *p);

/* Pure: whether p allows VA-API encoding of codec; if not, why (one line
 * naming VA-API). */
bool vaapi_can_encode(const struct vaapi_probe *p, enum vaapi_codec codec, char *why, size_t len);

/* Pure: the encoder to use for codec when `asked` was requested, given the
 * probe (NULL: there is no card, as with --source test). *note gets the
 * one log line that says what was chosen and why. -ENOTSUP with the reason
 * in *note when vaapi was demanded and cannot be had. */
int vaapi_choose(enum encoder_kind asked, enum proto_codec codec, const struct vaapi_probe *p,
		 enum encoder_kind *chosen, char *note, size_t len);

/* Writes the probe as the lines `kmscastd --probe` prints. */
void vaapi_report(const struct vaapi_probe *p, char *out, size_t len);

const char *vaapi_codec_name(enum vaapi_codec c);

/* The zero-copy encoder. */
struct vaapi_enc;

struct vaapi_enc_options {
	const char *render_node;
	enum proto_codec codec; /* H264 or HEVC */
	uint32_t width, height;
	unsigned fps;
	int crf;               /* 0: driver default quality */
	unsigned bitrate_kbps; /* 0: constant quality */
	bool low_power;        /* only EncSliceLP exists */
};

int vaapi_enc_create(const struct vaapi_enc_options *o, struct vaapi_enc **out, char *err,
		     size_t len);
void vaapi_enc_destroy(struct vaapi_enc *e);

/* Encodes the frame in buf (imported once per fb_id, its fds only read
 * during this call). key forces an IDR. *data stays valid until the next
 * call. */
int vaapi_enc_encode(struct vaapi_enc *e, const struct capture_buffer *buf, bool key,
		     const uint8_t **data, size_t *len, bool *is_key, char *err, size_t err_len);

/* "h264_vaapi (vendor)". */
const char *vaapi_enc_name(const struct vaapi_enc *e);

#endif
