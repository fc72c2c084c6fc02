// SPDX-License-Identifier: MIT
/* libavcodec's h264_mp4toannexb goes the other way and its extradata
 * parsers want a whole codec context: a scan over start codes is all the
 * recorder needs, so it is written here, bounded by n on every read. */
#include "kmscast/annexb.h"

#include <string.h>

static bool start_code_at(const uint8_t *p, size_t n, size_t i)
{
	return i + 2 < n && p[i] == 0 && p[i + 1] == 0 && p[i + 2] == 1;
}

size_t annexb_param_sets(bool hevc, const uint8_t *p, size_t n, uint8_t *out, size_t cap)
{
	size_t need = 0;

	for (size_t i = 0; i + 3 < n;) {
		if (!start_code_at(p, n, i)) {
			i++;
			continue;
		}
		size_t s = i + 3, e = s;
		/* The NAL ends where the next start code (3 or 4 bytes) begins. */
		while (e + 2 < n &&
		       !(p[e] == 0 && p[e + 1] == 0 && (p[e + 2] == 1 || p[e + 2] == 0)))
			e++;
		if (e + 2 >= n)
			e = n;
		unsigned type = hevc ? (p[s] >> 1) & 0x3f : p[s] & 0x1f;
		bool ps = hevc ? type >= 32 && type <= 34 : type == 7 || type == 8;
		if (ps && e > s) {
			size_t len = 4 + (e - s);
			if (out && need + len <= cap) {
				memcpy(out + need, "\0\0\0\1", 4);
				memcpy(out + need + 4, p + s, e - s);
			}
			need += len;
		}
		i = e;
	}
	return need;
}
