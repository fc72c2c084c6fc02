/* kms-query DEVICE CONNECTOR: what a connector is showing, read through libdrm
 * by a process that is not the DRM master. One line:
 *   Virtual-1 connected crtc=36 mode=1024x768 fb=43 fb_size=1024x768
 * (crtc=0 mode=none fb=0 fb_size=0x0 when nothing drives it). Exit 1 if the
 * connector does not exist. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

#include "kmscast/kms.h"

int main(int argc, char **argv)
{
	int fd;
	drmModeRes *res;
	drmModeConnector *conn;
	drmModeEncoder *enc = NULL;
	drmModeCrtc *crtc = NULL;
	drmModeFB *fb = NULL;
	char name[64], mode[32] = "none";

	if (argc != 3) {
		fprintf(stderr, "usage: kms-query DEVICE CONNECTOR\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0) {
		perror(argv[1]);
		return 1;
	}
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
	drmModeFreeFB(fb);
	drmModeFreeCrtc(crtc);
	drmModeFreeEncoder(enc);
	drmModeFreeConnector(conn);
	drmModeFreeResources(res);
	close(fd);
	return 0;
}
