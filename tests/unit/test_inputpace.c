// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/input-event-codes.h>

#include "kmscast/inputpace.h"
#include "tst.h"

#define K INPUT_DEV_KEYBOARD
#define M INPUT_DEV_MOUSE
#define P INPUT_DEV_POINTER

static struct inputpace pace;
static struct input_out out[INPUTPACE_CAP];

/* Field by field: the struct has a padding byte memcmp would read. */
static int same(const struct input_out *a, const struct input_out *b, unsigned n)
{
	for (unsigned i = 0; i < n; i++)
		if (a[i].dev != b[i].dev || a[i].type != b[i].type || a[i].code != b[i].code ||
		    a[i].value != b[i].value) {
			fprintf(stderr, "  event %u differs\n", i);
			return 0;
		}
	return 1;
}
#define CHECK_SAME(a, b, n) CHECK(same((a), (b), (n)))

/* A key's press or release as the filter gives it: the key, then SYN. */
static void key(struct input_out *o, uint16_t code, int32_t v)
{
	o[0] = (struct input_out){K, EV_KEY, code, v};
	o[1] = (struct input_out){K, EV_SYN, SYN_REPORT, 0};
}

/* n keystrokes (press and release) of KEY_1 + i % 10: 4 events each. */
static unsigned typing(struct input_out *o, unsigned n)
{
	for (unsigned i = 0; i < n; i++) {
		key(o + 4 * i, (uint16_t)(KEY_1 + i % 10), 1);
		key(o + 4 * i + 2, (uint16_t)(KEY_1 + i % 10), 0);
	}
	return 4 * n;
}

static int a_burst_then_a_steady_rate(void)
{
	struct input_out in[4 * 35];
	uint64_t next;
	inputpace_init(&pace);
	CHECK_EQ_INT(inputpace_push(&pace, in, typing(in, 35), false), 0);
	/* 32 events at once: eight keystrokes, in order, whole frames. */
	CHECK_EQ_INT(inputpace_take(&pace, 1000000, out, INPUTPACE_CAP, &next), 32);
	CHECK_SAME(out, in, 32);
	/* The next frame (2 events) needs 2 tokens: 2 ms at 1000 a second. */
	CHECK_EQ_INT(next, 1000000 + 2000 + 1);
	CHECK_EQ_INT(inputpace_take(&pace, 1001999, out, INPUTPACE_CAP, &next), 0);
	CHECK_EQ_INT(inputpace_take(&pace, 1002001, out, INPUTPACE_CAP, &next), 2);
	CHECK_SAME(out, in + 32, 2);
	/* A second on, the bucket is full again, never fuller: 32 more. */
	CHECK_EQ_INT(inputpace_take(&pace, 2002001, out, INPUTPACE_CAP, &next), 32);
	CHECK_SAME(out, in + 34, 32);
	/* Over 100 ms at the rate the rest (74 events) comes out, all of it. */
	unsigned total = 0;
	for (uint64_t t = 2002001; t <= 2102001; t += 1000)
		total += inputpace_take(&pace, t, out + total, INPUTPACE_CAP, &next);
	CHECK_EQ_INT(total, 4 * 35 - 66);
	CHECK_SAME(out, in + 66, total);
	CHECK_EQ_INT(next, 0);
	CHECK_EQ_INT(inputpace_waiting(&pace), 0);
	return 0;
}

static int devices_have_their_own_buckets_and_one_order(void)
{
	struct input_out in[64 + 6];
	uint64_t next;
	inputpace_init(&pace);
	typing(in, 16); /* 64 keyboard events */
	/* A mouse move behind them waits for the keyboard's frame before it,
	 * though the mouse's bucket is full: what came later stays later. */
	in[64] = (struct input_out){M, EV_REL, REL_X, 5};
	in[65] = (struct input_out){M, EV_SYN, SYN_REPORT, 0};
	/* One wire frame over two devices is one frame here. */
	in[66] = (struct input_out){K, EV_KEY, KEY_LEFTSHIFT, 1};
	in[67] = (struct input_out){P, EV_ABS, ABS_X, 7};
	in[68] = (struct input_out){K, EV_SYN, SYN_REPORT, 0};
	in[69] = (struct input_out){P, EV_SYN, SYN_REPORT, 0};
	CHECK_EQ_INT(inputpace_push(&pace, in, 70, false), 0);
	CHECK_EQ_INT(inputpace_take(&pace, 0, out, INPUTPACE_CAP, &next), 32);
	/* 32 ms on: the keyboard's 32, then the mouse's frame, whose bucket
	 * did not stop it; the keyboard's is empty again. */
	CHECK_EQ_INT(inputpace_take(&pace, 32000, out, INPUTPACE_CAP, &next), 34);
	CHECK_SAME(out, in + 32, 34);
	/* The shift frame needs 2 keyboard tokens (2 ms) and takes 4 events. */
	CHECK_EQ_INT(next, 32000 + 2000 + 1);
	CHECK_EQ_INT(inputpace_take(&pace, next, out, INPUTPACE_CAP, &next), 4);
	CHECK_SAME(out, in + 66, 4);
	return 0;
}

static int a_frame_larger_than_the_burst_goes_whole(void)
{
	struct input_out in[41];
	uint64_t next;
	inputpace_init(&pace);
	for (int i = 0; i < 40; i++)
		in[i] = (struct input_out){P, EV_ABS, (uint16_t)(i % 2 ? ABS_Y : ABS_X), i};
	in[40] = (struct input_out){P, EV_SYN, SYN_REPORT, 0};
	CHECK_EQ_INT(inputpace_push(&pace, in, 41, false), 0);
	CHECK_EQ_INT(inputpace_take(&pace, 0, out, INPUTPACE_CAP, &next), 41);
	CHECK_EQ_INT(next, 0);
	/* Then the bucket is in debt: the next frame waits until it is out. */
	CHECK_EQ_INT(inputpace_push(&pace, in + 39, 2, false), 0);
	CHECK_EQ_INT(inputpace_take(&pace, 0, out, INPUTPACE_CAP, &next), 0);
	CHECK_EQ_INT(next, 11000 + 1);
	return 0;
}

static int what_waits_is_bounded_but_releases_fit(void)
{
	static struct input_out in[INPUTPACE_CAP];
	uint64_t next;
	inputpace_init(&pace);
	unsigned n = typing(in, INPUTPACE_MAX / 4);
	CHECK(inputpace_room(&pace, n));
	CHECK(!inputpace_room(&pace, n + 1));
	CHECK_EQ_INT(inputpace_push(&pace, in, n, false), 0);
	CHECK(!inputpace_room(&pace, 1));
	CHECK_EQ_INT(inputpace_push(&pace, in, 2, false), -ENOBUFS);
	CHECK_EQ_INT(inputpace_waiting(&pace), n);
	/* The releases of every held code (forced) still fit, and no more. */
	for (unsigned i = 0; i < INPUTFILTER_RELEASE_MAX; i += 2)
		key(in + i, KEY_A, 0);
	CHECK_EQ_INT(inputpace_push(&pace, in, INPUTFILTER_RELEASE_MAX, true), 0);
	CHECK_EQ_INT(inputpace_push(&pace, in, 2, true), -ENOBUFS);
	/* The ring wraps: take some, push more, the order holds. */
	CHECK_EQ_INT(inputpace_take(&pace, 0, out, INPUTPACE_CAP, &next), 32);
	key(in, KEY_Z, 1);
	CHECK_EQ_INT(inputpace_push(&pace, in, 2, true), 0);
	unsigned got = inputpace_drain(&pace, out, INPUTPACE_CAP);
	CHECK_EQ_INT(got, INPUTPACE_CAP - 32 + 2);
	CHECK_EQ_INT(out[got - 2].code, KEY_Z);
	CHECK_EQ_INT(out[got - 3].code, KEY_A);
	CHECK_EQ_INT(inputpace_waiting(&pace), 0);
	return 0;
}

static int out_too_small_is_due_at_once(void)
{
	struct input_out in[8];
	uint64_t next;
	inputpace_init(&pace);
	CHECK_EQ_INT(inputpace_push(&pace, in, typing(in, 2), false), 0);
	CHECK_EQ_INT(inputpace_take(&pace, 5, out, 5, &next), 4);
	CHECK_EQ_INT(next, 5);
	CHECK_EQ_INT(inputpace_take(&pace, 5, out, 5, &next), 4);
	CHECK_EQ_INT(next, 0);
	return 0;
}

TST_MAIN("inputpace", TST_CASE(a_burst_then_a_steady_rate),
	 TST_CASE(devices_have_their_own_buckets_and_one_order),
	 TST_CASE(a_frame_larger_than_the_burst_goes_whole),
	 TST_CASE(what_waits_is_bounded_but_releases_fit), TST_CASE(out_too_small_is_due_at_once))
