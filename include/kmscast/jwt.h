// SPDX-License-Identifier: MIT
/* Portal tokens: a short-lived JWT that a portal which already logged the
 * user in (Guacamole, a university SSO page) signs and hands the browser
 * as https://HOST:PORT/#token=... The daemon holds the portal's public
 * keys and accepts ES256 (P-256) and EdDSA (Ed25519) signatures, checked
 * with OpenSSL; header and claims are parsed by jansson from a bounded
 * buffer. Claims: aud (this host's name or fingerprint), sub (the user),
 * scope (control or view), exp (soon, with a small skew), jti (used once:
 * remembered until it expires). */
#ifndef KMSCAST_JWT_H
#define KMSCAST_JWT_H

#include <openssl/evp.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define JWT_MAX_LEN 4096        /* the whole token */
#define JWT_SKEW_S 60           /* clocks may differ by this much */
#define JWT_MAX_LIFETIME_S 3600 /* exp at most this far ahead: short-lived */
#define JWT_MAX_KEYS 8          /* a portal rotating its keys lists both */
#define JWT_MAX_AUD 8
#define JWT_SUB_MAX 64
#define JWT_JTI_MAX 128
#define JWT_AUD_MAX 256
#define JWT_REPLAY_SLOTS 4096 /* tokens remembered at once */

enum jwt_scope { JWT_SCOPE_VIEW, JWT_SCOPE_CONTROL };

struct jwt_claims {
	char alg[8]; /* "ES256" or "EdDSA" */
	char sub[JWT_SUB_MAX];
	char jti[JWT_JTI_MAX];
	char aud[JWT_MAX_AUD][JWT_AUD_MAX];
	int n_aud;
	enum jwt_scope scope;
	int64_t exp;
};

struct jwt_keys {
	EVP_PKEY *keys[JWT_MAX_KEYS];
	int n;
};

/* Every PUBLIC KEY in a PEM file (P-256 or Ed25519). 0, or -errno with a
 * message naming the file. */
int jwt_keys_load(const char *path, struct jwt_keys *out, char *err, size_t err_len);
void jwt_keys_free(struct jwt_keys *k);

/* Checks the token's form, its header and signature against any key of
 * the header's algorithm, then its claims at time now. 0, or -EINVAL /
 * -EACCES (signature) / -ETIME (expired or not yet valid) with why set
 * to a sentence for the browser and the log. Pure but for OpenSSL. */
int jwt_verify(const char *token, size_t len, const struct jwt_keys *keys, int64_t now,
	       struct jwt_claims *c, char *why, size_t why_len);

/* The claims alone (a JSON object), as jwt_verify checks them. */
int jwt_parse_claims(const char *json, size_t len, int64_t now, struct jwt_claims *c, char *why,
		     size_t why_len);

/* Does aud name one of names[0..n)? (case-insensitive) */
bool jwt_audience_is(const struct jwt_claims *c, const char *const *names, int n);

/* Single use: tokens seen, until they expire. Bounded; a full table
 * refuses new tokens rather than forget one that may come back. */
struct jwt_replay {
	uint8_t id[JWT_REPLAY_SLOTS][32]; /* SHA-256 of the jti */
	int64_t exp[JWT_REPLAY_SLOTS];
	unsigned n;
};
/* 0 and remembered; -EEXIST already used; -ENOSPC full. */
int jwt_replay_check(struct jwt_replay *r, const struct jwt_claims *c, int64_t now);

#endif
