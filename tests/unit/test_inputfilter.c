// SPDX-License-Identifier: MIT
#include <linux/input-event-codes.h>

#include "kmscast/inputfilter.h"
#include "tst.h"

#define K INPUT_DEV_KEYBOARD
#define M INPUT_DEV_MOUSE
#define P INPUT_DEV_POINTER
#define SYN {EV_SYN, SYN_REPORT, 0}

static struct input_out out[INPUTFILTER_RELEASE_MAX];
static struct inputfilter_report rep;

/* Runs evs through f at now_us and compares the output with want exactly. */
static int run(struct inputfilter *f, const struct proto_input_event *evs, unsigned n,
	       uint64_t now_us, const struct input_out *want, unsigned want_n)
{
	unsigned got = inputfilter_batch(f, evs, n, now_us, out, &rep);
	for (unsigned i = 0; i < got && i < want_n; i++) {
		if (out[i].dev != want[i].dev || out[i].type != want[i].type ||
		    out[i].code != want[i].code || out[i].value != want[i].value) {
			fprintf(stderr, "  event %u: got %u %u %u %d, want %u %u %u %d\n", i,
				out[i].dev, out[i].type, out[i].code, out[i].value, want[i].dev,
				want[i].type, want[i].code, want[i].value);
			return 1;
		}
	}
	CHECK_EQ_INT(got, want_n);
	return 0;
}
#define RUN(f, evs, now, ...)                                                                \
	do {                                                                                 \
		static const struct input_out want_[] = {__VA_ARGS__};                       \
		if (run(f, evs, sizeof(evs) / sizeof(evs[0]), now, want_,                    \
			sizeof(want_) / sizeof(want_[0])))                                   \
			return 1;                                                            \
	} while (0)

static void fresh(struct inputfilter *f, bool allow_vt)
{
	struct inputfilter_options o = {.allow_vt_switch = allow_vt, .rate = 1000};
	inputfilter_init(f, &o);
	inputfilter_set_abs(f, 640, 480);
}

static int routes_to_three_devices(void)
{
	struct inputfilter f;
	fresh(&f, false);
	/* One frame touching all three: each device gets its events and one SYN. */
	const struct proto_input_event a[] = {{EV_KEY, KEY_A, 1}, {EV_REL, REL_X, -5},
					      {EV_REL, REL_WHEEL_HI_RES, 120}, SYN,
					      {EV_ABS, ABS_X, 100}, {EV_ABS, ABS_Y, 479},
					      {EV_KEY, BTN_LEFT, 1}, SYN};
	RUN(&f, a, 1000, {K, EV_KEY, KEY_A, 1}, {M, EV_REL, REL_X, -5},
	    {M, EV_REL, REL_WHEEL_HI_RES, 120}, {K, EV_SYN, SYN_REPORT, 0},
	    {M, EV_SYN, SYN_REPORT, 0}, {P, EV_ABS, ABS_X, 100}, {P, EV_ABS, ABS_Y, 479},
	    {P, EV_KEY, BTN_LEFT, 1}, {P, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.injected, 6);
	/* The button's release goes where its press went, although the mouse moved since. */
	const struct proto_input_event b[] = {{EV_REL, REL_Y, 3}, {EV_KEY, BTN_LEFT, 0}, SYN};
	RUN(&f, b, 2000, {M, EV_REL, REL_Y, 3}, {P, EV_KEY, BTN_LEFT, 0},
	    {M, EV_SYN, SYN_REPORT, 0}, {P, EV_SYN, SYN_REPORT, 0});
	/* A button in a frame without motion goes to the last pointer moved. */
	const struct proto_input_event c[] = {{EV_KEY, BTN_RIGHT, 1}, SYN};
	RUN(&f, c, 3000, {M, EV_KEY, BTN_RIGHT, 1}, {M, EV_SYN, SYN_REPORT, 0});
	/* The button's frame decides even when the motion comes after the button. */
	const struct proto_input_event d[] = {{EV_KEY, BTN_MIDDLE, 1}, {EV_ABS, ABS_Y, 7}, SYN};
	RUN(&f, d, 4000, {P, EV_KEY, BTN_MIDDLE, 1}, {P, EV_ABS, ABS_Y, 7},
	    {P, EV_SYN, SYN_REPORT, 0});
	return 0;
}

static int absolute_clamps_to_output(void)
{
	struct inputfilter f;
	fresh(&f, false);
	const struct proto_input_event a[] = {{EV_ABS, ABS_X, 640}, {EV_ABS, ABS_Y, 65535}, SYN};
	RUN(&f, a, 0, {P, EV_ABS, ABS_X, 639}, {P, EV_ABS, ABS_Y, 479}, {P, EV_SYN, SYN_REPORT, 0});
	inputfilter_set_abs(&f, 0, 0);
	CHECK_EQ_INT(inputfilter_batch(&f, a, sizeof(a) / sizeof(a[0]), 0, out, &rep), 0);
	CHECK_EQ_INT(rep.invalid, 2);
	CHECK(strstr(rep.why, "no pointer device") != NULL);
	return 0;
}

static int invalid_events_are_dropped_and_named(void)
{
	struct inputfilter f;
	fresh(&f, false);
	const struct proto_input_event a[] = {
		{EV_MSC, MSC_SCAN, 4}, {EV_KEY, BTN_TOUCH, 1}, {EV_KEY, KEY_B, 5},
		{EV_REL, REL_DIAL, 1}, {EV_REL, REL_X, 20000}, {EV_ABS, ABS_PRESSURE, 3},
		{EV_KEY, BTN_TRIGGER_HAPPY1, 1}, {EV_KEY, KEY_C, 1}, SYN};
	RUN(&f, a, 0, {K, EV_KEY, KEY_C, 1}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.invalid, 7);
	CHECK(strcmp(rep.why, "event type 0x4 is not forwarded") == 0);
	const struct proto_input_event b[] = {{EV_REL, REL_X, -16385}, SYN};
	CHECK_EQ_INT(inputfilter_batch(&f, b, sizeof(b) / sizeof(b[0]), 0, out, &rep), 0);
	CHECK(strcmp(rep.why, "relative motion of -16385 on axis 0x0 is out of bounds") == 0);
	const struct proto_input_event c[] = {{EV_KEY, BTN_TOUCH, 1}, SYN};
	CHECK_EQ_INT(inputfilter_batch(&f, c, sizeof(c) / sizeof(c[0]), 0, out, &rep), 0);
	CHECK(strcmp(rep.why, "key code 0x14a is neither a keyboard key nor a mouse button") == 0);
	return 0;
}

static int repeats_duplicates_and_stray_releases(void)
{
	struct inputfilter f;
	fresh(&f, false);
	/* Autorepeat is the host's job; a second press or a release of a key
	 * never pressed changes nothing and is not written. */
	const struct proto_input_event a[] = {{EV_KEY, KEY_Q, 1}, SYN, {EV_KEY, KEY_Q, 2}, SYN,
					      {EV_KEY, KEY_Q, 1}, {EV_KEY, KEY_W, 0}, SYN,
					      {EV_KEY, KEY_Q, 0}, SYN};
	RUN(&f, a, 0, {K, EV_KEY, KEY_Q, 1}, {K, EV_SYN, SYN_REPORT, 0}, {K, EV_KEY, KEY_Q, 0},
	    {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.repeats, 1);
	CHECK_EQ_INT(rep.invalid, 0);
	return 0;
}

static int every_key_code_routes(void)
{
	unsigned keys = 0, buttons = 0;
	for (unsigned c = 0; c <= INPUTFILTER_KEY_MAX; c++) {
		keys += inputfilter_keyboard_key((uint16_t)c);
		buttons += inputfilter_button((uint16_t)c);
		CHECK(!(inputfilter_keyboard_key((uint16_t)c) && inputfilter_button((uint16_t)c)));
	}
	/* 1..0xff, then 0x160..0x2ff without the 40 trigger buttons. */
	CHECK_EQ_INT(keys, 255 + (0x2ff - 0x160 + 1) - 40);
	CHECK_EQ_INT(buttons, 8);
	CHECK(inputfilter_keyboard_key(KEY_ESC) && inputfilter_keyboard_key(KEY_MICMUTE));
	CHECK(inputfilter_keyboard_key(KEY_OK) && inputfilter_keyboard_key(KEY_KBD_LCD_MENU5));
	CHECK(!inputfilter_keyboard_key(KEY_RESERVED) && !inputfilter_keyboard_key(BTN_LEFT));
	CHECK(!inputfilter_keyboard_key(BTN_TRIGGER_HAPPY40));
	return 0;
}

static int vt_switch_and_sysrq_blocked(void)
{
	struct inputfilter f;
	fresh(&f, false);
	/* Alt first, then Ctrl: the order does not matter. F2 and F13 are
	 * dropped, and so are their releases (nothing was pressed). */
	const struct proto_input_event a[] = {
		{EV_KEY, KEY_RIGHTALT, 1}, SYN, {EV_KEY, KEY_LEFTCTRL, 1}, SYN,
		{EV_KEY, KEY_F2, 1}, SYN, {EV_KEY, KEY_F2, 0}, SYN, {EV_KEY, KEY_F13, 1}, SYN,
		{EV_KEY, KEY_T, 1}, SYN};
	RUN(&f, a, 0, {K, EV_KEY, KEY_RIGHTALT, 1}, {K, EV_SYN, SYN_REPORT, 0},
	    {K, EV_KEY, KEY_LEFTCTRL, 1}, {K, EV_SYN, SYN_REPORT, 0}, {K, EV_KEY, KEY_T, 1},
	    {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.blocked, 2);
	CHECK_EQ_INT(rep.blocked_code[0], KEY_F2);
	CHECK_EQ_INT(rep.blocked_code[1], KEY_F13);
	CHECK(!strcmp(rep.blocked_with[0], "Ctrl+Alt+") && !strcmp(rep.blocked_with[1], "Ctrl+Alt+"));
	CHECK(!strcmp(rep.blocked_option[0], "--allow-vt-switch"));
	/* Ctrl+Alt+Del (and the keypad's) reboots from a console. */
	const struct proto_input_event del[] = {{EV_KEY, KEY_DELETE, 1}, SYN, {EV_KEY, KEY_KPDOT, 1}, SYN};
	RUN(&f, del, 0);
	CHECK_EQ_INT(rep.blocked, 2);
	CHECK_EQ_INT(rep.blocked_code[0], KEY_DELETE);
	/* Alt alone: SysRq, F1..F24 and Left/Right switch consoles or start
	 * SysRq; SysRq alone (Print Screen) and Alt+Tab pass. */
	const struct proto_input_event b[] = {{EV_KEY, KEY_LEFTCTRL, 0}, {EV_KEY, KEY_SYSRQ, 1}, SYN,
					      {EV_KEY, KEY_F4, 1}, SYN, {EV_KEY, KEY_LEFT, 1}, SYN,
					      {EV_KEY, KEY_RIGHT, 1}, SYN, {EV_KEY, KEY_TAB, 1}, SYN};
	RUN(&f, b, 0, {K, EV_KEY, KEY_LEFTCTRL, 0}, {K, EV_SYN, SYN_REPORT, 0},
	    {K, EV_KEY, KEY_TAB, 1}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.blocked, 4);
	CHECK_EQ_INT(rep.blocked_code[0], KEY_SYSRQ);
	CHECK_EQ_INT(rep.blocked_code[1], KEY_F4);
	CHECK_EQ_INT(rep.blocked_code[2], KEY_LEFT);
	CHECK_EQ_INT(rep.blocked_code[3], KEY_RIGHT);
	CHECK(!strcmp(rep.blocked_with[0], "Alt+") && !strcmp(rep.blocked_with[3], "Alt+"));
	const struct proto_input_event c[] = {{EV_KEY, KEY_RIGHTALT, 0}, SYN, {EV_KEY, KEY_SYSRQ, 1}, SYN,
					      {EV_KEY, KEY_LEFT, 1}, SYN, {EV_KEY, KEY_F2, 1}, SYN};
	RUN(&f, c, 0, {K, EV_KEY, KEY_RIGHTALT, 0}, {K, EV_SYN, SYN_REPORT, 0},
	    {K, EV_KEY, KEY_SYSRQ, 1}, {K, EV_SYN, SYN_REPORT, 0}, {K, EV_KEY, KEY_LEFT, 1},
	    {K, EV_SYN, SYN_REPORT, 0}, {K, EV_KEY, KEY_F2, 1}, {K, EV_SYN, SYN_REPORT, 0});

	fresh(&f, true);
	const struct proto_input_event d[] = {{EV_KEY, KEY_LEFTCTRL, 1}, {EV_KEY, KEY_LEFTALT, 1},
					      {EV_KEY, KEY_F2, 1}, {EV_KEY, KEY_DELETE, 1}, SYN};
	RUN(&f, d, 0, {K, EV_KEY, KEY_LEFTCTRL, 1}, {K, EV_KEY, KEY_LEFTALT, 1},
	    {K, EV_KEY, KEY_F2, 1}, {K, EV_KEY, KEY_DELETE, 1}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.blocked, 0);
	return 0;
}

/* Alt+Fn and Alt+Left/Right are the desktop's keys in a graphical session
 * (Alt+F4 closes a window) and switch consoles on a text one; Ctrl+Alt+Fn,
 * Ctrl+Alt+Del and Alt+SysRq are blocked whatever the console. */
static int alt_keys_follow_the_console(void)
{
	struct inputfilter f;
	fresh(&f, false);
	const struct proto_input_event alt[] = {{EV_KEY, KEY_LEFTALT, 1}, SYN};
	const struct proto_input_event f4[] = {{EV_KEY, KEY_F4, 1}, {EV_KEY, KEY_LEFT, 1}, SYN,
					       {EV_KEY, KEY_F4, 0}, {EV_KEY, KEY_LEFT, 0}, SYN};
	const struct proto_input_event keys[] = {{EV_KEY, KEY_F4, 1}, {EV_KEY, KEY_T, 1}, SYN};
	/* Only a press of an F-key or arrow with Alt held needs the console. */
	CHECK(!inputfilter_console_matters(&f, keys, 3));
	CHECK(!inputfilter_console_matters(&f, alt, 2));
	CHECK(inputfilter_console_matters(&f, (struct proto_input_event[]){{EV_KEY, KEY_RIGHTALT, 1},
									{EV_KEY, KEY_RIGHT, 1}},
					  2));
	/* Unknown (never told): judged as a text console. */
	RUN(&f, alt, 0, {K, EV_KEY, KEY_LEFTALT, 1}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK(inputfilter_console_matters(&f, f4, 6));
	CHECK(!inputfilter_console_matters(&f, keys + 1, 2));
	RUN(&f, f4, 0);
	CHECK_EQ_INT(rep.blocked, 2);
	CHECK(!strcmp(rep.blocked_where[0], " (the console's mode is unknown)"));
	inputfilter_set_console(&f, CAPTURE_CONSOLE_TEXT);
	RUN(&f, f4, 0);
	CHECK_EQ_INT(rep.blocked, 2);
	CHECK(!strcmp(rep.blocked_where[1], " on a text console"));
	CHECK(!strcmp(rep.blocked_with[1], "Alt+"));
	/* Graphical, or no consoles at all: they pass, press and release. */
	for (int c = CAPTURE_CONSOLE_GRAPHICS; c <= CAPTURE_CONSOLE_NONE; c++) {
		inputfilter_set_console(&f, (enum capture_console)c);
		RUN(&f, f4, 0, {K, EV_KEY, KEY_F4, 1}, {K, EV_KEY, KEY_LEFT, 1},
		    {K, EV_SYN, SYN_REPORT, 0}, {K, EV_KEY, KEY_F4, 0}, {K, EV_KEY, KEY_LEFT, 0},
		    {K, EV_SYN, SYN_REPORT, 0});
		CHECK_EQ_INT(rep.blocked, 0);
	}
	/* Ctrl+Alt+Left (a desktop's workspace key) passes; Ctrl+Alt+F2,
	 * Ctrl+Alt+Del and Alt+SysRq do not, graphical or not. */
	const struct proto_input_event ctrl[] = {{EV_KEY, KEY_LEFTCTRL, 1}, {EV_KEY, KEY_LEFT, 1},
						 {EV_KEY, KEY_F2, 1}, {EV_KEY, KEY_DELETE, 1}, SYN,
						 {EV_KEY, KEY_LEFTCTRL, 0}, {EV_KEY, KEY_SYSRQ, 1}, SYN};
	RUN(&f, ctrl, 0, {K, EV_KEY, KEY_LEFTCTRL, 1}, {K, EV_KEY, KEY_LEFT, 1},
	    {K, EV_SYN, SYN_REPORT, 0}, {K, EV_KEY, KEY_LEFTCTRL, 0}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.blocked, 3);
	CHECK_EQ_INT(rep.blocked_code[0], KEY_F2);
	CHECK_EQ_INT(rep.blocked_code[1], KEY_DELETE);
	CHECK_EQ_INT(rep.blocked_code[2], KEY_SYSRQ);
	CHECK(!strcmp(rep.blocked_where[0], "") && !strcmp(rep.blocked_with[0], "Ctrl+Alt+"));
	/* --allow-vt-switch: nothing to ask. */
	fresh(&f, true);
	CHECK(!inputfilter_console_matters(&f, (struct proto_input_event[]){{EV_KEY, KEY_LEFTALT, 1},
									{EV_KEY, KEY_F4, 1}},
					   2));
	return 0;
}

/* Power keys are blocked alone, with or without modifiers, unless
 * allowed; --allow-vt-switch does not allow them. */
static int power_keys_blocked(void)
{
	static const uint16_t keys[] = {KEY_POWER, KEY_POWER2, KEY_SLEEP, KEY_SUSPEND, KEY_WAKEUP,
					KEY_RESTART};
	struct inputfilter f;
	fresh(&f, true);
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const struct proto_input_event a[] = {{EV_KEY, keys[i], 1}, SYN};
		RUN(&f, a, 0);
		CHECK_EQ_INT(rep.blocked, 1);
		CHECK_EQ_INT(rep.blocked_code[0], keys[i]);
		CHECK(!strcmp(rep.blocked_option[0], "--allow-power-keys"));
		CHECK(!strcmp(rep.blocked_with[0], ""));
		CHECK(inputfilter_power_key(keys[i]) && inputfilter_keyboard_key(keys[i]));
	}
	CHECK(!inputfilter_power_key(KEY_A) && !inputfilter_power_key(KEY_SYSRQ));
	struct inputfilter_options o = {.allow_power_keys = true, .rate = 1000};
	inputfilter_init(&f, &o);
	const struct proto_input_event b[] = {{EV_KEY, KEY_POWER, 1}, SYN};
	RUN(&f, b, 0, {K, EV_KEY, KEY_POWER, 1}, {K, EV_SYN, SYN_REPORT, 0});
	/* Allowing power keys does not allow console switching. */
	const struct proto_input_event c[] = {{EV_KEY, KEY_LEFTALT, 1}, {EV_KEY, KEY_F3, 1}, SYN};
	RUN(&f, c, 0, {K, EV_KEY, KEY_LEFTALT, 1}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.blocked, 1);
	return 0;
}

static int rate_limit_keeps_releases(void)
{
	struct inputfilter f;
	fresh(&f, false); /* 1000 events/s, a burst of 1000 */
	struct proto_input_event many[PROTO_MAX_INPUT_EVENTS];
	for (unsigned i = 0; i < PROTO_MAX_INPUT_EVENTS - 1; i++)
		many[i] = (struct proto_input_event){EV_REL, REL_X, 1};
	many[PROTO_MAX_INPUT_EVENTS - 1] = (struct proto_input_event)SYN;
	const struct proto_input_event press[] = {{EV_KEY, KEY_LEFTSHIFT, 1}, SYN};
	RUN(&f, press, 1000000, {K, EV_KEY, KEY_LEFTSHIFT, 1}, {K, EV_SYN, SYN_REPORT, 0});
	/* 1 + 3 * 255 = 766 tokens spent at t = 1 s; the fourth batch is over. */
	unsigned total = 0;
	for (int i = 0; i < 4; i++) {
		total += inputfilter_batch(&f, many, PROTO_MAX_INPUT_EVENTS, 1000000, out, &rep);
		CHECK_EQ_INT(rep.limited, i < 3 ? 0 : 255);
	}
	CHECK_EQ_INT(total, 3 * 256);
	/* Over the limit, the shift release still passes; the motion does not. */
	many[0] = (struct proto_input_event){EV_KEY, KEY_LEFTSHIFT, 0};
	RUN(&f, many, 1000000, {K, EV_KEY, KEY_LEFTSHIFT, 0}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK_EQ_INT(rep.limited, 254);
	many[0] = (struct proto_input_event){EV_REL, REL_X, 1};
	/* 0.3 s later 300 more make 534: two batches of 255 pass, not three. */
	CHECK_EQ_INT(inputfilter_batch(&f, many, PROTO_MAX_INPUT_EVENTS, 1300000, out, &rep), 256);
	CHECK_EQ_INT(inputfilter_batch(&f, many, PROTO_MAX_INPUT_EVENTS, 1300000, out, &rep), 256);
	CHECK_EQ_INT(inputfilter_batch(&f, many, PROTO_MAX_INPUT_EVENTS, 1300000, out, &rep), 0);
	/* A new session (release_all) starts with a full budget. */
	inputfilter_release_all(&f, out);
	CHECK_EQ_INT(inputfilter_batch(&f, many, PROTO_MAX_INPUT_EVENTS, 1300001, out, &rep), 256);
	return 0;
}

static int release_all_frees_every_held_code(void)
{
	struct inputfilter f;
	fresh(&f, false);
	const struct proto_input_event a[] = {{EV_KEY, KEY_LEFTCTRL, 1}, {EV_KEY, KEY_Z, 1},
					      {EV_KEY, KEY_KBD_LCD_MENU5, 1}, {EV_REL, REL_X, 1},
					      {EV_KEY, BTN_SIDE, 1}, SYN, {EV_ABS, ABS_X, 5},
					      {EV_KEY, BTN_LEFT, 1}, SYN};
	inputfilter_batch(&f, a, sizeof(a) / sizeof(a[0]), 0, out, &rep);
	CHECK(inputfilter_held(&f, K, KEY_Z) && inputfilter_held(&f, P, BTN_LEFT));
	static const struct input_out want[] = {
		{K, EV_KEY, KEY_LEFTCTRL, 0}, {K, EV_KEY, KEY_Z, 0}, {K, EV_KEY, KEY_KBD_LCD_MENU5, 0},
		{M, EV_KEY, BTN_SIDE, 0}, {P, EV_KEY, BTN_LEFT, 0}, {K, EV_SYN, SYN_REPORT, 0},
		{M, EV_SYN, SYN_REPORT, 0}, {P, EV_SYN, SYN_REPORT, 0}};
	unsigned n = inputfilter_release_all(&f, out);
	CHECK_EQ_INT(n, 8);
	for (unsigned i = 0; i < n; i++)
		CHECK_MEM(&out[i], &want[i], sizeof(want[i]));
	CHECK_EQ_INT(inputfilter_release_all(&f, out), 0);
	CHECK(!inputfilter_held(&f, K, KEY_Z));
	return 0;
}

static int backlog_keeps_releases(void)
{
	struct inputfilter f;
	fresh(&f, false);
	const struct proto_input_event press[] = {{EV_KEY, KEY_A, 1}, SYN};
	RUN(&f, press, 1000, {K, EV_KEY, KEY_A, 1}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK(!rep.backlog);
	/* With the devices' queue full, budget or not: only the release. */
	inputfilter_set_backlog(&f, true);
	const struct proto_input_event more[] = {{EV_KEY, KEY_B, 1}, {EV_KEY, KEY_A, 0},
						 {EV_REL, REL_X, 3}, SYN};
	RUN(&f, more, 2000, {K, EV_KEY, KEY_A, 0}, {K, EV_SYN, SYN_REPORT, 0});
	CHECK(rep.backlog);
	CHECK_EQ_INT(rep.limited, 2);
	CHECK(!inputfilter_held(&f, K, KEY_B));
	inputfilter_set_backlog(&f, false);
	RUN(&f, press, 3000, {K, EV_KEY, KEY_A, 1}, {K, EV_SYN, SYN_REPORT, 0});
	return 0;
}

static int worst_case_fits_the_bound(void)
{
	struct inputfilter f;
	struct inputfilter_options o = {.allow_vt_switch = true, .allow_power_keys = true, .rate = 1000};
	inputfilter_init(&f, &o); /* KEY_ESC + 0..127 has KEY_POWER */
	/* Frames of one event each: the most output per wire event. */
	struct proto_input_event a[PROTO_MAX_INPUT_EVENTS];
	for (unsigned i = 0; i < PROTO_MAX_INPUT_EVENTS; i += 2) {
		a[i] = (struct proto_input_event){EV_KEY, (uint16_t)(KEY_ESC + i / 2), 1};
		a[i + 1] = (struct proto_input_event)SYN;
	}
	unsigned n = inputfilter_batch(&f, a, PROTO_MAX_INPUT_EVENTS, 0, out, &rep);
	CHECK_EQ_INT(n, PROTO_MAX_INPUT_EVENTS);
	CHECK(n <= INPUTFILTER_OUT_MAX);
	CHECK_EQ_INT(inputfilter_release_all(&f, out), 128 + 1);
	return 0;
}

TST_MAIN("inputfilter", TST_CASE(routes_to_three_devices), TST_CASE(absolute_clamps_to_output),
	 TST_CASE(invalid_events_are_dropped_and_named),
	 TST_CASE(repeats_duplicates_and_stray_releases), TST_CASE(every_key_code_routes),
	 TST_CASE(vt_switch_and_sysrq_blocked), TST_CASE(alt_keys_follow_the_console),
	 TST_CASE(power_keys_blocked), TST_CASE(rate_limit_keeps_releases),
	 TST_CASE(backlog_keeps_releases),
	 TST_CASE(release_all_frees_every_held_code), TST_CASE(worst_case_fits_the_bound))
