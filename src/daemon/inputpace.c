// SPDX-License-Identifier: MIT
/* Token buckets in front of the uinput devices; see
 * include/kmscast/inputpace.h. */
#include "kmscast/inputpace.h"

#include <errno.h>
#include <linux/input-event-codes.h>
#include <string.h>

void inputpace_init(struct inputpace *p) { memset(p, 0, sizeof(*p)); }

unsigned inputpace_waiting(const struct inputpace *p) { return p->len; }

bool inputpace_room(const struct inputpace *p, unsigned n)
{
	return n <= INPUTPACE_MAX && p->len <= INPUTPACE_MAX - n;
}

int inputpace_push(struct inputpace *p, const struct input_out *ev, unsigned n, bool force)
{
	if (force ? n > INPUTPACE_CAP - p->len : !inputpace_room(p, n))
		return -ENOBUFS;
	for (unsigned i = 0; i < n; i++)
		p->q[(p->head + p->len + i) % INPUTPACE_CAP] = ev[i];
	p->len += n;
	return 0;
}

static const struct input_out *at(const struct inputpace *p, unsigned i)
{
	return &p->q[(p->head + i) % INPUTPACE_CAP];
}

/* The frame at the head: its length, and each device's events in it. A
 * frame ends where every device it touched has had its SYN_REPORT (the
 * filter interleaves devices within one wire frame). */
static unsigned frame(const struct inputpace *p, unsigned cost[INPUT_DEV_COUNT])
{
	unsigned open = 0;
	memset(cost, 0, sizeof(unsigned) * INPUT_DEV_COUNT);
	for (unsigned i = 0; i < p->len; i++) {
		const struct input_out *e = at(p, i);
		unsigned d = e->dev < INPUT_DEV_COUNT ? e->dev : 0;
		cost[d]++;
		if (e->type == EV_SYN && e->code == SYN_REPORT)
			open &= ~(1u << d);
		else
			open |= 1u << d;
		if (!open)
			return i + 1;
	}
	return p->len; /* the caller queues whole frames; never cut one */
}

static void refill(struct inputpace *p, uint64_t now_us)
{
	if (!p->started || now_us < p->last_us) {
		for (int d = 0; d < INPUT_DEV_COUNT; d++)
			p->tokens[d] = INPUTPACE_BURST;
		p->started = true;
	} else {
		for (int d = 0; d < INPUT_DEV_COUNT; d++) {
			p->tokens[d] += (double)(now_us - p->last_us) * INPUTPACE_RATE / 1e6;
			if (p->tokens[d] > INPUTPACE_BURST)
				p->tokens[d] = INPUTPACE_BURST;
		}
	}
	p->last_us = now_us;
}

static void pop(struct inputpace *p, unsigned n, struct input_out *out)
{
	for (unsigned i = 0; i < n; i++)
		out[i] = *at(p, i);
	p->head = (p->head + n) % INPUTPACE_CAP;
	p->len -= n;
}

unsigned inputpace_take(struct inputpace *p, uint64_t now_us, struct input_out *out, unsigned max,
			uint64_t *next_us)
{
	unsigned got = 0;
	refill(p, now_us);
	*next_us = 0;
	while (p->len) {
		unsigned cost[INPUT_DEV_COUNT];
		unsigned n = frame(p, cost);
		double wait = 0;
		for (int d = 0; d < INPUT_DEV_COUNT; d++) {
			/* A frame larger than the burst goes when the bucket is full. */
			double need = cost[d] < INPUTPACE_BURST ? cost[d] : INPUTPACE_BURST;
			if (cost[d] && p->tokens[d] < need) {
				double w = (need - p->tokens[d]) * 1e6 / INPUTPACE_RATE;
				wait = w > wait ? w : wait;
			}
		}
		if (wait > 0) {
			*next_us = now_us + (uint64_t)wait + 1;
			break;
		}
		if (n > max - got) {
			*next_us = now_us; /* out is full: due at once */
			break;
		}
		for (int d = 0; d < INPUT_DEV_COUNT; d++)
			p->tokens[d] -= cost[d];
		pop(p, n, out + got);
		got += n;
	}
	return got;
}

unsigned inputpace_drain(struct inputpace *p, struct input_out *out, unsigned max)
{
	unsigned n = p->len < max ? p->len : max;
	pop(p, n, out);
	return n;
}
