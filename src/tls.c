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

/* Browsers offer http/1.1 by ALPN; our client offers none. */
static bool offers_http11(const unsigned char *p, size_t len)
{
	while (len > 0) {
		size_t n = p[0];
		if (n + 1 > len)
			return false;
		if (n == 8 && memcmp(p + 1, "http/1.1", 8) == 0)
			return true;
		p += n + 1;
		len -= n + 1;
	}
	return false;
}

/* A browser gets the ECDSA identity (it refuses Ed25519 servers) and is
 * not asked for a certificate it does not have: it proves itself with a
 * pairing code or a credential inside. */
static int client_hello(SSL *ssl, int *alert, void *arg)
{
	const struct ident *web = arg;
	const unsigned char *p;
	size_t len;
	(void)alert;
	if (SSL_client_hello_get0_ext(ssl, TLSEXT_TYPE_application_layer_protocol_negotiation, &p,
				      &len) != 1 ||
	    len < 2 || (size_t)(p[0] << 8 | p[1]) != len - 2 || !offers_http11(p + 2, len - 2))
		return SSL_CLIENT_HELLO_SUCCESS;
	if (SSL_use_certificate(ssl, web->cert) != 1 || SSL_use_PrivateKey(ssl, web->key) != 1) {
		ERR_clear_error();
		return SSL_CLIENT_HELLO_ERROR;
	}
	SSL_set_verify(ssl, SSL_VERIFY_NONE, NULL);
	return SSL_CLIENT_HELLO_SUCCESS;
}

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen,
		       const unsigned char *in, unsigned int inlen, void *arg)
{
	(void)ssl;
	(void)arg;
	if (!offers_http11(in, inlen))
		return SSL_TLSEXT_ERR_NOACK;
	*out = (const unsigned char *)"http/1.1";
	*outlen = 8;
	return SSL_TLSEXT_ERR_OK;
}

void tls_ctx_serve_web(SSL_CTX *ctx, const struct ident *web)
{
	SSL_CTX_set_client_hello_cb(ctx, client_hello, (void *)web);
	SSL_CTX_set_alpn_select_cb(ctx, select_alpn, NULL);
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
		snprintf(buf, len,
			 ret == 0 ? "peer closed the connection during the handshake"
				  : "connection error during the handshake: %s",
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
