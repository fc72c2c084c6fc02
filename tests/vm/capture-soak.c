// SPDX-License-Identifier: MIT
/* capture-soak DEVICE N: N captures in one process (a CPU read every 500th)
 * while something flips on DEVICE. Prints open fds, GEM handles held and RSS
 * after a warm-up and at the end, and the number of distinct fb ids seen;
 * exits 0 only if fds and handles are unchanged and RSS grew < 256 KiB. */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

#include "kmscast/capture.h"
#include "kmscast/selfstat.h"

int main(int argc, char **argv)
{
	struct capture_options opt = {.cursor = true};
	struct capture *cap;
	struct capture_frame fr;
	char err[512];
	uint32_t seen[64] = {0};
	int n_seen = 0, fd, fds0 = 0, handles0 = 0, n;
	long rss0 = 0;
	uint8_t *rgb = NULL;

	if (argc != 3 || (n = atoi(argv[2])) < 1000) {
		fprintf(stderr, "usage: capture-soak DEVICE N (N >= 1000)\n");
		return 2;
	}
	fd = open(argv[1], O_RDWR | O_CLOEXEC);
	if (fd < 0 || capture_create(fd, &opt, &cap, err, sizeof(err)) < 0) {
		fprintf(stderr, "capture-soak: %s\n", fd < 0 ? "cannot open the card" : err);
		return 1;
	}
	for (int i = 0; i < n; i++) {
		if (capture_grab(cap, &fr, err, sizeof(err)) < 0) {
			fprintf(stderr, "capture-soak: grab %d: %s\n", i, err);
			return 1;
		}
		if (i % 500 == 0) {
			rgb = rgb ? rgb : malloc((size_t)fr.fb.width * fr.fb.height * 3);
			if (capture_read_rgb8(cap, &fr.fb, rgb, err, sizeof(err)) < 0) {
				fprintf(stderr, "capture-soak: read %d: %s\n", i, err);
				return 1;
			}
		}
		int known = 0;
		for (int j = 0; j < n_seen; j++) {
			known |= seen[j] == fr.fb.fb_id;
		}
		if (!known && n_seen < 64) {
			seen[n_seen++] = fr.fb.fb_id;
		}
		if (i == 1000) { /* warmed up: every buffer mapped and cached */
			fds0 = selfstat_fds();
			handles0 = selfstat_gem_handles(fd);
			rss0 = selfstat_rss_kb();
		}
	}
	int fds1 = selfstat_fds(), handles1 = selfstat_gem_handles(fd);
	long rss1 = selfstat_rss_kb();
	printf("captures=%d distinct_fbs=%d fds=%d->%d gem_handles=%d->%d rss_kb=%ld->%ld\n", n,
	       n_seen, fds0, fds1, handles0, handles1, rss0, rss1);
	free(rgb);
	capture_destroy(cap);
	close(fd);
	return (fds0 == fds1 && handles0 == handles1 && handles1 == 0 && rss1 - rss0 < 256) ? 0 : 1;
}
