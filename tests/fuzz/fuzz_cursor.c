// SPDX-License-Identifier: MIT
/* libFuzzer target for the client's cursor path: a CURSOR message as the
 * server sends it, decoded by proto_decode and blended where it says into
 * a small picture the way --snapshot --cursor does, at any position and
 * size the message may carry. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/format.h"
#include "kmscast/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t img[64 * 48 * 3];
	static uint8_t kept[PROTO_MAX_CURSOR_SIDE * PROTO_MAX_CURSOR_SIDE * 4];
	size_t off = 0, used;
	struct proto_msg m;

	while (off < size && proto_decode(PROTO_SIDE_CLIENT, data + off, size - off, &m, &used) == 0 &&
	       used) {
		off += used;
		if (m.type != PROTO_CURSOR)
			continue;
		const struct proto_cursor *c = &m.u.cursor;
		if (c->flags & PROTO_CURSOR_IMAGE) {
			size_t n = (size_t)c->width * c->height * 4;
			if (n > sizeof(kept) || c->hot_x >= c->width ||
			    c->hot_y >= c->height)
				abort(); /* the parser bounds what the client copies */
			memcpy(kept, c->argb, n);
			format_blend_cursor(img, 64, 48, (int64_t)c->x - c->hot_x,
					    (int64_t)c->y - c->hot_y, kept, c->width, c->height,
					    c->width * 4u);
		}
	}
	return 0;
}
