// SPDX-License-Identifier: BSD-2-Clause
/*
 * gobin and probe placement on real Go programs that nobody here built:
 * esbuild for every Go release it was built with, buildifier, buf, and
 * Debian's dockerd, containerd, prometheus, etcd, hey, victoria-metrics,
 * nats-server and caddy (stripped, cgo,
 * PIE, symbols only in .dynsym, no .go.buildinfo ...).
 *
 * The programs are fetched by tools/fetch-real-programs.sh into a cache
 * outside the checkout; this test never downloads (tests/unit/realprograms.h).
 *
 * For each program:
 *  - the Go version equals the table below (what `go version FILE` prints;
 *    for binaries without buildinfo, the runtime's version string);
 *  - before Go 1.17 (stack ABI) only the version is checked: gostray
 *    refuses those by version;
 *  - the runtime functions the probes need are found and start with the
 *    stack-check prologue CMP RSP, [R14+0x10];
 *  - probeplan_build succeeds, and each probe's file offset holds the bytes
 *    at its vaddr;
 *  - runtime.allgs/allglen/allgptr are found, and the disassembly of
 *    runtime.allgadd agrees with .symtab/.dynsym where those exist;
 *  - with .symtab or .dynsym, every function symbol inside the Go text is
 *    a pclntab entry of the same name, and (with .symtab) every pclntab
 *    entry has a symbol.
 * test_realbin_dwarf.c checks the line tables against DWARF, and
 * test_realbin_noshdr.c the same programs without section headers.
 */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <gelf.h>
#include <limits.h>
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
#include "binary/gomodule.h"
#include "binary/pclntab.h"
#include "binary/probeplan.h"
#include "realprograms.h"

#define MAX_REPORTED 5

/*
 * Every program the fetch script knows.  go_version is what `go version
 * FILE` prints (esbuild >= 0.27 has no buildinfo: there it is the
 * runtime.buildVersion string, found with `strings`).  symbols is where
 * gobin takes function symbols from (.dynsym when the binary exports the
 * runtime, as plugin-capable builds do).
 */
static const struct expected {
	const char *name;
	const char *go_version;
	enum gobin_source version_src;
	enum gobin_source symbols;
	bool pie;
} expected[] = {
	{ "esbuild-0.11.23", "go1.16.3", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.12.29", "go1.17.1", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.14.25", "go1.17.8", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.14.47", "go1.18.3", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.15.18", "go1.19.3", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.16.17", "go1.19.4", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.17.19", "go1.20.4", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.21.5", "go1.20.12", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.23.1", "go1.22.5", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.25.12", "go1.23.12", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.26.0", "go1.23.12", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.27.7", "go1.25.7", GOBIN_SRC_RODATA, GOBIN_SRC_PCLNTAB, false },
	{ "esbuild-0.28.2", "go1.26.5", GOBIN_SRC_RODATA, GOBIN_SRC_PCLNTAB, false },
	{ "buildifier-4.2.5", "go1.17.2", GOBIN_SRC_BUILDINFO, GOBIN_SRC_SYMTAB, false },
	{ "buildifier-6.1.2", "go1.20.3 X:nocoverageredesign", GOBIN_SRC_BUILDINFO, GOBIN_SRC_SYMTAB, false },
	{ "buf-1.75.0", "go1.27.3", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "dockerd", "go1.19.8", GOBIN_SRC_BUILDINFO, GOBIN_SRC_DYNSYM, true },
	{ "containerd", "go1.19.8", GOBIN_SRC_BUILDINFO, GOBIN_SRC_DYNSYM, false },
	{ "prometheus", "go1.19.8", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "prometheus-trixie", "go1.24.4", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "etcd", "go1.19.8", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "hey", "go1.19.8", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "victoria-metrics", "go1.24.2", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "nats-server", "go1.24.4", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
	{ "caddy", "go1.26.5", GOBIN_SRC_BUILDINFO, GOBIN_SRC_PCLNTAB, false },
};

/* CMP RSP, [R14+0x10] (g.stackguard0) */
static const uint8_t stack_check[] = { 0x49, 0x3b, 0x66, 0x10 };
/* CMP RSP, [R14+0x18] (g.stackguard1): Go 1.17's //go:systemstack
 * functions, runtime.newproc1 among them, check this one instead. */
static const uint8_t stack_check_g1[] = { 0x49, 0x3b, 0x66, 0x18 };

static const struct expected *expected_of(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof(expected) / sizeof(*expected); i++)
		if (!strcmp(expected[i].name, name))
			return &expected[i];
	return NULL;
}

/* ---- symbols, read with libelf independently of gobin ------------------- */

struct sym {
	uint64_t value;
	const char *name;
};

struct symbols {
	Elf *elf;
	int fd;
	struct sym *v;
	size_t n;
};

static int cmp_sym(const void *a, const void *b)
{
	const struct sym *x = a, *y = b;

	if (x->value != y->value)
		return x->value < y->value ? -1 : 1;
	return strcmp(x->name, y->name);
}

/* Function and object symbols of the section of type sh_type. */
static void symbols_load(struct symbols *s, const char *path, Elf64_Word sh_type, int stt)
{
	Elf_Scn *scn = NULL;
	GElf_Shdr sh;

	memset(s, 0, sizeof(*s));
	elf_version(EV_CURRENT);
	s->fd = open(path, O_RDONLY);
	assert_true(s->fd >= 0);
	s->elf = elf_begin(s->fd, ELF_C_READ_MMAP, NULL);
	assert_non_null(s->elf);
	while ((scn = elf_nextscn(s->elf, scn))) {
		Elf_Data *data;
		size_t i, n;

		if (!gelf_getshdr(scn, &sh) || sh.sh_type != sh_type)
			continue;
		data = elf_getdata(scn, NULL);
		assert_non_null(data);
		n = data->d_size / sizeof(Elf64_Sym);
		s->v = calloc(n ? n : 1, sizeof(*s->v));
		assert_non_null(s->v);
		for (i = 1; i < n; i++) {
			GElf_Sym sym;
			const char *name;

			if (!gelf_getsym(data, i, &sym) || sym.st_shndx == SHN_UNDEF ||
			    GELF_ST_TYPE(sym.st_info) != stt)
				continue;
			name = elf_strptr(s->elf, sh.sh_link, sym.st_name);
			if (!name || !*name)
				continue;
			s->v[s->n].value = sym.st_value;
			s->v[s->n].name = name;
			s->n++;
		}
		break;
	}
	if (s->n)
		qsort(s->v, s->n, sizeof(*s->v), cmp_sym);
}

static void symbols_free(struct symbols *s)
{
	free(s->v);
	if (s->elf)
		elf_end(s->elf);
	if (s->fd >= 0)
		close(s->fd);
}

static const struct sym *symbol_by_name(const struct symbols *s, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (!strcmp(s->v[i].name, name))
			return &s->v[i];
	return NULL;
}

/* First symbol at value (the array is sorted by value). */
static const struct sym *symbol_at(const struct symbols *s, uint64_t value)
{
	size_t lo = 0, hi = s->n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (s->v[mid].value < value)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < s->n && s->v[lo].value == value ? &s->v[lo] : NULL;
}

/* The name the Go 1.20+ linker writes into pclntab for a symbol: what is
 * between the first '[' and the last ']' becomes "..." (shape-instantiated
 * generics, array types of type:.eq functions). */
static void pclntab_name_of(const char *sym, char *buf, size_t len)
{
	const char *open = strchr(sym, '['), *close = strrchr(sym, ']');

	if (open && close && close > open)
		snprintf(buf, len, "%.*s[...]%s", (int)(open - sym), sym, close + 1);
	else
		snprintf(buf, len, "%s", sym);
}

/* Exported type symbols of a binary that can load plugins are hashed:
 * "type..<8 base64 chars>" (1.19) or "type:.<8 chars>" (cmd/link
 * mangleTypeSym); pclntab keeps the plain "type..eq.T" name. */
static bool mangled_type_symbol(const char *sym, const char *fn)
{
	return (!strncmp(sym, "type..", 6) || !strncmp(sym, "type:.", 6)) &&
	       strlen(sym) == 14 && !strchr(sym + 6, '.') &&
	       (!strncmp(fn, "type.", 5) || !strncmp(fn, "type:", 5));
}

/* Go writes "\u00b7" (middle dot) in some names; .symtab spells it '.',
 * .dynsym and pclntab keep it. */
static const char *plain_dots(const char *name, char *buf, size_t len)
{
	char *o = buf;

	if (!strstr(name, "\xc2\xb7"))
		return name;
	while (*name && o < buf + len - 1) {
		if (name[0] == '\xc2' && name[1] == '\xb7') {
			*o++ = '.';
			name += 2;
		} else {
			*o++ = *name++;
		}
	}
	*o = '\0';
	return buf;
}

/* A symbol names the pclntab function fn: the same name, or the ABI0
 * body/wrapper "NAME.abi0" that pclntab also calls NAME. */
static bool same_function(const char *sym, const char *fn)
{
	char name[1024], sym_buf[1024], fn_buf[1024];
	size_t n;

	if (mangled_type_symbol(sym, fn))
		return true;
	sym = plain_dots(sym, sym_buf, sizeof(sym_buf));
	fn = plain_dots(fn, fn_buf, sizeof(fn_buf));
	if (strchr(sym, '[') && strstr(fn, "[...]")) {
		pclntab_name_of(sym, name, sizeof(name));
		sym = name;
	}
	n = strlen(fn);
	return !strncmp(sym, fn, n) && (!sym[n] || !strcmp(sym + n, ".abi0"));
}

static bool symbol_names_at(const struct symbols *s, uint64_t value, const char *fn)
{
	const struct sym *p = symbol_at(s, value);

	for (; p && p < s->v + s->n && p->value == value; p++)
		if (same_function(p->name, fn))
			return true;
	return false;
}

/*
 * Every function symbol inside the Go text is the entry of a pclntab
 * function of that name; with a complete table (.symtab), every pclntab
 * function also has a symbol at its entry.  Returns the number of symbols
 * compared.
 */
static size_t compare_symbols(const char *name, const struct pclntab *t,
			      const struct symbols *s, bool complete)
{
	uint64_t lo = pclntab_entry(t, 0), hi = pclntab_entry(t, t->nfunc);
	size_t i, compared = 0, bad = 0;
	struct pcln_func pf;

	for (i = 0; i < s->n; i++) {
		const struct sym *sym = &s->v[i];

		/* markers, not functions: runtime.text shares the first
		 * function's address */
		if (sym->value < lo || sym->value >= hi || !strcmp(sym->name, "runtime.text") ||
		    !strcmp(sym->name, "runtime.etext"))
			continue;
		compared++;
		memset(&pf, 0, sizeof(pf));
		if (pclntab_func_at(t, sym->value, &pf) == 0 && pf.entry == sym->value &&
		    same_function(sym->name, pf.name))
			continue;
		if (bad++ < MAX_REPORTED)
			print_error("%s: symbol %s at 0x%llx: pclntab has %s at 0x%llx\n",
				    name, sym->name, (unsigned long long)sym->value,
				    pf.name ? pf.name : "nothing",
				    (unsigned long long)pf.entry);
	}
	for (i = 0; complete && i < t->nfunc; i++) {
		assert_int_equal(pclntab_func(t, i, &pf), 0);
		if (symbol_names_at(s, pf.entry, pf.name))
			continue;
		if (bad++ < MAX_REPORTED)
			print_error("%s: pclntab function %s at 0x%llx has no symbol\n",
				    name, pf.name, (unsigned long long)pf.entry);
	}
	if (bad)
		fail_msg("%s: %zu symbol/pclntab mismatches", name, bad);
	return compared;
}

/* ---- checks on one program --------------------------------------------- */

static void check_stack_check(const char *name, struct gobin *gb, const char *func,
			      struct gobin_func *fn)
{
	uint8_t head[sizeof(stack_check)];
	bool systemstack_117 = gobin_go_minor(gb) == 17 && !strcmp(func, "runtime.newproc1");

	if (gobin_find_func(gb, func, fn))
		fail_msg("%s: %s not found", name, func);
	assert_int_equal(gobin_read(gb, fn->entry, head, sizeof(head)), 0);
	if (memcmp(head, systemstack_117 ? stack_check_g1 : stack_check, sizeof(head)))
		fail_msg("%s: %s at 0x%llx starts with %02x %02x %02x %02x, not "
			 "CMP RSP, [R14+0x%x]", name, func, systemstack_117 ? 0x18 : 0x10, (unsigned long long)fn->entry,
			 head[0], head[1], head[2], head[3]);
}

static void check_funcs(const char *name, struct gobin *gb, int minor)
{
	static const char *const funcs[] = {
		"runtime.newproc1", "runtime.gopark", "runtime.runqput",
		"runtime.newproc.func1", "runtime.allgadd",
	};
	struct gobin_pcinfo pi;
	struct gobin_func fn;
	size_t i;

	for (i = 0; i <= sizeof(funcs) / sizeof(*funcs); i++) {
		const char *func = i < sizeof(funcs) / sizeof(*funcs) ? funcs[i] :
				   minor >= 22 ? "runtime.gdestroy" : "runtime.goexit0";
		char insn[96];
		uint64_t branch;

		check_stack_check(name, gb, func, &fn);
		/* and the probe placement recognises it */
		if (probeplan_stack_check_branch(gb, &fn, &branch, insn, sizeof(insn)))
			fail_msg("%s: no stack-check branch found in %s", name, func);
		if (strncmp(insn, "jbe ", 4))
			fail_msg("%s: stack-check branch of %s is \"%s\"", name, func, insn);
	}

	/* PC -> source through the same table. */
	check_stack_check(name, gb, "runtime.newproc1", &fn);
	assert_int_equal(gobin_pc_lookup(gb, fn.entry, &pi), 0);
	assert_string_equal(pi.function, "runtime.newproc1");
	if (!strstr(pi.file, "runtime/proc.go"))
		fail_msg("%s: runtime.newproc1 is in %s, not runtime/proc.go", name, pi.file);
	assert_true(pi.line > 0);
}

static void check_plan(const char *name, const char *path, struct gobin *gb, int minor)
{
	struct probe_plan plan;
	char err[256] = "";
	int i, kinds = 0;

	if (probeplan_build(gb, minor, &plan, err, sizeof(err)))
		fail_msg("%s: probeplan_build: %s", name, err);
	for (i = 0; i < plan.n; i++) {
		const struct probe_point *p = &plan.points[i];
		uint8_t from_file[2], from_vaddr[2];
		int fd = open(path, O_RDONLY);

		assert_true(fd >= 0);
		assert_int_equal(pread(fd, from_file, sizeof(from_file), (off_t)p->file_offset),
				 sizeof(from_file));
		close(fd);
		assert_int_equal(gobin_read(gb, p->vaddr, from_vaddr, sizeof(from_vaddr)), 0);
		assert_memory_equal(from_file, from_vaddr, sizeof(from_file));
		kinds |= 1 << p->kind;
		if (getenv("GOSTRAY_REAL_VERBOSE"))
			print_message("  %-13s %-28s 0x%llx +0x%llx  %s\n",
				      probe_kind_name(p->kind), p->function,
				      (unsigned long long)p->vaddr,
				      (unsigned long long)p->file_offset, p->insn);
	}
	assert_true(kinds & (1 << PROBE_CREATE_RUNQPUT));
	assert_true(kinds & (1 << PROBE_PARK));
	assert_true(kinds & (1 << (minor >= 22 ? PROBE_EXIT_GDESTROY : PROBE_EXIT_GOEXIT0)));
}

/* allgs from the disassembly of allgadd, and from symbols when present. */
/* The code of a runtime function (malloc'ed), smaller than max bytes. */
static uint8_t *func_code(struct gobin *gb, const char *func, size_t max,
			  struct gobin_func *fn, size_t *size)
{
	uint8_t *code;

	assert_int_equal(gobin_find_func(gb, func, fn), 0);
	*size = fn->end - fn->entry;
	assert_true(*size > 0 && *size < max);
	code = malloc(*size);
	assert_non_null(code);
	assert_int_equal(gobin_read(gb, fn->entry, code, *size), 0);
	return code;
}

/* runtime.sched (sched.goidgen, the goid allocator) by disassembly of
 * runtime.newproc1, equal to the symbol where there is one. */
static void check_sched(const char *name, struct gobin *gb, const struct symbols *syms)
{
	const struct sym *sym = syms ? symbol_by_name(syms, "runtime.sched") : NULL;
	struct gobin_func np;
	uint64_t disasm = 0;
	size_t size;
	uint8_t *code = func_code(gb, "runtime.newproc1", 64u << 10, &np, &size);

	if (goidgen_from_newproc1(code, size, np.entry, &disasm))
		fail_msg("%s: sched.goidgen not found in runtime.newproc1", name);
	free(code);
	if (sym && sym->value != disasm)
		fail_msg("%s: runtime.sched is 0x%llx in the symbols, 0x%llx by disassembly",
			 name, (unsigned long long)sym->value, (unsigned long long)disasm);
}

static void check_allg(const char *name, struct gobin *gb, const struct symbols *syms)
{
	static const char *const vars[] = {
		"runtime.allgs", "runtime.allglen", "runtime.allgptr",
	};
	struct gobin_func allgadd;
	struct allg_addrs a;
	struct gobin_var v;
	size_t i, size;
	uint8_t *code = func_code(gb, "runtime.allgadd", 4096, &allgadd, &size);

	if (allg_addrs_from_allgadd(code, size, allgadd.entry, &a))
		fail_msg("%s: allgs not found in runtime.allgadd", name);
	free(code);
	for (i = 0; i < sizeof(vars) / sizeof(*vars); i++) {
		uint64_t disasm = i == 0 ? a.allgs : i == 1 ? a.allglen : a.allgptr;
		const struct sym *sym = syms ? symbol_by_name(syms, vars[i]) : NULL;

		if (gobin_find_var(gb, vars[i], &v))
			fail_msg("%s: %s not found", name, vars[i]);
		assert_int_equal(v.addr, sym ? sym->value : disasm);
		if (sym && sym->value != disasm)
			fail_msg("%s: %s is 0x%llx in the symbols, 0x%llx by disassembly",
				 name, vars[i], (unsigned long long)sym->value,
				 (unsigned long long)disasm);
	}
	check_sched(name, gb, syms);
}

/* The pclntab as gobin finds it, read independently of gobin's symbol
 * lookups, against .symtab and .dynsym. */
static void check_symbols(const char *name, const char *path, struct gobin *gb)
{
	static const struct { Elf64_Word type; bool complete; } tabs[] = {
		{ SHT_SYMTAB, true }, { SHT_DYNSYM, false },
	};
	struct elfimage img;
	struct pclntab t;
	uint64_t moduledata;
	char err[256];
	size_t i;

	if (elfimage_open(&img, path, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	if (gomodule_load_pclntab(&img, &t, &moduledata, err, sizeof(err)))
		fail_msg("%s: %s", name, err);
	assert_int_equal(t.text_start ? t.text_start : pclntab_entry(&t, 0),
			 gobin_text_start(gb));
	for (i = 0; i < sizeof(tabs) / sizeof(*tabs); i++) {
		struct symbols funcs, objs;
		const struct sym *text;

		symbols_load(&funcs, path, tabs[i].type, STT_FUNC);
		if (funcs.n)
			compare_symbols(name, &t, &funcs, tabs[i].complete);
		text = symbol_by_name(&funcs, "runtime.text");
		if (text && text->value != gobin_text_start(gb))
			fail_msg("%s: text starts at 0x%llx, runtime.text is 0x%llx", name,
				 (unsigned long long)gobin_text_start(gb),
				 (unsigned long long)text->value);
		symbols_load(&objs, path, tabs[i].type, STT_OBJECT);
		if (objs.n && symbol_by_name(&objs, "runtime.allglen"))
			check_allg(name, gb, &objs);
		symbols_free(&objs);
		symbols_free(&funcs);
	}
	elfimage_close(&img);
}

/* Every function's entry resolves to that function with a file and a
 * line: the pcvalue tables of every format decode. */
static int check_source_cb(const struct gobin_func *fn, void *ctx)
{
	const struct gobin *gb = ((void **)ctx)[0];
	size_t *bad = ((void **)ctx)[1];
	struct gobin_pcinfo pi;

	/* linker markers (go:buildid, go:textfipsstart ...) have no lines */
	if (!strncmp(fn->name, "go:", 3))
		return 0;
	if (gobin_pc_lookup(gb, fn->entry, &pi) || pi.func_entry != fn->entry ||
	    strcmp(pi.function, fn->name) || !*pi.file || pi.line <= 0) {
		if ((*bad)++ < MAX_REPORTED)
			print_error("no source position for %s at 0x%llx\n", fn->name,
				    (unsigned long long)fn->entry);
	}
	return 0;
}

static void check_sources(const char *name, struct gobin *gb)
{
	size_t bad = 0;
	void *ctx[2] = { gb, &bad };

	gobin_for_each_func(gb, "", check_source_cb, ctx);
	if (bad)
		fail_msg("%s: %zu functions without a source position", name, bad);
}

static void test_program(void **state)
{
	const struct realprogram *p = *state;
	const struct expected *e = expected_of(p->name);
	struct gobin *gb = NULL;
	char err[256] = "";
	int minor;

	if (!e)
		fail_msg("%s: not in the expected table of %s", p->name, __FILE__);
	if (gobin_open(p->path, &gb, err, sizeof(err)))
		fail_msg("%s: gobin_open: %s", p->name, err);
	assert_string_equal(gobin_go_version(gb), e->go_version);
	assert_string_equal(gobin_source_name(gobin_version_source(gb)),
			    gobin_source_name(e->version_src));
	assert_string_equal(gobin_source_name(gobin_symbol_source(gb)),
			    gobin_source_name(e->symbols));
	assert_int_equal(gobin_is_pie(gb), e->pie);
	assert_int_equal(gobin_go_major(gb), 1);
	minor = gobin_go_minor(gb);
	assert_true(minor >= 16);
	if (minor >= 17) {
		check_funcs(p->name, gb, minor);
		check_plan(p->name, p->path, gb, minor);
		check_allg(p->name, gb, NULL);
		check_symbols(p->name, p->path, gb);
		check_sources(p->name, gb);
	}
	if (getenv("GOSTRAY_REAL_VERBOSE"))
		print_message("  %s: %s (%s) %s %s symbols=%s\n", p->name,
			      gobin_go_version(gb),
			      gobin_source_name(gobin_version_source(gb)),
			      gobin_is_pie(gb) ? "pie" : "exec",
			      gobin_has_dwarf(gb) ? "dwarf" : "no-dwarf",
			      gobin_source_name(gobin_symbol_source(gb)));
	gobin_close(gb);
}

int main(void)
{
	size_t i, j, n;
	int ret = realprograms_list("test_realbin", &n);

	if (ret <= 0)
		return -ret;
	for (j = 0; j < sizeof(expected) / sizeof(*expected); j++) {
		for (i = 0; i < n; i++)
			if (!strcmp(realprograms[i].name, expected[j].name))
				break;
		if (i == n)
			printf("test_realbin: %s not cached (run %s %s)\n",
			       expected[j].name, REALPROGRAMS_FETCH, expected[j].name);
	}
	return realprograms_run("realbin", "", test_program, n);
}
