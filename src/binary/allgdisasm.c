// SPDX-License-Identifier: BSD-2-Clause
/*
 * Runtime variables of a stripped binary, found in the instructions that
 * use them.  runtime.sched in runtime.newproc1: its goid allocation
 *	pp.goidcache = sched.goidgen.Add(_GoidCacheBatch)
 * is the one LOCK XADDQ of the constant 16 (_GoidCacheBatch) there, to a
 * RIP-relative address or one a LEA loaded, and goidgen is schedt's first
 * field (Go 1.17-1.27).
 *
 * allgs, allglen and allgptr in runtime.allgadd, which does
 *	allgs = append(allgs, gp)
 *	if &allgs[0] != allgptr { atomicstorep(&allgptr, &allgs[0]) }
 *	atomic.Storeuintptr(&allglen, uintptr(len(allgs)))
 * so, among the RIP-relative operands:
 *  - allgs is the address A referenced together with A+8 and A+16 (the
 *    slice's ptr, len and cap);
 *  - allgptr is the quadword CMP operand outside the slice header (the
 *    CMPL/CMPB ones are writeBarrier checks);
 *  - allglen is the address, loaded by LEA, that an XCHG (the atomic
 *    store) writes through, other than allgptr.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "binary/allgdisasm.h"

#define MAX_REFS 256
#define GOID_CACHE_BATCH 16	/* the runtime's _GoidCacheBatch, Go 1.17-1.27 */

struct allg_scan {
	uint64_t refs[MAX_REFS];	/* every RIP-relative address seen */
	size_t nrefs;
	uint64_t qword_cmps[MAX_REFS];	/* RIP-relative operands of 8-byte CMPs */
	size_t ncmps;
	uint64_t xchg_targets[MAX_REFS];
	size_t nxchg;
	uint64_t lea_value[X86_REG_ENDING];	/* register -> address it holds, 0 unknown */
};

static void add_addr(uint64_t *set, size_t *n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < *n; i++)
		if (set[i] == addr)
			return;
	if (*n < MAX_REFS)
		set[(*n)++] = addr;
}

static bool has_addr(const uint64_t *set, size_t n, uint64_t addr)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (set[i] == addr)
			return true;
	return false;
}

static uint64_t rip_target(const cs_insn *insn, const cs_x86_op *op)
{
	return insn->address + insn->size + (uint64_t)op->mem.disp;
}

static bool is_rip_mem(const cs_x86_op *op)
{
	return op->type == X86_OP_MEM && op->mem.base == X86_REG_RIP &&
	       op->mem.index == X86_REG_INVALID;
}

/* XCHG reg, [base] through a register loaded by LEA, or RIP-relative.
 * XCHG AX, AX (a NOP) has no memory operand and is ignored. */
static void note_xchg(struct allg_scan *s, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	int i;

	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type != X86_OP_MEM || op->mem.index != X86_REG_INVALID)
			continue;
		if (op->mem.base == X86_REG_RIP)
			add_addr(s->xchg_targets, &s->nxchg, rip_target(insn, op));
		else if (op->mem.disp == 0 && op->mem.base > X86_REG_INVALID &&
			 op->mem.base < X86_REG_ENDING && s->lea_value[op->mem.base])
			add_addr(s->xchg_targets, &s->nxchg, s->lea_value[op->mem.base]);
	}
}

/* Registers written by anything but a LEA of a RIP address lose their value. */
static void track_registers(struct allg_scan *s, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	int i;

	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type != X86_OP_REG || !(op->access & CS_AC_WRITE) ||
		    op->reg <= X86_REG_INVALID || op->reg >= X86_REG_ENDING)
			continue;
		s->lea_value[op->reg] = 0;
		if (insn->id == X86_INS_LEA && x->op_count == 2 && is_rip_mem(&x->operands[1]))
			s->lea_value[op->reg] = rip_target(insn, &x->operands[1]);
	}
}

static void scan_insn(struct allg_scan *s, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	int i;

	if (insn->id == X86_INS_XCHG)
		note_xchg(s, insn);
	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (!is_rip_mem(op))
			continue;
		add_addr(s->refs, &s->nrefs, rip_target(insn, op));
		if (insn->id == X86_INS_CMP && op->size == 8)
			add_addr(s->qword_cmps, &s->ncmps, rip_target(insn, op));
	}
	track_registers(s, insn);
}

static int disassemble(const uint8_t *code, size_t size, uint64_t entry, struct allg_scan *s)
{
	const uint8_t *p = code;
	uint64_t addr = entry;
	cs_insn *insn;
	csh handle;

	if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK)
		return -EIO;
	cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(handle);
	if (!insn)
		goto err_close;
	/* stops at the first byte sequence that is not an instruction */
	while (cs_disasm_iter(handle, &p, &size, &addr, insn))
		scan_insn(s, insn);
	cs_free(insn, 1);
	cs_close(&handle);
	return 0;

err_close:
	cs_close(&handle);
	return -EIO;
}

static bool in_slice_header(uint64_t allgs, uint64_t addr)
{
	return addr >= allgs && addr < allgs + 24;
}

int allg_addrs_from_allgadd(const uint8_t *code, size_t size, uint64_t entry,
			    struct allg_addrs *out)
{
	struct allg_scan *s;
	size_t i;
	int ret;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	memset(out, 0, sizeof(*out));
	ret = disassemble(code, size, entry, s);
	if (ret)
		goto out_free;
	for (i = 0; i < s->nrefs && !out->allgs; i++)
		if (has_addr(s->refs, s->nrefs, s->refs[i] + 8) &&
		    has_addr(s->refs, s->nrefs, s->refs[i] + 16))
			out->allgs = s->refs[i];
	for (i = 0; i < s->ncmps && out->allgs && !out->allgptr; i++)
		if (!in_slice_header(out->allgs, s->qword_cmps[i]))
			out->allgptr = s->qword_cmps[i];
	for (i = 0; i < s->nxchg && out->allgptr && !out->allglen; i++)
		if (s->xchg_targets[i] != out->allgptr &&
		    !in_slice_header(out->allgs, s->xchg_targets[i]))
			out->allglen = s->xchg_targets[i];
	ret = out->allgs && out->allgptr && out->allglen ? 0 : -ENOENT;
out_free:
	free(s);
	return ret;
}

/* The 64-bit register a 32- or 64-bit general register is part of (a
 * MOV to ECX sets RCX), X86_REG_INVALID for others. */
static x86_reg reg64(x86_reg r)
{
	static const x86_reg pairs[][2] = {
		{ X86_REG_EAX, X86_REG_RAX }, { X86_REG_EBX, X86_REG_RBX },
		{ X86_REG_ECX, X86_REG_RCX }, { X86_REG_EDX, X86_REG_RDX },
		{ X86_REG_ESI, X86_REG_RSI }, { X86_REG_EDI, X86_REG_RDI },
		{ X86_REG_EBP, X86_REG_RBP }, { X86_REG_R8D, X86_REG_R8 },
		{ X86_REG_R9D, X86_REG_R9 }, { X86_REG_R10D, X86_REG_R10 },
		{ X86_REG_R11D, X86_REG_R11 }, { X86_REG_R12D, X86_REG_R12 },
		{ X86_REG_R13D, X86_REG_R13 }, { X86_REG_R14D, X86_REG_R14 },
		{ X86_REG_R15D, X86_REG_R15 },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(*pairs); i++)
		if (r == pairs[i][0] || r == pairs[i][1])
			return pairs[i][1];
	return X86_REG_INVALID;
}

/* What the scan of newproc1 knows of each 64-bit register. */
struct reg_state {
	uint64_t lea[X86_REG_ENDING];	/* the RIP-relative address it holds, 0 unknown */
	int64_t imm[X86_REG_ENDING];	/* the constant it holds, -1 unknown */
};

static void note_writes(struct reg_state *rs, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	int i;

	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];
		x86_reg r;

		if (op->type != X86_OP_REG || !(op->access & CS_AC_WRITE))
			continue;
		r = reg64(op->reg);
		if (r == X86_REG_INVALID)
			continue;
		rs->lea[r] = 0;
		rs->imm[r] = -1;
		if (insn->id == X86_INS_LEA && x->op_count == 2 && is_rip_mem(&x->operands[1]))
			rs->lea[r] = rip_target(insn, &x->operands[1]);
		if (insn->id == X86_INS_MOV && x->op_count == 2 &&
		    x->operands[1].type == X86_OP_IMM)
			rs->imm[r] = x->operands[1].imm;
	}
}

/* LOCK XADD [A], R with R holding _GoidCacheBatch (16): A, else 0.  A is
 * RIP-relative, or in a register loaded by LEA. */
static uint64_t goid_batch_target(const struct reg_state *rs, const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	const cs_x86_op *mem = NULL, *src = NULL;
	int i;

	if (insn->id != X86_INS_XADD || x->prefix[0] != X86_PREFIX_LOCK || x->op_count != 2)
		return 0;
	for (i = 0; i < 2; i++) {
		if (x->operands[i].type == X86_OP_MEM)
			mem = &x->operands[i];
		else if (x->operands[i].type == X86_OP_REG)
			src = &x->operands[i];
	}
	if (!mem || !src || mem->size != 8 || reg64(src->reg) == X86_REG_INVALID ||
	    rs->imm[reg64(src->reg)] != GOID_CACHE_BATCH)
		return 0;
	if (is_rip_mem(mem))
		return rip_target(insn, mem);
	if (mem->mem.index == X86_REG_INVALID && mem->mem.disp == 0 &&
	    reg64(mem->mem.base) != X86_REG_INVALID)
		return rs->lea[reg64(mem->mem.base)];
	return 0;
}

int goidgen_from_newproc1(const uint8_t *code, size_t size, uint64_t entry, uint64_t *out)
{
	const uint8_t *p = code;
	uint64_t addr = entry, found = 0;
	struct reg_state *rs;
	cs_insn *insn;
	csh handle;
	int ret = -ENOENT;

	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return -ENOMEM;
	memset(rs->imm, 0xff, sizeof(rs->imm));	/* -1: unknown */
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &handle) != CS_ERR_OK) {
		free(rs);
		return -EIO;
	}
	cs_option(handle, CS_OPT_DETAIL, CS_OPT_ON);
	insn = cs_malloc(handle);
	if (!insn) {
		ret = -ENOMEM;
		goto out_close;
	}
	while (cs_disasm_iter(handle, &p, &size, &addr, insn)) {
		uint64_t t = goid_batch_target(rs, insn);

		if (t && found && t != found) {
			ret = -EEXIST;	/* two candidates: neither is sure */
			goto out_free;
		}
		if (t)
			found = t;
		note_writes(rs, insn);
	}
	if (found) {
		*out = found;
		ret = 0;
	}
out_free:
	cs_free(insn, 1);
out_close:
	cs_close(&handle);
	free(rs);
	return ret;
}
