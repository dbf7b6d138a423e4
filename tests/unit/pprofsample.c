// SPDX-License-Identifier: BSD-2-Clause
/*
 * What the pprof writer's tests share (tests/unit/pprofsample.h).
 */
#define _GNU_SOURCE	/* asprintf */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "pprofsample.h"

char pprof_tmpdir[] = "/tmp/test_pprofenc.XXXXXX";

/* A leak and a healthy worker, as gostray would see them: runtime.gopark
 * at the top, main.send inlined into the closure of handleSearch. */
const struct pprof_line park = { "runtime.gopark", "/usr/lib/go/src/runtime/proc.go",
					398, 380 };
const struct pprof_line inlined[2] = {
	{ "main.send", "/src/leaky/main.go", 70, 68 },
	{ "main.handleSearch.func1", "/src/leaky/main.go", 62, 60 },
};
const struct pprof_line search = { "main.handleSearch", "/src/leaky/main.go", 58, 50 };
const struct pprof_line worker = { "main.worker", "/src/leaky/main.go", 90, 88 };
const struct pprof_location leak_stack[3] = {
	{ 0x401000, &park, 1 }, { 0x402000, inlined, 2 }, { 0x403000, &search, 1 },
};
const struct pprof_location worker_stack[2] = {
	{ 0x401000, &park, 1 }, { 0x404000, &worker, 1 },
};
const struct pprof_label leak_labels[2] = {
	{ "wait_reason", "chan send" }, { "created_by", "main.go:62 main.handleSearch" },
};
const struct pprof_label worker_labels[1] = { { "wait_reason", "chan receive" } };

char *path_in_tmp(const char *name)
{
	char *p;

	assert_true(asprintf(&p, "%s/%s", pprof_tmpdir, name) > 0);
	return p;
}

unsigned char *read_gunzip(const char *path, size_t *len)
{
	unsigned char magic[2], *buf = NULL;
	size_t cap = 0, n = 0;
	FILE *f = fopen(path, "rb");
	gzFile gz;
	int r;

	assert_non_null(f);
	assert_int_equal(fread(magic, 1, 2, f), 2);
	fclose(f);
	assert_true(magic[0] == 0x1f && magic[1] == 0x8b);	/* gzip, not raw zlib */
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	do {
		if (n == cap) {
			cap = cap ? cap * 2 : 4096;
			buf = realloc(buf, cap);
			assert_non_null(buf);
		}
		r = gzread(gz, buf + n, cap - n);
		assert_true(r >= 0);
		n += r;
	} while (r > 0);
	assert_int_equal(gzclose(gz), Z_OK);	/* Z_OK checks the CRC and length */
	*len = n;
	return buf;
}

pb_profile *read_profile(const char *path)
{
	size_t len;
	unsigned char *buf = read_gunzip(path, &len);
	pb_profile *prof = perftools__profiles__profile__unpack(NULL, len, buf);

	free(buf);
	if (!prof)
		fail_msg("%s: not a profile.proto message", path);
	return prof;
}

pb_profile *write_and_read(struct pprof_profile *p, const char *name)
{
	char err[256] = "";
	char *path = path_in_tmp(name);
	pb_profile *prof;

	if (pprof_write_gz(p, path, err, sizeof(err)))
		fail_msg("pprof_write_gz: %s", err);
	prof = read_profile(path);
	free(path);
	return prof;
}

struct pprof_profile *leak_profile(int64_t leaked)
{
	struct pprof_profile *p = pprof_new("goroutine", "count");

	assert_non_null(p);
	pprof_set_time(p, 1700000000000000000LL, 5000000000LL);
	assert_int_equal(pprof_add_comment(p, "gostray test"), 0);
	assert_int_equal(pprof_set_main_mapping(p, 0x400000, 0x800000, 0, "/src/leaky/leaky",
						"abc123"), 0);
	assert_int_equal(pprof_add_sample(p, leak_stack, 3, leaked, leak_labels, 2), 0);
	assert_int_equal(pprof_add_sample(p, worker_stack, 2, 3, worker_labels, 1), 0);
	return p;
}

int pprof_tmpdir_remove(void **state)
{
	DIR *d = opendir(pprof_tmpdir);
	struct dirent *e;

	if (d) {
		while ((e = readdir(d))) {
			char path[1024];

			snprintf(path, sizeof(path), "%s/%s", pprof_tmpdir, e->d_name);
			if (e->d_name[0] != '.')
				unlink(path);
		}
		closedir(d);
	}
	return rmdir(pprof_tmpdir);
}

int pprof_tmpdir_make(void **state)
{
	return mkdtemp(pprof_tmpdir) ? 0 : -1;
}
