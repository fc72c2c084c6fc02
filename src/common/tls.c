// SPDX-License-Identifier: MIT
#include "kmscast/tls.h"

#include <errno.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509_vfy.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/fileio.h"
#include "kmscast/trust.h"

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

static void asn1_time_str(const ASN1_TIME *t, char *out, size_t len)
{
	BIO *b = BIO_new(BIO_s_mem());
	int n = b && ASN1_TIME_print(b, t) == 1 ? BIO_read(b, out, (int)len - 1) : -1;
	out[n > 0 ? n : 0] = '\0';
	BIO_free(b);
}

/* A CRL from a bounded read of path, signed by one of the store's CAs and
 * still current. NULL with a message. */
static X509_CRL *load_crl(X509_STORE *store, const char *path, char *err, size_t len)
{
	char *text = NULL, when[64], e2[160];
	size_t n;
	int r = fileio_read_all(path, TRUST_MAX_FILE, &text, &n, err, len);
	if (r)
		return NULL;
	BIO *b = BIO_new_mem_buf(text, (int)n);
	X509_CRL *crl = b ? PEM_read_bio_X509_CRL(b, NULL, NULL, NULL) : NULL;
	BIO_free(b);
	free(text);
	if (!crl) {
		snprintf(err, len, "%s: not a PEM CRL: %s", path,
			 ident_ssl_error(e2, sizeof(e2), "unreadable"));
		return NULL;
	}
	bool signed_ok = false;
	STACK_OF(X509_OBJECT) *objs = X509_STORE_get0_objects(store);
	for (int i = 0; i < sk_X509_OBJECT_num(objs) && !signed_ok; i++) {
		X509 *ca = X509_OBJECT_get0_X509(sk_X509_OBJECT_value(objs, i));
		signed_ok =
			ca &&
			X509_NAME_cmp(X509_get_subject_name(ca), X509_CRL_get_issuer(crl)) == 0 &&
			X509_CRL_verify(crl, X509_get0_pubkey(ca)) == 1;
	}
	ERR_clear_error();
	const ASN1_TIME *next = X509_CRL_get0_nextUpdate(crl);
	if (!signed_ok) {
		snprintf(err, len, "%s is not signed by the client CA", path);
	} else if (next && X509_cmp_current_time(next) < 0) {
		asn1_time_str(next, when, sizeof(when));
		snprintf(
			err, len,
			"%s expired on %s: sign a new one (kmscast-pool crl POOL) and copy it here",
			path, when);
		signed_ok = false;
	}
	if (!signed_ok) {
		X509_CRL_free(crl);
		return NULL;
	}
	return crl;
}

int tls_ctx_set_client_ca(SSL_CTX *ctx, const char *ca_file, const char *crl_file, X509_CRL **crl,
			  char *err, size_t len)
{
	char e2[160];
	X509_STORE *store = X509_STORE_new();
	X509_CRL *c = NULL;

	if (!store)
		return -ENOMEM;
	if (X509_STORE_load_file(store, ca_file) != 1) {
		snprintf(err, len, "cannot load CA file %s: %s", ca_file,
			 ident_ssl_error(e2, sizeof(e2), "unreadable or not PEM"));
		X509_STORE_free(store);
		return -EINVAL;
	}
	if (crl_file) {
		c = load_crl(store, crl_file, err, len);
		if (!c || X509_STORE_add_crl(store, c) != 1) {
			X509_CRL_free(c);
			X509_STORE_free(store);
			return -EINVAL;
		}
		/* The leaf is checked; the pool CA signs leaves only (pathlen 0). */
		X509_STORE_set_flags(store, X509_V_FLAG_CRL_CHECK);
	}
	SSL_CTX_set_cert_store(ctx, store);
	*crl = c;
	return 0;
}

bool tls_peer_revoked(SSL *ssl, X509_CRL *crl, char *serial, size_t len)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	X509_REVOKED *rev;
	serial[0] = '\0';
	if (!peer)
		return false;
	BIGNUM *bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(peer), NULL);
	char *hex = bn ? BN_bn2hex(bn) : NULL;
	snprintf(serial, len, "%s", hex ? hex : "?");
	OPENSSL_free(hex);
	BN_free(bn);
	return crl && X509_CRL_get0_by_cert(crl, &rev, peer) == 1;
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
