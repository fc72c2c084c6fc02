// SPDX-License-Identifier: MIT
// The pixel-exact codec's decoder (include/kmscast/lossless.h): changed
// 64x64 tiles as packed RGB in one zstd frame, applied to an RGBA canvas.
// zstd comes from fzstd (vendor/, MIT), a pure-JS decoder: browsers have
// no zstd of their own to offer a page.
import {decompress} from './vendor/fzstd.mjs';

const TILE = 64;

export class Lossless {
	constructor(width, height) {
		this.w = width;
		this.h = height;
		this.tx = Math.ceil(width / TILE);
		this.ty = Math.ceil(height / TILE);
		this.image = new ImageData(width, height);
		this.image.data.fill(255);
		this.haveKey = false;
	}

	// Applies one payload; throws with a reason on anything malformed.
	decode(p) {
		if (p.length < 12 || p[0] !== 0x4c || p[1] !== 1 || p[3] !== 6)
			throw new Error('not a lossless payload');
		const key = !!(p[2] & 1);
		const w = p[4] << 8 | p[5], h = p[6] << 8 | p[7];
		const changed = (p[8] << 24 | p[9] << 16 | p[10] << 8 | p[11]) >>> 0;
		const tiles = this.tx * this.ty;
		if (w !== this.w || h !== this.h)
			throw new Error(`a ${w}x${h} frame in a ${this.w}x${this.h} stream`);
		if (!key && !this.haveKey)
			throw new Error('a delta before any keyframe');
		const bitmap = p.subarray(12, 12 + Math.ceil(tiles / 8));
		if (bitmap.length * 8 < tiles || changed > tiles)
			throw new Error('a truncated tile bitmap');
		let count = 0;
		for (let t = 0; t < tiles; t++)
			count += bitmap[t >> 3] >> (t & 7) & 1;
		if (count !== changed || (key && changed !== tiles))
			throw new Error('the tile count does not match the bitmap');
		const raw = decompress(p.subarray(12 + bitmap.length));
		const d = this.image.data;
		let o = 0;
		for (let t = 0; t < tiles; t++) {
			if (!(bitmap[t >> 3] >> (t & 7) & 1))
				continue;
			const x0 = (t % this.tx) * TILE, y0 = Math.floor(t / this.tx) * TILE;
			const tw = Math.min(TILE, this.w - x0), th = Math.min(TILE, this.h - y0);
			if (o + tw * th * 3 > raw.length)
				throw new Error('fewer pixels than the changed tiles need');
			for (let y = 0; y < th; y++) {
				let q = ((y0 + y) * this.w + x0) * 4;
				for (let x = 0; x < tw; x++, q += 4, o += 3) {
					d[q] = raw[o];
					d[q + 1] = raw[o + 1];
					d[q + 2] = raw[o + 2];
				}
			}
		}
		if (o !== raw.length)
			throw new Error('more pixels than the changed tiles need');
		this.haveKey = true;
	}
}
