// SPDX-License-Identifier: MIT
/* Latency percentiles in bounded memory: a log-linear histogram of
 * microsecond values. Below 32 µs every value has its own bucket; above,
 * each power of two is split into 32 buckets, so a percentile is within
 * 1/32 (3 %) of the true one however long a session runs. Pure. */
#ifndef KMSCAST_HIST_H
#define KMSCAST_HIST_H

#include <stdint.h>

#define HIST_SUB 32
#define HIST_BUCKETS (HIST_SUB + (32 - 5) * HIST_SUB)

struct hist {
	uint64_t n;
	uint32_t count[HIST_BUCKETS];
};

void hist_init(struct hist *h);
/* Values above UINT32_MAX µs (71 minutes) count as UINT32_MAX. */
void hist_add(struct hist *h, uint64_t us);
/* The q-quantile (0 < q <= 1): the smallest bucket value with at least
 * ceil(q * n) samples at or below it; the middle of its bucket. 0 when
 * empty. */
uint64_t hist_quantile(const struct hist *h, double q);

#endif
