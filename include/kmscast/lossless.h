// SPDX-License-Identifier: MIT
/* The pixel-exact codec: a frame is the set of 64x64 tiles that changed
 * since the previous one, as packed RGB, compressed with zstd. A keyframe
 * carries every tile. Encoder and decoder are pure (no I/O); the decoder
 * treats its input as hostile and checks every size before using it.
 *
 * Payload: u8 'L', u8 version 1, u8 flags (bit 0 key), u8 tile shift (6),
 *          u16 width, u16 height, u32 changed tiles (big-endian),
 *          tile bitmap (row-major, LSB first, ceil(tiles / 8) bytes),
 *          one zstd frame: each changed tile's rows, 3 bytes a pixel. */
#ifndef KMSCAST_LOSSLESS_H
#define KMSCAST_LOSSLESS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define LOSSLESS_TILE 64
#define LOSSLESS_HEADER 12

struct lossless_enc;
struct lossless_dec;

int lossless_enc_create(uint32_t width, uint32_t height, int level, struct lossless_enc **out);
void lossless_enc_destroy(struct lossless_enc *e);
/* Encodes rgb (width*height*3, packed) against the previous frame. Returns
 * 0 with *data (owned by the encoder, valid until the next call) or
 * -errno. *changed_tiles says how much moved; with key every tile goes. */
int lossless_encode(struct lossless_enc *e, const uint8_t *rgb, bool key, const uint8_t **data,
		    size_t *len, unsigned *changed_tiles);

/* The same, told what changed: the tiles that touch a mark of marks
 * (mark_h rows of mark_w tiles of mark_size pixels, nonzero: changed) go,
 * and no copy of the last frame is kept for comparing. */
int lossless_encode_marked(struct lossless_enc *e, const uint8_t *rgb, const uint8_t *marks,
			   uint32_t mark_w, uint32_t mark_h, unsigned mark_size, bool key,
			   const uint8_t **data, size_t *len, unsigned *changed_tiles);

int lossless_dec_create(uint32_t width, uint32_t height, struct lossless_dec **out);
void lossless_dec_destroy(struct lossless_dec *d);
/* Applies one payload to the decoder's canvas. -EINVAL (with a reason in
 * why) for anything malformed; -EPROTO for a delta before any keyframe. */
int lossless_decode(struct lossless_dec *d, const uint8_t *data, size_t len, const char **why);
const uint8_t *lossless_canvas(const struct lossless_dec *d);

#endif
