// SPDX-License-Identifier: MIT
/* The buffers a capture has handed out, and the CPU's access to them.
 *
 * Both implementations keep what they grab here: the local one the dmabufs
 * it exports, the remote one those the helper sends. A buffer stays open
 * and (once read) mapped while the screen flips among a few of them. */
#ifndef KMSCAST_CAPTURE_DMABUF_H
#define KMSCAST_CAPTURE_DMABUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/capture_types.h"

/* A compositor flips among 2-3 buffers; a few more covers cursor and churn. */
#define DMABUF_CACHE_SIZE 8

struct dmabuf_entry {
	struct capture_buffer buf; /* fb_id 0: empty slot */
	uint8_t *map;
	size_t map_len;
	uint64_t last_used;
};

struct dmabuf_cache {
	uint64_t tick;
	struct dmabuf_entry e[DMABUF_CACHE_SIZE];
};

/* Closes b's fds and zeroes it. */
void dmabuf_buffer_close(struct capture_buffer *b);
void dmabuf_cache_clear(struct dmabuf_cache *c);
/* Takes b (and its fds) into the cache; b becomes the cached buffer: the
 * one already there when it is the same memory, b's own fds then closed. */
void dmabuf_cache_keep(struct dmabuf_cache *c, struct capture_buffer *b);

/* The CPU's reads; each checks that what it reads lies inside the dmabuf.
 * The caller has checked that the CPU can convert the buffer
 * (capture_check_cpu_path) where the format matters. */
int dmabuf_read_rgb8(struct dmabuf_cache *c, const struct capture_buffer *buf, uint8_t *dst,
		     char *err, size_t len);
/* Copies the first n bytes of plane 0 to mem, or (compare) compares its
 * rows y % step == phase with mem's: 1 if they differ. */
int dmabuf_access(struct dmabuf_cache *c, const struct capture_buffer *buf, uint8_t *mem, size_t n,
		  bool compare, unsigned phase, unsigned step, char *err, size_t len);
/* Copies n bytes while is_current(ctx, fb_id) says the plane still shows
 * buf: -EAGAIN if it flipped. */
int dmabuf_copy_stable(struct dmabuf_cache *c, const struct capture_buffer *buf, uint8_t *dst,
		       size_t n, bool (*is_current)(void *ctx, uint32_t fb_id), void *ctx,
		       char *err, size_t len);
/* The CPU's view of n bytes of plane 0, between begin and end (which
 * bracket the reads with DMA_BUF_IOCTL_SYNC). */
int dmabuf_begin(struct dmabuf_cache *c, const struct capture_buffer *buf, size_t n,
		 const uint8_t **px, char *err, size_t len);
void dmabuf_end(const struct capture_buffer *buf);
/* Blends the frame's ARGB8888 cursor over an rgb8 image. */
int dmabuf_blend_cursor(struct dmabuf_cache *c, const struct capture_frame *frame, uint8_t *img,
			uint32_t img_w, uint32_t img_h, char *err, size_t len);

#endif
