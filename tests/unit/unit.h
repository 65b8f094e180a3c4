/*
 * unit: a tiny harness for table-driven C tests. Each check prints
 * "not ok" lines on failure; unit_done() prints "N passed, N failed" for
 * tests/run to add up, and returns the exit status.
 */
#ifndef CWL_UNIT_H
#define CWL_UNIT_H

#include <stdio.h>
#include <string.h>

static int unit_pass, unit_fail;

#define CHECK(cond, ...) do { \
	if (cond) { \
		unit_pass++; \
	} else { \
		unit_fail++; \
		printf("not ok: %s:%d: %s: ", __FILE__, __LINE__, #cond); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

#define CHECK_STR(got, want, ...) do { \
	const char *g_ = (got), *w_ = (want); \
	if (g_ && w_ && strcmp(g_, w_) == 0) { \
		unit_pass++; \
	} else { \
		unit_fail++; \
		printf("not ok: %s:%d: got [%s] want [%s]: ", __FILE__, \
		    __LINE__, g_ ? g_ : "(null)", w_ ? w_ : "(null)"); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

#define CHECK_INT(got, want, ...) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ == w_) { \
		unit_pass++; \
	} else { \
		unit_fail++; \
		printf("not ok: %s:%d: got %lld want %lld: ", __FILE__, \
		    __LINE__, g_, w_); \
		printf(__VA_ARGS__); \
		printf("\n"); \
	} \
} while (0)

static int
unit_done(const char *name)
{
	printf("%s: %d passed, %d failed\n", name, unit_pass, unit_fail);
	return unit_fail ? 1 : 0;
}

#endif
