#include "kmscast/decoder.h"

#include <errno.h>
#include <libavcodec/avcodec.h>
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
};

int decoder_create(const struct proto_stream_config *cfg, struct decoder **out, char *err,
		   size_t len)
{
	struct decoder *d = calloc(1, sizeof(*d));
	int r = 0;
	if (!d)
		return -ENOMEM;
	d->cfg = *cfg;
	switch (cfg->codec) {
	case PROTO_CODEC_LOSSLESS:
		r = lossless_dec_create(cfg->width, cfg->height, &d->ll);
		break;
	case PROTO_CODEC_H264:
	case PROTO_CODEC_HEVC: {
		const AVCodec *c = avcodec_find_decoder(cfg->codec == PROTO_CODEC_H264 ?
							AV_CODEC_ID_H264 : AV_CODEC_ID_HEVC);
		d->rgb = calloc((size_t)cfg->width * cfg->height * 3 + 64, 1); /* swscale may write past */
		d->ctx = c ? avcodec_alloc_context3(c) : NULL;
		d->pkt = av_packet_alloc();
		d->frame = av_frame_alloc();
		if (!c || !d->ctx || !d->pkt || !d->frame || !d->rgb) {
			r = c ? -ENOMEM : -ENOTSUP;
			break;
		}
		d->ctx->flags |= AV_CODEC_FLAG_LOW_DELAY;
		d->ctx->thread_count = 1;
		r = avcodec_open2(d->ctx, c, NULL) < 0 ? -EIO : 0;
		break;
	}
	case PROTO_CODEC_TEST:
		break;
	default:
		r = -ENOTSUP;
	}
	if (r) {
		snprintf(err, len, "cannot decode %s: %s", proto_codec_name(cfg->codec), strerror(-r));
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
	d->sws = sws_getCachedContext(d->sws, d->cfg.width, d->cfg.height, d->frame->format,
				      d->cfg.width, d->cfg.height, AV_PIX_FMT_RGB24, SWS_POINT | SWS_ACCURATE_RND, NULL,
				      NULL, NULL);
	if (!d->sws) {
		av_frame_unref(d->frame);
		snprintf(err, len, "cannot convert pixel format %d", d->frame->format);
		return -ENOTSUP;
	}
	uint8_t *dst[1] = {d->rgb};
	int stride[1] = {d->cfg.width * 3};
	sws_scale(d->sws, (const uint8_t *const *)d->frame->data, d->frame->linesize, 0,
		  d->cfg.height, dst, stride);
	av_frame_unref(d->frame);
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
	default:
		return av_decode(d, f, err, len);
	}
}
