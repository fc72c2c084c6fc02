// SPDX-License-Identifier: MIT
/* The local implementation: KMS state read with the card open in this
 * process; see local.h. */
#include "local.h"

#include <drm_fourcc.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "dmabuf.h"
#include "impl.h"
#include "kmscast/errmsg.h"
#include "kmscast/kms.h"

/* Ids of a plane's geometry properties, looked up once: per grab one
 * GetProperties call then reads all four. 0 where the driver lacks them. */
struct plane_props {
	uint32_t crtc_x, crtc_y, crtc_w, crtc_h;
};

struct local {
	struct capture base;  /* info.output, crtc_id, crtc_index, card, driver */
	int fd;               /* -1 when the card is gone */
	char want_output[64]; /* as asked: "" for the first lit output */
	char want_device[64];
	struct capture_options want;
	uint64_t vblank_us;
	struct plane_props plane_props, cursor_props;
	uint32_t plane_id;
	uint32_t cursor_plane_id; /* 0: none, or not asked for */
	uint32_t crtc_active;     /* the CRTC's ACTIVE property; 0: no atomic */
};

static const struct capture_impl local_impl;

static struct local *local_of(struct capture *cap) { return (struct local *)cap; }

static const struct local *local_of_const(const struct capture *cap)
{
	return (const struct local *)cap;
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev &&
	       sa.st_ino == sb.st_ino;
}

/* Whether the CRTC is switched off with its mode kept: DPMS off through
 * the connector's legacy property and atomic ACTIVE=0 both land here,
 * while GetCrtc still reports the mode and the planes their buffers.
 * Legacy-only drivers have no ACTIVE and are never seen blanked. */
static bool crtc_blanked(const struct local *l)
{
	uint64_t active = 1;

	if (!l->crtc_active) {
		return false;
	}
	kms_object_values(l->fd, l->base.info.crtc_id, DRM_MODE_OBJECT_CRTC, &l->crtc_active,
			  &active, 1);
	return active == 0;
}

static void plane_props_find(int fd, uint32_t plane_id, struct plane_props *pp)
{
	drmModeObjectProperties *props =
		drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);

	memset(pp, 0, sizeof(*pp));
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);
		if (!p) {
			continue;
		}
		if (strcmp(p->name, "CRTC_X") == 0) {
			pp->crtc_x = p->prop_id;
		} else if (strcmp(p->name, "CRTC_Y") == 0) {
			pp->crtc_y = p->prop_id;
		} else if (strcmp(p->name, "CRTC_W") == 0) {
			pp->crtc_w = p->prop_id;
		} else if (strcmp(p->name, "CRTC_H") == 0) {
			pp->crtc_h = p->prop_id;
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
}

/* Where a plane sits on its CRTC; w and h keep their defaults (the fb size)
 * where the driver has no atomic properties. */
static void plane_geometry(int fd, uint32_t plane_id, const struct plane_props *pp, int32_t *x,
			   int32_t *y, uint32_t *w, uint32_t *h)
{
	const uint32_t ids[4] = {pp->crtc_x, pp->crtc_y, pp->crtc_w, pp->crtc_h};
	uint64_t v[4] = {0, 0, *w, *h};

	kms_object_values(fd, plane_id, DRM_MODE_OBJECT_PLANE, ids, v, 4);
	*x = (int32_t)v[0];
	*y = (int32_t)v[1];
	*w = (uint32_t)v[2];
	*h = (uint32_t)v[3];
}

/* The connector's CRTC, if it drives one with a mode set. */
static uint32_t active_crtc(int fd, const drmModeConnector *conn)
{
	drmModeEncoder *enc;
	drmModeCrtc *crtc;
	uint32_t id = 0;

	if (!conn->encoder_id || !(enc = drmModeGetEncoder(fd, conn->encoder_id))) {
		return 0;
	}
	crtc = enc->crtc_id ? drmModeGetCrtc(fd, enc->crtc_id) : NULL;
	if (crtc && crtc->mode_valid) {
		id = crtc->crtc_id;
	}
	drmModeFreeCrtc(crtc);
	drmModeFreeEncoder(enc);
	return id;
}

static int find_output(struct local *l, const char *name, char *err, size_t len)
{
	struct capture_info *info = &l->base.info;
	drmModeRes *res = drmModeGetResources(l->fd);

	if (!res) {
		return errmsg(err, len, -ENODEV, "the device is not a KMS card");
	}
	for (int i = 0; i < res->count_connectors && !info->crtc_id; i++) {
		drmModeConnector *conn = drmModeGetConnector(l->fd, res->connectors[i]);
		char cname[64];

		if (!conn) {
			continue;
		}
		kms_connector_name(conn, cname, sizeof(cname));
		if (name ? strcmp(name, cname) == 0 : conn->connection == DRM_MODE_CONNECTED) {
			uint32_t crtc = active_crtc(l->fd, conn);
			if (crtc || name) {
				snprintf(info->output, sizeof(info->output), "%s", cname);
				info->crtc_id = crtc;
				if (!crtc) {
					drmModeFreeConnector(conn);
					drmModeFreeResources(res);
					return errmsg(err, len, -ENOENT,
						      "output %s is not lit (no active CRTC)",
						      cname);
				}
			}
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	if (!info->crtc_id) {
		return name ? errmsg(err, len, -ENOENT, "no output named %s", name)
			    : errmsg(err, len, -ENOENT, "no connected output with an active CRTC");
	}
	return 0;
}

/* The primary plane on the followed CRTC (or checks a given plane), and its
 * cursor plane when asked. */
static int find_planes(struct local *l, const struct capture_options *opt, char *err, size_t len)
{
	drmModeRes *res = drmModeGetResources(l->fd);
	uint32_t primary, cursor;

	kms_find_planes(l->fd, res, l->base.info.crtc_id, true, &primary, &cursor);
	drmModeFreeResources(res);
	if (opt->plane_id) {
		drmModePlane *p = drmModeGetPlane(l->fd, opt->plane_id);
		primary = p ? p->plane_id : 0;
		drmModeFreePlane(p);
	}
	l->plane_id = primary;
	l->cursor_plane_id = opt->cursor ? cursor : 0;
	if (!l->plane_id) {
		return opt->plane_id ? errmsg(err, len, -ENOENT, "no plane %u", opt->plane_id)
				     : errmsg(err, len, -ENOENT,
					      "output %s shows nothing (no primary "
					      "plane is on its CRTC)",
					      l->base.info.output);
	}
	return 0;
}

static int crtc_index_of(int fd, uint32_t crtc_id)
{
	drmModeRes *res = drmModeGetResources(fd);
	int idx = res ? kms_crtc_index(res, crtc_id) : -1;

	drmModeFreeResources(res);
	return idx < 0 ? -1 : idx;
}

/* Universal planes list primary and cursor planes; atomic exposes their
 * CRTC_X/Y. A driver without atomic still works, cursor at 0,0. */
static void set_caps(int fd)
{
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
}

static void card_setup(struct local *l)
{
	drmVersion *ver;

	set_caps(l->fd);
	/* The first to open a card is its DRM master; a daemon that only
	 * reads must leave that to the compositor (or kmscast-paint). */
	if (l->want.follow_cards && drmIsMaster(l->fd)) {
		drmDropMaster(l->fd);
	}
	ver = drmGetVersion(l->fd);
	snprintf(l->base.info.driver, sizeof(l->base.info.driver), "%s",
		 ver && ver->name ? ver->name : "unknown");
	drmFreeVersion(ver);
}

/* What a grab needs to know of the planes found. */
static void planes_setup(struct local *l)
{
	plane_props_find(l->fd, l->plane_id, &l->plane_props);
	if (l->cursor_plane_id) {
		plane_props_find(l->fd, l->cursor_plane_id, &l->cursor_props);
	}
	l->base.info.crtc_index = crtc_index_of(l->fd, l->base.info.crtc_id);
	int active = l->base.info.crtc_id ? kms_prop_id(l->fd, l->base.info.crtc_id,
							DRM_MODE_OBJECT_CRTC, "ACTIVE")
					  : -ENOENT;
	l->crtc_active = active > 0 ? (uint32_t)active : 0;
	/* The size without reading a buffer: an unwatched host announces it. */
	drmModeCrtc *crtc = drmModeGetCrtc(l->fd, l->base.info.crtc_id);
	l->base.info.mode_w = crtc && crtc->mode_valid ? crtc->mode.hdisplay : 0;
	l->base.info.mode_h = crtc && crtc->mode_valid ? crtc->mode.vdisplay : 0;
	drmModeFreeCrtc(crtc);
}

/* The followed output and its planes on the capture's card. */
static int locate(struct local *l, char *err, size_t len)
{
	int ret;

	l->base.info.crtc_id = l->plane_id = l->cursor_plane_id = 0;
	ret = find_output(l, l->want.output, err, len);
	if (ret == 0) {
		ret = find_planes(l, &l->want, err, len);
	}
	if (ret == 0) {
		planes_setup(l);
	}
	return ret;
}

int capture_local_create(int card_fd, const struct capture_options *opt, struct capture **out,
			 char *err, size_t len)
{
	struct local *l = calloc(1, sizeof(*l));
	int ret;

	if (!l) {
		return errmsg(err, len, -ENOMEM, "out of memory");
	}
	l->base.impl = &local_impl;
	l->fd = card_fd;
	l->want = *opt;
	snprintf(l->want_output, sizeof(l->want_output), "%s", opt->output ? opt->output : "");
	l->want.output = opt->output ? l->want_output : NULL;
	snprintf(l->want_device, sizeof(l->want_device), "%s", opt->device ? opt->device : "");
	l->want.device = opt->device ? l->want_device : NULL;
	card_setup(l);

	if (opt->plane_id && !opt->output) {
		/* Any plane, whichever CRTC it is on. */
		drmModePlane *p = drmModeGetPlane(card_fd, opt->plane_id);
		if (!p) {
			free(l);
			return errmsg(err, len, -ENOENT, "no plane %u", opt->plane_id);
		}
		l->base.info.crtc_id = p->crtc_id;
		snprintf(l->base.info.output, sizeof(l->base.info.output), "plane-%u",
			 opt->plane_id);
		drmModeFreePlane(p);
		ret = find_planes(l, opt, err, len);
		if (ret == 0) {
			planes_setup(l);
		}
	} else {
		ret = locate(l, err, len);
	}
	if (ret < 0) {
		free(l);
		return ret;
	}
	*out = &l->base;
	return 0;
}

static bool card_alive(int fd)
{
	drmModeRes *res = drmModeGetResources(fd);

	if (res) {
		drmModeFreeResources(res);
		return true;
	}
	return errno != ENODEV; /* an unplugged card answers every ioctl so */
}

/* Whether the followed output is lit on this card (kms_open_card_where). */
static bool card_has_output(int fd, void *data)
{
	const struct local *l = data;
	struct local *probe = calloc(1, sizeof(*probe));
	char err[256];
	bool found;

	if (!probe) {
		return false;
	}
	probe->fd = fd;
	probe->want = l->want;
	set_caps(fd);
	found = locate(probe, err, sizeof(err)) == 0;
	free(probe);
	return found;
}

/* The output is not on the capture's card: the card may have died
 * (unplugged, driver unbound) or the output be on another. A dead card is
 * closed at once, so that the kernel can free it. ret and err say why the
 * card at hand did not do. */
static int follow_card(struct local *l, int ret, char *err, size_t len)
{
	int fd;

	if (l->fd >= 0 && !card_alive(l->fd)) {
		dmabuf_cache_clear(&l->base.cache);
		close(l->fd);
		l->fd = -1;
	}
	if (l->want.device) {
		fd = open(l->want.device, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && !card_has_output(fd, l)) {
			close(fd);
			fd = -ENODEV;
		}
	} else {
		fd = kms_open_card_where(card_has_output, l, NULL, 0);
	}
	if (fd >= 0 && l->fd >= 0 && same_file(fd, l->fd)) {
		close(fd); /* this card, where locate just failed: a race */
		fd = -ENOENT;
	}
	if (fd < 0) {
		if (l->fd < 0) {
			return errmsg(err, len, -ENODEV,
				      "output %s is gone: its card went away "
				      "(unplugged, or its driver unbound)",
				      l->base.info.output);
		}
		return ret;
	}
	dmabuf_cache_clear(&l->base.cache);
	if (l->fd >= 0) {
		close(l->fd);
	}
	l->fd = fd;
	l->base.info.card++;
	card_setup(l);
	return locate(l, err, len);
}

int capture_local_rescan(struct capture *cap, char *err, size_t len)
{
	struct local *l = local_of(cap);
	struct capture_info old = cap->info;
	uint32_t old_plane = l->plane_id;
	int ret;

	if (l->want.plane_id && !l->want.output) {
		return 0; /* a plane by id is followed wherever it goes */
	}
	ret = l->fd >= 0 ? locate(l, err, len) : -ENODEV;
	if (ret < 0 && l->want.follow_cards) {
		ret = follow_card(l, ret, err, len);
	}
	return capture_rescanned(cap, &old, ret, old_plane != l->plane_id);
}

int capture_local_vblank_arm(struct capture *cap)
{
	struct local *l = local_of(cap);

	if (cap->info.crtc_index < 0 || cap->gone) {
		return -ENOENT;
	}
	drmVBlank vbl = {0};
	vbl.request.type = DRM_VBLANK_RELATIVE | DRM_VBLANK_EVENT |
			   (((unsigned)cap->info.crtc_index << DRM_VBLANK_HIGH_CRTC_SHIFT) &
			    DRM_VBLANK_HIGH_CRTC_MASK);
	vbl.request.sequence = 1;
	vbl.request.signal = (unsigned long)l;
	return drmWaitVBlank(l->fd, &vbl) == 0 ? 0 : -errno;
}

int capture_local_vblank_fd(const struct capture *cap) { return local_of_const(cap)->fd; }

static void on_vblank_event(int fd, unsigned seq, unsigned sec, unsigned usec, void *data)
{
	struct local *l = data;
	(void)fd;
	(void)seq;
	l->vblank_us = (uint64_t)sec * 1000000u + usec;
	if (!l->vblank_us) {
		l->vblank_us = 1; /* "an event came" even from a clock at 0 */
	}
}

int capture_local_vblank_read(struct capture *cap, uint64_t *t_us)
{
	struct local *l = local_of(cap);
	drmEventContext ev = {.version = 2, .vblank_handler = on_vblank_event};

	l->vblank_us = 0;
	if (drmHandleEvent(l->fd, &ev) != 0) {
		return -EIO;
	}
	if (!l->vblank_us) {
		return 0; /* another kind of event */
	}
	*t_us = l->vblank_us;
	return 1;
}

void capture_local_destroy(struct capture *cap)
{
	struct local *l = local_of(cap);

	if (!cap) {
		return;
	}
	dmabuf_cache_clear(&cap->cache);
	if (l->want.follow_cards && l->fd >= 0) {
		close(l->fd);
	}
	free(l);
}

void capture_local_drop_buffers(struct capture *cap) { dmabuf_cache_clear(&cap->cache); }

const struct capture_info *capture_local_info(const struct capture *cap) { return &cap->info; }

/* Legacy GetFB knows only depth and bpp. */
static uint32_t fourcc_from_depth(uint32_t depth, uint32_t bpp)
{
	if (bpp == 32 && depth == 24) {
		return DRM_FORMAT_XRGB8888;
	}
	if (bpp == 32 && depth == 32) {
		return DRM_FORMAT_ARGB8888;
	}
	if (bpp == 32 && depth == 30) {
		return DRM_FORMAT_XRGB2101010;
	}
	if (bpp == 16 && depth == 16) {
		return DRM_FORMAT_RGB565;
	}
	return 0;
}

/* GetFB2 (GetFB where the kernel lacks it) into b with GEM handles. */
static int get_fb(struct local *l, uint32_t fb_id, struct capture_buffer *b,
		  uint32_t handles[CAPTURE_MAX_PLANES])
{
	drmModeFB2 *fb2 = drmModeGetFB2(l->fd, fb_id);

	memset(b, 0, sizeof(*b));
	b->fb_id = fb_id;
	if (fb2) {
		b->width = fb2->width;
		b->height = fb2->height;
		b->fourcc = fb2->pixel_format;
		b->modifier = (fb2->flags & DRM_MODE_FB_MODIFIERS) ? fb2->modifier
								   : DRM_FORMAT_MOD_INVALID;
		for (int i = 0; i < CAPTURE_MAX_PLANES; i++) {
			handles[i] = fb2->handles[i];
			b->offset[i] = fb2->offsets[i];
			b->pitch[i] = fb2->pitches[i];
			if (fb2->handles[i] || fb2->pitches[i]) {
				b->n_planes = (uint32_t)i + 1;
			}
		}
		drmModeFreeFB2(fb2);
		return 0;
	}
	if (errno != ENOSYS && errno != EINVAL && errno != ENOTTY) {
		return -errno;
	}
	{
		drmModeFB *fb = drmModeGetFB(l->fd, fb_id);
		if (!fb) {
			return -errno;
		}
		b->width = fb->width;
		b->height = fb->height;
		b->fourcc = fourcc_from_depth(fb->depth, fb->bpp);
		b->modifier = DRM_FORMAT_MOD_INVALID;
		b->n_planes = 1;
		b->pitch[0] = fb->pitch;
		handles[0] = fb->handle;
		drmModeFreeFB(fb);
	}
	return 0;
}

/* The buffer behind fb_id, exported as dmabufs and kept in the cache
 * (which knows it again when it is the same memory). */
static int lookup_buffer(struct local *l, uint32_t fb_id, struct capture_buffer *out, char *err,
			 size_t len)
{
	uint32_t handles[CAPTURE_MAX_PLANES] = {0};
	struct capture_buffer b;
	int ret = get_fb(l, fb_id, &b, handles);

	if (ret < 0) {
		return errmsg(err, len, ret, "cannot read framebuffer %u: %s", fb_id,
			      strerror(-ret));
	}
	for (int i = 0; i < CAPTURE_MAX_PLANES; i++) {
		b.fd[i] = -1;
	}
	if (!handles[0]) {
		kms_close_gem_handles(l->fd, handles);
		return errmsg(
			err, len, -EACCES,
			"reading framebuffer %u needs CAP_SYS_ADMIN or DRM master (the kernel "
			"returned no buffer handles): run as root, grant it with `setcap "
			"cap_sys_admin+ep` on the binary, or run kmscastd from its systemd unit",
			fb_id);
	}
	for (uint32_t i = 0; i < b.n_planes && ret == 0; i++) {
		uint32_t h = handles[i] ? handles[i] : handles[0];
		/* Read-only: the fd goes to the streamer, which must not be able
		 * to draw on the screen (a fake lock screen). CPU reads map it
		 * PROT_READ; VA-API's import takes any dmabuf fd. */
		if (drmPrimeHandleToFD(l->fd, h, DRM_CLOEXEC, &b.fd[i]) < 0) {
			ret = errmsg(err, len, -errno, "cannot export framebuffer %u as dmabuf: %s",
				     fb_id, strerror(errno));
		}
	}
	/* The fds hold the memory now; the handles would leak one per call. */
	kms_close_gem_handles(l->fd, handles);
	if (ret < 0) {
		dmabuf_buffer_close(&b);
		return ret;
	}
	dmabuf_cache_keep(&l->base.cache, &b);
	*out = b;
	return 0;
}

static int grab_once(struct local *l, struct capture_frame *frame, char *err, size_t len)
{
	const char *output = l->base.info.output;
	drmModePlane *p = drmModeGetPlane(l->fd, l->plane_id);
	uint32_t fb_id;
	int ret;

	memset(frame, 0, sizeof(*frame));
	if (!p && errno == ENODEV) {
		return errmsg(err, len, -ENODEV, "the card of %s went away", output);
	}
	if (!p) {
		return errmsg(err, len, -ENOENT, "plane %u is gone", l->plane_id);
	}
	fb_id = p->fb_id;
	drmModeFreePlane(p);
	if (!fb_id) {
		return errmsg(err, len, -ENODATA, "%s shows no framebuffer", output);
	}
	ret = lookup_buffer(l, fb_id, &frame->fb, err, len);
	if (ret < 0) {
		return ret;
	}
	frame->crtc_w = frame->fb.width;
	frame->crtc_h = frame->fb.height;
	plane_geometry(l->fd, l->plane_id, &l->plane_props, &frame->crtc_x, &frame->crtc_y,
		       &frame->crtc_w, &frame->crtc_h);
	frame->blanked = crtc_blanked(l);
	if (l->cursor_plane_id && !frame->blanked) {
		drmModePlane *c = drmModeGetPlane(l->fd, l->cursor_plane_id);
		uint32_t cfb = c && c->crtc_id == l->base.info.crtc_id ? c->fb_id : 0;
		drmModeFreePlane(c);
		if (cfb) {
			ret = lookup_buffer(l, cfb, &frame->cursor, err, len);
			if (ret < 0) {
				return ret;
			}
			frame->has_cursor = true;
			frame->cursor_w = frame->cursor.width;
			frame->cursor_h = frame->cursor.height;
			plane_geometry(l->fd, l->cursor_plane_id, &l->cursor_props,
				       &frame->cursor_x, &frame->cursor_y, &frame->cursor_w,
				       &frame->cursor_h);
		}
		/* The planes are read one at a time: a flip in between pairs one
		 * frame with another's cursor, so such a read is retried. */
		p = drmModeGetPlane(l->fd, l->plane_id);
		bool moved = !p || p->fb_id != fb_id;
		drmModeFreePlane(p);
		if (moved) {
			return errmsg(err, len, -EAGAIN, "%s flipped during the read", output);
		}
	}
	return 0;
}

int capture_local_grab(struct capture *cap, struct capture_frame *frame, char *err, size_t len)
{
	int ret = -EAGAIN;

	if (cap->gone) {
		memset(frame, 0, sizeof(*frame));
		return errmsg(err, len, -ENODEV,
			      "output %s is gone (unplugged, or its CRTC is off): "
			      "waiting for it to come back",
			      cap->info.output);
	}
	/* Flips come at most once a refresh: a few tries always find a gap. */
	for (int attempt = 0; attempt < 4 && ret == -EAGAIN; attempt++) {
		ret = grab_once(local_of(cap), frame, err, len);
	}
	return ret;
}

bool capture_local_is_current(struct capture *cap, uint32_t fb_id)
{
	struct local *l = local_of(cap);
	drmModePlane *p = drmModeGetPlane(l->fd, l->plane_id);
	bool same = p && p->fb_id == fb_id;

	drmModeFreePlane(p);
	return same;
}

int capture_local_peek(struct capture *cap, struct capture_peek *p)
{
	struct local *l = local_of(cap);
	drmModePlane *pl;
	uint32_t w = 0, h = 0;

	memset(p, 0, sizeof(*p));
	pl = drmModeGetPlane(l->fd, l->plane_id);
	if (!pl)
		return -errno;
	p->fb_id = pl->fb_id;
	drmModeFreePlane(pl);
	if (l->cursor_plane_id) {
		drmModePlane *c = drmModeGetPlane(l->fd, l->cursor_plane_id);
		p->cursor_fb_id = c && c->crtc_id == cap->info.crtc_id ? c->fb_id : 0;
		drmModeFreePlane(c);
		if (p->cursor_fb_id)
			plane_geometry(l->fd, l->cursor_plane_id, &l->cursor_props, &p->cursor_x,
				       &p->cursor_y, &w, &h);
	}
	return 0;
}

int capture_local_console(unsigned *vt, char *err, size_t len)
{
	/* /dev/tty0 is whichever console is in front when it is opened: so
	 * opened for each question, never kept. */
	int fd = open("/dev/tty0", O_WRONLY | O_NOCTTY | O_CLOEXEC | O_NONBLOCK);
	int mode = KD_TEXT, kb = K_UNICODE, r = 0;
	struct vt_stat vs = {0};

	*vt = 0;
	if (fd < 0) {
		r = -errno;
		if (r == -ENOENT || r == -ENXIO || r == -ENODEV)
			return CAPTURE_CONSOLE_NONE;
		return errmsg(err, len, r, "cannot open /dev/tty0 as uid %u: %s%s",
			      (unsigned)getuid(), strerror(-r),
			      r == -EACCES ? " (that user needs the group tty)" : "");
	}
	if (ioctl(fd, KDGETMODE, &mode) < 0 || ioctl(fd, KDGKBMODE, &kb) < 0)
		r = errmsg(err, len, -errno, "cannot ask /dev/tty0 its mode: %s", strerror(errno));
	else if (ioctl(fd, VT_GETSTATE, &vs) == 0 && vs.v_active <= CAPTURE_VT_MAX)
		*vt = vs.v_active;
	close(fd);
	if (r < 0)
		return r;
	/* The keymap acts in the translating modes alone, whatever draws. */
	return mode == KD_GRAPHICS && kb != K_XLATE && kb != K_UNICODE ? CAPTURE_CONSOLE_GRAPHICS
								       : CAPTURE_CONSOLE_TEXT;
}

static int local_console(struct capture *cap, unsigned *vt, char *err, size_t len)
{
	(void)cap;
	return capture_local_console(vt, err, len);
}

static const struct capture_impl local_impl = {
	.grab = capture_local_grab,
	.peek = capture_local_peek,
	.is_current = capture_local_is_current,
	.rescan = capture_local_rescan,
	.vblank_arm = capture_local_vblank_arm,
	.vblank_fd = capture_local_vblank_fd,
	.vblank_read = capture_local_vblank_read,
	.console = local_console,
	.destroy = capture_local_destroy,
};
