// SPDX-License-Identifier: MIT
/* net-flood [--hello N] [--bind ADDR,...] [--keyframes] [--mode MODE]
 * [--cookie C] [--host H] CERT KEY HOST PORT COUNT SECONDS: holds COUNT
 * connections to a kmscastd for SECONDS, each writing as fast as the socket
 * takes it and never reading a byte. What it writes is the phase of the
 * listener it floods (--mode):
 *   native   TLS, PINGs (or with --keyframes, KEYFRAME_REQUESTs); the first
 *            N (default 0) send a view-only HELLO first, so an authorized
 *            certificate makes them sessions; the rest stay unauthenticated;
 *   http     TLS with ALPN http/1.1, pipelined GETs of /viewer.js;
 *   ws       TLS with ALPN http/1.1, the upgrade to the WebSocket (with
 *            Cookie C when given), a view-only HELLO in a binary message for
 *            the first N, then PING frames of 125 bytes each;
 *   metrics  plain TCP, pipelined GETs of /metrics (the exporter's port).
 * Each connection binds to the next of the --bind addresses (loopback ones:
 * one source each). A connection the server closes is made again after
 * 100 ms. Prints what it did; exit 0 when it ran, since the test judges the
 * daemon, not this tool. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kmscast/clock.h"

#include "kmscast/proto.h"

#define MAX_CONN 256
#define MAX_BIND 8
#define BATCH 256 /* PINGs (requests, frames) per write */

enum mode { M_NATIVE, M_HTTP, M_WS, M_METRICS };

enum phase { IDLE, CONNECTING, HANDSHAKE, FLOODING };

struct slot {
	int fd;
	SSL *ssl;
	enum phase phase;
	bool hello, hello_sent;
	size_t off; /* plain TCP: how much of the batch the socket took */
	long long retry_ms;
};

static void drop(struct slot *s, long *closed)
{
	if (s->ssl)
		SSL_free(s->ssl);
	if (s->fd >= 0)
		close(s->fd);
	s->ssl = NULL;
	s->fd = -1;
	s->phase = IDLE;
	s->hello_sent = false;
	s->off = 0;
	s->retry_ms = (long long)mono_ms() + 100;
	(*closed)++;
}

static int start(struct slot *s, SSL_CTX *ctx, const struct sockaddr_in *to,
		 const struct in_addr *from)
{
	struct sockaddr_in me = {.sin_family = AF_INET, .sin_addr = *from};
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0 || bind(s->fd, (struct sockaddr *)&me, sizeof(me)) != 0)
		return -1;
	if (connect(s->fd, (const struct sockaddr *)to, sizeof(*to)) != 0 && errno != EINPROGRESS)
		return -1;
	if (!ctx) {
		s->phase = FLOODING; /* plain TCP: the exporter */
		return 0;
	}
	s->ssl = SSL_new(ctx);
	SSL_set_fd(s->ssl, s->fd);
	SSL_set_connect_state(s->ssl);
	s->phase = HANDSHAKE;
	return 0;
}

/* Writes what the socket takes: HELLO once, then batches of PINGs (the
 * same bytes each time, as SSL_write wants for a retry). */
static int pump(struct slot *s, const uint8_t *hello, size_t hello_len, const uint8_t *pings,
		size_t pings_len, long *sent)
{
	for (int i = 0; i < 64; i++) {
		bool h = s->hello && !s->hello_sent;
		const void *buf = h ? hello : pings;
		size_t len = h ? hello_len : pings_len;
		if (!s->ssl) {
			/* Plain TCP: the same bytes again until all are taken. */
			ssize_t w = send(s->fd, (const uint8_t *)buf + s->off, len - s->off,
					 MSG_NOSIGNAL);
			if (w < 0)
				return errno == EAGAIN || errno == EINTR ? 0 : -1;
			s->off += (size_t)w;
			if (s->off < len)
				return 0;
			s->off = 0;
		} else {
			int r = SSL_write(s->ssl, buf, (int)len);
			if (r <= 0) {
				int e = SSL_get_error(s->ssl, r);
				ERR_clear_error();
				return e == SSL_ERROR_WANT_WRITE || e == SSL_ERROR_WANT_READ ? 0 : -1;
			}
		}
		if (h)
			s->hello_sent = true;
		else
			*sent += BATCH;
	}
	return 0;
}

int main(int argc, char **argv)
{
	int hellos = 0, nbind = 0;
	bool keyframes = false;
	enum mode mode = M_NATIVE;
	const char *cookie = NULL;
	signal(SIGPIPE, SIG_IGN); /* the server resets connections it drops */
	struct in_addr from[MAX_BIND];
	int a = 1;
	from[0].s_addr = htonl(INADDR_LOOPBACK);
	while (a < argc && strncmp(argv[a], "--", 2) == 0) {
		if (strcmp(argv[a], "--keyframes") == 0) {
			keyframes = true;
			a++;
			continue;
		}
		if (strcmp(argv[a], "--hello") == 0 && a + 1 < argc) {
			hellos = atoi(argv[a + 1]);
		} else if (strcmp(argv[a], "--mode") == 0 && a + 1 < argc) {
			const char *m = argv[a + 1];
			mode = strcmp(m, "http") == 0	 ? M_HTTP
			       : strcmp(m, "ws") == 0	 ? M_WS
			       : strcmp(m, "metrics") == 0 ? M_METRICS
							   : M_NATIVE;
			if (mode == M_NATIVE && strcmp(m, "native") != 0)
				return fprintf(stderr, "net-flood: no mode %s\n", m), 2;
		} else if (strcmp(argv[a], "--cookie") == 0 && a + 1 < argc) {
			cookie = argv[a + 1];
		} else if (strcmp(argv[a], "--bind") == 0 && a + 1 < argc) {
			for (char *t = strtok(argv[a + 1], ","); t && nbind < MAX_BIND; t = strtok(NULL, ","))
				if (inet_pton(AF_INET, t, &from[nbind++]) != 1)
					return fprintf(stderr, "net-flood: bad address %s\n", t), 2;
		} else {
			break;
		}
		a += 2;
	}
	if (argc - a != 6) {
		fprintf(stderr, "usage: net-flood [--hello N] [--bind ADDR,...] [--keyframes] [--mode "
			"native|http|ws|metrics] [--cookie C] CERT KEY "
			"HOST PORT COUNT SECONDS\n");
		return 2;
	}
	nbind = nbind ? nbind : 1;
	struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[a + 3]))};
	if (inet_pton(AF_INET, argv[a + 2], &to.sin_addr) != 1)
		return fprintf(stderr, "net-flood: want an IPv4 address\n"), 2;
	int count = atoi(argv[a + 4]), seconds = atoi(argv[a + 5]);
	if (count < 1 || count > MAX_CONN || seconds < 1)
		return fprintf(stderr, "net-flood: COUNT 1..%d, SECONDS > 0\n", MAX_CONN), 2;

	SSL_CTX *ctx = NULL;
	if (mode != M_METRICS) {
		ctx = SSL_CTX_new(TLS_client_method());
		SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
		if (SSL_CTX_use_certificate_file(ctx, argv[a], SSL_FILETYPE_PEM) != 1 ||
		    SSL_CTX_use_PrivateKey_file(ctx, argv[a + 1], SSL_FILETYPE_PEM) != 1)
			return fprintf(stderr, "net-flood: cannot load %s / %s\n", argv[a], argv[a + 1]), 1;
		if (mode != M_NATIVE)
			SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)"\x08http/1.1", 9);
	}

	/* What each connection writes first (helloA for the first N, helloB
	 * for the rest; empty: nothing), then again and again (pings). */
	static uint8_t pings[BATCH * 160], helloA[1024], helloB[1024];
	size_t pings_len = 0, la = 0, lb = 0;
	char host[64];
	snprintf(host, sizeof(host), "%s:%s", argv[a + 2], argv[a + 3]);
	struct proto_msg hm = {.type = PROTO_HELLO};
	hm.u.hello.version = PROTO_VERSION;
	hm.u.hello.magic = PROTO_MAGIC;
	hm.u.hello.codecs = (1u << PROTO_CODEC_COUNT) - 1;
	hm.u.hello.flags = PROTO_HELLO_VIEW_ONLY;
	hm.u.hello.max_width = hm.u.hello.max_height = 4096;
	hm.u.hello.name_len = 5;
	memcpy(hm.u.hello.name, "flood", 6);
	uint8_t hello[256];
	long hl = proto_encode(&hm, hello, sizeof(hello));
	if (hl <= 0 || hl > 125)
		return fprintf(stderr, "net-flood: cannot encode HELLO\n"), 1;
	for (int i = 0; i < BATCH; i++) {
		if (mode == M_NATIVE) {
			struct proto_msg m = {.type = keyframes ? PROTO_KEYFRAME_REQUEST : PROTO_PING};
			m.u.ping = (uint64_t)i;
			pings_len += (size_t)proto_encode(&m, pings + pings_len, sizeof(pings) - pings_len);
		} else if (mode == M_WS) {
			/* A masked PING (the zero mask is a mask) with the most a
			 * control frame may carry, so each asks for the largest PONG. */
			pings[pings_len++] = 0x89;
			pings[pings_len++] = 0x80 | 125;
			memset(pings + pings_len, 0, 4 + 125);
			pings_len += 4 + 125;
		} else {
			pings_len += (size_t)snprintf((char *)pings + pings_len, sizeof(pings) - pings_len,
						      "GET /%s HTTP/1.1\r\nHost: %s\r\n\r\n",
						      mode == M_HTTP ? "viewer.js" : "metrics", host);
			if (pings_len > sizeof(pings) / 2)
				break;
		}
	}
	if (mode == M_NATIVE) {
		memcpy(helloA, hello, (size_t)hl);
		la = (size_t)hl;
	} else if (mode == M_WS) {
		lb = (size_t)snprintf((char *)helloB, sizeof(helloB),
				      "GET /ws HTTP/1.1\r\nHost: %s\r\nOrigin: https://%s\r\n"
				      "Upgrade: websocket\r\nConnection: Upgrade\r\n"
				      "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
				      "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Protocol: kmscast\r\n"
				      "%s%s%s\r\n",
				      host, host, cookie ? "Cookie: " : "", cookie ? cookie : "",
				      cookie ? "\r\n" : "");
		memcpy(helloA, helloB, lb);
		la = lb;
		helloA[la++] = 0x82;
		helloA[la++] = (uint8_t)(0x80 | hl);
		memset(helloA + la, 0, 4);
		la += 4;
		memcpy(helloA + la, hello, (size_t)hl);
		la += (size_t)hl;
	}

	static struct slot slots[MAX_CONN];
	struct pollfd pfd[MAX_CONN];
	long made = 0, closed = 0, sent = 0, up_max = 0;
	for (int i = 0; i < count; i++)
		slots[i] = (struct slot){.fd = -1, .hello = (i < hellos ? la : lb) > 0};
	long long end = (long long)mono_ms() + seconds * 1000LL;
	while ((long long)mono_ms() < end) {
		long up = 0;
		for (int i = 0; i < count; i++) {
			struct slot *s = &slots[i];
			if (s->phase == IDLE && (long long)mono_ms() >= s->retry_ms) {
				if (start(s, ctx, &to, &from[i % nbind]) == 0)
					made++;
				else
					drop(s, &closed);
			}
			pfd[i].fd = s->fd;
			pfd[i].events = s->phase == IDLE ? 0 : POLLOUT | (s->phase == HANDSHAKE ? POLLIN : 0);
			pfd[i].revents = 0;
			up += s->phase == FLOODING;
		}
		up_max = up > up_max ? up : up_max;
		poll(pfd, (nfds_t)count, 50);
		for (int i = 0; i < count; i++) {
			struct slot *s = &slots[i];
			if (s->phase == IDLE || !pfd[i].revents)
				continue;
			if (s->phase == HANDSHAKE) {
				int r = SSL_do_handshake(s->ssl);
				if (r == 1) {
					s->phase = FLOODING;
				} else {
					int e = SSL_get_error(s->ssl, r);
					ERR_clear_error();
					if (e != SSL_ERROR_WANT_READ && e != SSL_ERROR_WANT_WRITE)
						drop(s, &closed);
					continue;
				}
			}
			if (pfd[i].revents & (POLLERR | POLLHUP) ||
			    pump(s, i < hellos ? helloA : helloB, i < hellos ? la : lb, pings,
				 pings_len, &sent) != 0)
				drop(s, &closed);
		}
	}
	long dropped = closed;
	for (int i = 0; i < count; i++)
		if (slots[i].phase != IDLE)
			drop(&slots[i], &closed);
	SSL_CTX_free(ctx);
	static const char *const what[] = {"PINGs", "HTTP requests", "WebSocket PINGs",
					   "metrics requests"};
	printf("flood: %d connections for %d s: %ld made, %ld dropped, at most %ld up at once, "
	       "%ld %s written\n", count, seconds, made, dropped, up_max, sent,
	       keyframes ? "KEYFRAME_REQUESTs" : what[mode]);
	return 0;
}
