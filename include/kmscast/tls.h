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

/* The server's client CA with its CRL (crl_file may be NULL): a new
 * store for the handshakes to come, so a reload never touches one under
 * way. The CRL must be signed by a CA in ca_file and not have expired.
 * *crl gets it (the caller's, or NULL without one) to check live sessions.
 * 0 or -errno with a message; ctx is unchanged on failure. */
int tls_ctx_set_client_ca(SSL_CTX *ctx, const char *ca_file, const char *crl_file, X509_CRL **crl,
			  char *err, size_t err_len);

/* Is the peer's certificate listed in crl? serial gets its serial (hex). */
bool tls_peer_revoked(SSL *ssl, X509_CRL *crl, char *serial, size_t serial_len);

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
