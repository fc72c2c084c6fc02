// SPDX-License-Identifier: MIT
#include "kmscast/edid.h"
#include "kmscast/fileio.h"
#include "tst.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int timing_bytes_match_the_standard(void)
{
	/* CEA-861's 1080p60 detailed timing, as every 1080p display sends it. */
	static const uint8_t dtd[12] = {0x02, 0x3a, 0x80, 0x18, 0x71, 0x38,
					0x2d, 0x40, 0x58, 0x2c, 0x45, 0x00};
	uint8_t e[EDID_SIZE], sum = 0;
	char err[128];

	CHECK_EQ_INT(edid_build(&edid_common_modes[3], e, err, sizeof(err)), 0);
	CHECK_MEM(e + 54, dtd, sizeof(dtd));
	CHECK_EQ_INT(e[54 + 17], 0x1e); /* digital separate sync, +h +v */
	for (int i = 0; i < EDID_SIZE; i++)
		sum = (uint8_t)(sum + e[i]);
	CHECK_EQ_INT(sum, 0);
	CHECK_MEM(e, "\0\xff\xff\xff\xff\xff\xff\0", 8);
	CHECK(memcmp(e + 77, "kmscast 1080\n", 13) == 0);
	CHECK_EQ_INT(edid_refresh_mhz(&edid_common_modes[3]), 60000);
	CHECK_EQ_INT(edid_refresh_mhz(&edid_common_modes[0]), 60004);
	return 0;
}

static int unfit_timings_are_refused(void)
{
	struct edid_timing t = edid_common_modes[0];
	uint8_t e[EDID_SIZE];
	char err[128];

	t.hactive = 5000;
	CHECK_EQ_INT(edid_build(&t, e, err, sizeof(err)), -22);
	CHECK(strstr(err, "5000x768 at 65000 kHz does not fit"));
	t = edid_common_modes[0];
	t.clock_khz = 700000; /* over 655.35 MHz */
	CHECK_EQ_INT(edid_build(&t, e, err, sizeof(err)), -22);
	return 0;
}

/* kernel-notes/edid holds exactly what edid_build makes (`make edid`). */
static int committed_files_are_current(void)
{
	for (const struct edid_timing *t = edid_common_modes; t->clock_khz; t++) {
		uint8_t e[EDID_SIZE];
		char path[128], err[256], *data = NULL;
		size_t n = 0;
		snprintf(path, sizeof(path), "kernel-notes/edid/kmscast-%ux%u.bin", t->hactive,
			 t->vactive);
		CHECK_EQ_INT(edid_build(t, e, err, sizeof(err)), 0);
		CHECK_EQ_INT(fileio_read_all(path, 4096, &data, &n, err, sizeof(err)), 0);
		CHECK_EQ_INT(n, EDID_SIZE);
		CHECK_MEM(data, e, EDID_SIZE);
		free(data);
	}
	return 0;
}

TST_MAIN("edid", TST_CASE(timing_bytes_match_the_standard), TST_CASE(unfit_timings_are_refused),
	 TST_CASE(committed_files_are_current))
