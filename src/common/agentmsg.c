// SPDX-License-Identifier: MIT
/* The agent protocol's codec; every length is checked against a bound
 * before it is used (docs/protocol.md, "The session agent"). */
#include "kmscast/agentmsg.h"

#include <errno.h>
#include <string.h>

#include "kmscast/proto.h"

static uint16_t get16(const uint8_t *p) { return (uint16_t)(p[0] << 8 | p[1]); }
static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}
static void put16(uint8_t *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = (uint8_t)v;
}
static void put32(uint8_t *p, uint32_t v)
{
	put16(p, (uint16_t)(v >> 16));
	put16(p + 2, (uint16_t)v);
}

#define BIT(t) (1u << (t))
/* Who may send each type. */
static const uint32_t from_agent =
	BIT(AGENTMSG_HELLO) | BIT(AGENTMSG_CLIP) | BIT(AGENTMSG_CLIP_TOO_BIG);
static const uint32_t from_daemon = BIT(AGENTMSG_WELCOME) | BIT(AGENTMSG_CLIP) | BIT(AGENTMSG_BYE);

static const char *const names[AGENTMSG_TYPE_COUNT] = {
	[AGENTMSG_HELLO] = "HELLO", [AGENTMSG_WELCOME] = "WELCOME",
	[AGENTMSG_CLIP] = "CLIP",   [AGENTMSG_CLIP_TOO_BIG] = "CLIP_TOO_BIG",
	[AGENTMSG_BYE] = "BYE",
};

const char *agentmsg_type_name(unsigned type)
{
	return type && type < AGENTMSG_TYPE_COUNT ? names[type] : "?";
}

const char *agentmsg_status_str(int status)
{
	switch (status) {
	case AGENTMSG_OK: return "ok";
	case AGENTMSG_E_MAGIC: return "not a kmscast agent message";
	case AGENTMSG_E_VERSION: return "another version of the agent protocol";
	case AGENTMSG_E_TYPE: return "message type unknown or not allowed from that side";
	case AGENTMSG_E_TOO_BIG: return "message larger than the maximum";
	case AGENTMSG_E_LENGTH: return "wrong body length for the message type";
	case AGENTMSG_E_RANGE: return "field out of range";
	case AGENTMSG_E_RESERVED: return "reserved field not zero";
	case AGENTMSG_E_TEXT: return "text is not valid UTF-8";
	}
	return "unknown status";
}

static int decode_body(struct agentmsg *m, const uint8_t *b, uint32_t n)
{
	switch (m->type) {
	case AGENTMSG_HELLO:
		if (n < 1 || n != 1u + b[0])
			return AGENTMSG_E_LENGTH;
		if (b[0] > AGENTMSG_MAX_NAME)
			return AGENTMSG_E_RANGE;
		if (!proto_utf8_ok(b + 1, b[0], false))
			return AGENTMSG_E_TEXT;
		m->u.hello.name_len = b[0];
		memcpy(m->u.hello.name, b + 1, b[0]);
		m->u.hello.name[b[0]] = '\0';
		return AGENTMSG_OK;
	case AGENTMSG_WELCOME:
		if (n != 8)
			return AGENTMSG_E_LENGTH;
		if (b[0] & ~AGENTMSG_DIRS_ALL || b[1] || b[2] || b[3])
			return AGENTMSG_E_RESERVED;
		m->u.welcome.dirs = b[0];
		m->u.welcome.max_bytes = get32(b + 4);
		return m->u.welcome.max_bytes <= AGENTMSG_MAX_BODY ? AGENTMSG_OK : AGENTMSG_E_RANGE;
	case AGENTMSG_CLIP:
		if (!proto_utf8_ok(b, n, true))
			return AGENTMSG_E_TEXT;
		m->u.clip.len = n;
		m->u.clip.text = b;
		return AGENTMSG_OK;
	case AGENTMSG_CLIP_TOO_BIG:
		if (n != 4)
			return AGENTMSG_E_LENGTH;
		m->u.too_big = get32(b);
		return AGENTMSG_OK;
	case AGENTMSG_BYE:
		if (n < 2 || n != 2u + get16(b))
			return AGENTMSG_E_LENGTH;
		if (!get16(b) || get16(b) > AGENTMSG_MAX_REASON)
			return AGENTMSG_E_RANGE;
		if (!proto_utf8_ok(b + 2, get16(b), false))
			return AGENTMSG_E_TEXT;
		m->u.bye.len = get16(b);
		m->u.bye.text = (const char *)b + 2;
		return AGENTMSG_OK;
	default: return AGENTMSG_E_TYPE;
	}
}

int agentmsg_decode(enum agentmsg_side side, const uint8_t *buf, size_t len, size_t max_body,
		    struct agentmsg *m, size_t *used)
{
	*used = 0;
	if (len < AGENTMSG_HEADER_SIZE)
		return AGENTMSG_OK;
	if (get32(buf) != AGENTMSG_MAGIC)
		return AGENTMSG_E_MAGIC;
	if (buf[4] != AGENTMSG_VERSION)
		return AGENTMSG_E_VERSION;
	unsigned type = buf[5];
	uint32_t body = get32(buf + 8);
	/* The header is judged whole before any body byte is waited for. */
	if (type == 0 || type >= AGENTMSG_TYPE_COUNT ||
	    !((side == AGENTMSG_SIDE_DAEMON ? from_agent : from_daemon) & BIT(type)))
		return AGENTMSG_E_TYPE;
	if (get16(buf + 6))
		return AGENTMSG_E_RESERVED;
	memset(m, 0, sizeof(*m));
	m->type = (enum agentmsg_type)type;
	m->body_len = body;
	if (max_body > AGENTMSG_MAX_BODY)
		max_body = AGENTMSG_MAX_BODY;
	if (body > max_body)
		return AGENTMSG_E_TOO_BIG;
	if (len - AGENTMSG_HEADER_SIZE < body)
		return AGENTMSG_OK;
	int r = decode_body(m, buf + AGENTMSG_HEADER_SIZE, body);
	if (r == AGENTMSG_OK)
		*used = AGENTMSG_HEADER_SIZE + (size_t)body;
	return r;
}

static size_t body_size(const struct agentmsg *m)
{
	switch (m->type) {
	case AGENTMSG_HELLO: return 1u + m->u.hello.name_len;
	case AGENTMSG_WELCOME: return 8;
	case AGENTMSG_CLIP: return m->u.clip.len;
	case AGENTMSG_CLIP_TOO_BIG: return 4;
	case AGENTMSG_BYE: return 2u + m->u.bye.len;
	default: return (size_t)-1;
	}
}

size_t agentmsg_size(const struct agentmsg *m)
{
	size_t n = body_size(m);
	return n > AGENTMSG_MAX_BODY ? 0 : AGENTMSG_HEADER_SIZE + n;
}

long agentmsg_encode(const struct agentmsg *m, uint8_t *out, size_t cap)
{
	size_t n = agentmsg_size(m);
	if (!n)
		return -EINVAL;
	if (n > cap)
		return -ENOSPC;
	uint8_t *b = out + AGENTMSG_HEADER_SIZE;
	put32(out, AGENTMSG_MAGIC);
	out[4] = AGENTMSG_VERSION;
	out[5] = (uint8_t)m->type;
	put16(out + 6, 0);
	put32(out + 8, (uint32_t)(n - AGENTMSG_HEADER_SIZE));
	switch (m->type) {
	case AGENTMSG_HELLO:
		b[0] = m->u.hello.name_len;
		memcpy(b + 1, m->u.hello.name, m->u.hello.name_len);
		break;
	case AGENTMSG_WELCOME:
		b[0] = m->u.welcome.dirs;
		b[1] = b[2] = b[3] = 0;
		put32(b + 4, m->u.welcome.max_bytes);
		break;
	case AGENTMSG_CLIP:
		if (m->u.clip.len)
			memcpy(b, m->u.clip.text, m->u.clip.len);
		break;
	case AGENTMSG_CLIP_TOO_BIG: put32(b, m->u.too_big); break;
	case AGENTMSG_BYE:
		put16(b, m->u.bye.len);
		memcpy(b + 2, m->u.bye.text, m->u.bye.len);
		break;
	default: return -EINVAL;
	}
	/* Checked as its receiver will check it. */
	struct agentmsg check;
	size_t used;
	bool from_agent_side = from_agent & BIT(m->type);
	bool both = from_agent_side && (from_daemon & BIT(m->type));
	enum agentmsg_side rx =
		from_agent_side && !both ? AGENTMSG_SIDE_DAEMON : AGENTMSG_SIDE_AGENT;
	if (agentmsg_decode(rx, out, n, AGENTMSG_MAX_BODY, &check, &used) != AGENTMSG_OK ||
	    used != n)
		return -EINVAL;
	return (long)n;
}
