// SPDX-License-Identifier: MIT
/* The remote implementation: the card is in the capture helper, reached
 * over the privsep wire (include/kmscast/privsep.h). */
#ifndef KMSCAST_CAPTURE_REMOTE_H
#define KMSCAST_CAPTURE_REMOTE_H

#include <stddef.h>

struct capture;
struct privsep_peer;

/* As capture_create_remote (include/kmscast/capture.h). */
int capture_remote_create(const struct privsep_peer *peer, struct capture **out, char *err,
			  size_t len);

#endif
