// SPDX-License-Identifier: MIT
/* The two clocks every part uses: monotonic for timeouts, pacing and
 * round trips; the wall clock (CLOCK_REALTIME) only for a frame's capture
 * time, which the other side compares with its own wall clock. */
#ifndef KMSCAST_CLOCK_H
#define KMSCAST_CLOCK_H

#include <stdint.h>
#include <time.h>

static inline uint64_t clock_read_ns(clockid_t id)
{
	struct timespec ts;
	clock_gettime(id, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static inline uint64_t mono_ns(void) { return clock_read_ns(CLOCK_MONOTONIC); }
static inline uint64_t mono_us(void) { return mono_ns() / 1000u; }
static inline uint64_t mono_ms(void) { return mono_ns() / 1000000u; }
static inline uint64_t wall_us(void) { return clock_read_ns(CLOCK_REALTIME) / 1000u; }

#endif
