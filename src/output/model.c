// SPDX-License-Identifier: BSD-2-Clause
/*
 * The report model (include/output/model.h): the collector's counts and
 * the diagnosis of every site, gathered once for every view.
 */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "analysis/diagnose.h"
#include "common/timeunits.h"
#include "output/model.h"
#include "process/dump.h"
#include "process/gostack.h"
#include "process/target.h"

int model_stack_frames(const struct target *t, const struct creation_stack *cs,
		       struct stack_frame *out, int max)
{
	struct go_frame lf[GOSTACK_MAX_INLINE + 1];
	int i, n = 0;

	for (i = 0; cs && i < cs->nframes && n < max; i++) {
		/* Each return address with the calls inlined at it, innermost
		 * first, as Go's tracebacks show them. */
		size_t k = cs->frames[i] > t->bias ?
			   gostack_symbolize(t->gb, t->bias, cs->frames[i], lf,
					     GOSTACK_MAX_INLINE + 1) : 0;
		size_t j;

		/* Every goroutine's first frame returns to goexit; Go's own
		 * tracebacks leave it out too. */
		if (i == cs->nframes - 1 && k && !strcmp(lf[k - 1].function, "runtime.goexit"))
			break;
		if (!k) {
			out[n++] = (struct stack_frame){ .pc = cs->frames[i] - t->bias,
							 .function = "?", .file = "?" };
			continue;
		}
		for (j = 0; j < k && n < max; j++)
			out[n++] = (struct stack_frame){
				.pc = cs->frames[i] - t->bias,
				.function = lf[j].function,
				.file = lf[j].file ? lf[j].file : "?",
				.line = lf[j].line,
				.inlined = lf[j].inlined,
			};
	}
	return n;
}

static int cmp_u64_desc(uint64_t a, uint64_t b)
{
	return a < b ? 1 : a > b ? -1 : 0;
}

int model_row_cmp(const struct model_row *a, const struct model_row *b)
{
	int c;

	if (a->system != b->system)
		return a->system ? 1 : -1;
	if (a->verdict != b->verdict)
		return a->verdict < b->verdict ? 1 : -1;	/* leak first */
	if ((c = cmp_u64_desc(a->live, b->live)))
		return c;
	if ((c = cmp_u64_desc(a->created, b->created)))
		return c;
	if (a->pc != b->pc)
		return a->pc < b->pc ? -1 : 1;
	/* --by stack: one site's call paths, by id */
	if (a->stack && b->stack && a->stack->id != b->stack->id)
		return a->stack->id < b->stack->id ? -1 : 1;
	return 0;
}

static int row_qsort_cmp(const void *a, const void *b)
{
	return model_row_cmp(a, b);
}

static int wait_cmp(const void *pa, const void *pb)
{
	const struct model_wait *a = pa, *b = pb;

	return cmp_u64_desc(a->count, b->count);
}

/* Nonzero counters of a per-reason array (WAIT_REASONS_MAX entries) as
 * named waits, most first, equal counts in the order of their values (the
 * diagnosis's rule, so that waits[0] is its main reason). */
static int waits_of(int go_minor, const void *counts, bool wide, struct model_wait **out,
		    size_t *nout)
{
	const uint32_t *narrow = counts;
	const uint64_t *w = counts;
	struct model_wait *waits;
	size_t i, n = 0;

	*out = NULL;
	*nout = 0;
	if (!counts)
		return 0;
	for (i = 0; i < WAIT_REASONS_MAX; i++)
		n += (wide ? w[i] : narrow[i]) != 0;
	if (!n)
		return 0;
	waits = calloc(n, sizeof(*waits));
	if (!waits)
		return -ENOMEM;
	for (i = 0, n = 0; i < WAIT_REASONS_MAX; i++) {
		uint64_t v = wide ? w[i] : narrow[i];

		if (!v)
			continue;
		diagnose_wait_name(go_minor, (unsigned)i, waits[n].name, sizeof(waits[n].name));
		waits[n++].count = v;
	}
	/* A stable sort by count (insertion: a site waits on a few reasons). */
	for (i = 1; i < n; i++) {
		struct model_wait x = waits[i];
		size_t j = i;

		while (j > 0 && wait_cmp(&waits[j - 1], &x) > 0) {
			waits[j] = waits[j - 1];
			j--;
		}
		waits[j] = x;
	}
	*out = waits;
	*nout = n;
	return 0;
}

static int stack_of(const struct model_source *src, const struct model_options *opt,
		    const struct site_stack *st, struct model_stack *out)
{
	struct stack_frame f[CREATION_STACK_MAX];
	int n;

	*out = (struct model_stack){
		.known = st->stack != NULL,
		.created = st->created,
		.exited = st->exited,
		.live = st->live,
		.live_at_start = st->live_at_start,
	};
	if (!st->stack || !opt->frames || !src->t)
		return 0;
	n = model_stack_frames(src->t, st->stack, f, CREATION_STACK_MAX);
	if (n <= 0)
		return 0;
	out->frames = malloc((size_t)n * sizeof(*f));
	if (!out->frames)
		return -ENOMEM;
	memcpy(out->frames, f, (size_t)n * sizeof(*f));
	out->nframes = n;
	return 0;
}

/* The row's own stacks: a site's call paths, or --by stack its one. */
static int stacks_of(const struct model_source *src, const struct model_options *opt,
		     struct model_row *r)
{
	const struct site_stack **sts;
	size_t i, n;
	int ret = 0;

	if (r->stack) {
		r->stacks = calloc(1, sizeof(*r->stacks));
		if (!r->stacks)
			return -ENOMEM;
		r->nstacks = 1;
		return stack_of(src, opt, r->stack, r->stacks);
	}
	sts = collector_site_stacks(r->site, &n);
	if (!sts)
		return n ? -ENOMEM : 0;
	r->stacks = calloc(n ? n : 1, sizeof(*r->stacks));
	if (!r->stacks) {
		free(sts);
		return -ENOMEM;
	}
	for (i = 0; i < n && !ret; i++) {
		ret = stack_of(src, opt, sts[i], &r->stacks[i]);
		r->nstacks++;
	}
	free(sts);
	return ret;
}

static int fill_row(const struct model_source *src, const struct model_options *opt,
		    const struct diagnosis *d, const struct site_stack *st,
		    struct model_row *r)
{
	const struct site *s = d->site;
	bool lower = false;
	uint64_t age;
	int ret;

	r->site = s;
	r->stack = st;
	r->pc = s->gopc - src->bias;	/* as `go tool addr2line` names it, PIE too */
	r->function = s->info.function;
	r->file = s->info.file;
	r->line = s->info.line;
	r->start_function = s->info.start_function;
	r->system = s->info.system;
	r->created = st ? st->created : s->created;
	r->exited = st ? st->exited : s->exited;
	r->live = st ? st->live : s->live;
	r->live_at_start = st ? st->live_at_start : s->live_at_start;
	age = st ? collector_stack_oldest_age(src->coll, st, src->now_ns, &lower) :
		   collector_oldest_age(src->coll, s, src->now_ns, &lower);
	r->has_age = r->live > 0;
	r->oldest_age_ns = r->has_age ? age : 0;
	r->oldest_age_s = ns_to_s(r->oldest_age_ns);
	/* Without probes a goroutine's birth is its first snapshot or before. */
	r->oldest_age_is_lower_bound = r->has_age && (lower || src->probe_free);
	r->verdict = d->verdict.kind;
	snprintf(r->reason, sizeof(r->reason), "%s", d->verdict.reason);
	r->created_per_s = d->created_per_s;
	r->exited_per_s = d->exited_per_s;
	r->parks = s->parks;
	r->have_end = !st && s->have_end;
	r->end_live = s->end_live;
	r->end_diff = (int64_t)s->end_live - (int64_t)s->live;
	r->end_changed = s->end_changed;
	r->series = &s->series;
	if (src->probe_free && !st) {
		r->new_last_snapshot = s->created - s->marked_created;
		r->gone_last_snapshot = s->exited - s->marked_exited;
	}
	ret = waits_of(src->go_minor, st ? (const void *)st->parked_by_reason :
					   (const void *)s->parked_by_reason,
		       false, &r->waits, &r->nwaits);
	if (!ret && r->nwaits) {
		/* The main reason of the row's own goroutines: by the same rule
		 * as the diagnosis (the most, the lower value on a tie). */
		r->main_wait = r->waits[0].name;
		r->main_wait_count = r->waits[0].count;
	}
	if (!ret && src->park && !st)
		ret = waits_of(src->go_minor, s->parks_by_reason, true, &r->parks_by_reason,
			       &r->nparks_by_reason);
	if (!ret)
		ret = stacks_of(src, opt, r);
	return ret;
}

/* When the trace began, by the wall clock (UTC, ISO 8601). */
static void started_at(const struct model_source *src, char *buf, size_t len)
{
	struct timespec now;
	uint64_t mono = monotonic_ns(), since = mono > src->attach_ns ?
						  mono - src->attach_ns : 0;
	time_t at;
	struct tm tm;

	buf[0] = '\0';
	clock_gettime(CLOCK_REALTIME, &now);
	at = now.tv_sec - (time_t)(since / 1000000000u);
	if (!gmtime_r(&at, &tm) || !strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm))
		buf[0] = '\0';
}

static const struct diagnosis *diagnosis_of(const struct diagnosis *d, size_t n,
					    const struct site *s)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (d[i].site == s)
			return &d[i];
	return NULL;
}

static int build_rows(const struct model_source *src, const struct model_options *opt,
		      const struct diagnosis *diag, size_t nd, struct model *m)
{
	const struct site_stack **sts = NULL;
	size_t i, n = nd;
	int ret = 0;

	if (opt->by_stack) {
		sts = collector_sorted_stacks(src->coll, &n);
		if (!sts && n)
			return -ENOMEM;
	}
	m->rows = calloc(n ? n : 1, sizeof(*m->rows));
	if (!m->rows) {
		free(sts);
		return -ENOMEM;
	}
	for (i = 0; i < n && !ret; i++) {
		const struct diagnosis *d = sts ? diagnosis_of(diag, nd, sts[i]->site) : &diag[i];

		if (!d)
			continue;	/* cannot be: every stack's site was diagnosed */
		ret = fill_row(src, opt, d, sts ? sts[i] : NULL, &m->rows[m->nrows]);
		m->nrows++;
	}
	free(sts);
	if (!ret)
		qsort(m->rows, m->nrows, sizeof(*m->rows), row_qsort_cmp);
	return ret;
}

int model_build(const struct model_source *src, const struct model_options *opt,
		struct model *m)
{
	struct diagnose_ctx dc = {
		.c = src->coll,
		.go_minor = src->go_minor,
		.start_ns = src->attach_ns,
		.now_ns = src->target_exited ? src->exited_ns : src->now_ns,
	};
	struct diagnosis *diag;
	uint64_t end = dc.now_ns;
	size_t i, nd;
	int ret;

	memset(m, 0, sizeof(*m));
	m->target = src->t;
	m->pid = src->pid;
	m->exe = src->exe;
	m->go_version = src->go_version;
	m->duration_s = end > src->attach_ns ? ns_to_s(end - src->attach_ns) : 0;
	m->target_exited = src->target_exited;
	m->target_exec = src->target_exec;
	m->attach_ns = src->attach_ns;
	m->now_ns = src->now_ns;
	started_at(src, m->started_at, sizeof(m->started_at));
	collector_totals(src->coll, &m->totals);
	memcpy(m->stats, src->stats, sizeof(m->stats));
	m->stack_depth = src->stack_depth;
	m->by_stack = opt->by_stack;
	m->park = src->park;
	m->park_sample_pct = src->park_sample_pct;
	m->park_live_s = ns_to_s(src->park_live_ns);
	m->probe_free = src->probe_free;
	m->snapshot_interval_s = ns_to_s(src->snapshot_interval_ns);
	m->snapshots = src->snapshots;
	m->have_goids = src->have_goids;
	m->goids = src->goids;
	m->have_end_check = collector_end_check(src->coll, &m->end_check);
	m->trend = collector_trend(src->coll);

	diag = diagnose_all(&dc, &nd);
	if (!diag && nd)
		return -ENOMEM;
	for (i = 0; i < nd; i++) {
		m->verdicts[diag[i].verdict.kind]++;
		if (diag[i].site->info.system)
			m->runtime_sites++;
		else
			m->user_verdicts[diag[i].verdict.kind]++;
	}
	ret = build_rows(src, opt, diag, nd, m);
	free(diag);
	if (ret)
		model_free(m);
	return ret;
}

void model_free(struct model *m)
{
	size_t i, j;

	for (i = 0; m->rows && i < m->nrows; i++) {
		struct model_row *r = &m->rows[i];

		for (j = 0; j < r->nstacks; j++)
			free(r->stacks[j].frames);
		free(r->stacks);
		free(r->waits);
		free(r->parks_by_reason);
	}
	free(m->rows);
	free(m->blocked);
	memset(m, 0, sizeof(*m));
}

const struct model_row *model_site_row(const struct model *m, const struct site *s)
{
	size_t i;

	for (i = 0; i < m->nrows; i++)
		if (m->rows[i].site == s)
			return &m->rows[i];
	return NULL;
}

int model_add_blocked(struct model *m, const struct dump *d, size_t max)
{
	struct dump_blocked_group *groups;
	size_t n = dump_blocked_groups(d, 0, max, &groups), i;

	free(m->blocked);
	m->blocked = NULL;
	m->nblocked = 0;
	m->have_blocked = true;
	if (!n)
		return 0;
	m->blocked = calloc(n, sizeof(*m->blocked));
	if (!m->blocked) {
		free(groups);
		return -ENOMEM;
	}
	for (i = 0; i < n; i++) {
		const struct dump_goroutine *g = groups[i].g;

		m->blocked[i] = (struct model_blocked){
			.count = groups[i].count,
			.state = dump_status_name(d, g),
			.wait_minutes = groups[i].wait_minutes,
			.have_site = g->have_created_by,
			.site_pc = g->have_created_by ? g->created_by.pc - d->t->bias : 0,
			.site_function = g->created_by.function ? g->created_by.function : "?",
			.site_file = g->created_by.file,
			.site_line = g->created_by.line,
			.frames = g->frames,
			.nframes = g->nframes,
		};
	}
	m->nblocked = n;
	free(groups);
	return 0;
}

size_t model_counters(const struct model *m, struct model_counter out[MODEL_COUNTERS])
{
	const struct collector_totals *t = &m->totals;
	const struct model_counter all[MODEL_COUNTERS] = {
		{ "create_hits", m->stats[GS_STAT_CREATE_HITS] },
		{ "park_hits", m->stats[GS_STAT_PARK_HITS] },
		{ "park_counters_full", m->stats[GS_STAT_PARK_DROPPED] },
		{ "exit_hits", m->stats[GS_STAT_EXIT_HITS] },
		{ "read_faults", m->stats[GS_STAT_READ_FAULTS] },
		{ "duplicate_records", t->duplicate_records },
		{ "records_after_cut", t->records_after_cut },
		{ "baseline_phantoms", t->baseline_phantoms },
		{ "creation_stacks", t->creation_stacks },
		{ "stack_walk_faults", m->stats[GS_STAT_STACK_FAULTS] },
		{ "stack_maps_full", m->stats[GS_STAT_STACK_FULL] },
		{ "stacks_unreadable", t->stacks_unreadable },
		{ "stack_mismatches", t->stack_mismatches },
	};

	memcpy(out, all, sizeof(all));
	return MODEL_COUNTERS;
}
