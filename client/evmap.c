// SPDX-License-Identifier: MIT
/* The client's input translation; see evmap.h. */
#include "evmap.h"

#include <ctype.h>
#include <errno.h>
#include <libevdev/libevdev.h>
#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "kmscast/bitset.h"
#include "kmscast/inputfilter.h"

static bool has(const struct evmap_caps *c, unsigned type, unsigned code)
{
	return c->has(c->dev, type, code);
}

unsigned evmap_classify(const struct evmap_caps *c)
{
	static const unsigned typing[] = {KEY_ESC, KEY_A, KEY_Z, KEY_Q, KEY_SPACE, KEY_ENTER};
	unsigned cls = EVMAP_KEYBOARD;
	for (size_t i = 0; i < sizeof(typing) / sizeof(typing[0]); i++)
		if (!has(c, EV_KEY, typing[i]))
			cls = 0;
	if (has(c, EV_REL, REL_X) && has(c, EV_REL, REL_Y) && has(c, EV_KEY, BTN_LEFT))
		cls |= EVMAP_MOUSE;
	if (has(c, EV_ABS, ABS_X) && has(c, EV_ABS, ABS_Y)) {
		bool pen = has(c, EV_KEY, BTN_TOOL_PEN);
		bool direct = c->has_prop(c->dev, INPUT_PROP_DIRECT);
		if (has(c, EV_KEY, BTN_TOOL_FINGER) && !direct && !pen)
			cls |= EVMAP_TOUCHPAD;
		else if (has(c, EV_KEY, BTN_LEFT) || has(c, EV_KEY, BTN_TOUCH) || pen)
			cls |= EVMAP_ABS;
	}
	return cls;
}

void evmap_class_name(unsigned cls, char *out, size_t len)
{
	static const char *const names[] = {"keyboard", "mouse", "absolute pointer",
					    "touchpad (not forwarded)"};
	size_t n = 0;
	out[0] = 0;
	for (unsigned i = 0; i < 4; i++)
		if (cls & 1u << i && n < len)
			n += (size_t)snprintf(out + n, len - n, "%s%s", n ? "+" : "", names[i]);
	if (!cls)
		snprintf(out, len, "no keyboard or pointer");
}

int32_t evmap_abs_scale(int32_t v, int32_t min, int32_t max, uint32_t size)
{
	if (max <= min || !size)
		return 0;
	int64_t p = ((int64_t)v - min) * size / ((int64_t)max - min + 1);
	return p < 0 ? 0 : p >= size ? (int32_t)size - 1 : (int32_t)p;
}

unsigned evmap_event(const struct evmap_dev *d, uint16_t type, uint16_t code, int32_t value,
		     uint32_t stream_w, uint32_t stream_h, struct proto_input_event *out)
{
	switch (type) {
	case EV_SYN:
		if (code != SYN_REPORT)
			return 0;
		break;
	case EV_KEY:
		if (value == 2)
			return 0; /* the host repeats held keys itself */
		/* A touch or a pen tip is a left click; the barrel buttons the others. */
		if (code == BTN_TOUCH)
			code = BTN_LEFT;
		else if (code == BTN_STYLUS)
			code = BTN_RIGHT;
		else if (code == BTN_STYLUS2)
			code = BTN_MIDDLE;
		else if (!inputfilter_keyboard_key(code) && !inputfilter_button(code))
			return 0;
		break;
	case EV_REL:
		if (!inputfilter_rel(code))
			return 0;
		break;
	case EV_ABS:
		if (!d->abs || (code != ABS_X && code != ABS_Y) || !stream_w || !stream_h)
			return 0;
		value = evmap_abs_scale(value, d->min[code], d->max[code],
					code == ABS_X ? stream_w : stream_h);
		break;
	default: return 0;
	}
	*out = (struct proto_input_event){type, code, value};
	return 1;
}

struct evmap_rect evmap_fit(uint32_t w, uint32_t h, uint32_t dst_w, uint32_t dst_h)
{
	struct evmap_rect r = {0, 0, dst_w, dst_h};
	if (!w || !h || !dst_w || !dst_h)
		return r;
	/* Compare w/h with dst_w/dst_h without rounding. */
	if ((uint64_t)w * dst_h > (uint64_t)h * dst_w)
		r.h = (uint32_t)((uint64_t)h * dst_w / w);
	else
		r.w = (uint32_t)((uint64_t)w * dst_h / h);
	if (!r.w)
		r.w = 1;
	if (!r.h)
		r.h = 1;
	r.x = (int32_t)((dst_w - r.w) / 2);
	r.y = (int32_t)((dst_h - r.h) / 2);
	return r;
}

void evmap_to_stream(const struct evmap_rect *r, int32_t x, int32_t y, uint32_t w, uint32_t h,
		     int32_t *sx, int32_t *sy)
{
	*sx = evmap_abs_scale(x, r->x, r->x + (int32_t)r->w - 1, w);
	*sy = evmap_abs_scale(y, r->y, r->y + (int32_t)r->h - 1, h);
}

unsigned hotkey_mods(const uint64_t *held)
{
	unsigned m = 0;
	if (bitset_test(held, KEY_LEFTCTRL) || bitset_test(held, KEY_RIGHTCTRL))
		m |= HOTKEY_CTRL;
	if (bitset_test(held, KEY_LEFTALT) || bitset_test(held, KEY_RIGHTALT))
		m |= HOTKEY_ALT;
	if (bitset_test(held, KEY_LEFTSHIFT) || bitset_test(held, KEY_RIGHTSHIFT))
		m |= HOTKEY_SHIFT;
	if (bitset_test(held, KEY_LEFTMETA) || bitset_test(held, KEY_RIGHTMETA))
		m |= HOTKEY_META;
	return m;
}

bool hotkey_match(const struct hotkey *hk, const uint64_t *held, uint16_t code)
{
	return code == hk->key && hotkey_mods(held) == hk->mods;
}

static bool is_modifier(uint16_t c)
{
	return c == KEY_LEFTCTRL || c == KEY_RIGHTCTRL || c == KEY_LEFTALT || c == KEY_RIGHTALT ||
	       c == KEY_LEFTSHIFT || c == KEY_RIGHTSHIFT || c == KEY_LEFTMETA || c == KEY_RIGHTMETA;
}

int hotkey_parse(const char *s, struct hotkey *hk, char *err, size_t len)
{
	static const struct {
		const char *name;
		unsigned mod;
	} mods[] = {{"ctrl", HOTKEY_CTRL},   {"control", HOTKEY_CTRL}, {"alt", HOTKEY_ALT},
		    {"shift", HOTKEY_SHIFT}, {"meta", HOTKEY_META},    {"super", HOTKEY_META},
		    {"logo", HOTKEY_META}};
	char buf[128], *save = NULL;
	struct hotkey h = {0};
	if (strlen(s) >= sizeof(buf))
		goto bad;
	snprintf(buf, sizeof(buf), "%s", s);
	for (char *t = strtok_r(buf, "+", &save); t; t = strtok_r(NULL, "+", &save)) {
		size_t i;
		if (h.key)
			goto bad; /* the key must come last */
		for (i = 0; i < sizeof(mods) / sizeof(mods[0]); i++)
			if (strcasecmp(t, mods[i].name) == 0)
				break;
		if (i < sizeof(mods) / sizeof(mods[0])) {
			h.mods |= mods[i].mod;
			continue;
		}
		char name[80];
		size_t n = (size_t)snprintf(name, sizeof(name), "%s%s",
					    strncasecmp(t, "KEY_", 4) ? "KEY_" : "", t);
		for (size_t k = 0; k < n && k < sizeof(name); k++)
			name[k] = (char)toupper((unsigned char)name[k]);
		int code = libevdev_event_code_from_name(EV_KEY, name);
		if (code <= 0 || !inputfilter_keyboard_key((uint16_t)code) ||
		    is_modifier((uint16_t)code)) {
			snprintf(err, len,
				 "'%s' in '%s' is not a key (e.g. q, f12, pause, KEY_SYSRQ)", t, s);
			return -EINVAL;
		}
		h.key = (uint16_t)code;
	}
	if (!h.key)
		goto bad;
	*hk = h;
	return 0;
bad:
	snprintf(err, len, "'%s' is not MODIFIER+...+KEY (e.g. %s)", s, HOTKEY_DEFAULT);
	return -EINVAL;
}
