// SPDX-License-Identifier: MIT
/* A fake libdrm for unit tests of the KMS logic: a table of cards,
 * connectors, encoders, CRTCs, planes and framebuffers that the libdrm
 * calls the capture code makes read instead of the kernel (the model is
 * libliftoff's test/libdrm_mock.c). Linked ahead of the real libdrm, so
 * the capture code is the real code; only the kernel is a table. A test
 * changes the table between calls to play hotplug, a flip or an unplug.
 * The VM scenarios stay the proof on a real kernel. */
#ifndef KMSCAST_FAKE_DRM_H
#define KMSCAST_FAKE_DRM_H

#include <stdbool.h>
#include <stdint.h>

#define FAKE_MAX 6

struct fake_connector {
	uint32_t id, type, type_id; /* DRM_MODE_CONNECTOR_*, and its number */
	bool connected;
	uint32_t encoder_id; /* 0: none */
};

struct fake_encoder {
	uint32_t id, crtc_id;
};

struct fake_crtc {
	uint32_t id;
	bool mode_valid;
};

struct fake_plane {
	uint32_t id, type; /* DRM_PLANE_TYPE_* */
	uint32_t crtc_id, fb_id, possible_crtcs;
	int32_t x, y;
};

struct fake_fb {
	uint32_t id, width, height, fourcc, pitch;
	int memfd; /* the buffer's memory, made by fake_drm_fb; every export is this one */
};

struct fake_card {
	const char *driver;
	bool unplugged;  /* every call fails with ENODEV */
	bool no_handles; /* GetFB2 without CAP_SYS_ADMIN: no handles */
	struct fake_connector conn[FAKE_MAX];
	struct fake_encoder enc[FAKE_MAX];
	struct fake_crtc crtc[FAKE_MAX];
	struct fake_plane plane[FAKE_MAX];
	struct fake_fb fb[FAKE_MAX];
	int n_conn, n_enc, n_crtc, n_plane, n_fb;
};

/* Makes card a file at path (a fresh temporary one when path is NULL) and
 * returns an fd of it: every fd of that file, opened now or later, is that
 * card. -errno on failure. */
int fake_drm_add(struct fake_card *card, const char *path);
/* Forgets every card (their files stay). */
void fake_drm_reset(void);
/* Fills fb's memory with w*h pixels of value px. */
int fake_drm_fb(struct fake_fb *fb, uint32_t px);
/* GEM handles given out and not closed, over all cards. */
int fake_drm_open_handles(void);

#endif
