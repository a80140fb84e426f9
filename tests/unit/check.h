/* Minimal unit-test macros: CHECK(cond), CHECK_STR(a, b), CHECK_INT(a, b); main returns
 * check_done() which prints "N passed, M failed" and exits non-zero on any failure. */
#ifndef SCRY_CHECK_H
#define SCRY_CHECK_H
#include <stdio.h>
#include <string.h>

static int check_pass, check_fail;
#define CHECK(c)                                                                          \
	do {                                                                              \
		if (c)                                                                    \
			check_pass++;                                                     \
		else {                                                                    \
			check_fail++;                                                     \
			fprintf(stderr, "%s:%d: CHECK failed: %s\n", __FILE__, __LINE__, #c); \
		}                                                                         \
	} while (0)
#define CHECK_STR(a, b)                                                                                 \
	do {                                                                                            \
		const char *a_ = (a), *b_ = (b);                                                        \
		if (a_ && b_ && !strcmp(a_, b_))                                                        \
			check_pass++;                                                                   \
		else {                                                                                  \
			check_fail++;                                                                   \
			fprintf(stderr, "%s:%d: CHECK_STR failed:\n  got:      [%s]\n  expected: [%s]\n", \
				__FILE__, __LINE__, a_ ? a_ : "(null)", b_ ? b_ : "(null)");            \
		}                                                                                       \
	} while (0)
#define CHECK_INT(a, b)                                                                             \
	do {                                                                                        \
		long long a_ = (long long)(a), b_ = (long long)(b);                                 \
		if (a_ == b_)                                                                       \
			check_pass++;                                                               \
		else {                                                                              \
			check_fail++;                                                               \
			fprintf(stderr, "%s:%d: CHECK_INT failed: %s = %lld, expected %lld\n", __FILE__, \
				__LINE__, #a, a_, b_);                                              \
		}                                                                                   \
	} while (0)
static inline int check_done(void)
{
	printf("%d passed, %d failed\n", check_pass, check_fail);
	return check_fail ? 1 : 0;
}
#endif
