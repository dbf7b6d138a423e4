// SPDX-License-Identifier: BSD-2-Clause
/*
 * Probe placement by disassembly.
 *
 * Why not function entries: the first instruction of a Go function is
 * CMPQ SP, 0x10(R14), which the kernel must single-step out of line
 * (~12 us per hit on this machine).  The JBE right after it, and any CALL,
 * are emulated (~1 us).  So every probe goes on one of those, and we need
 * real instruction boundaries to find them: Capstone decodes one
 * instruction at a time from the function's entry.
 */
#include <capstone/capstone.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "binary/probeplan.h"

/* Functions larger than this are not runtime functions we probe. */
#define FUNC_MAX_BYTES (64 * 1024)
/* The stack check is within the first few instructions of the prologue. */
#define STACK_CHECK_MAX_INSNS 4

const char *probe_kind_name(enum probe_kind kind)
{
	switch (kind) {
	case PROBE_CREATE_RUNQPUT: return "create";
	case PROBE_CREATE_NEWPROC1_RET: return "create-other";
	case PROBE_PARK: return "park";
	case PROBE_EXIT_GDESTROY: return "exit";
	case PROBE_EXIT_GOEXIT0: return "exit";
	}
	return "?";
}

struct disasm {
	csh handle;
	uint8_t *code;
	size_t size;
	uint64_t base;
};

static int disasm_open(const struct gobin *gb, const struct gobin_func *fn,
		       struct disasm *d)
{
	size_t size = fn->end - fn->entry;

	memset(d, 0, sizeof(*d));
	if (fn->end <= fn->entry || size > FUNC_MAX_BYTES)
		return -ERANGE;
	d->code = malloc(size);
	if (!d->code)
		return -ENOMEM;
	if (gobin_read(gb, fn->entry, d->code, size))
		goto err_free_code;
	if (cs_open(CS_ARCH_X86, CS_MODE_64, &d->handle) != CS_ERR_OK)
		goto err_free_code;
	cs_option(d->handle, CS_OPT_DETAIL, CS_OPT_ON);
	d->size = size;
	d->base = fn->entry;
	return 0;

err_free_code:
	free(d->code);
	d->code = NULL;
	return -EIO;
}

static void disasm_close(struct disasm *d)
{
	if (d->code)
		cs_close(&d->handle);
	free(d->code);
	d->code = NULL;
}

static void insn_text(const cs_insn *insn, char *buf, size_t len)
{
	if (buf && len)
		snprintf(buf, len, "%s %s", insn->mnemonic, insn->op_str);
}

/*
 * CMP reg, [R14 + 0x10]: g.stackguard0 is at offset 16 in every Go version.
 * Go 1.17 compiles //go:systemstack functions (runtime.newproc1 among them)
 * to check g.stackguard1 at offset 24 instead; that is a stack check too.
 */
#define G_STACKGUARD0 0x10
#define G_STACKGUARD1 0x18

static int is_stackguard_cmp(const cs_insn *insn)
{
	const cs_x86 *x = &insn->detail->x86;
	int i;

	if (insn->id != X86_INS_CMP)
		return 0;
	for (i = 0; i < x->op_count; i++) {
		const cs_x86_op *op = &x->operands[i];

		if (op->type == X86_OP_MEM && op->mem.base == X86_REG_R14 &&
		    op->mem.index == X86_REG_INVALID &&
		    (op->mem.disp == G_STACKGUARD0 || op->mem.disp == G_STACKGUARD1))
			return 1;
	}
	return 0;
}

static int is_conditional_jump(csh h, const cs_insn *insn)
{
	return cs_insn_group(h, insn, X86_GRP_JUMP) && insn->id != X86_INS_JMP;
}

int probeplan_stack_check_branch(const struct gobin *gb,
				   const struct gobin_func *fn,
				   uint64_t *vaddr, char *insn_buf, size_t insnlen)
{
	struct disasm d;
	const uint8_t *code;
	size_t size;
	uint64_t addr;
	cs_insn *insn;
	int n = 0, after_cmp = 0, err = -ENOENT;

	err = disasm_open(gb, fn, &d);
	if (err)
		return err;
	err = -ENOENT;
	insn = cs_malloc(d.handle);
	if (!insn)
		goto out_close;
	code = d.code;
	size = d.size;
	addr = d.base;
	while (n++ < STACK_CHECK_MAX_INSNS &&
	       cs_disasm_iter(d.handle, &code, &size, &addr, insn)) {
		if (after_cmp) {
			if (is_conditional_jump(d.handle, insn)) {
				*vaddr = insn->address;
				insn_text(insn, insn_buf, insnlen);
				err = 0;
			}
			break;
		}
		after_cmp = is_stackguard_cmp(insn);
	}
	cs_free(insn, 1);
out_close:
	disasm_close(&d);
	return err;
}

/* The instruction decoded before a CALL. */
struct prev_insn {
	unsigned int id;	/* X86_INS_*, X86_INS_INVALID at the entry */
	uint64_t address;
	uint16_t size;
};

/* Call cb for every direct CALL in fn with its target. */
static int for_each_call(const struct gobin *gb, const struct gobin_func *fn,
			 int (*cb)(const cs_insn *insn, const struct prev_insn *prev,
				   uint64_t target, uint64_t next, void *ctx),
			 void *ctx)
{
	struct prev_insn prev = { X86_INS_INVALID, 0, 0 };
	struct disasm d;
	const uint8_t *code;
	size_t size;
	uint64_t addr;
	cs_insn *insn;
	int err;

	err = disasm_open(gb, fn, &d);
	if (err)
		return err;
	insn = cs_malloc(d.handle);
	if (!insn) {
		err = -ENOMEM;
		goto out_close;
	}
	code = d.code;
	size = d.size;
	addr = d.base;
	while (cs_disasm_iter(d.handle, &code, &size, &addr, insn)) {
		const cs_x86 *x = &insn->detail->x86;

		if (insn->id == X86_INS_CALL && x->op_count == 1 &&
		    x->operands[0].type == X86_OP_IMM) {
			err = cb(insn, &prev, (uint64_t)x->operands[0].imm, addr, ctx);
			if (err)
				break;
		}
		prev.id = insn->id;
		prev.address = insn->address;
		prev.size = insn->size;
	}
	cs_free(insn, 1);
out_close:
	disasm_close(&d);
	return err;
}

struct calls_out {
	uint64_t *targets;
	size_t max, n;
};

static int collect_call_cb(const cs_insn *insn, const struct prev_insn *prev,
			   uint64_t target, uint64_t next, void *ctx)
{
	struct calls_out *o = ctx;

	if (o->n < o->max)
		o->targets[o->n] = target;
	o->n++;
	return 0;
}

int probeplan_direct_calls(const struct gobin *gb, const struct gobin_func *fn,
			uint64_t *targets, size_t max)
{
	struct calls_out o = { targets, max, 0 };
	int err = for_each_call(gb, fn, collect_call_cb, &o);

	return err ? err : (int)(o.n < max ? o.n : max);
}

static void point_set(struct probe_point *p, enum probe_kind kind,
		      const char *function, uint64_t vaddr)
{
	p->kind = kind;
	snprintf(p->function, sizeof(p->function), "%s", function);
	p->vaddr = vaddr;
}

/* State for scanning runtime.newproc.func1 and the other creators. */
struct creator_scan {
	uint64_t newproc1;
	uint64_t runqput;
	int seen_newproc1;	/* a CALL newproc1 came before */
	uint64_t hit;		/* vaddr found */
	char insn[96];
	int want_runqput;	/* 1: CALL runqput after newproc1; 0: insn after CALL newproc1 */
};

/*
 * Linux 6.18+ turns a uprobe on a 5-byte NOP into a call to a trampoline,
 * no trap: ~1.7 us per hit here against ~5.9 us for the emulated CALL.  Go
 * pads before some CALLs (so they do not cross a 32-byte line) with
 * exactly such a NOP; right before CALL runqput the registers are the
 * CALL's own (RBX = newg), so the probe moves there when the NOP exists.
 */
static bool is_nop5_right_before(const struct prev_insn *prev, const cs_insn *insn)
{
	return prev->id == X86_INS_NOP && prev->size == 5 &&
	       prev->address + prev->size == insn->address;
}

static int creator_call_cb(const cs_insn *insn, const struct prev_insn *prev,
			   uint64_t target, uint64_t next, void *ctx)
{
	struct creator_scan *s = ctx;

	if (target == s->newproc1) {
		s->seen_newproc1 = 1;
		if (!s->want_runqput) {
			/* RAX = newg once newproc1 returned: the next insn. */
			s->hit = next;
			snprintf(s->insn, sizeof(s->insn), "after %s %s",
				 insn->mnemonic, insn->op_str);
			return 1;
		}
		return 0;
	}
	if (s->want_runqput && s->seen_newproc1 && target == s->runqput) {
		if (is_nop5_right_before(prev, insn)) {
			s->hit = prev->address;
			snprintf(s->insn, sizeof(s->insn), "nop5 before %s %s",
				 insn->mnemonic, insn->op_str);
		} else {
			s->hit = insn->address;
			insn_text(insn, s->insn, sizeof(s->insn));
		}
		return 1;
	}
	return 0;
}

static int add_stack_check_probe(const struct gobin *gb, struct probe_plan *plan,
				 const char *name, enum probe_kind kind,
				 char *err, size_t errlen)
{
	struct gobin_func fn;
	struct probe_point *p = &plan->points[plan->n];
	uint64_t vaddr;

	if (gobin_find_func(gb, name, &fn)) {
		snprintf(err, errlen, "function %s not found in the binary", name);
		return -ENOENT;
	}
	if (probeplan_stack_check_branch(gb, &fn, &vaddr, p->insn, sizeof(p->insn))) {
		snprintf(err, errlen,
			 "no stack-check branch at the start of %s (0x%lx)",
			 name, (unsigned long)fn.entry);
		return -ENOENT;
	}
	point_set(p, kind, name, vaddr);
	plan->n++;
	return 0;
}

/* The runtime's creators other than the go statement: their closures call
 * newproc1 directly (docs/go-runtime.md § Probe points; numbers vary). */
static const char *const other_creator_prefixes[] = {
	"runtime.newcoro",
	"runtime.debugCallWrap",
	"runtime.synctestRun",
};

struct other_scan_ctx {
	const struct gobin *gb;
	struct probe_plan *plan;
	uint64_t newproc1;
};

static int other_creator_cb(const struct gobin_func *fn, void *ctx)
{
	struct other_scan_ctx *o = ctx;
	struct creator_scan s = { .newproc1 = o->newproc1 };
	struct probe_point *p;

	if (for_each_call(o->gb, fn, creator_call_cb, &s) < 0 || !s.hit)
		return 0;
	if (o->plan->n >= PROBES_MAX)
		return 0;
	p = &o->plan->points[o->plan->n++];
	point_set(p, PROBE_CREATE_NEWPROC1_RET, fn->name, s.hit);
	snprintf(p->insn, sizeof(p->insn), "%s", s.insn);
	return 0;
}

static int add_creation_probes(const struct gobin *gb, struct probe_plan *plan,
			       char *err, size_t errlen)
{
	struct gobin_func newproc1, runqput, func1;
	struct creator_scan s = { 0 };
	struct other_scan_ctx o = { gb, plan, 0 };
	struct probe_point *p;
	size_t i;

	if (gobin_find_func(gb, "runtime.newproc1", &newproc1) ||
	    gobin_find_func(gb, "runtime.runqput", &runqput) ||
	    gobin_find_func(gb, "runtime.newproc.func1", &func1)) {
		snprintf(err, errlen, "runtime.newproc1, runtime.runqput or "
			 "runtime.newproc.func1 not found in the binary");
		return -ENOENT;
	}
	s.newproc1 = newproc1.entry;
	s.runqput = runqput.entry;
	s.want_runqput = 1;
	if (for_each_call(gb, &func1, creator_call_cb, &s) < 0 || !s.hit) {
		snprintf(err, errlen, "no CALL runtime.runqput after CALL "
			 "runtime.newproc1 in runtime.newproc.func1");
		return -ENOENT;
	}
	p = &plan->points[plan->n++];
	point_set(p, PROBE_CREATE_RUNQPUT, func1.name, s.hit);
	snprintf(p->insn, sizeof(p->insn), "%s", s.insn);

	o.newproc1 = newproc1.entry;
	for (i = 0; i < sizeof(other_creator_prefixes) / sizeof(*other_creator_prefixes); i++)
		gobin_for_each_func(gb, other_creator_prefixes[i], other_creator_cb, &o);
	return 0;
}

int probeplan_build(const struct gobin *gb, int minor, struct probe_plan *plan,
		char *err, size_t errlen)
{
	int i, ret;

	memset(plan, 0, sizeof(*plan));
	ret = add_creation_probes(gb, plan, err, errlen);
	if (ret)
		return ret;
	ret = add_stack_check_probe(gb, plan, "runtime.gopark", PROBE_PARK, err, errlen);
	if (ret)
		return ret;
	/* gdestroy (1.22+) is the one place every exit passes, coroutines
	 * included; before 1.22 goexit0 does the teardown itself. */
	if (minor >= 22)
		ret = add_stack_check_probe(gb, plan, "runtime.gdestroy",
					    PROBE_EXIT_GDESTROY, err, errlen);
	else
		ret = add_stack_check_probe(gb, plan, "runtime.goexit0",
					    PROBE_EXIT_GOEXIT0, err, errlen);
	if (ret)
		return ret;

	for (i = 0; i < plan->n; i++) {
		struct probe_point *p = &plan->points[i];

		if (gobin_vaddr_to_offset(gb, p->vaddr, &p->file_offset)) {
			snprintf(err, errlen, "probe address 0x%lx in %s is not "
				 "backed by the file", (unsigned long)p->vaddr,
				 p->function);
			return -EFAULT;
		}
	}
	return 0;
}
