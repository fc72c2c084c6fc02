// SPDX-License-Identifier: MIT
/* Annex B byte streams (H.264/HEVC NAL units behind 00 00 01 or 00 00 00 01
 * start codes), as a server sends them: untrusted bytes. Pure. */
#ifndef KMSCAST_ANNEXB_H
#define KMSCAST_ANNEXB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Copies the parameter sets of an access unit (H.264 SPS/PPS, HEVC
 * VPS/SPS/PPS) into out, each behind a 4-byte start code, the form
 * Matroska's codec private data takes. Returns the bytes they need; writes
 * only when that fits in cap, so call once with out NULL to size the buffer.
 * The output can be longer than the input: a NAL behind a 3-byte start code
 * gains a byte. */
size_t annexb_param_sets(bool hevc, const uint8_t *p, size_t n, uint8_t *out, size_t cap);

#endif
