// SPDX-License-Identifier: BSD-2-Clause
/* Wait reason texts per Go version (values moved in Go 1.20, 1.24, 1.25
 * and were reordered in 1.26). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "offsets.h"
#include "waitreasons.h"

static void test_known_values(void **state)
{
	assert_string_equal(go_waitreason_name(19, 14), "chan receive");
	assert_string_equal(go_waitreason_name(19, 15), "chan send");
	assert_string_equal(go_waitreason_name(19, 3), "chan receive (nil chan)");
	assert_string_equal(go_waitreason_name(19, 10), "select (no cases)");
	assert_string_equal(go_waitreason_name(19, 18), "semacquire");
	assert_string_equal(go_waitreason_name(21, 21), "sync.Mutex.Lock");
	assert_string_equal(go_waitreason_name(24, 24), "sync.WaitGroup.Wait");
	assert_string_equal(go_waitreason_name(25, 22), "sync.Mutex.Lock");
	assert_string_equal(go_waitreason_name(26, 19), "chan receive");
	assert_string_equal(go_waitreason_name(26, 17), "select (no cases)");
	assert_string_equal(go_waitreason_name(27, 14), "sleep");
	assert_string_equal(go_waitreason_name(23, 36), "coroutine");
	assert_string_equal(go_waitreason_name(17, 0), "");
}

static void test_every_version_has_a_table(void **state)
{
	int minor;

	for (minor = GO_MINOR_MIN; minor <= GO_MINOR_MAX; minor++) {
		assert_non_null(go_waitreason_name(minor, 2));
		assert_string_equal(go_waitreason_name(minor, 2), "IO wait");
		assert_true(go_waitreason_value(minor, "chan send") > 0);
	}
}

static void test_out_of_range(void **state)
{
	assert_null(go_waitreason_name(19, 200));
	assert_null(go_waitreason_name(16, 1));
	assert_null(go_waitreason_name(28, 1));
	assert_int_equal(go_waitreason_value(19, "no such reason"), -1);
	assert_int_equal(go_waitreason_value(19, "chan send"), 15);
	assert_int_equal(go_waitreason_value(26, "chan send"), 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_known_values),
		cmocka_unit_test(test_every_version_has_a_table),
		cmocka_unit_test(test_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
