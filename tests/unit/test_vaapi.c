// SPDX-License-Identifier: MIT
/* The VA-API decisions, from probe results as the hardware would give
 * them: which encoder --encoder auto picks and the one line it logs, that
 * --encoder vaapi fails naming VA-API and the reason, and what --probe
 * prints. (The probe of this machine's real card runs in the VM rig.) */
#include <errno.h>

#include "kmscast/vaapi.h"
#include "tst.h"

static struct vaapi_probe intel(void)
{
	struct vaapi_probe p = {.card = "/dev/dri/card0", .render = "/dev/dri/renderD128",
				.driver = "i915", .vendor = "Intel iHD driver 23.1", .initialized = true,
				.vpp = true};
	p.enc[VAAPI_H264] = p.enc[VAAPI_HEVC] = true;
	p.lowpower[VAAPI_HEVC] = true;
	p.lavc[VAAPI_H264] = p.lavc[VAAPI_HEVC] = true;
	return p;
}

static int auto_picks_vaapi_where_it_can(void)
{
	struct vaapi_probe p = intel();
	enum encoder_kind k;
	char note[400];

	CHECK_EQ_INT(vaapi_choose(ENCODER_AUTO, PROTO_CODEC_H264, &p, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_VAAPI);
	CHECK(strcmp(note, "encoder auto: VA-API h264 on /dev/dri/renderD128 (Intel iHD driver "
			   "23.1), zero-copy") == 0);
	CHECK_EQ_INT(vaapi_choose(ENCODER_VAAPI, PROTO_CODEC_HEVC, &p, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_VAAPI);
	/* Asked for software: no probe consulted, nothing to explain. */
	CHECK_EQ_INT(vaapi_choose(ENCODER_SOFTWARE, PROTO_CODEC_H264, &p, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_SOFTWARE);
	CHECK_EQ_INT(note[0], '\0');
	return 0;
}

static int auto_falls_back_saying_why(void)
{
	struct vaapi_probe p = intel();
	enum encoder_kind k;
	char note[400];

	p.enc[VAAPI_HEVC] = false;
	CHECK_EQ_INT(vaapi_choose(ENCODER_AUTO, PROTO_CODEC_HEVC, &p, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_SOFTWARE);
	CHECK(strcmp(note, "encoder auto: software hevc (VA-API on /dev/dri/renderD128 (Intel iHD "
			   "driver 23.1) has no hevc encode entrypoint (EncSlice or EncSliceLP))") == 0);
	p = intel();
	p.vpp = false;
	CHECK_EQ_INT(vaapi_choose(ENCODER_AUTO, PROTO_CODEC_H264, &p, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_SOFTWARE);
	CHECK(strstr(note, "has no video processing entrypoint") != NULL);
	p = intel();
	p.lavc[VAAPI_H264] = false;
	CHECK_EQ_INT(vaapi_choose(ENCODER_AUTO, PROTO_CODEC_H264, &p, &k, note, sizeof(note)), 0);
	CHECK(strstr(note, "this libavcodec has no h264_vaapi encoder") != NULL);
	/* No driver at all, as on virtio-gpu without virgl. */
	struct vaapi_probe none = {.card = "/dev/dri/card0", .render = "/dev/dri/renderD128",
				   .driver = "virtio_gpu"};
	snprintf(none.why, sizeof(none.why), "vaInitialize on /dev/dri/renderD128 failed: unknown "
		 "libva error (no usable VA-API driver for virtio_gpu)");
	CHECK_EQ_INT(vaapi_choose(ENCODER_AUTO, PROTO_CODEC_H264, &none, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_SOFTWARE);
	CHECK(strcmp(note, "encoder auto: software h264 (VA-API: vaInitialize on /dev/dri/renderD128 "
			   "failed: unknown libva error (no usable VA-API driver for virtio_gpu))") == 0);
	CHECK_EQ_INT(vaapi_choose(ENCODER_AUTO, PROTO_CODEC_H264, NULL, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_SOFTWARE);
	CHECK(strcmp(note, "encoder auto: software h264 (VA-API: no card to encode on)") == 0);
	return 0;
}

static int forced_vaapi_fails_naming_it(void)
{
	struct vaapi_probe p = intel();
	enum encoder_kind k;
	char note[400];

	p.initialized = false;
	snprintf(p.why, sizeof(p.why), "cannot open /dev/dri/renderD128: Permission denied");
	CHECK_EQ_INT(vaapi_choose(ENCODER_VAAPI, PROTO_CODEC_H264, &p, &k, note, sizeof(note)),
		     -ENOTSUP);
	CHECK(strcmp(note, "--encoder vaapi: VA-API: cannot open /dev/dri/renderD128: Permission "
			   "denied") == 0);
	p = intel();
	CHECK_EQ_INT(vaapi_choose(ENCODER_VAAPI, PROTO_CODEC_LOSSLESS, &p, &k, note, sizeof(note)),
		     -ENOTSUP);
	CHECK(strcmp(note, "--encoder vaapi: VA-API has no lossless mode; use --codec h264 or "
			   "hevc") == 0);
	/* Lossless under auto is simply software, with nothing to say. */
	CHECK_EQ_INT(vaapi_choose(ENCODER_AUTO, PROTO_CODEC_LOSSLESS, &p, &k, note, sizeof(note)), 0);
	CHECK_EQ_INT(k, ENCODER_SOFTWARE);
	CHECK_EQ_INT(note[0], '\0');
	return 0;
}

static int report_lines(void)
{
	struct vaapi_probe p = intel();
	char out[2048];

	p.enc[VAAPI_AV1] = p.lavc[VAAPI_AV1] = true;
	vaapi_report(&p, out, sizeof(out));
	CHECK(strstr(out, "card: /dev/dri/card0 (driver i915)\n") == out);
	CHECK(strstr(out, "render node: /dev/dri/renderD128\n") != NULL);
	CHECK(strstr(out, "VA-API: Intel iHD driver 23.1\n") != NULL);
	CHECK(strstr(out, "VA-API video processing (RGB to NV12): yes\n") != NULL);
	CHECK(strstr(out, "h264: vaapi yes (h264_vaapi); software ") != NULL);
	CHECK(strstr(out, "hevc: vaapi yes (hevc_vaapi, low power); software ") != NULL);
	CHECK(strstr(out, "av1: vaapi no (VA-API can encode av1 here, but the stream carries h264 "
			  "or hevc only); software no") != NULL);
	/* A report never overruns its buffer. */
	char tiny[40];
	vaapi_report(&p, tiny, sizeof(tiny));
	CHECK_EQ_INT(strlen(tiny), sizeof(tiny) - 1);
	return 0;
}

TST_MAIN("vaapi", TST_CASE(auto_picks_vaapi_where_it_can), TST_CASE(auto_falls_back_saying_why),
	 TST_CASE(forced_vaapi_fails_naming_it), TST_CASE(report_lines))
