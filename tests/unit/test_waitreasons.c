// SPDX-License-Identifier: BSD-2-Clause
/*
 * Wait reason texts per Go version.  Values moved in Go 1.20, 1.22, 1.24
 * and 1.25 and were reordered in 1.26, so every version is checked against
 * the values a tracer needs and the table lengths of docs/go-runtime.md
 * § Wait reasons, read from each version's runtime2.go independently of
 * tools/gen-waitreasons.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "binary/offsets.h"
#include "binary/waitreasons.h"

#define NV (GO_MINOR_MAX - GO_MINOR_MIN + 1)
#define ABSENT -1

/* docs/go-runtime.md § Wait reasons, one column per minor version 1.17 .. 1.27. */
static const struct {
	const char *text;
	int value[NV];
} known[] = {
	/*                          17  18  19  20  21  22  23  24  25  26  27 */
	{ "chan receive",        { 14, 14, 14, 14, 14, 14, 14, 14, 14, 19, 19 } },
	{ "chan send",           { 15, 15, 15, 15, 15, 15, 15, 15, 15, 20, 20 } },
	{ "select",              {  9,  9,  9,  9,  9,  9,  9,  9,  9, 18, 18 } },
	{ "select (no cases)",   { 10, 10, 10, 10, 10, 10, 10, 10, 10, 17, 17 } },
	{ "chan receive (nil chan)", { 3, 3, 3, 3, 3, 3, 3, 3, 3, 15, 15 } },
	{ "chan send (nil chan)", { 4, 4, 4, 4, 4, 4, 4, 4, 4, 16, 16 } },
	{ "sync.Mutex.Lock",     { ABSENT, ABSENT, ABSENT, 21, 21, 21, 21, 21, 22, 22, 22 } },
	{ "sync.RWMutex.RLock",  { ABSENT, ABSENT, ABSENT, 22, 22, 22, 22, 22, 23, 23, 23 } },
	{ "sync.RWMutex.Lock",   { ABSENT, ABSENT, ABSENT, 23, 23, 23, 23, 23, 24, 24, 24 } },
	{ "sync.WaitGroup.Wait", { ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
				   24, 25, 25, 25 } },
	{ "sync.Cond.Wait",      { 20, 20, 20, 20, 20, 20, 20, 20, 21, 21, 21 } },
	{ "semacquire",          { 18, 18, 18, 18, 18, 18, 18, 18, 19, 13, 13 } },
	{ "sleep",               { 19, 19, 19, 19, 19, 19, 19, 19, 20, 14, 14 } },
	{ "IO wait",             {  2,  2,  2,  2,  2,  2,  2,  2,  2,  2,  2 } },
	{ "coroutine",           { ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, 36, 36, 37, 38,
				   38, 38 } },
	{ "GC worker (idle)",    { 24, 24, 24, 26, 26, 26, 26, 27, 28, 28, 28 } },
	{ "finalizer wait",      { 16, 16, 16, 16, 16, 16, 16, 16, 16, 10, 10 } },
	{ "force gc (idle)",     { 17, 17, 17, 17, 17, 17, 17, 17, 17, 11, 11 } },
	{ "GC sweep wait",       { 12, 12, 12, 12, 12, 12, 12, 12, 12,  8,  8 } },
	{ "GC scavenge wait",    { 13, 13, 13, 13, 13, 13, 13, 13, 13,  9,  9 } },
	{ "preempted",           { 25, 25, 25, 28, 28, 28, 28, 29, 30, 30, 30 } },
	{ "debug call",          { 26, 26, 26, 29, 29, 29, 29, 30, 31, 31, 31 } },
	{ "GOMAXPROCS updater (idle)", { ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
					 ABSENT, ABSENT, 18, 12, 12 } },
	{ "cleanup wait",        { ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT, ABSENT,
				   ABSENT, 46, 46, 46 } },
};

/* Entries of waitReasonStrings (docs/go-runtime.md § Wait reasons). */
static const unsigned table_len[NV] = { 27, 27, 27, 32, 32, 37, 38, 44, 47, 47, 47 };

static void test_doc_values_every_version(void **state)
{
	size_t i;
	int minor;

	for (minor = GO_MINOR_MIN; minor <= GO_MINOR_MAX; minor++) {
		for (i = 0; i < sizeof(known) / sizeof(*known); i++) {
			int want = known[i].value[minor - GO_MINOR_MIN];

			if (go_waitreason_value(minor, known[i].text) != want)
				fail_msg("Go 1.%d: \"%s\" is %d, docs/go-runtime.md says %d", minor,
					 known[i].text, go_waitreason_value(minor, known[i].text),
					 want);
			if (want != ABSENT)
				assert_string_equal(go_waitreason_name(minor, want), known[i].text);
		}
	}
}

static void test_brief_values(void **state)
{
	assert_string_equal(go_waitreason_name(19, 14), "chan receive");
	assert_string_equal(go_waitreason_name(26, 19), "chan receive");
	assert_string_equal(go_waitreason_name(19, 21), "timer goroutine (idle)");
	assert_string_equal(go_waitreason_name(24, 43), "select (synctest)");
	assert_string_equal(go_waitreason_name(26, 3), "dumping heap");
	assert_string_equal(go_waitreason_name(27, 46), "cleanup wait");
}

/* Every version has its whole table: waitReasonZero is "", the last value
 * is the last one, one past it is unknown, every text maps back to its own
 * value (the texts of one version are distinct). */
static void test_table_shape(void **state)
{
	unsigned v, n;
	int minor;

	for (minor = GO_MINOR_MIN; minor <= GO_MINOR_MAX; minor++) {
		n = table_len[minor - GO_MINOR_MIN];
		assert_string_equal(go_waitreason_name(minor, 0), "");
		for (v = 1; v < n; v++) {
			const char *s = go_waitreason_name(minor, v);

			assert_non_null(s);
			assert_true(s[0] != '\0');
			assert_int_equal(go_waitreason_value(minor, s), (int)v);
		}
		assert_null(go_waitreason_name(minor, n));
		assert_null(go_waitreason_name(minor, 255));
	}
}

static void test_unknown_versions_and_names(void **state)
{
	assert_null(go_waitreason_name(GO_MINOR_MIN - 1, 1));
	assert_null(go_waitreason_name(GO_MINOR_MAX + 1, 1));
	assert_null(go_waitreason_name(0, 0));
	assert_null(go_waitreason_name(-1, 2));
	assert_int_equal(go_waitreason_value(GO_MINOR_MAX + 1, "chan send"), -1);
	assert_int_equal(go_waitreason_value(19, "no such reason"), -1);
	assert_int_equal(go_waitreason_value(19, "Chan send"), -1);
	assert_int_equal(go_waitreason_value(19, ""), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_doc_values_every_version),
		cmocka_unit_test(test_brief_values),
		cmocka_unit_test(test_table_shape),
		cmocka_unit_test(test_unknown_versions_and_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
