// SPDX-License-Identifier: MIT
#include "kmscast/webparse.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

#include "kmscast/trust.h"

bool webparse_origin_ok(const char *origin, const char *host, const char *allowed)
{
	char own[300];
	if (!origin[0])
		return false;
	snprintf(own, sizeof(own), "https://%s", host);
	if (strcmp(origin, own) == 0)
		return true;
	const char *p = allowed;
	size_t ol = strlen(origin);
	while (p && *p) {
		size_t n = strcspn(p, ",");
		if (n == ol && strncmp(p, origin, n) == 0)
			return true;
		p += n + (p[n] == ',');
	}
	return false;
}

bool webparse_hex(const char *s, size_t n, uint8_t *out, size_t len)
{
	if (n != 2 * len)
		return false;
	for (size_t i = 0; i < len; i++) {
		int hi = hexval(s[2 * i]), lo = hexval(s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

bool webparse_form_field(const uint8_t *body, size_t len, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), i = 0;
	while (i < len) {
		size_t e = i;
		while (e < len && body[e] != '&')
			e++;
		if (e - i > nl && memcmp(body + i, name, nl) == 0 && body[i + nl] == '=') {
			size_t o = 0;
			for (size_t j = i + nl + 1; j < e; j++) {
				unsigned c = body[j];
				if (c == '+') {
					c = ' ';
				} else if (c == '%') {
					uint8_t b;
					if (j + 2 >= e ||
					    !webparse_hex((const char *)body + j + 1, 2, &b, 1))
						return false;
					c = b;
					j += 2;
				}
				if (c < 0x20 || c >= 0x7f || c == '"' || o + 1 >= cap)
					return false;
				out[o++] = (char)c;
			}
			out[o] = '\0';
			return true;
		}
		i = e + 1;
	}
	return false;
}

bool webparse_token(const char *s, uint8_t token[WEBPARSE_TOKEN_SIZE])
{
	char b[48];
	uint8_t raw[36];
	if (strlen(s) != 43)
		return false;
	for (int i = 0; i < 43; i++) {
		char c = s[i];
		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
		      c == '-' || c == '_'))
			return false;
		b[i] = c == '-' ? '+' : c == '_' ? '/' : c;
	}
	b[43] = '=';
	b[44] = '\0';
	/* OpenSSL decodes; base64url is its alphabet with two letters swapped. */
	if (EVP_DecodeBlock(raw, (const unsigned char *)b, 44) != 33)
		return false;
	memcpy(token, raw, WEBPARSE_TOKEN_SIZE);
	return true;
}

bool webparse_subprotocols(const char *header, const char **token, size_t *token_len)
{
	static const char prefix[] = "kmscast.token.";
	const size_t pl = sizeof(prefix) - 1;
	const char *p = header;
	bool ours = false;
	*token = NULL;
	*token_len = 0;
	while (*p) {
		p += strspn(p, " \t,");
		size_t n = strcspn(p, " \t,");
		if (n == 7 && strncmp(p, "kmscast", 7) == 0) {
			ours = true;
		} else if (n > pl && strncmp(p, prefix, pl) == 0 && !*token) {
			*token = p + pl;
			*token_len = n - pl;
		}
		p += n;
	}
	return ours;
}
