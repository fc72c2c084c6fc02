// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "kmscast/ws.h"
#include "tst.h"

struct sink {
	uint8_t msg[70000];
	size_t msg_len;
	unsigned msgs;
	uint8_t out[4096];
	size_t out_len;
};

static int on_message(void *data, const uint8_t *m, size_t len)
{
	struct sink *k = data;
	if (len <= sizeof(k->msg)) {
		memcpy(k->msg, m, len);
		k->msg_len = len;
	}
	k->msgs++;
	return 0;
}

static int on_write(void *data, const uint8_t *b, size_t len)
{
	struct sink *k = data;
	if (k->out_len + len > sizeof(k->out))
		return -ENOBUFS;
	memcpy(k->out + k->out_len, b, len);
	k->out_len += len;
	return 0;
}

static const struct ws_callbacks cb = {.on_message = on_message, .write = on_write};

/* A client frame as a browser sends it: masked. */
static size_t frame(uint8_t *out, bool fin, unsigned opcode, const void *payload, size_t len,
		    bool masked)
{
	static const uint8_t mask[4] = {0x11, 0x22, 0x33, 0x44};
	size_t o = 0;
	out[o++] = (uint8_t)((fin ? 0x80 : 0) | opcode);
	uint8_t m = masked ? 0x80 : 0;
	if (len < 126) {
		out[o++] = (uint8_t)(m | len);
	} else {
		out[o++] = m | 126;
		out[o++] = (uint8_t)(len >> 8);
		out[o++] = (uint8_t)len;
	}
	if (masked) {
		memcpy(out + o, mask, 4);
		o += 4;
	}
	for (size_t i = 0; i < len; i++)
		out[o + i] = ((const uint8_t *)payload)[i] ^ (masked ? mask[i % 4] : 0);
	return o + len;
}

static int messages(void)
{
	struct sink *k = calloc(1, sizeof(*k));
	struct ws *w;
	uint8_t buf[512];
	char why[160];
	CHECK_EQ_INT(ws_create(1000, &cb, k, &w), 0);
	/* Whole, then fed a byte at a time. */
	size_t n = frame(buf, true, 2, "hello", 5, true);
	CHECK_EQ_INT(ws_feed(w, buf, n, why, sizeof(why)), 0);
	CHECK(k->msgs == 1 && k->msg_len == 5 && memcmp(k->msg, "hello", 5) == 0);
	n = frame(buf, true, 2, "byte by byte", 12, true);
	for (size_t i = 0; i < n; i++)
		CHECK_EQ_INT(ws_feed(w, buf + i, 1, why, sizeof(why)), 0);
	CHECK(k->msgs == 2 && k->msg_len == 12 && memcmp(k->msg, "byte by byte", 12) == 0);
	/* Fragments make one message; a ping between them is answered. */
	n = frame(buf, false, 2, "frag", 4, true);
	n += frame(buf + n, true, 9, "pi", 2, true);
	n += frame(buf + n, true, 0, "ments", 5, true);
	CHECK_EQ_INT(ws_feed(w, buf, n, why, sizeof(why)), 0);
	CHECK(k->msgs == 3 && k->msg_len == 9 && memcmp(k->msg, "fragments", 9) == 0);
	CHECK(k->out_len == 4 && memcmp(k->out, "\x8a\x02pi", 4) == 0); /* the pong, unmasked */
	/* Sending: one unmasked binary frame, 16-bit length past 125. */
	k->out_len = 0;
	uint8_t big[200];
	memset(big, 7, sizeof(big));
	CHECK_EQ_INT(ws_send(w, big, sizeof(big)), 0);
	CHECK(k->out_len == 204 && memcmp(k->out, "\x82\x7e\x00\xc8", 4) == 0 && k->out[203] == 7);
	ws_destroy(w);
	free(k);
	return 0;
}

static int refused(void)
{
	struct sink *k = calloc(1, sizeof(*k));
	struct ws *w;
	uint8_t buf[2048];
	char why[160];
	struct {
		size_t len;
		const char *why;
	} cases[4];
	size_t n;

	/* Text, unmasked, too big, closed: each stops the feed with a reason. */
	for (int c = 0; c < 4; c++) {
		CHECK_EQ_INT(ws_create(1000, &cb, k, &w), 0);
		if (c == 0)
			n = frame(buf, true, 1, "text", 4, true), cases[c].why = "text message";
		else if (c == 1)
			n = frame(buf, true, 2, "bare", 4, false), cases[c].why = "framing error";
		else if (c == 2)
			n = frame(buf, true, 2, buf + 1024, 1001, true), cases[c].why = "over the limit";
		else
			n = frame(buf, true, 8, "\x03\xe8", 2, true), cases[c].why = "closed the WebSocket";
		k->out_len = 0;
		CHECK_EQ_INT(ws_feed(w, buf, n, why, sizeof(why)), -EPROTO);
		if (!strstr(why, cases[c].why)) {
			fprintf(stderr, "  case %d: '%s' lacks '%s'\n", c, why, cases[c].why);
			return 1;
		}
		CHECK(k->out_len >= 2 && k->out[0] == 0x88); /* a close goes back */
		CHECK_EQ_INT(ws_feed(w, buf, n, why, sizeof(why)), -EPROTO); /* and stays shut */
		ws_destroy(w);
	}
	CHECK_EQ_INT(k->msgs, 0);
	free(k);
	return 0;
}

TST_MAIN("ws", TST_CASE(messages), TST_CASE(refused))
