// SPDX-License-Identifier: MIT
/* What the presenters share; see client/present.h. */
#include "present.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/clock.h"
#include "kmscast/format.h"

int present_configure(struct present *p, uint32_t w, uint32_t h, char *err, size_t len)
{
	return p->ops->configure(p, w, h, err, len);
}

void present_frame(struct present *p, const uint8_t *rgb, uint64_t capture_us)
{
	p->ops->frame(p, rgb, capture_us);
}

void present_cursor(struct present *p, const struct present_cursor *c) { p->ops->cursor(p, c); }

void present_control(struct present *p, bool control)
{
	if (p->ops->control)
		p->ops->control(p, control);
}

void present_stats(struct present *p, const struct present_stats *s)
{
	if (p->ops->stats)
		p->ops->stats(p, s);
}

void present_toggle_overlay(struct present *p)
{
	if (p->ops->toggle_overlay)
		p->ops->toggle_overlay(p);
}

void present_take_latency(struct present *p, uint64_t *sum_us, unsigned long *n)
{
	*sum_us = p->lat_sum;
	*n = p->lat_n;
	p->lat_sum = 0;
	p->lat_n = 0;
}

unsigned long present_dropped(const struct present *p) { return p->dropped; }

void present_destroy(struct present *p)
{
	if (p)
		p->ops->destroy(p);
}

void present_shown(struct present *p, uint64_t capture_us)
{
	uint64_t now = wall_us();
	/* A sender's clock far off ours says nothing about latency. */
	if (capture_us && now >= capture_us && now - capture_us < 60000000u) {
		p->lat_sum += now - capture_us;
		p->lat_n++;
	}
}

void present_keep_cursor(struct present *p, const struct present_cursor *c)
{
	p->cur = *c;
	if (c->image_changed && c->argb != p->cursor_img && c->w &&
	    (size_t)c->w * c->h * 4 <= sizeof(p->cursor_img))
		memcpy(p->cursor_img, c->argb, (size_t)c->w * c->h * 4);
	p->cur.argb = p->cursor_img;
}

const uint8_t *present_compose(struct present *p)
{
	if (!p->cur.visible || !p->cur.w)
		return p->rgb;
	memcpy(p->scratch, p->rgb, (size_t)p->w * p->h * 3);
	format_blend_cursor(p->scratch, p->w, p->h, (int64_t)p->cur.x - p->cur.hot_x,
			    (int64_t)p->cur.y - p->cur.hot_y, p->cursor_img, p->cur.w, p->cur.h,
			    p->cur.w * 4u);
	return p->scratch;
}

int present_size_frame(struct present *p, uint32_t w, uint32_t h)
{
	if (p->rgb && w == p->w && h == p->h)
		return 0;
	present_free_frame(p);
	p->rgb = calloc((size_t)w * h, 3);
	p->scratch = malloc((size_t)w * h * 3);
	if (!p->rgb || !p->scratch) {
		present_free_frame(p);
		return -ENOMEM;
	}
	p->w = w;
	p->h = h;
	return 0;
}

void present_free_frame(struct present *p)
{
	free(p->rgb);
	free(p->scratch);
	p->rgb = p->scratch = NULL;
	p->w = p->h = 0;
}

bool present_keep_frame(struct present *p, const uint8_t *rgb, uint64_t capture_us)
{
	if (!p->rgb)
		return false;
	memcpy(p->rgb, rgb, (size_t)p->w * p->h * 3);
	p->capture_us = capture_us;
	p->dropped += p->frame_waiting; /* replaced before it was shown */
	p->frame_waiting = true;
	return true;
}
