// SPDX-License-Identifier: MIT
/* The recorder's parameter-set extraction over hostile keyframes: a server
 * chooses every byte of a payload, so what is written must fit what was
 * allocated (ASan in make check sees any byte past it). */
#include <stdlib.h>
#include <unistd.h>

#include "../../client/record.h"
#include "kmscast/annexb.h"
#include "tst.h"

/* n copies of 00 00 01 67: each a one-byte SPS behind a 3-byte start code. */
static uint8_t *tiny_sps_nals(size_t count, size_t *len)
{
	uint8_t *p = malloc(count * 4);
	for (size_t i = 0; p && i < count; i++)
		memcpy(p + i * 4, "\0\0\1\x67", 4);
	*len = count * 4;
	return p;
}

static int three_byte_start_codes_grow_the_output(void)
{
	size_t n;
	uint8_t *in = tiny_sps_nals(1000, &n);
	CHECK(in);
	size_t need = annexb_param_sets(false, in, n, NULL, 0);
	/* Every NAL but the last is one byte; the last runs to the end. */
	CHECK_EQ_INT(need, 1000 * 5);
	CHECK(need > n);
	uint8_t *out = malloc(need);
	CHECK(out);
	CHECK_EQ_INT(annexb_param_sets(false, in, n, out, need), need);
	for (size_t i = 0; i < 1000; i++)
		CHECK_MEM(out + i * 5, "\0\0\0\1\x67", 5);
	/* Too small a buffer: sized, nothing written past cap. */
	memset(out, 0xaa, need);
	CHECK_EQ_INT(annexb_param_sets(false, in, n, out, 12), need);
	CHECK_MEM(out, "\0\0\0\1\x67\0\0\0\1\x67", 10);
	CHECK_EQ_INT(out[10], 0xaa);
	free(out);
	free(in);
	return 0;
}

static int only_parameter_sets_are_kept(void)
{
	/* H.264: SPS (7), PPS (8), IDR slice (5), 4-byte start codes kept. */
	static const uint8_t h264[] = {0, 0, 0, 1, 0x67, 1, 2, 0, 0, 1, 0x68, 3,
				       0, 0, 0, 1, 0x65, 9, 9, 9};
	static const uint8_t want[] = {0, 0, 0, 1, 0x67, 1, 2, 0, 0, 0, 1, 0x68, 3};
	uint8_t out[64];
	CHECK_EQ_INT(annexb_param_sets(false, h264, sizeof(h264), out, sizeof(out)), sizeof(want));
	CHECK_MEM(out, want, sizeof(want));
	/* HEVC: VPS (32), SPS (33), PPS (34) kept, an IDR (19) not. */
	static const uint8_t hevc[] = {0, 0, 1, 0x40, 1, 0xa, 0, 0, 1, 0x42, 1, 0xb,
				       0, 0, 1, 0x44, 1, 0xc, 0, 0, 1, 0x26, 1, 0xd};
	CHECK_EQ_INT(annexb_param_sets(true, hevc, sizeof(hevc), out, sizeof(out)), 3 * 7);
	CHECK_MEM(out + 14, "\0\0\0\1\x44\1\xc", 7);
	/* No start code, or one cut short: nothing. */
	CHECK_EQ_INT(annexb_param_sets(false, (const uint8_t *)"\0\0\1", 3, out, sizeof(out)), 0);
	CHECK_EQ_INT(annexb_param_sets(false, (const uint8_t *)"\x67\x67", 2, out, sizeof(out)), 0);
	return 0;
}

/* The keyframe that overflowed the old recorder's heap: 800 KB of tiny
 * SPS NALs. It must be taken (or refused) without writing out of bounds. */
static int recorder_takes_a_keyframe_of_tiny_nals(void)
{
	char path[] = "/tmp/kmscast-test-record-XXXXXX";
	int fd = mkstemp(path);
	CHECK(fd >= 0);
	close(fd);
	struct proto_stream_config cfg = {.width = 64, .height = 64, .codec = PROTO_CODEC_H264};
	struct recorder *r;
	char err[256];
	CHECK_EQ_INT(recorder_create(path, &cfg, &r, err, sizeof(err)), 0);
	size_t n;
	uint8_t *in = tiny_sps_nals(200000, &n);
	CHECK(in);
	struct proto_video_frame f = {.seq = 1, .capture_us = 1, .flags = PROTO_FRAME_KEYFRAME,
				      .payload = in, .payload_len = (uint32_t)n};
	recorder_packet(r, &f, err, sizeof(err)); /* garbage SPS: may be refused */
	recorder_close(r, err, sizeof(err));
	free(in);
	unlink(path);
	return 0;
}

TST_MAIN("record", TST_CASE(three_byte_start_codes_grow_the_output),
	 TST_CASE(only_parameter_sets_are_kept), TST_CASE(recorder_takes_a_keyframe_of_tiny_nals))
