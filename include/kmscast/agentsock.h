// SPDX-License-Identifier: MIT
/* The daemon's end of the session agent's channel: a Unix socket bound
 * before the daemon drops its rights, in a folder only root may write,
 * open to every local user to connect, and admitting one agent at a time:
 * the one whose SO_PEERCRED uid owns the seat's active session (logind,
 * through sd-login), or where no logind runs, the --agent-user. Anyone
 * else is told why, logged and closed. A newly admitted agent replaces
 * the one before it (a new login). What the agent sends is bounded and
 * checked like a network peer's: it runs as the desktop's user. */
#ifndef KMSCAST_AGENTSOCK_H
#define KMSCAST_AGENTSOCK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include <uv.h>

#include "kmscast/agentmsg.h"

#define AGENTSOCK_DEFAULT_PATH AGENTMSG_DEFAULT_SOCKET
#define AGENTSOCK_NO_UID ((uid_t)-1)

struct agentsock_options {
	const char *path;   /* where to bind; its folder is made (0755) if missing */
	const char *seat;   /* whose active session's user is admitted; NULL:
				* logind is not asked (--agent-user alone) */
	uid_t fallback_uid; /* admitted where logind does not run, or NO_UID */
	uint32_t max_bytes; /* the longest clipboard text taken or given */
	uint8_t dirs;       /* AGENTMSG_WATCH / AGENTMSG_TAKE, told to the agent */
};

struct agentsock_callbacks {
	/* An agent came (backend: what it said it uses) or went (NULL). */
	void (*on_agent)(void *data, const char *backend);
	/* The host's clipboard changed to this text (UTF-8, checked). */
	void (*on_clip)(void *data, const uint8_t *text, uint32_t len);
	/* The host's clipboard holds a text of size bytes, over max_bytes. */
	void (*on_too_big)(void *data, uint32_t size);
};

struct agentsock;

int agentsock_create(uv_loop_t *loop, const struct agentsock_options *o,
		     const struct agentsock_callbacks *cb, void *data, struct agentsock **out,
		     char *err, size_t err_len);
void agentsock_destroy(struct agentsock *a);
bool agentsock_connected(const struct agentsock *a);
/* Hands a text to the agent to set as the host's clipboard: -ENOTCONN
 * with no agent, -ENOBUFS if the agent has not read the ones before. */
int agentsock_send_clip(struct agentsock *a, const uint8_t *text, uint32_t len);

/* The admission rule, pure: 0 if peer_uid may be the agent, else
 * -EPERM (or -ENOENT: nobody may) with why set. active_r is what
 * sd_seat_get_active returned (negative: logind could not say; -ENXIO
 * when logind runs but the seat has no active session), active_uid its
 * uid when it returned 0. */
int agentsock_admit(uid_t peer_uid, int active_r, uid_t active_uid, uid_t fallback_uid,
		    bool logind_runs, char *why, size_t why_len);

#endif
