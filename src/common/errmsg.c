// SPDX-License-Identifier: MIT
#include "kmscast/errmsg.h"

#include <stdarg.h>
#include <stdio.h>

int errmsg(char *err, size_t len, int ret, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, len, fmt, ap);
	va_end(ap);
	return ret;
}
