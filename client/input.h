// SPDX-License-Identifier: MIT
/* The client's local input: evdev devices named with --input-device, or
 * every keyboard and pointer found through libudev (hotplugged ones too),
 * grabbed so only the remote host sees them, their events batched per
 * evdev frame and handed to send(). The release hotkey ungrabs (and a
 * second press grabs again), or quits when nothing is grabbed. */
#ifndef KMSCAST_CLIENT_INPUT_H
#define KMSCAST_CLIENT_INPUT_H

#include <stdbool.h>
#include <stddef.h>
#include <uv.h>

#include "evmap.h"

#define INPUT_MAX_PATHS 16

struct input_options {
	const char *paths[INPUT_MAX_PATHS];
	unsigned npaths;
	bool discover;     /* "auto": libudev finds the devices */
	bool grab;         /* EVIOCGRAB each device (default) */
	bool hotkey_quits; /* the kiosk: the hotkey ends the session */
	struct hotkey hotkey;
	const char *hotkey_text;    /* as given, for messages */
	struct hotkey stats_hotkey; /* key 0: none; calls stats() */
	int verbose;
};

struct input_callbacks {
	void (*send)(void *data, const struct proto_input_event *evs, unsigned n);
	void (*quit)(void *data);
	void (*stats)(void *data); /* the stats hotkey */
};

struct input;

int input_create(uv_loop_t *loop, const struct input_options *o, const struct input_callbacks *cb,
		 void *data, struct input **out, char *err, size_t len);
/* The stream's size for absolute positions; control false stops forwarding. */
void input_set_stream(struct input *in, uint32_t w, uint32_t h, bool control);
/* One frame of events from elsewhere (the SDL window), already in stream
 * pixels, without its SYN_REPORT: the hotkeys and held-key tracking apply
 * as to a device's. */
void input_frame(struct input *in, const struct proto_input_event *evs, unsigned n);
/* Focus lost: every key and button sent pressed is released on the host. */
void input_release(struct input *in);
/* Ungrabs and closes everything; the loop must run on to close the handles. */
void input_destroy(struct input *in);

#endif
