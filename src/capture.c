// SPDX-License-Identifier: MIT
#include "kmscast/capture.h"

#include <drm_fourcc.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/dma-buf.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kmscast/clock.h"
#include "kmscast/errmsg.h"
#include "kmscast/format.h"
#include "kmscast/kms.h"
#include "kmscast/privsep.h"

/* A compositor flips among 2-3 buffers; a few more covers cursor and churn. */
#define CACHE_SIZE 8

struct cache_entry {
	struct capture_buffer buf; /* fb_id 0: empty slot */
	uint8_t *map;
	size_t map_len;
	uint64_t last_used;
};

/* Ids of a plane's geometry properties, looked up once: per grab one
 * GetProperties call then reads all four. 0 where the driver lacks them. */
struct plane_props {
	uint32_t crtc_x, crtc_y, crtc_w, crtc_h;
};

#define STABLE_CHUNK (128u * 1024)
#define STABLE_CHECK_NS 2000000u

struct capture {
	int fd;                 /* -1 when remote, or the card is gone */
	struct privsep_peer remote; /* the capture helper, when remote.fd >= 0 */
	bool gone;              /* the output went away; rescan finds it again */
	int crtc_index;
	uint32_t card;          /* counts moves to another card */
	char want_output[64];   /* as asked: "" for the first lit output */
	char want_device[64];
	struct capture_options want;
	uint64_t vblank_us;
	struct plane_props plane_props, cursor_props;
	char driver[32];
	char output[64];
	uint32_t crtc_id;
	uint32_t plane_id;
	uint32_t cursor_plane_id; /* 0: none, or not asked for */
	uint64_t tick;
	struct cache_entry cache[CACHE_SIZE];
};

static void buffer_close(struct capture_buffer *b)
{
	for (uint32_t i = 0; i < b->n_planes; i++) {
		if (b->fd[i] >= 0) {
			close(b->fd[i]);
		}
	}
	memset(b, 0, sizeof(*b));
}

static void entry_clear(struct cache_entry *e)
{
	if (e->map) {
		munmap(e->map, e->map_len);
	}
	buffer_close(&e->buf);
	memset(e, 0, sizeof(*e));
}

static void cache_clear(struct capture *cap)
{
	for (int i = 0; i < CACHE_SIZE; i++) {
		entry_clear(&cap->cache[i]);
	}
}

static bool same_file(int a, int b)
{
	struct stat sa, sb;

	return fstat(a, &sa) == 0 && fstat(b, &sb) == 0 && sa.st_rdev == sb.st_rdev &&
	       sa.st_ino == sb.st_ino;
}

static bool is_remote(const struct capture *cap)
{
	return cap->remote.fd >= 0;
}

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
static void plane_geometry(int fd, uint32_t plane_id, const struct plane_props *pp,
			   int32_t *x, int32_t *y, uint32_t *w, uint32_t *h)
{
	drmModeObjectProperties *props =
		drmModeObjectGetProperties(fd, plane_id, DRM_MODE_OBJECT_PLANE);

	*x = *y = 0;
	for (uint32_t i = 0; props && i < props->count_props; i++) {
		uint32_t id = props->props[i];
		uint64_t v = props->prop_values[i];
		if (!id) {
			continue;
		}
		if (id == pp->crtc_x) {
			*x = (int32_t)v;
		} else if (id == pp->crtc_y) {
			*y = (int32_t)v;
		} else if (id == pp->crtc_w) {
			*w = (uint32_t)v;
		} else if (id == pp->crtc_h) {
			*h = (uint32_t)v;
		}
	}
	drmModeFreeObjectProperties(props);
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

static int find_output(struct capture *cap, const char *name, char *err, size_t len)
{
	drmModeRes *res = drmModeGetResources(cap->fd);

	if (!res) {
		return errmsg(err, len, -ENODEV, "the device is not a KMS card");
	}
	for (int i = 0; i < res->count_connectors && !cap->crtc_id; i++) {
		drmModeConnector *conn = drmModeGetConnector(cap->fd, res->connectors[i]);
		char cname[64];

		if (!conn) {
			continue;
		}
		kms_connector_name(conn, cname, sizeof(cname));
		if (name ? strcmp(name, cname) == 0 : conn->connection == DRM_MODE_CONNECTED) {
			uint32_t crtc = active_crtc(cap->fd, conn);
			if (crtc || name) {
				snprintf(cap->output, sizeof(cap->output), "%s", cname);
				cap->crtc_id = crtc;
				if (!crtc) {
					drmModeFreeConnector(conn);
					drmModeFreeResources(res);
					return errmsg(err, len, -ENOENT, "output %s is not lit (no active CRTC)",
						    cname);
				}
			}
		}
		drmModeFreeConnector(conn);
	}
	drmModeFreeResources(res);
	if (!cap->crtc_id) {
		return name ? errmsg(err, len, -ENOENT, "no output named %s", name)
			    : errmsg(err, len, -ENOENT, "no connected output with an active CRTC");
	}
	return 0;
}

/* The primary plane on the followed CRTC (or checks a given plane), and its
 * cursor plane when asked. */
static int find_planes(struct capture *cap, const struct capture_options *opt, char *err,
		       size_t len)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(cap->fd);
	drmModeRes *res = drmModeGetResources(cap->fd);
	int idx = res ? kms_crtc_index(res, cap->crtc_id) : -1;

	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		drmModePlane *p = drmModeGetPlane(cap->fd, pr->planes[i]);
		int type = kms_plane_type(cap->fd, pr->planes[i]);

		if (!p) {
			continue;
		}
		if (opt->plane_id ? p->plane_id == opt->plane_id
				  : (type == DRM_PLANE_TYPE_PRIMARY && p->crtc_id == cap->crtc_id)) {
			cap->plane_id = p->plane_id;
		}
		if (opt->cursor && type == DRM_PLANE_TYPE_CURSOR && idx >= 0 &&
		    (p->possible_crtcs & (1u << idx))) {
			cap->cursor_plane_id = p->plane_id;
		}
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
	drmModeFreeResources(res);
	if (!cap->plane_id) {
		return opt->plane_id ? errmsg(err, len, -ENOENT, "no plane %u", opt->plane_id)
				     : errmsg(err, len, -ENOENT, "output %s shows nothing (no primary "
					    "plane is on its CRTC)", cap->output);
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

static void card_setup(struct capture *cap)
{
	drmVersion *ver;

	set_caps(cap->fd);
	/* The first to open a card is its DRM master; a daemon that only
	 * reads must leave that to the compositor (or kmscast-paint). */
	if (cap->want.follow_cards && drmIsMaster(cap->fd)) {
		drmDropMaster(cap->fd);
	}
	ver = drmGetVersion(cap->fd);
	snprintf(cap->driver, sizeof(cap->driver), "%s", ver && ver->name ? ver->name : "unknown");
	drmFreeVersion(ver);
}

/* What a grab needs to know of the planes found. */
static void planes_setup(struct capture *cap)
{
	plane_props_find(cap->fd, cap->plane_id, &cap->plane_props);
	if (cap->cursor_plane_id) {
		plane_props_find(cap->fd, cap->cursor_plane_id, &cap->cursor_props);
	}
	cap->crtc_index = crtc_index_of(cap->fd, cap->crtc_id);
}

/* The followed output and its planes on the capture's card. */
static int locate(struct capture *cap, char *err, size_t len)
{
	int ret;

	cap->crtc_id = cap->plane_id = cap->cursor_plane_id = 0;
	ret = find_output(cap, cap->want.output, err, len);
	if (ret == 0) {
		ret = find_planes(cap, &cap->want, err, len);
	}
	if (ret == 0) {
		planes_setup(cap);
	}
	return ret;
}

int capture_create(int card_fd, const struct capture_options *opt, struct capture **out,
		   char *err, size_t err_len)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	int ret;

	if (!cap) {
		return errmsg(err, err_len, -ENOMEM, "out of memory");
	}
	cap->fd = card_fd;
	cap->remote.fd = cap->remote.ev_fd = -1;
	cap->want = *opt;
	snprintf(cap->want_output, sizeof(cap->want_output), "%s", opt->output ? opt->output : "");
	cap->want.output = opt->output ? cap->want_output : NULL;
	snprintf(cap->want_device, sizeof(cap->want_device), "%s", opt->device ? opt->device : "");
	cap->want.device = opt->device ? cap->want_device : NULL;
	card_setup(cap);

	if (opt->plane_id && !opt->output) {
		/* Any plane, whichever CRTC it is on. */
		drmModePlane *p = drmModeGetPlane(card_fd, opt->plane_id);
		if (!p) {
			free(cap);
			return errmsg(err, err_len, -ENOENT, "no plane %u", opt->plane_id);
		}
		cap->crtc_id = p->crtc_id;
		snprintf(cap->output, sizeof(cap->output), "plane-%u", opt->plane_id);
		drmModeFreePlane(p);
		ret = find_planes(cap, opt, err, err_len);
		if (ret == 0) {
			planes_setup(cap);
		}
	} else {
		ret = locate(cap, err, err_len);
	}
	if (ret < 0) {
		free(cap);
		return ret;
	}
	*out = cap;
	return 0;
}

static void take_info(struct capture *cap, const struct privsep_info *info)
{
	snprintf(cap->driver, sizeof(cap->driver), "%s", info->driver);
	snprintf(cap->output, sizeof(cap->output), "%s", info->output);
	cap->crtc_id = info->crtc_id;
	cap->crtc_index = info->crtc_index;
	cap->card = info->card;
}

/* The helper's own failure: its -errno, and its message in err. */
static int resp_error(const struct privsep_resp *resp, char *err, size_t len)
{
	snprintf(err, len, "%s", resp->err[0] ? resp->err : strerror(-resp->result));
	return resp->result;
}

/* One request to the helper whose answer carries no fds. */
static int remote_call(struct capture *cap, uint16_t op, uint32_t arg, struct privsep_resp *resp,
		       char *err, size_t len)
{
	int fds[PRIVSEP_MAX_FDS];
	unsigned n = 0;
	int ret = privsep_call(&cap->remote, op, arg, resp, fds, &n, err, len);

	if (ret == 0 && resp->result < 0) {
		ret = resp_error(resp, err, len);
	}
	return ret;
}

int capture_create_remote(const struct privsep_peer *peer, struct capture **out, char *err,
			  size_t err_len)
{
	struct capture *cap = calloc(1, sizeof(*cap));
	struct privsep_resp resp;
	int ret;

	if (!cap) {
		return errmsg(err, err_len, -ENOMEM, "out of memory");
	}
	cap->fd = -1;
	cap->remote = *peer;
	ret = remote_call(cap, PRIVSEP_INFO, 0, &resp, err, err_len);
	if (ret < 0) {
		free(cap); /* the peer's sockets stay the caller's */
		return ret;
	}
	take_info(cap, &resp.u.info);
	*out = cap;
	return 0;
}

uint32_t capture_card(const struct capture *cap)
{
	return cap->card;
}

int capture_crtc_index(const struct capture *cap)
{
	return cap->crtc_index;
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
	const struct capture *cap = data;
	struct capture *probe = calloc(1, sizeof(*probe));
	char err[256];
	bool found;

	if (!probe) {
		return false;
	}
	probe->fd = fd;
	probe->want = cap->want;
	set_caps(fd);
	found = locate(probe, err, sizeof(err)) == 0;
	free(probe);
	return found;
}

/* The output is not on the capture's card: the card may have died
 * (unplugged, driver unbound) or the output be on another. A dead card is
 * closed at once, so that the kernel can free it. ret and err say why the
 * card at hand did not do. */
static int follow_card(struct capture *cap, int ret, char *err, size_t len)
{
	int fd;

	if (cap->fd >= 0 && !card_alive(cap->fd)) {
		cache_clear(cap);
		close(cap->fd);
		cap->fd = -1;
	}
	if (cap->want.device) {
		fd = open(cap->want.device, O_RDWR | O_CLOEXEC);
		if (fd >= 0 && !card_has_output(fd, cap)) {
			close(fd);
			fd = -ENODEV;
		}
	} else {
		fd = kms_open_card_where(card_has_output, cap, NULL, 0);
	}
	if (fd >= 0 && cap->fd >= 0 && same_file(fd, cap->fd)) {
		close(fd); /* this card, where locate just failed: a race */
		fd = -ENOENT;
	}
	if (fd < 0) {
		if (cap->fd < 0) {
			return errmsg(err, len, -ENODEV, "output %s is gone: its card went away "
				    "(unplugged, or its driver unbound)", cap->output);
		}
		return ret;
	}
	cache_clear(cap);
	if (cap->fd >= 0) {
		close(cap->fd);
	}
	cap->fd = fd;
	cap->card++;
	card_setup(cap);
	return locate(cap, err, len);
}

int capture_rescan(struct capture *cap, char *err, size_t len)
{
	char old_output[64];
	uint32_t old_crtc = cap->crtc_id, old_plane = cap->plane_id, old_card = cap->card;
	int ret;

	snprintf(old_output, sizeof(old_output), "%s", cap->output);
	if (is_remote(cap)) {
		struct privsep_resp resp;
		ret = remote_call(cap, PRIVSEP_RESCAN, 0, &resp, err, len);
		if (ret == -EPIPE || ret == -ETIMEDOUT || ret == -EPROTO || ret == -EPERM) {
			return ret;
		}
		cap->gone = ret < 0;
		if (ret == 0) {
			take_info(cap, &resp.u.info);
		}
	} else {
		if (cap->want.plane_id && !cap->want.output) {
			return 0; /* a plane by id is followed wherever it goes */
		}
		ret = cap->fd >= 0 ? locate(cap, err, len) : -ENODEV;
		if (ret < 0 && cap->want.follow_cards) {
			ret = follow_card(cap, ret, err, len);
		}
		cap->gone = ret < 0;
	}
	if (cap->gone || old_card != cap->card) {
		/* Buffers of a card that went away keep it alive in the kernel. */
		cache_clear(cap);
	}
	if (ret < 0) {
		return ret;
	}
	return strcmp(old_output, cap->output) || old_crtc != cap->crtc_id ||
	       old_card != cap->card || (!is_remote(cap) && old_plane != cap->plane_id);
}

int capture_vblank_arm(struct capture *cap)
{
	if (is_remote(cap)) {
		struct privsep_resp resp;
		char err[256];
		return remote_call(cap, PRIVSEP_VBLANK_ARM, 0, &resp, err, sizeof(err));
	}
	if (cap->crtc_index < 0 || cap->gone) {
		return -ENOENT;
	}
	drmVBlank vbl = {0};
	vbl.request.type = DRM_VBLANK_RELATIVE | DRM_VBLANK_EVENT |
			   (((unsigned)cap->crtc_index << DRM_VBLANK_HIGH_CRTC_SHIFT) &
			    DRM_VBLANK_HIGH_CRTC_MASK);
	vbl.request.sequence = 1;
	vbl.request.signal = (unsigned long)cap;
	return drmWaitVBlank(cap->fd, &vbl) == 0 ? 0 : -errno;
}

int capture_vblank_fd(const struct capture *cap)
{
	return is_remote(cap) ? cap->remote.ev_fd : cap->fd;
}

static void on_vblank_event(int fd, unsigned seq, unsigned sec, unsigned usec, void *data)
{
	struct capture *cap = data;
	(void)fd;
	(void)seq;
	cap->vblank_us = (uint64_t)sec * 1000000u + usec;
	if (!cap->vblank_us) {
		cap->vblank_us = 1; /* "an event came" even from a clock at 0 */
	}
}

int capture_vblank_read(struct capture *cap, uint64_t *t_us)
{
	if (is_remote(cap)) {
		int ret = privsep_read_vblank(&cap->remote, t_us);
		return ret == -EAGAIN ? 0 : ret == 0 ? 1 : ret;
	}
	drmEventContext ev = {.version = 2, .vblank_handler = on_vblank_event};
	cap->vblank_us = 0;
	if (drmHandleEvent(cap->fd, &ev) != 0) {
		return -EIO;
	}
	if (!cap->vblank_us) {
		return 0; /* another kind of event */
	}
	*t_us = cap->vblank_us;
	return 1;
}

void capture_destroy(struct capture *cap)
{
	if (!cap) {
		return;
	}
	cache_clear(cap);
	if (is_remote(cap)) {
		privsep_peer_close(&cap->remote);
	} else if (cap->want.follow_cards && cap->fd >= 0) {
		close(cap->fd);
	}
	free(cap);
}

const char *capture_output_name(const struct capture *cap)
{
	return cap->output;
}

uint32_t capture_crtc_id(const struct capture *cap)
{
	return cap->crtc_id;
}

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
static int get_fb(struct capture *cap, uint32_t fb_id, struct capture_buffer *b,
		  uint32_t handles[CAPTURE_MAX_PLANES])
{
	drmModeFB2 *fb2 = drmModeGetFB2(cap->fd, fb_id);

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
		drmModeFB *fb = drmModeGetFB(cap->fd, fb_id);
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

/* Takes b (and its fds) into the cache; b becomes the cached buffer: the
 * one already there when it is the same memory, b's own fds then closed. */
static void cache_keep(struct capture *cap, struct capture_buffer *b)
{
	struct cache_entry *slot = NULL;

	/* A dmabuf is known by its inode, whichever process exported it. */
	for (uint32_t i = 0; i < CAPTURE_MAX_PLANES; i++) {
		struct stat st;
		b->dev_ino[i] = i < b->n_planes && fstat(b->fd[i], &st) == 0 ? (uint64_t)st.st_ino : 0;
	}
	cap->tick++;
	for (int i = 0; i < CACHE_SIZE; i++) {
		struct cache_entry *e = &cap->cache[i];
		if (e->buf.fb_id && same_buffer(&e->buf, b)) {
			buffer_close(b);
			e->last_used = cap->tick;
			*b = e->buf;
			return;
		}
		if (e->buf.fb_id == b->fb_id) {
			entry_clear(e); /* same id, other memory: a reused fb id */
		}
	}
	for (int i = 0; i < CACHE_SIZE; i++) {
		struct cache_entry *e = &cap->cache[i];
		if (!slot || !e->buf.fb_id || (slot->buf.fb_id && e->last_used < slot->last_used)) {
			slot = e;
		}
	}
	entry_clear(slot);
	slot->buf = *b;
	slot->last_used = cap->tick;
}

/* The buffer behind fb_id, from the cache when it is still the same memory.
 *
 * fb ids are reused by the kernel as soon as a framebuffer is removed, so an
 * id alone does not identify memory. Exporting a GEM object again returns the
 * dma_buf it already has, whose inode is stable: comparing it costs a few
 * ioctls and no mapping, which is what the cache saves. */
static int lookup_buffer(struct capture *cap, uint32_t fb_id, struct capture_buffer *out,
			 char *err, size_t len)
{
	uint32_t handles[CAPTURE_MAX_PLANES] = {0};
	struct capture_buffer b;
	int ret = get_fb(cap, fb_id, &b, handles);

	if (ret < 0) {
		return errmsg(err, len, ret, "cannot read framebuffer %u: %s", fb_id, strerror(-ret));
	}
	for (int i = 0; i < CAPTURE_MAX_PLANES; i++) {
		b.fd[i] = -1;
	}
	if (!handles[0]) {
		kms_close_gem_handles(cap->fd, handles);
		return errmsg(err, len, -EACCES,
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
		if (drmPrimeHandleToFD(cap->fd, h, DRM_CLOEXEC, &b.fd[i]) < 0) {
			ret = errmsg(err, len, -errno, "cannot export framebuffer %u as dmabuf: %s",
				   fb_id, strerror(errno));
		}
	}
	/* The fds hold the memory now; the handles would leak one per call. */
	kms_close_gem_handles(cap->fd, handles);
	if (ret < 0) {
		buffer_close(&b);
		return ret;
	}
	cache_keep(cap, &b);
	*out = b;
	return 0;
}

static int grab_once(struct capture *cap, struct capture_frame *frame, char *err, size_t len)
{
	drmModePlane *p = drmModeGetPlane(cap->fd, cap->plane_id);
	uint32_t fb_id;
	int ret;

	memset(frame, 0, sizeof(*frame));
	if (!p && errno == ENODEV) {
		return errmsg(err, len, -ENODEV, "the card of %s went away", cap->output);
	}
	if (!p) {
		return errmsg(err, len, -ENOENT, "plane %u is gone", cap->plane_id);
	}
	fb_id = p->fb_id;
	drmModeFreePlane(p);
	if (!fb_id) {
		return errmsg(err, len, -ENODATA, "%s shows no framebuffer", cap->output);
	}
	ret = lookup_buffer(cap, fb_id, &frame->fb, err, len);
	if (ret < 0) {
		return ret;
	}
	frame->crtc_w = frame->fb.width;
	frame->crtc_h = frame->fb.height;
	plane_geometry(cap->fd, cap->plane_id, &cap->plane_props, &frame->crtc_x, &frame->crtc_y,
		       &frame->crtc_w, &frame->crtc_h);
	if (cap->cursor_plane_id) {
		drmModePlane *c = drmModeGetPlane(cap->fd, cap->cursor_plane_id);
		uint32_t cfb = c && c->crtc_id == cap->crtc_id ? c->fb_id : 0;
		drmModeFreePlane(c);
		if (cfb) {
			ret = lookup_buffer(cap, cfb, &frame->cursor, err, len);
			if (ret < 0) {
				return ret;
			}
			frame->has_cursor = true;
			frame->cursor_w = frame->cursor.width;
			frame->cursor_h = frame->cursor.height;
			plane_geometry(cap->fd, cap->cursor_plane_id, &cap->cursor_props,
				       &frame->cursor_x, &frame->cursor_y, &frame->cursor_w,
				       &frame->cursor_h);
		}
		/* The planes are read one at a time: a flip in between pairs one
		 * frame with another's cursor, so such a read is retried. */
		p = drmModeGetPlane(cap->fd, cap->plane_id);
		bool moved = !p || p->fb_id != fb_id;
		drmModeFreePlane(p);
		if (moved) {
			return errmsg(err, len, -EAGAIN, "%s flipped during the read", cap->output);
		}
	}
	return 0;
}

/* Fds that came from the helper into a buffer (cache_keep identifies them). */
static void adopt_fds(struct capture_buffer *b, const int *fds, unsigned *k)
{
	for (uint32_t i = 0; i < CAPTURE_MAX_PLANES; i++) {
		b->fd[i] = i < b->n_planes ? fds[(*k)++] : -1;
	}
}

static int remote_grab(struct capture *cap, struct capture_frame *frame, char *err, size_t len)
{
	struct privsep_resp resp;
	int fds[PRIVSEP_MAX_FDS];
	unsigned n = 0, k = 0;
	int ret = privsep_call(&cap->remote, PRIVSEP_GRAB, 0, &resp, fds, &n, err, len);

	memset(frame, 0, sizeof(*frame));
	if (ret < 0) {
		return ret;
	}
	if (resp.result < 0) {
		return resp_error(&resp, err, len);
	}
	*frame = resp.u.frame;
	adopt_fds(&frame->fb, fds, &k);
	cache_keep(cap, &frame->fb);
	if (frame->has_cursor) {
		adopt_fds(&frame->cursor, fds, &k);
		cache_keep(cap, &frame->cursor);
	}
	return 0;
}

int capture_grab(struct capture *cap, struct capture_frame *frame, char *err, size_t len)
{
	int ret = -EAGAIN;

	if (is_remote(cap)) {
		return remote_grab(cap, frame, err, len);
	}
	if (cap->gone) {
		memset(frame, 0, sizeof(*frame));
		return errmsg(err, len, -ENODEV, "output %s is gone (unplugged, or its CRTC is off): "
			    "waiting for it to come back", cap->output);
	}

	/* Flips come at most once a refresh: a few tries always find a gap. */
	for (int attempt = 0; attempt < 4 && ret == -EAGAIN; attempt++) {
		ret = grab_once(cap, frame, err, len);
	}
	return ret;
}

/* Drivers whose buffers without an explicit modifier are linear. */
static bool implicit_linear(const char *driver)
{
	static const char *const linear[] = {"virtio_gpu", "bochs-drm", "vkms", "simpledrm",
					     "qxl", "cirrus", "vboxvideo", "udl", NULL};

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

static struct cache_entry *entry_of(struct capture *cap, const struct capture_buffer *buf)
{
	for (int i = 0; i < CACHE_SIZE; i++) {
		if (cap->cache[i].buf.fb_id == buf->fb_id && same_buffer(&cap->cache[i].buf, buf)) {
			return &cap->cache[i];
		}
	}
	return NULL;
}

/* The cache entry of buf with its first plane mapped (once per entry). */
static int map_entry(struct capture *cap, const struct capture_buffer *buf,
		     struct cache_entry **out, char *err, size_t len)
{
	struct cache_entry *e = entry_of(cap, buf);

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

/* Maps a buffer the CPU can convert, and checks that every row the format
 * and pitch say it has lies inside the dmabuf. */
static int map_buffer(struct capture *cap, const struct capture_buffer *buf,
		      const struct format_info **fmt_out, struct cache_entry **out, char *err,
		      size_t len)
{
	const struct format_info *fmt = format_lookup(buf->fourcc);
	int ret = capture_check_cpu_path(buf, cap->driver, err, len);

	if (ret < 0) {
		return ret;
	}
	ret = map_entry(cap, buf, out, err, len);
	if (ret < 0) {
		return ret;
	}
	if (buf->pitch[0] < (uint64_t)buf->width * fmt->cpp || buf->height == 0 ||
	    (uint64_t)buf->offset[0] + (uint64_t)buf->pitch[0] * (buf->height - 1) +
			    (uint64_t)buf->width * fmt->cpp > (*out)->map_len) {
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

int capture_read_rgb8(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
		      char *err, size_t len)
{
	const struct format_info *fmt;
	struct cache_entry *e;
	int ret = map_buffer(cap, buf, &fmt, &e, err, len);

	if (ret < 0) {
		return ret;
	}
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_START);
	format_to_rgb8(fmt, e->map + buf->offset[0], buf->pitch[0], buf->width, buf->height, dst);
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_END);
	return 0;
}

/* The mapping of buf, which must hold n bytes from plane 0's offset. */
static int map_range(struct capture *cap, const struct capture_buffer *buf, size_t n,
		     struct cache_entry **e, char *err, size_t len)
{
	int ret = map_entry(cap, buf, e, err, len);

	if (ret < 0) {
		return ret;
	}
	if ((uint64_t)buf->offset[0] + n > (*e)->map_len) {
		return errmsg(err, len, -EINVAL, "framebuffer %u: %zu bytes at offset %u do not fit "
			    "its %zu-byte dmabuf", buf->fb_id, n, buf->offset[0], (*e)->map_len);
	}
	return 0;
}

/* Copies the first n bytes of the first plane to mem, or (compare)
 * compares its rows y % step == phase with mem's: 1 if they differ. */
static int access_bytes(struct capture *cap, const struct capture_buffer *buf, uint8_t *mem,
			size_t n, bool compare, unsigned phase, unsigned step, char *err,
			size_t len)
{
	struct cache_entry *e;
	int ret = map_range(cap, buf, n, &e, err, len);

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

int capture_read_bytes(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
		       size_t n, char *err, size_t len)
{
	return access_bytes(cap, buf, dst, n, false, 0, 1, err, len);
}

int capture_differs(struct capture *cap, const struct capture_buffer *buf, const uint8_t *ref,
		    size_t n, unsigned phase, unsigned step, char *err, size_t len)
{
	return access_bytes(cap, buf, (uint8_t *)ref, n, true, phase, step, err, len);
}

int capture_blend_cursor(struct capture *cap, const struct capture_frame *frame, uint8_t *img,
			 uint32_t img_w, uint32_t img_h, char *err, size_t len)
{
	const struct capture_buffer *c = &frame->cursor;
	const struct format_info *fmt;
	struct cache_entry *e;
	int ret;

	if (!frame->has_cursor) {
		return 0;
	}
	if (c->fourcc != DRM_FORMAT_ARGB8888) {
		char cc[5];
		return errmsg(err, len, -ENOTSUP, "cursor framebuffer %u has format %s, not ARGB8888",
			    c->fb_id, format_fourcc_str(c->fourcc, cc));
	}
	ret = map_buffer(cap, c, &fmt, &e, err, len);
	if (ret < 0) {
		return ret;
	}
	dmabuf_sync(c->fd[0], DMA_BUF_SYNC_START);
	format_blend_cursor(img, img_w, img_h, frame->cursor_x, frame->cursor_y,
			    e->map + c->offset[0], c->width < frame->cursor_w ? c->width : frame->cursor_w,
			    c->height < frame->cursor_h ? c->height : frame->cursor_h, c->pitch[0]);
	dmabuf_sync(c->fd[0], DMA_BUF_SYNC_END);
	return 0;
}

bool capture_is_current(struct capture *cap, uint32_t fb_id)
{
	if (is_remote(cap)) {
		struct privsep_resp resp;
		char err[256];
		return remote_call(cap, PRIVSEP_IS_CURRENT, fb_id, &resp, err, sizeof(err)) == 0 &&
		       resp.u.current;
	}
	drmModePlane *p = drmModeGetPlane(cap->fd, cap->plane_id);
	bool same = p && p->fb_id == fb_id;
	drmModeFreePlane(p);
	return same;
}

const char *capture_driver(const struct capture *cap) { return cap->driver; }

int capture_peek(struct capture *cap, struct capture_peek *p)
{
	drmModePlane *pl;
	uint32_t w = 0, h = 0;

	memset(p, 0, sizeof(*p));
	if (is_remote(cap)) {
		struct privsep_resp resp;
		char err[256];
		if (privsep_read_board(&cap->remote, p) == 0) {
			return 0;
		}
		int ret = remote_call(cap, PRIVSEP_PEEK, 0, &resp, err, sizeof(err));
		if (ret == 0) {
			*p = resp.u.peek;
		}
		return ret;
	}
	pl = drmModeGetPlane(cap->fd, cap->plane_id);
	if (!pl)
		return -errno;
	p->fb_id = pl->fb_id;
	drmModeFreePlane(pl);
	if (cap->cursor_plane_id) {
		drmModePlane *c = drmModeGetPlane(cap->fd, cap->cursor_plane_id);
		p->cursor_fb_id = c && c->crtc_id == cap->crtc_id ? c->fb_id : 0;
		drmModeFreePlane(c);
		if (p->cursor_fb_id)
			plane_geometry(cap->fd, cap->cursor_plane_id, &cap->cursor_props, &p->cursor_x,
				       &p->cursor_y, &w, &h);
	}
	return 0;
}

int capture_copy_stable(struct capture *cap, const struct capture_buffer *buf, uint8_t *dst,
			size_t n, char *err, size_t len)
{
	struct cache_entry *e;
	int ret = map_range(cap, buf, n, &e, err, len);

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
		if (!capture_is_current(cap, buf->fb_id))
			ret = errmsg(err, len, -EAGAIN, "framebuffer %u was flipped away during the copy",
				   buf->fb_id);
		asked = mono_ns();
	}
	dmabuf_sync(buf->fd[0], DMA_BUF_SYNC_END);
	return ret;
}
