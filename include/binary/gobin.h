/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * gobin: static analysis of a Go executable (ELF, amd64).
 *
 * Opens a Go binary from a path (typically /proc/PID/exe, so binaries in
 * containers work) and answers what the tracer needs from it without
 * running it: the Go version, where runtime functions and variables are,
 * and PC -> function/file/line through the binary's own pclntab.
 *
 * All addresses here are link-time virtual addresses, as written in the
 * ELF file.  For a PIE binary add the load bias of the live process
 * (see procmaps.h) to get a runtime address.
 *
 * Errors: functions returning int return 0 on success and a negative errno
 * on failure; gobin_open() also writes a one-line human message into err
 * (no trailing newline) naming what is missing, e.g.
 *   "not a Go binary: no Go pclntab found".
 */
#ifndef GOSTRAY_GOBIN_H
#define GOSTRAY_GOBIN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct gobin;

/* Where a piece of information was found; reported by `gostray info`. */
enum gobin_source {
	GOBIN_SRC_NONE = 0,
	GOBIN_SRC_SYMTAB,	/* ELF .symtab */
	GOBIN_SRC_DYNSYM,	/* ELF .dynsym */
	GOBIN_SRC_PCLNTAB,	/* Go pclntab (function table) */
	GOBIN_SRC_DISASM,	/* derived from disassembling runtime code */
	GOBIN_SRC_BUILDINFO,	/* .go.buildinfo */
	GOBIN_SRC_RODATA,	/* runtime version string found in read-only data */
	GOBIN_SRC_DWARF,	/* DWARF debug info */
	GOBIN_SRC_TABLE,	/* gostray's built-in per-version table */
};

const char *gobin_source_name(enum gobin_source src);

struct gobin_func {
	uint64_t entry;		/* link-time vaddr of the first instruction */
	uint64_t end;		/* one past the last byte (next function's entry) */
	const char *name;	/* owned by the gobin; valid until gobin_close() */
	enum gobin_source src;
};

struct gobin_pcinfo {
	uint64_t func_entry;
	const char *function;	/* e.g. "main.leakyFanout.func1"; owned by gobin */
	const char *file;	/* e.g. "/src/zoo/fanout.go"; owned by gobin */
	int line;
};

struct gobin_var {
	uint64_t addr;		/* link-time vaddr */
	enum gobin_source src;
};

/* Open and analyse a binary.  On failure returns NULL-equivalent (<0) and
 * fills err with one line saying what is missing. */
int gobin_open(const char *path, struct gobin **out, char *err, size_t errlen);
void gobin_close(struct gobin *gb);

const char *gobin_path(const struct gobin *gb);

/* "go1.19.8", "go1.27.3", "devel go1.27-abcdef" ... as found in the binary. */
const char *gobin_go_version(const struct gobin *gb);
enum gobin_source gobin_version_source(const struct gobin *gb);
/* Parsed major.minor of the version, e.g. 1 and 19; both 0 when unknown. */
int gobin_go_major(const struct gobin *gb);
int gobin_go_minor(const struct gobin *gb);

bool gobin_is_pie(const struct gobin *gb);	/* ET_DYN */
bool gobin_has_symtab(const struct gobin *gb);	/* .symtab present */
bool gobin_has_dwarf(const struct gobin *gb);	/* .debug_info or .zdebug_info */
/* Where function symbols come from: SYMTAB when .symtab exists, DYNSYM when
 * .dynsym exports the Go runtime's functions (binaries that can load
 * plugins, e.g. Debian's containerd and dockerd), else PCLNTAB. */
enum gobin_source gobin_symbol_source(const struct gobin *gb);

/* Start of the Go text (moduledata.text / runtime.text), link-time vaddr. */
uint64_t gobin_text_start(const struct gobin *gb);

/*
 * Look up a function by its exact Go name (e.g. "runtime.gopark").
 * Returns the ABIInternal body, never an ABI0 wrapper (pclntab funcID != 0
 * entries and ".abi0" symbols are skipped).  -ENOENT when absent.
 */
int gobin_find_func(const struct gobin *gb, const char *name, struct gobin_func *out);

/* Call cb for every function whose name starts with prefix (pclntab order).
 * Stops early and returns cb's value when cb returns non-zero. */
int gobin_for_each_func(const struct gobin *gb, const char *prefix,
			int (*cb)(const struct gobin_func *fn, void *ctx), void *ctx);

/* PC -> function, file, line (the runtime's own pcvalue algorithm). For a
 * return address such as g.gopc the caller passes gopc - 1. -ENOENT when pc
 * is outside the Go text. */
int gobin_pc_lookup(const struct gobin *gb, uint64_t pc, struct gobin_pcinfo *out);

/*
 * Find a runtime variable: "runtime.allgs", "runtime.allglen",
 * "runtime.allgptr".  Uses .symtab/.dynsym when present, else the
 * instructions of runtime.allgadd (docs/go-runtime.md § All goroutines
 * without stopping the target).
 */
int gobin_find_var(const struct gobin *gb, const char *name, struct gobin_var *out);

/* Copy len bytes of the file image at link-time vaddr into buf (only bytes
 * backed by the file; .bss reads fail with -EFAULT). */
int gobin_read(const struct gobin *gb, uint64_t vaddr, void *buf, size_t len);

/* Link-time vaddr -> file offset (what uprobe attach wants). */
int gobin_vaddr_to_offset(const struct gobin *gb, uint64_t vaddr, uint64_t *off);

/* Link-time vaddr of the first PT_LOAD (p_vaddr - p_offset of the segment
 * with offset 0): the load bias of a live process is
 * (start of the mapping with file offset 0) - this. */
uint64_t gobin_first_load_vaddr(const struct gobin *gb);

struct pclntab;
/* The binary's function table, for stack unwinding (gostack.h). */
const struct pclntab *gobin_pclntab(const struct gobin *gb);

/* moduledata.gofunc: base of funcdata such as inline trees (Go 1.18+);
 * 0 when unknown (then inlined frames are not expanded). */
uint64_t gobin_gofunc(const struct gobin *gb);

/* funcID of compiler-generated wrappers in this Go version, -1 unknown. */
int gobin_wrapper_funcid(const struct gobin *gb);

#endif /* GOSTRAY_GOBIN_H */
