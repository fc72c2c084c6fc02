// SPDX-License-Identifier: MIT
/* Small libdrm helpers shared by kmscast-paint, kmscast-grab and the daemon. */
#ifndef KMSCAST_KMS_H
#define KMSCAST_KMS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <xf86drmMode.h>

/* "Virtual-1", "HDMI-A-1": the kernel's name of a connector. */
void kms_connector_name(const drmModeConnector *conn, char *buf, size_t len);

/* Opens path read-write, or with path NULL the first /dev/dri/card* that has a
 * connected connector; the path opened is copied to opened (may be NULL).
 * Returns the fd or -errno (-ENODEV: no card with a connected connector). */
int kms_open_card(const char *path, char *opened, size_t opened_len);

/* The first card with a connected connector that no one holds as DRM
 * master; -ENODEV when there is none. */
int kms_open_free_card(char *opened, size_t opened_len);

/* The first /dev/dri/card* (lowest number first) for which want(fd, data)
 * is true, opened read-write; -ENODEV when none is. */
int kms_open_card_where(bool (*want)(int fd, void *data), void *data, char *opened,
			size_t opened_len);

/* The connector called name, or with name NULL the first connected one.
 * NULL if there is none; free with drmModeFreeConnector. */
drmModeConnector *kms_find_connector(int fd, const drmModeRes *res, const char *name);

/* Parses "WxH" (both 1..16384). Returns 0 or -EINVAL. */
int kms_parse_size(const char *s, uint32_t *w, uint32_t *h);

/* The CRTC the connector already drives, else the first one one of its
 * encoders can use; 0 when none can. */
uint32_t kms_pick_crtc(int fd, const drmModeRes *res, const drmModeConnector *conn);

/* Index of crtc_id in res->crtcs (the bit in possible_crtcs), or -ENOENT. */
int kms_crtc_index(const drmModeRes *res, uint32_t crtc_id);

/* The value of an object's property called name. Returns 0 or -errno
 * (-ENOENT: the object has no such property). */
int kms_object_prop(int fd, uint32_t id, uint32_t type, const char *name, uint64_t *value);

/* The values of an object's properties known by id (ids found once with
 * kms_prop_id: one ioctl per read, not one per property): vals[i] is set
 * where ids[i] is nonzero and the object has it, else left as it was. */
void kms_object_values(int fd, uint32_t id, uint32_t type, const uint32_t *ids, uint64_t *vals,
		       size_t n);

/* The id of an object's property called name (for atomic commits), or
 * -errno (-ENOENT: no such property). */
int kms_prop_id(int fd, uint32_t id, uint32_t type, const char *name);

/* A plane's "type" property (DRM_PLANE_TYPE_*), or -errno. Needs
 * DRM_CLIENT_CAP_UNIVERSAL_PLANES for primary and cursor planes to be listed. */
int kms_plane_type(int fd, uint32_t plane_id);

/* The planes for a CRTC: its primary (the one scanning out on it when
 * on_crtc, for reading what it shows; else the first that can, for
 * showing something) and the first cursor plane that can go on it. 0
 * where there is none, or no plane API. */
void kms_find_planes(int fd, const drmModeRes *res, uint32_t crtc_id, bool on_crtc,
		     uint32_t *primary, uint32_t *cursor);

/* Closes the GEM handles GetFB/GetFB2 returned (the four planes may share
 * one handle; each is closed once). Zero entries are skipped. */
void kms_close_gem_handles(int fd, const uint32_t handles[4]);

/* A mapped dumb buffer and, once the caller adds one, its framebuffer. */
struct kms_dumb {
	uint32_t handle, fb_id, pitch;
	uint64_t size;
	uint8_t *map;
};
/* Creates and maps a w x h dumb buffer of bpp bits; 0 or -errno (what was
 * made is left in d for kms_dumb_destroy). */
int kms_dumb_create(int fd, uint32_t w, uint32_t h, uint32_t bpp, struct kms_dumb *d);
/* Removes the framebuffer, unmaps and destroys; zeroes d. */
void kms_dumb_destroy(int fd, struct kms_dumb *d);

#endif
