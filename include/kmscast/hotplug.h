// SPDX-License-Identifier: MIT
/* Device hotplug through a libudev monitor on the loop: udevd's events
 * when it runs (the node is ready by then), else the kernel's own. */
#ifndef KMSCAST_HOTPLUG_H
#define KMSCAST_HOTPLUG_H

#include <stddef.h>
#include <uv.h>

struct udev;
struct udev_device;
struct hotplug;

/* d is only lent for the call; action is "add", "remove", "change", ... */
typedef void (*hotplug_fn)(void *data, struct udev_device *d, const char *action);

/* Watches the NULL-terminated subsystems. 0 or -errno with err set. */
int hotplug_create(uv_loop_t *loop, const char *const *subsystems, hotplug_fn fn, void *data,
		   struct hotplug **out, char *err, size_t len);
/* NULL-safe; the memory goes once the loop has closed the poll handle. */
void hotplug_destroy(struct hotplug *h);
/* For enumerating what is there already. */
struct udev *hotplug_udev(struct hotplug *h);

#endif
