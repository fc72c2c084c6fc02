// SPDX-License-Identifier: MIT
/* The capture helper: its loop, which answers the streamer with the local
 * capture alone, and its start; see include/kmscast/helper.h. */
/* struct ucred and SCM_CREDENTIALS */
#define _GNU_SOURCE
#include "kmscast/helper.h"

#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "kmscast/clock.h"
#include "kmscast/errmsg.h"
#include "kmscast/log.h"
#include "kmscast/privsep.h"
#include "kmscast/sandbox.h"
#include "kmscast/selfstat.h"
#include "local.h"

/* Writes what the planes show to the board; whether it changed. */
static bool publish(struct privsep_board *b, struct capture *cap)
{
	struct capture_peek pk;

	if (capture_local_peek(cap, &pk) != 0)
		memset(&pk, 0, sizeof(pk)); /* nothing shown: a grab says why */
	uint32_t s = b->seq;
	if (s && memcmp(&b->peek, &pk, sizeof(pk)) == 0)
		return false;
	__atomic_store_n(&b->seq, s + 1, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
	memcpy(&b->peek, &pk, sizeof(pk));
	__atomic_store_n(&b->seq, s + 2, __ATOMIC_RELEASE);
	return true;
}

/* Back to "no look yet": a board left as it was would be stale when the
 * streamer starts reading it again. */
static void unpublish(struct privsep_board *b) { __atomic_store_n(&b->seq, 0, __ATOMIC_RELEASE); }

static void answer(int fd, struct privsep_resp *resp, const int *fds, unsigned n_fds)
{
	resp->magic = PRIVSEP_MAGIC;
	resp->version = PRIVSEP_VERSION;
	resp->n_fds = n_fds;
	privsep_send(fd, resp, sizeof(*resp), fds, n_fds);
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
		  const struct privsep_req *req, bool *watching)
{
	struct privsep_resp resp;
	int fds[PRIVSEP_MAX_FDS];
	unsigned n_fds = 0;

	memset(&resp, 0, sizeof(resp));
	resp.op = req->op;
	resp.seq = req->seq;
	switch (req->op) {
	case PRIVSEP_INFO: resp.u.info = *capture_local_info(cap); break;
	case PRIVSEP_GRAB:
		resp.result = capture_local_grab(cap, &resp.u.frame, resp.err, sizeof(resp.err));
		if (resp.result == 0)
			n_fds = frame_fds(&resp.u.frame, fds);
		else
			memset(&resp.u.frame, 0, sizeof(resp.u.frame));
		break;
	case PRIVSEP_PEEK: resp.result = capture_local_peek(cap, &resp.u.peek); break;
	case PRIVSEP_IS_CURRENT: resp.u.current = capture_local_is_current(cap, req->arg); break;
	case PRIVSEP_VBLANK_ARM: resp.result = capture_local_vblank_arm(cap); break;
	case PRIVSEP_RESCAN:
		resp.result = capture_local_rescan(cap, resp.err, sizeof(resp.err));
		if (resp.result >= 0) {
			resp.result = 0;
			resp.u.info = *capture_local_info(cap);
		}
		break;
	case PRIVSEP_WATCH:
		*watching = req->arg != 0;
		if (!*watching && o->board)
			unpublish(o->board);
		if (!*watching)
			capture_local_drop_buffers(cap);
		break;
	case PRIVSEP_CONSOLE: {
		unsigned vt = 0;
		int m = capture_local_console(&vt, resp.err, sizeof(resp.err));
		resp.result = m < 0 ? m : 0;
		resp.u.console.mode = m < 0 ? 0 : (uint32_t)m;
		resp.u.console.number = vt;
		break;
	}
	default: resp.result = -EINVAL; break;
	}
	answer(o->fd, &resp, fds, n_fds);
}

static void vblank_event(const struct privsep_helper_options *o, struct capture *cap)
{
	struct privsep_resp ev;
	uint64_t t = 0;
	int r = capture_local_vblank_read(cap, &t);

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
	int r = capture_local_create(o->card_fd, &o->capture, &cap, err, sizeof(err));
	unsigned long grabs = 0;
	uint64_t next_look = 0;
	bool watching = false; /* no viewer, no looks: the streamer says when */
	unsigned still = 0;    /* looks in a row that saw nothing move */

	for (;;) {
		struct pollfd pfd[2] = {{.fd = o->fd, .events = POLLIN},
					{.fd = cap ? capture_local_vblank_fd(cap) : -1,
					 .events = POLLIN}};
		int timeout = -1;
		if (cap && o->board && o->peek_ms && watching) {
			uint64_t t = mono_ms();
			if (t >= next_look) {
				still = publish(o->board, cap) ? 0 : still + 1;
				/* After a second of stillness the streamer looks every
				 * other period: so does the helper. */
				next_look = t + o->peek_ms * (still * o->peek_ms >= 1000 ? 2 : 1);
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
		ssize_t got = privsep_recv(o->fd, &req, sizeof(req), fds, PRIVSEP_MAX_FDS, &n_fds,
					   &cred, 0);
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
			log_printf(LOG_ERR,
				   "capture helper: a request from pid %d uid %u, not the "
				   "streamer (pid %d uid %u): stopping",
				   cred.pid, cred.uid, o->peer_pid, o->peer_uid);
			r = -EPERM;
			break;
		}
		if (privsep_check_req(&req, (size_t)got, why, sizeof(why)) < 0) {
			log_printf(LOG_ERR, "capture helper: %s: stopping", why);
			r = -EPROTO;
			break;
		}
		if (!cap)
			r = capture_local_create(o->card_fd, &o->capture, &cap, err, sizeof(err));
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
		if (req.op == PRIVSEP_WATCH && !watching) {
			next_look = 0; /* a first look at once */
			still = 0;
		}
		serve(o, cap, &req, &watching);
		if (req.op == PRIVSEP_GRAB && o->stats_every && ++grabs % o->stats_every == 0)
			log_printf(LOG_DEBUG,
				   "capture helper: %lu grabs; %d open fds, %d GEM "
				   "handles, RSS %ld kB, anonymous %ld kB",
				   grabs, selfstat_fds(),
				   selfstat_gem_handles(capture_local_vblank_fd(cap)),
				   selfstat_rss_kb(), selfstat_anon_kb());
	}
	capture_local_destroy(cap);
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
		return errmsg(err, len, r, "cannot make the capture helper's sockets: %s",
			      strerror(-r));
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
		struct privsep_helper_options ho = {.card_fd = card_fd,
						    .fd = req[1],
						    .ev_fd = ev[1],
						    .capture = *co,
						    .peer_pid = parent,
						    .peer_uid = streamer_uid,
						    .stats_every = stats_every,
						    .board = board,
						    .peek_ms = peek_ms};
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
	struct timeval tv = {.tv_sec = PRIVSEP_CALL_TIMEOUT_MS / 1000,
			     .tv_usec = PRIVSEP_CALL_TIMEOUT_MS % 1000 * 1000};
	setsockopt(req[0], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	*peer = (struct privsep_peer){.fd = req[0],
				      .ev_fd = ev[0],
				      .pid = pid,
				      .board = board,
				      .uid = helper_user ? helper_user->uid : getuid()};
	return 0;
}
