// SPDX-License-Identifier: MIT
#include <stdlib.h>

#include "kmscast/proto.h"
#include "tst.h"

static uint8_t buf[4096];
static const uint8_t payload[5] = {1, 2, 3, 4, 5};

/* One valid message of each type, filled by index. */
static void make(unsigned type, struct proto_msg *m, uint8_t *scratch)
{
	memset(m, 0, sizeof(*m));
	m->type = (enum proto_type)type;
	switch (type) {
	case PROTO_HELLO:
		m->u.hello.version = PROTO_VERSION;
		m->u.hello.flags = PROTO_HELLO_VIEW_ONLY;
		m->u.hello.codecs = 1u << PROTO_CODEC_H264 | 1u << PROTO_CODEC_LOSSLESS;
		m->u.hello.input_kinds = PROTO_INPUT_KEYBOARD | PROTO_INPUT_POINTER_ABS;
		m->u.hello.max_width = 3840;
		m->u.hello.max_height = 2160;
		strcpy(m->u.hello.name, "thin-client \xc3\xa9");
		m->u.hello.name_len = (uint8_t)strlen(m->u.hello.name);
		break;
	case PROTO_STREAM_CONFIG:
		m->u.config = (struct proto_stream_config){1920, 1080, PROTO_CODEC_H264,
							   PROTO_CONFIG_VIEW_ONLY, 59940};
		break;
	case PROTO_VIDEO_FRAME:
		m->u.frame = (struct proto_video_frame){0xfffffffe, 0x0123456789abcdefull,
							PROTO_FRAME_KEYFRAME, payload, 5};
		break;
	case PROTO_CURSOR:
		for (int i = 0; i < 2 * 3 * 4; i++)
			scratch[i] = (uint8_t)(i * 11);
		m->u.cursor = (struct proto_cursor){-5, 700, PROTO_CURSOR_VISIBLE | PROTO_CURSOR_IMAGE,
						    1, 2, 2, 3, scratch};
		break;
	case PROTO_INPUT: {
		struct proto_input_event ev[3] = {{1, 30, 1}, {3, 0, 1919}, {0, 0, 0}};
		proto_input_pack(ev, 3, scratch);
		m->u.input = (struct proto_input){3, scratch};
		break;
	}
	case PROTO_FRAME_ACK: m->u.ack_seq = 77; break;
	case PROTO_PING:
	case PROTO_PONG: m->u.ping = 0x1122334455667788ull; break;
	case PROTO_ERROR: proto_make_error(m, PROTO_ERR_REFUSED, "viewer limit (4) reached"); break;
	case PROTO_PAIR_REQUEST: memset(m->u.pair_proof, 0xab, PROTO_PAIR_PROOF_SIZE); break;
	case PROTO_PAIR_RESULT:
		m->u.pair.ok = 1;
		memset(m->u.pair.proof, 0xcd, PROTO_PAIR_PROOF_SIZE);
		break;
	case PROTO_CLIPBOARD:
		memcpy(scratch, "tab\tnewline\n\xc3\xa9", 14);
		m->u.clip = (struct proto_clipboard){98, 84, 14, scratch};
		break;
	case PROTO_CLIPBOARD_POLICY:
		m->u.clip_policy = (struct proto_clip_policy){PROTO_CLIP_TO_CLIENT, 1048576};
		break;
	case PROTO_CLIPBOARD_NOTICE:
		proto_make_clip_notice(m, PROTO_CLIP_TOO_BIG, 2097152, "over the limit");
		break;
	}
}

static enum proto_side receiver(unsigned type)
{
	return type == PROTO_INPUT || type == PROTO_KEYFRAME_REQUEST ||
	       type == PROTO_FRAME_ACK || type == PROTO_PAIR_REQUEST ?
	       PROTO_SIDE_SERVER : PROTO_SIDE_CLIENT;
}

static int same(const struct proto_msg *a, const struct proto_msg *b)
{
	CHECK_EQ_INT(a->type, b->type);
	switch (a->type) {
	case PROTO_HELLO:
		CHECK_EQ_INT(a->u.hello.version, b->u.hello.version);
		CHECK_EQ_INT(a->u.hello.flags, b->u.hello.flags);
		CHECK_EQ_INT(a->u.hello.codecs, b->u.hello.codecs);
		CHECK_EQ_INT(a->u.hello.input_kinds, b->u.hello.input_kinds);
		CHECK_EQ_INT(a->u.hello.max_width, b->u.hello.max_width);
		CHECK_EQ_INT(a->u.hello.max_height, b->u.hello.max_height);
		CHECK(strcmp(a->u.hello.name, b->u.hello.name) == 0);
		break;
	case PROTO_STREAM_CONFIG: CHECK_MEM(&a->u.config, &b->u.config, sizeof(a->u.config)); break;
	case PROTO_VIDEO_FRAME:
		CHECK_EQ_INT(a->u.frame.seq, b->u.frame.seq);
		CHECK(a->u.frame.capture_us == b->u.frame.capture_us);
		CHECK_EQ_INT(a->u.frame.flags, b->u.frame.flags);
		CHECK_EQ_INT(a->u.frame.payload_len, b->u.frame.payload_len);
		CHECK_MEM(a->u.frame.payload, b->u.frame.payload, a->u.frame.payload_len);
		break;
	case PROTO_CURSOR:
		CHECK_EQ_INT(a->u.cursor.x, b->u.cursor.x);
		CHECK_EQ_INT(a->u.cursor.y, b->u.cursor.y);
		CHECK_EQ_INT(a->u.cursor.hot_y, b->u.cursor.hot_y);
		CHECK_EQ_INT(a->u.cursor.width, b->u.cursor.width);
		CHECK_MEM(a->u.cursor.argb, b->u.cursor.argb, 24);
		break;
	case PROTO_INPUT:
		CHECK_EQ_INT(a->u.input.count, b->u.input.count);
		for (unsigned i = 0; i < a->u.input.count; i++) {
			struct proto_input_event x, y;
			proto_input_get(&a->u.input, i, &x);
			proto_input_get(&b->u.input, i, &y);
			CHECK(x.type == y.type && x.code == y.code && x.value == y.value);
		}
		break;
	case PROTO_FRAME_ACK: CHECK_EQ_INT(a->u.ack_seq, b->u.ack_seq); break;
	case PROTO_PING:
	case PROTO_PONG: CHECK(a->u.ping == b->u.ping); break;
	case PROTO_ERROR:
		CHECK_EQ_INT(a->u.error.code, b->u.error.code);
		CHECK_EQ_INT(a->u.error.reason_len, b->u.error.reason_len);
		CHECK_MEM(a->u.error.reason, b->u.error.reason, a->u.error.reason_len);
		break;
	case PROTO_PAIR_REQUEST: CHECK_MEM(a->u.pair_proof, b->u.pair_proof, 32); break;
	case PROTO_PAIR_RESULT: CHECK_MEM(&a->u.pair, &b->u.pair, sizeof(a->u.pair)); break;
	case PROTO_CLIPBOARD:
		CHECK_EQ_INT(a->u.clip.total, b->u.clip.total);
		CHECK_EQ_INT(a->u.clip.offset, b->u.clip.offset);
		CHECK_EQ_INT(a->u.clip.len, b->u.clip.len);
		CHECK_MEM(a->u.clip.data, b->u.clip.data, a->u.clip.len);
		break;
	case PROTO_CLIPBOARD_POLICY:
		CHECK_EQ_INT(a->u.clip_policy.dirs, b->u.clip_policy.dirs);
		CHECK_EQ_INT(a->u.clip_policy.max_bytes, b->u.clip_policy.max_bytes);
		break;
	case PROTO_CLIPBOARD_NOTICE:
		CHECK_EQ_INT(a->u.clip_notice.code, b->u.clip_notice.code);
		CHECK_EQ_INT(a->u.clip_notice.size, b->u.clip_notice.size);
		CHECK_MEM(a->u.clip_notice.reason, b->u.clip_notice.reason,
			  a->u.clip_notice.reason_len);
		break;
	default: break;
	}
	return 0;
}

static int every_type_round_trips(void)
{
	uint8_t scratch[64];
	for (unsigned t = 1; t < PROTO_TYPE_COUNT; t++) {
		struct proto_msg m, d;
		make(t, &m, scratch);
		long n = proto_encode(&m, buf, sizeof(buf));
		CHECK(n >= PROTO_HEADER_SIZE);
		CHECK_EQ_INT(n, proto_encoded_size(&m));
		CHECK_EQ_INT(proto_decode_exact(receiver(t), buf, (size_t)n, &d), PROTO_OK);
		if (same(&m, &d)) {
			fprintf(stderr, "  type %s\n", proto_type_name(t));
			return 1;
		}
	}
	return 0;
}

/* Every proper prefix of every message asks for more bytes; a stream of
 * all messages back to back decodes in order. */
static int truncation_and_streams(void)
{
	uint8_t scratch[64];
	size_t total = 0;
	for (unsigned t = 1; t < PROTO_TYPE_COUNT; t++) {
		struct proto_msg m, d;
		make(t, &m, scratch);
		long n = proto_encode(&m, buf + total, sizeof(buf) - total);
		CHECK(n > 0);
		for (long k = 0; k < n; k++) {
			size_t used = 1;
			CHECK_EQ_INT(proto_decode(receiver(t), buf + total, (size_t)k, &d, &used), PROTO_OK);
			CHECK_EQ_INT(used, 0);
			CHECK_EQ_INT(proto_decode_exact(receiver(t), buf + total, (size_t)k, &d),
				     PROTO_E_TRUNCATED);
		}
		total += (size_t)n;
	}
	/* Messages both sides accept, concatenated. */
	size_t off = 0;
	unsigned seen = 0;
	while (off < total) {
		struct proto_msg d;
		size_t used;
		int r = proto_decode(PROTO_SIDE_CLIENT, buf + off, total - off, &d, &used);
		if (r == PROTO_E_DIRECTION) { /* a to-server message: skip it */
			struct proto_msg s;
			CHECK_EQ_INT(proto_decode(PROTO_SIDE_SERVER, buf + off, total - off, &s, &used), 0);
		} else {
			CHECK_EQ_INT(r, PROTO_OK);
		}
		CHECK(used > 0);
		off += used;
		seen++;
	}
	CHECK_EQ_INT(seen, PROTO_TYPE_COUNT - 1);
	return 0;
}

static int expect(enum proto_side side, const uint8_t *b, size_t n, int want)
{
	struct proto_msg d;
	int r = proto_decode_exact(side, b, n, &d);
	if (r != want) {
		fprintf(stderr, "  got %d (%s), want %d (%s)\n", r, proto_status_str(r), want,
			proto_status_str(want));
		return 1;
	}
	return 0;
}

/* Encode a valid message of type t, then let f corrupt it. */
static size_t corrupt(unsigned t, void (*f)(uint8_t *, size_t *))
{
	uint8_t scratch[64];
	struct proto_msg m;
	make(t, &m, scratch);
	size_t n = (size_t)proto_encode(&m, buf, sizeof(buf));
	f(buf, &n);
	return n;
}

static void set_len(uint8_t *b, size_t n)
{
	b[0] = (uint8_t)(n >> 24); b[1] = (uint8_t)(n >> 16); b[2] = (uint8_t)(n >> 8); b[3] = (uint8_t)n;
}
static void add_trailing(uint8_t *b, size_t *n) { b[*n] = 0; (*n)++; set_len(b, *n - 8); }
static void bad_magic(uint8_t *b, size_t *n) { (void)n; b[8] = 'X'; }
static void hello_v2(uint8_t *b, size_t *n) { b[13] = 2; *n = 16; set_len(b, 8); }
static void hello_flag(uint8_t *b, size_t *n) { (void)n; b[14] = 0x80; }
static void hello_name_ctl(uint8_t *b, size_t *n) { (void)n; b[8 + 21] = '\n'; }
static void hello_name_long(uint8_t *b, size_t *n) { (void)n; b[8 + 20] = 65; }
static void config_zero_w(uint8_t *b, size_t *n) { (void)n; b[8] = b[9] = 0; }
static void config_codec(uint8_t *b, size_t *n) { (void)n; b[12] = PROTO_CODEC_COUNT; }
static void config_fps(uint8_t *b, size_t *n) { (void)n; b[16] = 0xff; }
static void config_reserved(uint8_t *b, size_t *n) { (void)n; b[14] = 1; }
static void frame_empty(uint8_t *b, size_t *n) { *n = 8 + 16; set_len(b, 16); }
static void frame_flag(uint8_t *b, size_t *n) { (void)n; b[8 + 12] = 0x02; }
static void cursor_big(uint8_t *b, size_t *n) { (void)n; b[8 + 14] = 0x01; b[8 + 15] = 0x01; }
static void cursor_hot(uint8_t *b, size_t *n) { (void)n; b[8 + 11] = 2; }
static void cursor_short(uint8_t *b, size_t *n) { (*n)--; set_len(b, *n - 8); }
static void cursor_far(uint8_t *b, size_t *n) { (void)n; b[8 + 5] = 0x02; }
static void input_zero(uint8_t *b, size_t *n) { *n = 12; set_len(b, 4); b[8] = b[9] = 0; }
static void input_many(uint8_t *b, size_t *n) { (void)n; b[8] = 0x01; b[9] = 0x01; }
static void input_type(uint8_t *b, size_t *n) { (void)n; b[8 + 4 + 1] = 0x20; }
static void input_abs(uint8_t *b, size_t *n) { (void)n; b[8 + 4 + 8 + 4] = 0x80; }
static void input_code(uint8_t *b, size_t *n) { (void)n; b[8 + 4 + 2] = 0x03; }
/* The sample's last event is SYN_REPORT; a nonzero value makes it no frame end. */
static void input_nosyn(uint8_t *b, size_t *n) { (void)n; b[8 + 4 + 16 + 7] = 1; }
static void error_code(uint8_t *b, size_t *n) { (void)n; b[8] = 0; b[9] = 0; }
static void error_utf8(uint8_t *b, size_t *n) { (void)n; b[8 + 4] = 0xc0; b[8 + 5] = 0x80; }
static void error_len(uint8_t *b, size_t *n) { (void)n; b[8 + 3]++; }
static void pair_bad(uint8_t *b, size_t *n) { (void)n; b[8] = 2; }
static void header_reserved(uint8_t *b, size_t *n) { (void)n; b[7] = 1; }
static void type_zero(uint8_t *b, size_t *n) { (void)n; b[5] = 0; }
static void type_unknown(uint8_t *b, size_t *n) { (void)n; b[4] = 1; }
static void huge(uint8_t *b, size_t *n) { *n = 8; set_len(b, PROTO_MAX_TO_CLIENT + 1); }
static void big_for_server(uint8_t *b, size_t *n) { *n = 8; set_len(b, PROTO_MAX_TO_SERVER + 1); }
static void ping_short(uint8_t *b, size_t *n) { (*n)--; set_len(b, *n - 8); }

static int rejects_malformed(void)
{
	const enum proto_side S = PROTO_SIDE_SERVER, C = PROTO_SIDE_CLIENT;
	size_t n;
#define REJ(side, type, fn, want) \
	do { n = corrupt(type, fn); if (expect(side, buf, n, want)) { \
		fprintf(stderr, "  case %s\n", #fn); return 1; } } while (0)
	REJ(C, PROTO_HELLO, add_trailing, PROTO_E_LENGTH);
	REJ(C, PROTO_HELLO, bad_magic, PROTO_E_MAGIC);
	REJ(C, PROTO_HELLO, hello_flag, PROTO_E_RESERVED);
	REJ(S, PROTO_HELLO, hello_name_ctl, PROTO_E_STRING);
	REJ(S, PROTO_HELLO, hello_name_long, PROTO_E_RANGE);
	REJ(C, PROTO_STREAM_CONFIG, config_zero_w, PROTO_E_RANGE);
	REJ(C, PROTO_STREAM_CONFIG, config_codec, PROTO_E_RANGE);
	REJ(C, PROTO_STREAM_CONFIG, config_fps, PROTO_E_RANGE);
	REJ(C, PROTO_STREAM_CONFIG, config_reserved, PROTO_E_RESERVED);
	REJ(C, PROTO_STREAM_CONFIG, add_trailing, PROTO_E_LENGTH);
	REJ(C, PROTO_VIDEO_FRAME, frame_empty, PROTO_E_LENGTH);
	REJ(C, PROTO_VIDEO_FRAME, frame_flag, PROTO_E_RESERVED);
	REJ(C, PROTO_CURSOR, cursor_big, PROTO_E_RANGE);
	REJ(C, PROTO_CURSOR, cursor_hot, PROTO_E_RANGE);
	REJ(C, PROTO_CURSOR, cursor_short, PROTO_E_LENGTH);
	REJ(C, PROTO_CURSOR, cursor_far, PROTO_E_RANGE);
	REJ(S, PROTO_INPUT, input_zero, PROTO_E_RANGE);
	REJ(S, PROTO_INPUT, input_many, PROTO_E_RANGE);
	REJ(S, PROTO_INPUT, input_type, PROTO_E_RANGE);
	REJ(S, PROTO_INPUT, input_abs, PROTO_E_RANGE);
	REJ(S, PROTO_INPUT, input_code, PROTO_E_RANGE);
	REJ(S, PROTO_INPUT, input_nosyn, PROTO_E_RANGE);
	REJ(S, PROTO_INPUT, add_trailing, PROTO_E_LENGTH);
	REJ(S, PROTO_ERROR, error_code, PROTO_E_RANGE);
	REJ(S, PROTO_ERROR, error_utf8, PROTO_E_STRING);
	REJ(C, PROTO_ERROR, error_len, PROTO_E_LENGTH);
	REJ(C, PROTO_PAIR_RESULT, pair_bad, PROTO_E_RANGE);
	REJ(S, PROTO_PING, header_reserved, PROTO_E_RESERVED);
	REJ(S, PROTO_PING, type_zero, PROTO_E_UNKNOWN_TYPE);
	REJ(S, PROTO_PING, type_unknown, PROTO_E_UNKNOWN_TYPE);
	REJ(S, PROTO_PING, ping_short, PROTO_E_LENGTH);
	REJ(C, PROTO_PING, huge, PROTO_E_TOO_BIG);
	REJ(S, PROTO_PING, big_for_server, PROTO_E_TOO_BIG);
	/* Direction: a client may not send video, a server may not send input. */
	REJ(S, PROTO_VIDEO_FRAME, header_reserved, PROTO_E_DIRECTION);
	REJ(C, PROTO_INPUT, header_reserved, PROTO_E_DIRECTION);
	REJ(S, PROTO_PAIR_RESULT, header_reserved, PROTO_E_DIRECTION);
#undef REJ
	/* Another version's HELLO still decodes far enough to name it. */
	struct proto_msg d;
	n = corrupt(PROTO_HELLO, hello_v2);
	CHECK_EQ_INT(proto_decode_exact(S, buf, n, &d), PROTO_OK);
	CHECK_EQ_INT(d.u.hello.version, 2);
	/* A header announcing an oversized body is refused before its body. */
	size_t used = 9;
	n = corrupt(PROTO_PING, huge);
	CHECK_EQ_INT(proto_decode(C, buf, 8, &d, &used), PROTO_E_TOO_BIG);
	CHECK_EQ_INT(used, 0);
	return 0;
}

static int encoder_refuses_invalid(void)
{
	struct proto_msg m;
	uint8_t scratch[64];
	make(PROTO_STREAM_CONFIG, &m, scratch);
	m.u.config.width = 0;
	CHECK_EQ_INT(proto_encode(&m, buf, sizeof(buf)), -22);
	make(PROTO_PING, &m, scratch);
	CHECK_EQ_INT(proto_encode(&m, buf, 10), -28);
	m.type = (enum proto_type)99;
	CHECK_EQ_INT(proto_encode(&m, buf, sizeof(buf)), -22);
	return 0;
}

static int names(void)
{
	CHECK(strcmp(proto_type_name(PROTO_FRAME_ACK), "FRAME_ACK") == 0);
	CHECK(strcmp(proto_type_name(200), "?") == 0);
	CHECK_EQ_INT(proto_codec_by_name("h264"), PROTO_CODEC_H264);
	CHECK_EQ_INT(proto_codec_by_name("vp9"), -1);
	CHECK(strcmp(proto_status_str(PROTO_E_TOO_BIG), "message larger than the maximum") == 0);
	CHECK(strcmp(proto_error_code_name(PROTO_ERR_VERSION), "version mismatch") == 0);
	return 0;
}

TST_MAIN("proto", TST_CASE(every_type_round_trips), TST_CASE(truncation_and_streams),
	 TST_CASE(rejects_malformed), TST_CASE(encoder_refuses_invalid), TST_CASE(names))
