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

#include "collector.h"

struct gor {
	uint64_t goid;
	uint64_t parent_goid;
	struct site *site;
	uint64_t born_ns;
	uint64_t seen_since_ns;
	uint64_t parked_ns;
	int last_reason;
	bool from_baseline;
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
	struct site *sites;		/* by gopc */
	struct gor *gors;		/* live goroutines by goid */
	struct tombstone *tombstones;
	bool merged;
	uint32_t snapshot_gen;
	uint64_t phantoms;
	uint64_t exited_before_baseline;
	uint64_t exited_unattributed;
	uint64_t end_ns;		/* probes being removed since */
	uint64_t after_end;
	uint64_t duplicates;
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

	if (!c)
		return;
	HASH_ITER(hh, c->gors, g, gtmp) {
		HASH_DEL(c->gors, g);
		free(g);
	}
	HASH_ITER(hh, c->sites, s, stmp) {
		HASH_DEL(c->sites, s);
		free(s);
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
	HASH_DEL(c->gors, g);
	free(g);
}

/* A goroutine the snapshot saw (so counted as live at start) turns out to be
 * born after attach: move it to "created", at the site the record names. */
static void baseline_to_created(struct collector *c, struct gor *g,
				const struct gs_record *r)
{
	struct site *s = site_get(c, r->create.gopc, r->create.startpc);

	if (!s)
		return;
	g->site->live_at_start--;
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
	struct site *s;

	if (g) {
		if (g->from_baseline)
			baseline_to_created(c, g, r);
		else
			c->duplicates++;
		return;
	}
	s = site_get(c, r->create.gopc, r->create.startpc);
	g = calloc(1, sizeof(*g));
	if (!s || !g) {
		free(g);
		return;
	}
	g->goid = r->goid;
	g->parent_goid = r->create.parent_goid;
	g->site = s;
	g->born_ns = r->ts_ns;
	g->seen_since_ns = r->ts_ns;
	g->last_reason = -1;
	HASH_ADD(hh, c->gors, goid, sizeof(g->goid), g);
	DL_APPEND(s->live_list, g);
	s->created++;
	s->live++;
}

/*
 * The exit of a goroutine neither a creation record nor the baseline told us
 * about: it was alive when the exit probe went live, and gone before the
 * baseline was read (or before the merge).  It was alive at the start of
 * the trace, so it counts there and as an exit, at the site its record names.
 */
static void exit_of_unseen(struct collector *c, const struct gs_record *r)
{
	struct site *s;

	/* While the probes are removed, the creation probe goes first (an
	 * exit probe removed first would leave dead goroutines alive): an
	 * unseen goroutine exiting now was born after it went. */
	if (c->end_ns && r->ts_ns >= c->end_ns) {
		c->after_end++;
		return;
	}
	if (!r->exit.gopc || !(s = site_get(c, r->exit.gopc, r->exit.startpc))) {
		c->exited_unattributed++;
		return;
	}
	s->live_at_start++;
	s->exited++;
	c->exited_before_baseline++;
}

static void on_exit_record(struct collector *c, const struct gs_record *r)
{
	struct gor *g = gor_find(c, r->goid);
	struct tombstone *t;

	if (g) {
		g->site->exited++;
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

static void on_park_record(struct collector *c, const struct gs_record *r)
{
	struct gor *g = gor_find(c, r->goid);

	if (!g)
		return;	/* before the baseline merge: the snapshot has its reason */
	g->parked_ns = r->ts_ns;
	g->last_reason = (int)r->park.reason;
}

void collector_on_record(struct collector *c, const struct gs_record *r)
{
	switch (r->type) {
	case GS_REC_CREATE:
		on_create_record(c, r);
		break;
	case GS_REC_EXIT:
		on_exit_record(c, r);
		break;
	case GS_REC_PARK:
		on_park_record(c, r);
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
	struct baseline_item *items = calloc(s->n ? s->n : 1, sizeof(*items));
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
	for (i = 0; i < n; i++) {
		const struct snap_g *sg = items[i].sg;
		struct site *site = site_get(c, sg->gopc, sg->startpc);
		struct gor *g = calloc(1, sizeof(*g));

		if (!site || !g) {
			free(g);
			continue;
		}
		g->goid = sg->goid;
		g->parent_goid = sg->parent_goid;
		g->site = site;
		g->seen_since_ns = items[i].since;
		g->last_reason = sg->status == G_WAITING ? sg->waitreason : -1;
		g->from_baseline = true;
		HASH_ADD(hh, c->gors, goid, sizeof(g->goid), g);
		DL_PREPEND(site->live_list, g);
		site->live++;
		site->live_at_start++;
	}
	free_tombstones(c);
	c->merged = true;
	free(items);
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
		if (!g->from_baseline || g->seen_gen == c->snapshot_gen)
			continue;
		g->site->live_at_start--;
		c->phantoms++;
		gor_remove(c, g);
	}
}

void collector_apply_snapshot(struct collector *c, const struct snapshot *s)
{
	struct site *site, *tmp;
	size_t i;

	c->snapshot_gen++;
	HASH_ITER(hh, c->sites, site, tmp) {
		memset(site->parked_by_reason, 0, sizeof(site->parked_by_reason));
		site->have_parked = true;
	}
	for (i = 0; i < s->n; i++) {
		const struct snap_g *sg = &s->gs[i];
		struct gor *g = gor_find(c, sg->goid);

		if (g)
			g->seen_gen = c->snapshot_gen;
		if (sg->status != G_WAITING && sg->status != G_LEAKED)
			continue;
		if (g)
			g->last_reason = sg->waitreason;
		HASH_FIND(hh, c->sites, &sg->gopc, sizeof(sg->gopc), site);
		if (site)
			site->parked_by_reason[sg->waitreason]++;
	}
	/* A slot we could not read may hold a real goroutine. */
	if (c->merged && !s->unreadable)
		drop_baseline_phantoms(c);
}

void collector_trace_ending(struct collector *c, uint64_t now_ns)
{
	c->end_ns = now_ns;
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
	t->exited_after_end = c->after_end;
	t->baseline_phantoms = c->phantoms;
	t->duplicate_records = c->duplicates;
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

const struct site **collector_sorted_sites(const struct collector *c, size_t *n)
{
	const struct site **arr, *s, *tmp;
	size_t i = 0;

	*n = HASH_COUNT(c->sites);
	arr = calloc(*n ? *n : 1, sizeof(*arr));
	if (!arr) {
		*n = 0;
		return NULL;
	}
	HASH_ITER(hh, c->sites, s, tmp)
		arr[i++] = s;
	qsort(arr, *n, sizeof(*arr), cmp_sites);
	return arr;
}

uint64_t collector_oldest_age(const struct collector *c, const struct site *s,
			      uint64_t now_ns, bool *lower_bound)
{
	const struct gor *g = s->live_list;
	uint64_t since;

	*lower_bound = false;
	if (!g)
		return 0;
	*lower_bound = g->from_baseline;
	since = g->from_baseline ? g->seen_since_ns : g->born_ns;
	return now_ns > since ? now_ns - since : 0;
}

void collector_for_each_goroutine(const struct collector *c,
				  void (*cb)(const struct goroutine_view *g, void *ctx),
				  void *ctx)
{
	const struct gor *g, *tmp;

	HASH_ITER(hh, c->gors, g, tmp) {
		struct goroutine_view v = {
			.goid = g->goid,
			.parent_goid = g->parent_goid,
			.site = g->site,
			.born_ns = g->born_ns,
			.seen_since_ns = g->seen_since_ns,
			.parked_ns = g->parked_ns,
			.last_reason = g->last_reason,
			.from_baseline = g->from_baseline,
		};
		cb(&v, ctx);
	}
}
