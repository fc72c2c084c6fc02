// SPDX-License-Identifier: MIT
/* Synthetic video payloads for testing the transport without capture or
 * encoding: the bytes are a pure function of the sequence number, so the
 * receiver can check every byte. */
#ifndef KMSCAST_TESTFRAME_H
#define KMSCAST_TESTFRAME_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TESTFRAME_MIN 16

void testframe_fill(uint32_t seq, uint8_t *buf, size_t len);
/* True if buf is exactly what testframe_fill(seq, ., len) writes. */
bool testframe_check(uint32_t seq, const uint8_t *buf, size_t len);

#endif
