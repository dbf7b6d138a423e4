/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * One live trace of one process (`top`, `capture`): a probeset planted in
 * that process only, its tracedproc (memory, baseline, collector) and the
 * ring buffer between them.
 */
#ifndef GOSTRAY_TRACER_H
#define GOSTRAY_TRACER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "analysis/collector.h"
#include "gostray_events.h"
#include "trace/probeset.h"
#include "process/procmem.h"
#include "trace/tracedproc.h"
#include "process/allgs.h"
#include "process/target.h"

/* Park sampling: the park probe is live the first park_sample_pct % of
 * every window (it costs the target a trap per park while live). */
#define TRACER_PARK_WINDOW_NS (10ull * 1000000000ull)

struct tracer_opts {
	bool park;		/* attach the park probe (park counters) */
	/* 1-99: the park probe only that share of the time; 0 or 100: all
	 * the time (with park) */
	int park_sample_pct;
	size_t ringbuf_bytes;	/* power of two */
	/* frames of each creation's call path to record, up to
	 * GS_STACK_DEPTH_MAX; 0: none (every stack unknown) */
	int stack_depth;
	/* no probe at all: snapshots of allgs every snapshot_interval_ns
	 * (include/analysis/snapdiff.h says what that knows) */
	bool probe_free;
	uint64_t snapshot_interval_ns;
};

#define TRACER_DEFAULT_STACK_DEPTH 32
#define TRACER_DEFAULT_SNAPSHOT_INTERVAL_NS 1000000000ull

struct tracer {
	struct target *t;
	struct probeset ps;	/* the probes, for this process only: attach
				 * times, the stack depth in force */
	struct tracedproc proc;	/* its memory, collector, baseline, attach_ns
				 * (probes live), exit */
	struct ring_buffer *rb;
	bool park;		/* park counters wanted (tracer_opts.park) */
	int park_sample_pct;	/* 100: the park probe stays on */
	uint64_t park_on_ns;	/* time the park probe was live, until park_since */
	uint64_t park_since;	/* live since (0: not live now) */
	uint64_t parks_read_ns;	/* last read of the park counters */
	bool probe_free;	/* tracer_opts.probe_free: proc learns from snapshots */
	uint64_t snapshot_interval_ns;
	uint64_t next_snapshot_ns;
};

/* Attach, read the baseline, reconcile.  On failure nothing stays attached
 * and err holds one line. */
int tracer_start(struct tracer *tr, struct target *t, const struct tracer_opts *o,
		 char *err, size_t errlen);

/* Wait up to timeout_ms for records and feed them to the collector.  Sets
 * tr->proc.exited when the process is gone or exec'd.  <0 on error. */
int tracer_poll(struct tracer *tr, int timeout_ms);

/* Snapshot the live goroutines' states (wait reasons) into the collector.
 * Fails harmlessly when the target is gone. */
int tracer_refresh_waits(struct tracer *tr);

/* Time the park probe was live so far (the divisor of park rates). */
uint64_t tracer_park_live_ns(const struct tracer *tr, uint64_t now_ns);

/* Sum of the BPF per-CPU counters. */
void tracer_stats(const struct tracer *tr, uint64_t stats[GS_STAT_MAX]);

/* The end of the trace: the cut (no record stamped after it counts), the
 * end snapshot (final wait reasons and the end check), then every probe
 * removed; the counts (and the BPF counters) stay for the report.
 * Idempotent. */
void tracer_detach(struct tracer *tr);

/* Detach and free everything; safe after a failed start. */
void tracer_stop(struct tracer *tr);

#endif /* GOSTRAY_TRACER_H */
