// SPDX-License-Identifier: MIT
/* The agent's Unix socket (include/kmscast/agentsock.h). libuv pipes for
 * the listener and the one agent; a refused caller is answered with a
 * non-blocking send and closed at once, so no caller can make the daemon
 * hold anything for it. */
#define _GNU_SOURCE /* struct ucred */
#include "kmscast/agentsock.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <systemd/sd-login.h>
#include <unistd.h>

#include "kmscast/agentmsg.h"
#include "kmscast/clipboard.h"
#include "kmscast/log.h"

/* What may wait to be written to the agent: a few texts at the limit. */
#define QUEUE_TEXTS 4
#define READ_CHUNK (64 * 1024)

struct agent {
	struct agentsock *a;
	uv_pipe_t pipe;
	pid_t pid;
	uid_t uid;
	bool hello; /* said HELLO */
	uint8_t *rx;
	size_t rx_len, rx_cap;
	uint64_t skip; /* body bytes of a refused message still to drop */
	uint8_t scratch[4096];
	size_t queued;                /* bytes handed to uv_write, not yet written */
	struct clipboard_bucket said; /* its over-limit messages, logged */
	unsigned long unsaid;
};

struct agentsock {
	uv_loop_t *loop;
	struct agentsock_options o;
	char path[108];
	struct agentsock_callbacks cb;
	void *data;
	uv_pipe_t listener;
	struct agent *agent;
	/* Refused callers are logged within a budget: any local user may
	 * connect as often as it likes. */
	struct clipboard_bucket refusals;
	unsigned long unsaid;
};

int agentsock_admit(uid_t peer_uid, int active_r, uid_t active_uid, uid_t fallback_uid,
		    bool logind_runs, char *why, size_t why_len)
{
	if (logind_runs) {
		if (active_r < 0) {
			snprintf(why, why_len, "the seat has no active session (%s)",
				 strerror(-active_r));
			return -ENOENT;
		}
		if (peer_uid == active_uid)
			return 0;
		snprintf(why, why_len, "uid %u is not the user of the seat's active session",
			 (unsigned)peer_uid);
		return -EPERM;
	}
	if (fallback_uid == AGENTSOCK_NO_UID) {
		snprintf(why, why_len,
			 "logind does not run here, and kmscastd was given no --agent-user");
		return -ENOENT;
	}
	if (peer_uid == fallback_uid)
		return 0;
	snprintf(why, why_len, "uid %u is not --agent-user's (uid %u)", (unsigned)peer_uid,
		 (unsigned)fallback_uid);
	return -EPERM;
}

/* The folder is made by root for root: a folder another user could write
 * would let them put a link where the socket goes. */
static int prepare_dir(const char *path, char *err, size_t len)
{
	char dir[108];
	snprintf(dir, sizeof(dir), "%s", path);
	char *slash = strrchr(dir, '/');
	if (!slash || slash == dir) {
		snprintf(err, len, "agent socket %s: give an absolute path in a folder of its own",
			 path);
		return -EINVAL;
	}
	*slash = '\0';
	if (mkdir(dir, 0755) != 0 && errno != EEXIST) {
		int e = errno;
		snprintf(err, len, "cannot make %s for the agent socket: %s", dir, strerror(e));
		return -e;
	}
	struct stat st;
	if (lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
		snprintf(err, len,
			 "%s is not a folder (a link?): the agent socket is not made there", dir);
		return -ENOTDIR;
	}
	if (st.st_uid != geteuid() || (st.st_mode & 022)) {
		snprintf(err, len,
			 "%s is owned by uid %u with mode %03o: the agent socket goes only in a "
			 "folder that only this user (uid %u) can write",
			 dir, (unsigned)st.st_uid, (unsigned)(st.st_mode & 0777),
			 (unsigned)geteuid());
		return -EPERM;
	}
	if (lstat(path, &st) == 0) {
		if (!S_ISSOCK(st.st_mode)) {
			snprintf(err, len, "%s exists and is not a socket: not replaced", path);
			return -EEXIST;
		}
		unlink(path); /* an earlier run's */
	}
	return 0;
}

static void agent_closed(uv_handle_t *h)
{
	struct agent *g = h->data;
	free(g->rx);
	free(g);
}

static void agent_drop(struct agent *g, const char *why)
{
	struct agentsock *a = g->a;
	if (a->agent == g) {
		a->agent = NULL;
		log_printf(LOG_INFO, "agent: pid %d (uid %u) gone: %s", (int)g->pid,
			   (unsigned)g->uid, why);
		if (g->hello && a->cb.on_agent)
			a->cb.on_agent(a->data, NULL);
	}
	uv_read_stop((uv_stream_t *)&g->pipe);
	uv_close((uv_handle_t *)&g->pipe, agent_closed);
}

static void write_done(uv_write_t *req, int status)
{
	(void)status; /* a failed write ends in on_read's error */
	struct agent *g = req->data;
	size_t n;
	memcpy(&n, req + 1, sizeof(n));
	g->queued -= n;
	free(req);
}

/* Queues one message; the request and its bytes are one allocation. */
static int agent_send(struct agent *g, const struct agentmsg *m)
{
	size_t n = agentmsg_size(m);
	if (!n)
		return -EINVAL;
	if (g->queued + n > (size_t)QUEUE_TEXTS * (g->a->o.max_bytes + AGENTMSG_HEADER_SIZE))
		return -ENOBUFS;
	uv_write_t *req = malloc(sizeof(*req) + sizeof(size_t) + n);
	if (!req)
		return -ENOMEM;
	uint8_t *p = (uint8_t *)(req + 1);
	memcpy(p, &n, sizeof(n));
	long w = agentmsg_encode(m, p + sizeof(n), n);
	if (w < 0) {
		free(req);
		return (int)w;
	}
	req->data = g;
	uv_buf_t b = uv_buf_init((char *)p + sizeof(n), (unsigned)n);
	int r = uv_write(req, (uv_stream_t *)&g->pipe, &b, 1, write_done);
	if (r < 0) {
		free(req);
		return r;
	}
	g->queued += n;
	return 0;
}

static void say_bye(struct agent *g, const char *why)
{
	struct agentmsg m = {.type = AGENTMSG_BYE,
			     .u.bye = {.len = (uint16_t)strnlen(why, AGENTMSG_MAX_REASON),
				       .text = why}};
	agent_send(g, &m);
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct agent *g = h->data;
	if (g->skip) {
		*buf = uv_buf_init((char *)g->scratch, sizeof(g->scratch));
		return;
	}
	size_t limit = AGENTMSG_HEADER_SIZE + (size_t)g->a->o.max_bytes;
	if (g->rx_cap - g->rx_len < READ_CHUNK && g->rx_cap < limit) {
		size_t cap = g->rx_cap ? g->rx_cap * 2 : READ_CHUNK;
		if (cap > limit)
			cap = limit;
		uint8_t *p = realloc(g->rx, cap);
		if (p) {
			g->rx = p;
			g->rx_cap = cap;
		}
	}
	*buf = uv_buf_init((char *)g->rx + g->rx_len, (unsigned)(g->rx_cap - g->rx_len));
}

/* One message from the agent; false: the agent is dropped. */
static bool agent_message(struct agent *g, const struct agentmsg *m)
{
	struct agentsock *a = g->a;
	if (!g->hello && m->type != AGENTMSG_HELLO) {
		say_bye(g, "HELLO first");
		agent_drop(g, "it sent a message before HELLO");
		return false;
	}
	switch (m->type) {
	case AGENTMSG_HELLO: {
		if (g->hello)
			return true;
		g->hello = true;
		log_printf(LOG_INFO, "agent: pid %d (uid %u) connected, clipboard backend: %s",
			   (int)g->pid, (unsigned)g->uid,
			   m->u.hello.name_len ? m->u.hello.name : "none");
		struct agentmsg w = {.type = AGENTMSG_WELCOME,
				     .u.welcome = {.dirs = a->o.dirs, .max_bytes = a->o.max_bytes}};
		agent_send(g, &w);
		if (a->cb.on_agent)
			a->cb.on_agent(a->data, m->u.hello.name);
		return true;
	}
	case AGENTMSG_CLIP:
		if (a->cb.on_clip)
			a->cb.on_clip(a->data, m->u.clip.text, m->u.clip.len);
		return true;
	case AGENTMSG_CLIP_TOO_BIG:
		if (a->cb.on_too_big)
			a->cb.on_too_big(a->data, m->u.too_big);
		return true;
	default: return true;
	}
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	struct agent *g = s->data;
	if (n < 0) {
		agent_drop(g, n == UV_EOF ? "it closed the socket" : uv_strerror((int)n));
		return;
	}
	if (g->skip) {
		/* What came went to scratch: part of a refused body. */
		size_t k = (size_t)n < g->skip ? (size_t)n : g->skip;
		g->skip -= k;
		if ((size_t)n == k)
			return;
		/* The rest is the next message's start. */
		memmove(g->rx, buf->base + k, (size_t)n - k);
		g->rx_len = (size_t)n - k;
	} else
		g->rx_len += (size_t)n;
	size_t off = 0;
	while (off < g->rx_len) {
		struct agentmsg m;
		size_t used;
		int r = agentmsg_decode(AGENTMSG_SIDE_DAEMON, g->rx + off, g->rx_len - off,
					g->a->o.max_bytes, &m, &used);
		if (r == AGENTMSG_E_TOO_BIG) {
			/* Dropped unread, and the agent goes on: it may be an old one
			 * that did not know the limit. */
			char more[64];
			if (clipboard_bucket_say(&g->said, &g->unsaid, more, sizeof(more)))
				log_printf(LOG_WARN,
					   "agent: a %s of %u bytes is over the limit of %u; "
					   "dropped%s",
					   agentmsg_type_name(m.type), m.body_len,
					   g->a->o.max_bytes, more);
			if (m.type == AGENTMSG_CLIP && g->a->cb.on_too_big)
				g->a->cb.on_too_big(g->a->data, m.body_len);
			off += AGENTMSG_HEADER_SIZE;
			size_t have = g->rx_len - off;
			size_t k = have < m.body_len ? have : m.body_len;
			off += k;
			g->skip = m.body_len - k;
			if (g->skip)
				break;
			continue;
		}
		if (r != AGENTMSG_OK) {
			char why[160];
			snprintf(why, sizeof(why), "malformed message: %s", agentmsg_status_str(r));
			say_bye(g, why);
			agent_drop(g, why);
			return;
		}
		if (!used)
			break;
		off += used;
		if (!agent_message(g, &m))
			return;
	}
	if (g->skip)
		g->rx_len = 0;
	else {
		memmove(g->rx, g->rx + off, g->rx_len - off);
		g->rx_len -= off;
	}
}

static void on_connection(uv_stream_t *server, int status)
{
	struct agentsock *a = server->data;
	if (status < 0)
		return;
	struct agent *g = calloc(1, sizeof(*g));
	if (!g)
		return;
	g->a = a;
	uv_pipe_init(a->loop, &g->pipe, 0);
	g->pipe.data = g;
	if (uv_accept(server, (uv_stream_t *)&g->pipe) != 0) {
		uv_close((uv_handle_t *)&g->pipe, agent_closed);
		return;
	}
	uv_os_fd_t fd;
	struct ucred cred;
	socklen_t cl = sizeof(cred);
	char why[256];
	int r;
	if (uv_fileno((uv_handle_t *)&g->pipe, &fd) != 0 ||
	    getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &cl) != 0) {
		uv_close((uv_handle_t *)&g->pipe, agent_closed);
		return;
	}
	g->pid = cred.pid;
	g->uid = cred.uid;
	uid_t active = AGENTSOCK_NO_UID;
	int ar = -ENOENT;
	bool logind = false;
	if (a->o.seat) {
		/* logind keeps a file per seat (seat0 always) while it runs; an
		 * empty folder is only a leftover of an image. */
		char seat[96];
		snprintf(seat, sizeof(seat), "/run/systemd/seats/%s", a->o.seat);
		logind = access(seat, F_OK) == 0;
		if (logind)
			ar = sd_seat_get_active(a->o.seat, NULL, &active);
	}
	r = agentsock_admit(cred.uid, ar, active, a->o.fallback_uid, logind, why, sizeof(why));
	if (r != 0) {
		char more[64];
		if (clipboard_bucket_say(&a->refusals, &a->unsaid, more, sizeof(more)))
			log_printf(LOG_WARN, "agent: refused pid %d (uid %u): %s%s", (int)cred.pid,
				   (unsigned)cred.uid, why, more);
		/* Told at once, without a queue: a full socket just loses it. */
		uint8_t out[AGENTMSG_HEADER_SIZE + 2 + AGENTMSG_MAX_REASON];
		char msg[300];
		snprintf(msg, sizeof(msg), "refused: %s", why);
		struct agentmsg m = {.type = AGENTMSG_BYE,
				     .u.bye = {.len = (uint16_t)strlen(msg), .text = msg}};
		long w = agentmsg_encode(&m, out, sizeof(out));
		if (w > 0 && send(fd, out, (size_t)w, MSG_DONTWAIT | MSG_NOSIGNAL) < 0)
			log_printf(LOG_DEBUG, "agent: could not tell the refused caller: %s",
				   strerror(errno));
		uv_close((uv_handle_t *)&g->pipe, agent_closed);
		return;
	}
	if (a->agent) {
		char bye[128];
		snprintf(bye, sizeof(bye), "replaced by a new agent (pid %d)", (int)cred.pid);
		say_bye(a->agent, bye);
		agent_drop(a->agent, bye);
	}
	a->agent = g;
	uv_read_start((uv_stream_t *)&g->pipe, on_alloc, on_read);
}

static void listener_closed(uv_handle_t *h) { free(h->data); }

int agentsock_create(uv_loop_t *loop, const struct agentsock_options *o,
		     const struct agentsock_callbacks *cb, void *data, struct agentsock **out,
		     char *err, size_t err_len)
{
	if (strlen(o->path) >= sizeof(((struct agentsock *)0)->path)) {
		snprintf(err, err_len, "agent socket path too long (at most 107 bytes): %s",
			 o->path);
		return -ENAMETOOLONG;
	}
	int r = prepare_dir(o->path, err, err_len);
	if (r < 0)
		return r;
	struct agentsock *a = calloc(1, sizeof(*a));
	if (!a)
		return -ENOMEM;
	a->loop = loop;
	a->o = *o;
	snprintf(a->path, sizeof(a->path), "%s", o->path);
	a->o.path = a->path;
	if (cb)
		a->cb = *cb;
	a->data = data;
	uv_pipe_init(loop, &a->listener, 0);
	a->listener.data = a;
	if ((r = uv_pipe_bind(&a->listener, a->path)) != 0 ||
	    (r = uv_pipe_chmod(&a->listener, UV_READABLE | UV_WRITABLE)) != 0 ||
	    (r = uv_listen((uv_stream_t *)&a->listener, 8, on_connection)) != 0) {
		snprintf(err, err_len, "agent socket %s: %s", a->path, uv_strerror(r));
		uv_close((uv_handle_t *)&a->listener, listener_closed);
		return r;
	}
	*out = a;
	return 0;
}

void agentsock_destroy(struct agentsock *a)
{
	if (!a)
		return;
	if (a->agent)
		agent_drop(a->agent, "the daemon stops");
	uv_close((uv_handle_t *)&a->listener, listener_closed);
}

bool agentsock_connected(const struct agentsock *a) { return a && a->agent && a->agent->hello; }

int agentsock_send_clip(struct agentsock *a, const uint8_t *text, uint32_t len)
{
	if (!agentsock_connected(a))
		return -ENOTCONN;
	struct agentmsg m = {.type = AGENTMSG_CLIP, .u.clip = {.len = len, .text = text}};
	return agent_send(a->agent, &m);
}
