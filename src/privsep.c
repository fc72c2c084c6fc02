// SPDX-License-Identifier: MIT
/* The capture helper's protocol and loop; see include/kmscast/privsep.h. */
/* struct ucred and SCM_CREDENTIALS */
#define _GNU_SOURCE
#include "kmscast/privsep.h"

#include <errno.h>
#include <poll.h>
#include <stdarg.h>
#include <time.h>
#include <stdio.h>
#include <string.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/prctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kmscast/clock.h"
#include "kmscast/errmsg.h"
#include "kmscast/log.h"
#include "kmscast/sandbox.h"
#include "kmscast/selfstat.h"

/* Long enough for a GetFB2 and an export on a loaded machine under TCG;
 * short enough that a wedged helper shows in the log. */
#define CALL_TIMEOUT_MS 5000

static int send_msg(int fd, const void *msg, size_t n, const int *fds, unsigned n_fds)
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

/* One message: its length (0 at EOF) or -errno. Fds beyond max and a
 * truncated message are refused, with every fd that came closed. */
static ssize_t recv_msg(int fd, void *msg, size_t n, int *fds, unsigned max, unsigned *n_fds,
			struct ucred *cred, int flags)
{
	union {
		char buf[CMSG_SPACE(sizeof(int) * PRIVSEP_MAX_FDS) + CMSG_SPACE(sizeof(struct ucred))];
		struct cmsghdr align;
	} u;
	struct iovec iov = {.iov_base = msg, .iov_len = n};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf,
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
		return errmsg(err, len, -EPROTO, "request with magic %08x version %u, want %08x "
			    "version %u", r->magic, r->version, PRIVSEP_MAGIC, PRIVSEP_VERSION);
	if (r->op < PRIVSEP_INFO || r->op >= PRIVSEP_VBLANK)
		return errmsg(err, len, -EPROTO, "unknown request %u", r->op);
	return 0;
}

static bool terminated(const char *s, size_t n)
{
	return memchr(s, '\0', n) != NULL;
}

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
		return errmsg(err, len, -EPROTO, "answer with magic %08x version %u, want %08x "
			    "version %u", r->magic, r->version, PRIVSEP_MAGIC, PRIVSEP_VERSION);
	if (r->op != op || r->seq != seq)
		return errmsg(err, len, -EPROTO, "answer %u #%u to request %u #%u", r->op, r->seq, op,
			    seq);
	if (!terminated(r->err, sizeof(r->err)))
		return errmsg(err, len, -EPROTO, "unterminated error text");
	if (r->result > 0 || r->result < -4095)
		return errmsg(err, len, -EPROTO, "result %d", r->result);
	if (r->result == 0 && (op == PRIVSEP_INFO || op == PRIVSEP_RESCAN) &&
	    (!terminated(r->u.info.driver, sizeof(r->u.info.driver)) ||
	     !terminated(r->u.info.output, sizeof(r->u.info.output))))
		return errmsg(err, len, -EPROTO, "unterminated names");
	if (r->result == 0 && op == PRIVSEP_GRAB) {
		const struct capture_frame *f = &r->u.frame;
		int e = check_buffer(&f->fb, "framebuffer", err, len);
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
	struct privsep_req req = {.magic = PRIVSEP_MAGIC, .version = PRIVSEP_VERSION, .op = op,
				  .seq = ++p->seq, .arg = arg};
	struct ucred cred = {0};
	int r = send_msg(p->fd, &req, sizeof(req), NULL, 0);

	*n_fds = 0;
	if (r < 0)
		return errmsg(err, len, -EPIPE, "the capture helper is gone (%s)", strerror(-r));
	/* The wait is bounded by SO_RCVTIMEO, set once on the socket. */
	ssize_t got = recv_msg(p->fd, resp, sizeof(*resp), fds, PRIVSEP_MAX_FDS, n_fds, &cred, 0);
	if (got == -EAGAIN)
		return errmsg(err, len, -ETIMEDOUT, "the capture helper did not answer in %d ms",
			      CALL_TIMEOUT_MS);
	if (got == 0)
		return errmsg(err, len, -EPIPE, "the capture helper is gone");
	if (got < 0)
		return errmsg(err, len, (int)got, "reading the capture helper's answer: %s",
			    strerror((int)-got));
	r = cred.pid == p->pid && cred.uid == p->uid
		    ? privsep_check_resp(resp, (size_t)got, op, req.seq, *n_fds, err, len)
		    : errmsg(err, len, -EPERM, "an answer from pid %d uid %u, not the capture helper "
			   "(pid %d)", cred.pid, cred.uid, p->pid);
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
	ssize_t got = recv_msg(p->ev_fd, &ev, sizeof(ev), fds, PRIVSEP_MAX_FDS, &n_fds, &cred,
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

/* The helper's side. */

static void publish(struct privsep_board *b, struct capture *cap)
{
	struct capture_peek pk;

	if (capture_peek(cap, &pk) != 0)
		memset(&pk, 0, sizeof(pk)); /* nothing shown: a grab says why */
	uint32_t s = b->seq;
	__atomic_store_n(&b->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&b->peek, &pk, sizeof(pk));
	__atomic_store_n(&b->seq, s + 2, __ATOMIC_RELEASE);
}

static void answer(int fd, struct privsep_resp *resp, const int *fds, unsigned n_fds)
{
	resp->magic = PRIVSEP_MAGIC;
	resp->version = PRIVSEP_VERSION;
	resp->n_fds = n_fds;
	send_msg(fd, resp, sizeof(*resp), fds, n_fds);
}

static void fill_info(struct capture *cap, struct privsep_info *info)
{
	snprintf(info->driver, sizeof(info->driver), "%s", capture_driver(cap));
	snprintf(info->output, sizeof(info->output), "%s", capture_output_name(cap));
	info->crtc_id = capture_crtc_id(cap);
	info->crtc_index = capture_crtc_index(cap);
	info->card = capture_card(cap);
}

static unsigned frame_fds(struct capture_frame *f, int fds[PRIVSEP_MAX_FDS])
{
	unsigned n = 0;

	for (uint32_t i = 0; i < f->fb.n_planes; i++) {
		fds[n++] = f->fb.fd[i];
		f->fb.fd[i] = -1;
	}
	for (uint32_t i = 0; f->has_cursor && i < f->cursor.n_planes; i++) {
		fds[n++] = f->cursor.fd[i];
		f->cursor.fd[i] = -1;
	}
	return n;
}

static void serve(const struct privsep_helper_options *o, struct capture *cap,
		  const struct privsep_req *req)
{
	struct privsep_resp resp;
	int fds[PRIVSEP_MAX_FDS];
	unsigned n_fds = 0;

	memset(&resp, 0, sizeof(resp));
	resp.op = req->op;
	resp.seq = req->seq;
	switch (req->op) {
	case PRIVSEP_INFO:
		fill_info(cap, &resp.u.info);
		break;
	case PRIVSEP_GRAB:
		resp.result = capture_grab(cap, &resp.u.frame, resp.err, sizeof(resp.err));
		if (resp.result == 0)
			n_fds = frame_fds(&resp.u.frame, fds);
		else
			memset(&resp.u.frame, 0, sizeof(resp.u.frame));
		break;
	case PRIVSEP_PEEK:
		resp.result = capture_peek(cap, &resp.u.peek);
		break;
	case PRIVSEP_IS_CURRENT:
		resp.u.current = capture_is_current(cap, req->arg);
		break;
	case PRIVSEP_VBLANK_ARM:
		resp.result = capture_vblank_arm(cap);
		break;
	case PRIVSEP_RESCAN:
		resp.result = capture_rescan(cap, resp.err, sizeof(resp.err));
		if (resp.result >= 0) {
			resp.result = 0;
			fill_info(cap, &resp.u.info);
		}
		break;
	default:
		resp.result = -EINVAL;
		break;
	}
	answer(o->fd, &resp, fds, n_fds);
}

static void vblank_event(const struct privsep_helper_options *o, struct capture *cap)
{
	struct privsep_resp ev;
	uint64_t t = 0;
	int r = capture_vblank_read(cap, &t);

	if (r == 0)
		return;
	memset(&ev, 0, sizeof(ev));
	ev.op = PRIVSEP_VBLANK;
	ev.result = r < 0 ? r : 0;
	ev.u.vblank_us = t;
	answer(o->ev_fd, &ev, NULL, 0);
}

int privsep_helper_run(const struct privsep_helper_options *o)
{
	struct capture *cap = NULL;
	char err[256] = "";
	int r = capture_create(o->card_fd, &o->capture, &cap, err, sizeof(err));
	unsigned long grabs = 0;
	uint64_t next_look = 0;

	for (;;) {
		struct pollfd pfd[2] = {{.fd = o->fd, .events = POLLIN},
					{.fd = cap ? capture_vblank_fd(cap) : -1, .events = POLLIN}};
		int timeout = -1;
		if (cap && o->board && o->peek_ms) {
			uint64_t t = mono_ms();
			if (t >= next_look) {
				publish(o->board, cap);
				next_look = t + o->peek_ms;
			}
			timeout = (int)(next_look - t);
		}
		struct privsep_req req;
		struct ucred cred = {0};
		int fds[PRIVSEP_MAX_FDS];
		unsigned n_fds = 0;
		char why[160];

		if (poll(pfd, cap ? 2 : 1, timeout) < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			break;
		}
		if (cap && (pfd[1].revents & POLLIN))
			vblank_event(o, cap);
		if (!(pfd[0].revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		ssize_t got = recv_msg(o->fd, &req, sizeof(req), fds, PRIVSEP_MAX_FDS, &n_fds, &cred,
				       0);
		for (unsigned i = 0; i < n_fds; i++)
			close(fds[i]);
		if (got == 0) {
			r = 0;
			break;
		}
		if (got < 0 || n_fds) {
			log_printf(LOG_ERR, "capture helper: a malformed request: %s",
				   got < 0 ? strerror((int)-got) : "it carried fds");
			r = -EPROTO;
			break;
		}
		if (cred.pid != o->peer_pid || cred.uid != o->peer_uid) {
			log_printf(LOG_ERR, "capture helper: a request from pid %d uid %u, not the "
				   "streamer (pid %d uid %u): stopping", cred.pid, cred.uid,
				   o->peer_pid, o->peer_uid);
			r = -EPERM;
			break;
		}
		if (privsep_check_req(&req, (size_t)got, why, sizeof(why)) < 0) {
			log_printf(LOG_ERR, "capture helper: %s: stopping", why);
			r = -EPROTO;
			break;
		}
		if (!cap)
			r = capture_create(o->card_fd, &o->capture, &cap, err, sizeof(err));
		if (!cap) {
			/* Every request gets the reason the capture cannot start. */
			struct privsep_resp resp;
			memset(&resp, 0, sizeof(resp));
			resp.op = req.op;
			resp.seq = req.seq;
			resp.result = r < 0 ? r : -ENODEV;
			snprintf(resp.err, sizeof(resp.err), "%s", err);
			answer(o->fd, &resp, NULL, 0);
			continue;
		}
		serve(o, cap, &req);
		if (req.op == PRIVSEP_GRAB && o->stats_every && ++grabs % o->stats_every == 0)
			log_printf(LOG_DEBUG, "capture helper: %lu grabs; %d open fds, %d GEM "
				   "handles, RSS %ld kB, anonymous %ld kB", grabs, selfstat_fds(),
				   selfstat_gem_handles(capture_vblank_fd(cap)), selfstat_rss_kb(),
				   selfstat_anon_kb());
	}
	capture_destroy(cap);
	return r;
}

static int pair(int sv[2])
{
	int on = 1;

	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return -errno;
	/* Credentials ride on every message both ways. */
	setsockopt(sv[0], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	setsockopt(sv[1], SOL_SOCKET, SO_PASSCRED, &on, sizeof(on));
	return 0;
}

/* Closes every fd above stderr but the three kept. */
static void close_others(const int keep[3])
{
	int k[3] = {keep[0], keep[1], keep[2]};

	for (int i = 0; i < 3; i++)
		for (int j = i + 1; j < 3; j++)
			if (k[j] < k[i]) {
				int t = k[i];
				k[i] = k[j];
				k[j] = t;
			}
	unsigned from = 3;
	for (int i = 0; i < 3; i++) {
		if ((unsigned)k[i] > from)
			close_range(from, (unsigned)k[i] - 1, 0);
		from = (unsigned)k[i] + 1;
	}
	close_range(from, ~0u, 0);
}

int privsep_spawn(int card_fd, const struct capture_options *co, uid_t streamer_uid,
		  const struct sandbox_user *helper_user, unsigned stats_every, unsigned peek_ms,
		  struct privsep_peer *peer, char *err, size_t len)
{
	int req[2], ev[2];
	pid_t parent = getpid(), pid;
	int r = pair(req);

	if (r == 0 && (r = pair(ev)) < 0) {
		close(req[0]);
		close(req[1]);
	}
	if (r < 0)
		return errmsg(err, len, r, "cannot make the capture helper's sockets: %s", strerror(-r));
	/* Shared before the fork. Only the helper writes it and it never acts
	 * on what is there, so the streamer's read-only view is against our
	 * own bugs, not a barrier. Without it, idle looks are round trips. */
	struct privsep_board *board = mmap(NULL, sizeof(*board), PROT_READ | PROT_WRITE,
					   MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (board == MAP_FAILED)
		board = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		r = -errno;
		close(req[1]);
		close(ev[1]);
		*peer = (struct privsep_peer){.fd = req[0], .ev_fd = ev[0], .board = board};
		privsep_peer_close(peer);
		return errmsg(err, len, r, "cannot start the capture helper: %s", strerror(-r));
	}
	if (pid == 0) {
		char why[256];
		struct privsep_helper_options ho = {.card_fd = card_fd, .fd = req[1], .ev_fd = ev[1],
						    .capture = *co, .peer_pid = parent,
						    .peer_uid = streamer_uid,
						    .stats_every = stats_every,
						    .board = board, .peek_ms = peek_ms};
		int keep[3] = {card_fd, req[1], ev[1]};
		/* Dies with the streamer; a streamer already gone is no peer. */
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		prctl(PR_SET_NAME, "kmscastd-capture");
		signal(SIGINT, SIG_IGN); /* a terminal's ^C stops the streamer, which stops us */
		close_others(keep);
		int f = sandbox_keep_sys_admin(helper_user, why, sizeof(why));
		if (f == 0)
			f = sandbox_helper_filter(why, sizeof(why));
		if (f < 0 && f != -ENOTSUP) {
			log_printf(LOG_ERR, "capture helper: %s", why);
			_exit(1);
		}
		_exit(privsep_helper_run(&ho) < 0 ? 1 : 0);
	}
	close(req[1]);
	close(ev[1]);
	if (board && mprotect(board, sizeof(*board), PROT_READ) != 0) {
		munmap(board, sizeof(*board));
		board = NULL;
	}
	struct timeval tv = {.tv_sec = CALL_TIMEOUT_MS / 1000, .tv_usec = CALL_TIMEOUT_MS % 1000 * 1000};
	setsockopt(req[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*peer = (struct privsep_peer){.fd = req[0], .ev_fd = ev[0], .pid = pid, .board = board,
				      .uid = helper_user ? helper_user->uid : getuid()};
	return 0;
}
