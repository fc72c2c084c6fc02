// SPDX-License-Identifier: MIT
#include "kmscast/conn.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "kmscast/clock.h"
#include "kmscast/tls.h"
#include "kmscast/ws.h"

#define IN_INITIAL (16u * 1024)
#define OUT_LOWAT (256u * 1024)
#define NOTSENT_LOWAT (128 * 1024)
#define WRITE_CHUNK (1u << 20)
#define READ_BUDGET (4u << 20)
#define TICK_MS 250       /* while handshaking or closing */
#define OPEN_TICK_MS 1000 /* once open: pings and the idle check need no more */
#define CLOSE_GRACE_MS 1500

enum state { ST_HANDSHAKE, ST_OPEN, ST_CLOSING, ST_DRAINING, ST_CLOSED };
/* What the bytes inside TLS are: our messages, or a browser's HTTP
 * requests and then WebSocket frames carrying our messages. */
enum phase { PH_NATIVE, PH_HTTP, PH_WS };

struct conn {
	uv_loop_t *loop;
	uv_poll_t poll;
	uv_timer_t timer;
	int fd;
	SSL *ssl;
	enum state state;
	enum phase phase;
	struct ws *ws;
	struct conn_options o;
	struct conn_callbacks cb;
	void *data;
	int handles; /* libuv handles still to close */

	uint8_t *in;
	size_t in_len, in_cap, in_max;
	uint8_t *out;
	size_t out_head, out_len, out_cap;
	size_t retry_len; /* SSL_write must be retried with this length */
	bool want_write;  /* TLS needs the socket writable to progress */
	bool above_lowat;
	bool bye_sent; /* we said BYE and still deliver the peer's messages */
	bool heard;    /* the peer has sent something */
	/* The last frame the owner queued: it went in while the queue was
	 * below OUT_LOWAT, so up to its size above the mark is ours, not
	 * the peer's doing (see reading()). */
	size_t frame_slack;
	uint64_t last_tx; /* when the socket last took a byte, or the queue filled */
	/* Bytes the socket took, ever; a PONG or PING we queued is still
	 * unsent while this is below its end. */
	uint64_t written, pong_end, ping_end;

	uint64_t created, last_rx, last_ping, close_deadline, rtt;
	uint32_t sent_seq, acked_seq;
	bool sent_any;

	char peer[64];
	char why[256];
};

int conn_peer_addr(int fd, char *host, size_t host_len, unsigned *port)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char a[INET6_ADDRSTRLEN] = "?";

	*port = 0;
	snprintf(host, host_len, "?");
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) != 0)
		return -errno;
	if (ss.ss_family == AF_INET) {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&ss;
		inet_ntop(AF_INET, &s4->sin_addr, a, sizeof(a));
		*port = ntohs(s4->sin_port);
		snprintf(host, host_len, "%s", a);
	} else if (ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;
		inet_ntop(AF_INET6, &s6->sin6_addr, a, sizeof(a));
		*port = ntohs(s6->sin6_port);
		/* An IPv4 peer on the dual-stack socket is named as IPv4. */
		snprintf(host, host_len, "%s", IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr) ? a + 7 : a);
	}
	return 0;
}

static void peer_name(int fd, char *out, size_t len)
{
	char host[INET6_ADDRSTRLEN];
	unsigned port;

	conn_peer_addr(fd, host, sizeof(host), &port);
	snprintf(out, len, strchr(host, ':') ? "[%s]:%u" : "%s:%u", host, port);
}

static void tune_socket(int fd)
{
	int one = 1, lowat = NOTSENT_LOWAT, idle = 10, intvl = 5, cnt = 3;
	unsigned user_timeout = 30000;

	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	/* Frames are whole messages: send them now, not after Nagle's delay. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* Keep unsent bytes in our queue, where the streamer can see them. */
	setsockopt(fd, IPPROTO_TCP, TCP_NOTSENT_LOWAT, &lowat, sizeof(lowat));
	setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof(one));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof(idle));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof(intvl));
	setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof(cnt));
	setsockopt(fd, IPPROTO_TCP, TCP_USER_TIMEOUT, &user_timeout, sizeof(user_timeout));
}

static void handle_closed(uv_handle_t *h)
{
	struct conn *c = h->data;
	if (--c->handles > 0)
		return;
	close(c->fd);
	SSL_free(c->ssl);
	if (c->cb.on_closed)
		c->cb.on_closed(c, c->why, c->data);
	ws_destroy(c->ws);
	free(c->in);
	free(c->out);
	free(c);
}

void conn_abort(struct conn *c, const char *why)
{
	if (c->state == ST_CLOSED)
		return;
	if (!c->why[0])
		snprintf(c->why, sizeof(c->why), "%s", why);
	c->state = ST_CLOSED;
	uv_poll_stop(&c->poll);
	uv_timer_stop(&c->timer);
	uv_close((uv_handle_t *)&c->poll, handle_closed);
	uv_close((uv_handle_t *)&c->timer, handle_closed);
}

static void on_poll(uv_poll_t *h, int status, int events);
static void on_tick(uv_timer_t *t);

static size_t queued(const struct conn *c) { return c->out_len - c->out_head; }

/* Is input still parsed and delivered? Once open, and after our own BYE
 * when the owner asked for the rest of the peer's messages. */
static bool delivering(const struct conn *c)
{
	return c->state == ST_OPEN ||
	       (c->bye_sent && (c->state == ST_CLOSING || c->state == ST_DRAINING));
}

/* Does the peer's input get read now? Not while what we owe it piles up:
 * a few bytes in (a PING, a pipelined request) must not make megabytes out
 * that it never reads, in any phase (the unread PONGs of a WebSocket once
 * grew the daemon by gigabytes). Its bytes wait in the kernel then, and a
 * peer that reads nothing at all is closed by on_tick. */
static bool reading(const struct conn *c)
{
	return queued(c) < OUT_LOWAT + (c->phase == PH_HTTP ? 0 : c->frame_slack);
}

static void update_poll(struct conn *c)
{
	if (c->state == ST_CLOSED)
		return;
	int ev = reading(c) ? UV_READABLE : 0;
	if (c->want_write || (queued(c) && c->state != ST_DRAINING))
		ev |= UV_WRITABLE;
	uv_poll_start(&c->poll, ev, on_poll);
}

/* An SSL or socket failure as text, for why. */
static void io_error(struct conn *c, int ret, const char *what)
{
	char buf[200];
	if (!c->ssl) {
		snprintf(buf, sizeof(buf), "%s: %s", what,
			 ret == 0 ? "peer closed the connection" : strerror(errno));
	} else {
		int e = SSL_get_error(c->ssl, ret);
		if (e == SSL_ERROR_ZERO_RETURN ||
		    (e == SSL_ERROR_SYSCALL && ret == 0 && !ERR_peek_error()))
			snprintf(buf, sizeof(buf), "peer closed the connection");
		else if (e == SSL_ERROR_SYSCALL && !ERR_peek_error())
			snprintf(buf, sizeof(buf), "%s: %s", what, strerror(errno));
		else {
			char r[160];
			snprintf(buf, sizeof(buf), "%s: %s", what,
				 ident_ssl_error(r, sizeof(r), "TLS error"));
		}
	}
	ERR_clear_error();
	conn_abort(c, buf);
}

static void finish_close(struct conn *c)
{
	/* close_notify and FIN, then read until the peer closes, so our last
	 * message is not lost to a reset caused by unread input. */
	if (c->ssl && !SSL_in_init(c->ssl))
		SSL_shutdown(c->ssl);
	ERR_clear_error();
	shutdown(c->fd, SHUT_WR);
	c->state = ST_DRAINING;
	update_poll(c);
}

/* Writes what the socket takes. Returns false if the conn was aborted. */
static bool flush(struct conn *c, bool notify)
{
	uint64_t before = c->written;
	while (queued(c) && c->state != ST_DRAINING) {
		size_t n = c->retry_len ? c->retry_len : queued(c);
		if (n > WRITE_CHUNK)
			n = WRITE_CHUNK;
		if (c->ssl) {
			int r = SSL_write(c->ssl, c->out + c->out_head, (int)n);
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ) {
					c->retry_len = n;
					c->want_write = e == SSL_ERROR_WANT_WRITE;
					break;
				}
				io_error(c, r, "write failed");
				return false;
			}
			c->retry_len = 0;
			c->out_head += (size_t)r;
			c->written += (uint64_t)r;
		} else {
			ssize_t r = send(c->fd, c->out + c->out_head, n, MSG_NOSIGNAL);
			if (r < 0 && (errno == EAGAIN || errno == EINTR))
				break;
			if (r < 0) {
				io_error(c, -1, "write failed");
				return false;
			}
			c->out_head += (size_t)r;
			c->written += (uint64_t)r;
		}
	}
	if (c->written != before)
		c->last_tx = mono_us();
	if (c->o.written_total)
		*c->o.written_total += c->written - before;
	if (!queued(c)) {
		c->out_head = c->out_len = 0;
		c->want_write = false;
	}
	if (c->state == ST_CLOSING && !queued(c))
		finish_close(c);
	if (c->above_lowat && queued(c) < OUT_LOWAT) {
		c->above_lowat = false;
		if (notify && c->state == ST_OPEN && c->cb.on_drain)
			c->cb.on_drain(c, c->data);
	}
	update_poll(c);
	return c->state != ST_CLOSED;
}

static int reserve_out(struct conn *c, size_t n)
{
	if (!queued(c))
		c->last_tx = mono_us(); /* the peer owes us a read from now on */
	if (c->out_head && c->out_len + n > c->out_cap) {
		memmove(c->out, c->out + c->out_head, queued(c));
		c->out_len -= c->out_head;
		c->out_head = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 64 * 1024;
		while (cap < c->out_len + n)
			cap *= 2;
		uint8_t *p = realloc(c->out, cap);
		if (!p)
			return -ENOMEM;
		c->out = p;
		c->out_cap = cap;
	}
	return 0;
}

/* Raw bytes into the queue: HTTP responses, and wslay's frames. */
static int put_raw(void *data, const uint8_t *buf, size_t n)
{
	struct conn *c = data;
	/* Control frames and answers too: no byte is queued past the limit. */
	if (queued(c) + n > c->o.queue_limit)
		return -ENOBUFS;
	int r = reserve_out(c, n);
	if (r)
		return r;
	memcpy(c->out + c->out_len, buf, n);
	c->out_len += n;
	if (queued(c) >= OUT_LOWAT)
		c->above_lowat = true;
	return 0;
}

/* One message as one WebSocket binary message. */
static int enqueue_ws(struct conn *c, const struct proto_msg *m, size_t n)
{
	uint8_t *tmp = malloc(n);
	if (!tmp)
		return -ENOMEM;
	long w = proto_encode(m, tmp, n);
	int r = w < 0 ? (int)w : ws_send(c->ws, tmp, (size_t)w);
	free(tmp);
	/* wslay keeps what it could not write and would send it later, out of
	 * order with what we refuse now: a full queue ends the connection. */
	if (r == -ENOBUFS)
		conn_abort(c, "output queue full");
	return r;
}

static int enqueue(struct conn *c, const struct proto_msg *m, bool force)
{
	size_t n = proto_encoded_size(m);
	if (!n)
		return -EINVAL;
	if (c->phase == PH_HTTP)
		return -EPIPE; /* not upgraded: nothing of ours goes out */
	if (!force && queued(c) + n > c->o.queue_limit)
		return -ENOBUFS;
	if (c->phase == PH_WS)
		return enqueue_ws(c, m, n);
	int r = reserve_out(c, n);
	if (r)
		return r;
	long w = proto_encode(m, c->out + c->out_len, c->out_cap - c->out_len);
	if (w < 0)
		return (int)w;
	c->out_len += (size_t)w;
	if (queued(c) >= OUT_LOWAT)
		c->above_lowat = true;
	return 0;
}

int conn_send(struct conn *c, const struct proto_msg *m)
{
	if (c->state != ST_OPEN)
		return -EPIPE;
	int r = enqueue(c, m, false);
	if (r)
		return r;
	if (m->type == PROTO_VIDEO_FRAME) {
		if (!c->sent_any)
			c->acked_seq = m->u.frame.seq - 1; /* nothing before it is owed */
		c->sent_seq = m->u.frame.seq;
		c->sent_any = true;
		c->frame_slack = proto_encoded_size(m);
	}
	flush(c, false);
	return 0;
}

int conn_send_clip(struct conn *c, const uint8_t *text, uint32_t len)
{
	uint32_t off = 0;
	do {
		uint32_t n = len - off < PROTO_CLIP_CHUNK ? len - off : PROTO_CLIP_CHUNK;
		struct proto_msg m =
			{.type = PROTO_CLIPBOARD,
			 .u.clip = {.total = len, .offset = off, .len = n, .data = text + off}};
		int r = conn_send(c, &m);
		if (r < 0)
			return r;
		off += n;
	} while (off < len);
	return 0;
}

void conn_close(struct conn *c, unsigned code, const char *reason)
{
	struct proto_msg m;
	if (c->state == ST_HANDSHAKE) {
		conn_abort(c, reason ? reason : "closed");
		return;
	}
	if (c->state != ST_OPEN)
		return;
	if (c->phase == PH_HTTP) {
		/* Between requests: nothing to say in HTTP, just close. */
		snprintf(c->why, sizeof(c->why), "%s", reason ? reason : "closed");
		c->state = ST_CLOSING;
		c->close_deadline = mono_us() + CLOSE_GRACE_MS * 1000ull;
		uv_timer_start(&c->timer, on_tick, TICK_MS, TICK_MS);
		flush(c, false);
		return;
	}
	if (reason) {
		proto_make_error(&m, code, reason);
		snprintf(c->why, sizeof(c->why), "%s", reason);
	} else {
		memset(&m, 0, sizeof(m));
		m.type = PROTO_BYE;
		snprintf(c->why, sizeof(c->why), "closed");
		c->bye_sent = c->o.read_after_bye;
	}
	enqueue(c, &m, true);
	if (c->state == ST_CLOSED)
		return;
	if (c->phase == PH_WS)
		ws_close(c->ws, reason ? 1008 : 1000, NULL);
	c->state = ST_CLOSING;
	c->close_deadline = mono_us() + CLOSE_GRACE_MS * 1000ull;
	uv_timer_start(&c->timer, on_tick, TICK_MS, TICK_MS);
	flush(c, false);
}

static void handle_ack(struct conn *c, uint32_t seq)
{
	/* Acks run forward and never past what we sent (mod 2^32). */
	if (!c->sent_any || (int32_t)(c->sent_seq - seq) < 0 || (int32_t)(seq - c->acked_seq) < 0) {
		conn_close(c, PROTO_ERR_PROTOCOL, "FRAME_ACK for a frame that was not sent");
		return;
	}
	c->acked_seq = seq;
	if (c->cb.on_drain)
		c->cb.on_drain(c, c->data);
}

static void dispatch(struct conn *c, const struct proto_msg *m)
{
	struct proto_msg reply;
	if (c->state != ST_OPEN) {
		/* After our BYE: the peer's messages up to its own BYE, nothing answered. */
		if (m->type == PROTO_BYE || m->type == PROTO_ERROR)
			c->bye_sent = false;
		if (m->type != PROTO_PING && m->type != PROTO_PONG && c->cb.on_message)
			c->cb.on_message(c, m, c->data);
		return;
	}
	switch (m->type) {
	case PROTO_PING:
		/* One PONG in the queue at most: a peer that sends PINGs and
		 * never reads must not grow our memory (it did, to 1.7 GB). The
		 * PINGs that come while one waits go unanswered. */
		if (c->written < c->pong_end)
			return;
		memset(&reply, 0, sizeof(reply));
		reply.type = PROTO_PONG;
		reply.u.ping = m->u.ping;
		if (enqueue(c, &reply, true) == 0)
			c->pong_end = c->written + queued(c);
		return;
	case PROTO_PONG: {
		uint64_t now = mono_us();
		if (m->u.ping <= now && now - m->u.ping < 600000000ull)
			c->rtt = now - m->u.ping;
		return;
	}
	case PROTO_FRAME_ACK:
		handle_ack(c, m->u.ack_seq);
		if (c->state != ST_OPEN)
			return;
		break;
	default: break;
	}
	if (c->cb.on_message)
		c->cb.on_message(c, m, c->data);
}

/* Decodes every whole message in the input buffer. */
static void parse(struct conn *c)
{
	size_t off = 0;
	while (delivering(c)) {
		struct proto_msg m;
		size_t used;
		int r = proto_decode(c->o.side, c->in + off, c->in_len - off, &m, &used);
		if (r < 0) {
			char why[160];
			unsigned type = c->in_len - off >= 6
						? (unsigned)(c->in[off + 4] << 8 | c->in[off + 5])
						: 0;
			snprintf(why, sizeof(why), "malformed %s message: %s",
				 proto_type_name(type), proto_status_str(r));
			c->bye_sent = false; /* closing already: stop reading it */
			c->in_len = 0;
			conn_close(c, PROTO_ERR_PROTOCOL, why);
			return;
		}
		if (!used) {
			/* Make room for the whole announced message (already bounded). */
			if (c->in_len - off >= PROTO_HEADER_SIZE) {
				const uint8_t *h = c->in + off;
				size_t need = PROTO_HEADER_SIZE + ((size_t)h[0] << 24 |
								   (size_t)h[1] << 16 |
								   (size_t)h[2] << 8 | h[3]);
				if (need > c->in_cap - off && off == 0) {
					uint8_t *p = realloc(c->in, need);
					if (!p) {
						conn_abort(c, "out of memory");
						return;
					}
					c->in = p;
					c->in_cap = need;
				}
			}
			break;
		}
		dispatch(c, &m);
		off += used;
	}
	if (c->state == ST_CLOSED)
		return;
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
}

/* A WebSocket message is exactly one of ours: the same parser and the
 * same dispatch as a native connection's byte stream. */
static int ws_message(void *data, const uint8_t *msg, size_t len)
{
	struct conn *c = data;
	struct proto_msg m;
	size_t used;
	if (!delivering(c))
		return 0;
	int r = proto_decode(c->o.side, msg, len, &m, &used);
	if (r == 0 && used != len)
		r = used ? -EMSGSIZE : -EBADMSG;
	if (r < 0) {
		char why[160];
		unsigned type = len >= 6 ? (unsigned)(msg[4] << 8 | msg[5]) : 0;
		snprintf(why, sizeof(why), "malformed %s message: %s", proto_type_name(type),
			 r == -EMSGSIZE  ? "a WebSocket message carries more than one message"
			 : r == -EBADMSG ? "a WebSocket message carries part of a message"
					 : proto_status_str(r));
		c->bye_sent = false;
		conn_close(c, PROTO_ERR_PROTOCOL, why);
		return 0;
	}
	dispatch(c, &m);
	return 0;
}

static void parse_ws(struct conn *c)
{
	char why[200];
	int r = ws_feed(c->ws, c->in, c->in_len, why, sizeof(why));
	c->in_len = 0;
	if (r && c->state != ST_CLOSED) {
		c->bye_sent = false;
		if (c->state == ST_OPEN)
			snprintf(c->why, sizeof(c->why), "%s", why);
		conn_abort(c, why);
	}
}

static void http_error(struct conn *c, int err)
{
	char head[300];
	const char *status = http_status_for(err);
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: text/plain; charset=utf-8\r\n"
			 "Content-Length: %zu\r\nConnection: close\r\n\r\n%s\n",
			 status, strlen(status) + 1, status);
	put_raw(c, (const uint8_t *)head, (size_t)n);
	char why[160];
	snprintf(why, sizeof(why), "bad HTTP request: %s", status);
	conn_close(c, 0, why);
}

/* Requests one after another (keep-alive) until an upgrade or a close. */
static void parse_http(struct conn *c)
{
	size_t off = 0;
	while (c->phase == PH_HTTP && c->state == ST_OPEN && off < c->in_len && reading(c)) {
		struct http_request req;
		size_t used;
		int r = http_parse_request(c->in + off, c->in_len - off, &req, &used);
		if (r < 0) {
			http_error(c, r);
			c->in_len = 0;
			return;
		}
		if (!used)
			break;
		off += used;
		if (c->cb.on_http)
			c->cb.on_http(c, &req, c->data);
		else
			http_error(c, -EINVAL);
	}
	if (c->state == ST_CLOSED)
		return;
	if (off) {
		memmove(c->in, c->in + off, c->in_len - off);
		c->in_len -= off;
	}
	if (c->phase == PH_WS && c->in_len)
		parse_ws(c); /* frames that came right behind the upgrade */
}

static void parse_any(struct conn *c)
{
	if (c->phase == PH_HTTP)
		parse_http(c);
	else if (c->phase == PH_WS)
		parse_ws(c);
	else
		parse(c);
}

static void do_read(struct conn *c)
{
	/* A few of the largest messages the peer may send per wakeup, so one
	 * peer writing as fast as it can (a daemon's clients send only small
	 * ones) cannot keep the loop from the others and from the frame timer. */
	size_t budget = c->in_max * 4 < READ_BUDGET ? c->in_max * 4 : READ_BUDGET;
	for (;;) {
		if (!reading(c))
			return; /* on_poll resumes once the queue is down */
		if (c->in_len == c->in_cap) {
			if (!delivering(c)) {
				c->in_len = 0; /* closing: input is discarded */
			} else {
				/* parse() grew the buffer to the announced size; a full
				 * buffer here means a header is still incomplete. */
				size_t cap = c->in_cap * 2 < c->in_max ? c->in_cap * 2 : c->in_max;
				uint8_t *p = cap > c->in_cap ? realloc(c->in, cap) : NULL;
				if (!p) {
					conn_abort(c, "input buffer full");
					return;
				}
				c->in = p;
				c->in_cap = cap;
			}
		}
		size_t space = c->in_cap - c->in_len;
		long n;
		if (c->ssl) {
			int r = SSL_read(c->ssl, c->in + c->in_len,
					 (int)(space > INT32_MAX ? INT32_MAX : space));
			if (r <= 0) {
				int e = SSL_get_error(c->ssl, r);
				if (e == SSL_ERROR_WANT_READ)
					return;
				if (e == SSL_ERROR_WANT_WRITE) {
					c->want_write = true;
					return;
				}
				if (c->state == ST_DRAINING) {
					ERR_clear_error();
					conn_abort(c, c->why);
				} else {
					io_error(c, r, "read failed");
				}
				return;
			}
			n = r;
		} else {
			n = recv(c->fd, c->in + c->in_len, space, 0);
			if (n < 0 && (errno == EAGAIN || errno == EINTR))
				return;
			if (n <= 0) {
				if (c->state == ST_DRAINING)
					conn_abort(c, c->why);
				else
					io_error(c, (int)n, "read failed");
				return;
			}
		}
		c->last_rx = mono_us();
		c->in_len += (size_t)n;
		if (delivering(c))
			parse_any(c);
		else
			c->in_len = 0;
		if (c->state == ST_CLOSED)
			return;
		budget = (size_t)n > budget ? 0 : budget - (size_t)n;
		/* Let other connections run; TLS may hold buffered bytes the
		 * poll would not report, so only stop when it holds none. */
		if (!budget && !(c->ssl && SSL_pending(c->ssl)))
			return;
	}
}

static void do_handshake(struct conn *c)
{
	int r = SSL_do_handshake(c->ssl);
	if (r == 1) {
		const unsigned char *alpn;
		unsigned alpn_len;
		SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
		if (alpn_len == 8 && memcmp(alpn, "http/1.1", 8) == 0) {
			c->phase = PH_HTTP;
			c->in_max = HTTP_MAX_HEAD + HTTP_MAX_BODY;
		}
		c->state = ST_OPEN;
		c->want_write = false;
		uv_timer_set_repeat(&c->timer, OPEN_TICK_MS);
		c->last_rx = c->last_ping = mono_us();
		if (c->cb.on_open)
			c->cb.on_open(c, c->data);
		if (c->state == ST_OPEN)
			do_read(c);
		return;
	}
	int e = SSL_get_error(c->ssl, r);
	if (e == SSL_ERROR_WANT_READ || e == SSL_ERROR_WANT_WRITE) {
		c->want_write = e == SSL_ERROR_WANT_WRITE;
		return;
	}
	char why[200], buf[240];
	if (ERR_GET_REASON(ERR_peek_error()) == SSL_R_HTTP_REQUEST) {
		/* Plain HTTP on the TLS port: tell the browser where to go. */
		static const char text[] =
			"This is kmscast's TLS port: open it with https://, not http://, in the browser\n";
		char msg[300];
		int n = snprintf(
			msg, sizeof(msg),
			"HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; "
			"charset=utf-8\r\nConnection: close\r\nContent-Length: %zu\r\n\r\n%s",
			sizeof(text) - 1, text);
		if (send(c->fd, msg, (size_t)n, MSG_NOSIGNAL) < 0)
			ERR_clear_error(); /* nothing more to do for it */
	}
	tls_handshake_error(c->ssl, r, why, sizeof(why));
	snprintf(buf, sizeof(buf), "TLS handshake failed: %s", why);
	conn_abort(c, buf);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
	struct conn *c = h->data;
	if (status < 0) {
		/* libuv reports a socket's POLLERR as UV_EBADF: the socket's own
		 * error (a reset, a refusal) is what a person can act on. */
		char buf[160];
		int soerr = 0;
		socklen_t n = sizeof(soerr);
		if (status == UV_EBADF &&
		    getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &soerr, &n) == 0 && soerr)
			status = uv_translate_sys_error(soerr);
		snprintf(buf, sizeof(buf), "socket error: %s%s",
			 status == UV_EBADF ? "the connection failed" : uv_strerror(status),
			 c->state == ST_HANDSHAKE ? " (during the TLS handshake)" : "");
		conn_abort(c, buf);
		return;
	}
	if (c->state == ST_HANDSHAKE) {
		if (events & UV_READABLE)
			c->heard = true;
		do_handshake(c);
	} else {
		if (events & UV_READABLE || (c->want_write && events & UV_WRITABLE && !queued(c)))
			do_read(c);
		if (c->state == ST_CLOSED)
			return;
	}
	if (c->state != ST_CLOSED && c->state != ST_HANDSHAKE)
		flush(c, true);
	else if (c->state == ST_HANDSHAKE)
		update_poll(c);
	/* Requests held back while answers were queued (see update_poll),
	 * in our buffer or still in TLS's. */
	if (c->state == ST_OPEN && reading(c) && (c->in_len || (c->ssl && SSL_pending(c->ssl)))) {
		if (c->in_len && c->phase == PH_HTTP)
			parse_http(c);
		if (c->state == ST_OPEN && c->ssl && SSL_pending(c->ssl))
			do_read(c);
		if (c->state != ST_CLOSED)
			flush(c, true);
	}
}

static void on_tick(uv_timer_t *t)
{
	struct conn *c = t->data;
	uint64_t now = mono_us();
	char buf[128];

	switch (c->state) {
	case ST_HANDSHAKE:
		if (!c->heard && c->o.silent_ms && now - c->created > c->o.silent_ms * 1000ull) {
			snprintf(buf, sizeof(buf), "sent nothing within %u ms", c->o.silent_ms);
			conn_abort(c, buf);
		} else if (now - c->created > c->o.handshake_ms * 1000ull) {
			snprintf(buf, sizeof(buf), "TLS handshake not finished within %u ms",
				 c->o.handshake_ms);
			conn_abort(c, buf);
		}
		break;
	case ST_OPEN:
		/* Checked first: a peer that stopped reading is also one we
		 * stopped hearing (see reading()), but silence is not the cause. */
		if (queued(c) && now - c->last_tx > c->o.idle_ms * 1000ull) {
			snprintf(buf, sizeof(buf),
				 "peer read nothing for %u ms (%zu bytes waiting)", c->o.idle_ms,
				 queued(c));
			conn_abort(c, buf);
			break;
		}
		if (c->phase == PH_HTTP) {
			/* Keep-alive between requests: no PINGs, just the idle bound. */
			if (now - c->last_rx > c->o.idle_ms * 1000ull)
				conn_abort(c, "browser idle between requests");
			break;
		}
		if (now - c->last_rx > c->o.idle_ms * 1000ull) {
			snprintf(buf, sizeof(buf), "peer silent for %u ms", c->o.idle_ms);
			conn_close(c, PROTO_ERR_TIMEOUT, buf);
		} else if (now - c->last_ping >= c->o.ping_ms * 1000ull &&
			   c->written >= c->ping_end) {
			/* Likewise our own PINGs: none while the last is unsent. */
			struct proto_msg m = {.type = PROTO_PING};
			m.u.ping = now;
			c->last_ping = now;
			if (enqueue(c, &m, true) == 0) {
				c->ping_end = c->written + queued(c);
				flush(c, true);
			}
		}
		break;
	case ST_CLOSING:
	case ST_DRAINING:
		if (now > c->close_deadline)
			conn_abort(c, c->why);
		break;
	case ST_CLOSED: break;
	}
}

int conn_create(uv_loop_t *loop, const struct conn_options *opts, const struct conn_callbacks *cb,
		void *data, struct conn **out)
{
	struct conn *c = calloc(1, sizeof(*c));
	if (!c)
		return -ENOMEM;
	c->loop = loop;
	c->o = *opts;
	if (!c->o.handshake_ms)
		c->o.handshake_ms = 10000;
	if (!c->o.idle_ms)
		c->o.idle_ms = 20000;
	if (!c->o.ping_ms)
		c->o.ping_ms = 5000;
	if (!c->o.window)
		c->o.window = 4;
	if (!c->o.queue_limit)
		c->o.queue_limit = 64u << 20;
	c->cb = *cb;
	c->data = data;
	c->fd = opts->fd;
	c->ssl = opts->ssl;
	c->in_max = PROTO_HEADER_SIZE + proto_max_body(opts->side);
	c->in_cap = IN_INITIAL;
	c->in = malloc(c->in_cap);
	if (!c->in) {
		free(c);
		return -ENOMEM;
	}
	if (opts->peer_name)
		snprintf(c->peer, sizeof(c->peer), "%s", opts->peer_name);
	else
		peer_name(c->fd, c->peer, sizeof(c->peer));
	tune_socket(c->fd);
	c->created = mono_us();
	int r = uv_poll_init_socket(loop, &c->poll, c->fd);
	if (r) {
		free(c->in);
		free(c);
		return r;
	}
	uv_timer_init(loop, &c->timer);
	c->poll.data = c->timer.data = c;
	c->handles = 2;
	if (c->ssl) {
		SSL_set_fd(c->ssl, c->fd);
		c->state = ST_HANDSHAKE;
	} else {
		c->state = ST_OPEN;
		c->last_rx = c->last_ping = c->created;
	}
	uv_poll_start(&c->poll, UV_READABLE | UV_WRITABLE, on_poll);
	uv_timer_start(&c->timer, on_tick, TICK_MS, TICK_MS);
	*out = c;
	if (!c->ssl && c->cb.on_open)
		c->cb.on_open(c, c->data);
	return 0;
}

bool conn_can_send_frame(const struct conn *c)
{
	return c->state == ST_OPEN && queued(c) < OUT_LOWAT &&
	       conn_frames_in_flight(c) < c->o.window;
}

unsigned conn_frames_in_flight(const struct conn *c)
{
	return c->sent_any ? c->sent_seq - c->acked_seq : 0;
}

size_t conn_queued(const struct conn *c) { return queued(c); }
bool conn_is_open(const struct conn *c) { return c->state == ST_OPEN; }
bool conn_is_web(const struct conn *c) { return c->phase != PH_NATIVE; }
bool conn_is_ws(const struct conn *c) { return c->phase == PH_WS; }

int conn_http_reply(struct conn *c, const struct http_request *req, const char *status,
		    const char *headers, const void *body, size_t len, bool close)
{
	char head[2048];
	if (c->state != ST_OPEN || c->phase != PH_HTTP)
		return -EPIPE;
	close = close || !req->keep_alive;
	/* Every answer: no framing by other sites, no sniffing, no referrer. */
	int n = snprintf(
		head, sizeof(head),
		"HTTP/1.1 %s\r\n%sContent-Length: %zu\r\n"
		"X-Content-Type-Options: nosniff\r\nX-Frame-Options: DENY\r\n"
		"Referrer-Policy: no-referrer\r\nCross-Origin-Opener-Policy: same-origin\r\n"
		"Connection: %s\r\n\r\n",
		status, headers ? headers : "", len, close ? "close" : "keep-alive");
	if (n < 0 || (size_t)n >= sizeof(head))
		return -EINVAL;
	int r = put_raw(c, (const uint8_t *)head, (size_t)n);
	if (!r && len && strcmp(req->method, "HEAD") != 0)
		r = put_raw(c, body, len);
	if (r)
		return r;
	if (close)
		conn_close(c, 0, "answered and closed");
	else
		flush(c, false);
	return 0;
}

int conn_ws_accept(struct conn *c, const struct http_request *req, const char *subprotocol)
{
	static const struct ws_callbacks wcb = {.on_message = ws_message, .write = put_raw};
	char accept[HTTP_WS_ACCEPT_SIZE], head[320];
	if (c->state != ST_OPEN || c->phase != PH_HTTP)
		return -EPIPE;
	int r = ws_create(PROTO_HEADER_SIZE + proto_max_body(c->o.side), &wcb, c, &c->ws);
	if (r)
		return r;
	http_ws_accept(req->ws_key, accept);
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
			 "Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n%s%.32s%s\r\n",
			 accept, subprotocol ? "Sec-WebSocket-Protocol: " : "",
			 subprotocol ? subprotocol : "", subprotocol ? "\r\n" : "");
	r = put_raw(c, (const uint8_t *)head, (size_t)n);
	if (r)
		return r;
	c->phase = PH_WS;
	c->in_max = PROTO_HEADER_SIZE + proto_max_body(c->o.side);
	c->last_rx = c->last_ping = mono_us();
	flush(c, false);
	return 0;
}
const char *conn_peer(const struct conn *c) { return c->peer; }
SSL *conn_ssl(const struct conn *c) { return c->ssl; }
uint64_t conn_rtt_us(const struct conn *c) { return c->rtt; }
void conn_set_data(struct conn *c, void *data) { c->data = data; }

bool conn_ktls_send(const struct conn *c)
{
	return c->ssl && BIO_get_ktls_send(SSL_get_wbio(c->ssl));
}
