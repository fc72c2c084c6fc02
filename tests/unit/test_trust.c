// SPDX-License-Identifier: MIT
#include <errno.h>
#include <stdlib.h>

#include "kmscast/testframe.h"
#include "kmscast/trust.h"
#include "tst.h"

#define FP_A "sha256:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
#define FP_B "sha256:ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

static int fingerprints(void)
{
	uint8_t fp[FP_SIZE];
	char s[FP_STR_SIZE];

	CHECK_EQ_INT(fp_parse(FP_A, strlen(FP_A), fp), 0);
	CHECK_EQ_INT(fp[1], 0x11);
	fp_format(fp, s);
	CHECK(strcmp(s, FP_A) == 0);
	CHECK_EQ_INT(fp_parse("SHA256:00112233445566778899AABBCCDDEEFF00112233445566778899AABBCCDDEEFF",
			      FP_STR_LEN, fp), 0);
	CHECK_EQ_INT(fp_parse(FP_A, strlen(FP_A) - 1, fp), -EINVAL);
	CHECK_EQ_INT(fp_parse("sha1:" FP_A + 2, strlen(FP_A), fp), -EINVAL);
	char bad[] = FP_A;
	bad[20] = 'g';
	CHECK_EQ_INT(fp_parse(bad, strlen(bad), fp), -EINVAL);
	return 0;
}

static int authorized_file(void)
{
	const char text[] = "# lab pool\n\n  " FP_A "  # pc-17\n" FP_B "\n" FP_A "\n";
	struct fp_list l;
	char err[128];
	uint8_t a[FP_SIZE], b[FP_SIZE], c[FP_SIZE] = {0};

	CHECK_EQ_INT(trust_parse_authorized(text, strlen(text), &l, err, sizeof(err)), 0);
	CHECK_EQ_INT(l.count, 2); /* duplicates collapse */
	fp_parse(FP_A, FP_STR_LEN, a);
	fp_parse(FP_B, FP_STR_LEN, b);
	CHECK(fp_list_contains(&l, a) && fp_list_contains(&l, b) && !fp_list_contains(&l, c));
	fp_list_free(&l);

	const char bad[] = FP_A "\nnot-a-fingerprint\n";
	CHECK_EQ_INT(trust_parse_authorized(bad, strlen(bad), &l, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "line 2: not a fingerprint (want sha256: and 64 hex digits)") == 0);
	CHECK(l.fps == NULL && l.count == 0);

	const char nul[] = FP_A "\n\0x\n";
	CHECK_EQ_INT(trust_parse_authorized(nul, sizeof(nul) - 1, &l, err, sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "line 2: contains a NUL byte") == 0);

	char *longline = malloc(2000);
	memset(longline, 'x', 1999);
	longline[1999] = '\n';
	CHECK_EQ_INT(trust_parse_authorized(longline, 2000, &l, err, sizeof(err)), -EINVAL);
	free(longline);
	CHECK(strcmp(err, "line 1: longer than 1024 bytes") == 0);
	CHECK_EQ_INT(trust_parse_authorized("", 0, &l, err, sizeof(err)), 0);
	CHECK_EQ_INT(l.count, 0);
	return 0;
}

static int known_hosts(void)
{
	const char text[] = "# pinned\nlab1:7300 " FP_A "  # first use\n[::1]:7300\t" FP_B "\n";
	uint8_t fp[FP_SIZE], want[FP_SIZE];
	unsigned line = 0;
	char err[128];

	CHECK_EQ_INT(trust_known_hosts_find(text, strlen(text), "LAB1:7300", fp, &line, err,
					    sizeof(err)), 1);
	fp_parse(FP_A, FP_STR_LEN, want);
	CHECK_MEM(fp, want, FP_SIZE);
	CHECK_EQ_INT(line, 2);
	CHECK_EQ_INT(trust_known_hosts_find(text, strlen(text), "[::1]:7300", fp, &line, err,
					    sizeof(err)), 1);
	CHECK_EQ_INT(line, 3);
	CHECK_EQ_INT(trust_known_hosts_find(text, strlen(text), "lab1:7301", fp, &line, err,
					    sizeof(err)), 0);
	const char bad[] = "lab1:7300\n";
	CHECK_EQ_INT(trust_known_hosts_find(bad, strlen(bad), "x:1", fp, &line, err, sizeof(err)),
		     -EINVAL);
	CHECK(strcmp(err, "line 1: want HOST:PORT and a fingerprint") == 0);
	return 0;
}

static int pairing_codes(void)
{
	uint8_t key[PAIR_KEY_SIZE], back[PAIR_KEY_SIZE];
	char code[PAIR_CODE_SIZE];

	for (int round = 0; round < 64; round++) {
		for (int i = 0; i < PAIR_KEY_SIZE; i++)
			key[i] = (uint8_t)(round * 37 + i * 11 + (round == 63 ? 255 : 0));
		pair_code_format(key, code);
		CHECK_EQ_INT(strlen(code), 31); /* 26 digits and 5 dashes */
		CHECK_EQ_INT(pair_code_parse(code, back), 0);
		CHECK_MEM(key, back, PAIR_KEY_SIZE);
	}
	memset(key, 0, sizeof(key));
	pair_code_format(key, code);
	CHECK(strcmp(code, "AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A") == 0);
	CHECK_EQ_INT(pair_code_parse("aaaaa aaaaa aaaaaaaaaa-aaaaaa", back), 0);
	CHECK_EQ_INT(pair_code_parse("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA", back), -EINVAL); /* short */
	CHECK_EQ_INT(pair_code_parse("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-AA", back), -EINVAL);
	CHECK_EQ_INT(pair_code_parse("AAAAA-AAAAA-AAAAA-AAAAA-AAAAA-B", back), -EINVAL); /* pad */
	CHECK_EQ_INT(pair_code_parse("IAAAA-AAAAA-AAAAA-AAAAA-AAAAA-A", back), -EINVAL); /* no I */

	char pending[128];
	long long exp;
	CHECK_EQ_INT(pair_pending_format(key, 1790000000LL, pending, sizeof(pending)), 0);
	CHECK_EQ_INT(pair_pending_parse(pending, strlen(pending), back, &exp), 0);
	CHECK(exp == 1790000000LL);
	CHECK_EQ_INT(pair_pending_parse("12 zz", 5, back, &exp), -EINVAL);

	/* Proofs differ by direction and by either fingerprint. */
	uint8_t a[FP_SIZE] = {1}, b[FP_SIZE] = {2}, p1[32], p2[32], p3[32];
	pair_proof(key, false, a, b, p1);
	pair_proof(key, true, a, b, p2);
	pair_proof(key, false, b, a, p3);
	CHECK(memcmp(p1, p2, 32) != 0 && memcmp(p1, p3, 32) != 0);
	return 0;
}

static int host_ports(void)
{
	char host[64], err[128];
	unsigned port;

	CHECK_EQ_INT(trust_split_hostport("lab1", 7300, host, sizeof(host), &port, err, sizeof(err)), 0);
	CHECK(strcmp(host, "lab1") == 0 && port == 7300);
	CHECK_EQ_INT(trust_split_hostport("lab1:9", 7300, host, sizeof(host), &port, err, sizeof(err)), 0);
	CHECK(port == 9);
	CHECK_EQ_INT(trust_split_hostport("[fe80::1]:7400", 7300, host, sizeof(host), &port, err,
					  sizeof(err)), 0);
	CHECK(strcmp(host, "fe80::1") == 0 && port == 7400);
	CHECK_EQ_INT(trust_split_hostport("::1", 7300, host, sizeof(host), &port, err, sizeof(err)), 0);
	CHECK(strcmp(host, "::1") == 0 && port == 7300);
	CHECK_EQ_INT(trust_split_hostport(":7300", 1, host, sizeof(host), &port, err, sizeof(err)), 0);
	CHECK(host[0] == '\0' && port == 7300);
	CHECK_EQ_INT(trust_split_hostport("lab1:70000", 7300, host, sizeof(host), &port, err,
					  sizeof(err)), -EINVAL);
	CHECK(strcmp(err, "bad port in 'lab1:70000': want 0-65535") == 0);
	CHECK_EQ_INT(trust_split_hostport("lab1:", 7300, host, sizeof(host), &port, err, sizeof(err)),
		     -EINVAL);
	CHECK_EQ_INT(trust_split_hostport("[::1", 7300, host, sizeof(host), &port, err, sizeof(err)),
		     -EINVAL);
	CHECK_EQ_INT(trust_split_hostport("a b:1", 7300, host, sizeof(host), &port, err, sizeof(err)),
		     -EINVAL);
	return 0;
}

static int test_frames(void)
{
	uint8_t a[1003], b[1003];
	testframe_fill(7, a, sizeof(a));
	testframe_fill(8, b, sizeof(b));
	CHECK(memcmp(a, b, sizeof(a)) != 0);
	CHECK(testframe_check(7, a, sizeof(a)));
	CHECK(!testframe_check(8, a, sizeof(a)));
	a[1002] ^= 1;
	CHECK(!testframe_check(7, a, sizeof(a)));
	return 0;
}

TST_MAIN("trust", TST_CASE(fingerprints), TST_CASE(authorized_file), TST_CASE(known_hosts),
	 TST_CASE(pairing_codes), TST_CASE(host_ports), TST_CASE(test_frames))
