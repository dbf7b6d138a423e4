// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests for gostack.c: PC -> logical frames (inlined calls expanded)
 * must equal what the Go runtime itself says (runtime.CallersFrames),
 * for every Go version's fixture, with and without symbols; and the
 * frame filter must follow the runtime's dump rules.
 *
 * The fixture (tests/fixtures/hello, run with -stacks) prints the
 * runtime's traceback of a stack that goes through two inlined calls.
 * Static (non-PIE) builds, so runtime PCs are link-time PCs (bias 0).
 */
#include <limits.h>
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
#include "process/gostack.h"

#define MAX_PCS 64
#define MAX_FRAMES 16

struct truth_pc {
	uint64_t pc;
	size_t nframes;
	struct { char function[256]; char file[512]; int line; } frames[MAX_FRAMES];
};

static const char *fixtures_dir(void)
{
	const char *d = getenv("GOSTRAY_FIXTURES");

	return d && *d ? d : "build/go";
}

/* "name(args)" -> "name": the argument list is the last parenthesis. */
static void strip_args(char *name)
{
	char *open = strrchr(name, '(');

	if (open && open != name && name[strlen(name) - 1] == '\n')
		name[strlen(name) - 1] = '\0';
	open = strrchr(name, '(');
	if (open && open != name && name[strlen(name) - 1] == ')')
		*open = '\0';
}

/*
 * Runs the fixture with -stacks and parses the runtime's traceback: frames
 * up to and including one with "+0x" belong to one physical frame whose
 * PC is its function's entry plus that offset.
 */
static size_t read_truth(const struct gobin *gb, const char *path, struct truth_pc *out,
			 size_t max)
{
	char cmd[PATH_MAX + 32], fline[1024], pline[1024];
	size_t n = 0, pending = 0;
	struct truth_pc cur = { 0 };
	FILE *p;

	snprintf(cmd, sizeof(cmd), "'%s' -stacks", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(fline, sizeof(fline), p)) {
		char file[512];
		unsigned long long off = 0;
		int line;

		if (!strncmp(fline, "goroutine ", 10) || fline[0] == '\t')
			continue;
		if (!fgets(pline, sizeof(pline), p))
			break;
		if (sscanf(pline, "\t%511[^:]:%d +0x%llx", file, &line, &off) < 2)
			fail_msg("%s: unexpected traceback line: %s", path, pline);
		strip_args(fline);
		assert_true(pending < MAX_FRAMES);
		snprintf(cur.frames[pending].function, sizeof(cur.frames[0].function), "%s", fline);
		snprintf(cur.frames[pending].file, sizeof(cur.frames[0].file), "%s", file);
		cur.frames[pending].line = line;
		pending++;
		if (strstr(pline, " +0x")) {
			struct gobin_func fn;

			if (gobin_find_func(gb, fline, &fn))
				fail_msg("%s: no function %s", path, fline);
			assert_true(n < max);
			cur.pc = fn.entry + off;
			cur.nframes = pending;
			out[n++] = cur;
			memset(&cur, 0, sizeof(cur));
			pending = 0;
		}
	}
	assert_int_equal(pclose(p), 0);
	return n;
}

/* Compares every PC the fixture printed; returns how many of them had
 * inlined frames (the fixture's stack must have some). */
static size_t check_binary(const char *path)
{
	struct truth_pc truth[MAX_PCS];
	struct go_frame frames[MAX_FRAMES];
	struct gobin *gb;
	char err[256];
	size_t n, i, j, inlined = 0, main_frames = 0;

	if (gobin_open(path, &gb, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	n = read_truth(gb, path, truth, MAX_PCS);
	assert_true(n >= 5);
	for (i = 0; i < n; i++) {
		size_t k = gostack_symbolize(gb, 0, truth[i].pc, frames, MAX_FRAMES);

		if (k != truth[i].nframes)
			fail_msg("%s: pc 0x%llx: %zu frames, the runtime says %zu (first %s)", path,
				 (unsigned long long)truth[i].pc, k, truth[i].nframes,
				 truth[i].frames[0].function);
		for (j = 0; j < k; j++) {
			assert_non_null(frames[j].function);
			assert_non_null(frames[j].file);
			if (strcmp(frames[j].function, truth[i].frames[j].function) ||
			    strcmp(frames[j].file, truth[i].frames[j].file) ||
			    frames[j].line != truth[i].frames[j].line)
				fail_msg("%s: pc 0x%llx frame %zu: %s %s:%d, the runtime says %s %s:%d",
					 path, (unsigned long long)truth[i].pc, j,
					 frames[j].function, frames[j].file, frames[j].line,
					 truth[i].frames[j].function, truth[i].frames[j].file,
					 truth[i].frames[j].line);
			assert_int_equal(frames[j].inlined, j + 1 < k);
			if (!strncmp(frames[j].function, "main.", 5))
				main_frames++;
		}
		if (k > 1)
			inlined++;
	}
	/* leaf and middle inlined into outer, outer 4 times */
	assert_true(main_frames >= 6);
	gobin_close(gb);
	return inlined;
}

static void check_version(const char *ver)
{
	static const char *const variants[] = { "static", "static-stripped" };
	char path[PATH_MAX];
	size_t i;

	for (i = 0; i < 2; i++) {
		snprintf(path, sizeof(path), "%s/go%s/hello.%s", fixtures_dir(), ver, variants[i]);
		if (access(path, X_OK))
			fail_msg("fixture %s missing (make fixtures)", path);
		if (!check_binary(path))
			fail_msg("%s: no PC of the fixture's stack had inlined frames", path);
		print_message("go%s %s: frames equal the runtime's\n", ver, variants[i]);
	}
}

/* Go 1.19 always; the other versions of GOSTRAY_GO_VERSIONS when built. */
static void test_symbolize_like_runtime(void **state)
{
	const char *env = getenv("GOSTRAY_GO_VERSIONS");
	char list[256], *tok, *save = NULL, path[PATH_MAX];

	check_version("1.19");
	snprintf(list, sizeof(list), "%s", env ? env : "1.27");
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		if (!strcmp(tok, "1.19"))
			continue;
		snprintf(path, sizeof(path), "%s/go%s/hello.static", fixtures_dir(), tok);
		if (access(path, X_OK))
			print_message("NOTE: no go%s fixtures in %s: not tested\n", tok,
				      fixtures_dir());
		else
			check_version(tok);
	}
}

static void test_frame_filter(void **state)
{
	char path[PATH_MAX], err[256];
	struct go_frame f = { 0 }, callee = { 0 };
	struct gobin *gb;
	static const struct { const char *name; bool first, shown; } cases[] = {
		{ "main.main", false, true },
		{ "runtime.gopark", true, false },
		{ "runtime.chanrecv1", false, false },
		{ "runtime.Gosched", false, true },
		{ "runtime.(*Func).Name", false, true },
		{ "runtime.(*mheap).alloc", false, false },
		{ "runtime.gopanic", false, true },
		{ "runtime.gopanic", true, false },
		{ "sync.(*WaitGroup).Wait", false, true },
		{ "internal/poll.runtime_pollWait", false, true },
		{ "nodot", false, false },
	};
	size_t i;

	snprintf(path, sizeof(path), "%s/go1.19/hello.static", fixtures_dir());
	if (gobin_open(path, &gb, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	for (i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
		f.function = cases[i].name;
		f.funcid = 0;
		if (gostack_frame_shown(gb, &f, cases[i].first, NULL) != cases[i].shown)
			fail_msg("%s (first %d): want shown=%d", cases[i].name, cases[i].first,
				 cases[i].shown);
	}
	/* A wrapper is hidden, unless it called a panic function. */
	f.function = "main.(*T).M";
	f.funcid = (uint8_t)gobin_wrapper_funcid(gb);
	callee.function = "main.T.M";
	assert_false(gostack_frame_shown(gb, &f, false, &callee));
	callee.function = "runtime.panicwrap";
	assert_true(gostack_frame_shown(gb, &f, false, &callee));
	gobin_close(gb);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_symbolize_like_runtime),
		cmocka_unit_test(test_frame_filter),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
