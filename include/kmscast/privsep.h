// SPDX-License-Identifier: MIT
/* The capture helper and its protocol.
 *
 * kmscastd forks a helper that keeps only CAP_SYS_ADMIN and the card; the
 * network-facing streamer keeps no card and asks the helper for frames over
 * a SOCK_SEQPACKET socketpair. Every message is one fixed-size, versioned
 * struct; frames come with their dmabuf fds (SCM_RIGHTS) and every message
 * with the sender's credentials (SCM_CREDENTIALS), which each side checks
 * against the process it forked or was forked by. Vblank events, which
 * arrive when they like, come on a second socketpair so that requests and
 * their answers never interleave with them. */
#ifndef KMSCAST_PRIVSEP_H
#define KMSCAST_PRIVSEP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmscast/capture.h"
#include "kmscast/sandbox.h"

#define PRIVSEP_MAGIC 0x6b6d7370u /* "kmsp" */
#define PRIVSEP_VERSION 1
#define PRIVSEP_MAX_FDS (2 * CAPTURE_MAX_PLANES)

enum privsep_op {
	PRIVSEP_INFO = 1,   /* -> info: what the helper follows */
	PRIVSEP_GRAB,       /* -> frame, with its fds */
	PRIVSEP_PEEK,       /* -> peek */
	PRIVSEP_IS_CURRENT, /* arg fb_id -> current */
	PRIVSEP_VBLANK_ARM, /* -> result; later one PRIVSEP_VBLANK on the event socket */
	PRIVSEP_RESCAN,     /* find the output again -> info */
	PRIVSEP_VBLANK,     /* event socket only: -> vblank */
};

struct privsep_req {
	uint32_t magic;
	uint16_t version, op;
	uint32_t seq, arg;
};

struct privsep_info {
	char driver[32];
	char output[64];
	uint32_t crtc_id;
	int32_t crtc_index; /* for vblank requests; -1: unknown */
	uint32_t card;      /* changes when the helper moves to another card */
};

struct privsep_resp {
	uint32_t magic;
	uint16_t version, op;
	uint32_t seq;
	int32_t result; /* 0 or -errno; err says why */
	uint32_t n_fds;
	char err[256];
	union {
		struct privsep_info info;
		struct capture_frame frame; /* fd fields -1; the fds ride along */
		struct capture_peek peek;
		uint32_t current;
		uint64_t vblank_us;
	} u;
};

/* What the planes show, which the helper writes every peek_ms into a
 * shared page the streamer maps read-only: an idle screen is looked at
 * many times a second, and a round trip per look costs two context
 * switches. seq is odd while the helper writes, 0 before its first write. */
struct privsep_board {
	uint32_t seq;
	struct capture_peek peek;
};

/* The streamer's end: one request at a time, answered in order. */
struct privsep_peer {
	int fd, ev_fd;
	pid_t pid; /* the helper */
	uid_t uid; /* the helper's user: every answer must come from it */
	uint32_t seq;
	const struct privsep_board *board; /* NULL: none */
};

/* Closes the sockets and unmaps the board (NULL-safe fields). */
void privsep_peer_close(struct privsep_peer *p);

/* The helper's latest look at the planes: 0, or -EAGAIN before its first
 * one (ask with PRIVSEP_PEEK then). */
int privsep_read_board(const struct privsep_peer *p, struct capture_peek *out);

/* Sends a request and waits (bounded) for its answer; fds[0..*n_fds) are
 * the fds that came with it (the caller closes them). 0, or -errno with
 * err set: -EPIPE when the helper is gone, -EPROTO on a malformed answer.
 * A helper's own failure is in resp->result, not the return. */
int privsep_call(struct privsep_peer *p, uint16_t op, uint32_t arg, struct privsep_resp *resp,
		 int fds[PRIVSEP_MAX_FDS], unsigned *n_fds, char *err, size_t len);

/* Reads one vblank event from p->ev_fd: 0 and *t_us, -EAGAIN, or -errno. */
int privsep_read_vblank(struct privsep_peer *p, uint64_t *t_us);

/* Pure checks of what crossed the socket. */
int privsep_check_req(const struct privsep_req *r, size_t n, char *err, size_t len);
int privsep_check_resp(const struct privsep_resp *r, size_t n, uint16_t op, uint32_t seq,
		       unsigned n_fds, char *err, size_t len);

struct privsep_helper_options {
	int card_fd, fd, ev_fd;
	struct capture_options capture;
	pid_t peer_pid; /* the streamer: every request must come from it */
	uid_t peer_uid;
	unsigned stats_every; /* grabs between "debug:" lines on what it holds; 0: none */
	struct privsep_board *board; /* written every peek_ms */
	unsigned peek_ms;
};

/* Forks the helper: it keeps card_fd, stderr and its socket ends, becomes
 * helper_user (NULL: stays who we are) keeping only CAP_SYS_ADMIN, under
 * its own seccomp filter, and serves until the streamer (this process,
 * which will run as streamer_uid) hangs up, looking at the planes every
 * peek_ms for the board. *peer is this process's end. 0 or -errno with err
 * set. */
int privsep_spawn(int card_fd, const struct capture_options *co, uid_t streamer_uid,
		  const struct sandbox_user *helper_user, unsigned stats_every, unsigned peek_ms,
		  struct privsep_peer *peer, char *err, size_t len);

/* The helper's loop: answers requests until the streamer hangs up (0) or
 * breaks the protocol or its credentials are wrong (-EPROTO, -EPERM). */
int privsep_helper_run(const struct privsep_helper_options *o);

#endif
