// SPDX-License-Identifier: MIT
#include "kmscast/hist.h"
#include "tst.h"

static int small_values_are_exact(void)
{
	struct hist h;

	hist_init(&h);
	CHECK_EQ_INT(hist_quantile(&h, 0.5), 0);
	for (uint64_t v = 1; v <= 63; v++)
		hist_add(&h, v);
	CHECK_EQ_INT(h.n, 63);
	CHECK_EQ_INT(hist_quantile(&h, 0.5), 32); /* ceil(31.5) = 32nd value */
	CHECK_EQ_INT(hist_quantile(&h, 0.01), 1);
	CHECK_EQ_INT(hist_quantile(&h, 1.0), 63);
	/* 64..127 share buckets two wide: their middle is the lower value. */
	hist_add(&h, 100);
	hist_add(&h, 101);
	CHECK_EQ_INT(hist_quantile(&h, 1.0), 100);
	return 0;
}

static int percentiles_of_a_skewed_session(void)
{
	struct hist h;

	hist_init(&h);
	/* 990 frames at 12.345 ms and 10 at 250 ms: p50 is the first, p99 the
	 * first too (990 >= 0.99 * 1000), p99.9 the outliers. */
	for (int i = 0; i < 990; i++)
		hist_add(&h, 12345);
	for (int i = 0; i < 10; i++)
		hist_add(&h, 250000);
	/* 12345 lies in [12288, 12544): buckets 256 wide from 8192 to 16383;
	 * 250000 in [249856, 253952). */
	CHECK_EQ_INT(hist_quantile(&h, 0.5), 12288 + 127);
	CHECK_EQ_INT(hist_quantile(&h, 0.99), 12288 + 127);
	CHECK_EQ_INT(hist_quantile(&h, 0.999), 249856 + 2047);
	return 0;
}

static int every_value_lands_within_three_percent(void)
{
	struct hist h;

	for (uint64_t v = 1; v < (1ull << 32); v = v * 3 / 2 + 1) {
		hist_init(&h);
		hist_add(&h, v);
		uint64_t got = hist_quantile(&h, 0.5);
		uint64_t diff = got > v ? got - v : v - got;
		CHECK(diff * 32 <= v);
	}
	hist_init(&h);
	hist_add(&h, UINT64_MAX); /* clamped, not wrapped */
	CHECK(hist_quantile(&h, 1.0) >= (uint64_t)UINT32_MAX / 32 * 31);
	return 0;
}

TST_MAIN("hist", TST_CASE(small_values_are_exact), TST_CASE(percentiles_of_a_skewed_session),
	 TST_CASE(every_value_lands_within_three_percent))
