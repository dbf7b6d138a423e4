// SPDX-License-Identifier: BSD-2-Clause
/*
 * Probe placement on real Go binaries built by the tests (tests/build-go.sh):
 * every probe lands on an emulated instruction inside the intended runtime
 * function, identically in stripped and unstripped builds, and the file
 * offset given to the kernel holds the very same bytes.
 */
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "binary/gobin.h"
#include "binary/probeplan.h"

static const char *const variants[] = {
	"static", "static-stripped", "pie", "pie-stripped", "cgo", "cgo-stripped",
	"extpie", "extpie-stripped",
};

static const char *fixtures_dir(void)
{
	const char *d = getenv("GOSTRAY_FIXTURES");

	return d ? d : "build/go";
}

static int fixture_path(char *buf, size_t len, const char *ver, const char *variant)
{
	snprintf(buf, len, "%s/go%s/hello.%s", fixtures_dir(), ver, variant);
	return access(buf, R_OK);
}

static int count_kind(const struct probe_plan *p, enum probe_kind k)
{
	int i, n = 0;

	for (i = 0; i < p->n; i++)
		n += p->points[i].kind == k;
	return n;
}

static const struct probe_point *point_of(const struct probe_plan *p, enum probe_kind k)
{
	int i;

	for (i = 0; i < p->n; i++)
		if (p->points[i].kind == k)
			return &p->points[i];
	return NULL;
}

/* The bytes the kernel will patch are the bytes we disassembled. */
static void assert_file_offset_matches(const char *path, const struct gobin *gb,
				       const struct probe_point *pt)
{
	uint8_t from_file[4], from_vaddr[4];
	int fd = open(path, O_RDONLY);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, from_file, sizeof(from_file), (off_t)pt->file_offset),
			 sizeof(from_file));
	close(fd);
	assert_int_equal(gobin_read(gb, pt->vaddr, from_vaddr, sizeof(from_vaddr)), 0);
	assert_memory_equal(from_file, from_vaddr, sizeof(from_file));
}

static void check_plan(const char *path, int minor, uint64_t rel[3])
{
	struct gobin *gb = NULL;
	struct probe_plan plan;
	struct gobin_pcinfo pi;
	struct gobin_func fn;
	char err[256] = "";
	const struct probe_point *create, *park, *exit_pt;
	enum probe_kind exit_kind = minor >= 22 ? PROBE_EXIT_GDESTROY : PROBE_EXIT_GOEXIT0;
	int i;

	assert_int_equal(gobin_open(path, &gb, err, sizeof(err)), 0);
	assert_int_equal(probeplan_build(gb, minor, &plan, err, sizeof(err)), 0);
	assert_int_equal(count_kind(&plan, PROBE_CREATE_RUNQPUT), 1);
	assert_int_equal(count_kind(&plan, PROBE_PARK), 1);
	assert_int_equal(count_kind(&plan, exit_kind), 1);

	create = point_of(&plan, PROBE_CREATE_RUNQPUT);
	park = point_of(&plan, PROBE_PARK);
	exit_pt = point_of(&plan, exit_kind);
	assert_string_equal(create->function, "runtime.newproc.func1");
	/* the CALL runqput itself, or the 5-byte NOP right before it, where
	 * the kernel can use a trampoline instead of a trap */
	if (!strncmp(create->insn, "nop5 before call ", 17)) {
		static const uint8_t nop5[5] = { 0x0f, 0x1f, 0x44, 0x00, 0x00 };
		uint8_t bytes[6];

		assert_int_equal(gobin_read(gb, create->vaddr, bytes, sizeof(bytes)), 0);
		assert_memory_equal(bytes, nop5, sizeof(nop5));
		assert_int_equal(bytes[5], 0xe8);	/* CALL rel32 follows */
	} else {
		assert_true(!strncmp(create->insn, "call ", 5));
	}
	assert_string_equal(park->function, "runtime.gopark");
	assert_true(!strncmp(park->insn, "jbe ", 4));
	assert_string_equal(exit_pt->function,
			    minor >= 22 ? "runtime.gdestroy" : "runtime.goexit0");
	assert_true(!strncmp(exit_pt->insn, "jbe ", 4));

	for (i = 0; i < plan.n; i++) {
		const struct probe_point *pt = &plan.points[i];

		/* pclntab agrees the instruction is inside that function */
		assert_int_equal(gobin_pc_lookup(gb, pt->vaddr, &pi), 0);
		assert_string_equal(pi.function, pt->function);
		assert_file_offset_matches(path, gb, pt);
	}
	/* offsets from each function's entry, compared across variants */
	assert_int_equal(gobin_find_func(gb, create->function, &fn), 0);
	rel[0] = create->vaddr - fn.entry;
	assert_int_equal(gobin_find_func(gb, park->function, &fn), 0);
	rel[1] = park->vaddr - fn.entry;
	assert_int_equal(gobin_find_func(gb, exit_pt->function, &fn), 0);
	rel[2] = exit_pt->vaddr - fn.entry;
	gobin_close(gb);
}

static void check_version(const char *ver, int minor)
{
	uint64_t rel[3], rel_stripped[3];
	char path[512], path2[512];
	size_t i;
	int checked = 0;

	for (i = 0; i < sizeof(variants) / sizeof(*variants); i += 2) {
		if (fixture_path(path, sizeof(path), ver, variants[i]) ||
		    fixture_path(path2, sizeof(path2), ver, variants[i + 1]))
			fail_msg("fixture %s or %s missing: run make fixtures", path, path2);
		check_plan(path, minor, rel);
		check_plan(path2, minor, rel_stripped);
		assert_memory_equal(rel, rel_stripped, sizeof(rel));
		checked++;
	}
	assert_int_equal(checked, (int)(sizeof(variants) / sizeof(*variants) / 2));
}

/* Every Go version the build made fixtures for (GOSTRAY_GO_VERSIONS, as in
 * the Makefile's GO_VERSIONS); Go 1.19 at least. */
static void test_every_go_version(void **state)
{
	const char *env = getenv("GOSTRAY_GO_VERSIONS");
	char list[256], *tok, *save = NULL;
	int n = 0;

	snprintf(list, sizeof(list), "%s", env && *env ? env : "1.19");
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		int minor = atoi(strchr(tok, '.') ? strchr(tok, '.') + 1 : "0");

		assert_true(minor >= 17);
		check_version(tok, minor);
		n++;
	}
	assert_true(n >= 1);
}

/* A function without a stack check (or garbage) yields -ENOENT, not a
 * probe on some random instruction. */
static void test_no_stack_check(void **state)
{
	struct gobin *gb = NULL;
	struct gobin_func fn;
	char path[512], err[256], insn[96];
	uint64_t vaddr;

	if (fixture_path(path, sizeof(path), "1.19", "static"))
		fail_msg("fixture %s missing: run make fixtures", path);
	assert_int_equal(gobin_open(path, &gb, err, sizeof(err)), 0);
	/* runtime.rt0_go is assembly: no Go stack-check prologue */
	assert_int_equal(gobin_find_func(gb, "runtime.rt0_go", &fn), 0);
	assert_int_not_equal(probeplan_stack_check_branch(gb, &fn, &vaddr, insn,
							    sizeof(insn)), 0);
	gobin_close(gb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_go_version),
		cmocka_unit_test(test_no_stack_check),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
