// SPDX-License-Identifier: MIT
/* libFuzzer target for the agent channel's parsers: the daemon's check of
 * what an agent (the desktop user's process) sends, the agent's check of
 * what the daemon sends, and the clipboard chunks a viewer sends put back
 * together. The first byte chooses the side and the limit; the rest is a
 * stream of messages. What passes must re-encode to the same bytes. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/agentmsg.h"
#include "kmscast/cliptext.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static uint8_t out[AGENTMSG_HEADER_SIZE + 70000];

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (size < 1)
		return 0;
	enum agentmsg_side side = data[0] & 1 ? AGENTMSG_SIDE_AGENT : AGENTMSG_SIDE_DAEMON;
	size_t max = (size_t)(data[0] >> 1) * 512;
	data++;
	size--;
	size_t off = 0;
	while (off < size) {
		struct agentmsg m;
		size_t used;
		int r = agentmsg_decode(side, data + off, size - off, max, &m, &used);
		if (r == AGENTMSG_E_TOO_BIG) {
			if (m.body_len <= max)
				abort();
			break;
		}
		if (r != AGENTMSG_OK || !used)
			break;
		if (used > size - off || used - AGENTMSG_HEADER_SIZE > max)
			abort();
		long n = agentmsg_encode(&m, out, sizeof(out));
		if (n > 0 && ((size_t)n != used || memcmp(out, data + off, used) != 0))
			abort();
		off += used;
	}
	/* The same bytes as clipboard chunks: 8-byte total and offset heads. */
	struct clip_rx rx = {.max = (uint32_t)max};
	off = 0;
	while (size - off >= 9) {
		const uint8_t *p = data + off;
		uint32_t total = (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
		uint32_t at = (uint32_t)p[3] << 16 | (uint32_t)p[4] << 8 | p[5];
		uint32_t len = p[6] % 64;
		if (len > size - off - 8)
			len = (uint32_t)(size - off - 8);
		struct proto_clipboard c = {total, at, len, p + 8};
		/* What the wire decoder would let through, only. */
		if (at <= total && len <= total - at && (len || !total)) {
			int r = clip_rx_feed(&rx, &c);
			if (r == CLIP_RX_DONE && (rx.total > rx.max || rx.buf[rx.total] != 0))
				abort();
		}
		off += 8 + len;
	}
	clip_rx_reset(&rx);
	return 0;
}
