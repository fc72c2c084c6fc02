// SPDX-License-Identifier: MIT
/* net-abuse HOST PORT COUNT [CONCURRENCY]: opens COUNT hostile connections
 * to a kmscastd, CONCURRENCY at a time, cycling through: random garbage,
 * a real TLS ClientHello cut short, the same ClientHello a byte at a time
 * (slowloris), a whole ClientHello followed by garbage, and a silent
 * connection. Prints how many of each ran and how many the server closed.
 * Exit 0 when all ran; the test judges the daemon, not this tool. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kmscast/clock.h"

enum kind { GARBAGE, TRUNCATED, SLOWLORIS, HELLO_GARBAGE, SILENT, KINDS };
static const char *const kind_names[KINDS] = {"garbage", "truncated", "slowloris",
					      "hello+garbage", "silent"};

#define HOLD_MS 3000
#define SLOW_STEP_MS 150
#define MAX_CONC 256

struct slot {
	int fd;
	enum kind kind;
	uint8_t buf[8192];
	size_t len, sent;
	long long next_ms, deadline_ms;
};

/* A real ClientHello, taken from OpenSSL writing into a memory BIO. */
static size_t client_hello(uint8_t *out, size_t cap)
{
	SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
	SSL *ssl = SSL_new(ctx);
	BIO *rb = BIO_new(BIO_s_mem()), *wb = BIO_new(BIO_s_mem());
	SSL_set_bio(ssl, rb, wb);
	SSL_connect(ssl);
	size_t n = (size_t)BIO_read(wb, out, (int)cap);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	return n;
}

static void fill_random(uint8_t *p, size_t n, unsigned *seed)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)rand_r(seed);
}

static int start(struct slot *s, const struct sockaddr_in *sa, enum kind k, const uint8_t *hello,
		 size_t hello_len, unsigned *seed)
{
	s->fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
	if (s->fd < 0)
		return -1;
	connect(s->fd, (const struct sockaddr *)sa, sizeof(*sa));
	s->kind = k;
	s->sent = 0;
	s->next_ms = (long long)mono_ms();
	s->deadline_ms = s->next_ms + HOLD_MS;
	switch (k) {
	case GARBAGE:
		s->len = 1 + (size_t)rand_r(seed) % 4096;
		fill_random(s->buf, s->len, seed);
		break;
	case TRUNCATED:
		s->len = 1 + (size_t)rand_r(seed) % (hello_len - 1);
		memcpy(s->buf, hello, s->len);
		break;
	case SLOWLORIS:
		s->len = hello_len;
		memcpy(s->buf, hello, hello_len);
		break;
	case HELLO_GARBAGE:
		memcpy(s->buf, hello, hello_len);
		s->len = hello_len + 1 + (size_t)rand_r(seed) % 2048;
		fill_random(s->buf + hello_len, s->len - hello_len, seed);
		break;
	case SILENT:
	case KINDS:
		s->len = 0;
		break;
	}
	return 0;
}

int main(int argc, char **argv)
{
	if (argc < 4) {
		fprintf(stderr, "usage: net-abuse HOST PORT COUNT [CONCURRENCY]\n");
		return 2;
	}
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)atoi(argv[2]))};
	if (inet_pton(AF_INET, argv[1], &sa.sin_addr) != 1) {
		fprintf(stderr, "net-abuse: want an IPv4 address\n");
		return 2;
	}
	int count = atoi(argv[3]), conc = argc > 4 ? atoi(argv[4]) : 64;
	if (conc < 1 || conc > MAX_CONC)
		conc = 64;
	uint8_t hello[4096];
	size_t hello_len = client_hello(hello, sizeof(hello));
	if (hello_len < 10) {
		fprintf(stderr, "net-abuse: no ClientHello from OpenSSL\n");
		return 1;
	}
	static struct slot slots[MAX_CONC];
	struct pollfd pfd[MAX_CONC];
	int started = 0, active = 0, closed_by_server = 0, ran[KINDS] = {0};
	unsigned seed = 12345;
	for (int i = 0; i < conc; i++)
		slots[i].fd = -1;

	while (started < count || active > 0) {
		for (int i = 0; i < conc && started < count; i++) {
			if (slots[i].fd >= 0)
				continue;
			enum kind k = (enum kind)(started % KINDS);
			if (start(&slots[i], &sa, k, hello, hello_len, &seed) == 0) {
				ran[k]++;
				active++;
			}
			started++;
		}
		for (int i = 0; i < conc; i++) {
			pfd[i].fd = slots[i].fd;
			pfd[i].events = POLLIN;
			if (slots[i].fd >= 0 && slots[i].sent < slots[i].len &&
			    (long long)mono_ms() >= slots[i].next_ms)
				pfd[i].events |= POLLOUT;
		}
		poll(pfd, (nfds_t)conc, 20);
		long long now = (long long)mono_ms();
		for (int i = 0; i < conc; i++) {
			struct slot *s = &slots[i];
			if (s->fd < 0)
				continue;
			bool done = false;
			if (pfd[i].revents & (POLLIN | POLLHUP | POLLERR)) {
				uint8_t junk[4096];
				ssize_t r = recv(s->fd, junk, sizeof(junk), 0);
				if (r == 0 || (r < 0 && errno != EAGAIN)) {
					closed_by_server++;
					done = true;
				}
			}
			if (!done && pfd[i].revents & POLLOUT) {
				size_t n = s->kind == SLOWLORIS ? 1 : s->len - s->sent;
				ssize_t w = send(s->fd, s->buf + s->sent, n, MSG_NOSIGNAL);
				if (w > 0)
					s->sent += (size_t)w;
				else if (w < 0 && errno != EAGAIN)
					done = true;
				s->next_ms = now + (s->kind == SLOWLORIS ? SLOW_STEP_MS : 0);
			}
			if (now > s->deadline_ms)
				done = true;
			if (done) {
				close(s->fd);
				s->fd = -1;
				active--;
			}
		}
	}
	printf("net-abuse: %d connections:", started);
	for (int k = 0; k < KINDS; k++)
		printf(" %d %s", ran[k], kind_names[k]);
	printf("; %d closed by the server\n", closed_by_server);
	return 0;
}
