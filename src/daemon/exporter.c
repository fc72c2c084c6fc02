// SPDX-License-Identifier: MIT
#include "kmscast/exporter.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmscast/conn.h"
#include "kmscast/http.h"
#include "kmscast/listen.h"
#include "kmscast/log.h"

struct econn {
	struct exporter *e;
	struct econn *next;
	uv_tcp_t tcp;
	uv_timer_t timer;
	uv_write_t wr;
	char *reply;
	size_t len;
	bool answered;
	bool closing;
	int handles;
	char source[INET6_ADDRSTRLEN];
	uint8_t buf[HTTP_MAX_HEAD + HTTP_MAX_BODY];
};

struct exporter {
	uv_loop_t *loop;
	const struct metrics *m;
	uv_tcp_t listener;
	struct econn *conns;
	unsigned count;
	unsigned long refused;
	bool destroying;
	int handles;
	char address[80];
};

static void maybe_free(struct exporter *e)
{
	if (e->destroying && e->handles == 0 && !e->conns)
		free(e);
}

static void econn_closed(uv_handle_t *h)
{
	struct econn *c = h->data;
	struct exporter *e = c->e;
	if (--c->handles > 0)
		return;
	for (struct econn **p = &e->conns; *p; p = &(*p)->next) {
		if (*p == c) {
			*p = c->next;
			break;
		}
	}
	free(c->reply);
	free(c);
	maybe_free(e);
}

static void econn_close(struct econn *c)
{
	if (c->closing)
		return;
	c->closing = true;
	c->e->count--;
	uv_close((uv_handle_t *)&c->tcp, econn_closed);
	uv_close((uv_handle_t *)&c->timer, econn_closed);
}

static void on_written(uv_write_t *w, int status)
{
	(void)status;
	econn_close(w->data);
}

/* One answer, then the connection closes: a scrape is one request. */
static void answer(struct econn *c, const char *status, const char *type, const char *body,
		   size_t body_len)
{
	char head[256];
	int n = snprintf(head, sizeof(head),
			 "HTTP/1.1 %s\r\nContent-Type: %s\r\nContent-Length: %zu\r\n"
			 "Cache-Control: no-store\r\nConnection: close\r\n\r\n",
			 status, type, body_len);
	c->answered = true;
	uv_read_stop((uv_stream_t *)&c->tcp);
	c->reply = malloc((size_t)n + body_len);
	if (!c->reply) {
		econn_close(c);
		return;
	}
	memcpy(c->reply, head, (size_t)n);
	memcpy(c->reply + n, body, body_len);
	uv_buf_t b = uv_buf_init(c->reply, (unsigned)((size_t)n + body_len));
	c->wr.data = c;
	if (uv_write(&c->wr, (uv_stream_t *)&c->tcp, &b, 1, on_written) != 0)
		econn_close(c);
}

static void answer_text(struct econn *c, const char *status, const char *text)
{
	answer(c, status, "text/plain; charset=utf-8", text, strlen(text));
}

static void serve(struct econn *c, const struct http_request *req)
{
	if (strcmp(req->method, "GET") != 0) {
		answer_text(c, "405 Method Not Allowed", "only GET /metrics is served here\n");
		return;
	}
	/* Prometheus may add ?query parameters; the path is what counts. */
	size_t plen = strcspn(req->path, "?");
	if (plen != 8 || strncmp(req->path, "/metrics", 8) != 0) {
		answer_text(c, "404 Not Found", "kmscastd serves its metrics at /metrics\n");
		return;
	}
	size_t need = metrics_format(c->e->m, NULL, 0);
	char *body = malloc(need + 1);
	if (!body) {
		answer_text(c, "500 Internal Server Error", "out of memory\n");
		return;
	}
	metrics_format(c->e->m, body, need + 1);
	answer(c, "200 OK", "text/plain; version=0.0.4; charset=utf-8", body, need);
	free(body);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *b)
{
	struct econn *c = h->data;
	(void)suggested;
	b->base = (char *)c->buf + c->len;
	b->len = sizeof(c->buf) - c->len;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *b)
{
	struct econn *c = s->data;
	struct http_request req;
	size_t used = 0;
	(void)b;
	if (n < 0) {
		econn_close(c);
		return;
	}
	c->len += (size_t)n;
	if (c->answered)
		return;
	int r = http_parse_request(c->buf, c->len, &req, &used);
	if (r < 0) {
		char text[96];
		snprintf(text, sizeof(text), "bad request (%s)\n", http_status_for(r));
		answer_text(c, http_status_for(r), text);
	} else if (used > 0) {
		serve(c, &req);
	} else if (c->len == sizeof(c->buf)) {
		answer_text(c, "431 Request Header Fields Too Large", "request too large\n");
	}
}

static void on_timeout(uv_timer_t *t) { econn_close(t->data); }

/* The oldest connection that has not asked yet, from source (or any
 * when source is NULL), or NULL: conns is newest first. */
static struct econn *oldest_idle(struct exporter *e, const char *source, unsigned *from)
{
	struct econn *old = NULL;
	*from = 0;
	for (struct econn *c = e->conns; c; c = c->next) {
		if (c->closing || (source && strcmp(c->source, source) != 0))
			continue;
		(*from)++;
		if (!c->answered)
			old = c;
	}
	return old;
}

/* Room for a connection from source: past the per-source or total limit,
 * the oldest that has not asked yet goes (a scraper asks at once; a peer
 * holding connections open must not lock it out). False when every one
 * is busy answering. */
static bool make_room(struct exporter *e, const char *source)
{
	unsigned mine, all;
	struct econn *old = oldest_idle(e, source, &mine);
	if (mine >= EXPORTER_MAX_PER_SOURCE) {
		if (!old)
			return false;
		econn_close(old);
	}
	old = oldest_idle(e, NULL, &all);
	if (all >= EXPORTER_MAX_CONNS) {
		if (!old)
			return false;
		econn_close(old);
	}
	return true;
}

static void on_connection(uv_stream_t *l, int status)
{
	struct exporter *e = l->data;
	unsigned port;
	if (status < 0)
		return;
	struct econn *c = calloc(1, sizeof(*c));
	if (!c)
		return;
	c->e = e;
	uv_tcp_init(e->loop, &c->tcp);
	uv_timer_init(e->loop, &c->timer);
	c->tcp.data = c->timer.data = c;
	c->handles = 2;
	if (uv_accept(l, (uv_stream_t *)&c->tcp) != 0) {
		c->next = e->conns;
		e->conns = c;
		e->count++;
		econn_close(c);
		return;
	}
	uv_os_fd_t fd;
	if (uv_fileno((uv_handle_t *)&c->tcp, &fd) != 0 ||
	    conn_peer_addr(fd, c->source, sizeof(c->source), &port) != 0)
		snprintf(c->source, sizeof(c->source), "?");
	bool room = make_room(e, c->source);
	c->next = e->conns;
	e->conns = c;
	e->count++;
	if (!room) {
		if (e->refused++ % 100 == 0)
			log_printf(
				LOG_WARN,
				"metrics: %u connections busy (%u from %s); closing the newest (%lu "
				"so far)",
				e->count - 1, EXPORTER_MAX_PER_SOURCE, c->source, e->refused);
		econn_close(c);
		return;
	}
	uv_timer_start(&c->timer, on_timeout, EXPORTER_TIMEOUT_MS, 0);
	uv_read_start((uv_stream_t *)&c->tcp, on_alloc, on_read);
}

static void listener_closed(uv_handle_t *h)
{
	struct exporter *e = h->data;
	e->handles--;
	maybe_free(e);
}

int exporter_create(uv_loop_t *loop, const char *spec, const struct metrics *m,
		    struct exporter **out, char *err, size_t len)
{
	struct exporter *e = calloc(1, sizeof(*e));
	if (!e)
		return -ENOMEM;
	int fd = listen_tcp(spec, EXPORTER_DEFAULT_PORT, true, "--metrics-listen", e->address,
			    sizeof(e->address), err, len);
	if (fd < 0) {
		free(e);
		return fd;
	}
	e->loop = loop;
	e->m = m;
	uv_tcp_init(loop, &e->listener);
	e->listener.data = e;
	e->handles = 1;
	int r = uv_tcp_open(&e->listener, fd);
	if (r != 0)
		close(fd); /* else the handle owns it */
	else
		r = uv_listen((uv_stream_t *)&e->listener, 16, on_connection);
	if (r != 0) {
		snprintf(err, len, "--metrics-listen %s: %s", e->address, uv_strerror(r));
		e->destroying = true;
		uv_close((uv_handle_t *)&e->listener, listener_closed);
		return r;
	}
	*out = e;
	return 0;
}

const char *exporter_address(const struct exporter *e) { return e->address; }

void exporter_destroy(struct exporter *e)
{
	if (!e)
		return;
	e->destroying = true;
	for (struct econn *c = e->conns; c; c = c->next)
		econn_close(c);
	uv_close((uv_handle_t *)&e->listener, listener_closed);
}
