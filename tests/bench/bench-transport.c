// SPDX-License-Identifier: MIT
/* bench-transport tls|plain: the same traffic over loopback through conn,
 * once with TLS 1.3 and once on plain TCP. A forked sender streams video
 * frames under the usual ack window; the receiver acks each one.
 *   throughput: FRAMES frames of SIZE bytes, window 8, MB/s at the receiver
 *   latency:    1 KiB frames one at a time (window 1), send-to-receive time
 *               from CLOCK_MONOTONIC (same host), p50 and p99
 * Prints one line: MODE throughput_MBps p50_us p99_us cipher ktls|user-space */
#include <netinet/in.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "kmscast/conn.h"
#include "kmscast/clock.h"
#include "kmscast/ident.h"
#include "kmscast/tls.h"

#define BIG_FRAMES 2000
#define BIG_SIZE (256 * 1024)
#define SMALL_FRAMES 2000
#define SMALL_SIZE 1024

struct peer {
	uv_loop_t loop;
	struct conn *c;
	uint8_t *payload;
	uint32_t next, total;
	size_t size;
	/* receiver */
	uint64_t t_first, t_last, bytes;
	uint64_t *lat;
	uint32_t got;
	char cipher[64];
	bool ktls;
};

static void send_more(struct peer *p)
{
	while (p->next < p->total && conn_can_send_frame(p->c)) {
		struct proto_msg m = {.type = PROTO_VIDEO_FRAME};
		m.u.frame.seq = p->next;
		m.u.frame.capture_us = mono_us();
		m.u.frame.payload = p->payload;
		m.u.frame.payload_len = (uint32_t)p->size;
		if (conn_send(p->c, &m) != 0)
			return;
		p->next++;
	}
}

static void s_open(struct conn *c, void *d) { (void)c; send_more(d); }
static void s_drain(struct conn *c, void *d)
{
	struct peer *p = d;
	(void)c;
	send_more(p);
	if (p->next == p->total && conn_frames_in_flight(p->c) == 0)
		conn_close(p->c, 0, NULL);
}
static void s_msg(struct conn *c, const struct proto_msg *m, void *d)
{
	(void)c;
	(void)m;
	(void)d;
}
static void closed(struct conn *c, const char *why, void *d)
{
	(void)c;
	(void)why;
	((struct peer *)d)->c = NULL;
}

static void r_msg(struct conn *c, const struct proto_msg *m, void *d)
{
	struct peer *p = d;
	if (m->type != PROTO_VIDEO_FRAME)
		return;
	uint64_t now = mono_us();
	if (!p->got) {
		p->t_first = now;
		SSL *ssl = conn_ssl(c);
		snprintf(p->cipher, sizeof(p->cipher), "%s", ssl ? SSL_get_cipher_name(ssl) : "-");
		p->ktls = conn_ktls_send(c);
	}
	p->t_last = now;
	p->bytes += m->u.frame.payload_len;
	if (p->lat && p->got < p->total)
		p->lat[p->got] = now - m->u.frame.capture_us;
	p->got++;
	struct proto_msg ack = {.type = PROTO_FRAME_ACK};
	ack.u.ack_seq = m->u.frame.seq;
	conn_send(c, &ack);
}

static SSL *make_ssl(bool server, const char *dir)
{
	struct ident *id;
	char err[256];
	if (ident_load_or_create(dir, "bench", &id, err, sizeof(err)) != 0) {
		fprintf(stderr, "bench: %s\n", err);
		exit(1);
	}
	SSL_CTX *ctx = tls_ctx_create(server, id, NULL, err, sizeof(err));
	SSL *ssl = SSL_new(ctx);
	if (server)
		SSL_set_accept_state(ssl);
	else
		SSL_set_connect_state(ssl);
	SSL_CTX_free(ctx); /* the SSL keeps a reference */
	ident_destroy(id);
	return ssl;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
	return x < y ? -1 : x > y;
}

/* One run: returns the receiver's peer state after the sender closed. */
static void run(bool tls, const char *dir, uint32_t frames, size_t size, unsigned window,
		struct peer *rx)
{
	int lfd = socket(AF_INET, SOCK_STREAM, 0);
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t sl = sizeof(sa);
	bind(lfd, (struct sockaddr *)&sa, sizeof(sa));
	listen(lfd, 1);
	getsockname(lfd, (struct sockaddr *)&sa, &sl);
	pid_t pid = fork();
	if (pid == 0) { /* sender */
		char sdir[512];
		snprintf(sdir, sizeof(sdir), "%s/server", dir);
		int fd = accept(lfd, NULL, NULL);
		struct peer p = {.total = frames, .size = size};
		p.payload = calloc(1, size);
		uv_loop_init(&p.loop);
		struct conn_options o = {.side = PROTO_SIDE_SERVER, .fd = fd,
					 .ssl = tls ? make_ssl(true, sdir) : NULL, .window = window,
					 .idle_ms = 60000};
		struct conn_callbacks cb = {.on_open = s_open, .on_message = s_msg,
					    .on_drain = s_drain, .on_closed = closed};
		conn_create(&p.loop, &o, &cb, &p, &p.c);
		uv_run(&p.loop, UV_RUN_DEFAULT);
		uv_loop_close(&p.loop);
		free(p.payload);
		_exit(0);
	}
	close(lfd);
	char cdir[512];
	snprintf(cdir, sizeof(cdir), "%s/client", dir);
	int fd = socket(AF_INET, SOCK_STREAM, 0);
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		perror("connect");
		exit(1);
	}
	rx->total = frames;
	uv_loop_init(&rx->loop);
	struct conn_options o = {.side = PROTO_SIDE_CLIENT, .fd = fd,
				 .ssl = tls ? make_ssl(false, cdir) : NULL, .idle_ms = 60000};
	struct conn_callbacks cb = {.on_message = r_msg, .on_closed = closed};
	conn_create(&rx->loop, &o, &cb, rx, &rx->c);
	uv_run(&rx->loop, UV_RUN_DEFAULT);
	uv_loop_close(&rx->loop);
	waitpid(pid, NULL, 0);
	if (rx->got != frames) {
		fprintf(stderr, "bench: received %u of %u frames\n", rx->got, frames);
		exit(1);
	}
}

int main(int argc, char **argv)
{
	if (argc != 2 || (strcmp(argv[1], "tls") && strcmp(argv[1], "plain"))) {
		fprintf(stderr, "usage: bench-transport tls|plain\n");
		return 2;
	}
	bool tls = strcmp(argv[1], "tls") == 0;
	char dir[] = "/tmp/kmscast-bench.XXXXXX";
	if (!mkdtemp(dir))
		return 1;
	signal(SIGPIPE, SIG_IGN);

	struct peer big = {0};
	run(tls, dir, BIG_FRAMES, BIG_SIZE, 8, &big);
	double secs = (double)(big.t_last - big.t_first) / 1e6;
	double mbps = (double)big.bytes / 1e6 / (secs > 0 ? secs : 1e-9);

	struct peer small = {0};
	small.lat = calloc(SMALL_FRAMES, sizeof(uint64_t));
	run(tls, dir, SMALL_FRAMES, SMALL_SIZE, 1, &small);
	qsort(small.lat, SMALL_FRAMES, sizeof(uint64_t), cmp_u64);
	printf("%s %.0f %llu %llu %s %s\n", argv[1], mbps,
	       (unsigned long long)small.lat[SMALL_FRAMES / 2],
	       (unsigned long long)small.lat[SMALL_FRAMES * 99 / 100], big.cipher,
	       big.ktls ? "ktls" : "user-space");
	free(small.lat);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	return system(cmd) == 0 ? 0 : 1;
}
