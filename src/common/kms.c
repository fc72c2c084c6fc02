// SPDX-License-Identifier: MIT
#include "kmscast/kms.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <xf86drm.h>

void kms_connector_name(const drmModeConnector *conn, char *buf, size_t len)
{
	const char *type = drmModeGetConnectorTypeName(conn->connector_type);

	snprintf(buf, len, "%s-%u", type ? type : "Unknown", conn->connector_type_id);
}

drmModeConnector *kms_find_connector(int fd, const drmModeRes *res, const char *name)
{
	for (int i = 0; i < res->count_connectors; i++) {
		drmModeConnector *conn = drmModeGetConnector(fd, res->connectors[i]);
		char cname[64];

		if (!conn) {
			continue;
		}
		kms_connector_name(conn, cname, sizeof(cname));
		if (name ? strcmp(cname, name) == 0 : conn->connection == DRM_MODE_CONNECTED) {
			return conn;
		}
		drmModeFreeConnector(conn);
	}
	return NULL;
}

static bool has_connected_connector(int fd, void *data)
{
	drmModeRes *res = drmModeGetResources(fd);
	drmModeConnector *conn;

	(void)data;
	if (!res) {
		return false;
	}
	conn = kms_find_connector(fd, res, NULL);
	drmModeFreeResources(res);
	drmModeFreeConnector(conn);
	return conn != NULL;
}

static int card_number(const char *name)
{
	char *end;
	long n;

	if (strncmp(name, "card", 4) != 0 || !name[4]) {
		return -1;
	}
	n = strtol(name + 4, &end, 10);
	return (*end || n < 0 || n > 255) ? -1 : (int)n;
}

int kms_open_card_where(bool (*want)(int fd, void *data), void *data, char *opened,
			size_t opened_len)
{
	int fd, best = -1;
	DIR *dir;
	struct dirent *de;
	char buf[64];

	/* Lowest-numbered card first: readdir order is not. */
	dir = opendir("/dev/dri");
	if (!dir) {
		return -ENODEV;
	}
	for (int n = 0; n < 256 && best < 0; n++) {
		rewinddir(dir);
		while ((de = readdir(dir)) != NULL) {
			if (card_number(de->d_name) != n) {
				continue;
			}
			snprintf(buf, sizeof(buf), "/dev/dri/card%d", n);
			fd = open(buf, O_RDWR | O_CLOEXEC);
			if (fd < 0) {
				continue;
			}
			if (want(fd, data)) {
				best = fd;
				break;
			}
			close(fd);
		}
	}
	closedir(dir);
	if (best < 0) {
		return -ENODEV;
	}
	if (opened) {
		snprintf(opened, opened_len, "%s", buf);
	}
	return best;
}

/* Connected, and nobody holds it as DRM master (no compositor, no kiosk). */
static bool free_for_display(int fd, void *data)
{
	if (!has_connected_connector(fd, data) || drmSetMaster(fd) != 0)
		return false;
	drmDropMaster(fd);
	return true;
}

int kms_open_free_card(char *opened, size_t opened_len)
{
	return kms_open_card_where(free_for_display, NULL, opened, opened_len);
}

int kms_open_card(const char *path, char *opened, size_t opened_len)
{
	if (path) {
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0) {
			return -errno;
		}
		if (opened) {
			snprintf(opened, opened_len, "%s", path);
		}
		return fd;
	}
	return kms_open_card_where(has_connected_connector, NULL, opened, opened_len);
}

int kms_parse_size(const char *s, uint32_t *w, uint32_t *h)
{
	char *end;
	unsigned long a, b;

	if (!s || *s < '0' || *s > '9') {
		return -EINVAL;
	}
	errno = 0;
	a = strtoul(s, &end, 10);
	if (errno || *end != 'x' || end[1] < '0' || end[1] > '9') {
		return -EINVAL;
	}
	b = strtoul(end + 1, &end, 10);
	if (errno || *end || a == 0 || b == 0 || a > 16384 || b > 16384) {
		return -EINVAL;
	}
	*w = (uint32_t)a;
	*h = (uint32_t)b;
	return 0;
}

int kms_crtc_index(const drmModeRes *res, uint32_t crtc_id)
{
	for (int i = 0; i < res->count_crtcs; i++) {
		if (res->crtcs[i] == crtc_id) {
			return i;
		}
	}
	return -ENOENT;
}

/* Finds name among an object's properties: its id (> 0) and value. */
static int find_prop(int fd, uint32_t id, uint32_t type, const char *name, uint64_t *value)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, id, type);
	int ret = -ENOENT;

	if (!props) {
		return -errno;
	}
	for (uint32_t i = 0; i < props->count_props && ret == -ENOENT; i++) {
		drmModePropertyRes *p = drmModeGetProperty(fd, props->props[i]);
		if (p && strcmp(p->name, name) == 0 && p->prop_id <= INT32_MAX) {
			*value = props->prop_values[i];
			ret = (int)p->prop_id;
		}
		drmModeFreeProperty(p);
	}
	drmModeFreeObjectProperties(props);
	return ret;
}

int kms_object_prop(int fd, uint32_t id, uint32_t type, const char *name, uint64_t *value)
{
	int ret = find_prop(fd, id, type, name, value);

	return ret < 0 ? ret : 0;
}

void kms_object_values(int fd, uint32_t id, uint32_t type, const uint32_t *ids, uint64_t *vals,
		       size_t n)
{
	drmModeObjectProperties *props = drmModeObjectGetProperties(fd, id, type);

	for (uint32_t i = 0; props && i < props->count_props; i++) {
		for (size_t k = 0; k < n; k++) {
			if (ids[k] && ids[k] == props->props[i]) {
				vals[k] = props->prop_values[i];
			}
		}
	}
	drmModeFreeObjectProperties(props);
}

int kms_prop_id(int fd, uint32_t id, uint32_t type, const char *name)
{
	uint64_t v;

	return find_prop(fd, id, type, name, &v);
}

int kms_plane_type(int fd, uint32_t plane_id)
{
	uint64_t type;
	int ret = kms_object_prop(fd, plane_id, DRM_MODE_OBJECT_PLANE, "type", &type);

	return ret < 0 ? ret : (int)type;
}

void kms_find_planes(int fd, const drmModeRes *res, uint32_t crtc_id, bool on_crtc,
		     uint32_t *primary, uint32_t *cursor)
{
	drmModePlaneRes *pr = drmModeGetPlaneResources(fd);
	int idx = res ? kms_crtc_index(res, crtc_id) : -1;

	*primary = *cursor = 0;
	for (uint32_t i = 0; pr && i < pr->count_planes; i++) {
		drmModePlane *p = drmModeGetPlane(fd, pr->planes[i]);
		if (!p) {
			continue;
		}
		bool can = idx >= 0 && (p->possible_crtcs & (1u << idx));
		int type = kms_plane_type(fd, p->plane_id);
		if (type == DRM_PLANE_TYPE_PRIMARY && !*primary &&
		    (on_crtc ? crtc_id && p->crtc_id == crtc_id : can)) {
			*primary = p->plane_id;
		} else if (type == DRM_PLANE_TYPE_CURSOR && !*cursor && can) {
			*cursor = p->plane_id;
		}
		drmModeFreePlane(p);
	}
	drmModeFreePlaneResources(pr);
}

void kms_close_gem_handles(int fd, const uint32_t handles[4])
{
	for (int i = 0; i < 4; i++) {
		bool seen = false;
		for (int j = 0; j < i; j++) {
			seen |= handles[j] == handles[i];
		}
		if (handles[i] && !seen) {
			drmCloseBufferHandle(fd, handles[i]);
		}
	}
}

int kms_dumb_create(int fd, uint32_t w, uint32_t h, uint32_t bpp, struct kms_dumb *d)
{
	struct drm_mode_create_dumb create = {.width = w, .height = h, .bpp = bpp};
	struct drm_mode_map_dumb map = {0};

	if (drmIoctl(fd, DRM_IOCTL_MODE_CREATE_DUMB, &create) < 0)
		return -errno;
	d->handle = create.handle;
	d->pitch = create.pitch;
	d->size = create.size;
	map.handle = create.handle;
	if (drmIoctl(fd, DRM_IOCTL_MODE_MAP_DUMB, &map) < 0)
		return -errno;
	void *p = mmap(NULL, d->size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, (off_t)map.offset);
	if (p == MAP_FAILED)
		return -errno;
	d->map = p;
	return 0;
}

void kms_dumb_destroy(int fd, struct kms_dumb *d)
{
	struct drm_mode_destroy_dumb destroy = {.handle = d->handle};

	if (d->fb_id)
		drmModeRmFB(fd, d->fb_id);
	if (d->map)
		munmap(d->map, d->size);
	if (d->handle)
		drmIoctl(fd, DRM_IOCTL_MODE_DESTROY_DUMB, &destroy);
	memset(d, 0, sizeof(*d));
}

uint32_t kms_pick_crtc(int fd, const drmModeRes *res, const drmModeConnector *conn)
{
	drmModeEncoder *enc = conn->encoder_id ? drmModeGetEncoder(fd, conn->encoder_id) : NULL;
	uint32_t crtc = enc ? enc->crtc_id : 0;
	drmModeFreeEncoder(enc);
	for (int e = 0; !crtc && e < conn->count_encoders; e++) {
		enc = drmModeGetEncoder(fd, conn->encoders[e]);
		for (int c = 0; enc && !crtc && c < res->count_crtcs; c++)
			if (enc->possible_crtcs & (1u << c))
				crtc = res->crtcs[c];
		drmModeFreeEncoder(enc);
	}
	return crtc;
}
