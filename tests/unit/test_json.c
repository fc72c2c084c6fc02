// SPDX-License-Identifier: MIT
/* JSON strings out of other parties' names: controls escaped, the output
 * valid UTF-8 whatever bytes came in. */
#include "kmscast/json.h"
#include "tst.h"

static int escapes(void)
{
	char out[128];
	json_escape(out, sizeof(out), "a\"b\\c\n\x1b\x7f");
	CHECK(strcmp(out, "a\\\"b\\\\c\\u000a\\u001b\\u007f") == 0);
	return 0;
}

static int utf8(void)
{
	char out[128];
	/* Well-formed sequences stay as they are. */
	json_escape(out, sizeof(out), "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80");
	CHECK(strcmp(out, "caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80") == 0);
	/* C1 as a lone byte, 8-bit Latin-1, a cut sequence, an overlong
	 * slash, a surrogate, past U+10FFFF: each byte becomes U+FFFD. */
	json_escape(out, sizeof(out), "\x9b" "31m\xff|\xe2\x82|\xc0\xaf|\xed\xa0\x80|\xf4\x90\x80\x80");
	CHECK(strcmp(out, "\\ufffd31m\\ufffd|\\ufffd\\ufffd|\\ufffd\\ufffd|"
			  "\\ufffd\\ufffd\\ufffd|\\ufffd\\ufffd\\ufffd\\ufffd") == 0);
	/* A sequence cut by the end of the string. */
	json_escape(out, sizeof(out), "x\xf0\x9f");
	CHECK(strcmp(out, "x\\ufffd\\ufffd") == 0);
	return 0;
}

static int fits(void)
{
	char out[10];
	json_escape(out, sizeof(out), "\x01\x02\x03");
	CHECK(strlen(out) < sizeof(out));
	CHECK(strcmp(out, "\\u0001") == 0);
	return 0;
}

TST_MAIN("json", TST_CASE(escapes), TST_CASE(utf8), TST_CASE(fits))
