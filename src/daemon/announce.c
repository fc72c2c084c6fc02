// SPDX-License-Identifier: MIT
/* close_range(2) is a GNU declaration in glibc. */
#define _GNU_SOURCE
#include "kmscast/announce.h"

#include <avahi-client/client.h>
#include <avahi-client/publish.h>
#include <avahi-common/alternative.h>
#include <avahi-common/error.h>
#include <avahi-common/malloc.h>
#include <avahi-common/simple-watch.h>
#include <avahi-common/strlst.h>
#include <avahi-common/timeval.h>
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "kmscast/errmsg.h"
#include "kmscast/log.h"

/* The announcer's state: Avahi's own simple poll loop, which watches the
 * socket to the streamer too. No libuv here: nothing else runs. */
struct announcer {
	struct dnssd_config cfg; /* what to announce, once the daemon said */
	bool configured;
	AvahiSimplePoll *sp;
	const AvahiPoll *poll;
	AvahiClient *client;
	AvahiEntryGroup *group;
	AvahiTimeout *retry;
	char *name; /* avahi_malloc'd: collisions rename it */
	int fd;
	bool have_status, said_waiting, said_bus;
	unsigned retry_ms; /* the next wait for a bus */
	struct dnssd_status st;
};

static AvahiStringList *txt_of(const struct announcer *a)
{
	char txt[DNSSD_MAX_TXT][DNSSD_TXT_LEN];
	int n = dnssd_txt_build(a->cfg.fp, a->cfg.webfp[0] ? a->cfg.webfp : NULL, &a->st, txt);
	AvahiStringList *l = NULL;
	for (int i = n - 1; i >= 0; i--) /* avahi_string_list_add prepends */
		l = avahi_string_list_add(l, txt[i]);
	return l;
}

static void publish(struct announcer *a);

static void on_group(AvahiEntryGroup *g, AvahiEntryGroupState state, void *data)
{
	struct announcer *a = data;
	switch (state) {
	case AVAHI_ENTRY_GROUP_ESTABLISHED:
		log_printf(LOG_INFO, "announce: %s is %s on port %u (mDNS, via avahi-daemon)",
			   a->name, DNSSD_SERVICE, a->cfg.port);
		break;
	case AVAHI_ENTRY_GROUP_COLLISION: {
		/* Another host has the name: take the next one, as Avahi's
		 * own services do ("pc1 #2"). */
		char *alt = avahi_alternative_service_name(a->name);
		log_printf(LOG_WARN, "announce: the name %s is taken on this network; using %s",
			   a->name, alt);
		avahi_free(a->name);
		a->name = alt;
		avahi_entry_group_reset(g);
		publish(a);
		break;
	}
	case AVAHI_ENTRY_GROUP_FAILURE:
		log_printf(LOG_WARN, "announce: avahi-daemon refused the service: %s",
			   avahi_strerror(avahi_client_errno(avahi_entry_group_get_client(g))));
		break;
	default: break;
	}
}

/* Adds the service once the client runs and the first status came. */
static void publish(struct announcer *a)
{
	if (!a->client || avahi_client_get_state(a->client) != AVAHI_CLIENT_S_RUNNING ||
	    !a->have_status || !a->configured)
		return;
	if (!a->name)
		a->name = avahi_strdup(a->cfg.name[0] ? a->cfg.name
						      : avahi_client_get_host_name(a->client));
	if (!a->group && !(a->group = avahi_entry_group_new(a->client, on_group, a))) {
		log_printf(LOG_WARN, "announce: %s", avahi_strerror(avahi_client_errno(a->client)));
		return;
	}
	if (!avahi_entry_group_is_empty(a->group))
		return;
	AvahiStringList *txt = txt_of(a);
	int r = avahi_entry_group_add_service_strlst(a->group, AVAHI_IF_UNSPEC, AVAHI_PROTO_UNSPEC,
						     0, a->name, DNSSD_SERVICE, NULL, NULL,
						     (uint16_t)a->cfg.port, txt);
	avahi_string_list_free(txt);
	if (r == AVAHI_ERR_COLLISION) {
		on_group(a->group, AVAHI_ENTRY_GROUP_COLLISION, a);
		return;
	}
	if (r == 0)
		r = avahi_entry_group_commit(a->group);
	if (r < 0)
		log_printf(LOG_WARN, "announce: cannot add the service: %s", avahi_strerror(r));
}

static void update(struct announcer *a)
{
	if (!a->group || avahi_entry_group_is_empty(a->group)) {
		publish(a);
		return;
	}
	AvahiStringList *txt = txt_of(a);
	int r = avahi_entry_group_update_service_txt_strlst(a->group, AVAHI_IF_UNSPEC,
							    AVAHI_PROTO_UNSPEC, 0, a->name,
							    DNSSD_SERVICE, NULL, txt);
	avahi_string_list_free(txt);
	if (r < 0)
		log_printf(LOG_WARN, "announce: cannot update the TXT record: %s",
			   avahi_strerror(r));
	else
		log_printf(LOG_DEBUG, "announce: %s, %u viewers", a->st.in_use ? "in use" : "free",
			   a->st.viewers);
}

static void start_client(struct announcer *a);

static void on_retry(AvahiTimeout *t, void *data)
{
	struct announcer *a = data;
	(void)t;
	start_client(a);
}

static void retry_later(struct announcer *a)
{
	struct timeval tv;
	avahi_elapse_time(&tv, a->retry_ms, 0);
	if (a->retry_ms < ANNOUNCE_RETRY_MAX_MS)
		a->retry_ms = a->retry_ms * 2 < ANNOUNCE_RETRY_MAX_MS ? a->retry_ms * 2
								      : ANNOUNCE_RETRY_MAX_MS;
	if (a->retry)
		a->poll->timeout_update(a->retry, &tv);
	else
		a->retry = a->poll->timeout_new(a->poll, &tv, on_retry, a);
}

static void drop_client(struct announcer *a)
{
	/* Freeing the client frees its groups. */
	a->group = NULL;
	if (a->client)
		avahi_client_free(a->client);
	a->client = NULL;
}

static void on_client(AvahiClient *c, AvahiClientState state, void *data)
{
	struct announcer *a = data;
	a->client = c; /* called from within avahi_client_new, before it returns */
	switch (state) {
	case AVAHI_CLIENT_S_RUNNING:
		a->said_waiting = a->said_bus = false;
		a->retry_ms = ANNOUNCE_RETRY_MS;
		publish(a);
		break;
	case AVAHI_CLIENT_S_COLLISION:
	case AVAHI_CLIENT_S_REGISTERING:
		/* The host name changed or clashes: withdraw until it settles. */
		if (a->group)
			avahi_entry_group_reset(a->group);
		break;
	case AVAHI_CLIENT_CONNECTING:
		if (!a->said_waiting)
			log_printf(LOG_WARN, "announce: avahi-daemon is not running; this host is "
					     "not announced until it starts");
		a->said_waiting = true;
		break;
	case AVAHI_CLIENT_FAILURE:
		log_printf(LOG_WARN, "announce: lost avahi-daemon (%s); trying again",
			   avahi_strerror(avahi_client_errno(c)));
		drop_client(a);
		retry_later(a);
		break;
	}
}

static void start_client(struct announcer *a)
{
	int err = 0;
	drop_client(a);
	/* NO_FAIL: wait for avahi-daemon to appear, and reconnect when it
	 * restarts; it fails only without a system bus at all. */
	AvahiClient *c = avahi_client_new(a->poll, AVAHI_CLIENT_NO_FAIL, on_client, a, &err);
	if (c) {
		a->client = c;
		return;
	}
	a->client = NULL;
	if (!a->said_bus)
		log_printf(LOG_WARN,
			   "announce: no D-Bus system bus (%s); this host is not announced; "
			   "asking again in %u s, then less often",
			   avahi_strerror(err), a->retry_ms / 1000);
	a->said_bus = true;
	retry_later(a);
}

static void on_status(AvahiWatch *w, int fd, AvahiWatchEvent ev, void *data)
{
	struct announcer *a = data;
	struct dnssd_config_msg buf[2];
	(void)w;
	(void)ev;
	ssize_t n = recv(fd, buf, sizeof(buf), MSG_DONTWAIT);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		/* The daemon is gone: the service goes with it. */
		avahi_simple_poll_quit(a->sp);
		return;
	}
	/* The first message says what to announce; the rest are status. */
	if (!a->configured) {
		if (dnssd_config_parse(buf, (size_t)n, &a->cfg) != 0) {
			log_printf(LOG_WARN,
				   "announce: a malformed configuration of %zd bytes from the "
				   "daemon; not announcing",
				   n);
			avahi_simple_poll_quit(a->sp);
			return;
		}
		a->configured = true;
		publish(a);
		return;
	}
	struct dnssd_status st;
	if (dnssd_status_parse(buf, (size_t)n, &st) != 0) {
		log_printf(LOG_WARN,
			   "announce: a malformed status of %zd bytes from the streamer; "
			   "ignored",
			   n);
		return;
	}
	a->st = st;
	a->have_status = true;
	update(a);
}

static int announcer_run(int fd)
{
	struct announcer a = {.fd = fd, .retry_ms = ANNOUNCE_RETRY_MS};
	a.sp = avahi_simple_poll_new();
	if (!a.sp)
		return -ENOMEM;
	a.poll = avahi_simple_poll_get(a.sp);
	AvahiWatch *w = a.poll->watch_new(a.poll, fd, AVAHI_WATCH_IN, on_status, &a);
	start_client(&a);
	avahi_simple_poll_loop(a.sp);
	drop_client(&a);
	if (a.retry)
		a.poll->timeout_free(a.retry);
	a.poll->watch_free(w);
	avahi_free(a.name);
	avahi_simple_poll_free(a.sp);
	return 0;
}

int announce_spawn(const struct sandbox_user *user, struct announce_peer *peer, char *err,
		   size_t len)
{
	int sv[2];
	*peer = (struct announce_peer){.fd = -1, .pid = -1};
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0)
		return errmsg(err, len, -errno, "announce: cannot make a socket pair: %s",
			      strerror(errno));
	pid_t parent = getpid();
	fflush(NULL);
	pid_t pid = fork();
	if (pid < 0) {
		int e = -errno;
		close(sv[0]);
		close(sv[1]);
		return errmsg(err, len, e, "announce: cannot fork: %s", strerror(-e));
	}
	if (pid == 0) {
		char why[256];
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != parent)
			_exit(1);
		prctl(PR_SET_NAME, "kmscastd-announce");
		signal(SIGINT, SIG_IGN);
		signal(SIGHUP, SIG_IGN);
		/* Nothing of the daemon's but stderr and our socket. */
		close(sv[0]);
		if (sv[1] > 3)
			close_range(3, (unsigned)sv[1] - 1, 0);
		close_range((unsigned)sv[1] + 1, ~0u, 0);
		int r = sandbox_drop(user, why, sizeof(why));
		if (r == 0)
			r = sandbox_announcer_filter(why, sizeof(why));
		if (r != 0 && r != -ENOTSUP) {
			log_printf(LOG_ERR, "announce: %s", why);
			_exit(1);
		}
		_exit(announcer_run(sv[1]) < 0 ? 1 : 0);
	}
	close(sv[1]);
	peer->fd = sv[0];
	peer->pid = pid;
	return 0;
}

int announce_configure(struct announce_peer *peer, const struct dnssd_config *c)
{
	struct dnssd_config_msg m;
	if (peer->fd < 0)
		return -ENOTCONN;
	dnssd_config_encode(c, &m);
	if (send(peer->fd, &m, sizeof(m), MSG_NOSIGNAL) != (ssize_t)sizeof(m))
		return -errno;
	return 0;
}

void announce_update(struct announce_peer *peer, const struct dnssd_status *st)
{
	struct dnssd_status_msg m;
	if (peer->fd < 0)
		return;
	dnssd_status_encode(st, &m);
	if (memcmp(&m, &peer->last, sizeof(m)) == 0)
		return;
	if (send(peer->fd, &m, sizeof(m), MSG_DONTWAIT | MSG_NOSIGNAL) == (ssize_t)sizeof(m))
		peer->last = m;
}

void announce_close(struct announce_peer *peer)
{
	if (peer->fd >= 0)
		close(peer->fd);
	peer->fd = -1;
}
