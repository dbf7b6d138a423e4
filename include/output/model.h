/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The report model: one trace's facts, every site's counts and diagnosis
 * (verdict, reason, rates, main wait reason, ages, creation stacks,
 * series), gathered once and in the one order every view shows.  The text
 * and JSON reports, the HTML page, top, the pprof profile and the
 * Prometheus exposition render it; none of them computes a count, a
 * verdict or an order of its own, and none reads gostray's JSON back.
 */
#ifndef GOSTRAY_MODEL_H
#define GOSTRAY_MODEL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "analysis/collector.h"
#include "analysis/verdict.h"
#include "process/gostack.h"
#include "gostray_events.h"

struct dump;
struct target;

/* What a model is built from: one process's collector and binary and the
 * trace's facts, whoever traced it (capture and top's tracer, node mode's
 * process). */
struct model_source {
	const struct collector *coll;
	const struct target *t;	/* symbols for the creation stacks; NULL: none */
	int pid;
	const char *exe;	/* the target's path */
	const char *go_version;	/* "go1.22.1" */
	int go_minor;		/* for wait reason names */
	uint64_t bias;		/* runtime - link-time addresses (PIE) */
	uint64_t attach_ns;	/* probes live (CLOCK_MONOTONIC) */
	uint64_t now_ns;	/* the counts' instant: the cut, the exit or now */
	bool target_exited;
	bool target_exec;	/* it exited by an execve (same PID) */
	uint64_t exited_ns;
	uint64_t stats[GS_STAT_MAX];	/* the BPF counters */
	int stack_depth;
	bool park;		/* the park probe was asked for */
	int park_sample_pct;	/* 100: on all the time */
	uint64_t park_live_ns;	/* how long the park probe was live */
	/* probe-free (--probes none): counts from snapshots alone */
	bool probe_free;
	uint64_t snapshot_interval_ns;
	uint64_t snapshots;	/* read, the first (the baseline) included */
	/* goids the runtime's allocator handed out during the trace (to its
	 * batches of 16 per P); have_goids false when it could not be read */
	bool have_goids;
	uint64_t goids;
};

struct model_options {
	bool by_stack;		/* a row per (site, creation stack) */
	bool frames;		/* symbolize creation stacks (needs source.t; not for a
				 * progress line) */
};

/* A frame of a creation stack, innermost (the go statement) first. */
struct stack_frame {
	uint64_t pc;		/* link-time return address */
	const char *function;	/* owned by the target's gobin */
	const char *file;
	int line;
	bool inlined;		/* a call inlined at pc into the next frame */
};

/* Goroutines per wait reason, most first. */
struct model_wait {
	char name[40];		/* diagnose_wait_name() */
	uint64_t count;
};

/* One site's goroutines created through one call path. */
struct model_stack {
	bool known;		/* false: born before the attach, or no stack recorded */
	struct stack_frame *frames;
	int nframes;
	uint64_t created, exited, live, live_at_start;
};

struct model_row {
	const struct site *site;	/* the collector's (borrowed) */
	const struct site_stack *stack;	/* --by stack: this row's call path */
	uint64_t pc;		/* of the go statement, link-time */
	const char *function;	/* that holds the go statement */
	const char *file;
	int line;
	const char *start_function;	/* as the user wrote it */
	bool system;		/* the runtime's own goroutines */
	uint64_t created, exited, live, live_at_start;
	struct model_wait *waits;	/* of the live goroutines (latest snapshot) */
	size_t nwaits;
	const char *main_wait;	/* diagnose_wait_name's rule; NULL when none is parked */
	uint64_t main_wait_count;
	bool has_age;		/* some goroutine is alive */
	uint64_t oldest_age_ns;
	double oldest_age_s;
	bool oldest_age_is_lower_bound;	/* born before the attach */
	/* the site's diagnosis (--by stack: the whole site's) */
	enum verdict_kind verdict;
	char reason[200];
	double created_per_s, exited_per_s;
	/* per site: its call paths; --by stack: the row's own (one) */
	struct model_stack *stacks;
	size_t nstacks;
	/* --park: parks of its goroutines, per second of probe life, by reason */
	uint64_t parks;
	struct model_wait *parks_by_reason;
	size_t nparks_by_reason;
	/* the end snapshot against the count at the cut (per site rows) */
	bool have_end;
	uint64_t end_live;
	int64_t end_diff;
	uint64_t end_changed;
	const struct trend_series *series;	/* on model.trend's clock */
	/* probe-free: goroutines the last snapshot showed first, and those of
	 * the one before it no longer showed (lower bounds, as created) */
	uint64_t new_last_snapshot, gone_last_snapshot;
};

/* Goroutines blocked alike at the end (a dump's group): same state,
 * stack and creator.  Strings and frames are the dump's (borrowed). */
struct model_blocked {
	size_t count;
	const char *state;	/* the wait reason, or "runnable", "syscall"... */
	int64_t wait_minutes;	/* the longest wait of the group, -1 unknown */
	bool have_site;		/* else created by the runtime (main goroutine) */
	uint64_t site_pc;	/* the creating go statement, link-time */
	const char *site_function;
	const char *site_file;	/* NULL when unknown */
	int site_line;
	const struct go_frame *frames;	/* innermost first */
	size_t nframes;
};

struct model {
	const struct target *target;	/* borrowed: symbols for the views, or NULL */
	int pid;
	const char *exe;	/* the target's path (borrowed) */
	const char *go_version;
	double duration_s;
	bool target_exited, target_exec;
	uint64_t attach_ns, now_ns;
	char started_at[32];	/* the attach, UTC ISO 8601; "" if unknown */
	struct collector_totals totals;
	uint64_t stats[GS_STAT_MAX];
	int stack_depth;
	bool by_stack;
	bool park;
	int park_sample_pct;
	double park_live_s;
	bool probe_free;	/* created, exited, ages: lower bounds; no stacks */
	bool have_goids;	/* goids: handed out by the runtime during the trace */
	uint64_t goids;
	double snapshot_interval_s;
	uint64_t snapshots;
	bool have_end_check;	/* false when the target had exited */
	struct collector_end_check end_check;
	uint64_t verdicts[VERDICT_LEAK + 1];	/* sites, runtime sites too */
	uint64_t user_verdicts[VERDICT_LEAK + 1];	/* the user's sites only */
	uint64_t runtime_sites;
	const struct trend *trend;
	/* where the goroutines alive at the end are blocked, when a dump was
	 * taken (capture -o): model_add_blocked() */
	bool have_blocked;
	struct model_blocked *blocked;
	size_t nblocked;
	struct model_row *rows;	/* the one order: model_row_cmp */
	size_t nrows;
};

/* 0, or -ENOMEM with *m empty. */
int model_build(const struct model_source *src, const struct model_options *opt,
		struct model *m);
void model_free(struct model *m);

/*
 * The order of every view: user sites before the runtime's, then leak,
 * suspect, ok, then most alive, most created, and the pc so that equal
 * rows keep their places from one refresh to the next.
 */
int model_row_cmp(const struct model_row *a, const struct model_row *b);

/* The frames of a creation stack, outermost last, at most max; returns
 * how many.  Every PC is a return address (looked up at pc - 1); calls
 * inlined at it are expanded into frames of their own (same pc); the
 * goexit every goroutine returns to is left out, as Go's tracebacks do. */
int model_stack_frames(const struct target *t, const struct creation_stack *cs,
		       struct stack_frame *out, int max);

/* The trace's own counters (BPF hits and faults, the collector's
 * reconciliation), named as the JSON's "probes" has them. */
struct model_counter {
	const char *name;
	uint64_t value;
};
#define MODEL_COUNTERS 13
size_t model_counters(const struct model *m, struct model_counter out[MODEL_COUNTERS]);

/* The largest blocked-stack groups of d (at most max) into m; d must
 * outlive m.  0 or -ENOMEM. */
int model_add_blocked(struct model *m, const struct dump *d, size_t max);

/* The row of a site (per-site rows), NULL if none. */
const struct model_row *model_site_row(const struct model *m, const struct site *s);

#endif /* GOSTRAY_MODEL_H */
