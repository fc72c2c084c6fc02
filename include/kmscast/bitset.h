// SPDX-License-Identifier: MIT
/* Bit sets of key codes as arrays of uint64_t: held keys, sent presses. */
#ifndef KMSCAST_BITSET_H
#define KMSCAST_BITSET_H

#include <stdbool.h>
#include <stdint.h>

static inline bool bitset_test(const uint64_t *set, unsigned i)
{
	return set[i / 64] >> (i % 64) & 1;
}

static inline void bitset_put(uint64_t *set, unsigned i, bool on)
{
	if (on)
		set[i / 64] |= 1ull << (i % 64);
	else
		set[i / 64] &= ~(1ull << (i % 64));
}

#endif
