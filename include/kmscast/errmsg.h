// SPDX-License-Identifier: MIT
/* The one way functions here report a failure: a line for the user in
 * err, and -errno as the return. */
#ifndef KMSCAST_ERRMSG_H
#define KMSCAST_ERRMSG_H

#include <stddef.h>

/* Formats into err (len bytes) and returns ret. */
int errmsg(char *err, size_t len, int ret, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

#endif
