// SPDX-License-Identifier: MIT
/* WebSocket framing (RFC 6455, server side) through libwslay, with no I/O
 * of its own: ws_feed takes the bytes TLS delivered, whole binary messages
 * come out of on_message, and every byte to send goes to write. Pings are
 * answered and a close is echoed by wslay. */
#ifndef KMSCAST_WS_H
#define KMSCAST_WS_H

#include <stddef.h>
#include <stdint.h>

struct ws;

struct ws_callbacks {
	/* One whole binary message; a negative return stops the feed. */
	int (*on_message)(void *data, const uint8_t *msg, size_t len);
	/* Bytes for the peer; must take them all (0) or fail (-errno). */
	int (*write)(void *data, const uint8_t *buf, size_t len);
};

int ws_create(size_t max_message, const struct ws_callbacks *cb, void *data, struct ws **out);
void ws_destroy(struct ws *w);

/* Feeds received bytes. 0, or -EPROTO with why set when the peer broke
 * the framing rules (a text message, an unmasked frame, a message over
 * max_message) or closed: stop reading then. */
int ws_feed(struct ws *w, const uint8_t *buf, size_t len, char *why, size_t why_len);

/* Sends one binary message. */
int ws_send(struct ws *w, const uint8_t *msg, size_t len);
/* Sends a close frame (code 1000 normal, 1008 policy). */
int ws_close(struct ws *w, uint16_t code, const char *reason);

#endif
