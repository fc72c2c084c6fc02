// SPDX-License-Identifier: MIT
/* Shared by unit tests and VM helpers: how many entries a folder holds. */
#ifndef KMSCAST_TESTS_DIRENT_COUNT_H
#define KMSCAST_TESTS_DIRENT_COUNT_H

#include <dirent.h>

/* Entries of dir not starting with '.'; 0 if it cannot be read. */
static inline int dirent_count(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	int n = 0;

	while (d && (de = readdir(d))) {
		n += de->d_name[0] != '.';
	}
	if (d) {
		closedir(d);
	}
	return n;
}

#endif
