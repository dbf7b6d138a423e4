// SPDX-License-Identifier: BSD-2-Clause
/*
 * From node mode's collectors to Prometheus text (include/serve/nodemetrics.h).
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "output/model.h"
#include "serve/promtext.h"
#include "serve/nodemetrics.h"

struct gather {
	unsigned int top;
	struct promtext_process *procs;
	struct model **models;	/* per process, for the sites' strings */
	struct promtext_site **sites;
	size_t n, cap;
	int err;
};

static void free_card(void *user)
{
	promtext_cardinality_free(user);
	free(user);
}

void nodemetrics_source(const struct node_process *p, const struct tracedproc *tp,
			uint64_t now_ns, struct model_source *src)
{
	*src = (struct model_source){
		.coll = tp->coll,
		.t = &p->t,
		.pid = p->pid,
		.exe = p->t.exe_name,
		.go_version = gobin_go_version(p->t.gb),
		.go_minor = p->t.minor,
		.bias = p->t.bias,
		.attach_ns = tp->attach_ns,
		.now_ns = now_ns,
		.probe_free = tp->diff != NULL,
		.snapshots = tp->snapshots,
		.have_goids = tp->have_goids,
		.goids = tp->goidgen_last - tp->goidgen_first,
	};
}

/* A process's sites by the report model's rules (no frames: the
 * exposition has no stacks). */
static int model_of(struct node_process *p, struct model *m)
{
	struct model_source src;
	struct model_options mo = { 0 };

	nodemetrics_source(p, &p->pt, monotonic_ns(), &src);
	return model_build(&src, &mo, m);
}

static void gather_process(struct node_process *p, void *ctx)
{
	struct gather *g = ctx;
	struct promtext_process *mp;
	struct promtext_site *ms;
	struct model *m;
	size_t i;

	if (g->err)
		return;
	if (g->n == g->cap) {
		size_t cap = g->cap ? g->cap * 2 : 16;
		void *a = realloc(g->procs, cap * sizeof(*g->procs));
		void *b = a ? realloc(g->models, cap * sizeof(*g->models)) : NULL;
		void *c = b ? realloc(g->sites, cap * sizeof(*g->sites)) : NULL;

		if (a)
			g->procs = a;
		if (b)
			g->models = b;
		if (!c) {
			g->err = -ENOMEM;
			return;
		}
		g->sites = c;
		g->cap = cap;
	}
	if (!p->user) {
		struct promtext_cardinality *card = calloc(1, sizeof(*card));

		if (!card || promtext_cardinality_init(card, g->top)) {
			free(card);
			g->err = -ENOMEM;
			return;
		}
		p->user = card;
		p->free_user = free_card;
	}
	m = calloc(1, sizeof(*m));
	if (!m || model_of(p, m)) {
		free(m);
		g->err = -ENOMEM;
		return;
	}
	ms = calloc(m->nrows ? m->nrows : 1, sizeof(*ms));
	if (!ms) {
		model_free(m);
		free(m);
		g->err = -ENOMEM;
		return;
	}
	for (i = 0; i < m->nrows; i++) {
		const struct model_row *r = &m->rows[i];
		uint64_t created = r->created, exited = r->exited;

		/* escalated: the windows' exact counts, not the snapshots'
		 * lower bounds */
		if (p->escalated)
			node_exact_counts(p, r->site->gopc, &created, &exited);
		ms[i] = (struct promtext_site){
			.key = r->pc,	/* link-time, as the capture report names sites */
			.function = r->function,
			.file = r->file,
			.line = r->line,
			.live = r->live,
			.created = created,
			.exited = exited,
			.parks = r->parks,
			.verdict = (int)r->verdict,
		};
	}
	mp = &g->procs[g->n];
	*mp = (struct promtext_process){
		.pid = p->pid,
		.exe = p->exe_base,
		.container_id = p->container_id,
		.pod = p->pod_uid,
		.go_version = m->go_version,
		.sites = ms,
		.nsites = m->nrows,
		.card = p->user,
		.probe_free = m->probe_free,
		.escalated = p->escalated,
		.have_goids = m->have_goids,
		.goids = m->goids,
	};
	g->models[g->n] = m;
	g->sites[g->n] = ms;
	g->n++;
}

int nodemetrics_render(struct node *n, unsigned int top, char **text, size_t *len)
{
	struct gather g = { .top = top };
	struct node_health h;
	struct promtext_drop drops[7];
	struct promtext_self self = { 0 };
	size_t i;
	int ret;

	node_for_each_process(n, gather_process, &g);
	node_health(n, &h);
	drops[0] = (struct promtext_drop){ "processes_over_max", h.over_limit_total };
	drops[1] = (struct promtext_drop){ "processes_over_memory", h.over_memory_total };
	drops[2] = (struct promtext_drop){ "park_probes", h.park_probes_dropped };
	drops[3] = (struct promtext_drop){ "events", h.lost_events };
	drops[4] = (struct promtext_drop){ "escalations_over_max", h.escalations_refused_max };
	drops[5] = (struct promtext_drop){ "escalations_over_cpu", h.escalations_refused_cpu };
	drops[6] = (struct promtext_drop){ "escalations_failed", h.escalations_failed };
	self = (struct promtext_self){
		.processes = h.processes,
		.binaries = h.binaries,
		.lost_events = h.lost_events,
		.create_hits = h.create_hits,
		.park_hits = h.park_hits,
		.exit_hits = h.exit_hits,
		.cpu_seconds = node_cpu_seconds(),
		.rss_bytes = node_rss_bytes(),
		.drops = drops,
		.ndrops = h.escalating ? 7 : 4,
		.parks = h.park_counted,
		.escalating = h.escalating,
		.escalations_total = h.escalations_total,
		.escalations_active = h.escalations_active,
	};
	ret = g.err ? g.err : promtext_render(g.procs, g.n, &self, text, len);
	for (i = 0; i < g.n; i++) {
		model_free(g.models[i]);
		free(g.models[i]);
		free(g.sites[i]);
	}
	free(g.procs);
	free(g.models);
	free(g.sites);
	return ret;
}
