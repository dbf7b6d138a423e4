// SPDX-License-Identifier: BSD-2-Clause
/*
 * Snapshots compared by goid (include/analysis/snapdiff.h).  Goids, never
 * g addresses: the runtime reuses a g for a new goroutine with a new goid.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <uthash.h>

#include "analysis/snapdiff.h"

struct seen_g {
	uint64_t goid;
	uint64_t gopc;
	uint64_t startpc;
	uint32_t gen;		/* the last snapshot that showed it */
	UT_hash_handle hh;
};

struct snapdiff {
	struct seen_g *live;	/* by goid */
	uint32_t gen;
};

struct snapdiff *snapdiff_new(void)
{
	return calloc(1, sizeof(struct snapdiff));
}

void snapdiff_free(struct snapdiff *d)
{
	struct seen_g *g, *tmp;

	if (!d)
		return;
	HASH_ITER(hh, d->live, g, tmp) {
		HASH_DEL(d->live, g);
		free(g);
	}
	free(d);
}

static struct seen_g *remember(struct snapdiff *d, const struct snap_g *sg)
{
	struct seen_g *g = calloc(1, sizeof(*g));

	if (!g)
		return NULL;
	g->goid = sg->goid;
	g->gopc = sg->gopc;
	g->startpc = sg->startpc;
	g->gen = d->gen;
	HASH_ADD(hh, d->live, goid, sizeof(g->goid), g);
	return g;
}

int snapdiff_seed(struct snapdiff *d, const struct snapshot *s)
{
	size_t i;

	d->gen++;
	for (i = 0; i < s->n; i++) {
		struct seen_g *g;

		HASH_FIND(hh, d->live, &s->gs[i].goid, sizeof(s->gs[i].goid), g);
		if (g)
			continue;	/* a g read twice while it moved in allgs */
		if (!remember(d, &s->gs[i]))
			return -ENOMEM;
	}
	return 0;
}

int snapdiff_feed(struct snapdiff *d, const struct snapshot *s, uint32_t tgid,
		  struct collector *c, struct snapdiff_counts *out)
{
	struct seen_g *g, *tmp;
	size_t i;

	memset(out, 0, sizeof(*out));
	d->gen++;
	collector_mark(c);	/* what this snapshot adds, per site */
	for (i = 0; i < s->n; i++) {
		const struct snap_g *sg = &s->gs[i];
		struct gs_record r = { .type = GS_REC_CREATE, .tgid = tgid,
				       .ts_ns = s->started_ns, .goid = sg->goid };

		HASH_FIND(hh, d->live, &sg->goid, sizeof(sg->goid), g);
		if (g) {
			g->gen = d->gen;
			continue;
		}
		if (!(g = remember(d, sg)))
			return -ENOMEM;
		r.create.parent_goid = sg->parent_goid;
		r.create.gopc = sg->gopc;
		r.create.startpc = sg->startpc;
		r.create.status = (uint16_t)sg->status;
		r.create.stack_id = GS_NO_STACK;
		collector_on_record(c, &r);
		out->appeared++;
	}
	HASH_ITER(hh, d->live, g, tmp) {
		struct gs_record r = { .type = GS_REC_EXIT, .tgid = tgid,
				       .ts_ns = s->started_ns, .goid = g->goid };

		if (g->gen == d->gen)
			continue;
		r.exit.gopc = g->gopc;
		r.exit.startpc = g->startpc;
		collector_on_record(c, &r);
		out->gone++;
		HASH_DEL(d->live, g);
		free(g);
	}
	collector_apply_snapshot(c, s);
	return 0;
}

size_t snapdiff_live(const struct snapdiff *d)
{
	return HASH_COUNT(d->live);
}
