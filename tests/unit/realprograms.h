/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The real Go programs the unit tests read (test_realbin*.c): fetched by
 * tools/fetch-real-programs.sh into a cache outside the checkout, never
 * downloaded by a test.  The list comes from `tools/fetch-real-programs.sh
 * --list-cached` (which honours GOSTRAY_REAL_CACHE), else from the
 * NAME.path files in the cache.  An empty cache is a failure unless
 * GOSTRAY_REAL_SKIP=<reason> is set.
 */
#ifndef GOSTRAY_TEST_REALPROGRAMS_H
#define GOSTRAY_TEST_REALPROGRAMS_H

#include <limits.h>
#include <stddef.h>

#define REALPROGRAMS_FETCH "tools/fetch-real-programs.sh"
#define REALPROGRAMS_CACHE "/var/cache/gostray/real"
#define REALPROGRAMS_MAX 64

struct realprogram {
	char name[64];
	char path[PATH_MAX];
};

extern struct realprogram realprograms[REALPROGRAMS_MAX];

/* Fills realprograms (*n of them): 1 when some are cached, 0 when none
 * and the test is to be skipped (said), -1 when none (said: a failure).
 * A test's main returns -ret when ret <= 0. */
int realprograms_list(const char *test, size_t *n);

/* After realprograms_list(): one cmocka test per program (n of them),
 * named NAME and suffix, its state the program; cmocka's exit status. */
int realprograms_run(const char *group, const char *suffix, void (*test)(void **state),
		     size_t n);

#endif /* GOSTRAY_TEST_REALPROGRAMS_H */
