// SPDX-License-Identifier: MIT
/* See include/kmscast/selfstat.h. */
#include "kmscast/selfstat.h"

#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xf86drm.h>

int selfstat_fds(void)
{
	DIR *d = opendir("/proc/self/fd");
	struct dirent *de;
	int n = -1; /* the DIR's own fd */

	if (!d)
		return -1;
	while ((de = readdir(d)))
		n += de->d_name[0] != '.';
	closedir(d);
	return n;
}

static long status_kb(const char *field)
{
	FILE *f = fopen("/proc/self/status", "r");
	char line[256];
	size_t n = strlen(field);
	long kb = -1;

	while (f && fgets(line, sizeof(line), f))
		if (strncmp(line, field, n) == 0)
			kb = strtol(line + n, NULL, 10);
	if (f)
		fclose(f);
	return kb;
}

long selfstat_rss_kb(void) { return status_kb("VmRSS:"); }

long selfstat_anon_kb(void) { return status_kb("RssAnon:"); }

/* Exporting a handle that does not exist fails; one that does gives a fd. */
int selfstat_gem_handles(int card_fd)
{
	int n = 0;

	for (uint32_t h = 1; h <= 1024; h++) {
		int dfd;
		if (drmPrimeHandleToFD(card_fd, h, DRM_CLOEXEC, &dfd) == 0) {
			close(dfd);
			n++;
		}
	}
	return n;
}
