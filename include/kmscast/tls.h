// SPDX-License-Identifier: MIT
/* TLS 1.3 contexts for both sides. Peers are always asked for a
 * certificate; the handshake accepts any, and the caller decides after it
 * (pinned fingerprint, authorized list, or a CA chain that verified). */
#ifndef KMSCAST_TLS_H
#define KMSCAST_TLS_H

#include <openssl/ssl.h>
#include <stdbool.h>

#include "kmscast/ident.h"

/* ca_file: a PEM bundle whose signatures count as trust (the daemon's
 * --client-ca, the client's --host-ca), or NULL. */
SSL_CTX *tls_ctx_create(bool server, const struct ident *id, const char *ca_file, char *err,
			size_t err_len);

/* Serves browsers on the same port: a client that offers ALPN http/1.1
 * gets the web identity (ECDSA P-256) and no certificate request, and the
 * connection says so through ALPN. web must outlive ctx. */
void tls_ctx_serve_web(SSL_CTX *ctx, const struct ident *web);

/* After the handshake: the peer's fingerprint. -EINVAL if it sent none. */
int tls_peer_fingerprint(SSL *ssl, uint8_t fp[FP_SIZE]);

/* After the handshake: did the peer's chain verify against ca_file (and
 * the host name set with SSL_set1_host, if any)? why gets the reason. */
bool tls_peer_chain_ok(SSL *ssl, char *why, size_t why_len);

/* A readable reason for a failed handshake, from the OpenSSL error queue
 * (cleared) with hints for the common cases. */
const char *tls_handshake_error(SSL *ssl, int ret, char *buf, size_t len);

#endif
