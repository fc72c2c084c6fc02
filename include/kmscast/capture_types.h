// SPDX-License-Identifier: MIT
/* What a capture hands out and is asked for, apart from the code that does
 * it: the front (capture.h), the buffer cache, the helper's wire format and
 * both implementations share these types and nothing else. */
#ifndef KMSCAST_CAPTURE_TYPES_H
#define KMSCAST_CAPTURE_TYPES_H

#include <stdbool.h>
#include <stdint.h>

#define CAPTURE_MAX_PLANES 4

struct capture_buffer {
	uint32_t fb_id;
	uint32_t width, height;
	uint32_t fourcc;
	uint64_t modifier; /* DRM_FORMAT_MOD_INVALID when the kernel gave none */
	uint32_t n_planes;
	int fd[CAPTURE_MAX_PLANES]; /* dmabuf fds, owned by the capture */
	uint32_t offset[CAPTURE_MAX_PLANES];
	uint32_t pitch[CAPTURE_MAX_PLANES];
	uint64_t dev_ino[CAPTURE_MAX_PLANES]; /* dmabuf identity, see src/capture/dmabuf.c */
};

struct capture_frame {
	struct capture_buffer fb;
	int32_t crtc_x, crtc_y; /* where the plane sits on the CRTC */
	uint32_t crtc_w, crtc_h;
	bool has_cursor; /* a cursor plane shows a framebuffer */
	struct capture_buffer cursor;
	int32_t cursor_x, cursor_y;
	uint32_t cursor_w, cursor_h;
	/* The CRTC is off while its planes keep their buffers (DPMS off, a
	 * blanked screen): a monitor shows black. 0 or 1 (it crosses the
	 * helper's socket). */
	uint8_t blanked;
};

struct capture_options {
	const char *output; /* connector name; NULL: first connected with a CRTC */
	uint32_t plane_id;  /* 0: the output's primary plane */
	bool cursor;        /* also read the cursor plane */
	/* The card may go away and another come (unplug, driver rebind): the
	 * capture takes card_fd over (capture_destroy closes it), closes a card
	 * that died and, on a rescan that does not find the output on its card,
	 * opens device (NULL: each /dev/dri/card*) to look for it there. */
	bool follow_cards;
	const char *device;
};

/* What the planes show: for noticing that nothing moved. */
struct capture_peek {
	uint32_t fb_id, cursor_fb_id;
	int32_t cursor_x, cursor_y;
};

/* What a capture follows; the helper sends it across as it is. */
struct capture_info {
	char driver[32];
	char output[64];
	uint32_t crtc_id;
	int32_t crtc_index;      /* for vblank requests; -1: unknown */
	uint32_t card;           /* counts moves to another card */
	uint32_t mode_w, mode_h; /* the CRTC's mode when it was found (0: unknown) */
};

/* Whether the kernel acts on the keys of the active virtual console:
 * on a text console its keymap switches consoles on Alt+Fn and
 * Alt+Left/Right; a graphical session (KD_GRAPHICS, its keyboard off or
 * raw) gets them as keys. */
enum capture_console {
	CAPTURE_CONSOLE_UNKNOWN,  /* could not be asked: judged as text */
	CAPTURE_CONSOLE_TEXT,     /* the kernel's keymap acts */
	CAPTURE_CONSOLE_GRAPHICS, /* a display server has it */
	CAPTURE_CONSOLE_NONE,     /* no virtual consoles (no /dev/tty0) */
	CAPTURE_CONSOLE_COUNT,
};

/* The virtual console in front: its mode and number (tty<number>; 0 where
 * there are none). */
struct capture_vt {
	uint32_t mode; /* enum capture_console */
	uint32_t number;
};
/* The kernel's MAX_NR_CONSOLES: tty1..tty63. */
#define CAPTURE_VT_MAX 63

#endif
