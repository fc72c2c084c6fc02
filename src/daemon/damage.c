// SPDX-License-Identifier: MIT
/* The damage map; see include/kmscast/damage.h. */
#include "kmscast/damage.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

int damage_create(uint32_t w, uint32_t h, struct damage **out)
{
	struct damage *d = calloc(1, sizeof(*d));

	if (!d || !w || !h)
		goto fail;
	d->w = w;
	d->h = h;
	d->tw = (w + DAMAGE_TILE - 1) / DAMAGE_TILE;
	d->th = (h + DAMAGE_TILE - 1) / DAMAGE_TILE;
	d->tiles = calloc((size_t)d->tw * d->th, 1);
	d->known = calloc((size_t)d->tw * d->th, 1);
	d->hash = calloc((size_t)h * d->tw, sizeof(*d->hash));
	if (!d->tiles || !d->known || !d->hash)
		goto fail;
	damage_all(d);
	*out = d;
	return 0;
fail:
	damage_destroy(d);
	return w && h ? -ENOMEM : -EINVAL;
}

void damage_destroy(struct damage *d)
{
	if (!d)
		return;
	free(d->tiles);
	free(d->known);
	free(d->hash);
	free(d);
}

static void mark(struct damage *d, size_t t)
{
	if (!d->tiles[t]) {
		d->tiles[t] = 1;
		d->n_damaged++;
	}
}

uint32_t damage_scan(struct damage *d, const uint8_t *px, size_t pitch, unsigned cpp,
		     unsigned phase, unsigned step)
{
	size_t tile_bytes = (size_t)DAMAGE_TILE * cpp;
	size_t last_bytes = (size_t)(d->w - (d->tw - 1) * DAMAGE_TILE) * cpp;

	if (step == 0)
		step = 1;
	for (uint32_t y = phase % step; y < d->h; y += step) {
		const uint8_t *row = px + (size_t)y * pitch;
		uint64_t *hash = d->hash + (size_t)y * d->tw;
		size_t t0 = (size_t)(y / DAMAGE_TILE) * d->tw;
		for (uint32_t tx = 0; tx < d->tw; tx++) {
			uint64_t h = XXH3_64bits(row + tx * tile_bytes,
						 tx + 1 < d->tw ? tile_bytes : last_bytes);
			if (h != hash[tx])
				mark(d, t0 + tx);
			hash[tx] = h;
		}
	}
	if (step == 1) {
		for (size_t t = 0; t < (size_t)d->tw * d->th; t++) {
			if (!d->known[t])
				mark(d, t);
			d->known[t] = 1;
		}
	}
	return d->n_damaged;
}

void damage_forget(struct damage *d)
{
	for (size_t t = 0; t < (size_t)d->tw * d->th; t++)
		if (d->tiles[t])
			d->known[t] = 0;
}

void damage_all(struct damage *d)
{
	memset(d->tiles, 1, (size_t)d->tw * d->th);
	memset(d->known, 0, (size_t)d->tw * d->th);
	d->n_damaged = d->tw * d->th;
}

void damage_clear(struct damage *d)
{
	memset(d->tiles, 0, (size_t)d->tw * d->th);
	d->n_damaged = 0;
}

/* The tiles [x0, x1] x [y0, y1] a rectangle touches, clipped to the
 * frame; false if it lies outside. */
static bool tiles_of(const struct damage *d, int64_t x, int64_t y, uint32_t w, uint32_t h,
		     uint32_t *x0, uint32_t *y0, uint32_t *x1, uint32_t *y1)
{
	if (!w || !h || x >= d->w || y >= d->h || x + w <= 0 || y + h <= 0)
		return false;
	*x0 = x < 0 ? 0 : (uint32_t)x / DAMAGE_TILE;
	*y0 = y < 0 ? 0 : (uint32_t)y / DAMAGE_TILE;
	*x1 = (uint32_t)((x + w - 1 < d->w ? x + w - 1 : d->w - 1) / DAMAGE_TILE);
	*y1 = (uint32_t)((y + h - 1 < d->h ? y + h - 1 : d->h - 1) / DAMAGE_TILE);
	return true;
}

void damage_mark_rect(struct damage *d, int64_t x, int64_t y, uint32_t w, uint32_t h)
{
	uint32_t x0, y0, x1, y1;
	if (!tiles_of(d, x, y, w, h, &x0, &y0, &x1, &y1))
		return;
	for (uint32_t ty = y0; ty <= y1; ty++)
		for (uint32_t tx = x0; tx <= x1; tx++)
			mark(d, (size_t)ty * d->tw + tx);
}

bool damage_rect_marked(const struct damage *d, int64_t x, int64_t y, uint32_t w, uint32_t h)
{
	uint32_t x0, y0, x1, y1;
	if (!tiles_of(d, x, y, w, h, &x0, &y0, &x1, &y1))
		return false;
	for (uint32_t ty = y0; ty <= y1; ty++)
		for (uint32_t tx = x0; tx <= x1; tx++)
			if (damage_at(d, tx, ty))
				return true;
	return false;
}

bool damage_run(const struct damage *d, uint32_t ty, uint32_t from, uint32_t *x0, uint32_t *n)
{
	const uint8_t *row = d->tiles + (size_t)ty * d->tw;
	uint32_t x = from;

	while (x < d->tw && !row[x])
		x++;
	if (x >= d->tw)
		return false;
	*x0 = x;
	while (x < d->tw && row[x])
		x++;
	*n = x - *x0;
	return true;
}
