// SPDX-License-Identifier: MIT
/* libFuzzer target for portal tokens: the bytes a browser offers as
 * "kmscast.token.JWT". The first byte picks the whole token against real
 * keys (form, header, base64url, signature), or the claims JSON alone
 * (random bytes never carry a valid signature, so the claims parser is
 * fed directly), or the replay table with what parsed. */
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "kmscast/jwt.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

static struct jwt_keys keys;
static struct jwt_replay replay;

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	(void)argc;
	(void)argv;
	keys.keys[0] = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	keys.keys[1] = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	keys.n = keys.keys[0] && keys.keys[1] ? 2 : 0;
	return keys.n ? 0 : 1;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct jwt_claims c;
	char why[256];
	if (size < 1)
		return 0;
	const char *s = (const char *)data + 1;
	size_t n = size - 1;
	int r = data[0] & 1 ? jwt_parse_claims(s, n, 1800000000, &c, why, sizeof(why))
			    : jwt_verify(s, n, &keys, 1800000000, &c, why, sizeof(why));
	if (r == 0) {
		const char *names[] = {"pc1.pool.example", "vm"};
		if (strlen(c.sub) >= sizeof(c.sub) || strlen(c.jti) >= sizeof(c.jti) || c.n_aud < 1 ||
		    c.n_aud > JWT_MAX_AUD || c.exp + JWT_SKEW_S <= 1800000000)
			abort();
		jwt_audience_is(&c, names, 2);
		jwt_replay_check(&replay, &c, 1800000000);
	} else if (!memchr(why, '\0', sizeof(why))) {
		abort();
	}
	return 0;
}
