// SPDX-License-Identifier: MIT
/* kmscast-grab: inspect DRM cards and dump what a plane scans out. */
#include <drm_fourcc.h>
#include <errno.h>
#include <getopt.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kmscast/capture.h"
#include "kmscast/cli.h"
#include "kmscast/format.h"
#include "kmscast/kms.h"
#include "kmscast/fileio.h"
#include "kmscast/pngio.h"

#define GRAB_ATTEMPTS 10

#define PROG "kmscast-grab"

enum {
	EXIT_FAILED = 1, /* I/O and anything else */
	EXIT_USAGE = 2,
	EXIT_PERMISSION = 3, /* no CAP_SYS_ADMIN / DRM master, or the card cannot be opened */
	EXIT_NOT_FOUND = 4,  /* no such card, output or plane; nothing on it */
	EXIT_FORMAT = 5,     /* a format or modifier with no CPU path */
};

struct options {
	const char *device, *output, *png, *raw;
	uint32_t plane_id;
	bool list, json, cursor;
};

/* The plane's picture as rgb8, copied whole (-EAGAIN if it flipped during
 * the copy) and converted from the copy. */
static int read_whole_frame(struct capture *cap, const struct capture_buffer *b, uint8_t *rgb,
			    char *err, size_t len)
{
	const struct format_info *fmt = format_lookup(b->fourcc);
	size_t n = (size_t)b->pitch[0] * b->height;
	uint8_t *raw;
	int ret = capture_check_cpu_path(b, capture_driver(cap), err, len);

	if (ret < 0 || !fmt)
		return ret < 0 ? ret : -ENOTSUP;
	raw = malloc(n);
	if (!raw) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	ret = capture_copy_stable(cap, b, raw, n, err, len);
	if (ret == 0)
		format_to_rgb8(fmt, raw, b->pitch[0], b->width, b->height, rgb);
	free(raw);
	return ret;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: kmscast-grab --list [--json] [--device PATH]\n"
		"       kmscast-grab [--device PATH] [--output NAME] [--plane ID] [--cursor]\n"
		"                    (-o FILE.png | --raw FILE)\n"
		"Inspect DRM cards and dump what a plane scans out.\n"
		"\n"
		"  --list          cards, connectors, CRTCs and planes (type, fb, size, format,\n"
		"                  modifier, position); --json prints one JSON document\n"
		"  --device PATH   card (default: first with a connected connector; --list: all)\n"
		"  --output NAME   connector to follow, e.g. Virtual-1 (default: first lit one)\n"
		"  --plane ID      dump this plane instead of the output's primary plane\n"
		"  --cursor        composite the cursor plane at its place (PNG only)\n"
		"  -o FILE.png     the scanout as a pixel-exact 8-bit RGB PNG\n"
		"  --raw FILE      the raw bytes; FILE.meta holds format, modifier, size, pitch\n"
		"  -h, --help      show this help\n"
		"\n"
		"Reading framebuffers needs CAP_SYS_ADMIN (or DRM master): run as root or\n"
		"`setcap cap_sys_admin+ep kmscast-grab`. Files are written whole or not at all.\n"
		"Exit status: 0 ok, 1 failed (e.g. cannot write), 2 usage, 3 permission,\n"
		"4 no such card/output/plane, 5 unsupported format or modifier.\n");
}

static void parse_options(int argc, char **argv, struct options *o)
{
	enum { O_LIST = 256, O_JSON, O_DEVICE, O_OUTPUT, O_PLANE, O_CURSOR, O_RAW };
	static const struct option longopts[] = {
		{"list", no_argument, NULL, O_LIST},
		{"json", no_argument, NULL, O_JSON},
		{"device", required_argument, NULL, O_DEVICE},
		{"output", required_argument, NULL, O_OUTPUT},
		{"plane", required_argument, NULL, O_PLANE},
		{"cursor", no_argument, NULL, O_CURSOR},
		{"raw", required_argument, NULL, O_RAW},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c;
	unsigned long v;

	memset(o, 0, sizeof(*o));
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":o:h", longopts, NULL)) != -1) {
		switch (c) {
		case O_LIST: o->list = true; break;
		case O_JSON: o->json = true; break;
		case O_DEVICE: o->device = optarg; break;
		case O_OUTPUT: o->output = optarg; break;
		case O_CURSOR: o->cursor = true; break;
		case O_RAW: o->raw = optarg; break;
		case 'o': o->png = optarg; break;
		case O_PLANE:
			if (!cli_parse_uint(optarg, 1, UINT32_MAX, &v)) {
				cli_die_usage(
					PROG,
					"--plane takes a plane id (a positive number), not '%s'",
					optarg);
			}
			o->plane_id = (uint32_t)v;
			break;
		case 'h': usage(stdout); exit(0);
		case ':': cli_die_usage(PROG, "option '%s' needs a value", argv[optind - 1]); break;
		default: cli_die_usage(PROG, "unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc) {
		cli_die_usage(PROG, "unexpected argument '%s'", argv[optind]);
	}
	if (o->list) {
		if (o->png || o->raw || o->output || o->plane_id || o->cursor) {
			cli_die_usage(PROG, "--list takes only --json and --device");
		}
		return;
	}
	if (o->json) {
		cli_die_usage(PROG, "--json goes with --list");
	}
	if (!o->png == !o->raw) {
		cli_die_usage(PROG,
			      o->png ? "give either -o FILE.png or --raw FILE, not both"
				     : "nothing to do: give --list, -o FILE.png or --raw FILE");
	}
	if (o->cursor && o->raw) {
		cli_die_usage(PROG,
			      "--cursor composites into a PNG; --raw dumps one plane's bytes");
	}
}

/* ---- --list ---- */

struct lister {
	bool json;
	bool first_item; /* JSON: no comma before the first element of a list */
};

static void json_sep(struct lister *l)
{
	if (!l->first_item) {
		putchar(',');
	}
	l->first_item = false;
}

static const char *plane_type_name(int type)
{
	switch (type) {
	case DRM_PLANE_TYPE_PRIMARY: return "primary";
	case DRM_PLANE_TYPE_CURSOR: return "cursor";
	case DRM_PLANE_TYPE_OVERLAY: return "overlay";
	default: return "unknown";
	}
}

static int64_t plane_prop(int fd, uint32_t id, const char *name)
{
	uint64_t v = 0;

	kms_object_prop(fd, id, DRM_MODE_OBJECT_PLANE, name, &v);
	return (int64_t)v;
}

static void list_connectors(int fd, const drmModeRes *res, struct lister *l)
{
	l->first_item = true;
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *c = drmModeGetConnector(fd, res->connectors[i]);
		drmModeEncoder *e;
		uint32_t crtc = 0;
		char name[64], pref[32] = "";

		if (!c) {
			continue;
		}
		kms_connector_name(c, name, sizeof(name));
		e = c->encoder_id ? drmModeGetEncoder(fd, c->encoder_id) : NULL;
		crtc = e ? e->crtc_id : 0;
		drmModeFreeEncoder(e);
		for (int m = 0; m < c->count_modes; m++) {
			if (c->modes[m].type & DRM_MODE_TYPE_PREFERRED) {
				snprintf(pref, sizeof(pref), "%ux%u", c->modes[m].hdisplay,
					 c->modes[m].vdisplay);
				break;
			}
		}
		const char *status = c->connection == DRM_MODE_CONNECTED      ? "connected"
				     : c->connection == DRM_MODE_DISCONNECTED ? "disconnected"
									      : "unknown";
		if (l->json) {
			json_sep(l);
			printf("{\"id\":%u,\"name\":\"%s\",\"status\":\"%s\",\"crtc\":%u,"
			       "\"modes\":%d,\"preferred\":\"%s\"}",
			       c->connector_id, name, status, crtc, c->count_modes, pref);
		} else {
			printf("  connector %u %s %s crtc %u, %d modes%s%s\n", c->connector_id,
			       name, status, crtc, c->count_modes, pref[0] ? ", preferred " : "",
			       pref);
		}
		drmModeFreeConnector(c);
	}
}

static void list_crtcs(int fd, const drmModeRes *res, struct lister *l)
{
	l->first_item = true;
	for (int i = 0; i < res->count_crtcs; i++) {
		drmModeCrtc *c = drmModeGetCrtc(fd, res->crtcs[i]);
		char mode[48] = "off";

		if (!c) {
			continue;
		}
		/* A mode kept with the CRTC switched off (ACTIVE 0): DPMS off. */
		uint64_t on = 1;
		kms_object_prop(fd, c->crtc_id, DRM_MODE_OBJECT_CRTC, "ACTIVE", &on);
		bool blanked = c->mode_valid && !on;
		if (c->mode_valid) {
			snprintf(mode, sizeof(mode), "%ux%u@%u", c->mode.hdisplay, c->mode.vdisplay,
				 c->mode.vrefresh);
		}
		if (l->json) {
			json_sep(l);
			printf("{\"id\":%u,\"active\":%s,\"blanked\":%s,\"mode\":\"%s\",\"fb\":%u}",
			       c->crtc_id, c->mode_valid ? "true" : "false",
			       blanked ? "true" : "false", mode, c->buffer_id);
		} else {
			printf("  crtc %u %s fb %u%s\n", c->crtc_id, mode, c->buffer_id,
			       blanked ? " blanked (DPMS off: the mode is kept, nothing is lit)"
				       : "");
		}
		drmModeFreeCrtc(c);
	}
}

/* Framebuffer metadata for a listing; the handles GetFB2 may return (to a
 * privileged caller) are closed at once. */
static void fb_info(int fd, uint32_t fb_id, uint32_t *w, uint32_t *h, char fmt[16], char mod[24])
{
	drmModeFB2 *fb = fb_id ? drmModeGetFB2(fd, fb_id) : NULL;

	*w = *h = 0;
	strcpy(fmt, "-");
	strcpy(mod, "-");
	if (!fb) {
		return;
	}
	*w = fb->width;
	*h = fb->height;
	{
		const struct format_info *f = format_lookup(fb->pixel_format);
		char cc[5];
		snprintf(fmt, 16, "%s", f ? f->name : format_fourcc_str(fb->pixel_format, cc));
	}
	capture_modifier_str((fb->flags & DRM_MODE_FB_MODIFIERS) ? fb->modifier
								 : DRM_FORMAT_MOD_INVALID,
			     mod, 24);
	kms_close_gem_handles(fd, fb->handles);
	drmModeFreeFB2(fb);
}

static void list_planes(int fd, struct lister *l)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd);

	l->first_item = true;
	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		drmModePlane *p = drmModeGetPlane(fd, pr->planes[i]);
		uint32_t w, h;
		char fmt[16], mod[24];
		int64_t x, y, cw, ch;

		if (!p) {
			continue;
		}
		fb_info(fd, p->fb_id, &w, &h, fmt, mod);
		x = plane_prop(fd, p->plane_id, "CRTC_X");
		y = plane_prop(fd, p->plane_id, "CRTC_Y");
		cw = plane_prop(fd, p->plane_id, "CRTC_W");
		ch = plane_prop(fd, p->plane_id, "CRTC_H");
		const char *type = plane_type_name(kms_plane_type(fd, p->plane_id));
		if (l->json) {
			json_sep(l);
			printf("{\"id\":%u,\"type\":\"%s\",\"crtc\":%u,\"fb\":%u,\"width\":%u,"
			       "\"height\":%u,\"format\":\"%s\",\"modifier\":\"%s\",\"x\":%lld,"
			       "\"y\":%lld,\"crtc_w\":%lld,\"crtc_h\":%lld,\"formats\":%u}",
			       p->plane_id, type, p->crtc_id, p->fb_id, w, h, fmt, mod,
			       (long long)x, (long long)y, (long long)cw, (long long)ch,
			       p->count_formats);
		} else if (p->fb_id) {
			printf("  plane %u %s crtc %u fb %u %ux%u %s %s at %lld,%lld size %lldx%lld\n",
			       p->plane_id, type, p->crtc_id, p->fb_id, w, h, fmt, mod,
			       (long long)x, (long long)y, (long long)cw, (long long)ch);
		} else {
			printf("  plane %u %s off (%u formats)\n", p->plane_id, type,
			       p->count_formats);
		}
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
}

static int list_card(const char *path, struct lister *l, bool *first_card)
{
	int fd = kms_open_card(path, NULL, 0);
	drmVersion *ver;
	drmModeRes *res;

	if (fd < 0) {
		fprintf(stderr, "kmscast-grab: cannot open %s: %s\n", path, strerror(-fd));
		return fd == -ENOENT ? EXIT_NOT_FOUND : EXIT_PERMISSION;
	}
	drmSetClientCap(fd, DRM_CLIENT_CAP_UNIVERSAL_PLANES, 1);
	drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
	ver = drmGetVersion(fd);
	res = drmModeGetResources(fd);
	if (l->json) {
		printf("%s{\"path\":\"%s\",\"driver\":\"%s\",\"kms\":%s", *first_card ? "" : ",",
		       path, ver && ver->name ? ver->name : "unknown", res ? "true" : "false");
	} else {
		printf("%s %s%s\n", path, ver && ver->name ? ver->name : "unknown",
		       res ? "" : " (no KMS)");
	}
	*first_card = false;
	if (res) {
		if (l->json) {
			printf(",\"connectors\":[");
		}
		list_connectors(fd, res, l);
		if (l->json) {
			printf("],\"crtcs\":[");
		}
		list_crtcs(fd, res, l);
		if (l->json) {
			printf("],\"planes\":[");
		}
		list_planes(fd, l);
		if (l->json) {
			printf("]");
		}
	}
	if (l->json) {
		printf("}");
	}
	drmModeFreeResources(res);
	drmFreeVersion(ver);
	close(fd);
	return 0;
}

static int list(const struct options *o)
{
	struct lister l = {.json = o->json};
	bool first = true;
	int ret = 0, found = 0;

	if (l.json) {
		printf("{\"cards\":[");
	}
	if (o->device) {
		ret = list_card(o->device, &l, &first);
		found = ret == 0;
	} else {
		for (int n = 0; n < 64; n++) {
			char path[32];
			snprintf(path, sizeof(path), "/dev/dri/card%d", n);
			if (access(path, F_OK) == 0 && list_card(path, &l, &first) == 0) {
				found++;
			}
		}
	}
	if (l.json) {
		printf("]}\n");
	}
	if (!o->device && !found) {
		fprintf(stderr, "kmscast-grab: no DRM cards in /dev/dri\n");
		return EXIT_NOT_FOUND;
	}
	return ret;
}

/* ---- dump ---- */

static int exit_code(int err)
{
	switch (err) {
	case -EACCES:
	case -EPERM: return EXIT_PERMISSION;
	case -ENOENT:
	case -ENODEV:
	case -ENODATA: return EXIT_NOT_FOUND;
	case -ENOTSUP: return EXIT_FORMAT;
	default: return EXIT_FAILED;
	}
}

/* The plane's bytes as they lie in memory, plus FILE.meta; both or neither. */
static int write_raw(struct capture *cap, const struct capture_frame *fr, const char *path,
		     char *err, size_t len, bool *writing)
{
	const struct capture_buffer *b = &fr->fb;
	const struct format_info *f = format_lookup(b->fourcc);
	size_t n = (size_t)b->pitch[0] * b->height;
	char meta_path[4096], meta[512], cc[5], mod[24];
	uint8_t *bytes;
	int ret;

	if ((size_t)snprintf(meta_path, sizeof(meta_path), "%s.meta", path) >= sizeof(meta_path)) {
		snprintf(err, len, "path too long: %s", path);
		return -ENAMETOOLONG;
	}
	bytes = malloc(n ? n : 1);
	if (!bytes) {
		snprintf(err, len, "out of memory for %zu bytes", n);
		return -ENOMEM;
	}
	ret = capture_read_bytes(cap, b, bytes, n, err, len);
	if (ret == 0) {
		*writing = true;
		ret = fileio_write_atomic(path, bytes, n, 0644, err, len);
	}
	free(bytes);
	if (ret < 0) {
		return ret;
	}
	snprintf(meta, sizeof(meta),
		 "format=%s\nfourcc=0x%08x\nmodifier=%s\nwidth=%u\nheight=%u\npitch=%u\n"
		 "bytes=%zu\nfb_id=%u\n",
		 f ? f->name : format_fourcc_str(b->fourcc, cc), b->fourcc,
		 capture_modifier_str(b->modifier, mod, sizeof(mod)), b->width, b->height,
		 b->pitch[0], n, b->fb_id);
	ret = fileio_write_atomic(meta_path, meta, strlen(meta), 0644, err, len);
	if (ret < 0) {
		unlink(path);
	}
	return ret;
}

static int dump(const struct options *o)
{
	char dev[64], err[512];
	struct capture_options copt = {.output = o->output,
				       .plane_id = o->plane_id,
				       .cursor = o->cursor};
	struct capture *cap = NULL;
	struct capture_frame fr;
	uint8_t *rgb = NULL;
	bool writing = false;
	int fd, ret;

	fd = kms_open_card(o->device, dev, sizeof(dev));
	if (fd < 0) {
		if (o->device) {
			fprintf(stderr, "kmscast-grab: cannot open %s: %s\n", o->device,
				strerror(-fd));
			return fd == -ENOENT ? EXIT_NOT_FOUND : EXIT_PERMISSION;
		}
		fprintf(stderr,
			"kmscast-grab: no DRM card with a connected connector in /dev/dri\n");
		return EXIT_NOT_FOUND;
	}
	ret = capture_create(fd, &copt, &cap, err, sizeof(err));
	if (ret == 0) {
		ret = capture_grab(cap, &fr, err, sizeof(err));
	}
	if (ret == 0 && o->raw) {
		/* write_raw reads then writes: its read errors are capture errors too,
		 * but a failed write must not look like a missing plane. */
		ret = write_raw(cap, &fr, o->raw, err, sizeof(err), &writing);
	} else if (ret == 0) {
		/* A page flip during the read hands the buffer back to its owner, who
		 * draws the next frame into it: a read is whole only if the plane
		 * shows the buffer throughout, so retry until one is. */
		for (int attempt = 0; attempt < GRAB_ATTEMPTS; attempt++) {
			if (attempt) {
				free(rgb);
				rgb = NULL;
				ret = capture_grab(cap, &fr, err, sizeof(err));
				if (ret < 0)
					break;
			}
			rgb = malloc((size_t)fr.fb.width * fr.fb.height * 3);
			ret = rgb ? read_whole_frame(cap, &fr.fb, rgb, err, sizeof(err)) : -ENOMEM;
			if (!rgb) {
				snprintf(err, sizeof(err), "out of memory");
			}
			if (ret != -EAGAIN)
				break;
		}
		if (ret == 0 && o->cursor) {
			ret = capture_blend_cursor(cap, &fr, rgb, fr.fb.width, fr.fb.height, err,
						   sizeof(err));
		}
		if (ret == 0) {
			writing = true;
			ret = pngio_write_rgb8(o->png, rgb, fr.fb.width, fr.fb.height, err,
					       sizeof(err));
		}
	}
	if (ret < 0 && writing) {
		fprintf(stderr, "kmscast-grab: %s\n", err);
	} else if (ret < 0) {
		fprintf(stderr, "kmscast-grab: %s: %s\n", dev, err);
	}
	free(rgb);
	capture_destroy(cap);
	close(fd);
	if (ret < 0) {
		return writing ? EXIT_FAILED : exit_code(ret);
	}
	return 0;
}

int main(int argc, char **argv)
{
	struct options o;

	parse_options(argc, argv, &o);
	return o.list ? list(&o) : dump(&o);
}
