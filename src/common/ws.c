// SPDX-License-Identifier: MIT
#include "kmscast/ws.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <wslay/wslay.h>

struct ws {
	wslay_event_context_ptr ctx;
	struct ws_callbacks cb;
	void *data;
	const uint8_t *in; /* the bytes being fed */
	size_t in_len;
	int cb_error;    /* on_message or write failed */
	const char *why; /* what the peer did wrong */
};

static ssize_t recv_cb(wslay_event_context_ptr ctx, uint8_t *buf, size_t len, int flags, void *user)
{
	struct ws *w = user;
	(void)flags;
	if (!w->in_len) {
		wslay_event_set_error(ctx, WSLAY_ERR_WOULDBLOCK);
		return -1;
	}
	size_t n = len < w->in_len ? len : w->in_len;
	memcpy(buf, w->in, n);
	w->in += n;
	w->in_len -= n;
	return (ssize_t)n;
}

static ssize_t send_cb(wslay_event_context_ptr ctx, const uint8_t *data, size_t len, int flags,
		       void *user)
{
	struct ws *w = user;
	(void)flags;
	int r = w->cb.write(w->data, data, len);
	if (r) {
		w->cb_error = r;
		wslay_event_set_error(ctx, WSLAY_ERR_CALLBACK_FAILURE);
		return -1;
	}
	return (ssize_t)len;
}

static void on_msg(wslay_event_context_ptr ctx, const struct wslay_event_on_msg_recv_arg *a,
		   void *user)
{
	struct ws *w = user;
	if (w->cb_error || w->why)
		return;
	if (a->opcode == WSLAY_BINARY_FRAME) {
		int r = w->cb.on_message(w->data, a->msg, a->msg_length);
		if (r)
			w->cb_error = r;
	} else if (a->opcode == WSLAY_TEXT_FRAME) {
		/* The protocol is binary; a text message is a client of something else. */
		w->why = "a text message (this endpoint carries binary kmscast messages)";
		wslay_event_queue_close(ctx, WSLAY_CODE_UNSUPPORTED_DATA, NULL, 0);
	} else if (a->opcode == WSLAY_CONNECTION_CLOSE) {
		w->why = "the browser closed the WebSocket";
	}
}

int ws_create(size_t max_message, const struct ws_callbacks *cb, void *data, struct ws **out)
{
	struct ws *w = calloc(1, sizeof(*w));
	struct wslay_event_callbacks wcb = {
		.recv_callback = recv_cb,
		.send_callback = send_cb,
		.on_msg_recv_callback = on_msg,
	};
	if (!w)
		return -ENOMEM;
	if (wslay_event_context_server_init(&w->ctx, &wcb, w) != 0) {
		free(w);
		return -ENOMEM;
	}
	wslay_event_config_set_max_recv_msg_length(w->ctx, max_message);
	w->cb = *cb;
	w->data = data;
	*out = w;
	return 0;
}

void ws_destroy(struct ws *w)
{
	if (!w)
		return;
	wslay_event_context_free(w->ctx);
	free(w);
}

static int flush(struct ws *w)
{
	if (wslay_event_want_write(w->ctx) && wslay_event_send(w->ctx) != 0)
		return w->cb_error ? w->cb_error : -EIO;
	return 0;
}

int ws_feed(struct ws *w, const uint8_t *buf, size_t len, char *why, size_t why_len)
{
	if (w->why || !wslay_event_get_read_enabled(w->ctx)) {
		snprintf(why, why_len, "%s", w->why ? w->why : "the WebSocket is closing");
		return -EPROTO;
	}
	w->in = buf;
	w->in_len = len;
	int r = wslay_event_recv(w->ctx);
	w->in = NULL;
	w->in_len = 0;
	if (w->cb_error)
		return w->cb_error;
	if (r != 0 && r != WSLAY_ERR_WOULDBLOCK) {
		snprintf(why, why_len, "WebSocket framing error");
		return -EPROTO;
	}
	int f = flush(w); /* pongs and the echo of a close */
	if (f)
		return f;
	if (w->why || !wslay_event_get_read_enabled(w->ctx)) {
		/* wslay stops reading on a framing error (and queued 1002 or
		 * 1009 for the peer) or once the peer closed. */
		snprintf(
			why, why_len, "%s",
			w->why ? w->why
			       : "WebSocket framing error (unmasked frame, bad opcode or length, or a "
				 "message over the limit)");
		return -EPROTO;
	}
	return 0;
}

int ws_send(struct ws *w, const uint8_t *msg, size_t len)
{
	struct wslay_event_msg m = {.opcode = WSLAY_BINARY_FRAME, .msg = msg, .msg_length = len};
	if (wslay_event_queue_msg(w->ctx, &m) != 0)
		return -EPIPE;
	return flush(w);
}

int ws_close(struct ws *w, uint16_t code, const char *reason)
{
	size_t n = reason ? strlen(reason) : 0;
	if (n > 123)
		n = 123; /* a control frame's payload is at most 125 bytes */
	if (wslay_event_queue_close(w->ctx, code, (const uint8_t *)reason, n) != 0)
		return -EPIPE;
	return flush(w);
}
