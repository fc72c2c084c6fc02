// SPDX-License-Identifier: MIT
/* EDID 1.4 base blocks for headless connectors (drm.edid_firmware): one
 * detailed timing as the preferred mode, a name and range limits. Pure. */
#ifndef KMSCAST_EDID_H
#define KMSCAST_EDID_H

#include <stddef.h>
#include <stdint.h>

#define EDID_SIZE 128

struct edid_timing {
	uint32_t clock_khz;
	uint16_t hactive, hfront, hsync, hback;
	uint16_t vactive, vfront, vsync, vback;
	uint8_t hsync_pos, vsync_pos;
};

/* The common modes, with their standard timings (CEA-861 / DMT / CVT-RB),
 * ended by an entry with clock 0. */
extern const struct edid_timing edid_common_modes[];

/* The refresh rate of t in millihertz. */
uint32_t edid_refresh_mhz(const struct edid_timing *t);

/* One 128-byte block; -EINVAL (err set) when t does not fit EDID's fields. */
int edid_build(const struct edid_timing *t, uint8_t out[EDID_SIZE], char *err, size_t len);

#endif
