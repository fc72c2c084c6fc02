// SPDX-License-Identifier: MIT
/* Paces what the filter passed into the uinput devices. Each reader of an
 * evdev node (libinput in the display server) has a buffer of 64 events
 * for a keyboard or mouse; a burst larger than that, written while the
 * reader is busy drawing, is cut at SYN_DROPPED and the rest is lost (seen
 * with weston under TCG: a pasted line lost its tail). So each device gets
 * a token bucket of events: a burst of half that buffer at once, then a
 * steady rate, whole frames in the order they came. What waits is bounded;
 * pure logic, the clock is the caller's. */
#ifndef KMSCAST_INPUTPACE_H
#define KMSCAST_INPUTPACE_H

#include <stdbool.h>
#include <stdint.h>

#include "kmscast/inputfilter.h"

/* Half the kernel's smallest evdev client buffer (EVDEV_MIN_BUFFER_SIZE). */
#define INPUTPACE_BURST 32u
/* Per device: 500 key presses and releases a second, 333 mouse moves. */
#define INPUTPACE_RATE 1000u
/* What may wait: four seconds of typing. Releases of what is held are
 * queued past it, so ending a session never leaves a key down. */
#define INPUTPACE_MAX 4096u
#define INPUTPACE_CAP (INPUTPACE_MAX + INPUTFILTER_RELEASE_MAX)

struct inputpace {
	struct input_out q[INPUTPACE_CAP]; /* a ring of whole frames */
	unsigned head, len;
	double tokens[INPUT_DEV_COUNT];
	uint64_t last_us;
	bool started;
};

void inputpace_init(struct inputpace *p);
/* Whether n more events may wait (within INPUTPACE_MAX). */
bool inputpace_room(const struct inputpace *p, unsigned n);
/* Queues whole frames (each device's ending in SYN_REPORT). With force,
 * past INPUTPACE_MAX up to the ring's size (releases); -ENOBUFS when they
 * do not fit, and then nothing is queued. */
int inputpace_push(struct inputpace *p, const struct input_out *ev, unsigned n, bool force);
/* Moves the frames due at now_us to out (room for max events): each whose
 * device has tokens for all its events, stopping at the first that has
 * not. Returns the count; *next_us is when the next frame is due, 0 when
 * none waits. */
unsigned inputpace_take(struct inputpace *p, uint64_t now_us, struct input_out *out, unsigned max,
			uint64_t *next_us);
/* Everything that waits, at once (the devices are going). */
unsigned inputpace_drain(struct inputpace *p, struct input_out *out, unsigned max);
unsigned inputpace_waiting(const struct inputpace *p);

#endif
