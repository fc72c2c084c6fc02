// SPDX-License-Identifier: MIT
/* The capture helper's wire format and fd passing, both ends; see
 * include/kmscast/privsep.h. */
/* struct ucred and SCM_CREDENTIALS */
#define _GNU_SOURCE
#include "kmscast/privsep.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kmscast/errmsg.h"

int privsep_send(int fd, const void *msg, size_t n, const int *fds, unsigned n_fds)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PRIVSEP_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = (void *)msg, .iov_len = n};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1};

	if (n_fds > PRIVSEP_MAX_FDS)
		return -EINVAL;
	if (n_fds) {
		memset(&u, 0, sizeof(u));
		mh.msg_control = u.buf;
		mh.msg_controllen = CMSG_SPACE(sizeof(int) * n_fds);
		struct cmsghdr *c = CMSG_FIRSTHDR(&mh);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * n_fds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * n_fds);
	}
	ssize_t w;
	while ((w = sendmsg(fd, &mh, MSG_NOSIGNAL)) < 0 && errno == EINTR) {
	}
	if (w < 0)
		return -errno;
	return (size_t)w == n ? 0 : -EIO;
}

ssize_t privsep_recv(int fd, void *msg, size_t n, int *fds, unsigned max, unsigned *n_fds,
		     struct ucred *cred, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PRIVSEP_MAX_FDS) +
			 CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = msg, .iov_len = n};
	struct msghdr mh = {.msg_iov = &iov,
			    .msg_iovlen = 1,
			    .msg_control = u.buf,
			    .msg_controllen = sizeof(u.buf)};
	ssize_t r;
	unsigned got = 0;
	bool have_cred = false, too_many = false;

	while ((r = recvmsg(fd, &mh, MSG_CMSG_CLOEXEC | flags)) < 0 && errno == EINTR) {
	}
	if (r < 0)
		return -errno;
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&mh); c; c = CMSG_NXTHDR(&mh, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_RIGHTS) {
			unsigned k = (unsigned)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
			for (unsigned i = 0; i < k; i++) {
				int f;
				memcpy(&f, CMSG_DATA(c) + i * sizeof(int), sizeof(int));
				if (got < max)
					fds[got++] = f;
				else {
					close(f);
					too_many = true;
				}
			}
		} else if (c->cmsg_type == SCM_CREDENTIALS &&
			   c->cmsg_len >= CMSG_LEN(sizeof(struct ucred))) {
			memcpy(cred, CMSG_DATA(c), sizeof(*cred));
			have_cred = true;
		}
	}
	*n_fds = got;
	if (r == 0 && !got)
		return 0;
	if (too_many || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || !have_cred) {
		for (unsigned i = 0; i < got; i++)
			close(fds[i]);
		*n_fds = 0;
		return -EPROTO;
	}
	return r;
}

int privsep_check_req(const struct privsep_req *r, size_t n, char *err, size_t len)
{
	if (n != sizeof(*r))
		return errmsg(err, len, -EPROTO, "request of %zu bytes, want %zu", n, sizeof(*r));
	if (r->magic != PRIVSEP_MAGIC || r->version != PRIVSEP_VERSION)
		return errmsg(err, len, -EPROTO,
			      "request with magic %08x version %u, want %08x "
			      "version %u",
			      r->magic, r->version, PRIVSEP_MAGIC, PRIVSEP_VERSION);
	if (r->op < PRIVSEP_INFO || r->op == PRIVSEP_VBLANK || r->op > PRIVSEP_CONSOLE)
		return errmsg(err, len, -EPROTO, "unknown request %u", r->op);
	return 0;
}

static bool terminated(const char *s, size_t n) { return memchr(s, '\0', n) != NULL; }

static int check_buffer(const struct capture_buffer *b, const char *what, char *err, size_t len)
{
	if (b->n_planes < 1 || b->n_planes > CAPTURE_MAX_PLANES)
		return errmsg(err, len, -EPROTO, "%s with %u planes", what, b->n_planes);
	if (!b->fb_id || !b->width || !b->height)
		return errmsg(err, len, -EPROTO, "%s without an id or a size", what);
	return 0;
}

int privsep_check_resp(const struct privsep_resp *r, size_t n, uint16_t op, uint32_t seq,
		       unsigned n_fds, char *err, size_t len)
{
	unsigned want_fds = 0;

	if (n != sizeof(*r))
		return errmsg(err, len, -EPROTO, "answer of %zu bytes, want %zu", n, sizeof(*r));
	if (r->magic != PRIVSEP_MAGIC || r->version != PRIVSEP_VERSION)
		return errmsg(err, len, -EPROTO,
			      "answer with magic %08x version %u, want %08x "
			      "version %u",
			      r->magic, r->version, PRIVSEP_MAGIC, PRIVSEP_VERSION);
	if (r->op != op || r->seq != seq)
		return errmsg(err, len, -EPROTO, "answer %u #%u to request %u #%u", r->op, r->seq,
			      op, seq);
	if (!terminated(r->err, sizeof(r->err)))
		return errmsg(err, len, -EPROTO, "unterminated error text");
	if (r->result > 0 || r->result < -4095)
		return errmsg(err, len, -EPROTO, "result %d", r->result);
	if (r->result == 0 && (op == PRIVSEP_INFO || op == PRIVSEP_RESCAN) &&
	    (!terminated(r->u.info.driver, sizeof(r->u.info.driver)) ||
	     !terminated(r->u.info.output, sizeof(r->u.info.output))))
		return errmsg(err, len, -EPROTO, "unterminated names");
	if (r->result == 0 && op == PRIVSEP_CONSOLE &&
	    (r->u.console.mode >= CAPTURE_CONSOLE_COUNT || r->u.console.number > CAPTURE_VT_MAX))
		return errmsg(err, len, -EPROTO, "console mode %u on tty%u", r->u.console.mode,
			      r->u.console.number);
	if (r->result == 0 && op == PRIVSEP_GRAB) {
		const struct capture_frame *f = &r->u.frame;
		/* A bool is read as a byte first: any other value than 0 or 1
		 * is no bool at all. */
		uint8_t cursor = *(const uint8_t *)&f->has_cursor;
		int e = f->blanked > 1 ? errmsg(err, len, -EPROTO, "blanked is %u", f->blanked)
			: cursor > 1   ? errmsg(err, len, -EPROTO, "has_cursor is %u", cursor)
				       : check_buffer(&f->fb, "framebuffer", err, len);
		if (!e && f->has_cursor)
			e = check_buffer(&f->cursor, "cursor", err, len);
		if (e)
			return e;
		want_fds = f->fb.n_planes + (f->has_cursor ? f->cursor.n_planes : 0);
	}
	if (r->n_fds != want_fds || n_fds != want_fds)
		return errmsg(err, len, -EPROTO, "%u fds came (%u announced), want %u", n_fds,
			      r->n_fds, want_fds);
	return 0;
}

int privsep_call(struct privsep_peer *p, uint16_t op, uint32_t arg, struct privsep_resp *resp,
		 int fds[PRIVSEP_MAX_FDS], unsigned *n_fds, char *err, size_t len)
{
	struct privsep_req req = {.magic = PRIVSEP_MAGIC,
				  .version = PRIVSEP_VERSION,
				  .op = op,
				  .seq = ++p->seq,
				  .arg = arg};
	struct ucred cred = {0};
	int r = privsep_send(p->fd, &req, sizeof(req), NULL, 0);

	*n_fds = 0;
	if (r < 0)
		return errmsg(err, len, -EPIPE, "the capture helper is gone (%s)", strerror(-r));
	/* The wait is bounded by SO_RCVTIMEO, set once on the socket. */
	ssize_t got =
		privsep_recv(p->fd, resp, sizeof(*resp), fds, PRIVSEP_MAX_FDS, n_fds, &cred, 0);
	if (got == -EAGAIN)
		return errmsg(err, len, -ETIMEDOUT, "the capture helper did not answer in %d ms",
			      PRIVSEP_CALL_TIMEOUT_MS);
	if (got == 0)
		return errmsg(err, len, -EPIPE, "the capture helper is gone");
	if (got < 0)
		return errmsg(err, len, (int)got, "reading the capture helper's answer: %s",
			      strerror((int)-got));
	r = cred.pid == p->pid && cred.uid == p->uid
		    ? privsep_check_resp(resp, (size_t)got, op, req.seq, *n_fds, err, len)
		    : errmsg(err, len, -EPERM,
			     "an answer from pid %d uid %u, not the capture helper "
			     "(pid %d)",
			     cred.pid, cred.uid, p->pid);
	if (r < 0) {
		for (unsigned i = 0; i < *n_fds; i++)
			close(fds[i]);
		*n_fds = 0;
		return r;
	}
	resp->err[sizeof(resp->err) - 1] = '\0';
	return 0;
}

int privsep_read_vblank(struct privsep_peer *p, uint64_t *t_us)
{
	struct privsep_resp ev;
	struct ucred cred = {0};
	int fds[PRIVSEP_MAX_FDS];
	unsigned n_fds = 0;
	char err[64];
	ssize_t got = privsep_recv(p->ev_fd, &ev, sizeof(ev), fds, PRIVSEP_MAX_FDS, &n_fds, &cred,
				   MSG_DONTWAIT);

	if (got == 0)
		return -EPIPE;
	if (got < 0)
		return (int)got;
	if (cred.pid != p->pid ||
	    privsep_check_resp(&ev, (size_t)got, PRIVSEP_VBLANK, ev.seq, n_fds, err, sizeof(err))) {
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		return -EPROTO;
	}
	if (ev.result < 0)
		return ev.result;
	*t_us = ev.u.vblank_us;
	return 0;
}

void privsep_peer_close(struct privsep_peer *p)
{
	if (p->fd >= 0)
		close(p->fd);
	if (p->ev_fd >= 0)
		close(p->ev_fd);
	if (p->board)
		munmap((void *)p->board, sizeof(*p->board));
	p->fd = p->ev_fd = -1;
	p->board = NULL;
}

/* A seqlock: copy, and keep the copy only if no write began or ended
 * meanwhile. */
int privsep_read_board(const struct privsep_peer *p, struct capture_peek *out)
{
	if (!p->board)
		return -EAGAIN;
	for (int tries = 0; tries < 100; tries++) {
		uint32_t s1 = __atomic_load_n(&p->board->seq, __ATOMIC_ACQUIRE);
		if (s1 == 0)
			return -EAGAIN;
		if (s1 & 1)
			continue;
		memcpy(out, &p->board->peek, sizeof(*out));
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&p->board->seq, __ATOMIC_RELAXED) == s1)
			return 0;
	}
	return -EAGAIN;
}
