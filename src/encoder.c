// SPDX-License-Identifier: MIT
#include "kmscast/encoder.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/lossless.h"
#include "kmscast/vaapi.h"

struct encoder {
	enum proto_codec codec;
	char name[96];
	uint32_t w, h;
	/* lossless */
	struct lossless_enc *ll;
	/* VA-API */
	struct vaapi_enc *va;
	/* libavcodec */
	AVCodecContext *ctx;
	AVFrame *frame;
	AVPacket *pkt;
	struct SwsContext *sws;
	uint8_t *padded; /* RGB at the encoder's even size, for odd modes */
	int64_t pts;
};

int encoder_kind_parse(const char *s, enum encoder_kind *kind)
{
	if (strcmp(s, "auto") == 0)
		*kind = ENCODER_AUTO;
	else if (strcmp(s, "software") == 0)
		*kind = ENCODER_SOFTWARE;
	else if (strcmp(s, "vaapi") == 0)
		*kind = ENCODER_VAAPI;
	else
		return -EINVAL;
	return 0;
}

static int av_error(int r, const char *what, char *err, size_t len)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];
	av_strerror(r, buf, sizeof(buf));
	snprintf(err, len, "%s: %s", what, buf);
	return r < 0 ? r : -EIO;
}

static int software_create(struct encoder *e, const struct encoder_options *o, char *err,
			   size_t len)
{
	const char *lib = o->codec == PROTO_CODEC_H264 ? "libx264" : "libx265";
	const AVCodec *codec = avcodec_find_encoder_by_name(lib);
	char params[160];
	int r;

	if (!codec) {
		snprintf(err, len, "%s: this libavcodec has no %s encoder",
			 proto_codec_name(o->codec), lib);
		return -ENOTSUP;
	}
	snprintf(e->name, sizeof(e->name), "%s", lib);
	e->ctx = avcodec_alloc_context3(codec);
	e->frame = av_frame_alloc();
	e->pkt = av_packet_alloc();
	if (!e->ctx || !e->frame || !e->pkt)
		return -ENOMEM;
	/* 4:2:0 needs even sizes: odd modes are padded by repeating the edge. */
	uint32_t ew = (o->width + 1) & ~1u, eh = (o->height + 1) & ~1u;
	e->ctx->width = (int)ew;
	e->ctx->height = (int)eh;
	enum AVPixelFormat pix = o->chroma420 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P;
	e->ctx->pix_fmt = pix;
	e->ctx->time_base = (AVRational){1, (int)o->fps};
	e->ctx->framerate = (AVRational){(int)o->fps, 1};
	e->ctx->max_b_frames = 0;
	e->ctx->gop_size = -1;
	e->ctx->thread_count = 1; /* no frame threads: they add a frame of latency each */
	/* swscale's default conversion is BT.601, limited range. Say so in
	 * full in the VUI: a decoder that sees only the matrix may assume
	 * BT.709 (Chromium's WebCodecs does: 36.8 dB instead of 43.8). */
	e->ctx->color_range = AVCOL_RANGE_MPEG;
	e->ctx->colorspace = AVCOL_SPC_SMPTE170M;
	e->ctx->color_primaries = AVCOL_PRI_SMPTE170M;
	e->ctx->color_trc = AVCOL_TRC_SMPTE170M;
	if (o->bitrate_kbps) {
		e->ctx->bit_rate = (int64_t)o->bitrate_kbps * 1000;
		e->ctx->rc_max_rate = e->ctx->bit_rate;
		e->ctx->rc_buffer_size = (int)(e->ctx->bit_rate / (int)o->fps * 2);
	} else {
		av_opt_set_int(e->ctx->priv_data, "crf", o->crf ? o->crf : 23, 0);
	}
	av_opt_set(e->ctx->priv_data, "preset", "ultrafast", 0);
	av_opt_set(e->ctx->priv_data, "tune", "zerolatency", 0);
	av_opt_set(e->ctx->priv_data, "forced-idr", "1", 0);
	/* Infinite GOP: IDRs only for new clients and keyframe requests; every
	 * IDR carries SPS/PPS so any of them can start a decoder. */
	snprintf(params, sizeof(params),
		 o->codec == PROTO_CODEC_H264
			 ? "keyint=infinite:scenecut=0:repeat-headers=1:bframes=0"
			 : "keyint=-1:scenecut=0:repeat-headers=1:bframes=0:log-level=error");
	av_opt_set(e->ctx->priv_data, o->codec == PROTO_CODEC_H264 ? "x264-params" : "x265-params",
		   params, 0);
	r = avcodec_open2(e->ctx, codec, NULL);
	if (r < 0)
		return av_error(r, lib, err, len);
	e->frame->format = pix;
	e->frame->width = (int)ew;
	e->frame->height = (int)eh;
	r = av_frame_get_buffer(e->frame, 0);
	if (r < 0)
		return av_error(r, "frame buffer", err, len);
	/* 4:4:4 takes every pixel as it is; 4:2:0 averages each 2x2 block's
	 * chroma (nearest-neighbour picks one pixel of four: 37.2 dB against
	 * the paint scene in Chromium instead of 38.5). */
	e->sws = sws_getContext((int)ew, (int)eh, AV_PIX_FMT_RGB24, (int)ew, (int)eh, pix,
				(o->chroma420 ? SWS_AREA : SWS_POINT) | SWS_ACCURATE_RND, NULL,
				NULL, NULL);
	if (!e->sws)
		return -ENOMEM;
	/* Odd sizes need their edge repeated, in a copy; even ones are read
	 * in place (the caller leaves ENCODER_RGB_SLACK after them). */
	if (ew != o->width || eh != o->height) {
		e->padded = malloc((size_t)ew * eh * 3 + ENCODER_RGB_SLACK);
		if (!e->padded)
			return -ENOMEM;
	}
	return 0;
}

int encoder_create(const struct encoder_options *o, struct encoder **out, char *err, size_t len)
{
	struct encoder *e = calloc(1, sizeof(*e));
	int r;

	if (!e)
		return -ENOMEM;
	e->codec = o->codec;
	e->w = o->width;
	e->h = o->height;
	switch (o->codec) {
	case PROTO_CODEC_LOSSLESS:
		snprintf(e->name, sizeof(e->name), "lossless (zstd)");
		r = lossless_enc_create(o->width, o->height, 1, &e->ll);
		if (r)
			snprintf(err, len, "lossless encoder: %s", strerror(-r));
		break;
	case PROTO_CODEC_H264:
	case PROTO_CODEC_HEVC:
		if (o->kind == ENCODER_VAAPI) {
			struct vaapi_enc_options vo = {.render_node = o->render_node,
						       .codec = o->codec,
						       .width = o->width,
						       .height = o->height,
						       .fps = o->fps,
						       .crf = o->crf,
						       .bitrate_kbps = o->bitrate_kbps,
						       .low_power = o->vaapi_low_power};
			r = o->render_node ? vaapi_enc_create(&vo, &e->va, err, len) : -ENOTSUP;
			if (!o->render_node)
				snprintf(err, len, "VA-API: no render node to encode on");
			if (!r)
				snprintf(e->name, sizeof(e->name), "%s", vaapi_enc_name(e->va));
			break;
		}
		r = software_create(e, o, err, len);
		break;
	default:
		snprintf(err, len, "no encoder for codec %s", proto_codec_name(o->codec));
		r = -ENOTSUP;
	}
	if (r) {
		encoder_destroy(e);
		return r;
	}
	*out = e;
	return 0;
}

void encoder_destroy(struct encoder *e)
{
	if (!e)
		return;
	lossless_enc_destroy(e->ll);
	vaapi_enc_destroy(e->va);
	avcodec_free_context(&e->ctx);
	av_frame_free(&e->frame);
	av_packet_free(&e->pkt);
	sws_freeContext(e->sws);
	free(e->padded);
	free(e);
}

const char *encoder_name(const struct encoder *e) { return e->name; }

bool encoder_takes_buffers(const struct encoder *e) { return e->va != NULL; }

int encoder_encode_buffer(struct encoder *e, const struct capture_buffer *buf, bool key,
			  const uint8_t **data, size_t *len, bool *is_key, char *err,
			  size_t err_len)
{
	if (!e->va) {
		snprintf(err, err_len, "%s takes RGB, not buffers", e->name);
		return -EINVAL;
	}
	return vaapi_enc_encode(e->va, buf, key, data, len, is_key, err, err_len);
}

static const uint8_t *pad(struct encoder *e, const uint8_t *rgb)
{
	uint32_t ew = (uint32_t)e->ctx->width, eh = (uint32_t)e->ctx->height;
	if (!e->padded)
		return rgb;
	for (uint32_t y = 0; y < eh; y++) {
		const uint8_t *src = rgb + (size_t)(y < e->h ? y : e->h - 1) * e->w * 3;
		uint8_t *dst = e->padded + (size_t)y * ew * 3;
		memcpy(dst, src, (size_t)e->w * 3);
		if (ew > e->w)
			memcpy(dst + (size_t)e->w * 3, src + (size_t)(e->w - 1) * 3, 3);
	}
	return e->padded;
}

int encoder_encode(struct encoder *e, const uint8_t *rgb, bool key, const uint8_t **data,
		   size_t *len, bool *is_key)
{
	if (e->va)
		return -EINVAL; /* VA-API takes buffers */
	if (e->ll) {
		unsigned changed;
		int r = lossless_encode(e->ll, rgb, key, data, len, &changed);
		*is_key = key || (r == 0 && (*data)[2] & 1);
		return r;
	}
	int r = av_frame_make_writable(e->frame);
	if (r < 0)
		return r;
	const uint8_t *src = pad(e, rgb);
	const uint8_t *planes[1] = {src};
	int strides[1] = {e->ctx->width * 3};
	sws_scale(e->sws, planes, strides, 0, e->ctx->height, e->frame->data, e->frame->linesize);
	e->frame->pts = e->pts++;
	e->frame->pict_type = key ? AV_PICTURE_TYPE_I : AV_PICTURE_TYPE_NONE;
	av_packet_unref(e->pkt);
	r = avcodec_send_frame(e->ctx, e->frame);
	if (r < 0)
		return r;
	r = avcodec_receive_packet(e->ctx, e->pkt);
	if (r < 0)
		return r == AVERROR(EAGAIN) ? -EAGAIN : r;
	*data = e->pkt->data;
	*len = (size_t)e->pkt->size;
	*is_key = e->pkt->flags & AV_PKT_FLAG_KEY;
	return 0;
}
