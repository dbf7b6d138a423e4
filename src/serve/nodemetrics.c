// SPDX-License-Identifier: BSD-2-Clause
/*
 * From node mode's collectors to Prometheus text (include/serve/nodemetrics.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "analysis/diagnose.h"
#include "serve/metrics.h"
#include "serve/nodemetrics.h"

struct gather {
	unsigned int top;
	struct metrics_process *procs;
	struct diagnosis **diags;	/* per process, for the sites' strings */
	struct metrics_site **sites;
	size_t n, cap;
	int err;
};

static void free_card(void *user)
{
	metrics_cardinality_free(user);
	free(user);
}

static void gather_process(struct node_process *p, void *ctx)
{
	struct gather *g = ctx;
	struct diagnose_ctx dc = {
		.c = p->pt.coll,
		.go_minor = p->t.minor,
		.start_ns = p->pt.attach_ns,
		.now_ns = monotonic_ns(),
	};
	struct metrics_process *mp;
	struct metrics_site *ms;
	struct diagnosis *d;
	size_t i, nd;

	if (g->err)
		return;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		void *a = realloc(g->procs, cap * sizeof(*g->procs));
		void *b = a ? realloc(g->diags, cap * sizeof(*g->diags)) : NULL;
		void *c = b ? realloc(g->sites, cap * sizeof(*g->sites)) : NULL;

		if (a)
			g->procs = a;
		if (b)
			g->diags = b;
		if (!c) {
			g->err = -ENOMEM;
			return;
		}
		g->sites = c;
		g->cap = cap;
	}
	if (!p->user) {
		struct metrics_cardinality *card = calloc(1, sizeof(*card));

		if (!card || metrics_cardinality_init(card, g->top)) {
			free(card);
			g->err = -ENOMEM;
			return;
		}
		p->user = card;
		p->free_user = free_card;
	}
	d = diagnose_all(&dc, &nd);
	ms = calloc(nd ? nd : 1, sizeof(*ms));
	if (!d || !ms) {
		free(d);
		free(ms);
		g->err = -ENOMEM;
		return;
	}
	for (i = 0; i < nd; i++) {
		const struct site *s = d[i].site;

		ms[i] = (struct metrics_site){
			/* link-time, as the capture report names sites */
			.key = s->gopc - p->t.bias,
			.function = s->info.function,
			.file = s->info.file,
			.line = s->info.line,
			.live = s->live,
			.created = s->created,
			.exited = s->exited,
			.parks = s->parks,
			.verdict = (int)d[i].verdict.kind,
		};
	}
	mp = &g->procs[g->n];
	*mp = (struct metrics_process){
		.pid = p->pid,
		.exe = p->exe_base,
		.container_id = p->container_id,
		.pod = p->pod_uid,
		.go_version = gobin_go_version(p->t.gb),
		.sites = ms,
		.nsites = nd,
		.card = p->user,
	};
	g->diags[g->n] = d;
	g->sites[g->n] = ms;
	g->n++;
}

int nodemetrics_render(struct node *n, unsigned int top, char **text, size_t *len)
{
	struct gather g = { .top = top };
	struct node_health h;
	struct metrics_drop drops[4];
	struct metrics_self self = { 0 };
	size_t i;
	int ret;

	node_for_each_process(n, gather_process, &g);
	node_health(n, &h);
	drops[0] = (struct metrics_drop){ "processes_over_max", h.over_limit_total };
	drops[1] = (struct metrics_drop){ "processes_over_memory", h.over_memory_total };
	drops[2] = (struct metrics_drop){ "park_probes", h.park_probes_dropped };
	drops[3] = (struct metrics_drop){ "events", h.lost_events };
	self = (struct metrics_self){
		.processes = h.processes,
		.binaries = h.binaries,
		.lost_events = h.lost_events,
		.create_hits = h.create_hits,
		.park_hits = h.park_hits,
		.exit_hits = h.exit_hits,
		.cpu_seconds = node_cpu_seconds(),
		.rss_bytes = node_rss_bytes(),
		.drops = drops,
		.ndrops = 4,
		.parks = h.park_counted,
	};
	ret = g.err ? g.err : metrics_render(g.procs, g.n, &self, text, len);
	for (i = 0; i < g.n; i++) {
		free(g.diags[i]);
		free(g.sites[i]);
	}
	free(g.procs);
	free(g.diags);
	free(g.sites);
	return ret;
}
