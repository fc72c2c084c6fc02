// SPDX-License-Identifier: MIT
/* mkedid DIR: writes DIR/kmscast-WxH.bin for each of the common modes (the
 * EDID files kernel-notes/headless-connectors.md uses); `make edid` runs it. */
#include <stdio.h>

#include "kmscast/edid.h"
#include "kmscast/fileio.h"

int main(int argc, char **argv)
{
	uint8_t e[EDID_SIZE];
	char path[4096], err[512];

	if (argc != 2) {
		fprintf(stderr, "usage: mkedid DIR\n");
		return 2;
	}
	for (const struct edid_timing *t = edid_common_modes; t->clock_khz; t++) {
		snprintf(path, sizeof(path), "%s/kmscast-%ux%u.bin", argv[1], t->hactive,
			 t->vactive);
		if (edid_build(t, e, err, sizeof(err)) != 0 ||
		    fileio_write_atomic(path, e, sizeof(e), 0644, err, sizeof(err)) != 0) {
			fprintf(stderr, "mkedid: %s\n", err);
			return 1;
		}
		printf("%s: %ux%u at %u.%03u Hz\n", path, t->hactive, t->vactive,
		       edid_refresh_mhz(t) / 1000, edid_refresh_mhz(t) % 1000);
	}
	return 0;
}
