// SPDX-License-Identifier: MIT
/* One protocol connection on a libuv loop: a uv_poll_t on the socket, TLS
 * through SSL_set_fd (so kTLS can take over the record layer), or plain
 * TCP for benchmarks. Messages are queued and written when the socket is
 * writable; TCP_NOTSENT_LOWAT keeps the kernel's share of the queue small
 * so the owner sees backpressure through conn_can_send_frame early. */
#ifndef KMSCAST_CONN_H
#define KMSCAST_CONN_H

#include <openssl/ssl.h>
#include <stdbool.h>
#include <stdint.h>
#include <uv.h>

#include "kmscast/http.h"
#include "kmscast/proto.h"

struct conn;

struct conn_callbacks {
	/* TLS is up (or at once for plain sockets): check the peer here. */
	void (*on_open)(struct conn *c, void *data);
	/* A decoded message; pointers in m are valid during the call. PING is
	 * answered and PONG measured before this is called. */
	void (*on_message)(struct conn *c, const struct proto_msg *m, void *data);
	/* The queue fell below the low-water mark or a frame was acked. */
	void (*on_drain)(struct conn *c, void *data);
	/* The socket is closed; why says how. Free the owner's state here;
	 * c is freed after this returns. */
	void (*on_closed)(struct conn *c, const char *why, void *data);
	/* A browser's HTTP request (the TLS peer chose ALPN http/1.1).
	 * Answer with conn_http_reply or conn_ws_accept during the call. */
	void (*on_http)(struct conn *c, const struct http_request *req, void *data);
};

struct conn_options {
	enum proto_side side;    /* which messages we accept */
	int fd;                  /* connected socket; the conn owns it */
	SSL *ssl;                /* NULL: plain TCP */
	unsigned handshake_ms;   /* TLS must finish within this (0: 10 s) */
	unsigned silent_ms;      /* a peer that sent no byte at all is dropped
				   * after this, before handshake_ms (0: never) */
	unsigned idle_ms;        /* nothing received for this long: close (0: 20 s) */
	unsigned ping_ms;        /* PING this often once open (0: 5 s) */
	unsigned window;         /* video frames in flight before the owner waits (0: 4) */
	size_t queue_limit;      /* conn_send fails beyond this (0: 64 MiB) */
	const char *peer_name;   /* for messages; else taken from the socket */
	bool read_after_bye;     /* after our BYE, still deliver what the peer sent
				   * before its own (a leaving viewer counts frames in flight) */
	uint64_t *written_total; /* every byte written is also added here, or NULL */
};

int conn_create(uv_loop_t *loop, const struct conn_options *opts, const struct conn_callbacks *cb,
		void *data, struct conn **out);

/* Queues one message. -ENOBUFS past queue_limit, -EINVAL if it cannot be
 * encoded, -EPIPE once closing. VIDEO_FRAME counts against the window. */
int conn_send(struct conn *c, const struct proto_msg *m);
/* A clipboard text as CLIPBOARD chunks (PROTO_CLIP_CHUNK each); -errno of
 * the first conn_send that failed. */
int conn_send_clip(struct conn *c, const uint8_t *text, uint32_t len);

/* May the owner produce another frame now? (window and queue both open) */
bool conn_can_send_frame(const struct conn *c);
unsigned conn_frames_in_flight(const struct conn *c);
size_t conn_queued(const struct conn *c);

/* Sends ERROR(code, reason) -- or BYE when reason is NULL -- then closes
 * once the queue is written (or after a short grace period). */
void conn_close(struct conn *c, unsigned code, const char *reason);
/* Closes at once without telling the peer. */
void conn_abort(struct conn *c, const char *why);

/* Browsers: the HTTP phase before a WebSocket upgrade. head is the status
 * line's status ("200 OK") and any header lines (each ending in CRLF);
 * Content-Length, Connection and the security headers are added. The
 * connection closes after it when close is set or the request asked. */
int conn_http_reply(struct conn *c, const struct http_request *req, const char *status,
		    const char *headers, const void *body, size_t len, bool close);
/* Answers req with 101 and carries the protocol in WebSocket binary
 * messages from now on, one kmscast message in each. subprotocol, when
 * not NULL, is the one of the client's it picked (named in the answer). */
int conn_ws_accept(struct conn *c, const struct http_request *req, const char *subprotocol);
/* Whether the peer is a browser (ALPN http/1.1), and whether it has
 * upgraded to the WebSocket yet. */
bool conn_is_web(const struct conn *c);
bool conn_is_ws(const struct conn *c);

bool conn_is_open(const struct conn *c);
const char *conn_peer(const struct conn *c);
SSL *conn_ssl(const struct conn *c);
/* Last round-trip time measured by PING/PONG, 0 if none yet. */
uint64_t conn_rtt_us(const struct conn *c);
void conn_set_data(struct conn *c, void *data);
/* Whether kTLS carries this connection's sending side. */
bool conn_ktls_send(const struct conn *c);

/* A connected socket's peer: its address as text (IPv4 for a mapped
 * IPv6 one, so a source is counted the same either way) and port. */
int conn_peer_addr(int fd, char *host, size_t host_len, unsigned *port);

#endif
