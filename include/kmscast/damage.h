// SPDX-License-Identifier: MIT
/* What changed in a frame, found once per frame and used by every later
 * stage (conversion, the encoders' hints, the lossless codec's tiles).
 *
 * The grid is of 16x16 tiles, an H.264 macroblock each. A tile's part of
 * every pixel row is known by a 64-bit hash of its bytes (XXH3), not by a
 * second copy of the frame: at 1920x1080 that is 1 MB of hashes instead of
 * an 8 MB raw copy, and the scan reads the buffer once. Hashing per row
 * rather than per tile keeps the idle check cheap: it hashes one row in
 * eight and compares only those. Pure: no I/O. */
#ifndef KMSCAST_DAMAGE_H
#define KMSCAST_DAMAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DAMAGE_TILE 16

struct damage {
	uint32_t w, h;   /* pixels */
	uint32_t tw, th; /* tiles: w and h rounded up to DAMAGE_TILE */
	uint8_t *tiles;  /* [th][tw]: 1 where something changed since damage_clear */
	uint32_t n_damaged;
	uint64_t *hash; /* [h][tw]: each tile's part of each row, as last scanned */
	uint8_t *known; /* [th][tw]: 0 until a scan saw the tile whole */
};

int damage_create(uint32_t w, uint32_t h, struct damage **out);
void damage_destroy(struct damage *d);

/* Hashes the rows y % step == phase (step 1: all) of an image of cpp
 * bytes a pixel, marks each tile where a hashed row changed (and, when
 * step is 1, each tile never seen whole) and keeps the new hashes.
 * Returns how many tiles are marked now. */
uint32_t damage_scan(struct damage *d, const uint8_t *px, size_t pitch, unsigned cpp,
		     unsigned phase, unsigned step);
/* Forgets what the marked tiles held: the next full scan marks them
 * again (a read that tore: their conversion may mix two frames). */
void damage_forget(struct damage *d);
/* Marks every tile and forgets them all (a new size, a new viewer). */
void damage_all(struct damage *d);
/* The marks were used: none is marked. */
void damage_clear(struct damage *d);

static inline bool damage_at(const struct damage *d, uint32_t tx, uint32_t ty)
{
	return d->tiles[(size_t)ty * d->tw + tx];
}

/* Marks the tiles a rectangle of pixels touches (clipped to the frame;
 * x and y may be negative, as a cursor's are). */
void damage_mark_rect(struct damage *d, int64_t x, int64_t y, uint32_t w, uint32_t h);
/* Whether a tile the rectangle touches is marked. */
bool damage_rect_marked(const struct damage *d, int64_t x, int64_t y, uint32_t w, uint32_t h);

/* The damaged tiles of row ty as runs: *x0 is the first tile of the next
 * run at or after from, *n its length; false when there is none. */
bool damage_run(const struct damage *d, uint32_t ty, uint32_t from, uint32_t *x0, uint32_t *n);

#endif
