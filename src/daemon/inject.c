// SPDX-License-Identifier: MIT
/* uinput devices for a client's input; see include/kmscast/inject.h. */
#include "kmscast/inject.h"
#include "kmscast/inputpace.h"

#include <errno.h>
#include <fcntl.h>
#include <libevdev/libevdev-uinput.h>
#include <libevdev/libevdev.h>
#include <linux/input.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VENDOR 0x6b6d /* "km" */
/* The absolute pointer counts half pixels and aims at a pixel's centre:
 * libinput maps the range onto the output as w / (max + 1) per unit, X's
 * libinput driver then scales through 0..65535 and floors, so a pixel's
 * left edge lands one pixel short on X (399 for 400); its centre lands on
 * the pixel under both, and on Wayland the application gets x + 0.5. */
#define ABS_SUB 2

struct inject {
	struct inject_options o;
	struct inputfilter filter;
	struct libevdev_uinput *dev[INPUT_DEV_COUNT];
	int fd[INPUT_DEV_COUNT];
	uint32_t w, h;
	struct inputpace pace;
	struct input_out out[INPUTFILTER_RELEASE_MAX];
	uint64_t due_us; /* when what waits is next due; 0: nothing waits */
};

static void enable_codes(struct libevdev *d, unsigned type, bool (*want)(uint16_t), unsigned max)
{
	libevdev_enable_event_type(d, type);
	for (unsigned c = 0; c <= max; c++)
		if (want((uint16_t)c))
			libevdev_enable_event_code(d, type, c, NULL);
}

/* The capabilities of device d, which the filter's routing relies on. */
static void describe(struct libevdev *d, enum input_dev which, uint32_t w, uint32_t h,
		     bool power_keys)
{
	char name[64];
	snprintf(name, sizeof(name), "kmscast %s", inputfilter_dev_name(which));
	libevdev_set_name(d, name);
	libevdev_set_id_bustype(d, BUS_VIRTUAL);
	libevdev_set_id_vendor(d, VENDOR);
	libevdev_set_id_product(d, 1 + which);
	libevdev_set_id_version(d, 1);
	switch (which) {
	case INPUT_DEV_KEYBOARD:
		enable_codes(d, EV_KEY, inputfilter_keyboard_key, INPUTFILTER_KEY_MAX);
		/* logind powers off or suspends on a keyboard that has these
		 * (udev tags every keyboard power-switch): by default ours has
		 * none, so nothing a client sends can reach it. */
		for (unsigned c = 0; !power_keys && c <= INPUTFILTER_KEY_MAX; c++)
			if (inputfilter_power_key((uint16_t)c))
				libevdev_disable_event_code(d, EV_KEY, c);
		/* EV_REP: the kernel repeats held keys, as for a local keyboard. */
		libevdev_enable_event_type(d, EV_REP);
		break;
	case INPUT_DEV_MOUSE:
		enable_codes(d, EV_KEY, inputfilter_button, INPUTFILTER_KEY_MAX);
		enable_codes(d, EV_REL, inputfilter_rel, REL_MAX);
		libevdev_enable_property(d, INPUT_PROP_POINTER);
		break;
	case INPUT_DEV_POINTER: {
		/* Like QEMU's USB tablet: ABS_X/Y and mouse buttons, which udev
		 * and libinput take for an absolute mouse. */
		struct input_absinfo ax = {.minimum = 0, .maximum = (int32_t)(w * ABS_SUB) - 1};
		struct input_absinfo ay = {.minimum = 0, .maximum = (int32_t)(h * ABS_SUB) - 1};
		enable_codes(d, EV_KEY, inputfilter_button, INPUTFILTER_KEY_MAX);
		libevdev_enable_event_type(d, EV_ABS);
		libevdev_enable_event_code(d, EV_ABS, ABS_X, &ax);
		libevdev_enable_event_code(d, EV_ABS, ABS_Y, &ay);
		break;
	}
	default: break;
	}
}

/* Each device has its own /dev/uinput fd, opened once while the daemon may
 * still open it: a device is remade on the same fd after privileges are
 * gone (UI_DEV_DESTROY leaves the fd ready for another). */
static int open_uinput(struct inject *in, enum input_dev which, char *err, size_t len)
{
	const char *path = in->o.uinput_path ? in->o.uinput_path : "/dev/uinput";
	int fd = open(path, O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		int e = errno;
		snprintf(err, len, "cannot open %s: %s%s", path, strerror(e),
			 e == ENOENT ? " (is the uinput module loaded?)" : "");
		return -e;
	}
	in->fd[which] = fd;
	return 0;
}

static int make(struct inject *in, enum input_dev which, char *err, size_t len)
{
	struct libevdev *d = libevdev_new();
	if (!d) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	describe(d, which, in->w, in->h, in->o.filter.allow_power_keys);
	int r = libevdev_uinput_create_from_device(d, in->fd[which], &in->dev[which]);
	libevdev_free(d);
	if (r < 0) {
		in->dev[which] = NULL;
		snprintf(err, len, "cannot create the uinput device \"kmscast %s\": %s",
			 inputfilter_dev_name(which), strerror(-r));
		return r;
	}
	return 0;
}

/* The device goes; its fd stays for the next one. */
static void unmake(struct inject *in, enum input_dev which)
{
	if (!in->dev[which])
		return;
	libevdev_uinput_destroy(in->dev[which]);
	in->dev[which] = NULL;
}

int inject_create(const struct inject_options *o, struct inject **out, char *err, size_t len)
{
	struct inject *in = calloc(1, sizeof(*in));
	if (!in) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	in->o = *o;
	inputfilter_init(&in->filter, &o->filter);
	inputpace_init(&in->pace);
	for (int d = 0; d < INPUT_DEV_COUNT; d++)
		in->fd[d] = -1;
	int r = 0;
	for (int d = 0; d < INPUT_DEV_COUNT && r == 0; d++)
		r = open_uinput(in, (enum input_dev)d, err, len);
	if (r == 0)
		r = make(in, INPUT_DEV_KEYBOARD, err, len);
	if (r == 0)
		r = make(in, INPUT_DEV_MOUSE, err, len);
	if (r < 0) {
		inject_destroy(in);
		return r;
	}
	*out = in;
	return 0;
}

/* Writes out[0..n) to the devices; the first failure's -errno. */
static int write_all(struct inject *in, unsigned n)
{
	int first = 0;
	for (unsigned i = 0; i < n; i++) {
		struct input_out *e = &in->out[i];
		if (!in->dev[e->dev])
			continue;
		int32_t v = e->type == EV_ABS ? e->value * ABS_SUB + ABS_SUB / 2 : e->value;
		int r = libevdev_uinput_write_event(in->dev[e->dev], e->type, e->code, v);
		if (r < 0 && !first)
			first = r;
	}
	return first;
}

int inject_pump(struct inject *in, uint64_t now_us)
{
	int first = 0;
	unsigned n;
	do {
		n = inputpace_take(&in->pace, now_us, in->out, INPUTFILTER_RELEASE_MAX,
				   &in->due_us);
		int r = write_all(in, n);
		first = first ? first : r;
	} while (n && in->due_us == now_us);
	inputfilter_set_backlog(&in->filter, !inputpace_room(&in->pace, INPUTFILTER_OUT_MAX));
	return first;
}

uint64_t inject_due(const struct inject *in) { return in->due_us; }

/* Queues what the filter gave; past the bound only releases come (the
 * filter is told of the backlog), and those always fit. */
static void queue(struct inject *in, unsigned n)
{
	(void)inputpace_push(&in->pace, in->out, n, true);
}

/* Writes whatever waits at once: the devices are going or changing. */
static void drain(struct inject *in)
{
	unsigned n;
	while ((n = inputpace_drain(&in->pace, in->out, INPUTFILTER_RELEASE_MAX)))
		write_all(in, n);
	in->due_us = 0;
	inputfilter_set_backlog(&in->filter, false);
}

/* Releases of what is held join the queue behind what waits, so a key
 * pressed there is released after, not before. */
static unsigned release(struct inject *in)
{
	unsigned n = inputfilter_release_all(&in->filter, in->out), keys = 0;
	for (unsigned i = 0; i < n; i++)
		keys += in->out[i].type == EV_KEY;
	queue(in, n);
	return keys;
}

unsigned inject_release_all(struct inject *in, uint64_t now_us)
{
	unsigned keys = release(in);
	inject_pump(in, now_us);
	return keys;
}

void inject_destroy(struct inject *in)
{
	if (!in)
		return;
	release(in);
	drain(in);
	for (int d = 0; d < INPUT_DEV_COUNT; d++) {
		unmake(in, (enum input_dev)d);
		if (in->fd[d] >= 0)
			close(in->fd[d]);
	}
	free(in);
}

int inject_set_output(struct inject *in, uint32_t w, uint32_t h, char *err, size_t len)
{
	if (in->dev[INPUT_DEV_POINTER] && in->w == w && in->h == h)
		return 0;
	if (in->dev[INPUT_DEV_POINTER]) {
		release(in); /* a drag across a mode change ends */
		drain(in);   /* and no old position reaches the new pointer */
	}
	unmake(in, INPUT_DEV_POINTER);
	inputfilter_set_abs(&in->filter, 0, 0);
	if (!w || !h || w > 65536 || h > 65536) {
		snprintf(err, len, "no pointer for a %ux%u output", w, h);
		return -EINVAL;
	}
	in->w = w;
	in->h = h;
	int r = make(in, INPUT_DEV_POINTER, err, len);
	if (r == 0)
		inputfilter_set_abs(&in->filter, w, h);
	return r;
}

int inject_batch(struct inject *in, const struct proto_input_event *evs, unsigned n,
		 uint64_t now_us, struct inputfilter_report *rep)
{
	queue(in, inputfilter_batch(&in->filter, evs, n, now_us, in->out, rep));
	return inject_pump(in, now_us);
}

struct inputfilter *inject_filter(struct inject *in) { return &in->filter; }

const char *inject_devnode(const struct inject *in, enum input_dev d)
{
	return d < INPUT_DEV_COUNT && in->dev[d] ? libevdev_uinput_get_devnode(in->dev[d]) : NULL;
}
