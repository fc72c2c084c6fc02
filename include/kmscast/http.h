// SPDX-License-Identifier: MIT
/* The little HTTP/1.1 the daemon speaks to browsers on its TLS port: a
 * pure, bounded request parser (request line, header count and size, body
 * length) and the WebSocket handshake's accept value. Only the headers the
 * daemon acts on are kept; others are checked for shape and skipped. */
#ifndef KMSCAST_HTTP_H
#define KMSCAST_HTTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define HTTP_MAX_LINE 2048 /* request line */
#define HTTP_MAX_HEAD 8192 /* request line and headers together */
#define HTTP_MAX_HEADERS 32
#define HTTP_MAX_BODY 4096
#define HTTP_MAX_PROTOCOL 4608 /* a JWT of 4096 bytes and the protocols' names */
#define HTTP_WS_ACCEPT_SIZE 29 /* base64 of SHA-1, with its NUL */

struct http_request {
	char method[8];
	char path[256];
	bool http11;     /* HTTP/1.1 (else 1.0) */
	bool keep_alive; /* the connection may carry another request */
	bool upgrade_ws; /* Connection: upgrade and Upgrade: websocket */
	char host[256], origin[256], ws_key[64], ws_version[8], cookie[1024], content_type[64];
	char ws_protocol[HTTP_MAX_PROTOCOL]; /* Sec-WebSocket-Protocol: a portal token rides here */
	size_t content_length;
	const uint8_t *body; /* into the parsed buffer */
};

/* Parses one request at buf. 0 with *used the request's length (head and
 * body) when it is whole; 0 with *used 0 when more bytes are needed;
 * -EMSGSIZE past a bound on the head (431), -EFBIG for a body over
 * HTTP_MAX_BODY (413), -EPROTONOSUPPORT for a version other than 1.0/1.1
 * (505), -EINVAL for anything malformed (400). */
int http_parse_request(const uint8_t *buf, size_t len, struct http_request *req, size_t *used);

/* The status line to answer a parse error with: "400 Bad Request" etc. */
const char *http_status_for(int err);

/* The value of the nth (from 0) cookie called name in a Cookie header, or
 * -ENOENT. A browser sends every cookie that matches, so one name may come
 * more than once (another site of the same host may have set one). */
int http_cookie(const char *header, const char *name, unsigned nth, char *out, size_t out_len);

/* Sec-WebSocket-Accept for a Sec-WebSocket-Key (RFC 6455 4.2.2). */
void http_ws_accept(const char *key, char out[HTTP_WS_ACCEPT_SIZE]);

#endif
