// SPDX-License-Identifier: MIT
/* The daemon's judgement of a client's input, apart from any device I/O:
 * which events are valid, which injected device each goes to, which keys
 * and combinations are blocked (console switching, Ctrl+Alt+Del, SysRq,
 * power keys; Alt+Fn and Alt+arrows on a text console alone), the
 * per-session rate
 * limit, and which keys and buttons are held so a session's end can release
 * them. src/daemon/inject.c writes what this decides to uinput. */
#ifndef KMSCAST_INPUTFILTER_H
#define KMSCAST_INPUTFILTER_H

#include <stdbool.h>
#include <stdint.h>

#include "kmscast/capture_types.h"
#include "kmscast/proto.h"

enum input_dev { INPUT_DEV_KEYBOARD, INPUT_DEV_MOUSE, INPUT_DEV_POINTER, INPUT_DEV_COUNT };

/* One event for one injected device. */
struct input_out {
	uint8_t dev; /* enum input_dev */
	uint16_t type, code;
	int32_t value;
};

/* Each wire event gives at most one output, and each SYN_REPORT at most one
 * per device; a trailing frame without one gets it added. */
#define INPUTFILTER_OUT_MAX (2 * PROTO_MAX_INPUT_EVENTS + INPUT_DEV_COUNT)
#define INPUTFILTER_KEY_MAX 0x2ff
#define INPUTFILTER_RATE_DEFAULT 8000u
#define INPUTFILTER_BLOCKED_NAMED 4

struct inputfilter_options {
	bool allow_vt_switch;  /* let console switching, Ctrl+Alt+Del and Alt+SysRq through */
	bool allow_power_keys; /* offer and inject power, sleep, suspend, wake, restart */
	unsigned rate;         /* events per second, with a burst of one second's worth */
};

/* What one batch came to, for the daemon's log. */
struct inputfilter_report {
	unsigned injected; /* events written, SYN_REPORTs not counted */
	unsigned repeats;  /* autorepeat (value 2) dropped: the host repeats */
	unsigned invalid;  /* dropped; why names the first */
	unsigned limited;  /* dropped by the rate limit or the backlog */
	bool backlog;      /* judged while the devices' queue was full */
	unsigned blocked;  /* key presses dropped; the first few named here */
	uint16_t blocked_code[INPUTFILTER_BLOCKED_NAMED];
	/* What was held with it ("Ctrl+Alt+", "Alt+" or "") and the option
	 * that would let it through. */
	const char *blocked_with[INPUTFILTER_BLOCKED_NAMED];
	const char *blocked_option[INPUTFILTER_BLOCKED_NAMED];
	/* Where it is blocked when not everywhere: " on a text console", or
	 * " (the console's mode is unknown)"; else "". */
	const char *blocked_where[INPUTFILTER_BLOCKED_NAMED];
	char why[96];
};

struct inputfilter {
	struct inputfilter_options o;
	uint32_t abs_w, abs_h; /* the pointer's range; 0: no pointer */
	uint64_t held[INPUT_DEV_COUNT][(INPUTFILTER_KEY_MAX + 64) / 64];
	enum input_dev pointer;       /* where buttons go: the last moved pointer */
	enum capture_console console; /* the active console, as last told */
	double tokens;
	uint64_t last_us;
	bool rate_started;
	bool backlog; /* the paced queue is full: drop as over the limit */
};

void inputfilter_init(struct inputfilter *f, const struct inputfilter_options *o);
/* The pointer device's range is 0..w-1, 0..h-1: stream pixels. */
void inputfilter_set_abs(struct inputfilter *f, uint32_t w, uint32_t h);
/* What the active console is (inputfilter_console_matters says when to
 * ask): Alt+Fn and Alt+Left/Right are blocked on a text console, or
 * while that is unknown, and pass in a graphical session. */
void inputfilter_set_console(struct inputfilter *f, enum capture_console c);
/* Whether judging this batch depends on the console: it presses an
 * F-key, Left or Right while an Alt key is (or comes to be) held. */
bool inputfilter_console_matters(const struct inputfilter *f, const struct proto_input_event *evs,
				 unsigned n);
/* While the events already passed wait in a full queue (inputpace.h),
 * batches are judged as over the rate limit: releases pass, the rest is
 * dropped, so nothing stays held and nothing grows. */
void inputfilter_set_backlog(struct inputfilter *f, bool full);
/* Judges one wire batch (already valid per proto.c) at now_us; returns the
 * number of events written to out (at most INPUTFILTER_OUT_MAX), in order,
 * each device's frames ending in SYN_REPORT. */
unsigned inputfilter_batch(struct inputfilter *f, const struct proto_input_event *evs, unsigned n,
			   uint64_t now_us, struct input_out *out, struct inputfilter_report *rep);
/* Releases of every held key and button (then SYN_REPORT per device), and
 * a fresh rate budget: for a session that ends or loses control. Returns
 * the count written to out, which must hold INPUTFILTER_RELEASE_MAX. */
#define INPUTFILTER_RELEASE_MAX (INPUT_DEV_COUNT * (INPUTFILTER_KEY_MAX + 2))
unsigned inputfilter_release_all(struct inputfilter *f, struct input_out *out);
bool inputfilter_held(const struct inputfilter *f, enum input_dev d, uint16_t code);

/* The codes each injected device must offer, so the devices and the
 * routing cannot disagree. The keyboard offers the power keys only when
 * they are allowed: logind acts on a keyboard that has them. */
bool inputfilter_keyboard_key(uint16_t code);
bool inputfilter_power_key(uint16_t code);
bool inputfilter_button(uint16_t code);
bool inputfilter_rel(uint16_t code);
/* "keyboard", "mouse", "absolute pointer": devices are "kmscast " + this. */
const char *inputfilter_dev_name(enum input_dev d);

#endif
