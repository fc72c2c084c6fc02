// SPDX-License-Identifier: MIT
/* The bare-KMS presenter; see client/present.h. Legacy KMS calls only
 * (SetCrtc, PageFlip, SetCursor): every driver has them, and a kiosk
 * shows one plane. */
#include "present.h"

#include <drm_fourcc.h>
#include <errno.h>
#include <fcntl.h>
#include <linux/kd.h>
#include <linux/vt.h>
#include <signal.h>
#include <sys/ioctl.h>
#include <libswscale/swscale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "evmap.h"
#include "kmscast/format.h"
#include "kmscast/kms.h"

#define PROG "kmscast"

struct kms {
	struct present base;
	struct present_options o;
	int fd;
	char card[64], conn_name[32];
	uv_poll_t poll;
	int handles; /* libuv handles still open */
	uint32_t conn_id, crtc_id;
	drmModeConnector *conn;
	drmModeCrtc *saved; /* the CRTC as we found it, restored at the end */
	drmModeModeInfo mode;
	bool mode_set;
	struct kms_dumb buf[2];
	unsigned front;
	bool flip_pending, dirty;
	/* The VT we show on: switched away, the display is the other VT's. */
	int vt_fd;
	bool away, vt_process;
	uv_signal_t vt_release, vt_acquire;
	/* Where the stream goes on screen. */
	struct evmap_rect rect;
	struct SwsContext *sws;
	uint64_t pending_capture_us;
	/* The cursor: on the cursor plane when the driver takes it, else drawn in. */
	struct kms_dumb cursor_buf;
	uint64_t cursor_side;
	bool hw_cursor, cursor_shown;
};

static void draw(struct kms *p);
static void kms_cursor(struct present *base, const struct present_cursor *c);
static void kms_destroy(struct present *base);
static const struct present_ops kms_ops;

static void try_flip(struct kms *p)
{
	if (!p->mode_set || p->flip_pending || !p->dirty || p->away)
		return;
	unsigned back = p->front ^ 1;
	draw(p);
	if (drmModePageFlip(p->fd, p->crtc_id, p->buf[back].fb_id, DRM_MODE_PAGE_FLIP_EVENT, p) !=
	    0) {
		/* No flip (EBUSY after a VT switch, ...): set the CRTC directly. */
		if (drmModeSetCrtc(p->fd, p->crtc_id, p->buf[back].fb_id, 0, 0, &p->conn_id, 1,
				   &p->mode) != 0)
			return;
		p->front = back;
		p->dirty = p->base.frame_waiting = false;
		return;
	}
	p->front = back;
	p->flip_pending = true;
	p->pending_capture_us = p->base.capture_us;
	p->dirty = p->base.frame_waiting = false;
}

static void on_flip(int fd, unsigned seq, unsigned sec, unsigned usec, void *data)
{
	struct kms *p = data;
	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	p->flip_pending = false;
	present_shown(&p->base, p->pending_capture_us);
	try_flip(p);
}

/* Reads the card's events (page flips done); 0 or drmHandleEvent's error. */
static int handle_events(struct kms *p)
{
	drmEventContext ev = {.version = 2, .page_flip_handler = on_flip};
	return drmHandleEvent(p->fd, &ev);
}

static void on_readable(uv_poll_t *h, int status, int events)
{
	(void)status;
	(void)events;
	handle_events(h->data);
}

/* Waits out a flip in flight (a frame at most); nothing new follows it. */
static void finish_flip(struct kms *p)
{
	while (p->flip_pending) {
		p->dirty = false;
		if (handle_events(p) != 0)
			break;
	}
	p->flip_pending = false;
}

/* Our VT is being switched away from: the display goes to the next one. */
static void on_vt_release(uv_signal_t *h, int signum)
{
	struct kms *p = h->data;
	(void)signum;
	finish_flip(p);
	drmDropMaster(p->fd);
	p->away = true;
	ioctl(p->vt_fd, VT_RELDISP, 1);
	fprintf(stderr, PROG ": switched to another VT: %s released\n", p->card);
}

/* Back on our VT: master again, our mode and the latest frame. */
static void on_vt_acquire(uv_signal_t *h, int signum)
{
	struct kms *p = h->data;
	(void)signum;
	ioctl(p->vt_fd, VT_RELDISP, VT_ACKACQ);
	if (drmSetMaster(p->fd) != 0) {
		fprintf(stderr, PROG ": back on our VT, but %s is not ours again: %s\n", p->card,
			strerror(errno));
		return;
	}
	p->away = false;
	if (p->mode_set && drmModeSetCrtc(p->fd, p->crtc_id, p->buf[p->front].fb_id, 0, 0,
					  &p->conn_id, 1, &p->mode) != 0)
		fprintf(stderr, PROG ": back on our VT, but cannot set the mode on %s: %s\n",
			p->conn_name, strerror(errno));
	fprintf(stderr, PROG ": back on our VT: showing on %s again\n", p->card);
	struct present_cursor c = p->base.cur;
	c.image_changed = true; /* the other VT's owner had the cursor plane */
	p->cursor_shown = false;
	kms_cursor(&p->base, &c);
	p->dirty = true;
	try_flip(p);
}

/* Cooperates with VT switching on --vt, or on standard input when that is
 * a VT: the kernel asks before switching away and tells us on return. */
static int vt_setup(struct kms *p, uv_loop_t *loop, char *err, size_t len)
{
	const char *path = p->o.vt;
	int mode;
	if (path && !strcmp(path, "none"))
		return 0;
	if (path)
		p->vt_fd = open(path, O_RDWR | O_CLOEXEC | O_NOCTTY);
	else if (ioctl(STDIN_FILENO, KDGETMODE, &mode) == 0)
		p->vt_fd = fcntl(STDIN_FILENO, F_DUPFD_CLOEXEC, 3);
	else
		return 0; /* not on a VT: nothing to cooperate with */
	if (p->vt_fd < 0 || ioctl(p->vt_fd, KDGETMODE, &mode) != 0) {
		int r = -errno;
		snprintf(err, len, "--vt %s: not a virtual terminal: %s", path ? path : "(stdin)",
			 strerror(-r));
		return r;
	}
	/* The signals are ours before the kernel may send them. */
	uv_signal_init(loop, &p->vt_release);
	uv_signal_init(loop, &p->vt_acquire);
	p->vt_release.data = p->vt_acquire.data = p;
	p->handles += 2;
	uv_signal_start(&p->vt_release, on_vt_release, SIGUSR1);
	uv_signal_start(&p->vt_acquire, on_vt_acquire, SIGUSR2);
	struct vt_mode vm = {.mode = VT_PROCESS, .relsig = SIGUSR1, .acqsig = SIGUSR2};
	if (ioctl(p->vt_fd, VT_SETMODE, &vm) != 0) {
		int r = -errno;
		snprintf(err, len, "--vt %s: cannot take part in VT switching: %s",
			 path ? path : "(stdin)", strerror(-r));
		return r;
	}
	p->vt_process = true;
	/* The console's text must not draw over the picture. */
	ioctl(p->vt_fd, KDSETMODE, KD_GRAPHICS);
	if (p->o.verbose)
		fprintf(stderr, PROG ": VT switches on %s release and retake the display\n",
			path ? path : "standard input");
	return 0;
}

static void vt_restore(struct kms *p)
{
	if (p->vt_fd < 0)
		return;
	if (p->vt_process) {
		struct vt_mode vm = {.mode = VT_AUTO};
		ioctl(p->vt_fd, KDSETMODE, KD_TEXT);
		ioctl(p->vt_fd, VT_SETMODE, &vm);
	}
	close(p->vt_fd);
	p->vt_fd = -1;
}

int present_kms_create(uv_loop_t *loop, const struct present_options *o, struct present **out,
		       char *err, size_t len)
{
	struct kms *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	p->base.ops = &kms_ops;
	p->vt_fd = -1;
	p->o = *o;
	p->fd = kms_open_card(o->device, p->card, sizeof(p->card));
	if (p->fd < 0) {
		int r = p->fd;
		snprintf(err, len, "--present kms: %s: %s",
			 o->device ? o->device
				   : "no card with a "
				     "connected connector",
			 strerror(-r));
		free(p);
		return r;
	}
	int r = 0;
	drmModeRes *res = drmModeGetResources(p->fd);
	if (drmSetMaster(p->fd) != 0) {
		r = -errno;
		snprintf(err, len,
			 "--present kms: cannot become DRM master of %s: %s (is a "
			 "compositor or another kmscast showing on it?)",
			 p->card, strerror(-r));
	} else if (!res) {
		r = -ENODEV;
		snprintf(err, len, "--present kms: %s has no KMS resources", p->card);
	} else if (!(p->conn = kms_find_connector(p->fd, res, o->output)) ||
		   p->conn->connection != DRM_MODE_CONNECTED || !p->conn->count_modes) {
		r = -ENODEV;
		snprintf(err, len, "--present kms: %s has no connected connector%s%s with modes",
			 p->card, o->output ? " called " : "", o->output ? o->output : "");
	} else if (!(p->crtc_id = kms_pick_crtc(p->fd, res, p->conn))) {
		r = -ENODEV;
		snprintf(err, len, "--present kms: no CRTC can drive the connector");
	}
	drmModeFreeResources(res);
	if (r) {
		kms_destroy(&p->base);
		return r;
	}
	p->conn_id = p->conn->connector_id;
	kms_connector_name(p->conn, p->conn_name, sizeof(p->conn_name));
	p->saved = drmModeGetCrtc(p->fd, p->crtc_id);
	if (drmGetCap(p->fd, DRM_CAP_CURSOR_WIDTH, &p->cursor_side) != 0 || !p->cursor_side ||
	    p->cursor_side > 256)
		p->cursor_side = 64;
	p->hw_cursor = kms_dumb_create(p->fd, (uint32_t)p->cursor_side, (uint32_t)p->cursor_side,
				       32, &p->cursor_buf) == 0;
	uv_poll_init(loop, &p->poll, p->fd);
	p->poll.data = p;
	p->handles++;
	uv_poll_start(&p->poll, UV_READABLE, on_readable);
	if ((r = vt_setup(p, loop, err, len)) != 0) {
		kms_destroy(&p->base);
		return r;
	}
	*out = &p->base;
	return 0;
}

static const drmModeModeInfo *find_mode(const drmModeConnector *c, uint32_t w, uint32_t h)
{
	for (int i = 0; i < c->count_modes; i++)
		if (c->modes[i].hdisplay == w && c->modes[i].vdisplay == h)
			return &c->modes[i];
	return NULL;
}

static const drmModeModeInfo *choose_mode(struct kms *p, uint32_t w, uint32_t h, char *err,
					  size_t len)
{
	const drmModeModeInfo *m;
	if (p->o.mode_w) {
		m = find_mode(p->conn, p->o.mode_w, p->o.mode_h);
		if (!m) {
			size_t n = (size_t)snprintf(err, len, "--mode %ux%u: %s offers",
						    p->o.mode_w, p->o.mode_h, p->conn_name);
			for (int i = 0; i < p->conn->count_modes && n < len; i++)
				n += (size_t)snprintf(err + n, len - n, " %ux%u",
						      p->conn->modes[i].hdisplay,
						      p->conn->modes[i].vdisplay);
		}
		return m;
	}
	if ((m = find_mode(p->conn, w, h)))
		return m;
	for (int i = 0; i < p->conn->count_modes; i++)
		if (p->conn->modes[i].type & DRM_MODE_TYPE_PREFERRED)
			return &p->conn->modes[i];
	return &p->conn->modes[0];
}

static void clear(struct kms *p)
{
	for (int i = 0; i < 2; i++)
		if (p->buf[i].map)
			memset(p->buf[i].map, 0, p->buf[i].size);
}

static void free_buffers(struct kms *p)
{
	for (int i = 0; i < 2; i++)
		kms_dumb_destroy(p->fd, &p->buf[i]);
}

static int kms_configure(struct present *base, uint32_t w, uint32_t h, char *err, size_t len)
{
	struct kms *p = (struct kms *)base;
	const drmModeModeInfo *m = choose_mode(p, w, h, err, len);
	if (!m)
		return -EINVAL;
	if (!p->mode_set || memcmp(m, &p->mode, sizeof(*m)) != 0) {
		/* A new mode: wait out a pending flip, then new buffers. */
		finish_flip(p);
		free_buffers(p);
		p->mode = *m;
		for (int i = 0; i < 2; i++) {
			struct kms_dumb *d = &p->buf[i];
			uint32_t handles[4] = {0}, pitches[4] = {0}, offsets[4] = {0};
			int r = kms_dumb_create(p->fd, m->hdisplay, m->vdisplay, 32, d);
			handles[0] = d->handle;
			pitches[0] = d->pitch;
			if (r == 0 &&
			    drmModeAddFB2(p->fd, m->hdisplay, m->vdisplay, DRM_FORMAT_XRGB8888,
					  handles, pitches, offsets, &d->fb_id, 0) != 0)
				r = -errno;
			if (r) {
				snprintf(err, len, "--present kms: cannot make a %ux%u buffer: %s",
					 m->hdisplay, m->vdisplay, strerror(-r));
				free_buffers(p);
				p->mode_set = false;
				return r;
			}
		}
		clear(p);
		p->front = 0;
		/* Switched away, the mode is set when our VT comes back. */
		if (!p->away && drmModeSetCrtc(p->fd, p->crtc_id, p->buf[0].fb_id, 0, 0,
					       &p->conn_id, 1, &p->mode) != 0) {
			int r = -errno;
			snprintf(err, len, "--present kms: cannot set %ux%u on %s: %s", m->hdisplay,
				 m->vdisplay, p->conn_name, strerror(-r));
			free_buffers(p);
			p->mode_set = false;
			return r;
		}
		p->mode_set = true;
		fprintf(stderr, PROG ": showing on %s %s at %ux%u\n", p->card, p->conn_name,
			m->hdisplay, m->vdisplay);
	} else if (w != p->base.w || h != p->base.h) {
		clear(p); /* the bars move */
	}
	if (present_size_frame(&p->base, w, h) != 0) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	p->rect = evmap_fit(w, h, p->mode.hdisplay, p->mode.vdisplay);
	sws_freeContext(p->sws);
	p->sws = NULL;
	if (p->rect.w != w || p->rect.h != h) {
		p->sws = sws_getContext((int)w, (int)h, AV_PIX_FMT_RGB24, (int)p->rect.w,
					(int)p->rect.h, AV_PIX_FMT_BGR0, SWS_BILINEAR, NULL, NULL,
					NULL);
		if (!p->sws) {
			snprintf(err, len, "cannot scale %ux%u to %ux%u", w, h, p->rect.w,
				 p->rect.h);
			return -EINVAL;
		}
	}
	if (p->o.verbose)
		fprintf(stderr, PROG ": the %ux%u stream fills %ux%u at %d,%d\n", w, h, p->rect.w,
			p->rect.h, p->rect.x, p->rect.y);
	return 0;
}

/* The latest frame (with the cursor drawn in when there is no cursor
 * plane) into the back buffer: copied at the same size, else scaled. */
static void draw(struct kms *p)
{
	struct kms_dumb *d = &p->buf[p->front ^ 1];
	const uint8_t *src = p->hw_cursor ? p->base.rgb : present_compose(&p->base);
	uint8_t *dst = d->map + (size_t)p->rect.y * d->pitch + (size_t)p->rect.x * 4;
	if (p->sws) {
		const uint8_t *s[1] = {src};
		int ss[1] = {(int)p->base.w * 3};
		uint8_t *dd[1] = {dst};
		int ds[1] = {(int)d->pitch};
		sws_scale(p->sws, s, ss, 0, (int)p->base.h, dd, ds);
		return;
	}
	for (uint32_t y = 0; y < p->base.h; y++) {
		const uint8_t *in = src + (size_t)y * p->base.w * 3;
		uint8_t *o = dst + (size_t)y * d->pitch;
		for (uint32_t x = 0; x < p->base.w; x++, in += 3, o += 4) {
			o[0] = in[2]; /* XRGB8888 in memory: B, G, R, X */
			o[1] = in[1];
			o[2] = in[0];
			o[3] = 0;
		}
	}
}

static void kms_frame(struct present *base, const uint8_t *rgb, uint64_t capture_us)
{
	struct kms *p = (struct kms *)base;
	if (!present_keep_frame(&p->base, rgb, capture_us))
		return;
	p->dirty = true; /* a frame still waiting is replaced, not queued */
	try_flip(p);
}

static void kms_cursor(struct present *base, const struct present_cursor *c)
{
	struct kms *p = (struct kms *)base;
	present_keep_cursor(&p->base, c);
	if (!p->mode_set || !p->base.w || p->away)
		return;
	if (p->hw_cursor && c->image_changed && c->w) {
		memset(p->cursor_buf.map, 0, p->cursor_buf.size);
		for (uint32_t y = 0; y < c->h && y < p->cursor_side; y++)
			memcpy(p->cursor_buf.map + y * p->cursor_buf.pitch,
			       p->base.cursor_img + (size_t)y * c->w * 4,
			       (c->w < p->cursor_side ? c->w : p->cursor_side) * 4u);
	}
	if (p->hw_cursor) {
		int r = 0;
		if (c->visible && (c->image_changed || !p->cursor_shown))
			r = drmModeSetCursor(p->fd, p->crtc_id, p->cursor_buf.handle,
					     (uint32_t)p->cursor_side, (uint32_t)p->cursor_side);
		else if (!c->visible && p->cursor_shown)
			r = drmModeSetCursor(p->fd, p->crtc_id, 0, 0, 0);
		if (r != 0) {
			/* No cursor plane here: draw it into the frames instead. */
			p->hw_cursor = false;
			if (p->o.verbose)
				fprintf(stderr, PROG ": no hardware cursor (%s): drawing it in\n",
					strerror(errno));
		} else {
			p->cursor_shown = c->visible;
			if (c->visible) {
				int32_t sx = p->rect.x +
					     (int32_t)((int64_t)c->x * p->rect.w / p->base.w);
				int32_t sy = p->rect.y +
					     (int32_t)((int64_t)c->y * p->rect.h / p->base.h);
				drmModeMoveCursor(p->fd, p->crtc_id, sx - c->hot_x, sy - c->hot_y);
			}
			return;
		}
	}
	p->dirty = true;
	try_flip(p);
}

static void handle_closed(uv_handle_t *h)
{
	struct kms *p = h->data;
	if (--p->handles == 0)
		free(p);
}

static void kms_destroy(struct present *base)
{
	struct kms *p = (struct kms *)base;
	if (p->fd >= 0 && p->mode_set && !p->away) {
		drmModeSetCursor(p->fd, p->crtc_id, 0, 0, 0);
		/* Give the display back as it was: the previous framebuffer and
		 * mode, or off when there was none. */
		if (p->saved && p->saved->mode_valid && p->saved->buffer_id)
			drmModeSetCrtc(p->fd, p->saved->crtc_id, p->saved->buffer_id, p->saved->x,
				       p->saved->y, &p->conn_id, 1, &p->saved->mode);
		else
			drmModeSetCrtc(p->fd, p->crtc_id, 0, 0, 0, NULL, 0, NULL);
	}
	free_buffers(p);
	kms_dumb_destroy(p->fd, &p->cursor_buf);
	drmModeFreeCrtc(p->saved);
	drmModeFreeConnector(p->conn);
	sws_freeContext(p->sws);
	present_free_frame(&p->base);
	if (p->fd >= 0) {
		drmDropMaster(p->fd);
		close(p->fd);
	}
	vt_restore(p);
	if (!p->handles) {
		free(p);
		return;
	}
	uv_poll_stop(&p->poll);
	uv_close((uv_handle_t *)&p->poll, handle_closed);
	if (uv_is_active((uv_handle_t *)&p->vt_release)) {
		uv_close((uv_handle_t *)&p->vt_release, handle_closed);
		uv_close((uv_handle_t *)&p->vt_acquire, handle_closed);
	}
}

static const struct present_ops kms_ops = {
	.configure = kms_configure,
	.frame = kms_frame,
	.cursor = kms_cursor,
	.destroy = kms_destroy,
};
