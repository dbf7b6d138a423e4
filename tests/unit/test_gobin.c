// SPDX-License-Identifier: BSD-2-Clause
/*
 * gobin on real Go binaries (tests/fixtures/hello built by
 * tests/build-go.sh in every variant) and on damaged copies of them.
 *
 * What must hold:
 *  - exact names and file:line for known lines of the fixture, and the
 *    creation sites of its two `go` statements;
 *  - the same answers with and without symbols, with and without section
 *    headers, with and without .go.buildinfo;
 *  - runtime.allgs/allglen/allgptr from disassembly == from .symtab;
 *  - the Go version equal to what `go version FILE` prints;
 *  - non-Go, truncated and corrupted files rejected with a one-line reason,
 *    never a crash (run under `make SANITIZE=1` to catch bad reads).
 */
#include <capstone/capstone.h>
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

#include "binary/allgdisasm.h"
#include "binary/elfimage.h"
#include "binary/gobin.h"
#include "fixture.h"

/* The first instruction of a Go function with a stack check:
 * CMP RSP, [R14+0x10].  ABI wrappers start with XORPS X15, X15 instead. */
static const uint8_t stack_check[] = { 0x49, 0x3b, 0x66, 0x10 };

static const char *const variants[] = { "static", "pie", "cgo" };

/* ---- checks on one binary ---------------------------------------------- */


/* The two `go` statements of main.main: CALL runtime.newproc at the lines
 * of the statements, and their return addresses (what g.gopc holds)
 * resolve to the same lines once the caller subtracts 1. */
static void check_go_statements(struct gobin *gb)
{
	struct gobin_func main_fn, newproc;
	const uint8_t *code;
	uint8_t buf[4096];
	uint64_t addr;
	size_t size;
	cs_insn *insn;
	csh cs;
	int nsites = 0;
	static const int lines[] = { HELLO_GO_DRAIN_LINE, HELLO_GO_CLOSURE_LINE };

	assert_int_equal(gobin_find_func(gb, "main.main", &main_fn), 0);
	assert_int_equal(gobin_find_func(gb, "runtime.newproc", &newproc), 0);
	size = main_fn.end - main_fn.entry;
	assert_true(size > 0 && size <= sizeof(buf));
	assert_int_equal(gobin_read(gb, main_fn.entry, buf, size), 0);
	assert_int_equal(cs_open(CS_ARCH_X86, CS_MODE_64, &cs), CS_ERR_OK);
	cs_option(cs, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(cs);
	code = buf;
	addr = main_fn.entry;
	while (cs_disasm_iter(cs, &code, &size, &addr, insn)) {
		const cs_x86 *x = &insn->detail->x86;

		if (insn->id != X86_INS_CALL || x->op_count != 1 ||
		    x->operands[0].type != X86_OP_IMM ||
		    (uint64_t)x->operands[0].imm != newproc.entry)
			continue;
		assert_true(nsites < 2);
		assert_hello_pos(gb, insn->address, "main.main", lines[nsites]);
		assert_hello_pos(gb, insn->address + insn->size - 1, "main.main", lines[nsites]);
		nsites++;
	}
	cs_free(insn, 1);
	cs_close(&cs);
	assert_int_equal(nsites, 2);
}

static void check_hello_functions(struct gobin *gb)
{
	static const struct { const char *name; int line; } funcs[] = {
		{ "main.drain", HELLO_DRAIN_LINE },
		{ "main.main", HELLO_MAIN_LINE },
		{ "main.main.func1", HELLO_GO_CLOSURE_LINE },
	};
	struct gobin_func fn;
	size_t i;

	for (i = 0; i < sizeof(funcs) / sizeof(*funcs); i++) {
		assert_int_equal(gobin_find_func(gb, funcs[i].name, &fn), 0);
		assert_string_equal(fn.name, funcs[i].name);
		assert_true(fn.end > fn.entry);
		assert_hello_pos(gb, fn.entry, funcs[i].name, funcs[i].line);
	}
	assert_int_equal(gobin_find_func(gb, "main.noSuchFunction", &fn), -ENOENT);
	check_go_statements(gb);
}

/* Not the ABI0 wrapper (two pclntab entries share the name). */
static void check_runtime_functions(struct gobin *gb, uint64_t *entries)
{
	struct gobin_pcinfo pi;
	struct gobin_func fn;
	uint8_t first[4];
	size_t i;

	for (i = 0; i < sizeof(runtime_funcs) / sizeof(*runtime_funcs); i++) {
		if (gobin_find_func(gb, runtime_funcs[i], &fn))
			fail_msg("%s: %s not found", gobin_path(gb), runtime_funcs[i]);
		entries[i] = fn.entry;
		assert_int_equal(gobin_pc_lookup(gb, fn.entry, &pi), 0);
		assert_string_equal(pi.function, runtime_funcs[i]);
		assert_int_equal(pi.func_entry, fn.entry);
		assert_true(strstr(pi.file, "/runtime/") != NULL);
		assert_true(pi.line > 0);
		if (i >= RUNTIME_FUNCS_WITH_STACK_CHECK)
			continue;
		assert_int_equal(gobin_read(gb, fn.entry, first, sizeof(first)), 0);
		assert_memory_equal(first, stack_check, sizeof(stack_check));
	}
}

struct walk {
	struct gobin *gb;
	size_t n;
	uint64_t last_entry;
	int main_seen;	/* bit per hello main.* function */
};

/* Every function's entry maps back to it.  (The padding between
 * functions has no line table, so the last byte is not asked.) */
static int round_trip_cb(const struct gobin_func *fn, void *ctx)
{
	struct walk *w = ctx;
	struct gobin_pcinfo pi;

	assert_true(fn->entry >= w->last_entry);
	assert_true(fn->end > fn->entry);
	/* Linker markers (go:textfipsstart/end in Go 1.24+) have no code
	 * and no line table. */
	if (!strncmp(fn->name, "go:", 3))
		return 0;
	assert_int_equal(gobin_pc_lookup(w->gb, fn->entry, &pi), 0);
	assert_int_equal(pi.func_entry, fn->entry);
	assert_string_equal(pi.function, fn->name);
	w->last_entry = fn->entry;
	w->n++;
	return 0;
}

static int main_funcs_cb(const struct gobin_func *fn, void *ctx)
{
	static const char *const names[] = {
		"main.drain", "main.main", "main.main.func1", "main.init",
		"main.init.0", "main.outer",	/* the -stacks mode (test_gostack) */
		/* the -wrapped mode (test_gowrap); its wrappers are left out */
		"main.init.1", "main.startWrapped", "main.viaInterface",
		"main.(*box).wait", "main.box.peek",
	};
	struct walk *w = ctx;
	size_t i;

	assert_int_equal(strncmp(fn->name, "main.", 5), 0);
	for (i = 0; i < sizeof(names) / sizeof(*names); i++)
		if (!strcmp(fn->name, names[i])) {
			assert_false(w->main_seen & (1 << i));
			w->main_seen |= 1 << i;
			return 0;
		}
	fail_msg("unexpected function %s", fn->name);
	return 0;
}

static int stop_at_second(const struct gobin_func *fn, void *ctx)
{
	return ++*(int *)ctx == 2 ? 42 : 0;
}

static void check_function_walk(struct gobin *gb)
{
	struct walk w = { .gb = gb };
	struct gobin_pcinfo pi;
	int calls = 0;

	assert_int_equal(gobin_for_each_func(gb, "", round_trip_cb, &w), 0);
	assert_true(w.n > 1000);
	assert_int_equal(gobin_for_each_func(gb, "main.", main_funcs_cb, &w), 0);
	assert_int_equal(w.main_seen, 0x7ff);
	assert_int_equal(gobin_for_each_func(gb, "runtime.", stop_at_second, &calls), 42);
	assert_int_equal(calls, 2);
	/* outside the Go text */
	assert_int_equal(gobin_pc_lookup(gb, gobin_text_start(gb) - 1, &pi), -ENOENT);
	assert_int_equal(gobin_pc_lookup(gb, 0, &pi), -ENOENT);
	assert_int_equal(gobin_pc_lookup(gb, UINT64_MAX, &pi), -ENOENT);
}

/* The first PT_LOAD with offset 0, read with plain <elf.h> structures. */
static uint64_t first_load_vaddr_of(const char *path)
{
	Elf64_Ehdr eh;
	Elf64_Phdr ph;
	int fd = open(path, O_RDONLY), i;

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	for (i = 0; i < eh.e_phnum; i++) {
		assert_int_equal(pread(fd, &ph, sizeof(ph), eh.e_phoff + i * sizeof(ph)),
				 sizeof(ph));
		if (ph.p_type == PT_LOAD && ph.p_offset == 0) {
			close(fd);
			return ph.p_vaddr;
		}
	}
	close(fd);
	fail_msg("%s: no PT_LOAD at offset 0", path);
	return 0;
}

/* gobin_read and the file offset for uprobes agree with the file. */
static void check_reads(struct gobin *gb, const char *path)
{
	struct gobin_func fn;
	struct gobin_var var;
	uint8_t via_vaddr[16], via_file[16];
	uint64_t off;
	int fd;

	assert_int_equal(gobin_find_func(gb, "main.drain", &fn), 0);
	assert_int_equal(gobin_read(gb, fn.entry, via_vaddr, sizeof(via_vaddr)), 0);
	assert_int_equal(gobin_vaddr_to_offset(gb, fn.entry, &off), 0);
	fd = open(path, O_RDONLY);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, via_file, sizeof(via_file), (off_t)off), sizeof(via_file));
	close(fd);
	assert_memory_equal(via_vaddr, via_file, sizeof(via_file));
	assert_memory_equal(via_vaddr, stack_check, sizeof(stack_check));
	/* allglen is in .noptrbss: no file bytes behind it */
	assert_int_equal(gobin_find_var(gb, "runtime.allglen", &var), 0);
	assert_int_equal(gobin_read(gb, var.addr, via_vaddr, 8), -EFAULT);
	assert_int_not_equal(gobin_vaddr_to_offset(gb, var.addr, &off), 0);
	assert_int_equal(gobin_read(gb, UINT64_MAX - 4, via_vaddr, 8), -EFAULT);
	assert_int_equal(gobin_first_load_vaddr(gb), first_load_vaddr_of(path));
}

/* What one binary says, for comparing variants of the same build. */
struct facts {
	char version[128];
	uint64_t text_start;
	uint64_t funcs[sizeof(runtime_funcs) / sizeof(*runtime_funcs)];
	uint64_t vars[3];
	enum gobin_source var_src;
	uint64_t sched;
};

static void collect_vars(struct gobin *gb, struct facts *f)
{
	struct gobin_var v;
	size_t i;

	for (i = 0; i < 3; i++) {
		if (gobin_find_var(gb, allg_vars[i], &v))
			fail_msg("%s: %s not found", gobin_path(gb), allg_vars[i]);
		f->vars[i] = v.addr;
		f->var_src = v.src;
	}
	if (gobin_find_var(gb, "runtime.sched", &v))
		fail_msg("%s: runtime.sched not found", gobin_path(gb));
	f->sched = v.addr;
	assert_int_equal(gobin_find_var(gb, "runtime.noSuchVariable", &v), -ENOENT);
}

/* Everything that must hold for any variant; fills f for comparisons. */
static void check_binary(const char *path, const char *version, int minor,
			 struct facts *f)
{
	struct gobin *gb = open_ok(path);

	memset(f, 0, sizeof(*f));
	snprintf(f->version, sizeof(f->version), "%s", gobin_go_version(gb));
	assert_string_equal(gobin_path(gb), path);
	assert_string_equal(f->version, version);
	assert_int_equal(gobin_go_major(gb), 1);
	assert_int_equal(gobin_go_minor(gb), minor);
	f->text_start = gobin_text_start(gb);
	assert_true(f->text_start != 0);
	check_hello_functions(gb);
	check_runtime_functions(gb, f->funcs);
	check_function_walk(gb);
	check_reads(gb, path);
	collect_vars(gb, f);
	gobin_close(gb);
}

static void assert_same_facts(const struct facts *a, const struct facts *b)
{
	assert_string_equal(a->version, b->version);
	assert_int_equal(a->text_start, b->text_start);
	assert_memory_equal(a->funcs, b->funcs, sizeof(a->funcs));
	assert_memory_equal(a->vars, b->vars, sizeof(a->vars));
	assert_int_equal(a->sched, b->sched);
}

/* Sources and flags of a fixture as built by build-go.sh. */
static void check_kind(const char *path, const char *variant, bool stripped)
{
	struct gobin *gb = open_ok(path);
	struct gobin_func fn;

	assert_int_equal(gobin_version_source(gb), GOBIN_SRC_BUILDINFO);
	assert_int_equal(gobin_is_pie(gb), !strcmp(variant, "pie"));
	assert_int_equal(gobin_has_symtab(gb), !stripped);
	assert_int_equal(gobin_has_dwarf(gb), !stripped);
	assert_int_equal(gobin_symbol_source(gb),
			 stripped ? GOBIN_SRC_PCLNTAB : GOBIN_SRC_SYMTAB);
	assert_int_equal(gobin_find_func(gb, "runtime.newproc1", &fn), 0);
	assert_int_equal(fn.src, stripped ? GOBIN_SRC_PCLNTAB : GOBIN_SRC_SYMTAB);
	gobin_close(gb);
}

/* With symbols: text start is runtime.text; the disassembly of allgadd
 * names the same variables as .symtab. */
/* runtime.sched (its goid allocator, sched.goidgen, is its first field)
 * from the LOCK XADDQ of runtime.newproc1 == the symbol. */
static void check_sched(struct gobin *gb, const char *path)
{
	struct gobin_func np;
	static uint8_t code[64 << 10];
	uint64_t addr = 0;
	size_t size;

	assert_int_equal(gobin_find_func(gb, "runtime.newproc1", &np), 0);
	size = np.end - np.entry;
	assert_true(size <= sizeof(code));
	assert_int_equal(gobin_read(gb, np.entry, code, size), 0);
	assert_int_equal(goidgen_from_newproc1(code, size, np.entry, &addr), 0);
	assert_int_equal(addr, symbol_value(path, "runtime.sched"));
}

static void check_against_symtab(const char *path, const struct facts *f)
{
	struct gobin *gb = open_ok(path);
	struct gobin_func allgadd;
	struct allg_addrs a;
	uint8_t code[4096];
	size_t size, i;

	assert_int_equal(f->text_start, symbol_value(path, "runtime.text"));
	assert_int_equal(f->var_src, GOBIN_SRC_SYMTAB);
	for (i = 0; i < 3; i++)
		assert_int_equal(f->vars[i], symbol_value(path, allg_vars[i]));
	assert_int_equal(gobin_find_func(gb, "runtime.allgadd", &allgadd), 0);
	size = allgadd.end - allgadd.entry;
	assert_true(size <= sizeof(code));
	assert_int_equal(gobin_read(gb, allgadd.entry, code, size), 0);
	assert_int_equal(allg_addrs_from_allgadd(code, size, allgadd.entry, &a), 0);
	assert_int_equal(a.allgs, f->vars[0]);
	assert_int_equal(a.allglen, f->vars[1]);
	assert_int_equal(a.allgptr, f->vars[2]);
	check_sched(gb, path);
	gobin_close(gb);
}

/* Without section headers: pclntab, moduledata and buildinfo are found by
 * scanning the segments; without buildinfo the version comes from rodata. */
static void check_damaged_copies(const char *orig, const char *version, int minor,
				 const struct facts *want)
{
	char path[PATH_MAX];
	struct facts got;
	struct gobin *gb;

	tmp_path(path, sizeof(path), "noshdr");
	copy_file(orig, path, SIZE_MAX);
	strip_section_headers(path);
	check_binary(path, version, minor, &got);
	assert_same_facts(&got, want);
	gb = open_ok(path);
	assert_int_equal(gobin_version_source(gb), GOBIN_SRC_BUILDINFO);
	assert_false(gobin_has_symtab(gb));
	gobin_close(gb);

	tmp_path(path, sizeof(path), "nobuildinfo");
	copy_file(orig, path, SIZE_MAX);
	wipe_buildinfo(path, orig);
	check_binary(path, version, minor, &got);
	assert_same_facts(&got, want);
	gb = open_ok(path);
	assert_int_equal(gobin_version_source(gb), GOBIN_SRC_RODATA);
	gobin_close(gb);

	strip_section_headers(path);	/* neither */
	check_binary(path, version, minor, &got);
	assert_same_facts(&got, want);
	gb = open_ok(path);
	assert_int_equal(gobin_version_source(gb), GOBIN_SRC_RODATA);
	assert_int_equal(gobin_text_start(gb), want->text_start);
	gobin_close(gb);
}

static void check_variant_pair(const char *ver, const char *variant)
{
	char path[PATH_MAX], stripped_path[PATH_MAX], version[128];
	struct facts full, stripped;
	int minor = minor_of(ver);

	fixture_path(path, sizeof(path), ver, variant, false);
	fixture_path(stripped_path, sizeof(stripped_path), ver, variant, true);
	if (access(path, R_OK) || access(stripped_path, R_OK))
		fail_msg("fixture %s or %s missing: run make fixtures", path, stripped_path);
	go_version_of(path, version, sizeof(version));

	check_kind(path, variant, false);
	check_kind(stripped_path, variant, true);
	check_binary(path, version, minor, &full);
	check_binary(stripped_path, version, minor, &stripped);
	check_against_symtab(path, &full);
	assert_int_equal(stripped.var_src, GOBIN_SRC_DISASM);
	/* The build flags (-ldflags="-s -w") are recorded in buildinfo, so
	 * the data of a stripped build can sit a few bytes apart (seen with
	 * Go 1.22-1.24 and 1.26): compare the code, and check the variables
	 * found by disassembly there for what they must be. */
	assert_string_equal(full.version, stripped.version);
	assert_int_equal(full.text_start, stripped.text_start);
	assert_memory_equal(full.funcs, stripped.funcs, sizeof(full.funcs));
	assert_true(stripped.vars[0] && stripped.vars[1] && stripped.vars[2]);
	assert_true(stripped.vars[0] != stripped.vars[1] &&
		    stripped.vars[0] != stripped.vars[2] &&
		    stripped.vars[1] != stripped.vars[2]);
	/* ... a page or more apart when the sections end near a page
	 * boundary (seen with Go 1.19 once the fixture grew). */
	if ((full.vars[0] - stripped.vars[0]) >= 0x10000 &&
	    (stripped.vars[0] - full.vars[0]) >= 0x10000)
		fail_msg("%s: the first variable at %#" PRIx64 ", %#" PRIx64 " in %s", path,
			 full.vars[0], stripped.vars[0], stripped_path);
	if (!strcmp(variant, "cgo")) {
		uint64_t text_section;

		/* C start-up code comes first: .text is not the Go text */
		section_offset(path, ".text", &text_section);
		assert_true(full.text_start > text_section);
	}
	check_damaged_copies(stripped_path, version, minor, &stripped);
}

static void check_version(const char *ver)
{
	size_t i;

	for (i = 0; i < sizeof(variants) / sizeof(*variants); i++)
		check_variant_pair(ver, variants[i]);
}

/* ---- tests ------------------------------------------------------------- */

/* Go 1.19 (Debian's toolchain) always: its absence is a failure.  Other
 * versions (GOSTRAY_GO_VERSIONS, and 1.27) whenever their fixtures exist;
 * a missing one is reported, not silently skipped. */
static void test_fixtures_every_version(void **state)
{
	const char *env = getenv("GOSTRAY_GO_VERSIONS");
	char list[256], *tok, *save = NULL;

	check_version("1.19");
	snprintf(list, sizeof(list), "%s", env ? env : "");
	if (!strstr(list, "1.27"))
		strncat(list, " 1.27", sizeof(list) - strlen(list) - 1);
	for (tok = strtok_r(list, " ", &save); tok; tok = strtok_r(NULL, " ", &save)) {
		assert_true(minor_of(tok) >= 16);
		if (!strcmp(tok, "1.19"))
			continue;
		if (version_present(tok))
			check_version(tok);
		else
			print_message("NOTE: no go%s fixtures in %s: not tested\n", tok,
				      fixtures_dir());
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_every_version),
	};

	return cmocka_run_group_tests(tests, fixture_tmpdir_make, fixture_tmpdir_remove);
}
