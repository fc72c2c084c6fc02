// SPDX-License-Identifier: MIT
#include "kmscast/json.h"

#include <stdio.h>

void json_escape(char *out, size_t len, const char *s)
{
	size_t o = 0;
	for (; *s && o + 7 < len; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\')
			o += (size_t)snprintf(out + o, len - o, "\\%c", c);
		else if (c < 0x20)
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
		else
			out[o++] = (char)c;
	}
	out[o] = '\0';
}
