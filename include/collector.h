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
 */
#ifndef GOSTRAY_COLLECTOR_H
#define GOSTRAY_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include "gostray_events.h"
#include <uthash.h>
#include "snapshot.h"

struct site_info {
	char function[160];	/* function containing the go statement */
	char file[256];
	int line;
	char start_function[160];	/* the goroutine's entry function */
	bool system;		/* excluded from runtime.NumGoroutine() */
};

/* Fills info for a site: gopc is the go statement's return address. */
typedef void (*site_symbolizer)(void *ctx, uint64_t gopc, uint64_t startpc,
				struct site_info *info);

#define WAIT_REASONS_MAX 256

struct gor;

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
	UT_hash_handle hh;	/* sites by gopc */
};

struct goroutine_view {
	uint64_t goid;
	uint64_t parent_goid;
	const struct site *site;
	uint64_t born_ns;	/* 0 for goroutines from the baseline */
	uint64_t seen_since_ns;	/* lower bound of its birth when born_ns == 0 */
	uint64_t parked_ns;	/* last park seen, 0 if none */
	int last_reason;	/* -1 if never seen parking */
	bool from_baseline;
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
	uint64_t exited_unattributed;	/* exits whose site could not be read */
	uint64_t exited_after_end;	/* exits of goroutines born after the
					 * creation probe was removed: ignored */
	uint64_t duplicate_records;	/* idempotence at work (probe re-fired) */
	uint64_t baseline_phantoms;	/* dropped, see collector_apply_snapshot() */
};

struct collector;

struct collector *collector_new(site_symbolizer sym, void *sym_ctx);
void collector_free(struct collector *c);

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

/* The probes are about to be removed, creation first: exits of goroutines
 * never seen that happen from now on are of goroutines born after the end
 * of the trace, and are not counted. */
void collector_trace_ending(struct collector *c, uint64_t now_ns);

void collector_totals(const struct collector *c, struct collector_totals *t);

/* Sites sorted by live count (descending), then created.  Returns a
 * malloc'ed array of n pointers owned by the collector's sites. */
const struct site **collector_sorted_sites(const struct collector *c, size_t *n);

/* Oldest live goroutine of a site: its age in ns at now_ns, and whether the
 * age is a lower bound (born before attach). 0 when the site has none. */
uint64_t collector_oldest_age(const struct collector *c, const struct site *s,
			      uint64_t now_ns, bool *lower_bound);

/* Visit every live goroutine. */
void collector_for_each_goroutine(const struct collector *c,
				  void (*cb)(const struct goroutine_view *g, void *ctx),
				  void *ctx);

#endif /* GOSTRAY_COLLECTOR_H */
