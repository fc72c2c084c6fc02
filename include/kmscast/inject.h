// SPDX-License-Identifier: MIT
/* The daemon's virtual input devices, made through libevdev's uinput
 * support: "kmscast keyboard" (every KEY_* code, the kernel's autorepeat),
 * "kmscast mouse" (relative motion, buttons, wheels with hi-res) and
 * "kmscast absolute pointer" (tablet-style, its range the captured output's
 * size in half pixels, a pixel written as its centre). src/common/inputfilter.c
 * decides what is written, src/daemon/inputpace.c when. */
#ifndef KMSCAST_INJECT_H
#define KMSCAST_INJECT_H

#include <stddef.h>
#include <stdint.h>

#include "kmscast/inputfilter.h"

struct inject_options {
	struct inputfilter_options filter;
	const char *uinput_path; /* NULL: /dev/uinput */
};

struct inject;

/* Makes the keyboard and the mouse; the pointer waits for inject_set_output. */
int inject_create(const struct inject_options *o, struct inject **out, char *err, size_t len);
/* Releases whatever is held, then removes the devices. */
void inject_destroy(struct inject *in);
/* (Re)makes the absolute pointer for a w x h output, releasing its buttons
 * first when the size changes. */
int inject_set_output(struct inject *in, uint32_t w, uint32_t h, char *err, size_t len);
/* Queues one wire batch as the filter judges it and writes what is due
 * (src/daemon/inputpace.c paces it); -errno of the first failed write, else 0. */
int inject_batch(struct inject *in, const struct proto_input_event *evs, unsigned n,
		 uint64_t now_us, struct inputfilter_report *rep);
/* The filter the batches go through, to tell it the console's mode. */
struct inputfilter *inject_filter(struct inject *in);
/* Writes what is due at now_us; -errno of the first failed write. */
int inject_pump(struct inject *in, uint64_t now_us);
/* When inject_pump is next needed (monotonic us), 0 when nothing waits. */
uint64_t inject_due(const struct inject *in);
/* Releases every held key and button, after what waits; returns how many. */
unsigned inject_release_all(struct inject *in, uint64_t now_us);
/* The device's node (e.g. /dev/input/event5), or NULL before it exists. */
const char *inject_devnode(const struct inject *in, enum input_dev d);

#endif
