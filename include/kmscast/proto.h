// SPDX-License-Identifier: MIT
/* The kmscast wire protocol: typed, length-prefixed messages inside TLS.
 * Byte layouts are in docs/protocol.md. Encoding and decoding are pure
 * functions over byte buffers; nothing here does I/O. */
#ifndef KMSCAST_PROTO_H
#define KMSCAST_PROTO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PROTO_VERSION 1
#define PROTO_MAGIC 0x4b4d5343u /* "KMSC" */
#define PROTO_HEADER_SIZE 8
#define PROTO_DEFAULT_PORT 7300 /* the daemon's TCP port */

/* Largest message body each side accepts. The daemon only ever receives
 * small control messages; the client receives whole encoded frames. */
#define PROTO_MAX_TO_SERVER (64u * 1024)
#define PROTO_MAX_TO_CLIENT (48u * 1024 * 1024)

#define PROTO_MAX_NAME 64
#define PROTO_MAX_REASON 512
#define PROTO_MAX_INPUT_EVENTS 256
#define PROTO_MAX_CURSOR_SIDE 256
#define PROTO_MAX_DIMENSION 16384
#define PROTO_MAX_FPS_MILLI (1000u * 1000)
#define PROTO_PAIR_PROOF_SIZE 32
/* Clipboard text travels in chunks, so that the daemon's 64 KiB bound on
 * what a client sends holds; the whole text is bounded by the receiver's
 * limit (CLIPBOARD_POLICY), and never more than this. */
#define PROTO_CLIP_CHUNK (32u * 1024)
#define PROTO_MAX_CLIPBOARD (16u * 1024 * 1024)

enum proto_type {
	PROTO_HELLO = 1,
	PROTO_STREAM_CONFIG = 2,
	PROTO_VIDEO_FRAME = 3,
	PROTO_CURSOR = 4,
	PROTO_INPUT = 5,
	PROTO_KEYFRAME_REQUEST = 6,
	PROTO_FRAME_ACK = 7,
	PROTO_PING = 8,
	PROTO_PONG = 9,
	PROTO_ERROR = 10,
	PROTO_BYE = 11,
	PROTO_PAIR_REQUEST = 12,
	PROTO_PAIR_RESULT = 13,
	PROTO_CLIPBOARD = 14,
	PROTO_CLIPBOARD_POLICY = 15,
	PROTO_CLIPBOARD_NOTICE = 16,
	PROTO_TYPE_COUNT
};

/* Which side a parser runs on: it only accepts what the peer may send. */
enum proto_side { PROTO_SIDE_SERVER, PROTO_SIDE_CLIENT };

/* Codec ids (also the bits of hello.codecs). */
enum proto_codec {
	PROTO_CODEC_LOSSLESS = 0,
	PROTO_CODEC_H264 = 1,
	PROTO_CODEC_HEVC = 2,
	PROTO_CODEC_AV1 = 3,
	PROTO_CODEC_TEST = 4, /* synthetic frames for transport tests */
	PROTO_CODEC_COUNT
};

enum proto_input_kind {
	PROTO_INPUT_KEYBOARD = 1u << 0,
	PROTO_INPUT_POINTER_REL = 1u << 1,
	PROTO_INPUT_POINTER_ABS = 1u << 2,
	PROTO_INPUT_WHEEL = 1u << 3,
	PROTO_INPUT_ALL = 0xf
};

#define PROTO_HELLO_VIEW_ONLY (1u << 0)   /* client asks for no input */
#define PROTO_HELLO_PAIRING (1u << 1)     /* client comes to pair */
#define PROTO_HELLO_NO_444 (1u << 2)      /* client decodes no 4:4:4: send 4:2:0 */
#define PROTO_HELLO_NO_CLIP_IN (1u << 3)  /* client takes no clipboard from the host */
#define PROTO_HELLO_NO_CLIP_OUT (1u << 4) /* client sends no clipboard to the host */
#define PROTO_HELLO_FLAGS_ALL 0x1fu

/* CLIPBOARD_POLICY directions. */
#define PROTO_CLIP_TO_CLIENT (1u << 0)
#define PROTO_CLIP_TO_HOST (1u << 1)
#define PROTO_CLIP_DIRS_ALL 0x3u

enum proto_clip_code {
	PROTO_CLIP_TOO_BIG = 1,  /* over the receiver's limit */
	PROTO_CLIP_RATE = 2,     /* more often than the rate limit */
	PROTO_CLIP_OFF = 3,      /* that direction is off for this viewer */
	PROTO_CLIP_INVALID = 4,  /* not UTF-8 text */
	PROTO_CLIP_NO_AGENT = 5, /* no session agent holds the host's clipboard */
	PROTO_CLIP_HOST = 6,     /* the host's desktop could not take or give it */
	PROTO_CLIP_NOTICE_MAX = 6
};

#define PROTO_CONFIG_VIEW_ONLY (1u << 0)
#define PROTO_CONFIG_FLAGS_ALL 0x1u

#define PROTO_FRAME_KEYFRAME (1u << 0)
#define PROTO_FRAME_FLAGS_ALL 0x1u

#define PROTO_CURSOR_VISIBLE (1u << 0)
#define PROTO_CURSOR_IMAGE (1u << 1)
#define PROTO_CURSOR_FLAGS_ALL 0x3u

enum proto_error_code {
	PROTO_ERR_PROTOCOL = 1,     /* malformed message */
	PROTO_ERR_VERSION = 2,      /* protocol version mismatch */
	PROTO_ERR_UNAUTHORIZED = 3, /* peer not trusted */
	PROTO_ERR_REFUSED = 4,      /* e.g. viewer limit */
	PROTO_ERR_TIMEOUT = 5,
	PROTO_ERR_INTERNAL = 6,
	PROTO_ERR_PAIRING = 7,
	PROTO_ERR_REVOKED = 8,
	PROTO_ERR_HOST_KEY = 9, /* client refuses the server's key */
	PROTO_ERR_SHUTDOWN = 10,
	PROTO_ERR_CODE_MAX = 10
};

struct proto_hello {
	uint32_t magic;
	uint16_t version;
	uint16_t flags;
	uint32_t codecs;      /* bit per enum proto_codec */
	uint32_t input_kinds; /* enum proto_input_kind bits */
	uint16_t max_width, max_height;
	uint8_t name_len;
	char name[PROTO_MAX_NAME + 1]; /* NUL-terminated copy */
};

struct proto_stream_config {
	uint16_t width, height;
	uint8_t codec;
	uint8_t flags;
	uint32_t fps_milli; /* frames per 1000 s */
};

struct proto_video_frame {
	uint32_t seq;
	uint64_t capture_us; /* CLOCK_REALTIME microseconds at capture */
	uint8_t flags;
	const uint8_t *payload; /* points into the decoded buffer */
	uint32_t payload_len;
};

struct proto_cursor {
	int32_t x, y; /* hotspot position in stream coordinates */
	uint8_t flags;
	uint16_t hot_x, hot_y;
	uint16_t width, height;
	const uint8_t *argb; /* width*height*4 bytes, ARGB8888 LE, if IMAGE */
};

struct proto_input_event {
	uint16_t type, code;
	int32_t value;
};

struct proto_input {
	uint16_t count;
	const uint8_t *raw; /* count * 8 bytes; read with proto_input_get */
};

struct proto_error {
	uint16_t code;
	uint16_t reason_len;
	const char *reason; /* not NUL-terminated; reason_len bytes */
};

struct proto_pair_result {
	uint8_t ok;
	uint8_t proof[PROTO_PAIR_PROOF_SIZE];
};

/* One chunk of a clipboard text: offset is where data goes in the whole
 * of total bytes; a text is complete when offset + len == total. */
struct proto_clipboard {
	uint32_t total, offset;
	uint32_t len;
	const uint8_t *data;
};

struct proto_clip_policy {
	uint8_t dirs; /* PROTO_CLIP_* */
	uint32_t max_bytes;
};

/* A clipboard text was refused: which, why, in words for the user. */
struct proto_clip_notice {
	uint8_t code; /* enum proto_clip_code */
	uint32_t size;
	uint16_t reason_len;
	const char *reason;
};

struct proto_msg {
	enum proto_type type;
	union {
		struct proto_hello hello;
		struct proto_stream_config config;
		struct proto_video_frame frame;
		struct proto_cursor cursor;
		struct proto_input input;
		uint32_t ack_seq;
		uint64_t ping; /* PING and PONG */
		struct proto_error error;
		uint8_t pair_proof[PROTO_PAIR_PROOF_SIZE];
		struct proto_pair_result pair;
		struct proto_clipboard clip;
		struct proto_clip_policy clip_policy;
		struct proto_clip_notice clip_notice;
	} u;
};

/* Decode errors: each names one way a message can be wrong. */
enum proto_status {
	PROTO_OK = 0,
	PROTO_E_TRUNCATED = -1, /* buffer ends inside a message */
	PROTO_E_TOO_BIG = -2,   /* length over the side's maximum */
	PROTO_E_UNKNOWN_TYPE = -3,
	PROTO_E_DIRECTION = -4, /* known type the peer may not send */
	PROTO_E_LENGTH = -5,    /* body length wrong for the type */
	PROTO_E_RANGE = -6,     /* a field out of its range */
	PROTO_E_RESERVED = -7,  /* reserved bits or bytes not zero */
	PROTO_E_MAGIC = -8,     /* HELLO without the magic */
	PROTO_E_STRING = -9,    /* name/reason not printable UTF-8 */
};

const char *proto_status_str(int status);
const char *proto_type_name(unsigned type);
const char *proto_codec_name(unsigned codec);
int proto_codec_by_name(const char *name); /* -1 if unknown */
const char *proto_error_code_name(unsigned code);
size_t proto_max_body(enum proto_side side);

/* Decode one message from the start of buf. Returns PROTO_OK and sets
 * *used to its size; with *used == 0 more bytes are needed (never for
 * a header that already announces an oversized body). Negative: the
 * stream is malformed and must be closed. Pointers in *msg refer to buf. */
int proto_decode(enum proto_side side, const uint8_t *buf, size_t len, struct proto_msg *msg,
		 size_t *used);

/* Decode a buffer that must hold exactly one message (tests, fuzzing):
 * PROTO_E_TRUNCATED when it ends early, PROTO_E_LENGTH on trailing bytes. */
int proto_decode_exact(enum proto_side side, const uint8_t *buf, size_t len, struct proto_msg *msg);

/* Exact encoded size of msg, or 0 if msg cannot be encoded. */
size_t proto_encoded_size(const struct proto_msg *msg);

/* Encode into out (cap bytes). Returns bytes written or -ENOSPC/-EINVAL.
 * Fields are validated as the decoder would, so we never send what a
 * peer of ours must reject. */
long proto_encode(const struct proto_msg *msg, uint8_t *out, size_t cap);

/* Header only, for a frame whose payload the caller writes behind it. */
void proto_put_header(uint8_t out[PROTO_HEADER_SIZE], enum proto_type type, uint32_t body_len);

void proto_input_get(const struct proto_input *in, unsigned i, struct proto_input_event *ev);
/* Packs events for an INPUT message into raw (count * 8 bytes). */
void proto_input_pack(const struct proto_input_event *evs, unsigned count, uint8_t *raw);

/* Helpers to fill a message. */
void proto_make_error(struct proto_msg *msg, unsigned code, const char *reason);
void proto_make_clip_notice(struct proto_msg *msg, unsigned code, uint32_t size,
			    const char *reason);

/* UTF-8 with no overlongs or surrogates; with controls false, also no
 * control characters (names, reasons); with true, only NUL is refused
 * (clipboard text keeps its newlines and tabs). */
bool proto_utf8_ok(const uint8_t *s, size_t n, bool controls);

#endif
