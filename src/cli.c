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

unsigned long cli_uint(const char *prog, const char *opt, const char *s, unsigned long min,
		       unsigned long max)
{
	char *end;
	unsigned long v;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (!isdigit((unsigned char)*s) || *end || errno || v < min || v > max)
		cli_die_usage(prog, "%s wants a whole number from %lu to %lu, not '%s'", opt, min,
			      max, s);
	return v;
}
