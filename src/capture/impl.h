// SPDX-License-Identifier: MIT
/* What the front (capture.c) knows of an implementation: one table, chosen
 * at create, for reaching the planes either on the card in this process
 * (local.c) or through the capture helper (remote.c). Each implementation
 * embeds struct capture first in its own struct. Types only: no module
 * owns this header, so including it closes no cycle. */
#ifndef KMSCAST_CAPTURE_IMPL_H
#define KMSCAST_CAPTURE_IMPL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "dmabuf.h"
#include "kmscast/capture_types.h"

struct capture;

struct capture_impl {
	int (*grab)(struct capture *cap, struct capture_frame *frame, char *err, size_t len);
	int (*peek)(struct capture *cap, struct capture_peek *p);
	bool (*is_current)(struct capture *cap, uint32_t fb_id);
	/* As capture_rescan: 1 moved, 0 where it was, -errno gone. */
	int (*rescan)(struct capture *cap, char *err, size_t len);
	int (*vblank_arm)(struct capture *cap);
	int (*vblank_fd)(const struct capture *cap);
	int (*vblank_read)(struct capture *cap, uint64_t *t_us);
	int (*watch)(struct capture *cap, bool on); /* NULL: nothing to tell */
	int (*console)(struct capture *cap, unsigned *vt, char *err, size_t len);
	void (*destroy)(struct capture *cap);
};

struct capture {
	const struct capture_impl *impl;
	struct capture_info info;  /* what is followed, as of create or the last rescan */
	bool gone;                 /* the output went away; a rescan finds it again */
	struct dmabuf_cache cache; /* the buffers grabbed */
};

/* The end of a rescan that found ret (0 or -errno) after old: a card that
 * went away or was left keeps its buffers alive in the kernel, so they go;
 * then capture_rescan's answer. */
static inline int capture_rescanned(struct capture *cap, const struct capture_info *old, int ret,
				    bool plane_moved)
{
	cap->gone = ret < 0;
	if (cap->gone || old->card != cap->info.card) {
		dmabuf_cache_clear(&cap->cache);
	}
	if (ret < 0) {
		return ret;
	}
	return plane_moved || strcmp(old->output, cap->info.output) != 0 ||
	       old->crtc_id != cap->info.crtc_id || old->card != cap->info.card;
}

#endif
