/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One traced process: its memory, its collector and the baseline read
 * from runtime.allgs once the probes are live for it (collector.h says why
 * that order counts every goroutine exactly once).  The probes themselves
 * are a probeset's, shared in node mode by every process of a binary.
 */
#ifndef GOSTRAY_TRACEDPROC_H
#define GOSTRAY_TRACEDPROC_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/collector.h"
#include "analysis/snapdiff.h"
#include "process/procmem.h"
#include "process/allgs.h"
#include "process/target.h"

struct tracedproc {
	struct target *t;
	struct procmem mem;
	struct collector *coll;
	int pidfd;		/* -1 when pidfd_open is not available */
	uint64_t attach_ns;	/* the probes went live for it */
	uint64_t baseline_ns;	/* baseline merged */
	size_t baseline_live;	/* goroutines in the baseline snapshot */
	bool exited;		/* gone, or replaced its program */
	bool execed;		/* replaced its program (execve): same PID, new exe */
	uint64_t exited_ns;
	dev_t exe_dev;		/* /proc/PID/exe when opened */
	ino_t exe_ino;
	/* probe-free (tracedproc_probe_free): the last snapshot's goroutines,
	 * and how many snapshots were read (the baseline the first) */
	struct snapdiff *diff;
	uint64_t snapshots;
	uint64_t last_snapshot_ns;	/* the start of the last one */
	/* the runtime's goid allocator (sched.goidgen) at the baseline and
	 * at the last snapshot: goids handed out between them, to the
	 * runtime's batch of 16 per P; have_goids false when unreadable */
	bool have_goids;
	uint64_t goidgen_first, goidgen_last;
};

/* Feeds every queued record to the collectors (the caller's ring buffer). */
typedef void (*tracedproc_drain)(void *ctx);

/*
 * Open t's process memory, check the offsets on its goroutines (the
 * self-check: nothing is attached on a mismatch) and make its collector,
 * whose creation stacks read_stack reads.  err gets one line.
 */
int tracedproc_open(struct tracedproc *p, struct target *t, stack_reader read_stack,
		   void *stack_ctx, int stack_depth, char *err, size_t errlen);

/* The probes are live for the process since attach_ns: read the
 * baseline, drain what came meanwhile (drain NULL: no probe, nothing to
 * drain), reconcile. */
int tracedproc_baseline(struct tracedproc *p, uint64_t attach_ns, tracedproc_drain drain,
		       void *drain_ctx, char *err, size_t errlen);

/*
 * tracedproc_open() for a trace without probes: the collector learns from
 * snapshots alone (include/analysis/snapdiff.h), the first one, read here,
 * being the baseline.  0 or the error (said in err), nothing kept open.
 */
int tracedproc_open_probe_free(struct tracedproc *p, struct target *t, char *err,
			       size_t errlen);

/* Probe-free: one snapshot into the collector (what appeared and went
 * since the last one); -ESRCH when the process is gone, else 0 or
 * -errno (said in err). */
int tracedproc_snapshot_step(struct tracedproc *p, struct snapdiff_counts *k,
			     char *err, size_t errlen);

/* Read the goid allocator now into goidgen_last (the first read also
 * into goidgen_first); false when it cannot be read. */
bool tracedproc_read_goids(struct tracedproc *p);

/* Sleep up to timeout_ms, less when the process exits meanwhile. */
void tracedproc_wait_gone(struct tracedproc *p, int timeout_ms);

/* Snapshot the goroutines' states (wait reasons) into the collector;
 * -ESRCH when the process is gone. */
int tracedproc_refresh_waits(struct tracedproc *p, tracedproc_drain drain, void *drain_ctx);

/* The end snapshot, right after the collector's cut and before the
 * records stamped after it are drained (collector_end_snapshot); -ESRCH
 * when the process is gone. */
int tracedproc_end_snapshot(struct tracedproc *p);

/* Whether the process has exited (pidfd readable, or /proc says so). */
bool tracedproc_gone(struct tracedproc *p);

/* Whether it replaced its program (execve: same PID, its executable
 * changed; sets execed): its memory is another program's, not to be read.
 * Node mode's /proc scans see execs themselves; capture and top ask. */
bool tracedproc_execed(struct tracedproc *p);

void tracedproc_close(struct tracedproc *p);

/* A park counter of the probes (key: go statement and wait reason) into
 * the process's collector. */
void tracedproc_park_count(struct tracedproc *p, const struct gs_park_key *key, uint64_t count);

#endif /* GOSTRAY_TRACEDPROC_H */
