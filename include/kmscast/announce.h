// SPDX-License-Identifier: MIT
/* Announcing the host as _kmscast._tcp through Avahi. The daemon forks a
 * small announcer before it loads its keys: the announcer alone
 * talks to D-Bus (the streamer's filter allows no new socket, and the
 * network-facing process has no business on the system bus). The streamer
 * sends it fixed-size status messages over a socketpair; the announcer
 * keeps the TXT record in step, and comes and goes with avahi-daemon. */
#ifndef KMSCAST_ANNOUNCE_H
#define KMSCAST_ANNOUNCE_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "kmscast/dnssd.h"
#include "kmscast/sandbox.h"

/* A bus that is not there is asked again after 10 s, then twice as long
 * each time up to 5 min: an idle host without one costs next to nothing. */
#define ANNOUNCE_RETRY_MS 10000
#define ANNOUNCE_RETRY_MAX_MS 300000

struct announce_peer {
	int fd;    /* the daemon's end, non-blocking; -1: none */
	pid_t pid; /* the announcer */
	struct dnssd_status_msg last;
};

/* Forks the announcer, before the daemon loads its keys (so the announcer
 * never holds them): as user (NULL: as we are), without supplementary
 * groups when user says so, no capabilities, no_new_privs, its own seccomp
 * filter. It announces nothing until announce_configure. 0, or -errno with
 * a message. */
int announce_spawn(const struct sandbox_user *user, struct announce_peer *peer, char *err,
		   size_t err_len);
/* What to announce (once the port and the fingerprints are known). 0 or
 * -errno. */
int announce_configure(struct announce_peer *peer, const struct dnssd_config *c);
/* Sends st unless it is what was sent last. A full socket drops the
 * update (the next one carries the whole state). NULL-safe on fd -1. */
void announce_update(struct announce_peer *peer, const struct dnssd_status *st);
/* Closes the socket: the announcer withdraws the service and exits (the
 * caller reaps peer->pid). */
void announce_close(struct announce_peer *peer);

#endif
