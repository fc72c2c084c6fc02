// SPDX-License-Identifier: MIT
/* kmscast-agent: the per-user session agent. It runs inside the desktop
 * session (a systemd user unit bound to graphical-session.target, or XDG
 * autostart), so it has the session's WAYLAND_DISPLAY or DISPLAY; it
 * carries the clipboard between that desktop and kmscastd over the
 * daemon's agent socket, and connects again whenever the daemon comes
 * back. */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <uv.h>

#include "kmscast/agentmsg.h"
#include "kmscast/cli.h"
#include "kmscast/cliptext.h"
#include "clip.h"

#define PROG "kmscast-agent"
#define RETRY_MIN_MS 500
#define RETRY_MAX_MS 10000
#define REFUSED_RETRY_MS 30000
#define DEFAULT_MAX (1024u * 1024) /* until the daemon says its own */

struct agent {
	uv_loop_t *loop;
	const char *socket, *backend_name;
	int verbose;
	struct clipsrc *clip;
	uv_pipe_t *pipe; /* to the daemon, while connected */
	uv_connect_t connect;
	uv_timer_t retry;
	unsigned retry_ms;
	bool said_down, welcomed;
	uint32_t max;
	uint8_t dirs;
	uint8_t *rx;
	size_t rx_len, rx_cap;
	size_t queued;
	uint64_t last; /* hash of the text last set or reported */
	bool have_last;
	uint8_t *unsent; /* the desktop's latest text, while the daemon is away */
	size_t unsent_len;
	uv_signal_t sig_int, sig_term;
	int exit_code;
};

static void usage(FILE *f)
{
	fprintf(f, "Usage: " PROG " [OPTION]...\n"
		   "Carry the clipboard between this desktop session and kmscastd, the kmscast\n"
		   "daemon. Started in the session (systemd user unit kmscast-agent.service, or\n"
		   "XDG autostart); kmscastd admits it only if this user owns the seat's active\n"
		   "session (or is its --agent-user where logind does not run).\n"
		   "\n"
		   "  --socket PATH      kmscastd's agent socket (default " AGENTMSG_DEFAULT_SOCKET
		   ")\n"
		   "  --backend NAME     auto (default): wlr-data-control where the Wayland\n"
		   "                     compositor offers it (sway, wlroots), else x11 where\n"
		   "                     DISPLAY is set; or wlr-data-control, x11, none\n"
		   "  -v, --verbose      say each text carried\n"
		   "  -h, --help         show this help\n"
		   "\n"
		   "Texts are UTF-8, at most the daemon's --clipboard-max. The agent connects\n"
		   "again when the daemon restarts, and exits when the desktop goes away.\n"
		   "Exit status: 0 stopped or replaced by a newer agent, 1 failed, 2 usage.\n");
}

static void reconnect_later(struct agent *a, unsigned ms);

static void write_done(uv_write_t *req, int status)
{
	(void)status;
	struct agent *a = req->data;
	size_t n;
	memcpy(&n, req + 1, sizeof(n));
	a->queued -= n;
	free(req);
}

static int send_msg(struct agent *a, const struct agentmsg *m)
{
	size_t n = agentmsg_size(m);
	if (!a->pipe || !n)
		return -ENOTCONN;
	if (a->queued + n > 4 * ((size_t)a->max + AGENTMSG_HEADER_SIZE))
		return -ENOBUFS;
	uv_write_t *req = malloc(sizeof(*req) + sizeof(n) + n);
	if (!req)
		return -ENOMEM;
	memcpy(req + 1, &n, sizeof(n));
	uint8_t *p = (uint8_t *)(req + 1) + sizeof(n);
	if (agentmsg_encode(m, p, n) < 0) {
		free(req);
		return -EINVAL;
	}
	req->data = a;
	uv_buf_t b = uv_buf_init((char *)p, (unsigned)n);
	int r = uv_write(req, (uv_stream_t *)a->pipe, &b, 1, write_done);
	if (r < 0) {
		free(req);
		return r;
	}
	a->queued += n;
	return 0;
}

static void report(struct agent *a, const uint8_t *text, size_t len)
{
	struct agentmsg m = {.type = AGENTMSG_CLIP, .u.clip = {.len = (uint32_t)len, .text = text}};
	int r = send_msg(a, &m);
	if (r < 0)
		fprintf(stderr, PROG ": clipboard: %zu bytes not sent to kmscastd: %s\n", len,
			strerror(-r));
	else if (a->verbose)
		fprintf(stderr, PROG ": clipboard: %zu bytes from the desktop to kmscastd\n", len);
}

/* The desktop's clipboard changed. */
static void on_text(void *data, const uint8_t *text, size_t len)
{
	struct agent *a = data;
	uint64_t h = clip_hash(text, len);
	if (a->have_last && h == a->last)
		return; /* what we set, come back */
	a->last = h;
	a->have_last = true;
	if (!proto_utf8_ok(text, len, true)) {
		fprintf(stderr,
			PROG ": clipboard: the desktop's text (%zu bytes) is not UTF-8: "
			     "not sent\n",
			len);
		return;
	}
	if (!a->welcomed) { /* kept for when the daemon is back */
		free(a->unsent);
		a->unsent = malloc(len ? len : 1);
		if (a->unsent)
			memcpy(a->unsent, text, len);
		a->unsent_len = len;
		return;
	}
	if (a->dirs & AGENTMSG_WATCH)
		report(a, text, len);
}

static void on_too_big(void *data, size_t size)
{
	struct agent *a = data;
	a->have_last = false;
	fprintf(stderr,
		PROG ": clipboard: the desktop's text (%zu bytes) is over kmscastd's limit of %u "
		     "bytes: not sent\n",
		size, a->max);
	struct agentmsg m = {.type = AGENTMSG_CLIP_TOO_BIG,
			     .u.too_big = size > UINT32_MAX ? UINT32_MAX : (uint32_t)size};
	if (a->welcomed && (a->dirs & AGENTMSG_WATCH))
		send_msg(a, &m);
}

static void stop(struct agent *a, int code);

static void on_lost(void *data, const char *why)
{
	struct agent *a = data;
	fprintf(stderr, PROG ": %s: the desktop session is over, stopping\n", why);
	stop(a, 1);
}

static void pipe_closed(uv_handle_t *h) { free(h); }

static void disconnect(struct agent *a)
{
	if (!a->pipe)
		return;
	uv_close((uv_handle_t *)a->pipe, pipe_closed);
	a->pipe = NULL;
	a->welcomed = false;
	a->rx_len = 0;
	a->queued = 0;
}

static bool on_message(struct agent *a, const struct agentmsg *m)
{
	switch (m->type) {
	case AGENTMSG_WELCOME:
		a->welcomed = true;
		a->max = m->u.welcome.max_bytes;
		a->dirs = m->u.welcome.dirs;
		a->retry_ms = RETRY_MIN_MS;
		fprintf(stderr,
			PROG ": connected to kmscastd at %s (clipboard: %s%s%s, at most %u "
			     "bytes)\n",
			a->socket, a->dirs & AGENTMSG_WATCH ? "desktop to viewers" : "",
			a->dirs == AGENTMSG_DIRS_ALL ? " and " : "",
			a->dirs & AGENTMSG_TAKE ? "viewers to desktop" : (a->dirs ? "" : "off"),
			a->max);
		if (a->unsent) {
			if (a->dirs & AGENTMSG_WATCH) {
				if (a->unsent_len <= a->max)
					report(a, a->unsent, a->unsent_len);
				else
					on_too_big(a, a->unsent_len);
			}
			free(a->unsent);
			a->unsent = NULL;
		}
		return true;
	case AGENTMSG_CLIP: {
		if (!a->welcomed || !(a->dirs & AGENTMSG_TAKE))
			return true;
		if (!a->clip) {
			fprintf(stderr,
				PROG ": clipboard: %u bytes from a viewer, but no backend "
				     "holds this desktop's clipboard\n",
				m->u.clip.len);
			return true;
		}
		a->last = clip_hash(m->u.clip.text, m->u.clip.len);
		a->have_last = true;
		int r = a->clip->set(a->clip, m->u.clip.text, m->u.clip.len);
		if (r < 0)
			fprintf(stderr, PROG ": clipboard: the desktop did not take %u bytes: %s\n",
				m->u.clip.len, strerror(-r));
		else if (a->verbose)
			fprintf(stderr, PROG ": clipboard: %u bytes from a viewer to the desktop\n",
				m->u.clip.len);
		return true;
	}
	case AGENTMSG_BYE: {
		fprintf(stderr, PROG ": kmscastd ended the connection: %.*s\n", (int)m->u.bye.len,
			m->u.bye.text);
		disconnect(a);
		if (m->u.bye.len >= 8 && !memcmp(m->u.bye.text, "replaced", 8)) {
			stop(a, 0); /* a newer login's agent has the desktop */
			return false;
		}
		bool refused = m->u.bye.len >= 7 && !memcmp(m->u.bye.text, "refused", 7);
		reconnect_later(a, refused ? REFUSED_RETRY_MS : RETRY_MIN_MS);
		return false;
	}
	default: return true;
	}
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
	(void)suggested;
	struct agent *a = h->data;
	size_t limit = AGENTMSG_HEADER_SIZE + (size_t)AGENTMSG_MAX_BODY;
	if (a->rx_cap - a->rx_len < 65536 && a->rx_cap < limit) {
		size_t cap = a->rx_cap ? a->rx_cap * 2 : 65536;
		uint8_t *p = realloc(a->rx, cap < limit ? cap : limit);
		if (p) {
			a->rx = p;
			a->rx_cap = cap < limit ? cap : limit;
		}
	}
	*buf = uv_buf_init((char *)a->rx + a->rx_len, (unsigned)(a->rx_cap - a->rx_len));
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
	(void)buf;
	struct agent *a = s->data;
	if (n < 0) {
		fprintf(stderr, PROG ": kmscastd closed the connection (%s); connecting again\n",
			n == UV_EOF ? "end of stream" : uv_strerror((int)n));
		disconnect(a);
		reconnect_later(a, RETRY_MIN_MS);
		return;
	}
	a->rx_len += (size_t)n;
	size_t off = 0;
	while (off < a->rx_len) {
		struct agentmsg m;
		size_t used;
		int r = agentmsg_decode(AGENTMSG_SIDE_AGENT, a->rx + off, a->rx_len - off,
					AGENTMSG_MAX_BODY, &m, &used);
		if (r != AGENTMSG_OK) {
			fprintf(stderr,
				PROG ": kmscastd sent a malformed message (%s); connecting "
				     "again\n",
				agentmsg_status_str(r));
			disconnect(a);
			reconnect_later(a, RETRY_MAX_MS);
			return;
		}
		if (!used)
			break;
		off += used;
		if (!on_message(a, &m))
			return;
	}
	memmove(a->rx, a->rx + off, a->rx_len - off);
	a->rx_len -= off;
}

static void on_connect(uv_connect_t *req, int status)
{
	struct agent *a = req->data;
	if (status < 0) {
		if (!a->said_down)
			fprintf(stderr,
				PROG ": kmscastd is not reachable at %s (%s); trying again\n",
				a->socket, uv_strerror(status));
		a->said_down = true;
		disconnect(a);
		reconnect_later(a, a->retry_ms);
		a->retry_ms = a->retry_ms * 2 > RETRY_MAX_MS ? RETRY_MAX_MS : a->retry_ms * 2;
		return;
	}
	a->said_down = false;
	struct agentmsg m = {.type = AGENTMSG_HELLO};
	const char *name = a->clip ? a->clip->name : "none";
	m.u.hello.name_len = (uint8_t)strlen(name);
	memcpy(m.u.hello.name, name, m.u.hello.name_len);
	uv_read_start((uv_stream_t *)a->pipe, on_alloc, on_read);
	send_msg(a, &m);
}

static void try_connect(uv_timer_t *t)
{
	struct agent *a = t->data;
	a->pipe = calloc(1, sizeof(*a->pipe));
	if (!a->pipe) {
		reconnect_later(a, RETRY_MAX_MS);
		return;
	}
	uv_pipe_init(a->loop, a->pipe, 0);
	a->pipe->data = a;
	a->connect.data = a;
	uv_pipe_connect(&a->connect, a->pipe, a->socket, on_connect);
}

static void reconnect_later(struct agent *a, unsigned ms)
{
	uv_timer_start(&a->retry, try_connect, ms, 0);
}

static void stop(struct agent *a, int code)
{
	a->exit_code = code;
	disconnect(a);
	uv_timer_stop(&a->retry);
	uv_close((uv_handle_t *)&a->retry, NULL);
	uv_close((uv_handle_t *)&a->sig_int, NULL);
	uv_close((uv_handle_t *)&a->sig_term, NULL);
	if (a->clip)
		a->clip->destroy(a->clip);
	a->clip = NULL;
}

static void on_signal(uv_signal_t *h, int signum)
{
	(void)signum;
	stop(h->data, 0);
}

/* The first backend that works here; each one passed over is said. */
static struct clipsrc *pick_backend(struct agent *a, const struct clip_setup *s)
{
	static const struct {
		const char *name;
		int (*create)(const struct clip_setup *, struct clipsrc **, char *, size_t);
	} all[] = {{"wlr-data-control", wlclip_create},
		   {"mutter", mutterclip_create},
		   {"x11", x11clip_create}};
	char why[256];
	for (size_t i = 0; i < sizeof(all) / sizeof(all[0]); i++) {
		if (strcmp(a->backend_name, "auto") && strcmp(a->backend_name, all[i].name))
			continue;
		struct clipsrc *c;
		if (all[i].create(s, &c, why, sizeof(why)) == 0) {
			fprintf(stderr, PROG ": clipboard backend: %s\n", c->name);
			return c;
		}
		fprintf(stderr, PROG ": clipboard backend %s not taken: %s\n", all[i].name, why);
	}
	fprintf(stderr, PROG ": no clipboard backend works in this session: the clipboard is not "
			     "carried\n");
	return NULL;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"socket", required_argument, NULL, 's'},
		{"backend", required_argument, NULL, 'b'},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	struct agent a = {.socket = AGENTMSG_DEFAULT_SOCKET,
			  .backend_name = "auto",
			  .max = DEFAULT_MAX,
			  .retry_ms = RETRY_MIN_MS};
	int c;
	while ((c = getopt_long(argc, argv, "vh", longopts, NULL)) != -1) {
		switch (c) {
		case 's': a.socket = optarg; break;
		case 'b':
			if (strcmp(optarg, "auto") && strcmp(optarg, "wlr-data-control") &&
			    strcmp(optarg, "x11") && strcmp(optarg, "none"))
				cli_die_usage(
					PROG,
					"--backend wants auto, wlr-data-control, x11 or none, "
					"not '%s'",
					optarg);
			a.backend_name = optarg;
			break;
		case 'v': a.verbose++; break;
		case 'h': usage(stdout); return 0;
		default: cli_die_usage(PROG, "unknown option");
		}
	}
	if (optind < argc)
		cli_die_usage(PROG, "unexpected argument '%s'", argv[optind]);
	signal(SIGPIPE, SIG_IGN);
	setvbuf(stderr, NULL, _IOLBF, 0);
	uv_loop_t loop;
	uv_loop_init(&loop);
	a.loop = &loop;
	struct clip_setup s = {.loop = &loop,
			       .max = &a.max,
			       .ev = {.text = on_text, .too_big = on_too_big, .lost = on_lost},
			       .data = &a,
			       .verbose = a.verbose};
	if (strcmp(a.backend_name, "none"))
		a.clip = pick_backend(&a, &s);
	if (!a.clip && strcmp(a.backend_name, "auto") && strcmp(a.backend_name, "none"))
		return 1; /* the one asked for does not work: said above */
	uv_timer_init(&loop, &a.retry);
	a.retry.data = &a;
	uv_signal_init(&loop, &a.sig_int);
	uv_signal_init(&loop, &a.sig_term);
	a.sig_int.data = a.sig_term.data = &a;
	uv_signal_start(&a.sig_int, on_signal, SIGINT);
	uv_signal_start(&a.sig_term, on_signal, SIGTERM);
	reconnect_later(&a, 0);
	uv_run(&loop, UV_RUN_DEFAULT);
	uv_loop_close(&loop);
	free(a.rx);
	free(a.unsent);
	return a.exit_code;
}
