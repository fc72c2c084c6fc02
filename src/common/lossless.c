// SPDX-License-Identifier: MIT
#include "kmscast/lossless.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <zstd.h>

#define SHIFT 6
#define MAGIC 'L'
#define VERSION 1

struct geometry {
	uint32_t w, h, tx, ty, tiles;
};

struct lossless_enc {
	struct geometry g;
	int level;
	bool have_ref;
	uint8_t *ref;     /* the last frame sent */
	uint8_t *scratch; /* changed tiles, raw */
	uint8_t *out;     /* header + bitmap + zstd */
	size_t out_cap;
	ZSTD_CCtx *cctx;
};

struct lossless_dec {
	struct geometry g;
	bool have_key;
	uint8_t *canvas;
	uint8_t *scratch;
	ZSTD_DCtx *dctx;
};

static void geometry(struct geometry *g, uint32_t w, uint32_t h)
{
	g->w = w;
	g->h = h;
	g->tx = (w + LOSSLESS_TILE - 1) / LOSSLESS_TILE;
	g->ty = (h + LOSSLESS_TILE - 1) / LOSSLESS_TILE;
	g->tiles = g->tx * g->ty;
}

/* Tile t's rectangle, clipped to the frame. */
static void tile_rect(const struct geometry *g, uint32_t t, uint32_t *x, uint32_t *y, uint32_t *w,
		      uint32_t *h)
{
	*x = t % g->tx * LOSSLESS_TILE;
	*y = t / g->tx * LOSSLESS_TILE;
	*w = g->w - *x < LOSSLESS_TILE ? g->w - *x : LOSSLESS_TILE;
	*h = g->h - *y < LOSSLESS_TILE ? g->h - *y : LOSSLESS_TILE;
}

int lossless_enc_create(uint32_t width, uint32_t height, int level, struct lossless_enc **out)
{
	struct lossless_enc *e = calloc(1, sizeof(*e));
	if (!e || !width || !height || width > 16384 || height > 16384) {
		free(e);
		return e ? -EINVAL : -ENOMEM;
	}
	geometry(&e->g, width, height);
	size_t raw = (size_t)width * height * 3;
	e->level = level;
	e->scratch = malloc(raw);
	e->out_cap = LOSSLESS_HEADER + (e->g.tiles + 7) / 8 + ZSTD_compressBound(raw);
	e->out = malloc(e->out_cap);
	e->cctx = ZSTD_createCCtx();
	if (!e->scratch || !e->out || !e->cctx) {
		lossless_enc_destroy(e);
		return -ENOMEM;
	}
	*out = e;
	return 0;
}

void lossless_enc_destroy(struct lossless_enc *e)
{
	if (!e)
		return;
	free(e->ref);
	free(e->scratch);
	free(e->out);
	ZSTD_freeCCtx(e->cctx);
	free(e);
}

static bool tile_differs(const struct geometry *g, const uint8_t *a, const uint8_t *b, uint32_t t)
{
	uint32_t x, y, w, h;
	tile_rect(g, t, &x, &y, &w, &h);
	for (uint32_t r = 0; r < h; r++) {
		size_t off = ((size_t)(y + r) * g->w + x) * 3;
		if (memcmp(a + off, b + off, (size_t)w * 3) != 0)
			return true;
	}
	return false;
}

static int encode(struct lossless_enc *e, const uint8_t *rgb, bool key, const uint8_t *marks,
		  uint32_t mark_w, uint32_t mark_h, unsigned mark_size, const uint8_t **data,
		  size_t *len, unsigned *changed_tiles);

/* Whether tile t holds a mark of the finer grid marks (mark_w x mark_h
 * tiles of mark_size pixels). */
static bool marked(const struct geometry *g, uint32_t t, const uint8_t *marks, uint32_t mark_w,
		   uint32_t mark_h, unsigned mark_size)
{
	uint32_t x, y, w, h;

	tile_rect(g, t, &x, &y, &w, &h);
	for (uint32_t my = y / mark_size; my < mark_h && my * mark_size < y + h; my++)
		for (uint32_t mx = x / mark_size; mx < mark_w && mx * mark_size < x + w; mx++)
			if (marks[(size_t)my * mark_w + mx])
				return true;
	return false;
}

int lossless_encode(struct lossless_enc *e, const uint8_t *rgb, bool key, const uint8_t **data,
		    size_t *len, unsigned *changed_tiles)
{
	return encode(e, rgb, key, NULL, 0, 0, 0, data, len, changed_tiles);
}

int lossless_encode_marked(struct lossless_enc *e, const uint8_t *rgb, const uint8_t *marks,
			   uint32_t mark_w, uint32_t mark_h, unsigned mark_size, bool key,
			   const uint8_t **data, size_t *len, unsigned *changed_tiles)
{
	return encode(e, rgb, key, marks, mark_w, mark_h, mark_size, data, len, changed_tiles);
}

/* With marks, the tiles they touch go and no reference frame is kept (the
 * caller found the changes once already); without, each tile is compared
 * with the last frame sent. */
static int encode(struct lossless_enc *e, const uint8_t *rgb, bool key, const uint8_t *marks,
		  uint32_t mark_w, uint32_t mark_h, unsigned mark_size, const uint8_t **data,
		  size_t *len, unsigned *changed_tiles)
{
	const struct geometry *g = &e->g;
	size_t bitmap = (g->tiles + 7) / 8, raw = 0;
	uint8_t *bits = e->out + LOSSLESS_HEADER;
	unsigned changed = 0;

	bool fresh = false;
	if (marks) {
		free(e->ref); /* marks say what changed: no frame to compare with */
		e->ref = NULL;
	} else if (!e->ref) {
		if (!(e->ref = malloc((size_t)g->w * g->h * 3)))
			return -ENOMEM;
		fresh = true;
	}
	key = key || !e->have_ref || fresh;
	memset(bits, 0, bitmap);
	for (uint32_t t = 0; t < g->tiles; t++) {
		if (!key && (marks ? !marked(g, t, marks, mark_w, mark_h, mark_size)
				   : !tile_differs(g, rgb, e->ref, t)))
			continue;
		uint32_t x, y, w, h;
		tile_rect(g, t, &x, &y, &w, &h);
		for (uint32_t r = 0; r < h; r++) {
			size_t off = ((size_t)(y + r) * g->w + x) * 3;
			memcpy(e->scratch + raw, rgb + off, (size_t)w * 3);
			if (e->ref)
				memcpy(e->ref + off, rgb + off, (size_t)w * 3);
			raw += (size_t)w * 3;
		}
		bits[t / 8] |= (uint8_t)(1u << (t % 8));
		changed++;
	}
	e->have_ref = true;
	uint8_t *h = e->out;
	h[0] = MAGIC;
	h[1] = VERSION;
	h[2] = key ? 1 : 0;
	h[3] = SHIFT;
	h[4] = (uint8_t)(g->w >> 8);
	h[5] = (uint8_t)g->w;
	h[6] = (uint8_t)(g->h >> 8);
	h[7] = (uint8_t)g->h;
	h[8] = (uint8_t)(changed >> 24);
	h[9] = (uint8_t)(changed >> 16);
	h[10] = (uint8_t)(changed >> 8);
	h[11] = (uint8_t)changed;
	size_t head = LOSSLESS_HEADER + bitmap;
	size_t z = ZSTD_compressCCtx(e->cctx, e->out + head, e->out_cap - head, e->scratch, raw,
				     e->level);
	if (ZSTD_isError(z))
		return -EIO;
	*data = e->out;
	*len = head + z;
	*changed_tiles = changed;
	return 0;
}

int lossless_dec_create(uint32_t width, uint32_t height, struct lossless_dec **out)
{
	struct lossless_dec *d = calloc(1, sizeof(*d));
	if (!d || !width || !height || width > 16384 || height > 16384) {
		free(d);
		return d ? -EINVAL : -ENOMEM;
	}
	geometry(&d->g, width, height);
	size_t raw = (size_t)width * height * 3;
	d->canvas = calloc(1, raw);
	d->scratch = malloc(raw);
	d->dctx = ZSTD_createDCtx();
	if (!d->canvas || !d->scratch || !d->dctx) {
		lossless_dec_destroy(d);
		return -ENOMEM;
	}
	*out = d;
	return 0;
}

void lossless_dec_destroy(struct lossless_dec *d)
{
	if (!d)
		return;
	free(d->canvas);
	free(d->scratch);
	ZSTD_freeDCtx(d->dctx);
	free(d);
}

const uint8_t *lossless_canvas(const struct lossless_dec *d) { return d->canvas; }

static int bad(const char **why, const char *msg)
{
	*why = msg;
	return -EINVAL;
}

int lossless_decode(struct lossless_dec *d, const uint8_t *p, size_t len, const char **why)
{
	const struct geometry *g = &d->g;
	size_t bitmap = (g->tiles + 7) / 8;

	if (len < LOSSLESS_HEADER + bitmap)
		return bad(why, "lossless frame shorter than its header");
	if (p[0] != MAGIC || p[1] != VERSION || p[3] != SHIFT || p[2] > 1)
		return bad(why, "not a version 1 lossless frame");
	uint32_t w = (uint32_t)p[4] << 8 | p[5], h = (uint32_t)p[6] << 8 | p[7];
	uint32_t changed =
		(uint32_t)p[8] << 24 | (uint32_t)p[9] << 16 | (uint32_t)p[10] << 8 | p[11];
	if (w != g->w || h != g->h)
		return bad(why, "lossless frame size differs from the stream's");
	bool key = p[2] & 1;
	if (!key && !d->have_key) {
		*why = "delta frame before any keyframe";
		return -EPROTO;
	}
	const uint8_t *bits = p + LOSSLESS_HEADER;
	/* Bits past the last tile must be clear; the count must match. */
	uint32_t count = 0;
	size_t expect = 0;
	for (uint32_t t = 0; t < bitmap * 8; t++) {
		if (!(bits[t / 8] >> (t % 8) & 1))
			continue;
		if (t >= g->tiles)
			return bad(why, "lossless bitmap names a tile past the frame");
		uint32_t x, y, tw, th;
		tile_rect(g, t, &x, &y, &tw, &th);
		expect += (size_t)tw * th * 3;
		count++;
	}
	if (count != changed || (key && count != g->tiles))
		return bad(why, "lossless tile count does not match its bitmap");
	const uint8_t *z = bits + bitmap;
	size_t zlen = len - LOSSLESS_HEADER - bitmap;
	unsigned long long content = ZSTD_getFrameContentSize(z, zlen);
	if (content != expect)
		return bad(why, "lossless data size does not match its tiles");
	size_t n = ZSTD_decompressDCtx(d->dctx, d->scratch, expect, z, zlen);
	if (ZSTD_isError(n) || n != expect)
		return bad(why, "lossless data does not decompress");
	size_t off = 0;
	for (uint32_t t = 0; t < g->tiles; t++) {
		if (!(bits[t / 8] >> (t % 8) & 1))
			continue;
		uint32_t x, y, tw, th;
		tile_rect(g, t, &x, &y, &tw, &th);
		for (uint32_t r = 0; r < th; r++) {
			memcpy(d->canvas + ((size_t)(y + r) * g->w + x) * 3, d->scratch + off,
			       (size_t)tw * 3);
			off += (size_t)tw * 3;
		}
	}
	if (key)
		d->have_key = true;
	return 0;
}
