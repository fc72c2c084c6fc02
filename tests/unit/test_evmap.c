// SPDX-License-Identifier: MIT
#include <errno.h>
#include <linux/input-event-codes.h>

#include "../../client/evmap.h"
#include "tst.h"

/* A fake device: a set of (type, code) capabilities and properties. */
struct fake {
	unsigned caps[32][2];
	unsigned n, props;
};
static bool fake_has(void *dev, unsigned type, unsigned code)
{
	struct fake *f = dev;
	for (unsigned i = 0; i < f->n; i++)
		if (f->caps[i][0] == type && f->caps[i][1] == code)
			return true;
	return false;
}
static bool fake_prop(void *dev, unsigned prop) { return ((struct fake *)dev)->props >> prop & 1; }
static unsigned classify(struct fake f) { return evmap_classify(&(struct evmap_caps){fake_has, fake_prop, &f}); }
#define DEV(props, ...) ((struct fake){{__VA_ARGS__}, sizeof((unsigned[][2]){__VA_ARGS__}) / 8, props})
#define KBD {EV_KEY, KEY_ESC}, {EV_KEY, KEY_A}, {EV_KEY, KEY_Z}, {EV_KEY, KEY_Q}, {EV_KEY, KEY_SPACE}, {EV_KEY, KEY_ENTER}

static int classifies_devices(void)
{
	char name[80];
	CHECK_EQ_INT(classify(DEV(0, KBD)), EVMAP_KEYBOARD);
	CHECK_EQ_INT(classify(DEV(0, {EV_KEY, KEY_POWER})), 0); /* a power button */
	CHECK_EQ_INT(classify(DEV(0, {EV_REL, REL_X}, {EV_REL, REL_Y}, {EV_KEY, BTN_LEFT})),
		     EVMAP_MOUSE);
	CHECK_EQ_INT(classify(DEV(0, KBD, {EV_REL, REL_X}, {EV_REL, REL_Y}, {EV_KEY, BTN_LEFT})),
		     EVMAP_KEYBOARD | EVMAP_MOUSE);
	/* QEMU's USB tablet, a touchscreen, a pen tablet, a touchpad. */
	CHECK_EQ_INT(classify(DEV(0, {EV_ABS, ABS_X}, {EV_ABS, ABS_Y}, {EV_KEY, BTN_LEFT})), EVMAP_ABS);
	CHECK_EQ_INT(classify(DEV(1u << INPUT_PROP_DIRECT, {EV_ABS, ABS_X}, {EV_ABS, ABS_Y},
				  {EV_KEY, BTN_TOUCH}, {EV_KEY, BTN_TOOL_FINGER})), EVMAP_ABS);
	CHECK_EQ_INT(classify(DEV(0, {EV_ABS, ABS_X}, {EV_ABS, ABS_Y}, {EV_KEY, BTN_TOOL_PEN},
				  {EV_KEY, BTN_TOOL_FINGER})), EVMAP_ABS);
	CHECK_EQ_INT(classify(DEV(1u << INPUT_PROP_POINTER, {EV_ABS, ABS_X}, {EV_ABS, ABS_Y},
				  {EV_KEY, BTN_TOUCH}, {EV_KEY, BTN_TOOL_FINGER}, {EV_KEY, BTN_LEFT})),
		     EVMAP_TOUCHPAD);
	CHECK_EQ_INT(classify(DEV(0, {EV_ABS, ABS_X}, {EV_ABS, ABS_Y})), 0); /* a joystick */
	evmap_class_name(EVMAP_KEYBOARD | EVMAP_MOUSE, name, sizeof(name));
	CHECK(strcmp(name, "keyboard+mouse") == 0);
	evmap_class_name(0, name, sizeof(name));
	CHECK(strcmp(name, "no keyboard or pointer") == 0);
	return 0;
}

static int scales_absolute_to_stream_pixels(void)
{
	/* 0..32767 onto 640: each pixel spans 51.2 units. */
	CHECK_EQ_INT(evmap_abs_scale(0, 0, 32767, 640), 0);
	CHECK_EQ_INT(evmap_abs_scale(16384, 0, 32767, 640), 320);
	CHECK_EQ_INT(evmap_abs_scale(32767, 0, 32767, 640), 639);
	CHECK_EQ_INT(evmap_abs_scale(51, 0, 32767, 640), 0);
	CHECK_EQ_INT(evmap_abs_scale(52, 0, 32767, 640), 1);
	/* A range equal to the stream maps one to one; off-range clamps. */
	for (int v = 0; v < 480; v++)
		CHECK_EQ_INT(evmap_abs_scale(v, 0, 479, 480), v);
	CHECK_EQ_INT(evmap_abs_scale(-100, -50, 50, 10), 0);
	CHECK_EQ_INT(evmap_abs_scale(900, -50, 50, 10), 9);
	CHECK_EQ_INT(evmap_abs_scale(5, 5, 5, 10), 0); /* an empty range */
	return 0;
}

static int translates_events(void)
{
	struct evmap_dev d = {true, {0, 100}, {32767, 1099}}, pad = {false, {0, 0}, {1000, 1000}};
	struct proto_input_event e;
	CHECK_EQ_INT(evmap_event(&d, EV_ABS, ABS_X, 16384, 640, 480, &e), 1);
	CHECK(e.type == EV_ABS && e.code == ABS_X && e.value == 320);
	CHECK_EQ_INT(evmap_event(&d, EV_ABS, ABS_Y, 600, 640, 480, &e), 1);
	CHECK_EQ_INT(e.value, 240);
	CHECK_EQ_INT(evmap_event(&d, EV_ABS, ABS_X, 5, 0, 0, &e), 0); /* no stream yet */
	CHECK_EQ_INT(evmap_event(&pad, EV_ABS, ABS_X, 5, 640, 480, &e), 0); /* a touchpad */
	CHECK_EQ_INT(evmap_event(&d, EV_ABS, ABS_PRESSURE, 5, 640, 480, &e), 0);
	CHECK_EQ_INT(evmap_event(&d, EV_KEY, KEY_A, 2, 640, 480, &e), 0); /* autorepeat */
	CHECK_EQ_INT(evmap_event(&d, EV_KEY, BTN_TOUCH, 1, 640, 480, &e), 1);
	CHECK(e.code == BTN_LEFT && e.value == 1);
	CHECK_EQ_INT(evmap_event(&d, EV_KEY, BTN_STYLUS, 0, 640, 480, &e), 1);
	CHECK_EQ_INT(e.code, BTN_RIGHT);
	CHECK_EQ_INT(evmap_event(&d, EV_KEY, BTN_TOOL_PEN, 1, 640, 480, &e), 0);
	CHECK_EQ_INT(evmap_event(&d, EV_REL, REL_WHEEL_HI_RES, -120, 640, 480, &e), 1);
	CHECK(e.code == REL_WHEEL_HI_RES && e.value == -120);
	CHECK_EQ_INT(evmap_event(&d, EV_REL, REL_MISC, 1, 640, 480, &e), 0);
	CHECK_EQ_INT(evmap_event(&d, EV_MSC, MSC_SCAN, 30, 640, 480, &e), 0);
	CHECK_EQ_INT(evmap_event(&d, EV_SYN, SYN_MT_REPORT, 0, 640, 480, &e), 0);
	CHECK_EQ_INT(evmap_event(&d, EV_SYN, SYN_REPORT, 0, 640, 480, &e), 1);
	CHECK(e.type == EV_SYN && e.code == SYN_REPORT);
	return 0;
}

static int letterbox_and_window_mapping(void)
{
	/* 640x480 in 1920x1080: pillarboxed 1440x1080 at x 240. */
	struct evmap_rect r = evmap_fit(640, 480, 1920, 1080);
	CHECK(r.x == 240 && r.y == 0 && r.w == 1440 && r.h == 1080);
	r = evmap_fit(1920, 1080, 800, 800); /* letterboxed */
	CHECK(r.x == 0 && r.y == 175 && r.w == 800 && r.h == 450);
	r = evmap_fit(640, 480, 640, 480);
	CHECK(r.x == 0 && r.y == 0 && r.w == 640 && r.h == 480);
	int32_t sx, sy;
	r = evmap_fit(640, 480, 1920, 1080);
	evmap_to_stream(&r, 240, 0, 640, 480, &sx, &sy);
	CHECK(sx == 0 && sy == 0);
	evmap_to_stream(&r, 1679, 1079, 640, 480, &sx, &sy);
	CHECK(sx == 639 && sy == 479);
	evmap_to_stream(&r, 960, 540, 640, 480, &sx, &sy);
	CHECK(sx == 320 && sy == 240);
	evmap_to_stream(&r, 10, 2000, 640, 480, &sx, &sy); /* in the bar: the edge */
	CHECK(sx == 0 && sy == 479);
	return 0;
}

static int hotkeys(void)
{
	struct hotkey hk;
	char err[200];
	uint64_t held[12] = {0};
	CHECK_EQ_INT(hotkey_parse(HOTKEY_DEFAULT, &hk, err, sizeof(err)), 0);
	CHECK(hk.mods == (HOTKEY_CTRL | HOTKEY_ALT | HOTKEY_SHIFT) && hk.key == KEY_Q);
	CHECK_EQ_INT(hotkey_parse("Super+F12", &hk, err, sizeof(err)), 0);
	CHECK(hk.mods == HOTKEY_META && hk.key == KEY_F12);
	CHECK_EQ_INT(hotkey_parse("control+KEY_PAUSE", &hk, err, sizeof(err)), 0);
	CHECK(hk.mods == HOTKEY_CTRL && hk.key == KEY_PAUSE);
	CHECK_EQ_INT(hotkey_parse("ctrl+alt+frob", &hk, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "'frob' in 'ctrl+alt+frob' is not a key") != NULL);
	CHECK_EQ_INT(hotkey_parse("ctrl+alt", &hk, err, sizeof(err)), -EINVAL);
	CHECK(strstr(err, "is not MODIFIER+...+KEY") != NULL);
	CHECK_EQ_INT(hotkey_parse("q+ctrl", &hk, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(hotkey_parse("ctrl+leftshift", &hk, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(hotkey_parse("ctrl+btn_left", &hk, err, sizeof(err)), -EINVAL);
	CHECK_EQ_INT(hotkey_parse("", &hk, err, sizeof(err)), -EINVAL);

	hotkey_parse(HOTKEY_DEFAULT, &hk, err, sizeof(err));
	held[KEY_RIGHTCTRL / 64] |= 1ull << (KEY_RIGHTCTRL % 64);
	held[KEY_LEFTALT / 64] |= 1ull << (KEY_LEFTALT % 64);
	CHECK(!hotkey_match(&hk, held, KEY_Q)); /* no shift yet */
	held[KEY_LEFTSHIFT / 64] |= 1ull << (KEY_LEFTSHIFT % 64);
	CHECK(hotkey_match(&hk, held, KEY_Q));
	CHECK(!hotkey_match(&hk, held, KEY_W));
	held[KEY_LEFTMETA / 64] |= 1ull << (KEY_LEFTMETA % 64);
	CHECK(!hotkey_match(&hk, held, KEY_Q)); /* exactly these modifiers */
	return 0;
}

TST_MAIN("evmap", TST_CASE(classifies_devices), TST_CASE(scales_absolute_to_stream_pixels),
	 TST_CASE(translates_events), TST_CASE(letterbox_and_window_mapping), TST_CASE(hotkeys))
