// SPDX-License-Identifier: BSD-2-Clause
/* /proc/PID/maps lines (src/process/procmem.c): what gostray takes from them. */
#include <errno.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <sys/sysmacros.h>
#include <cmocka.h>

#include "process/procmem.h"

static void test_maps_line(void **state)
{
	struct maps_line m;

	assert_int_equal(maps_line_parse("00400000-00452000 r-xp 00001000 fd:01 123456 "
					 "/usr/bin/a b (deleted)\n", &m), 0);
	assert_int_equal(m.start, 0x400000);
	assert_int_equal(m.end, 0x452000);
	assert_int_equal(m.offset, 0x1000);
	assert_int_equal(m.dev, makedev(0xfd, 1));
	assert_int_equal(m.inode, 123456);
	/* anonymous mappings have no path */
	assert_int_equal(maps_line_parse("7ffd1000-7ffd2000 rw-p 00000000 00:00 0\n", &m), 0);
	assert_int_equal(m.inode, 0);
}

static void test_maps_line_rejects(void **state)
{
	struct maps_line m;

	assert_int_equal(maps_line_parse("", &m), -EINVAL);
	assert_int_equal(maps_line_parse("/a/long/path/tail 400000-401000 r-xp 0 8:1 5\n", &m),
			 -EINVAL);
	assert_int_equal(maps_line_parse("00452000-00400000 r-xp 00000000 fd:01 1 /x\n", &m),
			 -EINVAL);	/* end before start */
	assert_int_equal(maps_line_parse("00400000-00452000 r-xp 00000000 fd:01\n", &m),
			 -EINVAL);	/* no inode */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_maps_line),
		cmocka_unit_test(test_maps_line_rejects),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
