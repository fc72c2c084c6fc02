// SPDX-License-Identifier: MIT
/* See include/kmscast/edid.h. Layout: VESA E-EDID 1.4, section 3. */
#include "kmscast/edid.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

const struct edid_timing edid_common_modes[] = {
	{65000, 1024, 24, 136, 160, 768, 3, 6, 29, 0, 0},    /* DMT 1024x768@60 */
	{74250, 1280, 110, 40, 220, 720, 5, 5, 20, 1, 1},    /* CEA 720p60 */
	{71000, 1280, 48, 32, 80, 800, 3, 6, 14, 1, 0},      /* CVT-RB 1280x800@60 */
	{148500, 1920, 88, 44, 148, 1080, 4, 5, 36, 1, 1},   /* CEA 1080p60 */
	{241500, 2560, 48, 32, 80, 1440, 3, 5, 33, 1, 0},    /* CVT-RB 2560x1440@60 */
	{297000, 3840, 176, 88, 296, 2160, 8, 10, 72, 1, 1}, /* CEA 2160p30 */
	{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
};

uint32_t edid_refresh_mhz(const struct edid_timing *t)
{
	uint64_t htotal = (uint64_t)t->hactive + t->hfront + t->hsync + t->hback;
	uint64_t vtotal = (uint64_t)t->vactive + t->vfront + t->vsync + t->vback;
	return htotal && vtotal
		       ? (uint32_t)(((uint64_t)t->clock_khz * 1000000 + htotal * vtotal / 2) /
				    (htotal * vtotal))
		       : 0;
}

static void descriptor_text(uint8_t *d, uint8_t tag, const char *text)
{
	size_t n = strlen(text);
	memset(d, 0, 18);
	d[3] = tag;
	memset(d + 5, ' ', 13);
	memcpy(d + 5, text, n > 13 ? 13 : n);
	if (n < 13)
		d[5 + n] = '\n';
}

int edid_build(const struct edid_timing *t, uint8_t e[EDID_SIZE], char *err, size_t len)
{
	static const uint8_t header[8] = {0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0};
	/* The sRGB primaries and white point, as 10-bit fractions. */
	static const uint8_t srgb[10] = {0xee, 0x91, 0xa3, 0x54, 0x4c,
					 0x99, 0x26, 0x0f, 0x50, 0x54};
	uint32_t hblank = (uint32_t)t->hfront + t->hsync + t->hback;
	uint32_t vblank = (uint32_t)t->vfront + t->vsync + t->vback;
	uint32_t clk = t->clock_khz / 10, hz = (edid_refresh_mhz(t) + 500) / 1000;

	if (!t->clock_khz || t->clock_khz % 10 || clk > 0xffff || t->hactive > 4095 ||
	    t->vactive > 4095 || hblank > 4095 || vblank > 4095 || t->hfront > 1023 ||
	    t->hsync > 1023 || t->vfront > 63 || t->vsync > 63 || !t->hactive || !t->vactive) {
		snprintf(err, len, "%ux%u at %u kHz does not fit an EDID detailed timing",
			 t->hactive, t->vactive, t->clock_khz);
		return -EINVAL;
	}
	memset(e, 0, EDID_SIZE);
	memcpy(e, header, 8);
	e[8] = 0x2d; /* "KMC": three 5-bit letters */
	e[9] = 0xa3;
	e[10] = (uint8_t)(t->hactive & 0xff); /* product code: the width */
	e[11] = (uint8_t)(t->hactive >> 8);
	e[16] = 1; /* week 1 */
	e[17] = 2026 - 1990;
	e[18] = 1;
	e[19] = 4;
	e[20] = 0xa0; /* digital, 8 bits per colour */
	/* 96 dpi: cm for the size fields, mm for the timing's */
	uint32_t wmm = t->hactive * 254u / 960u, hmm = t->vactive * 254u / 960u;
	e[21] = (uint8_t)((wmm + 5) / 10);
	e[22] = (uint8_t)((hmm + 5) / 10);
	e[23] = 120;  /* gamma 2.2 */
	e[24] = 0x06; /* sRGB default; the first timing is the native mode */
	memcpy(e + 25, srgb, 10);
	for (int i = 0; i < 8; i++) {
		e[38 + 2 * i] = 1; /* standard timings unused */
		e[39 + 2 * i] = 1;
	}
	uint8_t *d = e + 54;
	d[0] = (uint8_t)(clk & 0xff);
	d[1] = (uint8_t)(clk >> 8);
	d[2] = (uint8_t)(t->hactive & 0xff);
	d[3] = (uint8_t)(hblank & 0xff);
	d[4] = (uint8_t)(((t->hactive >> 8) << 4) | (hblank >> 8));
	d[5] = (uint8_t)(t->vactive & 0xff);
	d[6] = (uint8_t)(vblank & 0xff);
	d[7] = (uint8_t)(((t->vactive >> 8) << 4) | (vblank >> 8));
	d[8] = (uint8_t)(t->hfront & 0xff);
	d[9] = (uint8_t)(t->hsync & 0xff);
	d[10] = (uint8_t)(((t->vfront & 0xf) << 4) | (t->vsync & 0xf));
	d[11] = (uint8_t)(((t->hfront >> 8) << 6) | ((t->hsync >> 8) << 4) |
			  ((t->vfront >> 4) << 2) | (t->vsync >> 4));
	d[12] = (uint8_t)(wmm & 0xff);
	d[13] = (uint8_t)(hmm & 0xff);
	d[14] = (uint8_t)(((wmm >> 8) << 4) | (hmm >> 8));
	d[17] = (uint8_t)(0x18 | (t->vsync_pos ? 0x04 : 0) | (t->hsync_pos ? 0x02 : 0));
	char name[16];
	snprintf(name, sizeof(name), "kmscast %u", t->vactive <= 9999 ? t->vactive : 0);
	descriptor_text(e + 72, 0xfc, name);
	/* Range limits around the one mode: 24-75 Hz, its line rate, its clock. */
	uint8_t *r = e + 90;
	uint32_t khz = t->clock_khz / (t->hactive + hblank);
	r[3] = 0xfd;
	r[5] = 24;
	r[6] = (uint8_t)(hz > 75 ? hz : 75);
	r[7] = (uint8_t)(khz > 30 ? 30 : (khz ? khz : 1));
	r[8] = (uint8_t)(khz + 1 > 255 ? 255 : khz + 1 < 80 ? 80 : khz + 1);
	r[9] = (uint8_t)((t->clock_khz + 9999) / 10000);
	r[10] = 0x01; /* range limits only */
	r[11] = 0x0a;
	memset(r + 12, ' ', 6);
	e[108 + 3] = 0x10; /* dummy descriptor */
	uint8_t sum = 0;
	for (int i = 0; i < EDID_SIZE - 1; i++)
		sum = (uint8_t)(sum + e[i]);
	e[EDID_SIZE - 1] = (uint8_t)(0x100 - sum);
	return 0;
}
