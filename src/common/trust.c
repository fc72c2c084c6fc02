// SPDX-License-Identifier: MIT
#include "kmscast/trust.h"

#include <ctype.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char hexdig[] = "0123456789abcdef";
static const char b32[] = "ABCDEFGHJKMNPQRSTVWXYZ0123456789"; /* no I, L, O, U */

void fp_format(const uint8_t fp[FP_SIZE], char out[FP_STR_SIZE])
{
	memcpy(out, "sha256:", 7);
	for (int i = 0; i < FP_SIZE; i++) {
		out[7 + 2 * i] = hexdig[fp[i] >> 4];
		out[8 + 2 * i] = hexdig[fp[i] & 15];
	}
	out[FP_STR_LEN] = '\0';
}

int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	return c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

int fp_parse(const char *s, size_t len, uint8_t fp[FP_SIZE])
{
	if (len != FP_STR_LEN || strncasecmp(s, "sha256:", 7) != 0)
		return -EINVAL;
	for (int i = 0; i < FP_SIZE; i++) {
		int hi = hexval(s[7 + 2 * i]), lo = hexval(s[8 + 2 * i]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		fp[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

/* Iterates over lines with comments and surrounding blanks removed.
 * Returns the next line's start or NULL at the end. */
struct line_iter {
	const char *p, *end;
	unsigned no;
};

static int next_line(struct line_iter *it, const char **s, size_t *n, char *err, size_t len)
{
	while (it->p < it->end) {
		const char *nl = memchr(it->p, '\n', (size_t)(it->end - it->p));
		const char *e = nl ? nl : it->end;
		const char *b = it->p;
		it->p = nl ? nl + 1 : it->end;
		it->no++;
		if ((size_t)(e - b) > TRUST_MAX_LINE) {
			snprintf(err, len, "line %u: longer than %u bytes", it->no, TRUST_MAX_LINE);
			return -EINVAL;
		}
		if (memchr(b, '\0', (size_t)(e - b))) {
			snprintf(err, len, "line %u: contains a NUL byte", it->no);
			return -EINVAL;
		}
		const char *h = memchr(b, '#', (size_t)(e - b));
		if (h)
			e = h;
		while (b < e && isspace((unsigned char)*b))
			b++;
		while (e > b && isspace((unsigned char)e[-1]))
			e--;
		if (b == e)
			continue;
		*s = b;
		*n = (size_t)(e - b);
		return 1;
	}
	return 0;
}

int trust_parse_authorized(const char *text, size_t len, struct fp_list *out, char *err,
			   size_t err_len)
{
	struct line_iter it = {text, text + len, 0};
	const char *s;
	size_t n, cap = 0;
	int r;

	out->count = 0;
	out->fps = NULL;
	if (len > TRUST_MAX_FILE) {
		snprintf(err, err_len, "larger than %u bytes", TRUST_MAX_FILE);
		return -EINVAL;
	}
	while ((r = next_line(&it, &s, &n, err, err_len)) > 0) {
		uint8_t fp[FP_SIZE];
		if (fp_parse(s, n, fp) != 0) {
			snprintf(err, err_len,
				 "line %u: not a fingerprint (want sha256: and 64 hex digits)",
				 it.no);
			r = -EINVAL;
			break;
		}
		if (fp_list_contains(out, fp))
			continue;
		if (out->count == TRUST_MAX_ENTRIES) {
			snprintf(err, err_len, "more than %u entries", TRUST_MAX_ENTRIES);
			r = -EINVAL;
			break;
		}
		if (out->count == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			void *p = realloc(out->fps, ncap * FP_SIZE);
			if (!p) {
				snprintf(err, err_len, "out of memory");
				r = -ENOMEM;
				break;
			}
			out->fps = p;
			cap = ncap;
		}
		memcpy(out->fps[out->count++], fp, FP_SIZE);
	}
	if (r < 0) {
		fp_list_free(out);
		return r;
	}
	return 0;
}

bool fp_list_contains(const struct fp_list *list, const uint8_t fp[FP_SIZE])
{
	for (size_t i = 0; i < list->count; i++)
		if (memcmp(list->fps[i], fp, FP_SIZE) == 0)
			return true;
	return false;
}

void fp_list_free(struct fp_list *list)
{
	free(list->fps);
	list->fps = NULL;
	list->count = 0;
}

int trust_known_hosts_find(const char *text, size_t len, const char *host, uint8_t fp[FP_SIZE],
			   unsigned *line, char *err, size_t err_len)
{
	struct line_iter it = {text, text + len, 0};
	const char *s;
	size_t n, hl = strlen(host);
	int r;

	while ((r = next_line(&it, &s, &n, err, err_len)) > 0) {
		const char *sp = s;
		while (sp < s + n && !isspace((unsigned char)*sp))
			sp++;
		const char *f = sp;
		while (f < s + n && isspace((unsigned char)*f))
			f++;
		uint8_t got[FP_SIZE];
		if (sp == s + n || fp_parse(f, (size_t)(s + n - f), got) != 0) {
			snprintf(err, err_len, "line %u: want HOST:PORT and a fingerprint", it.no);
			return -EINVAL;
		}
		if ((size_t)(sp - s) == hl && strncasecmp(s, host, hl) == 0) {
			memcpy(fp, got, FP_SIZE);
			*line = it.no;
			return 1;
		}
	}
	return r;
}

void pair_code_format(const uint8_t key[PAIR_KEY_SIZE], char out[PAIR_CODE_SIZE])
{
	/* 128 bits -> 26 digits of 5 bits (the last carries 3), dash every 5. */
	unsigned acc = 0, bits = 0, digits = 0;
	size_t o = 0;
	for (int i = 0; i < PAIR_KEY_SIZE || bits > 0; i++) {
		if (i < PAIR_KEY_SIZE) {
			acc = acc << 8 | key[i];
			bits += 8;
		} else {
			acc <<= 5 - bits;
			bits = 5;
		}
		while (bits >= 5) {
			if (digits && digits % 5 == 0)
				out[o++] = '-';
			out[o++] = b32[(acc >> (bits - 5)) & 31];
			bits -= 5;
			digits++;
		}
	}
	out[o] = '\0';
}

int pair_code_parse(const char *s, uint8_t key[PAIR_KEY_SIZE])
{
	unsigned acc = 0, bits = 0, digits = 0;
	size_t o = 0;
	for (; *s; s++) {
		if (*s == '-' || *s == ' ')
			continue;
		const char *p = strchr(b32, toupper((unsigned char)*s));
		if (!p || !*s || digits == 26)
			return -EINVAL;
		acc = acc << 5 | (unsigned)(p - b32);
		bits += 5;
		digits++;
		if (bits >= 8 && o < PAIR_KEY_SIZE) {
			key[o++] = (uint8_t)(acc >> (bits - 8));
			bits -= 8;
		}
		acc &= (1u << bits) - 1;
	}
	/* 26 digits: 16 bytes and 2 padding bits that must be zero. */
	return digits == 26 && o == PAIR_KEY_SIZE && acc == 0 ? 0 : -EINVAL;
}

int pair_pending_format(const uint8_t key[PAIR_KEY_SIZE], long long expires, char *out,
			size_t out_len)
{
	char hex[2 * PAIR_KEY_SIZE + 1];
	for (int i = 0; i < PAIR_KEY_SIZE; i++) {
		hex[2 * i] = hexdig[key[i] >> 4];
		hex[2 * i + 1] = hexdig[key[i] & 15];
	}
	hex[2 * PAIR_KEY_SIZE] = '\0';
	return snprintf(out, out_len, "%lld %s\n", expires, hex) < (int)out_len ? 0 : -ENOSPC;
}

int pair_pending_parse(const char *text, size_t len, uint8_t key[PAIR_KEY_SIZE], long long *expires)
{
	char buf[128], hex[2 * PAIR_KEY_SIZE + 2];
	if (len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, text, len);
	buf[len] = '\0';
	if (sscanf(buf, "%lld %33s", expires, hex) != 2 || strlen(hex) != 2 * PAIR_KEY_SIZE)
		return -EINVAL;
	for (int i = 0; i < PAIR_KEY_SIZE; i++) {
		int hi = hexval(hex[2 * i]), lo = hexval(hex[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -EINVAL;
		key[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

int trust_split_hostport(const char *arg, unsigned default_port, char *host, size_t host_len,
			 unsigned *port, char *err, size_t err_len)
{
	const char *h = arg, *he, *ps = NULL;

	if (*arg == '[') {
		h = arg + 1;
		he = strchr(h, ']');
		if (!he || (he[1] && he[1] != ':')) {
			snprintf(err, err_len, "bad address '%s': want [IPV6]:PORT", arg);
			return -EINVAL;
		}
		ps = he[1] == ':' ? he + 2 : NULL;
	} else {
		const char *c = strchr(arg, ':');
		if (c && strchr(c + 1, ':')) { /* bare IPv6 address, no port */
			he = arg + strlen(arg);
		} else {
			he = c ? c : arg + strlen(arg);
			ps = c ? c + 1 : NULL;
		}
	}
	if ((size_t)(he - h) >= host_len || (size_t)(he - h) > TRUST_MAX_HOST) {
		snprintf(err, err_len, "bad address '%s': host name too long", arg);
		return -EINVAL;
	}
	memcpy(host, h, (size_t)(he - h));
	host[he - h] = '\0';
	*port = default_port;
	if (ps) {
		char *end;
		errno = 0;
		unsigned long p = strtoul(ps, &end, 10);
		if (!*ps || *end || errno || p > 65535 || !isdigit((unsigned char)*ps)) {
			snprintf(err, err_len, "bad port in '%s': want 0-65535", arg);
			return -EINVAL;
		}
		*port = (unsigned)p;
	}
	for (const char *c = host; *c; c++) {
		if (isspace((unsigned char)*c) || !isprint((unsigned char)*c) || *c == '#') {
			snprintf(err, err_len, "bad host in '%s'", arg);
			return -EINVAL;
		}
	}
	return 0;
}

void pair_proof(const uint8_t key[PAIR_KEY_SIZE], bool from_server, const uint8_t a[FP_SIZE],
		const uint8_t b[FP_SIZE], uint8_t out[PAIR_PROOF_SIZE])
{
	static const char label_c[] = "kmscast pair v1 client",
			  label_s[] = "kmscast pair v1 server";
	const char *label = from_server ? label_s : label_c;
	uint8_t msg[sizeof(label_c) + 2 * FP_SIZE];
	unsigned int n = PAIR_PROOF_SIZE;

	memcpy(msg, label, sizeof(label_c));
	memcpy(msg + sizeof(label_c), a, FP_SIZE);
	memcpy(msg + sizeof(label_c) + FP_SIZE, b, FP_SIZE);
	HMAC(EVP_sha256(), key, PAIR_KEY_SIZE, msg, sizeof(msg), out, &n);
}
