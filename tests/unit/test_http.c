// SPDX-License-Identifier: MIT
#include <errno.h>

#include "kmscast/http.h"
#include "tst.h"

static int parse(const char *s, struct http_request *req, size_t *used)
{
	return http_parse_request((const uint8_t *)s, strlen(s), req, used);
}

static int get_request(void)
{
	struct http_request req;
	size_t used;
	const char *s = "GET /ws?x=1 HTTP/1.1\r\nHost: pc7:7300\r\nOrigin: https://pc7:7300\r\n"
			"Connection: keep-alive, Upgrade\r\nUpgrade: websocket\r\n"
			"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
			"Cookie: a=1; kmscast=tok\r\nX-Other:  skipped \r\n\r\nGET / HTTP/1.1\r\n";
	CHECK_EQ_INT(parse(s, &req, &used), 0);
	CHECK_EQ_INT(used, strstr(s, "\r\n\r\n") + 4 - s);
	CHECK(strcmp(req.method, "GET") == 0 && strcmp(req.path, "/ws?x=1") == 0);
	CHECK(strcmp(req.host, "pc7:7300") == 0 && strcmp(req.origin, "https://pc7:7300") == 0);
	CHECK(req.http11 && req.keep_alive && req.upgrade_ws);
	CHECK(strcmp(req.ws_version, "13") == 0);
	char v[16];
	CHECK_EQ_INT(http_cookie(req.cookie, "kmscast", 0, v, sizeof(v)), 0);
	CHECK(strcmp(v, "tok") == 0);
	CHECK_EQ_INT(http_cookie(req.cookie, "kms", 0, v, sizeof(v)), -ENOENT);
	CHECK_EQ_INT(http_cookie("kmscastx=1", "kmscast", 0, v, sizeof(v)), -ENOENT);
	CHECK_EQ_INT(http_cookie("kmscast=0123456789abcdef", "kmscast", 0, v, sizeof(v)), -EMSGSIZE);
	/* One name twice (another site of the host set one too): each in turn. */
	const char *two = "__Host-k=planted; x=1; __Host-k=mine";
	CHECK_EQ_INT(http_cookie(two, "__Host-k", 0, v, sizeof(v)), 0);
	CHECK(strcmp(v, "planted") == 0);
	CHECK_EQ_INT(http_cookie(two, "__Host-k", 1, v, sizeof(v)), 0);
	CHECK(strcmp(v, "mine") == 0);
	CHECK_EQ_INT(http_cookie(two, "__Host-k", 2, v, sizeof(v)), -ENOENT);
	return 0;
}

static int incomplete_and_bodies(void)
{
	struct http_request req;
	size_t used = 99;
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: h\r\n", &req, &used), 0);
	CHECK_EQ_INT(used, 0);
	const char *post = "POST /pair HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nid=1&";
	CHECK_EQ_INT(http_parse_request((const uint8_t *)post, strlen(post) - 1, &req, &used), 0);
	CHECK_EQ_INT(used, 0); /* the body is not all there */
	CHECK_EQ_INT(parse(post, &req, &used), 0);
	CHECK_EQ_INT(used, strlen(post));
	CHECK_EQ_INT(req.content_length, 5);
	CHECK(memcmp(req.body, "id=1&", 5) == 0);
	/* HTTP/1.0 closes unless asked; 1.1 closes when asked. */
	CHECK_EQ_INT(parse("GET / HTTP/1.0\r\n\r\n", &req, &used), 0);
	CHECK(!req.http11 && !req.keep_alive && used == 18);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", &req, &used), 0);
	CHECK(!req.keep_alive && !req.upgrade_ws);
	/* Upgrade needs both headers. */
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n", &req, &used), 0);
	CHECK(!req.upgrade_ws);
	return 0;
}

static int refusals(void)
{
	struct http_request req;
	size_t used;
	char big[HTTP_MAX_HEAD + 64];
	CHECK_EQ_INT(parse("GET / HTTP/1.1\nHost: h\n\n", &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("GET / HTTP/2.0\r\n\r\n", &req, &used), -EPROTONOSUPPORT);
	CHECK_EQ_INT(parse("GET / SPDY/3\r\n\r\n", &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("GET  / HTTP/1.1\r\n\r\n", &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("GET x HTTP/1.1\r\n\r\n", &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\n\r\n", &req, &used), -EINVAL); /* no Host */
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost : a\r\n\r\n", &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("GET / HTTP/1.1\r\nHost: a\r\nX: a\001b\r\n\r\n", &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n", &req,
			   &used), -EINVAL);
	CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 4097\r\n\r\n", &req, &used),
		     -EFBIG);
	CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 99999999999999999999\r\n\r\n",
			   &req, &used), -EFBIG);
	CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
			   &req, &used), -EINVAL);
	CHECK_EQ_INT(parse("POST / HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n", &req, &used),
		     -EINVAL);
	/* Bounds: the request line, the head, the header count. */
	memset(big, 'a', sizeof(big));
	memcpy(big, "GET /", 5);
	big[sizeof(big) - 1] = '\0';
	CHECK_EQ_INT(parse(big, &req, &used), -EMSGSIZE); /* no newline yet, already too long */
	char many[4096] = "GET / HTTP/1.1\r\nHost: h\r\n";
	for (int i = 0; i < HTTP_MAX_HEADERS; i++)
		strcat(many, "X: y\r\n");
	strcat(many, "\r\n");
	CHECK_EQ_INT(parse(many, &req, &used), -EMSGSIZE);
	char cookie[2048] = "GET / HTTP/1.1\r\nHost: h\r\nCookie: ";
	memset(cookie + strlen(cookie), 'c', 1100);
	strcat(cookie, "\r\n\r\n");
	CHECK_EQ_INT(parse(cookie, &req, &used), -EMSGSIZE);
	CHECK(strncmp(http_status_for(-EMSGSIZE), "431", 3) == 0);
	CHECK(strncmp(http_status_for(-EFBIG), "413", 3) == 0);
	CHECK(strncmp(http_status_for(-EINVAL), "400", 3) == 0);
	return 0;
}

static int ws_accept(void)
{
	char out[HTTP_WS_ACCEPT_SIZE];
	/* RFC 6455 section 1.3's example. */
	http_ws_accept("dGhlIHNhbXBsZSBub25jZQ==", out);
	CHECK(strcmp(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=") == 0);
	return 0;
}

TST_MAIN("http", TST_CASE(get_request), TST_CASE(incomplete_and_bodies), TST_CASE(refusals),
	 TST_CASE(ws_accept))
