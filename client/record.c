// SPDX-License-Identifier: MIT
#include "record.h"

#include <errno.h>
#include <limits.h>
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/annexb.h"

struct recorder {
	char *path;
	struct proto_stream_config cfg;
	AVFormatContext *oc;
	AVStream *st;
	AVCodecContext *enc; /* FFV1, lossless streams only */
	AVFrame *frame;
	AVPacket *pkt;
	bool started;
	uint64_t first_us;
	int64_t last_pts;
	long frames;
};

static int fail(int r, const char *what, char *err, size_t len)
{
	char buf[AV_ERROR_MAX_STRING_SIZE];
	av_strerror(r, buf, sizeof(buf));
	snprintf(err, len, "%s: %s", what, buf);
	return r < 0 ? r : -EIO;
}

int recorder_create(const char *path, const struct proto_stream_config *cfg, struct recorder **out,
		    char *err, size_t len)
{
	struct recorder *r = calloc(1, sizeof(*r));
	if (!r || !(r->path = strdup(path)) || !(r->pkt = av_packet_alloc())) {
		if (r)
			free(r->path);
		free(r);
		return -ENOMEM;
	}
	r->cfg = *cfg;
	*out = r;
	(void)err;
	(void)len;
	return 0;
}

/* Parameter sets (SPS/PPS, and VPS for HEVC) from an Annex B keyframe:
 * Matroska wants them as codec private data. The buffer is sized by what
 * annexb_param_sets writes (4-byte start codes), never by the payload. */
static int parameter_sets(const struct recorder *r, const uint8_t *p, size_t n, uint8_t **out,
			  int *out_len)
{
	bool hevc = r->cfg.codec != PROTO_CODEC_H264;
	size_t need = annexb_param_sets(hevc, p, n, NULL, 0);
	if (!need || need > INT_MAX - AV_INPUT_BUFFER_PADDING_SIZE)
		return -EINVAL;
	uint8_t *x = av_mallocz(need + AV_INPUT_BUFFER_PADDING_SIZE);
	if (!x)
		return -ENOMEM;
	annexb_param_sets(hevc, p, n, x, need);
	*out = x;
	*out_len = (int)need;
	return 0;
}

/* The file's creation time is its first frame's capture time on the host
 * (the daemon's clock, to the microsecond): with each frame's timestamp
 * from there, when every picture was on the host's screen. */
static int set_creation_time(AVFormatContext *oc, uint64_t capture_us)
{
	time_t sec = (time_t)(capture_us / 1000000u);
	struct tm tm;
	char when[64], stamp[80];
	if (!gmtime_r(&sec, &tm) || !strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%S", &tm))
		return 0; /* a time no calendar holds: the file goes without */
	snprintf(stamp, sizeof(stamp), "%s.%06uZ", when, (unsigned)(capture_us % 1000000u));
	return av_dict_set(&oc->metadata, "creation_time", stamp, 0);
}

static int open_muxer(struct recorder *r, enum AVCodecID id, const uint8_t *extra, int extra_len,
		      uint64_t capture_us, char *err, size_t len)
{
	int e = avformat_alloc_output_context2(&r->oc, NULL, "matroska", r->path);
	if (e < 0)
		return fail(e, r->path, err, len);
	e = set_creation_time(r->oc, capture_us);
	if (e < 0)
		return fail(e, r->path, err, len);
	r->st = avformat_new_stream(r->oc, NULL);
	if (!r->st)
		return -ENOMEM;
	AVCodecParameters *par = r->st->codecpar;
	par->codec_type = AVMEDIA_TYPE_VIDEO;
	par->codec_id = id;
	par->width = r->cfg.width;
	par->height = r->cfg.height;
	if (r->enc) {
		avcodec_parameters_from_context(par, r->enc);
	} else {
		par->extradata = av_mallocz((size_t)extra_len + AV_INPUT_BUFFER_PADDING_SIZE);
		if (!par->extradata)
			return -ENOMEM;
		memcpy(par->extradata, extra, (size_t)extra_len);
		par->extradata_size = extra_len;
	}
	r->st->time_base = (AVRational){1, 1000};
	e = avio_open(&r->oc->pb, r->path, AVIO_FLAG_WRITE);
	if (e < 0)
		return fail(e, r->path, err, len);
	e = avformat_write_header(r->oc, NULL);
	if (e < 0)
		return fail(e, r->path, err, len);
	r->started = true;
	return 0;
}

static int write(struct recorder *r, AVPacket *pkt, uint64_t capture_us, char *err, size_t len)
{
	if (!r->frames)
		r->first_us = capture_us;
	int64_t pts = capture_us >= r->first_us ? (int64_t)(capture_us - r->first_us) : 0;
	if (r->frames && pts <= r->last_pts)
		pts = r->last_pts + 1; /* Matroska wants rising timestamps */
	r->last_pts = pts;
	pkt->pts = pkt->dts = pts;
	pkt->stream_index = 0;
	av_packet_rescale_ts(pkt, (AVRational){1, 1000000}, r->st->time_base);
	int e = av_interleaved_write_frame(r->oc, pkt);
	if (e < 0)
		return fail(e, r->path, err, len);
	r->frames++;
	return 0;
}

int recorder_packet(struct recorder *r, const struct proto_video_frame *f, char *err, size_t len)
{
	if (!r->started) {
		uint8_t *extra;
		int extra_len;
		if (!(f->flags & PROTO_FRAME_KEYFRAME) ||
		    parameter_sets(r, f->payload, f->payload_len, &extra, &extra_len) != 0)
			return 0; /* wait for a keyframe that can start a file */
		int e = open_muxer(r,
				   r->cfg.codec == PROTO_CODEC_H264 ? AV_CODEC_ID_H264
								    : AV_CODEC_ID_HEVC,
				   extra, extra_len, f->capture_us, err, len);
		av_free(extra);
		if (e)
			return e;
	}
	av_packet_unref(r->pkt);
	int e = av_new_packet(r->pkt, (int)f->payload_len);
	if (e < 0)
		return fail(e, "packet", err, len);
	memcpy(r->pkt->data, f->payload, f->payload_len);
	if (f->flags & PROTO_FRAME_KEYFRAME)
		r->pkt->flags |= AV_PKT_FLAG_KEY;
	return write(r, r->pkt, f->capture_us, err, len);
}

static int open_ffv1(struct recorder *r, uint64_t capture_us, char *err, size_t len)
{
	const AVCodec *c = avcodec_find_encoder(AV_CODEC_ID_FFV1);
	if (!c) {
		snprintf(err, len, "this libavcodec has no FFV1 encoder");
		return -ENOTSUP;
	}
	r->enc = avcodec_alloc_context3(c);
	r->frame = av_frame_alloc();
	if (!r->enc || !r->frame)
		return -ENOMEM;
	r->enc->width = r->cfg.width;
	r->enc->height = r->cfg.height;
	r->enc->pix_fmt = AV_PIX_FMT_BGR0;
	r->enc->time_base = (AVRational){1, 1000000};
	r->enc->flags |= AV_CODEC_FLAG_GLOBAL_HEADER;
	int e = avcodec_open2(r->enc, c, NULL);
	if (e < 0)
		return fail(e, "FFV1", err, len);
	r->frame->format = AV_PIX_FMT_BGR0;
	r->frame->width = r->cfg.width;
	r->frame->height = r->cfg.height;
	e = av_frame_get_buffer(r->frame, 0);
	if (e < 0)
		return fail(e, "frame", err, len);
	return open_muxer(r, AV_CODEC_ID_FFV1, NULL, 0, capture_us, err, len);
}

static int drain_ffv1(struct recorder *r, uint64_t capture_us, char *err, size_t len)
{
	for (;;) {
		av_packet_unref(r->pkt);
		int e = avcodec_receive_packet(r->enc, r->pkt);
		if (e == AVERROR(EAGAIN) || e == AVERROR_EOF)
			return 0;
		if (e < 0)
			return fail(e, "FFV1", err, len);
		e = write(r, r->pkt, capture_us, err, len);
		if (e)
			return e;
	}
}

int recorder_picture(struct recorder *r, const uint8_t *rgb, uint64_t capture_us, char *err,
		     size_t len)
{
	if (!r->started) {
		int e = open_ffv1(r, capture_us, err, len);
		if (e)
			return e;
	}
	int e = av_frame_make_writable(r->frame);
	if (e < 0)
		return fail(e, "frame", err, len);
	for (int y = 0; y < r->cfg.height; y++) {
		const uint8_t *s = rgb + (size_t)y * r->cfg.width * 3;
		uint8_t *d = r->frame->data[0] + (size_t)y * r->frame->linesize[0];
		for (int x = 0; x < r->cfg.width; x++, s += 3, d += 4) {
			d[0] = s[2];
			d[1] = s[1];
			d[2] = s[0];
			d[3] = 0;
		}
	}
	r->frame->pts = (int64_t)capture_us;
	e = avcodec_send_frame(r->enc, r->frame);
	if (e < 0)
		return fail(e, "FFV1", err, len);
	return drain_ffv1(r, capture_us, err, len);
}

long recorder_close(struct recorder *r, char *err, size_t len)
{
	long frames = r->frames;
	int e = 0;
	if (r->enc && r->started) {
		avcodec_send_frame(r->enc, NULL);
		e = drain_ffv1(r, (uint64_t)r->last_pts + r->first_us + 1, err, len);
	}
	if (r->started) {
		int t = av_write_trailer(r->oc);
		if (t < 0 && !e)
			e = fail(t, r->path, err, len);
	}
	/* Also when the header failed: the file was opened before it. */
	if (r->oc && r->oc->pb)
		avio_closep(&r->oc->pb);
	avformat_free_context(r->oc);
	avcodec_free_context(&r->enc);
	av_frame_free(&r->frame);
	av_packet_free(&r->pkt);
	free(r->path);
	free(r);
	return e ? e : frames;
}
