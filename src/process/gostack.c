// SPDX-License-Identifier: BSD-2-Clause
/*
 * Goroutine stack unwinding and symbolization, after the runtime's own
 * traceback (runtime/traceback.go, symtabinl.go of Go 1.18-1.27).
 */
#include <errno.h>
#include <string.h>

#include "process/gostack.h"
#include "binary/pclntab.h"

const char *gostack_end_name(enum gostack_end e)
{
	switch (e) {
	case GOSTACK_END_TOP: return "complete";
	case GOSTACK_END_MAX: return "truncated";
	case GOSTACK_END_UNKNOWN_PC: return "pc outside Go code";
	case GOSTACK_END_UNREADABLE: return "stack unreadable";
	case GOSTACK_END_BAD_FRAME: return "frame outside the stack";
	case GOSTACK_END_SPWRITE: return "function rewrites SP";
	}
	return "unknown";
}

enum gostack_end gostack_unwind(const struct gobin *gb, uint64_t bias, uint64_t pc,
				uint64_t sp, uint64_t stack_lo, uint64_t stack_hi,
				gostack_read_fn read, void *read_ctx,
				uint64_t *pcs, size_t max, size_t *n)
{
	const struct pclntab *t = gobin_pclntab(gb);
	bool innermost = true;

	*n = 0;
	if (sp < stack_lo || sp >= stack_hi)
		return GOSTACK_END_BAD_FRAME;
	for (;;) {
		struct pcln_func fn;
		uint64_t fp, lr;
		int32_t delta;

		if (pclntab_func_at(t, pc - bias, &fn))
			return GOSTACK_END_UNKNOWN_PC;
		if (*n == max)
			return GOSTACK_END_MAX;
		pcs[(*n)++] = pc;
		if (fn.flag & PCLN_FLAG_TOPFRAME)
			return GOSTACK_END_TOP;
		/* The runtime refuses these too, except as the innermost frame
		 * of a goroutine that was stopped by a signal. */
		if ((fn.flag & PCLN_FLAG_SPWRITE) && !innermost)
			return GOSTACK_END_SPWRITE;
		if (pclntab_spdelta(t, &fn, pc - bias, &delta))
			return GOSTACK_END_BAD_FRAME;
		/* amd64: the caller's return address sits right above the frame. */
		fp = sp + (uint64_t)delta + 8;
		if (fp <= sp || fp > stack_hi)
			return GOSTACK_END_BAD_FRAME;
		if (read(read_ctx, fp - 8, &lr, sizeof(lr)))
			return GOSTACK_END_UNREADABLE;
		if (!lr)
			return GOSTACK_END_TOP;
		pc = lr;
		sp = fp;
		innermost = false;
	}
}

/* runtime.inlinedCall, per pclntab format (symtab.go / symtabinl.go). */
struct inlined_call {
	uint8_t funcid;
	int32_t nameoff;
	int32_t parent_pc;	/* offset from the function's entry */
};

static int read_inlined_call(const struct gobin *gb, uint64_t tree, int32_t index,
			     struct inlined_call *out)
{
	const struct pclntab *t = gobin_pclntab(gb);
	uint8_t raw[20];
	size_t size;

	if (t->magic == PCLN_MAGIC_120) {
		/* {funcID u8, _ [3]byte, nameOff i32, parentPc i32, startLine i32} */
		size = 16;
		if (gobin_read(gb, tree + (uint64_t)index * size, raw, size))
			return -EFAULT;
		out->funcid = raw[0];
		memcpy(&out->nameoff, raw + 4, 4);
		memcpy(&out->parent_pc, raw + 8, 4);
		return 0;
	}
	if (t->magic == PCLN_MAGIC_118) {
		/* {parent i16, funcID u8, _ byte, file i32, line i32, func_ i32,
		 *  parentPc i32} */
		size = 20;
		if (gobin_read(gb, tree + (uint64_t)index * size, raw, size))
			return -EFAULT;
		out->funcid = raw[2];
		memcpy(&out->nameoff, raw + 12, 4);
		memcpy(&out->parent_pc, raw + 16, 4);
		return 0;
	}
	/* Go 1.16/1.17: layout not verified against their sources. */
	return -ENOTSUP;
}

static void set_position(const struct pclntab *t, const struct pcln_func *fn, uint64_t pc,
			 struct go_frame *f)
{
	if (pclntab_source(t, fn, pc, &f->file, &f->line)) {
		f->file = NULL;
		f->line = 0;
	}
}

size_t gostack_symbolize(const struct gobin *gb, uint64_t bias, uint64_t pc,
			 struct go_frame *out, size_t max)
{
	const struct pclntab *t = gobin_pclntab(gb);
	uint64_t tree = 0, link_pc = pc - bias, sym_pc;
	struct pcln_func fn;
	int32_t index = -1;
	size_t n = 0, depth;

	if (!max || pclntab_func_at(t, link_pc, &fn))
		return 0;
	/* A return address points after the CALL; its position is the CALL's. */
	sym_pc = link_pc > fn.entry ? link_pc - 1 : link_pc;
	if (pclntab_funcdata(t, &fn, FUNCDATA_INLTREE, gobin_gofunc(gb), &tree) ||
	    pclntab_pcdata(t, &fn, PCDATA_INLTREE_INDEX, sym_pc, &index))
		index = -1;
	for (depth = 0; index >= 0 && depth < GOSTACK_MAX_INLINE && n + 1 < max; depth++) {
		struct inlined_call ic;
		struct go_frame *f = &out[n];
		uint64_t parent;

		if (read_inlined_call(gb, tree, index, &ic))
			break;
		memset(f, 0, sizeof(*f));
		f->pc = pc;
		f->func_entry = fn.entry + bias;
		f->function = pclntab_funcname(t, ic.nameoff);
		f->funcid = ic.funcid;
		f->inlined = true;
		if (!f->function)
			break;
		set_position(t, &fn, sym_pc, f);
		n++;
		/* The caller's position is that of an instruction of the call. */
		parent = fn.entry + (uint64_t)(int64_t)ic.parent_pc;
		if (parent < fn.entry || parent >= fn.end)
			break;
		sym_pc = parent;
		if (pclntab_pcdata(t, &fn, PCDATA_INLTREE_INDEX, sym_pc, &index))
			index = -1;
	}
	memset(&out[n], 0, sizeof(out[n]));
	out[n].pc = pc;
	out[n].func_entry = fn.entry + bias;
	out[n].function = fn.name;
	out[n].funcid = fn.funcid;
	set_position(t, &fn, sym_pc, &out[n]);
	return n + 1;
}

/* isExportedRuntime: "runtime.X" or "runtime.(*T).X" with X (and T)
 * exported. */
static bool exported_runtime(const char *name)
{
	const char *rest = name + strlen("runtime."), *dot = strrchr(rest, '.');
	const char *fname = dot ? dot + 1 : rest;

	if (!(*fname >= 'A' && *fname <= 'Z'))
		return false;
	if (dot) {
		const char *rcvr = rest;

		if (rcvr[0] == '(' && rcvr[1] == '*')
			rcvr += 2;
		if (!(*rcvr >= 'A' && *rcvr <= 'Z'))
			return false;
	}
	return true;
}

bool gostack_frame_shown(const struct gobin *gb, const struct go_frame *f, bool first,
			 const struct go_frame *callee)
{
	int wrapper = gobin_wrapper_funcid(gb);
	const char *name = f->function;

	if (!name)
		return false;
	/* Wrappers are elided unless they called a panic function. */
	if (wrapper > 0 && f->funcid == wrapper &&
	    (!callee || !callee->function ||
	     (strcmp(callee->function, "runtime.gopanic") &&
	      strcmp(callee->function, "runtime.sigpanic") &&
	      strcmp(callee->function, "runtime.panicwrap"))))
		return false;
	if (!strcmp(name, "runtime.runFinalizers") || !strcmp(name, "runtime.runCleanups"))
		return true;
	if (!strcmp(name, "runtime.gopanic") && !first)
		return true;
	if (!strchr(name, '.'))
		return false;
	return strncmp(name, "runtime.", 8) || exported_runtime(name);
}
