// SPDX-License-Identifier: MIT
/* DNS-SD for kmscast hosts (_kmscast._tcp): the TXT record the daemon
 * announces, read back by clients, and the unicast answers (PTR, SRV,
 * TXT) a pool's DNS zone serves. Pure functions over bytes; the bytes
 * come from Avahi or from a DNS server, neither of which vouches for
 * them: TXT fields help a person find and compare hosts, never trust. */
#ifndef KMSCAST_DNSSD_H
#define KMSCAST_DNSSD_H

#include <netinet/in.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/trust.h"

#define DNSSD_SERVICE "_kmscast._tcp"
#define DNSSD_TXT_VERSION 1
#define DNSSD_MAX_TXT 10 /* strings in our record */
#define DNSSD_TXT_LEN 96 /* one string, "key=value" and its NUL */
#define DNSSD_MAX_NAME 64
#define DNSSD_MAX_HOST 256
#define DNSSD_MAX_ADDRS 4
#define DNSSD_MAX_HOSTS 1024 /* a browse keeps at most this many (a pool of hundreds fits) */

/* What the daemon says of itself, beyond its fingerprints. */
struct dnssd_status {
	unsigned viewers; /* watching now, the one in control included */
	bool in_use;      /* someone is in control */
	char output[64];  /* connector name, or "" */
	uint32_t w, h;    /* 0: not known yet */
};

/* The status as the streamer sends it to the announcer (src/daemon/announce.c)
 * over a socketpair, in host byte order: both ends are forks of one
 * program. */
#define DNSSD_STATUS_MAGIC 0x6b616e31u /* "kan1" */
struct dnssd_status_msg {
	uint32_t magic;
	uint32_t viewers;
	uint32_t in_use;
	uint32_t w, h;
	char output[64];
};
void dnssd_status_encode(const struct dnssd_status *st, struct dnssd_status_msg *m);
/* The announcer's side: exact size, magic, a terminated printable output
 * name, bounded numbers. 0 or -EINVAL. */
int dnssd_status_parse(const void *buf, size_t len, struct dnssd_status *st);

/* What the announcer announces, sent once the daemon knows it (the port
 * it listens on, the fingerprints of keys the announcer never holds: it is
 * forked before they are loaded). */
#define DNSSD_CONFIG_MAGIC 0x6b616331u /* "kac1" */
struct dnssd_config {
	unsigned port;
	char name[DNSSD_MAX_NAME]; /* "": the host name */
	char fp[FP_STR_SIZE];
	char webfp[FP_STR_SIZE]; /* "": no browsers */
};
struct dnssd_config_msg {
	uint32_t magic;
	uint32_t port;
	char name[DNSSD_MAX_NAME];
	char fp[FP_STR_SIZE];
	char webfp[FP_STR_SIZE];
};
void dnssd_config_encode(const struct dnssd_config *c, struct dnssd_config_msg *m);
/* Exact size, magic, a port, terminated names without control bytes,
 * fingerprints in their form. 0 or -EINVAL. */
int dnssd_config_parse(const void *buf, size_t len, struct dnssd_config *c);

/* A host as browsing finds it. Unknown numbers are -1, strings "". */
struct dnssd_host {
	char name[DNSSD_MAX_NAME];   /* the service instance: "pc1" */
	char target[DNSSD_MAX_HOST]; /* its SRV target: "pc1.local" */
	char addrs[DNSSD_MAX_ADDRS][INET6_ADDRSTRLEN];
	int n_addrs;
	unsigned port;
	int txtvers, proto, viewers;
	char state[12]; /* "free", "in-use" or "" */
	char fp[FP_STR_SIZE], webfp[FP_STR_SIZE];
	char output[64];
	unsigned w, h;
};

void dnssd_host_init(struct dnssd_host *h);

/* The TXT strings for an announcement ("key=value" each); webfp may be
 * NULL. Returns how many. */
int dnssd_txt_build(const char *fp, const char *webfp, const struct dnssd_status *st,
		    char out[DNSSD_MAX_TXT][DNSSD_TXT_LEN]);

/* One TXT string into h. Keys it does not know are skipped (0); a known
 * key whose value is malformed leaves h as it was and returns -EINVAL. */
int dnssd_txt_apply(struct dnssd_host *h, const uint8_t *s, size_t len);

/* Adds addr to h's addresses unless it is there or they are full. */
void dnssd_add_addr(struct dnssd_host *h, const char *addr);

/* The instance label of a service name in presentation form
 * ("pc\0327._kmscast._tcp.pool.example" -> "pc 7"), checked to be of our
 * service in domain. 0 or -EINVAL. */
int dnssd_instance(const char *full, const char *domain, char out[DNSSD_MAX_NAME]);

/* Unicast answers. Each parses a whole DNS response (as res_query returns
 * it) and reads the answer section's records of its type:
 *   ptr: up to max instance names (presentation form) into names, *n;
 *   srv: the first SRV's target and port;
 *   txt: every string of every TXT record applied to h.
 * 0, -ENOENT when there is no such record, -EINVAL when malformed. */
int dnssd_parse_ptr(const uint8_t *msg, size_t len, char (*names)[DNSSD_MAX_HOST], int max, int *n);
int dnssd_parse_srv(const uint8_t *msg, size_t len, char target[DNSSD_MAX_HOST], unsigned *port);
int dnssd_parse_txt(const uint8_t *msg, size_t len, struct dnssd_host *h);
/* A records (or else AAAA records) added to h's addresses. */
int dnssd_parse_addrs(const uint8_t *msg, size_t len, struct dnssd_host *h);

/* Whether an announcement's SRV target is the instance's own name:
 * "<instance>.local" or "<instance>.<domain>" (domain may be NULL). An
 * announcement names any target it likes: one that points elsewhere may
 * send a user who asked for pc7 to another host. */
bool dnssd_target_is_instance(const char *target, const char *instance, const char *domain);

#endif
