// SPDX-License-Identifier: MIT
#include "kmscast/pace.h"
#include "tst.h"

/* Ticks of n vblanks of a refresh_us display starting at t0, with the
 * k-th vblank moved by jitter[k % 4] microseconds. */
static unsigned vblank_ticks(uint32_t fps, uint64_t refresh_us, unsigned n, const int *jitter)
{
	struct pace p;
	unsigned ticks = 0;
	const uint64_t t0 = 5000000;

	pace_init(&p, fps, t0);
	for (unsigned k = 0; k < n; k++) {
		uint64_t t = t0 + k * refresh_us + (uint64_t)(int64_t)(jitter ? jitter[k % 4] : 0);
		ticks += pace_vblank(&p, t);
	}
	return ticks;
}

static int timer_deadlines_never_drift(void)
{
	struct pace p;
	uint64_t now = 1000000;

	pace_init(&p, 60, now);
	CHECK_EQ_INT(p.period_us, 16666);
	/* Each wakeup 3 ms late: the deadlines stay on the start's grid. */
	for (int i = 1; i <= 600; i++) {
		uint64_t next = pace_next_tick(&p, now, 1);
		CHECK_EQ_INT((next - 1000000) % 16666, 0);
		CHECK_EQ_INT(next, 1000000 + (uint64_t)i * 16666);
		now = next + 3000;
	}
	/* A 100 ms stall skips the missed ticks instead of bunching them. */
	CHECK_EQ_INT(pace_next_tick(&p, now + 100000, 1), 1000000 + 607 * 16666);
	/* Idle: every other period. */
	CHECK_EQ_INT(pace_next_tick(&p, 1000000, 2), 1000000 + 2 * 16666);
	CHECK_EQ_INT(pace_next_tick(&p, 999000, 1), 1000000 + 16666);
	return 0;
}

static int vblank_decimates_to_fps(void)
{
	static const int jitter[4] = {0, -400, 300, -250};

	/* 60 Hz for 6 s (360 vblanks). */
	CHECK_EQ_INT(vblank_ticks(60, 16667, 360, NULL), 360);
	CHECK_EQ_INT(vblank_ticks(60, 16667, 360, jitter), 360); /* early vblanks still tick */
	CHECK_EQ_INT(vblank_ticks(30, 16667, 360, NULL), 180);
	CHECK_EQ_INT(vblank_ticks(30, 16667, 360, jitter), 180);
	CHECK_EQ_INT(vblank_ticks(20, 16667, 360, NULL), 120);
	/* A 144 Hz display at --fps 60: 60 ticks a second within one. */
	unsigned t = vblank_ticks(60, 6944, 144 * 5, NULL);
	CHECK(t >= 299 && t <= 301);
	/* A 30 Hz display at --fps 60: every vblank, never more. */
	CHECK_EQ_INT(vblank_ticks(60, 33333, 90, NULL), 90);
	return 0;
}

static int vblank_pause_restarts_schedule(void)
{
	struct pace p;

	pace_init(&p, 30, 0);
	CHECK(pace_vblank(&p, 1000000));  /* the first vblank ticks */
	CHECK(!pace_vblank(&p, 1016667)); /* 60 Hz, 30 fps: every other */
	CHECK(pace_vblank(&p, 1033334));
	/* The display was off for 5 s: the next vblank ticks, and the
	 * schedule does not try to catch up on the missed ones. */
	CHECK(pace_vblank(&p, 6033334));
	CHECK(!pace_vblank(&p, 6050001));
	CHECK(pace_vblank(&p, 6066668));
	CHECK(!pace_vblank(&p, 6083335));
	return 0;
}

TST_MAIN("pace", TST_CASE(timer_deadlines_never_drift), TST_CASE(vblank_decimates_to_fps),
	 TST_CASE(vblank_pause_restarts_schedule))
