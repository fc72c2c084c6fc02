// SPDX-License-Identifier: MIT
/* Writes one seed file per message type each side accepts, plus a stream
 * of several, into DIR/corpus-proto_server and DIR/corpus-proto_client, and
 * a keyframe and a delta of the lossless codec into DIR/corpus-lossless in
 * fuzz_lossless's framing, and the capture helper's answers (a grab, the
 * console, the output) into DIR/corpus-privsep in fuzz_privsep's framing.
 * Run by hand when a format changes:
 * `make fuzz-seeds`. */
#include <stdio.h>
#include <string.h>

#include "kmscast/lossless.h"
#include "kmscast/privsep.h"
#include "kmscast/proto.h"

static void put(const char *dir, const char *name, const uint8_t *b, size_t n)
{
	char path[512];
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(b, 1, n, f) != n) {
		perror(path);
		return;
	}
	fclose(f);
}

/* A 70x50 picture (two tile columns, one cut) as a keyframe, then a delta
 * that changes one pixel, behind fuzz_lossless's size and length fields. */
static int lossless_seeds(const char *dir)
{
	enum { W = 70, H = 50 };
	static uint8_t rgb[W * H * 3], out[1 << 16];
	char path[512];
	struct lossless_enc *e;
	size_t n = 4, len;
	const uint8_t *data;
	unsigned changed;
	snprintf(path, sizeof(path), "%s/corpus-lossless", dir);
	for (size_t i = 0; i < sizeof(rgb); i++)
		rgb[i] = (uint8_t)(i * 7);
	if (lossless_enc_create(W, H, 1, &e) != 0)
		return 1;
	out[0] = 0, out[1] = W - 1, out[2] = 0, out[3] = H - 1;
	for (int k = 0; k < 2; k++) {
		if (lossless_encode(e, rgb, k == 0, &data, &len, &changed) != 0 || n + 2 + len > sizeof(out))
			return 1;
		out[n] = (uint8_t)(len >> 8), out[n + 1] = (uint8_t)len;
		memcpy(out + n + 2, data, len);
		n += 2 + len;
		rgb[W * 3 * 20 + 3 * 66] ^= 0xff;
	}
	lossless_enc_destroy(e);
	put(path, "key-then-delta", out, n);
	return 0;
}

/* An answer behind fuzz_privsep's op, sequence and fd count. */
static void privsep_seed(const char *dir, const char *name, const struct privsep_resp *r)
{
	uint8_t b[3 + sizeof(*r)];
	b[0] = (uint8_t)r->op, b[1] = (uint8_t)r->seq, b[2] = (uint8_t)r->n_fds;
	memcpy(b + 3, r, sizeof(*r));
	put(dir, name, b, sizeof(b));
}

static void privsep_seeds(const char *dir)
{
	char path[512];
	struct privsep_resp r;
	snprintf(path, sizeof(path), "%s/corpus-privsep", dir);
	memset(&r, 0, sizeof(r));
	r.magic = PRIVSEP_MAGIC, r.version = PRIVSEP_VERSION, r.seq = 5;
	r.op = PRIVSEP_GRAB, r.n_fds = 2;
	r.u.frame.fb = (struct capture_buffer){.fb_id = 40, .width = 64, .height = 32, .n_planes = 1};
	r.u.frame.has_cursor = true, r.u.frame.blanked = 1;
	r.u.frame.cursor = (struct capture_buffer){.fb_id = 41, .width = 64, .height = 64, .n_planes = 1};
	privsep_seed(path, "grab", &r);
	memset(&r.u, 0, sizeof(r.u));
	r.op = PRIVSEP_CONSOLE, r.n_fds = 0;
	r.u.console = (struct capture_vt){CAPTURE_CONSOLE_GRAPHICS, 3};
	privsep_seed(path, "console", &r);
	memset(&r.u, 0, sizeof(r.u));
	r.op = PRIVSEP_INFO;
	snprintf(r.u.info.driver, sizeof(r.u.info.driver), "virtio_gpu");
	snprintf(r.u.info.output, sizeof(r.u.info.output), "Virtual-1");
	privsep_seed(path, "info", &r);
}

int main(int argc, char **argv)
{
	static uint8_t buf[1 << 16], stream[2][1 << 16];
	size_t slen[2] = {0, 0};
	uint8_t cursor[4 * 4 * 4], raw[8 * 3], payload[40];
	char dirs[2][400];
	if (argc != 2)
		return 2;
	snprintf(dirs[0], sizeof(dirs[0]), "%s/corpus-proto_server", argv[1]);
	snprintf(dirs[1], sizeof(dirs[1]), "%s/corpus-proto_client", argv[1]);
	memset(cursor, 0x80, sizeof(cursor));
	memset(payload, 0x5a, sizeof(payload));
	struct proto_input_event ev[3] = {{1, 30, 1}, {3, 0, 640}, {0, 0, 0}};
	proto_input_pack(ev, 3, raw);
	for (unsigned t = 1; t < PROTO_TYPE_COUNT; t++) {
		struct proto_msg m = {.type = (enum proto_type)t};
		switch (t) {
		case PROTO_HELLO:
			m.u.hello = (struct proto_hello){.version = PROTO_VERSION, .codecs = 3,
							 .input_kinds = 5, .max_width = 1920,
							 .max_height = 1080, .name_len = 4};
			memcpy(m.u.hello.name, "seed", 5);
			break;
		case PROTO_STREAM_CONFIG:
			m.u.config = (struct proto_stream_config){1280, 720, PROTO_CODEC_H264, 0, 60000};
			break;
		case PROTO_VIDEO_FRAME:
			m.u.frame = (struct proto_video_frame){9, 123456789, 1, payload, sizeof(payload)};
			break;
		case PROTO_CURSOR:
			m.u.cursor = (struct proto_cursor){10, 20, 3, 1, 1, 4, 4, cursor};
			break;
		case PROTO_INPUT: m.u.input = (struct proto_input){3, raw}; break;
		case PROTO_FRAME_ACK: m.u.ack_seq = 9; break;
		case PROTO_PING:
		case PROTO_PONG: m.u.ping = 42; break;
		case PROTO_ERROR: proto_make_error(&m, PROTO_ERR_REFUSED, "seed reason"); break;
		case PROTO_PAIR_REQUEST: memset(m.u.pair_proof, 7, 32); break;
		case PROTO_PAIR_RESULT: m.u.pair.ok = 1; break;
		}
		long n = proto_encode(&m, buf, sizeof(buf));
		if (n < 0) {
			fprintf(stderr, "cannot encode %s\n", proto_type_name(t));
			return 1;
		}
		for (int side = 0; side < 2; side++) {
			struct proto_msg d;
			if (proto_decode_exact(side ? PROTO_SIDE_CLIENT : PROTO_SIDE_SERVER, buf,
					       (size_t)n, &d) != PROTO_OK)
				continue;
			put(dirs[side], proto_type_name(t), buf, (size_t)n);
			memcpy(stream[side] + slen[side], buf, (size_t)n);
			slen[side] += (size_t)n;
		}
	}
	put(dirs[0], "stream", stream[0], slen[0]);
	put(dirs[1], "stream", stream[1], slen[1]);
	privsep_seeds(argv[1]);
	return lossless_seeds(argv[1]);
}
