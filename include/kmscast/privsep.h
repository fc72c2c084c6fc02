// SPDX-License-Identifier: MIT
/* The capture helper's wire: requests, answers, fd passing.
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

#include "kmscast/capture_types.h"

#define PRIVSEP_MAGIC 0x6b6d7370u /* "kmsp" */
#define PRIVSEP_VERSION 2
#define PRIVSEP_MAX_FDS (2 * CAPTURE_MAX_PLANES)
/* Long enough for a GetFB2 and an export on a loaded machine under TCG;
 * short enough that a wedged helper shows in the log. */
#define PRIVSEP_CALL_TIMEOUT_MS 5000

enum privsep_op {
	PRIVSEP_INFO = 1,   /* -> info: what the helper follows */
	PRIVSEP_GRAB,       /* -> frame, with its fds */
	PRIVSEP_PEEK,       /* -> peek */
	PRIVSEP_IS_CURRENT, /* arg fb_id -> current */
	PRIVSEP_VBLANK_ARM, /* -> result; later one PRIVSEP_VBLANK on the event socket */
	PRIVSEP_RESCAN,     /* find the output again -> info */
	PRIVSEP_VBLANK,     /* event socket only: -> vblank */
	PRIVSEP_WATCH,      /* arg 1: look at the planes for the board; 0: stop -> result */
	PRIVSEP_CONSOLE,    /* -> current: the active console's enum capture_console */
};

struct privsep_req {
	uint32_t magic;
	uint16_t version, op;
	uint32_t seq, arg;
};

struct privsep_resp {
	uint32_t magic;
	uint16_t version, op;
	uint32_t seq;
	int32_t result; /* 0 or -errno; err says why */
	uint32_t n_fds;
	char err[256];
	union {
		struct capture_info info;
		struct capture_frame frame; /* fd fields -1; the fds ride along */
		struct capture_peek peek;
		uint32_t current;
		struct capture_vt console; /* PRIVSEP_CONSOLE's answer */
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

/* The fd passing both ends use: one message with up to PRIVSEP_MAX_FDS fds
 * (SCM_RIGHTS) and, received, the sender's credentials. privsep_recv
 * returns the length (0 at EOF) or -errno; fds beyond max, a truncated
 * message or one without credentials are refused with every fd closed. */
struct ucred;
int privsep_send(int fd, const void *msg, size_t n, const int *fds, unsigned n_fds);
ssize_t privsep_recv(int fd, void *msg, size_t n, int *fds, unsigned max, unsigned *n_fds,
		     struct ucred *cred, int flags);

#endif
