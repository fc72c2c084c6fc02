// SPDX-License-Identifier: MIT
/* The buffer cache and CPU access shared by both implementations; see
 * dmabuf.h. */
#include "dmabuf.h"

#include <drm_fourcc.h>
#include <errno.h>
#include <linux/dma-buf.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmscast/clock.h"
#include "kmscast/errmsg.h"
#include "kmscast/format.h"

#define STABLE_CHUNK (128u * 1024)
#define STABLE_CHECK_NS 2000000u

void dmabuf_buffer_close(struct capture_buffer *b)
{
	for (uint32_t i = 0; i < b->n_planes; i++) {
		if (b->fd[i] >= 0) {
			close(b->fd[i]);
		}
	}
	memset(b, 0, sizeof(*b));
}

static void entry_clear(struct dmabuf_entry *e)
{
	if (e->map) {
		munmap(e->map, e->map_len);
	}
	dmabuf_buffer_close(&e->buf);
	memset(e, 0, sizeof(*e));
}

void dmabuf_cache_clear(struct dmabuf_cache *c)
{
	for (int i = 0; i < DMABUF_CACHE_SIZE; i++) {
		entry_clear(&c->e[i]);
	}
}

static bool same_buffer(const struct capture_buffer *a, const struct capture_buffer *b)
{
	if (a->fb_id != b->fb_id || a->width != b->width || a->height != b->height ||
	    a->fourcc != b->fourcc || a->modifier != b->modifier || a->n_planes != b->n_planes) {
		return false;
	}
	for (uint32_t i = 0; i < a->n_planes; i++) {
		if (a->offset[i] != b->offset[i] || a->pitch[i] != b->pitch[i] ||
		    a->dev_ino[i] != b->dev_ino[i]) {
			return false;
		}
	}
	return true;
}

/* fb ids are reused by the kernel as soon as a framebuffer is removed, so an
 * id alone does not identify memory. Exporting a GEM object again returns the
 * dma_buf it already has, whose inode is stable: comparing it costs a few
 * ioctls and no mapping, which is what the cache saves. */
void dmabuf_cache_keep(struct dmabuf_cache *c, struct capture_buffer *b)
{
	struct dmabuf_entry *slot = NULL;

	/* A dmabuf is known by its inode, whichever process exported it. */
	for (uint32_t i = 0; i < CAPTURE_MAX_PLANES; i++) {
		struct stat st;
		b->dev_ino[i] =
			i < b->n_planes && fstat(b->fd[i], &st) == 0 ? (uint64_t)st.st_ino : 0;
	}
	c->tick++;
	for (int i = 0; i < DMABUF_CACHE_SIZE; i++) {
		struct dmabuf_entry *e = &c->e[i];
		if (e->buf.fb_id && same_buffer(&e->buf, b)) {
			dmabuf_buffer_close(b);
			e->last_used = c->tick;
			*b = e->buf;
			return;
		}
		if (e->buf.fb_id == b->fb_id) {
			entry_clear(e); /* same id, other memory: a reused fb id */
		}
	}
	for (int i = 0; i < DMABUF_CACHE_SIZE; i++) {
		struct dmabuf_entry *e = &c->e[i];
		if (!slot || !e->buf.fb_id || (slot->buf.fb_id && e->last_used < slot->last_used)) {
			slot = e;
		}
	}
	entry_clear(slot);
	slot->buf = *b;
	slot->last_used = c->tick;
}

static struct dmabuf_entry *entry_of(struct dmabuf_cache *c, const struct capture_buffer *buf)
{
	for (int i = 0; i < DMABUF_CACHE_SIZE; i++) {
		if (c->e[i].buf.fb_id == buf->fb_id && same_buffer(&c->e[i].buf, buf)) {
			return &c->e[i];
		}
	}
	return NULL;
}

/* The cache entry of buf with its first plane mapped (once per entry). */
static int map_entry(struct dmabuf_cache *c, const struct capture_buffer *buf,
		     struct dmabuf_entry **out, char *err, size_t len)
{
	struct dmabuf_entry *e = entry_of(c, buf);

	if (!e) {
		return errmsg(err, len, -ENOENT, "framebuffer %u is no longer cached", buf->fb_id);
	}
	if (!e->map) {
		off_t size = lseek(buf->fd[0], 0, SEEK_END);
		void *m;

		if (size <= 0) {
			return errmsg(err, len, -EIO, "cannot size the dmabuf of framebuffer %u",
				      buf->fb_id);
		}
		m = mmap(NULL, (size_t)size, PROT_READ, MAP_SHARED, buf->fd[0], 0);
		if (m == MAP_FAILED) {
			return errmsg(err, len, -errno, "cannot map framebuffer %u: %s", buf->fb_id,
				      strerror(errno));
		}
		e->map = m;
		e->map_len = (size_t)size;
	}
	*out = e;
	return 0;
}

/* Maps a buffer of a format the CPU converts, and checks that every row the
 * format and pitch say it has lies inside the dmabuf. */
static int map_buffer(struct dmabuf_cache *c, const struct capture_buffer *buf,
		      const struct format_info **fmt_out, struct dmabuf_entry **out, char *err,
		      size_t len)
{
	const struct format_info *fmt = format_lookup(buf->fourcc);
	char cc[5];
	int ret;

	if (!fmt) {
		return errmsg(err, len, -ENOTSUP,
			      "framebuffer %u has format %s: no CPU path for it", buf->fb_id,
			      format_fourcc_str(buf->fourcc, cc));
	}
	ret = map_entry(c, buf, out, err, len);
	if (ret < 0) {
		return ret;
	}
	if (buf->pitch[0] < (uint64_t)buf->width * fmt->cpp || buf->height == 0 ||
	    (uint64_t)buf->offset[0] + (uint64_t)buf->pitch[0] * (buf->height - 1) +
			    (uint64_t)buf->width * fmt->cpp >
		    (*out)->map_len) {
		return errmsg(err, len, -EINVAL, "framebuffer %u does not fit its %zu-byte dmabuf",
			      buf->fb_id, (*out)->map_len);
	}
	*fmt_out = fmt;
	return 0;
}

static void dmabuf_sync(int fd, uint64_t flags)
{
	struct dma_buf_sync sync = {.flags = flags | DMA_BUF_SYNC_READ};

	while (ioctl(fd, DMA_BUF_IOCTL_SYNC, &sync) < 0 && (errno == EINTR || errno == EAGAIN)) {
	}
}

int dmabuf_read_rgb8(struct dmabuf_cache *c, const struct capture_buffer *buf, uint8_t *dst,
		     char *err, size_t len)
{
	const struct format_info *fmt;
	struct dmabuf_entry *e;
	int ret = map_buffer(c, buf, &fmt, &e, err, len);

	if (ret < 0) {
		return ret;
	}
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_START);
	format_to_rgb8(fmt, e->map + buf->offset[0], buf->pitch[0], buf->width, buf->height, dst);
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_END);
	return 0;
}

/* The mapping of buf, which must hold n bytes from plane 0's offset. */
static int map_range(struct dmabuf_cache *c, const struct capture_buffer *buf, size_t n,
		     struct dmabuf_entry **e, char *err, size_t len)
{
	int ret = map_entry(c, buf, e, err, len);

	if (ret < 0) {
		return ret;
	}
	if ((uint64_t)buf->offset[0] + n > (*e)->map_len) {
		return errmsg(err, len, -EINVAL,
			      "framebuffer %u: %zu bytes at offset %u do not fit "
			      "its %zu-byte dmabuf",
			      buf->fb_id, n, buf->offset[0], (*e)->map_len);
	}
	return 0;
}

int dmabuf_access(struct dmabuf_cache *c, const struct capture_buffer *buf, uint8_t *mem, size_t n,
		  bool compare, unsigned phase, unsigned step, char *err, size_t len)
{
	struct dmabuf_entry *e;
	int ret = map_range(c, buf, n, &e, err, len);

	if (ret < 0) {
		return ret;
	}
	const uint8_t *src = e->map + buf->offset[0];
	size_t pitch = buf->pitch[0] ? buf->pitch[0] : n;
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_START);
	if (!compare)
		memcpy(mem, src, n);
	else if (step <= 1)
		ret = memcmp(mem, src, n) != 0;
	else
		for (size_t off = (size_t)phase * pitch; off < n && !ret; off += step * pitch)
			ret = memcmp(mem + off, src + off, n - off < pitch ? n - off : pitch) != 0;
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_END);
	return ret;
}

int dmabuf_begin(struct dmabuf_cache *c, const struct capture_buffer *buf, size_t n,
		 const uint8_t **px, char *err, size_t len)
{
	struct dmabuf_entry *e;
	int ret = map_range(c, buf, n, &e, err, len);

	if (ret < 0)
		return ret;
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_START);
	*px = e->map + buf->offset[0];
	return 0;
}

void dmabuf_end(const struct capture_buffer *buf) { dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_END); }

int dmabuf_blend_cursor(struct dmabuf_cache *c, const struct capture_frame *frame, uint8_t *img,
			uint32_t img_w, uint32_t img_h, char *err, size_t len)
{
	const struct capture_buffer *cur = &frame->cursor;
	const struct format_info *fmt;
	struct dmabuf_entry *e;
	int ret = map_buffer(c, cur, &fmt, &e, err, len);

	if (ret < 0) {
		return ret;
	}
	dmabuf_sync(cur->fd[0], DMA_BUF_SYNC_START);
	format_blend_cursor(img, img_w, img_h, frame->cursor_x, frame->cursor_y,
			    e->map + cur->offset[0],
			    cur->width < frame->cursor_w ? cur->width : frame->cursor_w,
			    cur->height < frame->cursor_h ? cur->height : frame->cursor_h,
			    cur->pitch[0]);
	dmabuf_sync(cur->fd[0], DMA_BUF_SYNC_END);
	return 0;
}

int dmabuf_copy_stable(struct dmabuf_cache *c, const struct capture_buffer *buf, uint8_t *dst,
		       size_t n, bool (*is_current)(void *ctx, uint32_t fb_id), void *ctx,
		       char *err, size_t len)
{
	struct dmabuf_entry *e;
	int ret = map_range(c, buf, n, &e, err, len);

	if (ret < 0) {
		return ret;
	}
	/* In chunks, asking whether the plane still shows the buffer at least
	 * every STABLE_CHECK_NS and at the end: a flip away and back keeps it
	 * off screen for a refresh (4 ms at 240 Hz), longer than the gap
	 * between two questions, so a copy that never saw another fb is whole.
	 * Asking after every chunk cost a helper round trip per 128 KiB. */
	uint64_t asked = mono_ns();
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_START);
	for (size_t off = 0; off < n && ret == 0; off += STABLE_CHUNK) {
		size_t k = n - off < STABLE_CHUNK ? n - off : STABLE_CHUNK;
		memcpy(dst + off, e->map + buf->offset[0] + off, k);
		if (off + k < n && mono_ns() - asked < STABLE_CHECK_NS)
			continue;
		if (!is_current(ctx, buf->fb_id))
			ret = errmsg(err, len, -EAGAIN,
				     "framebuffer %u was flipped away during the copy", buf->fb_id);
		asked = mono_ns();
	}
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_END);
	return ret;
}
