// SPDX-License-Identifier: MIT
/* The scanout grabber: what a CRTC's planes show, as dmabuf fds + metadata.
 *
 * A frame is a fixed struct plus file descriptors, so it can later cross a
 * process boundary (the struct by value, the fds by SCM_RIGHTS) unchanged.
 * Reading the kernel's state needs DRM master or CAP_SYS_ADMIN: without them
 * GetFB2 hands back zero handles, which capture_grab reports as -EACCES. */
#ifndef KMSCAST_CAPTURE_H
#define KMSCAST_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/capture_types.h"

struct capture;

/* Follows one output on an open card fd (not taken over: the caller closes
 * it after capture_destroy; with follow_cards, taken over on success). Returns 0 or -errno; on failure *err holds one
 * line for the user. -ENOENT: no such output or plane; -ENODEV: not KMS. */
int capture_create(int card_fd, const struct capture_options *opt, struct capture **out, char *err,
		   size_t err_len);
void capture_destroy(struct capture *cap);

/* Re-reads the plane's FB_ID and returns the current frame. The buffers'
 * fds stay owned by the capture and valid until a later grab evicts them
 * or capture_destroy. -EACCES: no privilege (message names CAP_SYS_ADMIN);
 * -ENODATA: the plane shows nothing; -EAGAIN: the plane kept flipping while
 * the planes were read, so no frame with its own cursor could be had. */
int capture_grab(struct capture *cap, struct capture_frame *frame, char *err, size_t err_len);

/* Whether the plane still scans out fb_id. A copy taken between a grab
 * and this check is whole unless the buffer was flipped away and back. */
bool capture_is_current(struct capture *cap, uint32_t fb_id);
/* What the planes show, in a few ioctls and without touching buffers:
 * for noticing that nothing moved. */
int capture_peek(struct capture *cap, struct capture_peek *p);

/* The same, with the card in the capture helper (src/capture/helper.c) at the
 * other end of peer (whose sockets the capture closes once created). */
struct privsep_peer;
int capture_create_remote(const struct privsep_peer *peer, struct capture **out, char *err,
			  size_t err_len);

/* Finds the followed output again after a hotplug event: 1 if it moved
 * (another CRTC, plane or card, or a first lit output that is another
 * one), 0 if
 * it is where it was, -errno when it is gone (grabs then fail with -ENODEV
 * and say so until a later rescan finds it). */
int capture_rescan(struct capture *cap, char *err, size_t err_len);

/* Vblank pacing: arm one event for the next vblank of the output's CRTC,
 * poll capture_vblank_fd for it, and read it: 1 and its time, 0 when what
 * came was no vblank, -errno. */
int capture_vblank_arm(struct capture *cap);
int capture_vblank_fd(const struct capture *cap); /* -1 while the card is gone */
int capture_vblank_read(struct capture *cap, uint64_t *t_us);
int capture_crtc_index(const struct capture *cap);

/* Whether anyone watches: the capture helper looks at the planes for its
 * board only while someone does, and when nobody does both ends let go
 * of every buffer they hold (an unwatched host costs nothing). 0 or
 * -errno. */
int capture_watch(struct capture *cap, bool on);
/* The active virtual console's mode (enum capture_console), asked of the
 * kernel by whoever holds the card; -errno with err set. vt, when not
 * NULL, gets its number too (0: none). */
int capture_console(struct capture *cap, unsigned *vt, char *err, size_t err_len);
/* Counts the capture's moves to another card. */
uint32_t capture_card(const struct capture *cap);

/* The kernel driver's name, for capture_check_cpu_path. */
const char *capture_driver(const struct capture *cap);

/* The connector name and CRTC the capture follows. */
const char *capture_output_name(const struct capture *cap);
/* The output's mode size as found (no buffer read); 0 x 0 when unknown. */
void capture_mode_size(const struct capture *cap, uint32_t *w, uint32_t *h);
uint32_t capture_crtc_id(const struct capture *cap);

/* Reads a linear buffer through the CPU (mmap + DMA_BUF_IOCTL_SYNC) into
 * packed rgb8 rows (width * 3 bytes each). -ENOTSUP with a message naming
 * format and modifier when it cannot be converted. */
int capture_read_rgb8(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
		      char *err, size_t err_len);

/* Copies the first n bytes of the first plane from its offset, whatever
 * the format or modifier (for raw dumps). */
int capture_read_bytes(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
		       size_t n, char *err, size_t err_len);

/* Copies the first n bytes of the first plane while making sure the plane
 * shows buf for the whole copy: -EAGAIN if it flipped (the owner may have
 * been drawing into it), so the copy is one whole frame or nothing. */
int capture_copy_stable(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
			size_t n, char *err, size_t err_len);

/* Compares the first plane with ref (rows of buf->pitch[0] bytes, as
 * many as fit in n) without copying: only the rows y with y % step ==
 * phase (step 1: all of them). 1 if they differ, 0 if equal, -errno. */
int capture_differs(struct capture *cap, const struct capture_buffer *buf, const uint8_t *ref,
		    size_t n, unsigned phase, unsigned step, char *err, size_t err_len);

/* The CPU's read-only view of a buffer it can convert (the checks of
 * capture_check_cpu_path, and every row inside the dmabuf), from plane
 * 0's offset, until capture_cpu_end. 0 or -errno with err set. */
int capture_cpu_begin(struct capture *cap, const struct capture_buffer *buf, const uint8_t **px,
		      char *err, size_t len);
void capture_cpu_end(struct capture *cap, const struct capture_buffer *buf);

/* Reads an ARGB8888 cursor buffer and blends it over an rgb8 image of
 * img_w x img_h at (x, y) (may be partly off-image). */
int capture_blend_cursor(struct capture *cap, const struct capture_frame *frame, uint8_t *img,
			 uint32_t img_w, uint32_t img_h, char *err, size_t err_len);

/* Whether the CPU can convert buf: a known format in one plane, linear by
 * modifier or (without one) on a driver whose buffers are linear. Pure.
 * 0, or -ENOTSUP with a message naming the format and modifier. */
int capture_check_cpu_path(const struct capture_buffer *buf, const char *driver, char *err,
			   size_t err_len);

/* "LINEAR", "implicit" (no modifier given) or "0x...". buf >= 24. */
const char *capture_modifier_str(uint64_t modifier, char *buf, size_t len);

#endif
