// SPDX-License-Identifier: BSD-2-Clause
/*
 * Per-site aggregation and the per-goroutine table (see collector.h for
 * the reconciliation rules).  Goroutines are keyed by goid, never by g
 * address: g structs are reused from a free list with a new goid.
 */
#include <stdlib.h>
#include <string.h>
#include <uthash.h>
#include <utlist.h>

#include "common/bigbuf.h"
#include "analysis/collector.h"

#include "collector_impl.h"

struct collector *collector_new(site_symbolizer sym, void *sym_ctx)
{
	struct collector *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->symbolize = sym;
	c->sym_ctx = sym_ctx;
	return c;
}

void collector_set_stack_reader(struct collector *c, stack_reader read, void *ctx,
				int depth)
{
	c->read_stack = read;
	c->stack_ctx = ctx;
	c->stack_depth = depth;
}

void coll_free_tombstones(struct collector *c)
{
	struct tombstone *t, *tmp;

	HASH_ITER(hh, c->tombstones, t, tmp) {
		HASH_DEL(c->tombstones, t);
		free(t);
	}
}

void collector_free(struct collector *c)
{
	struct gor *g, *gtmp;
	struct site *s, *stmp;
	struct creation_stack *cs, *cstmp;

	if (!c)
		return;
	HASH_CLEAR(hh_g, c->gors_by_g);
	HASH_ITER(hh, c->gors, g, gtmp) {
		HASH_DEL(c->gors, g);
		if (!g->pooled)
			free(g);
	}
	while (c->nbaseline_blocks) {
		c->nbaseline_blocks--;
		bigbuf_free(c->baseline_blocks[c->nbaseline_blocks],
			    c->baseline_block_len[c->nbaseline_blocks], sizeof(struct gor));
	}
	free(c->baseline_blocks);
	free(c->baseline_block_len);
	HASH_ITER(hh, c->sites, s, stmp) {
		struct site_stack *st, *sttmp;

		HASH_ITER(hh, s->stacks, st, sttmp) {
			HASH_DEL(s->stacks, st);
			free(st->parked_by_reason);
			free(st);
		}
		HASH_DEL(c->sites, s);
		trend_series_free(&s->series);
		free(s->parks_by_reason);
		free(s);
	}
	HASH_CLEAR(hh_frames, c->cstacks_by_frames);
	HASH_ITER(hh, c->cstacks, cs, cstmp) {
		HASH_DEL(c->cstacks, cs);
		free(cs->pcs);
		free(cs);
	}
	coll_free_tombstones(c);
	free(c);
}

struct site *coll_site_get(struct collector *c, uint64_t gopc, uint64_t startpc)
{
	struct site *s;

	HASH_FIND(hh, c->sites, &gopc, sizeof(gopc), s);
	if (s)
		return s;
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->gopc = gopc;
	s->startpc = startpc;
	if (c->symbolize)
		c->symbolize(c->sym_ctx, gopc, startpc, &s->info);
	HASH_ADD(hh, c->sites, gopc, sizeof(s->gopc), s);
	return s;
}

/* A creation stack by id, read from the BPF side the first time. */
static struct creation_stack *cstack_get(struct collector *c, uint32_t id)
{
	struct creation_stack *cs;
	uint64_t pcs[CREATION_STACK_MAX];
	int n;

	HASH_FIND(hh, c->cstacks, &id, sizeof(id), cs);
	if (cs)
		return cs;
	cs = calloc(1, sizeof(*cs));
	if (!cs)
		return NULL;
	cs->id = id;
	n = c->read_stack ? c->read_stack(c->stack_ctx, id, pcs, CREATION_STACK_MAX) : -1;
	if (n > 0) {
		cs->pcs = malloc(n * sizeof(*pcs));
		if (cs->pcs) {
			memcpy(cs->pcs, pcs, n * sizeof(*pcs));
			cs->n = n;
		}
	}
	HASH_ADD(hh, c->cstacks, id, sizeof(cs->id), cs);
	return cs;
}

/*
 * Where the go statement is in a walk: the frames before it are the
 * runtime's (systemstack, the creator).  Anything else means the walk did
 * not follow the frames it should have, and the stack is not shown.
 */
static void cstack_match(struct collector *c, struct creation_stack *cs, uint64_t gopc)
{
	struct creation_stack *same;
	int i;

	for (i = 1; i <= GS_STACK_LEAD_MAX && i < cs->n; i++)
		if (cs->pcs[i] == gopc)
			break;
	if (i > GS_STACK_LEAD_MAX || i >= cs->n || c->stack_depth <= 0) {
		cs->mismatch = true;
		return;
	}
	cs->frames = cs->pcs + i;
	cs->nframes = cs->n - i < c->stack_depth ? cs->n - i : c->stack_depth;
	HASH_FIND(hh_frames, c->cstacks_by_frames, cs->frames,
		  cs->nframes * sizeof(*cs->frames), same);
	if (same) {
		cs->same_as = same;
		return;
	}
	cs->same_as = cs;
	HASH_ADD_KEYPTR(hh_frames, c->cstacks_by_frames, cs->frames,
			cs->nframes * sizeof(*cs->frames), cs);
}

/* The creation stack of a create record, NULL when it has none we can
 * trust: not walked, not readable, or not starting at the record's go
 * statement (counted, never shown). */
static const struct creation_stack *record_stack(struct collector *c,
						 const struct gs_record *r)
{
	struct creation_stack *cs;

	if (r->create.stack_id == GS_NO_STACK)
		return NULL;
	cs = cstack_get(c, r->create.stack_id);
	if (!cs || !cs->n) {
		c->stacks_unreadable++;
		return NULL;
	}
	if (!cs->nframes && !cs->mismatch)
		cstack_match(c, cs, r->create.gopc);
	if (cs->mismatch || cs->frames[0] != r->create.gopc) {
		c->stack_mismatches++;
		return NULL;
	}
	return cs->same_as;
}

struct site_stack *coll_site_stack_get(struct site *s, const struct creation_stack *cs)
{
	uint32_t id = cs ? cs->id : GS_NO_STACK;
	struct site_stack *st;

	HASH_FIND(hh, s->stacks, &id, sizeof(id), st);
	if (st)
		return st;
	st = calloc(1, sizeof(*st));
	if (!st)
		return NULL;
	st->id = id;
	st->stack = cs;
	st->site = s;
	HASH_ADD(hh, s->stacks, id, sizeof(st->id), st);
	return st;
}

struct gor *coll_gor_find(const struct collector *c, uint64_t goid)
{
	struct gor *g;

	HASH_FIND(hh, c->gors, &goid, sizeof(goid), g);
	return g;
}

static struct gor *gor_find_by_g(const struct collector *c, uint64_t g_addr)
{
	struct gor *g;

	HASH_FIND(hh_g, c->gors_by_g, &g_addr, sizeof(g_addr), g);
	return g;
}

/*
 * g_addr is g's g.  The address may still name another goroutine: one the
 * baseline read there whose exit came by goid, or one whose exit record was
 * lost.  A creation record knows better than what came before it
 * (replace), the baseline does not: its read of that g may be older than
 * the creation record that took it.
 */
void coll_gor_set_g(struct collector *c, struct gor *g, uint64_t g_addr, bool replace)
{
	struct gor *old;

	if (!g_addr || g->by_g)
		return;
	old = gor_find_by_g(c, g_addr);
	if (old && !replace)
		return;
	if (old) {
		HASH_DELETE(hh_g, c->gors_by_g, old);
		old->by_g = false;
	}
	g->g_addr = g_addr;
	g->by_g = true;
	HASH_ADD(hh_g, c->gors_by_g, g_addr, sizeof(g->g_addr), g);
}

void coll_gor_remove(struct collector *c, struct gor *g)
{
	if (g->by_g)
		HASH_DELETE(hh_g, c->gors_by_g, g);
	DL_DELETE(g->site->live_list, g);
	g->site->live--;
	g->stack->live--;
	HASH_DEL(c->gors, g);
	if (!g->pooled)
		free(g);
}

/* A goroutine the snapshot saw (so counted as live at start) turns out to be
 * born after attach: move it to "created", at the site the record names. */
static void baseline_to_created(struct collector *c, struct gor *g,
				const struct gs_record *r)
{
	struct site *s = coll_site_get(c, r->create.gopc, r->create.startpc);
	struct site_stack *st = s ? coll_site_stack_get(s, record_stack(c, r)) : NULL;

	if (!s || !st)
		return;
	g->site->live_at_start--;
	g->stack->live_at_start--;
	g->stack->live--;
	g->stack = st;
	st->created++;
	st->live++;
	if (s != g->site) {	/* the snapshot read a torn g */
		DL_DELETE(g->site->live_list, g);
		g->site->live--;
		g->site = s;
		DL_APPEND(s->live_list, g);
		s->live++;
	} else {
		/* keep oldest-first order: it is younger than any baseline g */
		DL_DELETE(s->live_list, g);
		DL_APPEND(s->live_list, g);
	}
	s->created++;
	g->from_baseline = false;
	g->born_ns = r->ts_ns;
	g->parent_goid = r->create.parent_goid;
	if (g->g_addr != r->create.g && g->by_g) {
		HASH_DELETE(hh_g, c->gors_by_g, g);
		g->by_g = false;
	}
	coll_gor_set_g(c, g, r->create.g, true);
}

static void on_create_record(struct collector *c, const struct gs_record *r)
{
	struct gor *g = coll_gor_find(c, r->goid);
	struct site_stack *st;
	struct site *s;

	if (g) {
		if (g->from_baseline)
			baseline_to_created(c, g, r);
		else
			c->duplicates++;
		return;
	}
	s = coll_site_get(c, r->create.gopc, r->create.startpc);
	st = s ? coll_site_stack_get(s, record_stack(c, r)) : NULL;
	g = calloc(1, sizeof(*g));
	if (!st || !g) {
		free(g);
		return;
	}
	g->goid = r->goid;
	g->parent_goid = r->create.parent_goid;
	g->site = s;
	g->stack = st;
	g->born_ns = r->ts_ns;
	g->seen_since_ns = r->ts_ns;
	HASH_ADD(hh, c->gors, goid, sizeof(g->goid), g);
	coll_gor_set_g(c, g, r->create.g, true);
	DL_APPEND(s->live_list, g);
	s->created++;
	s->live++;
	st->created++;
	st->live++;
}

/*
 * The exit of a goroutine neither a creation record nor the baseline told us
 * about: it was alive when the exit probe went live, and gone before the
 * baseline was read (or before the merge).  It was alive at the start of
 * the trace, so it counts there and as an exit, at the site its record names.
 */
static void exit_of_unseen(struct collector *c, const struct gs_record *r)
{
	struct site_stack *st;
	struct site *s;

	if (!r->exit.gopc || !(s = coll_site_get(c, r->exit.gopc, r->exit.startpc)) ||
	    !(st = coll_site_stack_get(s, NULL))) {
		c->exited_unattributed++;
		return;
	}
	s->live_at_start++;
	s->exited++;
	st->live_at_start++;
	st->exited++;
	c->exited_before_baseline++;
}

static void site_lifetime(struct site *s, uint64_t ns)
{
	s->lifetime_log2[63 - __builtin_clzll(ns | 1)]++;
	s->timed_exits++;
}

/* The goroutine an exit record is about: by goid, or by its g when the
 * record carries only that (the baseline was merged). */
static struct gor *exit_gor(const struct collector *c, const struct gs_record *r)
{
	if (!r->goid)
		return r->exit.g ? gor_find_by_g(c, r->exit.g) : NULL;
	return coll_gor_find(c, r->goid);
}

static void on_exit_record(struct collector *c, const struct gs_record *r)
{
	struct gor *g = exit_gor(c, r);
	struct tombstone *t;

	if (g) {
		g->site->exited++;
		g->stack->exited++;
		if (g->born_ns && r->ts_ns > g->born_ns)
			site_lifetime(g->site, r->ts_ns - g->born_ns);
		coll_gor_remove(c, g);
		return;
	}
	if (c->merged || !r->goid) {
		exit_of_unseen(c, r);
		return;
	}
	/* Before the merge: remember it so the baseline, read a moment
	 * ago, does not bring it back to life. */
	HASH_FIND(hh, c->tombstones, &r->goid, sizeof(r->goid), t);
	if (t) {
		c->duplicates++;
		return;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return;
	t->goid = r->goid;
	HASH_ADD(hh, c->tombstones, goid, sizeof(t->goid), t);
	exit_of_unseen(c, r);
}

/*
 * A record stamped at or after the cut is not counted: the counts stay
 * those of the cut instant whatever the probes do while they are removed.
 * Those stamped before the end snapshot finished are the goroutines that
 * came or went while it was read: the tolerance of its end check.
 */
static void on_record_after_cut(struct collector *c, const struct gs_record *r)
{
	struct gor *g = r->type == GS_REC_EXIT ? exit_gor(c, r) : NULL;
	uint64_t gopc = r->type == GS_REC_CREATE ? r->create.gopc : r->exit.gopc;
	struct site *s = g ? g->site : NULL;

	c->after_cut++;
	if (!c->end_read_ns || r->ts_ns > c->end_read_ns)
		return;
	if (!s && gopc)
		s = coll_site_get(c, gopc, r->type == GS_REC_CREATE ? r->create.startpc :
			     r->exit.startpc);
	if (s)
		s->end_changed++;
}

void collector_on_record(struct collector *c, const struct gs_record *r)
{
	if (c->cut_ns && r->ts_ns >= c->cut_ns) {
		on_record_after_cut(c, r);
		return;
	}
	switch (r->type) {
	case GS_REC_CREATE:
		on_create_record(c, r);
		break;
	case GS_REC_EXIT:
		on_exit_record(c, r);
		break;
	}
}

/* When a baseline goroutine has certainly existed since: the runtime's
 * waitsince (set lazily by the GC, same clock as ours) if older than the
 * attach, else the attach itself. */
