/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Goroutine stacks from outside the process: unwinding a stack from the
 * registers the runtime saved in g.sched, and turning PCs into frames with
 * inlined calls expanded, the way the runtime's own traceback does
 * (runtime/traceback.go: unwinder, newInlineUnwinder, showframe).
 *
 * Unwinding uses pclntab's pcsp table (the frame size at each PC), not
 * frame pointers: it is what the runtime trusts, and it needs no frame
 * pointer in assembly or frameless functions.  Everything read from the
 * target is bounds-checked; a stack that changes under us ends the walk
 * with a reason instead of producing garbage.
 */
#ifndef GOSTRAY_GOSTACK_H
#define GOSTRAY_GOSTACK_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "binary/gobin.h"

/* Go prints at most 100 frames per goroutine; inlining adds logical
 * frames to physical ones, so allow a little more. */
#define GOSTACK_MAX_PCS 128
#define GOSTACK_MAX_INLINE 32	/* inlined calls expanded per physical frame */

/* One logical frame: a physical frame, or a call inlined into it. */
struct go_frame {
	uint64_t pc;		/* runtime PC of the physical frame (a return address
				 * except for a goroutine's first, never-run frame) */
	uint64_t func_entry;	/* runtime entry of the physical function */
	const char *function;	/* owned by the gobin */
	const char *file;	/* NULL when unknown */
	int line;
	uint8_t funcid;		/* of the logical function (pclntab funcID) */
	bool inlined;		/* a call inlined into the physical frame */
};

/* Reads len bytes of target memory at a runtime address; 0 on success. */
typedef int (*gostack_read_fn)(void *ctx, uint64_t addr, void *buf, size_t len);

enum gostack_end {
	GOSTACK_END_TOP = 0,	/* reached the goroutine's first frame (goexit) */
	GOSTACK_END_MAX,	/* more frames than the caller's buffer */
	GOSTACK_END_UNKNOWN_PC,	/* a PC outside the Go text (cgo, garbage) */
	GOSTACK_END_UNREADABLE,	/* a stack word could not be read */
	GOSTACK_END_BAD_FRAME,	/* a frame points outside the stack bounds */
	GOSTACK_END_SPWRITE,	/* a function that rewrites SP (cannot unwind) */
};

const char *gostack_end_name(enum gostack_end e);

/*
 * Physical frames of a goroutine from its saved pc and sp (g.sched):
 * pcs[0] = pc, then each caller's return address, up to max.  bias turns
 * link-time into runtime addresses (PIE); stack_lo/hi are g.stack bounds.
 */
enum gostack_end gostack_unwind(const struct gobin *gb, uint64_t bias, uint64_t pc,
				uint64_t sp, uint64_t stack_lo, uint64_t stack_hi,
				gostack_read_fn read, void *read_ctx,
				uint64_t *pcs, size_t max, size_t *n);

/*
 * Logical frames of one physical frame, innermost first: the calls
 * inlined at pc, then the physical function.  pc is a runtime PC; it is
 * looked up at pc - 1 when it is a return address (pc > entry), as Go does.
 * Returns how many frames were written (0 when pc is not Go code).
 */
size_t gostack_symbolize(const struct gobin *gb, uint64_t bias, uint64_t pc,
			 struct go_frame *out, size_t max);

/*
 * Whether the runtime's goroutine dump (runtime.Stack, pprof debug=2)
 * shows this frame: runtime-internal functions and wrappers are hidden.
 * first: it is the goroutine's innermost logical frame; callee: the
 * logical frame inside it (NULL for the innermost).
 */
bool gostack_frame_shown(const struct gobin *gb, const struct go_frame *f, bool first,
			 const struct go_frame *callee);

#endif /* GOSTRAY_GOSTACK_H */
