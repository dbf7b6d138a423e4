// SPDX-License-Identifier: BSD-2-Clause
/*
 * The attach-time self-check against the hello fixture's own pclntab:
 * plausible goroutines pass, offsets that read garbage are refused, a few
 * torn entries are tolerated.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include <errno.h>

#include "process/selfcheck.h"

static struct target t;
static uint64_t main_entry, drain_entry;

static int setup(void **state)
{
	const char *dir = getenv("GOSTRAY_FIXTURES");
	struct gobin_func fn;
	char path[512], err[256];

	snprintf(path, sizeof(path), "%s/go1.19/hello.static-stripped", dir ? dir : "build/go");
	if (access(path, R_OK))
		fail_msg("fixture %s missing: run make fixtures", path);
	memset(&t, 0, sizeof(t));
	assert_int_equal(gobin_open(path, &t.gb, err, sizeof(err)), 0);
	assert_int_equal(go_offsets_from_table(19, &t.off), 0);
	t.minor = 19;
	assert_int_equal(gobin_find_func(t.gb, "main.main", &fn), 0);
	main_entry = fn.entry;
	assert_int_equal(gobin_find_func(t.gb, "main.drain", &fn), 0);
	drain_entry = fn.entry;
	return 0;
}

static int teardown(void **state)
{
	gobin_close(t.gb);
	return 0;
}

/* A goroutine as the right offsets read it: created inside main.main
 * (gopc is a return address inside it), starting at main.drain. */
static struct snap_g good(uint64_t goid)
{
	struct snap_g g = { .goid = goid, .gopc = main_entry + 0x40,
			    .startpc = drain_entry, .status = G_WAITING };
	return g;
}

static void test_plausible_goroutines_pass(void **state)
{
	struct snap_g gs[20];
	struct snapshot s = { .gs = gs, .n = 20, .allglen = 25 };
	struct selfcheck_result res;
	char err[512] = "";
	int i;

	for (i = 0; i < 20; i++)
		gs[i] = good(i + 1);
	assert_int_equal(selfcheck_snapshot(&t, &s, &res, err, sizeof(err)), 0);
	assert_int_equal(res.checked, 20);
	assert_int_equal(res.bad_gopc + res.bad_startpc + res.bad_goid, 0);

	/* one torn entry in 20 is tolerated */
	gs[7].gopc = 0x10;
	assert_int_equal(selfcheck_snapshot(&t, &s, &res, err, sizeof(err)), 0);
	assert_int_equal(res.bad_gopc, 1);
}

static void test_wrong_offsets_refused(void **state)
{
	struct snap_g gs[10];
	struct snapshot s = { .gs = gs, .n = 10, .allglen = 10 };
	struct selfcheck_result res;
	char err[512] = "";
	int i;

	/* what reading 8 bytes off gives: start PCs land mid-function */
	for (i = 0; i < 10; i++) {
		gs[i] = good(i + 1);
		gs[i].startpc = drain_entry + 3;
	}
	assert_int_equal(selfcheck_snapshot(&t, &s, &res, err, sizeof(err)), -EPROTO);
	assert_int_equal(res.bad_startpc, 10);
	assert_non_null(strstr(err, "g.startpc at 312"));

	/* goids that repeat are not goids */
	for (i = 0; i < 10; i++)
		gs[i] = good(7);
	assert_int_equal(selfcheck_snapshot(&t, &s, &res, err, sizeof(err)), -EPROTO);
	assert_int_equal(res.bad_goid, 9);

	/* creation PCs outside the text */
	for (i = 0; i < 10; i++) {
		gs[i] = good(i + 1);
		gs[i].gopc = 0xc000123456;
	}
	assert_int_equal(selfcheck_snapshot(&t, &s, &res, err, sizeof(err)), -EPROTO);
	assert_int_equal(res.bad_gopc, 10);
}

static void test_no_live_goroutine_refused(void **state)
{
	struct snapshot none = { .gs = NULL, .n = 0, .allglen = 9 };
	struct snapshot empty = { 0 };
	struct selfcheck_result res;
	char err[512] = "";

	assert_int_equal(selfcheck_snapshot(&t, &none, &res, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "g.atomicstatus at 144"));
	assert_int_equal(selfcheck_snapshot(&t, &empty, &res, err, sizeof(err)), -EPROTO);
	assert_non_null(strstr(err, "allglen reads 0"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_plausible_goroutines_pass),
		cmocka_unit_test(test_wrong_offsets_refused),
		cmocka_unit_test(test_no_live_goroutine_refused),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
