// SPDX-License-Identifier: MIT
/* Frame pacing: when the streamer captures. Pure arithmetic over
 * microsecond clocks, apart from any loop, so it can be tested exactly.
 *
 * Timer pacing schedules from an absolute start, so lateness never adds up
 * and missed ticks are skipped rather than bunched. Vblank pacing decimates
 * the display's refresh to at most --fps: a vblank ticks when it is within
 * half a refresh of the next due time, so a 60 Hz display at --fps 60 ticks
 * on every vblank despite jitter, and at --fps 30 on every other one. */
#ifndef KMSCAST_PACE_H
#define KMSCAST_PACE_H

#include <stdbool.h>
#include <stdint.h>

struct pace {
	uint64_t start_us, period_us;
	uint64_t next_due_us; /* vblank: when the next tick is due (0: the first vblank) */
	uint64_t last_vblank_us;
	uint64_t refresh_us; /* vblank: the last measured refresh interval (0: unknown) */
};

/* fps: 1..1000. */
void pace_init(struct pace *p, uint32_t fps, uint64_t now_us);

/* Timer pacing: the absolute time of the tick `stride` periods after the
 * last tick boundary at or before now (stride 1: the next tick). */
uint64_t pace_next_tick(const struct pace *p, uint64_t now_us, unsigned stride);

/* Vblank pacing: whether the vblank at vblank_us (the event's timestamp)
 * is a capture tick. */
bool pace_vblank(struct pace *p, uint64_t vblank_us);

#endif
