// SPDX-License-Identifier: MIT
/* What kmscastd and the session agent say over the agent's Unix socket:
 * typed, length-prefixed, versioned messages, each bounded before its
 * body is read. Layouts are in docs/protocol.md ("The session agent").
 * Pure encoding and decoding; nothing here does I/O. The daemon treats
 * the agent as untrusted: it runs as the desktop's user. */
#ifndef KMSCAST_AGENTMSG_H
#define KMSCAST_AGENTMSG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AGENTMSG_MAGIC 0x4b4d5341u /* "KMSA" */
#define AGENTMSG_VERSION 1
#define AGENTMSG_HEADER_SIZE 12
#define AGENTMSG_MAX_NAME 64
#define AGENTMSG_MAX_REASON 512
/* No text is ever longer than the wire's own bound. */
#define AGENTMSG_MAX_BODY (16u * 1024 * 1024)
/* Where kmscastd listens for agents unless told otherwise. */
#define AGENTMSG_DEFAULT_SOCKET "/run/kmscast/agent.sock"

enum agentmsg_type {
	AGENTMSG_HELLO = 1,        /* agent: its version's backend */
	AGENTMSG_WELCOME = 2,      /* daemon: what the agent is to do */
	AGENTMSG_CLIP = 3,         /* either: a clipboard text */
	AGENTMSG_CLIP_TOO_BIG = 4, /* agent: the host's text is over the limit */
	AGENTMSG_BYE = 5,          /* daemon: why it ends the connection */
	AGENTMSG_TYPE_COUNT
};

enum agentmsg_side { AGENTMSG_SIDE_DAEMON, AGENTMSG_SIDE_AGENT };

/* WELCOME directions. */
#define AGENTMSG_WATCH (1u << 0) /* report the host's clipboard */
#define AGENTMSG_TAKE (1u << 1)  /* clients' texts will come to be set */
#define AGENTMSG_DIRS_ALL 0x3u

struct agentmsg {
	enum agentmsg_type type;
	uint32_t body_len; /* set even when the body is refused */
	union {
		struct {
			uint8_t name_len;
			char name[AGENTMSG_MAX_NAME + 1]; /* NUL-terminated */
		} hello;
		struct {
			uint8_t dirs;
			uint32_t max_bytes;
		} welcome;
		struct {
			uint32_t len;
			const uint8_t *text; /* into the decoded buffer */
		} clip;
		uint32_t too_big; /* the host's text's size */
		struct {
			uint16_t len;
			const char *text; /* not NUL-terminated */
		} bye;
	} u;
};

enum agentmsg_status {
	AGENTMSG_OK = 0,
	AGENTMSG_E_MAGIC = -1,    /* not this protocol */
	AGENTMSG_E_VERSION = -2,  /* another version of it */
	AGENTMSG_E_TYPE = -3,     /* unknown type, or not from that side */
	AGENTMSG_E_TOO_BIG = -4,  /* body over the receiver's bound */
	AGENTMSG_E_LENGTH = -5,   /* body length wrong for the type */
	AGENTMSG_E_RANGE = -6,    /* a field out of range */
	AGENTMSG_E_RESERVED = -7, /* reserved bits not zero */
	AGENTMSG_E_TEXT = -8,     /* not UTF-8 (or a NUL in clipboard text) */
};

const char *agentmsg_status_str(int status);
const char *agentmsg_type_name(unsigned type);

/* Decodes one message a peer of `side`'s other end sent (side is who
 * receives). max_body bounds every body (AGENTMSG_MAX_BODY at most).
 * AGENTMSG_OK with *used == 0: more bytes are needed. AGENTMSG_E_TOO_BIG
 * is judged from the header alone, and fills m->type and m->body_len so
 * the caller may skip that body and go on. Other errors: the stream is
 * broken. Pointers in *m refer to buf. */
int agentmsg_decode(enum agentmsg_side side, const uint8_t *buf, size_t len, size_t max_body,
		    struct agentmsg *m, size_t *used);

/* The whole encoded size, or 0 if m cannot be encoded. */
size_t agentmsg_size(const struct agentmsg *m);
/* Encodes m into out; bytes written, -ENOSPC or -EINVAL (what the
 * receiver would refuse is never written). */
long agentmsg_encode(const struct agentmsg *m, uint8_t *out, size_t cap);

#endif
