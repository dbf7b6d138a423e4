// SPDX-License-Identifier: BSD-2-Clause
/*
 * Start functions through compiler wrappers (include/binary/gowrap.h), on the
 * hello fixture's -wrapped goroutines (tests/fixtures/hello) as every Go
 * version in GOSTRAY_GO_VERSIONS compiled them, stripped (pclntab only)
 * and PIE.
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

#include "binary/gobin.h"
#include "binary/gowrap.h"
#include "binary/pclntab.h"

static const char *fixtures_dir(void)
{
	const char *d = getenv("GOSTRAY_FIXTURES");

	return d && *d ? d : "build/go";
}

struct seen {
	const struct gobin *gb;
	const char *prefix;	/* the function the go statements are in */
	int wait, peek, other;	/* wrappers resolved to each */
	int kept;		/* wrappers left with their own name */
	char first_other[160];
};

/* One closure the compiler made for a go statement. */
static void check_wrapper(struct seen *s, const struct pcln_func *fn)
{
	const char *name = gowrap_user_function(s->gb, fn->entry);

	if (!name)
		fail_msg("%s: no start function", fn->name);
	if (!strcmp(name, "main.(*box).wait"))
		s->wait++;
	else if (!strcmp(name, "main.box.peek"))
		s->peek++;
	else if (!strcmp(name, fn->name))
		s->kept++;
	else if (!s->other++)
		snprintf(s->first_other, sizeof(s->first_other), "%s -> %s", fn->name, name);
}

/* Every function named prefix... in the table (wrappers included, which
 * gobin_for_each_func leaves out). */
static void check_wrappers_of(struct seen *s, const char *prefix)
{
	const struct pclntab *t = gobin_pclntab(s->gb);
	struct pcln_func fn;
	size_t i;

	for (i = 0; i < t->nfunc; i++)
		if (!pclntab_func(t, i, &fn) && !strncmp(fn.name, prefix, strlen(prefix)))
			check_wrapper(s, &fn);
}

/* gobin_find_func leaves wrappers out: the table itself. */
static uint64_t entry_of(const struct gobin *gb, const char *name)
{
	const struct pclntab *t = gobin_pclntab(gb);
	struct pcln_func fn;
	size_t i;

	for (i = 0; i < t->nfunc; i++)
		if (!pclntab_func(t, i, &fn) && !strcmp(fn.name, name))
			return fn.entry;
	fail_msg("%s: no function %s", gobin_path(gb), name);
	return 0;
}

static void check_binary(const char *path)
{
	struct seen s = { 0 };
	struct gobin_func fn;
	struct gobin *gb;
	char err[256];
	const char *name;

	if (gobin_open(path, &gb, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	s.gb = gb;
	/* go b.wait(2), go b.peek(), go f(3): wrappers (F.funcN up to Go
	 * 1.21, F.gowrapN from 1.22); go g() may start at peek-fm itself.
	 * f(3) calls the method value through its func value, an indirect
	 * call: resolved only where the compiler saw through it. */
	check_wrappers_of(&s, "main.startWrapped.");
	if (s.other || s.wait < 1 || s.wait + s.kept != 2 || s.peek < 1)
		fail_msg("%s (%s): startWrapped's wrappers: %d -> wait, %d -> peek, %d kept "
			 "their name, %d other (%s)", path, gobin_go_version(gb), s.wait, s.peek,
			 s.kept, s.other, s.first_other);
	/* the method value wrapper itself, as `go f()` without arguments
	 * would start it */
	name = gowrap_user_function(gb, entry_of(gb, "main.(*box).wait-fm"));
	assert_non_null(name);
	assert_string_equal(name, "main.(*box).wait");
	assert_string_equal(gowrap_user_function(gb, entry_of(gb, "main.box.peek-fm")),
			    "main.box.peek");
	/* an interface method: the wrapper's call is indirect and keeps its
	 * name (the user's function cannot be told from the code) */
	memset(&s, 0, sizeof(s));
	s.gb = gb;
	check_wrappers_of(&s, "main.viaInterface.");
	if (s.kept + s.wait != 1 || s.other || s.peek)
		fail_msg("%s: viaInterface's wrapper: %d kept, %d -> wait, %d other (%s)", path,
			 s.kept, s.wait, s.other, s.first_other);
	/* not a wrapper: its own name */
	assert_int_equal(gobin_find_func(gb, "main.drain", &fn), 0);
	assert_string_equal(gowrap_user_function(gb, fn.entry), "main.drain");
	assert_null(gowrap_user_function(gb, 0x10));
	gobin_close(gb);
}

static void test_wrappers_every_version(void **state)
{
	static const char *const variants[] = { "static-stripped", "pie" };
	const char *env = getenv("GOSTRAY_GO_VERSIONS");
	char list[256], *tok, *save = NULL, path[512];
	int checked = 0;
	size_t i;

	snprintf(list, sizeof(list), "%s", env && *env ? env : "1.19");
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		for (i = 0; i < sizeof(variants) / sizeof(*variants); i++) {
			snprintf(path, sizeof(path), "%s/go%s/hello.%s", fixtures_dir(), tok,
				 variants[i]);
			if (access(path, R_OK))
				fail_msg("no fixture %s (make fixtures)", path);
			check_binary(path);
			checked++;
		}
	}
	assert_true(checked >= 2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_wrappers_every_version),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
