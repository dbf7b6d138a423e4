// SPDX-License-Identifier: BSD-2-Clause
/*
 * The real Go programs the unit tests read (tests/unit/realprograms.h).
 */
#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <unistd.h>
#include <cmocka.h>

#include "realprograms.h"

struct realprogram realprograms[REALPROGRAMS_MAX];
static size_t nrealprograms;

static void add_program(const char *name, const char *path)
{
	struct realprogram *p;

	if (nrealprograms >= REALPROGRAMS_MAX)
		return;
	p = &realprograms[nrealprograms++];
	snprintf(p->name, sizeof(p->name), "%s", name);
	snprintf(p->path, sizeof(p->path), "%s", path);
}

static int list_from_script(void)
{
	char line[PATH_MAX + 128], name[64], path[PATH_MAX];
	FILE *f;

	if (access(REALPROGRAMS_FETCH, X_OK))
		return -ENOENT;
	f = popen(REALPROGRAMS_FETCH " --list-cached", "r");
	if (!f)
		return -errno;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "%63s %4095s", name, path) == 2)
			add_program(name, path);
	return pclose(f) == 0 ? 0 : -EIO;
}

/* Without the script (test run from elsewhere): CACHE/NAME.path holds the
 * binary's path relative to the cache. */
static void list_from_cache_dir(void)
{
	const char *cache = getenv("GOSTRAY_REAL_CACHE");
	char file[PATH_MAX], rel[PATH_MAX], path[PATH_MAX * 2];
	struct dirent *de;
	DIR *d;

	if (!cache || !*cache)
		cache = REALPROGRAMS_CACHE;
	d = opendir(cache);
	if (!d)
		return;
	while ((de = readdir(d))) {
		size_t len = strlen(de->d_name);
		FILE *f;

		if (len < 6 || strcmp(de->d_name + len - 5, ".path"))
			continue;
		snprintf(file, sizeof(file), "%s/%s", cache, de->d_name);
		f = fopen(file, "r");
		if (!f)
			continue;
		if (fgets(rel, sizeof(rel), f)) {
			rel[strcspn(rel, "\n")] = '\0';
			snprintf(path, sizeof(path), "%s/%s", cache, rel);
			de->d_name[len - 5] = '\0';
			if (!access(path, R_OK))
				add_program(de->d_name, path);
		}
		fclose(f);
	}
	closedir(d);
}

int realprograms_list(const char *test, size_t *n)
{
	const char *skip = getenv("GOSTRAY_REAL_SKIP");

	if (list_from_script())
		list_from_cache_dir();
	*n = nrealprograms;
	if (nrealprograms)
		return 1;
	if (skip && *skip) {
		printf("SKIP %s: %s\n", test, skip);
		return 0;
	}
	fprintf(stderr, "%s: no real Go programs cached (run %s, or set "
		"GOSTRAY_REAL_SKIP=<reason>)\n", test, REALPROGRAMS_FETCH);
	return -1;
}

int realprograms_run(const char *group, const char *suffix, void (*test)(void **state),
		     size_t n)
{
	static struct CMUnitTest tests[REALPROGRAMS_MAX];
	static char names[REALPROGRAMS_MAX][sizeof(realprograms[0].name) + 32];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(names[i], sizeof(names[i]), "%s%s", realprograms[i].name, suffix);
		tests[i] = (struct CMUnitTest){ .name = names[i], .test_func = test,
						.initial_state = &realprograms[i] };
	}
	return _cmocka_run_group_tests(group, tests, n, NULL, NULL);
}
