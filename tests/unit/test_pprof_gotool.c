// SPDX-License-Identifier: BSD-2-Clause
/*
 * gostray's profiles read by `go tool pprof` itself, with the oldest and
 * newest Go toolchain found: -raw/-top/-base show the samples, labels and
 * functions the writer put in (include/output/pprofenc.h).
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "output/pprofenc.h"
#include "pprofsample.h"

static const char *toolchain_cache(void)
{
	const char *cache = getenv("GOSTRAY_TOOLCHAIN_CACHE");

	return cache && *cache ? cache : "/var/cache/gostray/go";
}

/* Toolchains as tools/go-toolchain.sh places them, and bookworm's own. */
static int find_toolchains(char *oldest, char *newest, size_t len)
{
	int lo = 1000, hi = -1, minor;
	char pattern[512];
	glob_t g;
	size_t i;

	snprintf(pattern, sizeof(pattern), "%s/*/usr/lib/go-*/bin/go", toolchain_cache());
	if (glob(pattern, 0, NULL, &g) == GLOB_NOMATCH)
		g.gl_pathc = 0;
	glob("/usr/lib/go-*/bin/go", g.gl_pathc ? GLOB_APPEND : 0, NULL, &g);
	for (i = 0; i < g.gl_pathc; i++) {
		const char *v = strstr(g.gl_pathv[i], "/go-1.");

		if (!v || sscanf(v, "/go-1.%d/", &minor) != 1 || access(g.gl_pathv[i], X_OK))
			continue;
		if (minor < lo) {
			lo = minor;
			snprintf(oldest, len, "%s", g.gl_pathv[i]);
		}
		if (minor > hi) {
			hi = minor;
			snprintf(newest, len, "%s", g.gl_pathv[i]);
		}
	}
	globfree(&g);
	return hi >= 0;
}

/* Output of `go tool pprof ARGS` run in the temp folder; fails unless it exits 0. */
static char *run_pprof(const char *go, const char *args)
{
	size_t cap = 65536, n = 0, r;
	char *cmd, *out = malloc(cap);
	FILE *f;
	int status;

	assert_non_null(out);

	/* Go 1.25+ builds pprof on first use (GOCACHE); never from the network. */
	assert_true(asprintf(&cmd, "cd '%s' && GOTOOLCHAIN=local GOPROXY=off GOFLAGS= "
			     "'%s' tool pprof %s 2>&1", pprof_tmpdir, go, args) > 0);
	f = popen(cmd, "r");
	assert_non_null(f);
	do {
		if (cap - n < 4096) {
			cap *= 2;
			out = realloc(out, cap);
			assert_non_null(out);
		}
		r = fread(out + n, 1, cap - n - 1, f);
		n += r;
	} while (r > 0);
	out[n] = '\0';
	status = pclose(f);
	if (!WIFEXITED(status) || WEXITSTATUS(status))
		fail_msg("%s: status %d:\n%s", cmd, status, out);
	free(cmd);
	return out;
}

static void assert_contains(const char *out, const char *what, const char *needle)
{
	if (!out || !strstr(out, needle))
		fail_msg("%s does not show \"%s\":\n%s", what, needle, out ? out : "");
}

/* flat and cum of a -top row, -1 when the function has no row. */
static void top_row(const char *out, const char *function, long *flat, long *cum)
{
	const char *line;

	*flat = *cum = -1;
	for (line = out; line; line = strchr(line, '\n'), line = line ? line + 1 : NULL) {
		char name[256];
		long f, c;

		if (sscanf(line, "%ld %*s %*s %ld %*s %255s", &f, &c, name) == 3 &&
		    !strcmp(name, function)) {
			*flat = f;
			*cum = c;
			return;
		}
	}
}

static void assert_top(const char *out, const char *function, long flat, long cum)
{
	long f, c;

	top_row(out, function, &f, &c);
	if (f != flat || c != cum)
		fail_msg("-top: %s has flat %ld cum %ld, want %ld %ld:\n%s", function, f, c, flat,
			 cum, out);
}

static void check_with_go(const char *go)
{
	struct pprof_profile *p;
	char err[256], *out;
	const char *loc2, *a, *b;
	char *first = path_in_tmp("first.pb.gz"), *second = path_in_tmp("second.pb.gz");

	p = leak_profile(150);
	if (pprof_write_gz(p, first, err, sizeof(err)))
		fail_msg("%s", err);
	pprof_free(p);
	p = leak_profile(175);
	if (pprof_write_gz(p, second, err, sizeof(err)))
		fail_msg("%s", err);
	pprof_free(p);

	out = run_pprof(go, "-raw first.pb.gz");
	assert_contains(out, "-raw", "PeriodType: goroutine count");
	assert_contains(out, "-raw", "goroutine/count");
	assert_contains(out, "-raw", "        150: 1 2 3 \n");
	assert_contains(out, "-raw",
			"created_by:[main.go:62 main.handleSearch] wait_reason:[chan send]");
	assert_contains(out, "-raw", "          3: 1 4 \n");
	assert_contains(out, "-raw", "wait_reason:[chan receive]");
	assert_contains(out, "-raw", "Comment: gostray test");
	assert_contains(out, "-raw", "[FN][FL][LN][IN]");
	/* Location 2: main.send, then the closure it was inlined into. */
	loc2 = strstr(out, "     2: 0x402000 M=1 main.send /src/leaky/main.go:70");
	if (!loc2)
		fail_msg("-raw: no location 2:\n%s", out);
	a = strstr(loc2, "\n");
	b = strstr(loc2, "main.handleSearch.func1 /src/leaky/main.go:62");
	if (!b || b < a || strchr(a + 1, '\n') < b)
		fail_msg("-raw: location 2's inlined frames out of order:\n%s", out);
	free(out);

	out = run_pprof(go, "-top first.pb.gz");
	assert_contains(out, "-top", "Total samples = 153");
	assert_top(out, "runtime.gopark", 153, 153);
	assert_top(out, "main.handleSearch", 0, 150);
	assert_top(out, "main.handleSearch.func1", 0, 150);
	assert_top(out, "main.send", 0, 150);	/* "main.send (inline)" */
	assert_top(out, "main.worker", 0, 3);
	free(out);

	out = run_pprof(go, "-top -tagfocus 'wait_reason=chan receive' first.pb.gz");
	assert_top(out, "runtime.gopark", 3, 3);
	assert_top(out, "main.worker", 0, 3);
	assert_top(out, "main.handleSearch", -1, -1);
	free(out);

	/* What grew between two captures: 25 more leaked, workers unchanged. */
	out = run_pprof(go, "-top -base first.pb.gz second.pb.gz");
	assert_contains(out, "-top -base", "Total samples = 25");
	assert_top(out, "runtime.gopark", 25, 25);
	assert_top(out, "main.handleSearch", 0, 25);
	assert_top(out, "main.worker", -1, -1);
	free(out);
	printf("test_pprofenc: go tool pprof of %s reads the profiles\n", go);
	free(first);
	free(second);
}

static void test_go_tool_pprof(void **state)
{
	char oldest[512], newest[512];

	if (!find_toolchains(oldest, newest, sizeof(oldest))) {
		printf("SKIP test_pprofenc go tool pprof checks: no Go toolchain in "
		       "%s/*/usr/lib/go-*/bin or /usr/lib/go-*/bin "
		       "(make unit-test fetches them)\n", toolchain_cache());
		skip();
	}
	check_with_go(oldest);
	if (strcmp(oldest, newest))
		check_with_go(newest);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_tool_pprof),
	};

	return cmocka_run_group_tests(tests, pprof_tmpdir_make, pprof_tmpdir_remove);
}
