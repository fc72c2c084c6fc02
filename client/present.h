// SPDX-License-Identifier: MIT
/* The client's presenters: where decoded frames are shown. "kms" takes DRM
 * master on a card and page-flips two dumb buffers on one connector, the
 * cursor on the cursor plane or composited when there is none; "sdl" shows
 * a window (or the whole screen) and sends its keyboard and mouse. Both
 * scale the stream to fit with its aspect kept (letterboxed), and keep at
 * most one frame waiting: a newer one replaces it, counted as dropped. */
#ifndef KMSCAST_CLIENT_PRESENT_H
#define KMSCAST_CLIENT_PRESENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "input.h"
#include "evmap.h"

struct present_options {
	/* kms */
	const char *device;      /* NULL: the first card with a connected connector */
	const char *output;      /* NULL: its first connected connector */
	uint32_t mode_w, mode_h; /* 0: the stream's size if offered, else preferred */
	const char *vt;          /* a VT to cooperate with (release on switch away), NULL: none */
	/* sdl */
	bool fullscreen;
	const char *title;
	const char *font; /* the stats overlay's TrueType font */
	int verbose;
};

struct present_cursor {
	bool visible;
	int32_t x, y; /* the hotspot, in stream pixels */
	uint16_t w, h, hot_x, hot_y;
	const uint8_t *argb; /* w * h * 4, ARGB8888 */
	bool image_changed;
};

/* What the stats overlay shows; the client measures it once a second. */
struct present_stats {
	unsigned long fps, dropped;
	double mbit_s, latency_ms, rtt_ms;
};

struct present;
struct present_ops {
	int (*configure)(struct present *p, uint32_t w, uint32_t h, char *err, size_t len);
	void (*frame)(struct present *p, const uint8_t *rgb, uint64_t capture_us);
	void (*cursor)(struct present *p, const struct present_cursor *c);
	void (*control)(struct present *p, bool control);                /* NULL: sends no input */
	void (*stats)(struct present *p, const struct present_stats *s); /* NULL: no overlay */
	void (*toggle_overlay)(struct present *p);
	void (*clipboard)(struct present *p, const char *text); /* NULL: no local clipboard */
	void (*destroy)(struct present *p);
};

/* What every presenter shares: the latest frame, the latency and drop
 * counts, the cursor. */
struct present {
	const struct present_ops *ops;
	uint32_t w, h;          /* the stream */
	uint8_t *rgb, *scratch; /* the latest frame; a copy with the cursor drawn in */
	uint64_t capture_us;
	bool frame_waiting; /* kept, not yet shown */
	uint64_t lat_sum;
	unsigned long lat_n, dropped;
	struct present_cursor cur; /* argb points at cursor_img */
	uint8_t cursor_img[256 * 256 * 4];
};

int present_kms_create(uv_loop_t *loop, const struct present_options *o, struct present **out,
		       char *err, size_t len);
/* The SDL window's keyboard and mouse, and its closing. */
struct present_callbacks {
	/* One evdev frame (no SYN_REPORT), positions in stream pixels. */
	void (*input)(void *data, const struct proto_input_event *evs, unsigned n);
	void (*focus_lost)(void *data);                  /* release what is held */
	void (*clipboard)(void *data, const char *text); /* the local clipboard changed */
	void (*quit)(void *data);                        /* the window was closed */
};
int present_sdl_create(uv_loop_t *loop, const struct present_options *o,
		       const struct present_callbacks *cb, void *data, struct present **out,
		       char *err, size_t len);

/* The stream is w x h (first frame or a change): picks the mode or sizes the window. */
int present_configure(struct present *p, uint32_t w, uint32_t h, char *err, size_t len);
/* A decoded frame (RGB24, the configured size) captured at capture_us
 * (CLOCK_REALTIME): shown at the next flip; copied now. */
void present_frame(struct present *p, const uint8_t *rgb, uint64_t capture_us);
void present_cursor(struct present *p, const struct present_cursor *c);
/* May this session send input (STREAM_CONFIG's view-only flag)? */
void present_control(struct present *p, bool control);
void present_stats(struct present *p, const struct present_stats *s);
/* The stats hotkey: the overlay on or off (where there is one). */
void present_toggle_overlay(struct present *p);
/* Capture-to-present latency since the last call: sum and count. */
void present_take_latency(struct present *p, uint64_t *sum_us, unsigned long *n);
/* Frames replaced before they were shown, in all. */
unsigned long present_dropped(const struct present *p);
/* Gives the display back as it was found; the loop runs on to close handles. */
void present_destroy(struct present *p);

/* For the presenters: a frame captured at capture_us is on screen now. */
void present_shown(struct present *p, uint64_t capture_us);
/* The frame buffers for a w x h stream (kept when the size is the same):
 * 0 or -ENOMEM. */
int present_size_frame(struct present *p, uint32_t w, uint32_t h);
void present_free_frame(struct present *p);
/* Copies a frame in as the latest; one not yet shown counts as dropped.
 * False before there are buffers. */
bool present_keep_frame(struct present *p, const uint8_t *rgb, uint64_t capture_us);
/* Keeps the cursor's state and image (when it fits). */
void present_keep_cursor(struct present *p, const struct present_cursor *c);
/* The latest frame with the cursor drawn in (into scratch), or the frame
 * itself when no cursor shows. */
const uint8_t *present_compose(struct present *p);

#endif
