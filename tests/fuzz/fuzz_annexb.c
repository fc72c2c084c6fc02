// SPDX-License-Identifier: MIT
/* libFuzzer target for the recorder's parameter-set extraction: a keyframe
 * is the server's bytes. The first byte picks the codec. Sizes the output,
 * allocates exactly that (ASan sees one byte more) and checks every copy
 * starts with a 4-byte start code and none is written past cap. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/annexb.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!size)
		return 0;
	bool hevc = data[0] & 1;
	size_t need = annexb_param_sets(hevc, data + 1, size - 1, NULL, 0);
	if (!need)
		return 0;
	uint8_t *out = malloc(need);
	if (!out)
		abort();
	if (annexb_param_sets(hevc, data + 1, size - 1, out, need) != need ||
	    memcmp(out, "\0\0\0\1", 4) != 0)
		abort();
	/* Half the room: sized the same, writes stay inside. */
	if (annexb_param_sets(hevc, data + 1, size - 1, out, need / 2) != need)
		abort();
	free(out);
	return 0;
}
