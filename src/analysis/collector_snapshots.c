// SPDX-License-Identifier: BSD-2-Clause
/*
 * The collector and the snapshots of allgs (include/analysis/collector.h):
 * the baseline merged with the records of the attach, wait reasons from
 * later snapshots, the phantoms of a racy first read dropped, the cut and
 * the end snapshot checked against it.
 */
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "common/bigbuf.h"
#include "analysis/collector.h"
#include "collector_impl.h"

static uint64_t baseline_since(const struct snap_g *sg, uint64_t attach_ns)
{
	if (sg->waitsince > 0 && (uint64_t)sg->waitsince < attach_ns)
		return (uint64_t)sg->waitsince;
	return attach_ns;
}

struct baseline_item {
	const struct snap_g *sg;
	uint64_t since;
};

static int cmp_since_desc(const void *a, const void *b)
{
	const struct baseline_item *x = a, *y = b;

	if (x->since != y->since)
		return x->since < y->since ? 1 : -1;
	return x->sg->goid < y->sg->goid ? 1 : (x->sg->goid > y->sg->goid ? -1 : 0);
}

void collector_merge_baseline(struct collector *c, const struct snapshot *s,
			      uint64_t attach_ns)
{
	struct baseline_item *items = bigbuf_alloc(s->n, sizeof(*items));
	struct gor *block = NULL, **blocks;
	size_t *lens;
	struct tombstone *t;
	size_t i, n = 0;

	if (!items)
		return;
	for (i = 0; i < s->n; i++) {
		const struct snap_g *sg = &s->gs[i];

		if (coll_gor_find(c, sg->goid))
			continue;	/* born after attach: its record counts it */
		HASH_FIND(hh, c->tombstones, &sg->goid, sizeof(sg->goid), t);
		if (t)
			continue;	/* exited before we merged */
		items[n].sg = sg;
		items[n].since = baseline_since(sg, attach_ns);
		n++;
	}
	/* Prepending youngest-first leaves each site's list oldest-first. */
	qsort(items, n, sizeof(*items), cmp_since_desc);
	/* One allocation for the whole baseline (100 000 gs: one populated
	 * mapping, not 100 000 callocs and their page faults), kept until the
	 * collector goes; a baseline goroutine that exits leaves its slot
	 * unused. */
	blocks = realloc(c->baseline_blocks, (c->nbaseline_blocks + 1) * sizeof(*blocks));
	if (blocks)
		c->baseline_blocks = blocks;
	lens = realloc(c->baseline_block_len, (c->nbaseline_blocks + 1) * sizeof(*lens));
	if (lens)
		c->baseline_block_len = lens;
	if (blocks && lens && n) {
		block = bigbuf_alloc(n, sizeof(*block));
		if (block) {
			c->baseline_blocks[c->nbaseline_blocks] = block;
			c->baseline_block_len[c->nbaseline_blocks++] = n;
		}
	}
	for (i = 0; i < n; i++) {
		const struct snap_g *sg = items[i].sg;
		struct site *site = coll_site_get(c, sg->gopc, sg->startpc);
		struct site_stack *st = site ? coll_site_stack_get(site, NULL) : NULL;
		struct gor *g = block ? &block[i] : calloc(1, sizeof(*g));

		if (!st || !g) {
			if (!block)
				free(g);
			continue;
		}
		g->pooled = block != NULL;
		g->goid = sg->goid;
		g->parent_goid = sg->parent_goid;
		g->site = site;
		g->stack = st;
		g->seen_since_ns = items[i].since;
		g->from_baseline = true;
		HASH_ADD(hh, c->gors, goid, sizeof(g->goid), g);
		coll_gor_set_g(c, g, sg->addr, false);
		DL_PREPEND(site->live_list, g);
		site->live++;
		site->live_at_start++;
		st->live++;
		st->live_at_start++;
	}
	coll_free_tombstones(c);
	c->merged = true;
	bigbuf_free(items, s->n, sizeof(*items));
}

/*
 * A baseline goroutine that a later snapshot no longer shows, and whose exit
 * no record reported, never existed: in Go <= 1.23 newproc1 marks a reused g
 * runnable before it writes the new goid, so the racy attach snapshot can
 * read a dead goroutine's goid as alive.  Exits of real baseline goroutines
 * are always recorded (the probes went live before the snapshot).
 */
static void drop_baseline_phantoms(struct collector *c)
{
	struct gor *g, *tmp;

	HASH_ITER(hh, c->gors, g, tmp) {
		if (!g->from_baseline || g->seen_gen == c->allgs_gen)
			continue;
		g->site->live_at_start--;
		g->stack->live_at_start--;
		c->phantoms++;
		coll_gor_remove(c, g);
	}
}

static void stack_parked(struct site_stack *st, uint8_t reason)
{
	if (!st->parked_by_reason)
		st->parked_by_reason = calloc(WAIT_REASONS_MAX,
					      sizeof(*st->parked_by_reason));
	if (st->parked_by_reason)
		st->parked_by_reason[reason]++;
}

static void collector_apply_snapshot_waits(struct collector *c, const struct snapshot *s)
{
	struct site *site, *tmp;
	size_t i;

	c->allgs_gen++;
	HASH_ITER(hh, c->sites, site, tmp) {
		struct site_stack *st, *sttmp;

		memset(site->parked_by_reason, 0, sizeof(site->parked_by_reason));
		site->have_parked = true;
		site->gc_leaked = 0;
		HASH_ITER(hh, site->stacks, st, sttmp)
			if (st->parked_by_reason)
				memset(st->parked_by_reason, 0,
				       WAIT_REASONS_MAX * sizeof(*st->parked_by_reason));
	}
	for (i = 0; i < s->n; i++) {
		const struct snap_g *sg = &s->gs[i];
		struct gor *g = coll_gor_find(c, sg->goid);

		if (g)
			g->seen_gen = c->allgs_gen;
		if (sg->status != G_WAITING && sg->status != G_LEAKED)
			continue;
		if (g)
			stack_parked(g->stack, sg->waitreason);
		HASH_FIND(hh, c->sites, &sg->gopc, sizeof(sg->gopc), site);
		if (site)
			site->parked_by_reason[sg->waitreason]++;
		if (site && sg->status == G_LEAKED)
			site->gc_leaked++;
	}
}

void collector_apply_snapshot(struct collector *c, const struct snapshot *s)
{
	collector_apply_snapshot_waits(c, s);
	/* A slot we could not read may hold a real goroutine. */
	if (c->merged && !s->unreadable)
		drop_baseline_phantoms(c);
}

void collector_cut(struct collector *c, uint64_t cut_ns)
{
	if (!c->cut_ns)
		c->cut_ns = cut_ns;
}

uint64_t collector_cut_ns(const struct collector *c)
{
	return c->cut_ns;
}

void collector_end_snapshot(struct collector *c, const struct snapshot *s)
{
	struct site *site, *tmp;
	size_t i;

	/* Wait reasons as any snapshot gives them; no phantom is judged:
	 * exits after the cut are not counted, so a goroutine that left
	 * meanwhile is no phantom. */
	collector_apply_snapshot_waits(c, s);
	HASH_ITER(hh, c->sites, site, tmp) {
		site->end_live = 0;
		site->end_changed = 0;
		site->have_end = true;
	}
	for (i = 0; i < s->n; i++) {
		const struct snap_g *sg = &s->gs[i];
		struct gor *g = coll_gor_find(c, sg->goid);
		/* A goroutine the counts know is at its site even when the
		 * snapshot read a torn g; one they do not was born after the
		 * cut (or is a half-made g), at the site it names. */
		struct site *at = g ? g->site : coll_site_get(c, sg->gopc, sg->startpc);

		if (!at)
			continue;
		at->have_end = true;
		at->end_live++;
	}
	c->end_read_ns = s->finished_ns;
	c->end_started_ns = s->started_ns;
	c->end_unreadable = s->unreadable;
}

bool collector_end_check(const struct collector *c, struct collector_end_check *out)
{
	const struct site *s, *tmp;

	memset(out, 0, sizeof(*out));
	if (!c->end_read_ns)
		return false;
	out->cut_ns = c->cut_ns;
	out->started_ns = c->end_started_ns;
	out->finished_ns = c->end_read_ns;
	out->unreadable = c->end_unreadable;
	HASH_ITER(hh, c->sites, s, tmp) {
		int64_t d = (int64_t)s->end_live - (int64_t)s->live;

		if (!s->have_end)
			continue;
		out->snapshot_live += s->end_live;
		out->diff += d;
		out->abs_diff += (uint64_t)(d < 0 ? -d : d);
		out->sites_differing += d != 0;
		out->changed_during_read += s->end_changed;
	}
	return true;
}

