// SPDX-License-Identifier: MIT
/* libFuzzer target for the WebSocket side of a browser connection: the
 * bytes after the upgrade go through libwslay (server side, the daemon's
 * limit) and each whole binary message through the daemon's protocol
 * parser, which must find exactly one message in it, as conn does. The
 * first byte splits the input into two feeds, to reach partial frames. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/proto.h"
#include "kmscast/ws.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int on_message(void *data, const uint8_t *msg, size_t len)
{
	struct proto_msg m;
	size_t used;
	(void)data;
	if (len > PROTO_HEADER_SIZE + PROTO_MAX_TO_SERVER)
		abort(); /* wslay let through more than the limit */
	if (proto_decode(PROTO_SIDE_SERVER, msg, len, &m, &used) == 0 && used > len)
		abort();
	return 0;
}

static int on_write(void *data, const uint8_t *buf, size_t len)
{
	(void)data;
	(void)buf;
	return len > 1 << 20 ? -1 : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct ws_callbacks cb = {.on_message = on_message, .write = on_write};
	struct ws *w;
	char why[160];
	if (!size)
		return 0;
	size_t split = size > 1 ? data[0] % (size - 1) : 0;
	if (ws_create(PROTO_HEADER_SIZE + PROTO_MAX_TO_SERVER, &cb, NULL, &w) != 0)
		abort();
	if (ws_feed(w, data + 1, split, why, sizeof(why)) == 0)
		ws_feed(w, data + 1 + split, size - 1 - split, why, sizeof(why));
	ws_destroy(w);
	return 0;
}
