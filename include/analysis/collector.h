/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The collector: turns probe records and snapshots of one process into
 * per-creation-site counts and a per-goroutine table.
 *
 * Reconciliation of the baseline (goroutines born before attach) with the
 * probe records, so that nothing is counted twice or missed:
 *   1. probes are attached, then the snapshot of allgs is read;
 *   2. records produced meanwhile are fed first (collector_on_record): an
 *      exit of a goid we do not know yet is kept as a tombstone, and
 *      counted at its site (the record carries gopc) as live at start and
 *      exited;
 *   3. collector_merge_baseline() adds each snapshot goroutine not already
 *      known from a record and not tombstoned, as "live at start";
 *   4. later records: a create of a baseline goid turns it into "created
 *      during the trace" (it was born after attach and the snapshot saw it),
 *      an exit of a baseline goid counts as an exit of its site.
 *
 * Each site's counts are also split by creation stack (struct site_stack):
 * a create record names the call path that reached the go statement (an
 * id, read once through a stack_reader); goroutines of the baseline, and
 * creations whose path was lost or did not start at their gopc, are in the
 * site's unknown stack.  Every step above moves a goroutine's counts
 * between stacks exactly as between sites, so the split always adds up.
 */
#ifndef GOSTRAY_COLLECTOR_H
#define GOSTRAY_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gostray_events.h"
#include <uthash.h>
#include "process/allgs.h"
#include "analysis/trend.h"
#include "process/siteinfo.h"


#define WAIT_REASONS_MAX 256

/*
 * A creating goroutine's call path as the creation probe walked it (frame
 * pointers, bpf/gostray.bpf.c), read once per id and kept for the trace.
 * The walk starts with up to GS_STACK_LEAD_MAX runtime frames; frames[0]
 * is the go statement's return address (the record's gopc), then the
 * return addresses of its callers, outwards.  Runtime addresses.
 */
struct creation_stack {
	uint32_t id;		/* the BPF side's id (create.stack_id) */
	int n;			/* frames walked; 0 when the map could not be read */
	uint64_t *pcs;		/* as walked */
	const uint64_t *frames;	/* from the go statement: pcs + the lead */
	int nframes;		/* 0 until a record matched the walk (below) */
	bool mismatch;		/* its first record's gopc was not in the lead */
	/* the stack counted for this one: walks that differ only before the
	 * go statement or past the depth show the same frames, and are one */
	const struct creation_stack *same_as;
	UT_hash_handle hh;	/* the collector's stacks, by id */
	UT_hash_handle hh_frames;	/* the canonical ones, by frames */
};

/* Reads the frames of stack id into pcs (at most max); returns how many,
 * or <0 when the stack cannot be read. */
typedef int (*stack_reader)(void *ctx, uint32_t id, uint64_t *pcs, int max);

#define CREATION_STACK_MAX (GS_STACK_LEAD_MAX + GS_STACK_DEPTH_MAX)

struct gor;
struct site;

/* One site's goroutines created through one call path. */
struct site_stack {
	uint32_t id;		/* the stack's id; GS_NO_STACK for the unknown */
	const struct creation_stack *stack;	/* NULL: unknown (born before
					 * attach, or no stack recorded) */
	const struct site *site;
	uint64_t created;
	uint64_t exited;
	uint64_t live;
	uint64_t live_at_start;	/* always in the unknown stack */
	/* like site.parked_by_reason, allocated (WAIT_REASONS_MAX) once a
	 * snapshot shows one of its goroutines parked */
	uint32_t *parked_by_reason;
	UT_hash_handle hh;	/* the site's stacks, by id */
};

struct site {
	uint64_t gopc;
	uint64_t startpc;	/* of the first goroutine seen at this site */
	struct site_info info;
	uint64_t created;	/* creations seen by the probes */
	uint64_t exited;	/* exits of goroutines known at this site */
	uint64_t live;		/* alive now */
	uint64_t live_at_start;	/* alive when the trace began (baseline) */
	/* from the latest snapshot: live goroutines parked per wait reason */
	uint32_t parked_by_reason[WAIT_REASONS_MAX];
	bool have_parked;	/* parked_by_reason is from a snapshot */
	struct gor *live_list;	/* live goroutines, oldest first */
	/* the same counts split by creation stack (their sums are the
	 * site's counts) */
	struct site_stack *stacks;
	/* lifetimes of its goroutines born and exited during the trace,
	 * by power of two of ns (bucket b: [2^b, 2^(b+1))) */
	uint64_t timed_exits;
	uint32_t lifetime_log2[64];
	/* latest snapshot: goroutines the Go 1.26+ GC proved leaked */
	uint32_t gc_leaked;
	/* parks of its goroutines counted by the park probe (--park), in
	 * all and per wait reason (WAIT_REASONS_MAX, allocated at the first) */
	uint64_t parks;
	uint64_t *parks_by_reason;
	struct trend_series series;	/* on the collector's trend clock */
	/* the end snapshot (collector_end_snapshot): its goroutines at this
	 * site, and the records of the site between the cut and the end of
	 * that read (goroutines that came or went while it was read) */
	uint64_t end_live;
	uint64_t end_changed;
	bool have_end;
	/* created and exited at the last collector_mark() (probe-free: the
	 * snapshot before the last one) */
	uint64_t marked_created, marked_exited;
	UT_hash_handle hh;	/* sites by gopc */
};

struct collector_totals {
	uint64_t created;
	uint64_t exited;
	uint64_t live;
	uint64_t live_user;	/* what runtime.NumGoroutine() counts */
	uint64_t live_at_start;
	uint64_t exited_before_baseline;	/* born before attach, gone before the
					 * baseline was read: counted in live_at_start
					 * and exited of their site */
	uint64_t exited_unattributed;	/* exits whose site could not be read, or of a g no known goroutine holds */
	uint64_t records_after_cut;	/* records stamped at or after the cut:
					 * not counted (collector_cut) */
	uint64_t duplicate_records;	/* idempotence at work (probe re-fired) */
	uint64_t baseline_phantoms;	/* dropped, see collector_apply_snapshot() */
	uint64_t creation_stacks;	/* distinct call paths read */
	uint64_t stack_mismatches;	/* creations whose stack did not start at
					 * their gopc: counted as unknown stack */
	uint64_t stacks_unreadable;	/* creations whose stack id could not be
					 * read from the BPF map: unknown stack */
};

struct collector;

struct collector *collector_new(site_symbolizer sym, void *sym_ctx);
void collector_free(struct collector *c);

/* Where creation stack ids are read (once per id), and how many frames
 * from the go statement on to keep; without a reader every goroutine is in
 * its site's unknown stack. */
void collector_set_stack_reader(struct collector *c, stack_reader read, void *ctx,
				int depth);

void collector_on_record(struct collector *c, const struct gs_record *r);
/* Step 3 above; attach_ns is when the probes went live. */
void collector_merge_baseline(struct collector *c, const struct snapshot *s,
			      uint64_t attach_ns);
/*
 * A snapshot read after the merge, with every record up to its end already
 * fed: replaces each site's parked_by_reason with what s shows, and drops
 * baseline goroutines s no longer shows although no exit was recorded
 * (phantoms of the racy attach snapshot, see collector.c).
 */
void collector_apply_snapshot(struct collector *c, const struct snapshot *s);

/*
 * The end of the trace, one instant for every count: records stamped at
 * or after cut_ns (CLOCK_MONOTONIC, as the probes stamp them) are not
 * counted, whichever probe made them and whenever they are drained, so
 * each site's live count is the one at cut_ns.  The first cut stays.
 */
void collector_cut(struct collector *c, uint64_t cut_ns);
/* 0 until collector_cut(). */
uint64_t collector_cut_ns(const struct collector *c);

/*
 * The end snapshot, read right after the cut and fed before the records
 * stamped after the cut are drained: wait reasons as
 * collector_apply_snapshot() sets them (no phantom is dropped), and per
 * site the goroutines it shows, for collector_end_check().
 */
void collector_end_snapshot(struct collector *c, const struct snapshot *s);

/* How far the end snapshot and the counts at the cut differ. */
struct collector_end_check {
	uint64_t cut_ns;
	uint64_t started_ns, finished_ns;	/* the snapshot's read */
	size_t unreadable;		/* g slots it could not read */
	uint64_t snapshot_live;		/* goroutines it showed */
	int64_t diff;			/* snapshot_live - live at the cut */
	uint64_t abs_diff;		/* sum over sites of |diff| */
	uint64_t sites_differing;
	/* creations and exits recorded between the cut and the end of the
	 * read: a running target's sites may differ by up to that many; a
	 * stopped one's by none */
	uint64_t changed_during_read;
};

/* False when no end snapshot was read (the target had exited). */
bool collector_end_check(const struct collector *c, struct collector_end_check *out);

void collector_totals(const struct collector *c, struct collector_totals *t);

/* The site of the go statement at gopc (runtime address), NULL when the
 * collector has none. */
const struct site *collector_find_site(const struct collector *c, uint64_t gopc);

/* Sites sorted by live count (descending), then created.  Returns a
 * malloc'ed array of n pointers owned by the collector's sites. */
const struct site **collector_sorted_sites(const struct collector *c, size_t *n);

/* Oldest live goroutine of a site: its age in ns at now_ns, and whether the
 * age is a lower bound (born before attach). 0 when the site has none. */
uint64_t collector_oldest_age(const struct collector *c, const struct site *s,
			      uint64_t now_ns, bool *lower_bound);

/* Every (site, creation stack), sorted like the sites (live, created). The
 * malloc'ed array points into the collector. */
const struct site_stack **collector_sorted_stacks(const struct collector *c, size_t *n);

/* One site's creation stacks, same order. */
const struct site_stack **collector_site_stacks(const struct site *s, size_t *n);

/* collector_oldest_age() for one site's goroutines of one creation stack. */
uint64_t collector_stack_oldest_age(const struct collector *c,
				    const struct site_stack *st, uint64_t now_ns,
				    bool *lower_bound);

/* The series' clock: every site's series has trend->n samples. */
const struct trend *collector_trend(const struct collector *c);

/* Remember every site's created and exited now (site.marked_*): what
 * came and went since is their difference. */
void collector_mark(struct collector *c);

/* Take a sample of every site's counts when one is due (force: now). */
void collector_sample(struct collector *c, uint64_t now_ns, bool force);

/* The 90th percentile of a site's timed lifetimes (an upper bound, to
 * the power of two); 0 when none exited during the trace. */
uint64_t collector_lifetime_p90(const struct site *s);

/* A site's live goroutines by age, for verdicts (include/analysis/verdict.h). */
struct site_survivors {
	uint64_t new_alive;	/* born during the trace */
	uint64_t new_aged;	/* ... at least min_age old */
	uint64_t aged_birth_span_ns;	/* first to last birth of those */
	uint64_t baseline_alive;	/* from before the trace */
	uint64_t long_parked;	/* from before, blocked for long_ns at least */
};

void collector_site_survivors(const struct collector *c, const struct site *s,
			      uint64_t now_ns, uint64_t min_age_ns, uint64_t long_ns,
			      struct site_survivors *out);

/* The park probe's counter for (go statement gopc, wait reason): parks
 * of the site's goroutines since the probe was first attached.  Counters
 * only grow; the latest value read replaces the previous one. */
void collector_set_parks(struct collector *c, uint64_t gopc, uint32_t reason,
			 uint64_t count);

#endif /* GOSTRAY_COLLECTOR_H */
