// SPDX-License-Identifier: MIT
/* The fake libdrm; see fake_drm.h. Every object it hands out is calloc'd
 * and freed by its own drmModeFree*, so that no real libdrm code runs. */
#define _GNU_SOURCE
#include "fake_drm.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <xf86drm.h>
#include <xf86drmMode.h>

/* Property ids of a plane, as a driver would number them. */
enum { PROP_TYPE = 100, PROP_CRTC_X, PROP_CRTC_Y, PROP_CRTC_W, PROP_CRTC_H };
static const char *const prop_names[] = {"type", "CRTC_X", "CRTC_Y", "CRTC_W", "CRTC_H"};

/* The table a test builds; a test binary's one global. */
static struct {
	struct fake_card *card;
	dev_t dev;
	ino_t ino;
} cards[FAKE_MAX];
static int n_cards, open_handles;

int fake_drm_add(struct fake_card *card, const char *path)
{
	char tmp[] = "/tmp/fake-drm-XXXXXX";
	struct stat st;
	int fd = path ? open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600) : mkostemp(tmp, O_CLOEXEC);

	if (fd < 0)
		return -errno;
	if (!path)
		unlink(tmp);
	if (n_cards == FAKE_MAX || fstat(fd, &st) != 0) {
		close(fd);
		return -ENOSPC;
	}
	cards[n_cards].card = card;
	cards[n_cards].dev = st.st_dev;
	cards[n_cards].ino = st.st_ino;
	n_cards++;
	return fd;
}

void fake_drm_reset(void)
{
	n_cards = 0;
	open_handles = 0;
}

int fake_drm_fb(struct fake_fb *fb, uint32_t px)
{
	size_t n = (size_t)fb->pitch * fb->height;
	uint32_t *p;

	if (fb->memfd <= 0 && (fb->memfd = memfd_create("fake-fb", MFD_CLOEXEC)) < 0)
		return -errno;
	if (ftruncate(fb->memfd, (off_t)n) != 0)
		return -errno;
	p = mmap(NULL, n, PROT_WRITE, MAP_SHARED, fb->memfd, 0);
	if (p == MAP_FAILED)
		return -errno;
	for (size_t i = 0; i < n / 4; i++)
		p[i] = px;
	munmap(p, n);
	return 0;
}

int fake_drm_open_handles(void)
{
	return open_handles;
}

/* The card behind fd; NULL with errno set (ENODEV: it was unplugged,
 * ENOTTY: not a card). */
static struct fake_card *card_of(int fd)
{
	struct stat st;

	/* Newest first: a temporary file's inode may be an old card's. */
	if (fstat(fd, &st) == 0) {
		for (int i = n_cards - 1; i >= 0; i--) {
			if (cards[i].dev == st.st_dev && cards[i].ino == st.st_ino) {
				if (!cards[i].card->unplugged)
					return cards[i].card;
				errno = ENODEV;
				return NULL;
			}
		}
	}
	errno = ENOTTY;
	return NULL;
}

static uint32_t *ids(const void *objs, size_t size, int n)
{
	uint32_t *out = calloc((size_t)n + 1, sizeof(*out));

	for (int i = 0; out && i < n; i++)
		memcpy(&out[i], (const char *)objs + (size_t)i * size, sizeof(uint32_t));
	return out;
}

drmModeResPtr drmModeGetResources(int fd)
{
	struct fake_card *c = card_of(fd);
	drmModeRes *r = c ? calloc(1, sizeof(*r)) : NULL;

	if (!r)
		return NULL;
	r->count_connectors = c->n_conn;
	r->connectors = ids(c->conn, sizeof(c->conn[0]), c->n_conn);
	r->count_encoders = c->n_enc;
	r->encoders = ids(c->enc, sizeof(c->enc[0]), c->n_enc);
	r->count_crtcs = c->n_crtc;
	r->crtcs = ids(c->crtc, sizeof(c->crtc[0]), c->n_crtc);
	return r;
}

void drmModeFreeResources(drmModeResPtr r)
{
	if (r) {
		free(r->connectors);
		free(r->encoders);
		free(r->crtcs);
		free(r);
	}
}

drmModeConnectorPtr drmModeGetConnector(int fd, uint32_t id)
{
	struct fake_card *c = card_of(fd);

	for (int i = 0; c && i < c->n_conn; i++) {
		if (c->conn[i].id != id)
			continue;
		drmModeConnector *r = calloc(1, sizeof(*r));
		if (!r)
			return NULL;
		r->connector_id = id;
		r->connector_type = c->conn[i].type;
		r->connector_type_id = c->conn[i].type_id;
		r->connection = c->conn[i].connected ? DRM_MODE_CONNECTED : DRM_MODE_DISCONNECTED;
		r->encoder_id = c->conn[i].encoder_id;
		return r;
	}
	if (c)
		errno = ENOENT;
	return NULL;
}

void drmModeFreeConnector(drmModeConnectorPtr p)
{
	free(p);
}

drmModeEncoderPtr drmModeGetEncoder(int fd, uint32_t id)
{
	struct fake_card *c = card_of(fd);

	for (int i = 0; c && i < c->n_enc; i++) {
		if (c->enc[i].id != id)
			continue;
		drmModeEncoder *r = calloc(1, sizeof(*r));
		if (r) {
			r->encoder_id = id;
			r->crtc_id = c->enc[i].crtc_id;
		}
		return r;
	}
	return NULL;
}

void drmModeFreeEncoder(drmModeEncoderPtr p)
{
	free(p);
}

drmModeCrtcPtr drmModeGetCrtc(int fd, uint32_t id)
{
	struct fake_card *c = card_of(fd);

	for (int i = 0; c && i < c->n_crtc; i++) {
		if (c->crtc[i].id != id)
			continue;
		drmModeCrtc *r = calloc(1, sizeof(*r));
		if (r) {
			r->crtc_id = id;
			r->mode_valid = c->crtc[i].mode_valid;
		}
		return r;
	}
	return NULL;
}

void drmModeFreeCrtc(drmModeCrtcPtr p)
{
	free(p);
}

drmModePlaneResPtr drmModeGetPlaneResources(int fd)
{
	struct fake_card *c = card_of(fd);
	drmModePlaneRes *r = c ? calloc(1, sizeof(*r)) : NULL;

	if (r) {
		r->count_planes = (uint32_t)c->n_plane;
		r->planes = ids(c->plane, sizeof(c->plane[0]), c->n_plane);
	}
	return r;
}

void drmModeFreePlaneResources(drmModePlaneResPtr p)
{
	if (p) {
		free(p->planes);
		free(p);
	}
}

static struct fake_plane *plane_of(struct fake_card *c, uint32_t id)
{
	for (int i = 0; c && i < c->n_plane; i++)
		if (c->plane[i].id == id)
			return &c->plane[i];
	return NULL;
}

drmModePlanePtr drmModeGetPlane(int fd, uint32_t id)
{
	struct fake_card *c = card_of(fd);
	struct fake_plane *p = plane_of(c, id);
	drmModePlane *r;

	if (!p) {
		if (c)
			errno = ENOENT;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (r) {
		r->plane_id = id;
		r->crtc_id = p->crtc_id;
		r->fb_id = p->fb_id;
		r->possible_crtcs = p->possible_crtcs;
	}
	return r;
}

void drmModeFreePlane(drmModePlanePtr p)
{
	free(p);
}

static struct fake_fb *fb_of(struct fake_card *c, uint32_t id)
{
	for (int i = 0; c && id && i < c->n_fb; i++)
		if (c->fb[i].id == id)
			return &c->fb[i];
	return NULL;
}

drmModeObjectPropertiesPtr drmModeObjectGetProperties(int fd, uint32_t id, uint32_t type)
{
	struct fake_card *c = card_of(fd);
	struct fake_plane *p = plane_of(c, id);
	struct fake_fb *fb = p ? fb_of(c, p->fb_id) : NULL;
	drmModeObjectProperties *r;

	if (!p || type != DRM_MODE_OBJECT_PLANE)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->count_props = 5;
	r->props = calloc(5, sizeof(*r->props));
	r->prop_values = calloc(5, sizeof(*r->prop_values));
	if (!r->props || !r->prop_values) {
		drmModeFreeObjectProperties(r);
		return NULL;
	}
	/* The plane shows its whole framebuffer at x, y. */
	uint64_t values[5] = {p->type, (uint64_t)(int64_t)p->x, (uint64_t)(int64_t)p->y,
			      fb ? fb->width : 0, fb ? fb->height : 0};
	for (uint32_t i = 0; i < 5; i++) {
		r->props[i] = PROP_TYPE + i;
		r->prop_values[i] = values[i];
	}
	return r;
}

void drmModeFreeObjectProperties(drmModeObjectPropertiesPtr p)
{
	if (p) {
		free(p->props);
		free(p->prop_values);
		free(p);
	}
}

drmModePropertyPtr drmModeGetProperty(int fd, uint32_t id)
{
	drmModePropertyRes *r;

	if (!card_of(fd) || id < PROP_TYPE || id > PROP_CRTC_H)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (r) {
		r->prop_id = id;
		strcpy(r->name, prop_names[id - PROP_TYPE]);
	}
	return r;
}

void drmModeFreeProperty(drmModePropertyPtr p)
{
	free(p);
}

int drmSetClientCap(int fd, uint64_t cap, uint64_t value)
{
	(void)cap;
	(void)value;
	return card_of(fd) ? 0 : -errno;
}

int drmIsMaster(int fd)
{
	(void)fd;
	return 0;
}

int drmDropMaster(int fd)
{
	(void)fd;
	return 0;
}

drmVersionPtr drmGetVersion(int fd)
{
	struct fake_card *c = card_of(fd);
	drmVersion *v = c ? calloc(1, sizeof(*v)) : NULL;

	if (v && !(v->name = strdup(c->driver))) {
		free(v);
		return NULL;
	}
	if (v)
		v->name_len = (int)strlen(v->name);
	return v;
}

void drmFreeVersion(drmVersionPtr v)
{
	if (v) {
		free(v->name);
		free(v);
	}
}

/* Handle i + 1 is framebuffer i: a handle names memory, not an fb id. */
drmModeFB2Ptr drmModeGetFB2(int fd, uint32_t fb_id)
{
	struct fake_card *c = card_of(fd);
	struct fake_fb *fb = fb_of(c, fb_id);
	drmModeFB2 *r;

	if (!fb) {
		if (c)
			errno = ENOENT;
		return NULL;
	}
	r = calloc(1, sizeof(*r));
	if (!r)
		return NULL;
	r->fb_id = fb_id;
	r->width = fb->width;
	r->height = fb->height;
	r->pixel_format = fb->fourcc;
	r->flags = DRM_MODE_FB_MODIFIERS;
	r->modifier = 0; /* DRM_FORMAT_MOD_LINEAR */
	r->pitches[0] = fb->pitch;
	if (!c->no_handles) {
		r->handles[0] = (uint32_t)(fb - c->fb) + 1;
		open_handles++;
	}
	return r;
}

void drmModeFreeFB2(drmModeFB2Ptr p)
{
	free(p);
}

int drmCloseBufferHandle(int fd, uint32_t handle)
{
	(void)fd;
	(void)handle;
	open_handles--;
	return 0;
}

/* The same memory exported twice is the same dma_buf, as the kernel's. */
int drmPrimeHandleToFD(int fd, uint32_t handle, uint32_t flags, int *prime_fd)
{
	struct fake_card *c = card_of(fd);

	(void)flags;
	if (!c || handle < 1 || handle > (uint32_t)c->n_fb || c->fb[handle - 1].memfd <= 0) {
		errno = c ? ENOENT : errno;
		return -errno;
	}
	*prime_fd = fcntl(c->fb[handle - 1].memfd, F_DUPFD_CLOEXEC, 0);
	return *prime_fd < 0 ? -errno : 0;
}
