// SPDX-License-Identifier: MIT
/* Local evdev input for the client; see client/input.h. */
#include "input.h"

#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev.h>
#include <libudev.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmscast/bitset.h"
#include "kmscast/hotplug.h"

#define PROG "kmscast"
#define HELD_WORDS ((KEY_MAX + 64) / 64)
#define FRAME_MAX 64

struct source {
	struct input *in;
	struct source *next;
	struct libevdev *dev;
	int fd;
	uv_poll_t poll;
	bool explicit, grabbed;
	char path[64], name[128];
	struct evmap_dev map;
	/* The events of the frame being read, sent at its SYN_REPORT. */
	struct proto_input_event frame[FRAME_MAX];
	unsigned frame_n;
};

struct input {
	uv_loop_t *loop;
	struct input_options o;
	struct input_callbacks cb;
	void *data;
	struct source *sources;
	struct hotplug *hotplug; /* --input-device auto */
	int handles;
	bool destroyed, paused, control;
	uint32_t w, h;
	uint64_t down[HELD_WORDS];    /* keys down locally: the hotkey's view */
	uint64_t sent[HELD_WORDS];    /* presses sent and not yet released */
	uint64_t swallow[HELD_WORDS]; /* the hotkey's key: its release is not sent */
	struct proto_input_event batch[PROTO_MAX_INPUT_EVENTS];
	unsigned batch_n;
};

static void flush(struct input *in)
{
	if (in->batch_n && in->cb.send)
		in->cb.send(in->data, in->batch, in->batch_n);
	in->batch_n = 0;
}

/* Appends one whole frame (events + SYN_REPORT) to the batch. */
static void add_frame(struct input *in, const struct proto_input_event *evs, unsigned n)
{
	if (!n)
		return;
	if (in->batch_n + n + 1 > PROTO_MAX_INPUT_EVENTS)
		flush(in);
	memcpy(in->batch + in->batch_n, evs, n * sizeof(*evs));
	in->batch_n += n;
	in->batch[in->batch_n++] = (struct proto_input_event){EV_SYN, SYN_REPORT, 0};
}

/* Releases of every key and button sent, so the host holds nothing. */
static void release_sent(struct input *in)
{
	struct proto_input_event f[FRAME_MAX];
	unsigned n = 0;
	for (unsigned c = 0; c <= KEY_MAX; c++) {
		if (!bitset_test(in->sent, c))
			continue;
		f[n++] = (struct proto_input_event){EV_KEY, (uint16_t)c, 0};
		if (n == FRAME_MAX) {
			add_frame(in, f, n);
			n = 0;
		}
	}
	add_frame(in, f, n);
	memset(in->sent, 0, sizeof(in->sent));
	flush(in);
}

static bool forwarding(const struct input *in) { return in->control && !in->paused && in->w; }

static void set_grabs(struct input *in, bool grab)
{
	for (struct source *s = in->sources; s; s = s->next) {
		if (s->grabbed == grab)
			continue;
		if (libevdev_grab(s->dev, grab ? LIBEVDEV_GRAB : LIBEVDEV_UNGRAB) == 0)
			s->grabbed = grab;
		else
			fprintf(stderr, PROG ": cannot %s %s\n", grab ? "grab" : "release",
				s->path);
	}
}

static void hotkey(struct input *in)
{
	if (!in->o.grab || in->o.hotkey_quits) {
		fprintf(stderr, PROG ": release hotkey: quitting\n");
		release_sent(in);
		if (in->cb.quit)
			in->cb.quit(in->data);
		return;
	}
	in->paused = !in->paused;
	if (in->paused) {
		release_sent(in);
		set_grabs(in, false);
		fprintf(stderr, PROG ": input released to this machine; %s takes it back\n",
			in->o.hotkey_text);
	} else {
		set_grabs(in, true);
		fprintf(stderr, PROG ": input goes to the remote host again\n");
	}
}

/* A key as pressed locally. The hotkeys act on it and are not sent; the
 * hotkey's key is swallowed up to its release. False: do not send it. */
static bool local_key(struct input *in, uint16_t code, bool press)
{
	if (press && hotkey_match(&in->o.hotkey, in->down, code)) {
		bitset_put(in->swallow, code, true);
		hotkey(in);
		return false;
	}
	if (press && in->o.stats_hotkey.key && hotkey_match(&in->o.stats_hotkey, in->down, code)) {
		bitset_put(in->swallow, code, true);
		if (in->cb.stats)
			in->cb.stats(in->data);
		return false;
	}
	bitset_put(in->down, code, press);
	if (!press && bitset_test(in->swallow, code)) {
		bitset_put(in->swallow, code, false);
		return false;
	}
	return true;
}

/* A release is sent only for what was sent pressed. */
static bool track_sent(struct input *in, const struct proto_input_event *out)
{
	if (out->type != EV_KEY)
		return true;
	if (!out->value && !bitset_test(in->sent, out->code))
		return false;
	bitset_put(in->sent, out->code, out->value);
	return true;
}

static void source_event(struct source *s, const struct input_event *ev)
{
	struct input *in = s->in;
	struct proto_input_event out;

	if (ev->type == EV_SYN && ev->code == SYN_REPORT) {
		/* What the host holds is judged per whole frame: a frame the
		 * kernel's overrun voids must not count as sent. */
		struct proto_input_event f[FRAME_MAX];
		unsigned m = 0;
		for (unsigned i = 0; i < s->frame_n; i++)
			if (track_sent(in, &s->frame[i]))
				f[m++] = s->frame[i];
		add_frame(in, f, m);
		s->frame_n = 0;
		return;
	}
	if (ev->type == EV_KEY && ev->code <= KEY_MAX && ev->value != 2 &&
	    !local_key(in, ev->code, ev->value != 0))
		return;
	if (!forwarding(in) ||
	    !evmap_event(&s->map, ev->type, ev->code, ev->value, in->w, in->h, &out))
		return;
	if (s->frame_n < FRAME_MAX)
		s->frame[s->frame_n++] = out;
}

/* After the kernel dropped events and libevdev replayed the state: a key
 * or button the host holds for us that is up on this device now is
 * released, for its release may be among what was lost; nothing stays
 * held. (Only releases: a press that was lost is lost, as said.) */
static void release_lifted(struct source *s)
{
	struct input *in = s->in;
	struct proto_input_event f[FRAME_MAX];
	unsigned n = 0;
	for (unsigned c = 0; c <= KEY_MAX; c++) {
		if (!libevdev_has_event_code(s->dev, EV_KEY, c))
			continue;
		bool down = libevdev_get_event_value(s->dev, EV_KEY, c);
		bitset_put(in->down, c, down);
		if (down || !bitset_test(in->sent, c))
			continue;
		bitset_put(in->sent, c, false);
		f[n++] = (struct proto_input_event){EV_KEY, (uint16_t)c, 0};
		if (n == FRAME_MAX) {
			add_frame(in, f, n);
			n = 0;
		}
	}
	add_frame(in, f, n);
}

void input_frame(struct input *in, const struct proto_input_event *evs, unsigned n)
{
	struct proto_input_event f[FRAME_MAX];
	unsigned m = 0;
	for (unsigned i = 0; i < n && m < FRAME_MAX; i++) {
		const struct proto_input_event *ev = &evs[i];
		if (ev->type == EV_KEY && ev->code <= KEY_MAX &&
		    !local_key(in, ev->code, ev->value != 0))
			continue;
		if (forwarding(in) && track_sent(in, ev))
			f[m++] = *ev;
	}
	add_frame(in, f, m);
	flush(in);
}

void input_release(struct input *in)
{
	memset(in->down, 0, sizeof(in->down));
	memset(in->swallow, 0, sizeof(in->swallow));
	release_sent(in);
}

static void source_closed(uv_handle_t *h)
{
	struct source *s = h->data;
	struct input *in = s->in;
	free(s);
	if (--in->handles == 0 && in->destroyed)
		free(in);
}

static void source_remove(struct source *s, const char *why)
{
	struct input *in = s->in;
	struct source **pp;
	for (pp = &in->sources; *pp && *pp != s; pp = &(*pp)->next)
		;
	if (*pp)
		*pp = s->next;
	if (why)
		fprintf(stderr, PROG ": input device %s (%s) %s\n", s->path, s->name, why);
	uv_poll_stop(&s->poll);
	if (s->grabbed)
		libevdev_grab(s->dev, LIBEVDEV_UNGRAB);
	libevdev_free(s->dev);
	close(s->fd);
	uv_close((uv_handle_t *)&s->poll, source_closed);
}

/* Unplugged or broken: nothing it held may stay held on the host. */
static void source_gone(struct source *s, const char *why)
{
	struct input *in = s->in;
	source_remove(s, why);
	release_sent(in);
}

static struct source *find_source(struct input *in, const char *path)
{
	for (struct source *s = in->sources; s; s = s->next)
		if (strcmp(s->path, path) == 0)
			return s;
	return NULL;
}

static void source_readable(uv_poll_t *p, int status, int events)
{
	struct source *s = p->data;
	struct input_event ev;
	unsigned flag = LIBEVDEV_READ_FLAG_NORMAL;
	(void)events;
	if (status < 0) {
		source_remove(s, "failed");
		return;
	}
	for (;;) {
		int r = libevdev_next_event(s->dev, flag, &ev);
		if (r == LIBEVDEV_READ_STATUS_SYNC) {
			/* The kernel's buffer overran: libevdev replays the state
			 * changes we missed, and a half-read frame is void. */
			s->frame_n = 0;
			flag = LIBEVDEV_READ_FLAG_SYNC;
			if (ev.type == EV_SYN && ev.code == SYN_DROPPED) {
				/* Keys pressed and released meanwhile are gone:
				 * the user must hear of it, not find it out. */
				fprintf(stderr,
					PROG ": input device %s (%s): events came faster than "
					     "they were read and the kernel dropped some "
					     "(keys typed meanwhile are lost)\n",
					s->path, s->name);
				continue;
			}
			source_event(s, &ev);
			continue;
		}
		if (r == -EAGAIN && flag == LIBEVDEV_READ_FLAG_SYNC) {
			flag = LIBEVDEV_READ_FLAG_NORMAL;
			release_lifted(s);
			continue;
		}
		if (r == -EAGAIN)
			break;
		if (r < 0) {
			source_gone(s, r == -ENODEV ? "went away" : "cannot be read");
			return;
		}
		source_event(s, &ev);
	}
	flush(s->in);
}

static bool caps_has(void *dev, unsigned type, unsigned code)
{
	return libevdev_has_event_code(dev, type, code);
}
static bool caps_prop(void *dev, unsigned prop) { return libevdev_has_property(dev, prop); }

/* Opens path. Explicit devices fail loudly (-errno with err); discovered
 * ones that are no keyboard or pointer are skipped (1). */
static int source_add(struct input *in, const char *path, bool explicit, char *err, size_t len)
{
	char cls_name[80];
	if (find_source(in, path))
		return 1;
	int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, len, "--input-device %s: %s", path, strerror(e));
		return -e;
	}
	struct libevdev *dev;
	int r = libevdev_new_from_fd(fd, &dev);
	if (r < 0) {
		close(fd);
		snprintf(err, len, "--input-device %s: not an evdev device: %s", path,
			 strerror(-r));
		return r;
	}
	const char *name = libevdev_get_name(dev);
	unsigned cls = evmap_classify(&(struct evmap_caps){caps_has, caps_prop, dev});
	evmap_class_name(cls, cls_name, sizeof(cls_name));
	r = 0;
	/* Forwarding our own injected devices would loop input back to the host. */
	if (!strncmp(name, "kmscast ", 8))
		r = -ELOOP;
	else if (!(cls & (EVMAP_KEYBOARD | EVMAP_MOUSE | EVMAP_ABS)) && !explicit)
		r = 1;
	if (r == -ELOOP && explicit)
		snprintf(err, len,
			 "--input-device %s is \"%s\", a device kmscastd injects into; "
			 "forwarding it would loop",
			 path, name);
	if (r == 0 && in->o.grab && !in->paused && libevdev_grab(dev, LIBEVDEV_GRAB) != 0) {
		r = -EBUSY;
		snprintf(err, len, "--input-device %s (%s): another program has grabbed it", path,
			 name);
	}
	if (r != 0) {
		if (!explicit && in->o.verbose)
			fprintf(stderr, PROG ": skipping %s (%s): %s\n", path, name,
				r == -ELOOP   ? "kmscastd's own device"
				: r == -EBUSY ? "grabbed elsewhere"
					      : cls_name);
		libevdev_free(dev);
		close(fd);
		return explicit ? r : 1;
	}
	struct source *s = calloc(1, sizeof(*s));
	if (!s) {
		libevdev_free(dev);
		close(fd);
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	s->in = in;
	s->dev = dev;
	s->fd = fd;
	s->explicit = explicit;
	s->grabbed = in->o.grab && !in->paused;
	snprintf(s->path, sizeof(s->path), "%s", path);
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->map.abs = cls & EVMAP_ABS;
	for (int a = 0; a < 2; a++) {
		const struct input_absinfo *ai = libevdev_get_abs_info(dev, a ? ABS_Y : ABS_X);
		s->map.min[a] = ai ? ai->minimum : 0;
		s->map.max[a] = ai ? ai->maximum : 0;
	}
	uv_poll_init(in->loop, &s->poll, fd);
	s->poll.data = s;
	in->handles++;
	uv_poll_start(&s->poll, UV_READABLE, source_readable);
	s->next = in->sources;
	in->sources = s;
	if (cls & EVMAP_TOUCHPAD)
		fprintf(stderr,
			PROG ": warning: %s (%s) is a touchpad; its buttons are forwarded "
			     "but not its motion\n",
			path, name);
	fprintf(stderr, PROG ": input from %s (%s, %s%s)\n", path, name, cls_name,
		s->grabbed ? ", grabbed" : "");
	return 0;
}

static bool is_event_node(const char *node)
{
	return node && !strncmp(node, "/dev/input/event", 16);
}

static void on_hotplug(void *data, struct udev_device *d, const char *action)
{
	struct input *in = data;
	char err[256];
	const char *node = udev_device_get_devnode(d);
	if (is_event_node(node) && !strcmp(action, "add")) {
		source_add(in, node, false, err, sizeof(err));
	} else if (is_event_node(node) && !strcmp(action, "remove")) {
		struct source *s = find_source(in, node);
		if (s)
			source_gone(s, "was unplugged");
	}
}

static int discover(struct input *in, char *err, size_t len)
{
	static const char *const subsystems[] = {"input", NULL};
	char why[256];
	int r = hotplug_create(in->loop, subsystems, on_hotplug, in, &in->hotplug, why,
			       sizeof(why));
	if (r < 0) {
		snprintf(err, len, "--input-device auto: %s", why);
		return r;
	}
	struct udev *udev = hotplug_udev(in->hotplug);
	struct udev_enumerate *e = udev_enumerate_new(udev);
	udev_enumerate_add_match_subsystem(e, "input");
	udev_enumerate_scan_devices(e);
	struct udev_list_entry *l;
	udev_list_entry_foreach (l, udev_enumerate_get_list_entry(e)) {
		struct udev_device *d =
			udev_device_new_from_syspath(udev, udev_list_entry_get_name(l));
		const char *node = d ? udev_device_get_devnode(d) : NULL;
		if (is_event_node(node))
			source_add(in, node, false, err, len);
		if (d)
			udev_device_unref(d);
	}
	udev_enumerate_unref(e);
	err[0] = 0;
	return 0;
}

int input_create(uv_loop_t *loop, const struct input_options *o, const struct input_callbacks *cb,
		 void *data, struct input **out, char *err, size_t len)
{
	struct input *in = calloc(1, sizeof(*in));
	if (!in) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	in->loop = loop;
	in->o = *o;
	in->cb = *cb;
	in->data = data;
	int r = 0;
	for (unsigned i = 0; i < o->npaths && r >= 0; i++)
		r = source_add(in, o->paths[i], true, err, len);
	if (r >= 0 && o->discover)
		r = discover(in, err, len);
	if (r < 0) {
		input_destroy(in);
		return r;
	}
	*out = in;
	return 0;
}

void input_set_stream(struct input *in, uint32_t w, uint32_t h, bool control)
{
	if (in->control && !control)
		release_sent(in);
	in->w = w;
	in->h = h;
	in->control = control;
}

void input_destroy(struct input *in)
{
	if (!in)
		return;
	while (in->sources)
		source_remove(in->sources, NULL);
	hotplug_destroy(in->hotplug);
	in->hotplug = NULL;
	in->destroyed = true;
	if (in->handles == 0)
		free(in);
}
