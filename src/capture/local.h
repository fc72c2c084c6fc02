// SPDX-License-Identifier: MIT
/* The local implementation: the card is open in this process. The front
 * (capture.c) reaches it through capture_local_impl; the capture helper
 * (helper.c), which holds the card for the streamer, calls it directly and
 * nothing else of the capture code. */
#ifndef KMSCAST_CAPTURE_LOCAL_H
#define KMSCAST_CAPTURE_LOCAL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/capture_types.h"

struct capture;

/* As capture_create (include/kmscast/capture.h). */
int capture_local_create(int card_fd, const struct capture_options *opt, struct capture **out,
			 char *err, size_t len);
void capture_local_destroy(struct capture *cap);
int capture_local_grab(struct capture *cap, struct capture_frame *frame, char *err, size_t len);
int capture_local_peek(struct capture *cap, struct capture_peek *p);
bool capture_local_is_current(struct capture *cap, uint32_t fb_id);
/* As capture_rescan. */
int capture_local_rescan(struct capture *cap, char *err, size_t len);
int capture_local_vblank_arm(struct capture *cap);
int capture_local_vblank_fd(const struct capture *cap);
int capture_local_vblank_read(struct capture *cap, uint64_t *t_us);
const struct capture_info *capture_local_info(const struct capture *cap);
/* The active virtual console's mode (enum capture_console), asked of the
 * kernel now; -errno with err set when it cannot be asked. Needs no card:
 * write access to /dev/tty0 (group tty). */
int capture_local_console(unsigned *vt, char *err, size_t len);
/* Lets go of every buffer exported so far (nobody watches). */
void capture_local_drop_buffers(struct capture *cap);

#endif
