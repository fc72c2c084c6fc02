// SPDX-License-Identifier: MIT
/* Wire protocol codec. Every length and count is checked against a fixed
 * bound before it is used; see docs/protocol.md for the layouts. */
#include "kmscast/proto.h"

#include <errno.h>
#include <string.h>

/* Bounds from linux/input-event-codes.h, written out so the parser
 * stays independent of the build host's kernel headers. */
#define EV_TYPE_MAX 0x1f
#define EV_CODE_MAX 0x2ff
#define EV_ABS_TYPE 0x03
#define ABS_POS_MAX 65535
#define CURSOR_POS_LIMIT 65536

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static uint64_t get64(const uint8_t *p) { return (uint64_t)get32(p) << 32 | get32(p + 4); }
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}
static void put64(uint8_t *p, uint64_t v)
{
	put32(p, (uint32_t)(v >> 32));
	put32(p + 4, (uint32_t)v);
}

/* Laid out by hand, as a table. */
/* clang-format off */
static const char *const type_names[PROTO_TYPE_COUNT] = {
	[PROTO_HELLO] = "HELLO", [PROTO_STREAM_CONFIG] = "STREAM_CONFIG",
	[PROTO_VIDEO_FRAME] = "VIDEO_FRAME", [PROTO_CURSOR] = "CURSOR",
	[PROTO_INPUT] = "INPUT", [PROTO_KEYFRAME_REQUEST] = "KEYFRAME_REQUEST",
	[PROTO_FRAME_ACK] = "FRAME_ACK", [PROTO_PING] = "PING", [PROTO_PONG] = "PONG",
	[PROTO_ERROR] = "ERROR", [PROTO_BYE] = "BYE",
	[PROTO_PAIR_REQUEST] = "PAIR_REQUEST", [PROTO_PAIR_RESULT] = "PAIR_RESULT",
	[PROTO_CLIPBOARD] = "CLIPBOARD", [PROTO_CLIPBOARD_POLICY] = "CLIPBOARD_POLICY",
	[PROTO_CLIPBOARD_NOTICE] = "CLIPBOARD_NOTICE",
};
/* clang-format on */

/* Bit per type: who may send it. */
#define BIT(t) (1u << (t))
static const uint32_t to_server =
	BIT(PROTO_HELLO) | BIT(PROTO_INPUT) | BIT(PROTO_KEYFRAME_REQUEST) | BIT(PROTO_FRAME_ACK) |
	BIT(PROTO_PING) | BIT(PROTO_PONG) | BIT(PROTO_ERROR) | BIT(PROTO_BYE) |
	BIT(PROTO_PAIR_REQUEST) | BIT(PROTO_CLIPBOARD) | BIT(PROTO_CLIPBOARD_NOTICE);
static const uint32_t to_client = BIT(PROTO_HELLO) | BIT(PROTO_STREAM_CONFIG) |
				  BIT(PROTO_VIDEO_FRAME) | BIT(PROTO_CURSOR) | BIT(PROTO_PING) |
				  BIT(PROTO_PONG) | BIT(PROTO_ERROR) | BIT(PROTO_BYE) |
				  BIT(PROTO_PAIR_RESULT) | BIT(PROTO_CLIPBOARD) |
				  BIT(PROTO_CLIPBOARD_POLICY) | BIT(PROTO_CLIPBOARD_NOTICE);

static const char *const codec_names[PROTO_CODEC_COUNT] = {
	[PROTO_CODEC_LOSSLESS] = "lossless", [PROTO_CODEC_H264] = "h264",
	[PROTO_CODEC_HEVC] = "hevc",         [PROTO_CODEC_AV1] = "av1",
	[PROTO_CODEC_TEST] = "test",
};

static const char *const error_names[PROTO_ERR_CODE_MAX + 1] = {
	[PROTO_ERR_PROTOCOL] = "protocol error",   [PROTO_ERR_VERSION] = "version mismatch",
	[PROTO_ERR_UNAUTHORIZED] = "unauthorized", [PROTO_ERR_REFUSED] = "refused",
	[PROTO_ERR_TIMEOUT] = "timeout",           [PROTO_ERR_INTERNAL] = "internal error",
	[PROTO_ERR_PAIRING] = "pairing failed",    [PROTO_ERR_REVOKED] = "revoked",
	[PROTO_ERR_HOST_KEY] = "host key refused", [PROTO_ERR_SHUTDOWN] = "shutdown",
};

const char *proto_status_str(int status)
{
	switch (status) {
	case PROTO_OK: return "ok";
	case PROTO_E_TRUNCATED: return "truncated message";
	case PROTO_E_TOO_BIG: return "message larger than the maximum";
	case PROTO_E_UNKNOWN_TYPE: return "unknown message type";
	case PROTO_E_DIRECTION: return "message type not allowed in this direction";
	case PROTO_E_LENGTH: return "wrong body length for the message type";
	case PROTO_E_RANGE: return "field out of range";
	case PROTO_E_RESERVED: return "reserved field not zero";
	case PROTO_E_MAGIC: return "bad HELLO magic";
	case PROTO_E_STRING: return "text is not printable UTF-8";
	}
	return "unknown status";
}

const char *proto_type_name(unsigned type)
{
	return type < PROTO_TYPE_COUNT && type_names[type] ? type_names[type] : "?";
}

const char *proto_codec_name(unsigned codec)
{
	return codec < PROTO_CODEC_COUNT ? codec_names[codec] : "?";
}

int proto_codec_by_name(const char *name)
{
	for (int i = 0; i < PROTO_CODEC_COUNT; i++)
		if (strcmp(codec_names[i], name) == 0)
			return i;
	return -1;
}

const char *proto_error_code_name(unsigned code)
{
	return code >= 1 && code <= PROTO_ERR_CODE_MAX ? error_names[code] : "unknown error";
}

size_t proto_max_body(enum proto_side side)
{
	return side == PROTO_SIDE_SERVER ? PROTO_MAX_TO_SERVER : PROTO_MAX_TO_CLIENT;
}

bool proto_utf8_ok(const uint8_t *s, size_t n, bool controls)
{
	size_t i = 0;
	while (i < n) {
		uint8_t c = s[i];
		if (c < 0x80) {
			if (controls ? c == 0 : c < 0x20 || c == 0x7f)
				return false;
			i++;
			continue;
		}
		size_t k;
		uint32_t cp, min;
		if ((c & 0xe0) == 0xc0) {
			k = 1;
			cp = c & 0x1f;
			min = 0x80;
		} else if ((c & 0xf0) == 0xe0) {
			k = 2;
			cp = c & 0x0f;
			min = 0x800;
		} else if ((c & 0xf8) == 0xf0) {
			k = 3;
			cp = c & 0x07;
			min = 0x10000;
		} else
			return false;
		if (n - i <= k)
			return false;
		for (size_t j = 1; j <= k; j++) {
			if ((s[i + j] & 0xc0) != 0x80)
				return false;
			cp = cp << 6 | (s[i + j] & 0x3f);
		}
		if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff) ||
		    (!controls && cp >= 0x80 && cp < 0xa0))
			return false;
		i += k + 1;
	}
	return true;
}

/* Printable UTF-8: no control characters, no overlongs or surrogates. */
static bool text_ok(const uint8_t *s, size_t n) { return proto_utf8_ok(s, n, false); }

static bool zero(const uint8_t *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (p[i])
			return false;
	return true;
}

#define HELLO_FIXED 21
#define CONFIG_SIZE 12
#define FRAME_FIXED 16
#define CURSOR_FIXED 18
#define INPUT_FIXED 4
#define INPUT_EVENT_SIZE 8
#define ERROR_FIXED 4
#define CLIP_FIXED 8
#define POLICY_SIZE 8
#define NOTICE_FIXED 8

static int decode_hello(const uint8_t *b, size_t n, struct proto_hello *h)
{
	if (n < 8)
		return PROTO_E_LENGTH;
	memset(h, 0, sizeof(*h));
	h->magic = get32(b);
	if (h->magic != PROTO_MAGIC)
		return PROTO_E_MAGIC;
	h->version = get16(b + 4);
	/* Another version's layout may differ: report just the version so
	 * the receiver can say which versions met. */
	if (h->version != PROTO_VERSION)
		return PROTO_OK;
	if (n < HELLO_FIXED)
		return PROTO_E_LENGTH;
	h->flags = get16(b + 6);
	h->codecs = get32(b + 8);
	h->input_kinds = get32(b + 12);
	h->max_width = get16(b + 16);
	h->max_height = get16(b + 18);
	h->name_len = b[20];
	if (h->flags & ~PROTO_HELLO_FLAGS_ALL)
		return PROTO_E_RESERVED;
	if (h->codecs >> PROTO_CODEC_COUNT || h->input_kinds & ~(uint32_t)PROTO_INPUT_ALL)
		return PROTO_E_RESERVED;
	if (h->max_width > PROTO_MAX_DIMENSION || h->max_height > PROTO_MAX_DIMENSION ||
	    h->name_len > PROTO_MAX_NAME)
		return PROTO_E_RANGE;
	if (n != HELLO_FIXED + (size_t)h->name_len)
		return PROTO_E_LENGTH;
	if (!text_ok(b + HELLO_FIXED, h->name_len))
		return PROTO_E_STRING;
	memcpy(h->name, b + HELLO_FIXED, h->name_len);
	h->name[h->name_len] = '\0';
	return PROTO_OK;
}

static int decode_config(const uint8_t *b, size_t n, struct proto_stream_config *c)
{
	if (n != CONFIG_SIZE)
		return PROTO_E_LENGTH;
	c->width = get16(b);
	c->height = get16(b + 2);
	c->codec = b[4];
	c->flags = b[5];
	c->fps_milli = get32(b + 8);
	if (c->flags & ~PROTO_CONFIG_FLAGS_ALL || !zero(b + 6, 2))
		return PROTO_E_RESERVED;
	if (!c->width || !c->height || c->width > PROTO_MAX_DIMENSION ||
	    c->height > PROTO_MAX_DIMENSION || c->codec >= PROTO_CODEC_COUNT || !c->fps_milli ||
	    c->fps_milli > PROTO_MAX_FPS_MILLI)
		return PROTO_E_RANGE;
	return PROTO_OK;
}

static int decode_frame(const uint8_t *b, size_t n, struct proto_video_frame *f)
{
	if (n <= FRAME_FIXED)
		return PROTO_E_LENGTH;
	f->seq = get32(b);
	f->capture_us = get64(b + 4);
	f->flags = b[12];
	if (f->flags & ~PROTO_FRAME_FLAGS_ALL || !zero(b + 13, 3))
		return PROTO_E_RESERVED;
	f->payload = b + FRAME_FIXED;
	f->payload_len = (uint32_t)(n - FRAME_FIXED);
	return PROTO_OK;
}

static int decode_cursor(const uint8_t *b, size_t n, struct proto_cursor *c)
{
	if (n < CURSOR_FIXED)
		return PROTO_E_LENGTH;
	c->x = (int32_t)get32(b);
	c->y = (int32_t)get32(b + 4);
	c->flags = b[8];
	c->hot_x = get16(b + 10);
	c->hot_y = get16(b + 12);
	c->width = get16(b + 14);
	c->height = get16(b + 16);
	c->argb = NULL;
	if (c->flags & ~PROTO_CURSOR_FLAGS_ALL || b[9])
		return PROTO_E_RESERVED;
	if (c->x < -CURSOR_POS_LIMIT || c->x > CURSOR_POS_LIMIT || c->y < -CURSOR_POS_LIMIT ||
	    c->y > CURSOR_POS_LIMIT)
		return PROTO_E_RANGE;
	if (!(c->flags & PROTO_CURSOR_IMAGE)) {
		if (c->hot_x || c->hot_y || c->width || c->height)
			return PROTO_E_RESERVED;
		return n == CURSOR_FIXED ? PROTO_OK : PROTO_E_LENGTH;
	}
	if (!c->width || !c->height || c->width > PROTO_MAX_CURSOR_SIDE ||
	    c->height > PROTO_MAX_CURSOR_SIDE || c->hot_x >= c->width || c->hot_y >= c->height)
		return PROTO_E_RANGE;
	if (n != CURSOR_FIXED + (size_t)c->width * c->height * 4)
		return PROTO_E_LENGTH;
	c->argb = b + CURSOR_FIXED;
	return PROTO_OK;
}

void proto_input_get(const struct proto_input *in, unsigned i, struct proto_input_event *ev)
{
	const uint8_t *p = in->raw + (size_t)i * INPUT_EVENT_SIZE;
	ev->type = get16(p);
	ev->code = get16(p + 2);
	ev->value = (int32_t)get32(p + 4);
}

void proto_input_pack(const struct proto_input_event *evs, unsigned count, uint8_t *raw)
{
	for (unsigned i = 0; i < count; i++) {
		uint8_t *p = raw + (size_t)i * INPUT_EVENT_SIZE;
		put16(p, evs[i].type);
		put16(p + 2, evs[i].code);
		put32(p + 4, (uint32_t)evs[i].value);
	}
}

static bool input_event_ok(const struct proto_input_event *ev)
{
	if (ev->type > EV_TYPE_MAX || ev->code > EV_CODE_MAX)
		return false;
	/* Absolute pointer positions are stream pixels. */
	if (ev->type == EV_ABS_TYPE && (ev->value < 0 || ev->value > ABS_POS_MAX))
		return false;
	return true;
}

static int decode_input(const uint8_t *b, size_t n, struct proto_input *in)
{
	if (n < INPUT_FIXED)
		return PROTO_E_LENGTH;
	in->count = get16(b);
	in->raw = b + INPUT_FIXED;
	if (!zero(b + 2, 2))
		return PROTO_E_RESERVED;
	if (!in->count || in->count > PROTO_MAX_INPUT_EVENTS)
		return PROTO_E_RANGE;
	if (n != INPUT_FIXED + (size_t)in->count * INPUT_EVENT_SIZE)
		return PROTO_E_LENGTH;
	for (unsigned i = 0; i < in->count; i++) {
		struct proto_input_event ev;
		proto_input_get(in, i, &ev);
		if (!input_event_ok(&ev))
			return PROTO_E_RANGE;
		/* A batch is whole evdev frames: it ends with SYN_REPORT. */
		if (i + 1 == in->count && (ev.type || ev.code || ev.value))
			return PROTO_E_RANGE;
	}
	return PROTO_OK;
}

static int decode_error(const uint8_t *b, size_t n, struct proto_error *e)
{
	if (n < ERROR_FIXED)
		return PROTO_E_LENGTH;
	e->code = get16(b);
	e->reason_len = get16(b + 2);
	e->reason = (const char *)(b + ERROR_FIXED);
	if (!e->code || e->code > PROTO_ERR_CODE_MAX || !e->reason_len ||
	    e->reason_len > PROTO_MAX_REASON)
		return PROTO_E_RANGE;
	if (n != ERROR_FIXED + (size_t)e->reason_len)
		return PROTO_E_LENGTH;
	if (!text_ok(b + ERROR_FIXED, e->reason_len))
		return PROTO_E_STRING;
	return PROTO_OK;
}

static int decode_clipboard(const uint8_t *b, size_t n, struct proto_clipboard *c)
{
	if (n < CLIP_FIXED)
		return PROTO_E_LENGTH;
	c->total = get32(b);
	c->offset = get32(b + 4);
	c->len = (uint32_t)(n - CLIP_FIXED);
	c->data = b + CLIP_FIXED;
	/* Every chunk but an empty text's carries bytes, none past the end. */
	if (c->total > PROTO_MAX_CLIPBOARD || c->len > PROTO_CLIP_CHUNK || c->offset > c->total ||
	    c->len > c->total - c->offset || (!c->len && c->total))
		return PROTO_E_RANGE;
	return PROTO_OK;
}

static int decode_clip_policy(const uint8_t *b, size_t n, struct proto_clip_policy *p)
{
	if (n != POLICY_SIZE)
		return PROTO_E_LENGTH;
	p->dirs = b[0];
	p->max_bytes = get32(b + 4);
	if (p->dirs & ~PROTO_CLIP_DIRS_ALL || !zero(b + 1, 3))
		return PROTO_E_RESERVED;
	if (p->max_bytes > PROTO_MAX_CLIPBOARD)
		return PROTO_E_RANGE;
	return PROTO_OK;
}

static int decode_clip_notice(const uint8_t *b, size_t n, struct proto_clip_notice *c)
{
	if (n < NOTICE_FIXED)
		return PROTO_E_LENGTH;
	c->code = b[0];
	c->reason_len = get16(b + 2);
	c->size = get32(b + 4);
	c->reason = (const char *)(b + NOTICE_FIXED);
	if (b[1])
		return PROTO_E_RESERVED;
	if (!c->code || c->code > PROTO_CLIP_NOTICE_MAX || !c->reason_len ||
	    c->reason_len > PROTO_MAX_REASON)
		return PROTO_E_RANGE;
	if (n != NOTICE_FIXED + (size_t)c->reason_len)
		return PROTO_E_LENGTH;
	if (!text_ok(b + NOTICE_FIXED, c->reason_len))
		return PROTO_E_STRING;
	return PROTO_OK;
}

static int decode_body(unsigned type, const uint8_t *b, size_t n, struct proto_msg *m)
{
	switch (type) {
	case PROTO_HELLO: return decode_hello(b, n, &m->u.hello);
	case PROTO_STREAM_CONFIG: return decode_config(b, n, &m->u.config);
	case PROTO_VIDEO_FRAME: return decode_frame(b, n, &m->u.frame);
	case PROTO_CURSOR: return decode_cursor(b, n, &m->u.cursor);
	case PROTO_INPUT: return decode_input(b, n, &m->u.input);
	case PROTO_KEYFRAME_REQUEST:
	case PROTO_BYE: return n == 0 ? PROTO_OK : PROTO_E_LENGTH;
	case PROTO_FRAME_ACK:
		if (n != 4)
			return PROTO_E_LENGTH;
		m->u.ack_seq = get32(b);
		return PROTO_OK;
	case PROTO_PING:
	case PROTO_PONG:
		if (n != 8)
			return PROTO_E_LENGTH;
		m->u.ping = get64(b);
		return PROTO_OK;
	case PROTO_ERROR: return decode_error(b, n, &m->u.error);
	case PROTO_PAIR_REQUEST:
		if (n != PROTO_PAIR_PROOF_SIZE)
			return PROTO_E_LENGTH;
		memcpy(m->u.pair_proof, b, n);
		return PROTO_OK;
	case PROTO_PAIR_RESULT:
		if (n != 1 + PROTO_PAIR_PROOF_SIZE)
			return PROTO_E_LENGTH;
		if (b[0] > 1)
			return PROTO_E_RANGE;
		m->u.pair.ok = b[0];
		memcpy(m->u.pair.proof, b + 1, PROTO_PAIR_PROOF_SIZE);
		return PROTO_OK;
	case PROTO_CLIPBOARD: return decode_clipboard(b, n, &m->u.clip);
	case PROTO_CLIPBOARD_POLICY: return decode_clip_policy(b, n, &m->u.clip_policy);
	case PROTO_CLIPBOARD_NOTICE: return decode_clip_notice(b, n, &m->u.clip_notice);
	}
	return PROTO_E_UNKNOWN_TYPE;
}

int proto_decode(enum proto_side side, const uint8_t *buf, size_t len, struct proto_msg *msg,
		 size_t *used)
{
	*used = 0;
	if (len < PROTO_HEADER_SIZE)
		return PROTO_OK;
	uint32_t body = get32(buf);
	unsigned type = get16(buf + 4);
	/* Judge the header before waiting for its body, so a peer cannot
	 * make us buffer what we will reject anyway. */
	if (type == 0 || type >= PROTO_TYPE_COUNT)
		return PROTO_E_UNKNOWN_TYPE;
	if (!((side == PROTO_SIDE_SERVER ? to_server : to_client) & BIT(type)))
		return PROTO_E_DIRECTION;
	if (get16(buf + 6))
		return PROTO_E_RESERVED;
	if (body > proto_max_body(side))
		return PROTO_E_TOO_BIG;
	if (len - PROTO_HEADER_SIZE < body)
		return PROTO_OK;
	memset(msg, 0, sizeof(*msg));
	msg->type = (enum proto_type)type;
	int r = decode_body(type, buf + PROTO_HEADER_SIZE, body, msg);
	if (r == PROTO_OK)
		*used = PROTO_HEADER_SIZE + (size_t)body;
	return r;
}

int proto_decode_exact(enum proto_side side, const uint8_t *buf, size_t len, struct proto_msg *msg)
{
	size_t used;
	int r = proto_decode(side, buf, len, msg, &used);
	if (r != PROTO_OK)
		return r;
	if (used == 0)
		return PROTO_E_TRUNCATED;
	return used == len ? PROTO_OK : PROTO_E_LENGTH;
}

void proto_put_header(uint8_t out[PROTO_HEADER_SIZE], enum proto_type type, uint32_t body_len)
{
	put32(out, body_len);
	put16(out + 4, (uint16_t)type);
	put16(out + 6, 0);
}

static size_t body_size(const struct proto_msg *m)
{
	switch (m->type) {
	case PROTO_HELLO: return HELLO_FIXED + m->u.hello.name_len;
	case PROTO_STREAM_CONFIG: return CONFIG_SIZE;
	case PROTO_VIDEO_FRAME: return FRAME_FIXED + (size_t)m->u.frame.payload_len;
	case PROTO_CURSOR:
		return CURSOR_FIXED + (m->u.cursor.flags & PROTO_CURSOR_IMAGE
					       ? (size_t)m->u.cursor.width * m->u.cursor.height * 4
					       : 0);
	case PROTO_INPUT: return INPUT_FIXED + (size_t)m->u.input.count * INPUT_EVENT_SIZE;
	case PROTO_KEYFRAME_REQUEST:
	case PROTO_BYE: return 0;
	case PROTO_FRAME_ACK: return 4;
	case PROTO_PING:
	case PROTO_PONG: return 8;
	case PROTO_ERROR: return ERROR_FIXED + m->u.error.reason_len;
	case PROTO_PAIR_REQUEST: return PROTO_PAIR_PROOF_SIZE;
	case PROTO_PAIR_RESULT: return 1 + PROTO_PAIR_PROOF_SIZE;
	case PROTO_CLIPBOARD: return CLIP_FIXED + (size_t)m->u.clip.len;
	case PROTO_CLIPBOARD_POLICY: return POLICY_SIZE;
	case PROTO_CLIPBOARD_NOTICE: return NOTICE_FIXED + m->u.clip_notice.reason_len;
	default: return 0;
	}
}

size_t proto_encoded_size(const struct proto_msg *msg)
{
	if (msg->type == 0 || msg->type >= PROTO_TYPE_COUNT)
		return 0;
	return PROTO_HEADER_SIZE + body_size(msg);
}

static void encode_body(const struct proto_msg *m, uint8_t *b)
{
	switch (m->type) {
	case PROTO_HELLO: {
		const struct proto_hello *h = &m->u.hello;
		put32(b, PROTO_MAGIC);
		put16(b + 4, h->version);
		put16(b + 6, h->flags);
		put32(b + 8, h->codecs);
		put32(b + 12, h->input_kinds);
		put16(b + 16, h->max_width);
		put16(b + 18, h->max_height);
		b[20] = h->name_len;
		memcpy(b + HELLO_FIXED, h->name, h->name_len);
		break;
	}
	case PROTO_STREAM_CONFIG: {
		const struct proto_stream_config *c = &m->u.config;
		put16(b, c->width);
		put16(b + 2, c->height);
		b[4] = c->codec;
		b[5] = c->flags;
		put16(b + 6, 0);
		put32(b + 8, c->fps_milli);
		break;
	}
	case PROTO_VIDEO_FRAME: {
		const struct proto_video_frame *f = &m->u.frame;
		put32(b, f->seq);
		put64(b + 4, f->capture_us);
		b[12] = f->flags;
		memset(b + 13, 0, 3);
		memcpy(b + FRAME_FIXED, f->payload, f->payload_len);
		break;
	}
	case PROTO_CURSOR: {
		const struct proto_cursor *c = &m->u.cursor;
		put32(b, (uint32_t)c->x);
		put32(b + 4, (uint32_t)c->y);
		b[8] = c->flags;
		b[9] = 0;
		put16(b + 10, c->hot_x);
		put16(b + 12, c->hot_y);
		put16(b + 14, c->width);
		put16(b + 16, c->height);
		if (c->flags & PROTO_CURSOR_IMAGE)
			memcpy(b + CURSOR_FIXED, c->argb, (size_t)c->width * c->height * 4);
		break;
	}
	case PROTO_INPUT:
		put16(b, m->u.input.count);
		put16(b + 2, 0);
		memcpy(b + INPUT_FIXED, m->u.input.raw,
		       (size_t)m->u.input.count * INPUT_EVENT_SIZE);
		break;
	case PROTO_FRAME_ACK: put32(b, m->u.ack_seq); break;
	case PROTO_PING:
	case PROTO_PONG: put64(b, m->u.ping); break;
	case PROTO_ERROR:
		put16(b, m->u.error.code);
		put16(b + 2, m->u.error.reason_len);
		memcpy(b + ERROR_FIXED, m->u.error.reason, m->u.error.reason_len);
		break;
	case PROTO_PAIR_REQUEST: memcpy(b, m->u.pair_proof, PROTO_PAIR_PROOF_SIZE); break;
	case PROTO_PAIR_RESULT:
		b[0] = m->u.pair.ok;
		memcpy(b + 1, m->u.pair.proof, PROTO_PAIR_PROOF_SIZE);
		break;
	case PROTO_CLIPBOARD:
		put32(b, m->u.clip.total);
		put32(b + 4, m->u.clip.offset);
		if (m->u.clip.len)
			memcpy(b + CLIP_FIXED, m->u.clip.data, m->u.clip.len);
		break;
	case PROTO_CLIPBOARD_POLICY:
		b[0] = m->u.clip_policy.dirs;
		memset(b + 1, 0, 3);
		put32(b + 4, m->u.clip_policy.max_bytes);
		break;
	case PROTO_CLIPBOARD_NOTICE:
		b[0] = m->u.clip_notice.code;
		b[1] = 0;
		put16(b + 2, m->u.clip_notice.reason_len);
		put32(b + 4, m->u.clip_notice.size);
		memcpy(b + NOTICE_FIXED, m->u.clip_notice.reason, m->u.clip_notice.reason_len);
		break;
	default: break;
	}
}

long proto_encode(const struct proto_msg *msg, uint8_t *out, size_t cap)
{
	size_t n = proto_encoded_size(msg);
	if (!n || n - PROTO_HEADER_SIZE > PROTO_MAX_TO_CLIENT)
		return -EINVAL;
	if (n > cap)
		return -ENOSPC;
	proto_put_header(out, msg->type, (uint32_t)(n - PROTO_HEADER_SIZE));
	encode_body(msg, out + PROTO_HEADER_SIZE);
	/* Validate by decoding what we wrote, with the receiver's rules. */
	enum proto_side side = (to_server & BIT(msg->type)) && !(to_client & BIT(msg->type))
				       ? PROTO_SIDE_SERVER
				       : PROTO_SIDE_CLIENT;
	struct proto_msg check;
	if (proto_decode_exact(side, out, n, &check) != PROTO_OK)
		return -EINVAL;
	return (long)n;
}

/* Long reasons are cut on a character boundary. */
static uint16_t reason_len(const char *reason)
{
	size_t n = strlen(reason);
	if (n > PROTO_MAX_REASON) {
		n = PROTO_MAX_REASON;
		while (n && ((uint8_t)reason[n] & 0xc0) == 0x80)
			n--;
	}
	return (uint16_t)n;
}

void proto_make_clip_notice(struct proto_msg *msg, unsigned code, uint32_t size, const char *reason)
{
	memset(msg, 0, sizeof(*msg));
	msg->type = PROTO_CLIPBOARD_NOTICE;
	msg->u.clip_notice.code = (uint8_t)code;
	msg->u.clip_notice.size = size;
	msg->u.clip_notice.reason_len = reason_len(reason);
	msg->u.clip_notice.reason = reason;
}

void proto_make_error(struct proto_msg *msg, unsigned code, const char *reason)
{
	uint16_t n = reason_len(reason);
	memset(msg, 0, sizeof(*msg));
	msg->type = PROTO_ERROR;
	msg->u.error.code = (uint16_t)code;
	msg->u.error.reason_len = n;
	msg->u.error.reason = reason;
}
