// SPDX-License-Identifier: MIT
#include "kmscast/hist.h"

#include <math.h>
#include <string.h>

void hist_init(struct hist *h) { memset(h, 0, sizeof(*h)); }

static unsigned bucket_of(uint32_t v)
{
	if (v < HIST_SUB)
		return v;
	unsigned e = 31u - (unsigned)__builtin_clz(v); /* >= 5 */
	return HIST_SUB + (e - 5) * HIST_SUB + ((v >> (e - 5)) - HIST_SUB);
}

/* The middle of bucket b's range [lo, lo + width). */
static uint64_t bucket_value(unsigned b)
{
	if (b < HIST_SUB)
		return b;
	unsigned e = (b - HIST_SUB) / HIST_SUB + 5, sub = (b - HIST_SUB) % HIST_SUB;
	uint64_t lo = (uint64_t)(HIST_SUB + sub) << (e - 5), width = 1ull << (e - 5);
	return lo + (width - 1) / 2;
}

void hist_add(struct hist *h, uint64_t us)
{
	h->count[bucket_of(us > UINT32_MAX ? UINT32_MAX : (uint32_t)us)]++;
	h->n++;
}

uint64_t hist_quantile(const struct hist *h, double q)
{
	if (!h->n)
		return 0;
	uint64_t want = (uint64_t)ceil(q * (double)h->n), seen = 0;
	if (want < 1)
		want = 1;
	for (unsigned b = 0; b < HIST_BUCKETS; b++) {
		seen += h->count[b];
		if (seen >= want)
			return bucket_value(b);
	}
	return bucket_value(HIST_BUCKETS - 1);
}
