/* SPDX-License-Identifier: BSD-2-Clause */
/*
 * The collector's insides, shared by its three files only: collector.c
 * (records), collector_snapshots.c (baseline, snapshots, the cut) and
 * collector_queries.c (what the views ask).  Nothing outside
 * src/analysis/collector*.c includes this.
 */
#ifndef GOSTRAY_COLLECTOR_IMPL_H
#define GOSTRAY_COLLECTOR_IMPL_H

#include <stdbool.h>
#include <stdint.h>
#include <uthash.h>

#include "analysis/collector.h"

struct gor {
	uint64_t goid;
	uint64_t parent_goid;
	struct site *site;
	struct site_stack *stack;	/* of site */
	uint64_t born_ns;
	uint64_t seen_since_ns;
	bool from_baseline;
	bool pooled;			/* in a baseline's block: not freed alone */
	uint32_t seen_gen;		/* last snapshot generation that showed it */
	bool by_g;			/* in collector.gors_by_g */
	uint64_t g_addr;		/* its g in the target; 0: unknown */
	UT_hash_handle hh;
	UT_hash_handle hh_g;		/* gors_by_g */
	struct gor *prev, *next;	/* the site's live_list */
};

/* An exit of a goid not known yet, seen before the baseline was merged. */
struct tombstone {
	uint64_t goid;
	UT_hash_handle hh;
};

struct collector {
	site_symbolizer symbolize;
	void *sym_ctx;
	stack_reader read_stack;
	void *stack_ctx;
	int stack_depth;
	struct creation_stack *cstacks;	/* by id, read once each */
	struct creation_stack *cstacks_by_frames;
	uint64_t stack_mismatches;
	uint64_t stacks_unreadable;
	struct site *sites;		/* by gopc */
	struct gor *gors;		/* live goroutines by goid */
	/* the same by g address, for exits that carry only that; a g whose
	 * goroutine ended is reused, so an address names the goroutine
	 * that last took it */
	struct gor *gors_by_g;
	struct tombstone *tombstones;
	bool merged;
	uint32_t allgs_gen;
	uint64_t phantoms;
	uint64_t exited_before_baseline;
	uint64_t exited_unattributed;
	uint64_t cut_ns;		/* the end of the trace: 0 until cut */
	uint64_t end_read_ns;		/* the end snapshot finished (0: none) */
	uint64_t after_cut;		/* records stamped at or after cut_ns */
	uint64_t end_started_ns;	/* the end snapshot began */
	size_t end_unreadable;		/* its g slots that could not be read */
	uint64_t duplicates;
	struct gor **baseline_blocks;	/* one block of gors per baseline merged */
	size_t *baseline_block_len;	/* gors in each */
	size_t nbaseline_blocks;
	struct trend trend;		/* the clock of every site's series */
	bool trend_started;
};

/* collector.c's helpers for the other two files. */
struct site *coll_site_get(struct collector *c, uint64_t gopc, uint64_t startpc);
struct gor *coll_gor_find(const struct collector *c, uint64_t goid);
struct site_stack *coll_site_stack_get(struct site *s, const struct creation_stack *cs);
void coll_free_tombstones(struct collector *c);
void coll_gor_remove(struct collector *c, struct gor *g);
void coll_gor_set_g(struct collector *c, struct gor *g, uint64_t g_addr, bool replace);

#endif /* GOSTRAY_COLLECTOR_IMPL_H */
