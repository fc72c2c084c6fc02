// SPDX-License-Identifier: MIT
/* The encoder and decoder interfaces end to end in one process: lossless is
 * exact, h264 (libx264 through libavcodec) keeps PSNR >= 38 dB on the paint
 * scene, hevc (libx265) too, keyframes come when asked for, --bitrate and
 * --crf reach the encoder, and garbage is refused. */
#include <errno.h>
#include <libavutil/log.h>
#include <math.h>
#include <stdlib.h>

#include "kmscast/decoder.h"
#include "kmscast/encoder.h"
#include "kmscast/paint.h"
#include "tst.h"

#define W 640
#define H 480

static void frame(uint8_t *rgb, uint32_t k)
{
	paint_frame_rgb8(k, W, H, rgb);
}

static double psnr(const uint8_t *a, const uint8_t *b)
{
	double se = 0;
	for (size_t i = 0; i < (size_t)W * H * 3; i++)
		se += (double)(a[i] - b[i]) * (a[i] - b[i]);
	double mse = se / ((double)W * H * 3);
	return mse > 0 ? 10 * log10(255.0 * 255.0 / mse) : 99;
}

static int run(enum proto_codec codec, double min_db)
{
	struct encoder_options eo = {.codec = codec, .width = W, .height = H, .fps = 30};
	struct proto_stream_config cfg = {W, H, (uint8_t)codec, 0, 30000};
	struct encoder *e;
	struct decoder *d;
	char err[256];
	uint8_t *rgb = malloc((size_t)W * H * 3 + ENCODER_RGB_SLACK);
	double lowest = 99;

	CHECK_EQ_INT(encoder_create(&eo, &e, err, sizeof(err)), 0);
	CHECK_EQ_INT(decoder_create(&cfg, DECODER_HW_NONE, NULL, &d, NULL, 0, err, sizeof(err)), 0);
	for (uint32_t k = 0; k < 6; k++) {
		const uint8_t *data;
		size_t len;
		bool key;
		frame(rgb, 100 + k);
		CHECK_EQ_INT(encoder_encode(e, rgb, k == 0 || k == 4, &data, &len, &key), 0);
		CHECK_EQ_INT(key, k == 0 || k == 4);
		struct proto_video_frame f = {k, 0, key ? PROTO_FRAME_KEYFRAME : 0, data, (uint32_t)len};
		CHECK_EQ_INT(decoder_decode(d, &f, err, sizeof(err)), 1);
		double db = psnr(decoder_rgb(d), rgb);
		lowest = db < lowest ? db : lowest;
		if (db < min_db) {
			fprintf(stderr, "  %s frame %u: %.2f dB\n", proto_codec_name(codec), k, db);
			return 1;
		}
	}
	fprintf(stderr, "  %s: %.2f dB at the lowest over 6 frames, 2 of them IDRs\n",
		proto_codec_name(codec), lowest);
	/* Garbage is refused, not crashed on. */
	uint8_t junk[300];
	for (size_t i = 0; i < sizeof(junk); i++)
		junk[i] = (uint8_t)(i * 37);
	struct proto_video_frame f = {9, 0, 0, junk, sizeof(junk)};
	CHECK(decoder_decode(d, &f, err, sizeof(err)) <= 0 || codec != PROTO_CODEC_LOSSLESS);
	encoder_destroy(e);
	decoder_destroy(d);
	free(rgb);
	return 0;
}

static int lossless_exact(void)
{
	av_log_set_level(AV_LOG_ERROR);
	return run(PROTO_CODEC_LOSSLESS, 99);
}
static int h264_psnr(void)
{
	av_log_set_level(AV_LOG_QUIET); /* the garbage case makes the decoder complain */
	return run(PROTO_CODEC_H264, 38);
}

static int hevc_psnr(void)
{
	av_log_set_level(AV_LOG_QUIET);
	return run(PROTO_CODEC_HEVC, 38);
}

/* Hardware decode: auto takes VA-API where a device can decode, else
 * software with the reason; vaapi fails naming VA-API when it cannot. */
static int hwdec_decision(void)
{
	struct proto_stream_config cfg = {W, H, PROTO_CODEC_H264, 0, 30000};
	struct decoder *d;
	char note[400], err[400];

	av_log_set_level(AV_LOG_QUIET);
	CHECK_EQ_INT(decoder_create(&cfg, DECODER_HW_AUTO, NULL, &d, note, sizeof(note), err,
				    sizeof(err)), 0);
	fprintf(stderr, "  --hwdec auto: %s\n", note);
	bool hw = strcmp(note, "decoding h264 through VA-API") == 0;
	CHECK(hw || strncmp(note, "decoding h264 in software (VA-API: ", 35) == 0);
	decoder_destroy(d);
	int r = decoder_create(&cfg, DECODER_HW_VAAPI, NULL, &d, note, sizeof(note), err,
			       sizeof(err));
	if (hw) {
		CHECK_EQ_INT(r, 0);
		decoder_destroy(d);
	} else {
		CHECK(r < 0);
		CHECK(strncmp(err, "--hwdec vaapi: VA-API: ", 23) == 0);
	}
	/* Lossless never asks for hardware. */
	cfg.codec = PROTO_CODEC_LOSSLESS;
	CHECK_EQ_INT(decoder_create(&cfg, DECODER_HW_VAAPI, NULL, &d, note, sizeof(note), err,
				    sizeof(err)), 0);
	CHECK_EQ_INT(note[0], '\0');
	decoder_destroy(d);
	enum decoder_hw k;
	CHECK_EQ_INT(decoder_parse_hw("none", &k), 0);
	CHECK_EQ_INT(k, DECODER_HW_NONE);
	CHECK_EQ_INT(decoder_parse_hw("cuda", &k), -EINVAL);
	return 0;
}

/* Bytes of frames 1..n-1 (after the IDR) of a moving scene. */
static long inter_bytes(enum proto_codec codec, uint32_t crf, uint32_t kbps, uint32_t n)
{
	struct encoder_options eo = {.codec = codec, .width = W, .height = H, .fps = 30,
				     .crf = crf, .bitrate_kbps = kbps};
	struct encoder *e;
	char err[256];
	uint8_t *rgb = malloc((size_t)W * H * 3 + ENCODER_RGB_SLACK);
	long total = 0;

	if (!rgb || encoder_create(&eo, &e, err, sizeof(err)) != 0) {
		free(rgb);
		return -1;
	}
	for (uint32_t k = 0; k < n; k++) {
		const uint8_t *data;
		size_t len;
		bool key;
		frame(rgb, 500 + 3 * k);
		if (encoder_encode(e, rgb, k == 0, &data, &len, &key) != 0) {
			total = -1;
			break;
		}
		if (k > 0)
			total += (long)len;
	}
	encoder_destroy(e);
	free(rgb);
	return total;
}

/* --bitrate caps the stream near the asked rate; --crf trades size for
 * quality: both reach the encoder. */
static int rate_controls(void)
{
	av_log_set_level(AV_LOG_QUIET);
	const uint32_t n = 31, kbps = 150;
	long budget = (long)kbps * 1000 / 8 * (long)(n - 1) / 30;
	long capped = inter_bytes(PROTO_CODEC_H264, 0, kbps, n);
	long fine = inter_bytes(PROTO_CODEC_H264, 12, 0, n);
	long coarse = inter_bytes(PROTO_CODEC_H264, 40, 0, n);
	fprintf(stderr, "  h264 30 frames: --bitrate %u: %ld bytes (budget %ld), crf 12: %ld, "
		"crf 40: %ld\n", kbps, capped, budget, fine, coarse);
	CHECK(capped > 0 && fine > 0 && coarse > 0);
	CHECK(capped <= budget * 3 / 2);
	CHECK(fine > 2 * capped);
	CHECK(fine > 2 * coarse);
	long hevc = inter_bytes(PROTO_CODEC_HEVC, 0, kbps, n);
	fprintf(stderr, "  hevc 30 frames: --bitrate %u: %ld bytes\n", kbps, hevc);
	CHECK(hevc > 0 && hevc <= budget * 3 / 2);
	return 0;
}

TST_MAIN("codec", TST_CASE(lossless_exact), TST_CASE(h264_psnr), TST_CASE(hevc_psnr),
	 TST_CASE(rate_controls), TST_CASE(hwdec_decision))
