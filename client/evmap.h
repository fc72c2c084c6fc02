// SPDX-License-Identifier: MIT
/* The client's side of input, apart from device I/O: which local evdev
 * devices are keyboards and pointers, how their events become wire events
 * (absolute positions scaled to stream pixels, touch and pen tips as the
 * left button), and the release hotkey. client/input.c does the I/O. */
#ifndef KMSCAST_EVMAP_H
#define KMSCAST_EVMAP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/proto.h"

enum evmap_class {
	EVMAP_KEYBOARD = 1u << 0, /* letters: a typing keyboard, not a power button */
	EVMAP_MOUSE = 1u << 1,    /* REL_X/Y and a left button */
	EVMAP_ABS = 1u << 2,      /* ABS_X/Y with a button, touch or pen: a tablet or touchscreen */
	EVMAP_TOUCHPAD = 1u << 3, /* absolute fingers on an indirect pad: not forwarded */
};

/* What classification needs to know of a device, read by the caller. */
struct evmap_caps {
	bool (*has)(void *dev, unsigned type, unsigned code);
	bool (*has_prop)(void *dev, unsigned prop);
	void *dev;
};
unsigned evmap_classify(const struct evmap_caps *c);
/* "keyboard", "mouse", "keyboard+mouse", "touchpad (not forwarded)", ... */
void evmap_class_name(unsigned cls, char *out, size_t len);

/* One source device's translation state. */
struct evmap_dev {
	bool abs;               /* forward ABS_X/Y: a tablet or touchscreen, not a touchpad */
	int32_t min[2], max[2]; /* ABS_X, ABS_Y ranges */
};

/* v on [min, max] to a pixel on [0, size): the pixel whose span holds it. */
int32_t evmap_abs_scale(int32_t v, int32_t min, int32_t max, uint32_t size);
/* One device event as wire events (0 or 1; SYN_REPORT passes through);
 * stream_w/h 0 drop absolute motion. */
unsigned evmap_event(const struct evmap_dev *d, uint16_t type, uint16_t code, int32_t value,
		     uint32_t stream_w, uint32_t stream_h, struct proto_input_event *out);

/* Where a w x h stream goes in a dst_w x dst_h window or screen: as large
 * as fits with its aspect kept, centred (letterbox or pillarbox). */
struct evmap_rect {
	int32_t x, y;
	uint32_t w, h;
};
struct evmap_rect evmap_fit(uint32_t w, uint32_t h, uint32_t dst_w, uint32_t dst_h);
/* A window position (e.g. an SDL mouse event) as a stream pixel; outside
 * the picture clamps to its edge. */
void evmap_to_stream(const struct evmap_rect *r, int32_t x, int32_t y, uint32_t w, uint32_t h,
		     int32_t *sx, int32_t *sy);

/* The release hotkey: modifiers (either side) and one key. */
enum { HOTKEY_CTRL = 1, HOTKEY_ALT = 2, HOTKEY_SHIFT = 4, HOTKEY_META = 8 };
struct hotkey {
	unsigned mods;
	uint16_t key;
};
#define HOTKEY_DEFAULT "ctrl+alt+shift+q"
/* "ctrl+alt+shift+q", "meta+f12", "ctrl+alt+KEY_PAUSE": 0 or -EINVAL with why. */
int hotkey_parse(const char *s, struct hotkey *hk, char *err, size_t len);
/* held: the keys down, one bit per KEY_* code (0x300 bits). True when code
 * pressed now completes the hotkey with exactly its modifiers held. */
bool hotkey_match(const struct hotkey *hk, const uint64_t *held, uint16_t code);
unsigned hotkey_mods(const uint64_t *held);

#endif
