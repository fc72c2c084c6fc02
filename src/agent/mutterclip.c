// SPDX-License-Identifier: MIT
/* The clipboard on GNOME through Mutter's own remote-desktop D-Bus API
 * (org.gnome.Mutter.RemoteDesktop on the session bus): a session with
 * EnableClipboard and no screencast, so no dialog. Mutter says when the
 * selection's owner changes (SelectionOwnerChanged) and hands the text
 * through a pipe (SelectionRead); to set it, the agent advertises text
 * types (SetSelection) and writes when asked (SelectionTransfer, then
 * SelectionWrite). Mutter ends such sessions (e.g. when the screen
 * locks): a new one is made after Closed. sd-bus runs on the agent's
 * loop through its fd. */
#include "clip.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <systemd/sd-bus.h>
#include <unistd.h>

#include "textpipe.h"

#define RD_NAME "org.gnome.Mutter.RemoteDesktop"
#define RD_PATH "/org/gnome/Mutter/RemoteDesktop"
#define RD_SESSION RD_NAME ".Session"
#define REOPEN_MS 1000

struct mutterclip {
	struct clipsrc base;
	struct clip_setup s;
	sd_bus *bus;
	char *path; /* the remote-desktop session's object */
	sd_bus_slot *owner_slot, *transfer_slot, *closed_slot;
	uint8_t *text; /* what we own, while we own it */
	size_t text_len;
	struct textpipe *reading;
	uv_poll_t poll;
	uv_timer_t reopen;
	bool dead;
};

static void rearm(struct mutterclip *m);

static void read_done(void *data, const uint8_t *text, size_t len, int err)
{
	struct mutterclip *m = data;
	m->reading = NULL;
	clip_deliver(&m->s, text, len, err);
}

/* A new owner: unless it is us, read its text. */
static int on_owner(sd_bus_message *msg, void *data, sd_bus_error *e)
{
	(void)e;
	struct mutterclip *m = data;
	int best = -1, r;
	bool ours = false;
	if (sd_bus_message_enter_container(msg, 'a', "{sv}") < 0)
		return 0;
	while ((r = sd_bus_message_enter_container(msg, 'e', "sv")) > 0) {
		const char *key;
		if (sd_bus_message_read(msg, "s", &key) < 0)
			return 0;
		if (!strcmp(key, "mime-types")) {
			char **types = NULL;
			const char *sig = NULL;
			char t;
			/* mutter 43 sends "(as)", the API's documents say "as". */
			if (sd_bus_message_peek_type(msg, &t, &sig) < 0 || t != 'v' || !sig ||
			    (strcmp(sig, "as") && strcmp(sig, "(as)")))
				return 0;
			bool tuple = sig[0] == '(';
			if (sd_bus_message_enter_container(msg, 'v', sig) < 0 ||
			    (tuple && sd_bus_message_enter_container(msg, 'r', "as") < 0) ||
			    sd_bus_message_read_strv(msg, &types) < 0)
				return 0;
			if (tuple)
				sd_bus_message_exit_container(msg);
			for (char **ty = types; ty && *ty; ty++) {
				int k = clip_text_rank(*ty);
				if (k >= 0 && (best < 0 || k < best))
					best = k;
				free(*ty);
			}
			free(types);
			sd_bus_message_exit_container(msg);
		} else if (!strcmp(key, "session-is-owner")) {
			int b = 0;
			if (sd_bus_message_read(msg, "v", "b", &b) < 0)
				return 0;
			ours = b;
		} else if (sd_bus_message_skip(msg, "v") < 0)
			return 0;
		sd_bus_message_exit_container(msg);
	}
	textpipe_cancel(m->reading);
	m->reading = NULL;
	if (ours || best < 0)
		return 0;
	sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	r = sd_bus_call_method(m->bus, RD_NAME, m->path, RD_SESSION, "SelectionRead", &err, &reply,
			       "s", clip_text_types[best]);
	int fd = -1;
	if (r >= 0 && sd_bus_message_read(reply, "h", &fd) >= 0 && fd >= 0) {
		int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		if (own >= 0 &&
		    textpipe_read(m->s.loop, own, *m->s.max, read_done, m, &m->reading) < 0)
			m->reading = NULL;
	} else
		fprintf(stderr, "kmscast-agent: clipboard: mutter's SelectionRead: %s\n",
			err.message ? err.message : strerror(-r));
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	return 0;
}

/* Something pastes our text: a pipe from mutter, our text into it. */
static int on_transfer(sd_bus_message *msg, void *data, sd_bus_error *e)
{
	(void)e;
	struct mutterclip *m = data;
	const char *mime;
	uint32_t serial;
	if (sd_bus_message_read(msg, "su", &mime, &serial) < 0)
		return 0;
	sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	bool ok = false;
	int fd = -1;
	if (m->text && clip_text_rank(mime) >= 0 &&
	    sd_bus_call_method(m->bus, RD_NAME, m->path, RD_SESSION, "SelectionWrite", &err, &reply,
			       "u", serial) >= 0 &&
	    sd_bus_message_read(reply, "h", &fd) >= 0 && fd >= 0) {
		int own = fcntl(fd, F_DUPFD_CLOEXEC, 3);
		ok = own >= 0 && textpipe_write(m->s.loop, own, m->text, m->text_len) == 0;
	}
	sd_bus_error_free(&err);
	sd_bus_message_unref(reply);
	sd_bus_call_method(m->bus, RD_NAME, m->path, RD_SESSION, "SelectionWriteDone", NULL, NULL,
			   "ub", serial, (int)ok);
	return 0;
}

static int open_session(struct mutterclip *m, char *why, size_t why_len);

static void reopen(uv_timer_t *t)
{
	struct mutterclip *m = t->data;
	char why[256];
	if (open_session(m, why, sizeof(why)) == 0) {
		fprintf(stderr, "kmscast-agent: clipboard: a new mutter remote-desktop session\n");
		return;
	}
	fprintf(stderr, "kmscast-agent: clipboard: no new mutter session yet: %s\n", why);
	uv_timer_start(&m->reopen, reopen, 5 * REOPEN_MS, 0);
}

static void close_session(struct mutterclip *m)
{
	m->owner_slot = sd_bus_slot_unref(m->owner_slot);
	m->transfer_slot = sd_bus_slot_unref(m->transfer_slot);
	m->closed_slot = sd_bus_slot_unref(m->closed_slot);
	free(m->path);
	m->path = NULL;
}

static int on_closed(sd_bus_message *msg, void *data, sd_bus_error *e)
{
	(void)msg;
	(void)e;
	struct mutterclip *m = data;
	fprintf(stderr, "kmscast-agent: clipboard: mutter closed the remote-desktop session "
			"(a locked screen?); making a new one\n");
	close_session(m);
	uv_timer_start(&m->reopen, reopen, REOPEN_MS, 0);
	return 0;
}

static int open_session(struct mutterclip *m, char *why, size_t why_len)
{
	sd_bus_message *reply = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	const char *path;
	int r = sd_bus_call_method(m->bus, RD_NAME, RD_PATH, RD_NAME, "CreateSession", &err, &reply,
				   "");
	if (r < 0 || sd_bus_message_read(reply, "o", &path) < 0) {
		snprintf(why, why_len, "%s has no remote-desktop session for us: %s", RD_NAME,
			 err.message ? err.message : strerror(-r));
		sd_bus_error_free(&err);
		sd_bus_message_unref(reply);
		return r < 0 ? r : -EPROTO;
	}
	m->path = strdup(path);
	sd_bus_message_unref(reply);
	if (!m->path)
		return -ENOMEM;
	sd_bus_match_signal(m->bus, &m->owner_slot, NULL, m->path, RD_SESSION,
			    "SelectionOwnerChanged", on_owner, m);
	sd_bus_match_signal(m->bus, &m->transfer_slot, NULL, m->path, RD_SESSION,
			    "SelectionTransfer", on_transfer, m);
	sd_bus_match_signal(m->bus, &m->closed_slot, NULL, m->path, RD_SESSION, "Closed", on_closed,
			    m);
	r = sd_bus_call_method(m->bus, RD_NAME, m->path, RD_SESSION, "EnableClipboard", &err, NULL,
			       "a{sv}", 0);
	if (r < 0) {
		snprintf(why, why_len, "mutter refused EnableClipboard: %s",
			 err.message ? err.message : strerror(-r));
		sd_bus_error_free(&err);
		close_session(m);
		return r;
	}
	rearm(m);
	return 0;
}

static void on_bus(uv_poll_t *p, int status, int events)
{
	(void)events;
	struct mutterclip *m = p->data;
	int r = 0;
	while (status >= 0 && !m->dead && (r = sd_bus_process(m->bus, NULL)) > 0)
		;
	if (m->dead)
		return;
	if (status < 0 || r < 0) {
		m->dead = true;
		uv_poll_stop(p);
		m->s.ev.lost(m->s.data, "the session bus closed the connection");
		return;
	}
	rearm(m);
}

/* Polls for what sd-bus waits on: reading always, writing while queued. */
static void rearm(struct mutterclip *m)
{
	int ev = sd_bus_get_events(m->bus);
	uv_poll_start(&m->poll, UV_READABLE | (ev > 0 && (ev & POLLOUT) ? UV_WRITABLE : 0), on_bus);
}

static int m_set(struct clipsrc *c, const uint8_t *text, size_t len)
{
	struct mutterclip *m = (struct mutterclip *)c;
	if (!m->path)
		return -ENOTCONN;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	free(m->text);
	m->text = copy;
	m->text_len = len;
	sd_bus_message *call = NULL;
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int r = sd_bus_message_new_method_call(m->bus, &call, RD_NAME, m->path, RD_SESSION,
					       "SetSelection");
	if (r >= 0)
		r = sd_bus_message_open_container(call, 'a', "{sv}");
	if (r >= 0)
		r = sd_bus_message_open_container(call, 'e', "sv");
	if (r >= 0)
		r = sd_bus_message_append(call, "s", "mime-types");
	if (r >= 0)
		r = sd_bus_message_open_container(call, 'v', "as");
	if (r >= 0)
		r = sd_bus_message_append_strv(call, (char **)clip_text_types);
	for (int i = 0; r >= 0 && i < 3; i++)
		r = sd_bus_message_close_container(call);
	if (r >= 0)
		r = sd_bus_call(m->bus, call, 0, &err, NULL);
	if (r < 0)
		fprintf(stderr, "kmscast-agent: clipboard: mutter's SetSelection: %s\n",
			err.message ? err.message : strerror(-r));
	sd_bus_error_free(&err);
	sd_bus_message_unref(call);
	rearm(m);
	return r < 0 ? r : 0;
}

static void closed(uv_handle_t *h)
{
	struct mutterclip *m = h->data;
	if (h == (uv_handle_t *)&m->reopen)
		free(m);
}

static void m_destroy(struct clipsrc *c)
{
	struct mutterclip *m = (struct mutterclip *)c;
	textpipe_cancel(m->reading);
	if (m->path)
		sd_bus_call_method(m->bus, RD_NAME, m->path, RD_SESSION, "Stop", NULL, NULL, "");
	close_session(m);
	sd_bus_flush_close_unref(m->bus);
	free(m->text);
	uv_poll_stop(&m->poll);
	uv_close((uv_handle_t *)&m->poll, NULL);
	uv_timer_stop(&m->reopen);
	uv_close((uv_handle_t *)&m->reopen, closed);
}

int mutterclip_create(const struct clip_setup *s, struct clipsrc **out, char *why, size_t why_len)
{
	sd_bus *bus = NULL;
	int r = sd_bus_open_user(&bus);
	if (r < 0) {
		snprintf(why, why_len, "no session bus: %s", strerror(-r));
		return r;
	}
	sd_bus_error err = SD_BUS_ERROR_NULL;
	int has = 0;
	sd_bus_message *reply = NULL;
	r = sd_bus_call_method(bus, "org.freedesktop.DBus", "/org/freedesktop/DBus",
			       "org.freedesktop.DBus", "NameHasOwner", &err, &reply, "s", RD_NAME);
	if (r >= 0)
		sd_bus_message_read(reply, "b", &has);
	sd_bus_message_unref(reply);
	sd_bus_error_free(&err);
	if (!has) {
		snprintf(why, why_len, "nothing owns %s on the session bus (not GNOME's mutter)",
			 RD_NAME);
		sd_bus_flush_close_unref(bus);
		return -ENOENT;
	}
	struct mutterclip *m = calloc(1, sizeof(*m));
	if (!m) {
		sd_bus_flush_close_unref(bus);
		return -ENOMEM;
	}
	m->s = *s;
	m->bus = bus;
	uv_poll_init(s->loop, &m->poll, sd_bus_get_fd(bus));
	m->poll.data = m;
	uv_timer_init(s->loop, &m->reopen);
	m->reopen.data = m;
	r = open_session(m, why, why_len);
	if (r < 0) {
		m_destroy(&m->base);
		return r;
	}
	m->base.name = "mutter-remote-desktop";
	m->base.set = m_set;
	m->base.destroy = m_destroy;
	*out = &m->base;
	return 0;
}
