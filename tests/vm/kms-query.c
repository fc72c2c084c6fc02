// SPDX-License-Identifier: MIT
/* kms-query DEVICE CONNECTOR [--planes]: what a connector is showing, read
 * through libdrm by a process that is not the DRM master. One line:
 *   Virtual-1 connected crtc=36 mode=1024x768 fb=43 fb_size=1024x768
 * (crtc=0 mode=none fb=0 fb_size=0x0 when nothing drives it), and with
 * --planes a line per plane on that CRTC, from its atomic properties:
 *   plane=31 type=cursor fb=45 crtc_x=10 crtc_y=20 crtc_w=64 crtc_h=64
 * Exit 1 if the connector does not exist. */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kmscast/kms.h"

static uint64_t prop(int fd, uint32_t id, const char *name)
{
	uint64_t v = 0;

	kms_object_prop(fd, id, DRM_MODE_OBJECT_PLANE, name, &v);
	return v;
}

static void print_planes(int fd, uint32_t crtc_id)
{
	static const char *types[] = {"overlay", "primary", "cursor"};
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd);

	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		uint32_t id = pr->planes[i];
		int type = kms_plane_type(fd, id);

		if (prop(fd, id, "CRTC_ID") != crtc_id) {
			continue;
		}
		printf("plane=%u type=%s fb=%u crtc_x=%d crtc_y=%d crtc_w=%u crtc_h=%u\n", id,
		       type >= 0 && type <= 2 ? types[type] : "unknown",
		       (unsigned)prop(fd, id, "FB_ID"), (int)(int64_t)prop(fd, id, "CRTC_X"),
		       (int)(int64_t)prop(fd, id, "CRTC_Y"), (unsigned)prop(fd, id, "CRTC_W"),
		       (unsigned)prop(fd, id, "CRTC_H"));
	}
	drmModeFreePlaneResources(pr);
}

int main(int argc, char **argv)
{
	int fd;
	drmModeRes *res;
	drmModeConnector *conn;
	drmModeEncoder *enc = NULL;
	drmModeCrtc *crtc = NULL;
	drmModeFB *fb = NULL;
	char name[64], mode[32] = "none";

	if (argc < 3 || argc > 4 || (argc == 4 && strcmp(argv[3], "--planes") != 0)) {
		fprintf(stderr, "usage: kms-query DEVICE CONNECTOR [--planes]\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
	/* Atomic exposes planes' CRTC_X/CRTC_Y (and implies universal planes). */
	drmSetClientCap(fd, DRM_CLIENT_CAP_ATOMIC, 1);
	res = drmModeGetResources(fd);
	conn = res ? kms_find_connector(fd, res, argv[2]) : NULL;
	if (!conn) {
		fprintf(stderr, "kms-query: no connector %s on %s\n", argv[2], argv[1]);
		drmModeFreeResources(res);
		close(fd);
		return 1;
	}
	kms_connector_name(conn, name, sizeof(name));
	if (conn->encoder_id) {
		enc = drmModeGetEncoder(fd, conn->encoder_id);
	}
	if (enc && enc->crtc_id) {
		crtc = drmModeGetCrtc(fd, enc->crtc_id);
	}
	if (crtc && crtc->mode_valid) {
		snprintf(mode, sizeof(mode), "%ux%u", crtc->mode.hdisplay, crtc->mode.vdisplay);
	}
	if (crtc && crtc->buffer_id) {
		fb = drmModeGetFB(fd, crtc->buffer_id);
	}
	printf("%s %s crtc=%u mode=%s fb=%u fb_size=%ux%u\n", name,
	       conn->connection == DRM_MODE_CONNECTED ? "connected" : "disconnected",
	       crtc ? crtc->crtc_id : 0, mode, crtc ? crtc->buffer_id : 0,
	       fb ? fb->width : 0, fb ? fb->height : 0);
	if (argc == 4 && crtc) {
		print_planes(fd, crtc->crtc_id);
	}
	drmModeFreeFB(fb);
	drmModeFreeCrtc(crtc);
	drmModeFreeEncoder(enc);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return 0;
}
