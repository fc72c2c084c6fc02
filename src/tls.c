// SPDX-License-Identifier: MIT
#include "kmscast/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <string.h>

/* Accept every chain during the handshake; SSL_get_verify_result keeps
 * the outcome for tls_peer_chain_ok. Trust is decided afterwards, where
 * we can tell the peer why it was refused. */
static int accept_any(int preverify_ok, X509_STORE_CTX *ctx)
{
	(void)preverify_ok;
	(void)ctx;
	return 1;
}

SSL_CTX *tls_ctx_create(bool server, const struct ident *id, const char *ca_file, char *err,
			size_t len)
{
	SSL_CTX *ctx = SSL_CTX_new(server ? TLS_server_method() : TLS_client_method());
	char e2[160];

	if (!ctx) {
		snprintf(err, len, "cannot create a TLS context: %s",
			 ident_ssl_error(e2, sizeof(e2), "OpenSSL error"));
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION);
	SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION);
	/* kTLS engages where the kernel has the tls module and the cipher fits. */
	SSL_CTX_set_options(ctx, SSL_OP_ENABLE_KTLS | SSL_OP_NO_RENEGOTIATION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER);
	/* No resumption: every session proves its key again. */
	SSL_CTX_set_num_tickets(ctx, 0);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | (server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0),
			   accept_any);
	if (SSL_CTX_use_certificate(ctx, id->cert) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, id->key) != 1) {
		snprintf(err, len, "cannot use our certificate: %s",
			 ident_ssl_error(e2, sizeof(e2), "OpenSSL error"));
		SSL_CTX_free(ctx);
		return NULL;
	}
	if (ca_file && SSL_CTX_load_verify_locations(ctx, ca_file, NULL) != 1) {
		snprintf(err, len, "cannot load CA file %s: %s", ca_file,
			 ident_ssl_error(e2, sizeof(e2), "unreadable or not PEM"));
		SSL_CTX_free(ctx);
		return NULL;
	}
	return ctx;
}

int tls_peer_fingerprint(SSL *ssl, uint8_t fp[FP_SIZE])
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	return peer ? ident_fingerprint(peer, fp) : -EINVAL;
}

bool tls_peer_chain_ok(SSL *ssl, char *why, size_t len)
{
	long r = SSL_get_verify_result(ssl);
	if (!SSL_get0_peer_certificate(ssl)) {
		snprintf(why, len, "no certificate");
		return false;
	}
	if (r == X509_V_OK)
		return true;
	snprintf(why, len, "%s", X509_verify_cert_error_string(r));
	return false;
}

const char *tls_handshake_error(SSL *ssl, int ret, char *buf, size_t len)
{
	int e = SSL_get_error(ssl, ret);
	unsigned long q = ERR_peek_error();

	if (e == SSL_ERROR_SYSCALL && !q) {
		snprintf(buf, len, ret == 0 ? "peer closed the connection during the handshake" :
					      "connection error during the handshake: %s",
			 strerror(errno));
		return buf;
	}
	int reason = ERR_GET_REASON(q);
	const char *r = ERR_reason_error_string(q);
	const char *hint = "";
	if (reason == SSL_R_UNSUPPORTED_PROTOCOL || reason == SSL_R_TLSV1_ALERT_PROTOCOL_VERSION)
		hint = " (only TLS 1.3 is accepted)";
	else if (reason == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE ||
		 reason == SSL_R_TLSV13_ALERT_CERTIFICATE_REQUIRED)
		hint = " (a client certificate is required)";
	else if (reason == SSL_R_WRONG_VERSION_NUMBER || reason == SSL_R_PACKET_LENGTH_TOO_LONG ||
		 reason == SSL_R_HTTP_REQUEST)
		hint = " (not a TLS client)";
	snprintf(buf, len, "%s%s", r ? r : "TLS handshake failed", hint);
	ERR_clear_error();
	return buf;
}
