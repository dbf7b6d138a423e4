/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * pclntab: Go's function table (runtime.pcHeader and what follows), read
 * from a byte buffer.  Formats: Go 1.16-1.17 (magic 0xfffffffa), 1.18-1.19
 * (0xfffffff0) and 1.20+ (0xfffffff1); 64-bit, little-endian.
 * See docs/go-runtime.md § The function table.
 *
 * Every offset read from the table is checked against the buffer size:
 * a corrupted table yields errors, never an out-of-bounds read.
 */
#ifndef GOSTRAY_PCLNTAB_H
#define GOSTRAY_PCLNTAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define PCLN_MAGIC_116 0xfffffffaU
#define PCLN_MAGIC_118 0xfffffff0U
#define PCLN_MAGIC_120 0xfffffff1U

/* Size of the 64-bit pcHeader up to and including pclnOffset (1.18+). */
#define PCLN_HEADER_MAX 72

struct pclntab {
	const uint8_t *data;	/* starts at the pcHeader */
	size_t size;		/* bytes available from data */
	uint64_t vaddr;		/* link-time vaddr of the pcHeader */
	uint32_t magic;
	uint8_t quantum;	/* minLC: 1 on amd64 */
	uint64_t nfunc;
	uint64_t header_text_start;	/* pcHeader.textStart; 0 in 1.16/1.17 and 1.26+ */
	uint64_t text_start;	/* moduledata.text, set by the caller (1.18+) */
	uint64_t funcname_off, cu_off, filetab_off, pctab_off, pcln_off;
	/*
	 * Optional: the address-sized word at vaddr as relocated at load time
	 * (0 on success).  Go 1.16/1.17 functab entries are absolute
	 * addresses, which a PIE may hold only in relocations.
	 */
	int (*read_addr)(const void *ctx, uint64_t vaddr, uint64_t *val);
	const void *read_addr_ctx;
};

/* _func.flag bits (abi.FuncFlag, the same in Go 1.17-1.27). */
#define PCLN_FLAG_TOPFRAME 0x1	/* the bottom of a stack: unwinding stops */
#define PCLN_FLAG_SPWRITE 0x2	/* writes SP in ways pcsp cannot describe */
#define PCLN_FLAG_ASM 0x4

/* Table numbers (the same in every supported version). */
#define PCDATA_INLTREE_INDEX 2
#define FUNCDATA_INLTREE 3

struct pcln_func {
	uint64_t entry;
	uint64_t end;		/* next function's entry */
	const char *name;	/* points into the table */
	uint8_t funcid;		/* 0 = normal; wrappers and runtime asm differ */
	uint8_t flag;		/* PCLN_FLAG_* */
	size_t index;		/* position in functab */
};

/* True when p (len bytes) starts with a pcHeader this parser understands:
 * a known magic, two zero pad bytes, quantum 1/2/4, pointer size 8. */
bool pclntab_header_valid(const uint8_t *p, size_t len);

/* Parse the header at data; err gets a one-line reason on failure. */
int pclntab_parse(struct pclntab *t, const uint8_t *data, size_t size, uint64_t vaddr,
		  char *err, size_t errlen);

/* Whether entries are offsets from text_start (1.18+) and so need it. */
bool pclntab_needs_text_start(const struct pclntab *t);

/* The vaddr moduledata.funcnametab points to, to confirm a moduledata. */
uint64_t pclntab_funcnametab_vaddr(const struct pclntab *t);

/* Entry PC of functab slot i (0 <= i <= nfunc; slot nfunc is the end of
 * the last function), with t->text_start as the text base. */
uint64_t pclntab_entry(const struct pclntab *t, size_t i);

/* Function number i (0 <= i < nfunc) of functab. */
int pclntab_func(const struct pclntab *t, size_t i, struct pcln_func *out);

/* The function containing pc; -ENOENT outside the Go text. */
int pclntab_func_at(const struct pclntab *t, uint64_t pc, struct pcln_func *out);

/* Source position of pc inside fn (the runtime's pcvalue algorithm). */
int pclntab_source(const struct pclntab *t, const struct pcln_func *fn, uint64_t pc,
		   const char **file, int *line);

/* Name at funcnametab offset nameoff (inlined calls name their callee so). */
const char *pclntab_funcname(const struct pclntab *t, int32_t nameoff);

/* Stack frame size at pc (the pcsp table): the return address of fn's
 * caller is at sp + delta.  -ENOENT when the table does not cover pc. */
int pclntab_spdelta(const struct pclntab *t, const struct pcln_func *fn, uint64_t pc,
		    int32_t *delta);

/* Value of pcdata table `table` at pc (-1 when it has no entry there);
 * -ENOENT when fn has no such table. */
int pclntab_pcdata(const struct pclntab *t, const struct pcln_func *fn, uint32_t table,
		   uint64_t pc, int32_t *val);

/* Link-time vaddr of fn's funcdata `index`: gofunc + offset from Go 1.18
 * (gofunc is moduledata.gofunc), an absolute pointer before.  -ENOENT when
 * fn has none. */
int pclntab_funcdata(const struct pclntab *t, const struct pcln_func *fn, uint8_t index,
		     uint64_t gofunc, uint64_t *vaddr);

#endif /* GOSTRAY_PCLNTAB_H */
