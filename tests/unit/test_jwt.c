// SPDX-License-Identifier: MIT
/* Portal tokens against fixed keys and tokens (made once with
 * tests/web/mktoken; the clock is fixed at 1800000000 here). */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "kmscast/jwt.h"
#include "tst.h"

#define NOW 1800000000
static const char keys_pem[] =
	"-----BEGIN PUBLIC KEY-----\n"
	"MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE6k/KQGFLXN79AAvoAzGDI+kQteKm\n"
	"gWnwe5Fi7VT0B6cn5d4KuUnFzX/OlK+SzG7KQrzCPl8ixIYX2+jus931rg==\n"
	"-----END PUBLIC KEY-----\n"
	"-----BEGIN PUBLIC KEY-----\n"
	"MCowBQYDK2VwAyEAm+9nQMsJbb4XJl2Mm238drKTTm8KE/T/Q+FNmOiXJWs=\n"
	"-----END PUBLIC KEY-----\n";
/* ES256: alice, control, aud pc1.pool.example, exp NOW+300, jti j-1. */
static const char es_token[] = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJwYzEucG9vbC5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJzY29wZSI6ImNvbnRyb2wiLCJleHAiOjE4MDAwMDAzMDAsImp0aSI6ImotMSIsImlhdCI6MTgwMDAwMDAwMH0.qyPzg-_kyJG8mAAH5yDHMAaEQqg4BwAZFwr_8hYJGDXZdaFoGhV58TPpi3acXa68W25NnAAVjfbKtAOH75mmkQ";
/* EdDSA: bob, view, aud [x, sha256:ab], exp NOW+600, jti j-2. */
static const char ed_token[] = "eyJhbGciOiJFZERTQSIsInR5cCI6IkpXVCJ9.eyJhdWQiOlsieCIsInNoYTI1NjphYiJdLCJzdWIiOiJib2IiLCJzY29wZSI6InZpZXciLCJleHAiOjE4MDAwMDA2MDAsImp0aSI6ImotMiJ9.0sXue3F8rTN_stGwLIQ1mzPc1zcvfigS4VRMnBw5PZE163GRj5hR2AVCnJZJOz2aqCrvmPDh4NAV35FaQAJ7Ag";
/* es_token with a bit of its signature flipped. */
static const char tampered[] = "eyJhbGciOiJFUzI1NiIsInR5cCI6IkpXVCJ9.eyJhdWQiOiJwYzEucG9vbC5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJzY29wZSI6ImNvbnRyb2wiLCJleHAiOjE4MDAwMDAzMDAsImp0aSI6ImotMSIsImlhdCI6MTgwMDAwMDAwMH0.IbSRnHaZ-xU1yeKPmcHPO1EG9uOfEU9awnJ8PAHHC6HNJCmrQZLsDSPZ60kO7VFyBnXYaZ-XKqiudIa5Cd_M0Q";
/* Signed with the P-256 key, but its header says EdDSA. */
static const char alg_swap[] = "eyJhbGciOiJFZERTQSJ9.eyJhdWQiOiJwYzEucG9vbC5leGFtcGxlIiwic3ViIjoiYWxpY2UiLCJzY29wZSI6ImNvbnRyb2wiLCJleHAiOjE4MDAwMDAzMDAsImp0aSI6ImotMSIsImlhdCI6MTgwMDAwMDAwMH0.TPgxDU6fhKwT1f-b4iCFuEQstWCjZm3ttYgbfs6iHUafk2HGV8oTnFBmmDNfoxb63tKD97Y5NJ97oWgNAGaSYQ";

static int load_keys(struct jwt_keys *k)
{
	char path[] = "/tmp/kmscast-test-jwt-XXXXXX", err[256];
	int fd = mkstemp(path);
	if (fd < 0 || write(fd, keys_pem, strlen(keys_pem)) != (ssize_t)strlen(keys_pem))
		return -1;
	close(fd);
	int r = jwt_keys_load(path, k, err, sizeof(err));
	if (r)
		fprintf(stderr, "  %s\n", err);
	unlink(path);
	return r;
}

static int verifies_both_algorithms(void)
{
	struct jwt_keys k;
	struct jwt_claims c;
	char why[256];
	CHECK_EQ_INT(load_keys(&k), 0);
	CHECK_EQ_INT(k.n, 2);
	CHECK_EQ_INT(jwt_verify(es_token, strlen(es_token), &k, NOW, &c, why, sizeof(why)), 0);
	CHECK(strcmp(c.alg, "ES256") == 0);
	CHECK(strcmp(c.sub, "alice") == 0);
	CHECK(strcmp(c.jti, "j-1") == 0);
	CHECK_EQ_INT(c.scope, JWT_SCOPE_CONTROL);
	CHECK_EQ_INT(c.exp, NOW + 300);
	CHECK_EQ_INT(c.n_aud, 1);
	const char *names[] = {"PC1.pool.example"};
	CHECK(jwt_audience_is(&c, names, 1));
	CHECK_EQ_INT(jwt_verify(ed_token, strlen(ed_token), &k, NOW, &c, why, sizeof(why)), 0);
	CHECK(strcmp(c.alg, "EdDSA") == 0);
	CHECK_EQ_INT(c.scope, JWT_SCOPE_VIEW);
	CHECK_EQ_INT(c.n_aud, 2);
	const char *fps[] = {"sha256:ab", NULL};
	CHECK(jwt_audience_is(&c, fps, 2));
	CHECK(!jwt_audience_is(&c, names, 1));
	/* Time passes: expired past the skew, not before. */
	CHECK_EQ_INT(jwt_verify(es_token, strlen(es_token), &k, NOW + 300 + JWT_SKEW_S - 1, &c, why,
				sizeof(why)),
		     0);
	CHECK_EQ_INT(jwt_verify(es_token, strlen(es_token), &k, NOW + 300 + JWT_SKEW_S, &c, why,
				sizeof(why)),
		     -ETIME);
	CHECK(strcmp(why, "portal token: expired 60 s ago") == 0);
	jwt_keys_free(&k);
	return 0;
}

static int refuses_forgeries(void)
{
	struct jwt_keys k;
	struct jwt_claims c;
	char why[256], buf[JWT_MAX_LEN + 8];
	CHECK_EQ_INT(load_keys(&k), 0);
	CHECK_EQ_INT(jwt_verify(tampered, strlen(tampered), &k, NOW, &c, why, sizeof(why)), -EACCES);
	CHECK(strstr(why, "the signature does not verify"));
	CHECK_EQ_INT(jwt_verify(alg_swap, strlen(alg_swap), &k, NOW, &c, why, sizeof(why)), -EACCES);
	/* The ES256 token's signature, cut short or grown by a byte. */
	snprintf(buf, sizeof(buf), "%.*s", (int)strlen(es_token) - 2, es_token);
	CHECK(jwt_verify(buf, strlen(buf), &k, NOW, &c, why, sizeof(why)) < 0);
	snprintf(buf, sizeof(buf), "%sAA", es_token);
	CHECK(jwt_verify(buf, strlen(buf), &k, NOW, &c, why, sizeof(why)) < 0);
	/* Only the P-256 key: an EdDSA token has no key of its kind. */
	struct jwt_keys only_es = {.keys = {k.keys[0]}, .n = 1};
	CHECK_EQ_INT(jwt_verify(ed_token, strlen(ed_token), &only_es, NOW, &c, why, sizeof(why)),
		     -EACCES);
	CHECK(strcmp(why, "portal token: signed EdDSA, and the portal key is not of that kind") == 0);
	/* Shapes that are not a token. */
	const char *bad[] = {"", "a.b", "a.b.c.d", "@@@.e30.AA", "e30.e30.AA"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		CHECK_EQ_INT(jwt_verify(bad[i], strlen(bad[i]), &k, NOW, &c, why, sizeof(why)),
			     -EINVAL);
	memset(buf, 'A', sizeof(buf));
	CHECK_EQ_INT(jwt_verify(buf, JWT_MAX_LEN + 1, &k, NOW, &c, why, sizeof(why)), -EINVAL);
	jwt_keys_free(&k);
	return 0;
}

static int claims(const char *json, char *why)
{
	struct jwt_claims c;
	return jwt_parse_claims(json, strlen(json), NOW, &c, why, 256);
}

static int checks_claims(void)
{
	char why[256];
	CHECK_EQ_INT(claims("{\"aud\":\"h\",\"sub\":\"u\",\"scope\":\"view\",\"exp\":1800000060,"
			    "\"jti\":\"1\"}",
			    why),
		     0);
	/* A NumericDate may be a real number. */
	CHECK_EQ_INT(claims("{\"aud\":\"h\",\"sub\":\"u\",\"scope\":\"view\",\"exp\":1800000060.5,"
			    "\"jti\":\"1\"}",
			    why),
		     0);
	CHECK_EQ_INT(claims("{\"aud\":\"h\",\"sub\":\"u\",\"scope\":\"view\",\"exp\":\"soon\","
			    "\"jti\":\"1\"}",
			    why),
		     -EINVAL);
	CHECK(strstr(why, "no 'exp' claim"));
	CHECK_EQ_INT(claims("{\"aud\":[],\"sub\":\"u\",\"scope\":\"view\",\"exp\":1800000060,"
			    "\"jti\":\"1\"}",
			    why),
		     -EINVAL);
	CHECK_EQ_INT(claims("{\"aud\":[\"h\",7],\"sub\":\"u\",\"scope\":\"view\",\"exp\":1800000060,"
			    "\"jti\":\"1\"}",
			    why),
		     -EINVAL);
	CHECK_EQ_INT(claims("{\"aud\":\"h\",\"sub\":\"u\\u0007\",\"scope\":\"view\","
			    "\"exp\":1800000060,\"jti\":\"1\"}",
			    why),
		     -EINVAL);
	CHECK(strstr(why, "control characters"));
	CHECK_EQ_INT(claims("{\"aud\":\"h\",\"sub\":\"u\",\"sub\":\"v\",\"scope\":\"view\","
			    "\"exp\":1800000060,\"jti\":\"1\"}",
			    why),
		     -EINVAL); /* duplicate keys: which one is meant? */
	CHECK_EQ_INT(claims("{\"aud\":\"h\",\"sub\":\"u\",\"scope\":\"view\",\"exp\":1800000060,"
			    "\"jti\":\"1\",\"iat\":1800000100}",
			    why),
		     -ETIME);
	/* Times at int64's ends are refused, not overflowed (UBSan watches). */
	const char *far[] = {"\"exp\":9223372036854775807", "\"exp\":-9223372036854775808",
			     "\"exp\":1800000060,\"nbf\":-9223372036854775808",
			     "\"exp\":1800000060,\"iat\":-9223372036854775807",
			     "\"exp\":1800000060,\"nbf\":9223372036854775807"};
	for (size_t i = 0; i < sizeof(far) / sizeof(far[0]); i++) {
		char j[256];
		snprintf(j, sizeof(j), "{\"aud\":\"h\",\"sub\":\"u\",\"scope\":\"view\",%s,\"jti\":\"1\"}",
			 far[i]);
		CHECK_EQ_INT(claims(j, why), -EINVAL);
	}
	CHECK_EQ_INT(claims("[1,2]", why), -EINVAL);
	char big[256];
	snprintf(big, sizeof(big),
		 "{\"aud\":\"h\",\"sub\":\"%070d\",\"scope\":\"view\",\"exp\":1800000060,"
		 "\"jti\":\"1\"}",
		 0);
	CHECK_EQ_INT(claims(big, why), -EINVAL);
	CHECK(strstr(why, "'sub' is not a string of 1 to 63 bytes"));
	return 0;
}

static int replay_table(void)
{
	struct jwt_replay *r = calloc(1, sizeof(*r));
	struct jwt_claims c = {.exp = NOW + 100};
	CHECK(r);
	snprintf(c.jti, sizeof(c.jti), "once");
	CHECK_EQ_INT(jwt_replay_check(r, &c, NOW), 0);
	CHECK_EQ_INT(jwt_replay_check(r, &c, NOW + 50), -EEXIST);
	/* Past its expiry (and the skew) it is forgotten: it cannot verify any more. */
	CHECK_EQ_INT(jwt_replay_check(r, &c, NOW + 100 + JWT_SKEW_S), 0);
	/* Full: a new token is refused rather than an old one forgotten. */
	c.exp = NOW + 1000;
	for (unsigned i = 0; i < JWT_REPLAY_SLOTS; i++) {
		snprintf(c.jti, sizeof(c.jti), "t%u", i);
		CHECK_EQ_INT(jwt_replay_check(r, &c, NOW + 100 + JWT_SKEW_S), 0);
	}
	snprintf(c.jti, sizeof(c.jti), "one too many");
	CHECK_EQ_INT(jwt_replay_check(r, &c, NOW + 100 + JWT_SKEW_S), -ENOSPC);
	free(r);
	return 0;
}

TST_MAIN("jwt", TST_CASE(verifies_both_algorithms), TST_CASE(refuses_forgeries),
	 TST_CASE(checks_claims), TST_CASE(replay_table))
