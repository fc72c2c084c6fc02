// SPDX-License-Identifier: MIT
/* The Prometheus exporter: plain HTTP on its own port, as every exporter
 * speaks it, answering GET /metrics with the daemon's counters. Bounded:
 * a few connections at once, each one request within a few seconds. */
#ifndef KMSCAST_EXPORTER_H
#define KMSCAST_EXPORTER_H

#include <stddef.h>
#include <uv.h>

#include "kmscast/metrics.h"

#define EXPORTER_DEFAULT_PORT 9730
#define EXPORTER_MAX_CONNS 8
#define EXPORTER_MAX_PER_SOURCE 2 /* a scraper needs one */
#define EXPORTER_TIMEOUT_MS 2000  /* to ask and be answered: a scraper asks at once */

struct exporter;

/* Listens on spec (":PORT" is loopback; NULL: 127.0.0.1:9730). m must
 * outlive the exporter. 0 or -errno with a message. */
int exporter_create(uv_loop_t *loop, const char *spec, const struct metrics *m,
		    struct exporter **out, char *err, size_t err_len);
const char *exporter_address(const struct exporter *e);
/* Closes the listener and every connection; freed once the loop has run
 * their close callbacks. NULL-safe. */
void exporter_destroy(struct exporter *e);

#endif
