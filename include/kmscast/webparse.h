// SPDX-License-Identifier: MIT
/* What a browser sends the daemon besides HTTP's own framing: the Origin
 * it claims, a pairing form, the credential in its cookie, the WebSocket
 * subprotocols it offers (a portal token among them). Pure functions over
 * the peer's bytes, apart from server_web.c's I/O, so they can be fuzzed. */
#ifndef KMSCAST_WEBPARSE_H
#define KMSCAST_WEBPARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define WEBPARSE_TOKEN_SIZE 32 /* a browser credential's bytes */

/* Whether origin is https://HOST of the request's Host, or one of the
 * comma-separated allowed origins (may be NULL). An empty origin is not. */
bool webparse_origin_ok(const char *origin, const char *host, const char *allowed);

/* Exactly len bytes as 2 * len hex digits (either case). */
bool webparse_hex(const char *s, size_t n, uint8_t *out, size_t len);

/* The field called name of an application/x-www-form-urlencoded body,
 * decoded into out (cap bytes with its NUL). Printable ASCII but '"'
 * alone comes out: a name goes into a file and the log. False when the
 * field is missing, malformed or too long. */
bool webparse_form_field(const uint8_t *body, size_t len, const char *name, char *out, size_t cap);

/* A credential as its cookie carries it: 43 characters of base64url, no
 * padding, exactly WEBPARSE_TOKEN_SIZE bytes. */
bool webparse_token(const char *s, uint8_t token[WEBPARSE_TOKEN_SIZE]);

/* A Sec-WebSocket-Protocol header: whether it offers "kmscast", and the
 * first portal token it offers as "kmscast.token.JWT" (*token NULL when
 * none; it points into header). */
bool webparse_subprotocols(const char *header, const char **token, size_t *token_len);

#endif
