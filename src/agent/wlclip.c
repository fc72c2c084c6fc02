// SPDX-License-Identifier: MIT
/* The clipboard on wlroots compositors (sway, Hyprland, river; KWin too)
 * through wlr-data-control-unstable-v1: a data device for the seat that
 * sees every selection, not only while a window has focus, and may set
 * one. The protocol's XML is Debian's (librust-wayland-protocols-dev ships
 * wlr-protocols); wayland-scanner makes the code. */
#define _GNU_SOURCE /* pipe2 */
#include "clip.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <wayland-client.h>

#include "textpipe.h"
#include "wlr-data-control-unstable-v1-client-protocol.h"

#define MAX_TYPES 32

struct offer {
	struct zwlr_data_control_offer_v1 *o;
	int best; /* index into clip_text_types, or -1 */
	unsigned types;
};

struct wlclip {
	struct clipsrc base;
	struct clip_setup s;
	struct wl_display *dpy;
	struct wl_registry *reg;
	struct wl_seat *seat;
	struct zwlr_data_control_manager_v1 *mgr;
	struct zwlr_data_control_device_v1 *dev;
	struct zwlr_data_control_source_v1 *src; /* ours, while we own it */
	uint8_t *text;                           /* what src offers */
	size_t text_len;
	struct offer *pending; /* introduced by data_offer, not yet the selection */
	struct textpipe *reading;
	uv_poll_t poll;
	uv_prepare_t flush;
	bool dead;
};

static void offer_type(void *data, struct zwlr_data_control_offer_v1 *o, const char *mime)
{
	(void)o;
	struct offer *f = data;
	int r = clip_text_rank(mime);
	if (f->types++ < MAX_TYPES && r >= 0 && (f->best < 0 || r < f->best))
		f->best = r;
}

static const struct zwlr_data_control_offer_v1_listener offer_listener = {.offer = offer_type};

static void offer_free(struct offer *f)
{
	if (!f)
		return;
	zwlr_data_control_offer_v1_destroy(f->o);
	free(f);
}

static void dev_data_offer(void *data, struct zwlr_data_control_device_v1 *d,
			   struct zwlr_data_control_offer_v1 *o)
{
	(void)d;
	struct wlclip *w = data;
	offer_free(w->pending);
	w->pending = calloc(1, sizeof(*w->pending));
	if (!w->pending) {
		zwlr_data_control_offer_v1_destroy(o);
		return;
	}
	w->pending->o = o;
	w->pending->best = -1;
	zwlr_data_control_offer_v1_add_listener(o, &offer_listener, w->pending);
}

static void read_done(void *data, const uint8_t *text, size_t len, int err)
{
	struct wlclip *w = data;
	w->reading = NULL;
	clip_deliver(&w->s, text, len, err);
}

static void dev_selection(void *data, struct zwlr_data_control_device_v1 *d,
			  struct zwlr_data_control_offer_v1 *o)
{
	(void)d;
	struct wlclip *w = data;
	struct offer *f = w->pending && w->pending->o == o ? w->pending : NULL;
	w->pending = NULL;
	textpipe_cancel(w->reading); /* a newer selection wins */
	w->reading = NULL;
	if (!o)
		return; /* cleared */
	if (!f || f->best < 0) {
		/* No text in it. (Our own source's is read like any other: the
		 * agent knows its own text when it comes back.) */
		if (f)
			offer_free(f);
		else
			zwlr_data_control_offer_v1_destroy(o);
		return;
	}
	int fds[2];
	if (pipe2(fds, O_CLOEXEC) == 0) {
		zwlr_data_control_offer_v1_receive(o, clip_text_types[f->best], fds[1]);
		close(fds[1]);
		if (textpipe_read(w->s.loop, fds[0], *w->s.max, read_done, w, &w->reading) < 0)
			w->reading = NULL;
	}
	offer_free(f);
	wl_display_flush(w->dpy);
}

static void dev_finished(void *data, struct zwlr_data_control_device_v1 *d)
{
	(void)d;
	struct wlclip *w = data;
	w->dead = true;
	w->s.ev.lost(w->s.data, "the compositor ended the data-control device");
}

static void dev_primary(void *data, struct zwlr_data_control_device_v1 *d,
			struct zwlr_data_control_offer_v1 *o)
{
	(void)d;
	struct wlclip *w = data;
	/* The primary selection is not the clipboard: not followed. */
	if (w->pending && w->pending->o == o) {
		offer_free(w->pending);
		w->pending = NULL;
	} else if (o)
		zwlr_data_control_offer_v1_destroy(o);
}

static const struct zwlr_data_control_device_v1_listener dev_listener = {
	.data_offer = dev_data_offer,
	.selection = dev_selection,
	.finished = dev_finished,
	.primary_selection = dev_primary,
};

static void src_send(void *data, struct zwlr_data_control_source_v1 *s, const char *mime,
		     int32_t fd)
{
	(void)s;
	(void)mime;
	struct wlclip *w = data;
	textpipe_write(w->s.loop, fd, w->text, w->text_len);
}

static void src_cancelled(void *data, struct zwlr_data_control_source_v1 *s)
{
	struct wlclip *w = data;
	zwlr_data_control_source_v1_destroy(s);
	if (w->src == s)
		w->src = NULL;
}

static const struct zwlr_data_control_source_v1_listener src_listener = {
	.send = src_send,
	.cancelled = src_cancelled,
};

static int wl_set(struct clipsrc *c, const uint8_t *text, size_t len)
{
	struct wlclip *w = (struct wlclip *)c;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	if (w->src)
		zwlr_data_control_source_v1_destroy(w->src);
	free(w->text);
	w->text = copy;
	w->text_len = len;
	w->src = zwlr_data_control_manager_v1_create_data_source(w->mgr);
	zwlr_data_control_source_v1_add_listener(w->src, &src_listener, w);
	for (int i = 0; clip_text_types[i]; i++)
		zwlr_data_control_source_v1_offer(w->src, clip_text_types[i]);
	zwlr_data_control_device_v1_set_selection(w->dev, w->src);
	wl_display_flush(w->dpy);
	return 0;
}

static void reg_global(void *data, struct wl_registry *r, uint32_t name, const char *iface,
		       uint32_t version)
{
	struct wlclip *w = data;
	if (!strcmp(iface, wl_seat_interface.name) && !w->seat)
		w->seat = wl_registry_bind(r, name, &wl_seat_interface, 1);
	else if (!strcmp(iface, zwlr_data_control_manager_v1_interface.name) && !w->mgr)
		w->mgr = wl_registry_bind(r, name, &zwlr_data_control_manager_v1_interface,
					  version < 2 ? version : 2);
}

static void reg_remove(void *data, struct wl_registry *r, uint32_t name)
{
	(void)data;
	(void)r;
	(void)name;
}

static const struct wl_registry_listener reg_listener = {.global = reg_global,
							 .global_remove = reg_remove};

static void on_display(uv_poll_t *p, int status, int events)
{
	(void)events;
	struct wlclip *w = p->data;
	if (w->dead)
		return;
	if (status < 0 || wl_display_dispatch(w->dpy) < 0) {
		w->dead = true;
		uv_poll_stop(p);
		w->s.ev.lost(w->s.data, "the Wayland compositor closed the connection");
	}
}

static void on_prepare(uv_prepare_t *h)
{
	struct wlclip *w = h->data;
	if (!w->dead) {
		wl_display_dispatch_pending(w->dpy);
		wl_display_flush(w->dpy);
	}
}

static void handle_closed(uv_handle_t *h)
{
	struct wlclip *w = h->data;
	if (h == (uv_handle_t *)&w->flush)
		free(w);
}

static void wl_destroy(struct clipsrc *c)
{
	struct wlclip *w = (struct wlclip *)c;
	textpipe_cancel(w->reading);
	offer_free(w->pending);
	if (w->src)
		zwlr_data_control_source_v1_destroy(w->src);
	if (w->dev)
		zwlr_data_control_device_v1_destroy(w->dev);
	if (w->mgr)
		zwlr_data_control_manager_v1_destroy(w->mgr);
	if (w->seat)
		wl_seat_destroy(w->seat);
	wl_registry_destroy(w->reg);
	wl_display_disconnect(w->dpy);
	free(w->text);
	uv_poll_stop(&w->poll);
	uv_close((uv_handle_t *)&w->poll, NULL);
	uv_close((uv_handle_t *)&w->flush, handle_closed);
}

int wlclip_create(const struct clip_setup *s, struct clipsrc **out, char *why, size_t why_len)
{
	if (!getenv("WAYLAND_DISPLAY")) {
		snprintf(why, why_len, "WAYLAND_DISPLAY is not set");
		return -ENOENT;
	}
	struct wl_display *dpy = wl_display_connect(NULL);
	if (!dpy) {
		snprintf(why, why_len, "cannot connect to the Wayland display %s: %s",
			 getenv("WAYLAND_DISPLAY"), strerror(errno));
		return -ECONNREFUSED;
	}
	struct wlclip *w = calloc(1, sizeof(*w));
	if (!w) {
		wl_display_disconnect(dpy);
		return -ENOMEM;
	}
	w->s = *s;
	w->dpy = dpy;
	w->reg = wl_display_get_registry(dpy);
	wl_registry_add_listener(w->reg, &reg_listener, w);
	wl_display_roundtrip(dpy);
	if (!w->mgr || !w->seat) {
		snprintf(why, why_len, "the compositor offers %s",
			 !w->mgr ? "no zwlr_data_control_manager_v1 (wlr-data-control)"
				 : "no seat");
		if (w->mgr)
			zwlr_data_control_manager_v1_destroy(w->mgr);
		if (w->seat)
			wl_seat_destroy(w->seat);
		wl_registry_destroy(w->reg);
		wl_display_disconnect(dpy);
		free(w);
		return -ENOTSUP;
	}
	w->dev = zwlr_data_control_manager_v1_get_data_device(w->mgr, w->seat);
	zwlr_data_control_device_v1_add_listener(w->dev, &dev_listener, w);
	w->base.name = "wlr-data-control";
	w->base.set = wl_set;
	w->base.destroy = wl_destroy;
	uv_poll_init(s->loop, &w->poll, wl_display_get_fd(dpy));
	w->poll.data = w;
	uv_poll_start(&w->poll, UV_READABLE, on_display);
	uv_prepare_init(s->loop, &w->flush);
	w->flush.data = w;
	uv_prepare_start(&w->flush, on_prepare);
	wl_display_flush(dpy);
	*out = &w->base;
	return 0;
}
