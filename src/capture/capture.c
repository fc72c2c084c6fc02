// SPDX-License-Identifier: MIT
/* The front: the public API (include/kmscast/capture.h) over one
 * implementation chosen at create, the card here (local.c) or the capture
 * helper (remote.c), and the CPU's access to what either grabbed
 * (dmabuf.c). What the CPU can convert is decided here, purely. */
#include "kmscast/capture.h"

#include <drm_fourcc.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "dmabuf.h"
#include "impl.h"
#include "kmscast/errmsg.h"
#include "kmscast/format.h"
#include "local.h"
#include "remote.h"

int capture_create(int card_fd, const struct capture_options *opt, struct capture **out, char *err,
		   size_t err_len)
{
	return capture_local_create(card_fd, opt, out, err, err_len);
}

int capture_create_remote(const struct privsep_peer *peer, struct capture **out, char *err,
			  size_t err_len)
{
	return capture_remote_create(peer, out, err, err_len);
}

void capture_destroy(struct capture *cap)
{
	if (cap) {
		cap->impl->destroy(cap);
	}
}

int capture_grab(struct capture *cap, struct capture_frame *frame, char *err, size_t len)
{
	return cap->impl->grab(cap, frame, err, len);
}

bool capture_is_current(struct capture *cap, uint32_t fb_id)
{
	return cap->impl->is_current(cap, fb_id);
}

int capture_peek(struct capture *cap, struct capture_peek *p) { return cap->impl->peek(cap, p); }

int capture_rescan(struct capture *cap, char *err, size_t len)
{
	return cap->impl->rescan(cap, err, len);
}

int capture_vblank_arm(struct capture *cap) { return cap->impl->vblank_arm(cap); }

int capture_vblank_fd(const struct capture *cap) { return cap->impl->vblank_fd(cap); }

int capture_vblank_read(struct capture *cap, uint64_t *t_us)
{
	return cap->impl->vblank_read(cap, t_us);
}

int capture_watch(struct capture *cap, bool on)
{
	int r = cap->impl->watch ? cap->impl->watch(cap, on) : 0;

	if (!on)
		dmabuf_cache_clear(&cap->cache); /* nobody watches: hold no buffer */
	return r;
}

int capture_console(struct capture *cap, unsigned *vt, char *err, size_t len)
{
	unsigned n = 0;
	int r = cap->impl->console(cap, &n, err, len);
	if (vt)
		*vt = r < 0 ? 0 : n;
	return r;
}

int capture_crtc_index(const struct capture *cap) { return cap->info.crtc_index; }

uint32_t capture_card(const struct capture *cap) { return cap->info.card; }

const char *capture_driver(const struct capture *cap) { return cap->info.driver; }

const char *capture_output_name(const struct capture *cap) { return cap->info.output; }

void capture_mode_size(const struct capture *cap, uint32_t *w, uint32_t *h)
{
	*w = cap->info.mode_w;
	*h = cap->info.mode_h;
}

uint32_t capture_crtc_id(const struct capture *cap) { return cap->info.crtc_id; }

const char *capture_modifier_str(uint64_t modifier, char *buf, size_t len)
{
	if (modifier == DRM_FORMAT_MOD_LINEAR) {
		snprintf(buf, len, "LINEAR");
	} else if (modifier == DRM_FORMAT_MOD_INVALID) {
		snprintf(buf, len, "implicit");
	} else {
		snprintf(buf, len, "0x%016llx", (unsigned long long)modifier);
	}
	return buf;
}

/* Drivers whose buffers without an explicit modifier are linear. */
static bool implicit_linear(const char *driver)
{
	static const char *const linear[] = {"virtio_gpu", "bochs-drm", "vkms", "simpledrm", "qxl",
					     "cirrus",     "vboxvideo", "udl",  NULL};

	for (int i = 0; linear[i]; i++) {
		if (strcmp(driver, linear[i]) == 0) {
			return true;
		}
	}
	return false;
}

int capture_check_cpu_path(const struct capture_buffer *buf, const char *driver, char *err,
			   size_t len)
{
	char cc[5], mod[24];

	if (format_lookup(buf->fourcc) && buf->n_planes == 1 &&
	    (buf->modifier == DRM_FORMAT_MOD_LINEAR ||
	     (buf->modifier == DRM_FORMAT_MOD_INVALID && implicit_linear(driver)))) {
		return 0;
	}
	return errmsg(err, len, -ENOTSUP,
		      "framebuffer %u has format %s with modifier %s on driver %s: no CPU path "
		      "for it (supported: linear XRGB8888, ARGB8888, XBGR8888, ABGR8888, RGB565, "
		      "XRGB2101010)",
		      buf->fb_id, format_fourcc_str(buf->fourcc, cc),
		      capture_modifier_str(buf->modifier, mod, sizeof(mod)), driver);
}

int capture_read_rgb8(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
		      char *err, size_t len)
{
	int ret = capture_check_cpu_path(buf, cap->info.driver, err, len);

	return ret < 0 ? ret : dmabuf_read_rgb8(&cap->cache, buf, dst, err, len);
}

int capture_read_bytes(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
		       size_t n, char *err, size_t len)
{
	return dmabuf_access(&cap->cache, buf, dst, n, false, 0, 1, err, len);
}

int capture_differs(struct capture *cap, const struct capture_buffer *buf, const uint8_t *ref,
		    size_t n, unsigned phase, unsigned step, char *err, size_t len)
{
	return dmabuf_access(&cap->cache, buf, (uint8_t *)ref, n, true, phase, step, err, len);
}

int capture_cpu_begin(struct capture *cap, const struct capture_buffer *buf, const uint8_t **px,
		      char *err, size_t len)
{
	const struct format_info *fmt = format_lookup(buf->fourcc);
	int ret = capture_check_cpu_path(buf, cap->info.driver, err, len);

	if (ret < 0)
		return ret;
	if (buf->pitch[0] < (uint64_t)buf->width * fmt->cpp || !buf->height)
		return errmsg(err, len, -EINVAL, "framebuffer %u: pitch %u is short of its width",
			      buf->fb_id, buf->pitch[0]);
	size_t n = (size_t)buf->pitch[0] * (buf->height - 1) + (size_t)buf->width * fmt->cpp;
	return dmabuf_begin(&cap->cache, buf, n, px, err, len);
}

void capture_cpu_end(struct capture *cap, const struct capture_buffer *buf)
{
	(void)cap;
	dmabuf_end(buf);
}

static bool is_current(void *cap, uint32_t fb_id) { return capture_is_current(cap, fb_id); }

int capture_copy_stable(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
			size_t n, char *err, size_t len)
{
	return dmabuf_copy_stable(&cap->cache, buf, dst, n, is_current, cap, err, len);
}

int capture_blend_cursor(struct capture *cap, const struct capture_frame *frame, uint8_t *img,
			 uint32_t img_w, uint32_t img_h, char *err, size_t len)
{
	const struct capture_buffer *c = &frame->cursor;
	char cc[5];
	int ret;

	if (!frame->has_cursor) {
		return 0;
	}
	if (c->fourcc != DRM_FORMAT_ARGB8888) {
		return errmsg(err, len, -ENOTSUP,
			      "cursor framebuffer %u has format %s, not ARGB8888", c->fb_id,
			      format_fourcc_str(c->fourcc, cc));
	}
	ret = capture_check_cpu_path(c, cap->info.driver, err, len);
	return ret < 0 ? ret : dmabuf_blend_cursor(&cap->cache, frame, img, img_w, img_h, err, len);
}
