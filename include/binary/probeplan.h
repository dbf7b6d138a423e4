/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Probe placement: which instruction of which runtime function each BPF
 * program goes on.  Every point is an instruction the kernel emulates
 * (a CALL or the conditional branch of the stack check), found by real
 * disassembly with Capstone, so a probe hit costs ~1 us instead of ~12 us.
 */
#ifndef GOSTRAY_PROBEPLAN_H
#define GOSTRAY_PROBEPLAN_H

#include <stddef.h>
#include <stdint.h>
#include "binary/gobin.h"

enum probe_kind {
	PROBE_CREATE_RUNQPUT,	/* CALL runqput in runtime.newproc.func1 */
	PROBE_CREATE_NEWPROC1_RET,	/* after CALL newproc1 in other creators */
	PROBE_PARK,		/* stack-check branch of runtime.gopark */
	PROBE_EXIT_GDESTROY,	/* stack-check branch of runtime.gdestroy */
	PROBE_EXIT_GOEXIT0,	/* stack-check branch of runtime.goexit0 */
};

#define PROBES_MAX 16

struct probe_point {
	enum probe_kind kind;
	char function[64];	/* function the instruction is in */
	char insn[96];		/* disassembly of the probed instruction */
	uint64_t vaddr;		/* link-time vaddr of the instruction */
	uint64_t file_offset;	/* what the uprobe is attached at */
};

struct probe_plan {
	struct probe_point points[PROBES_MAX];
	int n;
};

const char *probe_kind_name(enum probe_kind kind);

/* Place every probe gostray needs in gb (Go 1.minor).  Fails with a one-line
 * err naming the function or instruction that could not be found; a plan is
 * all or nothing, so no probe is attached on failure. */
int probeplan_build(const struct gobin *gb, int minor, struct probe_plan *plan,
		char *err, size_t errlen);

/* The conditional branch of the stack-check prologue of fn (the JBE after
 * CMP RSP, 0x10(R14), or 0x18(R14) in Go 1.17's //go:systemstack
 * functions), -ENOENT when fn has no stack check. */
int probeplan_stack_check_branch(const struct gobin *gb,
				   const struct gobin_func *fn,
				   uint64_t *vaddr, char *insn, size_t insnlen);

/* The targets of fn's direct CALLs, in address order, at most max;
 * returns how many were written or <0 (fn cannot be disassembled). */
int probeplan_direct_calls(const struct gobin *gb, const struct gobin_func *fn,
			uint64_t *targets, size_t max);

#endif /* GOSTRAY_PROBEPLAN_H */
