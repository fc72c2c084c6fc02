// SPDX-License-Identifier: MIT
#include "kmscast/ident.h"

#include <errno.h>
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/sha.h>
#include <openssl/x509v3.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "kmscast/fileio.h"

#define PEM_MAX (64 * 1024)
#define CERT_DAYS (365 * 30)

const char *ident_ssl_error(char *buf, size_t len, const char *fallback)
{
	unsigned long e = ERR_get_error();
	if (!e) {
		snprintf(buf, len, "%s", fallback);
		return buf;
	}
	const char *r = ERR_reason_error_string(e);
	snprintf(buf, len, "%s", r ? r : fallback);
	ERR_clear_error();
	return buf;
}

int ident_fingerprint(X509 *cert, uint8_t fp[FP_SIZE])
{
	unsigned char *der = NULL;
	int n = i2d_X509_PUBKEY(X509_get_X509_PUBKEY(cert), &der);
	if (n <= 0)
		return -EINVAL;
	SHA256(der, (size_t)n, fp);
	OPENSSL_free(der);
	return 0;
}

static int finish(struct ident *id, struct ident **out, char *err, size_t len)
{
	if (X509_check_private_key(id->cert, id->key) != 1) {
		snprintf(err, len, "the certificate does not belong to the private key");
		ident_destroy(id);
		ERR_clear_error();
		return -EINVAL;
	}
	ident_fingerprint(id->cert, id->fp);
	fp_format(id->fp, id->fp_str);
	*out = id;
	return 0;
}

/* Reads a PEM file with a size bound; f(bio) parses it. */
static void *read_pem(const char *path, void *(*f)(BIO *), const char *what, int *e, char *err,
		      size_t len)
{
	char *data;
	size_t n;
	*e = fileio_read_all(path, PEM_MAX, &data, &n, err, len);
	if (*e)
		return NULL;
	BIO *bio = BIO_new_mem_buf(data, (int)n);
	void *obj = bio ? f(bio) : NULL;
	BIO_free(bio);
	OPENSSL_cleanse(data, n);
	free(data);
	if (!obj) {
		char e2[128];
		snprintf(err, len, "%s: not a PEM %s (%s)", path, what,
			 ident_ssl_error(e2, sizeof(e2), "parse error"));
		*e = -EINVAL;
	}
	return obj;
}

static void *bio_key(BIO *b) { return PEM_read_bio_PrivateKey(b, NULL, NULL, NULL); }
static void *bio_cert(BIO *b) { return PEM_read_bio_X509(b, NULL, NULL, NULL); }

int ident_load_files(const char *cert_path, const char *key_path, struct ident **out, char *err,
		     size_t len)
{
	struct ident *id = calloc(1, sizeof(*id));
	int e;
	if (!id)
		return -ENOMEM;
	id->key = read_pem(key_path, bio_key, "private key", &e, err, len);
	if (id->key)
		id->cert = read_pem(cert_path, bio_cert, "certificate", &e, err, len);
	if (!id->cert) {
		ident_destroy(id);
		return e;
	}
	return finish(id, out, err, len);
}

static int add_ext(X509 *x, int nid, const char *value)
{
	X509_EXTENSION *e = X509V3_EXT_conf_nid(NULL, NULL, nid, value);
	int ok = e && X509_add_ext(x, e, -1);
	X509_EXTENSION_free(e);
	return ok;
}

static X509 *self_signed(EVP_PKEY *key, const char *cn, bool web)
{
	X509 *x = X509_new();
	unsigned char serial[16];
	BIGNUM *bn = NULL;
	X509_NAME *name;
	int ok = 0;

	if (!x || RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f; /* positive */
	bn = BN_bin2bn(serial, sizeof(serial), NULL);
	name = X509_get_subject_name(x);
	ok = bn && X509_set_version(x, 2) && BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) &&
	     X509_gmtime_adj(X509_getm_notBefore(x), -24 * 3600) &&
	     X509_time_adj_ex(X509_getm_notAfter(x), CERT_DAYS, 0, NULL) &&
	     X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1,
					-1, 0) &&
	     X509_set_issuer_name(x, name) && X509_set_pubkey(x, key) &&
	     /* Ed25519 takes no digest; browsers want ECDSA with SHA-256
	      * and a server-auth certificate. */
	     (!web || add_ext(x, NID_ext_key_usage, "serverAuth")) &&
	     X509_sign(x, key, web ? EVP_sha256() : NULL) > 0;
out:
	BN_free(bn);
	if (!ok) {
		X509_free(x);
		return NULL;
	}
	return x;
}

static int write_pem(const char *path, int (*f)(BIO *, void *), void *obj, char *err, size_t len)
{
	BIO *bio = BIO_new(BIO_s_mem());
	char *data;
	int r = -EIO;
	if (bio && f(bio, obj)) {
		long n = BIO_get_mem_data(bio, &data);
		r = fileio_write_atomic(path, data, (size_t)n, 0600, err, len);
	} else {
		snprintf(err, len, "cannot encode %s", path);
	}
	BIO_free(bio);
	return r;
}

static int bio_put_key(BIO *b, void *k)
{
	return PEM_write_bio_PrivateKey(b, k, NULL, NULL, 0, NULL, NULL);
}
static int bio_put_cert(BIO *b, void *x) { return PEM_write_bio_X509(b, x); }

int ident_load_or_create(const char *dir, const char *cn, struct ident **out, char *err, size_t len)
{
	return ident_load_or_create_kind(dir, cn, IDENT_NATIVE, out, err, len);
}

int ident_load_or_create_kind(const char *dir, const char *cn, enum ident_kind kind,
			      struct ident **out, char *err, size_t len)
{
	char kp[PATH_MAX], cp[PATH_MAX];
	struct stat st;
	bool web = kind == IDENT_WEB;
	int r;

	if (snprintf(kp, sizeof(kp), "%s/%s", dir, web ? IDENT_WEB_KEY : "key.pem") >=
		    (int)sizeof(kp) ||
	    snprintf(cp, sizeof(cp), "%s/%s", dir, web ? IDENT_WEB_CERT : "cert.pem") >=
		    (int)sizeof(cp)) {
		snprintf(err, len, "%s: path too long", dir);
		return -ENAMETOOLONG;
	}
	if (stat(kp, &st) == 0 || stat(cp, &st) == 0)
		return ident_load_files(cp, kp, out, err, len);
	r = fileio_mkdirs(dir, 0700, err, len);
	if (r)
		return r;
	struct ident *id = calloc(1, sizeof(*id));
	if (!id)
		return -ENOMEM;
	id->key = web ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
		      : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	id->cert = id->key ? self_signed(id->key, cn, web) : NULL;
	if (!id->cert) {
		char e2[128];
		snprintf(err, len, "cannot create a key and certificate: %s",
			 ident_ssl_error(e2, sizeof(e2), "OpenSSL error"));
		ident_destroy(id);
		return -EIO;
	}
	/* Key first: a cert without its key would be useless. */
	r = write_pem(kp, bio_put_key, id->key, err, len);
	if (!r)
		r = write_pem(cp, bio_put_cert, id->cert, err, len);
	if (r) {
		unlink(kp);
		ident_destroy(id);
		return r;
	}
	return finish(id, out, err, len);
}

int ident_load(const char *cert_path, const char *key_path, const char *dir, const char *cn,
	       enum ident_kind kind, struct ident **out, char *err, size_t len)
{
	return cert_path ? ident_load_files(cert_path, key_path, out, err, len)
			 : ident_load_or_create_kind(dir, cn, kind, out, err, len);
}

void ident_destroy(struct ident *id)
{
	if (!id)
		return;
	EVP_PKEY_free(id->key);
	X509_free(id->cert);
	free(id);
}
