// SPDX-License-Identifier: MIT
#include <errno.h>

#include "kmscast/kms.h"
#include "tst.h"

static int parse_size(void)
{
	static const char *bad[] = {"", "1024", "1024x", "x768", "0x10", "10x0", "1024X768",
				    "16385x1", "12x12junk", "-1x5", "1x-5", " 1x5", "1x 5",
				    "99999999999999999999x1"};
	uint32_t w = 7, h = 7;

	CHECK_EQ_INT(kms_parse_size("1024x768", &w, &h), 0);
	CHECK_EQ_INT(w, 1024);
	CHECK_EQ_INT(h, 768);
	CHECK_EQ_INT(kms_parse_size("16384x1", &w, &h), 0);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		w = h = 7;
		if (kms_parse_size(bad[i], &w, &h) != -EINVAL) {
			fprintf(stderr, "  accepted '%s'\n", bad[i]);
			CHECK(0);
		}
		CHECK(w == 7 && h == 7);
	}
	return 0;
}

TST_MAIN("kms", TST_CASE(parse_size))
