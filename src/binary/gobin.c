// SPDX-License-Identifier: BSD-2-Clause
/*
 * gobin: what the tracer needs to know about a Go executable, read from
 * the file alone.  The pieces live in their own modules: elfimage (ELF
 * access), pclntab (Go's function table), gomodule (finding pclntab and
 * moduledata), buildinfo (Go version) and allgdisasm (allgs without
 * symbols); this file combines them behind gobin.h.
 */
#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/allgdisasm.h"
#include "binary/buildinfo.h"
#include "binary/elfimage.h"
#include "binary/gobin.h"
#include "binary/gomodule.h"
#include "binary/pclntab.h"

#define GO_VERSION_MAX 257
/* runtime.allgadd is a few hundred bytes; refuse anything absurd. */
#define ALLGADD_MAX_BYTES 4096

struct gobin {
	char *path;
	struct elfimage img;
	struct pclntab pcln;
	uint64_t moduledata;	/* vaddr of runtime.firstmoduledata, 0 unknown */
	uint64_t gofunc;	/* moduledata.gofunc (go:func.*), 0 unknown */
	char version[GO_VERSION_MAX];
	enum gobin_source version_src;
	int major, minor;
	bool has_symtab, has_dynsym, has_dwarf;
	bool dynsym_has_go;	/* .dynsym exports the runtime (plugin-capable) */
};

const char *gobin_source_name(enum gobin_source src)
{
	switch (src) {
	case GOBIN_SRC_NONE: return "none";
	case GOBIN_SRC_SYMTAB: return "symtab";
	case GOBIN_SRC_DYNSYM: return "dynsym";
	case GOBIN_SRC_PCLNTAB: return "pclntab";
	case GOBIN_SRC_DISASM: return "disassembly";
	case GOBIN_SRC_BUILDINFO: return "buildinfo";
	case GOBIN_SRC_RODATA: return "rodata";
	case GOBIN_SRC_DWARF: return "dwarf";
	case GOBIN_SRC_TABLE: return "table";
	}
	return "unknown";
}

/* A binary without any version string is still usable for symbols; the
 * caller decides (major/minor stay 0). */
static void detect_version(struct gobin *gb)
{
	if (!buildinfo_go_version(&gb->img, gb->version, sizeof(gb->version)))
		gb->version_src = GOBIN_SRC_BUILDINFO;
	else if (!rodata_go_version(&gb->img, gb->version, sizeof(gb->version)))
		gb->version_src = GOBIN_SRC_RODATA;
	else
		snprintf(gb->version, sizeof(gb->version), "unknown");
	if (gb->version_src == GOBIN_SRC_NONE ||
	    go_version_parse(gb->version, &gb->major, &gb->minor))
		gb->major = gb->minor = 0;
}

/*
 * Offset of moduledata.gofunc (runtime/symtab.go of each version): text is
 * at 176 and every field after it is a uintptr; 1.20 added covctrs and
 * ecovctrs before end, 1.27 typedesclen, itaboffset and itabsize.  1.17
 * has no gofunc (funcdata are absolute pointers).
 */
static int moduledata_gofunc_offset(int minor)
{
	if (minor < 18)
		return -1;
	if (minor <= 19)
		return 304;
	if (minor <= 26)
		return 320;
	return 344;
}

/* Base of funcdata (inline trees): the go:func.* symbol when there are
 * symbols, else moduledata.gofunc. */
static void find_gofunc(struct gobin *gb)
{
	static const char *const names[] = { "go:func.*", "go.func.*" };
	int off = moduledata_gofunc_offset(gb->major == 1 ? gb->minor : 0);
	GElf_Sym sym;
	size_t i;

	for (i = 0; i < 2; i++)
		if (!elfimage_symbol(&gb->img, SHT_SYMTAB, names[i], &sym) && sym.st_value) {
			gb->gofunc = sym.st_value;
			return;
		}
	if (gb->moduledata && off > 0 &&
	    elfimage_read_ptr(&gb->img, gb->moduledata + off, &gb->gofunc))
		gb->gofunc = 0;
}

static bool has_section(const struct gobin *gb, const char *name)
{
	struct elf_region sec;

	return elfimage_section(&gb->img, name, &sec);
}

int gobin_open(const char *path, struct gobin **out, char *err, size_t errlen)
{
	struct gobin *gb;
	GElf_Sym sym;
	int ret;

	*out = NULL;
	gb = calloc(1, sizeof(*gb));
	if (!gb || !(gb->path = strdup(path))) {
		snprintf(err, errlen, "out of memory");
		ret = -ENOMEM;
		goto err_free;
	}
	ret = elfimage_open(&gb->img, path, err, errlen);
	if (ret)
		goto err_free;
	ret = gomodule_load_pclntab(&gb->img, &gb->pcln, &gb->moduledata, err, errlen);
	if (ret)
		goto err_close_image;
	detect_version(gb);
	gb->has_symtab = elfimage_has_symbols(&gb->img, SHT_SYMTAB);
	gb->has_dynsym = elfimage_has_symbols(&gb->img, SHT_DYNSYM);
	/* Binaries that can load plugins (Debian's containerd, dockerd)
	 * export every Go symbol; others only cgo's few. */
	gb->dynsym_has_go = gb->has_dynsym &&
			    !elfimage_symbol(&gb->img, SHT_DYNSYM, "runtime.newproc1", &sym);
	gb->has_dwarf = has_section(gb, ".debug_info") || has_section(gb, ".zdebug_info");
	find_gofunc(gb);
	*out = gb;
	return 0;

err_close_image:
	elfimage_close(&gb->img);
err_free:
	if (gb)
		free(gb->path);
	free(gb);
	return ret;
}

void gobin_close(struct gobin *gb)
{
	if (!gb)
		return;
	elfimage_close(&gb->img);
	free(gb->path);
	free(gb);
}

const char *gobin_path(const struct gobin *gb)
{
	return gb->path;
}

const char *gobin_go_version(const struct gobin *gb)
{
	return gb->version;
}

enum gobin_source gobin_version_source(const struct gobin *gb)
{
	return gb->version_src;
}

int gobin_go_major(const struct gobin *gb)
{
	return gb->major;
}

int gobin_go_minor(const struct gobin *gb)
{
	return gb->minor;
}

bool gobin_is_pie(const struct gobin *gb)
{
	return gb->img.ehdr.e_type == ET_DYN;
}

bool gobin_has_symtab(const struct gobin *gb)
{
	return gb->has_symtab;
}

bool gobin_has_dwarf(const struct gobin *gb)
{
	return gb->has_dwarf;
}

enum gobin_source gobin_symbol_source(const struct gobin *gb)
{
	if (gb->has_symtab)
		return GOBIN_SRC_SYMTAB;
	if (gb->dynsym_has_go)
		return GOBIN_SRC_DYNSYM;
	return GOBIN_SRC_PCLNTAB;
}

uint64_t gobin_text_start(const struct gobin *gb)
{
	struct pcln_func first;

	if (gb->pcln.text_start)
		return gb->pcln.text_start;
	/* Go 1.16/1.17 without a moduledata: entries are absolute. */
	return pclntab_func(&gb->pcln, 0, &first) ? 0 : first.entry;
}

/*
 * _func.funcID of wrappers (docs/go-runtime.md § Wrappers); -1 when the version
 * is unknown.  Only used to skip wrappers when no funcID 0 entry exists.
 */
int gobin_wrapper_funcid(const struct gobin *gb)
{
	if (gb->major != 1 || gb->minor < 17)
		return -1;
	if (gb->minor == 17)
		return 22;
	if (gb->minor <= 21)
		return 21;
	if (gb->minor <= 24)
		return 22;
	return 23;
}

static void fill_func(struct gobin_func *out, const struct pcln_func *pf,
		      enum gobin_source src)
{
	out->entry = pf->entry;
	out->end = pf->end;
	out->name = pf->name;
	out->src = src;
}

/* In pclntab: the funcID 0 entry of that name, else the first one that is
 * not a known ABI wrapper (runtime assembly has special funcIDs). */
static int find_in_pclntab(const struct gobin *gb, const char *name, struct gobin_func *out)
{
	int wrapper = gobin_wrapper_funcid(gb);
	struct pcln_func pf, other = { 0 };
	size_t i;

	for (i = 0; i < gb->pcln.nfunc; i++) {
		if (pclntab_func(&gb->pcln, i, &pf) || strcmp(pf.name, name))
			continue;
		if (pf.funcid == 0) {
			fill_func(out, &pf, GOBIN_SRC_PCLNTAB);
			return 0;
		}
		if (!other.name && pf.funcid != wrapper)
			other = pf;
	}
	if (!other.name)
		return -ENOENT;
	fill_func(out, &other, GOBIN_SRC_PCLNTAB);
	return 0;
}

/* The symbol's value is the entry; its end comes from pclntab, so that it
 * is the same with and without symbols. */
static int find_in_symbols(const struct gobin *gb, Elf64_Word sh_type,
			   enum gobin_source src, const char *name, struct gobin_func *out)
{
	struct pcln_func pf;
	GElf_Sym sym;

	if (elfimage_symbol(&gb->img, sh_type, name, &sym) ||
	    GELF_ST_TYPE(sym.st_info) != STT_FUNC)
		return -ENOENT;
	if (pclntab_func_at(&gb->pcln, sym.st_value, &pf) || pf.entry != sym.st_value)
		return -ENOENT;
	fill_func(out, &pf, src);
	out->name = pf.name;
	return 0;
}

int gobin_find_func(const struct gobin *gb, const char *name, struct gobin_func *out)
{
	/* An exact .symtab name is never a wrapper: those end in ".abi0". */
	if (gb->has_symtab && !find_in_symbols(gb, SHT_SYMTAB, GOBIN_SRC_SYMTAB, name, out))
		return 0;
	if (gb->has_dynsym && !find_in_symbols(gb, SHT_DYNSYM, GOBIN_SRC_DYNSYM, name, out))
		return 0;
	/* Assembly functions are "NAME.abi0" in .symtab: pclntab has NAME. */
	return find_in_pclntab(gb, name, out);
}

int gobin_for_each_func(const struct gobin *gb, const char *prefix,
			int (*cb)(const struct gobin_func *fn, void *ctx), void *ctx)
{
	int wrapper = gobin_wrapper_funcid(gb);
	size_t i, plen = strlen(prefix);
	struct gobin_func fn;
	struct pcln_func pf;
	int ret;

	for (i = 0; i < gb->pcln.nfunc; i++) {
		if (pclntab_func(&gb->pcln, i, &pf) || strncmp(pf.name, prefix, plen) ||
		    (wrapper >= 0 && pf.funcid == wrapper))
			continue;
		fill_func(&fn, &pf, GOBIN_SRC_PCLNTAB);
		ret = cb(&fn, ctx);
		if (ret)
			return ret;
	}
	return 0;
}

int gobin_pc_lookup(const struct gobin *gb, uint64_t pc, struct gobin_pcinfo *out)
{
	struct pcln_func pf;
	int ret;

	ret = pclntab_func_at(&gb->pcln, pc, &pf);
	if (ret)
		return ret;
	ret = pclntab_source(&gb->pcln, &pf, pc, &out->file, &out->line);
	if (ret)
		return ret;
	out->func_entry = pf.entry;
	out->function = pf.name;
	return 0;
}

/* The code of runtime function name, at most max bytes (a bound, so that
 * a damaged pclntab cannot make us disassemble megabytes). */
static int func_code(const struct gobin *gb, const char *name, size_t max,
		     struct gobin_func *fn, const uint8_t **code)
{
	int ret = gobin_find_func(gb, name, fn);

	if (ret)
		return ret;
	if (fn->end - fn->entry > max)
		return -ERANGE;
	*code = elfimage_at(&gb->img, fn->entry, fn->end - fn->entry);
	return *code ? 0 : -EFAULT;
}

static int allg_by_disasm(const struct gobin *gb, const char *name, struct gobin_var *out)
{
	struct allg_addrs a;
	struct gobin_func fn;
	const uint8_t *code;
	int ret;

	ret = func_code(gb, "runtime.allgadd", ALLGADD_MAX_BYTES, &fn, &code);
	if (!ret)
		ret = allg_addrs_from_allgadd(code, fn.end - fn.entry, fn.entry, &a);
	if (ret)
		return ret;
	if (!strcmp(name, "runtime.allgs"))
		out->addr = a.allgs;
	else if (!strcmp(name, "runtime.allglen"))
		out->addr = a.allglen;
	else
		out->addr = a.allgptr;
	out->src = GOBIN_SRC_DISASM;
	return 0;
}

/* newproc1 is large: inlined allocation, tracing. */
#define NEWPROC1_MAX_BYTES (64u << 10)

static int sched_by_disasm(const struct gobin *gb, struct gobin_var *out)
{
	struct gobin_func fn;
	const uint8_t *code;
	int ret;

	ret = func_code(gb, "runtime.newproc1", NEWPROC1_MAX_BYTES, &fn, &code);
	if (!ret)
		ret = goidgen_from_newproc1(code, fn.end - fn.entry, fn.entry, &out->addr);
	if (!ret)
		out->src = GOBIN_SRC_DISASM;
	return ret;
}

static int var_in_symbols(const struct gobin *gb, Elf64_Word sh_type, const char *name,
			  uint64_t *addr)
{
	GElf_Sym sym;

	if (elfimage_symbol(&gb->img, sh_type, name, &sym) ||
	    GELF_ST_TYPE(sym.st_info) != STT_OBJECT)
		return -ENOENT;
	*addr = sym.st_value;
	return 0;
}

int gobin_find_var(const struct gobin *gb, const char *name, struct gobin_var *out)
{
	if (gb->has_symtab && !var_in_symbols(gb, SHT_SYMTAB, name, &out->addr)) {
		out->src = GOBIN_SRC_SYMTAB;
		return 0;
	}
	if (gb->has_dynsym && !var_in_symbols(gb, SHT_DYNSYM, name, &out->addr)) {
		out->src = GOBIN_SRC_DYNSYM;
		return 0;
	}
	if (!strcmp(name, "runtime.allgs") || !strcmp(name, "runtime.allglen") ||
	    !strcmp(name, "runtime.allgptr"))
		return allg_by_disasm(gb, name, out);
	if (!strcmp(name, "runtime.sched"))
		return sched_by_disasm(gb, out);
	return -ENOENT;
}

int gobin_read(const struct gobin *gb, uint64_t vaddr, void *buf, size_t len)
{
	const uint8_t *p = elfimage_at(&gb->img, vaddr, len);

	if (!p)
		return -EFAULT;
	memcpy(buf, p, len);
	return 0;
}

int gobin_vaddr_to_offset(const struct gobin *gb, uint64_t vaddr, uint64_t *off)
{
	return elfimage_vaddr_to_offset(&gb->img, vaddr, off);
}

uint64_t gobin_first_load_vaddr(const struct gobin *gb)
{
	const struct elf_region *r = &gb->img.loads[0];
	size_t i;

	for (i = 0; i < gb->img.nloads; i++)
		if (gb->img.loads[i].offset == 0)
			r = &gb->img.loads[i];
	return r->vaddr - r->offset;
}

const struct pclntab *gobin_pclntab(const struct gobin *gb)
{
	return &gb->pcln;
}

uint64_t gobin_gofunc(const struct gobin *gb)
{
	return gb->gofunc;
}
