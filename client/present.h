/* The client's presenters: where decoded frames are shown. "kms" takes DRM
 * master on a card and page-flips two dumb buffers on one connector, the
 * stream scaled to fit (letterboxed), the cursor on the cursor plane or
 * composited when there is none. At most one frame waits for a flip: a
 * newer one replaces it. */
#ifndef KMSCAST_CLIENT_PRESENT_H
#define KMSCAST_CLIENT_PRESENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <uv.h>

struct present_options {
	const char *device;      /* NULL: the first card with a connected connector */
	const char *output;      /* NULL: its first connected connector */
	uint32_t mode_w, mode_h; /* 0: the stream's size if offered, else preferred */
	int verbose;
};

struct present_cursor {
	bool visible;
	int32_t x, y; /* the hotspot, in stream pixels */
	uint16_t w, h, hot_x, hot_y;
	const uint8_t *argb; /* w * h * 4, ARGB8888 */
	bool image_changed;
};

struct present;

int present_kms_create(uv_loop_t *loop, const struct present_options *o, struct present **out,
		       char *err, size_t len);
/* The stream is w x h (first frame or a change): picks and sets the mode. */
int present_configure(struct present *p, uint32_t w, uint32_t h, char *err, size_t len);
/* A decoded frame (RGB24, the configured size) captured at capture_us
 * (CLOCK_REALTIME): shown at the next flip; copied now. */
void present_frame(struct present *p, const uint8_t *rgb, uint64_t capture_us);
void present_cursor(struct present *p, const struct present_cursor *c);
/* Capture-to-present latency since the last call: sum and count. */
void present_take_latency(struct present *p, uint64_t *sum_us, unsigned long *n);
/* Restores the CRTC as found, drops master, closes; the loop runs on. */
void present_destroy(struct present *p);

#endif
