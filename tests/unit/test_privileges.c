// SPDX-License-Identifier: BSD-2-Clause
/* Parsing of the effective capability set used for the privilege error. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "process/privileges.h"

static void test_parse_root(void **state)
{
	uint64_t eff = 0;

	assert_int_equal(caps_parse_status("Name:\tx\nCapInh:\t0000000000000000\n"
					   "CapPrm:\t000001ffffffffff\n"
					   "CapEff:\t000001ffffffffff\n", &eff), 0);
	assert_int_equal(eff, 0x1ffffffffffull);
}

static void test_parse_unprivileged(void **state)
{
	uint64_t eff = 1;

	assert_int_equal(caps_parse_status("Name:\tx\nCapEff:\t0000000000000000\n", &eff), 0);
	assert_int_equal(eff, 0);
}

static void test_parse_garbage(void **state)
{
	uint64_t eff;

	assert_int_not_equal(caps_parse_status("Name:\tx\nCapEff:\tzz\n", &eff), 0);
	assert_int_not_equal(caps_parse_status("", &eff), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_root),
		cmocka_unit_test(test_parse_unprivileged),
		cmocka_unit_test(test_parse_garbage),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
