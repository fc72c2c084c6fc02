// SPDX-License-Identifier: MIT
/* Clipboard chunks, checked in order and bounded before any byte is
 * kept: a peer learns nothing by lying about total or offset but that
 * its text is dropped. */
#include "kmscast/cliptext.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <xxhash.h>

void clip_rx_reset(struct clip_rx *rx)
{
	free(rx->buf);
	rx->buf = NULL;
	rx->total = rx->got = 0;
	rx->active = rx->skipping = false;
}

int clip_rx_feed(struct clip_rx *rx, const struct proto_clipboard *c)
{
	if (c->offset == 0) {
		clip_rx_reset(rx);
		rx->active = true;
		rx->total = c->total;
		if (c->total > rx->max) {
			rx->skipping = true;
			rx->got = c->len;
			if (c->len == c->total)
				rx->active = false;
			return -EFBIG;
		}
		rx->buf = malloc((size_t)c->total + 1);
		if (!rx->buf) {
			clip_rx_reset(rx);
			return -ENOMEM;
		}
	} else if (!rx->active || c->total != rx->total || c->offset != rx->got) {
		clip_rx_reset(rx);
		return -EPROTO;
	}
	rx->got = c->offset + c->len;
	if (!rx->skipping && c->len)
		memcpy(rx->buf + c->offset, c->data, c->len);
	if (rx->got < rx->total)
		return CLIP_RX_MORE;
	rx->active = false;
	if (rx->skipping) {
		rx->skipping = false;
		return CLIP_RX_MORE;
	}
	rx->buf[rx->total] = '\0';
	if (!proto_utf8_ok(rx->buf, rx->total, true)) {
		clip_rx_reset(rx);
		return -EILSEQ;
	}
	return CLIP_RX_DONE;
}

uint64_t clip_hash(const uint8_t *text, size_t len) { return XXH3_64bits(text, len); }
