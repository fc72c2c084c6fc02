// SPDX-License-Identifier: MIT
/* Written here rather than taken from a library: the daemon needs a tenth
 * of HTTP (GET of a few files, one small POST, the WebSocket upgrade), and
 * the parsers in Debian (llhttp, picohttpparser) are not packaged as
 * libraries for C; this one is small, bounded and fuzzed. */
#include "kmscast/http.h"

#include <errno.h>
#include <openssl/evp.h>
#include <openssl/sha.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

/* RFC 9110 token characters, for the method and header names. */
static bool tchar(uint8_t c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
	       (c && strchr("!#$%&'*+-.^_`|~", c));
}

/* Field values: visible ASCII, space and tab; no control bytes. */
static bool vchar(uint8_t c) { return c == '\t' || (c >= 0x20 && c != 0x7f); }

static int copy(char *dst, size_t cap, const uint8_t *src, size_t n)
{
	if (n >= cap)
		return -EMSGSIZE;
	memcpy(dst, src, n);
	dst[n] = '\0';
	return 0;
}

/* Does a comma-separated header value list token t (any case)? */
static bool has_token(const uint8_t *v, size_t n, const char *t)
{
	size_t tl = strlen(t), i = 0;
	while (i < n) {
		while (i < n && (v[i] == ' ' || v[i] == '\t' || v[i] == ','))
			i++;
		size_t s = i;
		while (i < n && v[i] != ',')
			i++;
		size_t e = i;
		while (e > s && (v[e - 1] == ' ' || v[e - 1] == '\t'))
			e--;
		if (e - s == tl && strncasecmp((const char *)v + s, t, tl) == 0)
			return true;
	}
	return false;
}

static bool name_is(const uint8_t *n, size_t nl, const char *want)
{
	return nl == strlen(want) && strncasecmp((const char *)n, want, nl) == 0;
}

static int parse_request_line(const uint8_t *p, size_t n, struct http_request *req)
{
	const uint8_t *sp1 = memchr(p, ' ', n);
	if (!sp1 || sp1 == p)
		return -EINVAL;
	for (const uint8_t *q = p; q < sp1; q++)
		if (!tchar(*q))
			return -EINVAL;
	if (copy(req->method, sizeof(req->method), p, (size_t)(sp1 - p)))
		return -EINVAL; /* no method we serve is that long */
	const uint8_t *t = sp1 + 1, *end = p + n;
	const uint8_t *sp2 = memchr(t, ' ', (size_t)(end - t));
	if (!sp2 || sp2 == t || *t != '/')
		return -EINVAL;
	for (const uint8_t *q = t; q < sp2; q++)
		if (*q <= 0x20 || *q >= 0x7f)
			return -EINVAL;
	if (copy(req->path, sizeof(req->path), t, (size_t)(sp2 - t)))
		return -EMSGSIZE;
	size_t vl = (size_t)(end - sp2 - 1);
	if (vl == 8 && memcmp(sp2 + 1, "HTTP/1.1", 8) == 0)
		req->http11 = true;
	else if (vl == 8 && memcmp(sp2 + 1, "HTTP/1.0", 8) == 0)
		req->http11 = false;
	else if (vl == 8 && memcmp(sp2 + 1, "HTTP/", 5) == 0)
		return -EPROTONOSUPPORT;
	else
		return -EINVAL;
	return 0;
}

static int parse_length(const uint8_t *v, size_t n, size_t *out)
{
	size_t x = 0;
	if (!n)
		return -EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (v[i] < '0' || v[i] > '9')
			return -EINVAL;
		if (x > HTTP_MAX_BODY)
			return -EFBIG;
		x = x * 10 + (size_t)(v[i] - '0');
	}
	*out = x;
	return x > HTTP_MAX_BODY ? -EFBIG : 0;
}

int http_parse_request(const uint8_t *buf, size_t len, struct http_request *req, size_t *used)
{
	size_t pos = 0, headers = 0;
	bool conn_upgrade = false, upgrade_ws = false, conn_close = false, conn_keep = false;
	bool have_length = false;
	int r;

	memset(req, 0, sizeof(*req));
	*used = 0;
	for (;;) {
		const uint8_t *nl = memchr(buf + pos, '\n', len - pos);
		size_t limit = pos == 0 ? HTTP_MAX_LINE : HTTP_MAX_HEAD;
		if (!nl) {
			/* Incomplete: too long already, or wait for more. */
			if (len - pos > limit || len > HTTP_MAX_HEAD)
				return -EMSGSIZE;
			return 0;
		}
		size_t end = (size_t)(nl - buf);
		if ((pos == 0 && end + 1 > HTTP_MAX_LINE) || end + 1 > HTTP_MAX_HEAD)
			return -EMSGSIZE;
		/* Lines end in CRLF; a bare LF is refused (no smuggling games). */
		if (end == pos || buf[end - 1] != '\r')
			return -EINVAL;
		const uint8_t *line = buf + pos;
		size_t ll = end - 1 - pos;
		pos = end + 1;
		if (line == buf) {
			r = parse_request_line(line, ll, req);
			if (r)
				return r;
			continue;
		}
		if (ll == 0)
			break; /* end of the head */
		if (++headers > HTTP_MAX_HEADERS)
			return -EMSGSIZE;
		const uint8_t *colon = memchr(line, ':', ll);
		if (!colon || colon == line)
			return -EINVAL;
		size_t nlen = (size_t)(colon - line);
		for (size_t i = 0; i < nlen; i++)
			if (!tchar(line[i]))
				return -EINVAL; /* also refuses space before the colon */
		const uint8_t *v = colon + 1, *ve = line + ll;
		while (v < ve && (*v == ' ' || *v == '\t'))
			v++;
		while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
			ve--;
		size_t vl = (size_t)(ve - v);
		for (size_t i = 0; i < vl; i++)
			if (!vchar(v[i]))
				return -EINVAL;
		char *dst = NULL;
		size_t cap = 0;
		if (name_is(line, nlen, "Host")) {
			if (req->host[0])
				return -EINVAL; /* two Hosts: which one is meant? */
			dst = req->host, cap = sizeof(req->host);
		} else if (name_is(line, nlen, "Origin")) {
			dst = req->origin, cap = sizeof(req->origin);
		} else if (name_is(line, nlen, "Sec-WebSocket-Key")) {
			dst = req->ws_key, cap = sizeof(req->ws_key);
		} else if (name_is(line, nlen, "Sec-WebSocket-Protocol")) {
			dst = req->ws_protocol, cap = sizeof(req->ws_protocol);
		} else if (name_is(line, nlen, "Sec-WebSocket-Version")) {
			dst = req->ws_version, cap = sizeof(req->ws_version);
		} else if (name_is(line, nlen, "Cookie")) {
			dst = req->cookie, cap = sizeof(req->cookie);
		} else if (name_is(line, nlen, "Content-Type")) {
			dst = req->content_type, cap = sizeof(req->content_type);
		} else if (name_is(line, nlen, "Content-Length")) {
			size_t n;
			r = parse_length(v, vl, &n);
			if (r)
				return r;
			if (have_length && n != req->content_length)
				return -EINVAL;
			have_length = true;
			req->content_length = n;
		} else if (name_is(line, nlen, "Transfer-Encoding")) {
			return -EINVAL; /* no chunked bodies: nothing we take needs them */
		} else if (name_is(line, nlen, "Connection")) {
			conn_upgrade |= has_token(v, vl, "upgrade");
			conn_close |= has_token(v, vl, "close");
			conn_keep |= has_token(v, vl, "keep-alive");
		} else if (name_is(line, nlen, "Upgrade")) {
			upgrade_ws |= has_token(v, vl, "websocket");
		}
		if (dst) {
			r = copy(dst, cap, v, vl);
			if (r)
				return r;
		}
	}
	if (req->http11 && !req->host[0])
		return -EINVAL; /* RFC 9112 3.2 */
	if (len - pos < req->content_length)
		return 0;
	req->body = buf + pos;
	req->upgrade_ws = conn_upgrade && upgrade_ws;
	req->keep_alive = req->http11 ? !conn_close : conn_keep;
	*used = pos + req->content_length;
	return 0;
}

const char *http_status_for(int err)
{
	switch (err) {
	case -EMSGSIZE: return "431 Request Header Fields Too Large";
	case -EFBIG: return "413 Content Too Large";
	case -EPROTONOSUPPORT: return "505 HTTP Version Not Supported";
	default: return "400 Bad Request";
	}
}

int http_cookie(const char *header, const char *name, unsigned nth, char *out, size_t out_len)
{
	size_t nl = strlen(name);
	const char *p = header;
	while (*p) {
		while (*p == ' ' || *p == ';')
			p++;
		const char *e = strchr(p, ';');
		size_t l = e ? (size_t)(e - p) : strlen(p);
		if (l > nl && strncmp(p, name, nl) == 0 && p[nl] == '=' && nth-- == 0) {
			size_t vl = l - nl - 1;
			if (vl >= out_len)
				return -EMSGSIZE;
			memcpy(out, p + nl + 1, vl);
			out[vl] = '\0';
			return 0;
		}
		p += l;
	}
	return -ENOENT;
}

void http_ws_accept(const char *key, char out[HTTP_WS_ACCEPT_SIZE])
{
	static const char guid[] = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11";
	unsigned char md[SHA_DIGEST_LENGTH];
	char buf[128];
	int n = snprintf(buf, sizeof(buf), "%s%s", key, guid);
	SHA1((const unsigned char *)buf, (size_t)n < sizeof(buf) ? (size_t)n : sizeof(buf) - 1, md);
	EVP_EncodeBlock((unsigned char *)out, md, sizeof(md));
}
