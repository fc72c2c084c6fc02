// SPDX-License-Identifier: MIT
/* The capture helper: the process that keeps CAP_SYS_ADMIN and the card,
 * and answers the streamer's requests (include/kmscast/privsep.h) with the
 * local capture alone. */
#ifndef KMSCAST_HELPER_H
#define KMSCAST_HELPER_H

#include <stdint.h>
#include <sys/types.h>

#include "kmscast/capture_types.h"
#include "kmscast/privsep.h"
#include "kmscast/sandbox.h"

struct privsep_helper_options {
	int card_fd, fd, ev_fd;
	struct capture_options capture;
	pid_t peer_pid; /* the streamer: every request must come from it */
	uid_t peer_uid;
	unsigned stats_every;        /* grabs between "debug:" lines on what it holds; 0: none */
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
