// SPDX-License-Identifier: MIT
/* Pure input judgement for the daemon; see include/kmscast/inputfilter.h. */
#include "kmscast/inputfilter.h"

#include <linux/input-event-codes.h>
#include <stdio.h>
#include <string.h>

#include "kmscast/bitset.h"

/* A wheel notch is 120 hi-res units; a mouse report far past that is no mouse. */
#define REL_BOUND 16384

bool inputfilter_keyboard_key(uint16_t code)
{
	/* Every KEY_* code: below the button block, and above it but for the
	 * joystick trigger buttons. */
	return (code >= KEY_ESC && code < BTN_MISC) ||
	       (code >= KEY_OK && code <= INPUTFILTER_KEY_MAX &&
		!(code >= BTN_TRIGGER_HAPPY && code <= BTN_TRIGGER_HAPPY40));
}

/* What logind handles (HandlePowerKey, HandleSuspendKey, ...) and the
 * other keys that change the machine's power state. */
bool inputfilter_power_key(uint16_t code)
{
	return code == KEY_POWER || code == KEY_POWER2 || code == KEY_SLEEP ||
	       code == KEY_SUSPEND || code == KEY_WAKEUP || code == KEY_RESTART;
}

bool inputfilter_button(uint16_t code) { return code >= BTN_LEFT && code <= BTN_TASK; }

bool inputfilter_rel(uint16_t code)
{
	return code == REL_X || code == REL_Y || code == REL_WHEEL || code == REL_HWHEEL ||
	       code == REL_WHEEL_HI_RES || code == REL_HWHEEL_HI_RES;
}

const char *inputfilter_dev_name(enum input_dev d)
{
	static const char *const names[] = {"keyboard", "mouse", "absolute pointer"};
	return d < INPUT_DEV_COUNT ? names[d] : "?";
}

void inputfilter_init(struct inputfilter *f, const struct inputfilter_options *o)
{
	memset(f, 0, sizeof(*f));
	f->o = *o;
	if (!f->o.rate)
		f->o.rate = INPUTFILTER_RATE_DEFAULT;
	f->pointer = INPUT_DEV_MOUSE;
}

void inputfilter_set_abs(struct inputfilter *f, uint32_t w, uint32_t h)
{
	f->abs_w = w;
	f->abs_h = h;
}

bool inputfilter_held(const struct inputfilter *f, enum input_dev d, uint16_t code)
{
	return d < INPUT_DEV_COUNT && code <= INPUTFILTER_KEY_MAX && bitset_test(f->held[d], code);
}

static bool is_fkey(uint16_t c)
{
	return (c >= KEY_F1 && c <= KEY_F10) || c == KEY_F11 || c == KEY_F12 ||
	       (c >= KEY_F13 && c <= KEY_F24);
}

static bool is_arrow(uint16_t c) { return c == KEY_LEFT || c == KEY_RIGHT; }

static bool is_alt(uint16_t c) { return c == KEY_LEFTALT || c == KEY_RIGHTALT; }

void inputfilter_set_console(struct inputfilter *f, enum capture_console c) { f->console = c; }

static bool alt_held(const struct inputfilter *f)
{
	const uint64_t *k = f->held[INPUT_DEV_KEYBOARD];
	return bitset_test(k, KEY_LEFTALT) || bitset_test(k, KEY_RIGHTALT);
}

bool inputfilter_console_matters(const struct inputfilter *f, const struct proto_input_event *evs,
				 unsigned n)
{
	bool alt = alt_held(f);

	if (f->o.allow_vt_switch)
		return false;
	for (unsigned i = 0; i < n && i < PROTO_MAX_INPUT_EVENTS; i++) {
		if (evs[i].type != EV_KEY || evs[i].value != 1)
			continue;
		if (is_alt(evs[i].code))
			alt = true;
		else if (alt && (is_fkey(evs[i].code) || is_arrow(evs[i].code)))
			return true;
	}
	return false;
}

/* On a text console the kernel's keymap switches consoles on Ctrl+Alt+Fn,
 * Alt+Fn and Alt+Left/Right, and Ctrl+Alt+Del reboots (systemd's
 * ctrl-alt-del.target); Alt+SysRq starts a magic SysRq command. In a
 * graphical session the display server switches on Ctrl+Alt+Fn alone,
 * and Alt+F4 or Alt+Left are the desktop's keys. Judged on what this
 * session holds, so the order the modifiers came in does not matter.
 * Power keys are judged alone. */
static bool blocked(const struct inputfilter *f, uint16_t code, struct inputfilter_report *rep)
{
	const uint64_t *k = f->held[INPUT_DEV_KEYBOARD];
	bool alt = alt_held(f);
	bool ctrl = bitset_test(k, KEY_LEFTCTRL) || bitset_test(k, KEY_RIGHTCTRL);
	const char *with = ctrl && alt ? "Ctrl+Alt+" : alt ? "Alt+" : "", *option, *where = "";
	if (inputfilter_power_key(code)) {
		if (f->o.allow_power_keys)
			return false;
		with = "";
		option = "--allow-power-keys";
	} else {
		bool keymap = f->console != CAPTURE_CONSOLE_GRAPHICS &&
			      f->console != CAPTURE_CONSOLE_NONE;
		bool server = ctrl && alt && is_fkey(code);
		bool text = !server && keymap && alt && (is_fkey(code) || is_arrow(code));
		bool reboot = ctrl && alt && (code == KEY_DELETE || code == KEY_KPDOT);
		bool sysrq = alt && code == KEY_SYSRQ;
		if (f->o.allow_vt_switch || (!server && !text && !reboot && !sysrq))
			return false;
		option = "--allow-vt-switch";
		if (text)
			where = f->console == CAPTURE_CONSOLE_TEXT
					? " on a text console"
					: " (the console's mode is unknown)";
	}
	if (rep->blocked < INPUTFILTER_BLOCKED_NAMED) {
		rep->blocked_code[rep->blocked] = code;
		rep->blocked_with[rep->blocked] = with;
		rep->blocked_option[rep->blocked] = option;
		rep->blocked_where[rep->blocked] = where;
	}
	rep->blocked++;
	return true;
}

static void refill(struct inputfilter *f, uint64_t now_us)
{
	if (!f->rate_started || now_us < f->last_us) {
		f->tokens = f->o.rate;
		f->rate_started = true;
	} else {
		f->tokens += (double)(now_us - f->last_us) * f->o.rate / 1e6;
		if (f->tokens > f->o.rate)
			f->tokens = f->o.rate;
	}
	f->last_us = now_us;
}

/* Counts a dropped event; the first one's reason is kept, with the code. */
#define INVALID(rep, ...)                                                                          \
	do {                                                                                       \
		if (!(rep)->invalid++)                                                             \
			snprintf((rep)->why, sizeof((rep)->why), __VA_ARGS__);                     \
	} while (0)

struct sink {
	struct input_out *out;
	unsigned n;
	bool touched[INPUT_DEV_COUNT];
};

static void emit(struct sink *s, enum input_dev d, uint16_t type, uint16_t code, int32_t value)
{
	s->out[s->n++] = (struct input_out){(uint8_t)d, type, code, value};
	s->touched[d] = true;
}

static void frame_end(struct sink *s)
{
	for (int d = 0; d < INPUT_DEV_COUNT; d++)
		if (s->touched[d]) {
			s->out[s->n++] = (struct input_out){(uint8_t)d, EV_SYN, SYN_REPORT, 0};
			s->touched[d] = false;
		}
}

/* Buttons go to the pointer this frame moves, else the last one moved. */
static void pick_pointer(struct inputfilter *f, const struct proto_input_event *evs, unsigned i,
			 unsigned n)
{
	for (; i < n && evs[i].type != EV_SYN; i++) {
		if (evs[i].type == EV_ABS && f->abs_w)
			f->pointer = INPUT_DEV_POINTER;
		else if (evs[i].type == EV_REL && inputfilter_rel(evs[i].code))
			f->pointer = INPUT_DEV_MOUSE;
	}
}

static void key(struct inputfilter *f, const struct proto_input_event *ev, bool limited,
		struct sink *s, struct inputfilter_report *rep)
{
	enum input_dev d;
	if (ev->value == 2) {
		rep->repeats++;
		return;
	}
	if (ev->value != 0 && ev->value != 1) {
		INVALID(rep, "key 0x%x has value %d (0, 1 or 2)", ev->code, ev->value);
		return;
	}
	if (inputfilter_keyboard_key(ev->code)) {
		d = INPUT_DEV_KEYBOARD;
	} else if (inputfilter_button(ev->code)) {
		/* A release goes where the press went. */
		d = f->pointer;
		if (!ev->value && bitset_test(f->held[INPUT_DEV_MOUSE], ev->code))
			d = INPUT_DEV_MOUSE;
		else if (!ev->value && bitset_test(f->held[INPUT_DEV_POINTER], ev->code))
			d = INPUT_DEV_POINTER;
	} else {
		INVALID(rep, "key code 0x%x is neither a keyboard key nor a mouse button",
			ev->code);
		return;
	}
	bool held = bitset_test(f->held[d], ev->code);
	if (ev->value == held)
		return; /* a second press, or a release of nothing: no change */
	if (ev->value) {
		/* Releases pass the limit, so throttling never leaves a key stuck. */
		if (limited) {
			rep->limited++;
			return;
		}
		if (d == INPUT_DEV_KEYBOARD && blocked(f, ev->code, rep))
			return;
	}
	bitset_put(f->held[d], ev->code, ev->value);
	emit(s, d, EV_KEY, ev->code, ev->value);
	rep->injected++;
}

static void motion(struct inputfilter *f, const struct proto_input_event *ev, bool limited,
		   struct sink *s, struct inputfilter_report *rep)
{
	int32_t v = ev->value;
	enum input_dev d;
	if (ev->type == EV_REL) {
		if (!inputfilter_rel(ev->code)) {
			INVALID(rep, "relative axis 0x%x is not forwarded", ev->code);
			return;
		}
		if (v < -REL_BOUND || v > REL_BOUND) {
			INVALID(rep, "relative motion of %d on axis 0x%x is out of bounds", v,
				ev->code);
			return;
		}
		d = INPUT_DEV_MOUSE;
	} else {
		if (ev->code != ABS_X && ev->code != ABS_Y) {
			INVALID(rep, "absolute axis 0x%x is not forwarded", ev->code);
			return;
		}
		if (!f->abs_w) {
			INVALID(rep, "absolute axis 0x%x: there is no pointer device yet",
				ev->code);
			return;
		}
		/* Off the output's edge lands on the edge. */
		uint32_t lim = ev->code == ABS_X ? f->abs_w : f->abs_h;
		if (v < 0)
			v = 0;
		if ((uint32_t)v >= lim)
			v = (int32_t)lim - 1;
		d = INPUT_DEV_POINTER;
	}
	if (limited) {
		rep->limited++;
		return;
	}
	emit(s, d, ev->type, ev->code, v);
	rep->injected++;
}

unsigned inputfilter_batch(struct inputfilter *f, const struct proto_input_event *evs, unsigned n,
			   uint64_t now_us, struct input_out *out, struct inputfilter_report *rep)
{
	struct sink s = {.out = out};
	unsigned cost = 0;
	memset(rep, 0, sizeof(*rep));
	if (n > PROTO_MAX_INPUT_EVENTS)
		n = PROTO_MAX_INPUT_EVENTS;
	for (unsigned i = 0; i < n; i++)
		cost += evs[i].type != EV_SYN;
	refill(f, now_us);
	/* The whole batch or none of it: half a frame is worse than a late one. */
	bool limited = f->backlog || f->tokens < cost;
	rep->backlog = f->backlog;
	if (!limited)
		f->tokens -= cost;

	pick_pointer(f, evs, 0, n);
	for (unsigned i = 0; i < n; i++) {
		const struct proto_input_event *ev = &evs[i];
		switch (ev->type) {
		case EV_SYN:
			if (ev->code == SYN_REPORT) {
				frame_end(&s);
				pick_pointer(f, evs, i + 1, n);
			}
			break;
		case EV_KEY: key(f, ev, limited, &s, rep); break;
		case EV_REL:
		case EV_ABS: motion(f, ev, limited, &s, rep); break;
		default: INVALID(rep, "event type 0x%x is not forwarded", ev->type); break;
		}
	}
	frame_end(&s);
	return s.n;
}

void inputfilter_set_backlog(struct inputfilter *f, bool full) { f->backlog = full; }

unsigned inputfilter_release_all(struct inputfilter *f, struct input_out *out)
{
	struct sink s = {.out = out};
	for (int d = 0; d < INPUT_DEV_COUNT; d++)
		for (unsigned c = 0; c <= INPUTFILTER_KEY_MAX; c++)
			if (bitset_test(f->held[d], c))
				emit(&s, (enum input_dev)d, EV_KEY, (uint16_t)c, 0);
	frame_end(&s);
	memset(f->held, 0, sizeof(f->held));
	f->rate_started = false;
	return s.n;
}
