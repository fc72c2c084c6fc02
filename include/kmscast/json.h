// SPDX-License-Identifier: MIT
/* Writing JSON strings: the daemon's answers to browsers and the client's
 * --json listings carry names other parties chose. */
#ifndef KMSCAST_JSON_H
#define KMSCAST_JSON_H

#include <stddef.h>

/* s escaped for the inside of a JSON string (quotes, backslashes, control
 * characters and DEL), cut short to fit out. The result is valid UTF-8:
 * well-formed sequences are kept, any other byte becomes \ufffd. */
void json_escape(char *out, size_t len, const char *s);

#endif
