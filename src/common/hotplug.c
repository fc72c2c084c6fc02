// SPDX-License-Identifier: MIT
/* libudev monitor on a uv_poll; see include/kmscast/hotplug.h. */
#include "kmscast/hotplug.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <libudev.h>
#include <unistd.h>

struct hotplug {
	struct udev *udev;
	struct udev_monitor *mon;
	uv_poll_t poll;
	hotplug_fn fn;
	void *data;
};

static void readable(uv_poll_t *p, int status, int events)
{
	struct hotplug *h = p->data;
	struct udev_device *d;
	(void)events;
	if (status < 0)
		return;
	while ((d = udev_monitor_receive_device(h->mon))) {
		const char *action = udev_device_get_action(d);
		h->fn(h->data, d, action ? action : "");
		udev_device_unref(d);
	}
}

int hotplug_create(uv_loop_t *loop, const char *const *subsystems, hotplug_fn fn, void *data,
		   struct hotplug **out, char *err, size_t len)
{
	struct hotplug *h = calloc(1, sizeof(*h));
	if (!h || !(h->udev = udev_new())) {
		free(h);
		snprintf(err, len, "libudev is not available");
		return -ENOMEM;
	}
	const char *source = access("/run/udev/control", F_OK) == 0 ? "udev" : "kernel";
	h->mon = udev_monitor_new_from_netlink(h->udev, source);
	int r = h->mon ? 0 : -EIO;
	for (const char *const *s = subsystems; !r && *s; s++)
		r = udev_monitor_filter_add_match_subsystem_devtype(h->mon, *s, NULL);
	if (!r)
		r = udev_monitor_enable_receiving(h->mon);
	if (r) {
		snprintf(err, len, "cannot watch for hotplug (%s netlink events): %s", source,
			 strerror(-r));
		udev_monitor_unref(h->mon);
		udev_unref(h->udev);
		free(h);
		return r;
	}
	h->fn = fn;
	h->data = data;
	uv_poll_init(loop, &h->poll, udev_monitor_get_fd(h->mon));
	h->poll.data = h;
	uv_poll_start(&h->poll, UV_READABLE, readable);
	*out = h;
	return 0;
}

static void closed(uv_handle_t *p)
{
	struct hotplug *h = p->data;
	udev_monitor_unref(h->mon);
	udev_unref(h->udev);
	free(h);
}

void hotplug_destroy(struct hotplug *h)
{
	if (!h)
		return;
	uv_poll_stop(&h->poll);
	uv_close((uv_handle_t *)&h->poll, closed);
}

struct udev *hotplug_udev(struct hotplug *h) { return h->udev; }
