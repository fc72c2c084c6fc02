// SPDX-License-Identifier: MIT
/* A side's TLS identity: a private key and a certificate, created on first
 * use (Ed25519, self-signed, files 0600 in the side's directory) or loaded
 * from files given by the operator (e.g. signed by a lab-pool CA). */
#ifndef KMSCAST_IDENT_H
#define KMSCAST_IDENT_H

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "kmscast/trust.h"

struct ident {
	EVP_PKEY *key;
	X509 *cert;
	uint8_t fp[FP_SIZE];
	char fp_str[FP_STR_SIZE];
};

/* Loads DIR/key.pem and DIR/cert.pem, creating DIR (0700) and both files
 * when absent. cn names the side in the new certificate. */
int ident_load_or_create(const char *dir, const char *cn, struct ident **out, char *err,
			 size_t err_len);
/* The browser identity beside it: Chrome and Firefox refuse Ed25519
 * server certificates, so browsers get ECDSA P-256 (web-key.pem,
 * web-cert.pem in the same directory). */
enum ident_kind { IDENT_NATIVE, IDENT_WEB };
#define IDENT_WEB_KEY "web-key.pem"
#define IDENT_WEB_CERT "web-cert.pem"
int ident_load_or_create_kind(const char *dir, const char *cn, enum ident_kind kind,
			      struct ident **out, char *err, size_t err_len);
/* Loads an operator-provided certificate and its key. */
int ident_load_files(const char *cert_path, const char *key_path, struct ident **out, char *err,
		     size_t err_len);
/* The operator's certificate and key when cert_path is given, else dir's
 * own (kind), made on first use: what both programs do at start. */
int ident_load(const char *cert_path, const char *key_path, const char *dir, const char *cn,
	       enum ident_kind kind, struct ident **out, char *err, size_t err_len);
void ident_destroy(struct ident *id);

/* SHA-256 over the certificate's SubjectPublicKeyInfo, so a renewed
 * certificate for the same key keeps its fingerprint. */
int ident_fingerprint(X509 *cert, uint8_t fp[FP_SIZE]);

/* The last OpenSSL error as text (or fallback), clearing the queue. */
const char *ident_ssl_error(char *buf, size_t len, const char *fallback);

#endif
