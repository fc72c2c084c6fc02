// SPDX-License-Identifier: MIT
/* libFuzzer target for the HTTP request parser: a browser's (or anyone's)
 * bytes on the daemon's TLS port. Parses requests one after another as conn
 * does, checks what a parsed request claims against the input, and reads
 * the cookie the daemon looks for. */
#include <stdlib.h>
#include <string.h>

#include "kmscast/http.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t off = 0;
	while (off < size) {
		struct http_request req;
		size_t used;
		if (http_parse_request(data + off, size - off, &req, &used) < 0 || !used)
			break;
		if (used > size - off || req.content_length > HTTP_MAX_BODY ||
		    (req.content_length && (req.body < data + off ||
					    req.body + req.content_length > data + off + used)) ||
		    strlen(req.host) >= sizeof(req.host) || strlen(req.cookie) >= sizeof(req.cookie))
			abort();
		char v[64], accept[HTTP_WS_ACCEPT_SIZE];
		http_cookie(req.cookie, "kmscast", 0, v, sizeof(v));
		http_cookie(req.cookie, "kmscast", 1, v, sizeof(v));
		http_ws_accept(req.ws_key, accept);
		off += used;
	}
	return 0;
}
