// SPDX-License-Identifier: MIT
#include "kmscast/jwt.h"

#include <errno.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/sha.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "kmscast/errmsg.h"
#include "kmscast/fileio.h"

__attribute__((format(printf, 4, 5))) static int refuse(char *why, size_t len, int ret,
							const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(why, len, "portal token: ");
	va_start(ap, fmt);
	if (n > 0 && (size_t)n < len)
		vsnprintf(why + n, len - (size_t)n, fmt, ap);
	va_end(ap);
	return ret;
}

static bool is_p256(EVP_PKEY *k)
{
	char group[32];
	size_t gl;
	return EVP_PKEY_get_base_id(k) == EVP_PKEY_EC &&
	       EVP_PKEY_get_utf8_string_param(k, OSSL_PKEY_PARAM_GROUP_NAME, group, sizeof(group),
					      &gl) == 1 &&
	       strcmp(group, "prime256v1") == 0;
}

int jwt_keys_load(const char *path, struct jwt_keys *out, char *err, size_t len)
{
	char *text = NULL;
	size_t n;
	int r = fileio_read_all(path, 64 * 1024, &text, &n, err, len);
	memset(out, 0, sizeof(*out));
	if (r)
		return r;
	BIO *b = BIO_new_mem_buf(text, (int)n);
	EVP_PKEY *k;
	while (b && (k = PEM_read_bio_PUBKEY(b, NULL, NULL, NULL))) {
		if (out->n == JWT_MAX_KEYS ||
		    (!is_p256(k) && EVP_PKEY_get_base_id(k) != EVP_PKEY_ED25519)) {
			r = errmsg(
				err, len, -EINVAL,
				out->n == JWT_MAX_KEYS
					? "%s: more than %d keys"
					: "%s: a key that is neither ECDSA P-256 (ES256) nor Ed25519 "
					  "(EdDSA)",
				path, JWT_MAX_KEYS);
			EVP_PKEY_free(k);
			break;
		}
		out->keys[out->n++] = k;
	}
	ERR_clear_error();
	BIO_free(b);
	free(text);
	if (!r && !out->n)
		r = errmsg(err, len, -EINVAL, "%s: no PEM public key (BEGIN PUBLIC KEY) in it",
			   path);
	if (r)
		jwt_keys_free(out);
	return r;
}

void jwt_keys_free(struct jwt_keys *k)
{
	for (int i = 0; i < k->n; i++)
		EVP_PKEY_free(k->keys[i]);
	k->n = 0;
}

/* base64url without padding (RFC 7515 2) into out; -1 if not that. OpenSSL
 * decodes standard base64 only, so the alphabet and padding are mended
 * here first. */
static int b64url_decode(const char *s, size_t n, uint8_t *out, size_t cap)
{
	if (n % 4 == 1 || n > 4 * ((cap + 2) / 3) || n + 3 > JWT_MAX_LEN + 4)
		return -1;
	char tmp[JWT_MAX_LEN + 4];
	size_t i;
	for (i = 0; i < n; i++) {
		char c = s[i];
		if (c == '-')
			c = '+';
		else if (c == '_')
			c = '/';
		else if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
			   (c >= '0' && c <= '9')))
			return -1;
		tmp[i] = c;
	}
	size_t pad = (4 - n % 4) % 4;
	for (size_t p = 0; p < pad; p++)
		tmp[i++] = '=';
	uint8_t dec[JWT_MAX_LEN];
	int got = EVP_DecodeBlock(dec, (const unsigned char *)tmp, (int)i);
	if (got < 0)
		return -1;
	got -= (int)pad; /* EVP_DecodeBlock counts the padding's zero bytes */
	if (got < 0 || (size_t)got > cap)
		return -1;
	memcpy(out, dec, (size_t)got);
	return got;
}

/* A string of at most cap-1 printable bytes, named key in messages. */
static int string_value(json_t *v, const char *key, char *out, size_t cap, char *why, size_t len)
{
	const char *s = json_string_value(v);
	size_t n = s ? json_string_length(v) : 0;
	if (!s || n == 0 || n >= cap)
		return refuse(why, len, -EINVAL, "'%s' is not a string of 1 to %zu bytes", key,
			      cap - 1);
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x20 || s[i] == 0x7f)
			return refuse(why, len, -EINVAL, "'%s' holds control characters", key);
	memcpy(out, s, n + 1);
	return 0;
}

static int get_string(json_t *obj, const char *key, char *out, size_t cap, char *why, size_t len)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return refuse(why, len, -EINVAL, "no '%s' claim", key);
	return string_value(v, key, out, cap, why, len);
}

/* A NumericDate (RFC 7519 2): whole seconds, as JSON integer or real.
 * Bounded to +-10^15 s (thirty million years) before any arithmetic: the
 * checks below add and subtract, and an int64 near its end would overflow. */
#define TIME_LIMIT 1000000000000000ll
static int get_time(json_t *obj, const char *key, int64_t *out)
{
	json_t *v = json_object_get(obj, key);
	if (!v)
		return -ENOENT;
	if (json_is_integer(v) && json_integer_value(v) > -TIME_LIMIT &&
	    json_integer_value(v) < TIME_LIMIT) {
		*out = (int64_t)json_integer_value(v);
		return 0;
	}
	if (json_is_real(v) && json_real_value(v) > -1e15 && json_real_value(v) < 1e15) {
		*out = (int64_t)json_real_value(v);
		return 0;
	}
	return -EINVAL;
}

static json_t *load_object(const char *s, size_t n)
{
	json_error_t e;
	json_t *j = json_loadb(s, n, JSON_REJECT_DUPLICATES, &e);
	if (j && !json_is_object(j)) {
		json_decref(j);
		return NULL;
	}
	return j;
}

int jwt_parse_claims(const char *json, size_t jlen, int64_t now, struct jwt_claims *c, char *why,
		     size_t len)
{
	char scope[16];
	int64_t t;
	int r;
	json_t *j = load_object(json, jlen);
	if (!j)
		return refuse(why, len, -EINVAL, "the claims are not a JSON object");
	c->n_aud = 0;
	if ((r = get_string(j, "sub", c->sub, sizeof(c->sub), why, len)) ||
	    (r = get_string(j, "jti", c->jti, sizeof(c->jti), why, len)) ||
	    (r = get_string(j, "scope", scope, sizeof(scope), why, len)))
		goto out;
	if (strcmp(scope, "control") == 0) {
		c->scope = JWT_SCOPE_CONTROL;
	} else if (strcmp(scope, "view") == 0) {
		c->scope = JWT_SCOPE_VIEW;
	} else {
		r = refuse(why, len, -EINVAL, "scope is '%s'; it must be 'control' or 'view'",
			   scope);
		goto out;
	}
	json_t *aud = json_object_get(j, "aud");
	size_t na = json_is_array(aud) ? json_array_size(aud) : json_is_string(aud) ? 1 : 0;
	if (na < 1 || na > JWT_MAX_AUD) {
		r = refuse(why, len, -EINVAL,
			   "no 'aud' claim naming this host (a string, or an array of 1 to %d)",
			   JWT_MAX_AUD);
		goto out;
	}
	for (size_t i = 0; i < na; i++) {
		r = string_value(json_is_array(aud) ? json_array_get(aud, i) : aud, "aud",
				 c->aud[i], sizeof(c->aud[i]), why, len);
		if (r)
			goto out;
		c->n_aud++;
	}
	if (get_time(j, "exp", &c->exp) != 0) {
		r = refuse(why, len, -EINVAL, "no 'exp' claim (a NumericDate)");
		goto out;
	}
	if (c->exp + JWT_SKEW_S <= now) {
		r = refuse(why, len, -ETIME, "expired %lld s ago", (long long)(now - c->exp));
		goto out;
	}
	if (c->exp - now > JWT_MAX_LIFETIME_S + JWT_SKEW_S) {
		r = refuse(why, len, -EINVAL,
			   "exp is %lld s ahead; a portal token lives at most %d s",
			   (long long)(c->exp - now), JWT_MAX_LIFETIME_S);
		goto out;
	}
	int tr = get_time(j, "nbf", &t);
	if (tr == 0 && t - JWT_SKEW_S > now) {
		r = refuse(why, len, -ETIME, "not valid for another %lld s (nbf)",
			   (long long)(t - now));
		goto out;
	}
	if (tr == -EINVAL || ((tr = get_time(j, "iat", &t)) == -EINVAL)) {
		r = refuse(why, len, -EINVAL, "'nbf' or 'iat' is not a NumericDate");
		goto out;
	}
	if (tr == 0 && t - JWT_SKEW_S > now) {
		r = refuse(why, len, -ETIME, "issued %lld s in the future (iat)",
			   (long long)(t - now));
		goto out;
	}
	r = 0;
out:
	json_decref(j);
	return r;
}

static bool verify_with(EVP_PKEY *k, bool es256, const uint8_t *sig, size_t sl, const char *msg,
			size_t ml)
{
	uint8_t der[80];
	unsigned char *p = der;
	int dl = 0;
	bool ok = false;
	if (es256) {
		/* JWS carries r || s (RFC 7518 3.4); OpenSSL verifies DER. */
		if (sl != 64)
			return false;
		ECDSA_SIG *es = ECDSA_SIG_new();
		BIGNUM *r = BN_bin2bn(sig, 32, NULL), *s = BN_bin2bn(sig + 32, 32, NULL);
		if (es && r && s && ECDSA_SIG_set0(es, r, s) == 1) {
			r = s = NULL;
			dl = i2d_ECDSA_SIG(es, &p);
		}
		BN_free(r);
		BN_free(s);
		ECDSA_SIG_free(es);
		if (dl <= 0)
			return false;
		sig = der;
		sl = (size_t)dl;
	} else if (sl != 64) {
		return false;
	}
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	if (ctx && EVP_DigestVerifyInit(ctx, NULL, es256 ? EVP_sha256() : NULL, NULL, k) == 1)
		ok = EVP_DigestVerify(ctx, sig, sl, (const unsigned char *)msg, ml) == 1;
	EVP_MD_CTX_free(ctx);
	ERR_clear_error();
	return ok;
}

int jwt_verify(const char *tok, size_t len, const struct jwt_keys *keys, int64_t now,
	       struct jwt_claims *c, char *why, size_t wlen)
{
	static char buf[JWT_MAX_LEN]; /* one loop, one token at a time */
	uint8_t sig[128];
	char hdr_alg[16];
	memset(c, 0, sizeof(*c));
	if (len == 0 || len > JWT_MAX_LEN)
		return refuse(why, wlen, -EINVAL, "malformed (empty, or longer than %d bytes)",
			      JWT_MAX_LEN);
	const char *d1 = memchr(tok, '.', len);
	const char *d2 = d1 ? memchr(d1 + 1, '.', len - (size_t)(d1 + 1 - tok)) : NULL;
	if (!d1 || !d2 || memchr(d2 + 1, '.', len - (size_t)(d2 + 1 - tok)))
		return refuse(why, wlen, -EINVAL, "malformed (not three base64url parts)");
	int hl = b64url_decode(tok, (size_t)(d1 - tok), (uint8_t *)buf, sizeof(buf));
	json_t *h = hl > 0 ? load_object(buf, (size_t)hl) : NULL;
	if (!h)
		return refuse(why, wlen, -EINVAL, "malformed (the header is not base64url JSON)");
	int r = get_string(h, "alg", hdr_alg, sizeof(hdr_alg), why, wlen);
	/* Extensions we do not know must not be ignored (RFC 7515 4.1.11). */
	if (!r && json_object_get(h, "crit"))
		r = refuse(why, wlen, -EINVAL, "a 'crit' header this host does not understand");
	json_decref(h);
	if (r)
		return r;
	bool es256 = strcmp(hdr_alg, "ES256") == 0;
	if (!es256 && strcmp(hdr_alg, "EdDSA") != 0)
		return refuse(why, wlen, -EINVAL,
			      "algorithm '%s' is not accepted (ES256 and EdDSA are)", hdr_alg);
	int sl = b64url_decode(d2 + 1, len - (size_t)(d2 + 1 - tok), sig, sizeof(sig));
	if (sl < 0)
		return refuse(why, wlen, -EINVAL, "malformed (the signature is not base64url)");
	bool ok = false, any = false;
	for (int i = 0; i < keys->n && !ok; i++) {
		bool mine = es256 ? is_p256(keys->keys[i])
				  : EVP_PKEY_get_base_id(keys->keys[i]) == EVP_PKEY_ED25519;
		any |= mine;
		ok = mine &&
		     verify_with(keys->keys[i], es256, sig, (size_t)sl, tok, (size_t)(d2 - tok));
	}
	if (!any)
		return refuse(why, wlen, -EACCES,
			      "signed %s, and the portal key is not of that kind", hdr_alg);
	if (!ok)
		return refuse(why, wlen, -EACCES,
			      "the signature does not verify with the portal key (--portal-key)");
	int pl = b64url_decode(d1 + 1, (size_t)(d2 - d1 - 1), (uint8_t *)buf, sizeof(buf));
	if (pl <= 0)
		return refuse(why, wlen, -EINVAL, "malformed (the claims are not base64url)");
	snprintf(c->alg, sizeof(c->alg), "%s", es256 ? "ES256" : "EdDSA");
	return jwt_parse_claims(buf, (size_t)pl, now, c, why, wlen);
}

bool jwt_audience_is(const struct jwt_claims *c, const char *const *names, int n)
{
	for (int i = 0; i < c->n_aud; i++)
		for (int k = 0; k < n; k++)
			if (names[k] && names[k][0] && strcasecmp(c->aud[i], names[k]) == 0)
				return true;
	return false;
}

int jwt_replay_check(struct jwt_replay *r, const struct jwt_claims *c, int64_t now)
{
	uint8_t id[32];
	SHA256((const unsigned char *)c->jti, strlen(c->jti), id);
	/* Forget what has expired (with the skew: it cannot come back). */
	unsigned k = 0;
	for (unsigned i = 0; i < r->n; i++) {
		if (r->exp[i] + JWT_SKEW_S <= now)
			continue;
		memmove(r->id[k], r->id[i], 32);
		r->exp[k++] = r->exp[i];
	}
	r->n = k;
	for (unsigned i = 0; i < r->n; i++)
		if (memcmp(r->id[i], id, 32) == 0)
			return -EEXIST;
	if (r->n == JWT_REPLAY_SLOTS)
		return -ENOSPC;
	memcpy(r->id[r->n], id, 32);
	r->exp[r->n++] = c->exp;
	return 0;
}
