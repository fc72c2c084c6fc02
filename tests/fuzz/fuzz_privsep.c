// SPDX-License-Identifier: MIT
/* libFuzzer target for the streamer's check of the capture helper's
 * answers (and the helper's check of requests): the helper runs apart,
 * with the card, and what it says is not trusted. The first bytes choose
 * the request the answer is to, its sequence number and how many fds came
 * along; the rest is the answer. What passes must be safe to use as the
 * streamer uses it. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/privsep.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void buffer_ok(const struct capture_buffer *b)
{
	if (b->n_planes < 1 || b->n_planes > CAPTURE_MAX_PLANES || !b->width || !b->height)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct privsep_resp r;
	struct privsep_req q;
	char err[256];

	if (size < 3)
		return 0;
	uint16_t op = data[0] % (PRIVSEP_CONSOLE + 2);
	uint32_t seq = data[1];
	unsigned n_fds = data[2] % (PRIVSEP_MAX_FDS + 1);
	data += 3;
	size -= 3;

	memset(&q, 0, sizeof(q));
	memcpy(&q, data, size < sizeof(q) ? size : sizeof(q));
	if (privsep_check_req(&q, size, err, sizeof(err)) == 0 &&
	    (q.op < PRIVSEP_INFO || q.op > PRIVSEP_CONSOLE || q.op == PRIVSEP_VBLANK))
		abort();

	memset(&r, 0, sizeof(r));
	memcpy(&r, data, size < sizeof(r) ? size : sizeof(r));
	if (privsep_check_resp(&r, size, op, seq, n_fds, err, sizeof(err)) != 0) {
		if (!memchr(err, '\0', sizeof(err)))
			abort();
		return 0;
	}
	if (!memchr(r.err, '\0', sizeof(r.err)) || r.result > 0)
		abort();
	if (r.result == 0 && op == PRIVSEP_GRAB) {
		buffer_ok(&r.u.frame.fb);
		if (r.u.frame.has_cursor)
			buffer_ok(&r.u.frame.cursor);
		if (r.u.frame.blanked > 1)
			abort();
	}
	if (r.result == 0 && op == PRIVSEP_CONSOLE &&
	    (r.u.console.mode >= CAPTURE_CONSOLE_COUNT || r.u.console.number > CAPTURE_VT_MAX))
		abort();
	if (r.result == 0 && (op == PRIVSEP_INFO || op == PRIVSEP_RESCAN) &&
	    (!memchr(r.u.info.driver, '\0', sizeof(r.u.info.driver)) ||
	     !memchr(r.u.info.output, '\0', sizeof(r.u.info.output))))
		abort();
	return 0;
}
