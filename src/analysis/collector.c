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
	UT_hash_handle hh;
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

static void free_tombstones(struct collector *c)
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
	free_tombstones(c);
	free(c);
}

static struct site *site_get(struct collector *c, uint64_t gopc, uint64_t startpc)
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

static struct site_stack *site_stack_get(struct site *s, const struct creation_stack *cs)
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

static struct gor *gor_find(const struct collector *c, uint64_t goid)
{
	struct gor *g;

	HASH_FIND(hh, c->gors, &goid, sizeof(goid), g);
	return g;
}

static void gor_remove(struct collector *c, struct gor *g)
{
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
	struct site *s = site_get(c, r->create.gopc, r->create.startpc);
	struct site_stack *st = s ? site_stack_get(s, record_stack(c, r)) : NULL;

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
}

static void on_create_record(struct collector *c, const struct gs_record *r)
{
	struct gor *g = gor_find(c, r->goid);
	struct site_stack *st;
	struct site *s;

	if (g) {
		if (g->from_baseline)
			baseline_to_created(c, g, r);
		else
			c->duplicates++;
		return;
	}
	s = site_get(c, r->create.gopc, r->create.startpc);
	st = s ? site_stack_get(s, record_stack(c, r)) : NULL;
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

	if (!r->exit.gopc || !(s = site_get(c, r->exit.gopc, r->exit.startpc)) ||
	    !(st = site_stack_get(s, NULL))) {
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

static void on_exit_record(struct collector *c, const struct gs_record *r)
{
	struct gor *g = gor_find(c, r->goid);
	struct tombstone *t;

	if (g) {
		g->site->exited++;
		g->stack->exited++;
		if (g->born_ns && r->ts_ns > g->born_ns)
			site_lifetime(g->site, r->ts_ns - g->born_ns);
		gor_remove(c, g);
		return;
	}
	if (c->merged) {
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
	struct gor *g = r->type == GS_REC_EXIT ? gor_find(c, r->goid) : NULL;
	uint64_t gopc = r->type == GS_REC_CREATE ? r->create.gopc : r->exit.gopc;
	struct site *s = g ? g->site : NULL;

	c->after_cut++;
	if (!c->end_read_ns || r->ts_ns > c->end_read_ns)
		return;
	if (!s && gopc)
		s = site_get(c, gopc, r->type == GS_REC_CREATE ? r->create.startpc :
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

		if (gor_find(c, sg->goid))
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
		struct site *site = site_get(c, sg->gopc, sg->startpc);
		struct site_stack *st = site ? site_stack_get(site, NULL) : NULL;
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
		DL_PREPEND(site->live_list, g);
		site->live++;
		site->live_at_start++;
		st->live++;
		st->live_at_start++;
	}
	free_tombstones(c);
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
		gor_remove(c, g);
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
		struct gor *g = gor_find(c, sg->goid);

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
		struct gor *g = gor_find(c, sg->goid);
		/* A goroutine the counts know is at its site even when the
		 * snapshot read a torn g; one they do not was born after the
		 * cut (or is a half-made g), at the site it names. */
		struct site *at = g ? g->site : site_get(c, sg->gopc, sg->startpc);

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

void collector_totals(const struct collector *c, struct collector_totals *t)
{
	const struct site *s, *tmp;

	memset(t, 0, sizeof(*t));
	HASH_ITER(hh, c->sites, s, tmp) {
		t->created += s->created;
		t->exited += s->exited;
		t->live += s->live;
		t->live_at_start += s->live_at_start;
		if (!s->info.system)
			t->live_user += s->live;
	}
	t->exited_unattributed = c->exited_unattributed;
	t->exited_before_baseline = c->exited_before_baseline;
	t->records_after_cut = c->after_cut;
	t->baseline_phantoms = c->phantoms;
	t->duplicate_records = c->duplicates;
	t->creation_stacks = HASH_CNT(hh_frames, c->cstacks_by_frames);
	t->stack_mismatches = c->stack_mismatches;
	t->stacks_unreadable = c->stacks_unreadable;
}

static int cmp_sites(const void *a, const void *b)
{
	const struct site *x = *(const struct site *const *)a;
	const struct site *y = *(const struct site *const *)b;

	if (x->live != y->live)
		return x->live < y->live ? 1 : -1;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	return x->gopc < y->gopc ? -1 : (x->gopc > y->gopc);
}

/* Room for *n pointers (*n = 0 when there is none). */
static void *ptr_array(size_t *n)
{
	void *arr = calloc(*n ? *n : 1, sizeof(void *));

	if (!arr)
		*n = 0;
	return arr;
}

const struct site **collector_sorted_sites(const struct collector *c, size_t *n)
{
	const struct site **arr, *s, *tmp;
	size_t i = 0;

	*n = HASH_COUNT(c->sites);
	arr = ptr_array(n);
	if (!arr)
		return NULL;
	HASH_ITER(hh, c->sites, s, tmp)
		arr[i++] = s;
	qsort(arr, *n, sizeof(*arr), cmp_sites);
	return arr;
}

/* A live goroutine's age at now_ns (0 for none), a lower bound when it
 * was born before attach. */
static uint64_t gor_age(const struct gor *g, uint64_t now_ns, bool *lower_bound)
{
	uint64_t since;

	*lower_bound = false;
	if (!g)
		return 0;
	*lower_bound = g->from_baseline;
	since = g->from_baseline ? g->seen_since_ns : g->born_ns;
	return now_ns > since ? now_ns - since : 0;
}

uint64_t collector_oldest_age(const struct collector *c, const struct site *s,
			      uint64_t now_ns, bool *lower_bound)
{
	return gor_age(s->live_list, now_ns, lower_bound);
}

static int cmp_stacks(const void *a, const void *b)
{
	const struct site_stack *x = *(const struct site_stack *const *)a;
	const struct site_stack *y = *(const struct site_stack *const *)b;

	if (x->live != y->live)
		return x->live < y->live ? 1 : -1;
	if (x->created != y->created)
		return x->created < y->created ? 1 : -1;
	if (x->site != y->site)	/* same order as the sites */
		return x->site->gopc < y->site->gopc ? -1 : 1;
	return x->id < y->id ? -1 : (x->id > y->id);
}

const struct site_stack **collector_sorted_stacks(const struct collector *c, size_t *n)
{
	const struct site_stack **arr, *st, *sttmp;
	const struct site *s, *tmp;
	size_t i = 0;

	*n = 0;
	HASH_ITER(hh, c->sites, s, tmp)
		*n += HASH_COUNT(s->stacks);
	arr = ptr_array(n);
	if (!arr)
		return NULL;
	HASH_ITER(hh, c->sites, s, tmp)
		HASH_ITER(hh, s->stacks, st, sttmp)
			arr[i++] = st;
	qsort(arr, *n, sizeof(*arr), cmp_stacks);
	return arr;
}

const struct site_stack **collector_site_stacks(const struct site *s, size_t *n)
{
	const struct site_stack **arr, *st, *sttmp;
	size_t i = 0;

	*n = HASH_COUNT(s->stacks);
	arr = ptr_array(n);
	if (!arr)
		return NULL;
	HASH_ITER(hh, s->stacks, st, sttmp)
		arr[i++] = st;
	qsort(arr, *n, sizeof(*arr), cmp_stacks);
	return arr;
}

uint64_t collector_stack_oldest_age(const struct collector *c,
				    const struct site_stack *st, uint64_t now_ns,
				    bool *lower_bound)
{
	const struct gor *g;

	/* the site's list is oldest first: its first goroutine of st */
	DL_FOREACH(st->site->live_list, g)
		if (g->stack == st)
			break;
	return gor_age(g, now_ns, lower_bound);
}

void collector_set_parks(struct collector *c, uint64_t gopc, uint32_t reason,
			 uint64_t count)
{
	struct site *s;

	if (reason >= WAIT_REASONS_MAX)
		return;
	/* every goroutine that parks was in the baseline or created since,
	 * so its site is known; site_get only for a stray gopc */
	s = site_get(c, gopc, 0);
	if (!s)
		return;
	if (!s->parks_by_reason) {
		s->parks_by_reason = calloc(WAIT_REASONS_MAX, sizeof(*s->parks_by_reason));
		if (!s->parks_by_reason)
			return;
	}
	if (count < s->parks_by_reason[reason])
		return;	/* counters only grow; an older read arrived late */
	s->parks += count - s->parks_by_reason[reason];
	s->parks_by_reason[reason] = count;
}

const struct trend *collector_trend(const struct collector *c)
{
	return &c->trend;
}

void collector_sample(struct collector *c, uint64_t now_ns, bool force)
{
	struct site *s, *tmp;
	bool halved;
	size_t i, old_n;

	if (!c->trend_started) {
		trend_init(&c->trend, TREND_DEFAULT_STEP_NS, now_ns);
		c->trend_started = true;
	}
	if (!force && !trend_due(&c->trend, now_ns))
		return;
	i = trend_begin_sample(&c->trend, now_ns, &halved, &old_n);
	HASH_ITER(hh, c->sites, s, tmp) {
		if (halved)
			trend_series_halve(&s->series, old_n);
		trend_series_set(&s->series, i, s->live, s->created, s->exited);
	}
}

uint64_t collector_lifetime_p90(const struct site *s)
{
	uint64_t want, seen = 0;
	int b;

	if (!s->timed_exits)
		return 0;
	want = (s->timed_exits * 9 + 9) / 10;
	for (b = 0; b < 64; b++) {
		seen += s->lifetime_log2[b];
		if (seen >= want)
			return b >= 63 ? UINT64_MAX : (2ull << b) - 1;
	}
	return UINT64_MAX;
}

void collector_site_survivors(const struct collector *c, const struct site *s,
			      uint64_t now_ns, uint64_t min_age_ns, uint64_t long_ns,
			      struct site_survivors *out)
{
	uint64_t first_aged = 0, last_aged = 0;
	const struct gor *g;

	memset(out, 0, sizeof(*out));
	DL_FOREACH(s->live_list, g) {
		if (g->from_baseline) {
			out->baseline_alive++;
			if (now_ns > g->seen_since_ns && now_ns - g->seen_since_ns >= long_ns)
				out->long_parked++;
			continue;
		}
		out->new_alive++;
		if (now_ns < g->born_ns || now_ns - g->born_ns < min_age_ns)
			continue;
		out->new_aged++;
		if (!first_aged || g->born_ns < first_aged)
			first_aged = g->born_ns;
		if (g->born_ns > last_aged)
			last_aged = g->born_ns;
	}
	out->aged_birth_span_ns = last_aged - first_aged;
}
