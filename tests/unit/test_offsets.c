// SPDX-License-Identifier: BSD-2-Clause
/*
 * Struct offsets: the DWARF of binaries built by the tests (tests/build-go.sh)
 * must give exactly the built-in table's values for that Go version, for
 * every toolchain the build used; stripped binaries fall back to the table.
 */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "gobin.h"
#include "offsets.h"

static const char *fixtures_dir(void)
{
	const char *d = getenv("GOSTRAY_FIXTURES");

	return d ? d : "build/go";
}

static void assert_same_offsets(const struct go_offsets *a, const struct go_offsets *b)
{
	assert_int_equal(a->g_stack_lo, b->g_stack_lo);
	assert_int_equal(a->g_stack_hi, b->g_stack_hi);
	assert_int_equal(a->g_m, b->g_m);
	assert_int_equal(a->g_sched, b->g_sched);
	assert_int_equal(a->g_atomicstatus, b->g_atomicstatus);
	assert_int_equal(a->g_goid, b->g_goid);
	assert_int_equal(a->g_waitsince, b->g_waitsince);
	assert_int_equal(a->g_waitreason, b->g_waitreason);
	assert_int_equal(a->g_parent_goid, b->g_parent_goid);
	assert_int_equal(a->g_gopc, b->g_gopc);
	assert_int_equal(a->g_startpc, b->g_startpc);
	assert_int_equal(a->g_size, b->g_size);
	assert_int_equal(a->gobuf_sp, b->gobuf_sp);
	assert_int_equal(a->gobuf_pc, b->gobuf_pc);
	assert_int_equal(a->gobuf_bp, b->gobuf_bp);
	assert_int_equal(a->m_curg, b->m_curg);
	assert_int_equal(a->m_procid, b->m_procid);
}

static void check_version(const char *ver)
{
	static const char *const with_dwarf[] = { "static", "pie", "cgo", "extpie" };
	static const char *const stripped[] = { "static-stripped", "pie-stripped",
						"cgo-stripped", "extpie-stripped" };
	int minor = atoi(strchr(ver, '.') + 1);
	struct go_offsets table, dwarf, resolved;
	char path[512], err[256];
	size_t i;

	assert_int_equal(go_offsets_from_table(minor, &table), 0);
	assert_int_equal(table.src, GOBIN_SRC_TABLE);
	for (i = 0; i < 4; i++) {
		struct gobin *gb = NULL;

		snprintf(path, sizeof(path), "%s/go%s/hello.%s", fixtures_dir(), ver, with_dwarf[i]);
		if (access(path, R_OK))
			fail_msg("fixture %s missing: run make fixtures", path);
		assert_int_equal(go_offsets_from_dwarf(path, &dwarf, err, sizeof(err)), 0);
		assert_int_equal(dwarf.src, GOBIN_SRC_DWARF);
		assert_same_offsets(&dwarf, &table);

		assert_int_equal(gobin_open(path, &gb, err, sizeof(err)), 0);
		assert_int_equal(go_offsets_resolve(gb, &resolved, err, sizeof(err)), 0);
		assert_int_equal(resolved.src, GOBIN_SRC_DWARF);
		assert_string_equal(err, "");	/* no DWARF/table disagreement */
		gobin_close(gb);

		snprintf(path, sizeof(path), "%s/go%s/hello.%s", fixtures_dir(), ver, stripped[i]);
		if (access(path, R_OK))
			fail_msg("fixture %s missing: run make fixtures", path);
		assert_int_equal(go_offsets_from_dwarf(path, &dwarf, err, sizeof(err)), -ENODATA);
		assert_int_equal(gobin_open(path, &gb, err, sizeof(err)), 0);
		assert_int_equal(go_offsets_resolve(gb, &resolved, err, sizeof(err)), 0);
		assert_int_equal(resolved.src, GOBIN_SRC_TABLE);
		assert_same_offsets(&resolved, &table);
		gobin_close(gb);
	}
}

static void test_dwarf_equals_table_every_version(void **state)
{
	const char *env = getenv("GOSTRAY_GO_VERSIONS");
	char list[256], *tok, *save = NULL;

	snprintf(list, sizeof(list), "%s", env && *env ? env : "1.19");
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		check_version(tok);
}

/* Facts of go-runtime.md 1.1 that moved between versions. */
static void test_known_moves(void **state)
{
	struct go_offsets o;
	int minor;

	for (minor = GO_MINOR_MIN; minor <= GO_MINOR_MAX; minor++) {
		assert_int_equal(go_offsets_from_table(minor, &o), 0);
		assert_int_equal(o.g_goid, minor == 23 || minor == 24 ? 160 : 152);
		assert_int_equal(o.g_m, 48);
		assert_true(minor >= 21 ? o.g_parent_goid != GO_NO_FIELD
					: o.g_parent_goid == GO_NO_FIELD);
		assert_int_equal(o.gobuf_bp, minor >= 25 ? 40 : 48);
	}
	assert_int_equal(go_offsets_from_table(19, &o), 0);
	assert_int_equal(o.g_gopc, 296);
	assert_int_equal(go_offsets_from_table(26, &o), 0);
	assert_int_equal(o.g_gopc, 288);
	assert_int_equal(o.m_curg, 184);
}

static void test_unknown_versions_rejected(void **state)
{
	struct go_offsets o;

	assert_int_equal(go_offsets_from_table(16, &o), -ENOTSUP);
	assert_int_equal(go_offsets_from_table(28, &o), -ENOTSUP);
	assert_int_equal(go_offsets_from_table(0, &o), -ENOTSUP);
}

static void test_not_elf_has_no_dwarf(void **state)
{
	struct go_offsets o;
	char err[256] = "";

	assert_int_not_equal(go_offsets_from_dwarf("/bin/true", &o, err, sizeof(err)), 0);
	assert_true(err[0] != '\0');
}

/* The goroutines runtime.NumGoroutine() leaves out. */
static void test_system_goroutines(void **state)
{
	assert_true(go_is_system_goroutine(19, "runtime.bgsweep"));
	assert_true(go_is_system_goroutine(27, "runtime.gcenable.gowrap1"));
	assert_true(go_is_system_goroutine(19, "runtime.runfinq"));
	assert_false(go_is_system_goroutine(19, "runtime.main"));
	assert_false(go_is_system_goroutine(27, "runtime.corostart"));
	assert_false(go_is_system_goroutine(19, "main.main.func1"));
	assert_false(go_is_system_goroutine(19, "os/signal.loop"));
	assert_false(go_is_system_goroutine(19, "runtimex.foo"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_equals_table_every_version),
		cmocka_unit_test(test_known_moves),
		cmocka_unit_test(test_unknown_versions_rejected),
		cmocka_unit_test(test_not_elf_has_no_dwarf),
		cmocka_unit_test(test_system_goroutines),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
