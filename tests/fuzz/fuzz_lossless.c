// SPDX-License-Identifier: MIT
/* libFuzzer target for the client's lossless decoder: the first 4 bytes
 * give the canvas size (each side 1..256), the rest is a stream of
 * payloads, each behind a 2-byte big-endian length. A payload the decoder
 * accepts must leave the canvas readable in full. */
#include <errno.h>
#include <stdlib.h>

#include "kmscast/lossless.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 4)
		return 0;
	uint32_t w = 1 + (((uint32_t)data[0] << 8 | data[1]) & 0xff);
	uint32_t h = 1 + (((uint32_t)data[2] << 8 | data[3]) & 0xff);
	struct lossless_dec *d;
	if (lossless_dec_create(w, h, &d) != 0)
		abort();
	size_t off = 4;
	while (off + 2 <= size) {
		size_t n = (size_t)data[off] << 8 | data[off + 1];
		off += 2;
		if (n > size - off)
			n = size - off;
		const char *why = NULL;
		int r = lossless_decode(d, data + off, n, &why);
		if (r && (!why || !why[0]) && r != -EPROTO)
			abort(); /* every refusal says why */
		if (r == 0) {
			const uint8_t *c = lossless_canvas(d);
			volatile uint8_t sum = 0;
			for (size_t i = 0; i < (size_t)w * h * 3; i++)
				sum ^= c[i];
			(void)sum;
		}
		off += n;
	}
	lossless_dec_destroy(d);
	return 0;
}
