// SPDX-License-Identifier: MIT
#include "kmscast/testframe.h"

#include <string.h>

/* splitmix64: cheap, and every seq gives a different stream. */
static uint64_t mix(uint64_t x)
{
	x += 0x9e3779b97f4a7c15ull;
	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
	return x ^ (x >> 31);
}

static uint64_t word(uint32_t seq, size_t i) { return mix((uint64_t)seq << 32 ^ (uint64_t)i); }

void testframe_fill(uint32_t seq, uint8_t *buf, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = word(seq, i / 8);
		memcpy(buf + i, &w, 8);
	}
	if (i < len) {
		uint64_t w = word(seq, i / 8);
		memcpy(buf + i, &w, len - i);
	}
}

bool testframe_check(uint32_t seq, const uint8_t *buf, size_t len)
{
	size_t i = 0;
	for (; i + 8 <= len; i += 8) {
		uint64_t w = word(seq, i / 8);
		if (memcmp(buf + i, &w, 8) != 0)
			return false;
	}
	if (i < len) {
		uint64_t w = word(seq, i / 8);
		return memcmp(buf + i, &w, len - i) == 0;
	}
	return true;
}
