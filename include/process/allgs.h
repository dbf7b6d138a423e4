/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * A snapshot of the target's goroutines, read from runtime.allgs through
 * process memory without stopping the target (docs/go-runtime.md § All goroutines
 * without stopping the target).  It is
 * racy by nature: each g is read at a slightly different moment; the
 * collector reconciles it with the probe records (see collector.h).
 */
#ifndef GOSTRAY_ALLGS_H
#define GOSTRAY_ALLGS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "binary/offsets.h"
#include "process/procmem.h"

/* Go's g status values (runtime2.go), the same in every supported version. */
enum go_gstatus {
	G_IDLE = 0,
	G_RUNNABLE = 1,
	G_RUNNING = 2,
	G_SYSCALL = 3,
	G_WAITING = 4,
	G_DEAD = 6,
	G_COPYSTACK = 8,
	G_PREEMPTED = 9,
	G_LEAKED = 10,		/* 1.26+ */
	G_DEADEXTRA = 11,	/* 1.26+ */
	G_SCAN = 0x1000,
};

struct snap_g {
	uint64_t addr;		/* the g's address in the target */
	uint64_t goid;
	uint64_t gopc;
	uint64_t startpc;
	uint64_t parent_goid;	/* 0 when the version has no parentGoid */
	int64_t waitsince;	/* target's nanotime(), 0 when unset */
	uint64_t stack_lo, stack_hi;	/* g.stack */
	uint64_t sched_pc, sched_sp;	/* g.sched: where a parked g resumes */
	uint64_t syscall_pc, syscall_sp;	/* where a g in a system call left Go */
	uint32_t status;	/* with the scan bit cleared */
	uint8_t waitreason;
};

struct snapshot {
	struct snap_g *gs;	/* live goroutines only (not idle, not dead) */
	size_t n;
	size_t cap;		/* gs was allocated for this many (allgs_free) */
	size_t allglen;		/* slots in allgs when read */
	size_t unreadable;	/* g slots that could not be read */
	uint64_t started_ns;	/* CLOCK_MONOTONIC before the first read */
	uint64_t finished_ns;
};

struct allgs_source {
	struct procmem *mem;
	const struct go_offsets *off;
	uint64_t allglen_addr;	/* runtime addresses (load bias applied) */
	uint64_t allgptr_addr;
	size_t max_gs;		/* read only the first max_gs slots; 0: all */
};

/* Refuse to read more slots than this: reading costs ~150 bytes of our
 * memory per slot (the snapshot entry, the pointer, the read plan), so a
 * garbage allglen could otherwise make us allocate gigabytes.  4M slots:
 * 600 MB at most, for a target that would need 8 GB of goroutine stacks. */
#define SNAPSHOT_MAX_GS (4u << 20)

int allgs_read(const struct allgs_source *src, struct snapshot *out,
		  char *err, size_t errlen);
void allgs_free(struct snapshot *s);

/*
 * A second look at the goroutines s saw runnable, in place: what a full
 * second snapshot would show for the only gs that can be half-made (up to
 * Go 1.23 newproc1 marks a reused g runnable before it writes the new
 * goid), at the cost of reading a few gs instead of all of them.  The
 * others keep their first reading; gs no longer alive leave s.
 */
int allgs_reread_runnable(const struct allgs_source *src, struct snapshot *s);

/* true for states in which a g is a goroutine that exists (not free). */
bool go_status_alive(uint32_t status);

uint64_t monotonic_ns(void);

#endif /* GOSTRAY_ALLGS_H */
