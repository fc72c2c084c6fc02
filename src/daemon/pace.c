// SPDX-License-Identifier: MIT
#include "kmscast/pace.h"

void pace_init(struct pace *p, uint32_t fps, uint64_t now_us)
{
	*p = (struct pace){.start_us = now_us, .period_us = 1000000u / (fps ? fps : 1)};
}

uint64_t pace_next_tick(const struct pace *p, uint64_t now_us, unsigned stride)
{
	uint64_t ticks = now_us > p->start_us ? (now_us - p->start_us) / p->period_us : 0;

	return p->start_us + (ticks + stride) * p->period_us;
}

bool pace_vblank(struct pace *p, uint64_t vblank_us)
{
	/* Refresh intervals over a second are pauses (the display was off),
	 * not a refresh rate. */
	if (p->last_vblank_us && vblank_us > p->last_vblank_us &&
	    vblank_us - p->last_vblank_us < 1000000u) {
		p->refresh_us = vblank_us - p->last_vblank_us;
	}
	p->last_vblank_us = vblank_us;
	uint64_t slack = (p->refresh_us ? p->refresh_us : p->period_us) / 2;
	if (p->next_due_us && vblank_us + slack < p->next_due_us) {
		return false;
	}
	/* Keep the schedule absolute, unless it fell a whole period behind. */
	p->next_due_us = p->next_due_us ? p->next_due_us + p->period_us : vblank_us + p->period_us;
	if (p->next_due_us <= vblank_us) {
		p->next_due_us = vblank_us + p->period_us;
	}
	return true;
}
