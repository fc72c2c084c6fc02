// SPDX-License-Identifier: MIT
/* mktoken KEY.pem [--header JSON] CLAIMS_JSON: a JWT as a portal makes
 * one, signed with KEY (P-256: ES256, Ed25519: EdDSA), for the tests. The
 * header defaults to {"alg":...,"typ":"JWT"}; --header replaces it (to
 * name another algorithm, or add "crit"; the key still signs), and
 * --tamper flips a bit of the signature. */
#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void b64url(const unsigned char *in, size_t n, char *out)
{
	int k = EVP_EncodeBlock((unsigned char *)out, in, (int)n);
	while (k > 0 && out[k - 1] == '=')
		k--;
	out[k] = '\0';
	for (char *p = out; *p; p++)
		*p = *p == '+' ? '-' : *p == '/' ? '_' : *p;
}

int main(int argc, char **argv)
{
	const char *header = NULL, *key = NULL, *claims = NULL;
	int tamper = 0;
	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--header") == 0 && i + 1 < argc)
			header = argv[++i];
		else if (strcmp(argv[i], "--tamper") == 0)
			tamper = 1;
		else if (!key)
			key = argv[i];
		else
			claims = argv[i];
	}
	if (!key || !claims) {
		fprintf(stderr, "usage: mktoken KEY.pem [--header JSON] [--tamper] CLAIMS_JSON\n");
		return 2;
	}
	FILE *f = fopen(key, "r");
	EVP_PKEY *k = f ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : NULL;
	if (f)
		fclose(f);
	if (!k) {
		fprintf(stderr, "mktoken: cannot read the private key %s\n", key);
		return 1;
	}
	int ec = EVP_PKEY_get_base_id(k) == EVP_PKEY_EC;
	char def[64], h[4096], c[8192], msg[16384], sig64[256];
	snprintf(def, sizeof(def), "{\"alg\":\"%s\",\"typ\":\"JWT\"}", ec ? "ES256" : "EdDSA");
	b64url((const unsigned char *)(header ? header : def), strlen(header ? header : def), h);
	b64url((const unsigned char *)claims, strlen(claims), c);
	snprintf(msg, sizeof(msg), "%s.%s", h, c);
	unsigned char sig[256], raw[64];
	size_t sl = sizeof(sig);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (EVP_DigestSignInit(ctx, NULL, ec ? EVP_sha256() : NULL, NULL, k) != 1 ||
	    EVP_DigestSign(ctx, sig, &sl, (unsigned char *)msg, strlen(msg)) != 1) {
		fprintf(stderr, "mktoken: signing failed\n");
		return 1;
	}
	EVP_MD_CTX_free(ctx);
	const unsigned char *s = sig;
	size_t n = sl;
	if (ec) { /* DER to the r || s that JWS carries */
		const unsigned char *p = sig;
		ECDSA_SIG *es = d2i_ECDSA_SIG(NULL, &p, (long)sl);
		const BIGNUM *r, *ss;
		ECDSA_SIG_get0(es, &r, &ss);
		BN_bn2binpad(r, raw, 32);
		BN_bn2binpad(ss, raw + 32, 32);
		ECDSA_SIG_free(es);
		s = raw;
		n = 64;
	}
	unsigned char t[256];
	memcpy(t, s, n);
	if (tamper)
		t[n / 2] ^= 1;
	b64url(t, n, sig64);
	printf("%s.%s\n", msg, sig64);
	EVP_PKEY_free(k);
	return 0;
}
