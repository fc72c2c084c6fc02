// SPDX-License-Identifier: MIT
/* Finding kmscast hosts: mDNS through avahi-daemon (the link this machine
 * is on), or unicast DNS-SD in a pool's DNS zone (PTR, SRV and TXT records,
 * through the system's resolver), then listing them or picking one. */
#ifndef KMSCAST_CLIENT_BROWSE_H
#define KMSCAST_CLIENT_BROWSE_H

#include <stdbool.h>
#include <stdio.h>

#include "kmscast/dnssd.h"

struct browse_result {
	struct dnssd_host hosts[DNSSD_MAX_HOSTS];
	int n;
	bool late; /* the deadline cut the browse short: late_why says how */
	char late_why[200];
};

/* domain NULL: mDNS for up to timeout_ms; else unicast DNS-SD in domain,
 * every query within timeout_ms in all. With want (an instance name), an
 * mDNS browse waits for that host until the deadline rather than ending
 * at what the caches held, and ends once it has an address. Hosts come
 * sorted by name, each with at least one address. 0, or -errno with a
 * message. */
int browse_run(const char *domain, const char *want, unsigned timeout_ms, struct browse_result *out,
	       char *err, size_t err_len);

void browse_print(FILE *f, const struct browse_result *r, bool json);

/* The host of that instance name (case-insensitive), or NULL. */
const struct dnssd_host *browse_find(const struct browse_result *r, const char *name);

/* A free host at random (so a room of clients spreads out), else one
 * whose state is not announced, or NULL. */
const struct dnssd_host *browse_pick_free(const struct browse_result *r);

#endif
