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

/* Lines of tests/fixtures/hello/main.go (see the comments there). */
#define HELLO_FILE_SUFFIX "/tests/fixtures/hello/main.go"
#define HELLO_DRAIN_LINE 16
#define HELLO_MAIN_LINE 22
#define HELLO_GO_DRAIN_LINE 24
#define HELLO_GO_CLOSURE_LINE 25
#define HELLO_CLOSURE_SEND_LINE 26

/* The first instruction of a Go function with a stack check:
 * CMP RSP, [R14+0x10].  ABI wrappers start with XORPS X15, X15 instead. */
static const uint8_t stack_check[] = { 0x49, 0x3b, 0x66, 0x10 };

static const char *const variants[] = { "static", "pie", "cgo" };
static const char *const allg_vars[] = {
	"runtime.allgs", "runtime.allglen", "runtime.allgptr",
};
/* Runtime functions the tracer looks up (probeplan.c, target.c); the first
 * ones start with the stack check, the last ones do not (nosplit, asm). */
static const char *const runtime_funcs[] = {
	"runtime.newproc1", "runtime.newproc", "runtime.newproc.func1",
	"runtime.runqput", "runtime.gopark", "runtime.goexit1", "runtime.goexit0",
	"runtime.allgadd", "runtime.casgstatus", "runtime.rt0_go",
};
#define RUNTIME_FUNCS_WITH_STACK_CHECK 8

static char tmpdir[PATH_MAX];

/* ---- fixtures ---------------------------------------------------------- */

static const char *fixtures_dir(void)
{
	const char *d = getenv("GOSTRAY_FIXTURES");

	return d && *d ? d : "build/go";
}

static void fixture_path(char *buf, size_t len, const char *ver, const char *variant,
			 bool stripped)
{
	snprintf(buf, len, "%s/go%s/hello.%s%s", fixtures_dir(), ver, variant,
		 stripped ? "-stripped" : "");
}

static bool version_present(const char *ver)
{
	char path[PATH_MAX];

	fixture_path(path, sizeof(path), ver, "static", false);
	return access(path, R_OK) == 0;
}

static int minor_of(const char *ver)
{
	const char *dot = strchr(ver, '.');

	return dot ? atoi(dot + 1) : -1;
}

/* What `go version FILE` prints after "FILE: ". */
static void go_version_of(const char *path, char *buf, size_t len)
{
	char cmd[PATH_MAX + 64], line[512], *colon;
	FILE *p;

	snprintf(cmd, sizeof(cmd), "go version '%s' 2>/dev/null", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	assert_int_equal(pclose(p), 0);
	colon = strstr(line, ": ");
	if (!colon)
		fail_msg("`go version %s` printed no version: is go in PATH?", path);
	snprintf(buf, len, "%s", colon + 2);
	buf[strcspn(buf, "\n")] = '\0';
}

static struct gobin *open_ok(const char *path)
{
	struct gobin *gb = NULL;
	char err[256] = "";

	if (gobin_open(path, &gb, err, sizeof(err)))
		fail_msg("gobin_open(%s): %s", path, err);
	assert_non_null(gb);
	return gb;
}

static void expect_open_error(const char *path, const char *message)
{
	struct gobin *gb = NULL;
	char err[256] = "";

	assert_true(gobin_open(path, &gb, err, sizeof(err)) < 0);
	assert_null(gb);
	if (!strstr(err, message))
		fail_msg("%s: error \"%s\", expected \"%s\"", path, err, message);
	assert_null(strchr(err, '\n'));
}

/* ---- damaged copies ---------------------------------------------------- */

static void copy_file(const char *from, const char *to, size_t max)
{
	char buf[65536];
	int in = open(from, O_RDONLY), out;
	size_t done = 0;
	ssize_t n;

	assert_true(in >= 0);
	out = open(to, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	assert_true(out >= 0);
	while (done < max && (n = read(in, buf, sizeof(buf))) > 0) {
		size_t want = (size_t)n < max - done ? (size_t)n : max - done;

		assert_int_equal(write(out, buf, want), (ssize_t)want);
		done += want;
	}
	close(in);
	close(out);
}

static void patch_file(const char *path, uint64_t offset, const void *bytes, size_t len)
{
	int fd = open(path, O_WRONLY);

	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, bytes, len, (off_t)offset), (ssize_t)len);
	close(fd);
}

static void tmp_path(char *buf, size_t len, const char *name)
{
	snprintf(buf, len, "%s/%s", tmpdir, name);
}

/* File offset of a section, through the module gobin itself uses; the
 * results it leads to are checked against independent facts. */
static uint64_t section_offset(const char *path, const char *name, uint64_t *vaddr)
{
	struct elfimage img;
	struct elf_region sec;
	char err[256];

	if (elfimage_open(&img, path, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	if (!elfimage_section(&img, name, &sec))
		fail_msg("%s: no section %s", path, name);
	elfimage_close(&img);
	if (vaddr)
		*vaddr = sec.vaddr;
	return sec.offset;
}

static uint64_t symbol_value(const char *path, const char *name)
{
	struct elfimage img;
	GElf_Sym sym;
	char err[256];

	if (elfimage_open(&img, path, err, sizeof(err)))
		fail_msg("%s: %s", path, err);
	if (elfimage_symbol(&img, SHT_SYMTAB, name, &sym))
		fail_msg("%s: no symbol %s", path, name);
	elfimage_close(&img);
	return sym.st_value;
}

/* Remove the section headers, as some shipped binaries do. */
static void strip_section_headers(const char *path)
{
	Elf64_Ehdr eh;
	int fd = open(path, O_RDWR);

	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &eh, sizeof(eh), 0), sizeof(eh));
	eh.e_shoff = 0;
	eh.e_shnum = 0;
	eh.e_shstrndx = 0;
	assert_int_equal(pwrite(fd, &eh, sizeof(eh), 0), sizeof(eh));
	close(fd);
}

/* Make the buildinfo magic unrecognisable, as if there were none. */
static void wipe_buildinfo(const char *path, const char *orig)
{
	static const uint8_t zeros[16];

	patch_file(path, section_offset(orig, ".go.buildinfo", NULL), zeros, sizeof(zeros));
}

/* ---- checks on one binary ---------------------------------------------- */

static void assert_hello_pos(struct gobin *gb, uint64_t pc, const char *function, int line)
{
	struct gobin_pcinfo pi;
	size_t flen, slen = strlen(HELLO_FILE_SUFFIX);

	assert_int_equal(gobin_pc_lookup(gb, pc, &pi), 0);
	assert_string_equal(pi.function, function);
	flen = strlen(pi.file);
	assert_true(flen >= slen);
	assert_string_equal(pi.file + flen - slen, HELLO_FILE_SUFFIX);
	assert_int_equal(pi.line, line);
}

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

static int make_tmpdir(void **state)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/gostray-test-gobin.XXXXXX");
	return mkdtemp(tmpdir) ? 0 : -1;
}

static int remove_tmpdir(void **state)
{
	char cmd[PATH_MAX + 16];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	return system(cmd) ? -1 : 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fixtures_every_version),
		cmocka_unit_test(test_buildinfo_pointer_format),
		cmocka_unit_test(test_rodata_version_decoy),
		cmocka_unit_test(test_text_start_sources),
		cmocka_unit_test(test_not_go_binaries),
		cmocka_unit_test(test_unsupported_pclntab),
		cmocka_unit_test(test_truncated),
		cmocka_unit_test(test_corrupted),
		cmocka_unit_test(test_source_names),
	};

	return cmocka_run_group_tests(tests, make_tmpdir, remove_tmpdir);
}
