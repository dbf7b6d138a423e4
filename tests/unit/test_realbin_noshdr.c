// SPDX-License-Identifier: BSD-2-Clause
/*
 * The real Go programs (tests/unit/realprograms.h) without their section
 * headers, as some are shipped: gobin and probe placement must give the
 * same answers as with them.
 */
#include <fcntl.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "binary/gobin.h"
#include "binary/probeplan.h"
#include "fixture.h"
#include "realprograms.h"

static void assert_same_func(const char *name, struct gobin *a, struct gobin *b,
			     const char *func)
{
	struct gobin_func fa, fb;

	assert_int_equal(gobin_find_func(a, func, &fa), 0);
	if (gobin_find_func(b, func, &fb))
		fail_msg("%s without section headers: %s not found", name, func);
	if (fa.entry != fb.entry || fa.end != fb.end)
		fail_msg("%s without section headers: %s at [0x%llx, 0x%llx), not "
			 "[0x%llx, 0x%llx)", name, func, (unsigned long long)fb.entry,
			 (unsigned long long)fb.end, (unsigned long long)fa.entry,
			 (unsigned long long)fa.end);
}

/*
 * Shipped binaries sometimes have no section headers: everything must be
 * found from the program headers alone (pclntab by its magic, moduledata
 * by its pointers or RELATIVE relocations, buildinfo by its magic) and
 * give the same answers as with sections.
 */
static void test_program_noshdr(void **state)
{
	const struct realprogram *p = *state;
	static const char *const funcs[] = {
		"runtime.newproc1", "runtime.gopark", "runtime.runqput",
		"runtime.newproc.func1", "runtime.allgadd", "runtime.goexit0",
	};
	static const char *const vars[] = {
		"runtime.allgs", "runtime.allglen", "runtime.allgptr",
	};
	const char *tmp = getenv("TMPDIR");
	char dir[PATH_MAX], copy[PATH_MAX + 16], err[256] = "";
	struct probe_plan pa, pb;
	struct gobin *a = NULL, *b = NULL;
	int i, minor;

	snprintf(dir, sizeof(dir), "%s/realbin.XXXXXX", tmp && *tmp ? tmp : "/tmp");
	assert_non_null(mkdtemp(dir));
	snprintf(copy, sizeof(copy), "%s/noshdr", dir);
	copy_file(p->path, copy, SIZE_MAX);
	strip_section_headers(copy);
	if (gobin_open(p->path, &a, err, sizeof(err)))
		fail_msg("%s: gobin_open: %s", p->name, err);
	if (gobin_open(copy, &b, err, sizeof(err))) {
		unlink(copy);
		rmdir(dir);
		fail_msg("%s without section headers: gobin_open: %s", p->name, err);
	}
	unlink(copy);
	rmdir(dir);
	assert_string_equal(gobin_go_version(b), gobin_go_version(a));
	assert_int_equal(gobin_version_source(b), gobin_version_source(a));
	assert_int_equal(gobin_symbol_source(b), GOBIN_SRC_PCLNTAB);
	assert_int_equal(gobin_text_start(b), gobin_text_start(a));
	minor = gobin_go_minor(a);
	if (minor >= 17) {
		for (i = 0; i < (int)(sizeof(funcs) / sizeof(*funcs)); i++)
			assert_same_func(p->name, a, b, funcs[i]);
		if (minor >= 22)
			assert_same_func(p->name, a, b, "runtime.gdestroy");
		for (i = 0; i < (int)(sizeof(vars) / sizeof(*vars)); i++) {
			struct gobin_var va, vb;

			assert_int_equal(gobin_find_var(a, vars[i], &va), 0);
			assert_int_equal(gobin_find_var(b, vars[i], &vb), 0);
			assert_int_equal(vb.addr, va.addr);
		}
		assert_int_equal(probeplan_build(a, minor, &pa, err, sizeof(err)), 0);
		if (probeplan_build(b, minor, &pb, err, sizeof(err)))
			fail_msg("%s without section headers: probeplan_build: %s", p->name, err);
		assert_int_equal(pb.n, pa.n);
		for (i = 0; i < pa.n; i++) {
			assert_int_equal(pb.points[i].kind, pa.points[i].kind);
			assert_int_equal(pb.points[i].vaddr, pa.points[i].vaddr);
			assert_int_equal(pb.points[i].file_offset, pa.points[i].file_offset);
		}
	}
	gobin_close(b);
	gobin_close(a);
}

int main(void)
{
	size_t n;
	int ret = realprograms_list("test_realbin_noshdr", &n);

	return ret <= 0 ? -ret : realprograms_run("realbin_noshdr", "/no-section-headers",
						  test_program_noshdr, n);
}
