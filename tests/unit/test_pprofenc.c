// SPDX-License-Identifier: BSD-2-Clause
/*
 * Unit tests of the pprof writer (pprofenc.h): every profile is written to a
 * file, read back (zlib, then the protobuf-c code generated from pprof's
 * own profile.proto) and checked field by field.  `go tool pprof` reads
 * them in test_pprof_gotool.c.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <glob.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>
#include <cmocka.h>

#include "output/pprofenc.h"
#include "pprof/profile.pb-c.h"
#include "pprofsample.h"

static const char *str(const pb_profile *prof, int64_t idx)
{
	assert_in_range(idx, 0, prof->n_string_table - 1);
	return prof->string_table[idx];
}

static const Perftools__Profiles__Location *location(const pb_profile *prof, uint64_t id)
{
	assert_in_range(id, 1, prof->n_location);
	assert_int_equal(prof->location[id - 1]->id, id);
	return prof->location[id - 1];
}

static const Perftools__Profiles__Function *function(const pb_profile *prof, uint64_t id)
{
	assert_in_range(id, 1, prof->n_function);
	assert_int_equal(prof->function[id - 1]->id, id);
	return prof->function[id - 1];
}

static void assert_line(const pb_profile *prof, const Perftools__Profiles__Line *l,
			const struct pprof_line *want)
{
	const Perftools__Profiles__Function *f = function(prof, l->function_id);

	assert_string_equal(str(prof, f->name), want->function);
	assert_string_equal(str(prof, f->system_name), want->function);
	assert_string_equal(str(prof, f->filename), want->file);
	assert_int_equal(f->start_line, want->start_line);
	assert_int_equal(l->line, want->line);
}

static void assert_stack(const pb_profile *prof, const Perftools__Profiles__Sample *s,
			 const struct pprof_location *want, size_t n)
{
	size_t i, j;

	assert_int_equal(s->n_location_id, n);
	for (i = 0; i < n; i++) {
		const Perftools__Profiles__Location *l = location(prof, s->location_id[i]);

		assert_int_equal(l->address, want[i].address);
		assert_int_equal(l->n_line, want[i].nlines);
		for (j = 0; j < want[i].nlines; j++)
			assert_line(prof, l->line[j], &want[i].lines[j]);
	}
}

static void assert_label(const pb_profile *prof, const Perftools__Profiles__Sample *s,
			 size_t i, const char *key, const char *value)
{
	assert_true(i < s->n_label);
	assert_string_equal(str(prof, s->label[i]->key), key);
	assert_string_equal(str(prof, s->label[i]->str), value);
	assert_int_equal(s->label[i]->num, 0);
}

static void assert_strings_unique(const pb_profile *prof)
{
	size_t i, j;

	assert_true(prof->n_string_table > 0);
	assert_string_equal(prof->string_table[0], "");
	for (i = 0; i < prof->n_string_table; i++)
		for (j = i + 1; j < prof->n_string_table; j++)
			if (!strcmp(prof->string_table[i], prof->string_table[j]))
				fail_msg("string \"%s\" at %zu and %zu", prof->string_table[i], i, j);
}

static size_t count_string(const pb_profile *prof, const char *s)
{
	size_t i, n = 0;

	for (i = 0; i < prof->n_string_table; i++)
		n += !strcmp(prof->string_table[i], s);
	return n;
}

static void test_structure(void **state)
{
	/* Same labels in another order: the same sample. */
	static const struct pprof_label leak_swapped[2] = {
		{ "created_by", "main.go:62 main.handleSearch" }, { "wait_reason", "chan send" },
	};
	static const struct pprof_label leak_select[2] = {
		{ "created_by", "main.go:62 main.handleSearch" }, { "wait_reason", "select" },
	};
	struct pprof_profile *p = pprof_new("goroutine", "count");
	const Perftools__Profiles__Sample *s;
	pb_profile *prof;
	size_t i;

	assert_non_null(p);
	pprof_set_time(p, 1700000000000000000LL, 5000000000LL);
	assert_int_equal(pprof_add_comment(p, "gostray test"), 0);
	assert_int_equal(pprof_add_comment(p, "gostray test"), 0);
	assert_int_equal(pprof_set_main_mapping(p, 0x400000, 0x403000, 0, "/src/leaky/leaky",
						"abc123"), 0);
	assert_int_equal(pprof_add_sample(p, leak_stack, 3, 2, leak_labels, 2), 0);
	assert_int_equal(pprof_add_sample(p, worker_stack, 2, 1, worker_labels, 1), 0);
	assert_int_equal(pprof_add_sample(p, leak_stack, 3, 3, leak_swapped, 2), 0);
	assert_int_equal(pprof_add_sample(p, leak_stack, 3, 7, leak_select, 2), 0);
	assert_int_equal(pprof_add_sample(p, worker_stack, 2, 4, worker_labels, 1), 0);
	assert_int_equal(pprof_sample_count(p), 3);
	prof = write_and_read(p, "structure.pb.gz");
	pprof_free(p);

	assert_int_equal(prof->n_sample_type, 1);
	assert_string_equal(str(prof, prof->sample_type[0]->type), "goroutine");
	assert_string_equal(str(prof, prof->sample_type[0]->unit), "count");
	assert_non_null(prof->period_type);
	assert_string_equal(str(prof, prof->period_type->type), "goroutine");
	assert_string_equal(str(prof, prof->period_type->unit), "count");
	assert_int_equal(prof->period, 1);
	assert_int_equal(prof->time_nanos, 1700000000000000000LL);
	assert_int_equal(prof->duration_nanos, 5000000000LL);
	assert_int_equal(prof->n_comment, 2);
	assert_string_equal(str(prof, prof->comment[0]), "gostray test");
	assert_int_equal(prof->comment[0], prof->comment[1]);

	/* In order of first appearance; merged values summed. */
	assert_int_equal(prof->n_sample, 3);
	s = prof->sample[0];
	assert_int_equal(s->n_value, 1);
	assert_int_equal(s->value[0], 5);
	assert_stack(prof, s, leak_stack, 3);
	assert_int_equal(s->n_label, 2);	/* sorted by key */
	assert_label(prof, s, 0, "created_by", "main.go:62 main.handleSearch");
	assert_label(prof, s, 1, "wait_reason", "chan send");
	s = prof->sample[1];
	assert_int_equal(s->value[0], 5);
	assert_stack(prof, s, worker_stack, 2);
	assert_int_equal(s->n_label, 1);
	assert_label(prof, s, 0, "wait_reason", "chan receive");
	s = prof->sample[2];
	assert_int_equal(s->value[0], 7);
	assert_stack(prof, s, leak_stack, 3);
	assert_label(prof, s, 1, "wait_reason", "select");
	/* One location per PC, shared by the stacks. */
	assert_int_equal(prof->sample[0]->location_id[0], prof->sample[1]->location_id[0]);
	assert_int_equal(prof->sample[0]->location_id[1], prof->sample[2]->location_id[1]);

	/* The inlined PC: innermost first, the function it was inlined into last. */
	assert_int_equal(prof->n_location, 4);
	assert_int_equal(location(prof, 2)->n_line, 2);
	assert_string_equal(str(prof, function(prof, location(prof, 2)->line[0]->function_id)->name),
			    "main.send");
	assert_string_equal(str(prof, function(prof, location(prof, 2)->line[1]->function_id)->name),
			    "main.handleSearch.func1");

	assert_int_equal(prof->n_function, 5);
	assert_int_equal(prof->n_mapping, 1);
	assert_int_equal(prof->mapping[0]->id, 1);
	assert_int_equal(prof->mapping[0]->memory_start, 0x400000);
	assert_int_equal(prof->mapping[0]->memory_limit, 0x403000);
	assert_string_equal(str(prof, prof->mapping[0]->filename), "/src/leaky/leaky");
	assert_string_equal(str(prof, prof->mapping[0]->build_id), "abc123");
	assert_true(prof->mapping[0]->has_functions && prof->mapping[0]->has_filenames &&
		    prof->mapping[0]->has_line_numbers && prof->mapping[0]->has_inline_frames);
	/* Inside [start, limit) the mapping, outside none. */
	for (i = 1; i <= prof->n_location; i++)
		assert_int_equal(location(prof, i)->mapping_id,
				 location(prof, i)->address < 0x403000 ? 1 : 0);

	assert_strings_unique(prof);
	assert_int_equal(count_string(prof, "/src/leaky/main.go"), 1);
	perftools__profiles__profile__free_unpacked(prof, NULL);
}

/* Functions are one per name, file and start line. */
static void test_function_identity(void **state)
{
	static const struct pprof_line a[3] = {
		{ "main.f", "a.go", 10, 5 }, { "main.f", "a.go", 12, 5 }, { "main.f", "a.go", 30, 25 },
	};
	static const struct pprof_line b = { "main.f", "b.go", 10, 5 };
	struct pprof_location locs[4] = {
		{ 0x10, &a[0], 1 }, { 0x20, &a[1], 1 }, { 0x30, &a[2], 1 }, { 0x40, &b, 1 },
	};
	struct pprof_profile *p = pprof_new("goroutine", "count");
	pb_profile *prof;

	assert_int_equal(pprof_add_sample(p, locs, 4, 1, NULL, 0), 0);
	/* The same PC with other lines is another location. */
	locs[0].lines = &a[1];
	assert_int_equal(pprof_add_sample(p, locs, 1, 1, NULL, 0), 0);
	prof = write_and_read(p, "functions.pb.gz");
	pprof_free(p);
	assert_int_equal(prof->n_function, 3);
	assert_int_equal(prof->n_location, 5);
	assert_int_equal(location(prof, 1)->line[0]->function_id,
			 location(prof, 2)->line[0]->function_id);
	assert_int_equal(location(prof, 5)->address, 0x10);
	assert_int_equal(location(prof, 5)->line[0]->line, 12);
	assert_int_equal(prof->n_mapping, 0);
	assert_int_equal(location(prof, 1)->mapping_id, 0);
	assert_int_equal(prof->n_sample, 2);
	assert_int_equal(prof->sample[0]->n_label, 0);
	perftools__profiles__profile__free_unpacked(prof, NULL);
}

/* Callers pass temporary buffers: nothing may point into them. */
static void test_inputs_copied(void **state)
{
	char fn[64], file[64], key[32], val[32];
	struct pprof_line line = { fn, file, 7, 1 };
	struct pprof_location loc = { 0x1234, &line, 1 };
	struct pprof_label lab = { key, val };
	struct pprof_profile *p = pprof_new("goroutine", "count");
	pb_profile *prof;

	strcpy(fn, "main.temp");
	strcpy(file, "temp.go");
	strcpy(key, "k");
	strcpy(val, "v");
	assert_int_equal(pprof_add_sample(p, &loc, 1, 1, &lab, 1), 0);
	memset(fn, 'X', sizeof(fn) - 1);
	memset(file, 'X', sizeof(file) - 1);
	strcpy(key, "K");
	strcpy(val, "V");
	loc.address = 0;
	prof = write_and_read(p, "copied.pb.gz");
	pprof_free(p);
	assert_int_equal(prof->n_sample, 1);
	assert_int_equal(location(prof, 1)->address, 0x1234);
	assert_string_equal(str(prof, function(prof, 1)->name), "main.temp");
	assert_string_equal(str(prof, function(prof, 1)->filename), "temp.go");
	assert_label(prof, prof->sample[0], 0, "k", "v");
	perftools__profiles__profile__free_unpacked(prof, NULL);
}

/* NULL strings, limits, saturation: errors are returned, nothing crashes. */
static void test_bad_input(void **state)
{
	struct pprof_line null_line = { NULL, NULL, 1, 0 };
	struct pprof_line lines[PPROF_MAX_LINES + 1];
	struct pprof_location loc = { 0x99, &null_line, 1 };
	struct pprof_location *deep = calloc(PPROF_MAX_LOCS + 10, sizeof(*deep));
	struct pprof_label null_label = { NULL, NULL };
	struct pprof_label labels[PPROF_MAX_LABELS + 1];
	struct pprof_profile *p = pprof_new(NULL, NULL);
	char *longname = malloc(PPROF_MAX_STRLEN + 100);
	struct pprof_line long_line = { longname, "x.go", 1, 0 };
	pb_profile *prof;
	size_t i;

	assert_non_null(p);
	assert_non_null(deep);
	assert_non_null(longname);
	memset(longname, 'a', PPROF_MAX_STRLEN + 99);
	longname[PPROF_MAX_STRLEN + 99] = '\0';
	for (i = 0; i < PPROF_MAX_LINES + 1; i++)
		lines[i] = (struct pprof_line){ "f", "f.go", (int64_t)i, 0 };
	for (i = 0; i < PPROF_MAX_LABELS + 1; i++)
		labels[i] = (struct pprof_label){ "k", "v" };

	assert_int_equal(pprof_add_sample(NULL, &loc, 1, 1, NULL, 0), -EINVAL);
	assert_int_equal(pprof_add_sample(p, NULL, 1, 1, NULL, 0), -EINVAL);
	assert_int_equal(pprof_add_sample(p, &loc, 1, 1, NULL, 1), -EINVAL);
	loc.lines = NULL;
	assert_int_equal(pprof_add_sample(p, &loc, 1, 1, NULL, 0), -EINVAL);
	loc.lines = lines;
	loc.nlines = PPROF_MAX_LINES + 1;
	assert_int_equal(pprof_add_sample(p, &loc, 1, 1, NULL, 0), -E2BIG);
	loc.lines = &null_line;
	loc.nlines = 1;
	assert_int_equal(pprof_add_sample(p, &loc, 1, 1, labels, PPROF_MAX_LABELS + 1), -E2BIG);
	assert_int_equal(pprof_add_comment(NULL, "x"), -EINVAL);
	assert_int_equal(pprof_set_main_mapping(NULL, 0, 1, 0, "x", "y"), -EINVAL);
	assert_int_equal(pprof_write_gz(NULL, "/nonexistent", NULL, 0), -EINVAL);
	pprof_set_time(NULL, 1, 1);
	pprof_free(NULL);
	assert_int_equal(pprof_sample_count(NULL), 0);

	/* NULL strings are "": sample 1. */
	assert_int_equal(pprof_add_sample(p, &loc, 1, INT64_MAX, &null_label, 1), 0);
	assert_int_equal(pprof_add_sample(p, &loc, 1, 5, &null_label, 1), 0);
	assert_int_equal(pprof_add_comment(p, NULL), 0);
	assert_int_equal(pprof_set_main_mapping(p, 0, 0x100, 0, NULL, NULL), 0);
	/* An empty stack is a sample too: 2. */
	assert_int_equal(pprof_add_sample(p, NULL, 0, INT64_MIN, NULL, 0), 0);
	assert_int_equal(pprof_add_sample(p, NULL, 0, -1, NULL, 0), 0);
	/* Too deep: the innermost PPROF_MAX_LOCS frames are kept: 3. */
	for (i = 0; i < PPROF_MAX_LOCS + 10; i++)
		deep[i] = (struct pprof_location){ 0x1000 + i, &lines[0], 1 };
	assert_int_equal(pprof_add_sample(p, deep, PPROF_MAX_LOCS + 10, 1, NULL, 0), 0);
	/* 64 labels are fine: 4. */
	assert_int_equal(pprof_add_sample(p, &loc, 1, 1, labels, PPROF_MAX_LABELS), 0);
	/* A name longer than the limit is cut: 5. */
	loc.lines = &long_line;
	assert_int_equal(pprof_add_sample(p, &loc, 1, 1, NULL, 0), 0);
	assert_int_equal(pprof_sample_count(p), 5);

	prof = write_and_read(p, "bad.pb.gz");
	pprof_free(p);
	assert_strings_unique(prof);
	assert_string_equal(str(prof, prof->sample_type[0]->type), "");
	assert_int_equal(prof->n_sample, 5);
	assert_int_equal(prof->sample[0]->value[0], INT64_MAX);	/* saturated */
	assert_string_equal(str(prof, prof->sample[0]->label[0]->key), "");
	assert_string_equal(str(prof, function(prof, 1)->name), "");
	assert_int_equal(prof->sample[1]->n_location_id, 0);
	assert_int_equal(prof->sample[1]->value[0], INT64_MIN);
	assert_int_equal(prof->sample[2]->n_location_id, PPROF_MAX_LOCS);
	assert_int_equal(location(prof, prof->sample[2]->location_id[0])->address, 0x1000);
	assert_int_equal(location(prof, prof->sample[2]->location_id[PPROF_MAX_LOCS - 1])->address,
			 0x1000 + PPROF_MAX_LOCS - 1);
	assert_int_equal(prof->sample[3]->n_label, PPROF_MAX_LABELS);
	assert_int_equal(strlen(str(prof, function(prof, prof->n_function)->name)),
			 PPROF_MAX_STRLEN);
	perftools__profiles__profile__free_unpacked(prof, NULL);
	free(deep);
	free(longname);
}

/* Memory grows with distinct stacks only; the hash tables grow correctly. */
static void test_many_samples(void **state)
{
	struct pprof_profile *p = pprof_new("goroutine", "count");
	struct pprof_line l = { "main.f", "f.go", 0, 0 };
	struct pprof_location locs[2] = { { 0, &park, 1 }, { 0, &l, 1 } };
	pb_profile *prof;
	uint64_t sum = 0;
	size_t i;

	for (i = 0; i < 200000; i++) {
		locs[1].address = 0x500000 + (i % 5000) * 4;
		l.line = i % 5000;
		assert_int_equal(pprof_add_sample(p, locs, 2, 1, worker_labels, 1), 0);
	}
	assert_int_equal(pprof_sample_count(p), 5000);
	prof = write_and_read(p, "many.pb.gz");
	pprof_free(p);
	assert_int_equal(prof->n_sample, 5000);
	assert_int_equal(prof->n_location, 5001);
	assert_int_equal(prof->n_function, 2);
	for (i = 0; i < prof->n_sample; i++) {
		assert_int_equal(prof->sample[i]->value[0], 40);
		sum += prof->sample[i]->value[0];
		assert_int_equal(location(prof, prof->sample[i]->location_id[1])->line[0]->line, i);
	}
	assert_int_equal(sum, 200000);
	perftools__profiles__profile__free_unpacked(prof, NULL);
}

static int count_leftovers(void)
{
	DIR *d = opendir(pprof_tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)))
		n += strstr(e->d_name, ".pb.gz.") != NULL;
	closedir(d);
	return n;
}

static void assert_one_line(const char *err, const char *needle)
{
	if (!strstr(err, needle))
		fail_msg("error \"%s\" does not say \"%s\"", err, needle);
	assert_null(strchr(err, '\n'));
}

/* Never through a symlink, never world-writable, nothing half-written. */
static void test_output_file(void **state)
{
	struct pprof_profile *p = leak_profile(150);
	char *out = path_in_tmp("out.pb.gz"), *victim = path_in_tmp("victim");
	char *link = path_in_tmp("link.pb.gz"), *nodir = path_in_tmp("nodir/x.pb.gz");
	char *nl = path_in_tmp("bad\nname/x.pb.gz");
	char err[512], buf[16];
	struct rlimit fsize, small;
	pb_profile *prof;
	struct stat st;
	int ret;
	mode_t old;
	FILE *f;
	int fd;

	/* Replaces a regular file, mode 0644 whatever the umask. */
	f = fopen(out, "w");
	assert_non_null(f);
	fputs("old", f);
	fclose(f);
	assert_int_equal(chmod(out, 0666), 0);
	old = umask(0);
	assert_int_equal(pprof_write_gz(p, out, err, sizeof(err)), 0);
	umask(old);
	assert_int_equal(lstat(out, &st), 0);
	assert_true(S_ISREG(st.st_mode));
	assert_int_equal(st.st_mode & 07777, 0644);
	prof = read_profile(out);
	assert_int_equal(prof->n_sample, 2);
	perftools__profiles__profile__free_unpacked(prof, NULL);

	/* A planted symlink is neither followed nor replaced. */
	f = fopen(victim, "w");
	assert_non_null(f);
	fputs("victim", f);
	fclose(f);
	assert_int_equal(symlink(victim, link), 0);
	assert_int_equal(pprof_write_gz(p, link, err, sizeof(err)), -ELOOP);
	assert_one_line(err, "symbolic link");
	assert_one_line(err, link);
	f = fopen(victim, "r");
	assert_non_null(f);
	assert_non_null(fgets(buf, sizeof(buf), f));
	fclose(f);
	assert_string_equal(buf, "victim");
	assert_int_equal(lstat(link, &st), 0);
	assert_true(S_ISLNK(st.st_mode));

	assert_int_equal(pprof_write_gz(p, pprof_tmpdir, err, sizeof(err)), -EISDIR);
	assert_one_line(err, "not a regular file");
	assert_int_equal(pprof_write_gz(p, nodir, err, sizeof(err)), -ENOENT);
	assert_one_line(err, "No such file or directory");
	assert_one_line(err, nodir);
	assert_int_equal(pprof_write_gz(p, nl, err, sizeof(err)), -ENOENT);
	assert_one_line(err, "bad?name");
	/* A write that fails halfway: the old file stays, the new one goes. */
	assert_int_equal(getrlimit(RLIMIT_FSIZE, &fsize), 0);
	small = fsize;
	small.rlim_cur = 64;
	signal(SIGXFSZ, SIG_IGN);
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &small), 0);
	ret = pprof_write_gz(p, out, err, sizeof(err));
	assert_int_equal(setrlimit(RLIMIT_FSIZE, &fsize), 0);
	signal(SIGXFSZ, SIG_DFL);
	assert_int_equal(ret, -EFBIG);
	assert_one_line(err, "File too large");
	assert_one_line(err, out);
	prof = read_profile(out);
	assert_int_equal(prof->n_sample, 2);
	perftools__profiles__profile__free_unpacked(prof, NULL);
	/* A full disk through an fd: the error names the cause. */
	if (!access("/dev/full", W_OK)) {
		fd = open("/dev/full", O_WRONLY | O_CLOEXEC);
		assert_true(fd >= 0);
		assert_int_equal(pprof_write_gz_fd(p, fd, err, sizeof(err)), -ENOSPC);
		assert_one_line(err, "No space left on device");
		close(fd);
	}
	assert_int_equal(count_leftovers(), 0);

	/* To an fd: the same stream, the fd left open. */
	fd = open(out, O_WRONLY | O_TRUNC | O_CLOEXEC);
	assert_true(fd >= 0);
	assert_int_equal(pprof_write_gz_fd(p, fd, err, sizeof(err)), 0);
	assert_int_equal(close(fd), 0);
	prof = read_profile(out);
	assert_int_equal(prof->n_sample, 2);
	assert_int_equal(prof->sample[0]->value[0], 150);
	perftools__profiles__profile__free_unpacked(prof, NULL);
	assert_int_equal(pprof_write_gz_fd(p, -1, err, sizeof(err)), -EINVAL);

	pprof_free(p);
	free(out);
	free(victim);
	free(link);
	free(nodir);
	free(nl);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_structure),
		cmocka_unit_test(test_function_identity),
		cmocka_unit_test(test_inputs_copied),
		cmocka_unit_test(test_bad_input),
		cmocka_unit_test(test_many_samples),
		cmocka_unit_test(test_output_file),
	};

	return cmocka_run_group_tests(tests, pprof_tmpdir_make, pprof_tmpdir_remove);
}
