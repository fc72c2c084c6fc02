// SPDX-License-Identifier: MIT
/* wl-pointer: what a Wayland application sees of the pointer, for the
 * desktop scenarios (xev's role on X11).
 *
 *   wl-pointer [--color RRGGBB]
 *       asks the compositor for a fullscreen window filled with one colour
 *       (so window positions are screen pixels), sets its own cursor while
 *       the pointer is over it, prints "ready WxH" once the compositor has
 *       drawn it, then a line per event: "enter X Y", "motion X Y",
 *       "button X Y BTN_LEFT pressed|released", "leave"; X Y is the pixel
 *       under the pointer (kmscast aims at a pixel's centre, 400.5).
 *   wl-pointer --cursor-raw FILE
 *       writes that cursor (24x24, hotspot 4,4) as it would be on a 64x64
 *       cursor plane: raw ARGB8888, 16384 bytes; then exits.
 *   wl-pointer --find-cursor FILE.png
 *       prints where that cursor's opaque part is drawn in the picture, as
 *       its hotspot's position ("cursor at X,Y"), or "no cursor"; for a
 *       compositor that draws the cursor itself.
 *
 * The cursor is four opaque quadrants (red, green, blue, white) with a
 * half-transparent grey column at the right: the test compares it with
 * what the compositor put on the cursor plane and what kmscast received. */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <wayland-client.h>

#include "kmscast/pngio.h"
#include "xdg-shell-client-protocol.h"

#define CURSOR_SIDE 24
#define HOT 4

struct app {
	struct wl_display *display;
	struct wl_compositor *compositor;
	struct wl_shm *shm;
	struct xdg_wm_base *wm;
	struct wl_seat *seat;
	struct wl_pointer *pointer;
	struct wl_surface *surface, *cursor;
	struct xdg_surface *xdg;
	struct xdg_toplevel *toplevel;
	struct wl_buffer *buffer, *cursor_buffer;
	int32_t w, h;
	uint32_t color;
	double x, y;
	bool sized, drawn, closed;
};

static void die(const char *what)
{
	fprintf(stderr, "wl-pointer: %s\n", what);
	exit(1);
}

static void cursor_pixels(uint32_t *px)
{
	for (int y = 0; y < CURSOR_SIDE; y++)
		for (int x = 0; x < CURSOR_SIDE; x++) {
			uint32_t c = y < 12 ? (x < 12 ? 0xffff0000u : 0xff00ff00u)
					    : (x < 12 ? 0xff0000ffu : 0xffffffffu);
			/* Premultiplied, as wl_shm's ARGB8888 is: 50% grey. */
			px[y * CURSOR_SIDE + x] = x >= CURSOR_SIDE - 2 ? 0x80404040u : c;
		}
}

/* An shm buffer of w x h ARGB8888, its pixels mapped at *map. */
static struct wl_buffer *shm_buffer(struct app *a, int32_t w, int32_t h, uint32_t **map)
{
	size_t len = (size_t)w * (size_t)h * 4;
	int fd = memfd_create("wl-pointer", MFD_CLOEXEC);
	if (fd < 0 || ftruncate(fd, (off_t)len) < 0)
		die("memfd");
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (p == MAP_FAILED)
		die("mmap");
	struct wl_shm_pool *pool = wl_shm_create_pool(a->shm, fd, (int32_t)len);
	struct wl_buffer *b =
		wl_shm_pool_create_buffer(pool, 0, w, h, w * 4, WL_SHM_FORMAT_ARGB8888);
	wl_shm_pool_destroy(pool);
	close(fd);
	*map = p;
	return b;
}

static void frame_done(void *data, struct wl_callback *cb, uint32_t t)
{
	struct app *a = data;
	(void)t;
	wl_callback_destroy(cb);
	if (!a->drawn && a->sized)
		printf("ready %dx%d\n", a->w, a->h);
	a->drawn |= a->sized;
	fflush(stdout);
}
static const struct wl_callback_listener frame_listener = {frame_done};

static void draw(struct app *a)
{
	uint32_t *px;
	if (a->buffer)
		wl_buffer_destroy(a->buffer);
	a->buffer = shm_buffer(a, a->w, a->h, &px);
	for (size_t i = 0; i < (size_t)a->w * (size_t)a->h; i++)
		px[i] = a->color;
	wl_surface_attach(a->surface, a->buffer, 0, 0);
	wl_surface_damage(a->surface, 0, 0, a->w, a->h);
	wl_callback_add_listener(wl_surface_frame(a->surface), &frame_listener, a);
	wl_surface_commit(a->surface);
}

static void xdg_configure(void *data, struct xdg_surface *s, uint32_t serial)
{
	struct app *a = data;
	xdg_surface_ack_configure(s, serial);
	/* No size yet (sway's first configure): a placeholder until the
	 * fullscreen one comes; "ready" waits for that. */
	draw(a);
}
static const struct xdg_surface_listener xdg_listener = {xdg_configure};

static void top_configure(void *data, struct xdg_toplevel *t, int32_t w, int32_t h,
			  struct wl_array *states)
{
	struct app *a = data;
	(void)t;
	(void)states;
	if (w > 0 && h > 0) {
		a->w = w;
		a->h = h;
		a->sized = true;
	}
}
static void top_close(void *data, struct xdg_toplevel *t)
{
	(void)t;
	((struct app *)data)->closed = true;
}
static const struct xdg_toplevel_listener top_listener = {top_configure, top_close};

static void wm_ping(void *data, struct xdg_wm_base *wm, uint32_t serial)
{
	(void)data;
	xdg_wm_base_pong(wm, serial);
}
static const struct xdg_wm_base_listener wm_listener = {wm_ping};

static void p_enter(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s,
		    wl_fixed_t x, wl_fixed_t y)
{
	struct app *a = data;
	(void)s;
	wl_pointer_set_cursor(p, serial, a->cursor, HOT, HOT);
	/* Committed again now it has the cursor role: wlroots takes the
	 * buffer of a commit made in that role, not one from before. */
	wl_surface_attach(a->cursor, a->cursor_buffer, 0, 0);
	wl_surface_damage(a->cursor, 0, 0, CURSOR_SIDE, CURSOR_SIDE);
	wl_surface_commit(a->cursor);
	a->x = wl_fixed_to_double(x);
	a->y = wl_fixed_to_double(y);
	printf("enter %.0f %.0f\n", floor(a->x), floor(a->y));
	fflush(stdout);
}
static void p_leave(void *data, struct wl_pointer *p, uint32_t serial, struct wl_surface *s)
{
	(void)data;
	(void)p;
	(void)serial;
	(void)s;
	printf("leave\n");
	fflush(stdout);
}
static void p_motion(void *data, struct wl_pointer *p, uint32_t t, wl_fixed_t x, wl_fixed_t y)
{
	struct app *a = data;
	(void)p;
	(void)t;
	a->x = wl_fixed_to_double(x);
	a->y = wl_fixed_to_double(y);
	printf("motion %.0f %.0f\n", floor(a->x), floor(a->y));
	fflush(stdout);
}
static void p_button(void *data, struct wl_pointer *p, uint32_t serial, uint32_t t,
		     uint32_t button, uint32_t state)
{
	struct app *a = data;
	(void)p;
	(void)serial;
	(void)t;
	const char *name = button == BTN_LEFT    ? "BTN_LEFT"
			   : button == BTN_RIGHT  ? "BTN_RIGHT"
			   : button == BTN_MIDDLE ? "BTN_MIDDLE"
						  : "BTN_OTHER";
	printf("button %.0f %.0f %s %s\n", floor(a->x), floor(a->y), name,
	       state == WL_POINTER_BUTTON_STATE_PRESSED ? "pressed" : "released");
	fflush(stdout);
}
static void p_axis(void *data, struct wl_pointer *p, uint32_t t, uint32_t axis, wl_fixed_t v)
{
	(void)data;
	(void)p;
	(void)t;
	(void)axis;
	(void)v;
}
static const struct wl_pointer_listener pointer_listener = {p_enter, p_leave, p_motion, p_button,
							     p_axis};

static void seat_caps(void *data, struct wl_seat *seat, uint32_t caps)
{
	struct app *a = data;
	if ((caps & WL_SEAT_CAPABILITY_POINTER) && !a->pointer) {
		a->pointer = wl_seat_get_pointer(seat);
		wl_pointer_add_listener(a->pointer, &pointer_listener, a);
	}
}
static void seat_name(void *data, struct wl_seat *seat, const char *name)
{
	(void)data;
	(void)seat;
	(void)name;
}
static const struct wl_seat_listener seat_listener = {seat_caps, seat_name};

static void global(void *data, struct wl_registry *r, uint32_t name, const char *iface,
		   uint32_t version)
{
	struct app *a = data;
	if (!strcmp(iface, wl_compositor_interface.name)) {
		a->compositor = wl_registry_bind(r, name, &wl_compositor_interface, 4);
	} else if (!strcmp(iface, wl_shm_interface.name)) {
		a->shm = wl_registry_bind(r, name, &wl_shm_interface, 1);
	} else if (!strcmp(iface, xdg_wm_base_interface.name)) {
		a->wm = wl_registry_bind(r, name, &xdg_wm_base_interface, 1);
		xdg_wm_base_add_listener(a->wm, &wm_listener, a);
	} else if (!strcmp(iface, wl_seat_interface.name) && !a->seat) {
		/* Version 3: no pointer frames to gather; each event is a line. */
		a->seat = wl_registry_bind(r, name, &wl_seat_interface, version < 3 ? version : 3);
		wl_seat_add_listener(a->seat, &seat_listener, a);
	}
}
static void global_remove(void *data, struct wl_registry *r, uint32_t name)
{
	(void)data;
	(void)r;
	(void)name;
}
static const struct wl_registry_listener registry_listener = {global, global_remove};

/* The cursor as a compositor puts it on a 64x64 cursor plane: at the
 * top-left, the rest transparent; raw little-endian ARGB8888. */
static int write_cursor(const char *path)
{
	static uint32_t px[CURSOR_SIDE * CURSOR_SIDE], plane[64 * 64];
	cursor_pixels(px);
	for (int y = 0; y < CURSOR_SIDE; y++)
		memcpy(&plane[y * 64], &px[y * CURSOR_SIDE], CURSOR_SIDE * 4);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(plane, sizeof(plane), 1, f) != 1 || fclose(f) != 0)
		die(strerror(errno));
	return 0;
}

/* Whether the cursor's opaque columns are drawn with their top-left at x, y. */
static bool drawn_at(const uint8_t *rgb, uint32_t w, uint32_t x, uint32_t y, const uint32_t *px)
{
	for (uint32_t cy = 0; cy < CURSOR_SIDE; cy++)
		for (uint32_t cx = 0; cx < CURSOR_SIDE - 2; cx++) {
			const uint8_t *p = rgb + ((size_t)(y + cy) * w + x + cx) * 3;
			uint32_t c = px[cy * CURSOR_SIDE + cx];
			if (p[0] != ((c >> 16) & 0xff) || p[1] != ((c >> 8) & 0xff) ||
			    p[2] != (c & 0xff))
				return false;
		}
	return true;
}

static int find_cursor(const char *path)
{
	static uint32_t px[CURSOR_SIDE * CURSOR_SIDE];
	uint8_t *rgb;
	uint32_t w, h;
	char err[256];
	if (pngio_read_rgb8(path, &rgb, &w, &h, err, sizeof(err)) < 0)
		die(err);
	cursor_pixels(px);
	for (uint32_t y = 0; y + CURSOR_SIDE <= h; y++)
		for (uint32_t x = 0; x + CURSOR_SIDE <= w; x++)
			if (drawn_at(rgb, w, x, y, px)) {
				printf("cursor at %u,%u\n", x + HOT, y + HOT);
				free(rgb);
				return 0;
			}
	printf("no cursor\n");
	free(rgb);
	return 0;
}

int main(int argc, char **argv)
{
	struct app a = {.color = 0xff336699u, .w = 64, .h = 64};
	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--color") && i + 1 < argc)
			a.color = 0xff000000u | (uint32_t)strtoul(argv[++i], NULL, 16);
		else if (!strcmp(argv[i], "--cursor-raw") && i + 1 < argc)
			return write_cursor(argv[++i]);
		else if (!strcmp(argv[i], "--find-cursor") && i + 1 < argc)
			return find_cursor(argv[++i]);
		else
			die("usage: wl-pointer [--color RRGGBB] | --cursor-raw FILE | --find-cursor FILE.png");
	}
	a.display = wl_display_connect(NULL);
	if (!a.display)
		die("cannot connect to the Wayland display (WAYLAND_DISPLAY, XDG_RUNTIME_DIR)");
	wl_registry_add_listener(wl_display_get_registry(a.display), &registry_listener, &a);
	wl_display_roundtrip(a.display);
	if (!a.compositor || !a.shm || !a.wm || !a.seat)
		die("the compositor lacks wl_compositor, wl_shm, xdg_wm_base or wl_seat");
	wl_display_roundtrip(a.display);

	uint32_t *px;
	a.cursor = wl_compositor_create_surface(a.compositor);
	a.cursor_buffer = shm_buffer(&a, CURSOR_SIDE, CURSOR_SIDE, &px);
	cursor_pixels(px);
	wl_surface_attach(a.cursor, a.cursor_buffer, 0, 0);
	wl_surface_damage(a.cursor, 0, 0, CURSOR_SIDE, CURSOR_SIDE);
	wl_surface_commit(a.cursor);

	a.surface = wl_compositor_create_surface(a.compositor);
	a.xdg = xdg_wm_base_get_xdg_surface(a.wm, a.surface);
	xdg_surface_add_listener(a.xdg, &xdg_listener, &a);
	a.toplevel = xdg_surface_get_toplevel(a.xdg);
	xdg_toplevel_add_listener(a.toplevel, &top_listener, &a);
	xdg_toplevel_set_title(a.toplevel, "wl-pointer");
	xdg_toplevel_set_fullscreen(a.toplevel, NULL);
	wl_surface_commit(a.surface);
	while (!a.closed && wl_display_dispatch(a.display) >= 0)
		;
	return 0;
}
