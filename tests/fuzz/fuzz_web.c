// SPDX-License-Identifier: MIT
/* libFuzzer target for what a browser sends besides HTTP framing: the
 * pairing form, the credential cookie (among other cookies of the same
 * name), the Origin against the Host and --web-origin, and the WebSocket
 * subprotocols with a portal token. The first byte picks the parser; the
 * rest is split at NULs where a parser takes several strings. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/http.h"
#include "kmscast/webparse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The nth NUL-terminated piece of s (len bytes, ending in a NUL). */
static const char *piece(const char *s, size_t len, int n)
{
	const char *p = s;
	while (n-- > 0) {
		const char *e = memchr(p, 0, len - (size_t)(p - s));
		if (!e || e + 1 >= s + len)
			return "";
		p = e + 1;
	}
	return p;
}

static void printable(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '"')
			abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char out[80], v[64];
	uint8_t token[WEBPARSE_TOKEN_SIZE];
	if (size < 1)
		return 0;
	char *s = malloc(size);
	if (!s)
		return 0;
	memcpy(s, data + 1, size - 1);
	s[size - 1] = '\0';
	switch (data[0] % 5) {
	case 0: {
		static const char *const names[] = {"id", "proof", "name"};
		for (int i = 0; i < 3; i++)
			if (webparse_form_field(data + 1, size - 1, names[i], out, sizeof(out))) {
				if (strlen(out) >= sizeof(out))
					abort();
				printable(out);
			}
		break;
	}
	case 1:
		webparse_token(s, token);
		break;
	case 2:
		webparse_origin_ok(piece(s, size, 0), piece(s, size, 1), piece(s, size, 2));
		break;
	case 3: {
		const char *t;
		size_t n;
		webparse_subprotocols(s, &t, &n);
		if (t && (t < s || t + n > s + strlen(s)))
			abort();
		break;
	}
	case 4:
		for (unsigned i = 0; i < 4; i++)
			if (http_cookie(s, "__Host-kmscast", i, v, sizeof(v)) == 0) {
				if (strlen(v) >= sizeof(v))
					abort();
				webparse_token(v, token);
			}
		break;
	}
	free(s);
	return 0;
}
