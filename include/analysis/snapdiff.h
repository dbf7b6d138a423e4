/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * Probe-free tracing (`--probes none`): what a collector learns from
 * snapshots of runtime.allgs alone.  Each snapshot is compared by goid
 * with the one before: a goroutine it shows first becomes a creation
 * record, one of the last snapshot it no longer shows an exit record,
 * both stamped at the snapshot's start.  So every count the collector
 * keeps stays exact for live goroutines at each snapshot, and created,
 * exited, ages and lifetimes become lower bounds: a goroutine born and
 * gone between two snapshots is never seen, one first seen was born up to
 * an interval before.  Creation stacks are unknown (no probe walked them).
 */
#ifndef GOSTRAY_SNAPDIFF_H
#define GOSTRAY_SNAPDIFF_H

#include <stddef.h>
#include <stdint.h>

#include "analysis/collector.h"
#include "process/allgs.h"

struct snapdiff_counts {
	uint64_t appeared;	/* goroutines first seen in this snapshot */
	uint64_t gone;		/* goroutines of the last one it no longer shows */
};

struct snapdiff;

struct snapdiff *snapdiff_new(void);
void snapdiff_free(struct snapdiff *d);

/* The baseline: remembered, nothing fed (collector_merge_baseline takes
 * it).  0 or -ENOMEM. */
int snapdiff_seed(struct snapdiff *d, const struct snapshot *s);

/*
 * A later snapshot into c (collector_mark, then records, then
 * collector_apply_snapshot for its wait reasons: each site's marked_*
 * counts tell what this snapshot found new and gone).  tgid goes into the records.  0 or -ENOMEM (then c has
 * the records fed until then, and d still the last snapshot's goids).
 */
int snapdiff_feed(struct snapdiff *d, const struct snapshot *s, uint32_t tgid,
		  struct collector *c, struct snapdiff_counts *out);

/* Goroutines of the last snapshot. */
size_t snapdiff_live(const struct snapdiff *d);

#endif /* GOSTRAY_SNAPDIFF_H */
