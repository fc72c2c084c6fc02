// SPDX-License-Identifier: MIT
#include "kmscast/json.h"

#include <stdio.h>

/* The length of the well-formed UTF-8 sequence at s (RFC 3629: no
 * overlong forms, no surrogates, nothing past U+10FFFF), or 0. */
static size_t utf8_len(const unsigned char *s)
{
	unsigned c = s[0];
	size_t n;
	unsigned min;
	if (c >= 0xc2 && c <= 0xdf) {
		n = 2;
		min = 0x80;
	} else if (c >= 0xe0 && c <= 0xef) {
		n = 3;
		min = 0x800;
	} else if (c >= 0xf0 && c <= 0xf4) {
		n = 4;
		min = 0x10000;
	} else {
		return 0;
	}
	unsigned cp = c & (0x7f >> n);
	for (size_t i = 1; i < n; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0; /* also stops at the terminating NUL */
		cp = cp << 6 | (s[i] & 0x3f);
	}
	if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return n;
}

void json_escape(char *out, size_t len, const char *s)
{
	const unsigned char *p = (const unsigned char *)s;
	size_t o = 0;
	while (*p && o + 7 < len) {
		unsigned c = *p;
		if (c == '"' || c == '\\') {
			o += (size_t)snprintf(out + o, len - o, "\\%c", c);
			p++;
		} else if (c < 0x20 || c == 0x7f) {
			o += (size_t)snprintf(out + o, len - o, "\\u%04x", c);
			p++;
		} else if (c < 0x80) {
			out[o++] = (char)c;
			p++;
		} else {
			/* Output stays valid UTF-8 whatever came in: a byte that
			 * starts no well-formed sequence becomes U+FFFD. */
			size_t n = utf8_len(p);
			if (!n) {
				o += (size_t)snprintf(out + o, len - o, "\\ufffd");
				p++;
			} else {
				for (size_t i = 0; i < n; i++)
					out[o++] = (char)p[i];
				p += n;
			}
		}
	}
	out[o] = '\0';
}
