// SPDX-License-Identifier: MIT
/* A tiny unit-test runner: each test is a function returning 0 on success;
 * the CHECK macros print where and why a test failed and return 1.
 * Every test prints "PASS name" or "FAIL name"; tests/check counts them. */
#ifndef KMSCAST_TST_H
#define KMSCAST_TST_H

#include <stdio.h>
#include <string.h>

#define CHECK(cond)                                                          \
	do {                                                                 \
		if (!(cond)) {                                               \
			fprintf(stderr, "  %s:%d: check failed: %s\n",       \
				__FILE__, __LINE__, #cond);                  \
			return 1;                                            \
		}                                                            \
	} while (0)

#define CHECK_EQ_INT(a, b)                                                   \
	do {                                                                 \
		long long tst_a_ = (long long)(a), tst_b_ = (long long)(b);  \
		if (tst_a_ != tst_b_) {                                      \
			fprintf(stderr, "  %s:%d: %s == %s: %lld != %lld\n", \
				__FILE__, __LINE__, #a, #b, tst_a_, tst_b_); \
			return 1;                                            \
		}                                                            \
	} while (0)

#define CHECK_MEM(a, b, n)                                                   \
	do {                                                                 \
		if (memcmp((a), (b), (n)) != 0) {                            \
			fprintf(stderr, "  %s:%d: %s and %s differ\n",       \
				__FILE__, __LINE__, #a, #b);                 \
			return 1;                                            \
		}                                                            \
	} while (0)

struct tst_case {
	const char *name;
	int (*fn)(void);
};

#define TST_CASE(fn) {#fn, fn}

static inline int tst_main(const char *suite, const struct tst_case *cases,
			   size_t n)
{
	int failed = 0;

	for (size_t i = 0; i < n; i++) {
		int r = cases[i].fn();
		printf("%s %s.%s\n", r ? "FAIL" : "PASS", suite, cases[i].name);
		fflush(stdout);
		failed += r != 0;
	}
	return failed ? 1 : 0;
}

#define TST_MAIN(suite, ...)                                                 \
	int main(void)                                                       \
	{                                                                    \
		static const struct tst_case cases[] = {__VA_ARGS__};        \
		return tst_main(suite, cases, sizeof(cases) / sizeof(cases[0])); \
	}

#endif
