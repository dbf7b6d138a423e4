// SPDX-License-Identifier: BSD-2-Clause
/*
 * gobin on damaged and unusual copies of the fixtures (tests/unit/fixture.h):
 * a pre-1.18 buildinfo pointer, a planted version decoy, every source of
 * the text start, non-Go, unsupported, truncated and corrupted files -
 * rejected with a one-line reason, never a crash (run under `make
 * SANITIZE=1` to catch bad reads).
 */
#include <elf.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <inttypes.h>
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

#include "binary/elfimage.h"
#include "binary/gobin.h"
#include "fixture.h"

/* Go before 1.18 wrote a pointer to runtime.buildVersion's string header
 * into .go.buildinfo instead of the string: rewrite a 1.19 header that way. */
static void test_buildinfo_pointer_format(void **state)
{
	char orig[PATH_MAX], path[PATH_MAX], version[128];
	uint64_t bi_vaddr, bi_off, header;
	uint8_t flags = 0;
	struct gobin *gb;

	fixture_path(orig, sizeof(orig), "1.19", "static", false);
	go_version_of(orig, version, sizeof(version));
	tmp_path(path, sizeof(path), "pointer-buildinfo");
	copy_file(orig, path, SIZE_MAX);
	bi_off = section_offset(orig, ".go.buildinfo", &bi_vaddr);
	header = symbol_value(orig, "runtime.buildVersion");
	patch_file(path, bi_off + 15, &flags, 1);
	patch_file(path, bi_off + 16, &header, 8);

	gb = open_ok(path);
	assert_string_equal(gobin_go_version(gb), version);
	assert_int_equal(gobin_version_source(gb), GOBIN_SRC_BUILDINFO);
	gobin_close(gb);

	/* a pointer that leads nowhere is not a version */
	header = UINT64_MAX - 8;
	patch_file(path, bi_off + 16, &header, 8);
	gb = open_ok(path);
	assert_int_not_equal(gobin_version_source(gb), GOBIN_SRC_BUILDINFO);
	gobin_close(gb);
}

/*
 * Without buildinfo, a "go1.N" that no string header points to is not the
 * runtime's version: plant one before the real string and expect the
 * real one, found through runtime.buildVersion's header (in a PIE, in a
 * relocation).
 */
static void test_rodata_version_decoy(void **state)
{
	static const char decoy[] = "go1.99.9";
	static const char *const kinds[] = { "static-stripped", "pie-stripped" };
	char orig[PATH_MAX], path[PATH_MAX], version[128];
	struct gobin *gb;
	size_t i;

	for (i = 0; i < sizeof(kinds) / sizeof(*kinds); i++) {
		fixture_path(orig, sizeof(orig), "1.19", kinds[i], false);
		go_version_of(orig, version, sizeof(version));
		tmp_path(path, sizeof(path), "decoy");
		copy_file(orig, path, SIZE_MAX);
		wipe_buildinfo(path, orig);
		patch_file(path, section_offset(orig, ".rodata", NULL), decoy, strlen(decoy));
		gb = open_ok(path);
		assert_int_equal(gobin_version_source(gb), GOBIN_SRC_RODATA);
		assert_string_equal(gobin_go_version(gb), version);
		gobin_close(gb);
	}
}

static uint64_t text_start_of(const char *path)
{
	struct gobin *gb = open_ok(path);
	uint64_t text = gobin_text_start(gb);
	struct gobin_func fn;

	assert_int_equal(gobin_find_func(gb, "main.drain", &fn), 0);
	assert_hello_pos(gb, fn.entry, "main.drain", HELLO_DRAIN_LINE);
	gobin_close(gb);
	return text;
}

/*
 * Go 1.26 writes 0 into pcHeader.textStart: moduledata.text must do.
 * Without a recognisable moduledata, pcHeader.textStart (1.18-1.25) is
 * the fallback; without either, opening fails and says why.
 */
static void test_text_start_sources(void **state)
{
	static const uint64_t zero;
	char orig[PATH_MAX], path[PATH_MAX];
	uint64_t want, pcln_off, moduledata_off;
	struct gobin *gb;

	fixture_path(orig, sizeof(orig), "1.19", "static", false);
	want = symbol_value(orig, "runtime.text");
	pcln_off = section_offset(orig, ".gopclntab", NULL);
	gb = open_ok(orig);
	assert_int_equal(gobin_vaddr_to_offset(gb, symbol_value(orig, "runtime.firstmoduledata"),
					       &moduledata_off), 0);
	gobin_close(gb);
	tmp_path(path, sizeof(path), "textstart");

	copy_file(orig, path, SIZE_MAX);
	patch_file(path, pcln_off + 24, &zero, 8);
	assert_int_equal(text_start_of(path), want);

	copy_file(orig, path, SIZE_MAX);
	patch_file(path, moduledata_off, &zero, 8);
	assert_int_equal(text_start_of(path), want);

	patch_file(path, pcln_off + 24, &zero, 8);
	expect_open_error(path, "cannot find the Go text start");
}

static void test_not_go_binaries(void **state)
{
	char path[PATH_MAX];
	struct gobin *gb = (void *)1;
	char err[256];
	FILE *f;

	expect_open_error("/bin/true", "not a Go binary: no Go pclntab found");
	tmp_path(path, sizeof(path), "text");
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho not ELF\n", f);
	fclose(f);
	expect_open_error(path, "not an ELF file");
	tmp_path(path, sizeof(path), "empty");
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	expect_open_error(path, "not an ELF file");
	assert_int_equal(gobin_open("/nonexistent/gostray", &gb, err, sizeof(err)), -ENOENT);
	assert_null(gb);
	assert_non_null(strstr(err, "cannot open /nonexistent/gostray"));
}

static void test_unsupported_pclntab(void **state)
{
	static const uint8_t go115_magic[4] = { 0xfb, 0xff, 0xff, 0xff };
	char orig[PATH_MAX], path[PATH_MAX];

	fixture_path(orig, sizeof(orig), "1.19", "static-stripped", false);
	tmp_path(path, sizeof(path), "go115");
	copy_file(orig, path, SIZE_MAX);
	patch_file(path, section_offset(orig, ".gopclntab", NULL), go115_magic, 4);
	expect_open_error(path, "unsupported pclntab format 0xfffffffb");
	/* without section headers the same table is not recognised at all */
	strip_section_headers(path);
	expect_open_error(path, "not a Go binary: no Go pclntab found");
}

/* Drive every entry point of an opened (possibly damaged) binary. */
static int exercise_cb(const struct gobin_func *fn, void *ctx)
{
	struct gobin_pcinfo pi;

	if (!gobin_pc_lookup(ctx, fn->entry, &pi))
		assert_non_null(pi.file);
	return 0;
}

static void exercise(struct gobin *gb)
{
	struct gobin_pcinfo pi;
	struct gobin_func fn;
	struct gobin_var v;
	size_t i;

	gobin_go_version(gb);
	gobin_for_each_func(gb, "", exercise_cb, gb);
	for (i = 0; i < sizeof(runtime_funcs) / sizeof(*runtime_funcs); i++)
		if (!gobin_find_func(gb, runtime_funcs[i], &fn))
			gobin_pc_lookup(gb, fn.entry + 1, &pi);
	for (i = 0; i < 3; i++)
		gobin_find_var(gb, allg_vars[i], &v);
}

/* A prefix of the file: an error naming the problem, or (when the cut
 * falls after everything gobin needs) a usable result; never a crash. */
static void test_truncated(void **state)
{
	char orig[PATH_MAX], path[PATH_MAX];
	struct stat st;
	size_t cut;

	fixture_path(orig, sizeof(orig), "1.19", "static-stripped", false);
	assert_int_equal(stat(orig, &st), 0);
	tmp_path(path, sizeof(path), "truncated");

	copy_file(orig, path, 10);
	expect_open_error(path, "not an ELF file");
	copy_file(orig, path, sizeof(Elf64_Ehdr));
	expect_open_error(path, "no program headers");
	copy_file(orig, path, 4096);
	expect_open_error(path, "not a Go binary: no Go pclntab found");

	for (cut = 8192; cut < (size_t)st.st_size; cut += st.st_size / 23) {
		struct gobin *gb = NULL;
		char err[256] = "";

		copy_file(orig, path, cut);
		if (gobin_open(path, &gb, err, sizeof(err))) {
			assert_true(err[0] != '\0');
			assert_null(strchr(err, '\n'));
			continue;
		}
		exercise(gb);
		gobin_close(gb);
	}
}

/* Where test_corrupted damages a copy, by round. */
enum damage_area { DAMAGE_ELF_HEADER, DAMAGE_PCLN_HEADER, DAMAGE_PCLN_BODY,
		   DAMAGE_BUILDINFO, DAMAGE_AREAS };

/* Deterministic random damage to one area per round; damaged headers must
 * be refused, damaged tables must still never be read out of bounds. */
static void test_corrupted(void **state)
{
	char orig[PATH_MAX], path[PATH_MAX];
	uint64_t pcln_off, bi_off;
	unsigned int seed = 1, round;
	int opened[DAMAGE_AREAS] = { 0 };

	fixture_path(orig, sizeof(orig), "1.19", "pie-stripped", false);
	pcln_off = section_offset(orig, ".data.rel.ro.gopclntab", NULL);
	bi_off = section_offset(orig, ".go.buildinfo", NULL);
	tmp_path(path, sizeof(path), "corrupted");

	for (round = 0; round < 80; round++) {
		enum damage_area area = round % DAMAGE_AREAS;
		static const uint64_t span[DAMAGE_AREAS] = { 64, 72, 300000, 64 };
		uint64_t base = area == DAMAGE_ELF_HEADER ? 0 :
				area == DAMAGE_BUILDINFO ? bi_off :
				area == DAMAGE_PCLN_BODY ? pcln_off + 72 : pcln_off;
		struct gobin *gb = NULL;
		char err[256] = "";
		int k;

		copy_file(orig, path, SIZE_MAX);
		if (round % 3 == 2)
			strip_section_headers(path);
		for (k = 0; k < 24; k++) {
			uint8_t junk = (uint8_t)rand_r(&seed);

			patch_file(path, base + (uint64_t)rand_r(&seed) % span[area], &junk, 1);
		}
		if (gobin_open(path, &gb, err, sizeof(err))) {
			assert_true(err[0] != '\0');
			assert_null(strchr(err, '\n'));
			continue;
		}
		opened[area]++;
		exercise(gb);
		gobin_close(gb);
	}
	/* damage inside the function table leaves the header usable */
	assert_true(opened[DAMAGE_PCLN_BODY] > 0);
	assert_true(opened[DAMAGE_BUILDINFO] > 0);
}

static void test_source_names(void **state)
{
	assert_string_equal(gobin_source_name(GOBIN_SRC_SYMTAB), "symtab");
	assert_string_equal(gobin_source_name(GOBIN_SRC_PCLNTAB), "pclntab");
	assert_string_equal(gobin_source_name(GOBIN_SRC_DISASM), "disassembly");
	assert_string_equal(gobin_source_name(GOBIN_SRC_RODATA), "rodata");
	assert_string_equal(gobin_source_name(GOBIN_SRC_BUILDINFO), "buildinfo");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_buildinfo_pointer_format),
		cmocka_unit_test(test_rodata_version_decoy),
		cmocka_unit_test(test_text_start_sources),
		cmocka_unit_test(test_not_go_binaries),
		cmocka_unit_test(test_unsupported_pclntab),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_source_names),
	};

	return cmocka_run_group_tests(tests, fixture_tmpdir_make, fixture_tmpdir_remove);
}
