// SPDX-License-Identifier: MIT
/* The SDL window presenter; see client/present.h. SDL has no place in a
 * libuv loop, so a short timer pumps its events and a check handle (after
 * each round of I/O) draws the newest frame: frames that arrive together
 * show only the last, and the others count as dropped. */
#include "present.h"

#include <SDL.h>
#include <SDL_ttf.h>
#include <errno.h>
#include <linux/input-event-codes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sdlkeys.h"

#define PROG "kmscast"
#define PUMP_MS 4
#define FONT_PT 14

struct sdl {
	struct present base;
	struct present_options o;
	struct present_callbacks cb;
	void *data;
	uv_timer_t pump;
	uv_check_t check;
	int handles;
	SDL_Window *win;
	SDL_Renderer *ren;
	SDL_Texture *tex;
	TTF_Font *font;
	bool control, dirty, overlay;
	struct evmap_rect in_rect; /* the picture in window coordinates, for the mouse */
	struct present_stats stats;
	SDL_Texture *overlay_tex;
	int overlay_w, overlay_h;
};

static void send_frame(struct sdl *p, const struct proto_input_event *evs, unsigned n)
{
	if (p->cb.input)
		p->cb.input(p->data, evs, n);
}

/* A window position as an absolute pointer event pair in stream pixels. */
static unsigned pointer_at(struct sdl *p, int x, int y, struct proto_input_event *out)
{
	int32_t sx, sy;
	if (!p->base.w || !p->in_rect.w)
		return 0;
	evmap_to_stream(&p->in_rect, x, y, p->base.w, p->base.h, &sx, &sy);
	out[0] = (struct proto_input_event){EV_ABS, ABS_X, sx};
	out[1] = (struct proto_input_event){EV_ABS, ABS_Y, sy};
	return 2;
}

static uint16_t sdl_button(uint8_t b)
{
	switch (b) {
	case SDL_BUTTON_LEFT: return BTN_LEFT;
	case SDL_BUTTON_MIDDLE: return BTN_MIDDLE;
	case SDL_BUTTON_RIGHT: return BTN_RIGHT;
	case SDL_BUTTON_X1: return BTN_SIDE;
	case SDL_BUTTON_X2: return BTN_EXTRA;
	default: return 0;
	}
}

static void update_layout(struct sdl *p)
{
	int ww, wh;
	SDL_GetWindowSize(p->win, &ww, &wh);
	p->in_rect = evmap_fit(p->base.w, p->base.h, (uint32_t)(ww > 0 ? ww : 1),
			       (uint32_t)(wh > 0 ? wh : 1));
	p->dirty = true;
}

static void on_event(struct sdl *p, const SDL_Event *e)
{
	struct proto_input_event ev[4];
	unsigned n = 0;
	switch (e->type) {
	case SDL_QUIT:
		if (p->cb.quit)
			p->cb.quit(p->data);
		return;
	case SDL_CLIPBOARDUPDATE:
		if (p->cb.clipboard && SDL_HasClipboardText()) {
			char *t = SDL_GetClipboardText();
			if (t && *t)
				p->cb.clipboard(p->data, t);
			SDL_free(t);
		}
		return;
	case SDL_WINDOWEVENT:
		if (e->window.event == SDL_WINDOWEVENT_FOCUS_LOST && p->cb.focus_lost)
			p->cb.focus_lost(p->data);
		else if (e->window.event == SDL_WINDOWEVENT_SIZE_CHANGED ||
			 e->window.event == SDL_WINDOWEVENT_EXPOSED)
			update_layout(p);
		return;
	case SDL_KEYDOWN:
	case SDL_KEYUP: {
		/* The host repeats held keys itself. */
		uint16_t code = sdlkeys_to_evdev(e->key.keysym.scancode);
		if (e->key.repeat || !code)
			return;
		ev[n++] = (struct proto_input_event){EV_KEY, code, e->type == SDL_KEYDOWN};
		break;
	}
	case SDL_MOUSEMOTION: n = pointer_at(p, e->motion.x, e->motion.y, ev); break;
	case SDL_MOUSEBUTTONDOWN:
	case SDL_MOUSEBUTTONUP: {
		uint16_t b = sdl_button(e->button.button);
		if (!b)
			return;
		n = pointer_at(p, e->button.x, e->button.y, ev);
		ev[n++] = (struct proto_input_event){EV_KEY, b, e->type == SDL_MOUSEBUTTONDOWN};
		break;
	}
	case SDL_MOUSEWHEEL: {
		int dir = e->wheel.direction == SDL_MOUSEWHEEL_FLIPPED ? -1 : 1;
		if (e->wheel.y) {
			ev[n++] = (struct proto_input_event){EV_REL, REL_WHEEL, dir * e->wheel.y};
			ev[n++] =
				(struct proto_input_event){EV_REL, REL_WHEEL_HI_RES,
							   (int32_t)lroundf(
								   dir * e->wheel.preciseY * 120)};
		}
		if (e->wheel.x) {
			ev[n++] = (struct proto_input_event){EV_REL, REL_HWHEEL, dir * e->wheel.x};
			ev[n++] =
				(struct proto_input_event){EV_REL, REL_HWHEEL_HI_RES,
							   (int32_t)lroundf(
								   dir * e->wheel.preciseX * 120)};
		}
		break;
	}
	default: return;
	}
	if (n)
		send_frame(p, ev, n);
}

static void on_pump(uv_timer_t *t)
{
	struct sdl *p = t->data;
	SDL_Event e;
	while (p->win && SDL_PollEvent(&e))
		on_event(p, &e);
}

static void make_overlay(struct sdl *p)
{
	if (p->overlay_tex)
		SDL_DestroyTexture(p->overlay_tex);
	p->overlay_tex = NULL;
	if (!p->overlay || !p->font || !p->ren)
		return;
	char text[200];
	const struct present_stats *s = &p->stats;
	snprintf(text, sizeof(text),
		 "%lu fps  %.2f Mbit/s  latency %.1f ms  rtt %.1f ms  "
		 "dropped %lu",
		 s->fps, s->mbit_s, s->latency_ms, s->rtt_ms, s->dropped);
	SDL_Surface *surf = TTF_RenderUTF8_Blended(p->font, text, (SDL_Color){255, 255, 255, 255});
	if (!surf)
		return;
	p->overlay_tex = SDL_CreateTextureFromSurface(p->ren, surf);
	p->overlay_w = surf->w;
	p->overlay_h = surf->h;
	SDL_FreeSurface(surf);
}

static void draw(struct sdl *p)
{
	int ow, oh;
	if (SDL_GetRendererOutputSize(p->ren, &ow, &oh) != 0 || ow <= 0 || oh <= 0)
		return;
	struct evmap_rect r = evmap_fit(p->base.w, p->base.h, (uint32_t)ow, (uint32_t)oh);
	SDL_SetRenderDrawColor(p->ren, 0, 0, 0, 255);
	SDL_RenderClear(p->ren);
	const uint8_t *src = present_compose(&p->base);
	SDL_UpdateTexture(p->tex, NULL, src, (int)p->base.w * 3);
	SDL_Rect dst = {r.x, r.y, (int)r.w, (int)r.h};
	SDL_RenderCopy(p->ren, p->tex, NULL, &dst);
	if (p->overlay && p->overlay_tex) {
		SDL_Rect box = {4, 4, p->overlay_w + 8, p->overlay_h + 4};
		SDL_Rect text = {8, 6, p->overlay_w, p->overlay_h};
		SDL_SetRenderDrawBlendMode(p->ren, SDL_BLENDMODE_BLEND);
		SDL_SetRenderDrawColor(p->ren, 0, 0, 0, 192);
		SDL_RenderFillRect(p->ren, &box);
		SDL_RenderCopy(p->ren, p->overlay_tex, NULL, &text);
	}
	SDL_RenderPresent(p->ren);
}

static void on_check(uv_check_t *c)
{
	struct sdl *p = c->data;
	if (!p->dirty || !p->tex)
		return;
	draw(p);
	if (p->base.frame_waiting)
		present_shown(&p->base, p->base.capture_us);
	p->dirty = p->base.frame_waiting = false;
}

static const char *renderer_name(SDL_Renderer *r)
{
	SDL_RendererInfo info;
	return SDL_GetRendererInfo(r, &info) == 0 ? info.name : "?";
}

static int sdl_configure(struct present *base, uint32_t w, uint32_t h, char *err, size_t len)
{
	struct sdl *p = (struct sdl *)base;
	if (!p->win) {
		/* The stream's own size where the screen has room, else as
		 * large as fits. */
		SDL_Rect bounds;
		int x = SDL_WINDOWPOS_UNDEFINED, y = SDL_WINDOWPOS_UNDEFINED;
		uint32_t ww = w, wh = h;
		if (p->o.fullscreen && SDL_GetDisplayBounds(0, &bounds) == 0) {
			/* Full screen is the window manager's to grant; without
			 * one (an X kiosk) the screen-sized window still is. */
			x = bounds.x;
			y = bounds.y;
			ww = (uint32_t)bounds.w;
			wh = (uint32_t)bounds.h;
		} else if (!p->o.fullscreen && SDL_GetDisplayUsableBounds(0, &bounds) == 0 &&
			   ((int)w > bounds.w || (int)h > bounds.h)) {
			struct evmap_rect r =
				evmap_fit(w, h, (uint32_t)bounds.w, (uint32_t)bounds.h);
			ww = r.w;
			wh = r.h;
		}
		Uint32 flags = SDL_WINDOW_RESIZABLE | SDL_WINDOW_ALLOW_HIGHDPI |
			       (p->o.fullscreen ? SDL_WINDOW_FULLSCREEN_DESKTOP : 0);
		p->win = SDL_CreateWindow(p->o.title ? p->o.title : "kmscast", x, y, (int)ww,
					  (int)wh, flags);
		if (p->win)
			p->ren = SDL_CreateRenderer(p->win, -1, 0);
		if (!p->win || !p->ren) {
			snprintf(err, len, "--present sdl: cannot open a window: %s",
				 SDL_GetError());
			return -EIO;
		}
		if (p->control)
			SDL_ShowCursor(SDL_DISABLE);
		int gw, gh;
		SDL_GetWindowSize(p->win, &gw, &gh);
		fprintf(stderr, PROG ": window %dx%d%s (renderer %s)\n", gw, gh,
			p->o.fullscreen ? ", full screen" : "", renderer_name(p->ren));
	} else if ((w != p->base.w || h != p->base.h) && !p->o.fullscreen) {
		SDL_SetWindowSize(p->win, (int)w, (int)h); /* the stream changed size: follow it */
	}
	if (w != p->base.w || h != p->base.h || !p->tex) {
		if (p->tex)
			SDL_DestroyTexture(p->tex);
		/* Bilinear where the picture is scaled; at 1:1 it is an exact copy. */
		SDL_SetHint(SDL_HINT_RENDER_SCALE_QUALITY, "linear");
		p->tex = SDL_CreateTexture(p->ren, SDL_PIXELFORMAT_RGB24,
					   SDL_TEXTUREACCESS_STREAMING, (int)w, (int)h);
		if (present_size_frame(&p->base, w, h) != 0 || !p->tex) {
			snprintf(err, len, "--present sdl: cannot make a %ux%u picture: %s", w, h,
				 p->tex ? "out of memory" : SDL_GetError());
			return -ENOMEM;
		}
	}
	update_layout(p);
	if (p->o.verbose)
		fprintf(stderr, PROG ": the %ux%u stream fills %ux%u at %d,%d of the window\n", w,
			h, p->in_rect.w, p->in_rect.h, p->in_rect.x, p->in_rect.y);
	return 0;
}

static void sdl_frame(struct present *base, const uint8_t *rgb, uint64_t capture_us)
{
	struct sdl *p = (struct sdl *)base;
	if (present_keep_frame(&p->base, rgb, capture_us))
		p->dirty = true;
}

static void sdl_cursor(struct present *base, const struct present_cursor *c)
{
	struct sdl *p = (struct sdl *)base;
	present_keep_cursor(&p->base, c);
	p->dirty = true;
}

static void sdl_control(struct present *base, bool control)
{
	struct sdl *p = (struct sdl *)base;
	p->control = control;
	/* In control the host's cursor follows ours: show one, not two. */
	if (p->win)
		SDL_ShowCursor(control ? SDL_DISABLE : SDL_ENABLE);
}

static void sdl_stats(struct present *base, const struct present_stats *s)
{
	struct sdl *p = (struct sdl *)base;
	p->stats = *s;
	if (p->overlay) {
		make_overlay(p);
		p->dirty = true;
	}
}

static void sdl_toggle_overlay(struct present *base)
{
	struct sdl *p = (struct sdl *)base;
	p->overlay = !p->overlay;
	if (p->overlay && !p->font) {
		fprintf(stderr, PROG ": no stats overlay: cannot open the font %s\n", p->o.font);
		p->overlay = false;
		return;
	}
	fprintf(stderr, PROG ": stats overlay %s\n", p->overlay ? "shown" : "hidden");
	make_overlay(p);
	p->dirty = true;
}

static void handle_closed(uv_handle_t *h)
{
	struct sdl *p = h->data;
	if (--p->handles == 0)
		free(p);
}

static void sdl_destroy(struct present *base)
{
	struct sdl *p = (struct sdl *)base;
	if (p->overlay_tex)
		SDL_DestroyTexture(p->overlay_tex);
	if (p->tex)
		SDL_DestroyTexture(p->tex);
	if (p->ren)
		SDL_DestroyRenderer(p->ren);
	if (p->win)
		SDL_DestroyWindow(p->win);
	p->win = NULL;
	if (p->font)
		TTF_CloseFont(p->font);
	TTF_Quit();
	SDL_Quit();
	present_free_frame(&p->base);
	if (!p->handles) {
		free(p);
		return;
	}
	uv_timer_stop(&p->pump);
	uv_check_stop(&p->check);
	uv_close((uv_handle_t *)&p->pump, handle_closed);
	uv_close((uv_handle_t *)&p->check, handle_closed);
}

/* SDL owns the selection on X11 and Wayland alike; the update it then
 * reports is our own text, which the client knows by its hash. */
static void sdl_clipboard(struct present *base, const char *text)
{
	(void)base;
	if (SDL_SetClipboardText(text) != 0)
		fprintf(stderr, "kmscast: clipboard: the window's clipboard refused the text: %s\n",
			SDL_GetError());
}

static const struct present_ops sdl_ops = {
	.configure = sdl_configure,
	.frame = sdl_frame,
	.cursor = sdl_cursor,
	.control = sdl_control,
	.stats = sdl_stats,
	.toggle_overlay = sdl_toggle_overlay,
	.clipboard = sdl_clipboard,
	.destroy = sdl_destroy,
};

int present_sdl_create(uv_loop_t *loop, const struct present_options *o,
		       const struct present_callbacks *cb, void *data, struct present **out,
		       char *err, size_t len)
{
	struct sdl *p = calloc(1, sizeof(*p));
	if (!p) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	p->base.ops = &sdl_ops;
	p->o = *o;
	p->cb = *cb;
	p->data = data;
	/* libuv handles SIGINT and SIGTERM; SDL must not take them. */
	SDL_SetHint(SDL_HINT_NO_SIGNAL_HANDLERS, "1");
	if (SDL_Init(SDL_INIT_VIDEO) != 0) {
		snprintf(err, len, "--present sdl: cannot start SDL's video: %s", SDL_GetError());
		SDL_Quit();
		free(p);
		return -ENODEV;
	}
	if (TTF_Init() == 0)
		p->font = TTF_OpenFont(o->font, FONT_PT);
	if (!p->font && o->verbose)
		fprintf(stderr, PROG ": the stats overlay has no font: %s: %s\n", o->font,
			TTF_GetError());
	uv_timer_init(loop, &p->pump);
	uv_check_init(loop, &p->check);
	p->pump.data = p->check.data = p;
	p->handles = 2;
	uv_timer_start(&p->pump, on_pump, PUMP_MS, PUMP_MS);
	uv_check_start(&p->check, on_check);
	*out = &p->base;
	return 0;
}
