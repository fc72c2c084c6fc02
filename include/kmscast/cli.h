// SPDX-License-Identifier: MIT
/* Command-line helpers shared by our programs: one way to report usage
 * errors and to parse bounded numbers. */
#ifndef KMSCAST_CLI_H
#define KMSCAST_CLI_H

#include <stdbool.h>

#define CLI_EXIT_USAGE 2

/* "PROG: message" and "Try 'PROG --help'." on stderr, then exit 2. */
void cli_die_usage(const char *prog, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

/* Parses a decimal in [min, max] (digits only): true and *out, or false. */
bool cli_parse_uint(const char *s, unsigned long min, unsigned long max, unsigned long *out);

/* Parses a decimal in [min, max] or dies with a usage error naming opt. */
unsigned long cli_uint(const char *prog, const char *opt, const char *s, unsigned long min,
		       unsigned long max);

#endif
