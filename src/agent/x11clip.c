// SPDX-License-Identifier: MIT
/* The clipboard on X11 through xcb: XFixes says when the CLIPBOARD
 * selection changes owner, and the text is asked for as UTF8_STRING (read
 * whole, or in INCR steps for a large one); to set it, the agent owns the
 * selection and answers SelectionRequest. */
#include "clip.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xcb/xcb.h>
#include <xcb/xfixes.h>

enum { A_CLIPBOARD, A_UTF8, A_TARGETS, A_INCR, A_PROP, A_TEXT, A_MIME, A_COUNT };
static const char *const atom_names[A_COUNT] = {
	"CLIPBOARD",
	"UTF8_STRING",
	"TARGETS",
	"INCR",
	"KMSCAST_CLIPBOARD",
	"TEXT",
	"text/plain;charset=utf-8",
};

struct x11clip {
	struct clipsrc base;
	struct clip_setup s;
	xcb_connection_t *c;
	xcb_window_t win;
	xcb_atom_t atom[A_COUNT];
	uint8_t xfixes_event;
	uv_poll_t poll;
	bool dead;
	/* What we own, while we own it. */
	uint8_t *text;
	size_t text_len;
	bool owner;
	/* A text being read in INCR steps. */
	bool incr;
	uint8_t *in;
	size_t in_len;
};

static void lost(struct x11clip *x, const char *why)
{
	if (x->dead)
		return;
	x->dead = true;
	uv_poll_stop(&x->poll);
	x->s.ev.lost(x->s.data, why);
}

/* A text read whole (or counted past the limit). */
static void got(struct x11clip *x, const uint8_t *t, size_t len)
{
	if (len > *x->s.max)
		x->s.ev.too_big(x->s.data, len);
	else
		x->s.ev.text(x->s.data, t, len);
}

/* Reads (and deletes) our property: the text, an INCR start, or a step. */
static void read_prop(struct x11clip *x)
{
	uint32_t words = (*x->s.max + 4) / 4 + 1;
	xcb_get_property_reply_t *r =
		xcb_get_property_reply(x->c,
				       xcb_get_property(x->c, 1, x->win, x->atom[A_PROP],
							XCB_GET_PROPERTY_TYPE_ANY, 0, words),
				       NULL);
	if (!r)
		return;
	int n = xcb_get_property_value_length(r);
	const uint8_t *v = xcb_get_property_value(r);
	if (x->incr) {
		if (n == 0) { /* the last step */
			x->incr = false;
			got(x, x->in, x->in_len);
			free(x->in);
			x->in = NULL;
		} else {
			/* Past the limit a step is only counted. */
			if (x->in_len + (size_t)n <= *x->s.max)
				memcpy(x->in + x->in_len, v, (size_t)n);
			x->in_len += (size_t)n;
		}
	} else if (r->type == x->atom[A_INCR]) {
		x->incr = true;
		x->in_len = 0;
		free(x->in);
		x->in = malloc((size_t)*x->s.max + 1);
		if (!x->in)
			x->incr = false;
	} else if (r->bytes_after)
		x->s.ev.too_big(x->s.data, (size_t)n + r->bytes_after);
	else if (r->format == 8)
		got(x, v, (size_t)n);
	free(r);
	xcb_flush(x->c);
}

static void answer(struct x11clip *x, const xcb_selection_request_event_t *e)
{
	xcb_selection_notify_event_t n = {.response_type = XCB_SELECTION_NOTIFY,
					  .time = e->time,
					  .requestor = e->requestor,
					  .selection = e->selection,
					  .target = e->target,
					  .property = XCB_NONE};
	xcb_atom_t prop = e->property ? e->property : e->target;
	/* A text too long for one request would need INCR; the daemon's
	 * limit keeps texts below the X server's request size in practice. */
	size_t max_req = (size_t)xcb_get_maximum_request_length(x->c) * 4 - 64;
	if (x->owner && e->selection == x->atom[A_CLIPBOARD]) {
		if (e->target == x->atom[A_TARGETS]) {
			xcb_atom_t t[] = {x->atom[A_TARGETS], x->atom[A_UTF8], x->atom[A_TEXT],
					  x->atom[A_MIME], XCB_ATOM_STRING};
			xcb_change_property(x->c, XCB_PROP_MODE_REPLACE, e->requestor, prop,
					    XCB_ATOM_ATOM, 32, 5, t);
			n.property = prop;
		} else if ((e->target == x->atom[A_UTF8] || e->target == x->atom[A_TEXT] ||
			    e->target == x->atom[A_MIME] || e->target == XCB_ATOM_STRING) &&
			   x->text_len <= max_req) {
			xcb_change_property(x->c, XCB_PROP_MODE_REPLACE, e->requestor, prop,
					    e->target == XCB_ATOM_STRING ? XCB_ATOM_STRING
									 : x->atom[A_UTF8],
					    8, (uint32_t)x->text_len, x->text);
			n.property = prop;
		}
	}
	xcb_send_event(x->c, 0, e->requestor, XCB_EVENT_MASK_NO_EVENT, (const char *)&n);
	xcb_flush(x->c);
}

static void on_event(struct x11clip *x, xcb_generic_event_t *ev)
{
	uint8_t type = ev->response_type & 0x7f;
	if (type == x->xfixes_event + XCB_XFIXES_SELECTION_NOTIFY) {
		xcb_xfixes_selection_notify_event_t *e = (void *)ev;
		if (e->owner == x->win || e->owner == XCB_NONE)
			return; /* ours (we know our text), or nobody's */
		x->owner = false;
		xcb_convert_selection(x->c, x->win, x->atom[A_CLIPBOARD], x->atom[A_UTF8],
				      x->atom[A_PROP], e->selection_timestamp);
		xcb_flush(x->c);
		return;
	}
	switch (type) {
	case XCB_SELECTION_NOTIFY: {
		xcb_selection_notify_event_t *e = (void *)ev;
		if (e->property != XCB_NONE)
			read_prop(x);
		break;
	}
	case XCB_PROPERTY_NOTIFY: {
		xcb_property_notify_event_t *e = (void *)ev;
		if (x->incr && e->atom == x->atom[A_PROP] && e->state == XCB_PROPERTY_NEW_VALUE)
			read_prop(x);
		break;
	}
	case XCB_SELECTION_REQUEST: answer(x, (void *)ev); break;
	case XCB_SELECTION_CLEAR: x->owner = false; break;
	default: break;
	}
}

static void drain(struct x11clip *x)
{
	xcb_generic_event_t *ev;
	while (!x->dead && (ev = xcb_poll_for_event(x->c))) {
		on_event(x, ev);
		free(ev);
	}
	if (!x->dead && xcb_connection_has_error(x->c))
		lost(x, "the X server closed the connection");
}

static void on_readable(uv_poll_t *p, int status, int events)
{
	(void)status;
	(void)events;
	drain(p->data);
}

static int x_set(struct clipsrc *c, const uint8_t *text, size_t len)
{
	struct x11clip *x = (struct x11clip *)c;
	uint8_t *copy = malloc(len ? len : 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, text, len);
	free(x->text);
	x->text = copy;
	x->text_len = len;
	xcb_set_selection_owner(x->c, x->win, x->atom[A_CLIPBOARD], XCB_CURRENT_TIME);
	xcb_get_selection_owner_reply_t *r =
		xcb_get_selection_owner_reply(x->c,
					      xcb_get_selection_owner(x->c, x->atom[A_CLIPBOARD]),
					      NULL);
	x->owner = r && r->owner == x->win;
	free(r);
	drain(x);
	return x->owner ? 0 : -EBUSY;
}

static void closed(uv_handle_t *h) { free(h->data); }

static void x_destroy(struct clipsrc *c)
{
	struct x11clip *x = (struct x11clip *)c;
	xcb_disconnect(x->c);
	free(x->text);
	free(x->in);
	uv_poll_stop(&x->poll);
	uv_close((uv_handle_t *)&x->poll, closed);
}

int x11clip_create(const struct clip_setup *s, struct clipsrc **out, char *why, size_t why_len)
{
	if (!getenv("DISPLAY")) {
		snprintf(why, why_len, "DISPLAY is not set");
		return -ENOENT;
	}
	xcb_connection_t *c = xcb_connect(NULL, NULL);
	if (xcb_connection_has_error(c)) {
		snprintf(why, why_len, "cannot connect to the X display %s", getenv("DISPLAY"));
		xcb_disconnect(c);
		return -ECONNREFUSED;
	}
	const xcb_query_extension_reply_t *ext = xcb_get_extension_data(c, &xcb_xfixes_id);
	xcb_xfixes_query_version_reply_t *ver =
		ext && ext->present
			? xcb_xfixes_query_version_reply(c, xcb_xfixes_query_version(c, 1, 0), NULL)
			: NULL;
	if (!ver) {
		snprintf(why, why_len, "the X server %s has no XFixes extension",
			 getenv("DISPLAY"));
		xcb_disconnect(c);
		return -ENOTSUP;
	}
	free(ver);
	struct x11clip *x = calloc(1, sizeof(*x));
	if (!x) {
		xcb_disconnect(c);
		return -ENOMEM;
	}
	x->s = *s;
	x->c = c;
	x->xfixes_event = ext->first_event;
	xcb_intern_atom_cookie_t ck[A_COUNT];
	for (int i = 0; i < A_COUNT; i++)
		ck[i] = xcb_intern_atom(c, 0, (uint16_t)strlen(atom_names[i]), atom_names[i]);
	for (int i = 0; i < A_COUNT; i++) {
		xcb_intern_atom_reply_t *r = xcb_intern_atom_reply(c, ck[i], NULL);
		x->atom[i] = r ? r->atom : XCB_NONE;
		free(r);
	}
	xcb_screen_t *scr = xcb_setup_roots_iterator(xcb_get_setup(c)).data;
	x->win = xcb_generate_id(c);
	uint32_t mask = XCB_EVENT_MASK_PROPERTY_CHANGE;
	xcb_create_window(c, XCB_COPY_FROM_PARENT, x->win, scr->root, 0, 0, 1, 1, 0,
			  XCB_WINDOW_CLASS_INPUT_ONLY, XCB_COPY_FROM_PARENT, XCB_CW_EVENT_MASK,
			  &mask);
	xcb_xfixes_select_selection_input(
		c, x->win, x->atom[A_CLIPBOARD],
		XCB_XFIXES_SELECTION_EVENT_MASK_SET_SELECTION_OWNER |
			XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_WINDOW_DESTROY |
			XCB_XFIXES_SELECTION_EVENT_MASK_SELECTION_CLIENT_CLOSE);
	/* The text already there is the first to report. */
	xcb_get_selection_owner_reply_t *o =
		xcb_get_selection_owner_reply(c, xcb_get_selection_owner(c, x->atom[A_CLIPBOARD]),
					      NULL);
	if (o && o->owner != XCB_NONE)
		xcb_convert_selection(c, x->win, x->atom[A_CLIPBOARD], x->atom[A_UTF8],
				      x->atom[A_PROP], XCB_CURRENT_TIME);
	free(o);
	xcb_flush(c);
	x->base.name = "x11-xfixes";
	x->base.set = x_set;
	x->base.destroy = x_destroy;
	uv_poll_init(s->loop, &x->poll, xcb_get_file_descriptor(c));
	x->poll.data = x;
	uv_poll_start(&x->poll, UV_READABLE, on_readable);
	*out = &x->base;
	return 0;
}
