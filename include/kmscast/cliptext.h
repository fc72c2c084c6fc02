// SPDX-License-Identifier: MIT
/* Clipboard text on the wire: the chunks of PROTO_CLIPBOARD put back
 * together under the receiver's limit (conn_send_clip cuts them). Used
 * by the daemon, the native client and the tests alike. */
#ifndef KMSCAST_CLIPTEXT_H
#define KMSCAST_CLIPTEXT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "kmscast/proto.h"

/* One text being received. */
struct clip_rx {
	uint32_t max;   /* refuse texts longer than this */
	uint8_t *buf;   /* total + 1 bytes (NUL-terminated when done) */
	uint32_t total; /* of the text under way */
	uint32_t got;
	bool active;   /* a text is under way */
	bool skipping; /* ... and was refused: its chunks are dropped */
};

enum clip_rx_status {
	CLIP_RX_MORE = 0, /* more chunks to come (or a refused one dropped) */
	CLIP_RX_DONE = 1, /* buf holds total bytes of UTF-8 text */
};

/* Takes one chunk. A chunk at offset 0 starts a new text (one under way
 * is dropped). -EFBIG once, at a text's first chunk, when its total is
 * over max (its other chunks are then dropped); -EILSEQ when the whole
 * text is not UTF-8 (or holds a NUL); -EPROTO for a chunk that does not
 * follow the one before (a broken peer); -ENOMEM. */
int clip_rx_feed(struct clip_rx *rx, const struct proto_clipboard *c);
void clip_rx_reset(struct clip_rx *rx); /* frees buf */

/* Which text it is, to tell one from the next without keeping it. */
uint64_t clip_hash(const uint8_t *text, size_t len);

#endif
