/* Minimal unit-test helpers: CHECK records a failure and goes on; main()
 * ends with check_done(), which prints "PASS name"/"FAIL name" lines that
 * tests/run.sh counts. */
#ifndef PP_CHECK_H
#define PP_CHECK_H

#include <stdio.h>
#include <string.h>

static int check_failures, check_count;
static const char *check_case = "?";

#define CASE(name) (check_case = (name))
#define CHECK(cond)                                                                   \
	do {                                                                          \
		check_count++;                                                        \
		if (!(cond)) {                                                        \
			check_failures++;                                             \
			fprintf(stderr, "%s:%d: [%s] check failed: %s\n", __FILE__,  \
			        __LINE__, check_case, #cond);                         \
		}                                                                     \
	} while (0)
#define CHECK_STR(a, b)                                                               \
	do {                                                                          \
		const char *a_ = (a), *b_ = (b);                                      \
		check_count++;                                                        \
		if (!a_ || !b_ || strcmp(a_, b_)) {                                   \
			check_failures++;                                             \
			fprintf(stderr, "%s:%d: [%s] '%s' != '%s'\n", __FILE__,       \
			        __LINE__, check_case, a_ ? a_ : "(null)",             \
			        b_ ? b_ : "(null)");                                  \
		}                                                                     \
	} while (0)

/* One PASS/FAIL line per test program, named after the program. */
static inline int check_done(const char *name)
{
	if (check_count == 0) {
		printf("FAIL %s: no checks ran\n", name);
		return 1;
	}
	if (check_failures) {
		printf("FAIL %s: %d of %d checks failed\n", name, check_failures, check_count);
		return 1;
	}
	printf("PASS %s (%d checks)\n", name, check_count);
	return 0;
}

#endif
