// SPDX-License-Identifier: MIT
/* libFuzzer target for one side's parser (FUZZ_SIDE is PROTO_SIDE_SERVER or
 * PROTO_SIDE_CLIENT). Feeds the input as a stream the way conn does, and
 * checks that every message accepted re-encodes to exactly its bytes. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/proto.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_canonical(const struct proto_msg *m, const uint8_t *in, size_t used)
{
	static uint8_t out[PROTO_HEADER_SIZE + 256 * 1024];
	if (m->type == PROTO_HELLO && m->u.hello.version != PROTO_VERSION)
		return; /* only the version of a foreign HELLO is decoded */
	if (used > sizeof(out))
		return;
	long n = proto_encode(m, out, sizeof(out));
	if (n != (long)used || memcmp(out, in, used) != 0)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		struct proto_msg m;
		size_t used;
		int r = proto_decode(FUZZ_SIDE, data + off, size - off, &m, &used);
		if (r < 0) {
			if (!proto_status_str(r)[0])
				abort();
			break;
		}
		if (!used)
			break;
		if (used > size - off || used > PROTO_HEADER_SIZE + proto_max_body(FUZZ_SIDE))
			abort();
		if (m.type == PROTO_INPUT)
			for (unsigned i = 0; i < m.u.input.count; i++) {
				struct proto_input_event ev;
				proto_input_get(&m.u.input, i, &ev);
			}
		check_canonical(&m, data + off, used);
		off += used;
	}
	struct proto_msg m;
	proto_decode_exact(FUZZ_SIDE, data, size, &m);
	return 0;
}
