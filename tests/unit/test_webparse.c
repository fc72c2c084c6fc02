// SPDX-License-Identifier: MIT
/* The browser's words besides HTTP: Origin, pairing form, credential,
 * WebSocket subprotocols. */
#include "kmscast/webparse.h"
#include "tst.h"

static int origins(void)
{
	CHECK(webparse_origin_ok("https://pc7:7300", "pc7:7300", NULL));
	CHECK(webparse_origin_ok("https://portal.example", "pc7:7300", "https://a,https://portal.example"));
	CHECK(!webparse_origin_ok("https://portal.example.evil", "pc7:7300", "https://portal.example"));
	CHECK(!webparse_origin_ok("https://portal", "pc7:7300", "https://portal.example"));
	CHECK(!webparse_origin_ok("http://pc7:7300", "pc7:7300", NULL));
	CHECK(!webparse_origin_ok("", "pc7:7300", ""));
	return 0;
}

static int forms(void)
{
	char out[16];
	const char *b = "id=ab&name=My+Browser%21&bad=%zz&ctl=%0a&q=%22";
	size_t n = strlen(b);
	CHECK(webparse_form_field((const uint8_t *)b, n, "id", out, sizeof(out)) && !strcmp(out, "ab"));
	CHECK(webparse_form_field((const uint8_t *)b, n, "name", out, sizeof(out)));
	CHECK(strcmp(out, "My Browser!") == 0);
	CHECK(!webparse_form_field((const uint8_t *)b, n, "bad", out, sizeof(out)));
	CHECK(!webparse_form_field((const uint8_t *)b, n, "ctl", out, sizeof(out)));
	CHECK(!webparse_form_field((const uint8_t *)b, n, "q", out, sizeof(out)));
	CHECK(!webparse_form_field((const uint8_t *)b, n, "missing", out, sizeof(out)));
	/* Too long for out: refused, not cut. */
	CHECK(!webparse_form_field((const uint8_t *)"id=0123456789abcdef", 19, "id", out, sizeof(out)));
	/* A % at the very end. */
	CHECK(!webparse_form_field((const uint8_t *)"id=a%4", 6, "id", out, sizeof(out)));
	return 0;
}

static int tokens(void)
{
	uint8_t t[WEBPARSE_TOKEN_SIZE];
	CHECK(webparse_token("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA8", t));
	CHECK(t[31] == 0x0f);
	CHECK(webparse_token("-_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t) && t[0] == 0xfb && t[1] == 0xf0);
	CHECK(!webparse_token("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", t));  /* 42 */
	CHECK(!webparse_token("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA+", t)); /* not base64url */
	CHECK(!webparse_token("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", t));
	return 0;
}

static int subprotocols(void)
{
	const char *t;
	size_t n;
	CHECK(webparse_subprotocols("kmscast", &t, &n) && !t);
	CHECK(webparse_subprotocols(" kmscast.token.abc.def ,\tkmscast, kmscast.token.second", &t, &n));
	CHECK(t && n == 7 && strncmp(t, "abc.def", 7) == 0);
	CHECK(!webparse_subprotocols("kmscastx, chat", &t, &n) && !t);
	CHECK(!webparse_subprotocols("kmscast.token.", &t, &n) && !t); /* an empty token */
	CHECK(!webparse_subprotocols("", &t, &n));
	return 0;
}

TST_MAIN("webparse", TST_CASE(origins), TST_CASE(forms), TST_CASE(tokens), TST_CASE(subprotocols))
