// SPDX-License-Identifier: MIT
/* kmscast-paint: a DRM-master KMS client that lights a connector and animates
 * the deterministic scene of kmscast/paint.h. It is the frame source of the
 * test rig and of demos. */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <inttypes.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/signalfd.h>
#include <sys/timerfd.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kmscast/cli.h"
#include "kmscast/format.h"
#include "kmscast/kms.h"
#include "kmscast/paint.h"

#define PROG "kmscast-paint"
#define MAX_BUFFERS 2
#define FLIP_TIMEOUT_MS 2000

struct options {
	const char *device;
	const char *output;
	uint32_t mode_w, mode_h; /* 0: the connector's preferred mode */
	uint32_t fps;
	uint64_t frames; /* 0: until a signal */
	uint32_t start;
	const struct format_info *fmt;
	bool is_static, front, cursor, verbose, leave_off;
	enum paint_kind scene;
};

struct paint {
	struct options opt;
	int fd, sfd, tfd;
	char device[64];
	char output[64];
	uint32_t conn_id, crtc_id;
	drmModeModeInfo mode;
	drmModeCrtc *saved_crtc;
	struct paint_scene *scene;
	struct kms_dumb buf[MAX_BUFFERS];
	unsigned n_buf;
	struct kms_dumb cursor;
	/* With atomic KMS, a flip and its cursor move land in one commit, so
	 * no reader ever sees frame k with the cursor of frame k +/- 1. */
	bool atomic;
	uint32_t primary_id, cursor_plane_id, prop_fb_id, prop_crtc_x, prop_crtc_y;
	unsigned front_idx;
	bool flip_pending, crtc_set;
	uint32_t k;     /* frame on screen (or being flipped to) */
	uint64_t shown; /* frames that reached the screen */
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmscast-paint [OPTION]...\n"
		"Light a connector as DRM master and animate a deterministic test scene.\n"
		"\n"
		"  --device PATH     DRM card (default: first card with a connected connector)\n"
		"  --output NAME     connector, e.g. Virtual-1 (default: first connected)\n"
		"  --mode WxH        mode to set (default: the connector's preferred mode)\n"
		"  --fps N           frames per second, 1..240 (default 30)\n"
		"  --frames N        stop after N frames (default: until SIGTERM/SIGINT)\n"
		"  --start K         number of the first frame (default 0)\n"
		"  --format FOURCC   XRGB8888 (default), ARGB8888, XBGR8888, ABGR8888,\n"
		"                    RGB565 or XRGB2101010\n"
		"  --scene NAME      desktop (default: a window moving over a still desktop)\n"
		"                    or video (every pixel changes every frame)\n"
		"  --static          draw frame K once and keep it on screen\n"
		"  --front           redraw into the one scanned-out buffer (no flips)\n"
		"  --cursor          show a moving image on the cursor plane\n"
		"  --leave-off       on exit turn the CRTC off, as a compositor does with an\n"
		"                    unplugged output (default: give it back as found)\n"
		"  -v, --verbose     print a line per frame shown\n"
		"  -h, --help        show this help\n"
		"\n"
		"Prints \"ready\" on stdout once the first frame is on screen.\n"
		"Exit status: 0 on success or SIGTERM/SIGINT, 1 on a runtime error, 2 on a usage error.\n");
}

static void err(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "kmscast-paint: ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum {
		O_DEVICE = 256,
		O_OUTPUT,
		O_MODE,
		O_FPS,
		O_FRAMES,
		O_START,
		O_FORMAT,
		O_STATIC,
		O_FRONT,
		O_CURSOR,
		O_LEAVE_OFF,
		O_SCENE
	};
	static const struct option longopts[] = {
		{"device", required_argument, NULL, O_DEVICE},
		{"output", required_argument, NULL, O_OUTPUT},
		{"mode", required_argument, NULL, O_MODE},
		{"fps", required_argument, NULL, O_FPS},
		{"frames", required_argument, NULL, O_FRAMES},
		{"start", required_argument, NULL, O_START},
		{"format", required_argument, NULL, O_FORMAT},
		{"static", no_argument, NULL, O_STATIC},
		{"front", no_argument, NULL, O_FRONT},
		{"cursor", no_argument, NULL, O_CURSOR},
		{"leave-off", no_argument, NULL, O_LEAVE_OFF},
		{"scene", required_argument, NULL, O_SCENE},
		{"verbose", no_argument, NULL, 'v'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;

	memset(o, 0, sizeof(*o));
	o->fps = 30;
	o->fmt = format_by_name("XRGB8888");
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":vh", longopts, NULL)) != -1) {
		switch (c) {
		case O_DEVICE: o->device = optarg; break;
		case O_OUTPUT: o->output = optarg; break;
		case O_MODE:
			if (kms_parse_size(optarg, &o->mode_w, &o->mode_h) < 0) {
				cli_die_usage(PROG,
					      "--mode takes WIDTHxHEIGHT, e.g. 1024x768, not '%s'",
					      optarg);
			}
			break;
		case O_FPS: o->fps = (uint32_t)cli_uint(PROG, "--fps", optarg, 1, 240); break;
		case O_FRAMES: o->frames = cli_uint(PROG, "--frames", optarg, 1, UINT32_MAX); break;
		case O_START:
			o->start = (uint32_t)cli_uint(PROG, "--start", optarg, 0, PAINT_K_MASK);
			break;
		case O_FORMAT:
			o->fmt = format_by_name(optarg);
			if (!o->fmt) {
				cli_die_usage(
					PROG,
					"unknown format '%s' (known: XRGB8888, ARGB8888, XBGR8888, "
					"ABGR8888, RGB565, XRGB2101010)",
					optarg);
			}
			break;
		case O_STATIC: o->is_static = true; break;
		case O_FRONT: o->front = true; break;
		case O_CURSOR: o->cursor = true; break;
		case O_LEAVE_OFF: o->leave_off = true; break;
		case O_SCENE:
			if (strcmp(optarg, "desktop") == 0)
				o->scene = PAINT_DESKTOP;
			else if (strcmp(optarg, "video") == 0)
				o->scene = PAINT_VIDEO;
			else
				cli_die_usage(PROG, "--scene takes desktop or video, not '%s'",
					      optarg);
			break;
		case 'v': o->verbose = true; break;
		case 'h': usage(stdout); exit(0);
		case ':': cli_die_usage(PROG, "option '%s' needs a value", argv[optind - 1]); break;
		default: cli_die_usage(PROG, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		cli_die_usage(PROG, "unexpected argument '%s'", argv[optind]);
	}
	if (o->is_static && o->front) {
		cli_die_usage(PROG, "--static and --front exclude each other");
	}
}

static int pick_mode(struct paint *p, const drmModeConnector *conn)
{
	const struct options *o = &p->opt;
	int best = -1;

	for (int i = 0; i < conn->count_modes; i++) {
		const drmModeModeInfo *m = &conn->modes[i];
		bool preferred = m->type & DRM_MODE_TYPE_PREFERRED;

		if (o->mode_w ? (m->hdisplay == o->mode_w && m->vdisplay == o->mode_h)
			      : preferred) {
			/* among equal sizes, the preferred one, else the first listed */
			if (best < 0 || preferred) {
				best = i;
			}
		}
	}
	if (best < 0 && !o->mode_w && conn->count_modes > 0) {
		best = 0;
	}
	if (best < 0) {
		char list[512] = "";
		size_t len = 0;
		for (int i = 0; i < conn->count_modes && len + 16 < sizeof(list); i++) {
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%ux%u",
						i ? " " : "", conn->modes[i].hdisplay,
						conn->modes[i].vdisplay);
		}
		if (o->mode_w) {
			err("mode %ux%u is not offered by %s (offered: %s)", o->mode_w, o->mode_h,
			    p->output, conn->count_modes ? list : "none");
		} else {
			err("%s offers no modes", p->output);
		}
		return -EINVAL;
	}
	p->mode = conn->modes[best];
	if (p->mode.hdisplay < PAINT_MIN_WIDTH || p->mode.vdisplay < PAINT_MIN_HEIGHT) {
		err("mode %ux%u is too small for the test scene (minimum %ux%u)", p->mode.hdisplay,
		    p->mode.vdisplay, PAINT_MIN_WIDTH, PAINT_MIN_HEIGHT);
		return -EINVAL;
	}
	return 0;
}

/* The CRTC the connector already drives, else the first one it can use. */
static int pick_crtc(struct paint *p, const drmModeRes *res, const drmModeConnector *conn)
{
	p->crtc_id = kms_pick_crtc(p->fd, res, conn);
	if (p->crtc_id)
		return 0;
	err("no CRTC can drive %s", p->output);
	return -ENODEV;
}

/* Fails with a clear message when the CRTC's primary plane cannot scan out
 * the requested format, rather than letting AddFB2/SetCrtc fail obscurely. */
static int check_format(struct paint *p)
{
	drmModePlane *plane = p->primary_id ? drmModeGetPlane(p->fd, p->primary_id) : NULL;
	bool found = false;
	char supported[256] = "";
	size_t len = 0;

	if (!plane) {
		return 0; /* no plane API: let SetCrtc decide */
	}
	for (uint32_t f = 0; f < plane->count_formats; f++) {
		const struct format_info *known = format_lookup(plane->formats[f]);
		char cc[5];
		found |= plane->formats[f] == p->opt.fmt->fourcc;
		if (len + 14 < sizeof(supported)) {
			len += (size_t)snprintf(supported + len, sizeof(supported) - len, "%s%s",
						len ? " " : "",
						known ? known->name
						      : format_fourcc_str(plane->formats[f], cc));
		}
	}
	drmModeFreePlane(plane);
	if (!found) {
		err("format %s is not supported by the primary plane of %s on %s "
		    "(supported: %s)",
		    p->opt.fmt->name, p->output, p->device, supported);
		return -EINVAL;
	}
	return 0;
}

static int setup_buffers(struct paint *p)
{
	const struct format_info *fmt = p->opt.fmt;
	uint32_t w = p->mode.hdisplay, h = p->mode.vdisplay;
	int ret;

	p->n_buf = (p->opt.is_static || p->opt.front) ? 1 : 2;
	for (unsigned i = 0; i < p->n_buf; i++) {
		struct kms_dumb *d = &p->buf[i];
		uint32_t handles[4] = {0}, pitches[4] = {0}, offsets[4] = {0};

		ret = kms_dumb_create(p->fd, w, h, fmt->cpp * 8, d);
		if (ret < 0) {
			err("cannot allocate a %ux%u buffer on %s: %s", w, h, p->device,
			    strerror(-ret));
			return ret;
		}
		handles[0] = d->handle;
		pitches[0] = d->pitch;
		if (drmModeAddFB2(p->fd, w, h, fmt->fourcc, handles, pitches, offsets, &d->fb_id,
				  0) < 0) {
			ret = -errno;
			err("cannot create a %s framebuffer on %s: %s", fmt->name, p->device,
			    strerror(errno));
			return ret;
		}
	}
	p->scene = paint_scene_create_of(p->opt.scene, w, h, fmt);
	if (!p->scene) {
		ret = -errno;
		err("cannot build the scene: %s", strerror(errno));
		return ret;
	}
	return 0;
}

/* The properties a flip with a cursor move sets; without them (no atomic
 * KMS, or no cursor plane) flips stay legacy. */
static void setup_atomic(struct paint *p)
{
	if (!p->primary_id || !p->cursor_plane_id) {
		return;
	}
	int fb = kms_prop_id(p->fd, p->primary_id, DRM_MODE_OBJECT_PLANE, "FB_ID");
	int cx = kms_prop_id(p->fd, p->cursor_plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_X");
	int cy = kms_prop_id(p->fd, p->cursor_plane_id, DRM_MODE_OBJECT_PLANE, "CRTC_Y");
	if (fb > 0 && cx > 0 && cy > 0) {
		p->prop_fb_id = (uint32_t)fb;
		p->prop_crtc_x = (uint32_t)cx;
		p->prop_crtc_y = (uint32_t)cy;
		p->atomic = true;
	}
}

/* Flips to fb_id, moving the cursor to frame k's place in the same commit. */
static int atomic_flip(struct paint *p, uint32_t fb_id, uint32_t k)
{
	drmModeAtomicReq *req = drmModeAtomicAlloc();
	int32_t x, y;
	int ret;

	if (!req) {
		return -ENOMEM;
	}
	paint_cursor_pos(k, p->mode.hdisplay, p->mode.vdisplay, &x, &y);
	drmModeAtomicAddProperty(req, p->primary_id, p->prop_fb_id, fb_id);
	drmModeAtomicAddProperty(req, p->cursor_plane_id, p->prop_crtc_x, (uint64_t)(int64_t)x);
	drmModeAtomicAddProperty(req, p->cursor_plane_id, p->prop_crtc_y, (uint64_t)(int64_t)y);
	ret = drmModeAtomicCommit(p->fd, req, DRM_MODE_PAGE_FLIP_EVENT | DRM_MODE_ATOMIC_NONBLOCK,
				  p);
	drmModeAtomicFree(req);
	return ret < 0 ? -errno : 0;
}

static int setup_cursor(struct paint *p)
{
	int ret = kms_dumb_create(p->fd, PAINT_CURSOR_SIZE, PAINT_CURSOR_SIZE, 32, &p->cursor);

	if (ret < 0) {
		err("cannot allocate the cursor buffer: %s", strerror(-ret));
		return ret;
	}
	for (uint32_t y = 0; y < PAINT_CURSOR_SIZE; y++) {
		uint32_t *row = (uint32_t *)(void *)(p->cursor.map + (size_t)y * p->cursor.pitch);
		for (uint32_t x = 0; x < PAINT_CURSOR_SIZE; x++) {
			row[x] = paint_cursor_pixel(x, y);
		}
	}
	if (drmModeSetCursor2(p->fd, p->crtc_id, p->cursor.handle, PAINT_CURSOR_SIZE,
			      PAINT_CURSOR_SIZE, 0, 0) < 0 &&
	    drmModeSetCursor(p->fd, p->crtc_id, p->cursor.handle, PAINT_CURSOR_SIZE,
			     PAINT_CURSOR_SIZE) < 0) {
		ret = -errno;
		err("%s has no usable cursor plane: %s", p->output, strerror(errno));
		return ret;
	}
	if (drmSetClientCap(p->fd, DRM_CLIENT_CAP_ATOMIC, 1) == 0) {
		setup_atomic(p);
	}
	return 0;
}

static void move_cursor(struct paint *p, uint32_t k)
{
	int32_t x, y;

	if (!p->opt.cursor) {
		return;
	}
	paint_cursor_pos(k, p->mode.hdisplay, p->mode.vdisplay, &x, &y);
	drmModeMoveCursor(p->fd, p->crtc_id, x, y);
}

static void frame_shown(struct paint *p)
{
	p->shown++;
	if (p->opt.verbose) {
		printf("frame %" PRIu32 " fb %" PRIu32 "\n", p->k, p->buf[p->front_idx].fb_id);
		fflush(stdout);
	}
}

static int show_first_frame(struct paint *p)
{
	struct kms_dumb *d = &p->buf[0];

	p->k = p->opt.start;
	paint_scene_render(p->scene, p->k, d->map, d->pitch);
	if (drmModeSetCrtc(p->fd, p->crtc_id, d->fb_id, 0, 0, &p->conn_id, 1, &p->mode) < 0) {
		int ret = -errno;
		err("cannot set %ux%u on %s: %s", p->mode.hdisplay, p->mode.vdisplay, p->output,
		    strerror(errno));
		return ret;
	}
	p->crtc_set = true;
	p->front_idx = 0;
	if (p->opt.cursor && setup_cursor(p) < 0) {
		return -ENODEV;
	}
	move_cursor(p, p->k);
	frame_shown(p);
	printf("ready\n");
	fflush(stdout);
	return 0;
}

static void on_flip(int fd, unsigned seq, unsigned sec, unsigned usec, void *data)
{
	struct paint *p = data;

	(void)fd;
	(void)seq;
	(void)sec;
	(void)usec;
	p->flip_pending = false;
	p->front_idx = (p->front_idx + 1) % p->n_buf;
	frame_shown(p);
}

static int next_frame(struct paint *p)
{
	uint32_t k = (p->k + 1) & PAINT_K_MASK;

	if (p->opt.front) {
		struct kms_dumb *d = &p->buf[0];
		paint_scene_render(p->scene, k, d->map, d->pitch);
		/* Tell drivers that need it (virtio-gpu) which region changed. */
		drmModeDirtyFB(p->fd, d->fb_id, NULL, 0);
		p->k = k;
		move_cursor(p, k);
		frame_shown(p);
		return 0;
	}
	{
		unsigned back = (p->front_idx + 1) % p->n_buf;
		struct kms_dumb *d = &p->buf[back];
		paint_scene_render(p->scene, k, d->map, d->pitch);
		int ret = 0;
		if (p->atomic) {
			ret = atomic_flip(p, d->fb_id, k);
		} else if (drmModePageFlip(p->fd, p->crtc_id, d->fb_id, DRM_MODE_PAGE_FLIP_EVENT,
					   p) < 0) {
			ret = -errno;
		}
		if (ret < 0) {
			err("page flip on %s failed: %s", p->output, strerror(-ret));
			return ret;
		}
	}
	p->k = k;
	p->flip_pending = true;
	if (!p->atomic) {
		move_cursor(p, k);
	}
	return 0;
}

static int setup_fds(struct paint *p)
{
	sigset_t mask;
	struct itimerspec its = {0};
	long period = 1000000000L / p->opt.fps;

	sigemptyset(&mask);
	sigaddset(&mask, SIGTERM);
	sigaddset(&mask, SIGINT);
	sigprocmask(SIG_BLOCK, &mask, NULL);
	signal(SIGPIPE, SIG_IGN);
	p->sfd = signalfd(-1, &mask, SFD_CLOEXEC);
	if (p->sfd < 0) {
		err("signalfd: %s", strerror(errno));
		return -errno;
	}
	p->tfd = timerfd_create(CLOCK_MONOTONIC, TFD_CLOEXEC);
	if (p->tfd < 0) {
		err("timerfd: %s", strerror(errno));
		return -errno;
	}
	/* A periodic timer: ticks stay on the grid however long a frame takes. */
	its.it_value.tv_sec = period / 1000000000L;
	its.it_value.tv_nsec = period % 1000000000L;
	its.it_interval = its.it_value;
	if (timerfd_settime(p->tfd, 0, &its, NULL) < 0) {
		err("timerfd_settime: %s", strerror(errno));
		return -errno;
	}
	return 0;
}

static int run(struct paint *p)
{
	drmEventContext ev = {.version = 2, .page_flip_handler = on_flip};
	int flip_wait_ms = 0;

	for (;;) {
		struct pollfd fds[3] = {
			{.fd = p->sfd, .events = POLLIN},
			{.fd = p->tfd, .events = POLLIN},
			{.fd = p->fd, .events = POLLIN},
		};
		bool animating = !p->opt.is_static;
		int n;

		if (p->opt.frames && p->shown >= p->opt.frames && !p->flip_pending) {
			return 0;
		}
		n = poll(fds, animating ? 3 : 1, animating ? 100 : -1);
		if (n < 0) {
			if (errno == EINTR) {
				continue;
			}
			err("poll: %s", strerror(errno));
			return -errno;
		}
		if (fds[0].revents & POLLIN) {
			return 0;
		}
		if (!animating) {
			continue;
		}
		if (fds[2].revents & POLLIN) {
			drmHandleEvent(p->fd, &ev);
			flip_wait_ms = 0;
		} else if (p->flip_pending && n == 0 && (flip_wait_ms += 100) >= FLIP_TIMEOUT_MS) {
			err("no page-flip event from %s within %d ms", p->device, FLIP_TIMEOUT_MS);
			return -ETIMEDOUT;
		}
		if (fds[1].revents & POLLIN) {
			uint64_t ticks;
			if (read(p->tfd, &ticks, sizeof(ticks)) < 0) {
				continue;
			}
			/* A tick while the last flip is still pending is skipped: the
			 * scene shows consecutive k, never a queue of stale frames. */
			if (!p->flip_pending && !(p->opt.frames && p->shown >= p->opt.frames)) {
				int ret = next_frame(p);
				if (ret < 0) {
					return ret;
				}
			}
		}
	}
}

static int setup(struct paint *p)
{
	drmModeRes *res = NULL;
	drmModeConnector *conn = NULL;
	int ret;

	ret = kms_open_card(p->opt.device, p->device, sizeof(p->device));
	if (ret < 0) {
		if (p->opt.device) {
			err("cannot open %s: %s", p->opt.device, strerror(-ret));
		} else {
			err("no DRM card with a connected connector in /dev/dri");
		}
		return ret;
	}
	p->fd = ret;
	if (drmSetMaster(p->fd) < 0) {
		ret = -errno;
		err("cannot become DRM master of %s: %s (is a display server or another "
		    "kmscast-paint using it?)",
		    p->device, strerror(errno));
		return ret;
	}
	drmSetClientCap(p->fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	res = drmModeGetResources(p->fd);
	if (!res) {
		ret = -errno;
		err("%s is not a KMS device: %s", p->device, strerror(errno));
		goto out;
	}
	conn = kms_find_connector(p->fd, res, p->opt.output);
	if (!conn) {
		ret = -ENOENT;
		if (p->opt.output) {
			err("no output named %s on %s", p->opt.output, p->device);
		} else {
			err("no connected output on %s", p->device);
		}
		goto out;
	}
	kms_connector_name(conn, p->output, sizeof(p->output));
	if (conn->connection != DRM_MODE_CONNECTED) {
		ret = -ENOTCONN;
		err("output %s on %s is not connected", p->output, p->device);
		goto out;
	}
	p->conn_id = conn->connector_id;
	ret = pick_mode(p, conn);
	if (ret == 0) {
		ret = pick_crtc(p, res, conn);
	}
	if (ret == 0) {
		kms_find_planes(p->fd, res, p->crtc_id, false, &p->primary_id, &p->cursor_plane_id);
		ret = check_format(p);
	}
	if (ret == 0) {
		p->saved_crtc = drmModeGetCrtc(p->fd, p->crtc_id);
		ret = setup_buffers(p);
	}
out:
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	return ret;
}

static void teardown(struct paint *p)
{
	drmModeCrtc *s = p->saved_crtc;

	if (p->fd < 0) {
		return;
	}
	if (p->flip_pending) {
		/* Let the last flip land before its framebuffer goes away. */
		struct pollfd pfd = {.fd = p->fd, .events = POLLIN};
		drmEventContext ev = {.version = 2, .page_flip_handler = on_flip};
		if (poll(&pfd, 1, FLIP_TIMEOUT_MS) > 0) {
			drmHandleEvent(p->fd, &ev);
		}
	}
	if (p->opt.cursor && p->crtc_set) {
		drmModeSetCursor(p->fd, p->crtc_id, 0, 0, 0);
	}
	/* Hand the CRTC back as we found it (fbcon's framebuffer, usually). */
	if (p->crtc_set && p->opt.leave_off) {
		drmModeSetCrtc(p->fd, p->crtc_id, 0, 0, 0, NULL, 0, NULL);
	} else if (p->crtc_set && s && s->buffer_id && s->mode_valid) {
		drmModeSetCrtc(p->fd, s->crtc_id, s->buffer_id, s->x, s->y, &p->conn_id, 1,
			       &s->mode);
	}
	drmModeFreeCrtc(s);
	for (unsigned i = 0; i < MAX_BUFFERS; i++) {
		kms_dumb_destroy(p->fd, &p->buf[i]);
	}
	kms_dumb_destroy(p->fd, &p->cursor);
	paint_scene_destroy(p->scene);
	drmDropMaster(p->fd);
	close(p->fd);
}

int main(int argc, char **argv)
{
	struct paint p;
	int ret;

	memset(&p, 0, sizeof(p));
	p.fd = p.sfd = p.tfd = -1;
	parse_options(argc, argv, &p.opt);

	ret = setup_fds(&p);
	if (ret == 0) {
		ret = setup(&p);
	}
	if (ret == 0) {
		ret = show_first_frame(&p);
	}
	if (ret == 0) {
		ret = run(&p);
	}
	teardown(&p);
	if (p.sfd >= 0) {
		close(p.sfd);
	}
	if (p.tfd >= 0) {
		close(p.tfd);
	}
	return ret < 0 ? 1 : 0;
}
