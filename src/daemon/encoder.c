// SPDX-License-Identifier: MIT
#include "kmscast/encoder.h"

#include <errno.h>
#include <stdarg.h>
#include <libavcodec/avcodec.h>
#include <libavutil/imgutils.h>
#include <libavutil/opt.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <x264.h>

#include "kmscast/damage.h"
#include "kmscast/lossless.h"
#include "kmscast/vaapi.h"
#include "kmscast/yuvconv.h"

struct encoder {
	enum proto_codec codec;
	char name[96];
	uint32_t w, h;
	/* lossless */
	struct lossless_enc *ll;
	/* VA-API */
	struct vaapi_enc *va;
	/* libx264, through its own API: libavcodec 5.1 cannot hand it the
	 * per-macroblock hints (mb_info) that say what did not change. */
	x264_t *x264;
	bool chroma420;
	uint32_t mb_w, mb_h;
	struct yuv_image yuv; /* for RGB input (encoder_encode) */
	/* libavcodec (HEVC) */
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

static void x264_log(void *data, int level, const char *fmt, va_list ap)
{
	(void)data;
	if (level <= X264_LOG_ERROR) {
		fprintf(stderr, "error: libx264: ");
		vfprintf(stderr, fmt, ap);
	}
}

static int x264_create(struct encoder *e, const struct encoder_options *o, char *err, size_t len)
{
	x264_param_t p;

	snprintf(e->name, sizeof(e->name), "libx264");
	if (x264_param_default_preset(&p, "ultrafast", "zerolatency") < 0) {
		snprintf(err, len, "libx264: no ultrafast preset");
		return -EINVAL;
	}
	/* 4:2:0 needs even sizes: odd modes are padded by repeating the edge. */
	e->chroma420 = o->chroma420;
	p.i_csp = o->chroma420 ? X264_CSP_I420 : X264_CSP_I444;
	p.i_width = (int)((o->width + 1) & ~1u);
	p.i_height = (int)((o->height + 1) & ~1u);
	p.i_fps_num = o->fps;
	p.i_fps_den = 1;
	p.i_threads = 1; /* no frame threads: they add a frame of latency each */
	p.b_sliced_threads = 0;
	/* Infinite GOP: IDRs only for new viewers and keyframe requests; every
	 * IDR carries SPS/PPS so any of them can start a decoder. */
	p.i_keyint_max = X264_KEYINT_MAX_INFINITE;
	p.i_scenecut_threshold = 0;
	p.i_bframe = 0;
	p.b_repeat_headers = 1;
	p.b_annexb = 1;
	/* swscale's conversion is BT.601, limited range. Say so in full in
	 * the VUI: a decoder that sees only the matrix may assume BT.709
	 * (Chromium's WebCodecs does: 36.8 dB instead of 43.8). */
	p.vui.b_fullrange = 0;
	p.vui.i_colorprim = 6; /* SMPTE 170M */
	p.vui.i_transfer = 6;
	p.vui.i_colmatrix = 6;
	if (o->bitrate_kbps) {
		p.rc.i_rc_method = X264_RC_ABR;
		p.rc.i_bitrate = (int)o->bitrate_kbps;
		p.rc.i_vbv_max_bitrate = (int)o->bitrate_kbps;
		p.rc.i_vbv_buffer_size = (int)(o->bitrate_kbps * 2 / o->fps);
	} else {
		/* A constant quantizer, not x264's CRF: x264 skips a macroblock
		 * that mb_info calls constant only if its reference was coded
		 * at no worse a QP (analyse.c), and CRF moves the QP every
		 * frame, so about half the frames coded the still screen
		 * again. CQP keeps it skipped, and spares CRF's look at each
		 * frame's complexity: x264's time per frame of the bench's
		 * desktop fell by a third. VA-API's --crf is a QP as well. */
		p.rc.i_rc_method = X264_RC_CQP;
		p.rc.i_qp_constant = o->crf ? o->crf : 23;
	}
	/* What did not change is said per macroblock (X264_MBINFO_CONSTANT). */
	p.analyse.b_mb_info = 1;
	p.pf_log = x264_log;
	p.i_log_level = X264_LOG_ERROR;
	e->mb_w = ((uint32_t)p.i_width + 15) / 16;
	e->mb_h = ((uint32_t)p.i_height + 15) / 16;
	e->x264 = x264_encoder_open(&p);
	if (!e->x264) {
		snprintf(err, len, "libx264: cannot open an encoder for %dx%d %s", p.i_width,
			 p.i_height, o->chroma420 ? "4:2:0" : "4:4:4");
		return -EINVAL;
	}
	return 0;
}

static int software_create(struct encoder *e, const struct encoder_options *o, char *err,
			   size_t len)
{
	const char *lib = "libx265";
	const AVCodec *codec = avcodec_find_encoder_by_name(lib);
	char params[160];
	int r;

	if (!codec) {
		snprintf(err, len, "%s: this libavcodec has no %s encoder",
			 proto_codec_name(o->codec), lib);
		return -ENOTSUP;
	}
	snprintf(e->name, sizeof(e->name), "%s", lib);
	e->chroma420 = o->chroma420;
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

/* RGB24 to the x264 planes, the whole frame (encoder_encode). */
static int rgb_sws(struct encoder *e)
{
	e->sws = sws_getContext((int)e->yuv.w, (int)e->yuv.h, AV_PIX_FMT_RGB24, (int)e->yuv.w,
				(int)e->yuv.h,
				e->chroma420 ? AV_PIX_FMT_YUV420P : AV_PIX_FMT_YUV444P,
				(e->chroma420 ? SWS_AREA : SWS_POINT) | SWS_ACCURATE_RND, NULL,
				NULL, NULL);
	if (!e->sws)
		return -ENOMEM;
	if (e->yuv.w != e->w || e->yuv.h != e->h) {
		e->padded = malloc((size_t)e->yuv.w * e->yuv.h * 3 + ENCODER_RGB_SLACK);
		if (!e->padded)
			return -ENOMEM;
	}
	return 0;
}

static int x264_encode_yuv(struct encoder *e, const struct yuv_image *img, const struct damage *d,
			   bool key, const uint8_t **data, size_t *len, bool *is_key)
{
	x264_picture_t pic, out;
	x264_nal_t *nal;
	int n_nal;

	x264_picture_init(&pic);
	pic.img.i_csp = e->chroma420 ? X264_CSP_I420 : X264_CSP_I444;
	pic.img.i_plane = 3;
	for (int p = 0; p < 3; p++) {
		pic.img.plane[p] = img->plane[p];
		pic.img.i_stride[p] = img->stride[p];
	}
	pic.i_pts = e->pts++;
	pic.i_type = key ? X264_TYPE_IDR : X264_TYPE_AUTO;
	if (d && !key && d->tw == e->mb_w && d->th == e->mb_h) {
		/* Freed by x264 once it is done with the frame. */
		uint8_t *mb = malloc((size_t)e->mb_w * e->mb_h);
		if (mb) {
			for (size_t i = 0; i < (size_t)e->mb_w * e->mb_h; i++)
				mb[i] = d->tiles[i] ? 0 : X264_MBINFO_CONSTANT;
			pic.prop.mb_info = mb;
			pic.prop.mb_info_free = free;
		}
	}
	int size = x264_encoder_encode(e->x264, &nal, &n_nal, &pic, &out);
	if (size < 0)
		return -EIO;
	if (size == 0)
		return -EAGAIN;
	/* The NALs of one frame lie one after the other in memory. */
	*data = nal[0].p_payload;
	*len = (size_t)size;
	*is_key = out.b_keyframe;
	return 0;
}

static int avcodec_encode(struct encoder *e, bool key, const uint8_t **data, size_t *len,
			  bool *is_key);

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
		r = o->codec == PROTO_CODEC_H264 ? x264_create(e, o, err, len)
						 : software_create(e, o, err, len);
		if (r == 0 && o->codec == PROTO_CODEC_H264) {
			/* RGB input (encoder_encode) is converted whole, as before. */
			r = yuv_image_alloc(&e->yuv, o->width, o->height, o->chroma420);
			if (r == 0)
				r = rgb_sws(e);
		}
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
	if (e->x264)
		x264_encoder_close(e->x264);
	yuv_image_free(&e->yuv);
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

/* RGB at the encoder's even size: odd sizes repeat their last column and
 * row, in a copy; even ones are read in place. */
static const uint8_t *pad(struct encoder *e, const uint8_t *rgb, uint32_t ew, uint32_t eh)
{
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
	if (e->x264) {
		const uint8_t *planes[1] = {pad(e, rgb, e->yuv.w, e->yuv.h)};
		int strides[1] = {(int)e->yuv.w * 3};
		sws_scale(e->sws, planes, strides, 0, (int)e->yuv.h, e->yuv.plane, e->yuv.stride);
		return x264_encode_yuv(e, &e->yuv, NULL, key, data, len, is_key);
	}
	int r = av_frame_make_writable(e->frame);
	if (r < 0)
		return r;
	const uint8_t *planes[1] = {pad(e, rgb, (uint32_t)e->ctx->width, (uint32_t)e->ctx->height)};
	int strides[1] = {e->ctx->width * 3};
	sws_scale(e->sws, planes, strides, 0, e->ctx->height, e->frame->data, e->frame->linesize);
	return avcodec_encode(e, key, data, len, is_key);
}

int encoder_encode_frame(struct encoder *e, const struct encoder_frame *f, bool key,
			 const uint8_t **data, size_t *len, bool *is_key)
{
	if (e->va)
		return -EINVAL;
	if (e->ll) {
		unsigned changed;
		const struct damage *d = f->damage;
		int r = d ? lossless_encode_marked(e->ll, f->rgb, d->tiles, d->tw, d->th,
						   DAMAGE_TILE, key, data, len, &changed)
			  : lossless_encode(e->ll, f->rgb, key, data, len, &changed);
		*is_key = key || (r == 0 && (*data)[2] & 1);
		return r;
	}
	if (e->x264)
		return x264_encode_yuv(e, f->yuv, f->damage, key, data, len, is_key);
	/* HEVC: libavcodec copies the planes into its frame. */
	int r = av_frame_make_writable(e->frame);
	if (r < 0)
		return r;
	for (int p = 0; p < 3; p++) {
		int pw = p && f->yuv->chroma420 ? e->ctx->width / 2 : e->ctx->width;
		int ph = p && f->yuv->chroma420 ? e->ctx->height / 2 : e->ctx->height;
		for (int y = 0; y < ph; y++)
			memcpy(e->frame->data[p] + (size_t)y * e->frame->linesize[p],
			       f->yuv->plane[p] + (size_t)y * f->yuv->stride[p], (size_t)pw);
	}
	return avcodec_encode(e, key, data, len, is_key);
}

bool encoder_takes_yuv(const struct encoder *e, bool *chroma420)
{
	*chroma420 = e->chroma420;
	return e->x264 || e->ctx;
}

static int avcodec_encode(struct encoder *e, bool key, const uint8_t **data, size_t *len,
			  bool *is_key)
{
	int r;

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
