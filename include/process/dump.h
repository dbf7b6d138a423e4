/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * `gostray dump`: every goroutine of a live Go process with its blocked
 * stack, like the runtime's own goroutine dump (pprof debug=2) but taken
 * from outside: runtime.allgs and each goroutine's stack are read through
 * process memory, unwound with the binary's pclntab.  No probe, no
 * stopping the world: it works on a target that spins or deadlocks.
 */
#ifndef GOSTRAY_DUMP_H
#define GOSTRAY_DUMP_H

#include <stdbool.h>
#include <stdio.h>
#include "process/gostack.h"
#include "process/allgs.h"
#include "process/target.h"

struct dump_goroutine {
	struct snap_g g;
	bool system;		/* hidden from runtime dumps (isSystemGoroutine) */
	int64_t wait_minutes;	/* -1 when the runtime did not record it */
	struct go_frame *frames;	/* the frames Go's dump shows, innermost first */
	size_t nframes;
	uint64_t *pcs;		/* every physical frame's PC (runtime addresses) */
	size_t npcs;
	const char *stack_note;	/* why the stack is missing or partial, or NULL */
	bool have_created_by;
	struct go_frame created_by;	/* function + file:line of the go statement */
};

struct dump {
	const struct target *t;
	struct dump_goroutine *gs;	/* in allgs order */
	size_t n;
	size_t system_hidden;	/* system goroutines left out (see dump_opts) */
	size_t retried;		/* stacks re-read because the goroutine moved */
	uint64_t taken_ns;	/* CLOCK_MONOTONIC at the start */
	uint64_t duration_ns;
	int64_t taken_unix;
};

struct dump_opts {
	bool system;		/* include the runtime's own goroutines */
	bool runtime_frames;	/* show runtime-internal frames too */
};

int dump_take(const struct target *t, const struct dump_opts *o, struct dump *out,
	      char *err, size_t errlen);
void dump_free(struct dump *d);

/* Status as the runtime prints it: the wait reason for a waiting
 * goroutine that has one, else "runnable", "running", "syscall"... */
const char *dump_status_name(const struct dump *d, const struct dump_goroutine *g);

/* Groups of goroutines with the same state, stack and creation site,
 * largest first (like debug=1).  Returns a malloc'ed array of indexes
 * into d->gs, grouped; group_start[k]..group_start[k+1] is group k. */
size_t dump_group(const struct dump *d, size_t **order, size_t **group_start);

/* The runtime's word for a g status ("runnable", "waiting"...), and the
 * wait reason of a waiting goroutine (NULL when it has none). */
const char *dump_status_word(uint32_t status);
const char *dump_wait_reason(const struct dump *d, const struct dump_goroutine *g);

/* A group of goroutines blocked alike: same state, stack and creator. */
struct dump_blocked_group {
	const struct dump_goroutine *g;	/* its first: state, frames, creator */
	size_t count;
	int64_t wait_minutes;	/* the longest wait of the group, -1 unknown */
};

/* The largest groups (at most max), only those created at gopc (a
 * runtime address) unless gopc is 0: a malloc'ed array, *out NULL when
 * there is none or no memory. */
size_t dump_blocked_groups(const struct dump *d, uint64_t gopc, size_t max,
			   struct dump_blocked_group **out);


#endif /* GOSTRAY_DUMP_H */
