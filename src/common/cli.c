// SPDX-License-Identifier: MIT
#include "kmscast/cli.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

void cli_die_usage(const char *prog, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "%s: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nTry '%s --help'.\n", prog);
	exit(CLI_EXIT_USAGE);
}

bool cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	/* strtoul alone takes " 7", "-1" (as ULONG_MAX) and "7x". */
	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v < min || v > max)
		return false;
	*out = v;
	return true;
}

unsigned long cli_uint(const char *prog, const char *opt, const char *s, unsigned long min,
		       unsigned long max)
{
	unsigned long v;

	if (!cli_parse_uint(s, min, max, &v))
		cli_die_usage(prog, "%s must be a number from %lu to %lu, not '%s'", opt, min, max,
			      s);
	return v;
}
