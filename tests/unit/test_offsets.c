// SPDX-License-Identifier: BSD-2-Clause
/*
 * Struct offsets.
 *
 * - The DWARF of the fixtures tests/build-go.sh built ($GOSTRAY_FIXTURES,
 *   default build/go; go1.19 always, plus $GOSTRAY_GO_VERSIONS) gives
 *   exactly the built-in table's row for that Go version, in every shape
 *   (static, PIE, cgo, external PIE); go_offsets_resolve() takes DWARF and
 *   notes no disagreement.  Their stripped twins give -ENODATA and resolve
 *   to the table.  Missing fixtures fail the test.
 * - The same binary with its DWARF re-compressed GNU-style (.zdebug_*) or
 *   uncompressed gives the same offsets (objcopy makes the copies).
 * - Unstripped real programs of versions with no toolchain here
 *   (buildifier 4.2.5 = Go 1.17 with .zdebug_info, 6.1.2 = Go 1.20, from
 *   tools/fetch-real-programs.sh's cache) match the table rows taken from
 *   docs/go-runtime.md § The g structure.  Not cached: a failure unless GOSTRAY_REAL_SKIP is set.
 * - Known moves: goid at 160 in 1.23/1.24 and 152 otherwise, and others.
 * - Versions outside 1.17..1.27 are refused by the table, and by resolve
 *   when there is no DWARF (a stripped fixture whose version strings were
 *   patched to go1.99).
 * - System goroutines as NumGoroutine() leaves them out, per version.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <libelf.h>
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
#include "binary/offsets.h"

#define REAL_CACHE_DEFAULT "/var/cache/gostray/real"

static char tmpdir[] = "/tmp/test_offsets.XXXXXX";

static const char *fixtures_dir(void)
{
	const char *d = getenv("GOSTRAY_FIXTURES");

	return d && *d ? d : "build/go";
}

static void fixture_path(char *buf, size_t len, const char *ver, const char *variant)
{
	snprintf(buf, len, "%s/go%s/hello.%s", fixtures_dir(), ver, variant);
	if (access(buf, R_OK))
		fail_msg("fixture %s missing: run make fixtures", buf);
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

/* DWARF of path == the table row of minor, directly and through resolve. */
static void check_dwarf_binary(const char *path, int minor)
{
	struct go_offsets table, dwarf, resolved;
	struct gobin *gb = NULL;
	char err[256] = "";

	assert_int_equal(go_offsets_from_table(minor, &table), 0);
	assert_int_equal(table.src, GOBIN_SRC_TABLE);
	if (go_offsets_from_dwarf(path, &dwarf, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	assert_int_equal(dwarf.src, GOBIN_SRC_DWARF);
	assert_same_offsets(&dwarf, &table);

	if (gobin_open(path, &gb, err, sizeof(err)))
		fail_msg("gobin_open %s: %s", path, err);
	assert_int_equal(gobin_go_minor(gb), minor);
	assert_true(gobin_has_dwarf(gb));
	assert_int_equal(go_offsets_resolve(gb, &resolved, err, sizeof(err)), 0);
	assert_int_equal(resolved.src, GOBIN_SRC_DWARF);
	assert_string_equal(err, "");	/* no DWARF/table disagreement */
	gobin_close(gb);
}

static void check_stripped_binary(const char *path, int minor)
{
	struct go_offsets table, dwarf, resolved;
	struct gobin *gb = NULL;
	char err[256] = "";

	assert_int_equal(go_offsets_from_table(minor, &table), 0);
	assert_int_equal(go_offsets_from_dwarf(path, &dwarf, err, sizeof(err)), -ENODATA);
	assert_true(err[0] != '\0');
	if (gobin_open(path, &gb, err, sizeof(err)))
		fail_msg("gobin_open %s: %s", path, err);
	assert_false(gobin_has_dwarf(gb));
	assert_int_equal(go_offsets_resolve(gb, &resolved, err, sizeof(err)), 0);
	assert_int_equal(resolved.src, GOBIN_SRC_TABLE);
	assert_same_offsets(&resolved, &table);
	gobin_close(gb);
}

static void check_version(const char *ver)
{
	static const char *const variants[] = { "static", "pie", "cgo", "extpie" };
	int minor = atoi(strchr(ver, '.') + 1);
	char path[512], variant[64];
	size_t i;

	for (i = 0; i < sizeof(variants) / sizeof(*variants); i++) {
		fixture_path(path, sizeof(path), ver, variants[i]);
		check_dwarf_binary(path, minor);
		snprintf(variant, sizeof(variant), "%s-stripped", variants[i]);
		fixture_path(path, sizeof(path), ver, variant);
		check_stripped_binary(path, minor);
	}
}

/* go1.19 always: the fixtures every make fixtures builds. */
static void test_dwarf_equals_table_go1_19(void **state)
{
	check_version("1.19");
}

static void test_dwarf_equals_table_other_versions(void **state)
{
	const char *env = getenv("GOSTRAY_GO_VERSIONS");
	char list[256], *tok, *save = NULL;

	snprintf(list, sizeof(list), "%s", env ? env : "");
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save))
		if (strcmp(tok, "1.19"))
			check_version(tok);
}

/* Sections of path named name, and how many of them are SHF_COMPRESSED. */
static int count_sections(const char *path, const char *name, int *compressed)
{
	Elf_Scn *scn = NULL;
	size_t shstrndx;
	int fd, n = 0;
	Elf *elf;

	*compressed = 0;
	elf_version(EV_CURRENT);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	assert_true(fd >= 0);
	elf = elf_begin(fd, ELF_C_READ, NULL);
	assert_non_null(elf);
	assert_int_equal(elf_getshdrstrndx(elf, &shstrndx), 0);
	while ((scn = elf_nextscn(elf, scn))) {
		GElf_Shdr sh;
		const char *s;

		if (!gelf_getshdr(scn, &sh))
			continue;
		s = elf_strptr(elf, shstrndx, sh.sh_name);
		if (s && !strcmp(s, name)) {
			n++;
			if (sh.sh_flags & SHF_COMPRESSED)
				(*compressed)++;
		}
	}
	elf_end(elf);
	close(fd);
	return n;
}

static void objcopy(const char *how, const char *in, const char *out)
{
	char cmd[2048];

	snprintf(cmd, sizeof(cmd), "objcopy %s '%s' '%s' 2>/dev/null", how, in, out);
	if (system(cmd))
		fail_msg("'%s' failed (binutils' objcopy needed)", cmd);
}

/* Go's linker writes SHF_COMPRESSED .debug_*; older linkers (Go 1.17's
 * buildifier below) wrote GNU .zdebug_*; debuggers may decompress. */
static void test_compressed_and_plain_dwarf(void **state)
{
	char in[512], gnu[512], plain[512];
	int compressed;

	fixture_path(in, sizeof(in), "1.19", "static");
	assert_int_equal(count_sections(in, ".debug_info", &compressed), 1);
	assert_int_equal(compressed, 1);

	snprintf(gnu, sizeof(gnu), "%s/hello.zdebug", tmpdir);
	objcopy("--compress-debug-sections=zlib-gnu", in, gnu);
	assert_int_equal(count_sections(gnu, ".zdebug_info", &compressed), 1);
	assert_int_equal(count_sections(gnu, ".debug_info", &compressed), 0);
	check_dwarf_binary(gnu, 19);

	snprintf(plain, sizeof(plain), "%s/hello.plain", tmpdir);
	objcopy("--decompress-debug-sections", in, plain);
	assert_int_equal(count_sections(plain, ".debug_info", &compressed), 1);
	assert_int_equal(compressed, 0);
	check_dwarf_binary(plain, 19);
}

/* CACHE/NAME.path holds the program's path relative to the cache. */
static bool real_program(const char *name, char *path, size_t len)
{
	const char *cache = getenv("GOSTRAY_REAL_CACHE");
	char file[512], rel[1024];
	bool ok = false;
	FILE *f;

	if (!cache || !*cache)
		cache = REAL_CACHE_DEFAULT;
	snprintf(file, sizeof(file), "%s/%s.path", cache, name);
	f = fopen(file, "r");
	if (!f)
		return false;
	if (fgets(rel, sizeof(rel), f)) {
		rel[strcspn(rel, "\n")] = '\0';
		snprintf(path, len, "%s/%s", cache, rel);
		ok = !access(path, R_OK);
	}
	fclose(f);
	return ok;
}

/* The table rows of 1.17 and 1.20 come from docs/go-runtime.md, not from a
 * toolchain: real unstripped binaries of those versions check them. */
static void test_real_programs_without_toolchain(void **state)
{
	static const struct { const char *name; int minor; const char *zsection; } progs[] = {
		{ "buildifier-4.2.5", 17, ".zdebug_info" },
		{ "buildifier-6.1.2", 20, ".debug_info" },
	};
	const char *skip = getenv("GOSTRAY_REAL_SKIP");
	char path[2048];
	int compressed;
	size_t i;

	for (i = 0; i < sizeof(progs) / sizeof(*progs); i++) {
		if (!real_program(progs[i].name, path, sizeof(path))) {
			if (skip && *skip) {
				printf("test_offsets: %s not cached (%s)\n", progs[i].name, skip);
				continue;
			}
			fail_msg("%s not cached: run tools/fetch-real-programs.sh %s "
				 "(or set GOSTRAY_REAL_SKIP=<reason>)", progs[i].name,
				 progs[i].name);
		}
		assert_int_equal(count_sections(path, progs[i].zsection, &compressed), 1);
		check_dwarf_binary(path, progs[i].minor);
	}
}

/* What moved between versions (docs/go-runtime.md § The g structure). */
static void test_known_moves(void **state)
{
	struct go_offsets o;
	int minor;

	for (minor = GO_MINOR_MIN; minor <= GO_MINOR_MAX; minor++) {
		assert_int_equal(go_offsets_from_table(minor, &o), 0);
		assert_int_equal(o.src, GOBIN_SRC_TABLE);
		assert_int_equal(o.g_goid, minor == 23 || minor == 24 ? 160 : 152);
		assert_int_equal(o.g_atomicstatus, o.g_goid - 8);
		assert_int_equal(o.g_stack_lo, 0);
		assert_int_equal(o.g_stack_hi, 8);
		assert_int_equal(o.g_m, 48);
		assert_int_equal(o.g_sched, 56);
		assert_true(minor >= 21 ? o.g_parent_goid != GO_NO_FIELD
					: o.g_parent_goid == GO_NO_FIELD);
		assert_int_equal(o.gobuf_sp, 0);
		assert_int_equal(o.gobuf_pc, 8);
		assert_int_equal(o.gobuf_bp, minor >= 25 ? 40 : 48);
		assert_int_equal(o.m_curg, minor >= 25 ? 184 : 192);
		assert_int_equal(o.m_procid, minor >= 25 ? 64 : 72);
	}
	assert_int_equal(go_offsets_from_table(19, &o), 0);
	assert_int_equal(o.g_gopc, 296);
	assert_int_equal(o.g_waitreason, 176);
	assert_int_equal(o.g_size, 392);
	assert_int_equal(go_offsets_from_table(21, &o), 0);
	assert_int_equal(o.g_gopc, 280);
	assert_int_equal(o.g_parent_goid, 272);
	assert_int_equal(go_offsets_from_table(23, &o), 0);
	assert_int_equal(o.g_waitreason, 184);
	assert_int_equal(o.g_gopc, 288);
	assert_int_equal(go_offsets_from_table(26, &o), 0);
	assert_int_equal(o.g_gopc, 288);
	assert_int_equal(o.g_startpc, 304);
	assert_int_equal(o.g_size, 456);
}

static void test_unknown_versions_rejected(void **state)
{
	struct go_offsets o;

	assert_int_equal(go_offsets_from_table(GO_MINOR_MIN - 1, &o), -ENOTSUP);
	assert_int_equal(go_offsets_from_table(GO_MINOR_MAX + 1, &o), -ENOTSUP);
	assert_int_equal(go_offsets_from_table(0, &o), -ENOTSUP);
	assert_int_equal(go_offsets_from_table(-19, &o), -ENOTSUP);
}

/* Replace every occurrence of from with to (same length) in a copy. */
static void patched_copy(const char *in, const char *out, const char *from, const char *to)
{
	size_t n = strlen(from), hits = 0;
	char *buf, *p;
	FILE *f;
	long len;

	f = fopen(in, "rb");
	assert_non_null(f);
	assert_int_equal(fseek(f, 0, SEEK_END), 0);
	len = ftell(f);
	rewind(f);
	buf = malloc(len);
	assert_non_null(buf);
	assert_int_equal(fread(buf, 1, len, f), (size_t)len);
	fclose(f);
	for (p = buf; (p = memmem(p, buf + len - p, from, n)); p += n, hits++)
		memcpy(p, to, n);
	assert_true(hits > 0);
	f = fopen(out, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(buf, 1, len, f), (size_t)len);
	fclose(f);
	free(buf);
}

/* A Go version gostray has no table for, and no DWARF: refuse, saying why. */
static void test_resolve_refuses_unknown_version_without_dwarf(void **state)
{
	char in[512], out[512], err[256] = "";
	struct go_offsets o;
	struct gobin *gb = NULL;

	fixture_path(in, sizeof(in), "1.19", "static-stripped");
	snprintf(out, sizeof(out), "%s/hello.go1.99", tmpdir);
	patched_copy(in, out, "go1.19.8", "go1.99.8");
	if (gobin_open(out, &gb, err, sizeof(err)))
		fail_msg("gobin_open %s: %s", out, err);
	assert_int_equal(gobin_go_minor(gb), 99);
	assert_int_equal(go_offsets_resolve(gb, &o, err, sizeof(err)), -ENOTSUP);
	assert_non_null(strstr(err, "go1.99.8"));
	assert_null(strchr(err, '\n'));
	gobin_close(gb);
}

static void test_no_dwarf_inputs(void **state)
{
	char path[512], err[256] = "";
	struct go_offsets o;
	FILE *f;

	/* An ELF without DWARF, a file that is not ELF, an empty file. */
	assert_int_equal(go_offsets_from_dwarf("/bin/true", &o, err, sizeof(err)), -ENODATA);
	assert_true(err[0] != '\0');
	snprintf(path, sizeof(path), "%s/not-elf", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs("#!/bin/sh\necho not a Go program\n", f);
	fclose(f);
	assert_int_equal(go_offsets_from_dwarf(path, &o, err, sizeof(err)), -ENODATA);
	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	f = fopen(path, "w");
	assert_non_null(f);
	fclose(f);
	assert_int_equal(go_offsets_from_dwarf(path, &o, err, sizeof(err)), -ENODATA);
	err[0] = '\0';
	assert_int_equal(go_offsets_from_dwarf("/nonexistent/go-binary", &o, err, sizeof(err)),
			 -ENOENT);
	assert_non_null(strstr(err, "/nonexistent/go-binary"));
}

/* The goroutines runtime.NumGoroutine() leaves out (isSystemGoroutine). */
static void test_system_goroutines(void **state)
{
	int minor;

	for (minor = GO_MINOR_MIN; minor <= GO_MINOR_MAX; minor++) {
		assert_true(go_is_system_goroutine(minor, "runtime.bgsweep"));
		assert_true(go_is_system_goroutine(minor, "runtime.forcegchelper"));
		assert_true(go_is_system_goroutine(minor, "runtime.runfinq"));
		assert_false(go_is_system_goroutine(minor, "runtime.main"));
		assert_false(go_is_system_goroutine(minor, "runtime.handleAsyncEvent"));
		assert_false(go_is_system_goroutine(minor, "main.main.func1"));
		assert_false(go_is_system_goroutine(minor, "main.main.gowrap1"));
		assert_false(go_is_system_goroutine(minor, "os/signal.loop"));
		assert_false(go_is_system_goroutine(minor, "runtime/pprof.profileWriter"));
		assert_false(go_is_system_goroutine(minor, "runtimex.foo"));
		assert_false(go_is_system_goroutine(minor, "?"));
		assert_false(go_is_system_goroutine(minor, NULL));
		/* iter.Pull's coroutines are user goroutines from Go 1.22 */
		assert_int_equal(go_is_system_goroutine(minor, "runtime.corostart"), minor < 22);
	}
	assert_true(go_is_system_goroutine(19, "runtime.gcenable.func1"));
	assert_true(go_is_system_goroutine(27, "runtime.gcenable.gowrap1"));
	assert_true(go_is_system_goroutine(25, "runtime.runFinalizers"));
	assert_true(go_is_system_goroutine(25, "runtime.runCleanups"));
	assert_false(go_is_system_goroutine(0, "runtime.corostart"));
}

static int make_tmpdir(void **state)
{
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

/* The BPF programs' one read of a g covers every field they use, for
 * every version of the table, within the window's bound; 160 to 176 bytes from
 * atomicstatus up to 1.27. */
static void test_g_window(void **state)
{
	struct go_offsets o;
	uint32_t start, len, f[5];
	int minor, i;

	(void)state;
	for (minor = GO_MINOR_MIN; minor <= GO_MINOR_MAX; minor++) {
		assert_int_equal(go_offsets_from_table(minor, &o), 0);
		go_offsets_g_window(&o, &start, &len);
		assert_true(len > 0 && len <= GO_G_WINDOW_MAX);
		assert_int_equal(start % 8, 0);
		f[0] = o.g_goid, f[1] = o.g_gopc, f[2] = o.g_startpc;
		f[3] = o.g_atomicstatus, f[4] = o.g_parent_goid;
		for (i = 0; i < 5; i++)
			if (f[i] != GO_NO_FIELD)
				assert_true(f[i] >= start && f[i] + 8 <= start + len);
		assert_int_equal(start, o.g_atomicstatus);
		assert_true(len >= 160 && len <= 176);
	}
	/* A layout whose fields lie too far apart: field by field. */
	o.g_startpc = o.g_atomicstatus + GO_G_WINDOW_MAX;
	go_offsets_g_window(&o, &start, &len);
	assert_int_equal(len, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dwarf_equals_table_go1_19),
		cmocka_unit_test(test_dwarf_equals_table_other_versions),
		cmocka_unit_test(test_compressed_and_plain_dwarf),
		cmocka_unit_test(test_real_programs_without_toolchain),
		cmocka_unit_test(test_known_moves),
		cmocka_unit_test(test_unknown_versions_rejected),
		cmocka_unit_test(test_resolve_refuses_unknown_version_without_dwarf),
		cmocka_unit_test(test_no_dwarf_inputs),
		cmocka_unit_test(test_system_goroutines),
		cmocka_unit_test(test_g_window),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
