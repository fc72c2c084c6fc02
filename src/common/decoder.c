// SPDX-License-Identifier: MIT
#include "kmscast/decoder.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
#include <libavutil/hwcontext.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/lossless.h"
#include "kmscast/testframe.h"

struct decoder {
	struct proto_stream_config cfg;
	struct lossless_dec *ll;
	AVCodecContext *ctx;
	AVPacket *pkt;
	AVFrame *frame;
	struct SwsContext *sws;
	uint8_t *rgb;
	AVFrame *sw; /* a VA-API frame brought to memory for RGB */
};

int decoder_parse_hw(const char *s, enum decoder_hw *hw)
{
	if (strcmp(s, "auto") == 0)
		*hw = DECODER_HW_AUTO;
	else if (strcmp(s, "vaapi") == 0)
		*hw = DECODER_HW_VAAPI;
	else if (strcmp(s, "none") == 0)
		*hw = DECODER_HW_NONE;
	else
		return -EINVAL;
	return 0;
}

/* libavcodec offers the formats it can output: VA-API surfaces where the
 * hwaccel took, else its software format. */
static enum AVPixelFormat pick_format(AVCodecContext *ctx, const enum AVPixelFormat *fmts)
{
	(void)ctx;
	for (const enum AVPixelFormat *p = fmts; *p != AV_PIX_FMT_NONE; p++)
		if (*p == AV_PIX_FMT_VAAPI)
			return *p;
	return fmts[0];
}

/* Attaches a VA-API device that can decode codec; 0, or -errno with why. */
static int attach_vaapi(struct decoder *d, const AVCodec *c, const char *device, char *why,
			size_t len)
{
	bool has = false;
	for (int i = 0;; i++) {
		const AVCodecHWConfig *hc = avcodec_get_hw_config(c, i);
		if (!hc)
			break;
		has |= hc->device_type == AV_HWDEVICE_TYPE_VAAPI &&
		       (hc->methods & AV_CODEC_HW_CONFIG_METHOD_HW_DEVICE_CTX);
	}
	if (!has) {
		snprintf(why, len, "VA-API: this libavcodec's %s decoder has no VA-API hwaccel",
			 c->name);
		return -ENOTSUP;
	}
	AVBufferRef *dev = NULL;
	int r = av_hwdevice_ctx_create(&dev, AV_HWDEVICE_TYPE_VAAPI, device, NULL, 0);
	if (r < 0) {
		char buf[AV_ERROR_MAX_STRING_SIZE];
		av_strerror(r, buf, sizeof(buf));
		snprintf(why, len, "VA-API: no device at %s (%s)",
			 device ? device : "libva's default", buf);
		return -ENODEV;
	}
	d->ctx->hw_device_ctx = dev;
	d->ctx->get_format = pick_format;
	d->sw = av_frame_alloc();
	return d->sw ? 0 : -ENOMEM;
}

int decoder_create(const struct proto_stream_config *cfg, enum decoder_hw hw, const char *hw_device,
		   struct decoder **out, char *note, size_t note_len, char *err, size_t len)
{
	struct decoder *d = calloc(1, sizeof(*d));
	int r = 0;
	if (!d)
		return -ENOMEM;
	if (note && note_len)
		note[0] = '\0';
	d->cfg = *cfg;
	switch (cfg->codec) {
	case PROTO_CODEC_LOSSLESS: r = lossless_dec_create(cfg->width, cfg->height, &d->ll); break;
	case PROTO_CODEC_H264:
	case PROTO_CODEC_HEVC: {
		const AVCodec *c = avcodec_find_decoder(
			cfg->codec == PROTO_CODEC_H264 ? AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC);
		d->rgb = calloc((size_t)cfg->width * cfg->height * 3 + 64,
				1); /* swscale may write past */
		d->ctx = c ? avcodec_alloc_context3(c) : NULL;
		d->pkt = av_packet_alloc();
		d->frame = av_frame_alloc();
		if (!c || !d->ctx || !d->pkt || !d->frame || !d->rgb) {
			r = c ? -ENOMEM : -ENOTSUP;
			break;
		}
		d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
		d->ctx->thread_count = 1;
		if (hw != DECODER_HW_NONE) {
			char why[300];
			r = attach_vaapi(d, c, hw_device, why, sizeof(why));
			if (r && hw == DECODER_HW_VAAPI) {
				snprintf(err, len, "--hwdec vaapi: %s", why);
				decoder_destroy(d);
				return r;
			}
			if (note && note_len)
				snprintf(note, note_len,
					 r ? "decoding %s in software (%s)"
					   : "decoding %s through VA-API%s",
					 proto_codec_name(cfg->codec), r ? why : "");
			r = 0;
		}
		r = avcodec_open2(d->ctx, c, NULL) < 0 ? -EIO : 0;
		break;
	}
	case PROTO_CODEC_TEST: break;
	default: r = -ENOTSUP;
	}
	if (r) {
		snprintf(err, len, "cannot decode %s: %s", proto_codec_name(cfg->codec),
			 strerror(-r));
		decoder_destroy(d);
		return r;
	}
	*out = d;
	return 0;
}

void decoder_destroy(struct decoder *d)
{
	if (!d)
		return;
	lossless_dec_destroy(d->ll);
	avcodec_free_context(&d->ctx);
	av_packet_free(&d->pkt);
	av_frame_free(&d->frame);
	av_frame_free(&d->sw);
	sws_freeContext(d->sws);
	free(d->rgb);
	free(d);
}

const uint8_t *decoder_rgb(const struct decoder *d)
{
	return d->ll ? lossless_canvas(d->ll) : d->rgb;
}

static int av_decode(struct decoder *d, const struct proto_video_frame *f, char *err, size_t len)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];
	av_packet_unref(d->pkt);
	d->pkt->data = (uint8_t *)f->payload;
	d->pkt->size = (int)f->payload_len;
	int r = avcodec_send_packet(d->ctx, d->pkt);
	d->pkt->data = NULL;
	d->pkt->size = 0;
	if (r < 0) {
		av_strerror(r, buf, sizeof(buf));
		snprintf(err, len, "frame %u: %s", f->seq, buf);
		return -EINVAL;
	}
	r = avcodec_receive_frame(d->ctx, d->frame);
	if (r == AVERROR(EAGAIN))
		return 0;
	if (r < 0) {
		av_strerror(r, buf, sizeof(buf));
		snprintf(err, len, "frame %u: %s", f->seq, buf);
		return -EINVAL;
	}
	/* The stream may be padded to even sizes; never smaller than announced. */
	if (d->frame->width < d->cfg.width || d->frame->height < d->cfg.height ||
	    d->frame->width > d->cfg.width + 16 || d->frame->height > d->cfg.height + 16) {
		snprintf(err, len, "frame %u is %dx%d, the stream %ux%u", f->seq, d->frame->width,
			 d->frame->height, d->cfg.width, d->cfg.height);
		av_frame_unref(d->frame);
		return -EINVAL;
	}
	AVFrame *src = d->frame;
	if (d->frame->format == AV_PIX_FMT_VAAPI) {
		/* A surface on the GPU: one download to memory for RGB (the kms
		 * presenter will show surfaces directly). */
		av_frame_unref(d->sw);
		r = av_hwframe_transfer_data(d->sw, d->frame, 0);
		av_frame_unref(d->frame);
		if (r < 0) {
			snprintf(err, len, "frame %u: VA-API surface download failed", f->seq);
			return -EIO;
		}
		src = d->sw;
	}
	d->sws = sws_getCachedContext(d->sws, d->cfg.width, d->cfg.height, src->format,
				      d->cfg.width, d->cfg.height, AV_PIX_FMT_RGB24,
				      SWS_POINT | SWS_ACCURATE_RND, NULL, NULL, NULL);
	if (!d->sws) {
		snprintf(err, len, "cannot convert pixel format %d", src->format);
		av_frame_unref(src);
		return -ENOTSUP;
	}
	uint8_t *dst[1] = {d->rgb};
	int stride[1] = {d->cfg.width * 3};
	sws_scale(d->sws, (const uint8_t *const *)src->data, src->linesize, 0, d->cfg.height, dst,
		  stride);
	av_frame_unref(src);
	return 1;
}

int decoder_decode(struct decoder *d, const struct proto_video_frame *f, char *err, size_t len)
{
	const char *why = NULL;
	switch (d->cfg.codec) {
	case PROTO_CODEC_LOSSLESS: {
		int r = lossless_decode(d->ll, f->payload, f->payload_len, &why);
		if (r) {
			snprintf(err, len, "frame %u: %s", f->seq, why);
			return r;
		}
		return 1;
	}
	case PROTO_CODEC_TEST:
		if (!testframe_check(f->seq, f->payload, f->payload_len)) {
			snprintf(err, len, "frame %u: test payload differs", f->seq);
			return -EINVAL;
		}
		return 1;
	default: return av_decode(d, f, err, len);
	}
}
